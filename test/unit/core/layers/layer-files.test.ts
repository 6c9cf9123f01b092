// Listing a layer's files by streaming it. Tars are built with test/support/lab/tar.ts and compressed with
// node:zlib. The zstd fixtures in test/fixtures/layers/ were made once with GNU tar 1.34 and the
// zstd 1.5.4 CLI by test/fixtures/layers/make.sh (a PAX-format tar of a small tree with './'
// names, a hard link, a symlink and whiteouts; `zstd -19 --check` for gnu-posix.tar.zst, two
// `zstd -3` frames behind a hand-written skippable frame for two-frames.tar.zst, and frames laid
// out as podman's zstd:chunked lays them, with skippable frames, for chunked.tar.zst).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import * as zlib from 'node:zlib';
import { CoreError } from '../../../../src/core/errors';
import { fzstdChunks } from '../../../../src/core/layers/layer-decode';
import {
  layerFileTree,
  layerFileTreeAsync,
  listLayerFiles,
  MAX_LAYER_NAME_BYTES,
  MAX_LAYER_NAME_BYTES_TOTAL,
  MAX_LAYER_PATH_DEPTH,
  sniffCompression,
  type LayerFileEntry,
  type ListLayerOptions,
} from '../../../../src/core/layers/layer-files';
import { MediaTypes } from '../../../../src/core/oci/media-types';
import { verifyingStream } from '../../../../src/core/oci/verify-stream';
import { extensionHeader, paxRecord, tarChunks, type TarEntry } from '../../../support/lab/tar';
import { PROJECT } from '../../support/project';
import { pseudoRandomBytes } from '../../../support/pseudo-random';

const MiB = 1024 * 1024;
const FIXTURES = join(PROJECT, 'test', 'fixtures', 'layers');
const MTIME = new Date(Date.UTC(2024, 0, 1));

function tar(entries: TarEntry[]): Buffer {
  return Buffer.concat([...tarChunks(entries)]);
}

function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

/** The bytes as a stream of `size`-byte chunks, to cross every boundary a parser might assume. */
function streamOf(bytes: Buffer, size = 64 * 1024): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
}

async function list(bytes: Buffer | Readable, options?: ListLayerOptions): Promise<LayerFileEntry[]> {
  const entries: LayerFileEntry[] = [];
  for await (const entry of listLayerFiles(Buffer.isBuffer(bytes) ? streamOf(bytes) : bytes, options)) entries.push(entry);
  return entries;
}

async function listError(bytes: Buffer | Readable, options?: ListLayerOptions): Promise<CoreError> {
  try {
    await list(bytes, options);
  } catch (err) {
    assert.ok(err instanceof CoreError, `expected a CoreError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the listing to fail');
}

/** Paths with their kind, for compact comparisons. */
function summary(entries: LayerFileEntry[]): string[] {
  return entries.map(
    (e) => `${e.type} ${e.path}${e.linkTarget === undefined ? '' : ` -> ${e.linkTarget}`}${e.size > 0 ? ` (${e.size})` : ''}`,
  );
}

/** `value` as 4 little-endian bytes. */
function le32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  return bytes;
}

/** Window_Descriptor 0x78: a window of 2^25 bytes, as podman's zstd:chunked frames declare. */
const WINDOW_32_MIB = 0x78;

/**
 * Bytes as zstd:chunked lays them out: a frame per `chunk` bytes, each with the window descriptor
 * given and no declared content size, its data in raw (stored) blocks.
 */
function chunkedZstd(bytes: Buffer, chunk: number, windowDescriptor: number): Buffer {
  const frames: Buffer[] = [];
  for (let start = 0; start < bytes.length; start += chunk) {
    const content = bytes.subarray(start, Math.min(start + chunk, bytes.length));
    frames.push(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, windowDescriptor]));
    for (let at = 0; at < content.length; at += 128 * 1024) {
      const block = content.subarray(at, at + 128 * 1024);
      const header = (block.length << 3) | (at + block.length >= content.length ? 1 : 0);
      frames.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, header >> 16]), block);
    }
  }
  return Buffer.concat(frames);
}

const SAMPLE: TarEntry[] = [
  { name: 'etc', directory: true },
  {
    name: 'etc/hostname',
    data: Buffer.from('sample\n'),
    mode: 0o640,
    uid: 1000,
    gid: 100,
    uname: 'app',
    gname: 'users',
    mtime: 1_700_000_000,
  },
  { name: 'etc/localtime', type: 'symlink', linkTarget: '/usr/share/zoneinfo/UTC', mode: 0o777 },
  { name: 'usr/bin/tool', data: Buffer.alloc(1500, 7), mode: 0o755 },
  { name: 'usr/bin/tool-link', type: 'hardlink', linkTarget: 'usr/bin/tool' },
  { name: 'dev/null', type: 'char-device', mode: 0o666 },
  { name: 'dev/sda', type: 'block-device', mode: 0o660 },
  { name: 'run/pipe', type: 'fifo' },
];

const SAMPLE_SUMMARY = [
  'directory etc',
  'file etc/hostname (7)',
  'symlink etc/localtime -> /usr/share/zoneinfo/UTC',
  'file usr/bin/tool (1500)',
  'hardlink usr/bin/tool-link -> usr/bin/tool',
  'char-device dev/null',
  'block-device dev/sda',
  'fifo run/pipe',
];

/** The SHA-256 of the tar make.sh compressed into every zstd fixture (what `zstd -d` gives back). */
const FIXTURE_TAR_SHA256 = 'c149518bca57c0a27d53b4cad9bf282d4433909bb8041f05ce98e6a6d33f056c';

/** What make.sh put into the zstd fixtures. */
const FIXTURE_SUMMARY = [
  'directory ',
  'file .wh.removed',
  'directory etc',
  'file etc/hostname (11)',
  'symlink etc/localtime -> ../usr/share/zoneinfo/UTC',
  'directory usr',
  'directory usr/bin',
  'file usr/bin/notes (342000)',
  'directory usr/share',
  'directory usr/share/doc',
  'hardlink usr/share/doc/notes.txt -> usr/bin/notes',
  'file usr/share/zeros.bin (1048576)',
  'directory var',
  'directory var/cache',
  'file var/cache/.wh..wh..opq',
];

describe('layer-files: sniffCompression', () => {
  it('recognises gzip, zstd and tar by their first bytes', () => {
    assert.equal(sniffCompression(Buffer.from([0x1f, 0x8b, 8, 0])), 'gzip');
    assert.equal(sniffCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0])), 'zstd');
    assert.equal(sniffCompression(Buffer.from([0x5e, 0x2a, 0x4d, 0x18, 0])), 'zstd', 'a skippable frame');
    assert.equal(sniffCompression(tar([{ name: 'a', data: Buffer.from('a') }])), 'none');
    assert.equal(sniffCompression(Buffer.alloc(1024)), 'none', 'an empty archive');
  });

  it('says nothing for other bytes or too few to tell', () => {
    assert.equal(sniffCompression(Buffer.from('{"schemaVersion":2}')), undefined);
    assert.equal(sniffCompression(Buffer.from([0x1f])), undefined);
    assert.equal(sniffCompression(tar([{ name: 'a' }]).subarray(0, 200)), undefined);
    assert.equal(sniffCompression(new Uint8Array(0)), undefined);
  });
});

describe('layer-files: listLayerFiles', () => {
  it('lists a plain tar with every kind of entry and its metadata', async () => {
    const entries = await list(tar(SAMPLE));
    assert.deepEqual(summary(entries), SAMPLE_SUMMARY);
    assert.deepEqual(entries[1], {
      path: 'etc/hostname',
      type: 'file',
      size: 7,
      mode: 0o640,
      uid: 1000,
      gid: 100,
      uname: 'app',
      gname: 'users',
      mtime: new Date(1_700_000_000_000),
    });
    assert.equal(entries[0]!.mode, 0o755);
    assert.deepEqual(entries[0]!.mtime, MTIME);
  });

  it('lists the same entries from gzip, whatever the chunk sizes', async () => {
    const gz = zlib.gzipSync(tar(SAMPLE));
    for (const size of [1, 7, 512, 4096]) assert.deepEqual(summary(await list(streamOf(gz, size))), SAMPLE_SUMMARY, `chunks of ${size}`);
    assert.deepEqual(summary(await list(streamOf(tar(SAMPLE), 1))), SAMPLE_SUMMARY, 'plain tar, 1-byte chunks');
  });

  it('trusts the bytes over the media type', async () => {
    assert.deepEqual(summary(await list(zlib.gzipSync(tar(SAMPLE)), { mediaType: MediaTypes.ociLayer })), SAMPLE_SUMMARY);
    assert.deepEqual(summary(await list(tar(SAMPLE), { mediaType: MediaTypes.ociLayerZstd })), SAMPLE_SUMMARY);
  });

  it('reads a zstd layer made by GNU tar and the zstd CLI', async () => {
    const entries = await list(fixture('gnu-posix.tar.zst'), { mediaType: MediaTypes.ociLayerZstd });
    assert.deepEqual(summary(entries), FIXTURE_SUMMARY);
    assert.deepEqual(entries[1]!.whiteout, { kind: 'file', target: 'removed' });
    assert.deepEqual(entries[14]!.whiteout, { kind: 'opaque', directory: 'var/cache' });
    assert.deepEqual(entries[3]!.mtime, MTIME);
  });

  it('reads zstd in several frames behind a skippable frame, in small chunks', async () => {
    assert.deepEqual(summary(await list(streamOf(fixture('two-frames.tar.zst'), 100))), FIXTURE_SUMMARY);
    assert.deepEqual(summary(await list(streamOf(fixture('chunked.tar.zst'), 100))), FIXTURE_SUMMARY, 'zstd:chunked');
  });

  it('decodes zstd with fzstd one block at a time (the path for Node < 22.15)', async () => {
    for (const name of ['gnu-posix.tar.zst', 'two-frames.tar.zst', 'chunked.tar.zst']) {
      let largest = 0;
      const decoded = (async function* () {
        for await (const chunk of fzstdChunks(streamOf(fixture(name), 7))) {
          largest = Math.max(largest, chunk.length);
          yield chunk;
        }
      })();
      assert.deepEqual(summary(await list(Readable.from(decoded))), FIXTURE_SUMMARY, name);
      assert.ok(largest <= 128 * 1024, `a decoded piece of ${largest} bytes is more than one block`);
    }
  });

  it("reads podman's zstd:chunked layers: a frame per chunk, big ones with a 32 MiB window and no declared size", async function () {
    // podman 4.3 pushed /usr/lib/x86_64-linux-gnu as 22,736 frames; 1,286 of them (files past one
    // 128 KiB block) declare a 32 MiB window and no size. Decoded one after another they need
    // 32 MiB at a time, yet adding up their asks refused the layer after a few such frames.
    this.timeout(20_000);
    const layer = tar([{ name: 'usr/lib/big.so', data: pseudoRandomBytes(5 * 64 * 1024, 7) }, ...SAMPLE]);
    const chunked = chunkedZstd(layer, 64 * 1024, WINDOW_32_MIB);
    assert.deepEqual(summary(await list(chunked)), ['file usr/lib/big.so (327680)', ...SAMPLE_SUMMARY]);
    let produced = 0;
    for await (const chunk of fzstdChunks(streamOf(chunked))) produced += chunk.length;
    assert.equal(produced, layer.length);
  });

  it('decodes with fzstd the very bytes the zstd CLI compressed, zstd:chunked frames with a 32 MiB window and no size among them', async () => {
    // chunked.tar.zst's frames of more than 128 KiB declare no size and a 32 MiB window, so fzstd's
    // path decodes them with a window of their size: the bytes must be those the CLI compressed.
    for (const name of ['gnu-posix.tar.zst', 'two-frames.tar.zst', 'chunked.tar.zst']) {
      for (const chunkSize of [7, 4096, 1 * MiB]) {
        const hash = createHash('sha256');
        for await (const chunk of fzstdChunks(streamOf(fixture(name), chunkSize))) hash.update(chunk);
        assert.equal(hash.digest('hex'), FIXTURE_TAR_SHA256, `${name} in chunks of ${chunkSize}`);
      }
    }
  });

  it('refuses zstd frames that would need a window over 128 MiB', async () => {
    // Frame header: no single segment, window descriptor 0x90 = 2^28 bytes; then an empty last raw block.
    const frame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x90, 0x01, 0x00, 0x00]);
    assert.equal((await listError(frame)).code, 'LAYER_CORRUPT');
    await assert.rejects(async () => {
      for await (const _ of fzstdChunks(Readable.from([frame]))) void _;
    }, /window larger than 128 MiB/);
  });

  /** A frame with no declared size and a window of 2^27 bytes (descriptor 0x88), holding 10 bytes in one last raw block. */
  const frameAsking128MiB = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x88, (10 << 3) | 1, 0, 0]), Buffer.alloc(10, 0x61)]);

  it("refuses, on Node's own zstd decoder, frames that ask for far more decoding memory than the bytes read", async function () {
    // Node's decoder sets aside the window a frame declares, and each frame gets a decoder of its
    // own: the review's 19-byte frames asking for 128 MiB each cost 125 ms of CPU per frame.
    if (!(zlib as { createZstdDecompress?: unknown }).createZstdDecompress) this.skip(); // Node < 22.15: fzstd, below
    this.timeout(10_000);
    const err = await listError(Buffer.concat(Array.from({ length: 2000 }, () => frameAsking128MiB)));
    assert.equal(err.code, 'LAYER_TOO_COSTLY', err.message);
    assert.match(
      err.message,
      /^The layer's zstd frames ask decoders to set aside 384 MiB, one frame after another, for 38,000 bytes read, far more than any encoder needs/,
    );
  });

  it('decodes with fzstd, each with a window of its size, 2,000 frames that declare a 128 MiB window for 10 bytes', async function () {
    // With the window each declares, fzstd set aside 128 MiB per 19 bytes and the budget refused
    // the layer at the third frame; the same frames declaring their 10 bytes decoded before too.
    this.timeout(10_000);
    const declared = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, 10, (10 << 3) | 1, 0, 0]), Buffer.alloc(10, 0x61)]);
    for (const frame of [frameAsking128MiB, declared]) {
      const decoded: Buffer[] = [];
      for await (const chunk of fzstdChunks(Readable.from([Buffer.concat(Array.from({ length: 2000 }, () => frame))]))) decoded.push(chunk);
      assert.deepEqual(Buffer.concat(decoded), Buffer.alloc(20_000, 0x61));
    }
  });

  it('refuses zstd frames that declare more content than their blocks can hold, before a decoder sets it aside', async () => {
    const lastRawBlockOf10 = Buffer.concat([Buffer.from([(10 << 3) | 1, 0, 0]), Buffer.alloc(10, 0x61)]);
    const frames = {
      // Single segment, a 4-byte content size of 100 MiB (the window too), so fzstd set aside 100 MiB.
      'single segment': Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0]), le32(100 * MiB), lastRawBlockOf10]),
      // A 1 KiB window (descriptor 0) and an 8-byte content size of 2^40.
      'window and size': Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xc0, 0x00, 0, 0, 0, 0, 0, 1, 0, 0]), lastRawBlockOf10]),
    };
    for (const [what, frame] of Object.entries(frames)) {
      const err = await listError(frame);
      assert.equal(err.code, 'LAYER_CORRUPT', `${what}: ${err.message}`);
      assert.match(err.message, /\(a frame declares [\d,]+ bytes of content, more than its blocks can hold\); the blob is damaged/, what);
      await assert.rejects(
        async () => {
          for await (const _ of fzstdChunks(Readable.from([frame]))) void _;
        },
        (e: unknown) => e instanceof CoreError && e.code === 'LAYER_CORRUPT',
        what,
      );
    }
  });

  it('keeps, on the fzstd path, the declared window of a frame whose end is past what it reads ahead, and budgets its copies', async () => {
    // A 128 MiB window and 16,385 empty raw blocks: more pieces than are read ahead, so fzstd gets
    // the frame with its window, and copying that window for each 3-byte block is refused at the ninth.
    const emptyBlock = Buffer.from([0, 0, 0]);
    const frame = Buffer.concat([
      Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x88]),
      ...Array.from({ length: 16_385 }, () => emptyBlock),
      Buffer.from([1, 0, 0]),
    ]);
    await assert.rejects(
      async () => {
        for await (const _ of fzstdChunks(Readable.from([frame]))) void _;
      },
      (e: unknown) =>
        e instanceof CoreError &&
        e.code === 'LAYER_TOO_COSTLY' &&
        /^The layer's zstd frames make fzstd copy 1,152 MiB of its window for 49,164 bytes read/.test(e.message),
    );
  });

  it('refuses, on the fzstd path, one zstd frame of blocks that each make fzstd copy its 128 MiB window', async function () {
    // fzstd moves its whole window once per block: each 4-byte block of 128 KiB of zeros (RLE)
    // cost a 128 MiB copy, about 12 ms, so these 8 KiB took 23 s (a 1 MB layer, most of an hour).
    this.timeout(10_000);
    const rleBlock = Buffer.from([((128 * 1024) << 3) | (1 << 1), ((128 * 1024) << 3) >> 8, ((128 * 1024) << 3) >> 16, 0]);
    const lastBlock = Buffer.from([(1 << 1) | 1 | (512 << 3), (512 << 3) >> 8, 0, 0]);
    const frame = Buffer.concat([
      Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x88]),
      ...Array.from({ length: 2000 }, () => rleBlock),
      lastBlock,
    ]);
    await assert.rejects(
      async () => {
        for await (const _ of fzstdChunks(Readable.from([frame]))) void _;
      },
      (e: unknown) =>
        e instanceof CoreError &&
        e.code === 'LAYER_TOO_COSTLY' &&
        /^The layer's zstd frames make fzstd copy 1,152 MiB of its window for 8,010 bytes read, far more than any encoder needs/.test(
          e.message,
        ),
    );
  });

  it('marks whiteouts, and only OCI ones', async () => {
    const entries = await list(
      tar([
        { name: '.wh.gone', data: Buffer.alloc(0) },
        { name: 'a/b/.wh.c.txt' },
        { name: 'a/.wh..wh..opq' },
        { name: '.wh..wh.plnk', directory: true },
        { name: 'a/.wh.' },
        { name: 'a/not.wh.x' },
      ]),
    );
    assert.deepEqual(
      entries.map((e) => e.whiteout),
      [
        { kind: 'file', target: 'gone' },
        { kind: 'file', target: 'a/b/c.txt' },
        { kind: 'opaque', directory: 'a' },
        undefined,
        undefined,
        undefined,
      ],
    );
  });

  it('reads long names: the ustar prefix, PAX records and GNU headers', async () => {
    const deep = `${'d'.repeat(60)}/${'e'.repeat(60)}/file.txt`;
    const huge = `${'x'.repeat(120)}/${'y'.repeat(120)}/${'z'.repeat(120)}.txt`;
    const longTarget = `../${'t'.repeat(150)}`;
    const entries = await list(
      tar([
        { name: deep, data: Buffer.from('deep') },
        { name: huge, data: Buffer.from('pax') },
        { name: `gnu/${huge}`, data: Buffer.from('gnu'), longNames: 'gnu' },
        { name: 'pax-link', type: 'symlink', linkTarget: longTarget },
        { name: 'gnu-link', type: 'symlink', linkTarget: longTarget, longNames: 'gnu' },
        { name: 'ignored-name', pax: { path: 'from/pax.txt', mtime: '1700000000.25' }, data: Buffer.from('x') },
      ]),
    );
    assert.deepEqual(
      entries.map((e) => [e.path, e.size, e.linkTarget]),
      [
        [deep, 4, undefined],
        [huge, 3, undefined],
        [`gnu/${huge}`, 3, undefined],
        ['pax-link', 0, longTarget],
        ['gnu-link', 0, longTarget],
        ['from/pax.txt', 1, undefined],
      ],
    );
    assert.equal(entries[5]!.mtime?.getTime(), 1_700_000_000_250);
  });

  it('reads owners from PAX records, as Go writes a uid past 2097151 (OpenShift gives 1000680000)', async () => {
    const entries = await list(
      tar([
        { name: 'app/secret.key', data: Buffer.from('k'), pax: { uid: '1000680000', gid: '1000680001' } },
        { name: 'app/named', uid: 5, gid: 6, uname: 'ustar-user', pax: { uname: 'pax-user', gname: 'pax-group' } },
        { name: 'app/odd', uid: 7, gid: 8, pax: { uid: '-1', gid: '1e400', uname: 'u'.repeat(257) } },
      ]),
    );
    assert.deepEqual(
      entries.map((e) => [e.path, e.uid, e.gid, e.uname, e.gname]),
      [
        ['app/secret.key', 1_000_680_000, 1_000_680_001, 'root', 'root'],
        ['app/named', 5, 6, 'pax-user', 'pax-group'],
        ['app/odd', 7, 8, 'root', 'root'],
      ],
    );
  });

  describe('GNU sparse files', () => {
    // after.txt 0-1024; holes: header 1024, two map extension blocks 1536-2560, 120 KiB of data;
    // two-runs: header 125440, 8 KiB of data; then the end blocks.
    const sparseTar = (): Buffer => zlib.gunzipSync(fixture('gnu-sparse.tar.gz'));
    const SPARSE_SUMMARY = ['file after.txt (6)', 'file holes (1974272)', 'file two-runs (1052672)'];

    it('lists them as files of their real size, whatever the chunks, past a map in extension blocks', async () => {
      for (const size of [7, 100, 512, 1000, 64 * 1024])
        assert.deepEqual(summary(await list(streamOf(sparseTar(), size))), SPARSE_SUMMARY, `chunks of ${size}`);
      assert.deepEqual(summary(await list(fixture('gnu-sparse.tar.gz'))), SPARSE_SUMMARY);
    });

    it('fails with LAYER_TRUNCATED wherever one is cut, its map included', async () => {
      for (const cut of [1100, 1536, 1700, 2048, 2300, 2560, 60_000, 125_500]) {
        const err = await listError(streamOf(sparseTar().subarray(0, cut), 300));
        assert.equal(err.code, 'LAYER_TRUNCATED', `cut at ${cut}: ${err.message}`);
      }
    });

    it('refuses a map of more than 64 KiB of extension blocks, before holding more of it', async () => {
      const header = Buffer.from(sparseTar().subarray(1024, 1536));
      const extension = Buffer.alloc(512);
      extension[504] = 1;
      const endless = Buffer.concat([header, ...Array.from({ length: 200 }, () => extension)]);
      const err = await listError(endless);
      assert.equal(err.code, 'LAYER_HEADER_TOO_LARGE', err.message);
      assert.match(err.message, /^The layer has a GNU sparse file \(tar -S\) whose map of data runs is over the 64 KiB read here/);
    });
  });

  it('keeps hostile names as text, normalised and flagged', async () => {
    const entries = await list(
      tar([
        { name: '/etc/passwd', data: Buffer.from('x') },
        { name: '../../../root/.ssh/authorized_keys', data: Buffer.from('x') },
        { name: 'a/../../b' },
        { name: '/../escape' },
        { name: './ok//fine/./name' },
        { name: './', directory: true },
        { name: 'evil-link', type: 'hardlink', linkTarget: '/etc/shadow' },
      ]),
    );
    assert.deepEqual(
      entries.map((e) => [e.path, e.unsafe]),
      [
        ['etc/passwd', 'absolute'],
        ['../../../root/.ssh/authorized_keys', 'parent-traversal'],
        ['a/../../b', 'parent-traversal'],
        ['../escape', 'parent-traversal'],
        ['ok/fine/name', undefined],
        ['', undefined],
        ['evil-link', undefined],
      ],
    );
    assert.equal(entries[6]!.linkTarget, 'etc/shadow');
  });

  it('lists empty layers: no bytes, an empty archive, a gzipped empty archive', async () => {
    assert.deepEqual(await list(Buffer.alloc(0)), []);
    assert.deepEqual(await list(tar([])), []);
    assert.deepEqual(await list(zlib.gzipSync(tar([]))), []);
  });

  describe('truncated layers', () => {
    const archive = tar([
      { name: 'first.bin', data: Buffer.alloc(1000, 1) },
      { name: 'second.txt', data: Buffer.from('second') },
    ]);
    // first header 0-512, its data 512-1536, second header 1536-2048, data 2048-2560, end 2560-3584
    const cuts = [300, 512, 700, 1536, 1800, 2048, 2560];

    it('fails with LAYER_TRUNCATED wherever a plain tar is cut', async () => {
      for (const cut of cuts) assert.equal((await listError(archive.subarray(0, cut))).code, 'LAYER_TRUNCATED', `cut at ${cut}`);
      assert.deepEqual(summary(await list(archive.subarray(0, 3072))).length, 2, 'one zero block is enough, as for GNU tar');
    });

    it('fails with LAYER_TRUNCATED wherever gzip data is cut', async () => {
      const gz = zlib.gzipSync(archive);
      for (const cut of [5, 10, Math.floor(gz.length / 2), gz.length - 8, gz.length - 1]) {
        const err = await listError(gz.subarray(0, cut));
        assert.equal(err.code, 'LAYER_TRUNCATED', `cut at ${cut} of ${gz.length}: ${err.message}`);
      }
      for (const cut of cuts)
        assert.equal((await listError(zlib.gzipSync(archive.subarray(0, cut)))).code, 'LAYER_TRUNCATED', `tar cut at ${cut}`);
    });

    it('fails with LAYER_TRUNCATED wherever zstd data is cut', async () => {
      for (const name of ['gnu-posix.tar.zst', 'two-frames.tar.zst', 'chunked.tar.zst']) {
        const zst = fixture(name);
        for (const cut of [3, 10, 40, Math.floor(zst.length / 3), Math.floor(zst.length / 2), zst.length - 4, zst.length - 1]) {
          const err = await listError(zst.subarray(0, cut));
          // A cut inside the first 4 bytes leaves no zstd magic, so the bytes are simply not a tar.
          assert.equal(err.code, cut < 4 ? 'NOT_A_TAR' : 'LAYER_TRUNCATED', `${name} cut at ${cut}: ${err.message}`);
        }
      }
    });

    it('says what happened in one sentence', async () => {
      const err = await listError(archive.subarray(0, 700));
      assert.match(err.message, /^The layer ends in the middle of its tar archive; .*try again\.$/);
    });
  });

  describe('bytes that are not a layer', () => {
    it('says NOT_A_TAR for random bytes, naming the media type', async () => {
      for (const seed of [1, 2, 3, 4, 5]) {
        const bytes = pseudoRandomBytes(4096, seed);
        bytes[0] = 0x7b; // not a gzip or zstd magic number
        const err = await listError(bytes, { mediaType: MediaTypes.ociLayerGzip });
        assert.equal(err.code, 'NOT_A_TAR');
        assert.equal(
          err.message,
          `This blob is not a tar archive although its media type ${MediaTypes.ociLayerGzip} says it is a layer; artifacts' blobs are files, not layers, so download it to see what it holds.`,
        );
      }
      const json = await listError(Buffer.from('{"hello":"world"}'), { mediaType: 'application/vnd.example+json' });
      assert.match(
        json.message,
        /^This blob is not a tar archive \(its media type is application\/vnd\.example\+json\); artifacts' blobs are files, not layers/,
      );
    });

    it('says NOT_A_TAR for compressed bytes that are not a tar', async () => {
      const err = await listError(zlib.gzipSync(pseudoRandomBytes(5000, 9)));
      assert.equal(err.code, 'NOT_A_TAR');
      assert.match(err.message, /^This blob's gzip content is not a tar archive; /);
    });

    it('says LAYER_CORRUPT for damaged gzip and zstd', async () => {
      const gz = zlib.gzipSync(tar(SAMPLE));
      const badMethod = Buffer.from(gz);
      badMethod[2] = 7;
      const badCrc = Buffer.from(gz);
      badCrc[gz.length - 6]! ^= 0xff;
      const randomAfterMagic = Buffer.concat([Buffer.from([0x1f, 0x8b]), pseudoRandomBytes(4000, 11)]);
      const zstdReserved = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xff]), pseudoRandomBytes(4000, 12)]);
      for (const [what, bytes] of Object.entries({ badMethod, badCrc, randomAfterMagic, zstdReserved })) {
        const err = await listError(bytes);
        assert.equal(err.code, 'LAYER_CORRUPT', `${what}: ${err.message}`);
        assert.match(err.message, /^The layer's (gzip|zstd) data is corrupt \(.+\); the blob is damaged, so push the image again\.$/);
      }
    });

    it('says LAYER_CORRUPT for a damaged tar header after good entries', async () => {
      const archive = tar(SAMPLE);
      archive[1536 + 10]! ^= 0x55; // the third header's name: its checksum no longer matches
      const entries: string[] = [];
      await assert.rejects(
        async () => {
          for await (const entry of listLayerFiles(streamOf(archive))) entries.push(entry.path);
        },
        (err: unknown) => err instanceof CoreError && err.code === 'LAYER_CORRUPT',
      );
      assert.deepEqual(entries, ['etc', 'etc/hostname']);
    });
  });

  describe('sources', () => {
    it('passes on a CoreError from the source, such as a digest mismatch', async () => {
      const bytes = tar(SAMPLE);
      const verified = streamOf(bytes).pipe(verifyingStream({ digest: `sha256:${'0'.repeat(64)}`, size: bytes.length }, 'layer'));
      const err = await listError(verified);
      assert.equal(err.code, 'DIGEST_MISMATCH');
    });

    it('turns other read errors into LAYER_READ_FAILED', async () => {
      const source = new Readable({
        read() {
          this.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
        },
      });
      const err = await listError(source);
      assert.equal(err.code, 'LAYER_READ_FAILED');
      assert.match(err.message, /^Reading the layer failed \(socket hang up\); check the connection and try again\.$/);
    });

    it('reports the compressed bytes read so far', async () => {
      const gz = zlib.gzipSync(tar(SAMPLE));
      const seen: number[] = [];
      await list(streamOf(gz, 100), { onBytes: (n) => seen.push(n) });
      assert.equal(seen.at(-1), gz.length);
      assert.ok(
        seen.every((n, i) => i === 0 || n > seen[i - 1]!),
        'grows with each chunk',
      );
    });

    it('stops with the error a progress callback throws', async () => {
      const source = streamOf(zlib.gzipSync(tar(SAMPLE)), 100);
      const stop = new Error('progress view closed');
      await assert.rejects(
        list(source, {
          onBytes: () => {
            throw stop;
          },
        }),
        (err: unknown) => err === stop,
      );
      assert.equal(source.destroyed, true);
    });
  });

  describe('limits and stopping', () => {
    it('stops after maxEntries with LAYER_TOO_MANY_ENTRIES', async () => {
      const archive = tar(Array.from({ length: 10 }, (_, i) => ({ name: `f${i}`, data: Buffer.from('x') })));
      assert.equal((await list(archive, { maxEntries: 10 })).length, 10);
      const seen: string[] = [];
      const err = await (async () => {
        try {
          for await (const entry of listLayerFiles(streamOf(archive), { maxEntries: 4 })) seen.push(entry.path);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      assert.ok(err instanceof CoreError);
      assert.equal(err.code, 'LAYER_TOO_MANY_ENTRIES');
      assert.equal(err.message, 'The layer has more than 4 entries, too many to list; pull the image to look at its files on disk.');
      assert.deepEqual(seen, ['f0', 'f1', 'f2', 'f3']);
    });

    it('destroys the source when the consumer breaks out early', async () => {
      const endless = tarChunks(
        (function* () {
          for (let i = 0; ; i++) yield { name: `f${i}`, data: Buffer.alloc(100) };
        })(),
      );
      const source = Readable.from(endless);
      let n = 0;
      for await (const _ of listLayerFiles(source)) if (++n === 3) break;
      assert.equal(n, 3);
      assert.equal(source.destroyed, true);
    });

    /** A source that sends the first entries and part of the next one, then stalls forever. */
    function stallingSource(): Readable {
      const archive = tar([
        { name: 'a.txt', data: Buffer.from('a') },
        { name: 'b.bin', data: Buffer.alloc(10_000) },
      ]);
      const source = new Readable({ read() {} });
      source.push(archive.subarray(0, 2048));
      return source;
    }

    it('cancels a listing waiting on a stalled source within a second', async () => {
      const source = stallingSource();
      const controller = new AbortController();
      const entries = listLayerFiles(source, { signal: controller.signal });
      assert.equal((await entries.next()).value?.path, 'a.txt');
      assert.equal((await entries.next()).value?.path, 'b.bin');
      const waiting = entries.next();
      setTimeout(() => controller.abort(), 50);
      const started = Date.now();
      await assert.rejects(waiting, (err: unknown) => err instanceof CoreError && err.code === 'CANCELLED');
      assert.ok(Date.now() - started < 1000, 'cancelled promptly');
      assert.equal(source.destroyed, true);
    });

    it('destroys the source at once when aborted between entries', async () => {
      const source = stallingSource();
      const controller = new AbortController();
      const entries = listLayerFiles(source, { signal: controller.signal });
      await entries.next();
      controller.abort();
      assert.equal(source.destroyed, true);
      await assert.rejects(entries.next(), (err: unknown) => err instanceof CoreError && err.code === 'CANCELLED');
    });

    it('does not start when the signal is already aborted', async () => {
      const source = stallingSource();
      const err = await listError(source, { signal: AbortSignal.abort() });
      assert.equal(err.code, 'CANCELLED');
      assert.equal(source.destroyed, true);
    });
  });

  describe('hostile names and headers', () => {
    const named = (length: number): string => `${'n'.repeat(length - 4)}.txt`;

    it('refuses a name or link target longer than a system allows, and lists one at the limit', async () => {
      const atLimit = named(MAX_LAYER_NAME_BYTES);
      assert.deepEqual(summary(await list(tar([{ name: atLimit, data: Buffer.from('x') }]))), [`file ${atLimit} (1)`]);
      const cases: [string, TarEntry, RegExp][] = [
        ['PAX path', { name: named(MAX_LAYER_NAME_BYTES + 1), data: Buffer.from('x') }, /a path of 4,097 bytes/],
        ['GNU long name', { name: named(5000), data: Buffer.from('x'), longNames: 'gnu' }, /a path of 5,000 bytes/],
        ['multi-byte name', { name: 'é'.repeat(2049), data: Buffer.from('x') }, /a path of 4,098 bytes/],
        ['link target', { name: 'link', type: 'symlink', linkTarget: named(MAX_LAYER_NAME_BYTES + 1) }, /a link target of 4,097 bytes/],
      ];
      for (const [what, entry, message] of cases) {
        const err = await listError(zlib.gzipSync(tar([{ name: 'first', data: Buffer.from('1') }, entry])));
        assert.equal(err.code, 'LAYER_NAME_TOO_LONG', `${what}: ${err.message}`);
        assert.match(err.message, message, what);
        assert.match(err.message, /pull it and read the layer with tar\.$/, what);
      }
    });

    it('refuses a path deeper than 1024 folders, and lists one at the limit', async () => {
      const atLimit = Array.from({ length: MAX_LAYER_PATH_DEPTH }, () => 'a').join('/');
      assert.equal((await list(tar([{ name: atLimit, data: Buffer.from('x') }])))[0]?.path, atLimit);
      const err = await listError(tar([{ name: `${atLimit}/b`, data: Buffer.from('x') }]));
      assert.equal(err.code, 'LAYER_TOO_DEEP', err.message);
      assert.match(err.message, /a path 1,025 folders deep, more than the 1,024 listed here/);
    });

    it("refuses the review's layers: 1 MiB PAX paths, and one path 1.9 million folders deep", async () => {
      const wide = zlib.gzipSync(
        tar(
          Array.from({ length: 8 }, (_, i) => ({ name: `f${i}`, pax: { path: `${i}${'n'.repeat(1024 * 1024)}` }, data: Buffer.from('x') })),
        ),
      );
      const deep = zlib.gzipSync(tar([{ name: 'f', pax: { path: `${'a/'.repeat(1_900_000)}f` }, data: Buffer.from('x') }]));
      for (const [what, layer, size] of [
        ['wide', wide, '1,048,'],
        ['deep', deep, '3,800,'],
      ] as const) {
        const err = await listError(layer);
        assert.equal(err.code, 'LAYER_HEADER_TOO_LARGE', `${what}: ${err.message}`);
        assert.match(
          err.message,
          new RegExp(`extended tar header \\(PAX or GNU long name\\) of ${size}\\d{3} bytes, over the 64 KiB read here`),
          what,
        );
      }
    });

    it(`refuses names adding up to more than ${MAX_LAYER_NAME_BYTES_TOTAL / MiB} MiB, counting them as they stream`, async function () {
      this.timeout(60_000);
      // Each entry keeps a 4 KiB path, a 4 KiB link target and its owners ('root', 'root'); the
      // archive streams, never whole.
      const perEntry = 2 * (MAX_LAYER_NAME_BYTES - 8) + 8;
      const fitting = Math.floor(MAX_LAYER_NAME_BYTES_TOTAL / perEntry);
      const entries = function* (): Generator<TarEntry> {
        for (let i = 0; i < fitting + 100; i++) {
          const stem = String(i).padStart(8, '0');
          yield {
            name: `${stem}${'p'.repeat(MAX_LAYER_NAME_BYTES - 16)}`,
            type: 'symlink',
            linkTarget: `${stem}${'t'.repeat(MAX_LAYER_NAME_BYTES - 16)}`,
          };
        }
      };
      let listed = 0;
      const err = await (async () => {
        try {
          for await (const _ of listLayerFiles(Readable.from(tarChunks(entries())))) listed++;
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      assert.ok(err instanceof CoreError, String(err));
      assert.equal(err.code, 'LAYER_NAMES_TOO_LARGE', err.message);
      assert.equal(
        err.message,
        "The layer's file names add up to more than 64 MiB, more than is listed here: pull the image to look at its files on disk.",
      );
      assert.equal(listed, fitting, 'stopped at the entry that crossed the limit');
    });

    it('refuses large or crowded global PAX headers before tar-stream merges them into every entry', async function () {
      // Without the guard, tar-stream copies every global record into each entry's own records:
      // this 4 MiB header of short records costs about half a second per entry.
      this.timeout(10_000);
      let records = '';
      for (let i = 0; records.length < 4 * MiB - 100; i++) records += paxRecord(`k${i}`, 'v');
      const entries = Array.from({ length: 2000 }, (_, i): TarEntry => ({ name: `f${i}`, pax: { mtime: '1' }, data: Buffer.from('x') }));
      const bomb = zlib.gzipSync(Buffer.concat([...extensionHeader('g', 'GlobalHead', Buffer.from(records)), ...tarChunks(entries)]));
      const big = await listError(bomb);
      assert.equal(big.code, 'LAYER_HEADER_TOO_LARGE', big.message);
      assert.match(big.message, /a global extended tar header/);
      const crowded = (count: number): TarEntry[] => [
        {
          name: 'f',
          globalPax: Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 'v'])),
          pax: { mtime: '1' },
          data: Buffer.from('x'),
        },
      ];
      assert.equal((await list(tar(crowded(64)))).length, 1);
      const err = await listError(tar(crowded(65)));
      assert.equal(err.code, 'LAYER_HEADER_TOO_LARGE', err.message);
      assert.match(err.message, /a global PAX header of 65 records, over the 64 read here/);
    });

    it('refuses an empty extended header, after which tar-stream would lose its place', async () => {
      const archive = Buffer.concat([
        ...extensionHeader('x', 'PaxHeader', Buffer.alloc(0)),
        ...tarChunks([{ name: 'a.txt', data: Buffer.from('hello') }]),
      ]);
      const err = await listError(archive);
      assert.equal(err.code, 'LAYER_CORRUPT', err.message);
      assert.match(err.message, /an extended header \(PAX or GNU long name\) with no readable size/);
    });
  });

  describe('memory', () => {
    /** The garbage collector, exposed on demand so memory can be measured without garbage in it. */
    function collectGarbage(): () => void {
      const existing = (globalThis as { gc?: () => void }).gc;
      if (existing) return existing;
      v8.setFlagsFromString('--expose-gc');
      return vm.runInNewContext('gc') as () => void;
    }

    it('keeps nothing of an entry but the entry once it has moved on: 100,000 entries hold under 600 bytes each', async function () {
      this.timeout(60_000);
      const gc = collectGarbage();
      const count = 100_000;
      const archive = tar(Array.from({ length: count }, (_, i) => ({ name: `d${Math.floor(i / 1000)}/f${i}`, data: Buffer.alloc(0) })));
      await list(tar(SAMPLE)); // compiles what a first listing compiles, outside the measurement
      gc();
      const before = process.memoryUsage().heapUsed;
      const entries = await list(archive);
      gc();
      const perEntry = (process.memoryUsage().heapUsed - before) / count;
      assert.equal(entries.length, count);
      // An entry object with its strings and date is about 150 bytes; each tar-stream entry stream
      // (with its state, buffers and callbacks) held on to would add about 1.5 KiB.
      assert.ok(perEntry < 600, `${perEntry.toFixed(0)} bytes are held per entry`);
    });

    it('decodes zstd:chunked frames with fzstd holding a window of their size, not the 32 MiB they declare', async function () {
      // fzstd sets aside the window in the frame header for each frame and holds it while the
      // frame decodes: measured after each decoded block, with the garbage collected.
      this.timeout(60_000);
      const gc = collectGarbage();
      gc();
      const baseline = process.memoryUsage().arrayBuffers;
      let peak = 0;
      let blocks = 0;
      for await (const _ of fzstdChunks(streamOf(fixture('chunked.tar.zst')))) {
        gc();
        peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
        blocks++;
      }
      assert.equal(blocks, 16, "chunked.tar.zst's 8 frames hold 16 blocks, 7 of them in the two that declare 32 MiB");
      assert.ok(peak < 4 * MiB, `${(peak / MiB).toFixed(1)} MiB of buffers were live at once`);
    });

    for (const compression of ['none', 'gzip'] as const) {
      it(`streams a 64 MiB entry (${compression}) while holding less than 16 MiB`, async function () {
        this.timeout(120_000);
        const gc = collectGarbage();
        const chunkSize = 64 * 1024;
        const chunkCount = (64 * MiB) / chunkSize;
        let baseline: number | undefined;
        let peak = 0;
        /** Measures live buffer memory every 4 MiB, after a collection, while the entry streams. */
        function* content(): Generator<Buffer> {
          for (let i = 0; i < chunkCount; i++) {
            if (i % 64 === 0) {
              gc();
              const used = process.memoryUsage().arrayBuffers;
              baseline ??= used;
              peak = Math.max(peak, used - baseline);
            }
            yield Buffer.alloc(chunkSize, i & 0xff);
          }
        }
        const raw = Readable.from(
          tarChunks([
            { name: 'big.bin', data: { size: 64 * MiB, chunks: content } },
            { name: 'after.txt', data: Buffer.from('after') },
          ]),
        );
        const source = compression === 'gzip' ? raw.pipe(zlib.createGzip({ level: 1 })) : raw;
        const entries = await list(source);
        assert.deepEqual(summary(entries), [`file big.bin (${64 * MiB})`, 'file after.txt (5)']);
        assert.ok(peak < 16 * MiB, `${(peak / MiB).toFixed(1)} MiB of buffers were live at once`);
      });
    }
  });
});

describe('layer-files: layerFileTree', () => {
  const entry = (path: string, type: LayerFileEntry['type'], size = 0, extra: Partial<LayerFileEntry> = {}): LayerFileEntry => ({
    path,
    type,
    size,
    mode: 0o644,
    uid: 0,
    gid: 0,
    ...extra,
  });

  it('nests entries, creates the parents the archive leaves out and sums sizes and files', () => {
    const root = layerFileTree([
      entry('', 'directory'),
      entry('usr', 'directory'),
      entry('usr/bin/a', 'file', 100),
      entry('usr/bin/b', 'file', 50),
      entry('usr/lib/libc.so', 'symlink', 0, { linkTarget: 'libc.so.6' }),
      entry('etc/os-release', 'file', 7),
      entry('etc/.wh.motd', 'file', 0, { whiteout: { kind: 'file', target: 'etc/motd' } }),
    ]);
    assert.equal(root.entry?.type, 'directory');
    assert.equal(root.totalSize, 157);
    assert.equal(root.fileCount, 4);
    const usr = root.children?.get('usr');
    assert.equal(usr?.entry?.type, 'directory');
    assert.deepEqual([usr?.totalSize, usr?.fileCount], [150, 3]);
    const bin = usr?.children?.get('bin');
    assert.equal(bin?.entry, undefined, 'an implicit directory');
    assert.equal(bin?.path, 'usr/bin');
    assert.deepEqual([...(bin?.children?.keys() ?? [])], ['a', 'b']);
    assert.deepEqual([bin?.children?.get('a')?.totalSize, bin?.children?.get('a')?.fileCount], [100, 1]);
    assert.equal(bin?.children?.get('a')?.children, undefined, 'a file has no children');
    const etc = root.children?.get('etc');
    assert.deepEqual([etc?.totalSize, etc?.fileCount], [7, 1]);
  });

  it('keeps the last entry for a path, as extraction would, and counts it once', () => {
    const root = layerFileTree([entry('a/f', 'file', 10), entry('a/f', 'file', 3), entry('a', 'directory')]);
    const a = root.children?.get('a');
    assert.equal(a?.entry?.type, 'directory');
    assert.deepEqual([a?.totalSize, a?.fileCount], [3, 1]);
  });

  it('counts its nodes, and refuses more than it may make', () => {
    const entries = [entry('a/b/c/d', 'file', 1), entry('a/b/e', 'file', 1)];
    assert.equal(layerFileTree(entries).nodeCount, 6, 'the root, a, b, c, d and e');
    assert.equal(layerFileTree(entries, { maxNodes: 6 }).nodeCount, 6);
    // One short entry can imply many folders: the nodes made are what is counted, not the entries.
    const deep = Array.from({ length: 2000 }, (_, i) => `d${i}`).join('/');
    assert.throws(
      () => layerFileTree([entry(deep, 'file', 1)], { maxNodes: 1000 }),
      (err: unknown) =>
        err instanceof CoreError &&
        err.code === 'LAYER_TOO_MANY_ENTRIES' &&
        /make more than 1,000 entries, too many to show/.test(err.message),
    );
    // …and folders the archive does not list have a limit of their own, far below the nodes'.
    assert.equal(
      layerFileTree([entry('a', 'directory'), entry('a/b', 'directory'), entry('a/b/c', 'file', 1)], { maxImpliedFolders: 0 }).nodeCount,
      4,
      'listed parents are not implied',
    );
    assert.throws(
      () => layerFileTree([entry('x/y/z/f', 'file', 1)], { maxImpliedFolders: 2 }),
      (err: unknown) =>
        err instanceof CoreError &&
        err.code === 'LAYER_TOO_MANY_ENTRIES' &&
        /in more than 2 folders it does not list itself/.test(err.message),
    );
  });

  it("words its refusals for a layer's files, or for an image's with all its layers applied", () => {
    const refusal = (run: () => unknown): string => {
      try {
        run();
      } catch (err) {
        assert.ok(err instanceof CoreError && err.code === 'LAYER_TOO_MANY_ENTRIES', String(err));
        return err.message;
      }
      return assert.fail('expected LAYER_TOO_MANY_ENTRIES');
    };
    const entries = [entry('a/b/c/d', 'file', 1), entry('a/b/e', 'file', 1)];
    const implied = [entry('x/y/z/f', 'file', 1)];
    assert.equal(
      refusal(() => layerFileTree(entries, { maxNodes: 5 })),
      "The layer's files and the folders they are in make more than 5 entries, too many to show; pull the image to look at its files on disk.",
    );
    assert.equal(
      refusal(() => layerFileTree(entries, { maxNodes: 5, of: 'layer' })),
      refusal(() => layerFileTree(entries, { maxNodes: 5 })),
    );
    assert.equal(
      refusal(() => layerFileTree(entries, { maxNodes: 5, of: 'image' })),
      "The image's files and the folders they are in make more than 5 entries, too many to show at once; open its layers one by one, or pull the image to look at its files on disk.",
    );
    assert.equal(
      refusal(() => layerFileTree(implied, { maxImpliedFolders: 2 })),
      "The layer's files are in more than 2 folders it does not list itself, too many to show; pull the image to look at its files on disk.",
    );
    assert.equal(
      refusal(() => layerFileTree(implied, { maxImpliedFolders: 2, of: 'image' })),
      "The image's files are in more than 2 folders its layers do not list themselves, too many to show at once; open its layers one by one, or pull the image to look at its files on disk.",
    );
  });

  /** Files in a few thousand folders, `count` of them, as a generator that counts what has been read of it. */
  function manyFiles(count: number): { entries: Iterable<LayerFileEntry>; read: () => number } {
    let read = 0;
    function* files(): Generator<LayerFileEntry> {
      for (let i = 0; i < count; i++) {
        read++;
        yield entry(`usr/lib/node_modules/pkg${i % 2000}/lib/sub${i % 7}/file${i}.js`, 'file', 1);
      }
    }
    return { entries: files(), read: () => read };
  }

  it('builds a large tree a slice at a time, letting timers and callbacks waiting before it run meanwhile', async () => {
    const ran: string[] = [];
    setImmediate(() => ran.push('immediate'));
    setTimeout(() => ran.push('timer'), 0);
    const root = await layerFileTreeAsync(manyFiles(100_000).entries);
    assert.deepEqual(ran.sort(), ['immediate', 'timer'], 'callbacks due before the tree was built ran while it was');
    assert.deepEqual([root.fileCount, root.totalSize, root.nodeCount], [100_000, 100_000, 118_004]);
  });

  it('gives the event loop a turn after every slice, however short the slices', async () => {
    let turns = 0;
    let building = true;
    const turn = (): void => {
      turns++;
      if (building) setImmediate(turn);
    };
    setImmediate(turn);
    await layerFileTreeAsync(manyFiles(5_000).entries, {}, { sliceMs: 0 });
    building = false;
    // Each slice places at least a few entries (64 steps of work): dozens of slices, a turn after each.
    assert.ok(turns >= 20, `${turns} turns`);
  });

  it('stops between slices with CANCELLED when its signal aborts, reading no further', async () => {
    const controller = new AbortController();
    const { entries, read } = manyFiles(100_000);
    const building = layerFileTreeAsync(entries, {}, { signal: controller.signal, sliceMs: 0 });
    controller.abort();
    await assert.rejects(
      building,
      (err: unknown) => err instanceof CoreError && err.code === 'CANCELLED' && err.message === 'Building the tree of files was cancelled.',
    );
    assert.ok(read() > 0 && read() < 1000, `${read()} entries were read`);
    const already = manyFiles(10);
    await assert.rejects(
      layerFileTreeAsync(already.entries, {}, { signal: controller.signal }),
      (err: unknown) => err instanceof CoreError && err.code === 'CANCELLED',
    );
    assert.equal(already.read(), 0, 'an aborted signal stops it before it starts');
  });

  it('gives an empty directory its children map and handles very deep paths', () => {
    const root = layerFileTree([entry('empty', 'directory')]);
    assert.equal(root.children?.get('empty')?.children?.size, 0);
    const deep = Array.from({ length: 20_000 }, () => 'd').join('/');
    const tree = layerFileTree([entry(`${deep}/f`, 'file', 1)]);
    assert.deepEqual([tree.totalSize, tree.fileCount], [1, 1]);
  });
});
