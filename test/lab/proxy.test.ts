// Registries behind a real HTTP proxy: Debian's squid on loopback (test/support/lab/squid.ts), which
// reaches the lab's servers by `.test` names from its own hosts file. HTTPS goes through CONNECT
// tunnels, with the token realm and the blob storage redirect on their own hosts through the
// proxy too; plain HTTP is forwarded, never tunnelled (a registry the user configured so, the
// insecure fallback, a plain-HTTP token realm), so a proxy that allows CONNECT only to 443 passes
// it, as it does for Docker; a proxy that wants a login, refuses CONNECT, is down or answers with
// its own error page is named as the cause; NO_PROXY and the no-proxy setting send a host direct
// (zero lines in the proxy's access log); and the access log never shows a registry Authorization
// header outside a tunnel, except in requests to plain-HTTP origins.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describePlan } from '../../src/core/hosts/plan';
import { pull } from '../../src/core/operations/transfer';
import { createSession, type CoreConfig, type RegistrySession } from '../../src/core/registry/session';
import { OciLayout, pushToRegistry, type BuiltImage } from '../support/lab/content';
import { ConnectProxy } from '../support/lab/connect-proxy';
import { FaultProxy, RecordingServer, type PemPair } from '../support/lab/fault-proxy';
import { folderWith } from '../support/lab/folders';
import { freePort } from '../support/lab/ports';
import { Lab, type LabRegistry } from '../support/lab/registry';
import { SquidProxy, type ProxyLogLine } from '../support/lab/squid';
import { failure } from '../support/lab/lab-helpers';

const PROXY_USER = { username: 'proxy-user', password: 'proxy-pass-1' };

describe('registries behind a real HTTP proxy (squid)', function () {
  let lab: Lab;
  let squid: SquidProxy;
  let plain: LabRegistry;
  let basic: LabRegistry;
  let image: BuiltImage;
  let layout: OciLayout;
  let tlsPair: PemPair;
  let caPem: string;
  /** HTTPS in front of the plain registry, as registry.test:<port>. */
  let front: FaultProxy;
  /** The token realm and the blob storage, as registry.test:<another port>. */
  let storage: RecordingServer;
  let dockerConfig: string;
  let pulls = 0;
  const sessions: RegistrySession[] = [];

  const layer = () => image.layers[0]!.descriptor.digest;
  const port = (host: string) => Number(host.split(':').pop());
  const registryTest = () => `registry.test:${port(front.host)}`;
  const storageTest = () => `registry.test:${port(storage.host)}`;
  /** Lines of real requests (squid also logs connections that closed before a request, as `-`). */
  const requests = (): ProxyLogLine[] => squid.log().filter((l) => l.method !== '-');

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    const certs = await lab.certs();
    caPem = readFileSync(certs.ca.certPath, 'utf8');
    tlsPair = {
      cert: readFileSync(certs.servers['registry.test'].certPath, 'utf8'),
      key: readFileSync(certs.servers['registry.test'].keyPath, 'utf8'),
    };
    [plain, basic, squid] = await Promise.all([
      lab.startRegistry({ name: 'proxied' }),
      lab.startRegistry({ name: 'proxied-basic', auth: 'basic' }),
      SquidProxy.start({
        names: ['registry.test', 'plain.test', 'fallback.test', 'gone.test', 'denied.test', 'gitlab.test', 'realm.test'],
        user: PROXY_USER,
      }),
    ]);
    layout = await OciLayout.create(join(lab.dir, 'content', 'proxied'));
    image = await layout.image({ seed: 'proxied', layers: [16 * 1024] });
    await pushToRegistry(layout, image, plain, 'proxied/app:v1');
    front = await FaultProxy.start(plain, { tls: tlsPair });
    storage = await RecordingServer.start({ tls: tlsPair });
    storage.serve('/token', Buffer.from(JSON.stringify({ token: 'token-through-the-tunnel' })), { 'content-type': 'application/json' });
    storage.serve(`/storage/${layer()}`, readFileSync(layout.blobPath(layer())));
    dockerConfig = join(
      folderWith({
        'config.json': JSON.stringify({
          auths: {
            [`registry.test:${port(front.host)}`]: { auth: Buffer.from('alice:registry-secret').toString('base64') },
            [`plain.test:${basic.port}`]: {
              auth: Buffer.from(`${basic.credentials!.username}:${basic.credentials!.password}`).toString('base64'),
            },
            [`fallback.test:${basic.port}`]: {
              auth: Buffer.from(`${basic.credentials!.username}:${basic.credentials!.password}`).toString('base64'),
            },
          },
        }),
      }),
      'config.json',
    );
  });

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
    front.clear();
  });

  after(async function () {
    this.timeout(30_000);
    await Promise.all([front?.stop(), storage?.stop(), squid?.stop()]);
    await lab?.stopAll();
  });

  function session(config: CoreConfig): RegistrySession {
    const s = createSession({
      hostsDirectories: [folderWith({ [`registry.test:${port(front.host)}/ca.crt`]: caPem })],
      credentials: { dockerConfigPath: dockerConfig },
      env: {},
      retry: { maxAttempts: 1 },
      ...config,
    });
    sessions.push(s);
    return s;
  }

  /**
   * The proxy's log lines written while `work` ran, once the session's connections are closed.
   * Squid logs a tunnel when it ends, in whatever order the tunnels close: `enough` is a line count
   * or, where several tunnels are expected, what the lines must show before they are judged.
   */
  async function logged(
    s: RegistrySession,
    work: () => Promise<unknown>,
    enough: number | ((lines: ProxyLogLine[]) => boolean) = 1,
  ): Promise<ProxyLogLine[]> {
    const before = squid.log().length;
    await work();
    await s.close();
    return (await squid.waitForLines(before, enough)).filter((l) => l.method !== '-');
  }

  it('pulls from an HTTPS registry through CONNECT tunnels: the registry, its token realm and its blob storage', async function () {
    this.timeout(60_000);
    front.add({
      path: /^\/v2\//,
      times: 1,
      fault: {
        kind: 'status',
        status: 401,
        headers: { 'www-authenticate': `Bearer realm="https://${storageTest()}/token",service="lab"` },
        body: '',
      },
    });
    front.add({
      method: 'GET',
      path: new RegExp(`/blobs/${layer()}`),
      fault: { kind: 'redirect', location: `https://${storageTest()}/storage/${layer()}` },
    });
    const s = session({ env: { HTTPS_PROXY: squid.url('open') } });
    const lines = await logged(
      s,
      () =>
        pull(
          s.registry(registryTest()).repository('proxied/app'),
          'v1',
          { kind: 'oci-layout', dir: join(lab.dir, 'pulled', String(pulls++)) },
          {
            blobAttempts: 1,
          },
        ),
      // Two tunnels to the storage host (token, blob) may close before the registry's is logged.
      (lines) => [registryTest(), storageTest()].every((host) => lines.some((l) => l.method === 'CONNECT' && l.url === host)),
    );
    assert.deepEqual(
      [...new Set(lines.map((l) => `${l.method} ${l.url} ${l.status}`))].sort(),
      [`CONNECT ${registryTest()} 200`, `CONNECT ${storageTest()} 200`].sort(),
    );
    assert.ok(
      lines.every((l) => l.authorization === '-'),
      'no registry Authorization outside the tunnels',
    );
    const token = storage.requests.find((r) => r.path.startsWith('/token'));
    assert.match(token?.headers.authorization ?? '', /^Basic /, 'the login reached the token realm, inside its tunnel');
    assert.ok(front.requests.some((r) => r.headers.authorization === 'Bearer token-through-the-tunnel'));
    assert.equal(storage.count('GET', /^\/storage\//), 1, 'the layer came from the storage host, through the proxy');
    assert.match(
      describePlan(await s.plan(registryTest(), 'pull')),
      new RegExp(`https proxy: through ${squid.url('open')} from HTTPS_PROXY \\(CONNECT tunnel\\)`),
    );
  });

  it('forwards a registry the user configured as plain HTTP, and only that one shows its Authorization to the proxy', async () => {
    const host = `plain.test:${basic.port}`;
    const s = session({ proxy: { url: squid.url('open') }, registries: [{ url: `http://${host}` }] });
    const lines = await logged(s, async () => assert.equal((await s.registry(host).ping()).state, 'reachable'), 2);
    assert.ok(lines.length > 0 && lines.every((l) => l.method === 'GET' && l.url.startsWith(`http://${host}/v2/`)), JSON.stringify(lines));
    assert.ok(
      lines.some((l) => l.authorization.startsWith('Basic ')),
      'plain HTTP was chosen: the proxy forwards the login it carries',
    );
  });

  it('forwards the insecure fallback to plain HTTP, as plain HTTP the user chose', async () => {
    const host = `fallback.test:${basic.port}`;
    const s = session({ proxy: { url: squid.url('open') }, insecureRegistries: [host] });
    const lines = await logged(
      s,
      async () => {
        const ping = await s.registry(host).ping();
        assert.equal(ping.state, 'reachable', ping.state === 'unreachable' ? ping.error.message : ping.state);
        assert.ok(basic.readLog().includes('"GET /v2/ HTTP/1.1" 200'), 'the login worked over the fallback');
      },
      (lines) => lines.some((l) => l.method === 'CONNECT'),
    );
    const plainHttp = lines.filter((l) => l.method !== 'CONNECT');
    assert.ok(
      lines.every((l) => (l.method === 'CONNECT' ? l.url === host : l.url.startsWith(`http://${host}/v2/`))),
      JSON.stringify(lines),
    );
    assert.ok(
      lines.some((l) => l.method === 'CONNECT'),
      'HTTPS was tried first, through a tunnel',
    );
    assert.ok(
      plainHttp.some((l) => l.authorization.startsWith('Basic ')),
      'the fallback is forwarded: a tunnel would carry the same clear bytes through the proxy',
    );
  });

  it("forwards a plain-HTTP token realm on another origin (GitLab's http registry and /jwt/auth): a proxy allowing no CONNECT passes it", async () => {
    const tokens = await lab.tokenServer('http');
    const gitlab = await lab.startRegistry({
      name: 'proxied-token',
      auth: 'token',
      tokenRealm: `http://realm.test:${tokens.port}/token`,
    });
    const host = `gitlab.test:${gitlab.port}`;
    const login = Buffer.from(`${gitlab.credentials!.username}:${gitlab.credentials!.password}`).toString('base64');
    const s = session({
      proxy: { url: squid.url('noConnect') },
      registries: [{ url: `http://${host}` }],
      credentials: {
        dockerConfigPath: join(folderWith({ 'config.json': JSON.stringify({ auths: { [host]: { auth: login } } }) }), 'config.json'),
      },
    });
    const lines = await logged(
      s,
      async () => {
        const ping = await s.registry(host).ping();
        assert.equal(ping.state, 'reachable', ping.state === 'unreachable' ? ping.error.message : ping.state);
      },
      (lines) => lines.some((l) => l.url.startsWith('http://realm.test:')),
    );
    assert.deepEqual(
      lines.filter((l) => l.method === 'CONNECT'),
      [],
      'no CONNECT for http:// targets',
    );
    assert.ok(
      lines.some((l) => l.method === 'GET' && l.url.startsWith(`http://realm.test:${tokens.port}/token?`) && l.status === 200),
      JSON.stringify(lines),
    );
    await gitlab.stop();
  });

  it('logs in to a proxy that asks for Basic, from the URL or the proxy authorization setting, and names a missing or wrong login', async () => {
    const auth = squid.url('auth');
    const withUser = auth.replace('http://', `http://${PROXY_USER.username}:${PROXY_USER.password}@`);
    assert.equal(
      (
        await session({ env: { https_proxy: withUser } })
          .registry(registryTest())
          .ping()
      ).state,
      'reachable',
    );
    const header = `Basic ${Buffer.from(`${PROXY_USER.username}:${PROXY_USER.password}`).toString('base64')}`;
    assert.equal(
      (
        await session({ proxy: { url: auth, authorization: header } })
          .registry(registryTest())
          .ping()
      ).state,
      'reachable',
    );

    const missing = await session({ env: { HTTPS_PROXY: auth } })
      .registry(registryTest())
      .ping();
    assert.equal(missing.state, 'unreachable');
    const missingError = missing.state === 'unreachable' ? missing.error : undefined;
    assert.equal(missingError?.code, 'PROXY_AUTH_REQUIRED', missingError?.message);
    assert.match(missingError?.message ?? '', new RegExp(`The proxy ${auth} \\(from HTTPS_PROXY\\) asks for a login \\(HTTP 407\\)`));
    assert.deepEqual(missingError?.remedy, { kind: 'proxy-login', proxy: auth, source: 'HTTPS_PROXY' });

    // Waited for in squid's log, so its 407 line cannot land in the next test's window.
    const wrongSession = session({ env: { HTTPS_PROXY: auth.replace('http://', 'http://proxy-user:not-it@') } });
    let wrong!: Awaited<ReturnType<ReturnType<RegistrySession['registry']>['ping']>>;
    await logged(
      wrongSession,
      async () => (wrong = await wrongSession.registry(registryTest()).ping()),
      (lines) => lines.some((l) => l.status === 407),
    );
    const wrongError = wrong.state === 'unreachable' ? wrong.error : undefined;
    assert.equal(wrongError?.code, 'PROXY_AUTH_REFUSED', wrongError?.message);
    assert.doesNotMatch(wrongError?.message ?? '', /not-it/);
    const sent = requests().filter((l) => l.port === 'auth');
    assert.ok(
      sent.every((l) => l.authorization === '-'),
      'the proxy login went to the proxy, never a registry Authorization',
    );
  });

  it('sends the proxy authorization setting to a proxy from HTTPS_PROXY or a registry\'s "proxy" whose URL has no login', async () => {
    const auth = squid.url('auth');
    const header = `Basic ${Buffer.from(`${PROXY_USER.username}:${PROXY_USER.password}`).toString('base64')}`;
    for (const config of [
      { env: { HTTPS_PROXY: auth }, proxy: { authorization: header } },
      { env: { all_proxy: auth }, proxy: { authorization: header } },
      { proxy: { authorization: header }, registries: [{ url: registryTest(), proxy: auth }] },
    ] satisfies CoreConfig[]) {
      const s = session(config);
      const lines = await logged(s, async () => {
        const ping = await s.registry(registryTest()).ping();
        assert.equal(
          ping.state,
          'reachable',
          `${JSON.stringify(config)}: ${ping.state === 'unreachable' ? ping.error.message : ping.state}`,
        );
      });
      assert.ok(
        lines.length > 0 && lines.every((l) => l.port === 'auth' && l.method === 'CONNECT' && l.status === 200 && l.proxyAuthorized),
        JSON.stringify(lines),
      );
    }
  });

  it("checks an https proxy's own certificate against the session's roots: SSL_CERT_FILE, NODE_EXTRA_CA_CERTS", async () => {
    const certs = await lab.certs();
    const tlsProxy = await ConnectProxy.start({
      cert: readFileSync(certs.servers.ca.certPath, 'utf8'),
      key: readFileSync(certs.servers.ca.keyPath, 'utf8'),
    });
    try {
      for (const env of [{ SSL_CERT_FILE: certs.ca.certPath }, { NODE_EXTRA_CA_CERTS: certs.ca.certPath }]) {
        const ping = await session({ env, proxy: { url: tlsProxy.url } })
          .registry(registryTest())
          .ping();
        assert.equal(ping.state, 'reachable', `${JSON.stringify(env)}: ${ping.state === 'unreachable' ? ping.error.message : ping.state}`);
      }
      assert.deepEqual(tlsProxy.targets, [registryTest(), registryTest()]);
      const untrusted = await failure(
        session({ proxy: { url: tlsProxy.url } })
          .registry(registryTest())
          .repository('proxied/app')
          .resolve('v1'),
      );
      assert.equal(untrusted.code, 'PROXY_TLS', untrusted.message);
    } finally {
      await Promise.all(sessions.splice(0).map((s) => s.close()));
      await tlsProxy.stop();
    }
  });

  it('sends NO_PROXY and no-proxy-setting hosts direct: zero requests at the proxy', async () => {
    const rule = [`registry.test:${port(front.host)}:127.0.0.1:${port(front.host)}`];
    for (const config of [
      { env: { HTTPS_PROXY: squid.url('open'), NO_PROXY: '.test' }, resolveRules: rule },
      { env: { HTTPS_PROXY: squid.url('open'), no_proxy: `127.0.0.0/8, registry.test:${port(front.host)}` }, resolveRules: rule },
      { proxy: { url: squid.url('open'), noProxy: ['registry.test'] }, resolveRules: rule },
      { proxy: { url: squid.url('open') }, registries: [{ url: registryTest(), proxy: 'none' }], resolveRules: rule },
    ] satisfies CoreConfig[]) {
      // Only the port this case points at: squid logs a tunnel when it closes, so an earlier case's
      // tunnels through the other ports can be logged while this one runs.
      const onOpenPort = (): ProxyLogLine[] => requests().filter((l) => l.port === 'open');
      const before = onOpenPort().length;
      const s = session(config);
      const ping = await s.registry(registryTest()).ping();
      assert.equal(ping.state, 'reachable', `${JSON.stringify(config)}: ${ping.state === 'unreachable' ? ping.error.message : ping.state}`);
      assert.match(describePlan(await s.plan(registryTest(), 'list')), /https proxy: direct: /);
      await s.close();
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(onOpenPort().slice(before), [], `no request reached the proxy with ${JSON.stringify(config)}`);
    }
  });

  it('names a proxy that is down, refuses CONNECT, or answers with its own error page', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await failure(
      session({ env: { HTTPS_PROXY: down } })
        .registry(registryTest())
        .repository('proxied/app')
        .resolve('v1'),
    );
    assert.equal(unreachable.code, 'PROXY_UNREACHABLE', unreachable.message);
    assert.match(unreachable.message, new RegExp(`^The proxy ${down} \\(from HTTPS_PROXY\\) cannot be reached`));

    const refused = await failure(
      session({ proxy: { url: squid.url('noConnect') } })
        .registry(registryTest())
        .repository('proxied/app')
        .resolve('v1'),
    );
    assert.equal(refused.code, 'PROXY_CONNECT_REFUSED', refused.message);
    assert.match(refused.message, /refused to open a tunnel to registry\.test:\d+ \(HTTP 403\)/);

    const closed = await freePort();
    const tunnelled = await failure(
      session({ proxy: { url: squid.url('open') } })
        .registry(`gone.test:${closed}`)
        .repository('x')
        .resolve('v1'),
    );
    assert.equal(tunnelled.code, 'PROXY_ERROR', tunnelled.message);
    const forwarded = await failure(
      session({ proxy: { url: squid.url('noConnect') }, registries: [{ url: `http://gone.test:${closed}` }] })
        .registry(`gone.test:${closed}`)
        .repository('x')
        .resolve('v1'),
    );
    assert.equal(forwarded.code, 'PROXY_ERROR', forwarded.message);
    assert.match(forwarded.message, /could not reach gone\.test:\d+ and answered HTTP 50\d \(ERR_[A-Z_]+/);
  });

  it('names the proxy when it answers a forwarded plain-HTTP request itself: a login it wants (407) or a host it refuses (403)', async () => {
    const plainRegistry = (host: string) => [{ url: `http://${host}:${plain.port}` }];
    const auth = squid.url('auth');
    const missing = await failure(
      session({ proxy: { url: auth }, registries: plainRegistry('plain.test') })
        .registry(`plain.test:${plain.port}`)
        .repository('proxied/app')
        .resolve('v1'),
    );
    assert.equal(missing.code, 'PROXY_AUTH_REQUIRED', missing.message);
    assert.match(missing.message, new RegExp(`^The proxy ${auth} \\(from [^)]+\\) asks for a login \\(HTTP 407\\)`));
    const wrong = await failure(
      session({ proxy: { url: auth.replace('http://', 'http://proxy-user:not-it@') }, registries: plainRegistry('plain.test') })
        .registry(`plain.test:${plain.port}`)
        .repository('proxied/app')
        .resolve('v1'),
    );
    assert.equal(wrong.code, 'PROXY_AUTH_REFUSED', wrong.message);
    assert.doesNotMatch(wrong.message, /not-it/);

    const denied = await failure(
      session({ proxy: { url: squid.url('open') }, registries: plainRegistry('denied.test') })
        .registry(`denied.test:${plain.port}`)
        .repository('proxied/app')
        .resolve('v1'),
    );
    assert.equal(denied.code, 'PROXY_ERROR', denied.message);
    assert.match(denied.message, /would not pass on the request to denied\.test:\d+ and answered HTTP 403 \(ERR_ACCESS_DENIED/);
    assert.equal(denied.remedy?.kind, 'bypass-proxy');
  });

  it('never shows the proxy a registry Authorization outside a tunnel, but in requests to plain-HTTP origins', () => {
    const outside = requests().filter((l) => l.method !== 'CONNECT' && l.authorization !== '-');
    assert.ok(outside.length > 0, 'the plain-HTTP cases above ran');
    assert.deepEqual(
      outside.filter((l) => !l.url.startsWith('http://')),
      [],
    );
  });
});
