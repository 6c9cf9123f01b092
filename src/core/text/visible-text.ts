/**
 * Characters that draw nothing or reorder the text around them — bidirectional controls (U+202E
 * makes "gpj.exe" read "exe.jpg"), zero-width and other format characters, line separators,
 * control characters — shown as visible escapes (`\u202E`), as VS Code does in source text.
 * Registry strings (names, tags, annotations, labels, file names, error texts) pass through here
 * before the tree, the inspector, a notification or the log shows them.
 *
 * Imports nothing: the inspector's webview bundles this file for the browser too.
 */

/**
 * Format characters (Unicode category Cf: every bidi control, zero-width space/joiners, word joiner,
 * BOM, soft hyphen, tag characters…), line and paragraph separators, lone surrogates, and the few
 * letters and marks that are blank by design and used to fake names (combining grapheme joiner,
 * Hangul fillers, Khmer inherent vowels, braille blank). A zero-width joiner between emoji is kept:
 * it is how 👩‍💻 is spelled.
 */
const INVISIBLE_SOURCE =
  '(?<!\\p{Extended_Pictographic}|\\u{FE0F}|\\p{Emoji_Modifier})\\u{200D}|\\u{200D}(?!\\p{Extended_Pictographic})' +
  '|(?!\\u{200D})[\\p{Cf}\\p{Zl}\\p{Zp}\\p{Cs}\\u{115F}\\u{1160}\\u{2800}\\u{3164}\\u{FFA0}]' +
  // Combining marks, outside a character class (where they would read as combined with the one before).
  '|\\u{034F}|\\u{17B4}|\\u{17B5}';

/** Control characters (C0, DEL, C1): never shown as they are on one line of text. */
const CONTROL_SOURCE = '\\p{Cc}';

const INVISIBLE_OR_CONTROL = new RegExp(`${INVISIBLE_SOURCE}|${CONTROL_SOURCE}`, 'gu');
/** The same, minus tab and line breaks, for text shown with its lines (a tooltip, a page). */
const INVISIBLE_OR_CONTROL_KEEPING_LINES = new RegExp(`${INVISIBLE_SOURCE}|(?![\\t\\n\\r])${CONTROL_SOURCE}`, 'gu');

/** `\u202E` for one character (`\u{E0041}` beyond the BMP), the escape JSON and JavaScript use. */
export function escapeChar(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const hex = code.toString(16).toUpperCase();
  return code > 0xffff ? `\\u{${hex}}` : `\\u${hex.padStart(4, '0')}`;
}

/**
 * Text for a single line of plain text (a tree label or description, a title, a message): every
 * invisible, reordering or control character becomes its escape. Idempotent.
 */
export function visibleText(text: string): string {
  return text.replace(INVISIBLE_OR_CONTROL, escapeChar);
}

/** The same for text whose lines are meant to show (a tooltip, a log line): tab, CR and LF stay. */
export function visibleTextKeepingLines(text: string): string {
  return text.replace(INVISIBLE_OR_CONTROL_KEEPING_LINES, escapeChar);
}

/**
 * Text that must stay on one line (an error message): each run of control characters and line or
 * paragraph separators becomes one space, so nothing starts a new line in a log, and invisible
 * characters become escapes. Idempotent.
 */
export function oneLineText(text: string): string {
  return visibleText(text.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' '));
}

/** One escaped character of {@link visibleParts}: what it was, its escape, and a name for a tooltip. */
export interface InvisibleChar {
  char: string;
  escape: string;
  name: string;
}

/**
 * Text cut into plain runs and the characters to mark up (tab, CR and LF stay in the runs), so a
 * renderer can show each escape distinctly: the webview draws them as badges.
 */
export function visibleParts(text: string): (string | InvisibleChar)[] {
  const parts: (string | InvisibleChar)[] = [];
  let last = 0;
  for (const match of text.matchAll(INVISIBLE_OR_CONTROL_KEEPING_LINES)) {
    const at = match.index ?? 0;
    if (at > last) parts.push(text.slice(last, at));
    parts.push({ char: match[0], escape: escapeChar(match[0]), name: charName(match[0]) });
    last = at + match[0].length;
  }
  if (last < text.length || parts.length === 0) parts.push(text.slice(last));
  return parts;
}

const NAMES: Record<number, string> = {
  0x00ad: 'soft hyphen',
  0x061c: 'Arabic letter mark',
  0x200b: 'zero width space',
  0x200c: 'zero width non-joiner',
  0x200d: 'zero width joiner',
  0x200e: 'left-to-right mark',
  0x200f: 'right-to-left mark',
  0x2028: 'line separator',
  0x2029: 'paragraph separator',
  0x202a: 'left-to-right embedding',
  0x202b: 'right-to-left embedding',
  0x202c: 'pop directional formatting',
  0x202d: 'left-to-right override',
  0x202e: 'right-to-left override',
  0x2060: 'word joiner',
  0x2066: 'left-to-right isolate',
  0x2067: 'right-to-left isolate',
  0x2068: 'first strong isolate',
  0x2069: 'pop directional isolate',
  0xfeff: 'zero width no-break space',
};

/** What a hidden character is, for a tooltip: `U+202E right-to-left override`. */
export function charName(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = NAMES[code] ?? (code < 0x20 || (code >= 0x7f && code < 0xa0) ? 'control character' : 'invisible character');
  return `${hex} ${name}`;
}
