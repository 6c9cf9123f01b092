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
 *
 * It also keeps tar-stream in step through GNU sparse files (`tar -S --format=gnu`, type 'S'),
 * which tar-stream does not know: past four data runs, their map continues in extension blocks
 * between the header and the data, which tar-stream would read as data and then lose its place.
 * The guard holds such a header back until its map ends (at most 64 KiB of it) and hands it on
 * with a size that covers the map as well, so tar-stream skips both; and it reports each sparse
 * file's real size, which only this header says.
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
const TYPE_GNU_SPARSE = 35; // 'S'
/** In a GNU sparse header: set when extension blocks follow; then the file's real size. */
const SPARSE_IS_EXTENDED = 482;
const SPARSE_REAL_SIZE = 483;
/** In an extension block: set when another one follows. */
const SPARSE_EXTENSION_IS_EXTENDED = 504;
/** A sparse map's extension blocks held back at most: 2,692 data runs. */
export const MAX_SPARSE_MAP_BYTES = MAX_EXTENDED_HEADER_BYTES;
const SPACE = 0x20;
const USTAR_MAGIC = Buffer.from('ustar\0', 'latin1');
const GNU_MAGIC = Buffer.from('ustar ', 'latin1');
const GNU_VERSION = Buffer.from(' \0', 'latin1');

export type TarGuardProblem =
  | { kind: 'extended-header-too-large'; size: number; global: boolean }
  | { kind: 'global-header-too-many-records'; records: number }
  /** A size tar-stream cannot follow: unreadable, negative, or 0 (after which it loses its place). */
  | { kind: 'extended-header-malformed' }
  | { kind: 'sparse-map-too-large' };

type State =
  | { kind: 'header'; held: Buffer[]; length: number }
  | { kind: 'skip'; remaining: number }
  | { kind: 'extended'; type: number; size: number; remaining: number; held: Buffer[] }
  /** A GNU sparse header whose map goes on in extension blocks, held back with them. */
  | { kind: 'sparse-map'; header: Buffer; size: number; blocks: Buffer[]; held: Buffer[]; length: number }
  | { kind: 'stopped' };

export class TarHeaderGuard {
  private state: State = { kind: 'header', held: [], length: 0 };
  private offset = 0;
  /** The global PAX records' `size`, as tar-stream would merge it into an entry's own records. */
  private globalRecords: Map<string, string> | undefined;
  /** The `size` record that applies to the next entry (after a local PAX header), if any. */
  private pendingPax: { size: string | undefined } | undefined;
  /** Bytes of earlier chunks not handed on yet: the start of a header, or a sparse header and its map. */
  private holding = false;

  /**
   * @param refuse makes the error thrown for a problem (the caller words it for its user).
   * @param onEntryHeader told where each entry's own header starts (as tar-stream's `offset`),
   *   and a GNU sparse file's real size.
   */
  constructor(
    private readonly refuse: (problem: TarGuardProblem) => Error,
    private readonly onEntryHeader?: (offset: number, sparseSize?: number) => void,
  ) {}

  /**
   * Looks at the next bytes of the tar and returns what tar-stream should read of them: the same
   * bytes, less the start of a header that goes on in the next chunk (returned with it), and GNU
   * sparse headers rewritten. Throws the caller's error on a hostile header.
   */
  write(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    // chunk[passFrom, holdFrom) goes on as it is; from holdFrom on, bytes are held back.
    let passFrom = 0;
    let holdFrom: number | undefined = this.holding ? 0 : undefined;
    let i = 0;
    /** Hands on what passes up to where holding began, then `held` in place of the held bytes. */
    const release = (held: Buffer[]): void => {
      out.push(chunk.subarray(passFrom, holdFrom ?? i), ...held);
      passFrom = i;
      holdFrom = undefined;
      this.holding = false;
    };
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
        if (state.length === 0) holdFrom = i;
        const take = Math.min(BLOCK - state.length, chunk.length - i);
        state.held.push(Buffer.from(chunk.subarray(i, i + take)));
        state.length += take;
        i += take;
        if (state.length === BLOCK) {
          const start = this.offset;
          this.offset += BLOCK;
          const block = Buffer.concat(state.held);
          this.readHeader(block, start);
          if (this.state.kind === 'sparse-map') continue;
          if (this.holding) release([block]);
          else holdFrom = undefined;
        }
      } else if (state.kind === 'sparse-map') {
        const take = Math.min(BLOCK - state.length, chunk.length - i);
        state.held.push(Buffer.from(chunk.subarray(i, i + take)));
        state.length += take;
        i += take;
        this.offset += take;
        if (state.length === BLOCK) {
          const block = Buffer.concat(state.held);
          state.blocks.push(block);
          state.held = [];
          state.length = 0;
          if (block[SPARSE_EXTENSION_IS_EXTENDED] === 0) release(this.endSparseMap(state));
          else if ((state.blocks.length + 1) * BLOCK > MAX_SPARSE_MAP_BYTES) throw this.refuse({ kind: 'sparse-map-too-large' });
        }
      }
    }
    if (holdFrom === undefined) {
      out.push(passFrom === 0 ? chunk : chunk.subarray(passFrom));
    } else {
      out.push(chunk.subarray(passFrom, holdFrom));
      this.holding = true;
    }
    return out.filter((piece) => piece.length > 0);
  }

  /** What is still held back when the tar ends (a cut-off header or sparse map), for tar-stream to find cut off. */
  end(): Buffer[] {
    const state = this.state;
    this.holding = false;
    if (state.kind === 'header') return state.held;
    if (state.kind === 'sparse-map') return [state.header, ...state.blocks, ...state.held];
    return [];
  }

  /**
   * The sparse header with a size that covers its map's extension blocks as well as the data,
   * and the blocks: tar-stream reads the header and skips the rest as the entry's content.
   */
  private endSparseMap(state: Extract<State, { kind: 'sparse-map' }>): Buffer[] {
    const header = Buffer.from(state.header);
    writeSize(header, state.size + state.blocks.length * BLOCK);
    this.state = { kind: 'skip', remaining: state.size + padding(state.size) };
    if (this.state.remaining === 0) this.expectHeader();
    return [header, ...state.blocks];
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
    let paxSize = false;
    if (this.pendingPax) {
      const text = this.pendingPax.size;
      this.pendingPax = undefined;
      if (text) {
        size = parseInt(text, 10);
        paxSize = true;
      }
    }
    // A PAX size overrides the header's for tar-stream, which then reads the map as content too.
    const sparse = type === TYPE_GNU_SPARSE && !paxSize;
    const realSize = sparse ? octal(block, SPARSE_REAL_SIZE, 12) : null;
    this.onEntryHeader?.(start, realSize !== null && Number.isSafeInteger(realSize) && realSize >= 0 ? realSize : undefined);
    if (size === null || !(size >= 0)) {
      this.state = { kind: 'stopped' };
      return;
    }
    if (sparse && block[SPARSE_IS_EXTENDED] !== 0) {
      this.state = { kind: 'sparse-map', header: block, size, blocks: [], held: [], length: 0 };
      this.holding = true;
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

/** Writes `size` into a header's size field (octal, or base-256 past 8 GiB) and its checksum. */
function writeSize(header: Buffer, size: number): void {
  if (size <= 0o77777777777) {
    header.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  } else {
    header[124] = 0x80;
    for (let i = 135, rest = size; i > 124; i--, rest = Math.floor(rest / 256)) header[i] = rest % 256;
  }
  header.write(`${checksum(header).toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
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
