// Google's APIs as far as listing images goes, from their REST references, under their real host
// names: Artifact Registry (artifactregistry.googleapis.com,
// cloud.google.com/artifact-registry/docs/reference/rest) and Cloud Resource Manager
// (cloudresourcemanager.googleapis.com, cloud.google.com/resource-manager/reference/rest/v1/projects/list).
// The images are listed in the options, or read from the storage of the lab registry behind the
// Artifact Registry contract (clouds.ts), so an untagged manifest there (pushed by digest) is an
// entry without tags here, and one deleted through the registry is gone from the list.
// - rest/v1/projects.locations.repositories/list: GET /v1/projects/P/locations/L/repositories,
//   `pageSize`, `pageToken`; the answer's `repositories` (`name`, `format`) and `nextPageToken`.
// - rest/v1/projects.locations.repositories.dockerImages/list: GET …/repositories/R/dockerImages,
//   `pageSize` (at most 1000), `pageToken`; `dockerImages` (`name`, `uri` HOST/P/R/IMAGE@DIGEST,
//   `tags`, `uploadTime`), one entry per digest, and `nextPageToken`.
// - rest/v1/projects.locations.repositories.packages/list: GET …/repositories/R/packages,
//   `pageSize` (at most 1,000), `pageToken`; `packages`, one per image, and `nextPageToken`. The
//   Package resource (rest/v1/projects.locations.repositories.packages#Package): `name`
//   projects/P/locations/L/repositories/R/packages/ID ("If the package ID part contains slashes,
//   the slashes are escaped": `team%2Fapp`), `createTime`, `updateTime` ("This includes
//   publishing a new version of the package").
// - resource-manager v1 projects.list: GET /v1/projects, `pageSize`, `pageToken`, `filter`;
//   `projects` (`projectId`, `lifecycleState`) and `nextPageToken`.
// - Authentication (cloud.google.com/docs/authentication/rest): `Authorization: Bearer` with an
//   OAuth access token; errors as cloud.google.com/apis/design/errors describes,
//   `{"error": {"code", "message", "status"}}`: 401 UNAUTHENTICATED, 403 PERMISSION_DENIED.
import type { Lab, LabRegistry } from '../registry';
import { bearerToken, ContractServer, intParam, type ContractAnswer, type ContractRequest } from './contract-server';
import { imageSize, storedManifests, storedRepositories } from './stored-manifests';

export const ARTIFACT_REGISTRY_HOST = 'artifactregistry.googleapis.com';
export const RESOURCE_MANAGER_HOST = 'cloudresourcemanager.googleapis.com';

export interface GoogleImage {
  project: string;
  location: string;
  /** The Artifact Registry repository (`gcr.io` for a gcr.io repository). */
  repository: string;
  /** The image's path under the repository. */
  image: string;
  digest: string;
  tags: string[];
  /** The host its uri names (`europe-docker.pkg.dev`, `gcr.io`). */
  host: string;
  /** Bytes (imageSizeBytes); 2048 when not given. */
  size?: number;
  /** When it was pushed (uploadTime). */
  uploaded?: Date;
}

export interface GoogleApisOptions {
  /** The OAuth access tokens accepted (shared with the registry's token endpoint in clouds.ts). */
  accessTokens: string[];
  /** Projects the account can see, and the ones whose Artifact Registry refuses it. */
  projects: { id: string; refused?: boolean }[];
  images: GoogleImage[];
  /**
   * A lab registry whose repositories `PROJECT/REPOSITORY/IMAGE` (of a project listed above) are
   * Artifact Registry images in `location` under `host`, read from its storage at each request.
   */
  stored?: { registry: LabRegistry; host: string; location: string };
  /** The most entries one page holds whatever pageSize asks (to see paging with few images). */
  maxPage?: number;
}

export class GoogleApisContract {
  private constructor(
    readonly server: ContractServer,
    private readonly options: GoogleApisOptions,
  ) {}

  static async start(lab: Lab, options: GoogleApisOptions): Promise<GoogleApisContract> {
    const ref: { contract?: GoogleApisContract } = {};
    const server = await ContractServer.start({
      lab,
      label: 'google-apis',
      names: [ARTIFACT_REGISTRY_HOST, RESOURCE_MANAGER_HOST],
      handler: (req) => ref.contract!.handle(req),
    });
    ref.contract = new GoogleApisContract(server, options);
    return ref.contract;
  }

  private handle(req: ContractRequest): ContractAnswer {
    if (req.method !== 'GET') return googleError(405, 'Method not allowed.', 'INVALID_ARGUMENT');
    const token = bearerToken(req.headers);
    if (!token || !this.options.accessTokens.includes(token))
      return googleError(
        401,
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
        'UNAUTHENTICATED',
      );
    if (req.host === RESOURCE_MANAGER_HOST && req.path === '/v1/projects') {
      const active = this.options.projects.map((p) => ({ projectId: p.id, name: p.id, lifecycleState: 'ACTIVE', projectNumber: '1234' }));
      return this.page(req, 'projects', active);
    }
    if (req.host !== ARTIFACT_REGISTRY_HOST) return googleError(404, 'Not Found', 'NOT_FOUND');
    const repos = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/repositories$/.exec(req.path);
    const images = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/repositories\/([^/]+)\/dockerImages$/.exec(req.path);
    const packages = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/repositories\/([^/]+)\/packages$/.exec(req.path);
    const [project, location] = (repos ?? images ?? packages ?? []).slice(1).map((s) => decodeURIComponent(s));
    if (!project || !location) return googleError(404, 'Not Found', 'NOT_FOUND');
    const known = this.options.projects.find((p) => p.id === project);
    if (!known || known.refused)
      return googleError(
        403,
        `Permission 'artifactregistry.repositories.list' denied on resource '//artifactregistry.googleapis.com/projects/${project}/locations/${location}' (or it may not exist).`,
        'PERMISSION_DENIED',
      );
    const here = [...this.options.images, ...this.storedImages()].filter((i) => i.project === project && i.location === location);
    if (repos) {
      const names = [...new Set(here.map((i) => i.repository))].sort();
      return this.page(
        req,
        'repositories',
        names.map((r) => ({
          name: `projects/${project}/locations/${location}/repositories/${r}`,
          format: 'DOCKER',
          mode: 'STANDARD_REPOSITORY',
        })),
      );
    }
    if (packages) {
      const repository = decodeURIComponent(packages[3]!);
      const byImage = new Map<string, Date[]>();
      for (const i of here.filter((i) => i.repository === repository))
        byImage.set(i.image, [...(byImage.get(i.image) ?? []), i.uploaded ?? new Date('2026-11-30T10:00:00.000Z')]);
      const entries = [...byImage.keys()].sort().map((image) => {
        const times = byImage.get(image)!.map((d) => d.getTime());
        return {
          name: `projects/${project}/locations/${location}/repositories/${repository}/packages/${encodeURIComponent(image)}`,
          createTime: new Date(Math.min(...times)).toISOString(),
          updateTime: new Date(Math.max(...times)).toISOString(),
        };
      });
      return this.page(req, 'packages', entries);
    }
    const repository = decodeURIComponent(images![3]!);
    const entries = here
      .filter((i) => i.repository === repository)
      .map((i) => {
        const path = i.host.endsWith('gcr.io') ? `${i.project}/${i.image}` : `${i.project}/${i.repository}/${i.image}`;
        return {
          name: `projects/${project}/locations/${location}/repositories/${repository}/dockerImages/${encodeURIComponent(i.image)}@${i.digest}`,
          uri: `${i.host}/${path}@${i.digest}`,
          tags: i.tags,
          imageSizeBytes: String(i.size ?? 2048),
          uploadTime: (i.uploaded ?? new Date('2026-11-30T10:00:00.000Z')).toISOString(),
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          updateTime: '2026-11-30T10:00:00.000Z',
        };
      });
    return this.page(req, 'dockerImages', entries);
  }

  /** The images the stored registry holds: one entry per digest, with the tags on it (none for a manifest pushed by digest). */
  private storedImages(): GoogleImage[] {
    const stored = this.options.stored;
    if (!stored) return [];
    const projects = new Set(this.options.projects.map((p) => p.id));
    return storedRepositories(stored.registry).flatMap((name) => {
      const [project, repository, ...rest] = name.split('/');
      if (!project || !repository || !rest.length || !projects.has(project)) return [];
      return (storedManifests(stored.registry, name) ?? []).map((m) => ({
        project,
        location: stored.location,
        repository,
        image: rest.join('/'),
        digest: m.digest,
        tags: m.tags,
        host: stored.host,
        size: imageSize(m),
        uploaded: m.pushed,
      }));
    });
  }

  /** A page of `items` under `field`, with `nextPageToken` while more follow. */
  private page(req: ContractRequest, field: string, items: unknown[]): ContractAnswer {
    const size = Math.min(intParam(req.query, 'pageSize', 1000, 1000), this.options.maxPage ?? 1000);
    const raw = req.query.get('pageToken');
    let offset = 0;
    if (raw) {
      const decoded = /^page:(\d+)$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
      if (!decoded) return googleError(400, 'The page token is not valid.', 'INVALID_ARGUMENT');
      offset = Number(decoded[1]);
    }
    const next = offset + size < items.length ? Buffer.from(`page:${offset + size}`).toString('base64url') : undefined;
    return { status: 200, json: { [field]: items.slice(offset, offset + size), ...(next ? { nextPageToken: next } : {}) } };
  }
}

function googleError(code: number, message: string, status: string): ContractAnswer {
  return { status: code, json: { error: { code, message, status } } };
}
