// SBOM packages from SPDX 2 and CycloneDX JSON, as tools write them and as hostile ones might be.
import assert from 'node:assert/strict';
import { MAX_SBOM_PACKAGES, readSbom } from '../../../../src/core/oci/sbom';

describe('SBOM packages', () => {
  it('reads SPDX 2 packages as Syft writes them: version, the concluded or declared license, the package URL', () => {
    const read = readSbom({
      spdxVersion: 'SPDX-2.3',
      packages: [
        {
          name: 'libc6',
          versionInfo: '2.36-9+deb12u4',
          licenseConcluded: 'NOASSERTION',
          licenseDeclared: 'GPL-2.0-only AND LGPL-2.1-or-later',
          externalRefs: [
            { referenceCategory: 'SECURITY', referenceType: 'cpe23Type', referenceLocator: 'cpe:2.3:a:libc6:libc6:2.36:*:*:*:*:*:*:*' },
            {
              referenceCategory: 'PACKAGE-MANAGER',
              referenceType: 'purl',
              referenceLocator: 'pkg:deb/debian/libc6@2.36-9+deb12u4?arch=amd64',
            },
          ],
        },
        { name: 'base-files', licenseConcluded: 'NONE' },
        { versionInfo: 'nameless' },
        'not a package',
      ],
    });
    assert.deepEqual(read, {
      format: 'SPDX-2.3',
      packages: [
        {
          name: 'libc6',
          version: '2.36-9+deb12u4',
          license: 'GPL-2.0-only AND LGPL-2.1-or-later',
          purl: 'pkg:deb/debian/libc6@2.36-9+deb12u4?arch=amd64',
        },
        { name: 'base-files' },
      ],
      omitted: 0,
    });
  });

  it('reads CycloneDX components, nested ones after their parent, with their group and licenses', () => {
    const read = readSbom({
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      components: [
        {
          type: 'library',
          group: '@babel',
          name: 'core',
          version: '7.24.0',
          purl: 'pkg:npm/%40babel/core@7.24.0',
          licenses: [{ license: { id: 'MIT' } }],
          components: [{ name: 'inner', licenses: [{ expression: 'Apache-2.0 OR MIT' }, { license: { name: 'Custom' } }] }],
        },
        { name: 'after', version: 7 },
      ],
    });
    assert.deepEqual(read, {
      format: 'CycloneDX 1.5',
      packages: [
        { name: '@babel/core', version: '7.24.0', purl: 'pkg:npm/%40babel/core@7.24.0', license: 'MIT' },
        { name: 'inner', license: 'Apache-2.0 OR MIT, Custom' },
        { name: 'after' },
      ],
      omitted: 0,
    });
  });

  it('is undefined for other documents, SPDX 3 included', () => {
    for (const document of [null, [], { spdxVersion: 'SPDX-3.0' }, { bomFormat: 'cyclonedx' }, { packages: [] }])
      assert.equal(readSbom(document), undefined, JSON.stringify(document));
  });

  it('reads at most a bounded number of packages and counts the rest', () => {
    const packages = Array.from({ length: MAX_SBOM_PACKAGES + 7 }, (_, i) => ({ name: `p${i}` }));
    const read = readSbom({ spdxVersion: 'SPDX-2.2', packages })!;
    assert.equal(read.packages.length, MAX_SBOM_PACKAGES);
    assert.equal(read.omitted, 7);
  });

  it('walks components nested a hundred thousand deep without recursion, reading the first levels', () => {
    let nested: Record<string, unknown> = { name: 'leaf' };
    for (let i = 0; i < 100_000; i++) nested = { name: `c${i}`, components: [nested] };
    const read = readSbom({ bomFormat: 'CycloneDX', components: [nested] })!;
    assert.equal(read.packages.length, 33);
    assert.equal(read.packages[0]!.name, 'c99999');
  });
});
