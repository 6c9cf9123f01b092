// The hostile soak: the client's operations run over and over, in a child process of their own
// (hostile-soak-child.ts), against a hostile registry (hostile-front.ts) that picks per request,
// seeded, between a normal answer from a real lab registry and a hostile one: bodies that lie about
// their length, trickle, stall, are cut, garbled, end late or have a bit flipped; upload and mount
// Locations, Links, redirects and token realms on a private address; error texts and token-server
// errors that repeat the secrets; malformed tokens. Some rounds draw among every behaviour, others
// take one behaviour in turn, so a short soak meets them all. Bounded in rounds and in time. It
// passes when, at the end:
// - the child lived (no uncaught error or unhandled rejection ended it) and exited on its own,
//   holding no socket once each session was closed, and the registry saw every connection close;
// - every operation settled, and every failure was a CoreError with a known code, its message one
//   line of visible text;
// - no secret (password, user:password and its base64, tokens, the hosts.toml header value, as sent,
//   percent-encoded or JSON-escaped) was in a message, an error's details or the request log;
// - the private target on loopback received no connection at all;
// - pull folders held no temporary or unverified file, a failed push left no tag (a failed copy
//   only the whole root's), and what completed is what the registry holds;
// - the child's heap grew less than the bound.
// Used by the lab test (short, fixed seed) and by `npm run soak` (long).
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KNOWN_ANSWER_CODES } from '../../../src/core/registry/registry-errors';
import { OciLayout, pushReferrer, pushToRegistry, sha256 } from './content';
import { FaultProxy, RecordingServer } from './fault-proxy';
import { folderWith } from './folders';
import {
  BEHAVIOURS_FOR,
  HOSTILE_BEHAVIOURS,
  HostileFront,
  mulberry32,
  type FrontSecrets,
  type HostileBehaviour,
  type RequestKind,
} from './hostile-front';
import {
  HOSTILE_OPERATIONS,
  type ChildMessage,
  type ClosedReport,
  type HostileChildConfig,
  type HostileOperation,
  type MemoryReport,
  type ParentMessage,
  type RoundResult,
} from './hostile-soak-protocol';
import { pem } from './lab-helpers';
import { checkLayoutFiles, layoutGraph, layoutRefNames } from './local-checks';
import type { Lab } from './registry';
import { labRequest } from './request';

export interface HostileSoakOptions {
  rounds: number;
  /** The same seed gives the same operations and the same hostile choices. */
  seed: number;
  /** Rounds stop being started after this; the soak still closes and checks everything. */
  timeLimitMs: number;
  /** Heap growth of the child over the soak that fails it. Default 200 MB. */
  maxHeapGrowthBytes?: number;
  /** Told about each round as it ends (for a progress line). */
  onRound?(line: string): void;
}

export interface HostileSoakFigures {
  seed: number;
  rounds: number;
  /** True when the time limit ended the soak before its rounds were done. */
  stoppedByTime: boolean;
  requestsSeen: number;
  normalAnswers: number;
  injected: number;
  injectedByKind: Partial<Record<HostileBehaviour, number>>;
  completed: number;
  completedByOperation: Record<HostileOperation, number>;
  failed: number;
  failedByCode: Record<string, number>;
  /** Failure messages that quote what the registry or token server said (where an echoed secret would show). */
  quotedTexts: number;
  /** Secrets found in messages, error details or request log lines (must be 0). */
  secretsFound: number;
  /** Messages or log lines with a control character, line break or raw bidi character (must be 0). */
  unsafeTexts: number;
  /** Failures that were not CoreErrors, or had a code nobody knows (must be 0). */
  unknownFailures: number;
  /** Connections the private target on loopback received (must be 0). */
  privateConnections: number;
  /** Uncaught errors or unhandled rejections that ended the child (must be 0). */
  unhandledErrors: number;
  /** Operations that did not settle within the limit (must be 0). */
  hungOperations: number;
  /** Temporary or unverified files in pull folders, tags left by failed pushes or copies, wrong results (must be 0). */
  leftovers: number;
  /** Sessions closed and checked; sockets the child or the registry still saw open afterwards (must be 0). */
  sessionsClosed: number;
  socketsLeftOpen: number;
  longestMessage: number;
  peakRssBytes: number;
  heapGrowthBytes: number;
  warnings: string[];
  durationMs: number;
  /** Everything that broke a rule, one line each (the first 50). */
  violations: string[];
}

/** The client's time limits: small, so a stalled body fails in well under a second. */
const LIMITS = { requestTimeoutMs: 2_000, bodyIdleTimeoutMs: 300, documentTimeoutMs: 1_000 } as const;
/** Share of requests that get a hostile answer, chosen per round: some rounds run clean, so operations also complete. */
const HOSTILITY = [0, 0.1, 0.25, 0.5, 0.8] as const;
/** Share of rounds that take one behaviour in turn (so every behaviour comes up in a short soak), with its own hostility. */
const FOCUS_SHARE = 0.6;
const FOCUS_HOSTILITY = [0.7, 1] as const;
/**
 * The requests each operation makes of the hostile registry (a push or copy to a new repository
 * always asks for a token after a challenge), to give a focus round an operation that meets it.
 */
const OPERATION_REQUESTS: Record<HostileOperation, readonly (RequestKind | 'challenge')[]> = {
  ping: ['ping'],
  tags: ['tags'],
  catalog: ['catalog'],
  resolve: ['manifest-head'],
  manifest: ['manifest-get'],
  referrers: ['referrers', 'manifest-get'],
  'pull-layout': ['manifest-head', 'manifest-get', 'blob-get'],
  'push-layout': ['challenge', 'token', 'blob-head', 'upload-start', 'upload', 'manifest-put'],
  copy: ['challenge', 'token', 'manifest-get', 'blob-head', 'mount', 'manifest-put'],
  'copy-across': ['manifest-get', 'blob-get', 'referrers'],
};
/** A session is closed (and its sockets counted) every this many rounds, and at the end. */
const ROUNDS_PER_SESSION = 10;
const OPERATION_LIMIT_MS = 30_000;
const HOST = 'registry.test';
const HEADER_NAME = 'x-registry-key';
const MAX_VIOLATIONS = 50;

/**
 * Codes a failure may carry: the core's own, the registry's Distribution spec codes it keeps, and
 * HTTP_<status>. Anything else (a raw library error's code, a code the registry made up) is a finding.
 */
const KNOWN_CODES = new Set([
  'RESPONSE_TOO_LARGE',
  'MANIFEST_TOO_LARGE',
  'BODY_TIMEOUT',
  'CONNECTION_RESET',
  'CONNECTION_CLOSED',
  'BAD_RESPONSE',
  'TIMEOUT',
  'BAD_TOKEN_RESPONSE',
  'TOKEN_SERVER_ERROR',
  'TOKEN_NOT_ACCEPTED',
  'AUTH_FAILED',
  'NEEDS_LOGIN',
  'PRIVATE_REDIRECT',
  'PRIVATE_LINK',
  'PRIVATE_REALM',
  'BAD_REDIRECT',
  'BAD_LINK',
  'BAD_REALM',
  'INSECURE_REDIRECT',
  'INSECURE_LINK',
  'INSECURE_REALM',
  'TOO_MANY_REDIRECTS',
  'CROSS_ORIGIN_LINK',
  'PAGINATION_LOOP',
  'TLS_REDIRECT_TARGET',
  'STORAGE_REFUSED',
  'DIGEST_MISMATCH',
  'SIZE_MISMATCH',
  'BAD_MANIFEST',
  'UNSUPPORTED_MANIFEST',
  'BLOB_NOT_FOUND',
  'UPLOAD_OUT_OF_SYNC',
  'UPLOAD_NOT_REPLAYABLE',
  'CATALOG_UNSUPPORTED',
  // The registry's own codes the core explains (from its errors[]), as the core itself lists them.
  ...KNOWN_ANSWER_CODES,
]);

/** Line breaks, C0/C1 controls, and characters that reorder or hide text. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const UNSAFE_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff]/;

export async function runHostileSoak(lab: Lab, options: HostileSoakOptions): Promise<HostileSoakFigures> {
  const started = Date.now();
  const deadline = started + options.timeLimitMs;
  const planRandom = mulberry32(options.seed ^ 0x2545f491);
  // Texts that repeat secrets come up twice per cycle: a quoted text is where a secret would show.
  const focusOrder = shuffled<HostileBehaviour>([...HOSTILE_BEHAVIOURS, 'echo-secrets', 'token-echo'], planRandom);
  let focusRounds = 0;
  const zero = (): Record<HostileOperation, number> =>
    Object.fromEntries(HOSTILE_OPERATIONS.map((k) => [k, 0])) as Record<HostileOperation, number>;
  const figures: HostileSoakFigures = {
    seed: options.seed,
    rounds: 0,
    stoppedByTime: false,
    requestsSeen: 0,
    normalAnswers: 0,
    injected: 0,
    injectedByKind: {},
    completed: 0,
    completedByOperation: zero(),
    failed: 0,
    failedByCode: {},
    quotedTexts: 0,
    secretsFound: 0,
    unsafeTexts: 0,
    unknownFailures: 0,
    privateConnections: 0,
    unhandledErrors: 0,
    hungOperations: 0,
    leftovers: 0,
    sessionsClosed: 0,
    socketsLeftOpen: 0,
    longestMessage: 0,
    peakRssBytes: 0,
    heapGrowthBytes: 0,
    warnings: [],
    durationMs: 0,
    violations: [],
  };
  const violation = (text: string): void => {
    if (figures.violations.length < MAX_VIOLATIONS) figures.violations.push(text);
  };

  // A real registry with a multi-platform image and a signature (a referrer, by the tag schema), and
  // a plain one for copies out of the hostile one.
  const [registry, plain] = await Promise.all([
    lab.startRegistry({ name: 'hostile-soak' }),
    lab.startRegistry({ name: 'hostile-soak-target' }),
  ]);
  const layout = await OciLayout.create(join(lab.dir, 'content', 'hostile-soak'));
  const web = await layout.multiPlatformIndex({ seed: 'hostile-soak', layers: [24 * 1024, 6 * 1024] });
  await pushToRegistry(layout, web, registry, 'apps/web:v1');
  await pushReferrer(layout, await layout.referrer(web.descriptor), registry, 'apps/web');

  const certs = await lab.certs();
  const secrets: FrontSecrets = {
    username: 'alice',
    password: `pa55/w+rd=${randomBytes(6).toString('hex')}:&%`,
    headerName: HEADER_NAME,
    headerValue: `header-secret-${randomBytes(8).toString('hex')}`,
  };
  const privateTarget = await RecordingServer.start({ tls: pem(certs.servers.ca) });
  // Idle connections are never closed by the registry's side: only the client closing its session closes them.
  const proxy = await FaultProxy.start(registry, { tls: pem(certs.servers[HOST]), keepAliveTimeoutMs: 10 * 60_000 });
  const front = new HostileFront({
    seed: options.seed,
    secrets,
    publicHost: HOST,
    privatePort: Number(privateTarget.host.split(':').pop()),
    blobSizes: blobSizes(layout.dir),
    bodyIdleTimeoutMs: LIMITS.bodyIdleTimeoutMs,
  });
  proxy.choose = (seen) => front.choose(seen);
  const files = folderWith(
    {
      [`certs.d/${HOST}/hosts.toml`]: `ca = ${JSON.stringify(certs.ca.certPath)}\n\n[header]\n  ${HEADER_NAME} = ${JSON.stringify(secrets.headerValue)}\n`,
      'docker/config.json': JSON.stringify({
        auths: { [HOST]: { auth: Buffer.from(`${secrets.username}:${secrets.password}`).toString('base64') } },
      }),
    },
    'hostile-soak-',
  );
  const work = join(lab.dir, 'hostile-soak');
  const childConfig: HostileChildConfig = {
    registry: HOST,
    plainRegistry: plain.host,
    resolveRule: `${HOST}:443:127.0.0.1:${proxy.host.split(':').pop()}`,
    hostsDirectory: join(files, 'certs.d'),
    dockerConfigPath: join(files, 'docker', 'config.json'),
    limits: LIMITS,
    repository: 'apps/web',
    tag: 'v1',
    root: web.descriptor,
    layoutDir: layout.dir,
    operationLimitMs: OPERATION_LIMIT_MS,
  };
  const child = new ChildLink(join(__dirname, 'hostile-soak-child.js'), childConfig);
  const leaks = new LeakFinder(secrets, front.tokensIssued);

  const sessionClosed = async (closed: ClosedReport): Promise<void> => {
    figures.sessionsClosed++;
    if (closed.openSockets > 0) {
      figures.socketsLeftOpen += closed.openSockets;
      violation(`the child still held ${closed.openSockets} socket(s) after closing its session`);
    }
    // The registry's side: every connection the client made is closed once its session is.
    const until = Date.now() + 3_000;
    while (proxy.openConnections > 0 && Date.now() < until) await sleep(50);
    if (proxy.openConnections > 0) {
      figures.socketsLeftOpen += proxy.openConnections;
      violation(`the registry still had ${proxy.openConnections} connection(s) from the client after its session closed`);
    }
  };

  try {
    for (let index = 0; index < options.rounds; index++) {
      if (Date.now() > deadline) {
        figures.stoppedByTime = true;
        break;
      }
      // Focus rounds take the behaviours in a seeded order, each with an operation that meets it.
      const focus = planRandom() < FOCUS_SHARE ? focusOrder[focusRounds++ % focusOrder.length] : undefined;
      let candidates: readonly HostileOperation[] = HOSTILE_OPERATIONS;
      if (focus) {
        candidates = candidates.filter((op) => OPERATION_REQUESTS[op].some((kind) => BEHAVIOURS_FOR[kind].includes(focus)));
        // Half the time a behaviour blobs can get goes where blobs stream (a pull, a copy across registries).
        if (BEHAVIOURS_FOR['blob-get'].includes(focus) && planRandom() < 0.5)
          candidates = candidates.filter((op) => OPERATION_REQUESTS[op].includes('blob-get'));
      }
      const operation = pick(planRandom, candidates);
      const hostility = pick(planRandom, focus ? FOCUS_HOSTILITY : HOSTILITY);
      const destination = operation === 'pull-layout' ? join(work, `pull-${index}`) : `hostile/${operation}-${index}`;
      front.startRound(index, hostility, focus);
      proxy.clearRequests();
      const result = await child.ask<RoundResult>({ type: 'run', index, operation, destination }, OPERATION_LIMIT_MS + 10_000);
      figures.rounds++;
      figures.requestsSeen += proxy.requests.length;
      const name = `round ${index} (${operation}, ${focus ? `${focus} ` : ''}hostility ${hostility}, seed ${options.seed})`;
      await judge(result, name, destination);
      options.onRound?.(
        `${name}: ${result.outcome}${result.error ? ` ${result.error.code} (${result.error.message})` : ''}, ${proxy.requests.length} requests; hostile: ${front.roundInjected.join('; ') || 'none'}`,
      );
      if (privateTarget.acceptedConnections > figures.privateConnections) {
        const requests = privateTarget.requests.splice(0).map((r) => `${r.method} ${r.path}`);
        violation(
          `${name}: the private target received ${privateTarget.acceptedConnections - figures.privateConnections} connection(s): ${requests.join(', ') || '(no complete request)'}`,
        );
        figures.privateConnections = privateTarget.acceptedConnections;
      }
      if ((index + 1) % ROUNDS_PER_SESSION === 0) await sessionClosed(await child.ask<ClosedReport>({ type: 'close' }, 10_000));
    }
    front.startRound(-1, 0);
    // The last session's sockets are counted before the child's own end-of-run report.
    await sessionClosed(await child.ask<ClosedReport>({ type: 'close' }, 10_000));
    const report = await child.ask<MemoryReport>({ type: 'finish' }, 20_000);
    figures.peakRssBytes = report.peakRssBytes;
    figures.heapGrowthBytes = report.heapEndBytes - report.heapStartBytes;
    figures.warnings = report.warnings;
    for (const warning of report.warnings) if (/MaxListeners|leak/i.test(warning)) violation(`the child warned: ${warning}`);
    if (figures.heapGrowthBytes > (options.maxHeapGrowthBytes ?? 200 * 1024 * 1024))
      violation(`the child's heap grew by ${mb(figures.heapGrowthBytes)} over the soak`);
    const exit = await child.exited(10_000);
    if (exit !== 0) violation(`the child did not exit on its own with 0 after the soak (${exit}): something kept it alive or ended it`);
  } catch (err) {
    // The child died (an unhandled error), hung, or the lab failed: the figures so far still print.
    const ended = child.exitCode !== undefined || /ended with/.test(String(err));
    if (ended && /UNHANDLED/.test(child.stderr)) figures.unhandledErrors++;
    violation(`${(err as Error).message}${child.stderr ? `\nchild stderr:\n${child.stderr.slice(-4000)}` : ''}`);
  } finally {
    child.kill();
    figures.normalAnswers = front.normalAnswers;
    figures.injectedByKind = { ...front.injected };
    figures.injected = Object.values(front.injected).reduce((a, b) => a + b, 0);
    figures.privateConnections = privateTarget.acceptedConnections;
    figures.durationMs = Date.now() - started;
    await proxy.stop();
    await privateTarget.stop();
    await Promise.all([registry.stop(), plain.stop()]);
    rmSync(files, { recursive: true, force: true });
  }
  return figures;

  async function judge(result: RoundResult, name: string, destination: string): Promise<void> {
    if (result.outcome === 'hung') {
      figures.hungOperations++;
      violation(`${name}: did not settle in ${OPERATION_LIMIT_MS / 1000} s; hostile answers: ${front.roundInjected.join('; ') || 'none'}`);
    } else if (result.outcome === 'completed') {
      figures.completed++;
      figures.completedByOperation[result.operation]++;
    } else {
      const error = result.error!;
      figures.failed++;
      const code = error.coreError ? (error.code ?? '(none)') : `not a CoreError: ${error.name}`;
      figures.failedByCode[code] = (figures.failedByCode[code] ?? 0) + 1;
      if (!error.coreError || !isKnownCode(error.code)) {
        figures.unknownFailures++;
        violation(
          `${name}: failed with ${error.name} ${error.code ?? ''}, not a CoreError with a known code: ${error.message}${error.stack ? `\n${error.stack}` : ''}`,
        );
      }
      figures.longestMessage = Math.max(figures.longestMessage, error.message.length);
      if (/\bsaid: /.test(error.message)) figures.quotedTexts++;
      if (UNSAFE_CHARACTER.test(error.message)) {
        figures.unsafeTexts++;
        violation(`${name}: the message holds a control, line-break or bidi character: ${JSON.stringify(error.message)}`);
      }
      for (const [what, text] of [
        ['message', error.message],
        ['details', error.details ?? ''],
      ] as const) {
        const found = leaks.find(text);
        if (found) {
          figures.secretsFound++;
          violation(`${name}: the error's ${what} holds ${found}: ${text.slice(0, 400)}`);
        }
      }
    }
    for (const entry of result.log) {
      const line = JSON.stringify(entry);
      const found = leaks.find(line);
      if (found) {
        figures.secretsFound++;
        violation(`${name}: a request log line holds ${found}: ${line.slice(0, 400)}`);
      }
      if (UNSAFE_CHARACTER.test(`${entry.url} ${entry.error ?? ''}`)) {
        figures.unsafeTexts++;
        violation(`${name}: a request log line holds a control, line-break or bidi character: ${line.slice(0, 400)}`);
      }
    }
    try {
      await checkResult(result, destination);
    } catch (err) {
      figures.leftovers++;
      violation(`${name}: ${(err as Error).message}`);
    }
  }

  /** What the operation left, read back independently of the client. */
  async function checkResult(result: RoundResult, destination: string): Promise<void> {
    const root = web.descriptor.digest;
    switch (result.operation) {
      case 'resolve':
      case 'manifest':
      case 'pull-layout':
      case 'push-layout':
      case 'copy':
      case 'copy-across':
        if (result.outcome === 'completed' && result.value !== root)
          throw new Error(`it completed with ${String(result.value)}, not the root ${root}`);
    }
    if (result.operation === 'pull-layout') {
      // No temporary file, every blob under its digest's name verified, whatever the outcome.
      await checkLayoutFiles(destination);
      const listed = layoutRefNames(destination).includes('v1');
      if (result.outcome === 'completed') {
        if (!listed) throw new Error(`the pull completed but ${destination} does not list v1`);
        layoutGraph(destination, root);
      } else if (listed) {
        throw new Error(`a failed pull left v1 listed in ${destination}`);
      }
      rmSync(destination, { recursive: true, force: true });
    }
    if (result.operation === 'push-layout' || result.operation === 'copy' || result.operation === 'copy-across') {
      const written = result.operation === 'copy-across' ? plain : registry;
      const res = await labRequest(`${written.url}/v2/${destination}/manifests/v1`, {
        headers: { accept: `${web.descriptor.mediaType}, application/vnd.oci.image.manifest.v1+json` },
      });
      const served = res.status === 200 ? sha256(res.body) : `HTTP ${res.status}`;
      if (result.outcome === 'completed') {
        if (served !== root) throw new Error(`the ${result.operation} completed but the registry serves ${destination}:v1 as ${served}`);
      } else if (res.status !== 404 && !(result.operation !== 'push-layout' && served === root)) {
        // The tag is written last, so a failed push leaves none. A copy copies the referrers after
        // their subject is stored and tagged: when that part fails the tag may stand, but only on the whole root.
        throw new Error(`a failed ${result.operation} left the tag ${destination}:v1 (${served})`);
      }
    }
  }
}

function isKnownCode(code: string | undefined): boolean {
  return code !== undefined && (KNOWN_CODES.has(code) || /^HTTP_\d{3}$/.test(code));
}

/** Finds the secrets of a run in text: the login, its Basic forms, the header value, every token handed out. */
class LeakFinder {
  private readonly fixed: string[];

  constructor(
    secrets: FrontSecrets,
    private readonly tokens: ReadonlySet<string>,
  ) {
    const login = `${secrets.username}:${secrets.password}`;
    this.fixed = [secrets.password, login, Buffer.from(login).toString('base64'), secrets.headerValue];
  }

  /** The first secret (named, not shown) found in `text` as sent, percent-encoded or JSON-escaped. */
  find(text: string): string | undefined {
    const forms = (value: string): string[] => [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)];
    const named: [string, string][] = [
      ...this.fixed.map((s, i): [string, string] => [
        ['the password', 'user:password', 'the Basic value', 'the hosts.toml header value'][i]!,
        s,
      ]),
      ...[...this.tokens].map((t): [string, string] => ['an access token', t]),
    ];
    for (const [what, secret] of named) if (forms(secret).some((form) => text.includes(form))) return what;
    return undefined;
  }
}

/** Blob sizes in a layout, by digest. */
function blobSizes(layoutDir: string): Map<string, number> {
  const dir = join(layoutDir, 'blobs', 'sha256');
  return new Map(readdirSync(dir).map((hex) => [`sha256:${hex}`, statSync(join(dir, hex)).size]));
}

/**
 * The child process and its one conversation at a time: a request, then its answer. An exit before
 * the answer rejects it with the exit code and the child's stderr.
 */
class ChildLink {
  stderr = '';
  exitCode: number | string | undefined;
  private readonly process: ChildProcess;
  private waiting: { resolve(message: ChildMessage): void; reject(err: Error): void } | undefined;
  private readonly exit: Promise<number | string>;

  constructor(script: string, config: HostileChildConfig) {
    this.process = fork(script, [JSON.stringify(config)], {
      execArgv: ['--expose-gc', '--enable-source-maps'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.process.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.stderr = (this.stderr + text).slice(-64 * 1024);
    });
    this.process.on('message', (message: ChildMessage) => {
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting?.resolve(message);
    });
    this.exit = new Promise((resolve) => {
      // 'close', not 'exit': by then all of its stderr has arrived (what ended it is in there).
      this.process.on('close', (code, signal) => {
        this.exitCode = code ?? signal ?? 'unknown';
        this.waiting?.reject(new Error(`the child ended with ${this.exitCode} while an operation was running`));
        this.waiting = undefined;
        resolve(this.exitCode);
      });
    });
  }

  ask<T extends ChildMessage>(message: ParentMessage, timeoutMs: number): Promise<T> {
    if (this.exitCode !== undefined) return Promise.reject(new Error(`the child ended with ${this.exitCode}`));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`the child did not answer ${message.type} in ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.waiting = {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as T);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.process.send(message);
    });
  }

  /** The exit code once the child ends by itself, or a note that it did not within `timeoutMs`. */
  async exited(timeoutMs: number): Promise<number | string> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`still running ${timeoutMs / 1000} s after the soak`), timeoutMs);
    });
    const code = await Promise.race([this.exit, late]);
    clearTimeout(timer);
    return code;
  }

  kill(): void {
    if (this.exitCode === undefined) this.process.kill('SIGKILL');
  }
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export { HOSTILE_BEHAVIOURS, HOSTILE_OPERATIONS };
