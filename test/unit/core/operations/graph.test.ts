import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type { ReadTarget } from '../../../../src/core/oci/content';
import { digestOf } from '../../../../src/core/oci/digest';
import { CoreError } from '../../../../src/core/errors';
import type { Descriptor } from '../../../../src/core/oci/manifest';
import { MediaTypes } from '../../../../src/core/oci/media-types';
import { collectGraph, MAX_GRAPH_BLOBS, MAX_GRAPH_MANIFESTS } from '../../../../src/core/operations/graph';

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
