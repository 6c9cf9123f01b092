// Proves each fault of the lab's fault proxy against a real registry (and the pass-through path it
// must not disturb), with raw requests so every status, header and byte is visible.
import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { concatBuffers } from '../support/lab/bytes';
import { FaultProxy, RecordingServer } from '../support/lab/fault-proxy';
import { Lab, type LabRegistry } from '../support/lab/registry';
import { labRequest } from '../support/lab/request';
import { pushTiny, tagMany } from '../support/lab/tiny';

const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';

/** POST + one PUT with the whole body (a monolithic upload), all through `base`. Returns both answers' Locations. */
async function uploadBlob(base: string, repository: string, blob: Buffer): Promise<{ started: string; committed: string }> {
  const start = await labRequest(`${base}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  assert.equal(start.status, 202, start.text());
  const started = String(start.headers.location);
  const target = new URL(started, base);
  target.searchParams.set('digest', sha256(blob));
  const put = await labRequest(target.href, { method: 'PUT', body: blob, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(put.status, 201, put.text());
  return { started, committed: String(put.headers.location) };
}

interface RawOutcome {
  status: number;
  headers: http.IncomingHttpHeaders;
  received: Buffer;
  /** Set when the connection failed or was cut before the body was complete. */
  error?: string;
}

/** A GET that never rejects: reports what arrived before the end or the failure. */
function rawGet(url: string, onData?: (receivedSoFar: number) => void): { outcome: Promise<RawOutcome>; request: http.ClientRequest } {
  let request!: http.ClientRequest;
  const outcome = new Promise<RawOutcome>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let response: http.IncomingMessage | undefined;
    const finish = (error?: Error): void =>
      resolve({
        status: response?.statusCode ?? 0,
        headers: response?.headers ?? {},
        received: concatBuffers(chunks),
        error: error && (error.message || String((error as NodeJS.ErrnoException).code)),
      });
    request = http.get(url, { agent: false }, (res) => {
      response = res;
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        onData?.(size);
      });
      res.on('end', () => finish());
      res.on('error', finish);
    });
    request.on('error', finish);
  });
  return { outcome, request };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('fault proxy (lab)', function () {
  this.timeout(60_000);
  let lab: Lab;
  let registry: LabRegistry;
  let proxy: FaultProxy;
  const blob = randomBytes(256 * 1024);
  const blobDigest = sha256(blob);
  const blobPath = `/v2/faults/blob/blobs/${blobDigest}`;

  before(async () => {
    lab = await Lab.create();
    registry = await lab.startRegistry({ name: 'fault-proxy' });
    await uploadBlob(registry.url, 'faults/blob', blob);
    await pushTiny(registry, 'faults/tiny', ['v1']);
    proxy = await FaultProxy.start(registry);
  });

  after(async () => {
    await proxy?.stop();
    await lab?.stopAll();
  });

  afterEach(() => {
    proxy.clear();
    proxy.clearRequests();
  });

  describe('pass-through', () => {
    it('serves GET and HEAD of blobs and manifests exactly as the registry does', async () => {
      const direct = await labRequest(`${registry.url}/v2/faults/tiny/manifests/v1`, { headers: { accept: MANIFEST_TYPE } });
      const viaProxy = await labRequest(`${proxy.url}/v2/faults/tiny/manifests/v1`, { headers: { accept: MANIFEST_TYPE } });
      assert.equal(viaProxy.status, 200);
      assert.deepEqual(viaProxy.body, direct.body);
      assert.equal(viaProxy.headers['docker-content-digest'], direct.headers['docker-content-digest']);

      const got = await labRequest(`${proxy.url}${blobPath}`);
      assert.equal(sha256(got.body), blobDigest);
      const head = await labRequest(`${proxy.url}${blobPath}`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.headers['content-length'], String(blob.length));
      assert.equal(head.body.length, 0);
      assert.deepEqual(
        proxy.requests.map((r) => [r.method, r.status, r.fault]),
        [
          ['GET', 200, undefined],
          ['GET', 200, undefined],
          ['HEAD', 200, undefined],
        ],
      );
    });

    it('carries a monolithic upload through, with every Location pointed at the proxy', async () => {
      const upload = randomBytes(3 * 1024 * 1024 + 17);
      const { started, committed } = await uploadBlob(proxy.url, 'faults/upload', upload);
      assert.ok(started.startsWith(`${proxy.url}/v2/faults/upload/blobs/uploads/`), started);
      assert.equal(committed, `${proxy.url}/v2/faults/upload/blobs/${sha256(upload)}`);
      assert.equal(proxy.count('PUT', /^\/v2\/faults\/upload\/blobs\/uploads\/.*digest=/), 1);
      const stored = await labRequest(`${registry.url}/v2/faults/upload/blobs/${sha256(upload)}`);
      assert.deepEqual(stored.body, upload);
    });

    it('forwards method, path, query and headers (Authorization too) with Host set to the target, and rewrites its URLs', async () => {
      const origin = await RecordingServer.start();
      const front = await FaultProxy.start(origin);
      try {
        origin.serve('/v2/thing', Buffer.from('ok'), {
          location: `${origin.url}/v2/next?x=1`,
          link: `<${origin.url}/v2/thing?last=a>; rel="next", <http://127.0.0.2:1/v2/x>; rel="other"`,
        });
        const res = await labRequest(`${front.url}/v2/thing?a=1&b=%2F`, {
          method: 'DELETE',
          basicAuth: { username: 'u', password: 'p' },
          headers: { 'x-lab': 'yes' },
        });
        assert.equal(res.text(), 'ok');
        assert.equal(res.headers.location, `${front.url}/v2/next?x=1`);
        assert.equal(res.headers.link, `<${front.url}/v2/thing?last=a>; rel="next", <http://127.0.0.2:1/v2/x>; rel="other"`);
        const [seen] = origin.requests;
        assert.equal(seen?.method, 'DELETE');
        assert.equal(seen?.path, '/v2/thing?a=1&b=%2F');
        assert.equal(seen?.headers.host, origin.host);
        assert.equal(seen?.headers.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
        assert.equal(seen?.headers['x-lab'], 'yes');
      } finally {
        await front.stop();
        await origin.stop();
      }
    });

    it('streams request bodies: the target sees the first bytes before the client has sent the rest', async () => {
      let receivedAtTarget = 0;
      const target = http.createServer((req, res) => {
        req.on('data', (chunk: Buffer) => (receivedAtTarget += chunk.length));
        req.on('end', () => res.end(String(receivedAtTarget)));
      });
      await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
      const front = await FaultProxy.start({ url: `http://127.0.0.1:${(target.address() as AddressInfo).port}` });
      try {
        const answer = new Promise<string>((resolve, reject) => {
          const req = http.request(`${front.url}/upload`, { method: 'PATCH', agent: false }, (res) => {
            const chunks: Buffer[] = [];
            res
              .on('data', (c: Buffer) => chunks.push(c))
              .on('end', () => resolve(concatBuffers(chunks).toString()))
              .on('error', reject);
          });
          req.on('error', reject);
          req.write(randomBytes(64 * 1024));
          waitFor(() => receivedAtTarget === 64 * 1024, 'the first 64 KiB at the target').then(() => req.end(randomBytes(1024)), reject);
        });
        assert.equal(await answer, String(65 * 1024));
      } finally {
        await front.stop();
        target.closeAllConnections();
        await new Promise((resolve) => target.close(resolve));
      }
    });
  });

  describe('faults', () => {
    it('delay: waits before forwarding', async () => {
      proxy.add({ method: 'GET', path: /^\/v2\/$/, fault: { kind: 'delay', ms: 300 } });
      const started = Date.now();
      const res = await labRequest(`${proxy.url}/v2/`);
      assert.equal(res.status, 200);
      assert.ok(Date.now() - started >= 290, `answered after ${Date.now() - started} ms`);
      assert.equal(proxy.requests[0]?.fault, 'delay');
    });

    it('status: answers 429 with Retry-After (seconds or HTTP-date) without reaching the registry', async () => {
      const date = new Date(Date.now() + 5_000).toUTCString();
      proxy
        .add({ path: /\/status-seconds\//, fault: { kind: 'status', status: 429, headers: { 'retry-after': '2' } } })
        .add({ path: /\/status-date\//, fault: { kind: 'status', status: 503, headers: { 'retry-after': date }, body: 'busy' } });
      const seconds = await labRequest(`${proxy.url}/v2/faults/status-seconds/manifests/v1`);
      assert.equal(seconds.status, 429);
      assert.equal(seconds.headers['retry-after'], '2');
      assert.equal(seconds.json<{ errors: { code: string }[] }>().errors[0]?.code, 'FAULT_INJECTED');
      const dated = await labRequest(`${proxy.url}/v2/faults/status-date/blobs/uploads/`, { method: 'POST', body: randomBytes(100_000) });
      assert.equal(dated.status, 503);
      assert.equal(dated.headers['retry-after'], date);
      assert.equal(dated.text(), 'busy');
      assert.doesNotMatch(registry.readLog(), /status-seconds|status-date/);
    });

    it('drop: cuts the connection after exactly N body bytes', async () => {
      proxy.add({ method: 'GET', path: /\/blobs\//, fault: { kind: 'drop', afterBytes: 1000 } });
      const { outcome } = rawGet(`${proxy.url}${blobPath}`);
      const result = await outcome;
      assert.equal(result.status, 200);
      assert.equal(result.received.length, 1000);
      assert.deepEqual(result.received, blob.subarray(0, 1000));
      assert.ok(result.error, 'the client saw the connection fail');
      await assert.rejects(labRequest(`${proxy.url}${blobPath}`), /aborted|socket hang up|ECONNRESET/);
    });

    it('lose-answer: the registry acts on the request, the client gets no answer at all', async () => {
      proxy.add({ method: 'POST', path: /\/blobs\/uploads\//, fault: { kind: 'lose-answer' }, times: 1 });
      await assert.rejects(
        labRequest(`${proxy.url}/v2/faults/lost/blobs/uploads/`, { method: 'POST' }),
        /socket hang up|ECONNRESET|aborted/,
      );
      const lost = proxy.requests.find((r) => r.fault === 'lose-answer');
      assert.equal(lost?.status, 0, 'no status was sent');
      assert.match(registry.readLog(), /POST \/v2\/faults\/lost\/blobs\/uploads\/ HTTP[^"]*" 202/, 'the registry started the upload');
    });

    it('tamper: same length, one byte flipped, so the digest no longer matches', async () => {
      proxy
        .add({ path: /\/blobs\//, fault: { kind: 'tamper' }, times: 1 })
        .add({ path: /\/blobs\//, fault: { kind: 'tamper', offset: 0 }, times: 1 });
      for (const offset of [blob.length / 2, 0]) {
        const res = await labRequest(`${proxy.url}${blobPath}`);
        assert.equal(res.body.length, blob.length);
        assert.notEqual(sha256(res.body), blobDigest);
        assert.equal(res.headers['docker-content-digest'], blobDigest, 'the header still claims the real digest');
        const differing = [...res.body.keys()].filter((i) => res.body[i] !== blob[i]);
        assert.deepEqual(differing, [offset]);
      }
    });

    it('wrong-digest-header: replaces Docker-Content-Digest and leaves the body alone', async () => {
      const claimed = `sha256:${'0'.repeat(64)}`;
      proxy
        .add({ path: /\/blobs\//, fault: { kind: 'wrong-digest-header', digest: claimed }, times: 1 })
        .add({ path: /\/manifests\//, fault: { kind: 'wrong-digest-header' } });
      const res = await labRequest(`${proxy.url}${blobPath}`);
      assert.equal(res.headers['docker-content-digest'], claimed);
      assert.equal(sha256(res.body), blobDigest);
      const manifest = await labRequest(`${proxy.url}/v2/faults/tiny/manifests/v1`, { method: 'HEAD', headers: { accept: MANIFEST_TYPE } });
      const real = (await labRequest(`${registry.url}/v2/faults/tiny/manifests/v1`, { method: 'HEAD', headers: { accept: MANIFEST_TYPE } }))
        .headers['docker-content-digest'];
      assert.match(String(manifest.headers['docker-content-digest']), /^sha256:[0-9a-f]{64}$/);
      assert.notEqual(manifest.headers['docker-content-digest'], real);
    });

    it('link-to: points the catalog Link at another origin, keeping path and query', async () => {
      await pushTiny(registry, 'faults/zzz', ['v1']);
      const plain = await labRequest(`${proxy.url}/v2/_catalog?n=1`);
      assert.match(String(plain.headers.link), /^<\/v2\/_catalog\?last=[^>]+&n=1>; rel="next"$/, 'passed through as the registry sent it');
      proxy.add({ path: /^\/v2\/_catalog/, fault: { kind: 'link-to', origin: 'http://127.0.0.1:9' } });
      const moved = await labRequest(`${proxy.url}/v2/_catalog?n=1`);
      assert.equal(moved.headers.link, String(plain.headers.link).replace('</v2/', '<http://127.0.0.1:9/v2/'));
    });

    it('redirect: sends the client to a recording server, which records what arrives there', async () => {
      const elsewhere = await RecordingServer.start();
      try {
        elsewhere.serve('/storage/blob', blob);
        proxy.add({
          method: 'GET',
          path: /\/blobs\/sha256:/,
          fault: { kind: 'redirect', location: `${elsewhere.url}/storage/blob?sig=1` },
        });
        const redirected = await labRequest(`${proxy.url}${blobPath}`, { basicAuth: { username: 'alice', password: 'secret' } });
        assert.equal(redirected.status, 307);
        assert.equal(redirected.headers.location, `${elsewhere.url}/storage/blob?sig=1`);
        const followed = await labRequest(String(redirected.headers.location));
        assert.equal(sha256(followed.body), blobDigest);
        assert.deepEqual(
          elsewhere.requests.map((r) => [r.method, r.path, r.status, r.headers.authorization]),
          [['GET', '/storage/blob?sig=1', 200, undefined]],
        );
        assert.equal((await labRequest(`${elsewhere.url}/nothing`)).status, 404);
      } finally {
        await elsewhere.stop();
      }
    });

    it('page-tags: pages a 2,500-tag list that Distribution 2.8 serves in one piece, every tag once and in order', async () => {
      const tags = Array.from({ length: 2_500 }, (_, i) => `v${i}`);
      await tagMany(registry, 'faults/many', tags);
      const expected = [...tags, 'seed'].sort();
      const whole = await labRequest(`${registry.url}/v2/faults/many/tags/list?n=100`);
      assert.equal(whole.json<{ tags: string[] }>().tags.length, expected.length, 'the registry itself ignores n');

      proxy.add({ method: 'GET', path: /\/tags\/list/, fault: { kind: 'page-tags', pageSize: 100 } });
      const pages: string[][] = [];
      for (let next: string | undefined = `${proxy.url}/v2/faults/many/tags/list`; next !== undefined;) {
        const res = await labRequest(next);
        assert.equal(res.status, 200);
        pages.push(res.json<{ name: string; tags: string[] }>().tags);
        const link = /^<([^>]+)>; rel="next"$/.exec(String(res.headers.link ?? ''));
        next = link ? new URL(link[1] as string, next).href : undefined;
      }
      assert.equal(pages.length, Math.ceil(expected.length / 100));
      assert.ok(pages.every((page) => page.length <= 100));
      assert.deepEqual(pages.flat(), expected);

      const small = await labRequest(`${proxy.url}/v2/faults/many/tags/list?n=10&last=v5`);
      assert.deepEqual(small.json<{ tags: string[] }>().tags, expected.slice(expected.indexOf('v5') + 1, expected.indexOf('v5') + 11));
      assert.match(String(small.headers.link), /^<\/v2\/faults\/many\/tags\/list\?n=10&last=v[0-9]+>; rel="next"$/);
      assert.equal((await labRequest(`${proxy.url}/v2/faults/nonexistent/tags/list`)).status, 404, 'errors pass through');
    });

    it('times: applies a rule that many times, then the next matching rule, then none', async () => {
      proxy
        .add({ method: 'GET', path: /^\/v2\/$/, fault: { kind: 'status', status: 503 }, times: 2 })
        .add({ method: 'GET', path: /^\/v2\/$/, fault: { kind: 'status', status: 500 }, times: 1 })
        .add({ method: 'HEAD', path: /^\/v2\/$/, fault: { kind: 'status', status: 418 } });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await labRequest(`${proxy.url}/v2/`)).status);
      assert.deepEqual(statuses, [503, 503, 500, 200, 200]);
      assert.equal(proxy.count('GET', /^\/v2\/$/), 5);
      assert.equal(proxy.count('HEAD', /^\/v2\/$/), 0);
      assert.deepEqual(
        proxy.requests.map((r) => r.fault),
        ['status', 'status', 'status', undefined, undefined],
      );
    });
  });

  describe('lifecycle and limits', () => {
    it('stall: sends N bytes then hangs, and stop() ends it (and a pending delay) at once', async () => {
      const own = await FaultProxy.start(registry);
      own
        .add({ path: /\/blobs\//, fault: { kind: 'stall', afterBytes: 100 } })
        .add({ path: /^\/v2\/$/, fault: { kind: 'delay', ms: 60_000 } });
      let received = 0;
      const stalled = rawGet(`${own.url}${blobPath}`, (n) => (received = n));
      const delayed = rawGet(`${own.url}/v2/`);
      await waitFor(() => received === 100 && own.requests.length === 2, 'the first 100 bytes and the delayed request');
      await sleep(300);
      assert.equal(received, 100, 'nothing more arrives while stalled');
      const started = Date.now();
      await own.stop();
      assert.ok(Date.now() - started < 2_000, `stop() took ${Date.now() - started} ms`);
      const [cut, neverAnswered] = await Promise.all([stalled.outcome, delayed.outcome]);
      assert.equal(cut.received.length, 100);
      assert.ok(cut.error, 'the stalled client saw the connection end');
      assert.ok(neverAnswered.error);
      await assert.rejects(labRequest(`${own.url}/v2/`), /ECONNREFUSED/);
    });

    it('serves HTTPS with a lab certificate and points the registry’s http Locations at https', async () => {
      const certs = await lab.certs();
      const tls = await FaultProxy.start(registry, {
        tls: { cert: readFileSync(certs.servers.ca.certPath, 'utf8'), key: readFileSync(certs.servers.ca.keyPath, 'utf8') },
      });
      try {
        assert.match(tls.url, /^https:\/\/127\.0\.0\.1:\d+$/);
        const ca = readFileSync(certs.ca.certPath);
        assert.equal((await labRequest(`${tls.url}/v2/`, { ca })).status, 200);
        const start = await labRequest(`${tls.url}/v2/faults/tls/blobs/uploads/`, { method: 'POST', ca });
        assert.ok(String(start.headers.location).startsWith(`${tls.url}/v2/faults/tls/blobs/uploads/`), String(start.headers.location));
      } finally {
        await tls.stop();
      }
    });

    it('answers 502 when the registry is unreachable', async () => {
      const nowhere = await FaultProxy.start({ url: 'http://127.0.0.1:9' });
      try {
        const res = await labRequest(`${nowhere.url}/v2/`);
        assert.equal(res.status, 502);
        assert.equal(nowhere.requests[0]?.status, 502);
      } finally {
        await nowhere.stop();
      }
    });

    it('refuses anything but loopback targets, redirect locations and Link origins', async () => {
      await assert.rejects(FaultProxy.start({ url: 'http://192.0.2.1:5000' }), /not a loopback address/);
      assert.throws(
        () => proxy.add({ path: /x/, fault: { kind: 'redirect', location: 'https://example.com/blob' } }),
        /not a loopback address/,
      );
      assert.throws(() => proxy.add({ path: /x/, fault: { kind: 'link-to', origin: 'http://203.0.113.5' } }), /not a loopback address/);
      proxy.add({ path: /x/, fault: { kind: 'redirect', location: 'https://storage.test:8443/blob' } });
    });

    it('keeps only the last 10,000 requests', async () => {
      const own = await FaultProxy.start(registry);
      try {
        own.add({ path: /^\/$/, fault: { kind: 'status', status: 204 } });
        // Kept-alive connections: 10,050 fresh ones would cost seconds for nothing.
        const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
        const get = (): Promise<void> =>
          new Promise((resolve, reject) =>
            http.get(`${own.url}/`, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject),
          );
        let next = 0;
        const worker = async (): Promise<void> => {
          while (next++ < 10_050) await get();
        };
        await Promise.all(Array.from({ length: 8 }, worker));
        agent.destroy();
        assert.equal(own.requests.length, 10_000);
        assert.equal(own.count('GET', /^\/$/), 10_000);
      } finally {
        await own.stop();
      }
    });
  });
});
