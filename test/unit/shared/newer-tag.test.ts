import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { compareSchemeVersions, newerTag, sameScheme, tagScheme } from '../../../src/shared/newer-tag';

const NGINX = [
  '1.25.3',
  '1.25.4',
  '1.27.3',
  '1.27.3-alpine',
  '1.25.3-alpine',
  '1.25.4-alpine',
  '1.27',
  '1.27-alpine',
  'latest',
  'alpine',
  'mainline',
];

describe('newerTag', () => {
  it('keeps the suffix: an -alpine tag moves to a newer -alpine tag only', () => {
    assert.equal(newerTag('1.25.3-alpine', NGINX), '1.27.3-alpine');
    assert.equal(newerTag('1.2.3-alpine', ['1.2.4-alpine', '1.3.0-slim', '1.2.5']), '1.2.4-alpine');
    assert.equal(newerTag('1.2.3-alpine', ['1.3.0-slim', '1.2.5', '2-alpine']), undefined);
  });

  it('keeps the number of version numbers', () => {
    assert.equal(newerTag('1.25.3', NGINX), '1.27.3');
    assert.equal(newerTag('1.25', ['1.25.9', '1.26', '1.27', '2']), '1.27');
    assert.equal(newerTag('20', ['20.11.1', '21', '22', '22-alpine', '18']), '22');
  });

  it('compares numbers as numbers, of any length', () => {
    assert.equal(newerTag('3.9', ['3.10', '3.8', '3.19', '3.2']), '3.19');
    assert.equal(newerTag('1.2.9', ['1.2.10', '1.2.09']), '1.2.10');
    assert.equal(newerTag('2024.01.1', ['2024.1.2', '2023.12.9']), '2024.1.2');
    assert.equal(newerTag('99999999999999999998', ['99999999999999999999', '100000000000000000000']), '100000000000000000000');
  });

  it('keeps a v prefix, and a tag without one stays without', () => {
    assert.equal(newerTag('v1.29.1', ['v1.30.0', '1.31.0', 'V1.32.0']), 'v1.30.0');
    assert.equal(newerTag('1.29.1', ['v1.30.0', '1.29.2']), '1.29.2');
  });

  it('says nothing for tags that are not versions, or that are the newest of their kind', () => {
    assert.equal(newerTag('latest', NGINX), undefined);
    assert.equal(newerTag('bookworm', ['trixie']), undefined);
    assert.equal(newerTag('1.27.3', NGINX), undefined);
    assert.equal(newerTag('1.0', []), undefined);
  });

  it('never moves a version to a date stamp, nor a date stamp to a version', () => {
    // The official alpine image lists `3` beside its edge snapshots (`20250108`), one number each.
    const alpine = ['3', '3.21', '3.21.2', '20250108', '20240923', 'edge', 'latest'];
    assert.equal(newerTag('3', alpine), undefined);
    assert.equal(newerTag('2', alpine), '3');
    assert.equal(newerTag('20240923', alpine), '20250108');
    assert.equal(newerTag('20250108', alpine), undefined);
  });

  it('reads a dot before letters as the start of the suffix', () => {
    assert.deepEqual(tagScheme('5.4.0.Final'), { prefix: '', numbers: ['5', '4', '0'], suffix: '.Final' });
    assert.equal(newerTag('5.4.0.Final', ['5.4.1.Final', '5.5.0.CR1']), '5.4.1.Final');
    assert.deepEqual(tagScheme('1.2.'), { prefix: '', numbers: ['1', '2'], suffix: '.' });
  });
});

describe('newerTag, for any tags', () => {
  const numbers = fc.array(fc.nat({ max: 30 }).map(String), { minLength: 1, maxLength: 4 });
  const suffix = fc.constantFrom('', '-alpine', '-slim', '-alpine3.19', '-rc.1', '+build', '.Final');
  const prefix = fc.constantFrom('', 'v');
  const versionTag = fc.tuple(prefix, numbers, suffix).map(([p, n, s]) => `${p}${n.join('.')}${s}`);
  const anyTag = fc.oneof(versionTag, fc.constantFrom('latest', 'stable', 'alpine', 'edge', 'bookworm'));

  it('gives a listed tag of the same scheme, newer than the current one and the newest such', () => {
    fc.assert(
      fc.property(anyTag, fc.array(anyTag, { maxLength: 30 }), (current, tags) => {
        const found = newerTag(current, tags);
        const scheme = tagScheme(current);
        if (found === undefined) {
          // Nothing newer of the same scheme is listed.
          if (scheme)
            for (const tag of tags) {
              const other = tagScheme(tag);
              assert.ok(
                !other || !sameScheme(scheme, other) || compareSchemeVersions(other, scheme) <= 0,
                `${tag} is newer than ${current}`,
              );
            }
          return;
        }
        assert.ok(tags.includes(found));
        const got = tagScheme(found)!;
        assert.ok(scheme && sameScheme(scheme, got), `${found} is written like ${current}`);
        assert.ok(compareSchemeVersions(got, scheme) > 0);
        assert.equal(newerTag(found, tags), undefined, 'the suggestion has nothing newer');
      }),
      { numRuns: 500 },
    );
  });
});
