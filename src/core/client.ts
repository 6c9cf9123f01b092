import { CoreError } from './errors';
import { nextPageUrl, sameOrigin } from './http/link';
import { registryErrorFor } from './registry-errors';
import { RegistryConnection, type RegistryEndpoint, type RequestLogger } from './transport/connection';
import { HttpTransport, type HttpResponse } from './transport/http';

/** What `GET /v2/` said about a registry: the extension shows it as the registry's state. */
export type PingResult =
  | { state: 'reachable'; origin: string }
  | { state: 'needs-login'; origin: string; scheme: string; realm?: string }
  | { state: 'unreachable'; error: CoreError };

export interface ListOptions {
  /** Entries asked for per request (`n`); registries may send fewer. Capped at 1000. */
  pageSize?: number;
  signal?: AbortSignal;
}

/** Registries that do not offer `_catalog` answer with one of these (401 means: log in first). */
const NO_CATALOG_STATUS = new Set([403, 404, 405]);

/** The largest listing page read into memory (Distribution may send every tag in one page). */
const MAX_PAGE_BYTES = 64 * 1024 * 1024;

/**
 * One registry's Distribution API, one method per call. Operations (pull, push, copy) are built on
 * top of it; it knows nothing of VS Code.
 */
export class RegistryClient {
  readonly connection: RegistryConnection;
  private readonly transport: HttpTransport;
  private readonly ownsTransport: boolean;

  constructor(endpoint: RegistryEndpoint, options: { transport?: HttpTransport; log?: RequestLogger; requestTimeoutMs?: number } = {}) {
    const timeout = options.requestTimeoutMs;
    this.ownsTransport = !options.transport;
    this.transport = options.transport
      ?? new HttpTransport(() => ({ skipVerify: endpoint.insecure, connectTimeoutMs: timeout, headersTimeoutMs: timeout }));
    this.connection = new RegistryConnection(endpoint, this.transport, options.log);
  }

  get host(): string {
    return this.connection.endpoint.host;
  }

  /** Closes the connections this client opened (only those of a transport it created itself). */
  async close(): Promise<void> {
    if (this.ownsTransport) await this.transport.close();
  }

  /** `GET /v2/`: reachable, needs a login (with the challenge's scheme), or why not. */
  async ping(signal?: AbortSignal): Promise<PingResult> {
    let res: HttpResponse;
    try {
      res = await this.connection.send({ method: 'GET', url: this.connection.url('/v2/'), signal });
    } catch (err) {
      if (err instanceof CoreError) return { state: 'unreachable', error: err };
      throw err;
    }
    const text = await readText(res);
    const origin = this.connection.origin;
    if (res.status >= 200 && res.status < 300) return { state: 'reachable', origin };
    if (res.status === 401) {
      const header = String(res.headers['www-authenticate'] ?? '');
      const scheme = /^\s*(\w+)/.exec(header)?.[1]?.toLowerCase() ?? 'unknown';
      const realm = /realm="([^"]*)"/i.exec(header)?.[1];
      return { state: 'needs-login', origin, scheme, ...(realm ? { realm } : {}) };
    }
    return { state: 'unreachable', error: registryErrorFor(res.status, text, 'the API root /v2/', this.host) };
  }

  /**
   * Repository names from `_catalog`, a page at a time, following `Link` (same origin only).
   * A registry without a catalog throws `CoreError('CATALOG_UNSUPPORTED')` on the first page.
   */
  listRepositories(options: ListOptions = {}): AsyncGenerator<string[]> {
    return this.pages('/v2/_catalog', 'repositories', 'the catalog', options, (status, text) => {
      const code = registryErrorFor(status, text, 'the catalog', this.host).code;
      if (NO_CATALOG_STATUS.has(status) || code === 'UNSUPPORTED') {
        return new CoreError('CATALOG_UNSUPPORTED', `${this.host} does not list its repositories (HTTP ${status}): add the ones you use to the registry's "repositories" in registryExplorer.registries.`);
      }
      return undefined;
    });
  }

  /** Tags of a repository, a page at a time, following `Link` (same origin only). */
  listTags(repository: string, options: ListOptions = {}): AsyncGenerator<string[]> {
    return this.pages(`/v2/${repository}/tags/list`, 'tags', `repository ${repository}`, options);
  }

  private async *pages(
    path: string,
    field: 'repositories' | 'tags',
    what: string,
    options: ListOptions,
    explainFailure?: (status: number, text: string) => CoreError | undefined,
  ): AsyncGenerator<string[]> {
    const pageSize = Math.max(1, Math.min(1000, options.pageSize ?? 100));
    let url: URL | undefined = this.connection.url(`${path}?n=${pageSize}`);
    const seen = new Set<string>();
    while (url) {
      if (seen.has(url.href)) throw new CoreError('PAGINATION_LOOP', `${this.host} sent the same page link twice while listing ${what}; the listing stops here.`);
      seen.add(url.href);
      const res = await this.connection.send({ method: 'GET', url, headers: { accept: 'application/json' }, signal: options.signal });
      const text = await readText(res);
      if (res.status !== 200) {
        throw explainFailure?.(res.status, text) ?? registryErrorFor(res.status, text, what, this.host);
      }
      let entries: unknown;
      try {
        entries = (JSON.parse(text) as Record<string, unknown>)[field];
      } catch {
        throw new CoreError('BAD_RESPONSE', `${this.host} sent a listing of ${what} that is not JSON: check that the URL points at a registry.`);
      }
      if (entries !== null && entries !== undefined && !Array.isArray(entries)) {
        throw new CoreError('BAD_RESPONSE', `${this.host} sent a listing of ${what} without a "${field}" list.`);
      }
      const requestUrl: URL = url;
      const next = nextPageUrl(headerValue(res.headers.link), requestUrl.href);
      if (next && !sameOrigin(next, requestUrl.href)) {
        throw new CoreError('CROSS_ORIGIN_LINK', `${this.host} pointed the next page of ${what} at another origin (${new URL(next).origin}); it is not followed.`);
      }
      url = next ? new URL(next) : undefined;
      yield (entries ?? []).filter((e): e is string => typeof e === 'string');
    }
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Reads a response body as text, refusing more than `limit` bytes whatever Content-Length says. */
async function readText(res: HttpResponse, limit = MAX_PAGE_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      res.body.destroy();
      throw new CoreError('RESPONSE_TOO_LARGE', `${res.url.host} sent more than ${limit / 1048576} MiB for ${res.url.pathname}; the response was not read.`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
