// An image's files with all its layers applied, read from a real CNCF Distribution registry: a file
// replaced in a later layer comes from that layer (and reads as its new content there), a whiteout
// deletes a folder of a lower layer, an opaque folder hides what lay below it, foreign layers are
// left out and named, and progress counts every layer's bytes.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { readLayerFile, registryLayer } from '../../src/core/layers/layer-file-read';
import { MediaTypes } from '../../src/core/oci/media-types';
import { readImageFiles, type ImageFilesProgress } from '../../src/core/operations/image-files';
import type { RegistrySession } from '../../src/core/registry/session';
import { OciLayout, pushToRegistry, type BuiltImage } from '../support/lab/content';
import { plainSession } from '../support/lab/lab-helpers';
import { Lab } from '../support/lab/registry';

/** Tar entry content from text. */
const text = (value: string): Buffer => Buffer.from(value);

describe("an image's files, all layers applied (lab)", function () {
  this.timeout(120_000);
  let lab: Lab;
  let session: RegistrySession;
  let host: string;
  let image: BuiltImage;

  before(async () => {
    lab = await Lab.create();
    const registry = await lab.startRegistry({ name: 'image-files' });
    host = registry.host;
    const layout = await OciLayout.create(join(lab.dir, 'content', 'image-files'));
    image = await layout.image({
      seed: 'image-files',
      layers: [0, 0, 0],
      layerFiles: [
        [
          { name: 'etc', directory: true },
          { name: 'etc/os-release', data: text('ID=lab\nVERSION_ID=1\n') },
          { name: 'usr/lib/plugins/a.so', data: text('a') },
          { name: 'usr/lib/plugins/b.so', data: text('b') },
          { name: 'usr/lib/plugins.conf', data: text('keep') },
          { name: 'opt', directory: true },
          { name: 'opt/old/tool', data: text('old'), mode: 0o755 },
        ],
        [
          { name: 'etc/os-release', data: text('ID=lab\nVERSION_ID=2\n') },
          { name: 'usr/lib/.wh.plugins', data: text('') },
          { name: 'usr/local/bin/app', data: text('app'), mode: 0o755 },
        ],
        [
          { name: 'opt', directory: true },
          { name: 'opt/.wh..wh..opq', data: text('') },
          { name: 'opt/new', data: text('new') },
          { name: 'usr/local/bin/run', type: 'symlink', linkTarget: 'app' },
        ],
      ],
    });
    await pushToRegistry(layout, image, registry, 'files/merged:1');
    session = plainSession(registry.url);
  });

  after(async () => {
    await session?.close();
    await lab?.stopAll();
  });

  const repository = () => session.registry(host).repository('files/merged');
  const layers = () => image.layers.map((l) => l.descriptor);

  it('holds what a container would see, each file marked with the layer it comes from', async () => {
    const { files, notIncluded } = await readImageFiles(repository(), layers());
    assert.deepEqual([...files.values()].map((f) => `${f.path} ${f.layer.index}`).sort(), [
      'etc 0',
      'etc/os-release 1',
      'opt 2',
      'opt/new 2',
      'usr/lib/plugins.conf 0',
      'usr/local/bin/app 1',
      'usr/local/bin/run 2',
    ]);
    assert.deepEqual(notIncluded, []);
    assert.equal(files.get('usr/local/bin/run')?.linkTarget, 'app');
  });

  it('marks a link with the file it leads to, in the layer that holds that file', async () => {
    const { files } = await readImageFiles(repository(), layers());
    const run = files.get('usr/local/bin/run')!;
    assert.equal(run.layer.index, 2);
    assert.deepEqual(run.leadsTo, { path: 'usr/local/bin/app', layer: files.get('usr/local/bin/app')!.layer });
    assert.equal(run.leadsTo.layer.index, 1);
    const read = await readLayerFile(registryLayer(repository(), run.leadsTo.layer.descriptor), run.leadsTo.path, {
      layerSize: run.leadsTo.layer.descriptor.size,
    });
    assert.equal(read.content.toString(), 'app');
  });

  it('reads a replaced file from the layer it names, with the newer content', async () => {
    const { files } = await readImageFiles(repository(), layers());
    const release = files.get('etc/os-release')!;
    assert.equal(release.layer.descriptor.digest, image.layers[1]!.descriptor.digest);
    const read = await readLayerFile(registryLayer(repository(), release.layer.descriptor), release.path, {
      layerSize: release.layer.descriptor.size,
    });
    assert.equal(read.content.toString(), 'ID=lab\nVERSION_ID=2\n');
  });

  it('reports progress over every layer, ending at their total size', async () => {
    const seen: ImageFilesProgress[] = [];
    await readImageFiles(repository(), layers(), { onProgress: (p) => seen.push(p) });
    const total = layers().reduce((sum, l) => sum + l.size, 0);
    assert.ok(seen.every((p) => p.size === total && p.bytesRead <= total));
    assert.ok(
      seen.every((p, i) => i === 0 || p.bytesRead >= seen[i - 1]!.bytesRead),
      'never goes back',
    );
    assert.deepEqual(seen.at(-1), { bytesRead: total, size: total, entries: 14 });
  });

  it('leaves out a foreign layer and names it; a cancelled read says so', async () => {
    const foreign = {
      mediaType: MediaTypes.dockerForeignLayer,
      digest: `sha256:${'f'.repeat(64)}`,
      size: 1024,
      urls: ['https://mcr.microsoft.com/v2/windows/servercore/blobs/sha256:1'],
    };
    const { files, notIncluded, size } = await readImageFiles(repository(), [foreign, ...layers()]);
    assert.equal(
      size,
      layers().reduce((sum, l) => sum + l.size, 0),
      'the size counts the layers read, not the foreign one',
    );
    assert.deepEqual(
      notIncluded.map((l) => l.digest),
      [foreign.digest],
    );
    assert.equal(files.get('etc/os-release')?.layer.index, 2, "indexes count the manifest's layers, the foreign one included");
    const abort = new AbortController();
    abort.abort();
    await assert.rejects(readImageFiles(repository(), layers(), { signal: abort.signal }), /cancelled/);
  });
});
