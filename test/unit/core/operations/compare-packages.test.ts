// Two SBOMs' packages compared: known by package URL without version, qualifiers or subpath, else
// by name; several versions of one package kept as a set; pairs left over when only one SBOM gives
// package URLs matched again by name. Property tests: an SBOM compared with itself (in any order)
// has no change, and swapping the sides swaps what was added and removed.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { comparePackages, packageIdentity } from '../../../../src/core/operations/compare-packages';
import { describePackageComparison } from '../../../../src/core/operations/compare-text';
import type { SbomPackage } from '../../../../src/core/oci/sbom';

const deb = (name: string, version: string, license?: string): SbomPackage => ({
  name,
  version,
  ...(license ? { license } : {}),
  purl: `pkg:deb/debian/${name}@${encodeURIComponent(version)}?arch=amd64&distro=debian-12`,
});

describe('package comparison', function () {
  it('finds packages added, removed, upgraded and relicensed, and counts the rest', function () {
    const before = [deb('bash', '5.2.15-2+b2', 'GPL-3.0'), deb('libssl3', '3.0.11-1', 'Apache-2.0'), deb('zlib1g', '1.2.13', 'Zlib')];
    const after = [deb('bash', '5.2.15-2+b2', 'GPL-3.0'), deb('libssl3', '3.0.15-1', 'Apache-2.0'), deb('curl', '7.88.1', 'curl')];
    after.push({ ...deb('zlib1g', '1.2.13', 'Zlib'), name: 'zlib1g' });
    after[3]!.license = 'Zlib AND MIT';
    const c = comparePackages(before, after);
    assert.deepEqual(
      c.added.map((p) => [p.name, p.version, p.license]),
      [['curl', '7.88.1', 'curl']],
    );
    assert.deepEqual(c.removed, []);
    assert.deepEqual(
      c.changed.map((p) => [p.name, p.before, p.after, p.license]),
      [
        ['libssl3', '3.0.11-1', '3.0.15-1', undefined],
        ['zlib1g', '1.2.13', '1.2.13', { before: 'Zlib', after: 'Zlib AND MIT' }],
      ],
    );
    assert.equal(c.unchanged, 1);
    assert.equal(c.changed[0]!.purl, after[1]!.purl, "the second side's package URL");
  });

  it('keeps every version a package is listed at: two copies of one npm module', function () {
    const npm = (name: string, version: string): SbomPackage => ({ name, version, purl: `pkg:npm/${name}@${version}` });
    const c = comparePackages(
      [npm('debug', '2.6.9'), npm('debug', '4.3.4'), npm('ms', '2.1.3')],
      [npm('debug', '4.3.4'), npm('ms', '2.1.3'), npm('ms', '2.1.3')],
    );
    assert.deepEqual(
      c.changed.map((p) => [p.name, p.before, p.after]),
      [['debug', '2.6.9, 4.3.4', '4.3.4']],
    );
    assert.equal(c.unchanged, 1, 'ms, listed twice at one version, is the same');
  });

  it('tells packages of one name in different ecosystems apart by their package URLs', function () {
    const c = comparePackages(
      [{ name: 'six', version: '1.16.0', purl: 'pkg:pypi/six@1.16.0' }],
      [
        { name: 'six', version: '1.16.0', purl: 'pkg:pypi/six@1.16.0' },
        { name: 'six', version: '1.16.0-4', purl: 'pkg:deb/debian/python3-six@1.16.0-4' },
      ],
    );
    assert.equal(c.unchanged, 1);
    assert.deepEqual(
      c.added.map((p) => p.purl),
      ['pkg:deb/debian/python3-six@1.16.0-4'],
    );
  });

  it('pairs by name what only one SBOM gives a package URL for (two tools, one image)', function () {
    const c = comparePackages(
      [deb('bash', '5.2.15'), { name: 'tzdata', version: '2024a' }],
      [{ name: 'bash', version: '5.2.21' }, deb('tzdata', '2024a')],
    );
    assert.deepEqual([c.added, c.removed], [[], []]);
    assert.deepEqual(
      c.changed.map((p) => [p.name, p.before, p.after]),
      [['bash', '5.2.15', '5.2.21']],
    );
    assert.equal(c.unchanged, 1);
  });

  it('treats a package without a version as one, and sorts rows by name whatever the case', function () {
    const c = comparePackages([], [{ name: 'zeta' }, { name: 'Alpha', version: '1' }, { name: 'alpha', version: '2' }]);
    assert.deepEqual(
      c.added.map((p) => [p.name, p.version]),
      [
        ['Alpha', '1'],
        ['alpha', '2'],
        ['zeta', undefined],
      ],
    );
  });

  it('knows a package by its URL without version, qualifiers or subpath', function () {
    assert.equal(packageIdentity('pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12'), 'pkg:deb/debian/libc6');
    assert.equal(packageIdentity('pkg:npm/%40babel/core@7.24.0'), 'pkg:npm/@babel/core', 'an encoded scope is the same package');
    assert.equal(packageIdentity('pkg:npm/@babel/core@7.24.0'), 'pkg:npm/@babel/core', 'an unencoded scope is not a version');
    assert.equal(packageIdentity('pkg:golang/github.com/x/net@v0.20.0#html'), 'pkg:golang/github.com/x/net');
    assert.equal(packageIdentity('PKG:DEB/debian/bash@5.2'), 'pkg:deb/debian/bash', 'scheme and type without case');
    assert.equal(packageIdentity('pkg:maven/org.apache/commons'), 'pkg:maven/org.apache/commons');
    assert.equal(
      packageIdentity('pkg:///npm/left-pad@1.3.0'),
      'pkg:npm/left-pad',
      'slashes after the scheme are ignored, as the spec says',
    );
    assert.equal(packageIdentity('https://example.com/x'), undefined);
    assert.equal(packageIdentity('pkg:npm/@1.0'), undefined, 'a URL without a name');
    assert.equal(packageIdentity(''), undefined);
  });

  it('says the comparison in words for Copy Summary, hidden characters escaped and long lists cut', function () {
    const before = [deb('bash', '5.2.15', 'GPL-3.0'), deb('zlib1g', '1.2.13'), { name: 'evil\u202Etxt', version: '1' }];
    const after = [
      deb('bash', '5.2.21', 'GPL-3.0-or-later'),
      ...Array.from({ length: 302 }, (_, i) => deb(`p${String(i).padStart(3, '0')}`, '1')),
    ];
    const text = describePackageComparison(comparePackages(before, after), {
      before: "SPDX-2.3 in BuildKit's attestation manifest",
      after: "CycloneDX 1.5 in cosign's .att tag",
    });
    const lines = text.split('\n');
    assert.equal(
      lines[0],
      "Packages, from SPDX-2.3 in BuildKit's attestation manifest and CycloneDX 1.5 in cosign's .att tag: 0 the same, 1 changed, 302 added, 2 removed",
    );
    assert.ok(lines.includes('  bash: 5.2.15 → 5.2.21; license GPL-3.0 → GPL-3.0-or-later'), text);
    assert.ok(
      lines.includes('Packages added (302)') && lines.includes('  p000 1') && lines.includes('  … and 2 more'),
      'capped at 300 lines',
    );
    assert.ok(lines.includes('  evil\\u202Etxt 1'), 'the override shows as an escape');
    assert.ok(!text.includes('\u202E'));
  });

  describe('properties', function () {
    const name = fc.constantFrom('bash', 'libc6', 'Bash', 'six', 'debug', 'ms', '@scope/x', 'a@b', '');
    const version = fc.option(fc.constantFrom('1', '1.0', '2.0-1', '1:1.2', ''), { nil: undefined });
    const purl = fc.option(
      fc.oneof(
        fc.tuple(fc.constantFrom('deb', 'npm', 'pypi'), name, version).map(([t, n, v]) => `pkg:${t}/${n}${v ? `@${v}` : ''}`),
        fc.string({ maxLength: 12 }),
      ),
      { nil: undefined },
    );
    const pkg: fc.Arbitrary<SbomPackage> = fc
      .record({ name, version, license: fc.option(fc.constantFrom('MIT', 'GPL-2.0'), { nil: undefined }), purl })
      .map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as unknown as SbomPackage);
    const sbom = fc.array(pkg, { maxLength: 30 });

    it('an SBOM compared with itself, in any order, has no change', function () {
      fc.assert(
        fc.property(
          sbom.chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }))),
          ([list, shuffled]) => {
            const c = comparePackages(list, shuffled);
            assert.deepEqual([c.added, c.removed, c.changed], [[], [], []]);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('swapping the sides swaps added and removed, and keeps what changed', function () {
      fc.assert(
        fc.property(sbom, sbom, (a, b) => {
          const forward = comparePackages(a, b);
          const backward = comparePackages(b, a);
          assert.deepEqual(
            backward.added.map((p) => [p.name, p.version]),
            forward.removed.map((p) => [p.name, p.version]),
          );
          assert.deepEqual(
            backward.removed.map((p) => [p.name, p.version]),
            forward.added.map((p) => [p.name, p.version]),
          );
          assert.equal(backward.changed.length, forward.changed.length);
          assert.equal(backward.unchanged, forward.unchanged);
        }),
        { numRuns: 300 },
      );
    });
  });
});
