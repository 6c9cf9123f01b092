// The vendors' contract servers with content, for the runs in a real VS Code (the integration
// suite and the e2e path): GitHub's and Docker Hub's, each with a token-auth lab registry behind it;
// GitLab's, Quay's, Harbor's and ACR's sharing one; all seeded with small images, fresh random
// tokens per run, and what the extension's settings need to reach them under ghcr.io,
// api.github.com, docker.io, auth.docker.io, hub.docker.com, registry.gitlab.com, gitlab.com,
// quay.io, harbor.test (and harbor.corp.test, the same Harbor met without a provider setting) and
// labacr.azurecr.io. With `deletes` (the integration suite's), also a second GitHub user whose
// token may delete, with a package for the tree's Delete (vendor-deletes.ts; octocat's listings
// do not show it), and GitHub's requests recorded to a file.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { OciLayout, pushToRegistry } from '../content';
import type { Lab } from '../registry';
import { CloudContracts } from './clouds';
import { DockerHubContract } from './docker-hub';
import { GitHubContract } from './github';
import { GitLabContract } from './gitlab';
import { HarborContract } from './harbor';
import { QuayContract } from './quay';
import { seedDeleteRepository, type DeleteRepository } from './vendor-deletes';

/** What the runs pass to the extension host and the e2e path (JSON). */
export interface ProviderLabDescription {
  resolveRules: string[];
  hostsDirectories: string[];
  github: {
    login: string;
    token: string;
    writeToken: string;
    noScopeToken: string;
    packages: string[];
    tag: string;
  };
  hub: { username: string; pat: string; repositories: string[]; tag: string };
  gitlab: { username: string; pat: string; repositories: string[]; tag: string };
  quay: { token: string; repositories: string[]; tag: string };
  harbor: { host: string; recognisedHost: string; username: string; password: string; repositories: string[]; tag: string };
  acr: { host: string; command: string; account: string; entraToken: string; repositories: string[] };
}

export interface ProviderLab {
  description: ProviderLabDescription;
  github: GitHubContract;
  hub: DockerHubContract;
  gitlab: GitLabContract;
  quay: QuayContract;
  harbor: HarborContract;
  clouds: CloudContracts;
  /** Another user's package, for Delete through GitHub's package versions, with a token that may delete (with `deletes`). */
  ghcrDeletes?: DeleteRepository & { login: string; token: string };
  stop(): Promise<void>;
}

export async function startProviderLab(lab: Lab, options: { deletes?: boolean } = {}): Promise<ProviderLab> {
  const [ghcrRegistry, hubRegistry, moreRegistry] = await Promise.all([
    lab.startRegistry({ name: 'vendor-ghcr', auth: 'token' }),
    lab.startRegistry({ name: 'vendor-docker-hub', auth: 'token' }),
    lab.startRegistry({ name: 'vendor-more', auth: 'token' }),
  ]);
  const layout = await OciLayout.create(join(lab.dir, 'content', 'vendors'));
  const image = await layout.image({ seed: 'vendor-image', layers: [4096, 2048] });
  for (const ref of ['octocat/app:1.0', 'octocat/tools/lint:1.0', 'acme/api:2.1']) await pushToRegistry(layout, image, ghcrRegistry, ref);
  for (const ref of ['moby/app:1.0', 'moby/web:latest', 'acme/site:3']) await pushToRegistry(layout, image, hubRegistry, ref);
  for (const ref of ['team/app:1.0', 'team/app/worker:1.0', 'quayuser/app:1.0', 'library/nginx:1.0', 'team/api:1.0'])
    await pushToRegistry(layout, image, moreRegistry, ref);

  const deleter = { login: 'monalisa', token: `ghp_${randomBytes(18).toString('hex')}` };
  const deletes = options.deletes
    ? { ...deleter, ...(await seedDeleteRepository(layout, ghcrRegistry, 'monalisa/tidy', join(lab.dir, 'github-requests.jsonl'))) }
    : undefined;
  const token = `ghp_${randomBytes(18).toString('hex')}`;
  const noScopeToken = `ghp_${randomBytes(18).toString('hex')}`;
  const writeToken = `ghp_${randomBytes(18).toString('hex')}`;
  const pat = `dckr_pat_${randomBytes(18).toString('hex')}`;
  const gitlabPat = `glpat-${randomBytes(18).toString('hex')}`;
  const quayToken = randomBytes(24).toString('hex');
  const harborPassword = `Harbor-${randomBytes(12).toString('hex')}`;
  const day = 86_400_000;
  const github = await GitHubContract.start(
    lab,
    {
      users: [
        {
          login: 'octocat',
          tokens: {
            [token]: { scopes: ['read:packages'] },
            [writeToken]: { scopes: ['read:packages', 'write:packages'] },
            [noScopeToken]: { scopes: ['repo'] },
          },
          orgs: ['acme'],
          publicOrgs: ['acme'],
        },
        ...(deletes
          ? [
              {
                login: deleter.login,
                tokens: { [deleter.token]: { scopes: ['read:packages', 'write:packages', 'delete:packages'] } },
                orgs: [],
              },
            ]
          : []),
      ],
      orgs: ['acme'],
      packages: [
        ...(deletes ? [{ owner: deleter.login, name: 'tidy', visibility: 'private' as const, updatedAt: new Date().toISOString() }] : []),
        {
          owner: 'octocat',
          name: 'app',
          visibility: 'private',
          updatedAt: new Date(Date.now() - 2 * day).toISOString(),
          description: 'The app',
        },
        { owner: 'octocat', name: 'tools/lint', visibility: 'public', updatedAt: new Date(Date.now() - 40 * day).toISOString() },
        { owner: 'acme', name: 'api', visibility: 'internal', updatedAt: new Date(Date.now() - 10 * day).toISOString() },
      ],
    },
    ghcrRegistry,
  );
  if (deletes) github.server.recordTo(deletes.requestsFile);
  const hub = await DockerHubContract.start(
    lab,
    {
      users: [{ username: 'moby', tokens: { [pat]: { scopes: ['repo:read'] } }, orgs: ['acme'] }],
      orgs: ['acme'],
      repositories: [
        {
          namespace: 'moby',
          name: 'app',
          private: true,
          description: 'The app, on Docker Hub',
          lastUpdated: new Date(Date.now() - day).toISOString(),
          pullCount: 1234,
        },
        { namespace: 'moby', name: 'web', private: false, lastUpdated: new Date(Date.now() - 9 * day).toISOString(), pullCount: 56 },
        { namespace: 'acme', name: 'site', private: false, lastUpdated: new Date(Date.now() - 3 * day).toISOString(), pullCount: 7 },
      ],
    },
    hubRegistry,
  );
  const gitlab = await GitLabContract.start(
    lab,
    {
      users: [{ username: 'gitty', tokens: { [gitlabPat]: { scopes: ['read_api', 'read_registry'] } } }],
      groups: [{ id: 7, path: 'team', members: ['gitty'] }],
      projects: [
        {
          id: 1,
          path: 'team/app',
          visibility: 'private',
          members: ['gitty'],
          registry: 'enabled',
          repositories: [
            { id: 11, name: '', createdAt: new Date(Date.now() - 5 * day).toISOString(), tags: 1 },
            { id: 12, name: 'worker', createdAt: new Date(Date.now() - 6 * day).toISOString(), tags: 1 },
          ],
        },
      ],
    },
    moreRegistry,
  );
  const quay = await QuayContract.start(
    lab,
    {
      users: [{ username: 'quayuser', tokens: { [quayToken]: { scopes: ['repo:read', 'user:read'] } }, organizations: [] }],
      repositories: [
        {
          namespace: 'quayuser',
          name: 'app',
          public: false,
          description: 'The app, on Quay',
          lastModified: Math.floor((Date.now() - 4 * day) / 1000),
        },
      ],
    },
    moreRegistry,
  );
  const harbor = await HarborContract.start(
    lab,
    {
      users: [{ username: 'dev', password: harborPassword }],
      projects: [
        {
          id: 1,
          name: 'library',
          public: true,
          members: [],
          repositories: [{ name: 'nginx', artifacts: 1, pulls: 12, updated: new Date(Date.now() - 8 * day).toISOString() }],
        },
        {
          id: 2,
          name: 'team',
          public: false,
          members: ['dev'],
          repositories: [
            { name: 'api', description: 'The team API', artifacts: 1, pulls: 3, updated: new Date(Date.now() - day).toISOString() },
          ],
        },
      ],
    },
    moreRegistry,
    'harbor.test',
    // A second name for the same Harbor, added without a provider setting: recognised from its answers.
    ['harbor.corp.test'],
  );
  // ACR with no login at first (the tree names `az acr login`); then the Microsoft sign-in's token, exchanged.
  const entraClaims = { aud: 'https://management.core.windows.net/', tid: '00000000-0000-0000-0000-00000000c0de', upn: 'ada@example.com' };
  const entraToken = [{ alg: 'RS256', typ: 'JWT' }, entraClaims]
    .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
    .concat(randomBytes(24).toString('base64url'))
    .join('.');
  const clouds = await CloudContracts.start(lab, moreRegistry, {
    acrRefreshTokens: [],
    acrEntraTokens: [entraToken],
    ecrPasswords: [],
    garAccessTokens: [],
  });
  const servers = [github.server, hub.server, gitlab.server, quay.server, harbor.server, clouds.server];
  return {
    description: {
      resolveRules: servers.flatMap((s) => s.resolveRules()),
      hostsDirectories: servers.map((s) => s.hostsDirectory),
      github: {
        login: 'octocat',
        token,
        writeToken,
        noScopeToken,
        packages: ['octocat/app', 'octocat/tools/lint', 'acme/api'],
        tag: '1.0',
      },
      hub: { username: 'moby', pat, repositories: ['moby/app', 'moby/web', 'acme/site'], tag: '1.0' },
      gitlab: { username: 'gitty', pat: gitlabPat, repositories: ['team/app', 'team/app/worker'], tag: '1.0' },
      quay: { token: quayToken, repositories: ['quayuser/app'], tag: '1.0' },
      harbor: {
        host: harbor.host,
        recognisedHost: 'harbor.corp.test',
        username: 'dev',
        password: harborPassword,
        repositories: ['library/nginx', 'team/api'],
        tag: '1.0',
      },
      acr: {
        host: clouds.acrHost,
        command: 'az acr login --name labacr',
        account: 'ada@example.com',
        entraToken,
        repositories: ['library/nginx', 'quayuser/app', 'team/api', 'team/app', 'team/app/worker'],
      },
    },
    github,
    hub,
    gitlab,
    quay,
    harbor,
    clouds,
    ...(deletes ? { ghcrDeletes: deletes } : {}),
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}
