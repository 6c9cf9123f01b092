/**
 * Tree rows show registry strings (repository names, tags, file titles, media types, annotations,
 * error texts). Every row passes through {@link visibleTreeItem} on its way to VS Code, so an
 * invisible, bidi or control character in any label, description or tooltip shows as an escape
 * (`\u202E`) instead of hiding itself or reordering the row around it.
 */
import type * as vscode from 'vscode';
import { visibleText, visibleTextKeepingLines } from '../core/text/visible-text';

/** `item` with its label, description and tooltip made visible (changed in place, and returned). */
export function visibleTreeItem(item: vscode.TreeItem): vscode.TreeItem {
  const label = item.label;
  if (typeof label === 'string') item.label = visibleText(label);
  else if (label) {
    const shown = visibleText(label.label);
    // Highlights index the original text: they no longer fit an escaped one.
    if (shown !== label.label) item.label = { label: shown };
  }
  if (typeof item.description === 'string') item.description = visibleText(item.description);
  const tooltip = item.tooltip;
  if (typeof tooltip === 'string') item.tooltip = visibleTextKeepingLines(tooltip);
  // A MarkdownString: registry text is in it through appendText (escaped Markdown), and the
  // escapes added here (`\u202E`: a backslash before a letter) are literal text in Markdown too.
  else if (tooltip) tooltip.value = visibleTextKeepingLines(tooltip.value);
  return item;
}
