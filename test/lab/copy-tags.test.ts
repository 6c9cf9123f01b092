// Copying content the target already has, under a new tag: nothing is uploaded again, but the new
// tag is written and points at the content, and the old tag stays. Layout to layout, and registry
// to registry with the target behind a fault proxy counting the requests that reach it.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { OciImageLayout } from '../../src/core/layout/oci-layout';
import { copy, type CopyResult } from '../../src/core/operations/copy';
import type { Descriptor } from '../../src/core/oci/manifest';
import type { RegistrySession } from '../../src/core/registry/session';
import { OciLayout, pushToRegistry, type BuiltImage, type BuiltIndex } from '../support/lab/content';
import { FaultProxy } from '../support/lab/fault-proxy';
import { plainSession } from '../support/lab/lab-helpers';
import { Lab, type LabRegistry } from '../support/lab/registry';

describe('copying content the target already has, under another tag', function () {
  let lab: Lab;
  let source: LabRegistry;
  let target: LabRegistry;
  let targetProxy: FaultProxy;
  let layout: OciLayout;
  let image: BuiltImage;
  let index: BuiltIndex;
  let session: RegistrySession;
  let folders = 0;

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    [source, target] = await Promise.all([lab.startRegistry({ name: 'tags-source' }), lab.startRegistry({ name: 'tags-target' })]);
    layout = await OciLayout.create(join(lab.dir, 'content', 'copy-tags'));
    image = await layout.image({ seed: 'copy-tags', layers: [16 * 1024, 4 * 1024], ref: 'image' });
    index = await layout.multiPlatformIndex({ seed: 'copy-tags-multi', ref: 'multi' });
    await Promise.all([pushToRegistry(layout, image, source, 'tags/image:1'), pushToRegistry(layout, index, source, 'tags/multi:1')]);
    targetProxy = await FaultProxy.start(target);
    session = plainSession([source.url, targetProxy.url]);
  });

  afterEach(() => targetProxy.clearRequests());

  after(async function () {
    await session?.close();
    await targetProxy?.stop();
    await lab?.stopAll();
  });

  const newLayout = () => OciImageLayout.open(join(lab.dir, 'copies', String(folders++)), { create: true });

  /** The names index.json lists, each with the digest it points at. */
  async function names(target: OciImageLayout): Promise<Record<string, string>> {
    return Object.fromEntries((await target.roots()).map((r) => [r.refName ?? '', r.descriptor.digest]));
  }

  function assertNothingMoved(second: CopyResult, blobs: number): void {
    assert.equal(second.blobs.copied, 0, 'no blob copied again');
    assert.equal(second.blobs.skipped, blobs, 'every blob found in the target');
    assert.equal(second.bytes.transferred, 0);
    assert.equal(second.manifests.stored, 1, 'only the root is stored again, under the new tag');
  }

  describe('layout to layout', () => {
    for (const which of ['image', 'index'] as const) {
      it(`an ${which}: the second copy adds its tag, keeps the first, and moves no blob`, async () => {
        const built = which === 'image' ? image : index;
        const blobs = which === 'image' ? 3 : 6;
        const from = await OciImageLayout.open(layout.dir);
        const to = await newLayout();
        const root: Descriptor = await from.resolve(built.ref);
        const first = await copy(from, to, root, { tag: 'a' });
        assert.equal(first.blobs.copied, blobs);
        const second = await copy(from, to, root, { tag: 'b' });
        assertNothingMoved(second, blobs);
        assert.deepEqual(await names(to), { a: built.descriptor.digest, b: built.descriptor.digest });
        assert.equal((await to.resolve('b')).digest, built.descriptor.digest);
      });
    }

    it('the same tag twice: one entry, nothing stored twice', async () => {
      const from = await OciImageLayout.open(layout.dir);
      const to = await newLayout();
      const root = await from.resolve(image.ref);
      await copy(from, to, root, { tag: 'a' });
      await copy(from, to, root, { tag: 'a' });
      assert.deepEqual(await names(to), { a: image.descriptor.digest });
    });
  });

  describe('registry to registry', () => {
    for (const which of ['image', 'multi'] as const) {
      it(`tags/${which}: the second copy PUTs the root under the new tag and uploads nothing (counted at the target)`, async () => {
        const built = which === 'image' ? image : index;
        const blobs = which === 'image' ? 3 : 6;
        const from = session.registry(source.host).repository(`tags/${which}`);
        const to = session.registry(targetProxy.host).repository(`copied/${which}`);
        const root = await from.resolve('1');
        const first = await copy(from, to, root, { tag: 'a' });
        assert.equal(first.blobs.copied, blobs);
        targetProxy.clearRequests();

        const second = await copy(from, to, root, { tag: 'b' });
        assertNothingMoved(second, blobs);
        assert.equal(targetProxy.count('POST', /\/blobs\/uploads\//), 0, 'no upload session opened');
        assert.equal(targetProxy.count('PUT', /\/manifests\/b$/), 1, 'the root PUT under the new tag');
        assert.equal(targetProxy.count('PUT', /\/manifests\//), 1, 'and no other manifest');
        for (const tag of ['a', 'b']) assert.equal((await to.resolve(tag)).digest, built.descriptor.digest, `tag ${tag}`);
        const tags: string[] = [];
        for await (const page of session.registry(target.host).listTags(`copied/${which}`)) tags.push(...page);
        assert.deepEqual(tags.sort(), ['a', 'b']);
      });
    }
  });
});
