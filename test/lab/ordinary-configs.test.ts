// Behaviours seen with ordinary configuration that used to depend on a detail: a token service that
// is down is named as the registry's token service; a digest of another algorithm than the one
// asked for is not comparable, so it is verified by hashing; a next-page link that comes back to a
// page already handed out stops the listing before that page is handed out again. A fault proxy in
// front of one real Distribution answers the requests each case is about.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { type CoreError } from '../../src/core/errors';
import { createSession, type CoreConfig, type RegistrySession } from '../../src/core/registry/session';
import { OciLayout, pushToRegistry, type BuiltImage } from '../support/lab/content';
import { ConnectProxy } from '../support/lab/connect-proxy';
import { run } from '../support/lab/exec';
import { FaultProxy } from '../support/lab/fault-proxy';
import { folderWith } from '../support/lab/folders';
import { freePort } from '../support/lab/ports';
import { Lab, type LabRegistry } from '../support/lab/registry';
import { failure } from '../support/lab/lab-helpers';

describe('ordinary configurations, one outcome', function () {
  let lab: Lab;
  let registry: LabRegistry;
  let image: BuiltImage;
  const sessions: RegistrySession[] = [];
  const proxies: FaultProxy[] = [];

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    registry = await lab.startRegistry({ name: 'ordinary' });
    const layout = await OciLayout.create(join(lab.dir, 'content', 'ordinary'));
    image = await layout.image({ seed: 'ordinary', layers: [4096] });
    await pushToRegistry(layout, image, registry, 'ordinary/app:v1');
  });

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
    await Promise.all(proxies.splice(0).map((p) => p.stop()));
  });

  after(async function () {
    this.timeout(30_000);
    await lab?.stopAll();
  });

  function session(config: CoreConfig = {}): RegistrySession {
    const s = createSession({ credentials: false, hostsDirectories: [folderWith({})], retry: { maxAttempts: 1 }, ...config });
    sessions.push(s);
    return s;
  }

  async function proxy(): Promise<FaultProxy> {
    const p = await FaultProxy.start(registry);
    proxies.push(p);
    return p;
  }

  it("names a token service that is down as the registry's token service, with its realm", async () => {
    const front = await proxy();
    const realm = `http://127.0.0.1:${await freePort()}/token`;
    front.add({
      path: /^\/v2\//,
      fault: { kind: 'status', status: 401, headers: { 'www-authenticate': `Bearer realm="${realm}",service="lab"` }, body: '' },
    });
    const err = await failure(session().registry(front.host).repository('ordinary/app').resolve('v1'));
    assert.equal(err.code, 'CONNECTION_REFUSED', err.message);
    assert.match(err.message, new RegExp(`^${front.host.replace(/\./g, '\\.')} answered, but its token service ${realm} `), err.message);
    assert.doesNotMatch(err.message, /check the registry URL/, 'the registry is fine: the message does not send the user to its URL');
  });

  it('verifies a sha512 reference with sha512 when the registry labels the manifest with its sha256', async () => {
    const sha512 = `sha512:${createHash('sha512').update(image.bytes).digest('hex')}`;
    const front = await proxy();
    front.add({
      path: new RegExp(`/manifests/${sha512}$`),
      fault: {
        kind: 'answer',
        answer: {
          headers: { 'content-type': image.descriptor.mediaType, 'docker-content-digest': image.descriptor.digest },
          body: { kind: 'whole', body: image.bytes },
        },
      },
    });
    const resolved = await session().registry(front.host).repository('ordinary/app').resolve(sha512);
    assert.equal(resolved.digest, sha512);
    assert.equal(resolved.size, image.bytes.length);
    assert.equal(front.count('GET', /\/manifests\/sha512:/), 1, 'the bytes were fetched and hashed with sha512');
  });

  it('still refuses a sha512 reference whose bytes do not hash to it', async () => {
    const wrong = `sha512:${'ab'.repeat(64)}`;
    const front = await proxy();
    front.add({
      path: new RegExp(`/manifests/${wrong}$`),
      fault: {
        kind: 'answer',
        answer: {
          headers: { 'content-type': image.descriptor.mediaType, 'docker-content-digest': image.descriptor.digest },
          body: { kind: 'whole', body: image.bytes },
        },
      },
    });
    const err = await failure(session().registry(front.host).repository('ordinary/app').resolve(wrong));
    assert.equal(err.code, 'DIGEST_MISMATCH', err.message);
  });

  describe('a next-page link that comes back to a page already handed out', () => {
    const page = (tags: string[], next?: string) =>
      ({
        kind: 'answer',
        answer: {
          headers: { 'content-type': 'application/json', ...(next ? { link: `<${next}>; rel="next"` } : {}) },
          body: { kind: 'whole', body: Buffer.from(JSON.stringify({ name: 'pages', tags })) },
        },
      }) as const;

    async function pagesUntilError(front: FaultProxy): Promise<{ pages: string[][]; error: CoreError }> {
      const pages: string[][] = [];
      const error = await failure(
        (async () => {
          for await (const p of session().registry(front.host).listTags('pages', { pageSize: 1 })) {
            pages.push(p);
            if (pages.length > 10) break;
          }
        })(),
      );
      return { pages, error };
    }

    it('stops before a link written with its query in another order is fetched and handed out again', async () => {
      const front = await proxy();
      front.add({ method: 'GET', path: /\/pages\/tags\/list\?n=1$/, fault: page(['a'], '/v2/pages/tags/list?last=a&n=1') });
      front.add({ method: 'GET', path: /\/pages\/tags\/list\?last=a&n=1$/, fault: page(['b'], '/v2/pages/tags/list?n=1&last=a') });
      front.add({ method: 'GET', path: /\/pages\/tags\/list\?n=1&last=a$/, fault: page(['b'], '/v2/pages/tags/list?last=a&n=1') });
      const { pages, error } = await pagesUntilError(front);
      assert.equal(error.code, 'PAGINATION_LOOP', error.message);
      assert.deepEqual(pages, [['a'], ['b']], 'each page handed out once');
    });

    it('stops before a page a link redirects back to is handed out again', async () => {
      const front = await proxy();
      front.add({ method: 'GET', path: /\/pages\/tags\/list\?n=1$/, fault: page(['a'], '/v2/pages/tags/list?last=a&n=1') });
      front.add({
        method: 'GET',
        path: /\/pages\/tags\/list\?last=a&n=1$/,
        fault: { kind: 'redirect', location: `http://${front.host}/v2/pages/tags/list?n=1` },
      });
      const { pages, error } = await pagesUntilError(front);
      assert.equal(error.code, 'PAGINATION_LOOP', error.message);
      assert.deepEqual(pages, [['a']], 'the first page handed out once');
    });
  });

  describe('mutual TLS with several client certificates', () => {
    let mtls: LabRegistry;
    let other: { cert: string; key: string };

    before(async function () {
      this.timeout(60_000);
      mtls = await lab.startRegistry({ name: 'ordinary-mtls', tls: 'ca', clientCertRequired: true });
      // A client pair the registry does not trust: self-signed, for client authentication.
      other = { cert: join(lab.dir, 'other-client.pem'), key: join(lab.dir, 'other-client.key') };
      await run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        other.key,
        '-out',
        other.cert,
        '-days',
        '2',
        '-subj',
        '/CN=another client',
        '-addext',
        'extendedKeyUsage=clientAuth',
      ]);
    });

    const hostsToml = (pairs: { cert: string; key: string }[]) =>
      folderWith({
        [`${mtls.host}/hosts.toml`]: [
          `server = "https://${mtls.host}"`,
          `ca = ${JSON.stringify(mtls.caCertPath)}`,
          `client = [${pairs.map((p) => `[${JSON.stringify(p.cert)}, ${JSON.stringify(p.key)}]`).join(', ')}]`,
          '',
        ].join('\n'),
      });

    it('offers every pair until the registry accepts one, and keeps using that one', async () => {
      const good = { cert: mtls.clientCert!.certPath, key: mtls.clientCert!.keyPath };
      const s = session({ hostsDirectories: [hostsToml([other, good])] });
      const ping = await s.registry(mtls.host).ping();
      assert.equal(ping.state, 'reachable', ping.state === 'unreachable' ? ping.error.message : ping.state);
      const repositories: string[] = [];
      for await (const page of s.registry(mtls.host).listRepositories()) repositories.push(...page);
      assert.deepEqual(repositories, [], 'the empty catalog, read with the pair that was accepted');
    });

    it('says the registry may require a client certificate, and where it goes, when none is configured', async () => {
      const tunnel = await ConnectProxy.start();
      try {
        // Direct, and through a CONNECT tunnel (the registry's own "proxy": loopback is otherwise never proxied).
        for (const registries of [[], [{ url: mtls.host, proxy: tunnel.url }]]) {
          const s = session({ hostsDirectories: [hostsToml([])], registries });
          const error = await failure(s.registry(mtls.host).repository('any/repo').resolve('v1'));
          // TLS 1.3: Go's refusal arrives after the client's side of the handshake. Through undici (the
          // tunnel) it shows as a closed connection; read off the socket (direct), as the alert itself.
          assert.match(
            error.message,
            new RegExp(
              `^${mtls.host.replace(/[.[\]]/g, '\\$&')} (closed the connection before answering|refused the connection in the TLS handshake)`,
            ),
            error.message,
          );
          assert.match(error.message, /may require a client certificate/);
          assert.ok(error.message.includes(`certs.d/${mtls.host}/client.cert`), error.message);
          assert.match(error.message, /hosts\.toml `client`/);
          assert.doesNotMatch(error.message, /proxy or firewall/);
        }
        assert.deepEqual(tunnel.targets, [mtls.host], 'the second session went through the tunnel');
      } finally {
        await Promise.all(sessions.splice(0).map((s) => s.close()));
        await tunnel.stop();
      }
    });

    it('says every pair was offered when the registry accepts none', async () => {
      const s = session({ hostsDirectories: [hostsToml([other, other])] });
      const ping = await s.registry(mtls.host).ping();
      assert.equal(ping.state, 'unreachable');
      assert.match(ping.state === 'unreachable' ? ping.error.message : '', /client certificate/);
    });
  });
});
