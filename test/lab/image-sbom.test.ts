// An image's SBOM found on a real CNCF Distribution registry wherever the tools put it, then two
// images' packages compared: BuildKit's attestation manifest in the index (docker buildx --sbom),
// an SBOM artifact attached as a referrer the way ORAS attaches one (a tar-typed layer, the
// artifact type saying SPDX) beside a signature that is not read, and a CycloneDX attestation in a
// DSSE envelope under cosign's `sha256-<hex>.att` tag. Distribution 2.8 has no referrers API, so
// referrers come through the tag schema, as on most registries that predate OCI 1.1.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { comparePackages } from '../../src/core/operations/compare-packages';
import { findImageSbom } from '../../src/core/operations/image-sbom';
import type { ImageIndex } from '../../src/core/oci/manifest';
import type { RegistrySession } from '../../src/core/registry/session';
import { LAB_PACKAGES, labSpdx, OciLayout, pushReferrer, pushToRegistry, referrersTag, type LabPackage } from '../support/lab/content';
import { plainSession } from '../support/lab/lab-helpers';
import { Lab, type LabRegistry } from '../support/lab/registry';

/** The second build: libssl3 and bash upgraded, zlib1g dropped, curl added, base-files relicensed. */
const NEXT_PACKAGES: readonly LabPackage[] = [
  ['base-files', '12.4+deb12u5', 'GPL-2.0-only'],
  ['bash', '5.2.15-2+b7', 'GPL-3.0-or-later'],
  ['curl', '7.88.1-10+deb12u8', 'curl'],
  ['libc6', '2.36-9+deb12u4', 'GPL-2.0-only AND LGPL-2.1-or-later'],
  ['libssl3', '3.0.15-1~deb12u1', 'Apache-2.0'],
];

describe("an image's SBOM, found where each tool puts it (lab)", function () {
  this.timeout(120_000);
  let lab: Lab;
  let session: RegistrySession;
  let host: string;
  let registry: LabRegistry;
  const digests: Record<string, string> = {};
  const indexes: Record<string, ImageIndex> = {};

  before(async () => {
    lab = await Lab.create();
    registry = await lab.startRegistry({ name: 'image-sbom' });
    host = registry.host;
    const layout = await OciLayout.create(join(lab.dir, 'content', 'image-sbom'));

    // BuildKit: two builds of one app, each index holding an SBOM statement per platform.
    for (const [tag, packages] of [
      ['1', LAB_PACKAGES],
      ['2', NEXT_PACKAGES],
    ] as const) {
      const built = await layout.attestedIndex({ seed: `sbom-build-${tag}`, sbom: packages });
      await pushToRegistry(layout, built, registry, `buildkit/app:${tag}`);
      digests[`buildkit-${tag}`] = built.children[0]!.descriptor.digest;
      indexes[`buildkit-${tag}`] = built.manifest as unknown as ImageIndex;
    }

    // ORAS: a signature (not an SBOM, never read for one), then an SPDX document attached as an artifact.
    const attached = await layout.image({ seed: 'sbom-oras', layers: [2048] });
    await pushToRegistry(layout, attached, registry, 'oras/app:1');
    digests.oras = attached.descriptor.digest;
    const signature = await layout.referrer(attached.descriptor);
    await pushReferrer(layout, signature, registry, 'oras/app');
    digests.signature = signature.descriptor.digest;
    const spdx = await layout.artifact({
      artifactType: 'application/spdx+json',
      files: {
        'sbom.spdx.json': { data: JSON.stringify(labSpdx('oras/app', NEXT_PACKAGES)), mediaType: 'application/vnd.oci.image.layer.v1.tar' },
      },
      subject: attached.descriptor,
    });
    await pushReferrer(layout, spdx, registry, 'oras/app');

    // cosign attest --type cyclonedx: a DSSE envelope layer annotated with its predicate type, under `sha256-<hex>.att`.
    const attested = await layout.image({ seed: 'sbom-cosign', layers: [2048] });
    await pushToRegistry(layout, attested, registry, 'cosign/app:1');
    digests.cosign = attested.descriptor.digest;
    const statement = {
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://cyclonedx.org/bom',
      subject: [{ name: `${host}/cosign/app`, digest: { sha256: attested.descriptor.digest.slice('sha256:'.length) } }],
      predicate: {
        bomFormat: 'CycloneDX',
        specVersion: '1.5',
        components: LAB_PACKAGES.map(([name, version, license]) => ({
          type: 'library',
          name,
          version,
          licenses: [{ license: { id: license } }],
          purl: `pkg:deb/debian/${name}@${version}?arch=amd64&distro=debian-12`,
        })),
      },
    };
    const envelope = {
      payloadType: 'application/vnd.in-toto+json',
      payload: Buffer.from(JSON.stringify(statement)).toString('base64'),
      signatures: [{ keyid: '', sig: Buffer.from('not a real signature').toString('base64') }],
    };
    const att = await layout.artifact({
      artifactType: 'application/vnd.dsse.envelope.v1+json',
      files: {
        'attestation.json': {
          data: JSON.stringify(envelope),
          mediaType: 'application/vnd.dsse.envelope.v1+json',
          annotations: { predicateType: 'https://cyclonedx.org/bom' },
        },
      },
    });
    await pushToRegistry(layout, att, registry, `cosign/app:${referrersTag(attested.descriptor.digest)}.att`);

    // Nothing anywhere.
    const bare = await layout.image({ seed: 'sbom-none', layers: [2048] });
    await pushToRegistry(layout, bare, registry, 'bare/app:1');
    digests.bare = bare.descriptor.digest;

    session = plainSession(registry.url);
  });

  after(async () => {
    await session?.close();
    await lab?.stopAll();
  });

  const repository = (name: string) => session.registry(host).repository(name);

  it("finds BuildKit's SPDX statement through the index, and compares two builds' packages", async () => {
    const first = await findImageSbom(repository('buildkit/app'), digests['buildkit-1']!, { index: indexes['buildkit-1']! });
    const second = await findImageSbom(repository('buildkit/app'), digests['buildkit-2']!, { index: indexes['buildkit-2']! });
    assert.deepEqual([first.problems, second.problems], [[], []]);
    assert.equal(first.found?.place, 'attestation-manifest');
    assert.equal(first.found?.sbom.format, 'SPDX-2.3');
    assert.deepEqual(
      first.found?.sbom.packages.map((p) => p.name),
      LAB_PACKAGES.map(([name]) => name),
    );
    const attestation = indexes['buildkit-1']!.manifests.find(
      (d) => d.annotations?.['vnd.docker.reference.digest'] === digests['buildkit-1'],
    );
    assert.equal(first.found?.manifest, attestation?.digest, "the platform's own attestation manifest, not the other platform's");

    const diff = comparePackages(first.found!.sbom.packages, second.found!.sbom.packages);
    assert.deepEqual(
      diff.added.map((p) => `${p.name} ${p.version}`),
      ['curl 7.88.1-10+deb12u8'],
    );
    assert.deepEqual(
      diff.removed.map((p) => `${p.name} ${p.version}`),
      ['zlib1g 1:1.2.13.dfsg-1'],
    );
    assert.deepEqual(
      diff.changed.map((c) => `${c.name}: ${c.before} → ${c.after}${c.license ? ` (${c.license.before} → ${c.license.after})` : ''}`),
      [
        'base-files: 12.4+deb12u5 → 12.4+deb12u5 (GPL-2.0-or-later → GPL-2.0-only)',
        'bash: 5.2.15-2+b2 → 5.2.15-2+b7',
        'libssl3: 3.0.11-1~deb12u2 → 3.0.15-1~deb12u1',
      ],
    );
    assert.equal(diff.unchanged, 1, 'libc6');
  });

  it('without the index, a BuildKit image has no SBOM to find, and the tags that are not there are no problem', async () => {
    const search = await findImageSbom(repository('buildkit/app'), digests['buildkit-1']!);
    assert.equal(search.found, undefined);
    assert.deepEqual(search.problems, []);
    const bare = await findImageSbom(repository('bare/app'), digests.bare!);
    assert.deepEqual(bare, { problems: [] });
  });

  it('finds an SPDX artifact attached as a referrer (tar-typed layer, as ORAS writes it), past a signature it never reads', async () => {
    const logged = registry.readLog().length;
    const search = await findImageSbom(repository('oras/app'), digests.oras!);
    const requests = registry.readLog().slice(logged);
    assert.match(requests, /GET \/v2\/oras\/app\/manifests\/sha256-/, 'the referrers came through the tag schema');
    assert.ok(!requests.includes(digests.signature!), 'the signature, listed first, was not read');
    assert.deepEqual(search.problems, []);
    assert.equal(search.found?.place, 'referrer');
    assert.equal(search.found?.sbom.format, 'SPDX-2.3');
    assert.deepEqual(
      search.found?.sbom.packages.map((p) => p.name),
      NEXT_PACKAGES.map(([name]) => name),
    );
  });

  it("finds a CycloneDX attestation in a DSSE envelope under cosign's .att tag", async () => {
    const search = await findImageSbom(repository('cosign/app'), digests.cosign!);
    assert.deepEqual(search.problems, []);
    assert.equal(search.found?.place, 'cosign-tag');
    assert.equal(search.found?.sbom.format, 'CycloneDX 1.5');
    assert.equal(search.found?.sbom.packages.length, LAB_PACKAGES.length);
    // Compared with BuildKit's SPDX of the same packages: the package URLs' distro qualifier differs, the packages do not.
    const buildkit = await findImageSbom(repository('buildkit/app'), digests['buildkit-1']!, { index: indexes['buildkit-1']! });
    const diff = comparePackages(buildkit.found!.sbom.packages, search.found!.sbom.packages);
    assert.deepEqual([diff.added, diff.removed, diff.changed, diff.unchanged], [[], [], [], LAB_PACKAGES.length]);
  });

  it('is cancelled when asked, without reading on', async () => {
    const abort = new AbortController();
    abort.abort();
    await assert.rejects(
      findImageSbom(repository('oras/app'), digests.oras!, { signal: abort.signal }),
      (err: { code?: string; name?: string }) => err.code === 'CANCELLED' || err.name === 'AbortError',
    );
  });
});
