// The comparison's vulnerabilities part as the page gets it: where each scan was found, counts per
// severity, rows bounded and clipped, advisories marked linkable only when osv.dev serves them; a
// side without a scan told where one was looked for; two scans by different scanners (or versions
// of one) said to be so. And the page's requests checked: an advisory osv.dev does not serve, or a
// platform the comparison lacks, is refused before anything opens.
import assert from 'node:assert/strict';
import { compareVulnerabilities } from '../../../../src/core/operations/compare-vulnerabilities';
import type { ScanSearch } from '../../../../src/core/operations/image-scan';
import type { VexSearch } from '../../../../src/core/operations/image-vex';
import type { VexStatement } from '../../../../src/core/oci/openvex';
import type { Vulnerability, VulnerabilityReport } from '../../../../src/core/oci/vulnerability-report';
import type { ComparisonModel, RequestMessage } from '../../../../src/webviews/comparison/protocol';
import { checkComparisonParams, parseComparisonMessage } from '../../../../src/webviews/comparison/validate';
import { MAX_FINDING_ROWS, vulnerabilitiesModel } from '../../../../src/webviews/comparison/vulnerabilities-model';

const HOSTILE_AUTHOR = '<img src=x onerror="window.__pwned=1"> security\u202Eteam';
const D = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;

function found(
  vulnerabilities: Vulnerability[],
  scanner?: string,
  place: 'referrer' | 'cosign-tag' = 'referrer',
  scannedAt?: string,
): ScanSearch {
  const report: VulnerabilityReport = {
    format: 'Trivy',
    ...(scanner ? { scanner } : {}),
    ...(scannedAt ? { scannedAt } : {}),
    vulnerabilities,
    omitted: 3,
    counts: { Critical: 0, High: 0, Medium: 0, Low: 0, Negligible: 0, Unknown: 0 },
  };
  return { found: { document: report, place, manifest: D(50), blob: D(51) }, problems: [] };
}

describe('comparison vulnerabilities model', function () {
  it('says where each scan was found, counts each severity, and bounds and clips the rows', function () {
    const before: Vulnerability[] = [{ id: 'CVE-2024-1', severity: 'High', package: 'libssl3', installed: '3.0.11' }];
    const after: Vulnerability[] = [
      { id: 'CVE-2024-1', severity: 'High', package: 'libssl3', installed: '3.0.15' },
      { id: 'x'.repeat(500), severity: 'Critical', package: 'p', title: 't'.repeat(5000) },
      ...Array.from({ length: MAX_FINDING_ROWS + 2 }, (_, i) => ({ id: `GHSA-${i}`, severity: 'Low' as const, package: `m${i}` })),
    ];
    const model = vulnerabilitiesModel(
      { reference: 'r.test/app:1', search: found(before, 'trivy 0.50.1'), throughIndex: false },
      {
        reference: 'r.test/app:2',
        search: { ...found(after, 'trivy 0.50.1', 'cosign-tag'), problems: ['y'.repeat(5000)] },
        throughIndex: true,
      },
      compareVulnerabilities(before, after),
    );
    assert.deepEqual(model.before, {
      format: 'Trivy',
      scanner: { text: 'trivy 0.50.1' },
      place: 'a referrer',
      manifest: D(50),
      blob: D(51),
      omitted: 3,
    });
    assert.equal(model.after?.place, "cosign's .att tag");
    assert.equal(model.missing, undefined);
    assert.equal(model.scannersDiffer, undefined, 'the same scanner and version');
    assert.deepEqual(model.severities, [
      { severity: 'Critical', before: 0, after: 1 },
      { severity: 'High', before: 1, after: 1 },
      { severity: 'Low', before: 0, after: MAX_FINDING_ROWS + 2 },
    ]);
    const worst = model.introduced.rows[0]!;
    assert.equal(worst.id.text.length, 128, 'an identifier is clipped');
    assert.equal(worst.linked, false, 'osv.dev does not serve it');
    assert.equal(worst.title!.text.length, 512);
    assert.equal(model.introduced.rows[1]!.linked, true, 'GHSA-0 is linkable');
    assert.deepEqual(
      [model.introduced.rows.length, model.introduced.omitted, model.introduced.total],
      [MAX_FINDING_ROWS, 3, MAX_FINDING_ROWS + 3],
    );
    assert.deepEqual(model.changed.rows[0]!.installed, { before: { text: '3.0.11' }, after: { text: '3.0.15' } });
    assert.equal(model.problems[0]!.length <= 513, true, 'a problem is clipped');
  });

  it('says which side has no scan, where it was looked for, and how to attach one', function () {
    const none: ScanSearch = { problems: [] };
    const one = vulnerabilitiesModel(
      { reference: 'r.test/app:1', search: found([]), throughIndex: true },
      { reference: 'r.test/app:2', search: none, throughIndex: true },
      undefined,
    );
    assert.match(
      one.missing!,
      /^r\.test\/app:2 has no vulnerability scan \(attestations in the index, and the scan referrers and cosign's \.att tag of the image and of the index, were looked at\)/,
    );
    assert.match(one.missing!, /cosign attest --type vuln/);
    assert.deepEqual([one.severities, one.introduced.total, one.resolved.total, one.changed.total], [[], 0, 0, 0]);
    const neither = vulnerabilitiesModel(
      { reference: 'r.test/app@sha256:1', search: none, throughIndex: false },
      { reference: 'r.test/app:2', search: none, throughIndex: true },
      undefined,
    );
    assert.match(
      neither.missing!,
      /^Neither r\.test\/app@sha256:1 nor r\.test\/app:2 has a vulnerability scan \(the image's scan referrers and cosign's \.att tag were looked at; tools attach scans to the index a tag names/,
    );
  });

  it('says when the scans come from different scanners, or different versions of one', function () {
    const model = (a: string | undefined, b: string | undefined) =>
      vulnerabilitiesModel(
        { reference: 'r.test/app:1', search: found([], a), throughIndex: true },
        { reference: 'r.test/app:2', search: found([], b), throughIndex: true },
        compareVulnerabilities([], []),
      ).scannersDiffer;
    assert.match(model('trivy 0.50.1', 'grype 0.74.0')!, /different scanners \(trivy 0\.50\.1 and grype 0\.74\.0\)/);
    assert.match(model('trivy 0.50.1', 'Trivy 0.56.2')!, /different versions of trivy \(trivy 0\.50\.1 and Trivy 0\.56\.2\)/);
    assert.equal(model(undefined, 'trivy 0.50.1'), undefined, 'a report without its version could be the same one');
    assert.match(model(undefined, 'grype 0.74.0')!, /different scanners \(Trivy and grype 0\.74\.0\)/);
    assert.equal(model('trivy 0.50.1', 'trivy 0.50.1'), undefined);
  });
});

describe('comparison vulnerabilities model: scan times', function () {
  const model = (a: string | undefined, b: string | undefined) =>
    vulnerabilitiesModel(
      { reference: 'r.test/app:1', search: found([], 'trivy 0.50.1', 'referrer', a), throughIndex: true },
      { reference: 'r.test/app:2', search: found([], 'trivy 0.50.1', 'referrer', b), throughIndex: true },
      compareVulnerabilities([], []),
    );

  it('says when each scan ran, and when they ran more than a week apart, which way and what that means', () => {
    const apart = model('2026-10-26T05:00:00.000Z', '2026-12-05T05:00:00.000Z');
    assert.equal(apart.before?.scannedAt, '2026-10-26T05:00:00.000Z');
    assert.equal(
      apart.scansApart,
      'The second scan ran 40 days after the first: advisories published in between show as new in the second even where the image did not change.',
    );
    assert.match(model('2026-12-05T05:00:00.000Z', '2026-10-26T05:00:00.000Z').scansApart!, /^The first scan ran 40 days after the second/);
    assert.equal(model('2026-12-01T05:00:00.000Z', '2026-12-05T05:00:00.000Z').scansApart, undefined, 'four days is close enough');
    assert.equal(model(undefined, '2026-12-05T05:00:00.000Z').scansApart, undefined, 'one time unknown');
  });
});

describe('comparison vulnerabilities model: VEX', function () {
  it("says where each side's VEX was found and how many findings it left out, one row per finding and the side(s)", function () {
    const vex = (statements: VexStatement[], author?: string): VexSearch => ({
      found: {
        document: { ...(author ? { author } : {}), statements, omitted: 1 },
        place: 'cosign-tag',
        ofIndex: true,
        manifest: D(60),
        blob: D(61),
      },
      problems: ['z'.repeat(600)],
    });
    const statement = (vulnerability: string, status: VexStatement['status'], justification?: string): VexStatement => ({
      vulnerability,
      aliases: [],
      status,
      products: [],
      subcomponents: [],
      ...(justification ? { justification } : {}),
    });
    const apt: Vulnerability = { id: 'CVE-2011-3374', severity: 'Low', package: 'apt' };
    const ws: Vulnerability = { id: 'GHSA-3h5v-q93c-6h6q', severity: 'Critical', package: 'ws' };
    const model = vulnerabilitiesModel(
      {
        reference: 'r.test/app:1',
        search: found([apt, ws]),
        vex: vex([statement('CVE-2011-3374', 'not_affected', 'vulnerable_code_not_in_execute_path')]),
        suppressed: [{ finding: apt, statement: statement('CVE-2011-3374', 'not_affected', 'vulnerable_code_not_in_execute_path') }],
        throughIndex: true,
      },
      {
        reference: 'r.test/app:2',
        search: found([apt, ws]),
        vex: vex([statement('CVE-2011-3374', 'not_affected'), statement('GHSA-3h5v-q93c-6h6q', 'fixed')], `${HOSTILE_AUTHOR}`),
        suppressed: [
          { finding: apt, statement: statement('CVE-2011-3374', 'not_affected') },
          { finding: ws, statement: statement('GHSA-3h5v-q93c-6h6q', 'fixed') },
        ],
        aboutOtherImages: 1,
        throughIndex: true,
      },
      compareVulnerabilities([ws], []),
    );
    assert.deepEqual(model.vex.before, {
      place: "cosign's .att tag of the index",
      manifest: D(60),
      statements: 2,
      suppressed: 1,
      aboutOtherImages: 0,
    });
    assert.equal(model.vex.after?.aboutOtherImages, 1, 'statements about other builds are counted apart');
    assert.deepEqual(model.vex.after?.author, { text: HOSTILE_AUTHOR });
    assert.equal(model.vex.after?.suppressed, 2);
    assert.deepEqual(
      model.suppressed.rows.map((r) => [r.id.text, r.side, r.status, r.justification?.text, r.linked]),
      [
        ['CVE-2011-3374', 'both', 'not_affected', 'vulnerable code not in execute path', true],
        ['GHSA-3h5v-q93c-6h6q', 'second', 'fixed', undefined, true],
      ],
    );
    assert.equal(model.problems.length, 2, "the VEX searches' problems too");
    assert.equal(
      model.resolved.rows[0]!.vexNote,
      'fixed in the second, by its VEX',
      'gone because the second says so, not because it was fixed here',
    );
  });

  it("notes the other side's VEX under the other scanner's name, and says the first scan's name of a paired finding", function () {
    // The first image scanned by Trivy (CVE names), the second by Grype (GHSA names, the CVE related);
    // the first image's VEX, about the CVE, left Trivy's finding out.
    const trivyLodash: Vulnerability = { id: 'CVE-2021-23337', severity: 'High', package: 'lodash', installed: '4.17.20' };
    const grypeLodash: Vulnerability = { ...trivyLodash, id: 'GHSA-35jh-r3h4-6jhm', aliases: ['CVE-2021-23337'] };
    const trivyWs: Vulnerability = { id: 'CVE-2024-37890', severity: 'High', package: 'ws', installed: '8.0.0' };
    const grypeWs: Vulnerability = { ...trivyWs, id: 'GHSA-3h5v-q93c-6h6q', installed: '8.17.1', aliases: ['CVE-2024-37890'] };
    const notAffected: VexStatement = {
      vulnerability: 'CVE-2021-23337',
      aliases: [],
      status: 'not_affected',
      products: [],
      subcomponents: [],
    };
    const model = vulnerabilitiesModel(
      {
        reference: 'r.test/app:1',
        search: found([trivyLodash, trivyWs], 'trivy 0.56.2'),
        suppressed: [{ finding: trivyLodash, statement: notAffected }],
        throughIndex: true,
      },
      { reference: 'r.test/app:2', search: found([grypeLodash, grypeWs], 'grype 0.79.0'), throughIndex: true },
      compareVulnerabilities([trivyWs], [grypeLodash, grypeWs]),
    );
    assert.deepEqual(
      model.introduced.rows.map((r) => [r.id.text, r.vexNote]),
      [['GHSA-35jh-r3h4-6jhm', 'not affected in the first, by its VEX']],
      'new only because the first left its CVE out',
    );
    assert.deepEqual(
      model.changed.rows.map((r) => [r.id.text, r.firstId?.text, r.installed.before.text, r.installed.after.text]),
      [['GHSA-3h5v-q93c-6h6q', 'CVE-2024-37890', '8.0.0', '8.17.1']],
    );
    assert.equal(model.resolved.total, 0);
  });
});

describe('comparison page requests', function () {
  const model = {
    platforms: [{ platform: 'linux/amd64' }, { platform: 'linux/arm64', only: 'before' }],
    indexes: true,
  } as unknown as ComparisonModel;
  const request = (method: string, params: Record<string, unknown>): RequestMessage =>
    parseComparisonMessage({ type: 'request', id: 1, method, params }) as RequestMessage;

  it('opens only advisories osv.dev serves, named by identifier', function () {
    assert.equal(checkComparisonParams(request('openAdvisory', { id: 'CVE-2024-3094' }), model), undefined);
    assert.equal(checkComparisonParams(request('openAdvisory', { id: 'GHSA-abcd-efgh-ijkl' }), model), undefined);
    for (const id of ['https://evil.test/', 'CVE-1/../../x', 'javascript:alert(1)', '', 42])
      assert.match(checkComparisonParams(request('openAdvisory', { id }), model)!, /no advisory osv\.dev knows/, String(id));
  });

  it('compares vulnerabilities only for a platform both sides have', function () {
    assert.equal(checkComparisonParams(request('compareVulnerabilities', { platform: 'linux/amd64' }), model), undefined);
    assert.match(
      checkComparisonParams(request('compareVulnerabilities', { platform: 'linux/arm64' }), model)!,
      /does not have on both sides/,
    );
    assert.equal(parseComparisonMessage({ type: 'request', id: 1, method: 'openExternal', params: { url: 'https://x' } }), undefined);
  });
});
