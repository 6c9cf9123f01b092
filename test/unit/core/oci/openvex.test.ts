// OpenVEX documents read as statements, in the v0.2 shape and the earlier one, and applied to a
// scan's findings: a finding is left out when the statement that decides it (its advisory by name
// or alias, its package when subcomponents are named, the latest of several) says not_affected or
// fixed. Registry data of any shape never throws (property).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  applyVex,
  indexVex,
  isAboutOtherImages,
  MAX_VEX_STATEMENTS,
  ociProductDigest,
  readOpenVex,
  vexStatementFor,
} from '../../../../src/core/oci/openvex';
import type { Vulnerability } from '../../../../src/core/oci/vulnerability-report';

const finding = (id: string, pkg?: string): Vulnerability => ({ id, severity: 'High', ...(pkg ? { package: pkg } : {}) });

describe('OpenVEX', () => {
  it('reads v0.2 statements: name and aliases, status, justification, products and their subcomponents, times inherited', () => {
    const vex = readOpenVex({
      '@context': 'https://openvex.dev/ns/v0.2.0',
      '@id': 'https://openvex.dev/docs/public/vex-1',
      author: 'Team <security@example.test>',
      timestamp: '2026-11-01T00:00:00Z',
      version: 2,
      statements: [
        {
          vulnerability: { name: 'CVE-2024-2961', aliases: ['GHSA-x', 42] },
          products: [{ '@id': 'pkg:oci/app@sha256%3Aabc', subcomponents: [{ '@id': 'pkg:deb/debian/libc6@2.36-9' }] }],
          status: 'not_affected',
          justification: 'vulnerable_code_not_in_execute_path',
          impact_statement: 'iconv is never called',
        },
        {
          vulnerability: { name: 'CVE-2011-3374' },
          status: 'affected',
          action_statement: 'upgrade apt',
          timestamp: '2026-11-02T00:00:00Z',
        },
        { vulnerability: { name: 'CVE-1' }, status: 'maybe' },
        { status: 'fixed' },
      ],
    })!;
    assert.deepEqual([vex.author, vex.timestamp, vex.version, vex.omitted], ['Team <security@example.test>', '2026-11-01T00:00:00Z', 2, 0]);
    assert.deepEqual(vex.statements, [
      {
        vulnerability: 'CVE-2024-2961',
        aliases: ['GHSA-x'],
        status: 'not_affected',
        products: ['pkg:oci/app@sha256%3Aabc'],
        subcomponents: ['pkg:deb/debian/libc6@2.36-9'],
        justification: 'vulnerable_code_not_in_execute_path',
        impact: 'iconv is never called',
        timestamp: '2026-11-01T00:00:00Z',
      },
      {
        vulnerability: 'CVE-2011-3374',
        aliases: [],
        status: 'affected',
        products: [],
        subcomponents: [],
        action: 'upgrade apt',
        timestamp: '2026-11-02T00:00:00Z',
      },
    ]);
  });

  it('reads the earlier shape: the vulnerability and identifiers as strings, subcomponents on the statement', () => {
    const vex = readOpenVex({
      '@context': 'https://openvex.dev/ns',
      statements: [{ vulnerability: 'CVE-2023-1', products: ['pkg:oci/app'], subcomponents: ['pkg:npm/ws@8.11.0'], status: 'fixed' }],
    })!;
    assert.deepEqual(vex.statements[0], {
      vulnerability: 'CVE-2023-1',
      aliases: [],
      status: 'fixed',
      products: ['pkg:oci/app'],
      subcomponents: ['pkg:npm/ws@8.11.0'],
    });
  });

  it('is no VEX for other documents', () => {
    for (const document of [
      null,
      [],
      { statements: [] },
      { '@context': 'https://example.test/ns', statements: [] },
      { '@context': 'https://openvex.dev/nsx', statements: [] },
    ])
      assert.equal(readOpenVex(document), undefined, JSON.stringify(document));
  });

  it('decides a finding by advisory or alias and, when named, its package; the latest statement wins', () => {
    const { statements } = readOpenVex({
      '@context': 'https://openvex.dev/ns/v0.2.0',
      statements: [
        {
          vulnerability: { name: 'CVE-2024-2961' },
          products: [{ '@id': 'pkg:oci/app', subcomponents: [{ '@id': 'pkg:deb/debian/libc6@2.36-9' }] }],
          status: 'not_affected',
          justification: 'component_not_present',
          timestamp: '2026-11-01T00:00:00Z',
        },
        { vulnerability: { name: 'CVE-2024-2961' }, status: 'affected', timestamp: '2026-10-01T00:00:00Z' },
        { vulnerability: { name: 'CVE-2024-9', aliases: ['GHSA-3h5v-q93c-6h6q'] }, status: 'fixed' },
        { vulnerability: { name: 'CVE-2024-7' }, status: 'not_affected', timestamp: '2026-11-01T00:00:00Z' },
        { vulnerability: { name: 'cve-2024-7' }, status: 'under_investigation', timestamp: '2026-11-05T00:00:00Z' },
        {
          vulnerability: { name: 'CVE-2024-8' },
          products: [{ '@id': 'pkg:oci/app', subcomponents: [{ '@id': 'pkg:npm/%40scope/lib@1.0.0' }] }],
          status: 'not_affected',
        },
      ],
    })!;
    const index = indexVex(statements);
    assert.equal(
      vexStatementFor(finding('CVE-2024-2961', 'libc6'), index)?.status,
      'not_affected',
      'the later of two, though listed first',
    );
    assert.equal(
      vexStatementFor(finding('CVE-2024-2961', 'libc-bin'), index)?.status,
      'affected',
      'another package: only the statement without subcomponents',
    );
    assert.equal(vexStatementFor(finding('ghsa-3h5v-q93c-6h6q', 'ws'), index)?.status, 'fixed', 'by alias, any case');
    assert.equal(vexStatementFor(finding('CVE-2024-7', 'x'), index)?.status, 'under_investigation', 'the latest, in any case');
    assert.equal(
      vexStatementFor(finding('CVE-2024-8', '@scope/lib'), index)?.status,
      'not_affected',
      "a scoped npm package's name decoded",
    );
    assert.equal(vexStatementFor(finding('CVE-2024-8'), index), undefined, 'a finding without a package matches no subcomponent');
    // Grype's GHSA finding, the CVE among its aliases: decided by statements about the CVE, the
    // latest of them across both names.
    assert.equal(
      vexStatementFor({ ...finding('GHSA-xxxx-yyyy-zzzz', 'x'), aliases: ['CVE-2024-7'] }, index)?.status,
      'under_investigation',
    );
    const across = indexVex(
      readOpenVex({
        '@context': 'https://openvex.dev/ns/v0.2.0',
        statements: [
          { vulnerability: { name: 'CVE-2024-7' }, status: 'affected' },
          { vulnerability: { name: 'GHSA-xxxx-yyyy-zzzz' }, status: 'under_investigation' },
          { vulnerability: { name: 'CVE-2024-7' }, status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' },
          { vulnerability: { name: 'GHSA-xxxx-yyyy-zzzz' }, status: 'fixed' },
        ],
      })!.statements,
    );
    assert.equal(
      vexStatementFor({ ...finding('GHSA-xxxx-yyyy-zzzz', 'x'), aliases: ['cve-2024-7'] }, across)?.status,
      'fixed',
      'the last in the document, whichever name it uses',
    );
    assert.equal(
      vexStatementFor({ ...finding('CVE-2024-7', 'x'), aliases: ['GHSA-xxxx-yyyy-zzzz'] }, across)?.status,
      'fixed',
      'the same, named the other way round',
    );
    assert.equal(vexStatementFor(finding('CVE-2024-7', 'x'), across)?.status, 'not_affected', 'without the alias, its own name only');
    const { statements: modules } = readOpenVex({
      '@context': 'https://openvex.dev/ns/v0.2.0',
      statements: [
        {
          vulnerability: { name: 'CVE-2023-44487' },
          products: [{ '@id': 'pkg:oci/app', subcomponents: [{ '@id': 'pkg:golang/golang.org/x/net@v0.17.0' }] }],
          status: 'fixed',
        },
        {
          vulnerability: { name: 'CVE-2021-44228' },
          products: [{ '@id': 'pkg:oci/app', subcomponents: [{ '@id': 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1' }] }],
          status: 'not_affected',
        },
      ],
    })!;
    const byModule = indexVex(modules);
    assert.equal(
      vexStatementFor(finding('CVE-2023-44487', 'golang.org/x/net'), byModule)?.status,
      'fixed',
      'a Go module by its path, as Trivy and Grype report it',
    );
    assert.equal(
      vexStatementFor(finding('CVE-2021-44228', 'org.apache.logging.log4j:log4j-core'), byModule)?.status,
      'not_affected',
      "Maven's group:artifact, as Trivy reports it",
    );
    assert.equal(
      vexStatementFor(finding('CVE-2021-44228', 'log4j-core'), byModule)?.status,
      'not_affected',
      "Maven's artifact alone, as Grype reports it",
    );
    const { kept, suppressed } = applyVex(
      [
        finding('CVE-2024-2961', 'libc6'),
        finding('CVE-2024-2961', 'libc-bin'),
        finding('GHSA-3h5v-q93c-6h6q', 'ws'),
        finding('CVE-2024-7', 'x'),
        finding('CVE-9'),
      ],
      statements,
    );
    assert.deepEqual(
      kept.map((f) => `${f.id} ${f.package ?? ''}`),
      ['CVE-2024-2961 libc-bin', 'CVE-2024-7 x', 'CVE-9 '],
    );
    assert.deepEqual(
      suppressed.map((s) => `${s.finding.id} ${s.statement.status}`),
      ['CVE-2024-2961 not_affected', 'GHSA-3h5v-q93c-6h6q fixed'],
    );
  });

  it('reads the image digest an OCI product names, its colon encoded or not, and nothing from other identifiers', () => {
    const hex = 'ab'.repeat(32);
    assert.equal(ociProductDigest(`pkg:oci/app@sha256%3A${hex}?repository_url=r.test/team/app`), `sha256:${hex}`);
    assert.equal(ociProductDigest(`pkg:oci/app@sha256:${hex.toUpperCase()}`), `sha256:${hex}`);
    assert.equal(ociProductDigest('pkg:oci/app?repository_url=r.test/team/app&tag=1'), undefined, 'by name: any build');
    assert.equal(ociProductDigest('pkg:oci/app@1.0'), undefined, 'a version that is not a digest');
    assert.equal(ociProductDigest(`pkg:deb/debian/app@sha256:${hex}`), undefined, 'not an image');
    assert.equal(ociProductDigest(`pkg:oci/app?x=@sha256:${hex}`), undefined, 'in a qualifier, not the version');
    assert.equal(ociProductDigest(`sha256:${hex}`), undefined);
  });

  it('applies only the statements about the image or its index when their products name images by digest', () => {
    const mine = `sha256:${'1'.repeat(64)}`;
    const index = `sha256:${'2'.repeat(64)}`;
    const other = `sha256:${'3'.repeat(64)}`;
    const oci = (digest: string) => `pkg:oci/app@${digest.replace(':', '%3A')}`;
    const statement = (vulnerability: string, products: string[]) => ({
      vulnerability,
      aliases: [],
      status: 'not_affected' as const,
      products,
      subcomponents: [],
    });
    assert.equal(isAboutOtherImages(statement('CVE-1', [oci(other)]), [mine, index]), true);
    assert.equal(isAboutOtherImages(statement('CVE-1', [oci(other), oci(index)]), [mine, index]), false, 'one of them is ours');
    assert.equal(isAboutOtherImages(statement('CVE-1', [oci(other), 'pkg:oci/app']), [mine]), false, 'by name: taken as ours');
    assert.equal(isAboutOtherImages(statement('CVE-1', []), [mine]), false, 'no product: the image it is attached to');
    assert.equal(isAboutOtherImages(statement('CVE-1', [oci(mine).toUpperCase().replace('PKG:OCI/APP', 'pkg:oci/app')]), [mine]), false);
    const findings = ['CVE-1', 'CVE-2', 'CVE-3'].map((id) => finding(id, 'libc6'));
    const statements = [statement('CVE-1', [oci(mine)]), statement('CVE-2', [oci(other)]), statement('CVE-3', ['pkg:oci/app'])];
    const applied = applyVex(findings, statements, [mine, index]);
    assert.deepEqual(
      applied.suppressed.map((s) => s.finding.id),
      ['CVE-1', 'CVE-3'],
    );
    assert.deepEqual(
      applied.kept.map((f) => f.id),
      ['CVE-2'],
      "another build's not_affected is not this one's",
    );
    assert.equal(applied.aboutOtherImages, 1);
    assert.equal(applyVex(findings, statements).suppressed.length, 3, 'without digests, every statement is applied');
  });

  it('reads at most MAX_VEX_STATEMENTS and never throws on documents of any shape (property)', () => {
    const many = readOpenVex({
      '@context': 'https://openvex.dev/ns',
      statements: Array.from({ length: MAX_VEX_STATEMENTS + 3 }, (_, i) => ({ vulnerability: `CVE-${i}`, status: 'fixed' })),
    })!;
    assert.deepEqual([many.statements.length, many.omitted], [MAX_VEX_STATEMENTS, 3]);
    fc.assert(
      fc.property(fc.anything(), fc.array(fc.anything(), { maxLength: 5 }), (value, statements) => {
        const vex = readOpenVex({
          '@context': 'https://openvex.dev/ns/v0.2.0',
          timestamp: value,
          products: value,
          statements: [...statements, value],
        });
        applyVex([finding('CVE-1', 'a')], vex?.statements ?? []);
      }),
    );
  });
});
