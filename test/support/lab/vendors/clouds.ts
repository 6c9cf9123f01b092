// The clouds' registries as far as the extension meets them: Azure Container Registry's token
// endpoint (/oauth2/token on the registry's host, service = the host), which takes the refresh
// token `az acr login` writes into Docker's config.json as an identity token with the username
// 00000000-0000-0000-0000-000000000000 (Azure/acr docs/AAD-OAuth.md; learn.microsoft.com,
// container-registry-authentication), and serves `_catalog` with the `registry:catalog:*` scope;
// with /oauth2/exchange, which trades a Microsoft Entra ID access token for such a refresh token
// (AAD-OAuth.md, "Calling POST /oauth2/exchange": grant_type=access_token, service, tenant);
// Amazon ECR, whose Basic login (`AWS` and a 12-hour password from `aws ecr get-login-password`, or
// what the docker-credential-ecr-login helper hands out) is checked by its own endpoint
// (docs.aws.amazon.com/AmazonECR/latest/userguide/registry_auth.html); Google's Artifact Registry,
// whose token endpoint (/v2/token on the registry's host) takes Basic with an OAuth access token as
// the password, under the username oauth2accesstoken or the one the docker-credential-gcloud helper
// hands out (cloud.google.com/artifact-registry/docs/docker/authentication: "Access token",
// "gcloud credential helper"), and serves `_catalog` to a signed-in user. Each fronts a lab registry.
import { randomBytes } from 'node:crypto';
import type { Lab, LabRegistry } from '../registry';
import type { AccessEntry } from '../token-server';
import {
  bearerToken,
  basicCredentials,
  ContractServer,
  registryToken,
  requestedScopes,
  type ContractAnswer,
  type ContractRequest,
} from './contract-server';
import { imageSize, storedManifests } from './stored-manifests';

export const ACR_USER = '00000000-0000-0000-0000-000000000000';

export interface CloudLogins {
  /** The refresh tokens ACR accepts (what `az acr login` wrote, and what its exchange handed out). */
  acrRefreshTokens: string[];
  /** The Entra ID access tokens ACR's /oauth2/exchange takes. */
  acrEntraTokens?: string[];
  /** The passwords ECR accepts for the user AWS. */
  ecrPasswords: string[];
  /** The OAuth access tokens Artifact Registry accepts (what `gcloud auth print-access-token` or its helper hands out). */
  garAccessTokens: string[];
}

/** The usernames Artifact Registry takes with an access token: the documented one, and the gcloud helper's. */
export const GAR_TOKEN_USERS = ['oauth2accesstoken', '_dcgcloud_token'];

export class CloudContracts {
  /** The tenant each exchange named, in order (undefined when it named none). */
  readonly exchangeTenants: (string | undefined)[] = [];

  private constructor(
    readonly server: ContractServer,
    readonly acrHost: string,
    readonly ecrHost: string,
    readonly garHost: string,
    readonly logins: CloudLogins,
    private readonly registry: LabRegistry,
  ) {}

  static async start(
    lab: Lab,
    registry: LabRegistry,
    logins: CloudLogins,
    hosts = { acr: 'labacr.azurecr.io', ecr: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', gar: 'europe-docker.pkg.dev' },
  ): Promise<CloudContracts> {
    const ref: { contract?: CloudContracts } = {};
    const server = await ContractServer.start({
      lab,
      label: 'clouds',
      names: [hosts.acr, hosts.ecr, hosts.gar],
      handler: (req) => ref.contract!.handle(req),
      fronts: [
        { host: hosts.acr, registry, realm: `https://${hosts.acr}/oauth2/token`, service: hosts.acr },
        // ECR takes Basic on every request: `Basic realm="https://HOST/",service="ecr.amazonaws.com"`.
        {
          host: hosts.ecr,
          registry,
          realm: `https://${hosts.ecr}/`,
          service: 'ecr.amazonaws.com',
          basic: (username, password) => username === 'AWS' && logins.ecrPasswords.includes(password),
          // ECR's registry endpoint does not delete through the Distribution API (its user guide
          // deletes with `aws ecr batch-delete-image` only, userguide/delete_image.html; aws-ecr.ts
          // serves that): the Distribution spec's answer for an operation a registry does not support.
          intercept: (req) =>
            req.method === 'DELETE' && /^\/v2\/.+\/manifests\/[^/]+$/.test(req.path)
              ? { answer: { status: 405, json: { errors: [{ code: 'UNSUPPORTED', message: 'The operation is unsupported.' }] } } }
              : undefined,
        },
        // Artifact Registry: `Bearer realm="https://HOST/v2/token",service="HOST"`, its token endpoint under /v2/ itself.
        { host: hosts.gar, registry, realm: `https://${hosts.gar}/v2/token`, service: hosts.gar, except: /^\/v2\/token$/ },
      ],
    });
    ref.contract = new CloudContracts(server, hosts.acr, hosts.ecr, hosts.gar, logins, registry);
    return ref.contract;
  }

  private handle(req: ContractRequest): ContractAnswer | undefined {
    if (req.host === this.acrHost && req.path === '/oauth2/token') return this.acrToken(req);
    if (req.host === this.acrHost && req.path === '/oauth2/exchange' && req.method === 'POST') return this.acrExchange(req);
    if (req.host === this.garHost && req.path === '/v2/token') return this.garToken(req);
    const manifests = /^\/acr\/v1\/(.+)\/_manifests$/.exec(req.path);
    if (req.host === this.acrHost && manifests && req.method === 'GET') return this.acrManifests(req, manifests[1]!);
    return undefined;
  }

  /**
   * ACR's list of a repository's manifests with their tags, `GET /acr/v1/<name>/_manifests?n=&last=`
   * (learn.microsoft.com/rest/api/containerregistry/manifests/get-list): entries sorted by digest,
   * those after `last`, at most `n`, the next page in a `Link` header (`rel="next"`), each with
   * digest, imageSize, createdTime, lastUpdateTime, mediaType and tags. It takes a registry token
   * with `repository:<name>:metadata_read` (what az acr and acr-cli ask for); without one, a
   * challenge naming that scope. Read from the lab registry's own storage, so what it lists is what
   * the Distribution registry behind it really holds.
   */
  private acrManifests(req: ContractRequest, repository: string): ContractAnswer {
    const scope = `repository:${repository}:metadata_read`;
    const claims = this.registry.tokenServer!.verify(bearerToken(req.headers) ?? '');
    const allowed = claims?.access.some((a) => a.type === 'repository' && a.name === repository && a.actions.includes('metadata_read'));
    if (!allowed)
      return {
        status: 401,
        headers: { 'www-authenticate': `Bearer realm="https://${this.acrHost}/oauth2/token",service="${this.acrHost}",scope="${scope}"` },
        json: {
          errors: [
            {
              code: 'UNAUTHORIZED',
              message: 'authentication required',
              detail: [{ Type: 'repository', Name: repository, Action: 'metadata_read' }],
            },
          ],
        },
      };
    const stored = storedManifests(this.registry, repository);
    if (!stored) return { status: 404, json: { errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] } };
    const digests = stored.map((m) => m.digest);
    const n = Math.min(Math.max(Number(req.query.get('n')) || 100, 1), 1000);
    const last = req.query.get('last') ?? '';
    const after = digests.filter((d) => d > last);
    const page = after.slice(0, n);
    const entries = page.map((digest) => {
      const m = stored.find((e) => e.digest === digest)!;
      const when = m.pushed.toISOString();
      return {
        digest,
        imageSize: imageSize(m),
        createdTime: when,
        lastUpdateTime: when,
        ...(m.json.mediaType ? { mediaType: m.json.mediaType } : {}),
        ...(m.json.config?.mediaType ? { configMediaType: m.json.config.mediaType } : {}),
        tags: m.tags,
        changeableAttributes: { deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true },
      };
    });
    const more = after.length > n;
    return {
      status: 200,
      headers: more ? { link: `</acr/v1/${repository}/_manifests?last=${page[page.length - 1]!}&n=${n}>; rel="next"` } : {},
      json: { registry: this.acrHost, imageName: repository, manifests: entries },
    };
  }

  /** ACR's exchange: an Entra ID access token for this registry's service, answered with a new refresh token. */
  private acrExchange(req: ContractRequest): ContractAnswer {
    const form = new URLSearchParams(req.body);
    if (form.get('grant_type') !== 'access_token' || form.get('service') !== this.acrHost)
      return { status: 400, json: { errors: [{ code: 'BAD_REQUEST', message: 'unsupported grant_type or service' }] } };
    if (!(this.logins.acrEntraTokens ?? []).includes(form.get('access_token') ?? ''))
      return { status: 401, json: { errors: [{ code: 'UNAUTHORIZED', message: 'invalid access token' }] } };
    this.exchangeTenants.push(form.get('tenant') ?? undefined);
    const refreshToken = `acr-refresh-${randomBytes(12).toString('hex')}`;
    this.logins.acrRefreshTokens.push(refreshToken);
    return { status: 200, json: { refresh_token: refreshToken } };
  }

  /** Artifact Registry: GET with Basic (a token user and an access token) grants what was asked; anonymous gets nothing here (no public repositories). */
  private garToken(req: ContractRequest): ContractAnswer {
    const login = basicCredentials(req.headers);
    if (login && !(GAR_TOKEN_USERS.includes(login.username) && this.logins.garAccessTokens.includes(login.password)))
      return { status: 401, json: { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] } };
    return login ? registryToken(this.registry, login.username, requestedScopes(req.query)) : registryToken(this.registry, null, []);
  }

  /** ACR: POST grant_type=refresh_token with the refresh token, or GET with Basic (admin user); anonymous gets nothing. */
  private acrToken(req: ContractRequest): ContractAnswer {
    let user: string | null = null;
    let scopes: AccessEntry[];
    if (req.method === 'POST') {
      const form = new URLSearchParams(req.body);
      if (form.get('grant_type') !== 'refresh_token' || !this.logins.acrRefreshTokens.includes(form.get('refresh_token') ?? ''))
        return { status: 401, json: { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] } };
      user = ACR_USER;
      scopes = requestedScopes(new URLSearchParams(form.getAll('scope').map((s) => ['scope', s])));
    } else {
      if (basicCredentials(req.headers))
        return { status: 401, json: { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] } };
      scopes = [];
    }
    const granted = user ? scopes : [];
    const answer = registryToken(this.registry, user, granted);
    return { ...answer, json: { access_token: (answer.json as { token: string }).token } };
  }
}
