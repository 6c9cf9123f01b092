// Comparisons read from a real Distribution registry: two images (labels and layers differ), an
// image with itself (no differences), and two indexes paired by platform.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { compareImages, pairPlatforms } from '../../src/core/operations/compare';
import { readComparedImage } from '../../src/core/operations/compare-read';
import { compareFileSystems, readFileSystems } from '../../src/core/operations/compare-files';
import type { RegistrySession } from '../../src/core/registry/session';
import { MediaTypes } from '../../src/core/oci/media-types';
import { OciLayout, pushToRegistry } from '../support/lab/content';
import { plainSession } from '../support/lab/lab-helpers';
import { Lab, type LabRegistry } from '../support/lab/registry';

describe('comparisons against a real registry', function () {
  let lab: Lab;
  let registry: LabRegistry;
  let session: RegistrySession;

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    registry = await lab.startRegistry({ name: 'compare' });
    const layout = await OciLayout.create(join(lab.dir, 'content', 'compare'));
    await pushToRegistry(layout, await layout.image({ seed: 'cmp-1', layers: [4096], labels: { version: '1' } }), registry, 'cmp/app:1');
    await pushToRegistry(
      layout,
      await layout.image({ seed: 'cmp-2', layers: [4096, 2048], labels: { version: '2' } }),
      registry,
      'cmp/app:2',
    );
    await pushToRegistry(layout, await layout.multiPlatformIndex({ seed: 'cmp-index-1' }), registry, 'cmp/multi:1');
    await pushToRegistry(layout, await layout.multiPlatformIndex({ seed: 'cmp-index-2' }), registry, 'cmp/multi:2');
    session = plainSession(registry.url);
  });

  after(async function () {
    await session?.close();
    await lab?.stopAll();
  });

  const image = async (repository: string, reference: string) => {
    const repo = session.registry(registry.host).repository(repository);
    return readComparedImage(repo, await repo.getManifest(reference));
  };

  it('compares two images: layers by digest, the size change and the changed label', async function () {
    const [one, two] = [await image('cmp/app', '1'), await image('cmp/app', '2')];
    const c = compareImages(one, two);
    assert.equal(c.identical, false);
    assert.deepEqual(
      c.layers.added.map((l) => l.digest),
      two.manifest.layers.map((l) => l.digest),
    );
    assert.equal(c.layers.removed.length, 1);
    assert.equal(c.size.change, c.size.after - c.size.before);
    assert.deepEqual(
      c.config.find((s) => s.setting === 'Label version'),
      { setting: 'Label version', before: '1', after: '2' },
    );
  });

  it('finds no differences between an image and itself', async function () {
    const c = compareImages(await image('cmp/app', '1'), await image('cmp/app', '1'));
    assert.equal(c.identical, true);
    assert.deepEqual([c.layers.added, c.layers.removed, c.config, c.history.added, c.history.removed], [[], [], [], [], []]);
    assert.equal(c.layers.shared.length, 1);
  });

  it('pairs two indexes by platform and compares one platform', async function () {
    const repo = session.registry(registry.host).repository('cmp/multi');
    const [a, b] = [await repo.getManifest('1'), await repo.getManifest('2')];
    assert.ok(a.kind === 'index' && b.kind === 'index');
    const pairs = pairPlatforms(a.index, b.index);
    assert.deepEqual(
      pairs.map((p) => p.platform),
      ['linux/amd64', 'linux/arm64/v8'],
    );
    const arm = pairs[1]!;
    const c = compareImages(
      await readComparedImage(repo, await repo.getManifest(arm.before!.digest)),
      await readComparedImage(repo, await repo.getManifest(arm.after!.digest)),
    );
    assert.equal(c.identical, false);
    assert.ok(!c.config.some((s) => s.setting === 'Platform'), 'the same platform on both sides');
  });

  it('compares the files of two images by streaming their layers, and finds none changed against itself', async function () {
    const repo = session.registry(registry.host).repository('cmp/app');
    const [one, two] = [await image('cmp/app', '1'), await image('cmp/app', '2')];
    const layersRead: number[] = [];
    const systems = await readFileSystems(
      { before: repo, after: repo },
      { before: one.manifest.layers, after: two.manifest.layers },
      { onLayer: (done) => layersRead.push(done) },
    );
    assert.equal(layersRead.length, 3, 'each distinct layer is read once');
    const c = compareFileSystems(systems.before, systems.after);
    assert.ok(c.added.length + c.removed.length + c.changed.length > 0, 'the two images hold different files');
    const same = await readFileSystems({ before: repo, after: repo }, { before: one.manifest.layers, after: one.manifest.layers });
    assert.deepEqual(compareFileSystems(same.before, same.after), { added: [], removed: [], changed: [] });
    const abort = new AbortController();
    abort.abort();
    await assert.rejects(
      readFileSystems({ before: repo, after: repo }, { before: one.manifest.layers, after: two.manifest.layers }, { signal: abort.signal }),
      /cancelled/,
    );
  });

  it('leaves out foreign and non-distributable layers, which the registry does not hold, and says which', async () => {
    const repo = session.registry(registry.host).repository('cmp/app');
    const [one, two] = [await image('cmp/app', '1'), await image('cmp/app', '2')];
    const hosted = (mediaType: string, n: number) => ({
      mediaType,
      digest: `sha256:${n.toString(16).padStart(64, 'f')}`,
      size: 1024,
      urls: [`https://mcr.microsoft.com/v2/windows/servercore/blobs/sha256:${n}`],
    });
    const foreign = hosted(MediaTypes.dockerForeignLayer, 1);
    const nondistributable = hosted(MediaTypes.ociNondistributableLayerGzip, 2);
    const systems = await readFileSystems(
      { before: repo, after: repo },
      { before: [foreign, ...one.manifest.layers], after: [foreign, nondistributable, ...two.manifest.layers] },
    );
    assert.deepEqual(
      systems.notIncluded.map((l) => l.digest),
      [foreign.digest, nondistributable.digest],
    );
    const plain = await readFileSystems({ before: repo, after: repo }, { before: one.manifest.layers, after: two.manifest.layers });
    assert.deepEqual(compareFileSystems(systems.before, systems.after), compareFileSystems(plain.before, plain.after));
    assert.deepEqual(plain.notIncluded, []);
  });
});
