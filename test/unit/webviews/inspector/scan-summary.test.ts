// An image's scan summed up for its inspector page: counts per severity of what its VEX leaves,
// how many it left out and whose VEX it is (and how many of its statements are about other images), the scanner, time and place in words, a link to the
// manifest holding the report; a manifest without one told where it was looked for.
import assert from 'node:assert/strict';
import type { ScannedSide } from '../../../../src/core/operations/compare-scans';
import type { Vulnerability } from '../../../../src/core/oci/vulnerability-report';
import { scanSummary } from '../../../../src/webviews/inspector/scan-summary';

const D = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
const place = { host: 'r.test', repository: 'team/app', digest: D(1) };
const findings: Vulnerability[] = [
  { id: 'CVE-1', severity: 'Critical', package: 'a' },
  { id: 'CVE-2', severity: 'Low', package: 'b' },
  { id: 'CVE-3', severity: 'Low', package: 'c' },
];

describe('inspector scan summary', () => {
  it("counts what the VEX leaves, says how many it left out and whose it is, and links the report's manifest", () => {
    const side: ScannedSide = {
      scan: {
        found: {
          document: {
            format: 'Trivy',
            scanner: 'trivy 0.50.1',
            scannedAt: '2026-12-05T05:00:09.000Z',
            vulnerabilities: findings,
            omitted: 0,
            counts: { Critical: 1, High: 0, Medium: 0, Low: 2, Negligible: 0, Unknown: 0 },
          },
          place: 'cosign-tag',
          ofIndex: true,
          manifest: D(2),
          blob: D(3),
        },
        problems: [],
      },
      vex: {
        found: { document: { author: 'x'.repeat(400), statements: [], omitted: 0 }, place: 'referrer', manifest: D(4), blob: D(5) },
        problems: ['y'.repeat(900)],
      },
      suppressed: [
        { finding: findings[2]!, statement: { vulnerability: 'CVE-3', aliases: [], status: 'fixed', products: [], subcomponents: [] } },
      ],
      aboutOtherImages: 2,
    };
    const summary = scanSummary(place, side, findings.slice(0, 2), true);
    assert.deepEqual(summary.found?.counts, { Critical: 1, High: 0, Medium: 0, Low: 1, Negligible: 0, Unknown: 0 });
    assert.equal(summary.found?.suppressed, 1);
    assert.equal(summary.found?.vexAboutOtherImages, 2, 'statements about other builds, not applied');
    assert.equal(summary.found?.vexAuthor?.text.length, 256, "the VEX's author is clipped");
    assert.equal(summary.found?.place, "cosign's .att tag of the index");
    assert.equal(summary.found?.scannedAt, '2026-12-05T05:00:09.000Z');
    assert.deepEqual(summary.found?.report, {
      kind: 'manifest',
      host: 'r.test',
      repository: 'team/app',
      digest: D(2),
      via: `vulnerability scan of team/app@${'0'.repeat(12)}`,
    });
    assert.equal(summary.problems[0]!.length <= 513, true, 'a problem is clipped');
  });

  it('says where a scan was looked for when none was found, and how to attach one', () => {
    const none = (throughIndex: boolean) =>
      scanSummary(place, { scan: { problems: [] }, suppressed: [], aboutOtherImages: 0 }, undefined, throughIndex).missing;
    assert.match(
      none(true)!,
      /^No vulnerability scan was found \(attestations in the index, and the scan referrers and cosign's \.att tag of the image and of the index, were looked at\)\. `trivy image --format cosign-vuln`/,
    );
    assert.match(none(false)!, /^No vulnerability scan was found \(the image's scan referrers and cosign's \.att tag were looked at\)/);
  });
});
