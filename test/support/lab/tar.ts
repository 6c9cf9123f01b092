// A minimal POSIX ustar writer: 512-byte headers with octal fields and a checksum, data padded to
// 512 bytes, two zero blocks at the end. Enough for real, GNU-tar-readable image layers. Names or
// link targets too long for ustar get a PAX ('x') or GNU ('L'/'K') header before the entry.

export type TarData = Buffer | { size: number; chunks(): Iterable<Buffer> };

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'char-device' | 'block-device' | 'fifo';

export interface TarEntry {
  /** Relative path, '/'-separated; directories may omit the trailing '/'. */
  name: string;
  directory?: boolean;
  /** Default 'directory' when `directory` is set, else 'file'. */
  type?: TarEntryType;
  /** A symlink's or hard link's target. */
  linkTarget?: string;
  data?: TarData;
  /** Default 0o644 for files, 0o755 for directories. */
  mode?: number;
  /** Seconds since the epoch; default a fixed date so archives are reproducible. */
  mtime?: number;
  /** Default 0, 0, 'root', 'root'. */
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  /** Extra PAX records written in an 'x' header before the entry (e.g. `{ mtime: '1.5' }`). */
  pax?: Record<string, string>;
  /** PAX records written in a global ('g') header before the entry: they apply to every entry after it. */
  globalPax?: Record<string, string>;
  /** How a name or link target too long for ustar is written: PAX records (default) or GNU headers. */
  longNames?: 'pax' | 'gnu';
}

const BLOCK = 512;
const FIXED_MTIME = Date.UTC(2024, 0, 1) / 1000;
const MAX_SIZE = 0o77777777777; // 11 octal digits: 8 GiB - 1
const TYPEFLAGS: Record<TarEntryType, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  'char-device': '3',
  'block-device': '4',
  directory: '5',
  fifo: '6',
};

function octal(value: number, width: number): string {
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new Error(`tar: ${value} does not fit a ${width}-byte octal field`);
  return digits.padStart(width - 1, '0');
}

/** Splits a long path into ustar prefix (≤155 bytes) and name (≤100 bytes) at a '/'; undefined if it cannot. */
function trySplitName(path: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.lastIndexOf('/', path.length - 2); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name.length > 0) return { prefix, name };
  }
  return undefined;
}

function splitName(path: string): { prefix: string; name: string } {
  const split = trySplitName(path);
  if (!split) throw new Error(`tar: path too long for ustar: ${path}`);
  return split;
}

function entryType(entry: TarEntry): TarEntryType {
  return entry.type ?? (entry.directory ? 'directory' : 'file');
}

function entryPath(entry: TarEntry): string {
  return entryType(entry) === 'directory' && !entry.name.endsWith('/') ? `${entry.name}/` : entry.name;
}

interface HeaderFields {
  name: string;
  prefix: string;
  typeflag: string;
  size: number;
  mode: number;
  mtime: number;
  linkname: string;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
}

function encodeHeader(f: HeaderFields): Buffer {
  if (f.size < 0 || f.size > MAX_SIZE) throw new Error(`tar: ${f.name} is ${f.size} bytes; ustar allows at most ${MAX_SIZE}`);
  const header = Buffer.alloc(BLOCK, 0);
  // Each text field is cut at its width so that a long value never spills into the next field.
  const put = (offset: number, text: string, width: number): void => {
    Buffer.from(text, 'utf8').subarray(0, width).copy(header, offset);
  };
  put(0, f.name, 100);
  put(100, `${octal(f.mode, 8)}\0`, 8);
  put(108, `${octal(f.uid, 8)}\0`, 8);
  put(116, `${octal(f.gid, 8)}\0`, 8);
  put(124, `${octal(f.size, 12)}\0`, 12);
  put(136, `${octal(Math.floor(f.mtime), 12)}\0`, 12);
  put(148, '        ', 8); // checksum is computed with this field as spaces
  put(156, f.typeflag, 1);
  put(157, f.linkname, 100);
  put(257, 'ustar\0', 6);
  put(263, '00', 2);
  put(265, f.uname, 32);
  put(297, f.gname, 32);
  put(345, f.prefix, 155);
  let sum = 0;
  for (const byte of header) sum += byte;
  put(148, `${octal(sum, 7)}\0 `, 8);
  return header;
}

function fieldsOf(entry: TarEntry, size: number): HeaderFields {
  const type = entryType(entry);
  return {
    name: entryPath(entry),
    prefix: '',
    typeflag: TYPEFLAGS[type],
    size: type === 'directory' ? 0 : size,
    mode: entry.mode ?? (type === 'directory' ? 0o755 : 0o644),
    mtime: entry.mtime ?? FIXED_MTIME,
    linkname: entry.linkTarget ?? '',
    uid: entry.uid ?? 0,
    gid: entry.gid ?? 0,
    uname: entry.uname ?? 'root',
    gname: entry.gname ?? 'root',
  };
}

export function tarHeader(entry: TarEntry, size: number): Buffer {
  const fields = fieldsOf(entry, size);
  return encodeHeader({ ...fields, ...splitName(fields.name) });
}

/** One PAX record: "<length> <key>=<value>\n", where the length counts itself. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body);
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

function padding(size: number): Buffer[] {
  const pad = (BLOCK - (size % BLOCK)) % BLOCK;
  return pad > 0 ? [Buffer.alloc(pad, 0)] : [];
}

/** A header ('x', 'g', 'L' or 'K') carrying `content` as its data, padded to a block. */
export function extensionHeader(typeflag: string, name: string, content: Buffer): Buffer[] {
  const fields: HeaderFields = {
    name,
    prefix: '',
    typeflag,
    size: content.length,
    mode: 0o644,
    mtime: FIXED_MTIME,
    linkname: '',
    uid: 0,
    gid: 0,
    uname: 'root',
    gname: 'root',
  };
  return [encodeHeader(fields), content, ...padding(content.length)];
}

/** The headers an entry needs before its own, and its own header with the fields that fit ustar. */
function headersFor(entry: TarEntry, size: number): Buffer[] {
  const fields = fieldsOf(entry, size);
  const split = trySplitName(fields.name);
  const longLink = Buffer.byteLength(fields.linkname) > 100;
  const blocks: Buffer[] = [];
  if (entry.globalPax)
    blocks.push(
      ...extensionHeader(
        'g',
        'GlobalHead',
        Buffer.from(
          Object.entries(entry.globalPax)
            .map(([key, value]) => paxRecord(key, value))
            .join(''),
        ),
      ),
    );
  const pax: Record<string, string> = { ...entry.pax };
  if (entry.longNames === 'gnu') {
    if (!split) blocks.push(...extensionHeader('L', '././@LongLink', Buffer.from(`${fields.name}\0`)));
    if (longLink) blocks.push(...extensionHeader('K', '././@LongLink', Buffer.from(`${fields.linkname}\0`)));
  } else {
    if (!split) pax.path = fields.name;
    if (longLink) pax.linkpath = fields.linkname;
  }
  const records = Object.entries(pax)
    .map(([key, value]) => paxRecord(key, value))
    .join('');
  if (records !== '') blocks.push(...extensionHeader('x', 'PaxHeader', Buffer.from(records)));
  blocks.push(encodeHeader({ ...fields, ...(split ?? { prefix: '', name: fields.name }) }));
  return blocks;
}

function dataSize(data: TarData | undefined): number {
  if (data === undefined) return 0;
  return Buffer.isBuffer(data) ? data.length : data.size;
}

/** Yields the archive piece by piece so large layers never sit in memory whole. */
export function* tarChunks(entries: Iterable<TarEntry>): Generator<Buffer> {
  for (const entry of entries) {
    const hasData = entryType(entry) !== 'directory' && entry.data !== undefined;
    const size = hasData ? dataSize(entry.data) : 0;
    yield* headersFor(entry, size);
    if (!hasData || entry.data === undefined) continue;
    let written = 0;
    const parts = Buffer.isBuffer(entry.data) ? [entry.data] : entry.data.chunks();
    for (const part of parts) {
      written += part.length;
      yield part;
    }
    if (written !== size) throw new Error(`tar: ${entry.name} declared ${size} bytes but produced ${written}`);
    yield* padding(size);
  }
  yield Buffer.alloc(BLOCK * 2, 0);
}
