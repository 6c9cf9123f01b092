// Amazon ECR and Google Artifact Registry for the run in a real VS Code (the e2e path's ECR and
// Artifact Registry steps): a lab registry with a few images behind the cloud contracts (clouds.ts)
// under an ECR host and `us-docker.pkg.dev`, ECR's API (aws-ecr.ts) and Google's APIs
// (google-apis.ts) under their real names; and the user's machine as those tools leave it: an AWS
// shared credentials file with a profile, and stand-ins for the docker-credential-ecr-login and
// docker-credential-gcloud helpers on the PATH, which hand out the logins the lab's registries take
// (the real helpers would get them from AWS and Google), named in Docker's config.json.
// With `untagged`, also repositories for a clean-up of untagged manifests on ACR and ECR (the
// integration suite's): a kept image with a signature pushed by digest, and a manifest pushed by
// digest that no tag points at, with the logins and the registry's own address to check it after.
// With `deletes`, also an ECR repository for the tree's Delete (vendor-deletes.ts), and the
// requests to ECR's registry and API recorded to a file.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OciLayout, pushToRegistry } from '../content';
import type { Lab, LabRegistry } from '../registry';
import { EcrApiContract } from './aws-ecr';
import { CloudContracts } from './clouds';
import { GoogleApisContract } from './google-apis';
import { seedDeleteRepository, type DeleteRepository } from './vendor-deletes';

/** What the e2e path and the VS Code server need (JSON-friendly but for `stop`). */
export interface CloudApiLabDescription {
  resolveRules: string[];
  hostsDirectories: string[];
  /** Environment for the VS Code server: PATH with the helper stand-ins first (and a login shell's profile that keeps them), the AWS files and profile. */
  env: Record<string, string>;
  /** Docker's credHelpers entries the user's tools would have written. */
  credHelpers: Record<string, string>;
  ecr: { host: string; apiHost: string; profile: string; repositories: string[]; tag: string };
  gar: { host: string; project: string; repositories: string[]; tag: string };
  untagged?: UntaggedCleanupDescription;
  /** An ECR repository for Delete through BatchDeleteImage, with the login `aws ecr get-login-password` gives. */
  deletes?: DeleteRepository & { host: string; password: string };
}

/** One repository seeded for a clean-up of untagged manifests: what is kept, and what may go. */
export interface UntaggedRepository {
  repository: string;
  /** The tag that stays and its digest. */
  keep: { tag: string; digest: string };
  /** A signature of the kept image, pushed by digest (untagged, protected as its referrer). */
  signature: string;
  /** A manifest pushed by digest that nothing needs. */
  loose: string;
}

export interface UntaggedCleanupDescription {
  /** The lab registry behind the cloud hosts, with its token endpoint and full-access user, to check what it holds. */
  registry: { url: string; realm: string; service: string; username: string; password: string };
  acr: UntaggedRepository & { host: string; refreshToken: string };
  ecr: UntaggedRepository & { host: string; password: string };
}

export interface CloudApiLab {
  description: CloudApiLabDescription;
  /** The lab registry behind the cloud hosts (a path pushes what it needs there as it goes). */
  registry: LabRegistry;
  stop(): Promise<void>;
}

const ACCOUNT = '210987654321';
const REGION = 'us-east-2';

export async function startCloudApiLab(
  lab: Lab,
  dir: string,
  options: { untagged?: boolean; deletes?: boolean } = {},
): Promise<CloudApiLab> {
  const registry = await lab.startRegistry({ name: 'vendor-clouds-api', auth: 'token' });
  const layout = await OciLayout.create(join(lab.dir, 'content', 'clouds-api'));
  const image = await layout.image({ seed: 'clouds-api', layers: [4096, 1024] });
  const ecrRepositories = ['payments/api', 'payments/worker', 'web/site'];
  const garRepositories = ['lab-project/images/app', 'lab-project/images/tools/lint'];
  for (const name of [...ecrRepositories, ...garRepositories]) await pushToRegistry(layout, image, registry, `${name}:1.0`);

  const ecrPassword = `ecr-${randomBytes(16).toString('hex')}`;
  const garToken = `ya29.${randomBytes(24).toString('base64url')}`;
  const key = { id: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`, secret: randomBytes(30).toString('base64') };
  const acrRefreshToken = `acr-refresh-${randomBytes(16).toString('hex')}`;
  const hosts = { acr: 'labacr-api.azurecr.io', ecr: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`, gar: 'us-docker.pkg.dev' };
  const clouds = await CloudContracts.start(
    lab,
    registry,
    { acrRefreshTokens: options.untagged ? [acrRefreshToken] : [], ecrPasswords: [ecrPassword], garAccessTokens: [garToken] },
    hosts,
  );
  /** A kept image with a signature, and a loose manifest, each pushed by digest but the kept tag. */
  const seedUntagged = async (repository: string): Promise<UntaggedRepository> => {
    const kept = await layout.image({ seed: `${repository}-kept`, layers: [1024] });
    const loose = await layout.image({ seed: `${repository}-loose`, layers: [1024] });
    const signature = await layout.referrer(kept.descriptor);
    await pushToRegistry(layout, kept, registry, `${repository}:keep`);
    for (const m of [loose, signature]) await pushToRegistry(layout, m, registry, `${repository}@${m.descriptor.digest}`);
    return {
      repository,
      keep: { tag: 'keep', digest: kept.descriptor.digest },
      signature: signature.descriptor.digest,
      loose: loose.descriptor.digest,
    };
  };
  const untagged: UntaggedCleanupDescription | undefined = options.untagged
    ? {
        registry: { url: registry.url, realm: registry.tokenServer!.realm, service: registry.tokenService!, ...lab.user },
        acr: { ...(await seedUntagged('cleanup/acr')), host: hosts.acr, refreshToken: acrRefreshToken },
        ecr: { ...(await seedUntagged('cleanup/ecr')), host: hosts.ecr, password: ecrPassword },
      }
    : undefined;
  const deletes = options.deletes
    ? {
        ...(await seedDeleteRepository(layout, registry, 'delete/ecr', join(dir, 'ecr-requests.jsonl'))),
        host: hosts.ecr,
        password: ecrPassword,
      }
    : undefined;
  const ecrApi = await EcrApiContract.start(lab, registry, {
    account: ACCOUNT,
    region: REGION,
    keys: { [key.id]: { secret: key.secret, mayList: true, user: 'dev' } },
    owns: (name) => !name.startsWith('lab-project/'),
  });
  const google = await GoogleApisContract.start(lab, {
    accessTokens: [garToken],
    projects: [{ id: 'lab-project' }],
    images: garRepositories.map((name, i) => {
      const [project, repository, ...rest] = name.split('/');
      return {
        project: project!,
        location: 'us',
        repository: repository!,
        image: rest.join('/'),
        digest: `sha256:${String(i).repeat(64)}`,
        tags: ['1.0'],
        host: hosts.gar,
      };
    }),
  });

  // The user's machine: the AWS CLI's credentials file with a named profile, and the helpers on PATH.
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const helper = (host: string, username: string, secret: string): string =>
    `#!/bin/sh\n# Stand-in for a cloud's Docker credential helper: the login the lab's ${host} takes.\n[ "$1" = get ] || exit 1\ncat >/dev/null\nprintf '{"ServerURL":"%s","Username":"${username}","Secret":"${secret}"}' "${host}"\n`;
  writeFileSync(join(bin, 'docker-credential-ecr-login'), helper(hosts.ecr, 'AWS', ecrPassword));
  writeFileSync(join(bin, 'docker-credential-gcloud'), helper(hosts.gar, '_dcgcloud_token', garToken));
  for (const name of ['docker-credential-ecr-login', 'docker-credential-gcloud']) chmodSync(join(bin, name), 0o755);
  // VS Code takes the extension host's PATH from a login shell (its shell environment resolution):
  // the tools are on PATH the way a user's shell profile puts them there (sh reads $ENV).
  const profile = join(dir, 'shell-profile');
  writeFileSync(profile, `export PATH="${bin}:$PATH"\n`);
  const credentialsFile = join(dir, 'aws-credentials');
  writeFileSync(credentialsFile, `[lab-dev]\naws_access_key_id = ${key.id}\naws_secret_access_key = ${key.secret}\n`);

  const servers = [clouds.server, ecrApi.server, google.server];
  if (deletes) for (const server of [clouds.server, ecrApi.server]) server.recordTo(deletes.requestsFile);
  return {
    registry,
    description: {
      resolveRules: servers.flatMap((s) => s.resolveRules()),
      hostsDirectories: servers.map((s) => s.hostsDirectory),
      env: {
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        SHELL: '/bin/sh',
        ENV: profile,
        AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
        AWS_PROFILE: 'lab-dev',
      },
      credHelpers: { [hosts.ecr]: 'ecr-login', [hosts.gar]: 'gcloud' },
      ecr: { host: hosts.ecr, apiHost: ecrApi.apiHost, profile: 'lab-dev', repositories: ecrRepositories, tag: '1.0' },
      gar: { host: hosts.gar, project: 'lab-project', repositories: garRepositories, tag: '1.0' },
      ...(untagged ? { untagged } : {}),
      ...(deletes ? { deletes } : {}),
    },
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}
