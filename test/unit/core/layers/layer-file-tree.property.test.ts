// Property tests for the tree of a layer's files: on random listings (paths repeated, folders listed
// after what they hold, whiteouts, the archive's root '') the tree is the one a plain model of the
// rules gives, and the async builder, however finely sliced, builds the very same tree or the very
// same refusal as the sync one.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CoreError } from '../../../../src/core/errors';
import {
  layerFileTree,
  layerFileTreeAsync,
  type LayerFileEntry,
  type LayerTreeLimits,
  type LayerTreeNode,
} from '../../../../src/core/layers/layer-files';

/** Few names, so paths repeat and share folders; whiteout names as a listing would flag them. */
const name = fc.constantFrom('a', 'b', 'usr', 'lib', 'é', '.wh.a', '.wh..wh..opq', 'a-name-longer-than-twelve-characters');
const path = fc.array(name, { maxLength: 5 }).map((names) => names.join('/'));

function entryAt(path: string, type: LayerFileEntry['type'], size: number): LayerFileEntry {
  const entry: LayerFileEntry = { path, type, size: type === 'directory' ? 0 : size, mode: 0o644, uid: 0, gid: 0 };
  const last = path.slice(path.lastIndexOf('/') + 1);
  if (last === '.wh..wh..opq') entry.whiteout = { kind: 'opaque', directory: path.slice(0, Math.max(0, path.lastIndexOf('/'))) };
  else if (last.startsWith('.wh.')) entry.whiteout = { kind: 'file', target: path.replace('.wh.', '') };
  return entry;
}

const entry = fc
  .tuple(
    path,
    fc.constantFrom<LayerFileEntry['type']>('file', 'directory', 'symlink', 'hardlink', 'fifo'),
    fc.integer({ min: 0, max: 2 ** 40 }),
  )
  .map(([p, type, size]) => entryAt(p, type, size));

/** A listing, then folders of paths already listed (as tar does when it lists a folder after its content). */
const listing = fc
  .tuple(fc.array(entry, { maxLength: 60 }), fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 10 }))
  .map(([entries, late]) => {
    const folders = late.flatMap(([which, depth]) => {
      const names = entries.length ? entries[which % entries.length]!.path.split('/') : [];
      return names.length > 1 ? [entryAt(names.slice(0, 1 + (depth % (names.length - 1))).join('/'), 'directory', 0)] : [];
    });
    return [...entries, ...folders];
  });

const limits: fc.Arbitrary<LayerTreeLimits> = fc.record(
  {
    maxNodes: fc.integer({ min: 1, max: 120 }),
    maxImpliedFolders: fc.integer({ min: 0, max: 30 }),
    of: fc.constantFrom('layer' as const, 'image' as const),
  },
  { requiredKeys: [] },
);

/** A node as compared: its fields and its children's names in the order they were made. */
interface Flat {
  path: string;
  name: string;
  entry: LayerFileEntry | undefined;
  children: string[] | undefined;
  totalSize: number;
  fileCount: number;
}

function flatten(root: LayerTreeNode): { nodes: Flat[]; nodeCount: number | undefined } {
  const nodes: Flat[] = [];
  const pending = [root];
  for (let node = pending.pop(); node; node = pending.pop()) {
    const { path, name, entry, children, totalSize, fileCount } = node;
    nodes.push({ path, name, entry, children: children && [...children.keys()], totalSize, fileCount });
    pending.push(...(children?.values() ?? []));
  }
  return { nodes: nodes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), nodeCount: root.nodeCount };
}

/** The rules, written plainly: a node per path prefix, made in the order met; the last entry wins; totals from every entry at or below. */
function model(
  entries: LayerFileEntry[],
  limits: LayerTreeLimits,
): { nodes: Flat[]; nodeCount: number } | 'too many nodes' | 'too many implied' {
  const nodes = new Map<string, Flat>([['', { path: '', name: '', entry: undefined, children: [], totalSize: 0, fileCount: 0 }]]);
  let implied = 0;
  for (const e of entries) {
    const names = e.path === '' ? [] : e.path.split('/');
    for (let i = 0; i < names.length; i++) {
      const parent = nodes.get(names.slice(0, i).join('/'))!;
      parent.children ??= [];
      const at = names.slice(0, i + 1).join('/');
      if (nodes.has(at)) continue;
      if (nodes.size + 1 > (limits.maxNodes ?? Infinity)) return 'too many nodes';
      if (i < names.length - 1 && ++implied > (limits.maxImpliedFolders ?? Infinity)) return 'too many implied';
      nodes.set(at, { path: at, name: names[i]!, entry: undefined, children: undefined, totalSize: 0, fileCount: 0 });
      parent.children.push(names[i]!);
    }
    const node = nodes.get(e.path)!;
    node.entry = e;
    if (e.type === 'directory') node.children ??= [];
  }
  for (const node of nodes.values()) {
    if (!node.entry || node.entry.type === 'directory') continue;
    for (const other of nodes.values()) {
      if (other.path !== '' && node.path !== other.path && !node.path.startsWith(`${other.path}/`)) continue;
      other.totalSize += node.entry.size;
      if (!node.entry.whiteout) other.fileCount++;
    }
  }
  return { nodes: [...nodes.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), nodeCount: nodes.size };
}

/** The tree, or the CoreError it was refused with. */
function built(run: () => LayerTreeNode): LayerTreeNode | CoreError {
  try {
    return run();
  } catch (err) {
    assert.ok(err instanceof CoreError, String(err));
    return err;
  }
}

describe('layer-files: layerFileTree properties', () => {
  it('builds the tree the rules give: a node per folder, the last entry for a path, totals of what is below', () => {
    fc.assert(
      fc.property(listing, limits, (entries, limit) => {
        const tree = built(() => layerFileTree(entries, limit));
        const expected = model(entries, limit);
        if (expected === 'too many nodes' || expected === 'too many implied') {
          assert.ok(tree instanceof CoreError && tree.code === 'LAYER_TOO_MANY_ENTRIES', `expected a refusal, ${expected}`);
          assert.match(tree.message, expected === 'too many nodes' ? /make more than/ : /folders (it does|its layers do) not list/);
          return;
        }
        assert.ok(!(tree instanceof CoreError), tree instanceof CoreError ? tree.message : '');
        assert.deepEqual(flatten(tree), expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('builds, a slice at a time, the very tree (or refusal) it builds in one go', async () => {
    await fc.assert(
      fc.asyncProperty(listing, limits, fc.constantFrom(0, 10), async (entries, limit, sliceMs) => {
        const inOneGo = built(() => layerFileTree(entries, limit));
        const sliced = await layerFileTreeAsync(entries, limit, { sliceMs }).catch((err: unknown) => {
          assert.ok(err instanceof CoreError, String(err));
          return err;
        });
        if (inOneGo instanceof CoreError) {
          assert.ok(sliced instanceof CoreError);
          assert.deepEqual([sliced.code, sliced.message], [inOneGo.code, inOneGo.message]);
        } else {
          assert.deepStrictEqual(sliced, inOneGo);
          assert.deepEqual(flatten(sliced as LayerTreeNode), flatten(inOneGo), 'children in the same order');
        }
      }),
      { numRuns: 500 },
    );
  });
});
