// SBOMs and attestations larger than a config, opened in the inspector from a real CNCF Distribution
// registry: a 6 MiB SPDX statement (as BuildKit pushes a Node image's SBOM) and a 4+ MiB SARIF scan
// report are read whole, checked and listed, while plain JSON of the same size is still refused at
// the 4 MiB configs have, and a document over the 32 MiB cap is refused before any request. And a
// Notary Project signature in a COSE envelope (binary CBOR, not JSON) is read from its bytes to the
// signature's facts.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import * as core from '../../src/core/index';
import type { RegistrySession } from '../../src/core/registry/session';
import { ContentCache } from '../../src/common/content-cache';
import { InspectorService } from '../../src/webviews/inspector/service';
import type { BlobLocation } from '../../src/webviews/inspector/protocol';
import { OciLayout, pushToRegistry } from '../support/lab/content';
import { plainSession } from '../support/lab/lab-helpers';
import { Lab } from '../support/lab/registry';
import { notaryCoseEnvelope } from '../support/signing-certificates';

const MIB = 1024 * 1024;

/** An SPDX statement of `count` packages, as Syft names Debian's, padded to about `bytes`. */
function spdxStatement(count: number): string {
  const packages = Array.from({ length: count }, (_, i) => ({
    name: `package-${i}`,
    SPDXID: `SPDXRef-Package-deb-package-${i}`,
    versionInfo: `1.${i}.0-1`,
    licenseDeclared: 'MIT',
    externalRefs: [
      { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: `pkg:deb/debian/package-${i}@1.${i}.0-1` },
    ],
  }));
  return JSON.stringify({
    _type: 'https://in-toto.io/Statement/v0.1',
    predicateType: 'https://spdx.dev/Document',
    subject: [{ name: 'pkg:docker/big/app@v1', digest: { sha256: 'a'.repeat(64) } }],
    predicate: { spdxVersion: 'SPDX-2.3', name: 'big/app', packages },
  });
}

/** Trivy's SARIF of an image with `count` findings, one rule and one result each, as Trivy writes them. */
function trivySarif(count: number): string {
  const ids = Array.from({ length: count }, (_, i) => `CVE-2024-${String(10_000 + i)}`);
  return JSON.stringify({
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: {
          driver: {
            name: 'Trivy',
            version: '0.56.2',
            rules: ids.map((id) => ({
              id,
              name: 'OsPackageVulnerability',
              shortDescription: { text: `libexample: a flaw numbered ${id}` },
              fullDescription: { text: 'A long description of the flaw, as the advisory gives it. '.repeat(4) },
              properties: { 'security-severity': '7.5', tags: ['vulnerability', 'security', 'HIGH'] },
            })),
          },
        },
        results: ids.map((id, i) => ({
          ruleId: id,
          ruleIndex: i,
          level: 'error',
          message: {
            text: `Package: libexample${i}\nInstalled Version: 1.${i}\nVulnerability ${id}\nSeverity: HIGH\nFixed Version: 1.${i + 1}\nLink: [${id}](https://avd.aquasec.com/nvd/${id.toLowerCase()})`,
          },
          locations: [{ physicalLocation: { artifactLocation: { uri: 'big/app', uriBaseId: 'ROOTPATH' } } }],
        })),
      },
    ],
  });
}

describe('large SBOMs and attestations in the inspector (lab)', function () {
  this.timeout(120_000);
  let lab: Lab;
  let session: RegistrySession;
  let host: string;
  let sbom: BlobLocation;
  let plain: BlobLocation;
  let sarif: BlobLocation;
  let cose: BlobLocation;

  before(async () => {
    lab = await Lab.create();
    const registry = await lab.startRegistry({ name: 'inspector-documents' });
    host = registry.host;
    const layout = await OciLayout.create(join(lab.dir, 'content', 'inspector-documents'));
    const statement = spdxStatement(40_000);
    assert.ok(statement.length > 6 * MIB, `the statement is over 6 MiB (${statement.length} bytes)`);
    const built = await layout.artifact({
      artifactType: 'application/vnd.example.documents',
      files: {
        'sbom.spdx.json': { data: statement, mediaType: 'application/vnd.in-toto+json' },
        'data.json': { data: JSON.stringify({ rows: 'x'.repeat(6 * MIB) }), mediaType: 'application/json' },
        'trivy.sarif': { data: trivySarif(12_000), mediaType: 'application/sarif+json' },
      },
    });
    await pushToRegistry(layout, built, registry, 'big/app:v1');
    // What `notation sign --signature-format cose` pushes: one untitled application/cose layer.
    const signature = await layout.artifact({
      artifactType: 'application/vnd.cncf.notary.signature',
      files: {
        envelope: {
          data: Buffer.from(
            notaryCoseEnvelope({ mediaType: built.descriptor.mediaType, digest: built.descriptor.digest, size: built.descriptor.size }),
          ),
          mediaType: 'application/cose',
          untitled: true,
        },
      },
      subject: built.descriptor,
    });
    await pushToRegistry(layout, signature, registry, 'big/app:notary-cose');
    const [sbomLayer, plainLayer, sarifLayer] = (built.manifest.layers as core.Descriptor[]).map((d) => d);
    assert.ok(sarifLayer!.size > 4 * MIB, `the SARIF report is over 4 MiB (${sarifLayer!.size} bytes)`);
    const at = (d: core.Descriptor): BlobLocation => ({
      kind: 'blob',
      host,
      repository: 'big/app',
      digest: d.digest,
      size: d.size,
      mediaType: d.mediaType,
      role: 'file',
    });
    sbom = at(sbomLayer!);
    plain = at(plainLayer!);
    sarif = at(sarifLayer!);
    cose = at((signature.manifest.layers as core.Descriptor[])[0]!);
    session = plainSession(registry.url);
  });

  after(async () => {
    await session?.close();
    await lab?.stopAll();
  });

  const service = (): InspectorService => new InspectorService(() => session, core, new ContentCache(() => core));

  it('reads a 6 MiB SPDX statement whole and lists its packages, cut to what a page holds', async () => {
    const page = await service().page(sbom, new AbortController().signal);
    assert.equal(page.notice, undefined, page.notice);
    assert.equal(page.attestation?.facts.find((f) => f.label === 'Claim')?.value.text, 'SPDX SBOM');
    assert.equal(page.sbom?.format, 'SPDX-2.3');
    assert.equal(page.sbom?.rows.length, 5000);
    assert.equal(page.sbom?.omitted, 35_000, '20,000 read by the core, 5,000 of them sent; 20,000 never read');
    assert.deepEqual(page.sbom?.rows[1], {
      name: { text: 'package-1' },
      version: { text: '1.1.0-1' },
      license: { text: 'MIT' },
      purl: { text: 'pkg:deb/debian/package-1@1.1.0-1' },
    });
  });

  it("reads Trivy's SARIF report over 4 MiB whole, as a scan report", async () => {
    const page = await service().page(sarif, new AbortController().signal);
    assert.equal(page.notice, undefined, page.notice);
    assert.equal(page.vulnerabilities?.format, 'SARIF');
    assert.equal(page.vulnerabilities?.counts.High, 12_000);
  });

  it('still refuses plain JSON over the 4 MiB configs have, saying so', async () => {
    const page = await service().page(plain, new AbortController().signal);
    assert.match(page.notice ?? '', /only JSON up to 4\.0 MiB is shown here/);
    assert.equal(page.json, undefined);
  });

  it('refuses a document over the 32 MiB cap before asking the registry', async () => {
    const page = await service().page({ ...sbom, size: 40 * MIB }, new AbortController().signal);
    assert.match(page.notice ?? '', /only JSON up to 32\.0 MiB is shown here/);
  });

  it("reads a Notary Project signature's COSE envelope from its bytes, checked against its digest", async () => {
    const page = await service().page(cose, new AbortController().signal);
    assert.equal(page.notice, undefined, page.notice);
    const facts = Object.fromEntries(page.attestation?.facts.map((f) => [f.label, f.value.text]) ?? []);
    assert.equal(facts.Claim, 'Notary Project signature');
    assert.equal(facts['Signing scheme'], 'notary.x509');
    assert.equal(facts.Algorithm, 'ES256');
    assert.equal(facts['Signed by'], 'C=US, ST=WA, L=Seattle, O=Notary, CN=wabbit-networks.io');
    assert.equal(page.attestation?.verifiedWith, 'notation');
    const wrongDigest = await service().page({ ...cose, digest: plain.digest }, new AbortController().signal);
    assert.match(wrongDigest.notice ?? '', /could not be shown/);
    const tooBig = await service().page({ ...cose, size: 5 * MIB }, new AbortController().signal);
    assert.match(tooBig.notice ?? '', /only envelopes up to 4\.0 MiB are read here/);
  });

  it('asks the core for no more than its cap, whatever a caller passes', async () => {
    const repository = session.registry(host).repository('big/app');
    const err = await repository.readSmallBlob({ ...sbom, size: 40 * MIB }, undefined, 1024 * MIB).then(
      () => undefined,
      (e: unknown) => e as core.CoreError,
    );
    assert.equal(err?.code, 'PAYLOAD_TOO_LARGE');
    assert.match(err?.message ?? '', /over the 32 MiB read whole/);
  });
});
