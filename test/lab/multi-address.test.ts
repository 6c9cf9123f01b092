// The lab beyond 127.0.0.1: real registries, token servers and storage on distinct loopback
// addresses (127.0.0.2, 127.0.0.3, [::1]), some on the same port so only the address tells the
// hosts apart, and public-looking `.test` names reached through resolve rules with the lab CA.
// End to end, it checks what only unit tests covered before: a login never leaves its host
// (upload locations, redirects, another address on the same port), upload locations, realms and
// redirects between distinct hosts are followed, and a public-named registry cannot send the
// client to a private address while a private one may.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pull, push } from '../../src/core/operations/transfer';
import { createSession, type CoreConfig, type RegistrySession } from '../../src/core/registry/session';
import { canListenOn, portFreeOnAll, type LoopbackAddress } from '../support/lab/addresses';
import type { LabCerts } from '../support/lab/certs';
import { OciLayout, pushToRegistry, type BuiltImage } from '../support/lab/content';
import { FaultProxy, RecordingServer } from '../support/lab/fault-proxy';
import { folderWith } from '../support/lab/folders';
import { failure, pem } from '../support/lab/lab-helpers';
import { Lab, type Credentials, type LabRegistry } from '../support/lab/registry';
import { TokenServer } from '../support/lab/token-server';

/** The registry's host, and another host: same machine, different addresses. */
const A: LoopbackAddress = '127.0.0.2';
const B: LoopbackAddress = '127.0.0.3';
const V6: LoopbackAddress = '::1';

const basic = (c: Credentials): string => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
const portOf = (host: string): string => host.split(':').pop()!;

describe('the lab beyond 127.0.0.1: distinct hosts on loopback, public names and private addresses', function () {
  let lab: Lab;
  let certs: LabCerts;
  let caPem: string;
  let layout: OciLayout;
  let image: BuiltImage;
  const sessions: RegistrySession[] = [];
  const stops: (() => Promise<void>)[] = [];
  let folders = 0;

  before(async function () {
    this.timeout(120_000);
    const missing: LoopbackAddress[] = [];
    for (const address of [A, B, V6]) if (!(await canListenOn(address))) missing.push(address);
    // Linux answers on all of 127.0.0.0/8; macOS needs `ifconfig lo0 alias 127.0.0.2` first.
    if (missing.length > 0) {
      console.warn(`      skipped: this machine cannot listen on ${missing.join(', ')}`);
      this.skip();
    }
    lab = await Lab.create();
    certs = await lab.certs();
    caPem = readFileSync(certs.ca.certPath, 'utf8');
    layout = await OciLayout.create(join(lab.dir, 'content', 'multi-address'));
    image = await layout.image({ seed: 'multi-address', layers: [48 * 1024] });
  });

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  after(async function () {
    this.timeout(30_000);
    await Promise.all(stops.splice(0).map((stop) => stop()));
    await lab?.stopAll();
  });

  /** A session with a Docker config.json holding the lab user's login for `loginHost` only. */
  function session(loginHost: string, config: CoreConfig = {}): RegistrySession {
    const home = folderWith({
      'docker/config.json': JSON.stringify({
        auths: { [loginHost]: { auth: Buffer.from(`${lab.user.username}:${lab.user.password}`).toString('base64') } },
      }),
    });
    const s = createSession({
      hostsDirectories: [folderWith({})],
      credentials: { dockerConfigPath: join(home, 'docker', 'config.json') },
      env: {},
      homedir: home,
      retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 100 },
      ...config,
    });
    sessions.push(s);
    return s;
  }

  /** What a public name needs: the lab CA for it in certs.d, and resolve rules to its addresses. */
  function publicNames(rules: string[], caFor: string[] = ['registry.test']): Pick<CoreConfig, 'hostsDirectories' | 'resolveRules'> {
    return {
      hostsDirectories: [folderWith(Object.fromEntries(caFor.map((name) => [`${name}/ca.crt`, caPem])))],
      resolveRules: rules,
    };
  }

  async function proxy(registry: LabRegistry, options: Parameters<typeof FaultProxy.start>[1]): Promise<FaultProxy> {
    const p = await FaultProxy.start(registry, options);
    stops.push(() => p.stop());
    return p;
  }

  async function recording(options: Parameters<typeof RecordingServer.start>[0]): Promise<RecordingServer> {
    const r = await RecordingServer.start(options);
    stops.push(() => r.stop());
    return r;
  }

  const source = () => ({ kind: 'oci-layout' as const, dir: layout.dir, refName: image.ref });
  const pullTo = () => ({ kind: 'oci-layout' as const, dir: join(lab.dir, 'pulled', String(folders++)) });

  describe('uploads on another host: a registry whose front needs a login and whose upload host shares its storage', () => {
    let uploads: LabRegistry;
    let uploadsPlain: FaultProxy;
    let uploadsTls: FaultProxy;

    before(async function () {
      this.timeout(60_000);
      // The upload host: no login, behind proxies on 127.0.0.3 that record every header they get.
      uploads = await lab.startRegistry({ name: 'ma-uploads' });
      uploadsPlain = await proxy(uploads, { address: B });
      uploadsTls = await proxy(uploads, { address: B, tls: pem(certs.servers['lab-names']) });
    });

    afterEach(() => {
      uploadsPlain.clearRequests();
      uploadsTls.clearRequests();
    });

    function assertNoLoginAt(proxy: FaultProxy): void {
      const carrying = proxy.requests.filter((r) => r.headers.authorization !== undefined);
      assert.deepEqual(
        carrying.map((r) => `${r.method} ${r.path}`),
        [],
        'the upload host never got the login',
      );
    }

    it('private to private: 127.0.0.2 sends uploads to 127.0.0.3, which gets the bytes but never the login', async () => {
      const front = await lab.startRegistry({
        name: 'ma-front-private',
        address: A,
        auth: 'basic',
        storageOf: uploads,
        externalUrl: uploadsPlain.url,
      });
      const s = session(front.host, { registries: [{ url: front.url }] });
      const repo = s.registry(front.host).repository('ma/private');
      const result = await push(source(), repo, '1');
      assert.equal(result.blobs.copied, 2);
      assert.equal(uploadsPlain.count('PUT', /\/blobs\/uploads\//), 2, 'both blobs were uploaded at 127.0.0.3');
      assertNoLoginAt(uploadsPlain);
      const back = await pull(repo, '1', pullTo());
      assert.equal(back.root.digest, image.descriptor.digest);
    });

    it('public to public: registry.test sends uploads to uploads.test (verified with its CA), never with the login', async () => {
      const front = await lab.startRegistry({
        name: 'ma-front-public',
        address: A,
        tls: 'lab-names',
        auth: 'basic',
        storageOf: uploads,
        externalUrl: `https://uploads.test:${portOf(uploadsTls.host)}`,
      });
      const s = session(
        'registry.test',
        publicNames([`registry.test:443:${A}:${front.port}`, `uploads.test:${portOf(uploadsTls.host)}:${B}:${portOf(uploadsTls.host)}`]),
      );
      const repo = s.registry('registry.test').repository('ma/public');
      const result = await push(source(), repo, '1');
      assert.equal(result.blobs.copied, 2);
      assert.equal(uploadsTls.count('PUT', /\/blobs\/uploads\//), 2, 'both blobs were uploaded at uploads.test');
      assert.ok(
        uploadsTls.requests.every((r) => r.headers.host === `uploads.test:${portOf(uploadsTls.host)}`),
        'addressed by its name',
      );
      assertNoLoginAt(uploadsTls);
      assert.equal((await repo.resolve('1')).digest, image.descriptor.digest);
    });

    it('public to private: registry.test naming 127.0.0.3 as its upload host is refused, and 127.0.0.3 receives nothing', async () => {
      const front = await lab.startRegistry({
        name: 'ma-front-leaky',
        address: A,
        tls: 'lab-names',
        auth: 'basic',
        storageOf: uploads,
        externalUrl: uploadsTls.url,
      });
      const s = session('registry.test', publicNames([`registry.test:443:${A}:${front.port}`]));
      const err = await failure(push(source(), s.registry('registry.test').repository('ma/leaky'), '1', { blobAttempts: 1 }));
      assert.equal(err.code, 'PRIVATE_REDIRECT', err.message);
      assert.match(err.message, new RegExp(`at ${B.replace(/\./g, '\\.')}:\\d+, an address on your own network`));
      assert.equal(uploadsTls.requests.length, 0, `127.0.0.3 saw ${uploadsTls.requests.map((r) => r.method).join(', ')}`);
    });
  });

  describe('token realms on another host', () => {
    let tokenAt: (address: LoopbackAddress, tls?: boolean) => Promise<TokenServer>;

    before(() => {
      tokenAt = async (address, tls = false) => {
        const server = await TokenServer.start({
          signingKeyPath: certs.tokenSigning.keyPath,
          signingCertPath: certs.tokenSigning.certPath,
          users: { [lab.user.username]: { password: lab.user.password } },
          address,
          ...(tls ? { tls: certs.servers['lab-names'] } : {}),
        });
        stops.push(() => server.stop());
        return server;
      };
    });

    it('private registry, realm on its own address at another port: the login goes to the realm, tokens to the registry', async () => {
      const tokens = await tokenAt(A);
      const registry = await lab.startRegistry({ name: 'ma-token-own', address: A, auth: 'token', tokenServer: tokens });
      const repo = session(registry.host, { registries: [{ url: registry.url }] })
        .registry(registry.host)
        .repository('ma/token');
      await push(source(), repo, '1');
      assert.equal((await repo.resolve('1')).digest, image.descriptor.digest);
      assert.ok(tokens.requests.length > 0 && tokens.requests.every((r) => r.hadAuthorization && r.user === lab.user.username));
    });

    it('private registry, realm on another private address: refused before the login is sent', async () => {
      const tokens = await tokenAt(B);
      const registry = await lab.startRegistry({ name: 'ma-token-elsewhere', address: A, auth: 'token', tokenServer: tokens });
      const s = session(registry.host, { registries: [{ url: registry.url }] });
      const err = await failure(s.registry(registry.host).repository('ma/token').resolve('1'));
      assert.equal(err.code, 'PRIVATE_REALM', err.message);
      assert.match(err.message, /not the registry's own host/);
      assert.equal(tokens.requests.length, 0, 'the token server on 127.0.0.3 received nothing');
    });

    it('public registry.test, realm at auth.test on another address: followed, verified with the CA, the login only in token requests', async () => {
      const tokens = await tokenAt(B, true);
      const realmPort = String(tokens.port);
      const registry = await lab.startRegistry({
        name: 'ma-token-public',
        address: A,
        tls: 'lab-names',
        auth: 'token',
        tokenServer: tokens,
        tokenRealm: `https://auth.test:${realmPort}/token`,
      });
      const front = await proxy(registry, { address: A, tls: pem(certs.servers['lab-names']) });
      const s = session(
        'registry.test',
        publicNames([`registry.test:443:${A}:${portOf(front.host)}`, `auth.test:${realmPort}:${B}:${realmPort}`]),
      );
      const repo = s.registry('registry.test').repository('ma/token-public');
      await push(source(), repo, '1');
      assert.equal((await repo.resolve('1')).digest, image.descriptor.digest);
      assert.ok(tokens.requests.length > 0 && tokens.requests.every((r) => r.hadAuthorization));
      const login = basic(lab.user);
      assert.ok(front.requests.length > 0);
      assert.ok(
        front.requests.every((r) => r.headers.authorization === undefined || r.headers.authorization.startsWith('Bearer ')),
        'the registry got bearer tokens, never the login',
      );
      assert.ok(!front.requests.some((r) => r.headers.authorization === login));
    });

    it('public registry.test, realm on the private 127.0.0.3: refused, and the token server receives nothing', async () => {
      const tokens = await tokenAt(B, true);
      const registry = await lab.startRegistry({
        name: 'ma-token-public-private',
        address: A,
        tls: 'lab-names',
        auth: 'token',
        tokenServer: tokens,
        tokenRealm: `https://${B}:${tokens.port}/token`,
      });
      const s = session('registry.test', publicNames([`registry.test:443:${A}:${registry.port}`]));
      const err = await failure(s.registry('registry.test').repository('ma/token').resolve('1'));
      assert.equal(err.code, 'PRIVATE_REALM', err.message);
      assert.equal(tokens.requests.length, 0);
    });
  });

  describe('blob storage on another host at the same port', () => {
    let registry: LabRegistry;
    const layer = () => image.layers[0]!.descriptor.digest;

    before(async function () {
      this.timeout(60_000);
      registry = await lab.startRegistry({ name: 'ma-storage-origin', auth: 'basic' });
      await pushToRegistry(layout, image, registry, 'ma/stored:1');
    });

    it('private: 127.0.0.2:P redirects to 127.0.0.3:P; the blob is fetched there without the login, and 127.0.0.3:P is never sent it', async () => {
      const port = await portFreeOnAll([A, B]);
      const front = await proxy(registry, { address: A, port });
      const storage = await recording({ address: B, port });
      storage.serve(`/storage/${layer()}`, readFileSync(layout.blobPath(layer())));
      front.add({
        method: 'GET',
        path: new RegExp(`/blobs/${layer()}`),
        fault: { kind: 'redirect', location: `http://${B}:${port}/storage/${layer()}` },
      });
      const s = session(front.host, { registries: [{ url: front.url }] });
      const result = await pull(s.registry(front.host).repository('ma/stored'), '1', pullTo());
      assert.equal(result.blobs.copied, 2);
      assert.equal(storage.count('GET', /^\/storage\//), 1, 'the layer came from 127.0.0.3');
      assert.ok(
        front.requests.some((r) => r.headers.authorization === basic(lab.user)),
        'the registry got the login',
      );

      // The same port on another address is another host: its own (absent) login, not 127.0.0.2's.
      const other = await s.registry(`${B}:${port}`).ping();
      assert.notEqual(other.state, 'reachable');
      assert.ok(storage.requests.length >= 2, 'the ping reached 127.0.0.3');
      assert.deepEqual(
        storage.requests.filter((r) => r.headers.authorization !== undefined).map((r) => r.path),
        [],
        '127.0.0.3 never got an Authorization header',
      );
    });

    it('public: registry.test redirects to storage.test on another address; followed, verified, without the login', async () => {
      const front = await proxy(registry, { address: A, tls: pem(certs.servers['lab-names']) });
      const storage = await recording({ address: B, tls: pem(certs.servers['lab-names']) });
      const storagePort = portOf(storage.host);
      storage.serve(`/storage/${layer()}`, readFileSync(layout.blobPath(layer())));
      front.add({
        method: 'GET',
        path: new RegExp(`/blobs/${layer()}`),
        fault: { kind: 'redirect', location: `https://storage.test:${storagePort}/storage/${layer()}` },
      });
      const s = session(
        'registry.test',
        publicNames([`registry.test:443:${A}:${portOf(front.host)}`, `storage.test:${storagePort}:${B}:${storagePort}`]),
      );
      const result = await pull(s.registry('registry.test').repository('ma/stored'), '1', pullTo());
      assert.equal(result.blobs.copied, 2);
      assert.equal(storage.count('GET', /^\/storage\//), 1);
      assert.equal(storage.requests[0]!.headers.host, `storage.test:${storagePort}`);
      assert.equal(storage.requests[0]!.headers.authorization, undefined);
      assert.ok(front.requests.some((r) => r.headers.authorization === basic(lab.user)));
    });

    it('public to private: registry.test redirecting to 127.0.0.3 is refused; nothing reaches 127.0.0.3', async () => {
      const front = await proxy(registry, { address: A, tls: pem(certs.servers['lab-names']) });
      const storage = await recording({ address: B, tls: pem(certs.servers.ca) });
      front.add({
        method: 'GET',
        path: new RegExp(`/blobs/${layer()}`),
        fault: { kind: 'redirect', location: `${storage.url}/storage/${layer()}` },
      });
      const s = session('registry.test', publicNames([`registry.test:443:${A}:${portOf(front.host)}`]));
      const err = await failure(pull(s.registry('registry.test').repository('ma/stored'), '1', pullTo(), { blobAttempts: 1 }));
      assert.equal(err.code, 'PRIVATE_REDIRECT', err.message);
      assert.equal(storage.acceptedConnections, 0, '127.0.0.3 was not even connected to');
    });
  });

  describe('[::1] and 127.0.0.2 on the same port are two hosts', () => {
    it('a registry on [::1] works end to end with its login; the same port on 127.0.0.2 does not get that login', async () => {
      const port = await portFreeOnAll([V6, A]);
      const v6 = await lab.startRegistry({ name: 'ma-v6', address: V6, auth: 'basic', port });
      assert.equal(v6.host, `[::1]:${port}`);
      const sameMachine = await proxy(v6, { address: A, port });
      const s = session(v6.host, { registries: [{ url: v6.url }, { url: sameMachine.url }] });
      const repo = s.registry(v6.host).repository('ma/v6');
      await push(source(), repo, '1');
      assert.equal((await pull(repo, '1', pullTo())).root.digest, image.descriptor.digest);

      const ping = await s.registry(sameMachine.host).ping();
      assert.equal(ping.state, 'needs-login', `127.0.0.2:${port} without its own login`);
      assert.ok(sameMachine.requests.length > 0);
      assert.ok(
        sameMachine.requests.every((r) => r.headers.authorization === undefined),
        "[::1]'s login was not sent to 127.0.0.2 on the same port",
      );
    });
  });
});
