// Saving one file of a layer to disk: the whole content streamed (no cap) from real tar and gzip
// bytes through a real digest check, into a temporary file renamed onto the target only when the
// layer was read to its end and matched its digest. Tars are built with test/support/lab/tar.ts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { DEFAULT_MAX_FILE_BYTES, type OpenLayer } from '../../../../src/core/layers/layer-file-read';
import type { LayerFileProgress } from '../../../../src/core/layers/layer-file-progress';
import { saveLayerFile } from '../../../../src/core/layout/layer-file-save';
import { verifyingStream } from '../../../../src/core/oci/verify-stream';
import { tarChunks, type TarEntry } from '../../../support/lab/tar';
import { pseudoRandomBytes } from '../../../support/pseudo-random';

const MiB = 1024 * 1024;

/** 20 MiB of a repeated (but not constant) pattern: real content, which gzip shrinks to a few KiB. */
function pattern(length: number): Buffer {
  const unit = Buffer.alloc(4099);
  for (let i = 0; i < unit.length; i++) unit[i] = (i * 31 + (i >> 7)) & 0xff;
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += unit.length) unit.copy(out, i, 0, Math.min(unit.length, length - i));
  return out;
}

function gzipTar(entries: TarEntry[]): Buffer {
  return zlib.gzipSync(Buffer.concat([...tarChunks(entries)]));
}

/** A layer as registryLayer opens it: the blob's chunks piped through a digest and size check. */
function layer(blob: Buffer, digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`, chunk = 64 * 1024): OpenLayer {
  return () => {
    const verifier = verifyingStream({ digest, size: blob.length }, 'layer');
    const chunks = function* (): Generator<Buffer> {
      for (let i = 0; i < blob.length; i += chunk) yield blob.subarray(i, i + chunk);
    };
    pipeline(Readable.from(chunks(), { objectMode: false, highWaterMark: 1 }), verifier, () => undefined);
    return Promise.resolve(verifier);
  };
}

const BIG = pattern(20 * MiB + 123);
const BLOB = gzipTar([
  { name: './', directory: true },
  { name: './etc/hostname', data: Buffer.from('lab-host\n') },
  { name: './usr/bin/big.bin', data: BIG, mode: 0o755 },
  { name: './usr/bin/big-link', type: 'hardlink', linkTarget: './usr/bin/big.bin' },
  { name: './etc/localtime', type: 'symlink', linkTarget: '../usr/share/zoneinfo/UTC' },
  { name: './etc/.wh.removed', data: Buffer.alloc(0) },
  { name: './last.txt', data: Buffer.from('the end\n') },
]);

describe('saveLayerFile', function () {
  this.timeout(60_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'save-layer-file-'));
  });

  it('writes the whole content of a file beyond the 16 MiB a tab shows, byte for byte, with its executable bits', async () => {
    assert.ok(BIG.length > DEFAULT_MAX_FILE_BYTES);
    const target = join(dir, 'big.bin');
    let lastPass = 0;
    const saved = await saveLayerFile(layer(BLOB), '/usr/bin/big.bin', target, { onProgress: ({ pass }) => (lastPass = pass) });
    assert.equal(saved.size, BIG.length);
    assert.equal(saved.passes, 1);
    assert.equal(lastPass, 1);
    assert.ok(readFileSync(target).equals(BIG), 'the saved bytes differ from the file in the layer');
    if (process.platform !== 'win32') assert.equal(statSync(target).mode & 0o111, 0o111 & ~process.umask());
    assert.deepEqual(readdirSync(dir), ['big.bin']);
  });

  it('saves a small file without its executable bits, replacing a file already there', async () => {
    const target = join(dir, 'hostname');
    writeFileSync(target, 'old content that is longer than the new\n');
    await saveLayerFile(layer(BLOB), 'etc/hostname', target);
    assert.equal(readFileSync(target, 'utf8'), 'lab-host\n');
    if (process.platform !== 'win32') assert.equal(statSync(target).mode & 0o111, 0);
  });

  it('saves a hard link as the file it names, reading the layer again', async () => {
    const target = join(dir, 'big-link');
    const saved = await saveLayerFile(layer(BLOB), 'usr/bin/big-link', target);
    assert.equal(saved.entry.type, 'hardlink');
    assert.equal(saved.contentEntry.path, 'usr/bin/big.bin');
    assert.equal(saved.passes, 2);
    assert.ok(readFileSync(target).equals(BIG));
    assert.deepEqual(readdirSync(dir), ['big-link']);
  });

  it('counts the second read in the total as soon as the hard link is met, so progress goes on through it', async () => {
    // 2 MiB that gzip cannot shrink after the link, so the link is met well before the layer's end.
    const blob = gzipTar([
      { name: 'data.bin', data: pseudoRandomBytes(2 * MiB, 21) },
      { name: 'link', type: 'hardlink', linkTarget: 'data.bin' },
      { name: 'after.bin', data: pseudoRandomBytes(2 * MiB, 22) },
    ]);
    const seen: LayerFileProgress[] = [];
    await saveLayerFile(layer(blob), 'link', join(dir, 'link'), { layerSize: blob.length, onProgress: (p) => seen.push(p) });
    const grown = seen.find((p) => p.expected === 2 * blob.length);
    assert.ok(grown && grown.pass === 1 && grown.read < 0.75 * blob.length, 'the total doubles during the first read, at the link');
    assert.ok(seen.filter((p) => p.pass === 2).length > 10, 'the second read reports as it goes');
    const last = seen.at(-1)!;
    assert.deepEqual([last.pass, last.read, last.expected], [2, 2 * blob.length, 2 * blob.length]);
  });

  it('keeps the last entry at a path, as extraction does', async () => {
    const blob = gzipTar([
      { name: 'a.txt', data: Buffer.from('first, and longer\n') },
      { name: 'b.txt', data: Buffer.from('b\n') },
      { name: 'a.txt', data: Buffer.from('second\n') },
    ]);
    const target = join(dir, 'a.txt');
    await saveLayerFile(layer(blob), 'a.txt', target);
    assert.equal(readFileSync(target, 'utf8'), 'second\n');
    assert.deepEqual(readdirSync(dir), ['a.txt']);
  });

  it('leaves no file when the layer does not match its digest, and says so', async () => {
    const target = join(dir, 'hostname');
    // The file comes first and is written whole before the digest is checked at the layer's end.
    await assert.rejects(saveLayerFile(layer(BLOB, `sha256:${'0'.repeat(64)}`), 'etc/hostname', target), {
      code: 'DIGEST_MISMATCH',
    });
    assert.deepEqual(readdirSync(dir), []);
  });

  it('leaves no file when cancelled in the middle of the content', async () => {
    const controller = new AbortController();
    const target = join(dir, 'big.bin');
    let seen = 0;
    let partial = 0;
    const save = saveLayerFile(layer(BLOB, undefined, 1024), 'usr/bin/big.bin', target, {
      signal: controller.signal,
      onProgress: ({ read }) => {
        seen = read;
        // Once the temporary file beside the target holds a good part of the content.
        const temporary = readdirSync(dir).find((name) => name.startsWith('.big.bin.partial-'));
        partial = temporary ? statSync(join(dir, temporary)).size : 0;
        if (partial > 2 * MiB) controller.abort();
      },
    });
    await assert.rejects(save, { code: 'CANCELLED' });
    assert.ok(partial > 2 * MiB && seen < BLOB.length, `read ${seen} of ${BLOB.length} bytes, wrote ${partial}`);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('refuses what has no content to save, leaving nothing', async () => {
    await assert.rejects(saveLayerFile(layer(BLOB), 'etc/localtime', join(dir, 'x')), {
      code: 'LAYER_FILE_NOT_READABLE',
      message: /^\/etc\/localtime is a symbolic link to \.\.\/usr\/share\/zoneinfo\/UTC, .* save the file it points to instead\.$/,
    });
    await assert.rejects(saveLayerFile(layer(BLOB), 'etc', join(dir, 'x')), { code: 'LAYER_FILE_NOT_FOUND' });
    await assert.rejects(saveLayerFile(layer(BLOB), '', join(dir, 'x')), { code: 'LAYER_FILE_NOT_READABLE', message: /is a directory/ });
    await assert.rejects(saveLayerFile(layer(BLOB), 'etc/.wh.removed', join(dir, 'x')), { message: /is a whiteout/ });
    await assert.rejects(saveLayerFile(layer(BLOB), 'etc/passwd', join(dir, 'x')), { code: 'LAYER_FILE_NOT_FOUND' });
    assert.deepEqual(readdirSync(dir), []);
  });

  it('says which file could not be written, and where', async () => {
    const target = join(dir, 'missing-folder', 'hostname');
    await assert.rejects(saveLayerFile(layer(BLOB), 'etc/hostname', target), {
      code: 'FILE_NOT_FOUND',
      message: /^Saving \/etc\/hostname to .*missing-folder\/hostname failed: /,
    });
  });
});
