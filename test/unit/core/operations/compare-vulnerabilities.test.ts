// Two scans' findings compared: a finding is an advisory in a package; repeats of one are one,
// their versions joined and the worse severity kept; findings new, gone and changed (severity or
// installed version) are listed most severe first, the rest counted. Property tests: a scan
// compared with itself in any order has no change; swapping the sides swaps new and gone; each
// side's per-severity counts add up to its own findings plus those on both. Two scanners' names for
// one flaw (Grype's GHSA with its related CVE, Trivy's CVE) pair one to one, never across packages.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareVulnerabilities } from '../../../../src/core/operations/compare-vulnerabilities';
import { describeVulnerabilityComparison } from '../../../../src/core/operations/compare-text';
import { SEVERITY_ORDER, type Severity, type Vulnerability } from '../../../../src/core/oci/vulnerability-report';

const finding = (id: string, pkg: string, installed: string, severity: Severity, fixed?: string): Vulnerability => ({
  id,
  severity,
  package: pkg,
  installed,
  ...(fixed ? { fixed } : {}),
});

describe('vulnerability comparison', function () {
  it('lists findings new, gone and changed, most severe first, and counts the rest', function () {
    const before = [
      finding('CVE-2024-0001', 'libssl3', '3.0.11-1', 'High', '3.0.15-1'),
      finding('CVE-2024-0002', 'zlib1g', '1.2.13', 'Medium'),
      finding('CVE-2024-0003', 'bash', '5.2.15', 'Low'),
      finding('CVE-2024-0004', 'libc6', '2.36-9', 'Medium'),
      finding('CVE-2024-0005', 'libc6', '2.36-9', 'Low'),
    ];
    const after = [
      finding('CVE-2024-0003', 'bash', '5.2.15', 'Low'),
      finding('CVE-2024-0004', 'libc6', '2.36-9+deb12u4', 'Medium'),
      finding('CVE-2024-0005', 'libc6', '2.36-9', 'High'),
      finding('CVE-2024-0009', 'curl', '7.88.1', 'Critical'),
      finding('CVE-2024-0008', 'curl', '7.88.1', 'Low'),
    ];
    const c = compareVulnerabilities(before, after);
    assert.deepEqual(
      c.introduced.map((v) => [v.id, v.severity]),
      [
        ['CVE-2024-0009', 'Critical'],
        ['CVE-2024-0008', 'Low'],
      ],
    );
    assert.deepEqual(
      c.resolved.map((v) => [v.id, v.package, v.fixed]),
      [
        ['CVE-2024-0001', 'libssl3', '3.0.15-1'],
        ['CVE-2024-0002', 'zlib1g', undefined],
      ],
    );
    assert.deepEqual(
      c.changed.map((v) => [v.id, v.severity, v.installed]),
      [
        ['CVE-2024-0005', { before: 'Low', after: 'High' }, { before: '2.36-9', after: '2.36-9' }],
        ['CVE-2024-0004', { before: 'Medium', after: 'Medium' }, { before: '2.36-9', after: '2.36-9+deb12u4' }],
      ],
    );
    assert.equal(c.unchanged, 1);
    assert.deepEqual(c.counts.before, { Critical: 0, High: 1, Medium: 2, Low: 2, Negligible: 0, Unknown: 0 });
    assert.deepEqual(c.counts.after, { Critical: 1, High: 1, Medium: 1, Low: 2, Negligible: 0, Unknown: 0 });
  });

  it('knows a finding by advisory and package: one CVE in two packages is two findings', function () {
    const c = compareVulnerabilities(
      [finding('CVE-2023-4863', 'libwebp7', '1.2.4', 'High')],
      [finding('CVE-2023-4863', 'libwebp7', '1.2.4', 'High'), finding('CVE-2023-4863', 'chromium', '116', 'High')],
    );
    assert.deepEqual(
      c.introduced.map((v) => v.package),
      ['chromium'],
    );
    assert.equal(c.unchanged, 1);
  });

  it("counts a scanner's repeats of one finding once, versions joined and the worse severity kept", function () {
    // Trivy lists a Go module once per binary that vendors it; Grype, once per location.
    const before = [finding('GHSA-x', 'golang.org/x/net', '0.17.0', 'Medium'), finding('GHSA-x', 'golang.org/x/net', '0.15.0', 'High')];
    const after = [finding('GHSA-x', 'golang.org/x/net', '0.15.0', 'Medium'), finding('GHSA-x', 'golang.org/x/net', '0.17.0', 'High')];
    const c = compareVulnerabilities(before, after);
    assert.equal(c.unchanged, 1, 'the same versions and the same worst severity');
    assert.deepEqual(c.counts.before.High, 1);
    assert.deepEqual(c.counts.before.Medium, 0);
    const gone = compareVulnerabilities(before, []).resolved;
    assert.deepEqual(
      gone.map((v) => [v.installed, v.severity]),
      [['0.15.0, 0.17.0', 'High']],
    );
  });

  it('describes the comparison in words for Copy Summary, registry text made visible', function () {
    const c = compareVulnerabilities(
      [finding('CVE-2024-0001', 'libssl3', '3.0.11-1', 'High', '3.0.15-1'), finding('CVE-2024-0004', 'libc6', '2.36-9', 'Low')],
      [finding('CVE-2024-0004', 'libc6', '2.36-9', 'High'), finding('CVE-2024-0009', 'cur\u202El', '7.88.1', 'Critical')],
    );
    const text = describeVulnerabilityComparison(c, { before: 'trivy 0.50.1 in a referrer', after: "trivy 0.50.1 in cosign's .att tag" });
    assert.match(
      text,
      /^Vulnerabilities, from trivy 0\.50\.1 in a referrer and trivy 0\.50\.1 in cosign's \.att tag: 1 new, 1 gone, 1 changed, 0 the same/,
    );
    assert.match(text, /By severity: Critical 0 → 1, High 1 → 1, Low 1 → 0/);
    assert.match(text, /New in the second \(1\)\n {2}Critical {3}CVE-2024-0009 in cur\\u202El 7\.88\.1/);
    assert.match(text, /Gone from the second \(1\)\n {2}High {7}CVE-2024-0001 in libssl3 3\.0\.11-1 \(fixed in 3\.0\.15-1\)/);
    assert.match(text, /Changed \(1\)\n {2}CVE-2024-0004 in libc6: Low → High/);
    assert.doesNotMatch(text, /\u202E/);
  });

  describe('two scanners naming one flaw differently', function () {
    // Grype names a language package's finding by its GitHub advisory, the CVE among its related
    // vulnerabilities; Trivy names the same finding by the CVE.
    const grype = (id: string, pkg: string, installed: string, severity: Severity, aliases: string[]): Vulnerability => ({
      ...finding(id, pkg, installed, severity),
      aliases,
    });

    it('pairs a GHSA finding with the CVE it is related to, in the same package', function () {
      const c = compareVulnerabilities(
        [
          grype('GHSA-35jh-r3h4-6jhm', 'lodash', '4.17.20', 'High', ['CVE-2021-23337']),
          grype('GHSA-p6mc-m468-83gw', 'lodash', '4.17.20', 'High', ['CVE-2020-8203']),
        ],
        [finding('CVE-2021-23337', 'lodash', '4.17.20', 'High'), finding('cve-2020-8203', 'lodash', '4.17.21', 'High')],
      );
      assert.deepEqual([c.introduced, c.resolved], [[], []], 'neither is new nor gone');
      assert.equal(c.unchanged, 1);
      assert.equal(c.changed.length, 1);
      assert.equal(c.changed[0]!.id, 'cve-2020-8203', 'named as the second scan names it');
      assert.equal(c.changed[0]!.firstId, 'GHSA-p6mc-m468-83gw', 'and as the first did');
      assert.deepEqual(c.changed[0]!.installed, { before: '4.17.20', after: '4.17.21' });
      const text = describeVulnerabilityComparison(c, { before: 'grype 0.79.0', after: 'trivy 0.56.2' });
      assert.match(text, /cve-2020-8203 \(GHSA-p6mc-m468-83gw in the first\) in lodash: 4\.17\.20 → 4\.17\.21/);
    });

    it('pairs the other way round too, and through an alias both sides give', function () {
      const c = compareVulnerabilities(
        [finding('CVE-2021-23337', 'lodash', '4.17.20', 'High')],
        [grype('GHSA-35jh-r3h4-6jhm', 'lodash', '4.17.20', 'Critical', ['CVE-2021-23337'])],
      );
      assert.deepEqual([c.introduced.length, c.resolved.length, c.changed.length], [0, 0, 1]);
      assert.deepEqual(c.changed[0]!.severity, { before: 'High', after: 'Critical' });
      assert.equal(c.changed[0]!.firstId, 'CVE-2021-23337');
      const both = compareVulnerabilities(
        [grype('GHSA-aaaa-bbbb-cccc', 'requests', '2.0', 'Medium', ['CVE-2023-1', 'PYSEC-2023-7'])],
        [grype('PYSEC-2023-7', 'requests', '2.0', 'Medium', ['CVE-2023-1'])],
      );
      assert.deepEqual([both.introduced.length, both.resolved.length, both.unchanged], [0, 0, 1]);
    });

    it('never pairs across packages, and leaves a one-to-many match unpaired rather than guess', function () {
      const otherPackage = compareVulnerabilities(
        [grype('GHSA-35jh-r3h4-6jhm', 'lodash', '4.17.20', 'High', ['CVE-2021-23337'])],
        [finding('CVE-2021-23337', 'lodash-es', '4.17.20', 'High')],
      );
      assert.deepEqual([otherPackage.introduced.length, otherPackage.resolved.length], [1, 1]);
      // One GHSA related to two CVEs the other scanner reports apart: which one it is, is not known.
      const ambiguous = compareVulnerabilities(
        [grype('GHSA-xxxx-yyyy-zzzz', 'libxml2', '2.9', 'High', ['CVE-2024-1', 'CVE-2024-2'])],
        [finding('CVE-2024-1', 'libxml2', '2.9', 'High'), finding('CVE-2024-2', 'libxml2', '2.9', 'High')],
      );
      assert.deepEqual([ambiguous.introduced.length, ambiguous.resolved.length, ambiguous.unchanged], [2, 1, 0]);
      // Two GHSAs related to one CVE: neither is taken for it.
      const twoForOne = compareVulnerabilities(
        [
          grype('GHSA-aaaa-aaaa-aaaa', 'libxml2', '2.9', 'High', ['CVE-2024-1']),
          grype('GHSA-bbbb-bbbb-bbbb', 'libxml2', '2.9', 'High', ['CVE-2024-1']),
        ],
        [finding('CVE-2024-1', 'libxml2', '2.9', 'High')],
      );
      assert.deepEqual([twoForOne.introduced.length, twoForOne.resolved.length, twoForOne.unchanged], [1, 2, 0]);
      // A finding the second names exactly stays paired with it, not with an alias's namesake.
      const exact = compareVulnerabilities(
        [finding('CVE-2024-1', 'libxml2', '2.9', 'High'), grype('GHSA-xxxx-yyyy-zzzz', 'libxml2', '2.9', 'High', ['CVE-2024-1'])],
        [finding('CVE-2024-1', 'libxml2', '2.9', 'High')],
      );
      assert.deepEqual([exact.introduced.length, exact.resolved.length, exact.unchanged], [0, 1, 1]);
      assert.equal(exact.resolved[0]!.id, 'GHSA-xxxx-yyyy-zzzz');
    });
  });

  describe('properties', function () {
    const severity = fc.constantFrom<Severity>(...SEVERITY_ORDER);
    const vulnerability: fc.Arbitrary<Vulnerability> = fc
      .record({
        id: fc.constantFrom('CVE-1', 'CVE-2', 'GHSA-a', 'x'),
        severity,
        package: fc.option(fc.constantFrom('openssl', 'libc6', 'bash', ''), { nil: undefined }),
        installed: fc.option(fc.constantFrom('1', '1.0', '2', ''), { nil: undefined }),
        aliases: fc.option(fc.subarray(['CVE-1', 'cve-2', 'GHSA-A', 'PYSEC-1'], { minLength: 1 }), { nil: undefined }),
      })
      .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as unknown as Vulnerability);
    const scan = fc.array(vulnerability, { maxLength: 30 });

    it('a scan compared with itself, in any order, has no change', function () {
      fc.assert(
        fc.property(
          scan.chain((s) => fc.tuple(fc.constant(s), fc.shuffledSubarray(s, { minLength: s.length, maxLength: s.length }))),
          ([s, shuffled]) => {
            const c = compareVulnerabilities(s, shuffled);
            assert.deepEqual([c.introduced, c.resolved, c.changed], [[], [], []]);
            assert.deepEqual(c.counts.before, c.counts.after);
          },
        ),
      );
    });

    it('swapping the sides swaps new and gone, and each side adds up', function () {
      fc.assert(
        fc.property(scan, scan, (a, b) => {
          const c = compareVulnerabilities(a, b);
          const d = compareVulnerabilities(b, a);
          assert.deepEqual(d.introduced, c.resolved);
          assert.deepEqual(d.resolved, c.introduced);
          assert.equal(d.changed.length, c.changed.length);
          assert.equal(d.unchanged, c.unchanged);
          const total = (counts: Record<Severity, number>) => Object.values(counts).reduce((x, y) => x + y, 0);
          assert.equal(total(c.counts.before), c.resolved.length + c.changed.length + c.unchanged);
          assert.equal(total(c.counts.after), c.introduced.length + c.changed.length + c.unchanged);
        }),
      );
    });

    it('pairs differently named findings only in one package, where their names meet', function () {
      fc.assert(
        fc.property(scan, scan, (a, b) => {
          const names = (v: Vulnerability) => new Set([v.id, ...(v.aliases ?? [])].map((n) => n.toLowerCase()));
          // No package and an empty one are one, as for findings named alike.
          const inPackage = (v: Vulnerability, pkg: string | undefined) => (v.package ?? '') === (pkg ?? '');
          for (const change of compareVulnerabilities(a, b).changed) {
            if (change.firstId === undefined) continue;
            const first = a.filter((v) => v.id === change.firstId && inPackage(v, change.package));
            const second = b.filter((v) => v.id === change.id && inPackage(v, change.package));
            assert.ok(first.length && second.length, 'both findings are in the one package');
            const met = first.some((x) => second.some((y) => [...names(x)].some((n) => names(y).has(n))));
            assert.ok(met, `${change.firstId} and ${change.id} share a name`);
          }
        }),
      );
    });
  });
});
