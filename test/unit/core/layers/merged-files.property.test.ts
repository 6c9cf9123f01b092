// Property test for building an image's file system from its layers: for random stacks of layers
// over a small alphabet of names (so paths collide, nest, are whited out, made opaque and replaced
// by files), the indexed MergedFileSystem holds exactly what a plain model of the OCI image spec's
// rules holds, the model scanning every path for each whiteout.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { LayerFileEntry } from '../../../../src/core/layers/layer-files';
import { MergedFileSystem } from '../../../../src/core/layers/merged-files';

const under = (dir: string, path: string): boolean => dir === '' || path.startsWith(`${dir}/`);

/** The spec's rules, written as plainly as possible: whiteouts first, then the layer's own entries. */
function modelApply(fs: Map<string, LayerFileEntry>, layer: readonly LayerFileEntry[]): void {
  for (const entry of layer) {
    if (entry.whiteout?.kind === 'file') {
      const target = entry.whiteout.target;
      for (const path of [...fs.keys()]) if (path === target || under(target, path)) fs.delete(path);
    } else if (entry.whiteout?.kind === 'opaque') {
      const directory = entry.whiteout.directory;
      for (const path of [...fs.keys()]) if (under(directory, path) && path !== directory) fs.delete(path);
    }
  }
  for (const entry of layer) {
    if (entry.whiteout || entry.path === '') continue;
    if (entry.type !== 'directory') for (const path of [...fs.keys()]) if (under(entry.path, path) && path !== entry.path) fs.delete(path);
    fs.set(entry.path, entry);
  }
}

const base = { size: 1, mode: 0o644, uid: 0, gid: 0 };
const path = fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 4 }).map((names) => names.join('/'));
const parent = (p: string): string => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
const name = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
const join = (dir: string, leaf: string): string => (dir === '' ? leaf : `${dir}/${leaf}`);

const entry: fc.Arbitrary<LayerFileEntry> = fc.oneof(
  path.map((p): LayerFileEntry => ({ ...base, path: p, type: 'file' })),
  path.map((p): LayerFileEntry => ({ ...base, path: p, type: 'directory', size: 0 })),
  path.map((p): LayerFileEntry => ({ ...base, path: p, type: 'symlink', size: 0, linkTarget: '/x' })),
  path.map((p): LayerFileEntry => ({
    ...base,
    path: join(parent(p), `.wh.${name(p)}`),
    type: 'file',
    whiteout: { kind: 'file', target: p },
  })),
  fc.oneof(fc.constant(''), path).map((dir): LayerFileEntry => ({
    ...base,
    path: join(dir, '.wh..wh..opq'),
    type: 'file',
    whiteout: { kind: 'opaque', directory: dir },
  })),
);

describe('MergedFileSystem (property)', function () {
  it('holds what the spec’s rules give, for any stack of layers', function () {
    fc.assert(
      fc.property(fc.array(fc.array(entry, { maxLength: 12 }), { maxLength: 5 }), (layers) => {
        const model = new Map<string, LayerFileEntry>();
        const merged = new MergedFileSystem();
        for (const layer of layers) {
          modelApply(model, layer);
          merged.apply(layer);
          assert.deepEqual([...merged.files.entries()].sort(byPath), [...model.entries()].sort(byPath));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

function byPath(a: [string, LayerFileEntry], b: [string, LayerFileEntry]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}
