// TLS and credentials end to end through the fault proxy serving HTTPS with the lab CA, in front
// of a real Basic-auth registry: whatever the server does (redirects, upload locations, token
// realms, a handshake that fails), https never becomes http, nothing is fetched unverified, and
// the registry's credentials and configured headers reach only the registry and the token realm
// the policy allows. What each other host received is recorded and asserted, not inferred.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pull, push } from '../../src/core/operations/transfer';
import { createSession, type CoreConfig, type RegistrySession } from '../../src/core/registry/session';
import type { RequestLogEntry } from '../../src/core/transport/connection';
import type { LabCerts } from '../support/lab/certs';
import { OciLayout, pushToRegistry, type BuiltImage } from '../support/lab/content';
import { FaultProxy, RecordingServer } from '../support/lab/fault-proxy';
import { folderWith } from '../support/lab/folders';
import { failure, pem } from '../support/lab/lab-helpers';
import { Lab, type LabRegistry } from '../support/lab/registry';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('TLS and credentials through an HTTPS fault proxy', function () {
  let lab: Lab;
  let certs: LabCerts;
  let registry: LabRegistry;
  let proxy: FaultProxy;
  /** Plain-HTTP, CA-signed HTTPS, and HTTPS whose certificate has no IP SAN for 127.0.0.1. */
  let httpSink: RecordingServer;
  let tlsSink: RecordingServer;
  let badCertSink: RecordingServer;
  let image: BuiltImage;
  let layout: OciLayout;
  let dockerConfig: string;
  let work: string;
  const sessions: RegistrySession[] = [];
  const SECRET_HEADER = 'x-registry-secret';
  const SECRET_VALUE = 'configured-header-value-42';

  const layerDigest = () => image.layers[0]!.descriptor.digest;
  const layerGet = () => new RegExp(`/blobs/${layerDigest()}`);
  const sinks = () => [httpSink, tlsSink, badCertSink];

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    certs = await lab.certs();
    registry = await lab.startRegistry({ name: 'tls-policy-basic', auth: 'basic' });
    layout = await OciLayout.create(join(lab.dir, 'content', 'tls'));
    image = await layout.image({ seed: 'tls-policy', layers: [48 * 1024] });
    await pushToRegistry(layout, image, registry, 'tls/image:1');
    proxy = await FaultProxy.start(registry, { tls: pem(certs.servers.ca) });
    [httpSink, tlsSink, badCertSink] = await Promise.all([
      RecordingServer.start(),
      RecordingServer.start({ tls: pem(certs.servers.ca) }),
      RecordingServer.start({ tls: pem(certs.servers['no-ip-san']) }),
    ]);
    const layerBytes = readFileSync(layout.blobPath(layerDigest()));
    for (const sink of sinks()) sink.serve(`/storage/${layerDigest()}`, layerBytes);
    tlsSink.serve('/token', Buffer.from(JSON.stringify({ token: 'lab-realm-token' })), { 'content-type': 'application/json' });
    const auth = Buffer.from(`${registry.credentials!.username}:${registry.credentials!.password}`).toString('base64');
    dockerConfig = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'config.json');
    writeFileSync(dockerConfig, JSON.stringify({ auths: { [proxy.host]: { auth }, 'registry.test': { auth } } }));
    work = join(lab.dir, 'tls-policy');
  });

  afterEach(async () => {
    proxy.clear();
    proxy.clearRequests();
    for (const sink of sinks()) sink.requests.length = 0;
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  after(async function () {
    await Promise.all([proxy?.stop(), ...[httpSink, tlsSink, badCertSink].map((s) => s?.stop())]);
    await lab?.stopAll();
  });

  function session(config: CoreConfig): RegistrySession {
    const s = createSession({ credentials: { dockerConfigPath: dockerConfig }, ...config });
    sessions.push(s);
    return s;
  }

  /**
   * The proxy as a secure registry: https:// named, the lab CA in its hosts.toml (loopback is then
   * verified, not insecure), and a configured header that must stay with the registry.
   */
  function secure(log?: (e: RequestLogEntry) => void): RegistrySession {
    const dir = folderWith({
      [`${proxy.host}/hosts.toml`]: `server = "https://${proxy.host}"\nca = "${certs.ca.certPath}"\n\n[header]\n  ${SECRET_HEADER} = "${SECRET_VALUE}"\n`,
    });
    return session({ hostsDirectories: [dir], registries: [{ url: `https://${proxy.host}` }], ...(log ? { log } : {}) });
  }

  const dirFor = (name: string) => join(work, name);

  describe('redirects and upload locations', () => {
    it('refuses a blob redirected from https to plain http; the http host receives nothing', async () => {
      proxy.add({ method: 'GET', path: layerGet(), fault: { kind: 'redirect', location: `${httpSink.url}/storage/${layerDigest()}` } });
      const repo = secure().registry(proxy.host).repository('tls/image');
      const err = await failure(pull(repo, '1', { kind: 'oci-layout', dir: dirFor('to-http') }));
      assert.equal(err.code, 'INSECURE_REDIRECT');
      assert.match(
        err.message,
        new RegExp(
          `redirected /v2/tls/image/blobs/${layerDigest()} from https to plain http \\(${escape(httpSink.host)}\\); the redirect was refused .*: ask the registry's operator to serve its storage over HTTPS\\.$`,
        ),
      );
      assert.equal(httpSink.requests.length, 0, 'the http host received nothing');
      assert.equal(proxy.count('GET', layerGet()), 1, 'a refused redirect is not retried');
    });

    it('refuses an upload location on plain http; nothing is uploaded there', async () => {
      proxy.add({
        method: 'POST',
        path: /\/blobs\/uploads\/$/,
        fault: { kind: 'status', status: 202, headers: { location: `${httpSink.url}/upload/1` }, body: '' },
      });
      const repo = secure().registry(proxy.host).repository('tls/pushed');
      const err = await failure(push({ kind: 'oci-layout', dir: layout.dir, refName: image.ref }, repo, '1', { blobAttempts: 1 }));
      assert.equal(err.code, 'INSECURE_REDIRECT');
      assert.match(
        err.message,
        /sent an upload location on plain http \(http:\/\/127\.0\.0\.1:\d+\); it is not followed, .*: ask the registry's operator to serve uploads over HTTPS\.$/,
      );
      assert.equal(httpSink.requests.length, 0, 'not even the cancelling DELETE went there');
    });

    it('follows a blob to another https host without Authorization or configured headers, which the registry did get', async () => {
      proxy.add({ method: 'GET', path: layerGet(), fault: { kind: 'redirect', location: `${tlsSink.url}/storage/${layerDigest()}` } });
      const repo = secure().registry(proxy.host).repository('tls/image');
      const result = await pull(repo, '1', { kind: 'oci-layout', dir: dirFor('to-https') });
      assert.equal(result.blobs.copied, 2, 'config and layer');

      // The registry side: credentials and the configured header were sent, and accepted.
      const manifests = proxy.requests.filter((r) => r.method === 'GET' && /\/manifests\//.test(r.path) && r.status === 200);
      assert.ok(manifests.length >= 1);
      for (const r of manifests) {
        assert.match(String(r.headers.authorization), /^Basic /, 'the registry received Basic credentials');
        assert.equal(r.headers[SECRET_HEADER], SECRET_VALUE);
      }
      const [redirected] = proxy.requests.filter((r) => r.method === 'GET' && layerGet().test(r.path));
      assert.equal(redirected?.status, 307);
      assert.match(String(redirected?.headers.authorization), /^Basic /, 'the blob request to the registry carried them too');

      // The other host: the download, and nothing of the registry's.
      assert.deepEqual(
        tlsSink.requests.map((r) => [r.method, r.path, r.status]),
        [['GET', `/storage/${layerDigest()}`, 200]],
      );
      const headers = tlsSink.requests[0]!.headers;
      assert.equal(headers.authorization, undefined, 'no Authorization to the other host');
      assert.equal(headers[SECRET_HEADER], undefined, 'no configured header to the other host');
      assert.ok(!JSON.stringify(headers).includes(registry.credentials!.password));
    });

    it('verifies a redirect target: a certificate that does not verify is refused, nothing fetched from it', async () => {
      proxy.add({ method: 'GET', path: layerGet(), fault: { kind: 'redirect', location: `${badCertSink.url}/storage/${layerDigest()}` } });
      const repo = secure().registry(proxy.host).repository('tls/image');
      const err = await failure(pull(repo, '1', { kind: 'oci-layout', dir: dirFor('to-bad-cert') }));
      assert.equal(err.code, 'TLS_REDIRECT_TARGET');
      assert.match(
        err.message,
        new RegExp(
          `sent /v2/tls/image/blobs/${layerDigest()} to ${escape(badCertSink.host)}, whose certificate could not be verified \\(without that IP address in it\\), so nothing was fetched from it: if that storage uses your own CA, add the CA to the hosts\\.toml \`ca\` or certs\\.d folder of ${escape(proxy.host)}`,
        ),
      );
      assert.equal(badCertSink.requests.length, 0);
    });

    it("does not pass an insecure registry's skipped verification on to its redirect target", async () => {
      // Loopback without https:// or a CA: insecure, so the proxy itself is reached unverified.
      const s = session({ hostsDirectories: [folderWith({})], registries: [{ url: proxy.host }] });
      proxy.add({ method: 'GET', path: layerGet(), fault: { kind: 'redirect', location: `${tlsSink.url}/storage/${layerDigest()}` } });
      const err = await failure(
        pull(s.registry(proxy.host).repository('tls/image'), '1', { kind: 'oci-layout', dir: dirFor('insecure-to-https') }),
      );
      assert.equal(err.code, 'TLS_REDIRECT_TARGET');
      assert.match(err.message, /\(signed by an unknown authority\)/);
      assert.ok(
        proxy.requests.some((r) => /\/manifests\//.test(r.path) && r.status === 200),
        'the insecure registry itself was reached',
      );
      assert.equal(tlsSink.requests.length, 0, 'the storage host was not contacted unverified');
    });
  });

  describe('token realms', () => {
    const challenge = (realm: string) => ({
      kind: 'status' as const,
      status: 401,
      headers: { 'www-authenticate': `Bearer realm="${realm}",service="lab"` },
      body: '',
    });

    it('refuses a token realm on plain http before sending anything there', async () => {
      proxy.add({ path: /^\/v2\//, fault: challenge(`${httpSink.url}/token`) });
      const repo = secure().registry(proxy.host).repository('tls/image');
      const err = await failure(repo.resolve('1'));
      assert.equal(err.code, 'INSECURE_REALM');
      assert.match(
        err.message,
        new RegExp(
          `is reached over HTTPS but sends clients to the plain-HTTP token server ${escape(httpSink.url)}/token, where credentials and tokens could be read on the network; ask the registry's operator to serve the token endpoint over HTTPS`,
        ),
      );
      assert.equal(httpSink.requests.length, 0, 'the http realm received nothing');
      assert.equal(proxy.requests.length, 1, 'one anonymous request, then nothing');
      assert.equal(proxy.requests[0]!.headers.authorization, undefined);
    });

    it("sends the registry's credentials to a token realm the policy allows (by design), and only as the token request", async () => {
      // Same host name as the registry (127.0.0.1), https, verified with the registry's CA.
      proxy.add({ path: /^\/v2\//, fault: challenge(`${tlsSink.url}/token`) });
      const repo = secure().registry(proxy.host).repository('tls/image');
      const err = await failure(repo.resolve('1'));
      assert.equal(err.code, 'AUTH_FAILED', err.message);
      const tokenRequests = tlsSink.requests.filter((r) => r.path.startsWith('/token'));
      assert.ok(tokenRequests.length >= 1);
      for (const r of tokenRequests) {
        assert.match(String(r.headers.authorization), /^Basic /, 'the allowed realm got the login, to exchange it for a token');
        assert.match(r.path, /[?&]account=alice(&|$)/);
        assert.match(r.path, /[?&]service=lab(&|$)/);
      }
      assert.ok(
        proxy.requests.every((r) => !/^Basic /.test(String(r.headers.authorization ?? ''))),
        'the registry only ever got the token, never the password',
      );
      assert.ok(proxy.requests.some((r) => r.headers.authorization === 'Bearer lab-realm-token'));
    });

    it('applies resolve rules to the token realm and to blob storage, keeping the name for SNI and the certificate', async () => {
      // registry.test on 443 and registry.test:8443 (its realm and storage) are both dialled through
      // rules; each serves a certificate for registry.test only, so the name must survive the rule.
      const named = await FaultProxy.start(registry, { tls: pem(certs.servers['registry.test']) });
      const elsewhere = await RecordingServer.start({ tls: pem(certs.servers['registry.test']) });
      try {
        elsewhere.serve('/token', Buffer.from(JSON.stringify({ token: 'lab-realm-token' })), { 'content-type': 'application/json' });
        elsewhere.serve(`/storage/${layerDigest()}`, readFileSync(layout.blobPath(layerDigest())));
        const s = session({
          hostsDirectories: [folderWith({ 'registry.test/ca.crt': readFileSync(certs.ca.certPath, 'utf8') })],
          resolveRules: [
            `registry.test:443:127.0.0.1:${named.host.split(':')[1]}`,
            `registry.test:8443:127.0.0.1:${elsewhere.host.split(':')[1]}`,
          ],
        });
        const repo = () => s.registry('registry.test').repository('tls/image');

        named.add({
          method: 'GET',
          path: layerGet(),
          fault: { kind: 'redirect', location: `https://registry.test:8443/storage/${layerDigest()}` },
        });
        const result = await pull(repo(), '1', { kind: 'oci-layout', dir: dirFor('resolved-storage') });
        assert.equal(result.blobs.copied, 2);
        const fetched = elsewhere.requests.filter((r) => r.path === `/storage/${layerDigest()}`);
        assert.equal(fetched.length, 1, 'the layer came from the storage host the rule points at');
        assert.equal(fetched[0]!.headers.authorization, undefined);
        assert.equal(fetched[0]!.headers.host, 'registry.test:8443', 'the name is kept in Host');

        named.clear();
        named.add({ path: /^\/v2\//, fault: challenge('https://registry.test:8443/token') });
        s.forget('registry.test');
        const err = await failure(repo().resolve('1'));
        assert.equal(err.code, 'AUTH_FAILED', err.message);
        assert.ok(
          elsewhere.requests.some((r) => r.path.startsWith('/token') && /^Basic /.test(String(r.headers.authorization))),
          'the realm the rule points at was asked for a token',
        );
      } finally {
        await Promise.all([named.stop(), elsewhere.stop()]);
      }
    });

    it('never sends the login to a realm on a private address when the registry is not there', async () => {
      // registry.test (a public-looking name) dialled through a resolve rule; its 401 names a
      // token server on 127.0.0.1: a registry must not be able to point the client into your network.
      const named = await FaultProxy.start(registry, { tls: pem(certs.servers['registry.test']) });
      try {
        named.add({ path: /^\/v2\//, fault: challenge(`${tlsSink.url}/token`) });
        const s = session({
          hostsDirectories: [folderWith({ 'registry.test/ca.crt': readFileSync(certs.ca.certPath, 'utf8') })],
          resolveRules: [`registry.test:443:127.0.0.1:${named.host.split(':')[1]}`],
        });
        const err = await failure(s.registry('registry.test').repository('tls/image').resolve('1'));
        assert.equal(err.code, 'PRIVATE_REALM');
        assert.match(
          err.message,
          new RegExp(
            `registry\\.test sends clients to the token server ${escape(tlsSink.url)}/token on a loopback or private address .*; if this registry is yours, let its token server be reached under the registry's own host name \\(registry\\.test\\)`,
          ),
        );
        assert.equal(tlsSink.requests.length, 0, 'the realm received nothing');
        assert.equal(named.requests.length, 1);
        assert.equal(named.requests[0]!.headers.authorization, undefined);
      } finally {
        await named.stop();
      }
    });
  });

  describe('a secure host whose TLS fails is never tried over http or unverified', () => {
    let plainProxy: FaultProxy;

    before(async () => {
      // Plain HTTP on the port the client expects HTTPS on, in front of the same registry.
      plainProxy = await FaultProxy.start(registry);
    });
    after(() => plainProxy?.stop());
    afterEach(() => plainProxy.clearRequests());

    /** Every operation fails with `code`, each attempt went out as https, and nothing reached the server as a request. */
    async function neverWeakened(
      s: RegistrySession,
      host: string,
      log: RequestLogEntry[],
      server: FaultProxy,
      code: string,
      message: RegExp,
    ): Promise<void> {
      const client = s.registry(host);
      const ping = await client.ping();
      assert.equal(ping.state, 'unreachable');
      const errors = [
        ping.state === 'unreachable' ? ping.error : undefined,
        await failure(client.repository('tls/image').resolve('1')),
        await failure(pull(client.repository('tls/image'), '1', { kind: 'oci-layout', dir: dirFor(`never-${code}-${log.length}`) })),
        await failure(
          (async () => {
            for await (const page of client.listTags('tls/image')) void page;
          })(),
        ),
      ];
      for (const err of errors) {
        assert.equal(err?.code, code, err?.message);
        assert.match(err!.message, message);
      }
      assert.ok(log.length >= errors.length);
      assert.ok(
        log.every((e) => e.url.startsWith(`https://${host}/`)),
        `only https was tried: ${log.map((e) => e.url).join(', ')}`,
      );
      assert.equal(server.requests.length, 0, 'the server never received a request');
    }

    it('answered in plain HTTP, with https:// named: refused, and the plain-HTTP server on that port saw no request', async () => {
      const log: RequestLogEntry[] = [];
      const s = session({
        hostsDirectories: [folderWith({})],
        registries: [{ url: `https://${plainProxy.host}` }],
        log: (e) => log.push(e),
      });
      await neverWeakened(
        s,
        plainProxy.host,
        log,
        plainProxy,
        'TLS_PLAIN_HTTP',
        new RegExp(
          `answered the TLS handshake with plain HTTP: use http://${escape(plainProxy.host)} as the registry URL, or treat ${escape(plainProxy.host)} as an insecure registry`,
        ),
      );
    });

    it('answered in plain HTTP, with a CA configured for the loopback host: refused the same way', async () => {
      const log: RequestLogEntry[] = [];
      const dir = folderWith({ [`${plainProxy.host}/ca.crt`]: readFileSync(certs.ca.certPath, 'utf8') });
      const s = session({ hostsDirectories: [dir], registries: [{ url: plainProxy.host }], log: (e) => log.push(e) });
      await neverWeakened(s, plainProxy.host, log, plainProxy, 'TLS_PLAIN_HTTP', /answered the TLS handshake with plain HTTP/);
    });

    it('a certificate from an unknown authority: refused, no request sent over the unverified connection', async () => {
      const log: RequestLogEntry[] = [];
      const s = session({ hostsDirectories: [folderWith({})], registries: [{ url: `https://${proxy.host}` }], log: (e) => log.push(e) });
      await neverWeakened(
        s,
        proxy.host,
        log,
        proxy,
        'TLS_UNKNOWN_AUTHORITY',
        new RegExp(
          `The certificate of ${escape(proxy.host)} is signed by an unknown authority \\(checked against the system's CAs and Node's bundled roots\\): add the CA to the system's trusted CAs, to the registry's hosts\\.toml \`ca\` or to its certs\\.d folder, or treat ${escape(proxy.host)} as an insecure registry`,
        ),
      );
    });
  });
});
