// Property tests for listing a layer's files from untrusted bytes: random bytes, and small edits of
// valid tar, gzip and zstd layers, either list well-formed entries or throw a CoreError (never a
// library's own error), and always finish. Runs and sizes are bounded so the suite stays quick.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { CoreError } from '../../../../src/core/errors';
import { fzstdChunks } from '../../../../src/core/layers/layer-decode';
import { listLayerFiles, type LayerFileEntry } from '../../../../src/core/layers/layer-files';
import { tarChunks, type TarEntry, type TarEntryType } from '../../../support/lab/tar';
import { PROJECT } from '../../support/project';

const FIXTURES = join(PROJECT, 'test', 'fixtures', 'layers');
const TIME_LIMIT_MS = 5000;
const ENTRY_TYPES = new Set(['file', 'directory', 'symlink', 'hardlink', 'char-device', 'block-device', 'fifo', 'other']);

type Edit = { at: number; kind: 'flip' | 'set' | 'insert' | 'delete' | 'truncate'; value: number };

const edits: fc.Arbitrary<Edit[]> = fc.array(
  fc.record({
    at: fc.nat(),
    kind: fc.constantFrom('flip', 'set', 'insert', 'delete', 'truncate'),
    value: fc.integer({ min: 0, max: 255 }),
  }),
  { minLength: 1, maxLength: 4 },
);

/** Applies byte edits; positions wrap around the current length. */
function mutate(bytes: Uint8Array, changes: Edit[]): Buffer {
  let out = Buffer.from(bytes);
  for (const { at, kind, value } of changes) {
    const i = out.length === 0 ? 0 : at % out.length;
    if (kind === 'flip' && out.length > 0) out[i] = out[i]! ^ (1 << (value % 8));
    else if (kind === 'set' && out.length > 0) out[i] = value;
    else if (kind === 'insert') out = Buffer.concat([out.subarray(0, i), Buffer.from([value]), out.subarray(i)]);
    else if (kind === 'delete') out = Buffer.concat([out.subarray(0, i), out.subarray(i + 1)]);
    else if (kind === 'truncate') out = out.subarray(0, i);
  }
  return out;
}

const name = fc.stringMatching(/^(\.{0,2}\/)?[a-z.]{1,12}(\/[a-z.]{1,12}){0,3}$/);
const tarEntry: fc.Arbitrary<TarEntry> = fc.record({
  name,
  type: fc.constantFrom<TarEntryType>('file', 'directory', 'symlink', 'hardlink', 'fifo'),
  linkTarget: name,
  data: fc.nat(1500).map((n) => Buffer.alloc(n, 0x61)),
});
const tarBytes = fc.array(tarEntry, { maxLength: 5 }).map((entries) => Buffer.concat([...tarChunks(entries)]));
const chunkSize = fc.integer({ min: 1, max: 4096 });

function streamOf(bytes: Uint8Array, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(Buffer.from(bytes.subarray(i, i + size)));
  return Readable.from(chunks);
}

/** Entries must be well formed however hostile the bytes. */
function checkEntry(entry: LayerFileEntry): void {
  assert.ok(ENTRY_TYPES.has(entry.type), `type ${entry.type}`);
  assert.ok(!entry.path.startsWith('/') && !entry.path.endsWith('/') && !entry.path.includes('//'), `path ${JSON.stringify(entry.path)}`);
  assert.ok(!entry.path.split('/').includes('.'), `path ${JSON.stringify(entry.path)}`);
  for (const n of [entry.size, entry.mode, entry.uid, entry.gid]) assert.ok(Number.isFinite(n), `number ${n}`);
}

/** Lists `source` to the end; a failure must be a CoreError, and it must all finish in time. */
async function listsOrFailsCleanly(source: Readable): Promise<void> {
  const listing = (async () => {
    try {
      for await (const entry of listLayerFiles(source, { maxEntries: 1000 })) checkEntry(entry);
    } catch (err) {
      assert.ok(err instanceof CoreError, `a non-CoreError escaped: ${String(err)}`);
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the listing took more than ${TIME_LIMIT_MS} ms`)), TIME_LIMIT_MS);
  });
  try {
    await Promise.race([listing, limit]);
  } finally {
    clearTimeout(timer);
  }
}

describe('layer-files: properties', () => {
  it('random bytes, some behind a gzip, zstd or tar start, list or throw a CoreError', async () => {
    const prefix = fc.constantFrom(
      Buffer.alloc(0),
      Buffer.from([0x1f, 0x8b, 0x08, 0x00]),
      Buffer.from([0x28, 0xb5, 0x2f, 0xfd]),
      Buffer.from([0x50, 0x2a, 0x4d, 0x18, 0x02, 0, 0, 0]),
      Buffer.concat([...tarChunks([{ name: 'a', data: Buffer.from('a') }])]).subarray(0, 512),
    );
    await fc.assert(
      fc.asyncProperty(prefix, fc.uint8Array({ maxLength: 3000 }), chunkSize, async (start, rest, size) => {
        await listsOrFailsCleanly(streamOf(Buffer.concat([start, rest]), size));
      }),
      { numRuns: 200 },
    );
  });

  it('edited tars list or throw a CoreError', async () => {
    await fc.assert(
      fc.asyncProperty(tarBytes, edits, chunkSize, async (archive, changes, size) => {
        await listsOrFailsCleanly(streamOf(mutate(archive, changes), size));
      }),
      { numRuns: 200 },
    );
  });

  it('edited gzip layers, and gzipped edited tars, list or throw a CoreError', async () => {
    await fc.assert(
      fc.asyncProperty(tarBytes, edits, fc.boolean(), chunkSize, async (archive, changes, editCompressed, size) => {
        const bytes = editCompressed ? mutate(zlib.gzipSync(archive), changes) : zlib.gzipSync(mutate(archive, changes));
        await listsOrFailsCleanly(streamOf(bytes, size));
      }),
      { numRuns: 200 },
    );
  });

  it('edited zstd layers list or throw a CoreError, with whichever zstd decoder and with fzstd', async () => {
    const fixtures = ['gnu-posix.tar.zst', 'two-frames.tar.zst'].map((f) => readFileSync(join(FIXTURES, f)));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fixtures),
        edits,
        fc.boolean(),
        fc.integer({ min: 64, max: 8192 }),
        async (zst, changes, viaFzstd, size) => {
          const bytes = mutate(zst, changes);
          await listsOrFailsCleanly(viaFzstd ? Readable.from(fzstdChunks(streamOf(bytes, size))) : streamOf(bytes, size));
        },
      ),
      { numRuns: 150 },
    );
  });
});
