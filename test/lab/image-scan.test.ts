// An image's vulnerability scan found on a real CNCF Distribution registry wherever the tools put
// it, then two builds' findings compared: `cosign attest --type vuln` given a tag (so under the
// index's `sha256-<hex>.att`, beside an SBOM attestation in the same manifest), Trivy's SARIF
// attached as a referrer of a platform image the way `trivy referrer put` and `oras attach` do (an
// SPDX referrer beside it never read), and cosign's vuln predicate attached as plain JSON. The
// image is searched first, then what is attached to the index it was reached through. The second
// build's OpenVEX attestation (vexctl attest) leaves a finding out of the comparison. One build
// scanned by Trivy and by Grype: one flaw under a CVE and a GitHub advisory is paired, not new and gone.
// Attestation layers that name no predicate, which the scan and then the VEX search both read to
// see what they hold, are fetched once.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import * as core from '../../src/core/index';
import { ContentCache } from '../../src/common/content-cache';
import { InspectorService } from '../../src/webviews/inspector/service';
import { compareImageScans, findScanWithVex } from '../../src/core/operations/compare-scans';
import { compareVulnerabilities } from '../../src/core/operations/compare-vulnerabilities';
import { findImageSbom } from '../../src/core/operations/image-sbom';
import { findImageScan } from '../../src/core/operations/image-scan';
import type { ImageIndex } from '../../src/core/oci/manifest';
import type { RegistrySession } from '../../src/core/registry/session';
import { labSpdx, LAB_PACKAGES, OciLayout, pushReferrer, pushToRegistry, referrersTag, type Descriptor } from '../support/lab/content';
import { plainSession } from '../support/lab/lab-helpers';
import { Lab, type LabRegistry } from '../support/lab/registry';
import {
  cosignVulnPredicate,
  GRYPE_LODASH_REPORT,
  TRIVY_LODASH_REPORT,
  TRIVY_NEXT_REPORT,
  TRIVY_REPORT,
  TRIVY_SARIF_REPORT,
} from '../support/scan-reports';

/** A DSSE envelope of an in-toto statement about `subject` (not signed: nothing here is verified). */
function envelope(subject: Descriptor, predicateType: string, predicate: unknown): string {
  const statement = {
    _type: 'https://in-toto.io/Statement/v0.1',
    predicateType,
    subject: [{ name: 'lab/app', digest: { sha256: subject.digest.slice('sha256:'.length) } }],
    predicate,
  };
  return JSON.stringify({
    payloadType: 'application/vnd.in-toto+json',
    payload: Buffer.from(JSON.stringify(statement)).toString('base64'),
    signatures: [{ keyid: '', sig: Buffer.from('not a real signature').toString('base64') }],
  });
}

describe("an image's vulnerability scan, found where each tool puts it (lab)", function () {
  this.timeout(120_000);
  let lab: Lab;
  let session: RegistrySession;
  let registry: LabRegistry;
  const digests: Record<string, string> = {};
  const indexes: Record<string, { index: ImageIndex; digest: string }> = {};
  /** The provenance, scan and VEX layers of unnamed/app's `.att` manifest, in that order. */
  let unnamedLayers: string[] = [];

  before(async () => {
    lab = await Lab.create();
    registry = await lab.startRegistry({ name: 'image-scan' });
    const layout = await OciLayout.create(join(lab.dir, 'content', 'image-scan'));

    // cosign attest --type vuln app:N (and --type cyclonedx before it): both envelopes in the
    // index's `.att` manifest, each layer annotated with its predicate type, the SBOM first.
    for (const [tag, report] of [
      ['1', TRIVY_REPORT],
      ['2', TRIVY_NEXT_REPORT],
    ] as const) {
      const built = await layout.attestedIndex({ seed: `scan-build-${tag}`, ref: tag });
      await pushToRegistry(layout, built, registry, `cosign/app:${tag}`);
      digests[`cosign-${tag}`] = built.children[0]!.descriptor.digest;
      indexes[`cosign-${tag}`] = { index: built.manifest as unknown as ImageIndex, digest: built.descriptor.digest };
      const bom = {
        bomFormat: 'CycloneDX',
        specVersion: '1.5',
        components: LAB_PACKAGES.map(([name, version]) => ({ type: 'library', name, version })),
      };
      const att = await layout.artifact({
        artifactType: 'application/vnd.dsse.envelope.v1+json',
        files: {
          'sbom.att.json': {
            data: envelope(built.descriptor, 'https://cyclonedx.org/bom', bom),
            mediaType: 'application/vnd.dsse.envelope.v1+json',
            annotations: { predicateType: 'https://cyclonedx.org/bom' },
          },
          'vuln.att.json': {
            data: envelope(built.descriptor, 'https://cosign.sigstore.dev/attestation/vuln/v1', cosignVulnPredicate(report)),
            mediaType: 'application/vnd.dsse.envelope.v1+json',
            annotations: { predicateType: 'https://cosign.sigstore.dev/attestation/vuln/v1' },
          },
          // vexctl attest --attach on the second build: curl's new critical does not affect it.
          ...(tag === '2'
            ? {
                'vex.att.json': {
                  data: envelope(built.descriptor, 'https://openvex.dev/ns/v0.2.0', {
                    '@context': 'https://openvex.dev/ns/v0.2.0',
                    '@id': 'https://example.test/vex/app-2',
                    author: 'App team',
                    timestamp: '2026-12-05T06:00:00Z',
                    version: 1,
                    statements: [
                      {
                        vulnerability: { name: 'CVE-2024-9999' },
                        products: [{ '@id': 'pkg:oci/app', subcomponents: [{ '@id': 'pkg:deb/debian/curl@7.88.1' }] }],
                        status: 'not_affected',
                        justification: 'vulnerable_code_not_in_execute_path',
                      },
                      // About this build's index, by digest (the colon encoded, as the purl spec asks): applied.
                      {
                        vulnerability: { name: 'CVE-2011-3374' },
                        products: [{ '@id': `pkg:oci/app@${built.descriptor.digest.replace(':', '%3A')}` }],
                        status: 'not_affected',
                        justification: 'component_not_present',
                      },
                      // About another build, by digest: not this one's to decide, so not applied.
                      {
                        vulnerability: { name: 'CVE-2023-5678' },
                        products: [{ '@id': `pkg:oci/app@sha256%3A${'f'.repeat(64)}` }],
                        status: 'not_affected',
                        justification: 'vulnerable_code_not_present',
                      },
                    ],
                  }),
                  mediaType: 'application/vnd.dsse.envelope.v1+json',
                  annotations: { predicateType: 'https://openvex.dev/ns/v0.2.0' },
                },
              }
            : {}),
        },
      });
      await pushToRegistry(layout, att, registry, `cosign/app:${referrersTag(built.descriptor.digest)}.att`);
    }

    // trivy referrer put, on a platform image: an SPDX SBOM, then Trivy's SARIF.
    const image = await layout.image({ seed: 'scan-sarif', layers: [2048] });
    await pushToRegistry(layout, image, registry, 'sarif/app:1');
    digests.sarif = image.descriptor.digest;
    const spdx = await layout.artifact({
      artifactType: 'application/spdx+json',
      files: { 'sbom.spdx.json': { data: JSON.stringify(labSpdx('sarif/app', LAB_PACKAGES)), mediaType: 'application/spdx+json' } },
      subject: image.descriptor,
    });
    await pushReferrer(layout, spdx, registry, 'sarif/app');
    digests.spdx = spdx.descriptor.digest;
    const sarif = await layout.artifact({
      artifactType: 'application/sarif+json',
      files: { 'trivy.sarif': { data: JSON.stringify(TRIVY_SARIF_REPORT), mediaType: 'application/sarif+json' } },
      subject: image.descriptor,
    });
    await pushReferrer(layout, sarif, registry, 'sarif/app');

    // The referrer plugin's cosign-vuln: the predicate alone, typed plain JSON.
    const plain = await layout.image({ seed: 'scan-json', layers: [2048] });
    await pushToRegistry(layout, plain, registry, 'json/app:1');
    digests.json = plain.descriptor.digest;
    const json = await layout.artifact({
      artifactType: 'application/json',
      files: { 'vuln.json': { data: JSON.stringify(cosignVulnPredicate(TRIVY_REPORT)), mediaType: 'application/json' } },
      subject: plain.descriptor,
    });
    await pushReferrer(layout, json, registry, 'json/app');

    // One build scanned twice, by Trivy and by Grype, each report attached as plain JSON (`oras attach
    // --artifact-type application/json`). Grype names lodash's flaw by its GitHub advisory, the CVE
    // related; Trivy by the CVE. The Grype-scanned copy also carries an OpenVEX referrer about the CVE.
    for (const [key, report, vex] of [
      ['trivy', TRIVY_LODASH_REPORT, false],
      ['grype', GRYPE_LODASH_REPORT, false],
      ['grype-vex', GRYPE_LODASH_REPORT, true],
    ] as const) {
      const scanned = await layout.image({ seed: `scan-pair-${key}`, layers: [2048] });
      await pushToRegistry(layout, scanned, registry, `pair/${key}:1`);
      digests[`pair-${key}`] = scanned.descriptor.digest;
      const attached = await layout.artifact({
        artifactType: 'application/json',
        files: { 'scan.json': { data: JSON.stringify(report), mediaType: 'application/json' } },
        subject: scanned.descriptor,
      });
      await pushReferrer(layout, attached, registry, `pair/${key}`);
      if (!vex) continue;
      const openvex = await layout.artifact({
        artifactType: 'application/vnd.openvex+json',
        files: {
          'app.vex.json': {
            data: JSON.stringify({
              '@context': 'https://openvex.dev/ns/v0.2.0',
              '@id': 'https://example.test/vex/pair',
              author: 'App team',
              timestamp: '2026-12-05T06:00:00Z',
              version: 1,
              statements: [
                { vulnerability: { name: 'CVE-2019-10744' }, status: 'not_affected', justification: 'vulnerable_code_not_present' },
              ],
            }),
            mediaType: 'application/vnd.openvex+json',
          },
        },
        subject: scanned.descriptor,
      });
      await pushReferrer(layout, openvex, registry, `pair/${key}`);
    }

    // Attestations under the image's `.att` tag whose layers name no predicate type (as a tool that
    // leaves out cosign's annotation writes them): the scan search and then the VEX search read
    // each to see what it holds, the provenance and the scan report by both.
    const unnamed = await layout.image({ seed: 'scan-unnamed', layers: [2048] });
    await pushToRegistry(layout, unnamed, registry, 'unnamed/app:1');
    digests.unnamed = unnamed.descriptor.digest;
    const dsse = 'application/vnd.dsse.envelope.v1+json';
    const unnamedAtt = await layout.artifact({
      artifactType: dsse,
      files: {
        'provenance.att.json': {
          data: envelope(unnamed.descriptor, 'https://slsa.dev/provenance/v0.2', { builder: { id: 'https://example.test/builder' } }),
          mediaType: dsse,
        },
        'vuln.att.json': {
          data: envelope(unnamed.descriptor, 'https://cosign.sigstore.dev/attestation/vuln/v1', cosignVulnPredicate(TRIVY_NEXT_REPORT)),
          mediaType: dsse,
        },
        'vex.att.json': {
          data: envelope(unnamed.descriptor, 'https://openvex.dev/ns/v0.2.0', {
            '@context': 'https://openvex.dev/ns/v0.2.0',
            '@id': 'https://example.test/vex/unnamed',
            author: 'App team',
            timestamp: '2026-12-05T06:00:00Z',
            version: 1,
            statements: [
              { vulnerability: { name: 'CVE-2024-9999' }, status: 'not_affected', justification: 'vulnerable_code_not_present' },
            ],
          }),
          mediaType: dsse,
        },
      },
    });
    await pushToRegistry(layout, unnamedAtt, registry, `unnamed/app:${referrersTag(unnamed.descriptor.digest)}.att`);
    unnamedLayers = (unnamedAtt.manifest.layers as Descriptor[]).map((layer) => layer.digest);

    const bare = await layout.image({ seed: 'scan-none', layers: [2048] });
    await pushToRegistry(layout, bare, registry, 'bare/app:1');
    digests.bare = bare.descriptor.digest;

    session = plainSession(registry.url);
  });

  after(async () => {
    await session?.close();
    await lab?.stopAll();
  });

  const repository = (name: string) => session.registry(registry.host).repository(name);
  const through = (key: string) => ({ index: indexes[key]!.index, indexDigest: indexes[key]!.digest });

  it("finds cosign's vuln attestation under the index's .att tag for a platform image, and compares two builds' findings", async () => {
    const first = await findImageScan(repository('cosign/app'), digests['cosign-1']!, through('cosign-1'));
    const second = await findImageScan(repository('cosign/app'), digests['cosign-2']!, through('cosign-2'));
    assert.deepEqual([first.problems, second.problems], [[], []]);
    assert.equal(first.found?.place, 'cosign-tag');
    assert.equal(first.found?.ofIndex, true, 'attached to the index the tag names, not to the platform image');
    assert.equal(first.found?.document.format, 'Trivy');
    assert.equal(first.found?.document.scanner, 'trivy 0.50.1');
    const diff = compareVulnerabilities(first.found!.document.vulnerabilities, second.found!.document.vulnerabilities);
    assert.deepEqual(
      diff.introduced.map((v) => `${v.severity} ${v.id} ${v.package}`),
      ['Critical CVE-2024-9999 curl'],
    );
    assert.deepEqual(
      diff.resolved.map((v) => `${v.severity} ${v.id} ${v.package}`),
      ['High CVE-2024-2961 libc6'],
    );
    assert.deepEqual(
      diff.changed.map((c) => `${c.id} ${c.package}: ${c.installed.before} → ${c.installed.after}`),
      ['GHSA-3h5v-q93c-6h6q ws: 8.11.0 → 8.13.0'],
    );
    assert.equal(diff.unchanged, 2, 'libssl3 and apt');

    // The SBOM finder reads the other envelope of the same `.att` manifest.
    const sbom = await findImageSbom(repository('cosign/app'), digests['cosign-1']!, through('cosign-1'));
    assert.equal(sbom.found?.place, 'cosign-tag');
    assert.equal(sbom.found?.ofIndex, true);
    assert.equal(sbom.found?.sbom.format, 'CycloneDX 1.5');
  });

  it("compares the two builds' findings with each one's VEX applied: what the second's leaves out is listed apart, not new", async () => {
    const subject = (key: string) => ({ repository: repository('cosign/app'), digest: digests[key]!, options: through(key) });
    const logged = registry.readLog().length;
    const { before, after, comparison } = await compareImageScans(subject('cosign-1'), subject('cosign-2'));
    // The VEX search walks the places the scan search did: each listing and manifest is asked for once.
    const requests = registry.readLog().slice(logged);
    const count = (path: string) => requests.split('\n').filter((line) => line.includes(`GET ${path} `)).length;
    const att = `/v2/cosign/app/manifests/${referrersTag(indexes['cosign-2']!.digest)}.att`;
    assert.equal(count(att), 1, `the index's .att tag read once:\n${requests}`);
    assert.equal(count(`/v2/cosign/app/manifests/${referrersTag(digests['cosign-2']!)}`), 1, "the image's referrers listed once");
    assert.equal(before.vex?.found, undefined, 'the first build has no VEX');
    assert.deepEqual(before.vex?.problems, []);
    assert.equal(after.vex?.found?.place, 'cosign-tag');
    assert.equal(after.vex?.found?.document.author, 'App team');
    assert.deepEqual(
      after.suppressed.map(({ finding, statement }) => `${finding.id} ${finding.package} ${statement.status} ${statement.justification}`),
      ['CVE-2024-9999 curl not_affected vulnerable_code_not_in_execute_path', 'CVE-2011-3374 apt not_affected component_not_present'],
      "curl's by name; apt's by the index's digest",
    );
    assert.equal(after.aboutOtherImages, 1, "the statement about another build's digest is not applied");
    assert.deepEqual(comparison?.introduced, [], "curl's critical is left out by the second build's VEX");
    assert.deepEqual(
      comparison?.resolved.map((v) => v.id),
      ['CVE-2024-2961', 'CVE-2011-3374'],
      "libssl3's CVE-2023-5678 stays: only another build's VEX calls it not affected",
    );
    assert.equal(comparison?.counts.after.Critical, 1, 'ws only');
    const bare = await compareImageScans(subject('cosign-1'), { repository: repository('bare/app'), digest: digests.bare! });
    assert.equal(bare.comparison, undefined);
    assert.equal(bare.after.vex, undefined, 'no VEX is looked for without a scan');
  });

  it('reads each attestation layer that names no predicate once, though the scan and the VEX search both read it', async () => {
    const logged = registry.readLog().length;
    const { side, kept } = await findScanWithVex({ repository: repository('unnamed/app'), digest: digests.unnamed! });
    const requests = registry.readLog().slice(logged);
    assert.deepEqual([side.scan.problems, side.vex?.problems], [[], []]);
    assert.equal(side.scan.found?.blob, unnamedLayers[1], 'the scan is the second layer, read after the provenance');
    assert.equal(side.vex?.found?.blob, unnamedLayers[2], 'the VEX is the third, read after the provenance and the scan');
    assert.deepEqual(
      side.suppressed.map(({ finding }) => finding.id),
      ['CVE-2024-9999'],
    );
    assert.ok(!kept?.some((v) => v.id === 'CVE-2024-9999'));
    const gets = (digest: string) => requests.split('\n').filter((line) => line.includes(`GET /v2/unnamed/app/blobs/${digest} `)).length;
    assert.deepEqual(unnamedLayers.map(gets), [1, 1, 1], `each layer fetched once (provenance, scan, VEX):\n${requests}`);
  });

  it("sums an image's scan up for its inspector page, reached from its index, its VEX applied", async () => {
    const service = new InspectorService(() => session, core, new ContentCache(() => core));
    const place = { host: registry.host, repository: 'cosign/app' };
    const scan = await service.imageScan(
      { ...place, digest: digests['cosign-2']!, index: indexes['cosign-2']!.digest },
      new AbortController().signal,
    );
    assert.deepEqual(scan.problems, []);
    assert.equal(scan.found?.place, "cosign's .att tag of the index");
    assert.equal(scan.found?.scanner?.text, 'trivy 0.50.1');
    assert.deepEqual(
      scan.found?.counts,
      { Critical: 1, High: 0, Medium: 1, Low: 0, Negligible: 0, Unknown: 0 },
      "curl's critical and apt's low left out; libssl3's medium kept",
    );
    assert.equal(scan.found?.suppressed, 2);
    assert.equal(scan.found?.vexAboutOtherImages, 1);
    assert.equal(scan.found?.vexAuthor?.text, 'App team');
    assert.equal(scan.found?.report.kind, 'manifest');
    // Opened without its index, the platform image has nothing of its own: said, with where it looked.
    const alone = await service.imageScan({ ...place, digest: digests['cosign-2']! }, new AbortController().signal);
    assert.equal(alone.found, undefined);
    assert.match(
      alone.missing ?? '',
      /^No vulnerability scan was found \(the image's scan referrers and cosign's \.att tag were looked at\)\. `trivy image/,
    );
  });

  it("without the index's digest, what is attached to the index is not looked at, and missing tags are no problem", async () => {
    const logged = registry.readLog().length;
    const search = await findImageScan(repository('cosign/app'), digests['cosign-1']!, { index: indexes['cosign-1']!.index });
    assert.deepEqual(search, { problems: [] });
    const requests = registry.readLog().slice(logged);
    assert.ok(!requests.includes(referrersTag(indexes['cosign-1']!.digest)), "the index's tags were not asked for");
    assert.deepEqual(await findImageScan(repository('bare/app'), digests.bare!), { problems: [] });
  });

  it("finds Trivy's SARIF attached as a referrer, past an SPDX referrer it never reads", async () => {
    const logged = registry.readLog().length;
    const search = await findImageScan(repository('sarif/app'), digests.sarif!);
    const requests = registry.readLog().slice(logged);
    assert.ok(!requests.includes(digests.spdx!), 'the SBOM referrer was not read');
    assert.deepEqual(search.problems, []);
    assert.equal(search.found?.place, 'referrer');
    assert.equal(search.found?.ofIndex, undefined);
    assert.equal(search.found?.document.format, 'SARIF');
    assert.ok(search.found!.document.vulnerabilities.length > 0);
  });

  it("finds cosign's vuln predicate attached as plain JSON, as Trivy's referrer plugin attaches it", async () => {
    const search = await findImageScan(repository('json/app'), digests.json!);
    assert.deepEqual(search.problems, []);
    assert.equal(search.found?.place, 'referrer');
    assert.deepEqual(
      search.found?.document.vulnerabilities.map((v) => v.id),
      ['GHSA-3h5v-q93c-6h6q', 'CVE-2024-2961', 'CVE-2023-5678', 'CVE-2011-3374'],
    );
  });

  it("pairs Trivy's CVE with Grype's GitHub advisory for it, and a VEX about the CVE decides Grype's finding", async () => {
    const subject = (key: string) => ({ repository: repository(`pair/${key}`), digest: digests[`pair-${key}`]! });
    const { before, after, comparison } = await compareImageScans(subject('trivy'), subject('grype'));
    assert.equal(before.scan.found?.document.format, 'Trivy');
    assert.equal(after.scan.found?.document.scanner, 'grype 0.79.0');
    assert.deepEqual([comparison?.introduced, comparison?.resolved], [[], []], 'one flaw under two names is neither new nor gone');
    assert.deepEqual(
      comparison?.changed.map((c) => [c.id, c.firstId, c.package, c.installed.before, c.installed.after]),
      [['GHSA-jf85-cpcp-j695', 'CVE-2019-10744', 'lodash', '4.17.11', '4.17.11, 4.17.15']],
    );
    assert.equal(comparison?.unchanged, 1, "libc6's CVE, named alike");

    const withVex = await compareImageScans(subject('trivy'), subject('grype-vex'));
    assert.deepEqual(
      withVex.after.suppressed.map(
        ({ finding, statement }) => `${finding.id} ${finding.installed} ${statement.vulnerability} ${statement.status}`,
      ),
      ['GHSA-jf85-cpcp-j695 4.17.11 CVE-2019-10744 not_affected', 'GHSA-jf85-cpcp-j695 4.17.15 CVE-2019-10744 not_affected'],
      'both copies of lodash',
    );
    assert.deepEqual(
      withVex.comparison?.resolved.map((v) => v.id),
      ['CVE-2019-10744'],
      'gone from the second only by its VEX (the page marks it so)',
    );
  });

  it('is cancelled when asked, without reading on', async () => {
    const abort = new AbortController();
    abort.abort();
    await assert.rejects(
      findImageScan(repository('sarif/app'), digests.sarif!, { signal: abort.signal }),
      (err: { code?: string; name?: string }) => err.code === 'CANCELLED' || err.name === 'AbortError',
    );
  });
});
