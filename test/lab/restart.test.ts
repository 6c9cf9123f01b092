// The registry PROCESS dies (SIGKILL) in the middle of a pull, a push and a copy, and comes back
// on the same port and storage. The operation either rides it out by its own retries or fails
// with a CoreError; either way nothing half-done is visible (no tag, no temporary file, no file
// under a final name that does not match its digest), and running it again completes, skipping
// every blob that had already been verified. Fault proxies without rules sit in front of both
// registries purely to count requests per blob. Results are read back by skopeo.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CoreError } from '../../src/core/errors';
import type { Descriptor } from '../../src/core/oci/manifest';
import { copy, type CopyEvent, type CopyOptions, type CopyResult } from '../../src/core/operations/copy';
import { pull, push } from '../../src/core/operations/transfer';
import type { Repository } from '../../src/core/registry/repository';
import type { RegistrySession } from '../../src/core/registry/session';
import { type BuiltImage, inspectRaw, listTags, OciLayout, pushToRegistry, sha256, skopeo, skopeoFlags } from '../support/lab/content';
import { FaultProxy } from '../support/lab/fault-proxy';
import { plainSession } from '../support/lab/lab-helpers';
import { checkLayoutFiles, layoutGraph, layoutRefNames } from '../support/lab/local-checks';
import { Lab, type LabRegistry } from '../support/lab/registry';
import { registryRequest } from '../support/lab/registry-http';

const MIB = 1024 * 1024;

/**
 * Kills `registry` once `threshold` bytes went through; `restartAtOnce` starts it again right
 * away (the client may ride it out), otherwise the test starts it after the attempt gave up.
 */
class Killer {
  killedAt: number | undefined;
  restarted: Promise<void> = Promise.resolve();
  downForMs = 0;
  readonly events: CopyEvent[] = [];

  constructor(
    private readonly registry: LabRegistry,
    private readonly threshold: number,
    private readonly restartAtOnce: boolean,
  ) {}

  readonly onProgress = (e: CopyEvent): void => {
    if (e.type !== 'bytes') this.events.push(e);
    if (this.killedAt === undefined && e.type === 'bytes' && e.doneBytes >= this.threshold) {
      this.killedAt = e.doneBytes;
      const killed = Date.now();
      this.restarted = this.registry.kill().then(async () => {
        if (this.restartAtOnce) await this.restart(killed);
      });
    }
  };

  async restart(killed = Date.now()): Promise<void> {
    await this.registry.start();
    this.downForMs = Date.now() - killed;
  }

  get retried(): boolean {
    return this.events.some((e) => e.type === 'blob' && e.state === 'retrying');
  }
}

type Outcome = { ok: true; result: CopyResult } | { ok: false; error: unknown };

function settle(operation: Promise<CopyResult>): Promise<Outcome> {
  return operation.then(
    (result): Outcome => ({ ok: true, result }),
    (error: unknown): Outcome => ({ ok: false, error }),
  );
}

/** Upload PUTs (by their `?digest=`) and mount POSTs (by `?mount=`) a proxy saw for one digest. */
function uploadsOf(proxy: FaultProxy, digest: string): number {
  return proxy.requests.filter((r) => {
    const url = new URL(r.path, 'http://127.0.0.1');
    return (
      (r.method === 'PUT' || r.method === 'POST') &&
      url.pathname.includes('/blobs/uploads/') &&
      (url.searchParams.get('digest') === digest || url.searchParams.get('mount') === digest)
    );
  }).length;
}

function blobGetsOf(proxy: FaultProxy, digest: string): number {
  return proxy.requests.filter((r) => r.method === 'GET' && new URL(r.path, 'http://127.0.0.1').pathname.endsWith(`/blobs/${digest}`))
    .length;
}

describe('a registry process killed mid-transfer and restarted', function () {
  let lab: Lab;
  let flaky: LabRegistry;
  let steady: LabRegistry;
  let flakyProxy: FaultProxy;
  let steadyProxy: FaultProxy;
  let session: RegistrySession;
  let layout: OciLayout;
  let image: BuiltImage;
  let blobs: Descriptor[];
  let total: number;
  let threshold: number;

  before(async function () {
    this.timeout(180_000);
    lab = await Lab.create();
    [flaky, steady] = await Promise.all([lab.startRegistry({ name: 'restart-flaky' }), lab.startRegistry({ name: 'restart-steady' })]);
    layout = await OciLayout.create(join(lab.dir, 'content', 'big'));
    // One large layer to be cut: socket buffers on two loopback hops hold far less than its rest.
    image = await layout.image({ seed: 'restart', layers: [6 * MIB, 32 * MIB, 8 * MIB, 1 * MIB] });
    blobs = [image.configDescriptor, ...image.layers.map((l) => l.descriptor)];
    total = blobs.reduce((n, b) => n + b.size, 0);
    // With one blob at a time (config, then the layers in order): the kill lands 2 MiB into the big layer.
    threshold = image.configDescriptor.size + image.layers[0]!.descriptor.size + 2 * MIB;
    await Promise.all([pushToRegistry(layout, image, flaky, 'big/image:1'), pushToRegistry(layout, image, steady, 'big/image:1')]);
    [flakyProxy, steadyProxy] = await Promise.all([FaultProxy.start(flaky), FaultProxy.start(steady)]);
    session = plainSession([flakyProxy.url, steadyProxy.url], {
      // Short on purpose: whether the restart is ridden out or the attempt fails, both must end well.
      retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 200 },
      requestTimeoutMs: 10_000,
    });
  });

  beforeEach(() => {
    flakyProxy?.clearRequests();
    steadyProxy?.clearRequests();
  });

  after(async function () {
    await session?.close();
    await flakyProxy?.stop();
    await steadyProxy?.stop();
    await lab?.stopAll();
  });

  const options = (killer: Killer): Omit<CopyOptions, 'tag'> => ({ concurrency: 1, blobAttempts: 2, onProgress: killer.onProgress });

  /**
   * What every case asserts about the interrupted attempt, once the registry is back: restarted at
   * once, it either completed by retrying or failed with a CoreError; kept down, it failed so.
   */
  async function judgeFirstAttempt(killer: Killer, first: Outcome, what: string, atOnce: boolean): Promise<void> {
    await killer.restarted;
    assert.ok(
      killer.killedAt !== undefined && killer.killedAt < total,
      `the registry was killed mid-transfer (at ${killer.killedAt} of ${total} bytes)`,
    );
    if (!atOnce) {
      assert.ok(!flaky.running, 'the registry stayed down until the attempt gave up');
      await killer.restart();
    }
    assert.ok(flaky.running, 'the registry is running again');
    if (first.ok) {
      assert.ok(atOnce, `${what} cannot complete while the registry is down`);
      assert.ok(killer.retried, `${what} completed through the kill only by retrying a blob`);
      console.log(`      ${what}: completed by its own retries (the registry was down ${killer.downForMs} ms)`);
    } else {
      assert.ok(first.error instanceof CoreError, `${what} failed with a CoreError, not ${String(first.error)}`);
      assert.ok(first.error.message.length > 20, 'with a sentence');
      console.log(`      ${what}: failed cleanly (${first.error.code}: ${first.error.message})`);
    }
  }

  /** Blobs the registry serves for `repository` (asked directly, not through the client under test). */
  async function blobsIn(registry: LabRegistry, repository: string): Promise<Set<string>> {
    const present = new Set<string>();
    for (const blob of blobs) {
      const res = await registryRequest(registry, `/v2/${repository}/blobs/${blob.digest}`, { method: 'HEAD' });
      if (res.status === 200) present.add(blob.digest);
    }
    return present;
  }

  /** skopeo copies the image out of `reference` (reading and digest-checking every blob) and sees the same root. */
  async function skopeoReadsBack(registry: LabRegistry, reference: string): Promise<void> {
    const out = mkdtempSync(join(lab.dir, 'read-back-'));
    await skopeo(registry, ['copy', '--quiet', ...skopeoFlags(registry, 'src'), reference, `dir:${out}`]);
    const names = readdirSync(out);
    for (const blob of blobs)
      assert.ok(names.includes(blob.digest.slice('sha256:'.length)), `skopeo read ${blob.digest} from ${reference}`);
  }

  for (const atOnce of [true, false]) {
    const when = atOnce ? 'restarted at once' : 'restarted after the attempt gave up';
    const suffix = atOnce ? 'at-once' : 'later';

    it(`pull to an OCI layout, the source killed mid-blob and ${when}: the rerun fetches only what is missing`, async function () {
      this.timeout(120_000);
      const dir = join(lab.dir, `pulled-${suffix}`);
      const killer = new Killer(flaky, threshold, atOnce);
      const repo = session.registry(flakyProxy.host).repository('big/image');
      const first = await settle(pull(repo, '1', { kind: 'oci-layout', dir }, options(killer)));
      await judgeFirstAttempt(killer, first, 'the pull', atOnce);
      const kept = await checkLayoutFiles(dir);
      if (!first.ok) assert.ok(!layoutRefNames(dir).includes('1'), 'a failed pull lists no tag');
      for (const early of blobs.slice(0, 2)) assert.ok(kept.has(early.digest), `${early.digest}, verified before the kill, is kept`);

      flakyProxy.clearRequests();
      const second = await pull(repo, '1', { kind: 'oci-layout', dir }, { concurrency: 1 });
      assert.equal(second.root.digest, image.descriptor.digest);
      const keptBlobs = blobs.filter((b) => kept.has(b.digest));
      assert.equal(second.blobs.skipped, keptBlobs.length, 'every blob already verified is skipped');
      assert.equal(second.blobs.copied, blobs.length - keptBlobs.length, 'every other blob is fetched');
      for (const blob of blobs) {
        const gets = blobGetsOf(flakyProxy, blob.digest);
        assert.ok(
          kept.has(blob.digest) ? gets === 0 : gets >= 1,
          `${gets} GETs of ${blob.digest} (${kept.has(blob.digest) ? 'kept' : 'missing'}) on the rerun`,
        );
      }

      const present = await checkLayoutFiles(dir);
      for (const digest of layoutGraph(dir, image.descriptor.digest)) assert.ok(present.has(digest), `${digest} is in the layout`);
      assert.equal(
        sha256(Buffer.from((await skopeo(flaky, ['inspect', '--raw', `oci:${dir}:1`])).stdout, 'utf8')),
        image.descriptor.digest,
      );
      await skopeoReadsBack(flaky, `oci:${dir}:1`);
    });

    it(`push from an OCI layout, the target killed mid-upload and ${when}: the rerun uploads only what is missing`, async function () {
      this.timeout(120_000);
      const repository = `pushed/big-${suffix}`;
      const killer = new Killer(flaky, threshold, atOnce);
      const to = (): Repository => session.registry(flakyProxy.host).repository(repository);
      const source = { kind: 'oci-layout' as const, dir: layout.dir, refName: image.ref };
      const first = await settle(push(source, to(), '1', options(killer)));
      await judgeFirstAttempt(killer, first, 'the push', atOnce);
      await resumeOnRegistry(first, flaky, repository, undefined, flakyProxy, () => push(source, to(), '1', { concurrency: 1 }));
    });

    it(`copy, the target killed mid-upload and ${when}: the rerun uploads only what is missing`, async function () {
      this.timeout(120_000);
      const repository = `copied/to-flaky-${suffix}`;
      const killer = new Killer(flaky, threshold, atOnce);
      const from = session.registry(steadyProxy.host).repository('big/image');
      const to = session.registry(flakyProxy.host).repository(repository);
      const first = await settle(copy(from, to, image.descriptor, { ...options(killer), tag: '1' }));
      await judgeFirstAttempt(killer, first, 'the copy', atOnce);
      await resumeOnRegistry(first, flaky, repository, steadyProxy, flakyProxy, () =>
        copy(from, to, image.descriptor, { concurrency: 1, tag: '1' }),
      );
    });

    it(`copy, the source killed mid-blob and ${when}: the rerun moves only what is missing`, async function () {
      this.timeout(120_000);
      const repository = `copied/from-flaky-${suffix}`;
      const killer = new Killer(flaky, threshold, atOnce);
      const from = session.registry(flakyProxy.host).repository('big/image');
      const to = session.registry(steadyProxy.host).repository(repository);
      const first = await settle(copy(from, to, image.descriptor, { ...options(killer), tag: '1' }));
      await judgeFirstAttempt(killer, first, 'the copy', atOnce);
      await resumeOnRegistry(first, steady, repository, flakyProxy, steadyProxy, () =>
        copy(from, to, image.descriptor, { concurrency: 1, tag: '1' }),
      );
    });
  }

  /**
   * For a push or copy into `registry`/`repository`: a failed first attempt left no tag; the blobs
   * the registry holds include the ones finished before the kill; the rerun completes and moves
   * none of those (no GET on the source, no upload on the target) and each of the others once.
   */
  async function resumeOnRegistry(
    first: Outcome,
    registry: LabRegistry,
    repository: string,
    sourceProxy: FaultProxy | undefined,
    targetProxy: FaultProxy,
    rerun: () => Promise<CopyResult>,
  ): Promise<void> {
    if (!first.ok) {
      const tags = await listTags(registry, repository).catch((): string[] => []);
      assert.ok(!tags.includes('1'), `a failed transfer left no tag (${tags.join(', ')})`);
    }
    const kept = await blobsIn(registry, repository);
    for (const early of blobs.slice(0, 2)) assert.ok(kept.has(early.digest), `${early.digest}, stored before the kill, is there`);

    sourceProxy?.clearRequests();
    targetProxy.clearRequests();
    const second = await rerun();
    assert.equal(second.root.digest, image.descriptor.digest);
    assert.equal(second.blobs.skipped, kept.size, 'every blob the registry holds is skipped');
    assert.equal(second.blobs.copied, blobs.length - kept.size, 'every other blob is moved');
    // None for a kept blob; at least one for a missing one (more only if a request was repeated).
    const moved = (n: number, digest: string): boolean => (kept.has(digest) ? n === 0 : n >= 1);
    for (const blob of blobs) {
      const uploads = uploadsOf(targetProxy, blob.digest);
      assert.ok(
        moved(uploads, blob.digest),
        `${uploads} uploads of ${blob.digest} (${kept.has(blob.digest) ? 'kept' : 'missing'}) on the rerun`,
      );
      const gets = sourceProxy ? blobGetsOf(sourceProxy, blob.digest) : undefined;
      if (gets !== undefined)
        assert.ok(moved(gets, blob.digest), `${gets} GETs of ${blob.digest} (${kept.has(blob.digest) ? 'kept' : 'missing'}) on the rerun`);
    }
    assert.equal(sha256(await inspectRaw(registry, `${repository}:1`)), image.descriptor.digest, 'skopeo sees the pushed root');
    await skopeoReadsBack(registry, `docker://${registry.host}/${repository}:1`);
  }
});
