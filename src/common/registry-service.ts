/**
 * The one owner of the registry core on the extension host: the session (created from the settings
 * on first use, replaced when a setting that decides how registries are reached changes), the
 * request log, the logins kept in VS Code, and repositories as commands use them. The tree,
 * commands, the inspector and editor features all receive this service; none of them owns a
 * session or reaches through another to get one.
 */
import type * as vscode from 'vscode';
import type {
  Credential,
  CredentialStore,
  PullRateLimit,
  RegistryClient,
  RegistrySession,
  Repository,
  RequestLogEntry,
} from '../core/index';
import { ContentCache } from './content-cache';
import { core } from './core-loader';
import { coreConfigFrom, type ExplorerSettings, type RegistrySetting } from './settings';
import { RequestTally } from './request-tally';
import { impactOf, type SettingsImpact } from './settings-impact';
import { type AnswerPolicy, answerSourceFor, RegistryAnswers } from './registry-answers';

/** What a session for a one-off check (Add Registry, Log In) may differ in. */
export interface TrialSessionOptions {
  /** Registries not in the settings yet (the one being added). */
  extraRegistries?: RegistrySetting[];
  /** Use this login for `host` instead of the stored ones (the login being checked). */
  candidateLogin?: { host: string; credential: Credential };
  requestTimeoutMs?: number;
}

export class RegistryService implements vscode.Disposable {
  private current: RegistrySession | undefined;
  private answersNow: RegistryAnswers | undefined;
  /** Who wants to know when a registry reports its pull rate limit, whichever session hears it. */
  private readonly pullLimitListeners = new Set<(registry: string, limit: PullRateLimit) => void>();
  /** Manifests and configs by digest, for the tree, the inspector and editor features (content-addressed: never stale). */
  readonly content = new ContentCache();
  /** Counts of the requests about a repository, logged once they stop: what browsing it cost. */
  readonly requests: RequestTally;

  constructor(
    private settingsNow: ExplorerSettings,
    private readonly log: vscode.LogOutputChannel,
    /** Logins made in the extension (VS Code's secret storage); the core reads Docker's and Podman's itself. */
    readonly logins: CredentialStore | undefined,
  ) {
    this.requests = new RequestTally((line) => this.log.info(line));
  }

  get settings(): ExplorerSettings {
    return this.settingsNow;
  }

  /** The session for everything the views and commands do, created on first use. */
  get session(): RegistrySession {
    if (!this.current) {
      this.current = core().createSession(coreConfigFrom(this.settingsNow, (e) => this.logRequest(e), this.logins));
      this.current.onPullRateLimit((registry, limit) => this.pullLimitListeners.forEach((listener) => listener(registry, limit)));
    }
    return this.current;
  }

  /** Calls `listener` when a registry reports its pull rate limit (Docker Hub's), in this session or the next. */
  onPullRateLimit(listener: (registry: string, limit: PullRateLimit) => void): vscode.Disposable {
    this.pullLimitListeners.add(listener);
    return { dispose: () => this.pullLimitListeners.delete(listener) };
  }

  /**
   * Tag listings and what references point at, cached for `registryExplorer.cacheMinutes` and
   * shared by everything that asks (see registry-answers.ts); forgotten with the session.
   */
  get answers(): RegistryAnswers {
    this.answersNow ??= new RegistryAnswers(
      answerSourceFor(
        () => this.session,
        (line) => this.log.warn(line),
      ),
      answerPolicy(this.settingsNow),
    );
    return this.answersNow;
  }

  /**
   * New settings: the session is replaced only when how registries are reached changed. Returns
   * what the change means for the views (see SettingsImpact).
   */
  updateSettings(settings: ExplorerSettings): SettingsImpact {
    const impact = impactOf(this.settingsNow, settings);
    this.settingsNow = settings;
    this.answersNow?.setPolicy(answerPolicy(settings));
    if (impact === 'session') this.reset();
    return impact;
  }

  /** Drops the session (its connections, tokens and cached plans); the next use builds a new one. */
  reset(): void {
    void this.current?.close();
    this.current = undefined;
    this.answersNow?.forget();
  }

  /** Forgets what the session holds for a host (after a login or logout changed its credentials). */
  forget(host: string): void {
    this.current?.forget(host);
    this.answersNow?.forget(host);
  }

  /** A repository as commands use it, with the settings that tune it (the upload chunk size) applied. */
  repository(host: string, name: string): Repository {
    return this.repositoryOf(this.session.registry(host), name);
  }

  repositoryOf(client: RegistryClient, name: string): Repository {
    const repository = client.repository(name);
    const mib = this.settingsNow.uploadChunkSizeMiB;
    if (mib > 0) repository.upload = { ...repository.upload, chunkSize: mib * 1024 * 1024 };
    return repository;
  }

  /** A separate session for one check, closed by the caller: it never disturbs the main one. */
  trialSession(options: TrialSessionOptions = {}): RegistrySession {
    const { createSession, withLoginFor } = core();
    const candidate = options.candidateLogin;
    const logins: CredentialStore | undefined = candidate ? withLoginFor(candidate.host, candidate.credential, this.logins) : this.logins;
    const config = coreConfigFrom(this.settingsNow, (e) => this.logRequest(e), logins, options.extraRegistries ?? []);
    return createSession(options.requestTimeoutMs ? { ...config, requestTimeoutMs: options.requestTimeoutMs } : config);
  }

  logRequest(e: RequestLogEntry): void {
    this.requests.record(e.method, e.url);
    const outcome = e.status !== undefined ? String(e.status) : `failed (${e.error ?? 'error'})`;
    // The channel redacts URLs (signed query parameters, upload state, user info): see redact.ts.
    this.log.debug(`${e.method} ${e.url} → ${outcome} in ${Math.round(e.durationMs)} ms`);
  }

  dispose(): void {
    this.requests.flush();
    this.reset();
  }
}

function answerPolicy(settings: ExplorerSettings): AnswerPolicy {
  const limited = new Set(settings.rateLimitedRegistries.map((h) => h.toLowerCase()));
  return { ttlMs: settings.cacheMinutes * 60_000, rateLimited: (host) => limited.has(host.toLowerCase()) };
}
