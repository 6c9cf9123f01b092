/**
 * What a layer file's tab shows, from what the core read: a text file as its text, exactly (so
 * line numbers and the language's colouring are the file's); a binary file (NUL bytes, or more
 * than a small share of bytes that are not UTF-8) as a short explanation and a hex dump of its
 * first few KiB rather than mojibake; a symbolic link as a sentence naming its target. What the
 * user should know about the read (cut at the cap, layer not verified) is returned apart, for the
 * extension to say outside the text. No VS Code here, so it is unit-tested as it is.
 */
import type { LayerFileContent } from '../core/index';
import { formatBytes } from '../shared/format';
import { visibleText } from '../core/text/visible-text';

/** The bytes a binary file shows as hex: a page or two, enough to recognise a format by its header. */
export const HEX_DUMP_BYTES = 4096;
/** A text file may hold this share of bytes that are not UTF-8 (a stray Latin-1 character) and still show as text. */
const MAX_INVALID_SHARE = 0.01;
/** Bytes looked at to decide: the start of a file says what it is. */
const SNIFF_BYTES = 64 * 1024;

export interface LayerFileText {
  text: string;
  binary: boolean;
  /** Sentences for the user about the read itself (cut, unverified); empty when there is nothing to say. */
  notes: string[];
}

/** `path`: the file's path in the layer, as asked for (registry text: shown with escapes). */
export function layerFileText(read: LayerFileContent, path: string, layerDigest: string): LayerFileText {
  const shownPath = `/${visibleText(path)}`;
  const notes: string[] = [];
  if (read.cut) notes.push(`Only the first ${formatBytes(read.content.length)} of ${shownPath} (${formatBytes(read.size)}) are shown.`);
  if (!read.wholeLayerRead)
    notes.push(
      `Unverified: the read of layer ${layerDigest.slice(0, 19)}… stopped after ${shownPath}, before the end of the layer, so the layer's digest was not checked.`,
    );
  if (read.kind === 'symlink') {
    const target = visibleText(read.linkTarget ?? '');
    return {
      text: `${shownPath} is a symbolic link to:\n\n  ${target}\n\nLinks are not followed: the target may be in this layer, in another layer of the image, or nowhere. Open it from the listing of the layer that holds it.\n`,
      binary: false,
      notes,
    };
  }
  if (!isBinary(read.content)) return { text: read.content.toString('utf8'), binary: false, notes };
  const from = read.contentPath ? ` (the content of /${visibleText(read.contentPath)}, which it is a hard link to)` : '';
  const shown = Math.min(HEX_DUMP_BYTES, read.content.length);
  const lines = [
    `${shownPath}${from} is binary (${formatBytes(read.size)}): it holds bytes that are not text, so the first ${formatBytes(shown)} are shown in hex.`,
    ...notes,
    '',
    hexDump(read.content.subarray(0, shown)),
  ];
  return { text: `${lines.join('\n')}\n`, binary: true, notes };
}

/** NUL bytes, or more than 1% of the first 64 KiB not decoding as UTF-8. */
export function isBinary(bytes: Buffer): boolean {
  const sample = bytes.subarray(0, SNIFF_BYTES);
  if (sample.includes(0)) return true;
  if (sample.length === 0) return false;
  // A character cut at the end of the sample is not a fault of the file.
  const text = new TextDecoder('utf-8').decode(trimPartialCharacter(sample));
  let invalid = 0;
  for (let i = text.indexOf('\uFFFD'); i !== -1; i = text.indexOf('\uFFFD', i + 1)) invalid++;
  return invalid > sample.length * MAX_INVALID_SHARE;
}

function trimPartialCharacter(bytes: Buffer): Buffer {
  let start = bytes.length;
  // At most three continuation bytes follow a lead byte.
  while (start > 0 && bytes.length - start < 4 && (bytes[start - 1]! & 0xc0) === 0x80) start--;
  if (start === 0) return bytes;
  const lead = bytes[start - 1]!;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return need > bytes.length - start + 1 ? bytes.subarray(0, start - 1) : bytes;
}

/** `00000000  7f 45 4c 46 02 01 01 00  00 00 00 00 00 00 00 00  |.ELF............|`, as `hexdump -C`. */
export function hexDump(bytes: Buffer): string {
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const row = bytes.subarray(offset, offset + 16);
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, '0'));
    const left = hex.slice(0, 8).join(' ');
    const right = hex.slice(8).join(' ');
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${left.padEnd(23)}  ${right.padEnd(23)}  |${ascii}|`);
  }
  return lines.join('\n');
}
