import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type { ReadTarget } from '../../../../src/core/oci/content';
import { digestOf } from '../../../../src/core/oci/digest';
import { CoreError } from '../../../../src/core/errors';
import type { Descriptor } from '../../../../src/core/oci/manifest';
import { MediaTypes } from '../../../../src/core/oci/media-types';
import { collectGraph, MAX_GRAPH_BLOBS, MAX_GRAPH_MANIFEST_BYTES, MAX_GRAPH_MANIFESTS } from '../../../../src/core/operations/graph';

/** Content in memory, by digest: enough of a source for the graph walk. */
class MemorySource implements ReadTarget {
  readonly name = 'memory';
  readonly content = new Map<string, Buffer>();
  fetches = 0;

  put(mediaType: string, value: unknown, extra: Partial<Descriptor> = {}): Descriptor {
    const bytes = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
    const digest = digestOf(bytes);
    this.content.set(digest, bytes);
    return { mediaType, digest, size: bytes.length, ...extra };
  }

  async fetchManifest(d: Descriptor): Promise<Buffer> {
    this.fetches++;
    const bytes = this.content.get(d.digest);
    if (!bytes) throw new CoreError('MANIFEST_UNKNOWN', `no ${d.digest}`);
    return bytes;
  }

  async openBlob(d: Descriptor): Promise<Readable> {
    return Readable.from([this.content.get(d.digest)!]);
  }
}

function image(source: MemorySource, seed: string, shared?: Descriptor): Descriptor {
  const config = source.put(MediaTypes.ociConfig, { seed });
  const layer = source.put(MediaTypes.ociLayerGzip, `layer ${seed}`);
  return source.put(MediaTypes.ociManifest, {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config,
    layers: shared ? [layer, shared] : [layer],
  });
}

describe('content graph', () => {
  it('lists children before parents, each blob once', async () => {
    const source = new MemorySource();
    const shared = source.put(MediaTypes.ociLayerGzip, 'shared layer');
    const amd = image(source, 'amd', shared);
    const arm = image(source, 'arm', shared);
    const index = source.put(MediaTypes.ociIndex, {
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [
        { ...amd, platform: { os: 'linux', architecture: 'amd64' } },
        { ...arm, platform: { os: 'linux', architecture: 'arm64' } },
      ],
    });
    const graph = await collectGraph(source, index);
    assert.deepEqual(
      graph.manifests.map((m) => m.descriptor.digest),
      [amd.digest, arm.digest, index.digest],
    );
    assert.equal(graph.blobs.length, 5, 'two configs, two own layers, one shared layer');
    assert.equal(graph.rewritten, false);
  });

  it('keeps one platform as that image, and a subset as a new index', async () => {
    const source = new MemorySource();
    const entries = ['amd64', 'arm64', 's390x'].map((architecture) => ({
      ...image(source, architecture),
      platform: { os: 'linux', architecture },
    }));
    const index = source.put(MediaTypes.ociIndex, { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: entries });
    const one = await collectGraph(source, index, { platforms: [{ os: 'linux', architecture: 'arm64' }] });
    assert.equal(one.root.digest, entries[1]!.digest);
    const two = await collectGraph(source, index, {
      platforms: [
        { os: 'linux', architecture: 'arm64' },
        { os: 'linux', architecture: 's390x' },
      ],
    });
    assert.ok(two.rewritten);
    const top = two.manifests.at(-1)!;
    assert.deepEqual(top.kind === 'index' ? top.index.manifests.map((m) => m.digest) : [], [entries[1]!.digest, entries[2]!.digest]);
    await assert.rejects(
      collectGraph(source, index, { platforms: [{ os: 'windows', architecture: 'amd64' }] }),
      (e: unknown) =>
        e instanceof CoreError && e.code === 'PLATFORM_NOT_FOUND' && /offers linux\/amd64, linux\/arm64, linux\/s390x/.test(e.message),
    );
  });

  it('refuses indexes nested deeper than any real image, instead of recursing forever', async () => {
    const source = new MemorySource();
    let current = image(source, 'bottom');
    for (let depth = 0; depth < 12; depth++)
      current = source.put(MediaTypes.ociIndex, { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [current] });
    await assert.rejects(collectGraph(source, current), (e: unknown) => e instanceof CoreError && e.code === 'MANIFEST_LOOP');
  });

  it('refuses a manifest that is not JSON or not a manifest, naming it', async () => {
    const source = new MemorySource();
    const broken = source.put(MediaTypes.ociManifest, '<html>not a manifest</html>');
    await assert.rejects(
      collectGraph(source, broken),
      (e: unknown) => e instanceof CoreError && e.code === 'BAD_MANIFEST' && e.message.includes(broken.digest),
    );
    const unknown = source.put('application/vnd.example.thing', { schemaVersion: 2, mediaType: 'application/vnd.example.thing' });
    await assert.rejects(collectGraph(source, unknown), (e: unknown) => e instanceof CoreError && e.code === 'UNSUPPORTED_MANIFEST');
  });

  it(`refuses an index of more than ${MAX_GRAPH_MANIFESTS} manifests before fetching any of them`, async () => {
    const source = new MemorySource();
    const entries = Array.from({ length: MAX_GRAPH_MANIFESTS }, (_, i) => ({
      ...image(source, `p${i}`),
      platform: { os: 'linux', architecture: `a${i}` },
    }));
    const index = source.put(MediaTypes.ociIndex, { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: entries });
    source.fetches = 0;
    await assert.rejects(
      collectGraph(source, index),
      (e: unknown) =>
        e instanceof CoreError &&
        e.code === 'GRAPH_TOO_LARGE' &&
        /brings the manifests to copy to 1,001, more than the 1,000 one copy plans, so none of it is copied: choose the platforms to copy\.$/.test(
          e.message,
        ),
    );
    assert.equal(source.fetches, 1, 'only the index was read');
  });

  it(`refuses a graph of more than ${MAX_GRAPH_BLOBS.toLocaleString('en-US')} blobs`, async function () {
    this.timeout(30_000);
    const source = new MemorySource();
    const config = source.put(MediaTypes.ociEmpty, '{}');
    const platform = (p: number): Descriptor => {
      const layers = Array.from({ length: MAX_GRAPH_BLOBS / 2 }, (_, i) => ({
        mediaType: MediaTypes.ociLayerGzip,
        digest: digestOf(Buffer.from(`${p}/${i}`)),
        size: 1,
      }));
      return {
        ...source.put(MediaTypes.ociManifest, { schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers }),
        platform: { os: 'linux', architecture: `a${p}` },
      };
    };
    const index = source.put(MediaTypes.ociIndex, {
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [platform(0), platform(1)],
    });
    await assert.rejects(
      collectGraph(source, index),
      (e: unknown) =>
        e instanceof CoreError &&
        e.code === 'GRAPH_TOO_LARGE' &&
        /brings the blobs to copy past 50,000, the most one copy plans/.test(e.message),
    );
  });
});

// Each limit at its edge, platform choices that change nothing, and what the root keeps: cases the
// mutation run found untested (docs/mutation.md).
describe('content graph: limits at their edge, and choices that change nothing', () => {
  const indexOf = (source: MemorySource, manifests: Descriptor[], extra: Record<string, unknown> = {}): Descriptor =>
    source.put(MediaTypes.ociIndex, { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests, ...extra });
  const tooLarge = (pattern: RegExp) => (e: unknown) => e instanceof CoreError && e.code === 'GRAPH_TOO_LARGE' && pattern.test(e.message);

  it('accepts indexes nested exactly as deep as allowed, and refuses one level more', async () => {
    const nested = (levels: number): { source: MemorySource; root: Descriptor } => {
      const source = new MemorySource();
      let current = image(source, 'bottom');
      for (let i = 0; i < levels; i++) current = indexOf(source, [current]);
      return { source, root: current };
    };
    const deepest = nested(7);
    assert.equal((await collectGraph(deepest.source, deepest.root)).manifests.length, 8);
    const deeper = nested(8);
    await assert.rejects(
      collectGraph(deeper.source, deeper.root),
      (e: unknown) =>
        e instanceof CoreError &&
        e.code === 'MANIFEST_LOOP' &&
        /^Manifests in memory nest deeper than 8 levels \((sha256:[0-9a-f]{64} → ){8}sha256:[0-9a-f]{64}\); the copy stops here\.$/.test(
          e.message,
        ),
    );
  });

  it('fetches a manifest an index lists twice once, and counts it once', async () => {
    const source = new MemorySource();
    const amd = { ...image(source, 'twice'), platform: { os: 'linux', architecture: 'amd64' } };
    const index = indexOf(
      source,
      Array.from({ length: MAX_GRAPH_MANIFESTS }, () => amd),
    );
    source.fetches = 0;
    const graph = await collectGraph(source, index);
    assert.equal(source.fetches, 2, 'the index and the image');
    assert.deepEqual(
      graph.manifests.map((m) => m.descriptor.digest),
      [amd.digest, index.digest],
    );
  });

  it('an image with platforms asked for, and an empty platform list, copy the root as it is', async () => {
    const source = new MemorySource();
    const plain = image(source, 'plain');
    const alone = await collectGraph(source, plain, { platforms: [{ os: 'linux', architecture: 'arm64' }] });
    assert.equal(alone.root.digest, plain.digest);
    assert.equal(alone.rewritten, false);
    const entries = ['amd64', 'arm64'].map((architecture) => ({ ...image(source, architecture), platform: { os: 'linux', architecture } }));
    // Pretty-printed, as some tools write it: any re-serialisation would change its digest.
    const index = source.put(
      MediaTypes.ociIndex,
      JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: entries }, null, 2),
    );
    for (const platforms of [[], entries.map((e) => e.platform)]) {
      const graph = await collectGraph(source, index, { platforms });
      assert.equal(graph.root.digest, index.digest, `platforms ${JSON.stringify(platforms)}: the same index`);
      assert.equal(graph.rewritten, false);
      assert.equal(graph.manifests.length, 3);
    }
  });

  it('one platform as a one-entry index when asked, and an image with its attestation as an index', async () => {
    const source = new MemorySource();
    const entries = ['amd64', 'arm64'].map((architecture) => ({ ...image(source, architecture), platform: { os: 'linux', architecture } }));
    const attestationOf = (entry: Descriptor, seed: string): Descriptor => ({
      ...image(source, seed),
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': entry.digest },
    });
    const attestation = attestationOf(entries[1]!, 'attestation');
    const amdAttestation = attestationOf(entries[0]!, 'amd-attestation');
    const index = indexOf(source, [...entries, attestation, amdAttestation]);
    const arm = [{ os: 'linux', architecture: 'arm64' }];
    for (const options of [{ platforms: arm, singlePlatformAsImage: false }, { platforms: arm }, { platforms: [...arm, ...arm] }]) {
      const asIndex = await collectGraph(source, index, options);
      const top = asIndex.manifests.at(-1)!;
      assert.equal(top.kind, 'index', JSON.stringify(options));
      assert.deepEqual(
        top.kind === 'index' ? top.index.manifests.map((m) => m.digest) : [],
        [entries[1]!.digest, attestation.digest],
        'arm64 and its own attestation, not amd64’s',
      );
      assert.equal(asIndex.rewritten, true);
      assert.deepEqual(asIndex.root, { mediaType: MediaTypes.ociIndex, digest: digestOf(top.bytes), size: top.bytes.length });
    }
    // Without attestations (a docker archive, an engine), one platform is its image.
    const alone = await collectGraph(source, index, { platforms: arm, attestations: false });
    assert.equal(alone.root.digest, entries[1]!.digest);
    assert.deepEqual(
      alone.manifests.map((m) => m.descriptor.digest),
      [entries[1]!.digest],
    );
    const bothAlone = await collectGraph(source, index, {
      platforms: [...arm, { os: 'linux', architecture: 'amd64' }],
      attestations: false,
    });
    const bothTop = bothAlone.manifests.at(-1)!;
    assert.deepEqual(
      bothTop.kind === 'index' ? bothTop.index.manifests.map((m) => m.digest) : [],
      entries.map((e) => e.digest),
      'two platforms without their attestations: an index of the two images',
    );
    await assert.rejects(
      collectGraph(source, index, { platforms: [{ os: 'linux', architecture: 'riscv64' }] }),
      (e: unknown) => e instanceof CoreError && /has no linux\/riscv64 image; it offers linux\/amd64, linux\/arm64\.$/.test(e.message),
    );
    // Two platforms asked for, one of them found twice: still an index, never the first image.
    const both = await collectGraph(source, index, { platforms: [...arm, { os: 'linux', architecture: 'amd64' }] });
    assert.equal(both.root.digest, index.digest, 'every platform chosen (the attestation follows its image): the same index');
  });

  it("keeps the root's annotations unless the root was rewritten", async () => {
    const source = new MemorySource();
    const entries = ['amd64', 'arm64'].map((architecture) => ({ ...image(source, architecture), platform: { os: 'linux', architecture } }));
    const index = { ...indexOf(source, entries), annotations: { 'org.opencontainers.image.ref.name': 'v1' } };
    assert.deepEqual((await collectGraph(source, index)).root.annotations, { 'org.opencontainers.image.ref.name': 'v1' });
    const subset = await collectGraph(source, index, { platforms: [{ os: 'linux', architecture: 'arm64' }] });
    assert.equal(subset.root.annotations, undefined);
  });

  it(`accepts exactly ${MAX_GRAPH_MANIFESTS} manifests`, async () => {
    const source = new MemorySource();
    const entries = Array.from({ length: MAX_GRAPH_MANIFESTS - 1 }, (_, i) => ({
      ...image(source, `edge${i}`),
      platform: { os: 'linux', architecture: `a${i}` },
    }));
    const graph = await collectGraph(source, indexOf(source, entries));
    assert.equal(graph.manifests.length, MAX_GRAPH_MANIFESTS);
  });

  it('counts the sizes an index declares before fetching, up to the byte', async () => {
    const source = new MemorySource();
    const a = image(source, 'declared-a');
    const b = image(source, 'declared-b');
    // Declared sizes alone past the limit: refused before either image is fetched.
    const big = indexOf(source, [
      { ...a, size: MAX_GRAPH_MANIFEST_BYTES / 2 },
      { ...b, size: MAX_GRAPH_MANIFEST_BYTES / 2 },
    ]);
    source.fetches = 0;
    await assert.rejects(
      collectGraph(source, big),
      tooLarge(
        /^Index sha256:[0-9a-f]{64} in memory brings the manifests to copy to 16 MiB \(3 manifests\), more than the 16 MiB one copy holds/,
      ),
    );
    assert.equal(source.fetches, 1);
    // Exactly at the limit with what the index itself weighs: accepted; one byte more is not.
    // Sizes space-padded to one width keep the index's length whatever they are, so they can fill the room to the byte.
    const sized = (sizeA: number, sizeB: number): string =>
      `{"schemaVersion":2,"mediaType":"${MediaTypes.ociIndex}","manifests":[` +
      `{"mediaType":"${a.mediaType}","digest":"${a.digest}","size":${String(sizeA).padStart(8, ' ')}},` +
      `{"mediaType":"${b.mediaType}","digest":"${b.digest}","size":${String(sizeB).padStart(8, ' ')}}]}`;
    const room = MAX_GRAPH_MANIFEST_BYTES - sized(0, 0).length;
    const fitting = source.put(MediaTypes.ociIndex, sized(Math.floor(room / 2), Math.ceil(room / 2)));
    assert.equal((await collectGraph(source, fitting)).manifests.length, 3, 'exactly 16 MiB declared in all');
    const over = source.put(MediaTypes.ociIndex, sized(Math.floor(room / 2), Math.ceil(room / 2) + 1));
    await assert.rejects(collectGraph(source, over), tooLarge(/more than the 16 MiB/));
  });

  it('counts manifests that arrive larger than declared', async () => {
    const source = new MemorySource();
    // Five images of 3.5 MiB each (a long annotation), each declared as 100 bytes.
    const heavy = Array.from({ length: 5 }, (_, i) => {
      const config = source.put(MediaTypes.ociConfig, { i });
      return source.put(MediaTypes.ociManifest, {
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config,
        layers: [],
        annotations: { padding: 'x'.repeat(3.5 * 1024 * 1024), i: String(i) },
      });
    });
    const index = indexOf(
      source,
      heavy.map((d, i) => ({ ...d, size: 100, platform: { os: 'linux', architecture: `a${i}` } })),
    );
    await assert.rejects(
      collectGraph(source, index),
      tooLarge(
        /^Manifest sha256:[0-9a-f]{64} in memory brings the manifests to copy to 17\.5 MiB \(6 manifests\), more than the 16 MiB one copy holds/,
      ),
    );
    const four = indexOf(
      source,
      heavy.slice(0, 4).map((d, i) => ({ ...d, size: 100, platform: { os: 'linux', architecture: `a${i}` } })),
    );
    assert.equal((await collectGraph(source, four)).manifests.length, 5, 'four of them fit');
  });

  it(`accepts exactly ${MAX_GRAPH_BLOBS.toLocaleString('en-US')} blobs`, async function () {
    this.timeout(30_000);
    const source = new MemorySource();
    const config = source.put(MediaTypes.ociEmpty, '{}');
    const platform = (p: number, count: number): Descriptor => ({
      ...source.put(MediaTypes.ociManifest, {
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config,
        layers: Array.from({ length: count }, (_, i) => ({
          mediaType: MediaTypes.ociLayerGzip,
          digest: digestOf(Buffer.from(`${p}/${i}`)),
          size: 1,
        })),
      }),
      platform: { os: 'linux', architecture: `a${p}` },
    });
    const index = indexOf(source, [platform(0, MAX_GRAPH_BLOBS / 2), platform(1, MAX_GRAPH_BLOBS / 2 - 1)]);
    assert.equal((await collectGraph(source, index)).blobs.length, MAX_GRAPH_BLOBS);
  });

  it('two platforms asked that name one entry keep an index; refusals list what is missing and what is offered', async () => {
    const source = new MemorySource();
    const entries = ['amd64', 'arm64'].map((architecture) => ({ ...image(source, architecture), platform: { os: 'linux', architecture } }));
    // An unknown/unknown entry is an attestation even without the annotations that say whose it is.
    const unlabelled = { ...image(source, 'unlabelled'), platform: { os: 'unknown', architecture: 'unknown' } };
    const index = indexOf(source, [...entries, unlabelled]);
    const amd = { os: 'linux', architecture: 'amd64' };
    const twice = await collectGraph(source, index, { platforms: [amd, amd] });
    const top = twice.manifests.at(-1)!;
    assert.equal(top.kind, 'index', 'two platforms asked for: an index, even of one entry');
    assert.deepEqual(top.kind === 'index' ? top.index.manifests.map((m) => m.digest) : [], [entries[0]!.digest]);
    await assert.rejects(
      collectGraph(source, index, {
        platforms: [
          { os: 'linux', architecture: 'riscv64' },
          { os: 'linux', architecture: 's390x' },
        ],
      }),
      (e: unknown) => e instanceof CoreError && /has no linux\/riscv64, linux\/s390x image;/.test(e.message),
    );
    const onlyAttestations = indexOf(source, [unlabelled]);
    await assert.rejects(
      collectGraph(source, onlyAttestations, { platforms: [amd] }),
      (e: unknown) => e instanceof CoreError && /has no linux\/amd64 image; it offers no platforms\.$/.test(e.message),
    );
  });

  it('counts a manifest larger than declared by the bytes it adds, not by its whole size again', async () => {
    const source = new MemorySource();
    // Four images of 3.5 MiB each, each declared one byte short: 14 MiB in all, which fits.
    const heavy = [0, 1, 2, 3].map((i) =>
      source.put(MediaTypes.ociManifest, {
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config: source.put(MediaTypes.ociConfig, { heavy: i }),
        layers: [],
        annotations: { padding: 'x'.repeat(3.5 * 1024 * 1024), i: String(i) },
      }),
    );
    const short = indexOf(
      source,
      heavy.map((d, i) => ({ ...d, size: d.size - 1, platform: { os: 'linux', architecture: `a${i}` } })),
    );
    assert.equal((await collectGraph(source, short)).manifests.length, 5, 'the extra byte each, not the whole manifest again');
  });
});
