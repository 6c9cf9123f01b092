// Two scans' findings compared: a finding is an advisory in a package; repeats of one are one,
// their versions joined and the worse severity kept; findings new, gone and changed (severity or
// installed version) are listed most severe first, the rest counted. Property tests: a scan
// compared with itself in any order has no change; swapping the sides swaps new and gone; each
// side's per-severity counts add up to its own findings plus those on both.
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

  describe('properties', function () {
    const severity = fc.constantFrom<Severity>(...SEVERITY_ORDER);
    const vulnerability: fc.Arbitrary<Vulnerability> = fc
      .record({
        id: fc.constantFrom('CVE-1', 'CVE-2', 'GHSA-a', 'x'),
        severity,
        package: fc.option(fc.constantFrom('openssl', 'libc6', 'bash', ''), { nil: undefined }),
        installed: fc.option(fc.constantFrom('1', '1.0', '2', ''), { nil: undefined }),
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
  });
});
