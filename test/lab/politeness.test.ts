// Politeness towards a busy registry, counted at the fault proxy: a Retry-After learned by one
// request holds back every request to that registry (no retry storm at concurrency 4), a registry
// that keeps failing sees a bounded number of requests in a bounded time, a pause longer than the
// client waits fails at once saying when, and cancelling during a pause sends nothing more.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreError, RegistryError, RetryLaterError } from '../../src/core/errors';
import { copy } from '../../src/core/operations/copy';
import type { Repository } from '../../src/core/registry/repository';
import { createSession, type CoreConfig, type RegistrySession } from '../../src/core/registry/session';
import { DEFAULT_RETRY_POLICY } from '../../src/core/transport/retry';
import { OciLayout, pushToRegistry, type BuiltImage } from '../support/lab/content';
import { FaultProxy, type SeenRequest } from '../support/lab/fault-proxy';
import { Lab, type LabRegistry } from '../support/lab/registry';

const noHostsDir = mkdtempSync(join(tmpdir(), 'no-hosts-'));
const BLOB_GET = /\/blobs\/sha256:/;
const CONCURRENCY = 4;
const TOO_MANY = JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'slow down' }] });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 20 ms for at most `ms`; true once it held. */
async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  for (let waited = 0; waited <= ms; waited += 20) {
    if (check()) return true;
    await sleep(20);
  }
  return check();
}

/**
 * The gate held: after the first 429 arrived, nothing reached the registry before `openAt` except
 * requests already on their way when that 429 went back (other slots' first requests, at most
 * concurrency − 1 of them, none of them a retry).
 */
function assertHeldUntil(gets: readonly SeenRequest[], openAt: number): void {
  const first = gets.findIndex((r) => r.status === 429);
  assert.ok(first >= 0, 'a 429 was answered');
  const early = gets.slice(first + 1).filter((r) => r.at < openAt);
  assert.ok(
    early.length <= CONCURRENCY - 1,
    `${early.length} blob requests arrived during the pause (at most ${CONCURRENCY - 1} already on their way): ${early.map((r) => `+${r.at - gets[first]!.at} ms`).join(', ')}`,
  );
  for (const r of early) {
    const before = gets.slice(0, gets.indexOf(r)).some((o) => o.path === r.path);
    assert.ok(!before, `${r.path} was retried ${r.at - gets[first]!.at} ms after the first 429, before the registry's time`);
  }
}

describe('politeness towards a busy registry (counted at the proxy)', function () {
  let lab: Lab;
  let source: LabRegistry;
  let target: LabRegistry;
  let proxy: FaultProxy;
  let image: BuiltImage;
  const sessions: RegistrySession[] = [];
  let repoCount = 0;

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    [source, target] = await Promise.all([lab.startRegistry({ name: 'polite-source' }), lab.startRegistry({ name: 'polite-target' })]);
    const layout = await OciLayout.create(join(lab.dir, 'content', 'polite'));
    // Twelve small layers and a config: thirteen blobs, so four workers each go through several.
    image = await layout.image({ seed: 'polite', layers: Array.from({ length: 12 }, (_, i) => 2048 + i) });
    await pushToRegistry(layout, image, source, 'polite/image:1');
    proxy = await FaultProxy.start(source);
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

  /** A session with the default retry policy that reads nothing but `config`. */
  function session(config: CoreConfig = {}): RegistrySession {
    const s = createSession({
      hostsDirectories: [noHostsDir],
      credentials: false,
      registries: [{ url: proxy.url }, { url: target.url }],
      ...config,
    });
    sessions.push(s);
    return s;
  }

  /** Source through the proxy, and a fresh target repository (so every blob has to be copied). */
  function ends(s: RegistrySession): { from: Repository; to: Repository } {
    return {
      from: s.registry(proxy.host).repository('polite/image'),
      to: s.registry(target.host).repository(`polite/copy-${++repoCount}`),
    };
  }

  const blobCount = () => 1 + image.layers.length;
  const blobGets = () => proxy.requests.filter((r) => r.method === 'GET' && BLOB_GET.test(r.path));

  describe('a 429 with Retry-After holds back every request to that registry', () => {
    const K = 2;

    it('in seconds: completes, one extra request per 429, and nothing retried before the second is up', async function () {
      this.timeout(60_000);
      const s = session();
      const { from, to } = ends(s);
      const root = await from.resolve('1');
      proxy.add({
        method: 'GET',
        path: BLOB_GET,
        fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' }, body: TOO_MANY },
        times: K,
      });
      const started = Date.now();
      const result = await copy(from, to, root, { concurrency: CONCURRENCY, tag: '1' });
      assert.equal(result.blobs.copied, blobCount());
      const gets = blobGets();
      assert.equal(gets.length, blobCount() + K, `the proxy saw ${gets.length} blob GETs for ${blobCount()} blobs and ${K} 429s`);
      assert.equal(gets.filter((r) => r.status === 429).length, K);
      assert.equal(new Set(gets.filter((r) => r.status === 200).map((r) => r.path)).size, blobCount(), 'each blob was served once');
      const first429 = gets.find((r) => r.status === 429)!;
      assertHeldUntil(gets, first429.at + 1000);
      assert.ok(Date.now() - started >= 1000, 'the copy waited the second it was asked to');
    });

    it('as an HTTP date: nothing retried before that date', async function () {
      this.timeout(60_000);
      const s = session();
      const { from, to } = ends(s);
      const root = await from.resolve('1');
      // HTTP dates have whole seconds: two to three seconds from now.
      const openAt = Math.ceil((Date.now() + 2000) / 1000) * 1000;
      proxy.add({
        method: 'GET',
        path: BLOB_GET,
        fault: { kind: 'status', status: 429, headers: { 'retry-after': new Date(openAt).toUTCString() }, body: TOO_MANY },
        times: K,
      });
      await copy(from, to, root, { concurrency: CONCURRENCY, tag: '1' });
      const gets = blobGets();
      assert.equal(gets.length, blobCount() + K);
      const first429 = gets.find((r) => r.status === 429)!;
      assert.ok(first429.at < openAt - 500, 'the test is meaningful: the first 429 came well before the date');
      assertHeldUntil(gets, openAt);
      assert.ok(
        gets.filter((r) => r.status === 200).some((r) => r.at >= openAt),
        'the rest came after the date',
      );
    });
  });

  it("a registry that answers 503 to every blob: fails with the status and what to do, within the policy's bounds", async function () {
    this.timeout(90_000);
    const s = session();
    const { from, to } = ends(s);
    const root = await from.resolve('1');
    proxy.add({ method: 'GET', path: BLOB_GET, fault: { kind: 'status', status: 503, body: 'Service Unavailable' } });
    const started = Date.now();
    const err = await copy(from, to, root, { concurrency: CONCURRENCY, tag: '1' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const elapsed = Date.now() - started;
    assert.ok(err instanceof RegistryError, String(err));
    assert.equal(err.status, 503);
    assert.match(err.message, /answered HTTP 503 for blob sha256:[0-9a-f]{64} in polite\/image: .*try again later/);

    // Each blob's GET is retried by the request layer only (the copy does not try a status its
    // request already retried again); the first blob that gives up stops the copy, so only the
    // blobs already started (one per worker) are ever asked for.
    const { maxAttempts, baseDelayMs, maxDelayMs } = DEFAULT_RETRY_POLICY;
    const bound = maxAttempts * CONCURRENCY;
    const gets = blobGets();
    assert.ok(gets.length <= bound, `${gets.length} blob GETs, at most ${bound}`);
    const perBlob = new Map<string, number>();
    for (const r of gets) perBlob.set(r.path, (perBlob.get(r.path) ?? 0) + 1);
    assert.ok(
      [...perBlob.values()].every((n) => n <= maxAttempts),
      `no blob asked for more than ${maxAttempts} times: ${[...perBlob.values()].join(', ')}`,
    );
    assert.ok(
      [...perBlob.values()].includes(maxAttempts),
      `the blob that failed was tried ${maxAttempts} times: ${[...perBlob.values()].join(', ')}`,
    );
    assert.ok(perBlob.size <= CONCURRENCY, `${perBlob.size} different blobs asked for; queued blobs are not started once one failed`);

    // Time: the backoffs of one request's attempts (20 % jitter at most).
    let waits = 0;
    for (let n = 1; n < maxAttempts; n++) waits += Math.min(maxDelayMs, baseDelayMs * 2 ** (n - 1) * 1.2);
    assert.ok(elapsed < waits + 10_000, `failed after ${elapsed} ms (backoffs add up to at most ${waits} ms)`);

    const seen = proxy.requests.length;
    await sleep(1000);
    assert.equal(proxy.requests.length, seen, 'nothing was sent after the failure');
  });

  it('a pause longer than the client waits: fails at once with RETRY_LATER and the time, not retried', async function () {
    const s = session();
    const { from, to } = ends(s);
    const root = await from.resolve('1');
    proxy.add({ method: 'GET', path: BLOB_GET, fault: { kind: 'status', status: 429, headers: { 'retry-after': '120' }, body: TOO_MANY } });
    const started = Date.now();
    const err = await copy(from, to, root, { concurrency: CONCURRENCY, tag: '1' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof RetryLaterError, String(err));
    assert.equal(err.code, 'RETRY_LATER');
    assert.ok(Math.abs(err.retryAt.getTime() - (Date.now() + 120_000)) < 10_000, `retry at ${err.retryAt.toISOString()}`);
    assert.match(
      err.message,
      new RegExp(
        `^${proxy.host.replace(/\./g, '\\.')} is rate-limiting requests and asked clients to wait until .* \\(in 1[12]\\d s\\), longer than the 30 s this client waits, so nothing more was sent: try again after .*, or log in for a higher limit\\.$`,
      ),
    );
    assert.ok(Date.now() - started < 5000, `failed in ${Date.now() - started} ms, without waiting`);
    // Requests the other workers had already sent may still be arriving.
    await sleep(300);
    assert.ok(blobGets().length <= CONCURRENCY, `${blobGets().length} blob GETs: only those already on their way`);

    // Later requests to that registry are not sent at all while the pause lasts.
    const manifestRequests = () => proxy.requests.filter((r) => /\/manifests\//.test(r.path)).length;
    const before = manifestRequests();
    const again = await from.resolve('1').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(again instanceof RetryLaterError, String(again));
    assert.equal(manifestRequests(), before, 'nothing was sent');
    // A login may lift the limit: forgetting the host opens it again.
    s.forget(proxy.host);
    await from.resolve('1');
    assert.equal(manifestRequests(), before + 1);
  });

  it('a mirror that asked for a pause is skipped, not waited for or asked again', async function () {
    // source is reached through hosts.toml with the proxy as its pull mirror.
    const hosts = mkdtempSync(join(tmpdir(), 'hosts-'));
    mkdirSync(join(hosts, source.host));
    writeFileSync(
      join(hosts, source.host, 'hosts.toml'),
      `server = "${source.url}"\n\n[host."${proxy.url}"]\n  capabilities = ["pull", "resolve"]\n`,
    );
    const s = session({ hostsDirectories: [hosts], registries: [{ url: source.url }] });
    proxy.add({ path: /^\/v2\//, fault: { kind: 'status', status: 429, headers: { 'retry-after': '60' }, body: TOO_MANY } });
    const repo = s.registry(source.host).repository('polite/image');
    for (let i = 0; i < 3; i++) assert.equal((await repo.resolve('1')).digest, image.descriptor.digest);
    assert.equal(proxy.requests.length, 1, 'the mirror was asked once, then left alone for its minute');
  });

  it('cancelling during a Retry-After pause stops within a second, and nothing is sent when it ends', async function () {
    this.timeout(30_000);
    const s = session();
    const { from, to } = ends(s);
    const root = await from.resolve('1');
    proxy.add({ method: 'GET', path: BLOB_GET, fault: { kind: 'status', status: 429, headers: { 'retry-after': '2' }, body: TOO_MANY } });
    const abort = new AbortController();
    const copying = copy(from, to, root, { concurrency: CONCURRENCY, tag: '1', signal: abort.signal }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(await eventually(() => blobGets().some((r) => r.status === 429), 10_000), 'a blob GET was answered 429');
    const first429 = blobGets().find((r) => r.status === 429)!;
    // The other workers reach the closed gate.
    await sleep(300);
    const seen = proxy.requests.length;
    const cancelledAt = Date.now();
    abort.abort();
    const err = await copying;
    assert.ok(Date.now() - cancelledAt < 1000, `stopped in ${Date.now() - cancelledAt} ms`);
    assert.ok(err instanceof CoreError && err.code === 'CANCELLED', String(err));
    // Past the moment the pause would have ended: the requests that were waiting never went out.
    await sleep(Math.max(0, first429.at + 2500 - Date.now()));
    assert.equal(proxy.requests.length, seen, 'nothing was sent after the cancel');
  });
});
