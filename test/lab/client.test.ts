import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { RegistryClient } from '../../src/core/client';
import { type CoreError } from '../../src/core/errors';
import { endpointFor } from '../../src/core/registry-url';
import type { RequestLogEntry } from '../../src/core/transport/connection';
import { HttpTransport } from '../../src/core/transport/http';
import { Lab, type LabRegistry } from './registry';
import { labRequest } from './request';

/** Pushes a tiny manifest under `repository:tag` with plain HTTP calls (monolithic upload). */
async function pushTiny(registry: LabRegistry, repository: string, tags: string[]): Promise<void> {
  const config = Buffer.from('{}');
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const start = await labRequest(`${registry.url}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  assert.equal(start.status, 202, start.text());
  const location = new URL(String(start.headers.location), registry.url);
  location.searchParams.set('digest', configDigest);
  const put = await labRequest(location.href, { method: 'PUT', body: config, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(put.status, 201, put.text());
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: configDigest, size: config.length }, layers: [] });
  for (const tag of tags) {
    const res = await labRequest(`${registry.url}/v2/${repository}/manifests/${tag}`, { method: 'PUT', body: manifest, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(res.status, 201, res.text());
  }
}

async function collect(pages: AsyncIterable<string[]>): Promise<string[][]> {
  const all: string[][] = [];
  for await (const page of pages) all.push(page);
  return all;
}

function recorder(): { log: RequestLogEntry[]; logger: (e: RequestLogEntry) => void } {
  const log: RequestLogEntry[] = [];
  return { log, logger: (e) => log.push(e) };
}

describe('RegistryClient against real registries', function () {
  let lab: Lab;
  let plain: LabRegistry;
  let tlsCa: LabRegistry;
  let tlsNoIpSan: LabRegistry;
  let tlsName: LabRegistry;
  let basic: LabRegistry;
  let token: LabRegistry;
  let ca: string;

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    [plain, tlsCa, tlsNoIpSan, tlsName, basic, token] = await Promise.all([
      lab.startRegistry({ name: 'client-http' }),
      lab.startRegistry({ name: 'client-tls', tls: 'ca' }),
      lab.startRegistry({ name: 'client-no-ip-san', tls: 'no-ip-san' }),
      lab.startRegistry({ name: 'client-name', tls: 'registry.test' }),
      lab.startRegistry({ name: 'client-basic', auth: 'basic' }),
      lab.startRegistry({ name: 'client-token', auth: 'token' }),
    ]);
    ca = readFileSync(tlsCa.caCertPath!, 'utf8');
    await Promise.all(Array.from({ length: 25 }, (_, i) => pushTiny(plain, `paged/repo-${String(i).padStart(2, '0')}`, ['v1'])));
    await pushTiny(plain, 'many/tags', Array.from({ length: 30 }, (_, i) => `1.0.${i}`));
  });

  after(() => lab?.stopAll());

  describe('reaching a registry', () => {
    it('reaches a plain-HTTP registry named with http://', async () => {
      const client = new RegistryClient(endpointFor(plain.url));
      assert.deepEqual(await client.ping(), { state: 'reachable', origin: plain.url });
      await client.close();
    });

    it('falls back from https to http for an insecure (loopback) host, and remembers it', async () => {
      const { log, logger } = recorder();
      const client = new RegistryClient(endpointFor(plain.host), { log: logger });
      assert.deepEqual(await client.ping(), { state: 'reachable', origin: plain.url });
      assert.deepEqual(log.map((e) => [e.url.split('/v2')[0], e.status ?? e.error]), [[`https://${plain.host}`, 'TLS_PLAIN_HTTP'], [plain.url, 200]]);
      await client.ping();
      assert.equal(log.length, 3, 'the second ping goes straight to http');
      await client.close();
    });

    it('never downgrades a secure host, even when it answers TLS in plain HTTP', async () => {
      const { log, logger } = recorder();
      // registry.test is not insecure; a resolve-style connection sends it to the plain-HTTP registry.
      const transport = new HttpTransport(() => ({ connectTo: { address: '127.0.0.1', port: plain.port } }));
      const client = new RegistryClient({ host: 'registry.test', scheme: 'https', insecure: false }, { transport, log: logger });
      const result = await client.ping();
      assert.equal(result.state, 'unreachable');
      assert.equal(result.state === 'unreachable' && result.error.code, 'TLS_PLAIN_HTTP');
      assert.match(result.state === 'unreachable' ? result.error.message : '', /answered the TLS handshake with plain HTTP: use http:\/\/registry\.test/);
      assert.equal(log.length, 1, 'no plain-HTTP attempt was made');
      await transport.close();
    });

    it('verifies certificates with the registry CA added to the system roots', async () => {
      const transport = new HttpTransport(() => ({ ca: [ca] }));
      const client = new RegistryClient({ host: tlsCa.host, scheme: 'https', insecure: false }, { transport });
      assert.deepEqual(await client.ping(), { state: 'reachable', origin: tlsCa.url });
      await transport.close();
    });

    it('explains an unknown certificate authority', async () => {
      const client = new RegistryClient({ host: tlsCa.host, scheme: 'https', insecure: false });
      const result = await client.ping();
      assert.equal(result.state === 'unreachable' && result.error.code, 'TLS_UNKNOWN_AUTHORITY');
      assert.match(result.state === 'unreachable' ? result.error.message : '', /signed by an unknown authority: add the CA to the registry's hosts\.toml `ca` or to its certs\.d folder, or add 127\.0\.0\.1:\d+ to registryExplorer\.insecureRegistries/);
      await client.close();
    });

    it('explains a certificate without an IP SAN', async () => {
      const transport = new HttpTransport(() => ({ ca: [ca] }));
      const client = new RegistryClient({ host: tlsNoIpSan.host, scheme: 'https', insecure: false }, { transport });
      const result = await client.ping();
      assert.equal(result.state === 'unreachable' && result.error.code, 'TLS_NO_IP_SAN');
      assert.match(result.state === 'unreachable' ? result.error.message : '', /has no IP SAN for 127\.0\.0\.1 \(it names DNS:localhost\): use the DNS name the certificate has, or add/);
      await transport.close();
    });

    it('skips verification for an insecure host and stays on https', async () => {
      const { log, logger } = recorder();
      const client = new RegistryClient({ host: tlsNoIpSan.host, scheme: 'https', insecure: true }, { log: logger });
      assert.deepEqual(await client.ping(), { state: 'reachable', origin: tlsNoIpSan.url });
      assert.equal(log.length, 1);
      await client.close();
    });

    it('connects elsewhere while keeping the registry name for SNI and the certificate (resolve rule with another port)', async () => {
      const transport = new HttpTransport(() => ({ ca: [ca], connectTo: { address: '127.0.0.1', port: tlsName.port } }));
      const client = new RegistryClient({ host: 'registry.test', scheme: 'https', insecure: false }, { transport });
      assert.deepEqual(await client.ping(), { state: 'reachable', origin: 'https://registry.test' });
      await transport.close();
    });

    it('reports a login prompt with its scheme for Basic and Bearer registries', async () => {
      const b = new RegistryClient(endpointFor(basic.url));
      assert.deepEqual(await b.ping(), { state: 'needs-login', origin: basic.url, scheme: 'basic', realm: 'lab-basic' });
      const t = new RegistryClient(endpointFor(token.url));
      const result = await t.ping();
      assert.equal(result.state, 'needs-login');
      assert.equal(result.state === 'needs-login' && result.scheme, 'bearer');
      await Promise.all([b.close(), t.close()]);
    });

    it('names a refused connection', async () => {
      const client = new RegistryClient({ host: '127.0.0.1:1', scheme: 'http', insecure: true });
      const result = await client.ping();
      assert.equal(result.state === 'unreachable' && result.error.code, 'CONNECTION_REFUSED');
      await client.close();
    });
  });

  describe('listing', () => {
    it('pages the catalog by following Link, every repository once', async () => {
      const { log, logger } = recorder();
      const client = new RegistryClient(endpointFor(plain.url), { log: logger });
      const pages = await collect(client.listRepositories({ pageSize: 10 }));
      const names = pages.flat().filter((n) => n.startsWith('paged/'));
      assert.equal(names.length, 25);
      assert.equal(new Set(names).size, 25);
      assert.ok(pages.length >= 3, `several pages (${pages.length})`);
      assert.ok(log.every((e) => e.url.startsWith(plain.url)), 'every page came from the same origin');
      await client.close();
    });

    it('returns every tag once when the registry ignores n (Distribution 2.8)', async () => {
      const client = new RegistryClient(endpointFor(plain.url));
      const tags = (await collect(client.listTags('many/tags', { pageSize: 10 }))).flat();
      assert.equal(tags.length, 30);
      assert.equal(new Set(tags).size, 30);
      await client.close();
    });

    it('explains an unknown repository with the registry error code', async () => {
      const client = new RegistryClient(endpointFor(plain.url));
      await assert.rejects(collect(client.listTags('no/such-repo')), (err: CoreError) => {
        assert.equal(err.code, 'NAME_UNKNOWN');
        assert.match(err.message, /has no repository no\/such-repo: check the name/);
        return true;
      });
      await client.close();
    });

    it('asks for a login when the catalog needs one', async () => {
      const client = new RegistryClient(endpointFor(basic.url));
      await assert.rejects(collect(client.listRepositories()), (err: CoreError) => err.code === 'UNAUTHORIZED');
      await client.close();
    });
  });

  describe('a registry that misbehaves', () => {
    let server: Server;
    let origin: string;

    before(async () => {
      server = createServer((req, res) => {
        if (req.url?.startsWith('/v2/_catalog')) {
          res.setHeader('link', '<http://127.0.0.2:9/v2/_catalog?last=a&n=1>; rel="next"');
          res.end(JSON.stringify({ repositories: ['a'] }));
        } else if (req.url?.startsWith('/v2/loop/tags/list')) {
          res.setHeader('link', '</v2/loop/tags/list?n=1>; rel="next"');
          res.end(JSON.stringify({ name: 'loop', tags: ['t'] }));
        } else if (req.url?.startsWith('/v2/html/tags/list')) {
          res.end('<html>not a registry</html>');
        } else {
          res.statusCode = 404;
          res.end();
        }
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    after(() => new Promise((r) => server.close(r)));

    it('does not follow a Link to another origin', async () => {
      const client = new RegistryClient(endpointFor(origin));
      const pages = client.listRepositories({ pageSize: 1 });
      await assert.rejects(pages.next(), (err: CoreError) => err.code === 'CROSS_ORIGIN_LINK' && /another origin \(http:\/\/127\.0\.0\.2:9\)/.test(err.message));
      await client.close();
    });

    it('stops a pagination loop', async () => {
      const client = new RegistryClient(endpointFor(origin));
      await assert.rejects(collect(client.listTags('loop', { pageSize: 1 })), (err: CoreError) => err.code === 'PAGINATION_LOOP');
      await client.close();
    });

    it('says so when a listing is not JSON', async () => {
      const client = new RegistryClient(endpointFor(origin));
      await assert.rejects(collect(client.listTags('html')), (err: CoreError) => err.code === 'BAD_RESPONSE' && /is not JSON: check that the URL points at a registry/.test(err.message));
      await client.close();
    });
  });
});
