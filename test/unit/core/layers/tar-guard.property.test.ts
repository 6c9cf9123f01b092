// The tar header guard must find every entry header exactly where tar-stream does, or a hostile
// archive could slip an extended header past it. Random archives mix entries whose ustar size
// lies, PAX records (local and global) with good and bad `size` values, GNU long names,
// directories with a size, names ending in '/', stray zero blocks and GNU sparse files (whose map
// may go on in extension blocks, which the guard folds into the entry's size for tar-stream);
// whatever tar-stream reads of what the guard hands on (until it stops), the guard reads the same.
// Runs and sizes are bounded.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { extract as tarExtract } from 'tar-stream';
import { MAX_EXTENDED_HEADER_BYTES, TarHeaderGuard, type TarGuardProblem } from '../../../../src/core/layers/tar-guard';
import { extensionHeader, paxRecord, tarHeader, type TarEntryType } from '../../../support/lab/tar';

const BLOCK = 512;

type Item =
  | { kind: 'entry'; name: string; type: TarEntryType; declared: number; content: number }
  | { kind: 'pax' | 'global'; records: [string, string][] }
  | { kind: 'gnu-long'; name: string }
  | { kind: 'sparse'; extensions: number; declared: number; content: number }
  | { kind: 'zero-block' };

function padded(length: number): Buffer {
  return Buffer.alloc(Math.ceil(length / BLOCK) * BLOCK, 0x61);
}

/** A header of `type` that declares `size` bytes, even for a folder (whose size tar-stream ignores). */
function entryHeader(name: string, type: TarEntryType, size: number): Buffer {
  if (type !== 'directory') return tarHeader({ name, type }, size);
  const header = tarHeader({ name, type: 'file' }, size);
  header[156] = 0x35; // '5'
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return header;
}

/** A GNU sparse ('S') header whose map goes on in `extensions` blocks, and those blocks. */
function sparseEntry(extensions: number, size: number): Buffer[] {
  const header = tarHeader({ name: 'sparse' }, size);
  header[156] = 0x53; // 'S'
  header[482] = extensions > 0 ? 1 : 0;
  header.write('00000400000\0', 483, 'latin1');
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  const blocks = Array.from({ length: extensions }, (_, i) => {
    const block = Buffer.alloc(BLOCK);
    block[504] = i < extensions - 1 ? 1 : 0;
    return block;
  });
  return [header, ...blocks];
}

function bytesOf(items: Item[]): Buffer {
  const parts: Buffer[] = [];
  for (const item of items) {
    if (item.kind === 'entry') {
      parts.push(entryHeader(item.name, item.type, item.declared));
      if (item.content > 0) parts.push(padded(item.content));
    } else if (item.kind === 'pax' || item.kind === 'global') {
      const records = Buffer.from(item.records.map(([key, value]) => paxRecord(key, value)).join(''));
      parts.push(...extensionHeader(item.kind === 'pax' ? 'x' : 'g', 'PaxHeader', records));
    } else if (item.kind === 'sparse') {
      parts.push(...sparseEntry(item.extensions, item.declared));
      if (item.content > 0) parts.push(padded(item.content));
    } else if (item.kind === 'gnu-long') {
      parts.push(...extensionHeader('L', '././@LongLink', Buffer.from(`${item.name}\0`)));
    } else {
      parts.push(Buffer.alloc(BLOCK));
    }
  }
  return Buffer.concat(parts);
}

const sizes = fc.constantFrom(0, 1, 5, 511, 512, 513, 1024, 1500);
const sizeText = fc.oneof(sizes.map(String), fc.constantFrom('', '-5', '12abc', ' 7', '0x20', '1e3', 'NaN', '00700'));
const records = fc.array(fc.tuple(fc.constantFrom('size', 'path', 'mtime', 'comment'), sizeText), { minLength: 1, maxLength: 4 });
const item: fc.Arbitrary<Item> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('entry' as const),
      name: fc.constantFrom('a', 'dir/', 'b/c.txt', 'e/'),
      type: fc.constantFrom<TarEntryType>('file', 'directory', 'symlink', 'fifo'),
      declared: sizes,
      content: sizes,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('pax' as const, 'global' as const), records }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('gnu-long' as const), name: fc.constantFrom('long/name', 'x'.repeat(300)) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('sparse' as const),
      extensions: fc.integer({ min: 0, max: 3 }),
      declared: sizes,
      content: sizes,
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'zero-block' as const }) },
);

/** Where tar-stream finds each entry's header, and whether it read the archive to its end. */
async function tarStreamOffsets(bytes: Buffer): Promise<{ offsets: number[]; completed: boolean }> {
  const extract = tarExtract();
  const offsets: number[] = [];
  extract.end(bytes);
  try {
    for await (const entry of extract as AsyncIterable<{ offset: number; resume(): void }>) {
      offsets.push(entry.offset);
      entry.resume();
    }
    return { offsets, completed: true };
  } catch {
    return { offsets, completed: false };
  }
}

/** Where the guard finds each entry's header, and the bytes it hands on for tar-stream. */
function guardOffsets(bytes: Buffer, chunk: number): { offsets: number[]; refused?: TarGuardProblem; passed: Buffer } {
  const offsets: number[] = [];
  const passed: Buffer[] = [];
  let refused: TarGuardProblem | undefined;
  const guard = new TarHeaderGuard(
    (problem) => {
      refused = problem;
      return new Error(problem.kind);
    },
    (offset) => offsets.push(offset),
  );
  try {
    for (let i = 0; i < bytes.length; i += chunk) passed.push(...guard.write(bytes.subarray(i, i + chunk)));
    passed.push(...guard.end());
  } catch (err) {
    if (!refused) throw err;
  }
  return refused ? { offsets, refused, passed: Buffer.concat(passed) } : { offsets, passed: Buffer.concat(passed) };
}

describe('tar-guard: TarHeaderGuard', () => {
  it('finds the entry headers tar-stream finds, whatever the sizes say', async function () {
    this.timeout(60_000);
    await fc.assert(
      fc.asyncProperty(fc.array(item, { maxLength: 12 }), fc.integer({ min: 1, max: 1500 }), async (items, chunk) => {
        const bytes = bytesOf(items);
        const guarded = guardOffsets(bytes, chunk);
        assert.equal(guarded.refused, undefined, 'these headers are all small and non-empty');
        assert.equal(guarded.passed.length, bytes.length, 'the guard hands on every byte');
        if (!items.some((item) => item.kind === 'sparse' && item.extensions > 0)) assert.ok(guarded.passed.equals(bytes), 'unchanged');
        const read = await tarStreamOffsets(guarded.passed);
        assert.deepEqual(guarded.offsets.slice(0, read.offsets.length), read.offsets);
        if (read.completed) assert.equal(guarded.offsets.length, read.offsets.length);
      }),
      { numRuns: 400 },
    );
  });

  it('applies a PAX size record, and a global one only to entries with PAX records of their own, as tar-stream does', async () => {
    const items: Item[] = [
      { kind: 'pax', records: [['size', '1000']] },
      { kind: 'entry', name: 'lies', type: 'file', declared: 5, content: 1000 },
      { kind: 'global', records: [['size', '700']] },
      { kind: 'entry', name: 'plain', type: 'file', declared: 3, content: 3 },
      { kind: 'pax', records: [['mtime', '1']] },
      { kind: 'entry', name: 'merged', type: 'file', declared: 1, content: 700 },
      { kind: 'entry', name: 'dir', type: 'directory', declared: 900, content: 0 },
      { kind: 'entry', name: 'last', type: 'file', declared: 2, content: 2 },
    ];
    const bytes = Buffer.concat([bytesOf(items), Buffer.alloc(2 * BLOCK)]);
    const read = await tarStreamOffsets(bytes);
    assert.equal(read.completed, true);
    assert.deepEqual(read.offsets, [1024, 3584, 5632, 7168, 7680]);
    assert.deepEqual(guardOffsets(bytes, 7).offsets, read.offsets);
  });

  it('refuses an extended header over 64 KiB at its header, before its content arrives', () => {
    const header = extensionHeader('x', 'PaxHeader', Buffer.alloc(MAX_EXTENDED_HEADER_BYTES + 1, 0x61))[0]!;
    assert.deepEqual(guardOffsets(header, BLOCK).refused, {
      kind: 'extended-header-too-large',
      size: MAX_EXTENDED_HEADER_BYTES + 1,
      global: false,
    });
    const atLimit = Buffer.concat([
      ...extensionHeader('L', '././@LongLink', Buffer.alloc(MAX_EXTENDED_HEADER_BYTES, 0x61)),
      tarHeader({ name: 'f' }, 0),
    ]);
    const guarded = guardOffsets(atLimit, 4096);
    assert.equal(guarded.refused, undefined);
    assert.deepEqual(guarded.offsets, [BLOCK + MAX_EXTENDED_HEADER_BYTES]);
  });
});
