// Attestations as a person meets them in the inspector: an index pushed the way `docker buildx
// build --push` writes it (each platform with BuildKit's provenance attestation manifest) and, as
// referrers of the index, a Sigstore bundle the way GitHub's artifact attestations store one (a
// DSSE envelope with a SLSA v1 statement, the signer's certificate, a log entry), a keyless cosign
// signature (its signer and log entry on its layer), a Notary Project signature as notation pushes
// one, and cosign's vulnerability attestation of a Trivy scan. Each opens to what it says: the
// claim, the subject (which opens its manifest), the signer, the decoded payload or the findings,
// and never a word that it was verified. Then the next build compared with it, package by package,
// from the two indexes' SBOMs, and finding by finding, from the scans attached to the two indexes.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { Frame, Page } from 'playwright-core';
import { LAB_PACKAGES, OciLayout, type Descriptor, type LabPackage } from '../support/lab/oci-layout';
import { pushReferrer, pushToRegistry } from '../support/lab/push';
import type { LabRegistry } from '../support/lab/registry';
import { cosignVulnPredicate, TRIVY_NEXT_REPORT, TRIVY_REPORT } from '../support/scan-reports';
import { notaryEnvelope, NOTARY_CERTIFICATE, pemOf, WORKFLOW_CERTIFICATE } from '../support/signing-certificates';
import { assertReadableInThemes } from './contrast';
import {
  addRegistry,
  collapseRegistries,
  compare,
  comparisonFrame,
  expandRow,
  inspector,
  openViewIfClosed,
  row,
  runCommand,
  shoot,
} from './ui';

const REPOSITORY = 'attested/app';

/** The next build's packages: bash and libssl3 upgraded, zlib1g dropped, curl added. */
const NEXT_PACKAGES: readonly LabPackage[] = [
  ...LAB_PACKAGES.filter(([name]) => name !== 'zlib1g' && name !== 'bash' && name !== 'libssl3'),
  ['bash', '5.2.15-2+b7', 'GPL-3.0-or-later'],
  ['curl', '7.88.1-10+deb12u8', 'curl'],
  ['libssl3', '3.0.15-1~deb12u1', 'Apache-2.0'],
];
const BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

interface AttestedContent {
  index: Descriptor;
  amd64: Descriptor;
  /** BuildKit's attestation manifest of the amd64 image. */
  attestation: Descriptor;
}

/**
 * The buildx index (with its SBOM and provenance), pushed as v1; as its referrers a Sigstore bundle,
 * a keyless cosign signature, a Notary Project signature and a Trivy scan attestation; a cosign
 * signature under its `.sig` tag; and the next build, with other packages, as v2.
 */
async function seedAttestedContent(registry: LabRegistry): Promise<AttestedContent> {
  const layout = await OciLayout.create(join(registry.lab.dir, 'content', `attested-${randomBytes(4).toString('hex')}`));
  const index = await layout.attestedIndex({ seed: 'attested', ref: 'v1', sbom: true });
  await pushToRegistry(layout, index, registry, `${REPOSITORY}:v1`);
  const next = await layout.attestedIndex({ seed: 'attested-next', ref: 'v2', sbom: NEXT_PACKAGES });
  await pushToRegistry(layout, next, registry, `${REPOSITORY}:v2`);
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    predicateType: 'https://slsa.dev/provenance/v1',
    subject: [{ name: `${registry.host}/${REPOSITORY}`, digest: { sha256: index.descriptor.digest.slice('sha256:'.length) } }],
    predicate: {
      buildDefinition: {
        buildType: 'https://actions.github.io/buildtypes/workflow/v1',
        externalParameters: {
          workflow: { ref: 'refs/tags/v1.2.0', repository: 'https://github.com/acme/app', path: '.github/workflows/release.yml' },
        },
        resolvedDependencies: [
          { uri: 'git+https://github.com/acme/app@refs/tags/v1.2.0', digest: { gitCommit: '0123456789abcdef0123456789abcdef01234567' } },
        ],
      },
      runDetails: {
        builder: { id: 'https://github.com/actions/runner/github-hosted' },
        metadata: { invocationId: 'https://github.com/acme/app/actions/runs/1536140711/attempts/1' },
      },
    },
  };
  const bundle = {
    mediaType: BUNDLE_TYPE,
    verificationMaterial: {
      certificate: { rawBytes: WORKFLOW_CERTIFICATE },
      tlogEntries: [
        {
          logIndex: '151215',
          logId: { keyId: 'wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0=' },
          kindVersion: { kind: 'dsse', version: '0.0.1' },
          integratedTime: '1764500000',
        },
      ],
    },
    dsseEnvelope: {
      payload: Buffer.from(JSON.stringify(statement)).toString('base64'),
      payloadType: 'application/vnd.in-toto+json',
      signatures: [{ sig: 'MEUCIQDlab' }],
    },
  };
  const referrer = await layout.artifact({
    artifactType: BUNDLE_TYPE,
    files: { 'provenance.sigstore.json': { data: JSON.stringify(bundle), mediaType: BUNDLE_TYPE } },
    subject: index.descriptor,
    annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': statement.predicateType },
  });
  await pushReferrer(layout, referrer, registry, REPOSITORY);
  // A keyless cosign signature of the index: what it signs in its payload, its signer and log entry on its layer.
  const pem = pemOf(WORKFLOW_CERTIFICATE);
  const signed = {
    critical: {
      identity: { 'docker-reference': `${registry.host}/${REPOSITORY}` },
      image: { 'docker-manifest-digest': index.descriptor.digest },
      type: 'cosign container image signature',
    },
    optional: { git_sha: '0123456789abcdef0123456789abcdef01234567' },
  };
  const signature = await layout.artifact({
    artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
    files: {
      'signature.json': {
        data: JSON.stringify(signed),
        mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
        annotations: {
          'dev.cosignproject.cosign/signature': 'MEUCIQDlab',
          'dev.sigstore.cosign/certificate': pem,
          'dev.sigstore.cosign/bundle': JSON.stringify({
            SignedEntryTimestamp: 'MEQCIlab',
            Payload: { body: 'e30=', integratedTime: 1764500000, logIndex: 151216, logID: 'c0d23d6a' },
          }),
        },
      },
    },
    subject: index.descriptor,
  });
  await pushReferrer(layout, signature, registry, REPOSITORY);
  // notation sign: a JWS envelope (no title on its layer), the chain's thumbprints on the manifest.
  const thumbprint = createHash('sha256').update(Buffer.from(NOTARY_CERTIFICATE, 'base64')).digest('hex').toUpperCase();
  const notary = await layout.artifact({
    artifactType: 'application/vnd.cncf.notary.signature',
    files: {
      signature: {
        data: JSON.stringify(
          notaryEnvelope(
            { mediaType: index.descriptor.mediaType, digest: index.descriptor.digest, size: index.descriptor.size },
            { header: { 'io.cncf.notary.signingAgent': 'notation-go/1.3.0' } },
          ),
        ),
        mediaType: 'application/jose+json',
        untitled: true,
      },
    },
    subject: index.descriptor,
    annotations: { 'io.cncf.notary.x509chain.thumbprint#S256': JSON.stringify([thumbprint]) },
  });
  await pushReferrer(layout, notary, registry, REPOSITORY);
  // cosign attest --type vuln with Trivy's report (trivy --format cosign-vuln), in OCI 1.1 referrers mode: v1's and v2's.
  for (const [subject, report] of [
    [index.descriptor, TRIVY_REPORT],
    [next.descriptor, TRIVY_NEXT_REPORT],
  ] as const) {
    const scan = {
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://cosign.sigstore.dev/attestation/vuln/v1',
      subject: [{ name: `${registry.host}/${REPOSITORY}`, digest: { sha256: subject.digest.slice('sha256:'.length) } }],
      predicate: cosignVulnPredicate(report),
    };
    const vulnerabilities = await layout.artifact({
      artifactType: 'application/vnd.dsse.envelope.v1+json',
      files: {
        'vuln.att.json': {
          data: JSON.stringify({
            payloadType: 'application/vnd.in-toto+json',
            payload: Buffer.from(JSON.stringify(scan)).toString('base64'),
            signatures: [{ keyid: '', sig: Buffer.from('not a real signature').toString('base64') }],
          }),
          mediaType: 'application/vnd.dsse.envelope.v1+json',
          annotations: { predicateType: scan.predicateType },
        },
      },
      subject,
    });
    await pushReferrer(layout, vulnerabilities, registry, REPOSITORY);
  }
  // v2's OpenVEX, attached as ORAS attaches one: apt's old finding does not affect the app.
  const vex = await layout.artifact({
    artifactType: 'application/vnd.openvex+json',
    files: {
      'vex.json': {
        data: JSON.stringify({
          '@context': 'https://openvex.dev/ns/v0.2.0',
          '@id': 'https://example.test/vex/app-v2',
          author: 'App team',
          timestamp: '2026-12-05T06:00:00Z',
          version: 1,
          statements: [
            {
              vulnerability: { name: 'CVE-2011-3374' },
              products: [
                {
                  '@id': `pkg:oci/app?repository_url=${registry.host}/${REPOSITORY}`,
                  subcomponents: [{ '@id': 'pkg:deb/debian/apt@2.6.1' }],
                },
              ],
              status: 'not_affected',
              justification: 'vulnerable_code_not_in_execute_path',
            },
          ],
        }),
        mediaType: 'application/vnd.openvex+json',
      },
    },
    subject: next.descriptor,
  });
  await pushReferrer(layout, vex, registry, REPOSITORY);
  // And `cosign sign` as most signed images still carry it: the signature under the tag sha256-<hex>.sig.
  const { signature: tagged } = await layout.cosignTagAttachments(index.descriptor);
  await pushToRegistry(layout, tagged, registry, `${REPOSITORY}:${index.descriptor.digest.replace(':', '-')}.sig`);
  const amd64 = index.children.find((c) => c.platform?.architecture === 'amd64')!.descriptor;
  return { index: index.descriptor, amd64, attestation: index.attestations[0]!.descriptor };
}

export async function runAttestationPath(page: Page, options: { screenshots: string; registry: LabRegistry }): Promise<void> {
  const { screenshots, registry } = options;
  const { index, amd64, attestation: attestationManifest } = await seedAttestedContent(registry);
  const attestationDigest = attestationManifest.digest;
  await openViewIfClosed(page);
  await runCommand(page, 'View: Close All Editors');

  // 15b. The buildx index, then the attestation of its linux/amd64 image: a list of statements named by their claim.
  let frame = await inspectIndex(page, registry);
  // Its attestations say which platform each describes.
  const attestationRowsShown = frame.locator('[data-section="attestations"] tbody tr');
  assert.deepEqual(
    (await attestationRowsShown.locator('td:first-child').allTextContents()).map((t) => t.trim()),
    ['linux/amd64', 'linux/arm64/v8'],
  );
  await frame.locator('[data-section="attestations"]').scrollIntoViewIfNeeded();
  await shoot(page, screenshots, '15a-inspector-buildx-index');
  // An index's page, with its facts, platforms, attestations and referrers, reads in both default themes.
  await assertReadableInThemes(
    page,
    frame,
    { screenshots, name: '15a-inspector-buildx-index-light' },
    { selector: '[data-section="attestations"] tbody td', what: 'attestation row' },
  );
  // Its linux/amd64 image lists the attestations the index holds for it: its SBOM and provenance.
  await frame.locator('[data-section="platforms"] button.link', { hasText: 'linux/amd64' }).first().click();
  frame = await inspector(page, /^attested\/app@[0-9a-f]{12}$/);
  await settled(frame);
  const attestedBy = frame.locator('[data-section="attested-by"]');
  await attestedBy.waitFor({ timeout: 30_000 });
  assert.deepEqual(await attestedBy.locator('tbody tr td:first-child').allTextContents(), ['SPDX SBOM', 'SLSA provenance v0.2']);
  await attestedBy.scrollIntoViewIfNeeded();
  await shoot(page, screenshots, '15a-inspector-platform-attestations');
  await frame.locator('button[title^="Back"]').click();
  frame = await inspector(page, `${REPOSITORY}:v1`);
  await settled(frame);
  // The first attestation row is the linux/amd64 image's (BuildKit puts each right after its image).
  await frame.locator('[data-section="attestations"] tbody tr').first().locator('button').first().click();
  frame = await inspector(page, /^attested\/app@[0-9a-f]{12}$/);
  await settled(frame);
  assert.equal(await frame.locator('h1').textContent(), 'in-toto attestation');
  const files = frame.locator('[data-section="files"]');
  assert.deepEqual(await files.locator('tbody tr td:first-child').allTextContents(), ['SPDX SBOM', 'SLSA provenance v0.2']);
  assert.equal(await frame.locator('[data-section="history"]').count(), 0, 'no image history for a list of statements');
  await shoot(page, screenshots, '15b-inspector-buildkit-attestation');

  // 15c. Its SBOM: the packages, narrowed by the filter; then back, and its provenance statement.
  await files.locator('button.link').first().click();
  frame = await inspector(page, 'attested/app: SPDX SBOM');
  await settled(frame);
  const packages = frame.locator('[data-section="sbom"]');
  await packages.waitFor({ timeout: 30_000 });
  assert.equal(await packages.locator('table.sbom tbody tr').count(), 5);
  await packages.locator('input.sbom-filter').fill('ssl');
  assert.deepEqual(await packages.locator('table.sbom tbody tr').first().locator('td').allTextContents(), [
    'libssl3',
    '3.0.11-1~deb12u2',
    'Apache-2.0',
    'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64',
  ]);
  assert.equal(await packages.locator('table.sbom tbody tr').count(), 1);
  await packages.scrollIntoViewIfNeeded();
  await shoot(page, screenshots, '15c-inspector-sbom-packages');
  await assertReadableInThemes(page, frame, { screenshots, name: '15c-inspector-sbom-packages-light' });
  await frame.locator('button[title^="Back"]').click();
  frame = await inspector(page, /^attested\/app@[0-9a-f]{12}$/);
  await settled(frame);

  // 15d. Its provenance statement: the claim, the image it is about (which opens), what the build says.
  await frame.locator('[data-section="files"] tbody tr').nth(1).locator('button.link').first().click();
  frame = await inspector(page, 'attested/app: SLSA provenance v0.2');
  await settled(frame);
  const attestation = frame.locator('[data-section="attestation"]');
  await attestation.waitFor({ timeout: 30_000 });
  const facts = await factsOf(attestation);
  assert.equal(facts.get('Claim'), 'SLSA provenance v0.2');
  assert.equal(facts.get('Build type'), 'https://mobyproject.org/buildkit@v1');
  assert.equal(facts.get('Materials'), '1');
  assert.match((await attestation.textContent()) ?? '', /Read, not verified/);
  const said = (await frame.locator('body').textContent()) ?? '';
  assert.doesNotMatch(said, /(signature|signer) (is |was )?(verified|valid)|verified (signature|signer)/i, 'nothing claims a check');
  await shoot(page, screenshots, '15d-inspector-provenance-statement');
  await assertReadableInThemes(page, frame, { screenshots, name: '15d-inspector-provenance-statement-light' });
  await attestation.locator('table.subjects button.digest').click();
  frame = await inspector(page, /^attested\/app@[0-9a-f]{12}$/);
  await settled(frame);
  assert.equal(await frame.locator('.digest-full').textContent(), amd64.digest, "the subject opened: the linux/amd64 image's manifest");
  assert.ok((await frame.locator('[data-section="layers"], [data-section="history"]').count()) > 0, 'an image, with its layers');

  // 15e. The index's Sigstore bundle (a referrer): who signed it, as the certificate says, and the decoded statement.
  await runCommand(page, 'View: Close All Editors');
  frame = await inspectIndex(page, registry);
  await frame.locator('[data-section="referrers"] button.link', { hasText: 'Sigstore bundle' }).first().click();
  frame = await inspector(page, /^attested\/app@[0-9a-f]{12}$/);
  await settled(frame);
  await frame.locator('[data-section="files"] button.link').first().click();
  frame = await inspector(page, /provenance\.sigstore\.json$/);
  await settled(frame);
  const bundle = frame.locator('[data-section="attestation"]');
  await bundle.waitFor({ timeout: 30_000 });
  const signed = await factsOf(bundle);
  assert.equal(signed.get('Claim'), 'SLSA provenance v1');
  assert.equal(signed.get('Signed by'), 'URI:https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0');
  assert.equal(signed.get('OIDC issuer'), 'https://token.actions.githubusercontent.com');
  assert.equal(signed.get('Source repository'), 'https://github.com/acme/app');
  assert.equal(signed.get('Transparency log'), 'entry 151215, logged 2025-11-30T10:53:20.000Z');
  assert.equal(signed.get('Builder'), 'https://github.com/actions/runner/github-hosted');
  const payload = frame.locator('[data-section="payload"]');
  assert.match((await payload.textContent()) ?? '', /"predicateType"/);
  await shoot(page, screenshots, '15e-inspector-sigstore-bundle');
  await assertReadableInThemes(page, frame, { screenshots, name: '15e-inspector-sigstore-bundle-light' });

  // 15f. The index's cosign signature: the manifest it signs (the index, which opens), the signer from its layer.
  await frame.locator('button[title^="Back"]').click();
  frame = await inspector(page, /^attested\/app@[0-9a-f]{12}$/);
  await frame.locator('button[title^="Back"]').click();
  frame = await inspector(page, `${REPOSITORY}:v1`);
  await settled(frame);
  await frame.locator('[data-section="referrers"] button.link', { hasText: 'cosign signature' }).first().click();
  frame = await inspector(page, /^attested\/app@[0-9a-f]{12}$/);
  await settled(frame);
  await frame.locator('[data-section="files"] button.link', { hasText: 'signature.json' }).click();
  frame = await inspector(page, /signature\.json$/);
  await settled(frame);
  const signature = frame.locator('[data-section="attestation"]');
  await signature.waitFor({ timeout: 30_000 });
  assert.match((await signature.locator('summary').textContent()) ?? '', /Signature/);
  const by = await factsOf(signature);
  assert.equal(by.get('Claim'), 'cosign container image signature');
  assert.equal(by.get('Signed by'), 'URI:https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0');
  assert.equal(by.get('Transparency log'), 'entry 151216, logged 2025-11-30T10:53:20.000Z');
  assert.equal(by.get('git_sha'), '0123456789abcdef0123456789abcdef01234567');
  assert.equal(by.has('Sigstore bundle'), false, 'annotations are not a bundle');
  await shoot(page, screenshots, '15f-inspector-cosign-signature');
  await assertReadableInThemes(page, frame, { screenshots, name: '15f-inspector-cosign-signature-light' });
  await signature.locator('table.subjects button.digest').click();
  frame = await inspector(page, /^attested\/app@[0-9a-f]{12}$/);
  await settled(frame);
  assert.equal(await frame.locator('.digest-full').textContent(), index.digest, 'the signed manifest opened: the index');
  await runCommand(page, 'View: Close All Editors');

  // 15g. The same in the tree: the index's referrers and its attestation's statements, named by their claims.
  // Collapsed first, so every registry's row is in view (the full run added the lab's; alone, it is added here).
  await collapseRegistries(page);
  if ((await row(page, /^Lab registry/).count()) === 0) await addRegistry(page, registry.url, 'Lab registry');
  await expand(page, /^Lab registry/);
  await expand(page, REPOSITORY);
  await expand(page, /^v1/);
  await expand(page, /^Referrers/);
  await row(page, /^Sigstore bundle: SLSA provenance v1/).waitFor({ timeout: 30_000 });
  await row(page, /^cosign signature/).waitFor({ timeout: 30_000 });
  await row(page, /^Notation signature/).waitFor({ timeout: 30_000 });
  await row(page, /^cosign signature \(\.sig tag\)/).waitFor({ timeout: 30_000 });
  // Its HEAD gives no artifact type: the icon comes from the tag, a signature's as in the tag list.
  assert.equal(
    await row(page, /^cosign signature \(\.sig tag\)/)
      .locator('.codicon-verified')
      .count(),
    1,
    'the .sig row shows a signature icon',
  );
  await expand(page, /^attestation \(/);
  await row(page, /^SPDX SBOM/).waitFor({ timeout: 30_000 });
  await row(page, /^SLSA provenance v0\.2/).waitFor({ timeout: 30_000 });
  await shoot(page, screenshots, '15g-tree-attestations');
  // Pull… on the attestation manifest offers a layout, never an image to load: its layers are statements.
  const pull = await runCommand(page, 'Registry Explorer: Pull…');
  await pull.fill(`${registry.host}/${REPOSITORY}@${attestationDigest}`);
  await pull.press('Enter');
  const choices = page.locator('.quick-input-widget .monaco-list-row');
  await choices.filter({ hasText: 'OCI image layout' }).first().waitFor({ timeout: 30_000 });
  const offered = (await choices.allTextContents()).join(' | ');
  assert.doesNotMatch(offered, /Tar for docker load|Into Docker|Into Podman/, offered);
  await pull.press('Escape');
  // Folded again, so later paths that open the lab registry meet none of these rows.
  await row(page, REPOSITORY).click();
  await collapseRegistries(page);

  // 15h. Compare With… the next build: Compare Packages reads each platform's SBOM from BuildKit's
  // attestation manifests in the two indexes and says which packages changed, came and went.
  await runCommand(page, 'View: Close All Editors');
  await compare(page, `${registry.host}/${REPOSITORY}:v1`, `${registry.host}/${REPOSITORY}:v2`);
  const comparison = await comparisonFrame(page, 'app:v1 ↔ app:v2');
  const amd64Part = comparison.locator('[data-section="platform-linux/amd64"] [data-part="packages"]');
  await amd64Part.locator('button', { hasText: 'Compare Packages' }).click();
  const result = amd64Part.locator('.packages-result');
  await result.waitFor({ timeout: 30_000 });
  assert.deepEqual(
    (await result.locator('.sbom-sides li').allTextContents()).map((t) => t.replace(/\s+\S+$/, '')),
    [
      "First: SPDX-2.3, from BuildKit's attestation manifest in the index",
      "Second: SPDX-2.3, from BuildKit's attestation manifest in the index",
    ],
  );
  assert.equal(await result.locator('.summary-line').textContent(), '2 the same, 2 changed, 1 added, 1 removed.');
  const rowsOf = async (heading: string) =>
    result
      .locator(`h3:text-is("${heading}") + table tbody tr`)
      .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.firstChild?.textContent ?? '')));
  assert.deepEqual(await rowsOf('Packages changed (2)'), [
    ['bash', '5.2.15-2+b2', '5.2.15-2+b7'],
    ['libssl3', '3.0.11-1~deb12u2', '3.0.15-1~deb12u1'],
  ]);
  assert.deepEqual(await rowsOf('Packages added (1)'), [['curl', '7.88.1-10+deb12u8', 'curl']]);
  assert.deepEqual(await rowsOf('Packages removed (1)'), [['zlib1g', '1:1.2.13.dfsg-1', 'Zlib']]);
  await amd64Part.evaluate((el) => {
    el.scrollIntoView({ block: 'start' });
    window.scrollBy(0, -90);
  });
  await shoot(page, screenshots, '15h-compare-packages');

  // 15k. In the same panel, Compare Vulnerabilities: cosign's vuln attestations are attached to the
  // two indexes (as `cosign attest` given a tag attaches them), so each platform's scan is found
  // there, and the findings new, gone and changed between the builds are listed by severity. v2's
  // OpenVEX (attached with ORAS) says apt's finding does not affect it: it is left out and says why.
  const findingsPart = comparison.locator('[data-section="platform-linux/amd64"] [data-part="vulnerabilities"]');
  await findingsPart.locator('button', { hasText: 'Compare Vulnerabilities' }).click();
  const findingsResult = findingsPart.locator('.vulnerabilities-result');
  await findingsResult.waitFor({ timeout: 30_000 });
  const sideLines = await findingsResult.locator('.sbom-sides li').allTextContents();
  assert.deepEqual(
    sideLines.slice(0, 2).map((t) => t.replace(/\s+\S+$/, '')),
    [
      'First: Trivy by trivy 0.50.1, scanned 2026-12-05 05:00 UTC, from a referrer of the index',
      'Second: Trivy by trivy 0.50.1, scanned 2026-12-05 05:00 UTC, from a referrer of the index',
    ],
  );
  assert.match(
    sideLines[2] ?? '',
    /^Second's VEX by App team, from a referrer of the index [0-9a-f]{12}: 1 statement, 1 finding left out as not affected or fixed\.$/,
  );
  assert.equal(await findingsResult.locator('.summary-line').textContent(), '1 new, 2 gone, 1 changed, 1 the same; 1 left out by VEX.');
  assert.deepEqual(
    await findingsResult
      .locator('table.severities tbody tr')
      .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? ''))),
    [
      ['Critical', '1', '2', '+1'],
      ['High', '1', '0', '−1'],
      ['Medium', '1', '1', '—'],
      ['Low', '1', '0', '−1'],
    ],
  );
  assert.deepEqual(await findingsResult.locator('table.findings-new tbody tr td:first-child').allTextContents(), ['CVE-2024-9999']);
  assert.deepEqual(await findingsResult.locator('table.findings-gone tbody tr td:first-child').allTextContents(), [
    'CVE-2024-2961',
    'CVE-2011-3374not affected in the second, by its VEX',
  ]);
  // Versions read on one line: the lists lay their columns out as the inspector's findings table
  // does, so a long title does not squeeze "2.36-9+deb12u4" until it breaks at its hyphen.
  const versionLines = await findingsResult
    .locator('table.findings-gone tbody td:nth-child(4), table.findings-gone tbody td:nth-child(5)')
    .evaluateAll((cells) =>
      cells.map((cell) => {
        const range = document.createRange();
        range.selectNodeContents(cell);
        const lines = new Set(Array.from(range.getClientRects()).map((rect) => Math.round(rect.top)));
        return `${cell.textContent} (${lines.size} line${lines.size === 1 ? '' : 's'})`;
      }),
    );
  assert.deepEqual(versionLines, ['2.36-9+deb12u4 (1 line)', '2.36-9+deb12u7 (1 line)', '2.6.1 (1 line)', 'not fixed (1 line)']);
  assert.equal(
    await findingsResult.locator('table.findings-changed tbody tr').textContent(),
    'GHSA-3h5v-q93c-6h6qwsCritical8.11.0Critical8.13.08.17.1',
  );
  assert.equal(
    await findingsResult.locator('table.findings-vex tbody tr').textContent(),
    'CVE-2011-3374Lowaptsecondnot affectedvulnerable code not in execute path',
  );
  await findingsPart.evaluate((el) => {
    el.scrollIntoView({ block: 'start' });
    window.scrollBy(0, -90);
  });
  await shoot(page, screenshots, '15k-compare-vulnerabilities');
  // The comparison's page, its Compare Packages and Compare Vulnerabilities open, reads in both default themes.
  await assertReadableInThemes(
    page,
    comparison,
    { screenshots, name: '15k-compare-vulnerabilities-light' },
    { selector: '.vulnerabilities-result .severity', what: 'severity badge (comparison)' },
  );

  // 15i. The index's Notary Project signature (notation sign): what it signs (the index, which opens),
  // the envelope's headers, the signer by its certificate's subject, and notation named as the verifier.
  await runCommand(page, 'View: Close All Editors');
  frame = await inspectIndex(page, registry);
  await frame.locator('[data-section="referrers"] button.link', { hasText: 'Notation signature' }).first().click();
  frame = await inspector(page, /^attested\/app@[0-9a-f]{12}$/);
  await settled(frame);
  assert.deepEqual(
    (await frame.locator('[data-section="files"] tbody tr').first().locator('td').allTextContents()).slice(0, 2).map((t) => t.trim()),
    ['file 1', 'JWS signature envelope'],
  );
  await frame.locator('[data-section="files"] button.link').first().click();
  // An untitled file's page is named by its short digest.
  frame = await inspector(page, /^attested\/app: [0-9a-f]{12}$/);
  await settled(frame);
  const notarySection = frame.locator('[data-section="attestation"]');
  await notarySection.waitFor({ timeout: 30_000 });
  const notaryFacts = await factsOf(notarySection);
  assert.equal(notaryFacts.get('Claim'), 'Notary Project signature');
  assert.equal(notaryFacts.get('Signing scheme'), 'notary.x509');
  assert.equal(notaryFacts.get('Signing agent'), 'notation-go/1.3.0');
  assert.equal(notaryFacts.get('Signed by'), 'C=US, ST=WA, L=Seattle, O=Notary, CN=wabbit-networks.io');
  assert.match((await notarySection.textContent()) ?? '', /notation verify checks it against a trust policy/);
  await shoot(page, screenshots, '15i-inspector-notary-signature');
  await assertReadableInThemes(page, frame, { screenshots, name: '15i-inspector-notary-signature-light' });
  await notarySection.locator('table.subjects button.digest').click();
  frame = await inspector(page, /^attested\/app@[0-9a-f]{12}$/);
  await settled(frame);
  assert.equal(await frame.locator('.digest-full').textContent(), index.digest, 'the signed manifest opened: the index');

  // 15j. The index's vulnerability scan (cosign's vuln attestation of Trivy's report): the findings
  // by severity, narrowed by the filter, each advisory a link to osv.dev.
  await runCommand(page, 'View: Close All Editors');
  frame = await inspectIndex(page, registry);
  await frame.locator('[data-section="referrers"] button.link', { hasText: 'DSSE attestation' }).first().click();
  frame = await inspector(page, /^attested\/app@[0-9a-f]{12}$/);
  await settled(frame);
  await frame.locator('[data-section="files"] button.link', { hasText: 'vuln.att.json' }).click();
  frame = await inspector(page, /vuln\.att\.json$/);
  await settled(frame);
  const findings = frame.locator('[data-section="vulnerabilities"]');
  await findings.waitFor({ timeout: 30_000 });
  assert.equal(await findings.locator('.vulnerability-counts .severity').first().textContent(), '1 critical');
  assert.match((await findings.locator('.vulnerability-counts').textContent()) ?? '', /trivy 0\.50\.1 reported it on 2026-12-05 05:00 UTC/);
  assert.deepEqual(await findings.locator('table.vulnerabilities tbody tr td:first-child').allTextContents(), [
    'GHSA-3h5v-q93c-6h6q',
    'CVE-2024-2961',
    'CVE-2023-5678',
    'CVE-2011-3374',
  ]);
  assert.equal((await factsOf(frame.locator('[data-section="attestation"]'))).get('Claim'), 'vulnerability scan (cosign)');
  await findings.scrollIntoViewIfNeeded();
  await shoot(page, screenshots, '15j-inspector-vulnerabilities');
  // Every severity badge, and every other text on the page (the statement's JSON too), reads
  // against what is behind it in VS Code's default dark and light themes.
  await assertReadableInThemes(
    page,
    frame,
    { screenshots, name: '15j-inspector-vulnerabilities-light' },
    { selector: 'table.vulnerabilities .severity', what: 'severity badge' },
  );
  await findings.locator('input.vulnerabilities-filter').fill('glibc');
  assert.equal(await findings.locator('table.vulnerabilities tbody tr').count(), 1);
  assert.equal(await findings.locator('table.vulnerabilities tbody tr td:nth-child(3)').textContent(), 'libc6');

  // 15l. v2's OpenVEX document (attached with ORAS): named and marked as such among the referrers,
  // and its statement read: the advisory, its status, why, and the package it is about.
  await runCommand(page, 'View: Close All Editors');
  frame = await inspectIndex(page, registry, 'v2');
  // 15m. Its page looks for its scan when asked: the findings per severity with its own VEX applied.
  const scanSection = frame.locator('[data-section="scan"]');
  await scanSection.locator('button', { hasText: 'Find Vulnerability Scan' }).click();
  const scanCounts = scanSection.locator('.vulnerability-counts');
  await scanCounts.waitFor({ timeout: 30_000 });
  assert.equal(
    await scanCounts.textContent(),
    '2 critical · 1 medium — Trivy by trivy 0.50.1, scanned 2026-12-05 05:00 UTC, from a referrer',
  );
  assert.match((await scanSection.textContent()) ?? '', /1 more left out: its VEX \(by App team\) calls them not affected or fixed\./);
  await scanSection.scrollIntoViewIfNeeded();
  await shoot(page, screenshots, '15m-inspector-image-scan');
  await assertReadableInThemes(
    page,
    frame,
    { screenshots, name: '15m-inspector-image-scan-light' },
    { selector: '[data-section="scan"] .vulnerability-counts', what: 'scan summary' },
  );
  const vexReferrer = frame.locator('[data-section="referrers"] tbody tr', { hasText: 'OpenVEX document' });
  assert.equal(await vexReferrer.locator('.codicon-shield').count(), 1, 'a VEX referrer shows a shield');
  await vexReferrer.locator('button.link').first().click();
  frame = await inspector(page, /^attested\/app@[0-9a-f]{12}$/);
  await settled(frame);
  await frame.locator('[data-section="files"] button.link', { hasText: 'vex.json' }).click();
  frame = await inspector(page, /vex\.json$/);
  await settled(frame);
  const statements = frame.locator('[data-section="vex"]');
  await statements.waitFor({ timeout: 30_000 });
  assert.match(
    (await statements.locator('.vex-counts').textContent()) ?? '',
    /^1 not affected — as App team stated it on 2026-12-05 06:00 UTC \(version 1\)$/,
  );
  const statementCells = await statements.locator('tbody tr').first().locator('td').allTextContents();
  assert.equal(statementCells[0], 'CVE-2011-3374');
  assert.match(statementCells.join(' | '), /not affected \| vulnerable code not in execute path \| apt/);
  await statements.scrollIntoViewIfNeeded();
  await shoot(page, screenshots, '15l-inspector-vex');
  // The status badges use the theme's colours, readable as the severities are.
  await assertReadableInThemes(
    page,
    frame,
    { screenshots, name: '15l-inspector-vex-light' },
    { selector: '[data-section="vex"] .vex-badge', what: 'VEX badge' },
  );
  await runCommand(page, 'View: Close All Editors');
}

/** The buildx index (v1 unless told) in the inspector, opened from the palette as a person types it, once it has loaded. */
async function inspectIndex(page: Page, registry: LabRegistry, tag = 'v1'): Promise<Frame> {
  const input = await runCommand(page, 'Registry Explorer: Inspect Manifest');
  await input.fill(`${registry.host}/${REPOSITORY}:${tag}`);
  await input.press('Enter');
  const frame = await inspector(page, `${REPOSITORY}:${tag}`);
  await settled(frame);
  return frame;
}

/** Expands the tree row labelled `label` (the first that matches) once it is listed. */
async function expand(page: Page, label: string | RegExp): Promise<void> {
  await expandRow(row(page, label));
}

/** Waits until the page has nothing left loading. */
async function settled(frame: Frame): Promise<void> {
  await frame.waitForFunction(() => document.querySelector('.loading, .listing-progress') === null, undefined, { timeout: 30_000 });
}

/** A section's facts, label → value, as shown. */
async function factsOf(section: ReturnType<Frame['locator']>): Promise<Map<string, string>> {
  const pairs = await section
    .locator('dl.facts dt')
    .evaluateAll((dts) => dts.map((dt) => [dt.textContent ?? '', dt.nextElementSibling?.textContent ?? ''] as [string, string]));
  return new Map(pairs.map(([label, value]) => [label.trim(), value.trim()]));
}
