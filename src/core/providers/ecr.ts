/**
 * Amazon ECR: the repositories of the registry's account, through ECR's own API
 * (DescribeRepositories, docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeRepositories.html),
 * a JSON 1.1 POST to `api.ecr.REGION.amazonaws.com` signed with AWS Signature Version 4 by the
 * `aws4` library, with the AWS credentials the user's tools set up (credentials/aws.ts). The
 * registry's own login (pulling, tags) stays what the docker-credential-ecr-login helper or
 * `aws ecr get-login-password` gives; ECR has no `_catalog`.
 *
 * A clean-up's untagged manifests come from the same API (DescribeImages with the UNTAGGED filter,
 * for their sizes and push dates; ListImages when the identity may not describe images), and
 * manifests are deleted with BatchDeleteImage: ECR's registry endpoint does not take the Distribution
 * API's `DELETE /v2/<name>/manifests/<digest>` (its user guide deletes images only through
 * `aws ecr batch-delete-image`, docs.aws.amazon.com/AmazonECR/latest/userguide/delete_image.html).
 */
import { sign } from 'aws4';
import { findAwsCredentials, isExpired, type AwsCredentials } from '../credentials/aws';
import { CoreError, RateLimitError } from '../errors';
import type { ListOptions } from '../registry/client';
import { header } from '../registry/endpoint-client';
import type { HttpResponse } from '../transport/http';
import { errorBodyText } from '../transport/read-body';
import { quoteRegistryText } from '../text/registry-text';
import { cloudConsolePage } from './cloud-pages';
import type {
  ProviderClient,
  ProviderContext,
  ProviderInfo,
  RepositoryDetails,
  RepositoryPage,
  UntaggedListing,
  UntaggedManifestListing,
} from './provider';
import { count, isRepositoryName, listIn, MAX_PAGES, readJson, text, time } from './vendor-api';

const VENDOR = 'Amazon ECR';
/** The API's target prefix for JSON 1.1 (API_DescribeRepositories.html, "Example" request headers). */
const TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';
type Operation = 'DescribeRepositories' | 'DescribeImages' | 'ListImages' | 'BatchDeleteImage';
/** What each operation is for, in the errors' words, and the IAM action it needs (security-iam-awsmanpol.html). */
interface Call {
  operation: Operation;
  /** "list the repositories of HOST", "delete sha256:… from NAME" */
  doing: string;
  permission: string;
  /** The managed policy that grants it. */
  policy: string;
}
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
/** A tag as the Distribution spec allows it (ECR's imageTag is at most 300 characters; the spec's 128 are the tighter). */
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const ECR_HOST = /^(\d{12})\.dkr\.ecr(-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/i;
/** The permission DescribeRepositories needs (security-iam-awsmanpol.html: AmazonEC2ContainerRegistryReadOnly grants it). */
export const ECR_LIST_PERMISSION = 'ecr:DescribeRepositories';

/**
 * One `imageDetails` entry of DescribeImages (API_ImageDetail.html) as an untagged manifest:
 * `imageDigest`, `imageSizeInBytes` (a Long; for a manifest list the largest of its manifests) and
 * `imagePushedAt` (a Timestamp, which the JSON 1.1 protocol sends as epoch seconds, maybe with a
 * fraction). Untrusted: a digest that is not one, or an entry with `imageTags` (whatever the
 * filter asked), is no untagged manifest; a size or date that is not a plausible number is left out.
 */
export function untaggedImageDetail(raw: unknown): UntaggedManifestListing | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const d = raw as Record<string, unknown>;
  const digest = untaggedImageId(d)?.digest;
  const tagless = d.imageTags === undefined || (Array.isArray(d.imageTags) && d.imageTags.length === 0);
  if (!digest || !tagless) return undefined;
  const size = count(d.imageSizeInBytes);
  const pushed = typeof d.imagePushedAt === 'number' ? time(d.imagePushedAt) : undefined;
  return {
    digest,
    ...(size !== undefined ? { size } : {}),
    ...(pushed !== undefined ? { created: Math.round(pushed) } : {}),
  };
}

/** One `imageIds` entry of ListImages (API_ImageIdentifier.html) without a tag: its `imageDigest`. */
function untaggedImageId(raw: unknown): UntaggedManifestListing | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const id = raw as Record<string, unknown>;
  const digest = text(id.imageDigest, 200);
  if (!digest || !DIGEST.test(digest) || id.imageTag !== undefined) return undefined;
  return { digest };
}

/** The account, region and API endpoint an ECR registry host names (docs.aws.amazon.com/general/latest/gr/ecr.html). */
export function ecrEndpoint(host: string): { account: string; region: string; apiHost: string } | undefined {
  const match = ECR_HOST.exec(host.replace(/:\d+$/, ''));
  if (!match) return undefined;
  const [, account, fips, region, china] = match;
  const apiHost = fips ? `ecr-fips.${region}.amazonaws.com` : `api.ecr.${region}.amazonaws.com${china ?? ''}`;
  return { account: account!, region: region!.toLowerCase(), apiHost: apiHost.toLowerCase() };
}

export class EcrProvider implements ProviderClient {
  private credentials: Promise<AwsCredentials | undefined> | undefined;

  constructor(
    readonly info: ProviderInfo,
    private readonly ctx: ProviderContext,
  ) {}

  /** The AWS credentials, found once and again when temporary ones expire or a lookup failed. */
  private async aws(): Promise<AwsCredentials | undefined> {
    const cached = this.credentials ? await this.credentials.catch(() => undefined) : undefined;
    if (!cached || isExpired(cached)) {
      const local = this.ctx.api.local;
      this.credentials = findAwsCredentials({ env: local.env, homedir: local.homedir, platform: local.platform });
      this.credentials.catch(() => (this.credentials = undefined));
    }
    const found = await this.credentials!;
    if (found) this.ctx.api.secrets.add(found.secretAccessKey, found.sessionToken);
    return found;
  }

  /** The API endpoint and the AWS credentials, or the error saying what to set up to use `what`. */
  private async apiAccess(
    what: string,
  ): Promise<{ endpoint: { account: string; region: string; apiHost: string }; credentials: AwsCredentials }> {
    const endpoint = ecrEndpoint(this.ctx.host);
    if (!endpoint)
      throw new CoreError(
        'PARSE_ERROR',
        `${this.ctx.host} is not an Amazon ECR registry name (ACCOUNT.dkr.ecr.REGION.amazonaws.com); ${what} cannot go through ECR's API.`,
      );
    const credentials = await this.aws();
    if (!credentials)
      throw new CoreError(
        'NEEDS_LOGIN',
        `${VENDOR} does ${what} through its API with AWS credentials, and none are set up (no AWS_ACCESS_KEY_ID, no profile in ~/.aws): run \`aws configure\` (or \`aws configure sso\`), then refresh. Repositories named in settings open without it.`,
        { remedy: { kind: 'run-command', host: this.ctx.host, command: 'aws configure' } },
      );
    return { endpoint, credentials };
  }

  async *listRepositories(options: ListOptions = {}): AsyncGenerator<RepositoryPage> {
    const { endpoint, credentials } = await this.apiAccess('the listing of repositories');
    const maxResults = Math.max(1, Math.min(1000, options.pageSize ?? 1000));
    const seen = new Set<string>();
    let nextToken: string | undefined;
    for (let page = 0; ; page++) {
      const json = await this.call(
        endpoint,
        credentials,
        {
          operation: 'DescribeRepositories',
          doing: `list the repositories of ${this.ctx.host}`,
          permission: ECR_LIST_PERMISSION,
          policy: 'AmazonEC2ContainerRegistryReadOnly',
        },
        { registryId: endpoint.account, maxResults, ...(nextToken ? { nextToken } : {}) },
        options.signal,
      );
      const items = listIn(json, 'repositories', VENDOR, 'the repositories').flatMap((r) => this.details(r));
      nextToken = text((json as Record<string, unknown>).nextToken, 8192);
      if (nextToken !== undefined && (seen.has(nextToken) || page + 1 >= MAX_PAGES))
        throw new CoreError(
          'PAGINATION_LOOP',
          `${VENDOR} sent the same nextToken twice while listing the repositories; the listing stops here.`,
        );
      if (nextToken !== undefined) seen.add(nextToken);
      yield Object.assign(items, { more: nextToken !== undefined });
      if (nextToken === undefined) return;
    }
  }

  /** Who the API requests go as: the AWS profile, when the credentials came from one (the registry's login is the token user AWS). */
  async account(): Promise<string | undefined> {
    const credential = await this.ctx.registry.credential().catch(() => undefined);
    if (credential?.account) return credential.account;
    const aws = await this.aws().catch(() => undefined);
    return aws?.profile ? `AWS profile ${aws.profile}` : undefined;
  }

  webPage(target: { repository?: string; tag?: string } = {}): string | undefined {
    return cloudConsolePage('ecr', this.ctx.host, target.repository === undefined ? {} : { repository: target.repository });
  }

  /**
   * The repository's manifests no tag points at, with their sizes and push dates: DescribeImages
   * (API_DescribeImages.html) with `filter: {tagStatus: "UNTAGGED"}` (API_DescribeImagesFilter.html).
   * An identity without `ecr:DescribeImages` (AccessDeniedException) still gets the digests through
   * ListImages, and the listing's `note` says what is missing and which permission gives it.
   */
  readonly listUntaggedManifests = async (
    repository: string,
    options: { signal?: AbortSignal; limit?: number; pageSize?: number } = {},
  ): Promise<UntaggedListing> => {
    const { endpoint, credentials } = await this.apiAccess(`the listing of the untagged manifests of ${repository}`);
    const describe: Call = {
      operation: 'DescribeImages',
      doing: `read the sizes and dates of the untagged manifests of ${repository}`,
      permission: 'ecr:DescribeImages',
      policy: 'AmazonEC2ContainerRegistryReadOnly',
    };
    try {
      return await this.untaggedPages(endpoint, credentials, describe, repository, 'imageDetails', untaggedImageDetail, options);
    } catch (err) {
      if ((err as { code?: string }).code !== 'SCOPE_MISSING') throw err;
      const list: Call = {
        operation: 'ListImages',
        doing: `list the untagged manifests of ${repository}`,
        permission: 'ecr:ListImages',
        policy: 'AmazonEC2ContainerRegistryReadOnly',
      };
      const digests = await this.untaggedPages(endpoint, credentials, list, repository, 'imageIds', untaggedImageId, options);
      return Object.assign(digests, {
        note: `${(err as Error).message} The untagged manifests are listed with ListImages instead, which gives no sizes or dates.`,
      });
    }
  };

  /**
   * Every page of DescribeImages or ListImages (API_ListImages.html, API_ListImagesFilter.html)
   * with the UNTAGGED filter: `maxResults` 1–1000 and the previous page's `nextToken` until none
   * comes back; each entry of `field` read by `read`, a digest once, at most `limit`.
   */
  private async untaggedPages(
    endpoint: { account: string; region: string; apiHost: string },
    credentials: AwsCredentials,
    call: Call,
    repository: string,
    field: 'imageDetails' | 'imageIds',
    read: (raw: unknown) => UntaggedManifestListing | undefined,
    options: { signal?: AbortSignal; limit?: number; pageSize?: number },
  ): Promise<UntaggedManifestListing[]> {
    const maxResults = Math.max(1, Math.min(1000, options.pageSize ?? 1000));
    const limit = options.limit ?? 100_000;
    const found = new Map<string, UntaggedManifestListing>();
    const seen = new Set<string>();
    let nextToken: string | undefined;
    for (let page = 0; found.size < limit; page++) {
      const input = {
        registryId: endpoint.account,
        repositoryName: repository,
        filter: { tagStatus: 'UNTAGGED' },
        maxResults,
        ...(nextToken ? { nextToken } : {}),
      };
      const json = await this.call(endpoint, credentials, call, input, options.signal);
      for (const raw of listIn(json, field, VENDOR, `the untagged manifests of ${repository}`)) {
        const m = read(raw);
        if (m && !found.has(m.digest) && found.size < limit) found.set(m.digest, m);
      }
      nextToken = text((json as Record<string, unknown>).nextToken, 8192);
      if (nextToken === undefined) break;
      if (seen.has(nextToken) || page + 1 >= MAX_PAGES)
        throw new CoreError(
          'PAGINATION_LOOP',
          `${VENDOR} sent the same nextToken twice while listing the untagged manifests of ${repository}; the listing stops here.`,
        );
      seen.add(nextToken);
    }
    return [...found.values()];
  }

  /**
   * Deletes one manifest by digest with BatchDeleteImage (API_BatchDeleteImage.html): `imageIds`
   * of 1–100 entries, here one `{imageDigest}`, which deletes the image and every tag on it.
   */
  readonly deleteManifest = async (repository: string, digest: string, options: { signal?: AbortSignal } = {}): Promise<void> => {
    if (!DIGEST.test(digest))
      throw new CoreError('INVALID_DIGEST', `Deleting needs a digest, not "${digest}": resolve the tag first, or delete only the tag.`);
    await this.batchDelete(repository, { imageDigest: digest }, options.signal);
  };

  /**
   * Removes one tag with BatchDeleteImage by `imageTag`: "You can remove a tag from an image by
   * specifying the image's tag in your request. When you remove the last tag from an image, the
   * image is deleted" (API_BatchDeleteImage.html). No manifest is pushed, so it works in a
   * repository whose tags are immutable too.
   */
  readonly deleteTag = async (repository: string, tag: string, options: { signal?: AbortSignal } = {}): Promise<void> => {
    if (!TAG.test(tag)) throw new CoreError('TAG_INVALID', `"${tag}" is not a tag: a tag has 1 to 128 letters, digits, _ . and -.`);
    await this.batchDelete(repository, { imageTag: tag }, options.signal);
  };

  /**
   * One image by digest or tag through BatchDeleteImage. The answer is HTTP 200 even when nothing
   * was deleted: each image that was not comes back in `failures` with a `failureCode` and
   * `failureReason` (API_ImageFailure.html), ImageNotFound for one the repository does not hold,
   * ImageReferencedByManifestList for a platform of an index that is still there.
   */
  private async batchDelete(
    repository: string,
    imageId: { imageDigest: string } | { imageTag: string },
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const what = 'imageTag' in imageId ? `the tag ${imageId.imageTag}` : imageId.imageDigest;
    const { endpoint, credentials } = await this.apiAccess(`deleting from ${repository}`);
    const call: Call = {
      operation: 'BatchDeleteImage',
      doing: `delete ${what} from ${repository}`,
      permission: 'ecr:BatchDeleteImage',
      policy: 'AmazonEC2ContainerRegistryPowerUser',
    };
    const input = { registryId: endpoint.account, repositoryName: repository, imageIds: [imageId] };
    const json = (await this.call(endpoint, credentials, call, input, signal)) as Record<string, unknown> | null;
    // One image asked, so any failure is its own (the answer is untrusted: a failure not an object counts too).
    const failures = Array.isArray(json?.failures) ? (json.failures as unknown[]) : [];
    if (failures.length === 0) return;
    const f = (failures[0] && typeof failures[0] === 'object' ? failures[0] : {}) as Record<string, unknown>;
    const code = text(f.failureCode, 100) ?? '';
    const reason = text(f.failureReason, 1000);
    const said = reason ? ` (it said: ${quoteRegistryText(reason, this.ctx.api.secrets)})` : '';
    if (code === 'ImageNotFound')
      throw new CoreError(
        'MANIFEST_UNKNOWN',
        `${VENDOR} has no ${'imageTag' in imageId ? `tag ${imageId.imageTag}` : `manifest ${imageId.imageDigest}`} in ${repository}${said}: it may have been deleted already.`,
      );
    if (code === 'ImageReferencedByManifestList')
      throw new CoreError(
        'API_ERROR',
        `${VENDOR} did not delete ${what} from ${repository}: an index (manifest list) in the repository still lists it${said}; delete the index first.`,
      );
    throw new CoreError(
      'API_ERROR',
      `${VENDOR} did not delete ${what} from ${repository}${code ? ` (${quoteRegistryText(code, this.ctx.api.secrets)})` : ''}${said}; try again later.`,
    );
  }

  /**
   * One request to ECR's API: POST / with `X-Amz-Target` naming the operation and a JSON 1.1 body
   * (CommonParameters.html), signed with Signature Version 4.
   */
  private async call(
    endpoint: { account: string; region: string; apiHost: string },
    credentials: AwsCredentials,
    call: Call,
    input: Record<string, unknown>,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const body = JSON.stringify(input);
    const signed = sign(
      {
        host: endpoint.apiHost,
        method: 'POST',
        path: '/',
        service: 'ecr',
        region: endpoint.region,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': TARGET_PREFIX + call.operation },
        body,
      },
      {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
      },
    );
    const headers: Record<string, string> = {};
    // The transport sets Host from the URL (the same name, port 443 left out, as signed).
    for (const [name, value] of Object.entries(signed.headers ?? {}))
      if (name.toLowerCase() !== 'host' && value !== undefined) headers[name.toLowerCase()] = String(value);
    this.ctx.api.secrets.add(headers.authorization);
    const res = await this.ctx.api.send({ method: 'POST', url: new URL(`https://${endpoint.apiHost}/`), headers, body, signal });
    if (res.status !== 200) throw await this.failure(res, credentials, endpoint, call);
    return readJson(res, VENDOR, call.doing);
  }

  private details(raw: unknown): RepositoryDetails[] {
    const name = text((raw as Record<string, unknown> | null)?.repositoryName, 256);
    if (!name || !isRepositoryName(name)) return [];
    const webUrl = cloudConsolePage('ecr', this.ctx.host, { repository: name });
    return [{ name, ...(webUrl ? { webUrl } : {}) }];
  }

  /**
   * A JSON 1.1 error: its type from `x-amzn-ErrorType` or the body's `__type`, as the AWS
   * protocol documents (CommonErrors.html for ECR: AccessDeniedException, ExpiredTokenException,
   * UnrecognizedClientException, InvalidSignatureException, ThrottlingException).
   */
  private async failure(
    res: HttpResponse,
    credentials: AwsCredentials,
    endpoint: { account: string; region: string },
    call: Call,
  ): Promise<CoreError> {
    const body = await errorBodyText(res);
    let parsed: Record<string, unknown> = {};
    try {
      parsed = (JSON.parse(body) as Record<string, unknown> | null) ?? {};
    } catch {
      /* no JSON body: the status decides */
    }
    const rawType = header(res, 'x-amzn-errortype') ?? (typeof parsed.__type === 'string' ? parsed.__type : '');
    const type = rawType.split(':')[0]!.split('#').pop()!;
    const message = typeof parsed.message === 'string' ? parsed.message : typeof parsed.Message === 'string' ? parsed.Message : '';
    const said = message ? quoteRegistryText(message, this.ctx.api.secrets) : '';
    const from = credentials.source;
    const renew = credentials.profile ? `aws sso login --profile ${credentials.profile}` : 'aws configure';
    switch (type) {
      case 'AccessDeniedException':
        return new CoreError(
          'SCOPE_MISSING',
          `${VENDOR} refused to ${call.doing}: the AWS identity from ${from} is not allowed ${call.permission} on the registry ${endpoint.account} in ${endpoint.region}${said ? ` (it said: ${said})` : ''}; ask an administrator to grant it (the ${call.policy} policy does), or use another profile.`,
        );
      case 'ExpiredTokenException':
      case 'ExpiredToken':
        return new CoreError(
          'TOKEN_REJECTED',
          `${VENDOR} says the AWS session token from ${from} has expired: run \`${renew}\` (or renew AWS_SESSION_TOKEN), then refresh.`,
          { remedy: { kind: 'run-command', host: this.ctx.host, command: renew } },
        );
      case 'UnrecognizedClientException':
      case 'InvalidClientTokenId':
        return new CoreError(
          'TOKEN_REJECTED',
          `${VENDOR} does not know the AWS access key from ${from} (it may have been deleted or deactivated): run \`aws configure${credentials.profile ? ` --profile ${credentials.profile}` : ''}\` with a current key, then refresh.`,
          { remedy: { kind: 'run-command', host: this.ctx.host, command: 'aws configure' } },
        );
      case 'InvalidSignatureException':
      case 'SignatureDoesNotMatch':
        return new CoreError(
          'TOKEN_REJECTED',
          `${VENDOR} refused the signature made with the AWS credentials from ${from}: check the secret access key, and that this computer's clock is right.`,
        );
      case 'RepositoryNotFoundException':
        // API_ListImages.html, API_BatchDeleteImage.html: the repository is not in the registry.
        return new CoreError(
          'NAME_UNKNOWN',
          `${VENDOR} has no repository for the request to ${call.doing}${said ? ` (it said: ${said})` : ''}.`,
        );
      case 'ThrottlingException':
        return new RateLimitError(`${VENDOR} is throttling requests from this account; try again in a minute.`, undefined);
      default:
        if (res.status === 429)
          return new RateLimitError(`${VENDOR} is throttling requests from this account; try again in a minute.`, undefined);
        return new CoreError(
          'API_ERROR',
          `${VENDOR} answered HTTP ${res.status}${type ? ` (${quoteRegistryText(type.slice(0, 100), this.ctx.api.secrets)})` : ''} to ${call.operation}${said ? `: ${said}` : ''}; try again later, or check the service's status.`,
        );
    }
  }
}
