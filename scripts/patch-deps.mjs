// Mends a dependency's bug that a hostile registry can reach, until its maintainers ship a fix.
//
// fzstd 0.1.1 (the zstd decoder used where Node has none, before 22.15) reads a block's Huffman
// weights in a loop that ends only when its bit position falls below the stream's start: when the
// weights' FSE table gives states of zero bits, it never does, and one crafted layer froze the
// extension host (found by the layer listing's property test; the layer is
// test/fixtures/layers/huffman-weights-loop.tar.zst). At most 255 weights are valid, which fzstd
// checks only after the loop, so the mend makes the same check inside it: valid streams decode as
// before, and such a stream fails at once with fzstd's own error. Idempotent. npm runs it after
// installing (postinstall), and the build refuses to bundle an unmended copy.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const FZSTD = join(ROOT, 'node_modules', 'fzstd');
const FILES = ['lib/index.js', 'esm/index.mjs'];
const GUARD = ' if (wc > 255) err(0);';
const LOOP_WRITES = [/hw\[\+\+wc\] = fdt\.s\[st1\];(?! if \(wc > 255\))/, /hw\[\+\+wc\] = fdt\.s\[st2\];(?! if \(wc > 255\))/];

/** Whether every file of fzstd the project loads has the mend. */
export function fzstdIsMended() {
  return FILES.every((file) => {
    const text = readFileSync(join(FZSTD, file), 'utf8');
    return text.split(GUARD).length - 1 >= 2;
  });
}

export function mendFzstd() {
  const version = JSON.parse(readFileSync(join(FZSTD, 'package.json'), 'utf8')).version;
  for (const file of FILES) {
    const path = join(FZSTD, file);
    let text = readFileSync(path, 'utf8');
    for (const write of LOOP_WRITES) {
      if (!write.test(text)) continue;
      text = text.replace(write, (found) => `${found}${GUARD}`);
    }
    writeFileSync(path, text);
  }
  if (!fzstdIsMended())
    throw new Error(
      `fzstd ${version}: the Huffman weights loop was not found to mend; see scripts/patch-deps.mjs (a newer fzstd may have fixed it).`,
    );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) mendFzstd();
