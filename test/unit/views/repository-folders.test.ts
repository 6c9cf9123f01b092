import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { folderLevel, lastSegment } from '../../../src/views/repository-folders';

const names = ['apps/web', 'library/alpine', 'team-a/api', 'team-a/worker', 'team-b/tools/cli', 'team-b/tools/lint', 'team-b', 'busybox'];

describe('folderLevel', () => {
  it('the top level: folders first by name, with how many repositories each holds, then top-level repositories', () => {
    const level = folderLevel(names);
    assert.deepEqual(
      level.folders.map((f) => [f.prefix, f.name, f.repositories]),
      [
        ['apps/', 'apps', 1],
        ['library/', 'library', 1],
        ['team-a/', 'team-a', 2],
        ['team-b/', 'team-b', 2],
      ],
    );
    assert.deepEqual(level.repositories, ['team-b', 'busybox']);
  });

  it('inside a folder: its subfolders and its repositories by full name', () => {
    assert.deepEqual(folderLevel(names, 'team-a/'), { folders: [], repositories: ['team-a/api', 'team-a/worker'] });
    const teamB = folderLevel(names, 'team-b/');
    assert.deepEqual(
      teamB.folders.map((f) => f.prefix),
      ['team-b/tools/'],
    );
    assert.deepEqual(teamB.repositories, []);
    assert.deepEqual(folderLevel(names, 'team-b/tools/').repositories, ['team-b/tools/cli', 'team-b/tools/lint']);
  });

  it('a repository named like a folder shows as both (team-b and team-b/…)', () => {
    const level = folderLevel(['team-b', 'team-b/cli']);
    assert.deepEqual(
      level.folders.map((f) => f.prefix),
      ['team-b/'],
    );
    assert.deepEqual(level.repositories, ['team-b']);
  });

  it('every repository appears exactly once when walking the folders', () => {
    const repoName = fc.array(fc.stringMatching(/^[a-c]{1,2}$/), { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
    fc.assert(
      fc.property(fc.uniqueArray(repoName, { maxLength: 30 }), (all) => {
        const seen: string[] = [];
        const walk = (prefix: string): void => {
          const level = folderLevel(all, prefix);
          seen.push(...level.repositories);
          for (const folder of level.folders) {
            assert.ok(folder.repositories > 0);
            walk(folder.prefix);
          }
        };
        walk('');
        assert.deepEqual([...seen].sort(), [...all].sort());
      }),
      { numRuns: 200 },
    );
  });

  it('lastSegment is what a nested row shows', () => {
    assert.equal(lastSegment('team-b/tools/cli'), 'cli');
    assert.equal(lastSegment('busybox'), 'busybox');
  });
});
