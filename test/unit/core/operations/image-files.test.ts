// An image's files read from layers a fake repository serves: the refusals of a listing too large
// speak of the image's files (and name the layer at fault), not of "the layer"; any other refusal names its layer.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { CoreError } from '../../../../src/core/errors';
import { listLayerFiles } from '../../../../src/core/layers/layer-files';
import type { Descriptor } from '../../../../src/core/oci/manifest';
import { MediaTypes } from '../../../../src/core/oci/media-types';
import { readFileSystems } from '../../../../src/core/operations/compare-files';
import { readImageFiles, type ImageFilesOptions } from '../../../../src/core/operations/image-files';
import type { Repository } from '../../../../src/core/registry/repository';
import { tarChunks } from '../../../support/lab/tar';

/** A layer of `count` files named `prefix0`, `prefix1`, …, with its descriptor. */
function layer(prefix: string, count: number): { descriptor: Descriptor; bytes: Buffer } {
  const bytes = Buffer.concat([...tarChunks(Array.from({ length: count }, (_, i) => ({ name: `${prefix}${i}`, data: Buffer.from('x') })))]);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  return { descriptor: { mediaType: MediaTypes.ociLayer, digest, size: bytes.length }, bytes };
}

/** A repository that serves these layers' blobs and nothing else. */
function repositoryOf(layers: readonly { descriptor: Descriptor; bytes: Buffer }[]): Repository {
  const blobs = new Map(layers.map((l) => [l.descriptor.digest, l.bytes]));
  return {
    openBlob: async (descriptor: Descriptor) => {
      const bytes = blobs.get(descriptor.digest);
      if (!bytes) throw new Error(`no blob ${descriptor.digest}`);
      return Readable.from([bytes]);
    },
  } as unknown as Repository;
}

async function refusal(layers: readonly { descriptor: Descriptor; bytes: Buffer }[], options: ImageFilesOptions): Promise<CoreError> {
  const err = await readImageFiles(
    repositoryOf(layers),
    layers.map((l) => l.descriptor),
    options,
  ).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof CoreError, `expected a CoreError, got ${String(err)}`);
  return err;
}

describe("image files: a listing too large, in words about the image's files", () => {
  const layers = [layer('a', 2), layer('b', 5), layer('c', 2)];

  it('lists every layer within the limits', async () => {
    const { files } = await readImageFiles(
      repositoryOf(layers),
      layers.map((l) => l.descriptor),
      { limits: { layerEntries: 5, imageEntries: 9 } },
    );
    assert.equal(files.size, 9);
    assert.equal(files.get('b4')?.layer.index, 1);
  });

  it('names the layer with more entries than one layer may list, as part of the image', async () => {
    const err = await refusal(layers, { limits: { layerEntries: 4 } });
    assert.equal(err.code, 'LAYER_TOO_MANY_ENTRIES');
    assert.equal(
      err.message,
      "The image's files are too many to list: its layer 2 of 3 alone has more than 4 entries; pull the image to look at its files on disk.",
    );
    assert.doesNotMatch(err.message, /The layer/);
  });

  it('counts layers in the manifest order, foreign ones too', async () => {
    const foreign: Descriptor = { mediaType: MediaTypes.dockerForeignLayer, digest: `sha256:${'f'.repeat(64)}`, size: 10 };
    const err = await readImageFiles(repositoryOf(layers), [foreign, ...layers.map((l) => l.descriptor)], {
      limits: { layerEntries: 4 },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof CoreError);
    assert.match(err.message, /^The image's files are too many to list: its layer 3 of 4 alone has more than 4 entries;/);
  });

  it('refuses more entries than all layers together may list', async () => {
    const err = await refusal(layers, { limits: { imageEntries: 6 } });
    assert.equal(err.code, 'LAYER_TOO_MANY_ENTRIES');
    assert.equal(
      err.message,
      "The image's layers list more than 6 entries together, too many to show at once; open its layers one by one, or pull the image to look at its files on disk.",
    );
  });

  it('leaves a layer listed on its own to speak of the layer', async () => {
    const err = await (async () => {
      try {
        for await (const entry of listLayerFiles(Readable.from([layers[1]!.bytes]), { maxEntries: 4 })) void entry;
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof CoreError);
    assert.equal(err.message, 'The layer has more than 4 entries, too many to list; pull the image to look at its files on disk.');
  });

  it("names the layer at fault for any other refusal, in an image's files and in a comparison", async () => {
    const damaged = { descriptor: { ...layers[1]!.descriptor }, bytes: Buffer.from(layers[1]!.bytes) };
    damaged.bytes.fill(0x41, 100, 156); // the first header's checksum and more, as text
    damaged.descriptor.digest = `sha256:${createHash('sha256').update(damaged.bytes).digest('hex')}`;
    const short = damaged.descriptor.digest.slice(7, 19);
    const err = await refusal([layers[0]!, damaged], {});
    assert.match(err.message, new RegExp(`^Layer 2 of 2 \\(${short}\\): The layer`));
    const compared = await readFileSystems(
      { before: repositoryOf([layers[0]!]), after: repositoryOf([damaged]) },
      { before: [layers[0]!.descriptor], after: [damaged.descriptor] },
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(compared instanceof CoreError);
    assert.equal(compared.code, err.code);
    assert.match(compared.message, new RegExp(`^Layer \\(${short}\\): The layer`));
  });

  it('leaves a cancellation as it is', async () => {
    const abort = new AbortController();
    abort.abort();
    const err = await refusal(layers, { signal: abort.signal });
    assert.equal(err.code, 'CANCELLED');
    assert.doesNotMatch(err.message, /^Layer/);
  });
});
