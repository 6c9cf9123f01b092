// Reading one file out of a layer by its path. Tars are built with test/support/lab/tar.ts and
// compressed with node:zlib; the zstd and sparse fixtures are test/fixtures/layers/ (see make.sh
// there: a tree with a hard link, a symlink and whiteouts; GNU sparse files).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { CoreError } from '../../../../src/core/errors';
import { DEFAULT_MAX_FILE_BYTES, readLayerFile, type ReadLayerFileOptions } from '../../../../src/core/layers/layer-file-read';
import type { LayerFileProgress } from '../../../../src/core/layers/layer-file-progress';
import { verifyingStream } from '../../../../src/core/oci/verify-stream';
import { extensionHeader, paxRecord, tarChunks, type TarEntry } from '../../../support/lab/tar';
import { PROJECT } from '../../support/project';
import { pseudoRandomBytes } from '../../../support/pseudo-random';

const MiB = 1024 * 1024;
const FIXTURES = join(PROJECT, 'test', 'fixtures', 'layers');

function tar(entries: TarEntry[]): Buffer {
  return Buffer.concat([...tarChunks(entries)]);
}

/** A layer source that counts what was pulled from it, and how many times it was opened. */
class Blob {
  pulled = 0;
  opened = 0;

  constructor(
    readonly bytes: Buffer,
    private readonly chunk = 16 * 1024,
  ) {}

  open = (): Promise<Readable> => {
    this.opened++;
    // highWaterMark 1: the stream reads ahead no more than one chunk of what is asked.
    return Promise.resolve(Readable.from(this.chunks(), { objectMode: false, highWaterMark: 1 }));
  };

  private *chunks(): Generator<Buffer> {
    for (let i = 0; i < this.bytes.length; i += this.chunk) {
      const piece = this.bytes.subarray(i, i + this.chunk);
      this.pulled += piece.length;
      yield piece;
    }
  }
}

async function readError(blob: Blob, path: string, options?: ReadLayerFileOptions): Promise<CoreError> {
  try {
    await readLayerFile(blob.open, path, options);
  } catch (err) {
    assert.ok(err instanceof CoreError, `expected a CoreError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the read to fail');
}

const TREE: TarEntry[] = [
  { name: './', directory: true },
  { name: './etc/', directory: true },
  { name: './etc/hostname', data: Buffer.from('lab-host\n') },
  { name: './usr/share/doc/app/', directory: true },
  { name: './usr/share/doc/app/README.md', data: Buffer.from('# App\nNested.\n') },
  { name: './usr/bin/app-link', type: 'hardlink', linkTarget: './usr/share/doc/app/README.md' },
  { name: './etc/localtime', type: 'symlink', linkTarget: '../usr/share/zoneinfo/UTC' },
  { name: './etc/.wh.removed', data: Buffer.alloc(0) },
];

describe('readLayerFile', () => {
  const gz = new Blob(zlib.gzipSync(tar(TREE)));

  it('reads a regular file, and reads a small layer to its end so its digest is checked', async () => {
    const result = await readLayerFile(gz.open, 'etc/hostname', { layerSize: gz.bytes.length });
    assert.equal(result.kind, 'file');
    assert.equal(result.content.toString(), 'lab-host\n');
    assert.equal(result.size, 9);
    assert.equal(result.cut, false);
    assert.equal(result.wholeLayerRead, true);
    assert.equal(result.entry.path, 'etc/hostname');
  });

  it('reads a file in nested folders, however the path is written', async () => {
    for (const path of ['usr/share/doc/app/README.md', '/usr/share/doc/app/README.md', './usr//share/doc/app/README.md']) {
      const result = await readLayerFile(gz.open, path);
      assert.equal(result.content.toString(), '# App\nNested.\n', path);
    }
  });

  it("gives a hard link its target's content, read again from the layer's start", async () => {
    const blob = new Blob(gz.bytes);
    const result = await readLayerFile(blob.open, 'usr/bin/app-link');
    assert.equal(result.kind, 'file');
    assert.equal(result.entry.type, 'hardlink');
    assert.equal(result.contentPath, 'usr/share/doc/app/README.md');
    assert.equal(result.content.toString(), '# App\nNested.\n');
    assert.equal(blob.opened, 2);
  });

  it('gives a symlink its target as written, not followed', async () => {
    const result = await readLayerFile(gz.open, 'etc/localtime');
    assert.equal(result.kind, 'symlink');
    assert.equal(result.linkTarget, '../usr/share/zoneinfo/UTC');
    assert.equal(result.content.length, 0);
  });

  it('says when the layer has no such file, after reading it all', async () => {
    const blob = new Blob(gz.bytes);
    const err = await readError(blob, 'etc/passwd');
    assert.equal(err.code, 'LAYER_FILE_NOT_FOUND');
    assert.match(err.message, /no file \/etc\/passwd; another layer/);
    assert.equal(blob.pulled, blob.bytes.length);
  });

  it('refuses directories and whiteouts, which have no content', async () => {
    const dir = await readError(gz, 'usr/share/doc/app');
    assert.equal(dir.code, 'LAYER_FILE_NOT_READABLE');
    assert.match(dir.message, /^\/usr\/share\/doc\/app is a directory/);
    const whiteout = await readError(gz, 'etc/.wh.removed');
    assert.equal(whiteout.code, 'LAYER_FILE_NOT_READABLE');
    assert.match(whiteout.message, /whiteout/);
  });

  it('cuts a huge file at the cap, saying so and giving its real size', async () => {
    const size = DEFAULT_MAX_FILE_BYTES + 3 * MiB;
    const blob = new Blob(
      zlib.gzipSync(
        tar([
          { name: 'big.bin', data: Buffer.alloc(size, 0x61) },
          { name: 'after', data: Buffer.from('x') },
        ]),
      ),
    );
    const result = await readLayerFile(blob.open, 'big.bin');
    assert.equal(result.cut, true);
    assert.equal(result.size, size);
    assert.equal(result.content.length, DEFAULT_MAX_FILE_BYTES);
    assert.ok(result.content.every((b) => b === 0x61));
    const small = await readLayerFile(blob.open, 'big.bin', { maxBytes: 1000 });
    assert.equal(small.content.length, 1000);
    assert.equal(small.cut, true);
  });

  it('stops downloading once the file is read, in a big layer, and says the layer was not verified', async () => {
    const blob = new Blob(
      zlib.gzipSync(
        tar([
          { name: 'first.txt', data: Buffer.from('hello\n') },
          { name: 'rest.bin', data: pseudoRandomBytes(8 * MiB, 7) },
        ]),
      ),
    );
    assert.ok(blob.bytes.length > 8 * MiB);
    const result = await readLayerFile(blob.open, 'first.txt', { layerSize: blob.bytes.length, readWholeUpTo: 1 * MiB });
    assert.equal(result.content.toString(), 'hello\n');
    assert.equal(result.wholeLayerRead, false);
    assert.ok(blob.pulled < 512 * 1024, `pulled ${blob.pulled} bytes of ${blob.bytes.length}`);
    // The same layer under the threshold is read to the end.
    const whole = new Blob(blob.bytes);
    const verified = await readLayerFile(whole.open, 'first.txt', { layerSize: whole.bytes.length, readWholeUpTo: 16 * MiB });
    assert.equal(verified.wholeLayerRead, true);
    assert.equal(whole.pulled, whole.bytes.length);
  });

  it('stops within the cap of a huge file rather than reading it through', async () => {
    const blob = new Blob(zlib.gzipSync(tar([{ name: 'noise.bin', data: pseudoRandomBytes(8 * MiB, 7) }])));
    const result = await readLayerFile(blob.open, 'noise.bin', { maxBytes: 64 * 1024 });
    assert.equal(result.cut, true);
    assert.ok(blob.pulled < 512 * 1024, `pulled ${blob.pulled} bytes`);
  });

  it('keeps the last of two entries at one path when it reads the whole layer, as extraction would', async () => {
    const blob = new Blob(
      zlib.gzipSync(
        tar([
          { name: 'a.txt', data: Buffer.from('old') },
          { name: 'a.txt', data: Buffer.from('new') },
        ]),
      ),
    );
    const result = await readLayerFile(blob.open, 'a.txt', { layerSize: blob.bytes.length });
    assert.equal(result.content.toString(), 'new');
  });

  it('fails with the digest check when a small layer read to its end does not match', async () => {
    const bytes = gz.bytes;
    // As the inspector opens a layer: the blob piped through a digest check.
    const verified = (digest: string) => (): Promise<Readable> => {
      const verifier = verifyingStream({ digest, size: bytes.length }, 'layer');
      pipeline(Readable.from([bytes]), verifier, () => undefined);
      return Promise.resolve(verifier);
    };
    const wrong = verified(`sha256:${'0'.repeat(64)}`);
    await assert.rejects(readLayerFile(wrong, 'etc/hostname', { layerSize: bytes.length }), { code: 'DIGEST_MISMATCH' });
    const right = verified(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
    const result = await readLayerFile(right, 'etc/hostname', { layerSize: bytes.length });
    assert.equal(result.content.toString(), 'lab-host\n');
    assert.equal(result.wholeLayerRead, true);
  });

  it('stops when the signal is aborted', async () => {
    const controller = new AbortController();
    const blob = new Blob(
      zlib.gzipSync(
        tar([
          { name: 'rest.bin', data: pseudoRandomBytes(4 * MiB, 7) },
          { name: 'last.txt', data: Buffer.from('x') },
        ]),
      ),
      1024,
    );
    let aborted = false;
    const read = readLayerFile(blob.open, 'last.txt', {
      signal: controller.signal,
      onProgress: ({ read: n }) => {
        if (n > 64 * 1024 && !aborted) {
          aborted = true;
          controller.abort();
        }
      },
    });
    await assert.rejects(read, { code: 'CANCELLED' });
    assert.ok(blob.pulled < 1 * MiB, `pulled ${blob.pulled}`);
  });

  describe('progress over the reads a hard link takes', () => {
    // 4 MiB that gzip cannot shrink, so the link sits far into the compressed layer.
    const LINKED = zlib.gzipSync(
      tar([
        { name: 'data.bin', data: pseudoRandomBytes(4 * MiB, 11) },
        { name: 'link', type: 'hardlink', linkTarget: 'data.bin' },
        { name: 'after.bin', data: pseudoRandomBytes(2 * MiB, 12) },
      ]),
    );

    it('a small layer read whole: the second read is counted in the total as soon as the link is met', async () => {
      const seen: LayerFileProgress[] = [];
      const blob = new Blob(LINKED);
      await readLayerFile(blob.open, 'link', {
        layerSize: LINKED.length,
        readWholeUpTo: LINKED.length,
        onProgress: (p) => seen.push(p),
      });
      assert.equal(blob.opened, 2);
      const doubled = seen.findIndex((p) => p.expected === 2 * LINKED.length);
      assert.ok(doubled >= 0, 'the total grows to two whole reads');
      assert.equal(seen[doubled]!.pass, 1, 'it grows during the first read, at the link');
      assert.ok(seen[doubled]!.read < LINKED.length, 'before the first read reaches the end');
      assert.ok(
        seen.some((p) => p.pass === 2 && p.passRead > 0 && p.passRead < LINKED.length),
        'the second read reports as it goes',
      );
      const last = seen.at(-1)!;
      assert.deepEqual([last.pass, last.passRead, last.read, last.expected], [2, LINKED.length, 2 * LINKED.length, 2 * LINKED.length]);
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.read >= seen[i - 1]!.read, 'what was read never goes back');
    });

    it('a big layer read up to the file: the second read is counted up to the link, where the first stopped', async () => {
      const seen: LayerFileProgress[] = [];
      const blob = new Blob(LINKED);
      const result = await readLayerFile(blob.open, 'link', {
        layerSize: LINKED.length,
        readWholeUpTo: 0,
        onProgress: (p) => seen.push(p),
      });
      assert.equal(result.wholeLayerRead, false);
      const firstRead = seen.filter((p) => p.pass === 1).at(-1)!.passRead;
      assert.ok(firstRead < LINKED.length, 'the first read stopped at the link');
      assert.ok(
        seen.some((p) => p.pass === 1 && p.expected! > LINKED.length),
        'the total grew at the link, before the first read ended',
      );
      assert.equal(seen.filter((p) => p.pass === 1).at(-1)!.expected, 2 * firstRead, 'once it ended there: twice what it read');
      const last = seen.at(-1)!;
      assert.equal(last.pass, 2);
      assert.ok(last.read <= last.expected! && last.read >= 2 * firstRead - 64 * 1024, `${last.read} of ${last.expected}`);
    });
  });

  it('reads a zstd layer: a file, and a hard link to it (GNU tar fixture)', async () => {
    const blob = new Blob(readFileSync(join(FIXTURES, 'gnu-posix.tar.zst')));
    const hostname = await readLayerFile(blob.open, 'etc/hostname');
    assert.equal(hostname.content.toString(), 'zstd-layer\n');
    // --sort=name puts usr/bin/notes first: the file is there, and the later name is the hard link.
    const notes = await readLayerFile(blob.open, 'usr/share/doc/notes.txt');
    assert.equal(notes.entry.type, 'hardlink');
    assert.equal(notes.contentPath, 'usr/bin/notes');
    assert.equal(notes.size, 6000 * 57);
    assert.match(notes.content.toString(), /^line 000001: the quick brown fox jumps over the lazy dog\n/);
    assert.match(notes.content.toString(), /line 006000: the quick brown fox jumps over the lazy dog\n$/);
    const link = await readLayerFile(blob.open, 'etc/localtime');
    assert.equal(link.linkTarget, '../usr/share/zoneinfo/UTC');
  });

  it('refuses a sparse file, whose stored bytes are not its content, and reads the file beside it', async () => {
    const blob = new Blob(readFileSync(join(FIXTURES, 'gnu-sparse.tar.gz')));
    const err = await readError(blob, 'holes');
    assert.equal(err.code, 'LAYER_FILE_NOT_READABLE');
    assert.match(err.message, /sparse/);
    assert.equal((await readLayerFile(blob.open, 'after.txt')).content.toString(), 'after\n');
  });

  describe('hostile layers', () => {
    it('never resolves ../ in names: such an entry is only found by its own path', async () => {
      const blob = new Blob(zlib.gzipSync(tar([{ name: '../../etc/passwd', data: Buffer.from('evil') }])));
      assert.equal((await readError(blob, 'etc/passwd')).code, 'LAYER_FILE_NOT_FOUND');
      assert.equal((await readLayerFile(blob.open, '../../etc/passwd')).content.toString(), 'evil');
    });

    it('refuses an oversized extended header before the file, as a listing does', async () => {
      const header = extensionHeader('x', 'PaxHeader', Buffer.from(paxRecord('comment', 'x'.repeat(100 * 1024))));
      const bytes = zlib.gzipSync(Buffer.concat([...header, tar([{ name: 'f.txt', data: Buffer.from('x') }])]));
      assert.equal((await readError(new Blob(bytes), 'f.txt')).code, 'LAYER_HEADER_TOO_LARGE');
    });

    it('does not loop on hard links that name each other', async () => {
      const blob = new Blob(
        zlib.gzipSync(
          tar([
            { name: 'a', type: 'hardlink', linkTarget: 'b' },
            { name: 'b', type: 'hardlink', linkTarget: 'a' },
          ]),
        ),
      );
      const err = await readError(blob, 'b');
      assert.equal(err.code, 'LAYER_FILE_NOT_FOUND');
      assert.ok(blob.opened <= 5);
    });

    it('reports a layer cut off in the middle of the file', async () => {
      const whole = zlib.gzipSync(tar([{ name: 'f.bin', data: pseudoRandomBytes(256 * 1024, 7) }]));
      const err = await readError(new Blob(whole.subarray(0, 100 * 1024)), 'f.bin');
      assert.equal(err.code, 'LAYER_TRUNCATED');
    });
  });
});
