// GitHub's and Docker Hub's contract servers with content, for the runs in a real VS Code (the
// integration suite and the e2e path): a token-auth lab registry behind each, seeded with small
// images, fresh random tokens per run, and what the extension's settings need to reach them
// under ghcr.io, api.github.com, docker.io, auth.docker.io and hub.docker.com.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { OciLayout, pushToRegistry } from '../content';
import type { Lab } from '../registry';
import { DockerHubContract } from './docker-hub';
import { GitHubContract } from './github';

/** What the runs pass to the extension host and the e2e path (JSON). */
export interface ProviderLabDescription {
  resolveRules: string[];
  hostsDirectories: string[];
  github: { login: string; token: string; writeToken: string; noScopeToken: string; packages: string[]; tag: string };
  hub: { username: string; pat: string; repositories: string[]; tag: string };
}

export interface ProviderLab {
  description: ProviderLabDescription;
  github: GitHubContract;
  hub: DockerHubContract;
  stop(): Promise<void>;
}

export async function startProviderLab(lab: Lab): Promise<ProviderLab> {
  const [ghcrRegistry, hubRegistry] = await Promise.all([
    lab.startRegistry({ name: 'vendor-ghcr', auth: 'token' }),
    lab.startRegistry({ name: 'vendor-docker-hub', auth: 'token' }),
  ]);
  const layout = await OciLayout.create(join(lab.dir, 'content', 'vendors'));
  const image = await layout.image({ seed: 'vendor-image', layers: [4096, 2048] });
  for (const ref of ['octocat/app:1.0', 'octocat/tools/lint:1.0', 'acme/api:2.1']) await pushToRegistry(layout, image, ghcrRegistry, ref);
  for (const ref of ['moby/app:1.0', 'moby/web:latest', 'acme/site:3']) await pushToRegistry(layout, image, hubRegistry, ref);

  const token = `ghp_${randomBytes(18).toString('hex')}`;
  const noScopeToken = `ghp_${randomBytes(18).toString('hex')}`;
  const writeToken = `ghp_${randomBytes(18).toString('hex')}`;
  const pat = `dckr_pat_${randomBytes(18).toString('hex')}`;
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
      ],
      orgs: ['acme'],
      packages: [
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
  const servers = [github.server, hub.server];
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
    },
    github,
    hub,
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}
