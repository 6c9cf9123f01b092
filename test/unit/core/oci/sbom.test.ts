// SBOM packages from SPDX 2 JSON, SPDX 3 JSON-LD and CycloneDX JSON, as tools write them and as hostile ones might be.
import assert from 'node:assert/strict';
import { MAX_SBOM_PACKAGES, readSbom } from '../../../../src/core/oci/sbom';

const SPDX3_CONTEXT = 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld';
const NS = 'https://sbom.example.test/app-1.4.2';

/**
 * An SPDX 3.0.1 SBOM of a small Debian image, written by hand in the shape of the spec's JSON-LD
 * examples: a shared CreationInfo blank node, the document and its Sbom, three packages whose
 * licenses are Relationships to license elements, and a relationship that is not about licenses.
 * License elements and relationships come before the packages they are about, as nothing orders them.
 */
const SPDX3_SBOM = {
  '@context': SPDX3_CONTEXT,
  '@graph': [
    { type: 'CreationInfo', '@id': '_:creationinfo', specVersion: '3.0.1', created: '2026-11-30T10:02:00Z', createdBy: [`${NS}#tool`] },
    { type: 'Tool', spdxId: `${NS}#tool`, creationInfo: '_:creationinfo', name: 'hand' },
    {
      type: 'SpdxDocument',
      spdxId: `${NS}#document`,
      creationInfo: '_:creationinfo',
      name: 'app 1.4.2',
      rootElement: [`${NS}#sbom`],
      profileConformance: ['core', 'software', 'simpleLicensing'],
    },
    {
      type: 'software_Sbom',
      spdxId: `${NS}#sbom`,
      creationInfo: '_:creationinfo',
      rootElement: [`${NS}#pkg-libc6`],
      software_sbomType: ['analyzed'],
    },
    {
      type: 'simplelicensing_LicenseExpression',
      spdxId: `${NS}#license-gpl`,
      creationInfo: '_:creationinfo',
      simplelicensing_licenseExpression: 'GPL-2.0-only AND LGPL-2.1-or-later',
      simplelicensing_licenseListVersion: '3.25.0',
    },
    {
      type: 'simplelicensing_LicenseExpression',
      spdxId: `${NS}#license-noassertion`,
      creationInfo: '_:creationinfo',
      simplelicensing_licenseExpression: 'NOASSERTION',
    },
    {
      type: 'expandedlicensing_ListedLicense',
      spdxId: 'https://spdx.org/licenses/Apache-2.0',
      creationInfo: '_:creationinfo',
      name: 'Apache License 2.0',
    },
    {
      type: 'Relationship',
      spdxId: `${NS}#rel-libc6-concluded`,
      creationInfo: '_:creationinfo',
      relationshipType: 'hasConcludedLicense',
      from: `${NS}#pkg-libc6`,
      to: ['expandedlicensing_NoAssertionLicense'],
    },
    {
      type: 'Relationship',
      spdxId: `${NS}#rel-libc6-declared`,
      creationInfo: '_:creationinfo',
      relationshipType: 'hasDeclaredLicense',
      from: `${NS}#pkg-libc6`,
      to: [`${NS}#license-gpl`],
    },
    {
      type: 'Relationship',
      spdxId: `${NS}#rel-openssl-declared`,
      creationInfo: '_:creationinfo',
      relationshipType: 'hasDeclaredLicense',
      from: `${NS}#pkg-openssl`,
      to: ['https://spdx.org/licenses/OpenSSL'],
    },
    {
      type: 'Relationship',
      spdxId: `${NS}#rel-openssl-concluded`,
      creationInfo: '_:creationinfo',
      relationshipType: 'hasConcludedLicense',
      from: `${NS}#pkg-openssl`,
      to: ['https://spdx.org/licenses/Apache-2.0'],
    },
    {
      type: 'Relationship',
      spdxId: `${NS}#rel-base-files-concluded`,
      creationInfo: '_:creationinfo',
      relationshipType: 'hasConcludedLicense',
      from: `${NS}#pkg-base-files`,
      to: [`${NS}#license-noassertion`],
    },
    {
      type: 'software_Package',
      spdxId: `${NS}#pkg-libc6`,
      creationInfo: '_:creationinfo',
      name: 'libc6',
      software_packageVersion: '2.36-9+deb12u4',
      software_primaryPurpose: 'library',
      externalIdentifier: [
        { type: 'ExternalIdentifier', externalIdentifierType: 'cpe23', identifier: 'cpe:2.3:a:libc6:libc6:2.36:*:*:*:*:*:*:*' },
        { type: 'ExternalIdentifier', externalIdentifierType: 'packageUrl', identifier: 'pkg:deb/debian/libc6@2.36-9+deb12u4?arch=amd64' },
      ],
    },
    {
      type: 'software_Package',
      spdxId: `${NS}#pkg-openssl`,
      creationInfo: '_:creationinfo',
      name: 'openssl',
      software_packageVersion: '3.0.15-1~deb12u1',
      software_packageUrl: 'pkg:deb/debian/openssl@3.0.15-1~deb12u1?arch=amd64',
    },
    { type: 'software_Package', spdxId: `${NS}#pkg-base-files`, creationInfo: '_:creationinfo', name: 'base-files' },
    {
      type: 'software_File',
      spdxId: `${NS}#file-ld`,
      creationInfo: '_:creationinfo',
      name: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
    },
    {
      type: 'Relationship',
      spdxId: `${NS}#rel-contains`,
      creationInfo: '_:creationinfo',
      relationshipType: 'contains',
      from: `${NS}#pkg-libc6`,
      to: [`${NS}#file-ld`],
    },
  ],
};

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

  it("reads SPDX 3 packages, each license found through the package's concluded or else declared license relationship", () => {
    assert.deepEqual(readSbom(SPDX3_SBOM), {
      format: 'SPDX-3.0.1',
      packages: [
        {
          name: 'libc6',
          version: '2.36-9+deb12u4',
          license: 'GPL-2.0-only AND LGPL-2.1-or-later',
          purl: 'pkg:deb/debian/libc6@2.36-9+deb12u4?arch=amd64',
        },
        {
          name: 'openssl',
          version: '3.0.15-1~deb12u1',
          license: 'Apache-2.0',
          purl: 'pkg:deb/debian/openssl@3.0.15-1~deb12u1?arch=amd64',
        },
        { name: 'base-files' },
      ],
      omitted: 0,
    });
  });

  it("reads an SPDX 3 attestation's predicate, which is the document itself", () => {
    const statement = { _type: 'https://in-toto.io/Statement/v1', predicateType: 'https://spdx.dev/Document/v3', predicate: SPDX3_SBOM };
    assert.equal(readSbom(statement), undefined);
    assert.deepEqual(
      readSbom(statement.predicate)?.packages.map((p) => p.name),
      ['libc6', 'openssl', 'base-files'],
    );
  });

  it('takes the SPDX 3 version from the context, in a list too, and says SPDX-3 when the context has none it can read', () => {
    const formatOf = (context: unknown): string | undefined => readSbom({ '@context': context, '@graph': [] })?.format;
    assert.equal(formatOf('https://spdx.org/rdf/3.0/spdx-context.jsonld'), 'SPDX-3.0');
    assert.equal(formatOf([{ acme: 'https://acme.example/' }, 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld']), 'SPDX-3.0.1');
    assert.equal(formatOf('https://spdx.org/rdf/3.1-draft/spdx-context.jsonld'), 'SPDX-3');
    for (const context of [
      'https://spdx.org/rdf/2.3/spdx-context.jsonld',
      'https://example.com/spdx.org/rdf/3.0.1/spdx-context.jsonld',
      'https://spdx.org/rdf/3.0.1/spdx-model.ttl',
      { '@vocab': SPDX3_CONTEXT },
      [7, null],
      undefined,
    ])
      assert.equal(formatOf(context), undefined, JSON.stringify(context));
  });

  it('reads SPDX 3 terms written as JSON-LD allows: IRIs, prefixed names, package subclasses, referenced identifiers', () => {
    const read = readSbom({
      '@context': SPDX3_CONTEXT,
      '@graph': [
        { type: 'https://spdx.org/rdf/3.0.1/terms/Software/Package', '@id': 'urn:a', name: 'by-iri', externalIdentifier: ['_:purl'] },
        { type: 'spdx:Software/Package', spdxId: 'urn:b', name: 'by-prefix' },
        { type: ['Annotation', 'ai_AIPackage'], spdxId: 'urn:c', name: 'model', software_packageVersion: '2' },
        { type: 'dataset_DatasetPackage', spdxId: 'urn:d', name: 'dataset' },
        {
          type: 'ExternalIdentifier',
          '@id': '_:purl',
          externalIdentifierType: 'https://spdx.org/rdf/3.0.1/terms/Core/ExternalIdentifierType/packageUrl',
          identifier: 'pkg:generic/by-iri@1',
        },
        {
          type: 'https://spdx.org/rdf/3.0.1/terms/Core/Relationship',
          spdxId: 'urn:r1',
          relationshipType: 'https://spdx.org/rdf/3.0.1/terms/Core/RelationshipType/hasConcludedLicense',
          from: 'urn:a',
          to: ['https://spdx.org/licenses/MIT', 'urn:expr', 'https://spdx.org/rdf/3.0.1/terms/ExpandedLicensing/NoneLicense'],
        },
        { type: 'simplelicensing_LicenseExpression', spdxId: 'urn:expr', simplelicensing_licenseExpression: 'Apache-2.0 OR BSD-3-Clause' },
        // One `to` may be written without its list; a custom license is known by its name.
        { type: 'Relationship', relationshipType: 'hasDeclaredLicense', from: 'urn:b', to: 'urn:custom' },
        { type: 'expandedlicensing_CustomLicense', spdxId: 'urn:custom', name: 'LicenseRef-acme' },
        { type: 'Relationship', relationshipType: 'hasConcludedLicense', from: 'urn:c', to: ['NoAssertionElement'] },
      ],
    });
    assert.deepEqual(read?.packages, [
      { name: 'by-iri', license: 'MIT AND (Apache-2.0 OR BSD-3-Clause)', purl: 'pkg:generic/by-iri@1' },
      { name: 'by-prefix', license: 'LicenseRef-acme' },
      { name: 'model', version: '2' },
      { name: 'dataset' },
    ]);
  });

  it("puts SPDX 3's compound licenses into expressions: AND and OR sets, nested or written in place, X+ and X WITH an exception", () => {
    const listed = (id: string) => `https://spdx.org/licenses/${id}`;
    const pkg = (name: string) => ({ type: 'software_Package', spdxId: `urn:pkg:${name}`, name });
    const declares = (name: string, to: unknown) => ({
      type: 'Relationship',
      spdxId: `urn:rel:${name}`,
      from: `urn:pkg:${name}`,
      relationshipType: 'hasDeclaredLicense',
      to: [to],
    });
    const read = readSbom({
      '@context': SPDX3_CONTEXT,
      '@graph': [
        pkg('java'),
        pkg('dual'),
        pkg('inline'),
        pkg('cycle'),
        pkg('partial'),
        declares('java', 'urn:lic:java'),
        declares('dual', 'urn:lic:dual'),
        // The set written in place, its OR-later member too.
        declares('inline', {
          type: 'expandedlicensing_ConjunctiveLicenseSet',
          expandedlicensing_member: [
            listed('BSD-3-Clause'),
            { type: 'expandedlicensing_OrLaterOperator', expandedlicensing_subjectLicense: listed('LGPL-2.1-only') },
          ],
        }),
        declares('cycle', 'urn:lic:a'),
        declares('partial', 'urn:lic:partial'),
        {
          type: 'expandedlicensing_WithAdditionOperator',
          spdxId: 'urn:lic:java',
          expandedlicensing_subjectExtendableLicense: listed('GPL-2.0-only'),
          expandedlicensing_subjectAddition: 'urn:lic:classpath',
        },
        { type: 'expandedlicensing_ListedLicenseException', spdxId: 'urn:lic:classpath', name: 'Classpath-exception-2.0' },
        // MIT OR (Apache-2.0 AND a custom license), the inner set defined after its use.
        {
          type: 'expandedlicensing_DisjunctiveLicenseSet',
          spdxId: 'urn:lic:dual',
          expandedlicensing_member: [listed('MIT'), 'urn:lic:both'],
        },
        {
          type: 'expandedlicensing_ConjunctiveLicenseSet',
          spdxId: 'urn:lic:both',
          expandedlicensing_member: [listed('Apache-2.0'), 'urn:lic:own'],
        },
        { type: 'expandedlicensing_CustomLicense', spdxId: 'urn:lic:own', name: 'LicenseRef-acme' },
        // Sets that contain each other: nothing to say, and no endless walk.
        { type: 'expandedlicensing_DisjunctiveLicenseSet', spdxId: 'urn:lic:a', expandedlicensing_member: ['urn:lic:b'] },
        { type: 'expandedlicensing_DisjunctiveLicenseSet', spdxId: 'urn:lic:b', expandedlicensing_member: ['urn:lic:a'] },
        // A member that names nothing is left out; the rest is said.
        {
          type: 'expandedlicensing_ConjunctiveLicenseSet',
          spdxId: 'urn:lic:partial',
          expandedlicensing_member: ['urn:unknown', listed('Zlib')],
        },
      ],
    })!;
    assert.deepEqual(
      read.packages.map((p) => [p.name, p.license]),
      [
        ['java', 'GPL-2.0-only WITH Classpath-exception-2.0'],
        ['dual', 'MIT OR (Apache-2.0 AND LicenseRef-acme)'],
        ['inline', 'BSD-3-Clause AND LGPL-2.1-only+'],
        ['cycle', undefined],
        ['partial', 'Zlib'],
      ],
    );
  });

  it('reads sets of sets of SPDX 3 licenses with bounded work, however wide and deep they are written', () => {
    // Every level a set of 16 references to the level below, 8 levels: 16^8 paths if walked whole.
    const graph: unknown[] = [
      { type: 'software_Package', spdxId: 'urn:pkg', name: 'p' },
      { type: 'Relationship', spdxId: 'urn:rel', from: 'urn:pkg', relationshipType: 'hasDeclaredLicense', to: ['urn:level:0'] },
    ];
    for (let level = 0; level < 8; level++)
      graph.push({
        type: 'expandedlicensing_ConjunctiveLicenseSet',
        spdxId: `urn:level:${level}`,
        expandedlicensing_member: Array.from({ length: 16 }, () => `urn:level:${level + 1}`),
      });
    graph.push({ type: 'expandedlicensing_ListedLicense', spdxId: 'urn:level:8', name: 'MIT' });
    // Unbounded, this would not finish; bounded, the first full path down is read, the rest cut off.
    const read = readSbom({ '@context': SPDX3_CONTEXT, '@graph': graph })!;
    assert.deepEqual(
      read.packages.map((p) => [p.name, p.license]),
      [['p', 'MIT']],
    );
  });

  it('skips SPDX 3 fields of the wrong type and graph entries that are not elements', () => {
    const read = readSbom({
      '@context': SPDX3_CONTEXT,
      '@graph': [
        null,
        'software_Package',
        42,
        [{ type: 'software_Package', name: 'in a nested list' }],
        { type: 'software_Package', name: 7 },
        { type: 7, name: 'typeless' },
        { type: 'software_Package', spdxId: ['urn:x'], name: 'listed id', software_packageVersion: 1.2, software_packageUrl: {} },
        {
          type: 'software_Package',
          spdxId: 'urn:y',
          name: 'odd identifiers',
          externalIdentifier: [
            7,
            '_:unknown',
            { externalIdentifierType: 'packageUrl', identifier: 5 },
            { externalIdentifierType: ['packageUrl'], identifier: 'pkg:generic/wrong' },
            { externalIdentifierType: 'packageUrl', identifier: 'pkg:generic/odd@1' },
          ],
        },
        { type: 'Relationship', relationshipType: 'hasConcludedLicense', from: ['urn:y'], to: ['https://spdx.org/licenses/MIT'] },
        { type: 'Relationship', relationshipType: 9, from: 'urn:y', to: ['https://spdx.org/licenses/MIT'] },
        { type: 'Relationship', relationshipType: 'hasConcludedLicense', from: 'urn:y', to: [7, {}, null, 'urn:bad-expression'] },
        { type: 'Relationship', relationshipType: 'hasDeclaredLicense', from: 'urn:y', to: { id: 'urn:x' } },
        { type: 'simplelicensing_LicenseExpression', spdxId: 'urn:bad-expression', simplelicensing_licenseExpression: 5 },
      ],
    });
    assert.deepEqual(read, {
      format: 'SPDX-3.0.1',
      packages: [{ name: 'listed id' }, { name: 'odd identifiers', purl: 'pkg:generic/odd@1' }],
      omitted: 0,
    });
  });

  it('is undefined for other documents, SPDX 3 without its JSON-LD context included', () => {
    for (const document of [
      null,
      [],
      { spdxVersion: 'SPDX-3.0' },
      { '@graph': [{ type: 'software_Package', name: 'x' }] },
      { bomFormat: 'cyclonedx' },
      { packages: [] },
    ])
      assert.equal(readSbom(document), undefined, JSON.stringify(document));
  });

  it('reads at most a bounded number of packages and counts the rest', () => {
    const packages = Array.from({ length: MAX_SBOM_PACKAGES + 7 }, (_, i) => ({ name: `p${i}` }));
    const read = readSbom({ spdxVersion: 'SPDX-2.2', packages })!;
    assert.equal(read.packages.length, MAX_SBOM_PACKAGES);
    assert.equal(read.omitted, 7);
  });

  it('reads at most a bounded number of SPDX 3 packages and counts the rest, licenses resolved for those read', () => {
    const graph: unknown[] = Array.from({ length: MAX_SBOM_PACKAGES + 5 }, (_, i) => ({
      type: 'software_Package',
      spdxId: `urn:p${i}`,
      name: `p${i}`,
    }));
    const last = MAX_SBOM_PACKAGES - 1;
    graph.push({
      type: 'Relationship',
      relationshipType: 'hasConcludedLicense',
      from: `urn:p${last}`,
      to: ['https://spdx.org/licenses/MIT'],
    });
    const read = readSbom({ '@context': SPDX3_CONTEXT, '@graph': graph })!;
    assert.equal(read.packages.length, MAX_SBOM_PACKAGES);
    assert.equal(read.omitted, 5);
    assert.deepEqual(read.packages[last], { name: `p${last}`, license: 'MIT' });
  });

  it('reads an SPDX 3 graph of a hundred thousand elements, its relationships matched to packages by lookups', () => {
    // 25,000 each of packages, their license relationships, license expressions and referenced
    // identifiers, the relationships first and in reverse: a search per package would take minutes.
    const count = 25_000;
    const graph: unknown[] = [];
    for (let i = count - 1; i >= 0; i--)
      graph.push({
        type: 'Relationship',
        spdxId: `urn:r${i}`,
        relationshipType: 'hasDeclaredLicense',
        from: `urn:p${i}`,
        to: [`urn:l${i}`],
      });
    for (let i = 0; i < count; i++) {
      graph.push({ type: 'simplelicensing_LicenseExpression', spdxId: `urn:l${i}`, simplelicensing_licenseExpression: `LicenseRef-${i}` });
      graph.push({
        type: 'ExternalIdentifier',
        '@id': `_:purl${i}`,
        externalIdentifierType: 'packageUrl',
        identifier: `pkg:generic/p${i}@1`,
      });
    }
    for (let i = 0; i < count; i++)
      graph.push({ type: 'software_Package', spdxId: `urn:p${i}`, name: `p${i}`, externalIdentifier: [`_:purl${i}`] });
    const read = readSbom({ '@context': SPDX3_CONTEXT, '@graph': graph })!;
    assert.equal(graph.length, 100_000);
    assert.equal(read.packages.length, MAX_SBOM_PACKAGES);
    assert.equal(read.omitted, count - MAX_SBOM_PACKAGES);
    assert.deepEqual(read.packages[12_345], { name: 'p12345', license: 'LicenseRef-12345', purl: 'pkg:generic/p12345@1' });
  });

  it('walks components nested a hundred thousand deep without recursion, reading the first levels', () => {
    let nested: Record<string, unknown> = { name: 'leaf' };
    for (let i = 0; i < 100_000; i++) nested = { name: `c${i}`, components: [nested] };
    const read = readSbom({ bomFormat: 'CycloneDX', components: [nested] })!;
    assert.equal(read.packages.length, 33);
    assert.equal(read.packages[0]!.name, 'c99999');
  });
});
