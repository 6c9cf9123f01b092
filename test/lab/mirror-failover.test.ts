// A failing mirror is asked once, then the next endpoint answers: only the last endpoint of a plan
// is retried. The mirror (a fault proxy in front of a real registry, listed in hosts.toml) answers
// a plain 5xx without Retry-After, so nothing holds it back and any retry of it would show in its
// count; the registry itself sits behind a second proxy that counts what reached it.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { copy } from '../../src/core/operations/copy';
import { pull } from '../../src/core/operations/transfer';
import { createSession, type RegistrySession } from '../../src/core/registry/session';
import type { RequestLogEntry } from '../../src/core/transport/connection';
import { OciLayout, pushToRegistry, type BuiltImage } from '../support/lab/content';
import { FaultProxy, type SeenRequest } from '../support/lab/fault-proxy';
import { folderWith } from '../support/lab/folders';
import { Lab, type LabRegistry } from '../support/lab/registry';

/** The registry as references name it; hosts.toml sends it to the mirror first, then the server. */
const MIRRORED = 'mirrored.test';
/** Attempts the last endpoint gets: a mirror retried like it would be seen this many times per request. */
const ATTEMPTS = 3;

/** `METHOD path` without the query (the client adds `ns=`), for counting per request. */
const requestKey = (r: SeenRequest): string => `${r.method} ${r.path.split('?')[0]!}`;

function countsByRequest(requests: readonly SeenRequest[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of requests) counts.set(requestKey(r), (counts.get(requestKey(r)) ?? 0) + 1);
  return counts;
}

describe('a failing mirror gets one request, then the next endpoint answers (counted at both)', function () {
  let lab: Lab;
  let upstream: LabRegistry;
  let target: LabRegistry;
  let mirror: FaultProxy;
  let server: FaultProxy;
  let image: BuiltImage;
  const sessions: RegistrySession[] = [];
  let pulls = 0;

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    [upstream, target] = await Promise.all([lab.startRegistry({ name: 'mf-upstream' }), lab.startRegistry({ name: 'mf-target' })]);
    const layout = await OciLayout.create(join(lab.dir, 'content', 'mirror-failover'));
    image = await layout.image({ seed: 'mirror-failover', layers: [24 * 1024, 8 * 1024] });
    await pushToRegistry(layout, image, upstream, 'mf/image:1');
    [mirror, server] = await Promise.all([FaultProxy.start(upstream), FaultProxy.start(upstream)]);
  });

  afterEach(async () => {
    for (const proxy of [mirror, server]) {
      proxy.clear();
      proxy.clearRequests();
    }
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  after(async function () {
    await Promise.all([mirror?.stop(), server?.stop()]);
    await lab?.stopAll();
  });

  function session(log?: RequestLogEntry[]): RegistrySession {
    const hosts = folderWith({
      [`${MIRRORED}/hosts.toml`]: [
        `server = "${server.url}"`,
        '',
        `[host."${mirror.url}"]`,
        '  capabilities = ["pull", "resolve"]',
        '',
      ].join('\n'),
    });
    const s = createSession({
      hostsDirectories: [hosts],
      credentials: false,
      registries: [{ url: target.url }],
      retry: { maxAttempts: ATTEMPTS, baseDelayMs: 20, maxDelayMs: 100 },
      ...(log ? { log: (e) => log.push(e) } : {}),
    });
    sessions.push(s);
    return s;
  }

  /** Every request the mirror saw was seen once, and each was then answered by the server. */
  function assertMirrorAskedOncePerRequest(): void {
    assert.ok(mirror.requests.length > 0, 'the mirror was tried');
    for (const [request, times] of countsByRequest(mirror.requests)) assert.equal(times, 1, `the mirror got ${request} ${times} times`);
    const atServer = countsByRequest(server.requests);
    for (const r of mirror.requests) assert.ok(atServer.has(requestKey(r)), `${requestKey(r)} then went to the server`);
  }

  for (const status of [503, 500, 502]) {
    it(`resolve: a mirror answering a plain ${status} gets one HEAD, then the server answers`, async () => {
      mirror.add({ path: /^\/v2\//, fault: { kind: 'status', status } });
      const log: RequestLogEntry[] = [];
      const resolved = await session(log).registry(MIRRORED).repository('mf/image').resolve('1');
      assert.equal(resolved.digest, image.descriptor.digest);
      assert.deepEqual(
        log.map((e) => [new URL(e.url).host, e.method, e.status]),
        [
          [mirror.host, 'HEAD', status],
          [server.host, 'HEAD', 200],
        ],
      );
    });
  }

  it('pull: every manifest and blob request is asked of the mirror once, then of the server', async () => {
    mirror.add({ path: /^\/v2\//, fault: { kind: 'status', status: 503 } });
    const repo = session().registry(MIRRORED).repository('mf/image');
    const result = await pull(repo, '1', { kind: 'oci-layout', dir: join(lab.dir, 'pulled', String(pulls++)) });
    assert.equal(result.blobs.copied, 3);
    assertMirrorAskedOncePerRequest();
    const blobGets = mirror.requests.filter((r) => r.method === 'GET' && /\/blobs\//.test(r.path));
    assert.equal(blobGets.length, 3, 'config and two layers, each asked of the mirror once');
  });

  it('a mirror failing only some blobs: those move on to the server, the rest come from the mirror', async () => {
    const layer = image.layers[0]!.descriptor;
    mirror.add({ method: 'GET', path: new RegExp(`/blobs/${layer.digest}`), fault: { kind: 'status', status: 503 } });
    const repo = session().registry(MIRRORED).repository('mf/image');
    const result = await pull(repo, '1', { kind: 'oci-layout', dir: join(lab.dir, 'pulled', String(pulls++)) });
    assert.equal(result.blobs.copied, 3);
    assert.equal(mirror.count('GET', new RegExp(`/blobs/${layer.digest}`)), 1);
    assert.equal(server.count('GET', new RegExp(`/blobs/${layer.digest}`)), 1);
    assert.equal(server.count('GET', /\/blobs\//), 1, 'only the failed layer came from the server');
  });

  it('uploads: a copy reading through the failing mirror asks it once per blob, and every blob is uploaded once', async () => {
    mirror.add({ path: /^\/v2\//, fault: { kind: 'status', status: 503 } });
    const s = session();
    const from = s.registry(MIRRORED).repository('mf/image');
    const to = s.registry(target.host).repository('mf/copied');
    const result = await copy(from, to, await from.resolve('1'), { tag: '1', concurrency: 2 });
    assert.equal(result.blobs.copied, 3);
    assertMirrorAskedOncePerRequest();
    assert.equal(mirror.requests.filter((r) => /\/blobs\//.test(r.path)).length, 3, 'one request per blob at the mirror');
    assert.equal(server.requests.filter((r) => /\/blobs\//.test(r.path)).length, 3, 'and one at the server');
    assert.equal((await to.resolve('1')).digest, image.descriptor.digest);
  });

  it('the last endpoint is still retried: a server answering 503 once is asked again, the mirror still once', async () => {
    mirror.add({ path: /^\/v2\//, fault: { kind: 'status', status: 503 } });
    server.add({ method: 'HEAD', path: /\/manifests\/1/, times: 1, fault: { kind: 'status', status: 503 } });
    const resolved = await session().registry(MIRRORED).repository('mf/image').resolve('1');
    assert.equal(resolved.digest, image.descriptor.digest);
    assert.equal(mirror.count('HEAD', /\/manifests\/1/), 1);
    assert.equal(server.count('HEAD', /\/manifests\/1/), 2);
  });
});
