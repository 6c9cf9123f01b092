// An upload session ends once: a closing `PUT ?digest=` (chunked) or the monolithic PUT that fails
// with a temporary status is never sent again to the same upload location; the blob starts over in
// a new session and the failed one is cancelled. Counted at a fault proxy in front of a real
// Distribution, which would answer a second closing PUT on a finished or broken session with
// BLOB_UPLOAD_UNKNOWN (or, worse, half-accept it) on registries that do not forgive it.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { push } from '../../src/core/operations/transfer';
import type { RegistrySession } from '../../src/core/registry/session';
import { OciLayout, type BuiltImage } from '../support/lab/content';
import { FaultProxy, type SeenRequest } from '../support/lab/fault-proxy';
import { plainSession } from '../support/lab/lab-helpers';
import { Lab, type LabRegistry } from '../support/lab/registry';

const KIB = 1024;
/** A PUT to an upload session (not a manifest): `/v2/<repo>/blobs/uploads/<id>?…`. */
const UPLOAD_PUT = /\/blobs\/uploads\/[^/?]+\?/;

/** The digest as the client puts it in the query (`:` percent-encoded or not). */
function digestQuery(digest: string): RegExp {
  const [algorithm, hex] = digest.split(':');
  return new RegExp(`[?&]digest=${algorithm}(?::|%3A)${hex}(?:&|$)`);
}

/** The upload location a request went to: its path without the query (Distribution's `_state` changes with each chunk). */
const sessionOf = (r: SeenRequest): string => r.path.split('?')[0]!;

describe('an upload session is closed at most once (counted at a fault proxy)', function () {
  let lab: Lab;
  let registry: LabRegistry;
  let proxy: FaultProxy;
  let layout: OciLayout;
  let image: BuiltImage;
  const sessions: RegistrySession[] = [];
  let repoCount = 0;

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    registry = await lab.startRegistry({ name: 'upload-sessions' });
    layout = await OciLayout.create(join(lab.dir, 'content', 'upload-sessions'));
    image = await layout.image({ seed: 'upload-sessions', layers: [100 * KIB] });
    proxy = await FaultProxy.start(registry);
  });

  afterEach(async () => {
    proxy.clear();
    proxy.clearRequests();
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  after(async function () {
    await proxy?.stop();
    await lab?.stopAll();
  });

  /** A repository reached through the proxy, with quick retries; chunked when `chunkSize` is given. */
  function repository(chunkSize?: number) {
    const session = plainSession(proxy.url, { retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 } });
    sessions.push(session);
    const repo = session.registry(proxy.host).repository(`sessions/image-${++repoCount}`);
    if (chunkSize) repo.upload = { chunkSize };
    return repo;
  }

  const layer = () => image.layers[0]!.descriptor;

  /** Every closing PUT of the layer, in arrival order. */
  const layerPuts = () =>
    proxy.requests.filter((r) => r.method === 'PUT' && UPLOAD_PUT.test(r.path) && digestQuery(layer().digest).test(r.path));

  function assertEachSessionClosedOnce(): void {
    const closing = proxy.requests.filter((r) => r.method === 'PUT' && UPLOAD_PUT.test(r.path));
    const perSession = new Map<string, number>();
    for (const r of closing) perSession.set(sessionOf(r), (perSession.get(sessionOf(r)) ?? 0) + 1);
    for (const [location, puts] of perSession) assert.equal(puts, 1, `${location} received ${puts} closing PUTs`);
  }

  async function assertStored(repo: ReturnType<typeof repository>, tag: string): Promise<void> {
    assert.equal(await repo.hasBlob(layer()), true, 'the layer is in the registry');
    assert.equal((await repo.resolve(tag)).digest, image.descriptor.digest);
  }

  for (const { name, chunkSize, puts } of [
    { name: 'the closing PUT of a chunked upload', chunkSize: 32 * KIB, puts: 'closing PUT' },
    { name: 'a monolithic PUT', chunkSize: undefined, puts: 'PUT' },
  ]) {
    describe(name, () => {
      for (const status of [503, 500]) {
        it(`answered ${status}: a new session carries the blob, the failed one is cancelled, no location gets two ${puts}s`, async () => {
          proxy.add({ method: 'PUT', path: digestQuery(layer().digest), times: 1, fault: { kind: 'status', status } });
          const repo = repository(chunkSize);
          const result = await push({ kind: 'oci-layout', dir: layout.dir, refName: image.ref }, repo, '1', { blobAttempts: 3 });
          assert.equal(result.blobs.copied, 2);

          const [failed, succeeded, ...more] = layerPuts();
          assert.ok(failed && succeeded, `two ${puts}s of the layer, saw ${layerPuts().length}`);
          assert.equal(more.length, 0, `exactly two ${puts}s of the layer`);
          assert.equal(failed.status, status);
          assert.equal(succeeded.status, 201);
          assert.notEqual(sessionOf(failed), sessionOf(succeeded), 'the second PUT went to a new upload session');
          assertEachSessionClosedOnce();
          assert.equal(proxy.count('POST', /\/blobs\/uploads\/$/), 3, 'one session for the config, two for the layer');
          assert.equal(
            proxy.requests.filter((r) => r.method === 'DELETE' && sessionOf(r) === sessionOf(failed)).length,
            1,
            'the failed session was cancelled',
          );
          if (chunkSize) {
            const patches = proxy.requests.filter((r) => r.method === 'PATCH');
            assert.equal(patches.filter((r) => sessionOf(r) === sessionOf(failed)).length, 4, 'four chunks in the first session');
            assert.equal(patches.filter((r) => sessionOf(r) === sessionOf(succeeded)).length, 4, 'and four again in the second');
          }
          await assertStored(repo, '1');
        });
      }
    });
  }

  it('a closing PUT that keeps failing: each session is closed once, within the blob attempts, and no tag is written', async () => {
    proxy.add({ method: 'PUT', path: digestQuery(layer().digest), fault: { kind: 'status', status: 503 } });
    const repo = repository(32 * KIB);
    const err = await push({ kind: 'oci-layout', dir: layout.dir, refName: image.ref }, repo, '1', { blobAttempts: 3 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof Error, 'the push failed');
    assert.match(err.message, /HTTP 503/);
    assert.equal(layerPuts().length, 3, 'one closing PUT per blob attempt');
    assertEachSessionClosedOnce();
    assert.equal(proxy.count('PUT', /\/manifests\//), 0, 'no manifest, no tag');
  });
});
