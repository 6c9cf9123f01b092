// The hostile soak's registry: a fault proxy in front of a real lab registry, reached by the client
// as `registry.test` (a public-looking name, through a resolve rule and the lab CA), that asks for a
// Bearer login from its own /token and, per request, picks at random (seeded: the choice depends
// only on the seed, the round and which arrival of that request it is, not on timing) a normal
// answer or one of the behaviours a hostile registry has: lying or huge Content-Lengths, bodies that
// trickle, stall, are cut or garbled, upload and mount Locations, Links, redirects and token realms
// pointing at a private address (a recording server on loopback), error texts and token-server
// errors that repeat the secrets it was sent with line breaks and bidi characters, malformed tokens.
// It counts what it injected and remembers every token it handed out, so the soak can look for them.
import { randomBytes } from 'node:crypto';
import type { Fault, SeenRequest } from './fault-proxy';
import type { HostileAnswer, HostileBody } from './hostile-answers';

/** What a request is, for the behaviours that fit it. */
export type RequestKind =
  | 'token'
  | 'ping'
  | 'catalog'
  | 'tags'
  | 'referrers'
  | 'manifest-get'
  | 'manifest-head'
  | 'manifest-put'
  | 'blob-get'
  | 'blob-head'
  | 'upload-start'
  | 'mount'
  | 'upload'
  | 'other';

export const HOSTILE_BEHAVIOURS = [
  // Bodies that lie or linger (response-body.ts, read-body.ts); the registry's own content, ending late or with one bit flipped.
  'length-huge',
  'length-over',
  'length-under',
  'body-over-cap',
  'trickle',
  'stall',
  'cut',
  'bad-chunks',
  'late-end',
  'tamper',
  // URLs on the user's own network (url-policy.ts), and one with the password in it.
  'private-location',
  'credentials-location',
  'private-link',
  'private-redirect',
  'private-realm',
  // Registry text that repeats secrets (registry-text.ts), and tokens that are not tokens.
  'echo-secrets',
  'token-echo',
  'token-malformed',
] as const;
export type HostileBehaviour = (typeof HOSTILE_BEHAVIOURS)[number];

const DOCUMENT_BODIES: readonly HostileBehaviour[] = ['length-huge', 'length-over', 'length-under', 'trickle', 'stall', 'cut'];
/** Any request may be answered 401 with a realm on a private address, a token or not (a client that knows the realm asks it before any challenge). */
const ANY: readonly HostileBehaviour[] = ['echo-secrets', 'private-realm'];

/** The behaviours each kind of request may get (a HEAD has no body to play with); a `challenge` is the 401 to a request without a token. */
export const BEHAVIOURS_FOR: Record<RequestKind | 'challenge', readonly HostileBehaviour[]> = {
  challenge: ['private-realm'],
  token: ['length-huge', 'trickle', 'stall', 'cut', 'token-echo', 'token-malformed'],
  ping: [...DOCUMENT_BODIES, ...ANY],
  catalog: [...DOCUMENT_BODIES, 'private-link', ...ANY],
  tags: [...DOCUMENT_BODIES, 'bad-chunks', 'private-link', ...ANY],
  referrers: [...DOCUMENT_BODIES, 'private-link', ...ANY],
  'manifest-get': [...DOCUMENT_BODIES, 'body-over-cap', 'bad-chunks', 'late-end', 'tamper', 'private-redirect', ...ANY],
  'manifest-head': ['private-redirect', ...ANY],
  'manifest-put': [...ANY],
  'blob-get': ['length-over', 'trickle', 'stall', 'cut', 'bad-chunks', 'late-end', 'tamper', 'private-redirect', ...ANY],
  'blob-head': ['private-redirect', ...ANY],
  'upload-start': ['private-location', 'credentials-location', ...ANY],
  mount: ['private-location', ...ANY],
  upload: [...ANY],
  other: [],
};

/** The login the client is configured with, and the hosts.toml header it sends: what must never come back to the user. */
export interface FrontSecrets {
  username: string;
  password: string;
  headerName: string;
  headerValue: string;
}

export interface FrontOptions {
  seed: number;
  secrets: FrontSecrets;
  /** The name the client uses, e.g. `registry.test` (its token realm lives there). */
  publicHost: string;
  /** The recording server's port on 127.0.0.1: every private URL handed out points there. */
  privatePort: number;
  /** Sizes of the blobs the registry holds, so a hostile blob body announces the right length. */
  blobSizes: ReadonlyMap<string, number>;
  /** The body time limits the client runs with: a trickle is made slower than they allow. */
  bodyIdleTimeoutMs: number;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
/** Reads "exe.txt" backwards after U+202E when shown as is. */
const BIDI_TRICK = 'invoice\u202Etxt.exe';
const FORGED_LOG_LINE = '2025-01-01 00:00:00.000 [info] GET https://forged.example/v2/ → 200 in 1 ms';
const SPEC_CODES = ['DENIED', 'UNAUTHORIZED', 'NAME_UNKNOWN', 'MANIFEST_UNKNOWN', 'BLOB_UNKNOWN', 'UNSUPPORTED', 'NAME_INVALID'];

export class HostileFront {
  /** Behaviours injected so far, by kind. */
  readonly injected: Partial<Record<HostileBehaviour, number>> = {};
  normalAnswers = 0;
  /** Every access token /token handed out: the soak looks for each in messages and logs. */
  readonly tokensIssued = new Set<string>();
  /** This round's hostile answers, as `behaviour METHOD path` (to replay a failing round by hand). */
  readonly roundInjected: string[] = [];
  private round = 0;
  /** Share of requests (after the login) that get a hostile answer this round. */
  private hostility = 0;
  /** When set, the one behaviour this round injects (where a request admits it). */
  private focus: HostileBehaviour | undefined;
  private readonly arrivals = new Map<string, number>();
  /** What each token may do: `NAME:pull`, `NAME:push`, `catalog` (a request outside its grant is challenged, as a token registry does). */
  private readonly grants = new Map<string, Set<string>>();
  private readonly basic: string;

  constructor(private readonly options: FrontOptions) {
    this.basic = `Basic ${Buffer.from(`${options.secrets.username}:${options.secrets.password}`).toString('base64')}`;
  }

  /**
   * Starts a round: choices from here on depend on (seed, round, request, arrival). A `focus` round
   * gives that behaviour (with probability `hostility`) to every request that admits it and normal
   * answers to the rest; otherwise each request draws among all the behaviours it admits.
   */
  startRound(round: number, hostility: number, focus?: HostileBehaviour): void {
    this.round = round;
    this.hostility = hostility;
    this.focus = focus;
    this.arrivals.clear();
    this.roundInjected.length = 0;
  }

  /** The fault proxy's `choose`: undefined forwards the request to the real registry. */
  choose(seen: SeenRequest): Fault | undefined {
    const url = new URL(seen.path, `https://${this.options.publicHost}`);
    const kind = requestKind(seen.method, url);
    const key = requestKey(seen.method, url);
    const n = this.arrivals.get(key) ?? 0;
    this.arrivals.set(key, n + 1);
    const random = mulberry32(fnv1a(`${this.options.seed}|${this.round}|${key}|${n}`));
    if (kind !== 'token' && !this.authorized(seen, url, kind)) return this.challenge(seen, random);
    const admitted = BEHAVIOURS_FOR[kind];
    const options = this.focus ? admitted.filter((b) => b === this.focus) : admitted;
    if (options.length === 0 || random() >= this.hostility) {
      this.normalAnswers++;
      return kind === 'token' ? this.token(seen, url) : undefined;
    }
    const behaviour = pick(random, options);
    this.count(behaviour, seen);
    // Two behaviours forward to the registry and spoil its answer on the way; the rest answer alone.
    if (behaviour === 'late-end') return { kind: 'late-end', ms: this.options.bodyIdleTimeoutMs / 2 };
    if (behaviour === 'tamper') return { kind: 'tamper' };
    if (behaviour === 'private-realm') return this.challengeAt(`${this.privateOrigin(random)}/token`);
    return { kind: 'answer', answer: this.hostileAnswer(behaviour, kind, seen, url, random) };
  }

  private count(behaviour: HostileBehaviour, seen: SeenRequest): void {
    this.injected[behaviour] = (this.injected[behaviour] ?? 0) + 1;
    if (this.roundInjected.length < 100) this.roundInjected.push(`${behaviour} ${seen.method} ${seen.path.slice(0, 160)}`);
  }

  private authorized(seen: SeenRequest, url: URL, kind: RequestKind): boolean {
    const match = /^Bearer (.+)$/.exec(String(seen.headers.authorization ?? ''));
    const granted = match ? this.grants.get(match[1]!) : undefined;
    if (!granted) return false;
    if (kind === 'ping') return true;
    if (kind === 'catalog') return granted.has('catalog');
    const name = /^\/v2\/(.+?)\/(?:manifests|blobs|tags|referrers)\//.exec(url.pathname)?.[1];
    return name !== undefined && granted.has(`${name}:${seen.method === 'GET' || seen.method === 'HEAD' ? 'pull' : 'push'}`);
  }

  /** 401 with a Bearer challenge; its realm is private when the round's dice say so. */
  private challenge(seen: SeenRequest, random: () => number): Fault {
    const chance = this.focus === undefined ? this.hostility / 2 : this.focus === 'private-realm' ? this.hostility : 0;
    if (random() < chance) {
      this.count('private-realm', seen);
      return this.challengeAt(`${this.privateOrigin(random)}/token`);
    }
    this.normalAnswers++;
    return this.challengeAt(`https://${this.options.publicHost}/token`);
  }

  private challengeAt(realm: string): Fault {
    const body = JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
    return {
      kind: 'status',
      status: 401,
      headers: { 'content-type': 'application/json', 'www-authenticate': `Bearer realm="${realm}",service="hostile-soak"` },
      body,
    };
  }

  /** A token for the configured login; anyone else is refused. */
  private token(seen: SeenRequest, url: URL): Fault {
    if (seen.headers.authorization !== this.basic) {
      return {
        kind: 'status',
        status: 401,
        headers: { 'content-type': 'application/json' },
        body: '{"errors":[{"code":"UNAUTHORIZED","message":"wrong login"}]}',
      };
    }
    const token = `hs-${randomBytes(12).toString('hex')}`;
    const granted = new Set<string>();
    for (const scope of url.searchParams.getAll('scope')) {
      if (scope === 'registry:catalog:*') granted.add('catalog');
      const repository = /^repository:(.+):([a-z*,]+)$/.exec(scope);
      for (const action of repository?.[2]?.split(',') ?? []) granted.add(`${repository![1]}:${action}`);
    }
    this.tokensIssued.add(token);
    this.grants.set(token, granted);
    return {
      kind: 'status',
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, expires_in: 300 }),
    };
  }

  private hostileAnswer(behaviour: HostileBehaviour, kind: RequestKind, seen: SeenRequest, url: URL, random: () => number): HostileAnswer {
    const json = { 'content-type': kind === 'referrers' || kind.startsWith('manifest') ? OCI_INDEX : 'application/json' };
    const blobSize = kind === 'blob-get' ? (this.options.blobSizes.get(url.pathname.split('/').pop() ?? '') ?? 64 * 1024) : 0;
    const body = kind === 'blob-get' ? Buffer.alloc(blobSize, 0x5a) : documentBody(kind);
    const at = 1 + Math.floor(random() * (body.length - 1));
    const answer = (shape: HostileBody, headers: Record<string, string> = json, status = 200): HostileAnswer => ({
      status,
      headers,
      body: shape,
    });
    switch (behaviour) {
      case 'length-huge':
        return answer({ kind: 'announce', length: pick(random, [100 * MiB, GiB, 10 * GiB, 64 * GiB]), send: body.subarray(0, at) });
      case 'length-over':
        return answer({ kind: 'announce', length: body.length + 1 + Math.floor(random() * 4096), send: body });
      case 'length-under':
        return answer({ kind: 'short-length', body, length: at });
      case 'body-over-cap': {
        const big = Buffer.alloc(4 * MiB + 1 + Math.floor(random() * MiB), 0x20);
        return answer({ kind: 'whole', body: big });
      }
      case 'trickle':
        // Documents: each byte within the idle limit, the whole past the document limit. Blobs: each
        // byte past the idle limit, as undici's body timer (ticking twice a second) can see it.
        return answer({
          kind: 'trickle',
          body,
          everyMs:
            kind === 'blob-get'
              ? Math.max(2 * this.options.bodyIdleTimeoutMs, this.options.bodyIdleTimeoutMs + 1_000)
              : Math.max(20, this.options.bodyIdleTimeoutMs / 4),
          chunked: random() < 0.5,
        });
      case 'stall':
        return answer({ kind: 'stall', body, afterBytes: at });
      case 'cut':
        return answer({ kind: 'cut', body, afterBytes: at });
      case 'bad-chunks':
        return answer({
          kind: 'bad-chunks',
          text: pick(random, [
            '10\r\n{"schemaVersion"\r\nnot-a-chunk-size\r\n',
            `400\r\n${'z'.repeat(1024)}\r\nxyz\r\n`,
            'fffffffffffffffff\r\n{}\r\n',
          ]),
        });
      case 'private-location': {
        const repository = url.pathname.replace(/^\/v2\//, '').replace(/\/blobs\/uploads\/.*$/, '');
        const location = `${this.privateOrigin(random)}/v2/${repository}/blobs/uploads/${randomBytes(8).toString('hex')}`;
        return answer({ kind: 'whole', body: Buffer.alloc(0) }, { location, 'docker-upload-uuid': 'hostile', range: '0-0' }, 202);
      }
      case 'credentials-location': {
        const { username, password } = this.options.secrets;
        const location = `https://${username}:${encodeURIComponent(password)}@${this.options.publicHost}${url.pathname}${randomBytes(8).toString('hex')}`;
        return answer({ kind: 'whole', body: Buffer.alloc(0) }, { location, 'docker-upload-uuid': 'hostile', range: '0-0' }, 202);
      }
      case 'private-link': {
        const page =
          kind === 'catalog'
            ? { repositories: ['apps/web'] }
            : kind === 'tags'
              ? { name: 'apps/web', tags: ['v1'] }
              : { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
        const link = `<${this.privateOrigin(random)}${url.pathname}?last=zz&n=100>; rel="next"`;
        return answer({ kind: 'whole', body: Buffer.from(JSON.stringify(page)) }, { ...json, link });
      }
      case 'private-redirect':
        return answer(
          { kind: 'whole', body: Buffer.alloc(0) },
          { location: `${this.privateOrigin(random)}/storage${url.pathname}` },
          pick(random, [302, 303, 307, 308]),
        );
      case 'echo-secrets': {
        const text = this.echo(seen, random);
        const error = {
          code: pick(random, SPEC_CODES),
          message: text,
          detail: { headers: seen.headers, login: `${this.options.secrets.username}:${this.options.secrets.password}` },
        };
        return answer(
          { kind: 'whole', body: Buffer.from(JSON.stringify({ errors: [error] })) },
          { 'content-type': 'application/json' },
          pick(random, [400, 403, 404, 500]),
        );
      }
      case 'token-echo': {
        const text = this.echo(seen, random);
        const shape = pick(random, [
          { error: 'server_error', error_description: text },
          { errors: [{ code: 'UNAUTHORIZED', message: text }] },
          { details: text },
        ]);
        return answer(
          { kind: 'whole', body: Buffer.from(JSON.stringify(shape)) },
          { 'content-type': 'application/json' },
          pick(random, [400, 401, 403, 500]),
        );
      }
      case 'token-malformed': {
        const text = pick(random, [
          JSON.stringify({ token: `hs-evil\r\nx-injected: ${this.options.secrets.headerValue}` }),
          JSON.stringify({ access_token: `hs-\u202Eevil` }),
          JSON.stringify({ token: '' }),
          '<html>login first</html>',
          JSON.stringify({ token: 42, expires_in: 'never' }),
        ]);
        return answer({ kind: 'whole', body: Buffer.from(text) }, { 'content-type': 'application/json' });
      }
      case 'private-realm': // these three are answered in choose()
      case 'late-end':
      case 'tamper':
        throw new Error(`${behaviour} is not an answer of the hostile registry's own`);
    }
  }

  /**
   * What the client sent, repeated back in an order the dice choose (a message quotes only the start
   * of a registry's text): the Authorization header as sent and percent-encoded, the hosts.toml
   * header, the password and `user:password` the registry learnt from the token request, with line
   * breaks, control characters, a bidi override and a forged log line among them.
   */
  private echo(seen: SeenRequest, random: () => number): string {
    const { username, password, headerName } = this.options.secrets;
    const authorization = String(seen.headers.authorization ?? '');
    const parts = [
      `authorization: ${authorization}`,
      `${headerName}: ${String(seen.headers[headerName] ?? '')}`,
      `password ${password}`,
      `login ${username}:${password}`,
      `encoded ${encodeURIComponent(authorization)} ${encodeURIComponent(password)}`,
      '\r\n',
      '\u2028',
      '\u0000\u0007\u001b[31m',
      BIDI_TRICK,
      `\n${FORGED_LOG_LINE}\n`,
    ];
    for (let i = parts.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [parts[i], parts[j]] = [parts[j]!, parts[i]!];
    }
    return `you sent ${parts.join('; ')}`;
  }

  /** The recording server on 127.0.0.1, in one of the notations a URL accepts for it. */
  private privateOrigin(random: () => number): string {
    const port = this.options.privatePort;
    return pick(random, [
      `https://127.0.0.1:${port}`,
      `https://2130706433:${port}`,
      `https://0x7f.1:${port}`,
      `https://[::ffff:127.0.0.1]:${port}`,
      `https://localhost:${port}`,
      `http://127.0.0.1:${port}`,
    ]);
  }
}

export function requestKind(method: string, url: URL): RequestKind {
  const path = url.pathname;
  if (path.startsWith('/token')) return 'token';
  if (/^\/v2\/?$/.test(path)) return 'ping';
  if (path === '/v2/_catalog') return 'catalog';
  if (path.endsWith('/tags/list')) return 'tags';
  if (path.includes('/referrers/')) return 'referrers';
  if (path.includes('/manifests/'))
    return method === 'GET' ? 'manifest-get' : method === 'HEAD' ? 'manifest-head' : method === 'PUT' ? 'manifest-put' : 'other';
  if (path.includes('/blobs/uploads/')) {
    if (method === 'POST') return url.searchParams.has('mount') ? 'mount' : 'upload-start';
    return method === 'PATCH' || method === 'PUT' ? 'upload' : 'other';
  }
  if (path.includes('/blobs/')) return method === 'GET' ? 'blob-get' : method === 'HEAD' ? 'blob-head' : 'other';
  return 'other';
}

/** A request named without what the registry makes up (upload session ids): the same request in a rerun gets the same name. */
function requestKey(method: string, url: URL): string {
  const path = url.pathname.replace(/\/blobs\/uploads\/[^/]+$/, '/blobs/uploads/*');
  const detail = url.searchParams.get('mount') ?? url.searchParams.get('digest') ?? url.searchParams.get('scope') ?? '';
  return `${method} ${path} ${detail}`;
}

/** About 2 KB that starts like the document the request asks for. */
function documentBody(kind: RequestKind): Buffer {
  const start: Partial<Record<RequestKind, string>> = {
    token: `{"token":"${'t'.repeat(300)}","expires_in":300`,
    ping: '{"status":"',
    catalog: '{"repositories":["apps/web",',
    tags: '{"name":"apps/web","tags":["v1",',
    referrers: `{"schemaVersion":2,"mediaType":"${OCI_INDEX}","manifests":[`,
    'manifest-get': `{"schemaVersion":2,"mediaType":"${OCI_INDEX}","manifests":[`,
  };
  const text = start[kind] ?? '{';
  return Buffer.from(text.padEnd(2048, ' '));
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/** A small seeded generator, so a failing soak can be replayed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
