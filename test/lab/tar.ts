// A minimal POSIX ustar writer: 512-byte headers with octal fields and a checksum, data padded to
// 512 bytes, two zero blocks at the end. Enough for real, GNU-tar-readable image layers.

export type TarData = Buffer | { size: number; chunks(): Iterable<Buffer> };

export interface TarEntry {
  /** Relative path, '/'-separated; directories may omit the trailing '/'. */
  name: string;
  directory?: boolean;
  data?: TarData;
  /** Default 0o644 for files, 0o755 for directories. */
  mode?: number;
  /** Seconds since the epoch; default a fixed date so archives are reproducible. */
  mtime?: number;
}

const BLOCK = 512;
const FIXED_MTIME = Date.UTC(2024, 0, 1) / 1000;
const MAX_SIZE = 0o77777777777; // 11 octal digits: 8 GiB - 1

function octal(value: number, width: number): string {
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new Error(`tar: ${value} does not fit a ${width}-byte octal field`);
  return digits.padStart(width - 1, '0');
}

/** Splits a long path into ustar prefix (≤155 bytes) and name (≤100 bytes) at a '/'. */
function splitName(path: string): { prefix: string; name: string } {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.lastIndexOf('/', path.length - 2); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name.length > 0) return { prefix, name };
  }
  throw new Error(`tar: path too long for ustar: ${path}`);
}

export function tarHeader(entry: TarEntry, size: number): Buffer {
  const isDir = entry.directory === true;
  const path = isDir && !entry.name.endsWith('/') ? `${entry.name}/` : entry.name;
  if (size < 0 || size > MAX_SIZE) throw new Error(`tar: ${path} is ${size} bytes; ustar allows at most ${MAX_SIZE}`);
  const { prefix, name } = splitName(path);
  const header = Buffer.alloc(BLOCK, 0);
  const put = (offset: number, text: string): void => {
    header.write(text, offset, 'utf8');
  };
  put(0, name);
  put(100, `${octal(entry.mode ?? (isDir ? 0o755 : 0o644), 8)}\0`);
  put(108, `${octal(0, 8)}\0`); // uid
  put(116, `${octal(0, 8)}\0`); // gid
  put(124, `${octal(isDir ? 0 : size, 12)}\0`);
  put(136, `${octal(Math.floor(entry.mtime ?? FIXED_MTIME), 12)}\0`);
  put(148, '        '); // checksum is computed with this field as spaces
  put(156, isDir ? '5' : '0');
  put(257, 'ustar\0');
  put(263, '00');
  put(265, 'root');
  put(297, 'root');
  put(345, prefix);
  let sum = 0;
  for (const byte of header) sum += byte;
  put(148, `${octal(sum, 7)}\0 `);
  return header;
}

function dataSize(data: TarData | undefined): number {
  if (data === undefined) return 0;
  return Buffer.isBuffer(data) ? data.length : data.size;
}

/** Yields the archive piece by piece so large layers never sit in memory whole. */
export function* tarChunks(entries: Iterable<TarEntry>): Generator<Buffer> {
  for (const entry of entries) {
    const size = entry.directory ? 0 : dataSize(entry.data);
    yield tarHeader(entry, size);
    if (entry.directory || entry.data === undefined) continue;
    let written = 0;
    const parts = Buffer.isBuffer(entry.data) ? [entry.data] : entry.data.chunks();
    for (const part of parts) {
      written += part.length;
      yield part;
    }
    if (written !== size) throw new Error(`tar: ${entry.name} declared ${size} bytes but produced ${written}`);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad > 0) yield Buffer.alloc(pad, 0);
  }
  yield Buffer.alloc(BLOCK * 2, 0);
}
