// Registry operations against real Distribution registries, with skopeo as the independent
// reader: resolve, fetch, copy (between registries, within one by mount, one platform, with
// referrers), tag, delete, and an interrupted copy that leaves nothing half-done.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { CoreError } from '../../src/core/errors';
import type { Descriptor } from '../../src/core/oci/manifest';
import { listLayerFiles } from '../../src/core/layers/layer-files';
import { copy, type CopyEvent } from '../../src/core/operations/copy';
import { verifyingStream } from '../../src/core/oci/verify-stream';
import type { Repository } from '../../src/core/registry/repository';
import type { RegistrySession } from '../../src/core/registry/session';
import { inspectRaw, listTags, OciLayout, pushToRegistry, seedSampleContent, sha256, type SampleContent } from '../support/lab/content';
import { FaultProxy } from '../support/lab/fault-proxy';
import { plainSession } from '../support/lab/lab-helpers';
import { Lab, type LabRegistry } from '../support/lab/registry';

const MIB = 1024 * 1024;

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<CoreError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof CoreError, `expected a CoreError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}`);
}

describe('registry operations against real registries', function () {
  let lab: Lab;
  let source: LabRegistry;
  let target: LabRegistry;
  let noDelete: LabRegistry;
  let sample: SampleContent;
  let session: RegistrySession;

  const repo = (registry: LabRegistry, name: string): Repository => session.registry(registry.host).repository(name);

  before(async function () {
    this.timeout(180_000);
    lab = await Lab.create();
    [source, target, noDelete] = await Promise.all([
      lab.startRegistry({ name: 'ops-source' }),
      lab.startRegistry({ name: 'ops-target' }),
      lab.startRegistry({ name: 'ops-nodelete', deleteEnabled: false }),
    ]);
    sample = await seedSampleContent(source);
    session = plainSession([source, target, noDelete].map((r) => r.url));
  });

  after(async function () {
    await session?.close();
    await lab?.stopAll();
  });

  it('resolves a tag with HEAD to the digest skopeo sees, and fetches the verified index', async function () {
    const web = repo(source, sample.multiPlatform.repository);
    const raw = await inspectRaw(source, `${sample.multiPlatform.repository}:${sample.multiPlatform.tag}`);
    const resolved = await web.resolve(sample.multiPlatform.tag);
    assert.equal(resolved.digest, sha256(raw));
    assert.equal(resolved.size, raw.length);
    const parsed = await web.getManifest(resolved.digest);
    assert.equal(parsed.kind, 'index');
    assert.deepEqual(
      parsed.kind === 'index' && parsed.index.manifests.map((m) => m.digest),
      sample.multiPlatform.platforms.map((p) => p.digest),
    );
    await rejectsWith(web.resolve('no-such-tag'), 'MANIFEST_UNKNOWN');
  });

  it('copies a multi-platform index to another registry with the same digests, and skips everything on a rerun', async function () {
    const from = repo(source, sample.multiPlatform.repository);
    const to = repo(target, 'copied/web');
    const root = await from.resolve(sample.multiPlatform.tag);
    const events: CopyEvent[] = [];
    const result = await copy(from, to, root, { tag: 'v1', concurrency: 4, onProgress: (e) => events.push(e) });
    assert.equal(result.root.digest, sample.multiPlatform.digest);
    assert.equal(sha256(await inspectRaw(target, 'copied/web:v1')), sample.multiPlatform.digest);
    for (const platform of sample.multiPlatform.platforms) {
      assert.equal(sha256(await inspectRaw(target, `copied/web@${platform.digest}`)), platform.digest);
    }
    assert.ok(result.blobs.copied > 0);
    assert.equal(result.bytes.transferred, result.bytes.total);
    assert.ok(events.some((e) => e.type === 'bytes'));
    const again = await copy(from, to, root, { tag: 'v1' });
    assert.equal(again.blobs.copied, 0);
    assert.equal(again.bytes.transferred, 0);
    assert.equal(again.blobs.skipped, result.blobs.copied + result.blobs.skipped);
  });

  it('copies within one registry by mounting blobs from the source repository', async function () {
    const from = repo(source, 'library/alpine');
    const to = repo(source, 'mirror/alpine');
    const root = await from.resolve('3.20');
    const result = await copy(from, to, root, { tag: '3.20' });
    assert.ok(result.blobs.mounted > 0, JSON.stringify(result.blobs));
    assert.equal(result.blobs.copied, 0);
    assert.equal(sha256(await inspectRaw(source, 'mirror/alpine:3.20')), root.digest);
    assert.match(source.readLog(), /mount=sha256/);
  });

  it('copies one platform of an index as that image, and a subset as a new index', async function () {
    const from = repo(source, sample.multiPlatform.repository);
    const root = await from.resolve(sample.multiPlatform.tag);
    const [first, second] = sample.multiPlatform.platforms;
    const one = await copy(from, repo(target, 'one/web'), root, { tag: 'arm', platforms: [first!.platform] });
    assert.equal(one.root.digest, first!.digest);
    assert.equal(sha256(await inspectRaw(target, 'one/web:arm')), first!.digest);
    if (sample.multiPlatform.platforms.length > 2) {
      const two = await copy(from, repo(target, 'two/web'), root, { tag: 'pair', platforms: [first!.platform, second!.platform] });
      assert.ok(two.rewritten);
      const index = JSON.parse((await inspectRaw(target, 'two/web:pair')).toString()) as { manifests: Descriptor[] };
      assert.deepEqual(
        index.manifests.map((m) => m.digest),
        [first!.digest, second!.digest],
      );
    }
    await rejectsWith(
      copy(from, repo(target, 'none/web'), root, { platforms: [{ os: 'plan9', architecture: 'mips' }] }),
      'PLATFORM_NOT_FOUND',
    );
  });

  it('finds referrers through the tag schema and copies them along', async function () {
    const from = repo(source, sample.referrer.repository);
    const { referrers, source: how } = await from.referrers(sample.referrer.subjectDigest);
    assert.equal(how, 'tag-schema', 'Distribution 2.8 has no referrers API');
    assert.deepEqual(
      referrers.map((r) => r.digest),
      [sample.referrer.digest],
    );
    const to = repo(target, 'signed/web');
    const result = await copy(from, to, await from.resolve(sample.multiPlatform.tag), { tag: 'v1', includeReferrers: true });
    assert.equal(result.referrers, 1);
    const copied = await to.referrers(sample.referrer.subjectDigest);
    assert.deepEqual(
      copied.referrers.map((r) => r.digest),
      [sample.referrer.digest],
    );
    assert.equal(copied.referrers[0]!.artifactType, sample.referrer.artifactType);
    assert.deepEqual((await to.referrers(sample.referrer.subjectDigest, { artifactType: 'application/x-none' })).referrers, []);
  });

  it("copies cosign's .sig and .att tags along with the referrers, under the same tags, and only when asked", async function () {
    const layout = await OciLayout.create(join(lab.dir, 'content', 'cosign-tags'));
    const built = await layout.image({ seed: 'cosign-tags', layers: [2048] });
    await pushToRegistry(layout, built, source, 'signed/cosign:1');
    const base = built.descriptor.digest.replace(':', '-');
    const { signature, attestations } = await layout.cosignTagAttachments(built.descriptor);
    await pushToRegistry(layout, signature, source, `signed/cosign:${base}.sig`);
    await pushToRegistry(layout, attestations, source, `signed/cosign:${base}.att`);
    const from = repo(source, 'signed/cosign');

    const plain = repo(target, 'signed/cosign-plain');
    await copy(from, plain, built.descriptor, { tag: '1' });
    assert.deepEqual(await listTags(target, 'signed/cosign-plain'), ['1'], 'without referrers, no attachment comes along');

    const to = repo(target, 'signed/cosign-copy');
    const result = await copy(from, to, built.descriptor, { tag: '1', includeReferrers: true });
    assert.equal(result.referrers, 2);
    assert.deepEqual((await listTags(target, 'signed/cosign-copy')).sort(), ['1', `${base}.att`, `${base}.sig`].sort());
    assert.equal((await to.resolve(`${base}.sig`)).digest, signature.descriptor.digest);
    assert.equal((await to.resolve(`${base}.att`)).digest, attestations.descriptor.digest);
  });

  it('tags the copied root only after its referrers: a referrer that fails leaves no tag', async function () {
    const front = await FaultProxy.start(source);
    const faulty = plainSession([front.url, target.url], { retry: { maxAttempts: 1 } });
    try {
      front.add({ method: 'GET', path: new RegExp(`/manifests/${sample.referrer.digest}$`), fault: { kind: 'status', status: 500 } });
      const from = faulty.registry(front.host).repository(sample.referrer.repository);
      const to = faulty.registry(target.host).repository('signed/tag-last');
      const err = await copy(from, to, await from.resolve(sample.multiPlatform.tag), { tag: 'v1', includeReferrers: true }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof CoreError, `the copy failed at the referrer: ${String(err)}`);
      assert.ok(front.count('GET', new RegExp(`/manifests/${sample.referrer.digest}$`)) > 0, 'the referrer was asked for');
      await rejectsWith(to.resolve('v1'), 'MANIFEST_UNKNOWN');

      front.clear();
      await copy(from, to, await from.resolve(sample.multiPlatform.tag), { tag: 'v1', includeReferrers: true });
      assert.deepEqual(
        (await listTags(target, 'signed/tag-last')).filter((t) => !t.startsWith('sha256-')),
        ['v1'],
      );
    } finally {
      await faulty.close();
      await front.stop();
    }
  });

  it('tags, lists the tags of a digest, deletes a tag alone, then the manifest', async function () {
    const alpine = repo(source, 'library/alpine');
    const d = await alpine.tag('3.20', 'stable');
    assert.equal(sha256(await inspectRaw(source, 'library/alpine:stable')), d.digest);
    assert.deepEqual((await alpine.tagsPointingTo(d.digest)).tags, ['3.20', 'latest', 'stable']);
    const how = await alpine.deleteTag('stable');
    assert.equal(how, 'throwaway-manifest', 'Distribution 2.8 refuses DELETE by tag');
    assert.ok(!(await listTags(source, 'library/alpine')).includes('stable'));
    assert.equal(sha256(await inspectRaw(source, 'library/alpine:latest')), d.digest, 'the other tags stay');
    const copyRoot = await alpine.resolve('1.2.9');
    await alpine.deleteManifest(copyRoot.digest);
    await rejectsWith(alpine.resolve('1.2.9'), 'MANIFEST_UNKNOWN');
  });

  it('explains a registry with deletion disabled', async function () {
    const layout = await OciLayout.create(join(lab.dir, 'content', 'nodelete'));
    const image = await layout.image({ seed: 'nodelete', layers: [1024] });
    const digest = await pushToRegistry(layout, image, noDelete, 'keep/me:1');
    const err = await rejectsWith(repo(noDelete, 'keep/me').deleteManifest(digest), 'DELETE_DISABLED');
    assert.match(err.message, /storage\.delete\.enabled: true/);
  });

  it('leaves no tag after a copy interrupted by the source dying mid-blob, and completes when run again', async function () {
    this.timeout(120_000);
    const layout = await OciLayout.create(join(lab.dir, 'content', 'big'));
    const image = await layout.image({ seed: 'interrupted', layers: [24 * MIB, 8 * MIB] });
    const flaky = await lab.startRegistry({ name: 'ops-flaky' });
    await pushToRegistry(layout, image, flaky, 'big/image:1');
    const flakySession = plainSession([flaky.url, target.url], { retry: { maxAttempts: 2, baseDelayMs: 50, maxDelayMs: 200 } });
    try {
      const from = flakySession.registry(flaky.host).repository('big/image');
      const to = flakySession.registry(target.host).repository('big/image');
      const root = await from.resolve('1');
      let killed = false;
      const failure = await copy(from, to, root, {
        tag: '1',
        concurrency: 1,
        blobAttempts: 2,
        onProgress: (e) => {
          if (!killed && e.type === 'bytes' && e.doneBytes > 4 * MIB) {
            killed = true;
            void flaky.kill();
          }
        },
      }).then(
        () => undefined,
        (err: unknown) => err,
      );
      assert.ok(killed, 'the source was killed mid-transfer');
      assert.ok(failure instanceof Error, 'the copy failed');
      assert.ok(!(await listTags(target, 'big/image').catch((): string[] => [])).includes('1'), 'no tag points at half-copied content');
      await flaky.restart();
      const result = await copy(from, to, root, { tag: '1' });
      assert.equal(result.root.digest, image.descriptor.digest);
      assert.equal(sha256(await inspectRaw(target, 'big/image:1')), image.descriptor.digest);
    } finally {
      await flakySession.close();
    }
  });

  it("lists a layer's files straight from the registry's stream, as GNU tar lists them", async function () {
    const layout = await OciLayout.create(join(lab.dir, 'content', 'listing'));
    const image = await layout.image({ seed: 'listing', layers: [200 * 1024] });
    await pushToRegistry(layout, image, source, 'listing/image:1');
    const layer = image.layers[0]!;
    const body = await repo(source, 'listing/image').openBlob(layer.descriptor);
    const names: string[] = [];
    for await (const entry of listLayerFiles(body.pipe(verifyingStream(layer.descriptor, 'layer')), {
      mediaType: layer.descriptor.mediaType,
    })) {
      names.push(entry.type === 'directory' ? `${entry.path}/` : entry.path);
    }
    assert.deepEqual(
      names,
      layer.files.map((f) => f.replace(/^\.\//, '')),
    );
    const slice = await repo(source, 'listing/image').openBlob(layer.descriptor, undefined, { start: 10, end: 19 });
    const chunks: Buffer[] = [];
    for await (const c of slice as AsyncIterable<Buffer>) chunks.push(c);
    assert.equal(Buffer.concat(chunks).length, 10, 'a range read returns just the range');
  });
});
