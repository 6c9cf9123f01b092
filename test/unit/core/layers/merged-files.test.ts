// Resolving a symbolic link inside an image's files, as the kernel would inside the container.
import assert from 'node:assert/strict';
import type { LayerFileEntry } from '../../../../src/core/layers/layer-files';
import { MAX_LINK_HOPS, resolveLink } from '../../../../src/core/layers/merged-files';

const base = { size: 1, mode: 0o644, uid: 0, gid: 0 };
const file = (path: string): LayerFileEntry => ({ ...base, path, type: 'file' });
const dir = (path: string): LayerFileEntry => ({ ...base, path, type: 'directory', size: 0 });
const link = (path: string, linkTarget: string): LayerFileEntry => ({ ...base, path, type: 'symlink', size: 0, linkTarget });
const image = (...entries: LayerFileEntry[]) => new Map(entries.map((e) => [e.path, e]));
const target = (files: Map<string, LayerFileEntry>, path: string) => resolveLink(files, path)?.path;

describe('resolveLink', () => {
  it('follows relative and absolute targets, from the link’s folder or the root', () => {
    // Debian's /etc/os-release, and the same written absolutely.
    const files = image(
      dir('etc'),
      file('usr/lib/os-release'),
      link('etc/os-release', '../usr/lib/os-release'),
      link('etc/absolute', '/usr/lib/os-release'),
    );
    assert.equal(target(files, 'etc/os-release'), 'usr/lib/os-release');
    assert.equal(target(files, 'etc/absolute'), 'usr/lib/os-release');
    assert.equal(resolveLink(files, 'etc/os-release')?.entry.type, 'file');
  });

  it('follows links on the way: a linked folder (bin → usr/bin) and a link to a link', () => {
    const files = image(link('bin', 'usr/bin'), file('usr/bin/dash'), link('usr/bin/sh', 'dash'), link('usr/local/bin/sh', '/bin/sh'));
    assert.equal(target(files, 'usr/local/bin/sh'), 'usr/bin/dash');
    assert.equal(target(files, 'usr/bin/sh'), 'usr/bin/dash');
  });

  it('never climbs above the root, and ignores empty and "." parts', () => {
    const files = image(file('etc/passwd'), link('a/b/escape', '../../../../../../etc//./passwd'));
    assert.equal(target(files, 'a/b/escape'), 'etc/passwd');
  });

  it('gives nothing for a dangling link, a loop, a chain longer than the kernel follows, or something not a link', () => {
    assert.equal(target(image(link('a', 'missing')), 'a'), undefined);
    assert.equal(target(image(link('a', 'b'), link('b', 'a')), 'a'), undefined);
    const chain = (n: number) =>
      image(file('end'), ...Array.from({ length: n }, (_, i) => link(`l${i}`, i === n - 1 ? 'end' : `l${i + 1}`)));
    assert.equal(target(chain(MAX_LINK_HOPS), 'l0'), 'end', 'forty links in all are followed');
    assert.equal(target(chain(MAX_LINK_HOPS + 1), 'l0'), undefined);
    assert.equal(target(image(file('f')), 'f'), undefined);
    assert.equal(target(image(), 'nothing'), undefined);
  });

  it('stops when the shared budget of path characters runs out, or a path grows past PATH_MAX', () => {
    const files = image(file('usr/lib/os-release'), link('etc/os-release', '../usr/lib/os-release'));
    const budget = { characters: 60 };
    assert.equal(resolveLink(files, 'etc/os-release', budget)?.path, 'usr/lib/os-release');
    assert.equal(budget.characters, 60 - 21 - 3 - 7 - 18, 'the target and each path looked up were spent');
    assert.equal(resolveLink(files, 'etc/os-release', budget), undefined, 'the rest is not enough for another');
    const long = 'd/'.repeat(2100);
    assert.equal(target(image(file(`${long}f`), link('l', `${long}f`)), 'l'), undefined);
  });
});
