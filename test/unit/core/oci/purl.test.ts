// Package URLs read for their names: type lower-cased, namespace and name decoded, version,
// qualifiers and subpath dropped, an npm scope's unencoded `@` not taken for a version; and the name
// a scanner reports (npm scope, Maven group, Go module path). Property: any text reads without
// throwing, and a name read back from its own package URL is the same.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { purlName, reportedName } from '../../../../src/core/oci/purl';

describe('package URLs', () => {
  it('reads type, namespace and name as package URLs are written', () => {
    assert.deepEqual(purlName('pkg:deb/debian/libc6@2.36-9?arch=amd64'), { type: 'deb', namespace: ['debian'], name: 'libc6' });
    assert.deepEqual(purlName('PKG:NPM/%40babel/core@7.24.0#lib'), { type: 'npm', namespace: ['@babel'], name: 'core' });
    assert.deepEqual(purlName('pkg:npm/@babel/core@7.24.0'), { type: 'npm', namespace: ['@babel'], name: 'core' });
    assert.deepEqual(purlName('pkg:///pypi/requests@2.31'), { type: 'pypi', namespace: [], name: 'requests' });
    assert.deepEqual(
      purlName('pkg:generic/%E0%A4%A@1'),
      { type: 'generic', namespace: [], name: '%E0%A4%A' },
      'bad escapes kept as written',
    );
    for (const text of ['', 'https://example.test/x', 'pkg:npm/@1.0', 'pkg:', 'pkg:npm/']) assert.equal(purlName(text), undefined, text);
  });

  it('names a package as scanners report it', () => {
    const named = (text: string) => reportedName(purlName(text)!);
    assert.equal(named('pkg:npm/%40babel/core@7'), '@babel/core');
    assert.equal(named('pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1'), 'org.apache.logging.log4j:log4j-core');
    assert.equal(named('pkg:golang/golang.org/x/net@v0.17.0'), 'golang.org/x/net');
    assert.equal(named('pkg:deb/debian/libssl3@3.0.11'), 'libssl3');
  });

  it('reads any text without throwing, and a name written into a package URL reads back the same (property)', () => {
    fc.assert(fc.property(fc.string(), (text) => void purlName(`pkg:${text}`)));
    const segment = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !s.includes('/'));
    fc.assert(
      fc.property(fc.constantFrom('npm', 'deb', 'pypi'), fc.array(segment, { maxLength: 3 }), segment, (type, namespace, name) => {
        const text = `pkg:${type}/${[...namespace, name].map(encodeURIComponent).join('/')}@1.0?x=1`;
        assert.deepEqual(purlName(text), { type, namespace, name });
      }),
    );
  });
});
