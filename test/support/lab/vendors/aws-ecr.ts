// Amazon ECR's API as the ECR API Reference documents it, for DescribeRepositories, DescribeImages,
// ListImages and BatchDeleteImage, under `api.ecr.REGION.amazonaws.com`, in front of the lab
// registry that stands for the ECR registry (its repositories and images are the lab registry's
// own, read from its catalog and its storage, and BatchDeleteImage deletes there for real). Each behaviour names its
// page under docs.aws.amazon.com/AmazonECR/latest/APIReference/:
// - API_DescribeRepositories.html: POST / with `X-Amz-Target:
//   AmazonEC2ContainerRegistry_V20150921.DescribeRepositories` and
//   `Content-Type: application/x-amz-json-1.1`; `registryId`, `maxResults` (1–1000, default 100),
//   `nextToken` (opaque, from the previous page); the answer's `repositories` and `nextToken`.
// - API_ListImages.html, API_ListImagesFilter.html, API_ImageIdentifier.html: `repositoryName`
//   (required), `registryId`, `filter.tagStatus` TAGGED | UNTAGGED | ANY, `maxResults` (1–1000,
//   default 100), `nextToken`; the answer's `imageIds` (`imageDigest`, and `imageTag` for each tag
//   of a tagged image) and `nextToken`; RepositoryNotFoundException for a repository not there.
// - API_DescribeImages.html, API_DescribeImagesFilter.html, API_ImageDetail.html: `repositoryName`
//   (required), `registryId`, `filter.tagStatus` TAGGED | UNTAGGED | ANY, `maxResults` (1–1000,
//   default 100) and `nextToken`, or `imageIds` (1–100), with which neither `maxResults` nor
//   `nextToken` may be used; ImageNotFoundException for an image asked by id that is not there. The
//   answer's `imageDetails`, one per image (not per tag): `registryId`, `repositoryName`,
//   `imageDigest`, `imageTags` (tagged images only), `imageSizeInBytes` ("If the image is a manifest
//   list, this will be the max size of all manifests in the list"), `imagePushedAt` (a Timestamp:
//   epoch seconds in JSON 1.1), `imageManifestMediaType`, `artifactMediaType` (the config's media
//   type); and `nextToken`. No image here has been pulled through ECR, so no `lastRecordedPullTime`.
// - API_BatchDeleteImage.html, API_ImageFailure.html: `repositoryName`, `registryId`, `imageIds`
//   (1–100, each by `imageDigest` or by `imageTag`); HTTP 200 with `imageIds` deleted (an image by
//   digest goes with every tag on it; by tag, only that tag goes, and the image with its last tag:
//   "You can remove a tag from an image by specifying the image's tag in your request. When you
//   remove the last tag from an image, the image is deleted from your repository.") and `failures`
//   (`imageId`, `failureCode`, `failureReason`): ImageNotFound, and ImageReferencedByManifestList
//   for a platform manifest an index in the repository still lists.
// - CommonParameters.html / CommonErrors.html: Signature Version 4 (checked for real by
//   sigv4-check.ts), `X-Amz-Security-Token` for temporary credentials; AccessDeniedException,
//   ExpiredTokenException, UnrecognizedClientException, InvalidSignatureException,
//   MissingAuthenticationTokenException, ThrottlingException, InvalidParameterException, each as
//   HTTP 400 with `{"__type", "message"}` and the `x-amzn-ErrorType` header (the JSON 1.1 protocol).
import type { Lab, LabRegistry } from '../registry';
import { ContractServer, type ContractAnswer, type ContractRequest } from './contract-server';
import { imageSize, removeStoredTag, storedManifests, type StoredManifest } from './stored-manifests';
import { checkSigV4 } from './sigv4-check';

const PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';
const OPERATIONS = ['DescribeRepositories', 'DescribeImages', 'ListImages', 'BatchDeleteImage'] as const;
type Operation = (typeof OPERATIONS)[number];

/** An IAM identity's access key: its secret, its session token (temporary credentials), and what it may do. */
export interface AwsKey {
  secret: string;
  sessionToken?: string;
  /** A temporary key whose session has ended: every request gets ExpiredTokenException. */
  expired?: boolean;
  /** Whether its policy allows ecr:DescribeRepositories and ecr:ListImages (AccessDeniedException otherwise). */
  mayList: boolean;
  /** Whether its policy allows ecr:BatchDeleteImage (default: it does). */
  mayDelete?: boolean;
  /** Whether its policy allows ecr:DescribeImages (default: as `mayList`): a policy that grants ListImages alone. */
  mayDescribeImages?: boolean;
  user: string;
}

export interface EcrApiOptions {
  account: string;
  region: string;
  /** Access key id → key. */
  keys: Record<string, AwsKey>;
  /** The most repositories one page holds whatever maxResults asks (to see paging with few repositories). */
  maxPage?: number;
  /** Which of the lab registry's repositories are this account's (default: all). */
  owns?: (repository: string) => boolean;
}

export class EcrApiContract {
  /** The maxResults each DescribeRepositories asked for, in order. */
  readonly maxResultsSeen: number[] = [];
  /** The operations asked, in order (after the signature checks). */
  readonly operations: Operation[] = [];

  private constructor(
    readonly server: ContractServer,
    readonly apiHost: string,
    private readonly options: EcrApiOptions,
    private readonly registry: LabRegistry,
  ) {}

  static async start(lab: Lab, registry: LabRegistry, options: EcrApiOptions): Promise<EcrApiContract> {
    const apiHost = `api.ecr.${options.region}.amazonaws.com`;
    const ref: { contract?: EcrApiContract } = {};
    const server = await ContractServer.start({ lab, label: 'aws-ecr-api', names: [apiHost], handler: (req) => ref.contract!.handle(req) });
    ref.contract = new EcrApiContract(server, apiHost, options, registry);
    return ref.contract;
  }

  private async handle(req: ContractRequest): Promise<ContractAnswer> {
    if (req.method !== 'POST' || req.path !== '/') return error(404, 'UnknownOperationException', 'Unknown operation');
    const signed = checkSigV4(
      { method: req.method, path: req.path, query: req.query, headers: req.headers, body: req.body },
      { region: this.options.region, service: 'ecr', secretFor: (id) => this.options.keys[id]?.secret, now: Date.now() },
    );
    if ('type' in signed) return error(signed.type === 'MissingAuthenticationTokenException' ? 403 : 400, signed.type, signed.message);
    const key = this.options.keys[signed.accessKeyId]!;
    // CommonParameters.html: temporary credentials need X-Amz-Security-Token, which must be signed.
    if (key.sessionToken !== undefined) {
      const signedNames = /SignedHeaders=([a-z0-9;-]+)/.exec(String(req.headers.authorization))?.[1]?.split(';') ?? [];
      if (req.headers['x-amz-security-token'] !== key.sessionToken || !signedNames.includes('x-amz-security-token'))
        return error(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
      if (key.expired) return error(400, 'ExpiredTokenException', 'The security token included in the request is expired');
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = OPERATIONS.find((o) => target === PREFIX + o);
    if (!operation || !/^application\/x-amz-json-1\.1\b/.test(String(req.headers['content-type'])))
      return error(400, 'UnknownOperationException', 'Unknown operation');
    this.operations.push(operation);
    const allowed =
      operation === 'BatchDeleteImage'
        ? key.mayDelete !== false
        : operation === 'DescribeImages'
          ? (key.mayDescribeImages ?? key.mayList)
          : key.mayList;
    const resource = (registryId: string, name = '*') => `arn:aws:ecr:${this.options.region}:${registryId}:repository/${name}`;
    let input: {
      registryId?: unknown;
      maxResults?: unknown;
      nextToken?: unknown;
      repositoryName?: unknown;
      filter?: unknown;
      imageIds?: unknown;
    };
    try {
      input = JSON.parse(req.body || '{}') as typeof input;
    } catch {
      return error(400, 'SerializationException', 'Start of structure or map found where not expected.');
    }
    const named = typeof input.repositoryName === 'string' ? input.repositoryName : '*';
    if (!allowed)
      return error(
        400,
        'AccessDeniedException',
        `User: arn:aws:iam::${this.options.account}:user/${key.user} is not authorized to perform: ecr:${operation} on resource: ${resource(this.options.account, named)} because no identity-based policy allows the ecr:${operation} action`,
      );
    if (input.registryId !== undefined && input.registryId !== this.options.account)
      return error(
        400,
        'AccessDeniedException',
        `User: arn:aws:iam::${this.options.account}:user/${key.user} is not authorized to perform: ecr:${operation} on resource: ${resource(String(input.registryId), named)}`,
      );
    if (operation === 'ListImages') return this.listImages(input);
    if (operation === 'DescribeImages') return this.describeImages(input);
    if (operation === 'BatchDeleteImage') return this.batchDeleteImage(input);
    const names = await this.repositoryNames();
    const host = `${this.options.account}.dkr.ecr.${this.options.region}.amazonaws.com`;
    return this.page(
      input,
      'repositories',
      names.map((name) => ({
        repositoryArn: `arn:aws:ecr:${this.options.region}:${this.options.account}:repository/${name}`,
        registryId: this.options.account,
        repositoryName: name,
        repositoryUri: `${host}/${name}`,
        createdAt: 1.7e9,
        imageTagMutability: 'MUTABLE',
        imageScanningConfiguration: { scanOnPush: false },
        encryptionConfiguration: { encryptionType: 'AES256' },
      })),
    );
  }

  /** A page of `items` under `field`: `maxResults` (1–1000, default 100) after the offset `nextToken` names, and the next token while more follow. */
  private page(input: { maxResults?: unknown; nextToken?: unknown }, field: string, items: unknown[]): ContractAnswer {
    const maxResults = input.maxResults === undefined ? 100 : input.maxResults;
    if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1 || maxResults > 1000)
      return error(
        400,
        'InvalidParameterException',
        "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 1000",
      );
    this.maxResultsSeen.push(maxResults);
    let offset = 0;
    if (input.nextToken !== undefined) {
      const decoded =
        typeof input.nextToken === 'string' ? /^ecr-page:(\d+)$/.exec(Buffer.from(input.nextToken, 'base64').toString('utf8')) : null;
      if (!decoded)
        return error(
          400,
          'InvalidParameterException',
          "Invalid parameter at 'nextToken' failed to satisfy constraint: the token is not valid",
        );
      offset = Number(decoded[1]);
    }
    const size = Math.min(maxResults, this.options.maxPage ?? 1000);
    const next = offset + size < items.length ? Buffer.from(`ecr-page:${offset + size}`).toString('base64') : undefined;
    return {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      json: { [field]: items.slice(offset, offset + size), ...(next ? { nextToken: next } : {}) },
    };
  }

  /**
   * The repository ListImages and DescribeImages read, and their `filter.tagStatus`
   * (API_ListImagesFilter.html, API_DescribeImagesFilter.html: TAGGED, UNTAGGED or ANY), or the
   * error either answers: RepositoryNotFoundException, or the validation error of a bad status.
   */
  private imagesOf(input: {
    repositoryName?: unknown;
    filter?: unknown;
  }): { answer: ContractAnswer } | { name: string; stored: StoredManifest[]; status: unknown } {
    const name = input.repositoryName;
    if (typeof name !== 'string' || !(this.options.owns?.(name) ?? true))
      return { answer: repositoryNotFound(this.options.account, String(name)) };
    const stored = storedManifests(this.registry, name);
    if (!stored) return { answer: repositoryNotFound(this.options.account, name) };
    const status = (input.filter as { tagStatus?: unknown } | undefined)?.tagStatus ?? 'ANY';
    if (!['TAGGED', 'UNTAGGED', 'ANY'].includes(String(status)))
      return {
        answer: error(
          400,
          'InvalidParameterException',
          "1 validation error detected: Value at 'filter.tagStatus' failed to satisfy constraint: Member must satisfy enum value set: [TAGGED, UNTAGGED, ANY]",
        ),
      };
    return { name, stored, status };
  }

  /** ListImages over the lab registry's storage: one entry per tag of a tagged image, one without imageTag for an untagged one. */
  private listImages(input: { repositoryName?: unknown; filter?: unknown; maxResults?: unknown; nextToken?: unknown }): ContractAnswer {
    const found = this.imagesOf(input);
    if ('answer' in found) return found.answer;
    const { stored, status } = found;
    const ids = stored.flatMap((m) =>
      m.tags.length === 0
        ? status === 'TAGGED'
          ? []
          : [{ imageDigest: m.digest }]
        : status === 'UNTAGGED'
          ? []
          : m.tags.map((tag) => ({ imageDigest: m.digest, imageTag: tag })),
    );
    return this.page(input, 'imageIds', ids);
  }

  /**
   * DescribeImages over the lab registry's storage: one entry per image with its tags, size and
   * push time (API_DescribeImages.html, API_ImageDetail.html), filtered by `filter.tagStatus`
   * (API_DescribeImagesFilter.html) or chosen by `imageIds`, paged like the other lists.
   */
  private describeImages(input: {
    repositoryName?: unknown;
    filter?: unknown;
    imageIds?: unknown;
    maxResults?: unknown;
    nextToken?: unknown;
  }): ContractAnswer {
    const found = this.imagesOf(input);
    if ('answer' in found) return found.answer;
    const { name, stored, status } = found;
    const sizeOf = (m: StoredManifest): number =>
      m.json.manifests
        ? Math.max(0, ...m.json.manifests.map((c) => stored.find((s) => s.digest === c.digest)).map((c) => (c ? imageSize(c) : 0)))
        : imageSize(m);
    const detail = (m: StoredManifest) => ({
      registryId: this.options.account,
      repositoryName: name,
      imageDigest: m.digest,
      ...(m.tags.length ? { imageTags: m.tags } : {}),
      imageSizeInBytes: sizeOf(m),
      imagePushedAt: m.pushed.getTime() / 1000,
      ...(m.json.mediaType ? { imageManifestMediaType: m.json.mediaType } : {}),
      ...(m.json.config?.mediaType ? { artifactMediaType: m.json.config.mediaType } : {}),
    });
    if (input.imageIds !== undefined) {
      // "This option cannot be used when you specify images with imageIds" (maxResults, nextToken).
      const ids = Array.isArray(input.imageIds) ? (input.imageIds as { imageDigest?: unknown; imageTag?: unknown }[]) : [];
      if (ids.length < 1 || ids.length > 100 || input.maxResults !== undefined || input.nextToken !== undefined)
        return error(
          400,
          'InvalidParameterException',
          'Invalid parameter: imageIds must hold 1 to 100 images, and cannot be used with maxResults or nextToken',
        );
      const found = ids.map((id) =>
        stored.find((m) => (typeof id.imageDigest === 'string' ? m.digest === id.imageDigest : m.tags.includes(String(id.imageTag)))),
      );
      if (found.some((m) => !m))
        return error(
          400,
          'ImageNotFoundException',
          `The image with imageId ${JSON.stringify(ids[found.indexOf(undefined)])} does not exist`,
        );
      return {
        status: 200,
        headers: { 'content-type': 'application/x-amz-json-1.1' },
        json: { imageDetails: found.map((m) => detail(m!)) },
      };
    }
    const chosen = stored.filter((m) => (status === 'TAGGED' ? m.tags.length > 0 : status === 'UNTAGGED' ? m.tags.length === 0 : true));
    return this.page(input, 'imageDetails', chosen.map(detail));
  }

  /** BatchDeleteImage by digest: deleted in the lab registry through its own API (which takes the tags with it). */
  private async batchDeleteImage(input: { repositoryName?: unknown; imageIds?: unknown }): Promise<ContractAnswer> {
    const name = input.repositoryName;
    if (typeof name !== 'string' || !(this.options.owns?.(name) ?? true)) return repositoryNotFound(this.options.account, String(name));
    const ids = Array.isArray(input.imageIds) ? (input.imageIds as { imageDigest?: unknown; imageTag?: unknown }[]) : [];
    if (ids.length < 1 || ids.length > 100)
      return error(
        400,
        'InvalidParameterException',
        "1 validation error detected: Value at 'imageIds' failed to satisfy constraint: Member must have length between 1 and 100",
      );
    const stored = storedManifests(this.registry, name);
    if (!stored) return repositoryNotFound(this.options.account, name);
    const deleted: { imageDigest: string; imageTag?: string }[] = [];
    const failures: { imageId: unknown; failureCode: string; failureReason: string }[] = [];
    for (const id of ids) {
      const tag = typeof id.imageTag === 'string' ? id.imageTag : undefined;
      const byTag = tag !== undefined && typeof id.imageDigest !== 'string';
      const digest =
        typeof id.imageDigest === 'string' ? id.imageDigest : stored.find((m) => tag !== undefined && m.tags.includes(tag))?.digest;
      const found = stored.find((m) => m.digest === digest);
      if (!digest && !byTag)
        failures.push({ imageId: id, failureCode: 'MissingDigestAndTag', failureReason: 'Missing image digest and image tag' });
      else if (!found) failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' });
      else if (byTag && found.tags.length > 1) {
        // Not its last tag: the tag goes, the image stays.
        removeStoredTag(this.registry, name, tag);
        deleted.push({ imageDigest: found.digest, imageTag: tag });
      } else {
        const parents = stored.filter((m) => m.json.manifests?.some((c) => c.digest === found.digest)).map((m) => m.digest);
        if (parents.length)
          failures.push({
            imageId: id,
            failureCode: 'ImageReferencedByManifestList',
            failureReason: `Requested image referenced by manifest list: [${parents.join(', ')}]`,
          });
        else {
          const token = this.registry.tokenServer!.issue('ecr-api', this.registry.tokenService!, [
            { type: 'repository', name, actions: ['delete'] },
          ]);
          const res = await fetch(`${this.registry.url}/v2/${name}/manifests/${found.digest}`, {
            method: 'DELETE',
            headers: { authorization: `Bearer ${token}` },
          });
          if (res.status !== 202) throw new Error(`the lab registry answered ${res.status} to a delete of ${found.digest}`);
          deleted.push(
            ...(found.tags.length ? found.tags.map((t) => ({ imageDigest: found.digest, imageTag: t })) : [{ imageDigest: found.digest }]),
          );
        }
      }
    }
    return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, json: { imageIds: deleted, failures } };
  }

  /** The lab registry's repositories, read from its catalog with a token its token server issues. */
  private async repositoryNames(): Promise<string[]> {
    const token = this.registry.tokenServer!.issue('ecr-api', this.registry.tokenService!, [
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
    const res = await fetch(`${this.registry.url}/v2/_catalog?n=1000`, { headers: { authorization: `Bearer ${token}` } });
    const json = (await res.json()) as { repositories?: string[] };
    return [...(json.repositories ?? [])].filter((name) => this.options.owns?.(name) ?? true).sort();
  }
}

function repositoryNotFound(account: string, name: string): ContractAnswer {
  return error(
    400,
    'RepositoryNotFoundException',
    `The repository with name '${name}' does not exist in the registry with id '${account}'`,
  );
}

function error(status: number, type: string, message: string): ContractAnswer {
  return {
    status,
    headers: { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazonaws.ecr/` },
    json: { __type: type, message },
  };
}
