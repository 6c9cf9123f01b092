// Quay's and Harbor's providers against their contract servers (test/support/lab/vendors/quay.ts,
// harbor.ts): Quay's namespaces and organizations through its API v1 with an OAuth token (paged by
// its next_page token), the same token with `$oauthtoken` for quay.io's registry; Harbor's
// projects, then repositories, through its v2.0 API, for a user its `_catalog` refuses, and the
// public projects without a login; and each one's errors named for the user.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { createProviderClient } from '../../src/core/providers/providers';
import type { RegistrySession } from '../../src/core/registry/session';
import { OciLayout, pushToRegistry } from '../support/lab/content';
import { Lab, type LabRegistry } from '../support/lab/registry';
import { HarborContract } from '../support/lab/vendors/harbor';
import { QuayContract } from '../support/lab/vendors/quay';
import { pagesOf, vendorSession, type VendorLogin } from '../support/lab/vendors/vendor-session';
import { failure } from '../support/lab/lab-helpers';

const QUAY_TOKEN = 'quay-oauth-token-full';
const QUAY_NO_USER = 'quay-oauth-token-repo-only';
const QUAY_REVOKED = 'quay-oauth-token-revoked';

describe('Quay and Harbor providers against their contract servers', function () {
  let lab: Lab;
  let quayRegistry: LabRegistry;
  let harborRegistry: LabRegistry;
  let quay: QuayContract;
  let harbor: HarborContract;
  const sessions: RegistrySession[] = [];

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    [quayRegistry, harborRegistry] = await Promise.all([
      lab.startRegistry({ name: 'quay', auth: 'token' }),
      lab.startRegistry({ name: 'harbor', auth: 'token' }),
    ]);
    const layout = await OciLayout.create(join(lab.dir, 'content', 'quay-harbor'));
    const image = await layout.image({ seed: 'quay-harbor', layers: [2048] });
    await pushToRegistry(layout, image, quayRegistry, 'quayuser/app:1.0');
    await pushToRegistry(layout, image, harborRegistry, 'team/app:1.0');
    quay = await QuayContract.start(
      lab,
      {
        users: [
          {
            username: 'quayuser',
            tokens: {
              [QUAY_TOKEN]: { scopes: ['repo:read', 'user:read'] },
              [QUAY_NO_USER]: { scopes: ['repo:read'] },
              [QUAY_REVOKED]: { scopes: ['repo:read', 'user:read'], revoked: true },
            },
            organizations: ['redhat-like'],
          },
        ],
        repositories: [
          { namespace: 'quayuser', name: 'app', public: false, description: 'Quay app', lastModified: 1795000000 },
          { namespace: 'quayuser', name: 'web', public: true, lastModified: 1794000000 },
          { namespace: 'quayuser', name: 'chart', public: true, lastModified: 1794000000, kind: 'application' },
          { namespace: 'redhat-like', name: 'ubi', public: true, lastModified: 1793000000 },
          { namespace: 'others', name: 'secret', public: false, lastModified: 1793000000 },
          { namespace: 'others', name: 'open', public: true, lastModified: 1793000000 },
        ],
      },
      quayRegistry,
    );
    harbor = await HarborContract.start(
      lab,
      {
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
            repositories: [{ name: 'nginx', artifacts: 2, pulls: 10, updated: '2026-11-01T00:00:00Z' }],
          },
          {
            id: 2,
            name: 'team',
            public: false,
            members: ['dev'],
            repositories: [
              { name: 'app', description: 'Team app', artifacts: 1, pulls: 3, updated: '2026-11-20T00:00:00Z' },
              { name: 'tools/cli', artifacts: 4, pulls: 0, updated: '2026-10-01T00:00:00Z' },
            ],
          },
          {
            id: 3,
            name: 'private',
            public: false,
            members: ['someone'],
            repositories: [{ name: 'x', artifacts: 1, pulls: 0, updated: '2026-10-01T00:00:00Z' }],
          },
        ],
      },
      harborRegistry,
    );
  });

  afterEach(async () => {
    quay.server.clear();
    quay.pageSize = 100;
    harbor.server.clear();
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  after(async function () {
    this.timeout(30_000);
    await Promise.all([quay?.server.stop(), harbor?.server.stop()]);
    await lab?.stopAll();
  });

  function client(host: string, login?: VendorLogin, options: { namespaces?: string[]; provider?: string } = {}) {
    const session = vendorSession([quay.server, harbor.server], login ? { [host]: login } : {});
    sessions.push(session);
    return { session, client: createProviderClient(session.registry(host), session.apiChannel(), options) };
  }

  describe('Quay', () => {
    const login = { username: '$oauthtoken', password: QUAY_TOKEN };

    it('lists the user’s namespace and organizations, a page per next_page token, images only', async () => {
      quay.pageSize = 1;
      const { client: quayClient } = client('quay.io', login);
      const pages = await pagesOf(quayClient.listRepositories());
      assert.deepEqual(
        pages.map((p) => p.map((r) => r.name)),
        [['quayuser/app'], ['quayuser/web'], [], ['redhat-like/ubi']],
        'one request per page; an application repository is no image',
      );
      assert.ok(
        quay.server.count('quay.io', /^\/api\/v1\/repository\?namespace=quayuser&public=true&last_modified=true&next_page=/) === 2,
        'the next_page token was followed',
      );
      const app = pages[0]![0]!;
      assert.deepEqual(app, { name: 'quayuser/app', description: 'Quay app', lastPush: 1795000000_000, visibility: 'private' });
      assert.equal(await quayClient.account(), 'quayuser');
      assert.equal(
        quayClient.webPage({ repository: 'quayuser/app', tag: '1.0' }),
        'https://quay.io/repository/quayuser/app?tab=tags&tag=1.0',
      );
    });

    it('signs in to quay.io’s registry with $oauthtoken and the same token', async () => {
      const { session } = client('quay.io', login);
      const manifest = await session.registry('quay.io').repository('quayuser/app').getManifest('1.0');
      assert.ok(manifest.descriptor.digest.startsWith('sha256:'));
      assert.ok(quay.server.count('quay.io', /^\/v2\/auth\?/) >= 1);
    });

    it('lists the public repositories of a namespace named in settings without a login', async () => {
      const { client: anonymous } = client('quay.io', undefined, { namespaces: ['others'] });
      assert.deepEqual(
        (await pagesOf(anonymous.listRepositories())).flat().map((r) => r.name),
        ['others/open'],
      );
    });

    it('lists the public repositories of another namespace named in settings when signed in', async () => {
      const { client: signedIn } = client('quay.io', login, { namespaces: ['others'] });
      const names = (await pagesOf(signedIn.listRepositories())).flat().map((r) => r.name);
      assert.ok(
        names.includes('others/open'),
        `Quay lists another namespace's public repository only with public=true: ${names.join(', ')}`,
      );
      assert.ok(!names.includes('others/secret'), 'a private repository the user holds no permission on');
    });

    it('names the scope a token lacks, and a revoked token', async () => {
      const missing = await failure(
        pagesOf(client('quay.io', { username: '$oauthtoken', password: QUAY_NO_USER }).client.listRepositories()),
      );
      assert.equal(missing.code, 'SCOPE_MISSING', missing.message);
      assert.deepEqual(missing.remedy, { kind: 'grant-scopes', host: 'quay.io', scopes: ['repo:read', 'user:read'] });
      const revoked = await failure(
        pagesOf(client('quay.io', { username: '$oauthtoken', password: QUAY_REVOKED }).client.listRepositories()),
      );
      assert.equal(revoked.code, 'TOKEN_REJECTED', revoked.message);
      assert.match(revoked.message, /it said: The access token provided is invalid or has expired\./);
    });
  });

  describe('Harbor', () => {
    const dev = { username: 'dev', password: 'dev-password' };

    it('lists projects, then their repositories, for a user `_catalog` refuses', async () => {
      const { session, client: harborClient } = client('harbor.test', dev, { provider: 'harbor' });
      const catalog = await failure(pagesOf(session.registry('harbor.test').listRepositories()));
      // Harbor's core answers `_catalog` with 401 and `Basic realm="harbor"` to a user it refuses, signed in or not.
      assert.equal(catalog.code, 'AUTH_FAILED', `Harbor's catalog is for administrators (${catalog.message})`);
      const pages = await pagesOf(harborClient.listRepositories({ pageSize: 1 }));
      assert.deepEqual(
        pages.map((p) => p.map((r) => r.name)),
        [['library/nginx'], ['team/app'], ['team/tools/cli']],
      );
      const app = pages[1]![0]!;
      assert.deepEqual(app, {
        name: 'team/app',
        visibility: 'private',
        description: 'Team app',
        lastPush: Date.parse('2026-11-20T00:00:00Z'),
        pullCount: 3,
        artifactCount: 1,
        webUrl: 'https://harbor.test/harbor/projects/2/repositories/app',
      });
      assert.equal(
        harborClient.webPage({ repository: 'team/tools/cli' }),
        'https://harbor.test/harbor/projects/2/repositories/tools%2Fcli',
      );
      assert.equal(await harborClient.account(), 'dev');
    });

    it('pulls with the same login through Harbor’s token service', async () => {
      const { session } = client('harbor.test', dev, { provider: 'harbor' });
      const manifest = await session.registry('harbor.test').repository('team/app').getManifest('1.0');
      assert.ok(manifest.descriptor.digest.startsWith('sha256:'));
    });

    it('lists only the public projects without a login, and only the projects named in settings when there are some', async () => {
      const anonymous = client('harbor.test', undefined, { provider: 'harbor' }).client;
      assert.deepEqual(
        (await pagesOf(anonymous.listRepositories())).flat().map((r) => r.name),
        ['library/nginx'],
      );
      const only = client('harbor.test', dev, { provider: 'harbor', namespaces: ['team'] }).client;
      assert.deepEqual(
        (await pagesOf(only.listRepositories())).flat().map((r) => r.name),
        ['team/app', 'team/tools/cli'],
      );
    });

    it('says a wrong password was rejected, in Harbor’s words', async () => {
      const err = await failure(
        pagesOf(client('harbor.test', { username: 'dev', password: 'wrong' }, { provider: 'harbor' }).client.listRepositories()),
      );
      assert.equal(err.code, 'TOKEN_REJECTED', err.message);
      assert.equal(
        err.message,
        'Harbor rejected the password from the test login for its projects (it said: unauthorized): check it, or sign in to harbor.test again.',
      );
    });
  });
});
