// A small Docker token-protocol server (distribution "token" auth) for the lab. Registries configured
// with `auth.token` trust the certificate that signs these JWTs; they never call this server, the
// client under test does. Every request is recorded (never passwords or refresh tokens).
import { createPrivateKey, createPublicKey, type KeyObject, randomBytes, randomUUID, sign, verify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { hostPort, type LoopbackAddress, requireLoopback } from './addresses';
import { concatBuffers, u8 } from './bytes';

export interface TokenUser {
  password: string;
  /** A read-only user gets `pull` (and catalog) but never push or delete. */
  readOnly?: boolean;
}

export interface TokenServerOptions {
  signingKeyPath: string;
  signingCertPath: string;
  /** Must equal the registry's `auth.token.issuer`. */
  issuer?: string;
  users?: Record<string, TokenUser>;
  /** Serve https with this certificate (an https registry should not use an http realm). */
  tls?: { certPath: string; keyPath: string };
  expiresInSeconds?: number;
  /** When false, POST /token answers 404 so clients must fall back to GET. Default true. */
  allowPost?: boolean;
  /** The loopback address to listen on; default 127.0.0.1. */
  address?: LoopbackAddress;
}

export interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenRequestRecord {
  at: Date;
  method: string;
  path: string;
  /** Query parameters as sent (GET); repeated keys keep every value. */
  query: Record<string, string[]>;
  /** Form fields of a POST, with `password` and `refresh_token` values replaced by "<redacted>". */
  form: Record<string, string[]>;
  hadAuthorization: boolean;
  /** The authenticated user, or null for anonymous (and for failed logins). */
  user: string | null;
  grantType: string | null;
  service: string | null;
  scopes: string[];
  granted: AccessEntry[];
  status: number;
}

interface Grant {
  status: number;
  body: Record<string, unknown>;
  user: string | null;
  granted: AccessEntry[];
}

const MAX_FORM_BYTES = 64 * 1024;
const SECRET_FIELDS = new Set(['password', 'refresh_token']);

function base64url(data: Buffer | string): string {
  return (typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('base64url');
}

function multiMap(params: URLSearchParams, redact: boolean): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, value] of params) (out[key] ??= []).push(redact && SECRET_FIELDS.has(key) ? '<redacted>' : value);
  return out;
}

/** Parses `type:name:actions`; the name may itself contain ':' (a registry host with a port). */
export function parseScope(scope: string): AccessEntry | null {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last <= first + 1 || last === scope.length - 1) return null;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean),
  };
}

export class TokenServer {
  readonly requests: TokenRequestRecord[] = [];
  readonly issuer: string;
  expiresInSeconds: number;
  allowPost: boolean;
  private readonly users = new Map<string, TokenUser>();
  private readonly refreshTokens = new Map<string, string>();
  private readonly key: KeyObject;
  private readonly x5c: string;

  /** The address it listens on. */
  readonly address: LoopbackAddress;

  private constructor(
    private readonly server: http.Server,
    readonly scheme: 'http' | 'https',
    options: TokenServerOptions,
  ) {
    this.address = requireLoopback(options.address ?? '127.0.0.1', 'token server address');
    this.issuer = options.issuer ?? 'lab-issuer';
    this.expiresInSeconds = options.expiresInSeconds ?? 300;
    this.allowPost = options.allowPost ?? true;
    for (const [name, user] of Object.entries(options.users ?? {})) this.users.set(name, user);
    this.key = createPrivateKey(readFileSync(options.signingKeyPath, 'utf8'));
    this.x5c = new X509Certificate(readFileSync(options.signingCertPath, 'utf8')).raw.toString('base64');
  }

  static async start(options: TokenServerOptions): Promise<TokenServer> {
    const tls = options.tls;
    const server = tls ? https.createServer({ cert: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) }) : http.createServer();
    const instance = new TokenServer(server, tls ? 'https' : 'http', options);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => instance.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: instance.address, port: 0, ipv6Only: instance.address === '::1' }, () => resolve());
    });
    server.unref();
    return instance;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `${this.scheme}://${hostPort(this.address, this.port)}`;
  }

  /** The value for the registry's `auth.token.realm`. */
  get realm(): string {
    return `${this.url}/token`;
  }

  setUser(name: string, user: TokenUser): void {
    this.users.set(name, user);
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  /**
   * The subject and access of a token this server signed and that has not expired; undefined for
   * anything else (a vendor's own API behind a contract server checks the registry's tokens so).
   */
  verify(token: string): { sub: string; access: AccessEntry[] } | undefined {
    const [head, body, signature] = token.split('.');
    if (!head || !body || !signature) return undefined;
    const ok = verify(
      'sha256',
      u8(Buffer.from(`${head}.${body}`, 'utf8')),
      { key: createPublicKey(this.key), dsaEncoding: 'ieee-p1363' },
      u8(Buffer.from(signature, 'base64url')),
    );
    if (!ok) return undefined;
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { sub: string; exp: number; access: AccessEntry[] };
    return claims.exp * 1000 > Date.now() ? { sub: claims.sub, access: claims.access } : undefined;
  }

  /** Mints a JWT directly, bypassing HTTP (for tests that need a known token). */
  issue(user: string | null, service: string, access: AccessEntry[], expiresInSeconds = this.expiresInSeconds): string {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', x5c: [this.x5c] };
    // nbf a little in the past: the registry rejects tokens "not yet valid" on tiny clock differences.
    const claims = {
      iss: this.issuer,
      sub: user ?? '',
      aud: service,
      exp: now + expiresInSeconds,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', u8(Buffer.from(input, 'utf8')), { key: this.key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${base64url(signature)}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const base: TokenRequestRecord = {
      at: new Date(),
      method: req.method ?? '',
      path: url.pathname,
      query: multiMap(url.searchParams, true),
      form: {},
      hadAuthorization: req.headers.authorization !== undefined,
      user: null,
      grantType: null,
      service: null,
      scopes: [],
      granted: [],
      status: 0,
    };
    const finish = (record: TokenRequestRecord, grant: Grant): void => {
      record.status = grant.status;
      record.user = grant.user;
      record.granted = grant.granted;
      this.requests.push(record);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (grant.status === 401) headers['www-authenticate'] = 'Basic realm="lab-token"';
      res.writeHead(grant.status, headers).end(JSON.stringify(grant.body));
    };
    if (url.pathname !== '/token') return finish(base, fail(404, 'NOT_FOUND', `no such path ${url.pathname}; use /token`));
    if (req.method === 'GET') {
      base.service = url.searchParams.get('service');
      base.scopes = splitScopes(url.searchParams.getAll('scope'));
      return finish(base, this.grantGet(req, url.searchParams, base));
    }
    if (req.method !== 'POST') return finish(base, fail(405, 'UNSUPPORTED', 'use GET or POST'));
    if (!this.allowPost) return finish(base, fail(404, 'NOT_FOUND', 'POST /token is disabled on this lab token server'));
    readBody(req, MAX_FORM_BYTES)
      .then((body) => {
        const form = new URLSearchParams(body);
        base.form = multiMap(form, true);
        base.grantType = form.get('grant_type');
        base.service = form.get('service');
        base.scopes = splitScopes(form.getAll('scope'));
        finish(base, this.grantPost(form, base));
      })
      .catch((err: Error) => finish(base, fail(400, 'INVALID_REQUEST', err.message)));
  }

  private grantGet(req: http.IncomingMessage, params: URLSearchParams, record: TokenRequestRecord): Grant {
    const auth = req.headers.authorization;
    let user: string | null = null;
    if (auth !== undefined) {
      const basic = /^basic\s+(\S+)$/i.exec(auth);
      if (!basic) return fail(401, 'UNAUTHORIZED', 'only Basic credentials are accepted at GET /token');
      const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      user = this.check(decoded.slice(0, colon < 0 ? decoded.length : colon), colon < 0 ? '' : decoded.slice(colon + 1));
      if (user === null) return fail(401, 'UNAUTHORIZED', 'wrong username or password');
    }
    const account = params.get('account');
    if (account !== null && user !== null && account !== user)
      return fail(400, 'INVALID_REQUEST', `account=${account} does not match the Basic user`);
    return this.tokenResponse(user, record, false);
  }

  private grantPost(form: URLSearchParams, record: TokenRequestRecord): Grant {
    if (!form.get('client_id')) return fail(400, 'invalid_request', 'client_id is required for POST /token');
    const grantType = form.get('grant_type');
    let user: string | null;
    if (grantType === 'password') {
      user = this.check(form.get('username') ?? '', form.get('password') ?? '');
      if (user === null) return fail(401, 'invalid_grant', 'wrong username or password');
    } else if (grantType === 'refresh_token') {
      user = this.refreshTokens.get(form.get('refresh_token') ?? '') ?? null;
      if (user === null) return fail(401, 'invalid_grant', 'unknown refresh_token');
    } else {
      return fail(400, 'unsupported_grant_type', `grant_type must be password or refresh_token, got ${String(grantType)}`);
    }
    const offline = form.get('access_type') === 'offline' || grantType === 'refresh_token';
    return this.tokenResponse(user, record, offline, grantType === 'refresh_token' ? (form.get('refresh_token') ?? undefined) : undefined);
  }

  private tokenResponse(user: string | null, record: TokenRequestRecord, offline: boolean, existingRefresh?: string): Grant {
    if (!record.service) return fail(400, 'INVALID_REQUEST', 'the service parameter is required');
    const granted: AccessEntry[] = [];
    for (const scope of record.scopes) {
      const asked = parseScope(scope);
      if (!asked) return fail(400, 'INVALID_REQUEST', `malformed scope "${scope}" (want type:name:actions)`);
      const actions = this.allowed(user, asked);
      if (actions.length > 0) granted.push({ type: asked.type, name: asked.name, actions });
    }
    const token = this.issue(user, record.service, granted);
    const body: Record<string, unknown> = {
      token,
      access_token: token,
      expires_in: this.expiresInSeconds,
      issued_at: new Date().toISOString(),
      scope: granted.map((g) => `${g.type}:${g.name}:${g.actions.join(',')}`).join(' '),
    };
    if (offline && user !== null) {
      const refresh = existingRefresh ?? randomBytes(24).toString('hex');
      this.refreshTokens.set(refresh, user);
      body.refresh_token = refresh;
    }
    return { status: 200, body, user, granted };
  }

  /** Anonymous: pull only. Read-only users: pull and catalog. Others: whatever they asked for. */
  private allowed(user: string | null, asked: AccessEntry): string[] {
    if (user !== null && !this.users.get(user)?.readOnly) return asked.actions;
    if (asked.type === 'repository') return asked.actions.filter((a) => a === 'pull');
    if (user !== null && asked.type === 'registry' && asked.name === 'catalog') return asked.actions;
    return [];
  }

  private check(name: string, password: string): string | null {
    const known = this.users.get(name);
    return known !== undefined && known.password === password ? name : null;
  }
}

function fail(status: number, code: string, message: string): Grant {
  return { status, body: { errors: [{ code, message }], error: code, error_description: message }, user: null, granted: [] };
}

/** A scope parameter may itself hold several space-separated scopes. */
function splitScopes(values: string[]): string[] {
  return values.flatMap((v) => v.split(' ')).filter(Boolean);
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error(`form body larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(concatBuffers(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
