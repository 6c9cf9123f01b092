/**
 * Which provider serves a registry: by its host (docker.io, ghcr.io, registry.gitlab.com, quay.io,
 * *.azurecr.io, *.dkr.ecr.*.amazonaws.com, *-docker.pkg.dev, gcr.io), or by the `provider` a user
 * names on a registry entry for a self-hosted edition (GitLab, Harbor, Quay, GitHub Enterprise
 * Server), with the API's base URL the user gives or the one the edition serves by default.
 * Pure: no requests (a Harbor nobody named is recognised from its answers: harbor-detect.ts).
 */
import { CoreError, quoteInput } from '../errors';
import { isDockerHubHost } from '../name/docker-hub';
import type { ProviderId, ProviderInfo, SignIn } from './provider';
import { ACR_SIGN_IN_SCOPES } from './acr-exchange';
import { cloudConsolePage } from './cloud-pages';
import { ecrEndpoint } from './ecr';
import { ARTIFACT_REGISTRY_API } from './gar';
import { withoutTrailingSlashes } from '../text/slashes';

/** What a registry entry in settings may say about its provider. */
export interface ProviderSetting {
  /** `docker-hub`, `github`, `gitlab`, `quay`, `harbor`, `acr`, `ecr`, `gar`, or `distribution` (`_catalog` whatever the host). */
  provider?: string;
  /** The vendor API's base URL for a self-hosted edition (`https://gitlab.example.com/api/v4`). */
  apiUrl?: string;
  /** The registry's scheme as configured: a plain-HTTP Harbor or Quay serves its API over http too. */
  scheme?: 'http' | 'https';
}

export const PROVIDER_IDS: readonly ProviderId[] = [
  'distribution',
  'docker-hub',
  'github',
  'gitlab',
  'quay',
  'harbor',
  'acr',
  'ecr',
  'gar',
];

const NAMES: Record<ProviderId, string> = {
  distribution: 'Registry',
  'docker-hub': 'Docker Hub',
  github: 'GitHub Container Registry',
  gitlab: 'GitLab Container Registry',
  quay: 'Quay',
  harbor: 'Harbor',
  acr: 'Azure Container Registry',
  ecr: 'Amazon ECR',
  gar: 'Google Artifact Registry',
};

const ACR_HOST = /^([a-z0-9-]+)\.azurecr\.(io|cn|us)$/i;
const ECR_HOST = /^\d{12}\.dkr\.ecr(-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/i;
const GAR_HOST = /^([a-z0-9-]+)-docker\.pkg\.dev$/i;
const GCR_HOST = /^([a-z]+\.)?gcr\.io$/i;

/** The provider id a host implies, or undefined for a registry only a setting can name. */
export function providerIdForHost(host: string): ProviderId | undefined {
  const hostname = host.replace(/:\d+$/, '').toLowerCase();
  if (isDockerHubHost(hostname)) return 'docker-hub';
  if (hostname === 'ghcr.io') return 'github';
  if (hostname === 'registry.gitlab.com') return 'gitlab';
  if (hostname === 'quay.io') return 'quay';
  if (ACR_HOST.test(hostname)) return 'acr';
  if (ECR_HOST.test(hostname)) return 'ecr';
  if (GAR_HOST.test(hostname) || GCR_HOST.test(hostname)) return 'gar';
  return undefined;
}

/**
 * The provider for a registry. A `provider` in settings wins over the host (a self-hosted GitLab
 * has a host of its own); an unknown one is refused with the names that work.
 * @throws CoreError PARSE_ERROR for a provider name this client does not know, or an API URL that is not http(s)
 */
export function chooseProvider(host: string, setting: ProviderSetting = {}): ProviderInfo {
  const named = setting.provider?.trim().toLowerCase();
  if (named && !PROVIDER_IDS.includes(named as ProviderId)) {
    throw new CoreError(
      'PARSE_ERROR',
      `The provider ${quoteInput(setting.provider ?? '')} of ${host} is not one this extension knows: use one of ${PROVIDER_IDS.join(', ')}.`,
    );
  }
  const byHost = providerIdForHost(host);
  const id: ProviderId = (named as ProviderId | undefined) || byHost || 'distribution';
  const chosenBy = named ? 'setting' : byHost ? 'host' : 'default';
  const apiBase = setting.apiUrl?.trim() ? checkedApiUrl(setting.apiUrl.trim(), host) : defaultApiBase(id, host, setting.scheme ?? 'https');
  return {
    id,
    name: id === 'github' && host.toLowerCase() !== 'ghcr.io' ? 'GitHub Enterprise Container Registry' : NAMES[id],
    chosenBy,
    ...(apiBase ? { apiBase } : {}),
    signIn: signInFor(id, host, apiBase),
    reportsLastPush: id === 'docker-hub' || id === 'github' || id === 'quay' || id === 'harbor',
    webPages:
      id === 'docker-hub' ||
      id === 'github' ||
      id === 'gitlab' ||
      id === 'quay' ||
      id === 'harbor' ||
      cloudConsolePage(id, host) !== undefined,
  };
}

/**
 * The provider of a registry recognised from its own answers (see harbor-detect.ts), its API on
 * the origin the registry was reached at (the scheme it fell back to included).
 */
export function recognisedProvider(host: string, id: 'harbor', origin: string): ProviderInfo {
  return { ...chooseProvider(host, { provider: id, apiUrl: `${origin}/api/v2.0` }), chosenBy: 'detected' };
}

function checkedApiUrl(raw: string, host: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CoreError('PARSE_ERROR', `The API URL ${quoteInput(raw)} of ${host} is not a URL: write it as https://host/path.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new CoreError('PARSE_ERROR', `The API URL ${quoteInput(raw)} of ${host} must start with https:// (or http://).`);
  if (url.username || url.password)
    throw new CoreError('PARSE_ERROR', `The API URL of ${host} must not carry a user name or password: sign in instead.`);
  return `${url.origin}${withoutTrailingSlashes(url.pathname)}`;
}

/** The API a vendor's edition serves by default, from the registry's host. */
function defaultApiBase(id: ProviderId, host: string, scheme: 'http' | 'https'): string | undefined {
  const hostname = host.replace(/:\d+$/, '');
  switch (id) {
    case 'docker-hub':
      // https://docs.docker.com/reference/api/hub/latest/ ("servers": https://hub.docker.com)
      return 'https://hub.docker.com';
    case 'github':
      // https://docs.github.com/en/rest/using-the-rest-api/getting-started-with-the-rest-api; GitHub
      // Enterprise Server serves its registry at containers.HOST and its API at HOST/api/v3.
      return hostname.toLowerCase() === 'ghcr.io' ? 'https://api.github.com' : `https://${hostname.replace(/^containers\./i, '')}/api/v3`;
    case 'gitlab':
      // https://docs.gitlab.com/api/rest/ : /api/v4 on the instance; registry.gitlab.com's is gitlab.com.
      return `https://${hostname.replace(/^registry\./i, '')}/api/v4`;
    case 'quay':
      // https://docs.quay.io/api/ : /api/v1 on the registry's own host.
      return `${scheme}://${host}/api/v1`;
    case 'harbor':
      // Harbor's v2.0 API is served by the registry's own host under /api/v2.0 (goharbor/harbor api/v2.0/swagger.yaml basePath).
      return `${scheme}://${host}/api/v2.0`;
    case 'ecr': {
      // https://docs.aws.amazon.com/general/latest/gr/ecr.html : api.ecr.REGION.amazonaws.com (ecr.ts signs for it).
      const endpoint = ecrEndpoint(hostname);
      return endpoint ? `https://${endpoint.apiHost}` : undefined;
    }
    case 'gar':
      // https://cloud.google.com/artifact-registry/docs/reference/rest : one API for every location (gar.ts).
      return ARTIFACT_REGISTRY_API;
    default:
      return undefined;
  }
}

function signInFor(id: ProviderId, host: string, apiBase: string | undefined): SignIn {
  const hostname = host.replace(/:\d+$/, '').toLowerCase();
  const web = apiBase ? new URL(apiBase).origin : `https://${hostname}`;
  switch (id) {
    case 'docker-hub':
      // https://docs.docker.com/security/for-developers/access-tokens/
      return {
        kind: 'token',
        tokenName: 'personal access token',
        tokenPage: 'https://app.docker.com/settings/personal-access-tokens',
        scopes: ['Read-only access'],
      };
    case 'github':
      // https://docs.github.com/en/packages/working-with-a-github-packages-registry/working-with-the-container-registry#authenticating-with-a-personal-access-token-classic
      return {
        kind: 'github',
        authProviderId: hostname === 'ghcr.io' ? 'github' : 'github-enterprise',
        scopes: ['read:packages'],
        pushScopes: ['read:packages', 'write:packages'],
        deleteScopes: ['read:packages', 'delete:packages'],
        tokenPage: `${hostname === 'ghcr.io' ? 'https://github.com' : web}/settings/tokens/new?scopes=read:packages&description=Registry%20Explorer`,
      };
    case 'gitlab':
      // https://docs.gitlab.com/user/packages/container_registry/authenticate_with_container_registry/
      return {
        kind: 'token',
        tokenName: 'personal access token',
        tokenPage: `${web}/-/user_settings/personal_access_tokens`,
        scopes: ['read_registry', 'read_api'],
      };
    case 'quay':
      // https://docs.quay.io/glossary/access-token.html : OAuth access tokens, used with the username $oauthtoken for docker login.
      return {
        kind: 'token',
        tokenName: 'OAuth access token',
        fixedUsername: '$oauthtoken',
        tokenPage: `${web}/organization/`,
        scopes: ['repo:read', 'user:read'],
      };
    case 'harbor':
      return { kind: 'password' };
    case 'acr': {
      const name = ACR_HOST.exec(hostname)?.[1] ?? hostname;
      // https://learn.microsoft.com/azure/container-registry/container-registry-authentication#individual-login-with-microsoft-entra-id
      return {
        kind: 'cloud',
        tool: 'Azure CLI',
        command: `az acr login --name ${name}`,
        docs: 'https://learn.microsoft.com/azure/container-registry/container-registry-authentication',
        session: { authProviderId: 'microsoft', scopes: ACR_SIGN_IN_SCOPES },
      };
    }
    case 'ecr': {
      const region = ECR_HOST.exec(hostname)?.[2] ?? 'REGION';
      // https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry_auth.html
      return {
        kind: 'cloud',
        tool: 'AWS CLI',
        command: `aws ecr get-login-password --region ${region} | docker login --username AWS --password-stdin ${hostname}`,
        helper: 'ecr-login',
        docs: 'https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry_auth.html',
      };
    }
    case 'gar':
      // https://cloud.google.com/artifact-registry/docs/docker/authentication#gcloud-helper
      return {
        kind: 'cloud',
        tool: 'Google Cloud CLI',
        command: GCR_HOST.test(hostname) ? 'gcloud auth configure-docker' : `gcloud auth configure-docker ${hostname}`,
        helper: 'gcloud',
        commandSetsUpHelper: true,
        docs: 'https://cloud.google.com/artifact-registry/docs/docker/authentication',
      };
    default:
      return { kind: 'password' };
  }
}
