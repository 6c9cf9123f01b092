// fzstd runs in a thread of its own, watched from the main thread. The stuck decoder here is real:
// fzstd 0.1.1 as published (the project's copy with its mend taken out, see scripts/patch-deps.mjs),
// which loops for good on huffman-weights-loop.tar.zst. The thread's script is the project's own
// zstd-worker.js, copied beside that unmended copy so that its `require('fzstd')` finds it.
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import { CoreError } from '../../../../src/core/errors';
import type * as CoreApi from '../../../../src/core/index';
import { fzstdChunks } from '../../../../src/core/layers/layer-decode';
import { ZstdThread } from '../../../../src/core/layers/zstd-thread';
import { PROJECT } from '../../support/project';

const LAYERS = join(PROJECT, 'test', 'fixtures', 'layers');
const WORKER = join(PROJECT, 'out', 'src', 'core', 'layers', 'zstd-worker.js');
const MEND = ' if (wc > 255) err(0);';

function unmendedWorkerScript(): string {
  const root = mkdtempSync(join(tmpdir(), 'zstd-thread-'));
  const fzstd = join(root, 'node_modules', 'fzstd');
  mkdirSync(join(fzstd, 'lib'), { recursive: true });
  copyFileSync(join(PROJECT, 'node_modules', 'fzstd', 'package.json'), join(fzstd, 'package.json'));
  const mended = readFileSync(join(PROJECT, 'node_modules', 'fzstd', 'lib', 'index.js'), 'utf8');
  const published = mended.split(MEND).join('');
  assert.notEqual(published, mended, 'the project copy of fzstd carries the mend that this test takes out');
  writeFileSync(join(fzstd, 'lib', 'index.js'), published);
  mkdirSync(join(root, 'lib'));
  copyFileSync(WORKER, join(root, 'lib', 'zstd-worker.js'));
  return join(root, 'lib', 'zstd-worker.js');
}

async function decoded(thread: ZstdThread, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of fzstdChunks(Readable.from([readFileSync(join(LAYERS, name))]), thread)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function failure(work: Promise<unknown>): Promise<CoreError> {
  try {
    await work;
  } catch (err) {
    assert.ok(err instanceof CoreError, `a CoreError, not ${String(err)}`);
    return err;
  }
  assert.fail('expected the decoding to fail');
}

describe('zstd-thread: fzstd in a watched thread', function () {
  this.timeout(60_000);

  it('ends a decoder stuck in a loop after the stall limit, while this event loop keeps turning', async () => {
    const thread = new ZstdThread({ script: unmendedWorkerScript(), stallMs: 1500 });
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 50);
    const started = Date.now();
    try {
      const err = await failure(decoded(thread, 'huffman-weights-loop.tar.zst'));
      const elapsed = Date.now() - started;
      assert.equal(err.code, 'LAYER_TOO_COSTLY');
      assert.match(err.message, /kept the decoder busy for over 2 s without a block decoded/);
      assert.ok(elapsed >= 1500, `ended by the stall limit, not before (${elapsed} ms)`);
      assert.ok(ticks >= 10, `timers ran while the decoder was stuck (${ticks} ticks in ${elapsed} ms)`);
      // The thread that was ended gives way to a new one: the next layer decodes.
      const tar = await decoded(thread, 'two-frames.tar.zst');
      assert.equal(tar.length % 512, 0);
      assert.ok(tar.length > 0);
    } finally {
      clearInterval(ticker);
    }
  });

  it('decodes several layers at once in one thread, each as fzstd alone would', async () => {
    const thread = new ZstdThread();
    const names = ['gnu-posix.tar.zst', 'two-frames.tar.zst', 'chunked.tar.zst'];
    const together = await Promise.all(names.map((name) => decoded(thread, name)));
    const digests = together.map((tar) => createHash('sha256').update(tar).digest('hex'));
    assert.equal(new Set(digests).size, 1, 'every fixture holds the same tar');
    const alone = await decoded(new ZstdThread(), 'gnu-posix.tar.zst');
    assert.equal(digests[0], createHash('sha256').update(alone).digest('hex'));
  });

  it('fails a layer with UNSUPPORTED, not a hang and not as corrupt, when the thread cannot start', async () => {
    const thread = new ZstdThread({ script: join(tmpdir(), 'no-such-zstd-worker.js'), stallMs: 30_000 });
    const started = Date.now();
    const err = await failure(decoded(thread, 'gnu-posix.tar.zst'));
    assert.equal(err.code, 'UNSUPPORTED');
    assert.match(err.message, /could not start \(Cannot find module .*no-such-zstd-worker\.js/);
    assert.ok(Date.now() - started < 15_000);
  });

  it('fails the layers it was decoding with LAYER_CORRUPT when the thread dies after it loaded', async () => {
    // A stand-in that loads as the real one does, then dies on its first batch (as an
    // out-of-memory thread would): a failure of decoding, not of starting.
    const script = join(mkdtempSync(join(tmpdir(), 'zstd-dies-')), 'dies.js');
    writeFileSync(
      script,
      "const { parentPort } = require('node:worker_threads');\n" +
        'parentPort.postMessage({ ready: true });\n' +
        "parentPort.on('message', () => { throw new Error('out of memory'); });\n",
    );
    const err = await failure(decoded(new ZstdThread({ script, stallMs: 30_000 }), 'gnu-posix.tar.zst'));
    assert.equal(err.code, 'LAYER_CORRUPT');
    assert.match(err.message, /zstd decoder failed \(out of memory\)/);
  });

  it('fails a layer fzstd refuses with LAYER_CORRUPT and fzstd\u2019s reason, from the thread', async () => {
    // The project's mended fzstd stops at once on this layer (see zstd-hostile.test.ts).
    const err = await failure(decoded(new ZstdThread(), 'huffman-weights-loop.tar.zst'));
    assert.equal(err.code, 'LAYER_CORRUPT');
    assert.match(err.message, /zstd data is corrupt \(invalid zstd data\)/);
  });

  it('decodes through the bundles the extension ships: dist/core.js starts dist/zstd-worker.js beside it', async function () {
    // npm test builds dist/ before the unit tests. Where Node has a zstd decoder of its own (22.15
    // and later), the core uses that, and this checks the bundled thread directly instead.
    const core = require(join(PROJECT, 'dist', 'core.js')) as typeof CoreApi;
    const native = typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress === 'function';
    const bytes = readFileSync(join(LAYERS, 'gnu-posix.tar.zst'));
    const names: string[] = [];
    for await (const entry of core.listLayerFiles(Readable.from([bytes]))) names.push(entry.path);
    assert.ok(names.length > 3, `the layer's files are listed (${names.join(', ')})`);
    if (native) {
      const tar = await decoded(new ZstdThread({ script: join(PROJECT, 'dist', 'zstd-worker.js') }), 'gnu-posix.tar.zst');
      assert.equal(tar.length % 512, 0);
    }
  });
});
