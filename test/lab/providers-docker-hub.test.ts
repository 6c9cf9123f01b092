// Docker Hub's provider against Docker Hub's contract server (test/support/lab/vendors/docker-hub.ts):
// the signed-in user's and organizations' repositories through Hub's API, page by page; the same
// username and personal access token for registry-1.docker.io's token service at auth.docker.io;
// the pull rate limit the registry reports; and Hub's errors (revoked token, expired access
// token, API rate limit) named for the user.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { RateLimitError, RetryLaterError } from '../../src/core/errors';
import { withLoginFor } from '../../src/core/credentials/resolver';
import type { Credential } from '../../src/core/credentials/types';
import type { RepositoryDetails } from '../../src/core/providers/provider';
import { createProviderClient } from '../../src/core/providers/providers';
import type { PullRateLimit } from '../../src/core/registry/rate-limit';
import type { RegistrySession } from '../../src/core/registry/session';
import { OciLayout, pushToRegistry } from '../support/lab/content';
import { Lab, type LabRegistry } from '../support/lab/registry';
import { DockerHubContract, PULL_WINDOW_SECONDS, type HubWorld } from '../support/lab/vendors/docker-hub';
import { pagesOf, vendorSession, type VendorLogin } from '../support/lab/vendors/vendor-session';
import { failure } from '../support/lab/lab-helpers';
import { repositoryNames } from '../support/lab/vendors/vendor-session';

const PAT = 'dckr_pat_read_token';
const REVOKED = 'dckr_pat_revoked';

function world(): HubWorld {
  return {
    users: [
      {
        username: 'moby',
        tokens: { [PAT]: { scopes: ['repo:read'] }, [REVOKED]: { scopes: ['repo:read'], revoked: true } },
        orgs: ['acme'],
      },
    ],
    orgs: ['acme', 'strangers'],
    repositories: [
      {
        namespace: 'moby',
        name: 'app',
        private: true,
        description: 'The app',
        lastUpdated: '2026-11-20T10:00:00.000000Z',
        pullCount: 1234,
      },
      { namespace: 'moby', name: 'web', private: false, lastUpdated: '2026-10-01T10:00:00Z', pullCount: 5 },
      { namespace: 'moby', name: 'worker', private: false, lastUpdated: '2026-09-01T10:00:00Z', pullCount: 0 },
      { namespace: 'acme', name: 'api', private: true, lastUpdated: '2026-11-21T10:00:00Z', pullCount: 10 },
      { namespace: 'strangers', name: 'public-thing', private: false, lastUpdated: '2026-11-21T10:00:00Z', pullCount: 99 },
      { namespace: 'strangers', name: 'private-thing', private: true, lastUpdated: '2026-11-21T10:00:00Z', pullCount: 99 },
    ],
  };
}

describe('Docker Hub provider against Docker Hub’s contract server', function () {
  let lab: Lab;
  let registry: LabRegistry;
  let hub: DockerHubContract;
  const sessions: RegistrySession[] = [];

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    registry = await lab.startRegistry({ name: 'docker-hub', auth: 'token' });
    const layout = await OciLayout.create(join(lab.dir, 'content', 'hub'));
    const image = await layout.image({ seed: 'hub-app', layers: [2048] });
    await pushToRegistry(layout, image, registry, 'moby/app:1.0');
    await pushToRegistry(layout, image, registry, 'moby/web:latest');
    hub = await DockerHubContract.start(lab, world(), registry);
  });

  afterEach(async () => {
    hub.server.clear();
    hub.pullsLeft.clear();
    hub.apiLeft = 180;
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  after(async function () {
    this.timeout(30_000);
    await hub?.server.stop();
    await lab?.stopAll();
  });

  function provider(login?: VendorLogin, namespaces: string[] = []) {
    const session = vendorSession([hub.server], login ? { 'docker.io': login } : {});
    sessions.push(session);
    return { session, client: createProviderClient(session.registry('docker.io'), session.apiChannel(), { namespaces }) };
  }

  it('lists the user’s namespace and each organization’s, a page per Hub page, following `next`', async () => {
    const { client } = provider({ username: 'moby', password: PAT });
    const pages = await pagesOf(client.listRepositories({ pageSize: 2 }));
    assert.deepEqual(
      pages.map((p) => p.map((r) => r.name)),
      [['moby/app', 'moby/web'], ['moby/worker'], ['acme/api']],
    );
    assert.equal(hub.server.count('hub.docker.com', /^\/v2\/auth\/token$/, 'POST'), 1, 'one access token for the whole listing');
    assert.equal(
      hub.server.count('hub.docker.com', /^\/v2\/namespaces\/moby\/repositories\?page_size=2&page=2$/),
      1,
      'the next URL was followed',
    );
    const app = pages[0]![0]!;
    assert.deepEqual(app, {
      name: 'moby/app',
      description: 'The app',
      lastPush: Date.parse('2026-11-20T10:00:00.000Z'),
      pullCount: 1234,
      visibility: 'private',
      webUrl: 'https://hub.docker.com/r/moby/app',
    });
    assert.equal(await client.account(), 'moby');
    assert.equal(client.webPage({ repository: 'library/alpine', tag: '3.20' }), 'https://hub.docker.com/_/alpine/tags?name=3.20');
  });

  it('signs in to registry-1.docker.io with the same username and token, and shows the pull rate limit it reports', async () => {
    const { session } = provider({ username: 'moby', password: PAT });
    const client = session.registry('docker.io');
    const reported: [string, PullRateLimit][] = [];
    session.onPullRateLimit((host, limit) => reported.push([host, limit]));
    assert.equal(client.pullRateLimit, undefined, 'nothing known before a manifest answer');
    hub.pullsLeft.set('moby', 40);
    const manifest = await client.repository('moby/app').getManifest('1.0');
    assert.ok(manifest.descriptor.digest.startsWith('sha256:'));
    assert.ok(hub.server.count('auth.docker.io', /^\/token\?.*service=registry\.docker\.io/) >= 1, 'the token came from auth.docker.io');
    const limit = session.registry('docker.io').pullRateLimit;
    assert.deepEqual(
      { limit: limit?.limit, remaining: limit?.remaining, window: limit?.windowSeconds },
      { limit: 100, remaining: 39, window: PULL_WINDOW_SECONDS },
    );
    assert.deepEqual(
      reported.map(([host, l]) => [host, l.remaining]),
      [['docker.io', 39]],
    );
  });

  it('names Docker Hub’s pull rate limit when the registry refuses a pull for it', async () => {
    const { session } = provider({ username: 'moby', password: PAT });
    hub.pullsLeft.set('moby', 0);
    const err = await failure(session.registry('docker.io').repository('moby/app').getManifest('1.0'));
    assert.equal(err.code, 'TOOMANYREQUESTS', err.message);
    assert.match(err.message, /pull rate limit/);
    assert.equal(session.registry('docker.io').pullRateLimit?.remaining, 0, 'the row shows none left');
  });

  it('signs in again when Hub’s short-lived access token expires mid-listing', async () => {
    const { client } = provider({ username: 'moby', password: PAT });
    const listing = client.listRepositories({ pageSize: 2 });
    assert.deepEqual(
      (await listing.next()).value?.map((r: RepositoryDetails) => r.name),
      ['moby/app', 'moby/web'],
    );
    hub.accessTokens.clear();
    const rest: string[] = [];
    for await (const page of listing) rest.push(...page.map((r) => r.name));
    assert.deepEqual(rest, ['moby/worker', 'acme/api']);
    assert.equal(hub.server.count('hub.docker.com', /^\/v2\/auth\/token$/, 'POST'), 2, 'a second access token from the same login');
  });

  it('says a revoked personal access token was rejected, without quoting it', async () => {
    const err = await failure(pagesOf(provider({ username: 'moby', password: REVOKED }).client.listRepositories()));
    assert.equal(err.code, 'TOKEN_REJECTED', err.message);
    assert.equal(
      err.message,
      'Docker Hub rejected the token from the test login for a sign-in to its API (it said: Incorrect authentication credentials): it may have expired or been revoked; sign in to docker.io again.',
    );
    assert.deepEqual(err.remedy, { kind: 'log-in', host: 'docker.io' });
  });

  it('says when Hub’s API rate limit resets', async () => {
    hub.apiLeft = 2; // the access token and the first page
    const { client } = provider({ username: 'moby', password: PAT });
    const err = await failure(pagesOf(client.listRepositories({ pageSize: 2 })));
    assert.ok(err instanceof RateLimitError, err.message);
    assert.equal(err.resetAt?.getTime(), hub.apiResetAt * 1000);
    assert.match(
      err.message,
      /^Docker Hub refuses more requests from this account until .+ \(its rate limit for the repositories of moby is spent\): Rate limit exceeded; try again then\.$/,
    );
  });

  it('checks a login typed for docker.io with registry-1.docker.io: a wrong token is refused, the right one used', async () => {
    // What Log In does: a session of its own whose only login is the one being checked, for the host the user named.
    for (const [password, state] of [
      ['dckr_pat_mistyped', 'needs-login'],
      [PAT, 'reachable'],
    ] as const) {
      const candidate = withLoginFor('docker.io', { username: 'moby', password, source: 'the login being checked' }, undefined);
      const session = vendorSession([hub.server], (host) => candidate.get(host));
      sessions.push(session);
      const ping = await session.registry('docker.io').ping();
      assert.equal(ping.state, state, `${password}: ${JSON.stringify(ping)}`);
      if (ping.state === 'reachable') assert.equal(ping.credentialSource, 'the login being checked');
    }
    assert.equal(
      hub.server.seen.filter((r) => r.host === 'auth.docker.io' && r.signedIn).length,
      2,
      'each password was sent to the token service',
    );
  });

  it('uses a login made or removed for docker.io at once: forgetting docker.io forgets what registry-1.docker.io held', async () => {
    let login: Credential | undefined;
    const session = vendorSession([hub.server], async () => login);
    sessions.push(session);
    const client = session.registry('docker.io');
    const privateApp = client.repository('moby/app');
    assert.ok(await failure(privateApp.getManifest('1.0')), 'a private repository needs the login');

    login = { username: 'moby', password: PAT, source: 'the new login' };
    session.forget('docker.io');
    assert.equal((await client.credential())?.source, 'the new login');
    assert.ok((await privateApp.getManifest('1.0')).descriptor.digest.startsWith('sha256:'), 'the new login was sent');

    // A pause the registry asked for may be lifted by a login: it is forgotten with the rest.
    hub.server.override({
      host: 'registry-1.docker.io',
      path: /^\/v2\/moby\/web\/manifests\//,
      answer: {
        status: 429,
        headers: { 'retry-after': '600' },
        json: { errors: [{ code: 'TOOMANYREQUESTS', message: 'You have reached your pull rate limit.' }] },
      },
    });
    const web = client.repository('moby/web');
    assert.ok((await failure(web.resolve('latest'))) instanceof RetryLaterError);
    login = undefined;
    session.forget('docker.io');
    assert.equal(await client.credential(), undefined, 'the removed login is gone');
    assert.ok((await web.resolve('latest')).digest.startsWith('sha256:'), 'the pause was forgotten');
    assert.ok(await failure(privateApp.getManifest('1.0')), 'the removed login is no longer sent');
  });

  it('lists the public repositories of namespaces named in settings without a login, and asks for one otherwise', async () => {
    const anonymous = provider(undefined, ['strangers']);
    assert.deepEqual(repositoryNames(await pagesOf(anonymous.client.listRepositories())), ['strangers/public-thing']);
    assert.equal(hub.server.count('hub.docker.com', /^\/v2\/auth\/token$/, 'POST'), 0);
    const err = await failure(pagesOf(provider().client.listRepositories()));
    assert.equal(err.code, 'NEEDS_LOGIN');
    assert.equal(err.message, 'Docker Hub lists repositories only to a signed-in user: sign in to docker.io.');
  });
});
