// Amazon ECR's API as the ECR API Reference documents it, for DescribeRepositories, under
// `api.ecr.REGION.amazonaws.com`, in front of the lab registry that stands for the ECR registry
// (its repositories are the lab registry's own, read from its catalog). Each behaviour names its
// page under docs.aws.amazon.com/AmazonECR/latest/APIReference/:
// - API_DescribeRepositories.html: POST / with `X-Amz-Target:
//   AmazonEC2ContainerRegistry_V20150921.DescribeRepositories` and
//   `Content-Type: application/x-amz-json-1.1`; `registryId`, `maxResults` (1–1000, default 100),
//   `nextToken` (opaque, from the previous page); the answer's `repositories` and `nextToken`.
// - CommonParameters.html / CommonErrors.html: Signature Version 4 (checked for real by
//   sigv4-check.ts), `X-Amz-Security-Token` for temporary credentials; AccessDeniedException,
//   ExpiredTokenException, UnrecognizedClientException, InvalidSignatureException,
//   MissingAuthenticationTokenException, ThrottlingException, InvalidParameterException, each as
//   HTTP 400 with `{"__type", "message"}` and the `x-amzn-ErrorType` header (the JSON 1.1 protocol).
import type { Lab, LabRegistry } from '../registry';
import { ContractServer, type ContractAnswer, type ContractRequest } from './contract-server';
import { checkSigV4 } from './sigv4-check';

const TARGET = 'AmazonEC2ContainerRegistry_V20150921.DescribeRepositories';

/** An IAM identity's access key: its secret, its session token (temporary credentials), and what it may do. */
export interface AwsKey {
  secret: string;
  sessionToken?: string;
  /** A temporary key whose session has ended: every request gets ExpiredTokenException. */
  expired?: boolean;
  /** Whether its policy allows ecr:DescribeRepositories (AccessDeniedException otherwise). */
  mayList: boolean;
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
    if (req.headers['x-amz-target'] !== TARGET || !/^application\/x-amz-json-1\.1\b/.test(String(req.headers['content-type'])))
      return error(400, 'UnknownOperationException', 'Unknown operation');
    if (!key.mayList)
      return error(
        400,
        'AccessDeniedException',
        `User: arn:aws:iam::${this.options.account}:user/${key.user} is not authorized to perform: ecr:DescribeRepositories on resource: arn:aws:ecr:${this.options.region}:${this.options.account}:repository/* because no identity-based policy allows the ecr:DescribeRepositories action`,
      );
    let input: { registryId?: unknown; maxResults?: unknown; nextToken?: unknown };
    try {
      input = JSON.parse(req.body || '{}') as typeof input;
    } catch {
      return error(400, 'SerializationException', 'Start of structure or map found where not expected.');
    }
    if (input.registryId !== undefined && input.registryId !== this.options.account)
      return error(
        400,
        'AccessDeniedException',
        `User: arn:aws:iam::${this.options.account}:user/${key.user} is not authorized to perform: ecr:DescribeRepositories on resource: arn:aws:ecr:${this.options.region}:${String(input.registryId)}:repository/*`,
      );
    const maxResults = input.maxResults === undefined ? 100 : input.maxResults;
    if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1 || maxResults > 1000)
      return error(
        400,
        'InvalidParameterException',
        "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 1000",
      );
    this.maxResultsSeen.push(maxResults);
    const names = await this.repositoryNames();
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
    const page = names.slice(offset, offset + size);
    const next = offset + size < names.length ? Buffer.from(`ecr-page:${offset + size}`).toString('base64') : undefined;
    const host = `${this.options.account}.dkr.ecr.${this.options.region}.amazonaws.com`;
    return {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      json: {
        repositories: page.map((name) => ({
          repositoryArn: `arn:aws:ecr:${this.options.region}:${this.options.account}:repository/${name}`,
          registryId: this.options.account,
          repositoryName: name,
          repositoryUri: `${host}/${name}`,
          createdAt: 1.7e9,
          imageTagMutability: 'MUTABLE',
          imageScanningConfiguration: { scanOnPush: false },
          encryptionConfiguration: { encryptionType: 'AES256' },
        })),
        ...(next ? { nextToken: next } : {}),
      },
    };
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

function error(status: number, type: string, message: string): ContractAnswer {
  return {
    status,
    headers: { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazonaws.ecr/` },
    json: { __type: type, message },
  };
}
