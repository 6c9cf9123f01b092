// GitLab's provider against GitLab's contract server (test/support/lab/vendors/gitlab.ts): the
// container repositories of the projects the user is a member of, through the REST API v4 under
// gitlab.com, page by page; groups named in settings; the same username and personal access token
// for registry.gitlab.com's token endpoint; and GitLab's errors named for the user.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { RateLimitError } from '../../src/core/errors';
import { createProviderClient } from '../../src/core/providers/providers';
import type { RegistrySession } from '../../src/core/registry/session';
import { OciLayout, pushToRegistry } from '../support/lab/content';
import { Lab, type LabRegistry } from '../support/lab/registry';
import { GitLabContract, type GitLabWorld } from '../support/lab/vendors/gitlab';
import { pagesOf, vendorSession } from '../support/lab/vendors/vendor-session';
import { failure } from '../support/lab/lab-helpers';

const FULL = 'glpat-full-token';
const REGISTRY_ONLY = 'glpat-registry-only';
const REVOKED = 'glpat-revoked';

function world(): GitLabWorld {
  const repo = (id: number, name: string, tags = 1) => ({ id, name, createdAt: '2026-11-01T10:00:00Z', tags });
  return {
    users: [
      {
        username: 'gitty',
        tokens: {
          [FULL]: { scopes: ['read_api', 'read_registry'] },
          [REGISTRY_ONLY]: { scopes: ['read_registry'] },
          [REVOKED]: { scopes: ['read_api', 'read_registry'], revoked: true },
        },
      },
    ],
    groups: [{ id: 7, path: 'team', members: ['gitty'] }],
    projects: [
      {
        id: 1,
        path: 'team/app',
        visibility: 'private',
        members: ['gitty'],
        registry: 'enabled',
        repositories: [repo(11, '', 3), repo(12, 'worker')],
      },
      { id: 2, path: 'team/docs', visibility: 'private', members: ['gitty'], registry: 'disabled', repositories: [] },
      { id: 3, path: 'gitty/tool', visibility: 'public', members: ['gitty'], registry: 'private', repositories: [repo(31, '')] },
      { id: 4, path: 'others/secret', visibility: 'private', members: ['someone'], registry: 'enabled', repositories: [repo(41, '')] },
    ],
  };
}

describe('GitLab provider against GitLab’s contract server', function () {
  let lab: Lab;
  let registry: LabRegistry;
  let gitlab: GitLabContract;
  const sessions: RegistrySession[] = [];

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    registry = await lab.startRegistry({ name: 'gitlab', auth: 'token' });
    const layout = await OciLayout.create(join(lab.dir, 'content', 'gitlab'));
    const image = await layout.image({ seed: 'gitlab-app', layers: [2048] });
    await pushToRegistry(layout, image, registry, 'team/app:1.0');
    gitlab = await GitLabContract.start(lab, world(), registry);
  });

  afterEach(async () => {
    gitlab.server.clear();
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  after(async function () {
    this.timeout(30_000);
    await gitlab?.server.stop();
    await lab?.stopAll();
  });

  function provider(token?: string, namespaces: string[] = []) {
    const session = vendorSession([gitlab.server], token ? { 'registry.gitlab.com': { username: 'gitty', password: token } } : {});
    sessions.push(session);
    return { session, client: createProviderClient(session.registry('registry.gitlab.com'), session.apiChannel(), { namespaces }) };
  }

  it('lists the container repositories of the user’s projects, a page per page of projects, skipping disabled registries', async () => {
    const { client } = provider(FULL);
    const pages = await pagesOf(client.listRepositories({ pageSize: 2 }));
    assert.deepEqual(
      pages.map((p) => p.map((r) => r.name)),
      [['team/app', 'team/app/worker'], ['gitty/tool']],
    );
    assert.equal(
      gitlab.server.count('gitlab.com', /^\/api\/v4\/projects\?membership=true&archived=false&per_page=2&order_by=id&sort=asc&page=2$/),
      1,
      'Link followed',
    );
    assert.equal(gitlab.server.count('gitlab.com', /^\/api\/v4\/projects\/2\/registry/), 0, 'a disabled registry is not asked');
    const app = pages[0]![0]!;
    assert.equal(app.tagCount, 3);
    assert.equal(app.visibility, 'private');
    assert.equal(app.webUrl, 'https://gitlab.com/team/app/container_registry/11');
    assert.equal(pages[1]![0]!.visibility, 'private', 'a public project whose registry is private (members only)');
    assert.equal(await client.account(), 'gitty');
    assert.ok(
      gitlab.server.seen.every((r) => r.host !== 'gitlab.com' || !r.path.startsWith('/api/') || r.signedIn),
      'every API request carried the token',
    );
  });

  it('lists the repositories of groups named in settings, and notes a group it cannot see', async () => {
    const { client } = provider(FULL, ['team', 'nobody']);
    const names = (await pagesOf(client.listRepositories())).flat().map((r) => r.name);
    assert.deepEqual(
      names,
      ['team/app', 'team/app/worker', 'gitty/tool'],
      'a repository reached through its group and its project is listed once',
    );
    assert.deepEqual(client.skipped, ['nobody']);
  });

  it('signs in to registry.gitlab.com with the same username and token, through gitlab.com/jwt/auth', async () => {
    const { session } = provider(FULL);
    const manifest = await session.registry('registry.gitlab.com').repository('team/app').getManifest('1.0');
    assert.ok(manifest.descriptor.digest.startsWith('sha256:'));
    assert.ok(gitlab.server.count('gitlab.com', /^\/jwt\/auth\?/) >= 1);
  });

  it('names read_api when the token lacks it', async () => {
    const err = await failure(pagesOf(provider(REGISTRY_ONLY).client.listRepositories()));
    assert.equal(err.code, 'SCOPE_MISSING', err.message);
    assert.deepEqual(err.remedy, { kind: 'grant-scopes', host: 'registry.gitlab.com', scopes: ['read_api'] });
  });

  it('says a revoked token was rejected, in GitLab’s words', async () => {
    const err = await failure(pagesOf(provider(REVOKED).client.listRepositories()));
    assert.equal(err.code, 'TOKEN_REJECTED', err.message);
    assert.match(
      err.message,
      /GitLab rejected the token from the test login for the projects you are a member of \(it said: Token was revoked\. You have to re-authorize from the user\.\)/,
    );
  });

  it('says when GitLab’s rate limit resets', async () => {
    const reset = Math.floor(Date.now() / 1000) + 120;
    gitlab.server.override({
      host: 'gitlab.com',
      path: /^\/api\/v4\/projects\?/,
      answer: { status: 429, headers: { 'ratelimit-reset': String(reset), 'ratelimit-remaining': '0' }, text: 'Retry later' },
    });
    const err = await failure(pagesOf(provider(FULL).client.listRepositories()));
    assert.ok(err instanceof RateLimitError, err.message);
    assert.equal(err.resetAt?.getTime(), reset * 1000);
  });

  it('asks for a sign-in when there is no login and no group to list', async () => {
    const err = await failure(pagesOf(provider().client.listRepositories()));
    assert.equal(err.code, 'NEEDS_LOGIN');
  });
});
