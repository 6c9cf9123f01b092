// Version ranges as Helm, Flux and Argo CD read them (Masterminds' constraints), and the tag a range
// picks: the forms chart authors write (Helm's best-practice `~1.2.3`, `^`, `x`, commas), the ones
// Masterminds reads otherwise than npm (commas, pre-releases by group, `!=`), and the tags each tool skips.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { chooseTag, movedRange, parseVersionRange, tagVersion, type TagReading } from '../../../src/shared/version-range';

function matches(range: string, version: string, reading: TagReading = 'helm'): boolean {
  const parsed = parseVersionRange(range);
  assert.ok(parsed, `${range} parses`);
  const v = tagVersion(version, reading);
  assert.ok(v, `${version} is a version`);
  return parsed.matches(v);
}

describe('parseVersionRange', () => {
  it('reads tilde, caret, wildcards and hyphens as Masterminds does', () => {
    const cases: [string, string, boolean][] = [
      ['~1.2.3', '1.2.3', true],
      ['~1.2.3', '1.2.9', true],
      ['~1.2.3', '1.3.0', false],
      ['~1.2', '1.2.0', true],
      ['~1', '1.9.0', true],
      ['~1', '2.0.0', false],
      ['^1.2.3', '1.9.9', true],
      ['^1.2.3', '2.0.0', false],
      ['^0.2.3', '0.2.9', true],
      ['^0.2.3', '0.3.0', false],
      ['1.2.x', '1.2.7', true],
      ['1.2.x', '1.3.0', false],
      ['15.x.x', '15.4.1', true],
      ['1.2.*', '1.2.0', true],
      ['1.2', '1.2.5', true],
      ['1.2', '1.3.0', false],
      ['*', '9.9.9', true],
      ['1.2 - 1.4.5', '1.4.5', true],
      ['1.2 - 1.4.5', '1.4.6', false],
      ['>=1 <2 || >=3', '2.5.0', false],
      ['>=1 <2 || >=3', '3.0.0', true],
      ['v1.2.x', '1.2.3', true],
      ['>1.2', '1.2.9', false],
      ['>1.2', '1.3.0', true],
      ['>1', '1.9.9', false],
      ['>1.x', '2.0.0', true],
      ['<2', '1.9.9', true],
      ['<2', '2.0.0', false],
      ['<=1.2', '1.2.9', true],
      ['<=1.2', '1.3.0', false],
      ['>1.2.3', '1.2.4', true],
      ['<1.2.3', '1.2.3', false],
    ];
    for (const [range, version, expected] of cases) assert.equal(matches(range, version), expected, `${range} on ${version}`);
  });

  it('joins comparators with a comma as with a space, and reads => and =<', () => {
    assert.equal(matches('>= 1.2, < 3.0.0', '2.9.9'), true);
    assert.equal(matches('>= 1.2, < 3.0.0', '3.0.0'), false);
    assert.equal(matches('>=1.2,<3', '1.1.0'), false);
    assert.equal(matches('=> 1.2, =< 1.4', '1.4.0'), true);
    assert.equal(matches('=> 1.2, =< 1.4', '1.5.0'), false);
  });

  it('matches a pre-release only where a version of its group is written with one (Masterminds 3.4 and later)', () => {
    assert.equal(matches('~1.2.0', '1.2.5-rc.1'), false);
    assert.equal(matches('>=1.2.0', '1.3.0-beta'), false);
    // Masterminds: a comparator with a pre-release lets any pre-release through, not only its own version's (npm's rule).
    assert.equal(matches('>=1.2.0-0', '1.3.0-beta'), true);
    assert.equal(matches('^1.2.0-beta', '1.5.0-rc'), true);
    // One pre-release in a group opens the whole group to them (Helm's `>=1.0.0-0 <2.0.0` idiom)…
    assert.equal(matches('>=1.2.0-beta <2.0.0', '1.5.0-rc'), true);
    assert.equal(matches('>= 1.2.0-0, < 2', '2.0.0-rc.1'), true);
    assert.equal(matches('>=1.2.0-beta <2.0.0', '2.0.0'), false);
    // …but not another group, and not through build metadata.
    assert.equal(matches('>=3.0.0-0 || ~1.2.0', '1.2.5-rc.1'), false);
    assert.equal(matches('>=3.0.0-0 || ~1.2.0', '3.1.0-rc.1'), true);
    assert.equal(matches('>=1.2.0+build-1', '1.3.0-beta'), false);
    assert.equal(matches('1.2.x-0', '1.2.5-rc.1'), true);
    // A partial bound as Masterminds reads it: `< 2` is below 2.0.0, `> 1.2` any 1.3 or later, their pre-releases too.
    assert.equal(matches('>=1.0.0-0 >1.2', '1.3.0-rc.1'), true);
    assert.equal(matches('>=1.0.0-0 >1.2', '1.2.9'), false);
    assert.equal(matches('>=1.0.0-0 > 1', '2.0.0-0'), true);
    assert.equal(matches('>=1.0.0-0 <1.x', '1.0.0-rc.1'), true);
    assert.equal(matches('>=1.0.0-0 <1.2.x', '1.2.0-rc.1'), true);
    assert.equal(matches('>=1.0.0-0 <1.2.x', '1.2.0'), false);
    assert.equal(matches('*', '1.0.0-alpha'), false);
  });

  it('reads != as Masterminds does: a version, or every version of a minor or a major', () => {
    const cases: [string, string, boolean][] = [
      ['!=1.2.3', '1.2.3', false],
      ['!=1.2.3', '1.2.4', true],
      ['!=1.2.3', '1.2.3+build.5', false],
      ['>=1.0, !=1.2.3', '1.2.3', false],
      ['>=1.0, !=1.2.3', '1.2.2', true],
      ['>=1.0 != 1.2.3', '1.2.3', false],
      ['>=1.0, !=1.2.3', '0.9.0', false],
      ['>=1.0, !=1.2', '1.2.9', false],
      ['>=1.0, !=1.2.x', '1.2.0', false],
      ['>=1.0, !=1.2', '1.3.0', true],
      ['>=1.0, !=1', '1.9.0', false],
      ['>=1.0, !=1.x', '2.0.0', true],
      // A pre-release is still asked for by a version written with one; `!=1.2` leaves out 1.2's releases only.
      ['!=1.2.3', '1.3.0-rc.1', false],
      ['>=1.2.0-0, !=1.2', '1.2.5-rc.1', true],
      ['>=1.2.0-0, !=1.2.5-rc.1', '1.2.5-rc.1', false],
      ['>=1.2.0-0, !=1.2.5-rc.1', '1.2.5-rc.2', true],
      ['!=1.2.3 || 1.2.3', '1.2.3', true],
    ];
    for (const [range, version, expected] of cases) assert.equal(matches(range, version), expected, `${range} on ${version}`);
  });

  it('reads no text that is no range, or that Masterminds reads otherwise', () => {
    for (const text of [
      '',
      '  ',
      'latest',
      'main',
      '!=*',
      '>=1.0, !=',
      '>=1.0, !=latest',
      '1.2.3 ||',
      'v',
      '1.2.3.4.5',
      'a'.repeat(300),
      '~1.2.3'.padEnd(300, ' 1'),
    ])
      assert.equal(parseVersionRange(text), undefined, JSON.stringify(text));
  });
});

describe('tagVersion', () => {
  it("reads Helm's tags strictly, a `_` as the `+` Helm replaced", () => {
    assert.equal(tagVersion('1.2.3', 'helm')?.version, '1.2.3');
    assert.equal(tagVersion('1.2.3_build.5', 'helm')?.build.join('.'), 'build.5');
    assert.equal(tagVersion('1.2.3-rc.1', 'helm')?.prerelease.join('.'), 'rc.1');
    for (const tag of ['v1.2.3', '1.2', '1', 'latest', '01.2.3', 'sha256-abc.sig', '1.2.03'])
      assert.equal(tagVersion(tag, 'helm'), undefined, tag);
  });

  it("reads Flux's and Argo CD's tags leniently: a v, missing numbers as 0", () => {
    assert.equal(tagVersion('v1.2.3', 'lenient')?.version, '1.2.3');
    assert.equal(tagVersion('v1.2', 'lenient')?.version, '1.2.0');
    assert.equal(tagVersion('6', 'lenient')?.version, '6.0.0');
    assert.equal(tagVersion('1.2.3-rc.1', 'lenient')?.version, '1.2.3-rc.1');
    for (const tag of ['latest', 'main-abc123', 'sha256-abc.sig', '1.2.3.4', '99999999999999999999.0.0'])
      assert.equal(tagVersion(tag, 'lenient'), undefined, tag);
  });
});

describe('chooseTag', () => {
  const tags = ['15.0.0', '15.4.1', '15.10.0', '16.0.0', '16.1.0-rc.1', '17.0.0_build.1', 'latest', 'sha256-1234.sig'];

  it('picks the highest version the range matches, and the newest release above it', () => {
    assert.deepEqual(chooseTag(parseVersionRange('15.x.x')!, tags, 'helm'), { tag: '15.10.0', newest: '17.0.0_build.1' });
    assert.deepEqual(chooseTag(parseVersionRange('>=16.0.0')!, tags, 'helm'), { tag: '17.0.0_build.1' });
    assert.deepEqual(chooseTag(parseVersionRange('^14')!, tags, 'helm'), { newest: '17.0.0_build.1' });
    assert.deepEqual(chooseTag(parseVersionRange('^14')!, [], 'helm'), {});
  });

  it('leaves pre-releases to a range that asks for them', () => {
    assert.deepEqual(chooseTag(parseVersionRange('~16.1.0-0')!, tags, 'helm'), { tag: '16.1.0-rc.1', newest: '17.0.0_build.1' });
    assert.deepEqual(chooseTag(parseVersionRange('~16.1.0')!, tags, 'helm'), { newest: '17.0.0_build.1' });
  });

  it('skips the tags the tool skips: Helm a v, Flux nothing of the kind', () => {
    const flux = ['v6.5.0', 'v6.6.2', '6.7.0-rc.1', 'v7.0.0', 'latest'];
    assert.deepEqual(chooseTag(parseVersionRange('6.x')!, flux, 'lenient'), { tag: 'v6.6.2', newest: 'v7.0.0' });
    assert.deepEqual(chooseTag(parseVersionRange('6.x')!, flux, 'helm'), {});
  });

  it('picks a matching tag of the list, the highest of them, for any list', () => {
    const version = fc
      .tuple(fc.nat(3), fc.nat(3), fc.nat(3), fc.constantFrom('', '-rc.1', '-0', '_b1'))
      .map(([a, b, c, s]) => `${a}.${b}.${c}${s}`);
    const tag = fc.oneof(version, fc.constantFrom('latest', 'v1.2.3', '1.2', 'x'), fc.string({ maxLength: 8 }));
    const range = fc.oneof(
      fc.constantFrom('*', '>=0.0.0-0'),
      fc.tuple(fc.constantFrom('~', '^', '>=', '<', ''), version).map(([op, v]) => `${op}${v}`),
      fc.tuple(version, version).map(([a, b]) => `${a} - ${b}`),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(range, fc.array(tag, { maxLength: 12 }), fc.constantFrom<TagReading>('helm', 'lenient'), (text, list, reading) => {
        const parsed = parseVersionRange(text);
        if (!parsed) return;
        const choice = chooseTag(parsed, list, reading);
        const versions = list.flatMap((t) => {
          const v = tagVersion(t, reading);
          return v ? [{ t, v }] : [];
        });
        const matching = versions.filter(({ v }) => parsed.matches(v));
        if (choice.tag === undefined) assert.equal(matching.length, 0);
        else {
          assert.ok(list.includes(choice.tag));
          const chosen = tagVersion(choice.tag, reading)!;
          assert.ok(parsed.matches(chosen));
          for (const { v } of matching) assert.ok(v.compare(chosen) <= 0, `${v.version} above ${chosen.version}`);
        }
        if (choice.newest !== undefined) {
          const newest = tagVersion(choice.newest, reading)!;
          assert.equal(newest.prerelease.length, 0);
          if (choice.tag !== undefined) assert.ok(newest.compare(tagVersion(choice.tag, reading)!) > 0);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('movedRange', () => {
  it('moves a range of one comparator to a newer version, in the form it was written', () => {
    const cases: [string, string, string][] = [
      ['~1.2.0', '2.0.1', '~2.0.1'],
      ['^1.2.3', '2.4.0', '^2.4.0'],
      ['~1.2', '1.4.7', '~1.4'],
      ['^1', '3.1.0', '^3'],
      ['1.2', '1.5.0', '1.5'],
      ['15.x.x', '17.0.0_build.1', '17.x.x'],
      ['1.2.x', '2.0.3', '2.0.x'],
      ['6.*', '7.1.0', '7.*'],
      ['v1.x', '2.0.0', 'v2.x'],
    ];
    for (const [range, to, moved] of cases) assert.equal(movedRange(range, to, 'helm'), moved, `${range} to ${to}`);
    assert.equal(movedRange('6.x', 'v7.1', 'lenient'), '7.x');
  });

  it('moves no range of another form, to a pre-release, or where the moved range would not take the version in', () => {
    for (const range of ['>=1.0.0', '>= 1.2, < 2', '1.2 - 1.4', '^1 || ^2', '~1.2.0-rc.1', '*'])
      assert.equal(movedRange(range, '3.0.0', 'helm'), undefined, range);
    assert.equal(movedRange('~1.2.0', '2.0.0-rc.1', 'helm'), undefined);
    assert.equal(movedRange('~1.2.0', 'v2.0.0', 'helm'), undefined, 'Helm reads no v');
    // ^0.2 takes in 0.2.x only: moved to 0.3.5 it is ^0.3, which takes it in.
    assert.equal(movedRange('^0.2', '0.3.5', 'helm'), '^0.3');
    // Never down: ~1.2.9 is not moved to take in 1.2.3.
    assert.equal(movedRange('~1.2.9', '1.2.3', 'helm'), undefined);
  });

  it('moves any range it moves up, to one that takes the version in, in the same form', () => {
    const part = fc.oneof(fc.nat(20).map(String), fc.constantFrom('x', 'X', '*'));
    const range = fc
      .tuple(fc.constantFrom('', '~', '^'), fc.constantFrom('', 'v'), fc.nat(20), fc.array(part, { maxLength: 2 }))
      .map(([op, v, major, rest]) => `${op}${v}${[String(major), ...rest].join('.')}`);
    const version = fc.tuple(fc.nat(25), fc.nat(25), fc.nat(25)).map(([a, b, c]) => `${a}.${b}.${c}`);
    fc.assert(
      fc.property(range, version, (text, to) => {
        const moved = movedRange(text, to, 'helm');
        if (moved === undefined) return;
        assert.ok(parseVersionRange(moved)!.matches(tagVersion(to, 'helm')!), `${moved} takes ${to} in`);
        assert.equal(moved.replace(/\d+/g, 'N'), text.replace(/\d+/g, 'N'), 'the same form');
        assert.ok(!parseVersionRange(text)!.matches(tagVersion(to, 'helm')!) || moved !== text);
      }),
      { numRuns: 3000 },
    );
  });
});
