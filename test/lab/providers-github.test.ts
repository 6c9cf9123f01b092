// GHCR's provider against GitHub's contract server (test/support/lab/vendors/github.ts): the user's
// and organizations' container packages through the REST API under api.github.com, page by page,
// the same GitHub token as the password of ghcr.io's token flow, and the errors GitHub documents
// (a missing scope, a revoked token, a spent rate limit) named for the user.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { RateLimitError } from '../../src/core/errors';
import { createProviderClient } from '../../src/core/providers/providers';
import type { RegistrySession } from '../../src/core/registry/session';
import { OciLayout, pushToRegistry } from '../support/lab/content';
import { Lab, type LabRegistry } from '../support/lab/registry';
import { GitHubContract, type GitHubWorld } from '../support/lab/vendors/github';
import { pagesOf, vendorSession, type VendorLogin } from '../support/lab/vendors/vendor-session';
import { failure } from '../support/lab/lab-helpers';
import { repositoryNames } from '../support/lab/vendors/vendor-session';

const READ = 'ghp_read_packages_token';
const NO_SCOPE = 'ghp_repo_only_token';
const REVOKED = 'ghp_revoked_token';
const WITH_ORG = 'ghp_read_org_token';
const WRITE = 'ghp_write_packages_token';

function world(): GitHubWorld {
  return {
    users: [
      {
        login: 'octocat',
        tokens: {
          [READ]: { scopes: ['read:packages'] },
          [NO_SCOPE]: { scopes: ['repo'] },
          [REVOKED]: { scopes: ['read:packages'], revoked: true },
          [WITH_ORG]: { scopes: ['read:packages', 'read:org'] },
          [WRITE]: { scopes: ['read:packages', 'write:packages'] },
        },
        orgs: ['acme', 'hidden-org'],
        publicOrgs: ['acme'],
      },
    ],
    orgs: ['acme', 'hidden-org', 'strangers'],
    packages: [
      { owner: 'octocat', name: 'app', visibility: 'private', updatedAt: '2026-11-20T10:00:00Z', description: 'The app' },
      { owner: 'octocat', name: 'tools/lint', visibility: 'public', updatedAt: '2026-10-01T10:00:00Z' },
      { owner: 'octocat', name: 'web', visibility: 'public', updatedAt: '2026-09-01T10:00:00Z' },
      { owner: 'acme', name: 'api', visibility: 'internal', updatedAt: '2026-11-21T10:00:00Z' },
      { owner: 'hidden-org', name: 'secret', visibility: 'private', updatedAt: '2026-11-22T10:00:00Z' },
      { owner: 'strangers', name: 'theirs', visibility: 'private', updatedAt: '2026-11-22T10:00:00Z' },
    ],
  };
}

describe('GHCR provider against GitHub’s contract server', function () {
  let lab: Lab;
  let registry: LabRegistry;
  let github: GitHubContract;
  const sessions: RegistrySession[] = [];

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    registry = await lab.startRegistry({ name: 'ghcr', auth: 'token' });
    const layout = await OciLayout.create(join(lab.dir, 'content', 'ghcr'));
    const image = await layout.image({ seed: 'ghcr-app', layers: [2048] });
    await pushToRegistry(layout, image, registry, 'octocat/app:1.0');
    github = await GitHubContract.start(lab, world(), registry);
  });

  afterEach(async () => {
    github.server.clear();
    github.remaining.clear();
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  after(async function () {
    this.timeout(30_000);
    await github?.server.stop();
    await lab?.stopAll();
  });

  function provider(token?: string, namespaces: string[] = []) {
    const logins: Record<string, VendorLogin> = token ? { 'ghcr.io': { username: 'octocat', password: token } } : {};
    const session = vendorSession([github.server], logins);
    sessions.push(session);
    return { session, client: createProviderClient(session.registry('ghcr.io'), session.apiChannel(), { namespaces }) };
  }

  it('lists the user’s container packages, then each organization’s, a page per API page, following Link', async () => {
    const { client } = provider(READ);
    const pages = await pagesOf(client.listRepositories({ pageSize: 2 }));
    // octocat's three packages in two pages of two, then acme's (a public membership: /user/orgs needs read:org).
    assert.deepEqual(
      pages.map((p) => p.map((r) => r.name)),
      [['octocat/app', 'octocat/tools/lint'], ['octocat/web'], ['acme/api']],
    );
    assert.equal(github.server.count('api.github.com', /^\/user\/packages\?package_type=container&per_page=2$/), 1);
    assert.equal(
      github.server.count('api.github.com', /^\/user\/packages\?package_type=container&per_page=2&page=2$/),
      1,
      'the Link header was followed',
    );
    assert.equal(github.server.count('api.github.com', /^\/user\/orgs/), 1, 'asked for the organizations first');
    assert.equal(github.server.count('api.github.com', /^\/users\/octocat\/orgs/), 1, 'then the public memberships');
    const app = pages[0]![0]!;
    assert.equal(app.visibility, 'private');
    assert.equal(app.description, 'The app');
    assert.equal(app.lastPush, Date.parse('2026-11-20T10:00:00Z'));
    assert.equal(app.versionCount, 1, 'version_count: the package’s versions (every manifest), not its tags');
    assert.equal(app.tagCount, undefined);
    assert.equal(app.webUrl, 'https://github.com/users/octocat/packages/container/package/app');
    assert.equal(client.webPage({ repository: 'octocat/app' }), 'https://github.com/users/octocat/packages/container/package/app');
  });

  it('lists every organization the token may list with read:org, and organizations named in settings', async () => {
    assert.deepEqual(repositoryNames(await pagesOf(provider(WITH_ORG).client.listRepositories())), [
      'octocat/app',
      'octocat/tools/lint',
      'octocat/web',
      'acme/api',
      'hidden-org/secret',
    ]);
    const named = provider(READ, ['hidden-org', 'strangers']);
    assert.deepEqual(repositoryNames(await pagesOf(named.client.listRepositories())), [
      'octocat/app',
      'octocat/tools/lint',
      'octocat/web',
      'acme/api',
      'hidden-org/secret',
    ]);
    assert.deepEqual(named.client.skipped, [], "strangers' private packages are simply not visible: an empty list, not an error");
  });

  it('signs in to ghcr.io with the same GitHub token as the password, and pulls a private package', async () => {
    const { session, client } = provider(READ);
    assert.equal(await client.account(), 'octocat');
    const manifest = await session.registry('ghcr.io').repository('octocat/app').getManifest('1.0');
    assert.ok(manifest.descriptor.digest.startsWith('sha256:'));
    assert.ok(github.server.count('ghcr.io', /^\/token\?/) >= 1, 'the token came from https://ghcr.io/token');
    // Anonymous: ghcr.io's token endpoint grants no pull of a private package.
    const anonymous = provider();
    const err = await failure(anonymous.session.registry('ghcr.io').repository('octocat/app').getManifest('1.0'));
    assert.equal(err.code, 'NEEDS_LOGIN', err.message);
  });

  it('pushes only with write:packages, as ghcr.io documents', async () => {
    const readOnly = provider(READ).session.registry('ghcr.io').repository('octocat/app');
    const denied = await failure(readOnly.tag('1.0', 'read-only-tag'));
    assert.equal(denied.code, 'DENIED', denied.message);
    const writer = provider(WRITE).session.registry('ghcr.io').repository('octocat/app');
    const tagged = await writer.tag('1.0', 'written');
    assert.ok(tagged.digest.startsWith('sha256:'));
  });

  it('a token granted more scopes for the same account is used, even when a request with the old one finishes after the grant', async () => {
    // What VS Code's GitHub sign-in does when a push asks for write:packages: the same account, a new
    // token. A listing started with the read-only token may still be fetching its login when the
    // extension forgets the host's logins; the push right after must not reuse what it leaves.
    let current = READ;
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    let asked = 0;
    const session = vendorSession([github.server], async () => {
      asked += 1;
      const password = current;
      if (asked === 1) await held;
      return { username: 'octocat', password, source: 'the GitHub account octocat' };
    });
    sessions.push(session);
    const reading = session.registry('ghcr.io').repository('octocat/app').getManifest('1.0');
    for (let i = 0; i < 100 && asked === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(asked, 1, 'the read started and is fetching its login');
    current = WRITE;
    session.forget('ghcr.io');
    release();
    await reading;
    const tagged = await session.registry('ghcr.io').repository('octocat/app').tag('1.0', 'after-grant');
    assert.ok(tagged.digest.startsWith('sha256:'));
  });

  it('says which scope a token lacks, with the remedy to sign in granting it', async () => {
    const err = await failure(pagesOf(provider(NO_SCOPE).client.listRepositories()));
    assert.equal(err.code, 'SCOPE_MISSING', err.message);
    assert.match(
      err.message,
      /^GitHub refused the container packages: the token from the test login lacks the read:packages scope; sign in to ghcr\.io again granting read:packages\.$/,
    );
    assert.deepEqual(err.remedy, { kind: 'grant-scopes', host: 'ghcr.io', scopes: ['read:packages'] });
  });

  it('says a revoked or expired token was rejected, and asks for a sign-in', async () => {
    const err = await failure(pagesOf(provider(REVOKED).client.listRepositories()));
    assert.equal(err.code, 'TOKEN_REJECTED', err.message);
    assert.match(
      err.message,
      /GitHub rejected the token from the test login for the signed-in user \(it said: Bad credentials\): it may have expired or been revoked; sign in to ghcr\.io again\./,
    );
    assert.deepEqual(err.remedy, { kind: 'log-in', host: 'ghcr.io' });
    assert.ok(!err.message.includes(REVOKED), 'the token is never quoted');
  });

  it('says when GitHub’s rate limit resets once it is spent, mid-listing', async () => {
    const { client } = provider(READ);
    // Three requests left: /user, the first page, the second page; the organizations are refused.
    github.remaining.set(READ, 3);
    const seen: string[] = [];
    const err = await failure(
      (async () => {
        for await (const page of client.listRepositories({ pageSize: 2 })) seen.push(...page.map((r) => r.name));
      })(),
    );
    assert.ok(err instanceof RateLimitError, err.message);
    assert.equal(err.code, 'RATE_LIMITED');
    assert.equal(err.resetAt?.getTime(), github.resetAt * 1000);
    assert.match(
      err.message,
      new RegExp(
        `^GitHub refuses more requests from this account until ${escape(new Date(github.resetAt * 1000).toLocaleTimeString())} \\(its rate limit for the organizations of octocat is spent\\): API rate limit exceeded for user ID 1\\.; try again then\\.$`,
      ),
    );
    assert.deepEqual(seen, ['octocat/app', 'octocat/tools/lint', 'octocat/web'], 'the pages before the limit were listed');
  });

  it('asks for a sign-in before listing anything when there is no login', async () => {
    const err = await failure(pagesOf(provider().client.listRepositories()));
    assert.equal(err.code, 'NEEDS_LOGIN', err.message);
    assert.equal(err.message, 'GitHub lists repositories only to a signed-in user: sign in to ghcr.io.');
    assert.equal(github.server.count('api.github.com', /./), 0, 'nothing was asked without a token');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
