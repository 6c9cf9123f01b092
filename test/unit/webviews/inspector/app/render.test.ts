// The inspector as it ships: a page the host's view model builds from a manifest whose annotations,
// labels, tag and layer media type carry bidi overrides and invisible characters, rendered by the
// webview bundle (dist/webview/inspector.js) in Debian's Chromium. Every such character shows as a
// marked escape, and none is left in any text or tooltip on the page. Skipped without Chromium.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { digestOf } from '../../../../../src/core/oci/digest';
import { parseManifest } from '../../../../../src/core/oci/manifest';
import { MediaTypes } from '../../../../../src/core/oci/media-types';
import { blobPage, coseEnvelopePage, fileSystemPage, manifestPage, referrerRows } from '../../../../../src/webviews/inspector/view-model';
import type { BlobLocation, FileRow, FileSystemSummary, PageModel, Prefetched } from '../../../../../src/webviews/inspector/protocol';
import { openWorkbench, type Workbench } from '../../../../e2e/workbench';
import { PROJECT } from '../../../support/project';
import { notaryCoseEnvelope, notaryEnvelope } from '../../../../support/signing-certificates';
import { GRYPE_LODASH_REPORT, OPENVEX_DOCUMENT, TRIVY_REPORT } from '../../../../support/scan-reports';

const BUNDLE = resolve(PROJECT, 'dist/webview/inspector.js');
const STYLES = resolve(PROJECT, 'dist/webview/inspector.css');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const D = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;

/** A page whose registry strings hide characters everywhere the view model takes them from. */
function hostilePage(): PageModel {
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: D(10), size: 1200 },
    layers: [{ mediaType: `${MediaTypes.ociLayerGzip}\u200B`, digest: D(11), size: 3000 }],
    annotations: { 'org.opencontainers.image.description': 'invoice\u202Etxt.exe', 'org.example\u2066.key': 'a\u200Fb\uFEFFc' },
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const parsed = parseManifest(bytes, digestOf(bytes), undefined, 'test manifest');
  const config = {
    architecture: 'amd64',
    os: 'linux',
    config: { Labels: { 'maintainer\u202D': 'team\u2067x' }, Env: ['A=\u061Cb'] },
    rootfs: { type: 'layers', diff_ids: [D(20)] },
    history: [],
  };
  return manifestPage(
    { kind: 'manifest', host: 'registry.test:5000', repository: 'team/app', tag: 'v1\u202Egpj', digest: parsed.descriptor.digest },
    parsed,
    { json: config },
  );
}

/** Loads the webview bundle into a blank page and starts it on `model`, as the host would; what it posts is kept in `__posted`. */
async function startPage(page: Workbench['page'], model: PageModel, answers?: Prefetched): Promise<void> {
  await page.setContent('<!doctype html><html><body><div id="app"></div></body></html>');
  // The VS Code API the webview asks for: it only records what the page posts (ready, rendered, requests).
  await page.evaluate(() => {
    const posted: unknown[] = [];
    Object.assign(window, {
      __posted: posted,
      acquireVsCodeApi: () => ({ postMessage: (m: unknown) => posted.push(m), getState: () => undefined, setState: () => undefined }),
    });
  });
  await page.addScriptTag({ content: readFileSync(BUNDLE, 'utf8') });
  await page.evaluate(({ m, a }) => window.postMessage({ type: 'start', location: m.location, page: m, answers: a }, '*'), {
    m: model,
    a: answers,
  });
}

/** {@link startPage}, then waits until the page says it is rendered. */
async function renderPage(page: Workbench['page'], model: PageModel, answers: Prefetched): Promise<void> {
  await startPage(page, model, answers);
  await page.waitForFunction(
    () => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'rendered'),
    undefined,
    { timeout: 10_000 },
  );
}

const fileLayer = (index: number): NonNullable<FileRow['layer']> => ({
  index,
  digest: D(30 + index),
  mediaType: MediaTypes.ociLayerGzip,
  size: 100,
});

function fileRow(name: string, more: Partial<FileRow>): FileRow {
  return {
    name: { text: name },
    path: name,
    type: 'file',
    sizeText: '1 B',
    mode: '-rw-r--r--',
    owner: { text: 'root:root' },
    childCount: 0,
    fileCount: 0,
    ...more,
  };
}

/** Where a file row's name ends, against its column and the Mode column after it. */
interface NameLayout {
  name: string;
  opens: boolean;
  right: number;
  columnRight: number;
  modeLeft: number;
  /** Wider than its box. */
  cut: boolean;
  /** Its overflow hidden behind an ellipsis. */
  clipped: boolean;
}

/** Starts an image's All files page and answers its listing with `root`, as the host would. */
async function showImageFiles(page: Workbench['page'], root: FileRow[]): Promise<void> {
  const summary: FileSystemSummary = {
    entries: root.length,
    files: root.length,
    directories: 0,
    layers: 2,
    layersLeftOut: 0,
    totalSizeText: '2 B',
    compressedSizeText: '200 B',
    root,
    rootOmitted: 0,
  };
  const image = parseManifest(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config: { mediaType: MediaTypes.ociConfig, digest: D(10), size: 2 },
        layers: [],
      }),
    ),
    D(40),
    undefined,
    'test manifest',
  );
  const model = fileSystemPage({ kind: 'filesystem', host: 'registry.test:5000', repository: 'team/app', digest: D(40) }, image);
  await startPage(page, model);
  const asked = await page.waitForFunction(
    () => (window as unknown as { __posted: { id?: number; method?: string }[] }).__posted.find((m) => m.method === 'listImageFiles')?.id,
    undefined,
    { timeout: 10_000 },
  );
  await page.evaluate(({ id, result }) => window.postMessage({ type: 'response', id, ok: true, result }, '*'), {
    id: (await asked.jsonValue()) as number,
    result: summary,
  });
  await page.locator('.f-row:not(.f-head)').first().waitFor({ timeout: 10_000 });
}

/** What the rendered page holds: hidden characters left in text or tooltips, and the marked escapes. */
interface Rendered {
  hiddenInText: string[];
  hiddenInTitles: string[];
  badges: { text: string; title: string }[];
  annotationValue: string;
  documentTitle: string;
}

/** An artifact's file as the inspector locates it: what a signature or a scan report is. */
function fileBlob(digest: string, mediaType: string): BlobLocation {
  return { kind: 'blob', host: 'registry.test:5000', repository: 'team/app', digest, size: 900, mediaType, role: 'file' };
}

describe('inspector rendering of hidden characters (Chromium)', function () {
  let workbench: Workbench | undefined;

  before(async function () {
    if (!existsSync(CHROMIUM)) this.skip();
    assert.ok(existsSync(BUNDLE), 'the webview bundle is built (node scripts/build.mjs --tests)');
    workbench = await openWorkbench();
  });

  after(async () => {
    await workbench?.close();
  });

  it('shows every bidi and invisible character of registry text as a marked escape', async () => {
    const { page } = workbench!;
    await renderPage(page, hostilePage(), { referrers: { rows: [] } });

    const rendered: Rendered = await page.evaluate(() => {
      const hidden = /(?!\u200D)[\p{Cf}\p{Zl}\p{Zp}]/u;
      const hiddenInText: string[] = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode())
        if (hidden.test(node.nodeValue ?? '')) hiddenInText.push(node.nodeValue ?? '');
      const hiddenInTitles = Array.from(document.querySelectorAll('[title]'))
        .map((el) => el.getAttribute('title') ?? '')
        .filter((t) => hidden.test(t));
      const badges = Array.from(document.querySelectorAll('.invisible-char')).map((el) => ({
        text: el.textContent ?? '',
        title: el.getAttribute('title') ?? '',
      }));
      const rows = Array.from(document.querySelectorAll('table.annotations tbody tr'));
      const annotationValue =
        rows.find((r) => r.textContent?.startsWith('org.opencontainers.image.description'))?.querySelector('td.wrap')?.textContent ?? '';
      return { hiddenInText, hiddenInTitles, badges, annotationValue, documentTitle: document.title };
    });

    assert.deepEqual(rendered.hiddenInText, [], 'no text node holds a hidden character');
    assert.deepEqual(rendered.hiddenInTitles, [], 'no tooltip holds one');
    assert.equal(rendered.annotationValue, 'invoice\\u202Etxt.exe', 'the annotation reads as written, the override shown');
    const shown = new Set(rendered.badges.map((b) => b.text));
    for (const escape of ['\\u202E', '\\u2066', '\\u200F', '\\uFEFF', '\\u202D', '\\u2067', '\\u061C', '\\u200B'])
      assert.ok(shown.has(escape), `${escape} is marked on the page`);
    assert.ok(
      rendered.badges.some((b) => b.text === '\\u202E' && b.title === 'U+202E right-to-left override'),
      'the mark names the character',
    );
    assert.equal(rendered.documentTitle, 'team/app:v1\\u202Egpj');
  });

  it('says when the registry listed more referrers than were read', async () => {
    const { page } = workbench!;
    const model = hostilePage();
    const place = { host: model.location.host, repository: model.location.repository };
    const rows = referrerRows(place, model.header.digest, [
      { mediaType: MediaTypes.ociManifest, digest: D(5), size: 900, artifactType: 'application/spdx+json' },
    ]);
    await renderPage(page, model, { referrers: { rows, cut: true } });
    const section = await page.evaluate(() => {
      const referrers = document.querySelector('details[data-section="referrers"]');
      return { text: referrers?.textContent ?? '', rows: referrers?.querySelectorAll('table.referrers tbody tr').length ?? 0 };
    });
    assert.equal(section.rows, 1);
    assert.match(section.text, /1\+/, 'the count says more follow');
    assert.match(section.text, /Only the first 1 referrers are shown: the registry lists more\./);
  });

  it("in an image's files, a link that leads to a file opens and saves that file from its own layer", async () => {
    const { page } = workbench!;
    await showImageFiles(page, [
      fileRow('os-release', {
        type: 'symlink',
        linkTarget: { text: 'usr/lib/os-release' },
        layer: fileLayer(1),
        leadsTo: { path: 'usr/lib/os-release', layer: fileLayer(0) },
      }),
      fileRow('dangling', { type: 'symlink', linkTarget: { text: 'nowhere' }, layer: fileLayer(1) }),
    ]);
    type Posted = { type: string; method?: string; params?: Record<string, unknown> };
    const link = page.locator('.f-row', { hasText: 'os-release' });
    await link.waitFor({ timeout: 10_000 });
    assert.equal(await link.locator('button.f-open').getAttribute('title'), 'Open usr/lib/os-release, where os-release leads');
    assert.equal(((await link.locator('.f-layer').textContent()) ?? '').trim(), '2', 'the link itself is in layer 2');
    // A link that leads nowhere in the image opens as itself (its target, as text), and has nothing to save.
    const dangling = page.locator('.f-row', { hasText: 'dangling' });
    assert.equal(await dangling.locator('button.f-open').getAttribute('title'), 'Open dangling');
    assert.equal(await dangling.locator('button.f-save').count(), 0);
    await link.locator('button.f-open').click();
    await link.hover();
    await link.locator('button.f-save').click();
    const sent = await page.evaluate(() =>
      (window as unknown as { __posted: Posted[] }).__posted.filter((m) => m.method === 'openLayerFile' || m.method === 'saveLayerFile'),
    );
    assert.deepEqual(
      sent.map((m) => [m.method, m.params?.path, m.params?.digest]),
      [
        ['openLayerFile', 'usr/lib/os-release', D(30)],
        ['saveLayerFile', 'usr/lib/os-release', D(30)],
      ],
    );
  });

  it("shows what an envelope's statement says, opens its subject's manifest, and never says it was verified", async () => {
    const { page } = workbench!;
    const statement = {
      _type: 'https://in-toto.io/Statement/v1',
      predicateType: 'https://spdx.dev/Document',
      subject: [{ name: 'team/app\u202Egpj', digest: { sha256: D(1).slice(7) } }],
      predicate: { spdxVersion: 'SPDX-2.3', name: 'sbom', packages: [{}, {}, {}] },
    };
    const envelope = {
      payloadType: 'application/vnd.in-toto+json',
      payload: Buffer.from(JSON.stringify(statement)).toString('base64'),
      signatures: [{ keyid: 'SHA256:k1', sig: 'MEUCIQ==' }],
    };
    const model = blobPage(
      {
        kind: 'blob',
        host: 'registry.test:5000',
        repository: 'team/app',
        digest: D(50),
        size: 700,
        mediaType: 'application/vnd.dsse.envelope.v1+json',
        role: 'file',
      },
      envelope,
    );
    await renderPage(page, model, {});
    const shown = await page.evaluate(() => {
      const section = document.querySelector('details[data-section="attestation"]');
      const facts = Array.from(section?.querySelectorAll('dl.facts dt') ?? []).map((dt) => [
        dt.textContent ?? '',
        dt.nextElementSibling?.textContent ?? '',
      ]);
      const payload = document.querySelector('details[data-section="payload"]');
      return {
        facts,
        text: section?.textContent ?? '',
        subjects: Array.from(section?.querySelectorAll('table.subjects tbody tr') ?? []).map((r) => r.textContent ?? ''),
        payloadTitle: payload?.querySelector('summary')?.textContent ?? '',
        payloadText: payload?.textContent ?? '',
      };
    });
    assert.deepEqual(shown.facts.slice(0, 2), [
      ['Claim', 'SPDX SBOM'],
      ['Predicate type', 'https://spdx.dev/Document'],
    ]);
    assert.ok(shown.facts.some(([label, value]) => label === 'Signatures' && value === '1 signature, key ID SHA256:k1'));
    assert.ok(shown.facts.some(([label, value]) => label === 'Packages' && value === '3'));
    assert.match(shown.text, /Read, not verified: no signature is checked here\./);
    assert.equal(shown.subjects.length, 1);
    assert.match(shown.subjects[0]!, /team\/app\\u202Egpj/, 'the bidi override in the subject name is shown, not obeyed');
    assert.match(shown.payloadTitle, /Statement, decoded from the payload/);
    assert.match(shown.payloadText, /"predicateType"/);
    await page.screenshot({ path: resolve(process.env.RENDER_SHOTS ?? '/tmp', 'inspector-attestation.png'), fullPage: true });
    type Posted = { type: string; method?: string; params?: Record<string, unknown> };
    await page.locator('table.subjects button.digest').click();
    const asked = await page.waitForFunction(
      () => (window as unknown as { __posted: Posted[] }).__posted.find((m) => m.method === 'page')?.params,
      undefined,
      { timeout: 10_000 },
    );
    const location = (await asked.jsonValue()) as Record<string, unknown>;
    assert.deepEqual([location.kind, location.digest], ['manifest', D(1)]);
  });

  for (const format of ['JWS', 'COSE'] as const)
    it(`shows a Notary Project signature (${format}) as a signature that notation verifies, its payload decoded`, async () => {
      const { page } = workbench!;
      const target = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D(1), size: 500 };
      const model =
        format === 'JWS'
          ? blobPage(fileBlob(D(51), 'application/jose+json'), notaryEnvelope(target))
          : coseEnvelopePage(fileBlob(D(53), 'application/cose'), notaryCoseEnvelope(target));
      await renderPage(page, model, {});
      const shown = await page.evaluate(() => {
        const section = document.querySelector('details[data-section="attestation"]');
        return {
          title: section?.querySelector('summary')?.textContent ?? '',
          text: section?.textContent ?? '',
          headings: Array.from(section?.querySelectorAll('h3') ?? []).map((h) => h.textContent ?? ''),
          payloadTitle: document.querySelector('details[data-section="payload"] summary')?.textContent ?? '',
        };
      });
      assert.match(shown.title, /Signature/);
      assert.match(shown.text, /Read, not verified: no signature is checked here\. notation verify checks it against a trust policy\./);
      assert.doesNotMatch(shown.text, /cosign/);
      assert.match(shown.text, /Signing schemenotary\.x509/);
      assert.match(shown.text, /Signed byC=US, ST=WA, L=Seattle, O=Notary, CN=wabbit-networks\.io/);
      assert.deepEqual(shown.headings, ['Signs']);
      assert.match(shown.payloadTitle, /Signed payload, decoded/);
    });

  it('shows the other names Grype gives a finding under its advisory, and the filter finds it by them', async () => {
    const { page } = workbench!;
    const related = GRYPE_LODASH_REPORT.matches[1]!;
    const model = blobPage(fileBlob(D(54), 'application/json'), {
      ...GRYPE_LODASH_REPORT,
      matches: [
        ...GRYPE_LODASH_REPORT.matches,
        { ...related, vulnerability: { id: 'GHSA-aaaa-bbbb-cccc', severity: 'Low' }, relatedVulnerabilities: [{ id: 'evil\u202Egpj' }] },
      ],
    });
    await renderPage(page, model, {});
    const section = page.locator('details[data-section="vulnerabilities"]');
    const advisories = section.locator('table.vulnerabilities tbody tr td:first-child');
    assert.deepEqual(await advisories.allTextContents(), [
      'GHSA-jf85-cpcp-j695also CVE-2019-10744',
      'GHSA-jf85-cpcp-j695also CVE-2019-10744',
      'CVE-2024-2961',
      'GHSA-aaaa-bbbb-ccccalso evil\\u202Egpj',
    ]);
    await section.locator('input.vulnerabilities-filter').fill('CVE-2019-10744');
    assert.equal(await section.locator('table.vulnerabilities tbody tr').count(), 2, 'found by the CVE Grype relates it to');
    assert.match((await section.locator('.vulnerabilities-status').textContent()) ?? '', /2 of 4 findings match/);
  });

  it("shows a scan's findings by severity, narrows them with the filter, and opens an advisory on osv.dev", async () => {
    const { page } = workbench!;
    const model = blobPage(fileBlob(D(52), 'application/json'), {
      ...TRIVY_REPORT,
      Results: [
        ...TRIVY_REPORT.Results,
        { Target: 'x', Vulnerabilities: [{ VulnerabilityID: 'CVE-2099-1', PkgName: 'evil\u202Egpj', Severity: 'LOW' }] },
      ],
    });
    await renderPage(page, model, {});
    const section = page.locator('details[data-section="vulnerabilities"]');
    assert.equal(await section.locator('.vulnerability-counts').textContent(), '1 critical · 1 high · 1 medium · 2 low');
    assert.deepEqual(await section.locator('table.vulnerabilities tbody tr td:first-child').allTextContents(), [
      'GHSA-3h5v-q93c-6h6q',
      'CVE-2024-2961',
      'CVE-2023-5678',
      'CVE-2011-3374',
      'CVE-2099-1',
    ]);
    assert.match(
      (await section.locator('table.vulnerabilities tbody tr').last().textContent()) ?? '',
      /evil\\u202Egpj/,
      'the override shows as an escape',
    );
    await section.locator('input.vulnerabilities-filter').fill('libc6');
    assert.equal(await section.locator('table.vulnerabilities tbody tr').count(), 1);
    assert.match((await section.locator('.vulnerabilities-status').textContent()) ?? '', /1 of 5 findings match/);
    assert.equal(await section.locator('table.vulnerabilities tbody tr td:nth-child(5)').textContent(), '2.36-9+deb12u7');
    await section.locator('input.vulnerabilities-filter').fill('apt');
    assert.equal(await section.locator('table.vulnerabilities tbody tr td:nth-child(5)').textContent(), 'not fixed');
    await page.screenshot({ path: resolve(process.env.RENDER_SHOTS ?? '/tmp', 'inspector-vulnerabilities.png'), fullPage: true });
    await section.locator('table.vulnerabilities tbody tr button').first().click();
    type Posted = { type: string; method?: string; params?: Record<string, unknown> };
    const asked = await page.waitForFunction(
      () => (window as unknown as { __posted: Posted[] }).__posted.find((m) => m.method === 'openExternal')?.params,
      undefined,
      { timeout: 10_000 },
    );
    assert.deepEqual(await asked.jsonValue(), { url: 'https://osv.dev/vulnerability/CVE-2011-3374' });
  });

  it("shows a VEX document's statements by status, in its order, as text, narrows them with the filter, and opens an advisory", async () => {
    const { page } = workbench!;
    const hostile = '<img src=x onerror="window.__pwned=1">';
    const model = blobPage(fileBlob(D(53), 'application/vnd.openvex+json'), {
      ...OPENVEX_DOCUMENT,
      author: `${hostile}\u202E`,
      statements: [
        ...OPENVEX_DOCUMENT.statements,
        { vulnerability: { name: hostile }, status: 'affected', impact_statement: `evil\u202Egpj ${hostile}`, timestamp: 'yesterday' },
      ],
    });
    await renderPage(page, model, {});
    const section = page.locator('details[data-section="vex"]');
    assert.match((await section.locator('summary').textContent()) ?? '', /VEX statements \(OpenVEX\)\s*5/);
    assert.equal(
      await section.locator('.vex-counts').textContent(),
      `2 affected · 1 under investigation · 1 fixed · 1 not affected — as ${hostile}\\u202E stated it on 2026-11-01 00:00 UTC (version 1)`,
    );
    const rows = section.locator('table.vex tbody tr');
    assert.deepEqual(await section.locator('table.vex tbody tr td:first-child').allTextContents(), [
      'CVE-2024-2961GHSA-xxxx-2961',
      'CVE-2011-3374',
      'GHSA-3h5v-q93c-6h6q',
      'CVE-2023-5678',
      hostile,
    ]);
    assert.deepEqual(await section.locator('table.vex tbody tr td:nth-child(2) .vex-badge').allTextContents(), [
      'not affected',
      'affected',
      'fixed',
      'under investigation',
      'affected',
    ]);
    assert.deepEqual(await rows.first().locator('td').allTextContents(), [
      'CVE-2024-2961GHSA-xxxx-2961',
      'not affected',
      'vulnerable code not in execute path',
      'libc6pkg:deb/debian/libc6@2.36-9+deb12u4?arch=amd64in pkg:oci/app@sha256%3A0123?repository_url=registry.test/team/app',
      'The app never calls iconv() with ISO-2022-CN-EXT.',
    ]);
    assert.equal(await rows.nth(1).locator('td:nth-child(5)').textContent(), 'Action: Remove apt from the final stage.');
    // A statement's own time, to the minute; one that is not a time, as written.
    assert.equal(await rows.nth(2).locator('td:nth-child(2)').textContent(), 'fixed2026-11-03 12:30 UTC');
    assert.equal(await rows.nth(4).locator('td:nth-child(2)').textContent(), 'affectedyesterday');
    assert.equal(await rows.nth(4).locator('td:nth-child(5)').textContent(), `evil\\u202Egpj ${hostile}`);
    assert.equal(await section.locator('img').count(), 0, 'registry text never becomes markup');
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    // Only identifiers osv.dev serves are links.
    assert.equal(await section.locator('table.vex tbody tr td:first-child button').count(), 4);

    const filter = section.locator('input.vex-filter');
    await filter.fill('libc6');
    assert.equal(await rows.count(), 1);
    assert.match((await section.locator('.vex-status').textContent()) ?? '', /1 of 5 statements match/);
    await filter.fill('not in execute path');
    assert.deepEqual(await section.locator('table.vex tbody tr td:first-child').allTextContents(), ['CVE-2024-2961GHSA-xxxx-2961']);
    await filter.fill('under investigation');
    assert.deepEqual(await section.locator('table.vex tbody tr td:first-child').allTextContents(), ['CVE-2023-5678']);
    await filter.fill('');
    assert.equal(await rows.count(), 5);
    await page.screenshot({ path: resolve(process.env.RENDER_SHOTS ?? '/tmp', 'inspector-vex.png'), fullPage: true });

    await rows.nth(1).locator('td:first-child button').click();
    type Posted = { type: string; method?: string; params?: Record<string, unknown> };
    const asked = await page.waitForFunction(
      () => (window as unknown as { __posted: Posted[] }).__posted.find((m) => m.method === 'openExternal')?.params,
      undefined,
      { timeout: 10_000 },
    );
    assert.deepEqual(await asked.jsonValue(), { url: 'https://osv.dev/vulnerability/CVE-2011-3374' });
  });

  it("a file's name gives way (cut, with an ellipsis) before the Mode column, whether or not it opens the file", async () => {
    const { page } = workbench!;
    const viewport = page.viewportSize();
    const long = `${'a-configuration-file-with-a-long-name-'.repeat(4)}.conf`;
    try {
      await showImageFiles(page, [
        fileRow('system-release', {
          type: 'symlink',
          mode: 'lrwxrwxrwx',
          linkTarget: { text: 'os-release' },
          layer: fileLayer(1),
          leadsTo: { path: 'etc/os-release', layer: fileLayer(0) },
        }),
        fileRow(long, { layer: fileLayer(0) }),
        fileRow(`.wh.${long}`, { whiteout: { text: long }, layer: fileLayer(1) }),
      ]);
      await page.addStyleTag({ content: readFileSync(STYLES, 'utf8') });
      const measure = (): Promise<NameLayout[]> =>
        page.evaluate(() =>
          Array.from(document.querySelectorAll('.f-row:not(.f-head)')).map((row) => {
            const label = row.querySelector<HTMLElement>('.f-name > button.f-open, .f-name > .mono')!;
            const style = getComputedStyle(label);
            return {
              name: label.textContent ?? '',
              opens: label.matches('button.f-open'),
              right: label.getBoundingClientRect().right,
              columnRight: row.querySelector('.f-name')!.getBoundingClientRect().right,
              modeLeft: row.querySelector('.f-mode')!.getBoundingClientRect().left,
              cut: label.scrollWidth > label.clientWidth,
              clipped: style.overflowX === 'hidden' && style.textOverflow === 'ellipsis',
            };
          }),
        );
      // 460 pixels: the width the e2e's All files panel has beside an opened file (step 14e).
      for (const width of [460, 1000]) {
        await page.setViewportSize({ width, height: 600 });
        const rows = await measure();
        assert.deepEqual(
          rows.map((r) => [r.name, r.opens]),
          [
            ['system-release', true],
            [long, true],
            [`.wh.${long}`, false],
          ],
        );
        for (const row of rows) {
          assert.ok(row.right <= row.modeLeft, `at ${width}px, ${row.name} ends (${row.right}) before the Mode column (${row.modeLeft})`);
          assert.ok(!row.cut || row.clipped, `at ${width}px, ${row.name}, cut, is clipped with an ellipsis`);
        }
        const [, lone, whiteout] = rows;
        assert.ok(lone!.cut && whiteout!.cut, `at ${width}px, the long names are cut`);
        // Nothing follows the file's name but its Save button (hidden until the pointer is on the
        // row): it is cut where the column ends, not at the 70% a name keeps to when a link's
        // target, a note or a badge (the whiteout's) follows and gives way first.
        assert.ok(lone!.columnRight - lone!.right < 30, `at ${width}px, the lone name uses the column: ${JSON.stringify(lone)}`);
      }
    } finally {
      if (viewport) await page.setViewportSize(viewport);
    }
  });

  it("lists an SBOM's packages a page at a time, and the filter narrows them as one types", async () => {
    const { page } = workbench!;
    const spdx = {
      spdxVersion: 'SPDX-2.3',
      packages: Array.from({ length: 450 }, (_, i) => ({
        name: i === 7 ? 'openssl' : `lib${i}`,
        versionInfo: `1.${i}`,
        licenseDeclared: i % 2 ? 'MIT' : 'GPL-2.0-only',
        externalRefs: [{ referenceType: 'purl', referenceLocator: `pkg:deb/debian/lib${i}@1.${i}` }],
      })),
    };
    const model = blobPage(
      {
        kind: 'blob',
        host: 'registry.test:5000',
        repository: 'team/app',
        digest: D(60),
        size: 90_000,
        mediaType: 'application/spdx+json',
        role: 'file',
      },
      spdx,
    );
    await renderPage(page, model, {});
    const section = page.locator('details[data-section="sbom"]');
    const rows = section.locator('table.sbom tbody tr');
    assert.equal(await rows.count(), 200, 'the first page of rows');
    assert.match((await section.locator('summary').textContent()) ?? '', /Packages \(SPDX-2\.3\)\s*450/);
    await section.getByText('Show 200 more of 250').click();
    assert.equal(await rows.count(), 400);
    await section.locator('input.sbom-filter').fill('OpenSSL');
    assert.equal(await rows.count(), 1);
    assert.deepEqual(await rows.first().locator('td').allTextContents(), ['openssl', '1.7', 'MIT', 'pkg:deb/debian/lib7@1.7']);
    assert.match((await section.locator('.sbom-status').textContent()) ?? '', /1 of 450 packages match/);
    await section.locator('input.sbom-filter').fill('gpl');
    assert.equal(await rows.count(), 200, 'a new filter starts again at its first page');
    assert.match((await section.getByText(/^Show \d+ more/).textContent()) ?? '', /Show 25 more of 25/);
    await section.locator('input.sbom-filter').fill('');
    assert.equal(await rows.count(), 200);
  });
});
