/**
 * Google Artifact Registry (`LOCATION-docker.pkg.dev`) and Container Registry's hosts, now served
 * by Artifact Registry's gcr.io repositories (`gcr.io`, `us.gcr.io`, `eu.gcr.io`, `asia.gcr.io`):
 * the images the signed-in user can see, through Artifact Registry's REST API
 * (cloud.google.com/artifact-registry/docs/reference/rest): the projects named in settings and those
 * Cloud Resource Manager lists (projects.list), each project's Docker repositories in the host's
 * location (projects.locations.repositories.list) and their images, one per package
 * (projects.locations.repositories.packages.list), all paged by `pageToken`/`nextPageToken`.
 * Packages, not dockerImages.list: that lists one entry per digest, so a busy image filled page after
 * page with no other image on it.
 * The OAuth access token is the registry's own login, what the docker-credential-gcloud helper
 * (or `gcloud auth print-access-token` with the user oauth2accesstoken) hands out.
 *
 * A clean-up's untagged manifests come from dockerImages.list instead: one entry per digest, with
 * the `tags` on it, so an entry without tags is a manifest no tag points at. Deleting needs no
 * vendor call: Artifact Registry's Docker endpoint takes the Distribution API's
 * `DELETE /v2/<name>/manifests/<digest>` (what `crane delete` and `gcrane` send; the gcloud
 * reference, cloud.google.com/sdk/gcloud/reference/artifacts/docker/images/delete, deletes an image
 * by digest and refuses only one still tagged, which an untagged manifest is not).
 */
import { CoreError } from '../errors';
import type { ListOptions } from '../registry/client';
import type { ApiChannel } from '../registry/api-channel';
import { errorBodyText } from '../transport/read-body';
import { quoteRegistryText } from '../text/registry-text';
import { cloudConsolePage } from './cloud-pages';
import type { ProviderClient, ProviderContext, ProviderInfo, RepositoryDetails, UntaggedManifestListing } from './provider';
import { apiUrl, isRepositoryName, listIn, readJson, segment, text, walkPages } from './vendor-api';

const VENDOR = 'Google Artifact Registry';
export const ARTIFACT_REGISTRY_API = 'https://artifactregistry.googleapis.com/v1';
export const RESOURCE_MANAGER_API = 'https://cloudresourcemanager.googleapis.com/v1';
const GAR_HOST = /^([a-z0-9-]+)-docker\.pkg\.dev$/i;
/** gcr.io repositories: their location and repository id (cloud.google.com/artifact-registry/docs/transition/gcr-repositories). */
const GCR_REPOSITORIES: Record<string, { location: string; repository: string }> = {
  'gcr.io': { location: 'us', repository: 'gcr.io' },
  'us.gcr.io': { location: 'us', repository: 'us.gcr.io' },
  'eu.gcr.io': { location: 'europe', repository: 'eu.gcr.io' },
  'asia.gcr.io': { location: 'asia', repository: 'asia.gcr.io' },
};
/** Usernames under which the login's password is an OAuth access token (authentication.md: "Access token", "gcloud credential helper"). */
const TOKEN_USERS = new Set(['oauth2accesstoken', '_dcgcloud_token']);
const MAX_PROJECTS = 1000;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

/** Where a host's images live in Artifact Registry: a location, and for gcr.io the one repository. */
export function garPlace(host: string): { location: string; gcrRepository?: string } | undefined {
  const hostname = host.replace(/:\d+$/, '').toLowerCase();
  const gcr = GCR_REPOSITORIES[hostname];
  if (gcr) return { location: gcr.location, gcrRepository: gcr.repository };
  const location = GAR_HOST.exec(hostname)?.[1];
  return location ? { location } : undefined;
}

export class GarProvider implements ProviderClient {
  readonly skipped: string[] = [];

  constructor(
    readonly info: ProviderInfo,
    private readonly ctx: ProviderContext,
  ) {}

  private get api(): ApiChannel {
    return this.ctx.api;
  }

  /** The access token from the registry's login, or the error naming the gcloud command. */
  private async token(): Promise<{ token: string; source: string }> {
    const credential = await this.ctx.registry.credential();
    const username = credential?.username ?? '';
    const token = credential?.registryToken ?? (TOKEN_USERS.has(username) ? credential?.password : undefined);
    if (!credential || !token) {
      const signIn = this.info.signIn;
      const command = signIn.kind === 'cloud' ? signIn.command : 'gcloud auth configure-docker';
      throw new CoreError(
        'NEEDS_LOGIN',
        credential
          ? `${VENDOR} lists images through its API with an OAuth access token, and the login for ${this.ctx.host} from ${credential.source} is not one (a service account key is not): run \`${command}\` to use the docker-credential-gcloud helper, then refresh.`
          : `${this.ctx.host} needs a login that the Google Cloud CLI sets up: run \`${command}\` (it configures the docker-credential-gcloud helper, which this extension runs like docker does), then refresh.`,
        { remedy: { kind: 'run-command', host: this.ctx.host, command } },
      );
    }
    this.api.secrets.add(token);
    return { token, source: credential.source };
  }

  async *listRepositories(options: ListOptions = {}): AsyncGenerator<RepositoryDetails[]> {
    const place = garPlace(this.ctx.host);
    if (!place)
      throw new CoreError(
        'PARSE_ERROR',
        `${this.ctx.host} is not an Artifact Registry or gcr.io host; its images cannot be listed through Google's API.`,
      );
    const login = await this.token();
    const signal = options.signal;
    const pageSize = Math.max(1, Math.min(1000, options.pageSize ?? 1000));
    this.skipped.length = 0;
    const named = this.ctx.namespaces.map((n) => n.trim()).filter(Boolean);
    const seenProjects = new Set<string>();
    for await (const projects of this.projects(named, login, signal)) {
      for (const { id: project, named: isNamed } of projects) {
        if (seenProjects.has(project)) continue;
        seenProjects.add(project);
        try {
          const repositories = place.gcrRepository
            ? [[place.gcrRepository]]
            : this.dockerRepositories(project, place.location, pageSize, login, signal);
          for await (const page of repositories)
            for (const repository of page) yield* this.images(project, place.location, repository, pageSize, login, signal);
        } catch (err) {
          // A project Resource Manager lists but whose Artifact Registry refuses (API not enabled, no role) is skipped; a named one is not.
          if (isNamed || (err as { code?: string }).code !== 'NOT_VISIBLE') throw err;
          this.skipped.push(project);
        }
      }
    }
  }

  /**
   * The manifests of `repository` (`PROJECT/REPOSITORY/IMAGE`, on gcr.io `PROJECT/IMAGE`) that no
   * tag points at: the Artifact Registry repository's dockerImages
   * (rest/v1/projects.locations.repositories.dockerImages/list), whose entries carry `uri`
   * (HOST/PATH@DIGEST), `tags`, `imageSizeBytes` and `uploadTime`; this image's entries without a
   * tag. The list has no filter, so every image of the Artifact Registry repository is read.
   */
  readonly listUntaggedManifests = async (
    repository: string,
    options: { signal?: AbortSignal; limit?: number; pageSize?: number } = {},
  ): Promise<UntaggedManifestListing[]> => {
    const place = garPlace(this.ctx.host);
    const parts = repository.split('/');
    const [project, arRepository] = place?.gcrRepository ? [parts[0], place.gcrRepository] : [parts[0], parts[1]];
    const minimum = place?.gcrRepository ? 2 : 3;
    if (!place || !project || !arRepository || parts.length < minimum)
      throw new CoreError(
        'PARSE_ERROR',
        `${this.ctx.host}/${repository} is not an Artifact Registry image (HOST/PROJECT/REPOSITORY/IMAGE, or gcr.io/PROJECT/IMAGE); its untagged manifests cannot be listed through Google's API.`,
      );
    const login = await this.token();
    const limit = options.limit ?? 100_000;
    const pageSize = Math.max(1, Math.min(1000, options.pageSize ?? 1000));
    const url = apiUrl(
      ARTIFACT_REGISTRY_API,
      `/projects/${segment(project)}/locations/${segment(place.location)}/repositories/${segment(arRepository)}/dockerImages`,
      { pageSize },
    );
    const prefix = `${this.ctx.host.replace(/:\d+$/, '').toLowerCase()}/${repository}@`;
    const found = new Map<string, UntaggedManifestListing>();
    for await (const page of this.paged(url, 'dockerImages', login, `the images of ${repository}`, options.signal)) {
      for (const raw of page) {
        const image = (raw ?? {}) as Record<string, unknown>;
        const uri = text(image.uri, 2048);
        if (!uri?.toLowerCase().startsWith(prefix.toLowerCase())) continue;
        const digest = uri.slice(prefix.length);
        const tags = Array.isArray(image.tags) ? image.tags.filter((t) => typeof t === 'string') : [];
        if (!DIGEST.test(digest) || tags.length > 0 || found.has(digest)) continue;
        const size =
          typeof image.imageSizeBytes === 'string' && /^\d{1,15}$/.test(image.imageSizeBytes) ? Number(image.imageSizeBytes) : undefined;
        const created = typeof image.uploadTime === 'string' ? Date.parse(image.uploadTime) : NaN;
        found.set(digest, { digest, ...(size !== undefined ? { size } : {}), ...(Number.isFinite(created) ? { created } : {}) });
        if (found.size >= limit) return [...found.values()];
      }
    }
    return [...found.values()];
  };

  async account(): Promise<string | undefined> {
    const credential = await this.ctx.registry.credential().catch(() => undefined);
    return credential?.account;
  }

  webPage(target: { repository?: string; tag?: string } = {}): string | undefined {
    return cloudConsolePage('gar', this.ctx.host, target.repository === undefined ? {} : { repository: target.repository });
  }

  /** The projects named in settings, then those Resource Manager lists (GET /v1/projects, active ones, `pageToken`). */
  private async *projects(
    named: string[],
    login: { token: string; source: string },
    signal: AbortSignal | undefined,
  ): AsyncGenerator<{ id: string; named: boolean }[]> {
    if (named.length > 0) yield named.map((id) => ({ id, named: true }));
    let listed = 0;
    const first = apiUrl(RESOURCE_MANAGER_API, '/projects', { filter: 'lifecycleState:ACTIVE' });
    try {
      for await (const page of this.paged(first, 'projects', login, 'the projects you can see', signal)) {
        const ids = page.flatMap((p) => {
          const id = text((p as Record<string, unknown> | null)?.projectId, 30);
          return id && /^[a-z0-9][a-z0-9.:-]{0,62}$/.test(id) ? [{ id, named: false }] : [];
        });
        listed += ids.length;
        yield ids;
        if (listed >= MAX_PROJECTS) return;
      }
    } catch (err) {
      // Projects named in settings are enough when Resource Manager refuses (its API off, or no permission to list).
      if (named.length > 0 && (err as { code?: string }).code === 'NOT_VISIBLE') return;
      throw err;
    }
  }

  /** The Docker repositories of a project in the location (GET …/repositories, format DOCKER). */
  private async *dockerRepositories(
    project: string,
    location: string,
    pageSize: number,
    login: { token: string; source: string },
    signal: AbortSignal | undefined,
  ): AsyncGenerator<string[]> {
    const url = apiUrl(ARTIFACT_REGISTRY_API, `/projects/${segment(project)}/locations/${segment(location)}/repositories`, { pageSize });
    for await (const page of this.paged(url, 'repositories', login, `the repositories of the project ${project} in ${location}`, signal))
      yield page.flatMap((r) => {
        const o = r as Record<string, unknown> | null;
        const name = text(o?.name, 1000);
        if (!name || (o?.format !== undefined && o.format !== 'DOCKER')) return [];
        const id = name.split('/').pop()!;
        return /^[a-z0-9][a-z0-9.-]*$/.test(id) ? [id] : [];
      });
  }

  /**
   * A repository's images: its packages (GET …/repositories/R/packages,
   * rest/v1/projects.locations.repositories.packages/list: `pageSize` at most 1,000, `pageToken`),
   * one per image whatever its number of digests. A package's `name` is
   * `projects/P/locations/L/repositories/R/packages/ID`, "If the package ID part contains slashes,
   * the slashes are escaped" (the Package resource): the image path with `/` as `%2F`. Its
   * `updateTime` ("This includes publishing a new version of the package") is the last push.
   */
  private async *images(
    project: string,
    location: string,
    repository: string,
    pageSize: number,
    login: { token: string; source: string },
    signal: AbortSignal | undefined,
  ): AsyncGenerator<RepositoryDetails[]> {
    const url = apiUrl(
      ARTIFACT_REGISTRY_API,
      `/projects/${segment(project)}/locations/${segment(location)}/repositories/${segment(repository)}/packages`,
      { pageSize },
    );
    // gcr.io repositories serve HOST/PROJECT/IMAGE; the others HOST/PROJECT/REPOSITORY/IMAGE.
    const prefix = garPlace(this.ctx.host)?.gcrRepository ? `${project}/` : `${project}/${repository}/`;
    for await (const page of this.paged(url, 'packages', login, `the images of ${project}/${repository}`, signal))
      yield page.flatMap((raw) => {
        const o = raw as Record<string, unknown> | null;
        const image = packageImage(text(o?.name, 2048));
        const name = image === undefined ? undefined : `${prefix}${image}`;
        if (!name || !isRepositoryName(name)) return [];
        const details: RepositoryDetails = { name };
        const updated = typeof o?.updateTime === 'string' ? Date.parse(o.updateTime) : NaN;
        if (Number.isFinite(updated)) details.lastPush = updated;
        const webUrl = cloudConsolePage('gar', this.ctx.host, { repository: name });
        if (webUrl) details.webUrl = webUrl;
        return [details];
      });
  }

  /** Google's list pages: `pageToken` sent, `nextPageToken` read, the list under `field`. */
  private paged(
    first: URL,
    field: string,
    login: { token: string; source: string },
    what: string,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<unknown[]> {
    return walkPages(
      first,
      async (url) => {
        const res = await this.api.send({
          method: 'GET',
          url,
          headers: { accept: 'application/json', authorization: `Bearer ${login.token}` },
          signal,
        });
        if (res.status !== 200) throw await this.failure(res.status, await errorBodyText(res), login, what);
        const json = await readJson(res, VENDOR, what);
        const token = text((json as Record<string, unknown> | null)?.nextPageToken, 4096);
        const next = token === undefined ? undefined : new URL(first.href);
        next?.searchParams.set('pageToken', token!);
        return { items: listIn(json, field, VENDOR, what), next };
      },
      VENDOR,
      what,
    );
  }

  /**
   * Google's API errors (cloud.google.com/apis/design/errors): `{"error": {"code", "message", "status"}}`;
   * 401 UNAUTHENTICATED for an expired or revoked token, 403 PERMISSION_DENIED (or SERVICE_DISABLED), 404 NOT_FOUND, 429 RESOURCE_EXHAUSTED.
   */
  private failure(status: number, body: string, login: { token: string; source: string }, what: string): CoreError {
    let message = '';
    try {
      const error = (JSON.parse(body) as { error?: { message?: unknown } } | null)?.error;
      if (typeof error?.message === 'string') message = quoteRegistryText(error.message, this.api.secrets);
    } catch {
      /* not JSON: the status decides */
    }
    const said = message ? ` (it said: ${message})` : '';
    if (status === 401)
      return new CoreError(
        'TOKEN_REJECTED',
        `${VENDOR} rejected the access token from ${login.source} for ${what}${said}: it may have expired or been revoked; run \`gcloud auth login\`, then refresh.`,
        { remedy: { kind: 'run-command', host: this.ctx.host, command: 'gcloud auth login' } },
      );
    if (status === 403 || status === 404)
      return new CoreError(
        'NOT_VISIBLE',
        `${VENDOR} does not let the account from ${login.source} see ${what} (HTTP ${status}${said}): check the project's name, that its Artifact Registry API is enabled, and that the account has the Artifact Registry Reader role.`,
      );
    if (status === 429)
      return new CoreError('RATE_LIMITED', `${VENDOR} refuses more requests for ${what} now${said}; try again in a minute.`);
    return new CoreError(
      'API_ERROR',
      `${VENDOR} answered HTTP ${status} for ${what}${said}: try again later, or check the service's status.`,
    );
  }
}

/** The image path a package's resource name carries in its last part, `%2F` for each `/`; undefined when it is not one. */
function packageImage(name: string | undefined): string | undefined {
  const id = name?.split('/').pop();
  if (!id) return undefined;
  try {
    return decodeURIComponent(id);
  } catch {
    return undefined;
  }
}
