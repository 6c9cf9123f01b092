// Harbor recognised without a provider setting (src/core/providers/harbor-detect.ts), against the
// Harbor contract server (test/support/lab/vendors/harbor.ts), whose `_catalog` answers as Harbor's
// core does: a user it refuses sees their projects' repositories as if "provider": "harbor" were
// set, after one anonymous systeminfo request to the registry's own origin; an administrator keeps
// the catalog; a systeminfo that redirects elsewhere or is not Harbor's leaves the catalog's error.
// Plain Distribution registries are checked by their access logs: the same requests as a listing
// that never looks for Harbor, and none outside /v2/.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { createProviderClient } from '../../src/core/providers/providers';
import { createSession, type RegistrySession } from '../../src/core/registry/session';
import type { Credential } from '../../src/core/credentials/types';
import { OciLayout, pushToRegistry } from '../support/lab/content';
import { Lab, type LabRegistry } from '../support/lab/registry';
import { HarborContract, type HarborWorld } from '../support/lab/vendors/harbor';
import { pagesOf, repositoryNames, vendorSession, type VendorLogin } from '../support/lab/vendors/vendor-session';
import { failure } from '../support/lab/lab-helpers';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

const WORLD: HarborWorld = {
  users: [
    { username: 'dev', password: 'dev-password' },
    { username: 'admin', password: 'admin-password', admin: true },
  ],
  projects: [
    {
      id: 1,
      name: 'library',
      public: true,
      members: [],
      repositories: [{ name: 'nginx', artifacts: 1, pulls: 10, updated: '2026-11-01T00:00:00Z' }],
    },
    {
      id: 2,
      name: 'team',
      public: false,
      members: ['dev'],
      repositories: [{ name: 'app', description: 'Team app', artifacts: 1, pulls: 3, updated: '2026-11-20T00:00:00Z' }],
    },
  ],
};

/** Every request line of a registry's access log, whatever its path (a probe outside /v2/ included). */
function loggedRequests(registry: LabRegistry): string[] {
  return [...registry.readLog().matchAll(/"(GET|HEAD|POST|PUT|PATCH|DELETE) (\/[^ "]*) HTTP\/[0-9.]+" (\d{3})/g)].map(
    (m) => `${m[1]} ${m[2]} ${m[3]}`,
  );
}

describe('Harbor recognised without a provider setting', function () {
  let lab: Lab;
  let registry: LabRegistry;
  let harbor: HarborContract;
  /** Another origin a hostile answer could point at: it must never be asked. */
  let elsewhere: HarborContract;
  const sessions: RegistrySession[] = [];

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    registry = await lab.startRegistry({ name: 'harbor-detect', auth: 'token' });
    const layout = await OciLayout.create(join(lab.dir, 'content', 'harbor-detect'));
    const image = await layout.image({ seed: 'harbor-detect', layers: [1024] });
    await pushToRegistry(layout, image, registry, 'team/app:1.0');
    await pushToRegistry(layout, image, registry, 'library/nginx:1.0');
    harbor = await HarborContract.start(lab, WORLD, registry, 'harbor.test');
    elsewhere = await HarborContract.start(lab, WORLD, registry, 'elsewhere.test');
  });

  afterEach(async () => {
    harbor.server.clear();
    elsewhere.server.clear();
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  after(async function () {
    this.timeout(30_000);
    await Promise.all([harbor?.server.stop(), elsewhere?.server.stop()]);
    await lab?.stopAll();
  });

  function client(login?: VendorLogin) {
    const session = vendorSession([harbor.server, elsewhere.server], login ? { 'harbor.test': login } : {});
    sessions.push(session);
    return { session, provider: createProviderClient(session.registry('harbor.test'), session.apiChannel(), {}) };
  }

  const systemInfoRequests = () => harbor.server.seen.filter((r) => r.path === '/api/v2.0/systeminfo');

  it('lists the projects’ repositories of a user `_catalog` refuses, asking systeminfo once, anonymously', async () => {
    const { session, provider } = client({ username: 'dev', password: 'dev-password' });
    assert.equal(provider.info.id, 'distribution');
    const catalog = await failure(pagesOf(session.registry('harbor.test').listRepositories()));
    assert.equal(harbor.server.count('harbor.test', /^\/v2\/_catalog/), 2, 'Harbor refused the catalog, anonymous and with the login');
    assert.equal(catalog.code, 'AUTH_FAILED', catalog.message);

    const names = repositoryNames(await pagesOf(provider.listRepositories({ pageSize: 1 })));
    assert.deepEqual(names, ['library/nginx', 'team/app']);
    assert.equal(provider.info.id, 'harbor');
    assert.equal(provider.info.chosenBy, 'detected');
    assert.equal(provider.info.apiBase, 'https://harbor.test/api/v2.0');
    assert.deepEqual(
      systemInfoRequests().map((r) => [r.status, r.signedIn]),
      [[200, false]],
    );
    assert.equal(await provider.account(), 'dev');
    assert.equal(provider.webPage({ repository: 'team/app' }), 'https://harbor.test/harbor/projects/2/repositories/app');

    // Recognised once: the next listing goes straight to Harbor's API, and pulls still work with the same login.
    const catalogsBefore = harbor.server.count('harbor.test', /^\/v2\/_catalog/);
    assert.deepEqual(repositoryNames(await pagesOf(provider.listRepositories())), ['library/nginx', 'team/app']);
    assert.equal(harbor.server.count('harbor.test', /^\/v2\/_catalog/), catalogsBefore);
    assert.equal(systemInfoRequests().length, 1);
    const manifest = await session.registry('harbor.test').repository('team/app').getManifest('1.0');
    assert.ok(manifest.descriptor.digest.startsWith('sha256:'));
  });

  it('starts as Harbor when built again with what an earlier client recognised, asking nothing first', async () => {
    const first = client({ username: 'dev', password: 'dev-password' }).provider;
    await pagesOf(first.listRepositories());
    harbor.server.clear();
    const session = vendorSession([harbor.server], { 'harbor.test': { username: 'dev', password: 'dev-password' } });
    sessions.push(session);
    const again = createProviderClient(session.registry('harbor.test'), session.apiChannel(), { recognised: first.info });
    assert.equal(again.info.chosenBy, 'detected');
    assert.deepEqual(repositoryNames(await pagesOf(again.listRepositories())), ['library/nginx', 'team/app']);
    assert.equal(harbor.server.count('harbor.test', /^\/v2\/_catalog/), 0);
    assert.equal(systemInfoRequests().length, 0);
  });

  it('lists the public projects to an anonymous user', async () => {
    const { provider } = client();
    assert.deepEqual(repositoryNames(await pagesOf(provider.listRepositories())), ['library/nginx']);
    assert.equal(provider.info.id, 'harbor');
  });

  it('recognises Harbor after a ping learned its token service, too', async () => {
    const { session, provider } = client({ username: 'dev', password: 'dev-password' });
    assert.equal((await session.registry('harbor.test').ping()).state, 'reachable');
    assert.deepEqual(repositoryNames(await pagesOf(provider.listRepositories())), ['library/nginx', 'team/app']);
    assert.equal(provider.info.chosenBy, 'detected');
  });

  it('keeps the catalog for an administrator, without asking anything else', async () => {
    const { provider } = client({ username: 'admin', password: 'admin-password' });
    assert.deepEqual(repositoryNames(await pagesOf(provider.listRepositories({ pageSize: 1 }))), ['library/nginx', 'team/app']);
    assert.equal(provider.info.id, 'distribution');
    assert.equal(systemInfoRequests().length, 0);
    assert.deepEqual(
      harbor.server.seen.filter((r) => r.path.startsWith('/api/')),
      [],
    );
  });

  it('says a wrong password was rejected, in Harbor’s words, once recognised', async () => {
    const err = await failure(pagesOf(client({ username: 'dev', password: 'wrong' }).provider.listRepositories()));
    assert.equal(err.code, 'TOKEN_REJECTED', err.message);
    assert.match(err.message, /^Harbor rejected the password/);
  });

  it('does not follow a systeminfo redirect to another host, and keeps the catalog’s error', async () => {
    harbor.server.override({
      path: /^\/api\/v2\.0\/systeminfo$/,
      answer: { status: 302, headers: { location: 'https://elsewhere.test/api/v2.0/systeminfo' } },
    });
    const { provider } = client({ username: 'dev', password: 'dev-password' });
    const err = await failure(pagesOf(provider.listRepositories()));
    assert.equal(err.code, 'AUTH_FAILED', err.message);
    assert.equal(provider.info.id, 'distribution');
    assert.deepEqual(elsewhere.server.seen, [], 'nothing was sent to the host the redirect named');
  });

  it('asks a registry whose systeminfo is not Harbor’s once, and keeps the catalog’s error', async () => {
    harbor.server.override({ path: /^\/api\/v2\.0\/systeminfo$/, answer: { status: 200, json: { version: '1.0' } } });
    const { provider } = client({ username: 'dev', password: 'dev-password' });
    for (let i = 0; i < 2; i++) assert.equal((await failure(pagesOf(provider.listRepositories()))).code, 'AUTH_FAILED');
    assert.equal(systemInfoRequests().length, 1);
    assert.equal(provider.info.id, 'distribution');
  });
});

describe('Plain Distribution registries are not probed for Harbor', function () {
  let lab: Lab;
  let open: LabRegistry;
  let token: LabRegistry;
  let basic: LabRegistry;
  const sessions: RegistrySession[] = [];

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    [open, token, basic] = await Promise.all([
      lab.startRegistry({ name: 'plain-open' }),
      lab.startRegistry({ name: 'plain-token', auth: 'token' }),
      lab.startRegistry({ name: 'plain-basic', auth: 'basic' }),
    ]);
  });

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  after(async function () {
    this.timeout(30_000);
    await lab?.stopAll();
  });

  /** A fresh session's provider for a lab registry, with or without a login, as the tree builds it (no provider setting unless given). */
  function providerFor(target: LabRegistry, login: Credential | undefined, provider?: string) {
    const home = mkdtempSync(join(tmpdir(), 'plain-home-'));
    const empty = join(home, 'auth.json');
    writeFileSync(empty, '{}');
    const session = createSession({
      hostsDirectories: [mkdtempSync(join(tmpdir(), 'no-hosts-'))],
      credentials: { secretStore: { get: async () => login }, dockerConfigPath: empty, podmanAuthPath: empty },
      env: {},
      homedir: home,
      registries: [{ url: target.url }],
    });
    sessions.push(session);
    return createProviderClient(session.registry(target.host), session.apiChannel(), provider ? { provider } : {});
  }

  /** The requests one listing makes, as the registry logged them. */
  async function listingRequests(target: LabRegistry, login: Credential | undefined, provider?: string): Promise<string[]> {
    const before = loggedRequests(target).length;
    const client = providerFor(target, login, provider);
    await pagesOf(client.listRepositories()).catch(() => undefined);
    assert.equal(client.info.id, 'distribution');
    // The registry writes a line as each request ends, maybe just after its answer: wait until the log is still (at most 3 s).
    let lines = loggedRequests(target);
    for (let i = 0; i < 30; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const now = loggedRequests(target);
      if (now.length === lines.length) break;
      lines = now;
    }
    return lines.slice(before);
  }

  for (const [name, pick, login] of [
    ['an open registry with an empty catalog', () => open, undefined],
    ['a token registry refusing an anonymous catalog', () => token, undefined],
    ['a token registry with a login', () => token, 'alice'],
    ['a basic registry refusing an anonymous catalog', () => basic, undefined],
  ] as const) {
    it(`${name}: the same requests as a listing that never looks for Harbor`, async () => {
      const target = pick();
      const credential = login && target.credentials ? { ...target.credentials, source: 'the test login' } : undefined;
      const plain = await listingRequests(target, credential, 'distribution');
      const recognising = await listingRequests(target, credential);
      assert.ok(plain.length > 0, 'the listing reached the registry');
      assert.deepEqual(recognising, plain);
      assert.deepEqual(
        recognising.filter((r) => !/^\w+ \/v2\//.test(r)),
        [],
      );
    });
  }
});
