// The comparison panel as it ships: a model the host builds from two images whose every registry
// string is markup, script or a bidi override, rendered by the webview bundle
// (dist/webview/comparison.js) in Debian's Chromium, the files answered like the host does. No
// script runs, no element comes from registry text, and the override shows as a marked escape.
// Skipped without Chromium.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compareImages, type ComparedImage } from '../../../../../src/core/operations/compare';
import { compareFileSystems } from '../../../../../src/core/operations/compare-files';
import type { LayerFileEntry } from '../../../../../src/core/layers/layer-files';
import { comparePackages } from '../../../../../src/core/operations/compare-packages';
import type { SbomPackage } from '../../../../../src/core/oci/sbom';
import { compareVulnerabilities } from '../../../../../src/core/operations/compare-vulnerabilities';
import type { VulnerabilityReport } from '../../../../../src/core/oci/vulnerability-report';
import type { ScanSearch } from '../../../../../src/core/operations/image-scan';
import { comparisonModel, filesModel, packagesModel } from '../../../../../src/webviews/comparison/view-model';
import { vulnerabilitiesModel } from '../../../../../src/webviews/comparison/vulnerabilities-model';
import { openWorkbench, type Workbench } from '../../../../e2e/workbench';
import { PROJECT } from '../../../support/project';

const BUNDLE = resolve(PROJECT, 'dist/webview/comparison.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const D = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
const HOSTILE = {
  img: '<img src=x onerror="window.__pwned=1">',
  script: '<script>window.__pwned=1</script>',
  bidi: 'invoice\u202Etxt.exe',
};

function image(digest: string, layer: number, config: Record<string, unknown>, history: string[]): ComparedImage {
  return {
    digest,
    manifest: {
      schemaVersion: 2,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: D(999), size: 100 },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: D(layer), size: 1000 }],
    },
    config: { architecture: 'amd64', os: 'linux', config, history: history.map((created_by) => ({ created_by })) },
  };
}

const entry = (path: string): LayerFileEntry => ({ path, type: 'file', size: 10, mode: 0o644, uid: 0, gid: 0 });

/** app:1 against app:2, two plain images: the panel the findings parts are tried on. */
function twoPlainImages(): ReturnType<typeof comparisonModel> {
  const before = image(D(1), 11, {}, []);
  const after = image(D(2), 12, {}, []);
  return comparisonModel(
    { reference: 'r.test/app:1', name: 'app:1', digest: D(1), kind: 'OCI image manifest', isIndex: false },
    { reference: 'r.test/app:2', name: 'app:2', digest: D(2), kind: 'OCI image manifest', isIndex: false },
    [{ comparison: compareImages(before, after), layers: { before: before.manifest.layers, after: after.manifest.layers } }],
  );
}

/** A Trivy scan as the scan search finds it, under cosign's .att tag. */
function foundScan(vulnerabilities: VulnerabilityReport['vulnerabilities'], scanner?: string): ScanSearch {
  return {
    found: {
      document: {
        format: 'Trivy',
        ...(scanner ? { scanner } : {}),
        vulnerabilities,
        omitted: 0,
        counts: {} as VulnerabilityReport['counts'],
      },
      place: 'cosign-tag',
      manifest: D(70),
      blob: D(71),
    },
    problems: [],
  };
}

/**
 * The panel's page with the webview bundle, sent `model` as the host sends it. The VS Code API it
 * asks for records what the page posts (`window.__posted`) and answers each request in `answers`
 * as the host would.
 */
async function startPanel(page: Workbench['page'], model: unknown, answers: Record<string, unknown>): Promise<void> {
  await page.setContent('<!doctype html><html><body><div id="app"></div></body></html>');
  await page.evaluate((results) => {
    const posted: { type: string; id?: number; method?: string }[] = [];
    Object.assign(window, {
      __posted: posted,
      acquireVsCodeApi: () => ({
        postMessage: (m: { type: string; id?: number; method?: string }) => {
          posted.push(m);
          if (m.type === 'request' && m.method !== undefined && m.method in results)
            setTimeout(() => window.postMessage({ type: 'response', id: m.id, ok: true, result: results[m.method!] }, '*'), 10);
        },
        getState: () => undefined,
        setState: () => undefined,
      }),
    });
  }, answers);
  await page.addScriptTag({ content: readFileSync(BUNDLE, 'utf8') });
  await page.evaluate((m) => window.postMessage({ type: 'start', model: m, state: { before: 'a', after: 'b' } }, '*'), model);
}

describe('comparison panel rendering of hostile registry text (Chromium)', function () {
  let workbench: Workbench | undefined;

  before(async function () {
    if (!existsSync(CHROMIUM)) this.skip();
    assert.ok(existsSync(BUNDLE), 'the webview bundle is built (node scripts/build.mjs --tests)');
    workbench = await openWorkbench();
  });

  after(async () => {
    await workbench?.close();
  });

  it('lays out every hostile string as text and runs nothing', async () => {
    const { page } = workbench!;
    const before = image(D(1), 11, { Labels: { [HOSTILE.img]: HOSTILE.script }, User: HOSTILE.bidi }, [HOSTILE.script]);
    const after = image(D(2), 12, { Entrypoint: [HOSTILE.img] }, [HOSTILE.img]);
    const model = comparisonModel(
      { reference: `r.test/app:${HOSTILE.img}`, name: `app:${HOSTILE.bidi}`, digest: D(1), kind: 'OCI image manifest', isIndex: false },
      {
        reference: `r.test/app:${HOSTILE.script}`,
        name: `app:${HOSTILE.script}`,
        digest: D(2),
        kind: 'OCI image manifest',
        isIndex: false,
      },
      [
        {
          comparison: compareImages(before, after),
          layers: { before: before.manifest.layers, after: after.manifest.layers },
          configs: true,
        },
      ],
    );
    const files = filesModel(
      compareFileSystems(new Map([[HOSTILE.script, entry(HOSTILE.script)]]), new Map([[HOSTILE.img, entry(HOSTILE.img)]])),
    );
    await startPanel(page, model, { compareFiles: files });
    await page.waitForFunction(
      () => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'rendered'),
      undefined,
      { timeout: 10_000 },
    );
    const seen = await page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: unknown }).__pwned,
      // The bundle's own script tag is there; no other may be, nor any image.
      made: Array.from(document.querySelectorAll('img, script')).filter(
        (el) => el.tagName === 'IMG' || /__pwned/.test(el.textContent ?? ''),
      ).length,
      text: document.body.textContent ?? '',
      settings: Array.from(document.querySelectorAll('table.settings tbody tr')).map((r) => r.textContent ?? ''),
      files: Array.from(document.querySelectorAll('table.files tbody tr td:first-child')).map((td) => td.textContent ?? ''),
      title: document.querySelector('.toolbar-title')?.textContent ?? '',
      requests: (window as unknown as { __posted: { method?: string }[] }).__posted.map((m) => m.method).filter(Boolean),
    }));
    assert.equal(seen.pwned, undefined, 'no injected script ran');
    assert.equal(seen.made, 0, 'registry text made no elements');
    assert.ok(
      seen.settings.some((r) => r.includes(`Label ${HOSTILE.img}`) && r.includes(HOSTILE.script)),
      'the label reads as written',
    );
    assert.ok(
      seen.settings.some((r) => r.includes('invoice\\u202Etxt.exe')),
      'the override shows as an escape',
    );
    assert.ok(!seen.text.includes('\u202E'), 'no bidi override is left in the page');
    assert.deepEqual(seen.files.sort(), [HOSTILE.img, HOSTILE.script].sort(), 'the files read as written');
    assert.equal(seen.title, 'app:invoice\\u202Etxt.exe ↔ app:<script>window.__pwned=1</script>');
    assert.deepEqual(seen.requests, ['compareFiles'], 'one image pair: its files are compared as the panel opens');
  });

  it('compares packages when asked: hostile package text as text, with where each SBOM was found', async () => {
    const { page } = workbench!;
    const before = image(D(1), 11, {}, []);
    const after = image(D(2), 12, {}, []);
    const model = comparisonModel(
      { reference: 'r.test/app:1', name: 'app:1', digest: D(1), kind: 'OCI image manifest', isIndex: false },
      { reference: 'r.test/app:2', name: 'app:2', digest: D(2), kind: 'OCI image manifest', isIndex: false },
      [
        {
          comparison: compareImages(before, after),
          layers: { before: before.manifest.layers, after: after.manifest.layers },
          configs: true,
        },
      ],
    );
    const first: SbomPackage[] = [
      { name: 'libssl3', version: '3.0.11-1', license: 'Apache-2.0', purl: 'pkg:deb/debian/libssl3@3.0.11-1' },
      { name: HOSTILE.script, version: '1', purl: `pkg:npm/${HOSTILE.bidi}@1` },
      { name: 'bash', version: '5.2.15' },
    ];
    const second: SbomPackage[] = [
      { name: 'libssl3', version: '3.0.15-1', license: 'Apache-2.0', purl: 'pkg:deb/debian/libssl3@3.0.15-1' },
      { name: HOSTILE.img, version: HOSTILE.script, license: HOSTILE.img },
      { name: 'bash', version: '5.2.15' },
    ];
    const sbom = (packages: SbomPackage[]) => ({
      found: {
        sbom: { format: 'SPDX-2.3', packages, omitted: 0 },
        place: 'attestation-manifest' as const,
        manifest: D(60),
        blob: D(61),
      },
      problems: [],
    });
    const packages = packagesModel(
      { reference: 'r.test/app:1', search: sbom(first), throughIndex: true },
      { reference: 'r.test/app:2', search: sbom(second), throughIndex: true },
      comparePackages(first, second),
    );
    await startPanel(page, model, { compareFiles: filesModel(compareFileSystems(new Map(), new Map())), comparePackages: packages });
    const part = page.locator('[data-part="packages"]');
    await part.locator('button', { hasText: 'Compare Packages' }).click();
    await part.locator('.packages-result').waitFor({ timeout: 10_000 });
    const seen = await page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: unknown }).__pwned,
      images: document.querySelectorAll('img').length,
      sides: Array.from(document.querySelectorAll('[data-part="packages"] .sbom-sides li')).map((li) => li.textContent ?? ''),
      summary: document.querySelector('[data-part="packages"] .summary-line')?.textContent ?? '',
      headings: Array.from(document.querySelectorAll('[data-part="packages"] h3')).map((h) => h.textContent ?? ''),
      rows: Array.from(document.querySelectorAll('[data-part="packages"] tbody tr')).map((r) => r.textContent ?? ''),
      requests: (window as unknown as { __posted: { method?: string }[] }).__posted.map((m) => m.method).filter(Boolean),
    }));
    assert.equal(seen.pwned, undefined, 'no injected script ran');
    assert.equal(seen.images, 0, 'package text made no elements');
    assert.deepEqual(seen.sides, [
      "First: SPDX-2.3, from BuildKit's attestation manifest in the index 000000000000",
      "Second: SPDX-2.3, from BuildKit's attestation manifest in the index 000000000000",
    ]);
    assert.equal(seen.summary, '1 the same, 1 changed, 1 added, 1 removed.');
    assert.deepEqual(seen.headings, ['Packages changed (1)', 'Packages added (1)', 'Packages removed (1)']);
    assert.ok(seen.rows[0]!.startsWith('libssl3pkg:deb/debian/libssl3@3.0.15-13.0.11-13.0.15-1'), seen.rows[0]);
    assert.ok(
      seen.rows.some((r) => r.startsWith(HOSTILE.img) && r.includes(HOSTILE.script)),
      'the added package reads as written',
    );
    assert.ok(
      seen.rows.some((r) => r.includes('pkg:npm/invoice\\u202Etxt.exe@1')),
      "the removed package's override shows as an escape",
    );
    assert.deepEqual(seen.requests, ['compareFiles', 'comparePackages'], 'the packages are asked for only when the button is clicked');
  });

  it('compares vulnerabilities when asked: counts per severity, findings new, gone and changed, advisories opened by identifier', async () => {
    const { page } = workbench!;
    const model = twoPlainImages();
    const first: VulnerabilityReport['vulnerabilities'] = [
      { id: 'CVE-2024-0001', severity: 'High', package: 'libssl3', installed: '3.0.11-1', fixed: '3.0.15-1', title: HOSTILE.img },
      { id: 'CVE-2024-0004', severity: 'Low', package: 'libc6', installed: '2.36-9' },
      // Named as Grype names it, the CVE related: paired with the second's CVE, under a hostile name.
      { id: HOSTILE.img, severity: 'Low', package: 'zlib1g', installed: '1.2.13', aliases: ['CVE-2024-0010'] },
    ];
    const second: VulnerabilityReport['vulnerabilities'] = [
      { id: 'CVE-2024-0004', severity: 'High', package: 'libc6', installed: '2.36-9' },
      { id: 'CVE-2024-0010', severity: 'Low', package: 'zlib1g', installed: '1.3.1' },
      { id: HOSTILE.script, severity: 'Critical', package: HOSTILE.bidi, installed: '1' },
      { id: 'CVE-2024-0009', severity: 'Medium', package: 'curl', installed: '7.88.1' },
    ];
    const findings = vulnerabilitiesModel(
      { reference: 'r.test/app:1', search: foundScan(first, 'trivy 0.50.1'), throughIndex: false },
      { reference: 'r.test/app:2', search: foundScan(second, HOSTILE.img), throughIndex: false },
      compareVulnerabilities(first, second),
    );
    await startPanel(page, model, {
      compareFiles: filesModel(compareFileSystems(new Map(), new Map())),
      compareVulnerabilities: findings,
      openAdvisory: null,
    });
    const part = page.locator('[data-part="vulnerabilities"]');
    await part.locator('button', { hasText: 'Compare Vulnerabilities' }).click();
    await part.locator('.vulnerabilities-result').waitFor({ timeout: 10_000 });
    await part.locator('table.findings-new button', { hasText: 'CVE-2024-0009' }).click();
    const seen = await page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: unknown }).__pwned,
      images: document.querySelectorAll('img').length,
      sides: Array.from(document.querySelectorAll('[data-part="vulnerabilities"] .sbom-sides li')).map((li) => li.textContent ?? ''),
      notices: Array.from(document.querySelectorAll('[data-part="vulnerabilities"] .notice')).map((p) => p.textContent ?? ''),
      summary: document.querySelector('[data-part="vulnerabilities"] .summary-line')?.textContent ?? '',
      severities: Array.from(document.querySelectorAll('[data-part="vulnerabilities"] table.severities tbody tr')).map((r) =>
        Array.from(r.querySelectorAll('td')).map((td) => td.textContent ?? ''),
      ),
      headings: Array.from(document.querySelectorAll('[data-part="vulnerabilities"] h3')).map((h) => h.textContent ?? ''),
      newRows: Array.from(document.querySelectorAll('[data-part="vulnerabilities"] table.findings-new tbody tr')).map(
        (r) => r.textContent ?? '',
      ),
      changed: Array.from(document.querySelectorAll('[data-part="vulnerabilities"] table.findings-changed tbody tr')).map(
        (r) => r.textContent ?? '',
      ),
      links: Array.from(document.querySelectorAll('[data-part="vulnerabilities"] tbody button')).map((b) => b.textContent ?? ''),
      posted: (window as unknown as { __posted: { method?: string; params?: unknown }[] }).__posted
        .filter((m) => m.method)
        .map((m) => [m.method, m.params]),
    }));
    assert.equal(seen.pwned, undefined, 'no injected script ran');
    assert.equal(seen.images, 0, 'finding text made no elements');
    assert.deepEqual(seen.sides, [
      "First: Trivy by trivy 0.50.1, from cosign's .att tag 000000000000",
      `Second: Trivy by ${HOSTILE.img}, from cosign's .att tag 000000000000`,
    ]);
    assert.ok(
      seen.notices.some((n) => n.includes('different scanners')),
      seen.notices.join('\n'),
    );
    assert.equal(seen.summary, '2 new, 1 gone, 2 changed, 0 the same.');
    assert.deepEqual(seen.severities, [
      ['Critical', '0', '1', '+1'],
      ['High', '1', '1', '—'],
      ['Medium', '0', '1', '+1'],
      ['Low', '2', '1', '−1'],
    ]);
    assert.deepEqual(seen.headings, ['New in the second (2)', 'Gone from the second (1)', 'Findings changed (2)']);
    assert.ok(seen.newRows[0]!.startsWith(`${HOSTILE.script}Critical`), 'the hostile advisory reads as written, first as most severe');
    assert.ok(seen.newRows[0]!.includes('invoice\\u202Etxt.exe'), "the package's override shows as an escape");
    assert.ok(seen.changed[0]!.startsWith('CVE-2024-0004libc6Low2.36-9High2.36-9'), seen.changed[0]);
    assert.ok(
      seen.changed[1]!.startsWith(`CVE-2024-0010${HOSTILE.img} in the first scanzlib1gLow1.2.13Low1.3.1`),
      `the first scan's name of the paired finding, as text: ${seen.changed[1]}`,
    );
    assert.ok(!seen.links.some((l) => l.includes('<script>')), 'an identifier osv.dev does not serve is not a link');
    assert.deepEqual(seen.posted, [
      ['compareFiles', {}],
      ['compareVulnerabilities', {}],
      ['openAdvisory', { id: 'CVE-2024-0009' }],
    ]);
  });

  it("says how many of a side's VEX statements are about other images and were not applied", async () => {
    const { page } = workbench!;
    const model = twoPlainImages();
    const findings: VulnerabilityReport['vulnerabilities'] = [{ id: 'CVE-2024-0001', severity: 'High', package: 'libssl3' }];
    const scan = foundScan(findings);
    const vex = {
      found: {
        document: { author: HOSTILE.img, statements: [], omitted: 3 },
        place: 'referrer' as const,
        ofIndex: true as const,
        manifest: D(72),
        blob: D(73),
      },
      problems: [],
    };
    const vulnerabilities = vulnerabilitiesModel(
      { reference: 'r.test/app:1', search: scan, throughIndex: true },
      { reference: 'r.test/app:2', search: scan, vex, suppressed: [], aboutOtherImages: 2, throughIndex: true },
      compareVulnerabilities(findings, findings),
    );
    await startPanel(page, model, {
      compareFiles: filesModel(compareFileSystems(new Map(), new Map())),
      compareVulnerabilities: vulnerabilities,
    });
    const part = page.locator('[data-part="vulnerabilities"]');
    await part.locator('button', { hasText: 'Compare Vulnerabilities' }).click();
    await part.locator('.vulnerabilities-result').waitFor({ timeout: 10_000 });
    const line = await part.locator('li', { hasText: "Second's VEX" }).textContent();
    assert.match(
      line ?? '',
      /^Second's VEX by <img src=x onerror=.*, from a referrer of the index 0{12}: 3 statements \(2 about other images, by digest, not applied\), 0 findings left out as not affected or fixed\.$/,
    );
    assert.equal(await page.evaluate(() => document.querySelectorAll('img').length), 0);
  });
});
