// Building an image's file system from its layers (whiteouts, opaque directories, a file replacing
// a directory) and comparing two of them path by path.
import assert from 'node:assert/strict';
import { compareFileSystems, type FileSystem } from '../../../../src/core/operations/compare-files';
import { MergedFileSystem } from '../../../../src/core/layers/merged-files';
import type { LayerFileEntry } from '../../../../src/core/layers/layer-files';
import { describeFileComparison } from '../../../../src/core/operations/compare-text';

const file = (path: string, size = 1, extra: Partial<LayerFileEntry> = {}): LayerFileEntry => ({
  path,
  type: 'file',
  size,
  mode: 0o644,
  uid: 0,
  gid: 0,
  ...extra,
});
const dir = (path: string): LayerFileEntry => ({ path, type: 'directory', size: 0, mode: 0o755, uid: 0, gid: 0 });
const build = (...layers: LayerFileEntry[][]): FileSystem => {
  const merged = new MergedFileSystem();
  for (const layer of layers) merged.apply(layer);
  return merged.files;
};

describe('file comparison', function () {
  it('applies whiteouts and opaque directories to the layers below only', function () {
    const fs = build(
      [dir('etc'), file('etc/a'), file('etc/b'), dir('var'), file('var/x'), file('var/y')],
      [
        { ...file('etc/.wh.a'), whiteout: { kind: 'file', target: 'etc/a' } },
        { ...dir('var'), path: 'var/.wh..wh..opq', whiteout: { kind: 'opaque', directory: 'var' } },
        file('var/z'),
      ],
    );
    assert.deepEqual([...fs.keys()].sort(), ['etc', 'etc/b', 'var', 'var/z']);
  });

  it('drops what was under a directory a file replaces', function () {
    const fs = build([dir('opt'), file('opt/tool')], [file('opt', 5)]);
    assert.deepEqual([...fs.keys()], ['opt']);
    assert.equal(fs.get('opt')!.type, 'file');
  });

  it('drops what was under a folder no layer listed when a file or link takes its place', function () {
    const fs = build([file('opt/tool/bin/run'), file('opt/keep')], [{ ...file('opt/tool'), type: 'symlink', size: 0, linkTarget: '/usr' }]);
    assert.deepEqual([...fs.keys()].sort(), ['opt/keep', 'opt/tool']);
  });

  it('a whiteout removes a folder no layer listed, with everything below it, and nothing beside it', function () {
    const fs = build(
      [file('usr/lib/a/x'), file('usr/lib/a/y'), file('usr/lib/ab'), file('usr/lib/a.so')],
      [{ ...file('usr/lib/.wh.a'), whiteout: { kind: 'file', target: 'usr/lib/a' } }],
    );
    assert.deepEqual([...fs.keys()].sort(), ['usr/lib/a.so', 'usr/lib/ab']);
  });

  it('an opaque root hides every lower layer; a path whited out and added again in one layer stays', function () {
    assert.deepEqual(
      [
        ...build(
          [file('a'), file('b/c')],
          [{ ...dir(''), path: '.wh..wh..opq', whiteout: { kind: 'opaque', directory: '' } }, file('d')],
        ).keys(),
      ],
      ['d'],
    );
    const again = build(
      [dir('etc'), file('etc/x', 1)],
      [{ ...file('etc/.wh.x'), whiteout: { kind: 'file', target: 'etc/x' } }, file('etc/x', 9)],
    );
    assert.equal(again.get('etc/x')?.size, 9);
  });

  it('names files added, removed and changed by size, mode, owner and link target', function () {
    const before = build([
      file('a', 1),
      file('b', 1),
      file('c', 1),
      file('d'),
      { ...file('l'), type: 'symlink', size: 0, linkTarget: 'a' },
    ]);
    const after = build([
      file('a', 2),
      file('c', 1, { mode: 0o755, uid: 1000, gid: 1000 }),
      file('d'),
      file('e'),
      { ...file('l'), type: 'symlink', size: 0, linkTarget: 'c' },
    ]);
    const c = compareFileSystems(before, after);
    assert.deepEqual(
      c.added.map((e) => e.path),
      ['e'],
    );
    assert.deepEqual(
      c.removed.map((e) => e.path),
      ['b'],
    );
    assert.deepEqual(c.changed, [
      { path: 'a', changes: ['size 1 → 2'] },
      { path: 'c', changes: ['mode 0644 → 0755', 'owner 0:0 → 1000:1000'] },
      { path: 'l', changes: ['link a → c'] },
    ]);
    assert.deepEqual(compareFileSystems(before, before), { added: [], removed: [], changed: [] });
  });

  it('shows hidden characters of file names as escapes', function () {
    const text = describeFileComparison(compareFileSystems(new Map(), build([file('evil\u202Etxt.sh')])));
    assert.ok(!text.includes('\u202E'));
    assert.match(text, /Files added \(1\)\n {2}\/evil\\u202Etxt\.sh/);
  });
});
