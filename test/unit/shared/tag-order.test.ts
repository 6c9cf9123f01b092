import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { formatCreated, parseCreated, sortTags, sortTagsByCreated, tagKind } from '../../../src/shared/tag-order';

describe('sortTags', () => {
  it('natural: named tags first, then versions newest first, numerically, then other tags', () => {
    assert.deepEqual(sortTags(['latest', '1.2.9', '3.19', '1.2.10', 'edge', '3.20', 'v2.0.0', 'main-42', 'main-7'], 'natural'), [
      'latest',
      'edge',
      '3.20',
      '3.19',
      'v2.0.0',
      '1.2.10',
      '1.2.9',
      'main-7',
      'main-42',
    ]);
  });

  it('natural: named tags in the order people look for them, whatever their case', () => {
    assert.deepEqual(sortTags(['dev', 'main', 'Stable', 'nightly', 'latest', 'zeta'], 'natural'), [
      'latest',
      'Stable',
      'main',
      'nightly',
      'dev',
      'zeta',
    ]);
  });

  it('natural: date-stamped tags after the versions, newest date first, before the rest', () => {
    assert.deepEqual(
      sortTags(
        ['nightly-20240101', 'feature-x', '1.0.0', 'nightly-20240315', '2024-02-01', 'build-20240315.2', 'build-20240315.10', 'latest'],
        'natural',
      ),
      ['latest', '1.0.0', 'build-20240315.10', 'build-20240315.2', 'nightly-20240315', '2024-02-01', 'nightly-20240101', 'feature-x'],
    );
  });

  it('tells named, date-stamped, version and other tags apart', () => {
    assert.deepEqual(
      ['latest', 'nightly-20240101', '20240101', '2019.10.15', '2019.10.1', '1.2.3', 'v2', 'sha256-abc', '12345678'].map(tagKind),
      ['named', 'dated', 'dated', 'dated', 'version', 'version', 'version', 'other', 'version'],
    );
  });

  it('natural: a release sorts before its pre-releases, newest pre-release first', () => {
    assert.deepEqual(sortTags(['1.0.0-rc.1', '1.0.0', '1.0.0-rc.2', '0.9.0'], 'natural'), ['1.0.0', '1.0.0-rc.2', '1.0.0-rc.1', '0.9.0']);
  });

  it('alphabetical: code-point order as registries list them', () => {
    assert.deepEqual(sortTags(['b', '10', '9', 'B', 'a'], 'alphabetical'), ['10', '9', 'B', 'a', 'b']);
  });

  it('keeps every tag exactly once, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,20}$/), { maxLength: 50 }),
        fc.constantFrom('natural', 'alphabetical', 'created'),
        (tags, order) => {
          const sorted = sortTags(tags, order as 'natural');
          assert.deepEqual([...sorted].sort(), [...tags].sort());
          assert.deepEqual(sortTags(sorted, order as 'natural'), sorted, 'sorting is stable under repetition');
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('created order', () => {
  const day = (d: number) => Date.UTC(2024, 0, d);

  it('known dates newest first, then unknown dates in natural order', () => {
    const created: Record<string, number> = { '1.0.0': day(1), '1.1.0': day(5), latest: day(5), nightly: day(9) };
    assert.deepEqual(
      sortTagsByCreated(['1.0.0', 'latest', 'unknown-b', '1.1.0', '2.0.0', 'nightly', 'unknown-a'], (t) => created[t]),
      // latest and 1.1.0 share a date: natural order breaks the tie (named tags before versions).
      ['nightly', 'latest', '1.1.0', '1.0.0', '2.0.0', 'unknown-a', 'unknown-b'],
    );
  });

  it('with no date known it is the natural order', () => {
    const tags = ['latest', '1.2.9', '1.2.10', 'edge'];
    assert.deepEqual(
      sortTagsByCreated(tags, () => undefined),
      sortTags(tags, 'natural'),
    );
  });

  it('keeps every tag exactly once', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-z0-9.]{1,8}$/), { maxLength: 40 }),
        fc.func(fc.option(fc.integer({ min: 0, max: 1e12 }), { nil: undefined })),
        (tags, dateOf) => {
          const sorted = sortTagsByCreated(tags, (t) => dateOf(t));
          assert.deepEqual([...sorted].sort(), [...tags].sort());
        },
      ),
      { numRuns: 200 },
    );
  });

  it('parses RFC 3339 dates and ignores placeholders and junk', () => {
    assert.equal(parseCreated('2024-05-01T12:30:00Z'), Date.UTC(2024, 4, 1, 12, 30));
    assert.equal(parseCreated('2024-05-01T12:30:00.123456789+02:00'), Date.UTC(2024, 4, 1, 10, 30, 0, 123));
    for (const placeholder of ['0001-01-01T00:00:00Z', '1970-01-01T00:00:00Z', 'yesterday', '2024-05-01', '', 42, undefined, null]) {
      assert.equal(parseCreated(placeholder), undefined, String(placeholder));
    }
  });

  it('shows the UTC date on the row', () => {
    assert.equal(formatCreated(Date.UTC(2024, 4, 1, 23, 59)), '2024-05-01');
  });
});
