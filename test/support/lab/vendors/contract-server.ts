// The framework of the vendor contract servers: one HTTPS server on 127.0.0.1 that answers for a
// vendor's real host names (ghcr.io, api.github.com, …) with a certificate for all of them signed
// by the lab CA, reached by the client under test through resolve rules. Each vendor module gives
// the answers its documentation describes; the `/v2/` part of a registry host is a real lab
// Distribution registry (token auth) behind this server, whose challenge is rewritten to name the
// vendor's own token endpoint, so the token flow a user's client runs is the vendor's. Every
// request is recorded (never a secret), and a test can make chosen requests fail the way the
// vendor documents (a rate limit, an expired token) with one-shot overrides. A run in a real VS Code
// has the record written to a file too, so the suite in the extension host can read it.
import { appendFileSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import { join } from 'node:path';
import { signedLeaf, type CertKeyPair } from '../certs';
import { LoopbackServer } from '../fault-proxy';
import { folderWith } from '../folders';
import type { Lab, LabRegistry } from '../registry';
import type { AccessEntry } from '../token-server';
import { parseScope } from '../token-server';

/** One request as a handler sees it: the Host it was sent to, the path, query and body. */
export interface ContractRequest {
  method: string;
  /** The Host header's name (no port): which of the vendor's hosts was asked. */
  host: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** An answer: a status, headers, and a JSON or text body. */
export interface ContractAnswer {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
}

/** The vendor's answers; undefined means 404 with the vendor's not-found body (the handler's `notFound`). */
export type ContractHandler = (req: ContractRequest) => ContractAnswer | undefined | Promise<ContractAnswer | undefined>;

/** A registry host whose `/v2/` is a lab registry behind this server, with the vendor's challenge. */
export interface RegistryFront {
  /** The name the client uses (`ghcr.io`, `registry-1.docker.io`). */
  host: string;
  registry: LabRegistry;
  /** The vendor's token endpoint and service, as its challenge names them. */
  realm: string;
  service: string;
  /**
   * A registry that takes Basic credentials on every request (ECR): the front checks them, answers a
   * Basic challenge naming `realm` without them, and hands the lab registry a token for the path asked.
   */
  basic?: (username: string, password: string) => boolean;
  /** Paths under `/v2/` the vendor answers itself (Quay's token endpoint is /v2/auth on the registry's own host). */
  except?: RegExp;
  /** Headers the vendor adds to some `/v2/` answers (Docker Hub's pull rate limit), or an answer instead of the registry's. */
  intercept?: (req: ContractRequest) => { answer?: ContractAnswer; headers?: Record<string, string> } | undefined;
}

export interface SeenContractRequest {
  method: string;
  host: string;
  /** Path with query. */
  path: string;
  status: number;
  /** Whether an Authorization, PRIVATE-TOKEN or similar header came (never its value). */
  signedIn: boolean;
  /** The operation an RPC-style API names in a header (ECR's `X-Amz-Target`), when one came. */
  target?: string;
}

export interface ContractOverride {
  host?: string;
  method?: string;
  /** Tested against the path with its query. */
  path: RegExp;
  answer: ContractAnswer;
  /** How many matching requests get it; default one. */
  times?: number;
}

const MAX_BODY_BYTES = 256 * 1024;

export class ContractServer {
  readonly seen: SeenContractRequest[] = [];
  private overrides: (ContractOverride & { left: number })[] = [];
  private recordFile: string | undefined;

  private constructor(
    private readonly server: LoopbackServer,
    readonly names: readonly string[],
    readonly caCertPath: string,
    /** A hosts directory with each name's `ca.crt` (the lab CA), for the session or the extension's setting. */
    readonly hostsDirectory: string,
  ) {}

  /** Starts the server for `names`, with a certificate for all of them signed by the lab CA. */
  static async start(options: {
    lab: Lab;
    label: string;
    names: string[];
    handler: ContractHandler;
    fronts?: RegistryFront[];
  }): Promise<ContractServer> {
    const certs = await options.lab.certs();
    const pair: CertKeyPair = await signedLeaf(
      certs.dir,
      certs.ca,
      `vendor-${options.label}`,
      options.names[0]!,
      options.names.map((n) => `DNS:${n}`).join(', '),
      'serverAuth',
    );
    const ca = readFileSync(certs.ca.certPath, 'utf8');
    const hostsDirectory = folderWith(Object.fromEntries(options.names.map((n) => [`${n}/ca.crt`, ca])), `vendor-${options.label}-`);
    const ref: { instance?: ContractServer } = {};
    const server = await LoopbackServer.listen(
      (req, res) => {
        void ref.instance!.handle(req, res, options.handler, options.fronts ?? []).catch((err: Error) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`contract server error: ${err.message}`);
        });
      },
      { tls: { cert: readFileSync(pair.certPath, 'utf8'), key: readFileSync(pair.keyPath, 'utf8') } },
    );
    ref.instance = new ContractServer(server, options.names, certs.ca.certPath, hostsDirectory);
    return ref.instance;
  }

  get port(): number {
    return Number(this.server.host.split(':').pop());
  }

  /** `name:443:127.0.0.1:port` for each name: the client dials this server, keeping the vendor's name for Host, SNI and the certificate. */
  resolveRules(): string[] {
    return this.names.map((n) => `${n}:443:127.0.0.1:${this.port}`);
  }

  /** Makes the next matching request(s) get `answer` instead. */
  override(rule: ContractOverride): void {
    this.overrides.push({ ...rule, left: rule.times ?? 1 });
  }

  /**
   * Also appends every request, once answered, to `file` as a line of JSON (a SeenContractRequest):
   * for a suite in another process (the extension host), which reads it with `readSeenRequests` (vendor-deletes.ts).
   */
  recordTo(file: string): void {
    this.recordFile = file;
  }

  clear(): void {
    this.overrides = [];
    this.seen.length = 0;
  }

  /** Requests seen to a host whose path (with query) matches. */
  count(host: string, path: RegExp, method = 'GET'): number {
    return this.seen.filter((r) => r.host === host && r.method === method && path.test(r.path)).length;
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }

  private async handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    handler: ContractHandler,
    fronts: RegistryFront[],
  ): Promise<void> {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const url = new URL(req.url ?? '/', 'https://contract.invalid');
    const seen: SeenContractRequest = {
      method: req.method ?? '',
      host,
      path: `${url.pathname}${url.search}`,
      status: 0,
      signedIn: req.headers.authorization !== undefined || req.headers['private-token'] !== undefined,
    };
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string') seen.target = target;
    this.seen.push(seen);
    if (this.seen.length > 10_000) this.seen.splice(0, this.seen.length - 10_000);
    // Recorded as its answer starts, so the record holds it before the client can read the answer.
    const answered = (status: number): void => {
      seen.status = status;
      if (this.recordFile) appendFileSync(this.recordFile, `${JSON.stringify(seen)}\n`);
    };
    const front = fronts.find((f) => f.host === host);
    const isRegistryApi = front && (url.pathname === '/v2' || url.pathname.startsWith('/v2/')) && !front.except?.test(url.pathname);
    const body = isRegistryApi ? '' : await readBody(req);
    const contract: ContractRequest = {
      method: req.method ?? 'GET',
      host,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
    };
    const override = this.overrides.find(
      (o) => o.left > 0 && (!o.host || o.host === host) && (!o.method || o.method === req.method) && o.path.test(seen.path),
    );
    if (override) {
      override.left--;
      answered(override.answer.status);
      return send(res, override.answer);
    }
    if (front && isRegistryApi) {
      const intercepted = front.intercept?.(contract);
      if (intercepted?.answer) {
        answered(intercepted.answer.status);
        return send(res, intercepted.answer);
      }
      if (front.basic) {
        const login = basicCredentials(req.headers);
        if (!login || !front.basic(login.username, login.password)) {
          answered(401);
          return send(res, {
            status: 401,
            headers: { 'www-authenticate': `Basic realm="${front.realm}",service="${front.service}"` },
            json: { errors: [{ code: 'DENIED', message: 'Not Authorized' }] },
          });
        }
        req.headers.authorization = `Bearer ${front.registry.tokenServer!.issue(login.username, front.registry.tokenService!, accessFor(url.pathname))}`;
      }
      await proxy(req, res, front, intercepted?.headers ?? {}, answered);
      return;
    }
    const answer = (await handler(contract)) ?? { status: 404, json: { message: 'Not Found' } };
    answered(answer.status);
    send(res, answer);
  }
}

/** Answers a bearer token the lab registry accepts (the vendor's token endpoints all answer `token`, some `access_token` too). */
export function registryToken(registry: LabRegistry, subject: string | null, access: AccessEntry[], expiresIn = 300): ContractAnswer {
  const token = registry.tokenServer!.issue(subject, registry.tokenService!, access, expiresIn);
  return { status: 200, json: { token, access_token: token, expires_in: expiresIn, issued_at: new Date().toISOString() } };
}

/** The scopes a token request asks for (`scope` may repeat, and may hold several separated by spaces). */
export function requestedScopes(query: URLSearchParams): AccessEntry[] {
  return query
    .getAll('scope')
    .flatMap((s) => s.split(' '))
    .filter(Boolean)
    .map(parseScope)
    .filter((s): s is AccessEntry => s !== null);
}

/**
 * A repository's routes of the Distribution API, the repository name first: the name is what comes
 * before the route's own end (`/tags/list`, `/manifests/<reference>`, `/blobs/<digest>`,
 * `/blobs/uploads/[<id>]`, `/referrers/<digest>`), matched at the path's end, so a name with a
 * segment called `tags`, `blobs` or `manifests` (`team/tags`) is whole. The greedy name takes the
 * longest prefix that leaves a route, and none of those ends has a slash in its last part, so only
 * one split fits.
 */
const REPOSITORY_ROUTE = /^\/v2\/(.+)\/(?:tags\/list|manifests\/[^/]+|blobs\/uploads\/[^/]*|blobs\/[^/]+|referrers\/[^/]+)$/;

/** Everything a request path of the Distribution API needs (a Basic front's token for its lab registry). */
function accessFor(path: string): AccessEntry[] {
  if (path === '/v2/_catalog') return [{ type: 'registry', name: 'catalog', actions: ['*'] }];
  const match = REPOSITORY_ROUTE.exec(path);
  return match ? [{ type: 'repository', name: match[1]!, actions: ['pull', 'push', 'delete'] }] : [];
}

/** A Basic header's user and password, or undefined. */
export function basicCredentials(headers: http.IncomingHttpHeaders): { username: string; password: string } | undefined {
  const match = /^basic\s+(\S+)$/i.exec(headers.authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** A Bearer (or GitHub's older `token`) header's value, or undefined. */
export function bearerToken(headers: http.IncomingHttpHeaders): string | undefined {
  return /^(?:bearer|token)\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
}

/** `Link` for page-numbered lists: next (and last) with the request's other parameters kept. */
export function pageLinks(origin: string, req: ContractRequest, page: number, lastPage: number): Record<string, string> {
  const link = (n: number, rel: string): string => {
    const query = new URLSearchParams(req.query);
    query.set('page', String(n));
    return `<${origin}${req.path}?${query.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page < lastPage) links.push(link(page + 1, 'next'), link(lastPage, 'last'));
  if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
  return links.length ? { link: links.join(', ') } : {};
}

/** One page of `items` for page-numbered lists (`page` from 1). */
export function pageOf<T>(items: readonly T[], page: number, perPage: number): { items: T[]; lastPage: number } {
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  return { items: items.slice((page - 1) * perPage, page * perPage), lastPage };
}

/** A positive integer query parameter within bounds, else the default. */
export function intParam(query: URLSearchParams, name: string, fallback: number, max: number): number {
  const value = Number(query.get(name));
  return Number.isSafeInteger(value) && value >= 1 ? Math.min(value, max) : fallback;
}

function send(res: http.ServerResponse, answer: ContractAnswer): void {
  const body = answer.json !== undefined ? JSON.stringify(answer.json) : (answer.text ?? '');
  const headers: Record<string, string> = {
    ...(answer.json !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    ...answer.headers,
  };
  res.writeHead(answer.status, headers);
  res.end(body);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.destroy();
        reject(new Error('request body too large for a contract server'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Relays a `/v2/` request to the lab registry as the vendor's host: Host and X-Forwarded-* name
 * the vendor (so the registry's Locations and Links do), and its Bearer challenge names the
 * vendor's token endpoint and service instead of the lab token server.
 */
function proxy(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  front: RegistryFront,
  extra: Record<string, string>,
  answered: (status: number) => void,
): Promise<number> {
  const upstream = new URL(front.registry.url);
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = {
      ...req.headers,
      host: front.host,
      'x-forwarded-proto': 'https',
      'x-forwarded-host': front.host,
    };
    delete headers.connection;
    const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (answer) => {
      const relayed: http.OutgoingHttpHeaders = { ...answer.headers, ...extra };
      delete relayed.connection;
      delete relayed['transfer-encoding'];
      const challenge = answer.headers['www-authenticate'];
      if (typeof challenge === 'string')
        relayed['www-authenticate'] = challenge
          .replace(/realm="[^"]*"/, `realm="${front.realm}"`)
          .replace(/service="[^"]*"/, `service="${front.service}"`);
      answered(answer.statusCode ?? 502);
      res.writeHead(answer.statusCode ?? 502, relayed);
      answer.pipe(res);
      answer.on('end', () => resolve(answer.statusCode ?? 502));
      answer.on('error', reject);
    });
    out.on('error', reject);
    req.pipe(out);
  });
}

/** Where a vendor module keeps files of its own. */
export function vendorDir(lab: Lab, label: string): string {
  return join(lab.dir, 'vendors', label);
}
