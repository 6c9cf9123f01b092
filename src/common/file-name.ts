/**
 * A name for a file on this machine made from text that came from elsewhere (a file's name in a
 * layer, a reference): what save dialogs suggest. The text is untrusted, so every character some
 * file system refuses, or that would hide in a dialog, is replaced: the result is one name (never
 * a path), fits the usual 255-byte limit, and is none of the names Windows keeps for devices.
 */
import { visibleText } from '../core/text/visible-text';

/** The longest name of one file on the usual file systems (ext4, APFS, NTFS), in bytes. */
const MAX_NAME_BYTES = 255;
/**
 * Refused by Windows ('/' everywhere). Control characters are not here: visibleText has made them
 * escapes (`\u000A`), whose '\' this replaces, so the name shows what the text held.
 */
const INVALID = /[<>:"/\\|?*]/g;
/** Device names Windows reserves whatever the extension: `NUL.txt` is the device too. */
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/** `text` as a file name, or `fallback` when nothing of it is left. */
export function safeFileName(text: string, fallback = 'file'): string {
  // Invisible and reordering characters become their escapes first, so the name reads as it is.
  let name = visibleText(text).replace(INVALID, '_');
  // Windows drops trailing dots and spaces, so `a.` and `a` would be the same file.
  name = name.replace(/[. ]+$/, '').trim();
  if (name === '' || /^\.+$/.test(name)) return fallback;
  if (RESERVED.test(name)) name = `_${name}`;
  if (Buffer.byteLength(name) <= MAX_NAME_BYTES) return name;
  // Cut from the end of the stem, so the extension (what opens the file) stays; in one pass over
  // whole characters, since an escaped hostile name can run to tens of thousands of them.
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  let room = MAX_NAME_BYTES - Buffer.byteLength(ext);
  let stem = '';
  for (const char of name.slice(0, name.length - ext.length)) {
    room -= Buffer.byteLength(char);
    if (room < 0) break;
    stem += char;
  }
  return stem + ext;
}
