// Operations through the fault-injecting proxy: corrupted blobs and lying headers are refused
// with nothing kept, and a registry that pages its tags is listed completely.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { CoreError } from '../../src/core/errors';
import { copy } from '../../src/core/operations/copy';
import type { RegistrySession } from '../../src/core/registry/session';
import { inspectRaw, listTags, OciLayout, pushToRegistry, sha256 } from '../support/lab/content';
import { FaultProxy } from '../support/lab/fault-proxy';
import { plainSession } from '../support/lab/lab-helpers';
import { Lab, type LabRegistry } from '../support/lab/registry';
import { tagMany } from '../support/lab/tiny';

describe('operations through a misbehaving registry', function () {
  let lab: Lab;
  let source: LabRegistry;
  let target: LabRegistry;
  let proxy: FaultProxy;
  let session: RegistrySession;

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    [source, target] = await Promise.all([lab.startRegistry({ name: 'faults-source' }), lab.startRegistry({ name: 'faults-target' })]);
    proxy = await FaultProxy.start(source);
    session = plainSession([proxy.url, target.url], { retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 100 } });
  });

  afterEach(() => proxy.clear());

  after(async function () {
    await session?.close();
    await proxy?.stop();
    await lab?.stopAll();
  });

  it('refuses a layer whose bytes do not match its digest, and the target keeps nothing', async function () {
    const layout = await OciLayout.create(join(lab.dir, 'content', 'tamper'));
    const image = await layout.image({ seed: 'tamper', layers: [256 * 1024] });
    await pushToRegistry(layout, image, source, 'tamper/image:1');
    const layer = image.layers[0]!.descriptor;
    proxy.add({ method: 'GET', path: new RegExp(`/blobs/${layer.digest}`), fault: { kind: 'tamper' } });
    const from = session.registry(proxy.host).repository('tamper/image');
    const to = session.registry(target.host).repository('tamper/image');
    const err = await copy(from, to, await from.resolve('1'), { tag: '1' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof CoreError && err.code === 'DIGEST_MISMATCH', String(err));
    assert.match(err.message, new RegExp(`expected ${layer.digest}`));
    assert.equal(await to.hasBlob(layer), false, 'the corrupt layer was not stored');
    assert.deepEqual(await listTags(target, 'tamper/image').catch((): string[] => []), [], 'no manifest was tagged');
    assert.equal(proxy.count('GET', new RegExp(`/blobs/${layer.digest}`)), 1, 'a corrupt blob is not fetched again and again');
  });

  it('refuses a manifest whose Docker-Content-Digest disagrees with its bytes', async function () {
    const layout = await OciLayout.create(join(lab.dir, 'content', 'lying'));
    const image = await layout.image({ seed: 'lying', layers: [1024] });
    await pushToRegistry(layout, image, source, 'lying/image:1');
    proxy.add({ method: 'GET', path: /\/manifests\/1/, fault: { kind: 'wrong-digest-header' } });
    const err = await session
      .registry(proxy.host)
      .repository('lying/image')
      .getManifest('1')
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(err instanceof CoreError && err.code === 'DIGEST_MISMATCH', String(err));
  });

  it('lists 2,500 tags from a registry that pages them 100 at a time (the proxy pages Distribution 2.8), each once', async function () {
    this.timeout(120_000);
    const tags = Array.from({ length: 2_500 }, (_, i) => `t${String(i).padStart(4, '0')}`);
    await tagMany(source, 'paged/tags', tags, 16);
    proxy.add({ method: 'GET', path: /\/tags\/list/, fault: { kind: 'page-tags', pageSize: 100 } });
    const pages: string[][] = [];
    for await (const page of session.registry(proxy.host).listTags('paged/tags', { pageSize: 100 })) pages.push(page);
    const all = pages.flat();
    assert.ok(pages.length >= 25, `${pages.length} pages`);
    assert.ok(pages.every((p) => p.length <= 100));
    assert.equal(new Set(all).size, all.length, 'no tag twice');
    assert.deepEqual([...all].sort(), [...tags, 'seed'].sort());
    const flags: boolean[] = [];
    for await (const page of session.registry(proxy.host).tagPages('paged/tags', { pageSize: 100 })) flags.push(page.more);
    assert.deepEqual(flags, [...flags.slice(1).map(() => true), false], 'every page but the last says more follow');
  });

  it('completes a copy whose source blobs end well after their last byte (the target confirmed each blob by then)', async function () {
    const layout = await OciLayout.create(join(lab.dir, 'content', 'late-end'));
    const image = await layout.image({ seed: 'late-end', layers: [96 * 1024, 8 * 1024] });
    await pushToRegistry(layout, image, source, 'late-end/image:1');
    // The target answers each PUT as soon as it has the blob's bytes, long before the source's body ends.
    proxy.add({ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'late-end', ms: 300 } });
    const from = session.registry(proxy.host).repository('late-end/image');
    const to = session.registry(target.host).repository('late-end/image');
    const result = await copy(from, to, await from.resolve('1'), { tag: '1' });
    assert.equal(result.blobs.copied, 3, 'the config and both layers were streamed');
    assert.equal(sha256(await inspectRaw(target, 'late-end/image:1')), image.descriptor.digest);
  });

  it('stops a copy within a second of cancelling, with no request after it', async function () {
    const layout = await OciLayout.create(join(lab.dir, 'content', 'cancel'));
    const image = await layout.image({ seed: 'cancel', layers: [2 * 1024 * 1024, 1024 * 1024] });
    await pushToRegistry(layout, image, source, 'cancel/image:1');
    proxy.add({ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'stall', afterBytes: 64 * 1024 } });
    const from = session.registry(proxy.host).repository('cancel/image');
    const to = session.registry(target.host).repository('cancel/image');
    const root = await from.resolve('1');
    const abort = new AbortController();
    const copying = copy(from, to, root, { tag: '1', signal: abort.signal }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 500));
    const seenAtCancel = proxy.requests.length;
    const cancelledAt = Date.now();
    abort.abort();
    const err = await copying;
    assert.ok(Date.now() - cancelledAt < 1000, `stopped in ${Date.now() - cancelledAt} ms`);
    assert.ok(err instanceof CoreError && err.code === 'CANCELLED', String(err));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(proxy.requests.length, seenAtCancel, 'nothing was sent after the cancel');
    assert.deepEqual(await listTags(target, 'cancel/image').catch((): string[] => []), []);
  });

  describe('uploads', () => {
    let targetProxy: FaultProxy;
    let image: Awaited<ReturnType<OciLayout['image']>>;

    before(async () => {
      targetProxy = await FaultProxy.start(target);
      const layout = await OciLayout.create(join(lab.dir, 'content', 'uploads'));
      image = await layout.image({ seed: 'uploads', layers: [300 * 1024] });
      await pushToRegistry(layout, image, source, 'uploads/image:1');
    });

    afterEach(() => {
      // Each test counts the requests it caused: forget the rules and the log.
      targetProxy.clear();
      targetProxy.clearRequests();
    });
    after(() => targetProxy?.stop());

    const targetRepo = (name: string) => session.registry(targetProxy.host).repository(name);

    it('sends a blob in Content-Range chunks when asked, then closes the upload with PUT ?digest=', async function () {
      const from = session.registry(source.host).repository('uploads/image');
      const to = targetRepo('uploads/chunked');
      to.upload = { chunkSize: 64 * 1024 };
      await copy(from, to, await from.resolve('1'), { tag: '1' });
      const patches = targetProxy.requests.filter((r) => r.method === 'PATCH');
      assert.ok(patches.length >= 5, `${patches.length} PATCH requests for a 300 KiB layer in 64 KiB chunks`);
      assert.ok(
        patches.every((r) => /^\d+-\d+$/.test(String(r.headers['content-range']))),
        'every chunk says where it goes',
      );
      assert.ok(await to.hasBlob(image.layers[0]!.descriptor));
    });

    it('recovers from a 416 on a chunk by asking the registry how much it has', async function () {
      const from = session.registry(source.host).repository('uploads/image');
      const to = targetRepo('uploads/recovered');
      to.upload = { chunkSize: 64 * 1024 };
      targetProxy.add({ method: 'PATCH', path: /\/blobs\/uploads\//, fault: { kind: 'status', status: 416 }, times: 1 });
      await copy(from, to, await from.resolve('1'), { tag: '1' });
      assert.ok(
        targetProxy.requests.some((r) => r.method === 'GET' && /\/blobs\/uploads\//.test(r.path)),
        'the upload status was asked for',
      );
      assert.equal(targetProxy.count('POST', /\/blobs\/uploads\//), 2, 'the same upload session went on (one per blob: config and layer)');
      assert.ok(await to.hasBlob(image.layers[0]!.descriptor));
    });

    it('sends a blob again in a new session when a chunk landed but its answer was lost', async function () {
      const from = session.registry(source.host).repository('uploads/image');
      const to = targetRepo('uploads/answer-lost');
      to.upload = { chunkSize: 64 * 1024 };
      targetProxy.add({ method: 'PATCH', path: /\/blobs\/uploads\//, fault: { kind: 'lose-answer' }, times: 1 });
      await copy(from, to, await from.resolve('1'), { tag: '1' });
      // Distribution keeps the upload's state (its offset) in the Location's _state, and the lost
      // answer carried the only valid one: asked at the old one, it cancels the upload (404).
      const lost = targetProxy.requests.find((r) => r.fault === 'lose-answer')!;
      const session0 = lost.path.split('?')[0]!;
      const asked = targetProxy.requests.filter((r) => r.method === 'GET' && r.path.startsWith(session0));
      assert.deepEqual(
        asked.map((r) => r.status),
        [404],
        'the status was asked once, and Distribution had dropped the session',
      );
      assert.equal(
        targetProxy.count('POST', /\/blobs\/uploads\//),
        3,
        'one session per blob and one more for the blob whose answer was lost',
      );
      assert.ok(await to.hasBlob(image.layers[0]!.descriptor));
      assert.ok(await to.hasBlob(image.configDescriptor));
    });

    it('falls back to chunks when a monolithic PUT is refused as too large (413)', async function () {
      const from = session.registry(source.host).repository('uploads/image');
      const to = targetRepo('uploads/too-large');
      targetProxy.add({ method: 'PUT', path: /\/blobs\/uploads\/.*digest=/, fault: { kind: 'status', status: 413 }, times: 1 });
      await copy(from, to, await from.resolve('1'), { tag: '1' });
      assert.equal(to.upload.chunkSize, 16 * 1024 * 1024, 'the repository now uploads in chunks of 16 MiB');
      const patches = targetProxy.count('PATCH', /\/blobs\/uploads\//);
      // Each blob (a 300 KiB layer, a config) fits one 16 MiB chunk: one PATCH for each sent after the 413.
      assert.ok(patches >= 1 && patches <= 2, `the retry sent one chunk per blob, not ${patches}`);
      assert.ok(await to.hasBlob(image.layers[0]!.descriptor));
    });

    it('cancels the upload session when an upload fails', async function () {
      const from = session.registry(source.host).repository('uploads/image');
      const to = targetRepo('uploads/cancelled');
      targetProxy.add({
        method: 'PUT',
        path: /\/blobs\/uploads\//,
        fault: { kind: 'status', status: 400, body: '{"errors":[{"code":"BLOB_UPLOAD_INVALID","message":"bad upload"}]}' },
      });
      const err = await copy(from, to, await from.resolve('1'), { tag: '1', blobAttempts: 1 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof CoreError, String(err));
      assert.ok(
        targetProxy.requests.some((r) => r.method === 'DELETE' && /\/blobs\/uploads\//.test(r.path)),
        'the session was cancelled with DELETE',
      );
    });
  });
});
