import assert from 'node:assert/strict';
import fc from 'fast-check';
import { digestOf } from '../../../../src/core/oci/digest';
import { CoreError } from '../../../../src/core/errors';
import {
  attestationsFor,
  childrenOf,
  formatPlatform,
  imageSize,
  isFileManifest,
  MAX_MANIFEST_BYTES,
  parseManifest,
  parsePlatform,
  platformEntries,
  platformMatches,
} from '../../../../src/core/oci/manifest';
import {
  isReadableReport,
  isSupplyChainDocument,
  isTarLike,
  kindIcon,
  kindName,
  layerCompressionOf,
  MediaTypes,
} from '../../../../src/core/oci/media-types';
import type { Platform } from '../../../../src/core/oci/manifest';

const D = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
const parse = (json: unknown, contentType?: string): ReturnType<typeof parseManifest> => {
  const bytes = Buffer.from(typeof json === 'string' ? json : JSON.stringify(json));
  return parseManifest(bytes, digestOf(bytes), contentType, 'manifest test:1');
};
function rejects(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof CoreError && err.code === code && (!message || message.test(err.message)));
}

describe('manifest model', () => {
  const image = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: D(1), size: 10 },
    layers: [{ mediaType: MediaTypes.ociLayerGzip, digest: D(2), size: 20 }],
  };

  it('parses an OCI image and lists config then layers as children', () => {
    const parsed = parse(image);
    assert.equal(parsed.kind, 'image');
    assert.deepEqual(
      childrenOf(parsed).map((d) => d.digest),
      [D(1), D(2)],
    );
    assert.equal(parsed.kind === 'image' && imageSize(parsed.manifest), 30);
    assert.equal(parsed.descriptor.artifactType, undefined);
  });

  it('takes the kind from Content-Type, or the shape, when the JSON has no mediaType', () => {
    const { mediaType: _m, ...bare } = image;
    assert.equal(parse(bare, `${MediaTypes.dockerManifest}; charset=utf-8`).mediaType, MediaTypes.dockerManifest);
    assert.equal(parse(bare).mediaType, MediaTypes.ociManifest);
    assert.equal(parse({ schemaVersion: 2, manifests: [] }).kind, 'index');
  });

  it('treats a non-image config type as the artifact type', () => {
    const helm = { ...image, config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: D(1), size: 10 } };
    assert.equal(parse(helm).descriptor.artifactType, 'application/vnd.cncf.helm.config.v1+json');
    assert.equal(parse({ ...image, artifactType: 'application/x-sbom' }).descriptor.artifactType, 'application/x-sbom');
  });

  it('refuses what is not a manifest, naming what is wrong', () => {
    rejects(() => parse('not json'), 'BAD_MANIFEST', /not JSON/);
    rejects(() => parse('[]'), 'BAD_MANIFEST', /not a JSON object/);
    rejects(() => parse({ schemaVersion: 1, name: 'x' }), 'UNSUPPORTED_MANIFEST', /schema 1/);
    rejects(() => parse({ ...image, mediaType: 'text/html' }), 'UNSUPPORTED_MANIFEST');
    rejects(() => parse({ ...image, schemaVersion: 3 }), 'BAD_MANIFEST', /schemaVersion/);
    rejects(
      () => parse({ ...image, layers: [{ mediaType: 'x', digest: 'sha256:zz', size: 1 }] }),
      'BAD_MANIFEST',
      /layers\[0\] has an invalid digest/,
    );
    rejects(() => parse({ ...image, layers: [{ mediaType: 'x', digest: D(3), size: -1 }] }), 'BAD_MANIFEST', /invalid size/);
    rejects(
      () => parse({ ...image, annotations: undefined, config: { ...image.config, annotations: { a: 1 } } }),
      'BAD_MANIFEST',
      /annotations/,
    );
    rejects(
      () =>
        parse({
          schemaVersion: 2,
          mediaType: MediaTypes.ociIndex,
          manifests: [{ mediaType: MediaTypes.ociManifest, digest: D(1), size: 1, platform: { os: 'linux' } }],
        }),
      'BAD_MANIFEST',
      /platform/,
    );
    const huge = Buffer.alloc(MAX_MANIFEST_BYTES + 1, 0x20);
    rejects(() => parseManifest(huge, digestOf(huge), undefined, 'big'), 'MANIFEST_TOO_LARGE');
  });

  it('never throws anything but a CoreError for arbitrary JSON', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 4 }),
        fc.option(fc.constantFrom(MediaTypes.ociIndex, MediaTypes.ociManifest, 'text/plain')),
        (value, contentType) => {
          try {
            parse(JSON.stringify(value ?? null), contentType ?? undefined);
          } catch (err) {
            assert.ok(err instanceof CoreError, String(err));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('matches platforms as containerd does for arm64 variants', () => {
    assert.ok(platformMatches({ os: 'linux', architecture: 'arm64' }, parsePlatform('linux/arm64/v8')));
    assert.ok(platformMatches({ os: 'linux', architecture: 'arm', variant: 'v7' }, parsePlatform('linux/arm')));
    assert.ok(!platformMatches({ os: 'linux', architecture: 'arm', variant: 'v6' }, parsePlatform('linux/arm/v7')));
    assert.equal(formatPlatform(parsePlatform('windows/amd64')), 'windows/amd64');
    rejects(() => parsePlatform('linux'), 'INVALID_PLATFORM');
  });

  it("finds an image's platform in an index: the Windows build by os.version, arm64 with or without v8", () => {
    const entry = (n: number, platform: Platform) => ({ mediaType: MediaTypes.ociManifest, digest: D(n), size: 1, platform });
    const entries = [
      entry(1, { os: 'linux', architecture: 'amd64' }),
      entry(2, { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.5576' }),
      entry(3, { os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.2340' }),
      entry(4, { os: 'linux', architecture: 'arm64' }),
    ];
    const digests = (want: Platform): string[] => platformEntries(entries, want).map((e) => e.digest);
    assert.deepEqual(digests({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.2340' }), [D(3)]);
    assert.deepEqual(digests({ os: 'windows', architecture: 'amd64' }), [D(2), D(3)], 'without os.version both builds match');
    assert.deepEqual(digests({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.26100.1' }), []);
    assert.deepEqual(digests({ os: 'linux', architecture: 'arm64', variant: 'v8' }), [D(4)]);
    assert.deepEqual(digests({ os: 'linux', architecture: 's390x' }), []);
    assert.ok(!platformMatches(entries[1]!.platform, { os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.2340' }));
  });

  it('names kinds of content the way people know them', () => {
    assert.equal(kindName(MediaTypes.ociIndex), 'OCI image index');
    assert.equal(kindName(MediaTypes.ociManifest, 'application/vnd.cncf.helm.config.v1+json'), 'Helm chart');
    assert.equal(kindName(MediaTypes.ociManifest, 'application/vnd.dev.cosign.artifact.sig.v1+json'), 'cosign signature');
    assert.equal(kindName(MediaTypes.ociManifest, 'application/spdx+json'), 'SBOM (SPDX)');
    assert.equal(kindName(MediaTypes.ociManifest, 'application/vnd.in-toto+json'), 'in-toto attestation');
    assert.equal(kindName(MediaTypes.ociManifest, 'application/sarif+json'), 'SARIF scan report');
    assert.equal(kindName(MediaTypes.ociManifest, 'application/vnd.openvex+json'), 'OpenVEX document');
    assert.equal(kindIcon(MediaTypes.ociManifest, 'application/vnd.openvex+json'), 'shield');
    assert.equal(kindIcon(MediaTypes.ociManifest, 'application/sarif+json'), 'shield');
    assert.equal(kindName('application/x-unknown'), 'application/x-unknown');
    // Artifacts people keep beside their images, by the types their tools push.
    const artifacts: [manifestOrBlobType: string, name: string, icon: string][] = [
      ['application/vnd.devcontainers', 'Dev Container artifact', 'remote-explorer'],
      ['application/vnd.devcontainers.layer.v1+tar', 'Dev Container Feature or Template (tar)', 'remote-explorer'],
      ['application/vnd.devcontainers.collection.layer.v1+json', 'Dev Container collection', 'remote-explorer'],
      ['application/vnd.amazon.soci.index.v1+json', 'SOCI index', 'zap'],
      ['application/vnd.amazon.soci.index.v2+json', 'SOCI index', 'zap'],
      ['application/vnd.cncf.model.manifest.v1+json', 'AI model (ModelPack)', 'sparkle'],
      ['application/vnd.cncf.model.config.v1+json', 'AI model (ModelPack)', 'sparkle'],
      ['application/vnd.cncf.model.weight.v1.gguf', 'model weights', 'sparkle'],
      ['application/vnd.docker.ai.model.config.v0.1+json', 'AI model (Docker)', 'sparkle'],
      ['application/vnd.docker.ai.gguf.v3', 'model weights (GGUF)', 'sparkle'],
      ['application/vnd.docker.ai.model.file.v1+gguf', 'model weights (GGUF)', 'sparkle'],
      ['application/vnd.docker.ai.safetensors.v1', 'model weights (safetensors)', 'sparkle'],
      ['application/vnd.cncf.flux.config.v1+json', 'Flux artifact', 'file-binary'],
      ['application/vnd.cncf.flux.content.v1.tar+gzip', 'Flux content (tar+gzip)', 'file-binary'],
      ['application/vnd.cncf.openpolicyagent.config.v1+json', 'OPA bundle', 'file-binary'],
      ['application/vnd.cncf.openpolicyagent.layer.v1.tar+gzip', 'OPA bundle (tar+gzip)', 'file-binary'],
      ['application/vnd.cncf.openpolicyagent.policy.layer.v1+rego', 'Rego policy', 'file-binary'],
      ['application/vnd.cncf.openpolicyagent.data.layer.v1+json', 'OPA data', 'file-binary'],
      ['application/vnd.sylabs.sif.config.v1+json', 'Singularity image', 'package'],
      ['application/vnd.sylabs.sif.layer.v1.sif', 'Singularity image', 'package'],
    ];
    for (const [type, name, icon] of artifacts) {
      assert.equal(kindName(MediaTypes.ociManifest, type), name, type);
      assert.equal(kindIcon(MediaTypes.ociManifest, type), icon, type);
    }
    // A Feature's tar lists its files in the inspector, as a layer does.
    assert.ok(isTarLike('application/vnd.devcontainers.layer.v1+tar'));
    assert.ok(isTarLike('application/vnd.cncf.flux.content.v1.tar+gzip'));
    // An artifact is named by its own type, known or not: never by the manifest format that carries it.
    assert.equal(kindName(MediaTypes.ociManifest, 'application/vnd.example.release.v1'), 'application/vnd.example.release.v1');
    assert.equal(kindIcon(MediaTypes.ociManifest, 'application/vnd.example.release.v1'), 'file-binary');
    assert.equal(kindName(MediaTypes.ociManifest), 'OCI image');
    assert.equal(kindIcon(MediaTypes.ociManifest, 'application/vnd.cncf.notary.signature'), 'verified');
    assert.equal(layerCompressionOf(MediaTypes.dockerLayerGzip), 'gzip');
    assert.equal(layerCompressionOf(MediaTypes.ociLayerZstd), 'zstd');
    assert.equal(layerCompressionOf(MediaTypes.ociConfig), undefined);
  });

  it("tells a manifest of files from an image: an artifact, or layers none of which is a tar (BuildKit's attestations)", () => {
    const manifest = (layers: string[], extra: Record<string, unknown> = {}) =>
      parse({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config: { mediaType: MediaTypes.ociConfig, digest: D(1), size: 2 },
        layers: layers.map((mediaType, i) => ({ mediaType, digest: D(10 + i), size: 3 })),
        ...extra,
      });
    assert.equal(isFileManifest(manifest(['application/vnd.in-toto+json', 'application/vnd.in-toto+json'])), true);
    assert.equal(isFileManifest(manifest([MediaTypes.ociLayerGzip, 'application/vnd.in-toto+json'])), false);
    assert.equal(isFileManifest(manifest(['application/vnd.cncf.helm.chart.content.v1.tar+gzip'])), false, 'a tar is a layer');
    assert.equal(isFileManifest(manifest([])), false, 'no layers: still an image');
    assert.equal(isFileManifest(manifest([MediaTypes.ociLayerGzip], { artifactType: 'application/x.example' })), true);
    assert.equal(isTarLike('application/vnd.cncf.helm.chart.content.v1.tar+gzip'), true);
    assert.equal(isTarLike('application/vnd.in-toto+json'), false);
  });

  it('knows the documents people open to read about an image: statements, envelopes, bundles, SBOMs', () => {
    for (const type of [
      'application/vnd.in-toto+json',
      'application/vnd.in-toto.provenance+dsse',
      'application/vnd.dsse.envelope.v1+json',
      'application/vnd.dev.sigstore.bundle.v0.3+json',
      'application/vnd.dev.sigstore.bundle+json;version=0.2',
      'application/spdx+json',
      'application/vnd.cyclonedx+json; charset=utf-8',
      'application/vnd.syft+json',
    ])
      assert.equal(isSupplyChainDocument(type), true, type);
    for (const type of ['application/json', MediaTypes.ociConfig, 'application/vnd.in-totoxjson', 'text/spdx+json'])
      assert.equal(isSupplyChainDocument(type), false, type);
    // A SARIF scan report is read at full size, but is no supply-chain document (no SBOM search reads it).
    assert.equal(isReadableReport('application/sarif+json; charset=utf-8'), true);
    assert.equal(isSupplyChainDocument('application/sarif+json'), false);
    assert.equal(isReadableReport('application/spdx+json'), true);
    assert.equal(isReadableReport('application/json'), false);
  });

  it("finds the attestations an index lists for one of its images, by BuildKit's annotation", () => {
    const entry = (n: number, annotations?: Record<string, string>, platform = { os: 'unknown', architecture: 'unknown' }) => ({
      mediaType: MediaTypes.ociManifest,
      digest: D(n),
      size: 10,
      platform,
      ...(annotations ? { annotations } : {}),
    });
    const index = {
      schemaVersion: 2 as const,
      mediaType: MediaTypes.ociIndex,
      manifests: [
        entry(1, undefined, { os: 'linux', architecture: 'amd64' }),
        entry(2, { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': D(1) }),
        entry(3, { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': D(9) }),
        entry(4, { 'vnd.docker.reference.digest': D(1) }, { os: 'linux', architecture: 'arm64' }),
      ],
    };
    assert.deepEqual(
      attestationsFor(index, D(1)).map((d) => d.digest),
      [D(2)],
    );
    assert.deepEqual(attestationsFor(index, D(5)), []);
  });
});
