// Reading one file out of a layer held by a real CNCF Distribution registry: the blob is fetched
// by the core's client, checked against its digest when read whole, and left half-downloaded when
// the file comes early in a big layer. Saving a file reads the whole layer and writes the whole file.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline, Transform, type Readable } from 'node:stream';
import { readLayerFile, registryLayer, type OpenLayer } from '../../src/core/layers/layer-file-read';
import { listLayerFiles } from '../../src/core/layers/layer-files';
import { MediaTypes } from '../../src/core/oci/media-types';
import { saveLayerFile } from '../../src/core/layout/layer-file-save';
import type { Descriptor } from '../../src/core/oci/manifest';
import { verifyingStream } from '../../src/core/oci/verify-stream';
import type { RegistrySession } from '../../src/core/registry/session';
import { OciLayout, pushToRegistry, seededBytes, type BuiltImage } from '../support/lab/content';
import { plainSession } from '../support/lab/lab-helpers';
import { Lab, type LabRegistry } from '../support/lab/registry';

const MIB = 1024 * 1024;
const FIXTURE_LAYERS = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'layers');

/** Counts the compressed bytes that came from the registry through `open`. */
function counted(open: OpenLayer): { open: OpenLayer; received: () => number } {
  let received = 0;
  return {
    received: () => received,
    open: async (signal) => {
      const source = await open(signal);
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          received += chunk.length;
          callback(null, chunk);
        },
      });
      source.on('error', (err) => counter.destroy(err));
      counter.on('close', () => source.destroy());
      return source.pipe(counter) as Readable;
    },
  };
}

describe('reading a file out of a layer in a registry (lab)', function () {
  this.timeout(120_000);
  let lab: Lab;
  let registry: LabRegistry;
  let session: RegistrySession;
  let small: BuiltImage;
  let big: BuiltImage;
  let zstdLayer: Descriptor;

  before(async () => {
    lab = await Lab.create();
    registry = await lab.startRegistry({ name: 'layer-file' });
    const layout = await OciLayout.create(join(lab.dir, 'content', 'layer-file'));
    // Layer 0 starts with etc/os-release, then seeded random files (incompressible) of about the size given.
    small = await layout.image({ seed: 'small-layer', layers: [64 * 1024] });
    big = await layout.image({ seed: 'big-layer', layers: [24 * MIB] });
    await pushToRegistry(layout, small, registry, 'files/small:1');
    await pushToRegistry(layout, big, registry, 'files/big:1');
    // A zstd layer laid out as podman's zstd:chunked (frames of 32 MiB windows behind skippable
    // frames), made by GNU tar and the zstd CLI (test/fixtures/layers/make.sh).
    const chunked = await layout.artifact({
      artifactType: 'application/vnd.example.layer-holder',
      files: { 'layer.tar.zst': { data: readFileSync(join(FIXTURE_LAYERS, 'chunked.tar.zst')), mediaType: MediaTypes.ociLayerZstd } },
    });
    await pushToRegistry(layout, chunked, registry, 'files/zstd:1');
    zstdLayer = (chunked.manifest.layers as Descriptor[])[0]!;
    session = plainSession(registry.url);
  });

  after(async () => {
    await session?.close();
    await lab?.stopAll();
  });

  const layerOf = (repository: string, descriptor: Descriptor): OpenLayer =>
    registryLayer(session.registry(registry.host).repository(repository), descriptor);

  it('reads a file from a small layer, which it reads whole and so verifies', async () => {
    const layer = small.layers[0]!.descriptor;
    const blob = counted(layerOf('files/small', layer));
    const result = await readLayerFile(blob.open, '/etc/os-release', { layerSize: layer.size, mediaType: layer.mediaType });
    assert.equal(result.content.toString(), 'NAME="Lab Linux"\nID=lab\nVERSION_ID="small-layer"\n');
    assert.equal(result.wholeLayerRead, true);
    assert.equal(blob.received(), layer.size);
  });

  it('stops the download of a big layer once the file is read, and says the layer is unverified', async () => {
    const layer = big.layers[0]!.descriptor;
    assert.ok(layer.size > 20 * MIB, `the layer is ${layer.size} bytes`);
    const blob = counted(layerOf('files/big', layer));
    const result = await readLayerFile(blob.open, 'etc/os-release', { layerSize: layer.size });
    assert.match(result.content.toString(), /VERSION_ID="big-layer"/);
    assert.equal(result.wholeLayerRead, false);
    assert.ok(blob.received() < 4 * MIB, `received ${blob.received()} of ${layer.size} bytes`);
  });

  it('says which files a layer lacks and which cannot be opened, against the registry', async () => {
    const layer = small.layers[0]!.descriptor;
    await assert.rejects(readLayerFile(layerOf('files/small', layer), 'etc/passwd', { layerSize: layer.size }), {
      code: 'LAYER_FILE_NOT_FOUND',
    });
    await assert.rejects(readLayerFile(layerOf('files/small', layer), 'etc', { layerSize: layer.size }), {
      code: 'LAYER_FILE_NOT_READABLE',
    });
  });

  it('fails with the digest check when the descriptor names other bytes', async () => {
    const layer = small.layers[0]!.descriptor;
    // The registry serves the blob by digest; a wrong size makes the verifier refuse what arrives.
    const wrong = { ...layer, size: layer.size - 1 };
    await assert.rejects(readLayerFile(layerOf('files/small', wrong), 'layer-0/file-0.bin', { layerSize: wrong.size }), {
      code: 'SIZE_MISMATCH',
      message: /^layer sha256:[0-9a-f]{64}: The content .* should be \d+ bytes but more than that arrived/,
    });
  });
  it("reads a file and lists a zstd layer from the registry, through this Node's zstd decoder (fzstd's watched thread before 22.15)", async () => {
    const open = layerOf('files/zstd', zstdLayer);
    const result = await readLayerFile(open, 'etc/hostname', { layerSize: zstdLayer.size, mediaType: zstdLayer.mediaType });
    assert.equal(result.content.toString(), 'zstd-layer\n');
    assert.equal(result.wholeLayerRead, true);
    const names: string[] = [];
    for await (const entry of listLayerFiles(await open(new AbortController().signal))) names.push(entry.path);
    assert.ok(names.includes('usr/share/doc/notes.txt') && names.includes('etc/hostname'), names.join(', '));
  });

  it('saves the last file of a big layer whole, after reading the layer to its end', async () => {
    const layer = big.layers[0]!.descriptor;
    const blob = counted(layerOf('files/big', layer));
    const dir = mkdtempSync(join(tmpdir(), 'saved-'));
    const target = join(dir, 'file-3.bin');
    const saved = await saveLayerFile(blob.open, 'layer-0/file-3.bin', target, { mediaType: layer.mediaType });
    // The layer's files are seeded random bytes (test/support/lab/oci-layout.ts): 24 MiB in four parts.
    const part = Math.floor((24 * MIB) / 4);
    const expected = Buffer.concat([...seededBytes('big-layer/layer-0/3', part).chunks()]);
    const written = readFileSync(target);
    assert.equal(saved.size, part);
    assert.ok(written.equals(expected), 'the saved bytes differ from the file pushed');
    assert.equal(blob.received(), layer.size);
    assert.deepEqual(readdirSync(dir), ['file-3.bin']);
  });

  it('reads the whole layer to save a file that comes first, so the layer is verified', async () => {
    const layer = big.layers[0]!.descriptor;
    const blob = counted(layerOf('files/big', layer));
    const dir = mkdtempSync(join(tmpdir(), 'saved-'));
    await saveLayerFile(blob.open, 'etc/os-release', join(dir, 'os-release'));
    assert.equal(readFileSync(join(dir, 'os-release'), 'utf8'), 'NAME="Lab Linux"\nID=lab\nVERSION_ID="big-layer"\n');
    assert.equal(blob.received(), layer.size);
  });

  it("leaves no file when the registry's bytes fail the descriptor's check at the layer's end", async () => {
    const layer = big.layers[0]!.descriptor;
    const dir = mkdtempSync(join(tmpdir(), 'saved-'));
    // The registry serves the blob by digest: a wrong digest in the descriptor fails only once all of it arrived.
    const wrong = { ...layer, digest: `sha256:${'0'.repeat(64)}` };
    const served = registryLayer(session.registry(registry.host).repository('files/big'), layer);
    const checked: OpenLayer = async (signal) => {
      const source = await served(signal);
      const verifier = verifyingStream(wrong, `layer ${wrong.digest}`);
      pipeline(source, verifier, () => undefined);
      return verifier;
    };
    await assert.rejects(saveLayerFile(checked, 'etc/os-release', join(dir, 'os-release')), { code: 'DIGEST_MISMATCH' });
    assert.deepEqual(readdirSync(dir), []);
  });
});
