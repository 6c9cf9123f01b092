// Go regular expressions (Flux's semverFilter) as Go reads them: matched anywhere in the tag
// unless anchored, with Go's syntax (what a JavaScript RegExp reads otherwise too), patterns Go
// refuses refused, and matching that stays linear on patterns a backtracking engine would not
// finish.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { goRegExp } from '../../../src/shared/go-regexp';

const keeps = (pattern: string, tags: string[]): string[] => {
  const regexp = goRegExp(pattern);
  assert.ok(regexp, `${pattern} is read`);
  return tags.filter((tag) => regexp.test(tag));
};

const TAGS = ['1.0.0', 'v1.0.0', '1.1.0-rc.1', 'v2.0.0-RC.2', '2.0.0', 'main-abc123', '10.0.0'];

describe('goRegExp', () => {
  it('matches anywhere in the tag unless anchored, as Go does', () => {
    assert.deepEqual(keeps('.*-rc.*', TAGS), ['1.1.0-rc.1']);
    assert.deepEqual(keeps('-rc', TAGS), ['1.1.0-rc.1']);
    assert.deepEqual(keeps('^v', TAGS), ['v1.0.0', 'v2.0.0-RC.2']);
    assert.deepEqual(keeps('^\\d+\\.\\d+\\.\\d+$', TAGS), ['1.0.0', '2.0.0', '10.0.0']);
    assert.deepEqual(keeps('0$', TAGS), ['1.0.0', 'v1.0.0', '2.0.0', '10.0.0']);
  });

  it("reads Go's syntax, where a JavaScript RegExp reads otherwise or not at all", () => {
    assert.deepEqual(keeps('^v?(?P<major>1)\\.(?:0|1)\\.[0-9]+', TAGS), ['1.0.0', 'v1.0.0', '1.1.0-rc.1']);
    // Quoted text: the dot is a dot.
    assert.deepEqual(keeps('^\\Q1.0\\E', ['1.0.0', '120']), ['1.0.0']);
    assert.deepEqual(keeps('^[[:digit:]]+\\.', TAGS), ['1.0.0', '1.1.0-rc.1', '2.0.0', '10.0.0']);
    assert.deepEqual(keeps('\\A10', TAGS), ['10.0.0']);
    assert.deepEqual(keeps('rc\\.1\\z', TAGS), ['1.1.0-rc.1']);
    // Flags from where they are written: RC only case-insensitively after (?i).
    assert.deepEqual(keeps('-(?i)rc', TAGS), ['1.1.0-rc.1', 'v2.0.0-RC.2']);
    assert.deepEqual(keeps('-(?i:r)C', TAGS), ['v2.0.0-RC.2']);
    // Go reads x{,3} as the text itself.
    assert.deepEqual(keeps('x{,3}', ['x{,3}', 'xxx']), ['x{,3}']);
  });

  it('refuses what Go refuses, and patterns too long to compile for every listing', () => {
    for (const pattern of ['(?=1)', '(?<!v)1', '(a)\\1', '(', '[z-a]', 'a**', 'a'.repeat(1001)])
      assert.equal(goRegExp(pattern), undefined, pattern);
  });

  it('answers in linear time where a backtracking engine would run for minutes', () => {
    // (a+)+$ against 128 a's and a mark: 2^128 paths for a backtracking engine.
    const evil = goRegExp('(a+)+$')!;
    const tag = `${'a'.repeat(127)}!`;
    for (let i = 0; i < 100; i++) assert.equal(evil.test(tag), false);
    assert.equal(goRegExp('(.*.*)*x')!.test('a'.repeat(128)), false);
  });

  it('never throws, whatever the pattern and the tag', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.stringMatching(/^[\w][\w.-]{0,40}$/), (pattern, tag) => {
        const regexp = goRegExp(pattern);
        if (regexp) assert.equal(typeof regexp.test(tag), 'boolean');
      }),
      { numRuns: 5_000 },
    );
  });
});
