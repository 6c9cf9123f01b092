// A zstd layer crafted so that fzstd's Huffman weights loop never ends (one bit flipped in a valid
// layer, found by the layer listing's property test): listing it must fail with a CoreError at
// once. Run in a child process with a time limit, because a decoder stuck in a loop held the
// event loop and no timer in this process could fire. The limit is under the zstd thread's stall
// limit (20 s), so the child must also exit on its own: nothing of a layer given up (its thread,
// the watch over batches still in flight) may keep a process up.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT } from '../../support/project';

const LAYER = join(PROJECT, 'test', 'fixtures', 'layers', 'huffman-weights-loop.tar.zst');
const LISTING = join(PROJECT, 'out', 'src', 'core', 'layers', 'layer-files.js');
const DECODE = join(PROJECT, 'out', 'src', 'core', 'layers', 'layer-decode.js');

describe('a zstd layer whose Huffman weights never end', () => {
  for (const decoder of ['the listing (its own pick of decoder)', 'fzstd']) {
    it(`fails with a CoreError at once through ${decoder}`, () => {
      const script = `
        const { readFileSync } = require('node:fs');
        const { Readable } = require('node:stream');
        const { listLayerFiles } = require(${JSON.stringify(LISTING)});
        const { fzstdChunks } = require(${JSON.stringify(DECODE)});
        const bytes = readFileSync(${JSON.stringify(LAYER)});
        const source = ${decoder === 'fzstd'} ? Readable.from(fzstdChunks(Readable.from([bytes]))) : Readable.from([bytes]);
        (async () => {
          try { for await (const _ of listLayerFiles(source, { maxEntries: 1000 })); console.log('listed'); }
          catch (err) { console.log(err.constructor.name, err.code); }
        })();`;
      const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
      assert.equal(run.signal, null, 'the decoder finished, and the process exited, before the time limit');
      assert.equal(run.stdout.trim(), 'CoreError LAYER_CORRUPT', run.stderr);
    });
  }
});
