/**
 * Guards tar-stream against hostile extended headers. tar-stream buffers a PAX ('x', 'g') or GNU
 * long-name ('L', 'K') header whole, up to 4 MiB, and merges the global PAX records into every
 * entry's own: a 4 MiB global header of short records makes each entry cost half a second, and a
 * layer of a few KiB can ask for hours. This guard walks the same blocks just before tar-stream
 * does, finds each header where tar-stream will find it (following its reading of sizes, PAX
 * `size` records and folders exactly), and refuses extended headers over 64 KiB and global
 * headers of more than 64 records before tar-stream reads them (and empty ones, after which
 * tar-stream loses its place in the archive). Where tar-stream itself will fail
 * (a bad checksum, an unknown format, an unreadable entry size) the guard stops watching.
 */

/** PATH_MAX (4 KiB) for the path and for the link target, and room for xattrs and ACLs. */
export const MAX_EXTENDED_HEADER_BYTES = 64 * 1024;
/** Global records are copied into every entry that has PAX records of its own. */
export const MAX_GLOBAL_HEADER_RECORDS = 64;

const BLOCK = 512;
const TYPE_PAX = 72; // 'x'
const TYPE_PAX_GLOBAL = 55; // 'g'
const LONG_TYPES = new Set([TYPE_PAX, TYPE_PAX_GLOBAL, 27 /* 'K' */, 28 /* 'L' */, 30 /* 'N' */]);
const TYPE_DIRECTORY = 5;
const SPACE = 0x20;
const USTAR_MAGIC = Buffer.from('ustar\0', 'latin1');
const GNU_MAGIC = Buffer.from('ustar ', 'latin1');
const GNU_VERSION = Buffer.from(' \0', 'latin1');

export type TarGuardProblem =
  | { kind: 'extended-header-too-large'; size: number; global: boolean }
  | { kind: 'global-header-too-many-records'; records: number }
  /** A size tar-stream cannot follow: unreadable, negative, or 0 (after which it loses its place). */
  | { kind: 'extended-header-malformed' };

type State =
  | { kind: 'header'; held: Buffer[]; length: number }
  | { kind: 'skip'; remaining: number }
  | { kind: 'extended'; type: number; size: number; remaining: number; held: Buffer[] }
  | { kind: 'stopped' };

export class TarHeaderGuard {
  private state: State = { kind: 'header', held: [], length: 0 };
  private offset = 0;
  /** The global PAX records' `size`, as tar-stream would merge it into an entry's own records. */
  private globalRecords: Map<string, string> | undefined;
  /** The `size` record that applies to the next entry (after a local PAX header), if any. */
  private pendingPax: { size: string | undefined } | undefined;

  /**
   * @param refuse makes the error thrown for a problem (the caller words it for its user).
   * @param onEntryHeader told where each entry's own header starts (as tar-stream's `offset`).
   */
  constructor(
    private readonly refuse: (problem: TarGuardProblem) => Error,
    private readonly onEntryHeader?: (offset: number) => void,
  ) {}

  /** Looks at the next bytes of the tar; throws the caller's error on a hostile header. */
  write(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length && this.state.kind !== 'stopped') {
      const state = this.state;
      if (state.kind === 'skip') {
        const take = Math.min(state.remaining, chunk.length - i);
        state.remaining -= take;
        i += take;
        this.offset += take;
        if (state.remaining === 0) this.expectHeader();
      } else if (state.kind === 'extended') {
        const take = Math.min(state.remaining, chunk.length - i);
        if (state.type === TYPE_PAX || state.type === TYPE_PAX_GLOBAL) state.held.push(Buffer.from(chunk.subarray(i, i + take)));
        state.remaining -= take;
        i += take;
        this.offset += take;
        if (state.remaining === 0) this.endExtended(state);
      } else if (state.kind === 'header') {
        const take = Math.min(BLOCK - state.length, chunk.length - i);
        state.held.push(Buffer.from(chunk.subarray(i, i + take)));
        state.length += take;
        i += take;
        if (state.length === BLOCK) {
          const start = this.offset;
          this.offset += BLOCK;
          this.readHeader(Buffer.concat(state.held), start);
        }
      }
    }
  }

  private expectHeader(): void {
    this.state = { kind: 'header', held: [], length: 0 };
  }

  private readHeader(block: Buffer, start: number): void {
    const sum = checksum(block);
    // All zero but for the checksum field: tar-stream skips the block (the end of the archive).
    if (sum === 8 * SPACE) return this.expectHeader();
    if (
      sum !== octal(block, 148, 8) ||
      !(hasMagic(block, USTAR_MAGIC) || (hasMagic(block, GNU_MAGIC) && block.subarray(263, 265).equals(GNU_VERSION)))
    ) {
      // tar-stream refuses this header itself and stops there.
      this.state = { kind: 'stopped' };
      return;
    }
    // tar-stream decides the type by the type flag alone (a name ending in '/' does not make a folder).
    const type = block[156] === 0 ? 0 : block[156]! - 0x30;
    let size = octal(block, 124, 12);
    if (LONG_TYPES.has(type)) {
      if (size === null || !Number.isSafeInteger(size) || size <= 0) throw this.refuse({ kind: 'extended-header-malformed' });
      if (size > MAX_EXTENDED_HEADER_BYTES)
        throw this.refuse({ kind: 'extended-header-too-large', size, global: type === TYPE_PAX_GLOBAL });
      this.state = { kind: 'extended', type, size, remaining: size, held: [] };
      return;
    }
    this.onEntryHeader?.(start);
    if (this.pendingPax) {
      const text = this.pendingPax.size;
      this.pendingPax = undefined;
      if (text) size = parseInt(text, 10);
    }
    if (size === null || !(size >= 0)) {
      this.state = { kind: 'stopped' };
      return;
    }
    if (size === 0 || type === TYPE_DIRECTORY) return this.expectHeader();
    this.state = { kind: 'skip', remaining: size + padding(size) };
  }

  private endExtended(state: Extract<State, { kind: 'extended' }>): void {
    if (state.type === TYPE_PAX_GLOBAL) {
      const records = paxRecords(Buffer.concat(state.held));
      if (records.size > MAX_GLOBAL_HEADER_RECORDS) throw this.refuse({ kind: 'global-header-too-many-records', records: records.size });
      this.globalRecords = records;
    } else if (state.type === TYPE_PAX) {
      const records = paxRecords(Buffer.concat(state.held));
      this.pendingPax = { size: records.has('size') ? records.get('size') : this.globalRecords?.get('size') };
    }
    const pad = padding(state.size);
    if (pad > 0) this.state = { kind: 'skip', remaining: pad };
    else this.expectHeader();
  }
}

/** What pads `size` bytes to a whole block, computed as tar-stream does (with 32-bit masking). */
function padding(size: number): number {
  const rest = size & 511;
  return rest && BLOCK - rest;
}

/** The header's checksum, its own field counted as spaces. */
function checksum(block: Buffer): number {
  let sum = 8 * SPACE;
  for (let i = 0; i < 148; i++) sum += block[i]!;
  for (let i = 156; i < BLOCK; i++) sum += block[i]!;
  return sum;
}

function hasMagic(block: Buffer, magic: Buffer): boolean {
  return block.subarray(257, 263).equals(magic);
}

/** A numeric field as tar-stream reads it: base-256 when the high bit is set, else octal text. */
function octal(block: Buffer, offset: number, length: number): number | null {
  const field = block.subarray(offset, offset + length);
  if (field[0]! & 0x80) return base256(field);
  let start = 0;
  while (start < field.length && field[start] === SPACE) start++;
  let end = field.indexOf(SPACE, start);
  if (end === -1) end = field.length;
  while (start < end && field[start] === 0) start++;
  if (end === start) return 0;
  return parseInt(field.subarray(start, end).toString(), 8);
}

function base256(field: Buffer): number | null {
  const positive = field[0] === 0x80;
  if (!positive && field[0] !== 0xff) return null;
  let sum = 0;
  for (let i = field.length - 1, power = 0; i > 0; i--, power++) sum += (positive ? field[i]! : 0xff - field[i]!) * Math.pow(256, power);
  return positive ? sum : -sum;
}

/** PAX records ("<length> <key>=<value>\n"), read with tar-stream's rules: the first malformed record ends them. */
export function paxRecords(bytes: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let rest = bytes;
  while (rest.length > 0) {
    let space = 0;
    while (space < rest.length && rest[space] !== SPACE) space++;
    const length = parseInt(rest.subarray(0, space).toString(), 10);
    if (!length) break;
    const record = rest.subarray(space + 1, length - 1).toString();
    const equals = record.indexOf('=');
    if (equals === -1) break;
    records.set(record.slice(0, equals), record.slice(equals + 1));
    rest = rest.subarray(length);
  }
  return records;
}
