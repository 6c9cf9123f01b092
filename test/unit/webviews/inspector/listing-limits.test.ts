// The inspector's Files listing refused for its size: a layer's page speaks of the layer, the
// image's "All files" page of the image's files. The service runs on the real core, with lower
// limits put in its way, and the words checked are the ones the page shows (errorText). And a
// listing no page waits for any more stops building its tree.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import * as core from '../../../../src/core/index';
import type { Descriptor, ParsedManifest, RegistrySession, Repository } from '../../../../src/core/index';
import { MediaTypes } from '../../../../src/core/oci/media-types';
import type { ContentCache } from '../../../../src/common/content-cache';
import { errorText } from '../../../../src/common/error-text';
import { InspectorService } from '../../../../src/webviews/inspector/service';
import type { FileSystemLocation, LayerLocation } from '../../../../src/webviews/inspector/protocol';
import { tarChunks } from '../../../support/lab/tar';

const HOST = 'registry.example.com';
const REPOSITORY = 'team/app';

/** A layer whose files `paths` imply folders the archive does not list. */
function layer(paths: string[]): { descriptor: Descriptor; bytes: Buffer } {
  const bytes = Buffer.concat([...tarChunks(paths.map((name) => ({ name, data: Buffer.from('x') })))]);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  return { descriptor: { mediaType: MediaTypes.ociLayer, digest, size: bytes.length }, bytes };
}

const layers = [layer(['usr/lib/a/x', 'usr/lib/b/y', 'usr/lib/c']), layer(['opt/tool/bin/run', 'etc/app/conf.d/z'])];
const blobs = new Map(layers.map((l) => [l.descriptor.digest, l.bytes]));
const repository = {
  openBlob: async (descriptor: Descriptor) => Readable.from([blobs.get(descriptor.digest)!]),
} as unknown as Repository;
const session = (() => ({ registry: () => ({ repository: () => repository }) })) as unknown as () => RegistrySession;
const manifestDigest = `sha256:${'1'.repeat(64)}`;
const image: ParsedManifest = {
  kind: 'image',
  mediaType: MediaTypes.ociManifest,
  descriptor: { mediaType: MediaTypes.ociManifest, digest: manifestDigest, size: 100 },
  bytes: Buffer.from('{}'),
  manifest: {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: `sha256:${'2'.repeat(64)}`, size: 2 },
    layers: layers.map((l) => l.descriptor),
  },
};
const content = { manifest: async () => image } as unknown as ContentCache;

/** The core, with the tree builder's folder limit lowered to `maxImpliedFolders` and the per-layer entry limit of an image to `layerEntries`. */
function coreWith(limits: { maxImpliedFolders?: number; layerEntries?: number }): typeof core {
  return {
    ...core,
    layerFileTreeAsync: (entries, options = {}, building) =>
      core.layerFileTreeAsync(entries, { ...options, maxImpliedFolders: limits.maxImpliedFolders }, building),
    readImageFiles: (repo, descriptors, options = {}) =>
      core.readImageFiles(repo, descriptors, { ...options, limits: { layerEntries: limits.layerEntries } }),
  };
}

async function shown(run: (service: InspectorService) => Promise<unknown>, limits: Parameters<typeof coreWith>[0]): Promise<string> {
  const service = new InspectorService(session, coreWith(limits), content);
  const err = await run(service).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof core.CoreError && err.code === 'LAYER_TOO_MANY_ENTRIES', `expected LAYER_TOO_MANY_ENTRIES, got ${String(err)}`);
  return errorText(err);
}

describe('inspector: a Files listing too large, in the words of its page', () => {
  const signal = new AbortController().signal;
  const layerPage: LayerLocation = { kind: 'layer', host: HOST, repository: REPOSITORY, ...layers[1]!.descriptor };
  const allFiles: FileSystemLocation = { kind: 'filesystem', host: HOST, repository: REPOSITORY, digest: manifestDigest };

  it("a layer's page speaks of the layer", async () => {
    assert.equal(
      await shown((s) => s.listLayer(layerPage, signal, () => undefined), { maxImpliedFolders: 3 }),
      "The layer's files are in more than 3 folders it does not list itself, too many to show; pull the image to look at its files on disk.",
    );
  });

  it("the All files page speaks of the image's files", async () => {
    const text = await shown((s) => s.listImageFiles(allFiles, signal, () => undefined), { maxImpliedFolders: 3 });
    assert.equal(
      text,
      "The image's files are in more than 3 folders its layers do not list themselves, too many to show at once; open its layers one by one, or pull the image to look at its files on disk.",
    );
    assert.doesNotMatch(text, /layer's/);
  });

  it('the All files page names the layer with too many entries as one of the image', async () => {
    const text = await shown((s) => s.listImageFiles(allFiles, signal, () => undefined), { layerEntries: 2 });
    assert.equal(
      text,
      "The image's files are too many to list: its layer 1 of 2 alone has more than 2 entries; pull the image to look at its files on disk.",
    );
  });

  it('lists both within the limits', async () => {
    const service = new InspectorService(session, coreWith({}), content);
    const listed = await service.listLayer(layerPage, signal, () => undefined);
    assert.ok('entries' in listed);
    assert.equal(listed.entries, 2);
    const files = await service.listImageFiles(allFiles, signal, () => undefined);
    assert.deepEqual([files.entries, files.layers], [5, 2]);
  });
});

describe('inspector: a Files listing no page waits for', () => {
  const layerPage: LayerLocation = { kind: 'layer', host: HOST, repository: REPOSITORY, ...layers[1]!.descriptor };
  const allFiles: FileSystemLocation = { kind: 'filesystem', host: HOST, repository: REPOSITORY, digest: manifestDigest };
  const listings: Record<string, (service: InspectorService, signal: AbortSignal) => Promise<unknown>> = {
    "a layer's": (service, signal) => service.listLayer(layerPage, signal, () => undefined),
    "an image's": (service, signal) => service.listImageFiles(allFiles, signal, () => undefined),
  };

  for (const [whose, list] of Object.entries(listings)) {
    it(`stops building ${whose} tree once its page has gone`, async () => {
      const page = new AbortController();
      let building: Promise<unknown> | undefined;
      let builderSignal: AbortSignal | undefined;
      const closingCore: typeof core = {
        ...core,
        layerFileTreeAsync: (entries, limits, options) => {
          builderSignal = options?.signal;
          page.abort(); // the panel closes while the files are sorted into folders
          const tree = core.layerFileTreeAsync(entries, limits, options);
          building = tree.catch((err: unknown) => err);
          return tree;
        },
      };
      const err = await list(new InspectorService(session, closingCore, content), page.signal).catch((e: unknown) => e);
      assert.equal((err as { code?: string }).code, 'CANCELLED', String(err));
      assert.ok(builderSignal?.aborted, "the builder's signal is aborted when the last page waiting leaves");
      const stopped = await building;
      assert.ok(stopped instanceof core.CoreError && stopped.code === 'CANCELLED', `the builder ended with ${String(stopped)}`);
    });
  }
});
