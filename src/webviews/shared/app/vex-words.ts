/**
 * OpenVEX's status and justification labels in words, one rule for both panels and their hosts:
 * `not_affected` → "not affected", `vulnerable_code_not_in_execute_path` → "vulnerable code not in
 * execute path". Pure text, so the page and the host use the same module.
 */
export function vexWords(label: string): string {
  return label.replace(/_/g, ' ');
}
