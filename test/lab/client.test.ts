import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RegistryClient } from '../../src/core/registry/client';
import { type CoreError } from '../../src/core/errors';
import { createSession, type CoreConfig, type RegistrySession } from '../../src/core/registry/session';
import type { RequestLogEntry } from '../../src/core/transport/connection';
import { folderWith } from '../support/lab/folders';
import { Lab, type LabRegistry } from '../support/lab/registry';
import { TokenServer } from '../support/lab/token-server';
import { pushTiny } from '../support/lab/tiny';

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

function recorder(): { log: RequestLogEntry[]; logger: (e: RequestLogEntry) => void } {
  const log: RequestLogEntry[] = [];
  return { log, logger: (e) => log.push(e) };
}

/** An empty hosts directory, so the machine's own /etc/containerd/certs.d never influences a test. */
const noHostsDir = mkdtempSync(join(tmpdir(), 'no-hosts-'));
const sessions: RegistrySession[] = [];

/** A client for `url` (scheme as given) from a session that reads nothing but `config`. */
function clientFor(url: string, config: CoreConfig = {}): RegistryClient {
  const session = createSession({
    hostsDirectories: [noHostsDir],
    credentials: false,
    ...config,
    registries: [{ url }, ...(config.registries ?? [])],
  });
  sessions.push(session);
  return session.registry(url.replace(/^https?:\/\//, ''));
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
    ca = tlsCa.caCertPath!;
    await Promise.all(Array.from({ length: 25 }, (_, i) => pushTiny(plain, `paged/repo-${String(i).padStart(2, '0')}`, ['v1'])));
    await pushTiny(
      plain,
      'many/tags',
      Array.from({ length: 30 }, (_, i) => `1.0.${i}`),
    );
  });

  after(() => lab?.stopAll());
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  describe('reaching a registry', () => {
    it('reaches a plain-HTTP registry named with http://', async () => {
      const client = clientFor(plain.url);
      assert.deepEqual(await client.ping(), { state: 'reachable', origin: plain.url });
    });

    it('falls back from https to http for an insecure (loopback) host, and remembers it', async () => {
      const { log, logger } = recorder();
      const client = clientFor(plain.host, { log: logger });
      assert.deepEqual(await client.ping(), { state: 'reachable', origin: plain.url });
      assert.deepEqual(
        log.map((e) => [e.url.split('/v2')[0], e.status ?? e.error]),
        [
          [`https://${plain.host}`, 'TLS_PLAIN_HTTP'],
          [plain.url, 200],
        ],
      );
      await client.ping();
      assert.equal(log.length, 3, 'the second ping goes straight to http');
    });

    it('says the registry refuses its own token server’s tokens, rather than that it needs a login', async function () {
      this.timeout(60_000);
      // The token server's clock runs ten minutes behind: every token it signs has expired on arrival.
      const certs = await lab.certs();
      const lateTokens = await TokenServer.start({
        signingKeyPath: certs.tokenSigning.keyPath,
        signingCertPath: certs.tokenSigning.certPath,
        users: { [lab.user.username]: { password: lab.user.password } },
        expiresInSeconds: -600,
      });
      try {
        const skewed = await lab.startRegistry({ name: 'client-token-skewed', auth: 'token', tokenServer: lateTokens });
        const result = await clientFor(skewed.url).ping();
        assert.equal(result.state, 'unreachable', JSON.stringify(result));
        assert.equal(result.state === 'unreachable' && result.error.code, 'TOKEN_NOT_ACCEPTED');
        assert.match(result.state === 'unreachable' ? result.error.message : '', /refused the tokens its own token server/);
      } finally {
        await lateTokens.stop();
      }
    });

    it('never downgrades a secure host, even when it answers TLS in plain HTTP', async () => {
      const { log, logger } = recorder();
      // registry.test is not insecure; a resolve-style connection sends it to the plain-HTTP registry.
      const client = clientFor('registry.test', { resolveRules: [`registry.test:443:127.0.0.1:${plain.port}`], log: logger });
      const result = await client.ping();
      assert.equal(result.state, 'unreachable');
      assert.equal(result.state === 'unreachable' && result.error.code, 'TLS_PLAIN_HTTP');
      assert.match(
        result.state === 'unreachable' ? result.error.message : '',
        /answered the TLS handshake with plain HTTP: use http:\/\/registry\.test/,
      );
      assert.equal(log.length, 1, 'no plain-HTTP attempt was made');
    });

    it('verifies certificates with the registry CA added to the system roots', async () => {
      // Named with https://, so loopback's default (insecure) does not apply: the CA has to verify it.
      const dir = folderWith({ [`${tlsCa.host}/hosts.toml`]: `server = "https://${tlsCa.host}"\nca = "${ca}"\n` });
      const client = clientFor(tlsCa.url, { hostsDirectories: [dir] });
      assert.deepEqual(await client.ping(), { state: 'reachable', origin: tlsCa.url });
    });

    it('explains an unknown certificate authority', async () => {
      const client = clientFor(tlsCa.url);
      const result = await client.ping();
      assert.equal(result.state === 'unreachable' && result.error.code, 'TLS_UNKNOWN_AUTHORITY');
      assert.match(
        result.state === 'unreachable' ? result.error.message : '',
        /signed by an unknown authority \(checked against the system's CAs and Node's bundled roots\): add the CA to the system's trusted CAs, to the registry's hosts\.toml `ca` or to its certs\.d folder, or treat 127\.0\.0\.1:\d+ as an insecure registry/,
      );
      assert.deepEqual(result.state === 'unreachable' && result.error.remedy, { kind: 'treat-as-insecure', host: tlsCa.host });
    });

    it('explains a certificate without an IP SAN', async () => {
      const client = clientFor(tlsNoIpSan.url, {
        hostsDirectories: [folderWith({ [`${tlsNoIpSan.host}/ca.crt`]: readFileSync(ca, 'utf8') })],
      });
      const result = await client.ping();
      assert.equal(result.state === 'unreachable' && result.error.code, 'TLS_NO_IP_SAN');
      assert.match(
        result.state === 'unreachable' ? result.error.message : '',
        /has no IP SAN for 127\.0\.0\.1 \(it names DNS:localhost\): use the DNS name the certificate has, or treat/,
      );
    });

    it('skips verification for an insecure host and stays on https', async () => {
      const { log, logger } = recorder();
      const client = clientFor(tlsNoIpSan.host, { log: logger });
      assert.deepEqual(await client.ping(), { state: 'reachable', origin: tlsNoIpSan.url });
      assert.equal(log.length, 1);
    });

    it('connects elsewhere while keeping the registry name for SNI and the certificate (resolve rule with another port)', async () => {
      const client = clientFor('registry.test', {
        resolveRules: [`registry.test:443:127.0.0.1:${tlsName.port}`],
        hostsDirectories: [folderWith({ 'registry.test/ca.crt': readFileSync(ca, 'utf8') })],
      });
      assert.deepEqual(await client.ping(), { state: 'reachable', origin: 'https://registry.test' });
    });

    it('reports a login prompt with its scheme for a Basic registry', async () => {
      const b = clientFor(basic.url);
      assert.deepEqual(await b.ping(), { state: 'needs-login', origin: basic.url, scheme: 'basic', realm: 'lab-basic' });
    });

    it('reaches a Bearer registry that allows anonymous tokens, and asks for a login where one is needed', async () => {
      const t = clientFor(token.url);
      // Like Docker Hub: /v2/ answers with an anonymous token; the catalog needs a login.
      assert.deepEqual(await t.ping(), { state: 'reachable', origin: token.url });
      await assert.rejects(collect(t.listRepositories()), (err: CoreError) => err.code === 'NEEDS_LOGIN');
    });

    it('names a refused connection', async () => {
      const client = clientFor('http://127.0.0.1:1');
      const result = await client.ping();
      assert.equal(result.state === 'unreachable' && result.error.code, 'CONNECTION_REFUSED');
    });
  });

  describe('listing', () => {
    it('pages the catalog by following Link, every repository once', async () => {
      const { log, logger } = recorder();
      const client = clientFor(plain.url, { log: logger });
      const pages = await collect(client.listRepositories({ pageSize: 10 }));
      const names = pages.flat().filter((n) => n.startsWith('paged/'));
      assert.equal(names.length, 25);
      assert.equal(new Set(names).size, 25);
      assert.ok(pages.length >= 3, `several pages (${pages.length})`);
      assert.ok(
        log.every((e) => e.url.startsWith(plain.url)),
        'every page came from the same origin',
      );
    });

    it('returns every tag once when the registry ignores n (Distribution 2.8)', async () => {
      const client = clientFor(plain.url);
      const tags = (await collect(client.listTags('many/tags', { pageSize: 10 }))).flat();
      assert.equal(tags.length, 30);
      assert.equal(new Set(tags).size, 30);
    });

    it('says on each page whether more follow, so the last one is known without asking again', async () => {
      const { log, logger } = recorder();
      const client = clientFor(plain.url, { log: logger });
      const catalog = await collect(client.repositoryPages({ pageSize: 10 }));
      assert.ok(catalog.length >= 3);
      assert.deepEqual(
        catalog.map((p) => p.more),
        [...catalog.slice(1).map(() => true), false],
      );
      const before = log.length;
      const tags = client.tagPages('many/tags', { pageSize: 10 });
      const first = await tags.next();
      // Distribution 2.8 sends every tag at once, without a Link: the one page is the last.
      assert.equal(first.done, false);
      assert.equal(first.value && first.value.names.length, 30);
      assert.equal(first.value && first.value.more, false);
      assert.equal(log.length, before + 1, 'one request for the whole listing');
    });

    it('explains an unknown repository with the registry error code', async () => {
      const client = clientFor(plain.url);
      await assert.rejects(collect(client.listTags('no/such-repo')), (err: CoreError) => {
        assert.equal(err.code, 'NAME_UNKNOWN');
        assert.match(err.message, /has no repository no\/such-repo: check the name/);
        return true;
      });
    });

    it('asks for a login when the catalog needs one', async () => {
      const client = clientFor(basic.url);
      await assert.rejects(
        collect(client.listRepositories()),
        (err: CoreError) =>
          err.code === 'NEEDS_LOGIN' && /^127\.0\.0\.1:\d+ requires a login for the catalog: log in to 127\.0\.0\.1:\d+/.test(err.message),
      );
    });
  });

  describe('a registry that misbehaves', () => {
    let server: Server;
    let origin: string;
    let witness: Server;
    let witnessOrigin: string;
    const witnessSaw: (string | undefined)[] = [];
    let flakyCalls = 0;

    before(async () => {
      server = createServer((req, res) => {
        if (req.url?.startsWith('/v2/_catalog')) {
          res.setHeader('link', '<http://127.0.0.2:9999/v2/_catalog?last=a&n=1>; rel="next"');
          res.end(JSON.stringify({ repositories: ['a'] }));
        } else if (req.url?.startsWith('/v2/loop/tags/list')) {
          res.setHeader('link', '</v2/loop/tags/list?n=1>; rel="next"');
          res.end(JSON.stringify({ name: 'loop', tags: ['t'] }));
        } else if (req.url?.startsWith('/v2/flaky/tags/list')) {
          // Busy twice (once with Retry-After), then fine.
          flakyCalls++;
          if (flakyCalls <= 2) {
            res.statusCode = flakyCalls === 1 ? 503 : 429;
            if (flakyCalls === 2) res.setHeader('retry-after', '1');
            res.end();
          } else {
            res.end(JSON.stringify({ name: 'flaky', tags: ['ok'] }));
          }
        } else if (req.url?.startsWith('/v2/slow/tags/list')) {
          // Never answers: only cancellation ends the request.
        } else if (req.url?.startsWith('/v2/down/tags/list')) {
          res.statusCode = 502;
          res.end();
        } else if (req.url?.startsWith('/v2/moved/tags/list')) {
          if (!req.headers.authorization) {
            res.statusCode = 401;
            res.setHeader('www-authenticate', 'Basic realm="misbehaving"');
            res.end();
            return;
          }
          res.statusCode = 307;
          res.setHeader('location', `${witnessOrigin}/elsewhere/tags.json`);
          res.end();
        } else if (req.url?.startsWith('/v2/html/tags/list')) {
          res.end('<html>not a registry</html>');
        } else {
          res.statusCode = 404;
          res.end();
        }
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      witness = createServer((req, res) => {
        witnessSaw.push(req.headers.authorization);
        res.end(JSON.stringify({ name: 'moved', tags: ['from-storage'] }));
      });
      await new Promise<void>((r) => witness.listen(0, '127.0.0.1', r));
      witnessOrigin = `http://127.0.0.1:${(witness.address() as AddressInfo).port}`;
    });

    after(async () => {
      await new Promise((r) => server.close(r));
      await new Promise((r) => witness.close(r));
    });

    it('retries 503 and 429 with backoff, honouring Retry-After, then succeeds', async () => {
      const { log, logger } = recorder();
      const started = Date.now();
      const tags = await collect(clientFor(origin, { log: logger }).listTags('flaky'));
      assert.deepEqual(tags.flat(), ['ok']);
      assert.deepEqual(
        log.map((e) => e.status),
        [503, 429, 200],
      );
      assert.ok(Date.now() - started >= 1000, 'waited the second the registry asked for');
    });

    it("gives up after the policy's attempts, with the registry's status in the error", async () => {
      const { log, logger } = recorder();
      await assert.rejects(
        collect(clientFor(origin, { log: logger, retry: { maxAttempts: 3, baseDelayMs: 10 } }).listTags('down')),
        (err: CoreError) => err.code === 'HTTP_502' && /answered HTTP 502 for repository down/.test(err.message),
      );
      assert.equal(log.length, 3, 'exactly three attempts, no retry storm');
    });

    it('cancels a request in flight when its signal aborts', async () => {
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 200);
      await assert.rejects(
        collect(clientFor(origin).listTags('slow', { signal: controller.signal })),
        (err: CoreError) => err.code === 'CANCELLED',
      );
      assert.ok(Date.now() - started < 1500, `stopped within a second of the abort (${Date.now() - started} ms)`);
    });

    it('follows a redirect to another host without sending it the Authorization header', async () => {
      const config = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'config.json');
      writeFileSync(config, JSON.stringify({ auths: { [new URL(origin).host]: { auth: Buffer.from('user:secret').toString('base64') } } }));
      const tags = await collect(clientFor(origin, { credentials: { dockerConfigPath: config } }).listTags('moved'));
      assert.deepEqual(tags.flat(), ['from-storage']);
      assert.deepEqual(witnessSaw, [undefined], 'the other host never received Authorization');
    });

    it('does not follow a Link to another origin', async () => {
      const client = clientFor(origin);
      const pages = client.listRepositories({ pageSize: 1 });
      await assert.rejects(
        pages.next(),
        (err: CoreError) => err.code === 'CROSS_ORIGIN_LINK' && /another origin \(http:\/\/127\.0\.0\.2:9999\)/.test(err.message),
      );
    });

    it('stops a pagination loop', async () => {
      const client = clientFor(origin);
      await assert.rejects(collect(client.listTags('loop', { pageSize: 1 })), (err: CoreError) => err.code === 'PAGINATION_LOOP');
    });

    it('says so when a listing is not JSON', async () => {
      const client = clientFor(origin);
      await assert.rejects(
        collect(client.listTags('html')),
        (err: CoreError) => err.code === 'BAD_RESPONSE' && /is not JSON: check that the URL points at a registry/.test(err.message),
      );
    });
  });
});
