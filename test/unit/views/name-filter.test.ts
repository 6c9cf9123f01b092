import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { globMatcher, parseNameFilter } from '../../../src/views/name-filter';

describe('parseNameFilter', () => {
  it('blank text means no filter', () => {
    assert.equal(parseNameFilter(''), undefined);
    assert.equal(parseNameFilter('   '), undefined);
    assert.equal(parseNameFilter(undefined), undefined);
  });

  it('without * or ? it is a case-insensitive substring', () => {
    const filter = parseNameFilter(' API ')!;
    assert.equal(filter.kind, 'substring');
    assert.equal(filter.text, 'API');
    assert.ok(filter.matches('team-a/api'));
    assert.ok(filter.matches('apis'));
    assert.ok(!filter.matches('team-a/worker'));
  });

  it('a glob matches the whole name or its end after a slash; * crosses slashes, ? is one character', () => {
    const team = parseNameFilter('team-a/*')!;
    assert.equal(team.kind, 'glob');
    assert.deepEqual(
      ['team-a/api', 'team-a/worker', 'team-b/cli', 'team-a', 'x/team-a/api', 'xteam-a/api'].filter((n) => team.matches(n)),
      ['team-a/api', 'team-a/worker', 'x/team-a/api'],
    );
    // What a person types for "repositories named repo-03…", whatever namespace they are in.
    const repo = parseNameFilter('repo-03*')!;
    assert.deepEqual(
      ['bulk/repo-031', 'repo-030', 'a/b/repo-039', 'bulk/my-repo-031', 'bulk/repo-040'].filter((n) => repo.matches(n)),
      ['bulk/repo-031', 'repo-030', 'a/b/repo-039'],
    );
    const deep = parseNameFilter('*/cli')!;
    assert.ok(deep.matches('team-b/tools/cli'));
    assert.ok(!deep.matches('team-b/tools/cli2'));
    const version = parseNameFilter('1.2.?')!;
    assert.deepEqual(
      ['1.2.9', '1.2.10', '1.2.x', '1x2x3'].filter((t) => version.matches(t)),
      ['1.2.9', '1.2.x'],
    );
  });

  it('treats every other character literally (dots, brackets, plus)', () => {
    const filter = parseNameFilter('v1.0+build[1]*')!;
    assert.ok(filter.matches('v1.0+build[1]-rc'));
    assert.ok(!filter.matches('v1x0+build[1]'));
    assert.ok(!filter.matches('v1.00build1'));
  });

  it('a lone * matches everything', () => {
    fc.assert(
      fc.property(fc.string(), (name) => parseNameFilter('*')!.matches(name)),
      { numRuns: 200 },
    );
  });

  it('a glob built from a name matches that name, whatever its characters', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 30 }).filter((s) => !/[*?]/.test(s)),
        (name) => {
          assert.ok(globMatcher(name)(name));
          assert.ok(globMatcher(`${name}*`)(`${name}suffix`));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('matches as an anchored regular expression of the glob does (.* for *, . for ?), for any glob and name', () => {
    const alphabet = fc.constantFrom('a', 'b', 'A', '-', '/', '.');
    const asRegExp = (glob: string): RegExp =>
      new RegExp(`^${[...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.\\/-]/g, '\\$&'))).join('')}$`, 'is');
    fc.assert(
      fc.property(
        fc.array(fc.oneof(alphabet, fc.constantFrom('*', '?')), { maxLength: 10 }).map((c) => c.join('')),
        fc.array(alphabet, { maxLength: 16 }).map((c) => c.join('')),
        (glob, name) => assert.equal(globMatcher(glob)(name), asRegExp(glob).test(name), `${glob} on ${name}`),
      ),
      { numRuns: 3000 },
    );
  });

  it('a filter of many stars on a long name answers at once, where a regular expression backtracked for minutes', () => {
    const filter = parseNameFilter('*a*a*a*a*a*a*a*a*a*a*b')!;
    assert.equal(filter.matches('a'.repeat(4000)), false);
    assert.equal(filter.matches(`${'a'.repeat(4000)}b`), true);
  });
});
