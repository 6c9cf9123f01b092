import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { homedir as osHomedir } from 'node:os';
import { Authorizer } from '../auth/authorizer';
import { RegistryClient } from './client';
import { CredentialResolver } from '../credentials/resolver';
import type { Credential, CredentialStore } from '../credentials/types';
import { defaultHostRoots, loadHostConfig, type HostConfig } from '../hosts/hosts-dirs';
import { ApiChannel } from './api-channel';
import { EndpointClient } from './endpoint-client';
import { pullRateLimitOf, type PullRateLimit } from './rate-limit';
import { RequestRouter } from './router';
import { CoreError } from '../errors';
import { hostTls, planEndpoints, resolveHostAddresses, type EndpointPlan, type Operation, type PlannedEndpoint } from '../hosts/plan';
import { findResolveRule } from '../hosts/resolve-rules';
import { parseHostSettings, type HostSettings, type SettingNames } from '../hosts/host-settings';
import { proxyRoute, type ProxyInput, type ProxyRoute } from '../hosts/proxy';
import { canonicalHost, isHostName } from '../net/addresses';
import { referenceRegistryHost } from '../name/docker-hub';
import { registryHostKey, sameRegistryHost } from '../net/registry-host';
import { KnownSecrets } from '../text/registry-text';
import { RegistryConnection, type ElsewherePurpose, type RequestLogger } from '../transport/connection';
import { HttpTransport, type ConnectionOptions, type HttpRequest, type HttpResponse } from '../transport/http';
import { DEFAULT_BODY_TIME_LIMITS, type BodyTimeLimits } from '../transport/response-body';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../transport/retry';
import { RetryGate } from '../transport/retry-gate';
import { loadTrustRoots, type TrustRoots } from '../transport/trust';

/** Where credentials come from. `false` means anonymous only. */
export interface CredentialOptions {
  /** Logins kept by the application (the extension's SecretStorage); asked first. */
  secretStore?: CredentialStore;
  /** Docker config.json; default `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
  dockerConfigPath?: string;
  /** containers auth.json used exclusively; default Podman's search order. */
  podmanAuthPath?: string;
  /** Time limit for one `docker-credential-*` run. */
  helperTimeoutMs?: number;
}

/**
 * Everything the core needs to reach registries the way this machine is configured to. Every
 * field is optional: `createSession({})` reads the user's hosts directories, Docker and Podman
 * logins, and treats loopback registries as insecure.
 */
export interface CoreConfig {
  /** Registries the user named, with an explicit scheme (`http://` = plain HTTP) or insecure flag. */
  registries?: readonly { url: string; insecure?: boolean; proxy?: string }[];
  /**
   * The application's proxy settings. The environment's `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`
   * and `NO_PROXY` (either case, from `env`) apply too, after them (see hosts/proxy.ts).
   */
  proxy?: ProxyInput;
  /**
   * Trust the operating system's CAs (VS Code's `http.systemCertificates`), read as Go reads them on
   * Linux (bundle files, `SSL_CERT_FILE`, `SSL_CERT_DIR`), from Node's system store elsewhere.
   * Default true. `NODE_EXTRA_CA_CERTS` and Node's bundled roots apply either way.
   */
  systemCertificates?: boolean;
  /** `host`, `host:port` or CIDR entries treated as insecure (Docker's `insecure-registries`). */
  insecureRegistries?: readonly string[];
  /** `host:port:address[:address_port]`: connect elsewhere, keep the name for Host, SNI and the certificate. */
  resolveRules?: readonly string[];
  /** containerd/Docker host directories, searched in order; default the system and user certs.d roots. */
  hostsDirectories?: readonly string[];
  credentials?: CredentialOptions | false;
  /** Time to connect and to receive response headers. Default 30 s. */
  requestTimeoutMs?: number;
  /**
   * Longest silence between two chunks of a response body, blobs included (time the reader holds
   * the body back does not count). Default 60 s, or the request timeout when that is longer.
   */
  bodyIdleTimeoutMs?: number;
  /**
   * Longest time to read the whole of a small document: a manifest, a tag or catalog page, a token
   * answer, an error body. Default twice the request timeout, at least 60 s.
   */
  documentTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** One line per HTTP exchange; never headers or bodies. */
  log?: RequestLogger;
  /** Sent as User-Agent on every request; default `oci-registry-explorer`. */
  userAgent?: string;
  /** How the application names its settings, for the reasons and warnings of endpoint plans (see SettingNames). */
  settingNames?: Partial<SettingNames>;
  env?: Record<string, string | undefined>;
  homedir?: string;
  platform?: NodeJS.Platform;
}

/** An endpoint's connection options as configured, and what a host it sends the client to inherits. */
interface EndpointTls {
  /** All the endpoint's TLS and dial settings as a key: endpoints that agree on them share connections. */
  key: string;
  /**
   * The options for the endpoint's own origin, per scheme, made on first use: https needs the
   * session's trust roots, and reading the system's CAs costs a cold process some 50 ms that a
   * plain-HTTP registry never needs.
   */
  own(scheme: 'https' | 'http'): Promise<ConnectionOptions>;
  /** The endpoint's extra CAs (PEM), which its redirect targets and realms are verified with too. */
  ca?: string[];
  skipVerify: boolean;
}

/**
 * A configured registry core: endpoint plans from hosts directories and settings, connection
 * options per request from the configuration of the host contacted, credentials per contacted
 * host, one connection pool. Every per-host lookup uses the canonical host key (see
 * net/addresses.ts canonicalHost). Create one per configuration; `close()` releases its sockets.
 */
export class RegistrySession {
  readonly transport: HttpTransport;
  /** Every credential, token and configured header value this session sends: registry text quoted in a message never repeats them. */
  readonly secrets = new KnownSecrets();
  private readonly roots: string[];
  private readonly retry: RetryPolicy;
  private readonly resolver: CredentialResolver | undefined;
  private readonly hostConfigs = new Map<string, Promise<{ config: HostConfig; resolvedAddresses: Record<string, readonly string[]> }>>();
  private readonly pems = new Map<string, Promise<string>>();
  private readonly endpointTlsCache = new Map<string, Promise<EndpointTls>>();
  private readonly elsewhereOptions = new Map<string, Promise<ConnectionOptions>>();
  private readonly connections = new Map<string, RegistryConnection>();
  /** One Retry-After hold per host, whichever connection (TLS settings) reached it. */
  private readonly gates = new Map<string, RetryGate>();
  private readonly authorizers = new Map<string, Authorizer>();
  private readonly credentials = new Map<string, Promise<Credential | undefined>>();
  /** The insecure registries, resolve rules and registry entries, parsed once (see host-settings.ts). */
  private readonly hostSettings: HostSettings;
  private trust: Promise<TrustRoots> | undefined;
  /** The pull rate limit each registry last reported (by canonical registry host), and who wants to know. */
  private readonly pullLimits = new Map<string, PullRateLimit>();
  private readonly pullLimitListeners = new Set<(registry: string, limit: PullRateLimit) => void>();
  private readonly apiOptions = new Map<string, Promise<ConnectionOptions>>();

  constructor(readonly config: CoreConfig = {}) {
    const env = config.env ?? process.env;
    const home = config.homedir ?? osHomedir();
    const platform = config.platform ?? process.platform;
    this.roots = config.hostsDirectories ? [...config.hostsDirectories] : defaultHostRoots(env, home, platform);
    this.retry = { ...DEFAULT_RETRY_POLICY, ...config.retry };
    const timeout = config.requestTimeoutMs ?? 30_000;
    // Every request of the session carries its own options; a request without any is verified with the system roots.
    this.transport = new HttpTransport(
      () => ({ connectTimeoutMs: timeout, headersTimeoutMs: timeout }),
      config.userAgent,
      bodyTimeLimits(config),
    );
    if (config.credentials !== false) {
      const c = config.credentials ?? {};
      this.resolver = new CredentialResolver({
        secretStore: c.secretStore,
        dockerConfigPath: c.dockerConfigPath || undefined,
        podmanAuthPath: c.podmanAuthPath || undefined,
        helperTimeoutMs: c.helperTimeoutMs,
        env,
        homedir: home,
        platform,
      });
    }
    this.hostSettings = parseHostSettings({
      insecureRegistries: config.insecureRegistries,
      resolveRules: config.resolveRules,
      registries: config.registries,
      ...(config.proxy ? { proxy: config.proxy } : {}),
      env,
      names: config.settingNames,
    });
    for (const proxy of [this.hostSettings.proxy.configured, ...Object.values(this.hostSettings.proxy.env)]) {
      if (proxy?.authorization) this.secrets.add(proxy.authorization);
    }
    for (const reach of this.hostSettings.registries.values()) {
      if (reach.proxy !== undefined && reach.proxy !== 'none' && reach.proxy.authorization) this.secrets.add(reach.proxy.authorization);
    }
  }

  /** The client for one registry (`docker.io`, `ghcr.io`, `localhost:5000`); cheap, holds no sockets of its own. */
  registry(host: string): RegistryClient {
    return new RegistryClient(this.router(host));
  }

  /** What a registry's client and repositories carry: its plan, endpoint clients, credentials and the session's secrets. */
  private router(host: string): RequestRouter {
    return new RequestRouter({
      host,
      secrets: this.secrets,
      plan: (operation) => this.endpointPlan(host, operation),
      clientsFor: (plan, repository) => this.endpointClients(plan, repository),
      credential: (contacted) => this.credential(contacted),
      pullRateLimit: () => this.pullLimits.get(registryName(host)),
    });
  }

  /**
   * Requests to vendors' web APIs (Docker Hub's, GitHub's…) through this session's transport: each
   * origin reached as configured for its host, like a registry's (its resolve rule, its CA and
   * client certificate from the host directories, skip_verify or the insecure settings), logged
   * like every request, with the session's secrets and retry policy.
   */
  apiChannel(): ApiChannel {
    return new ApiChannel({
      send: (req) => this.sendToApi(req),
      secrets: this.secrets,
      retry: this.retry,
      local: {
        env: this.config.env ?? process.env,
        homedir: this.config.homedir ?? osHomedir(),
        platform: this.config.platform ?? process.platform,
      },
    });
  }

  /** Calls `listener` whenever a registry reports its pull rate limit (Docker Hub on manifest requests); returns the unsubscribe. */
  onPullRateLimit(listener: (registry: string, limit: PullRateLimit) => void): () => void {
    this.pullLimitListeners.add(listener);
    return () => this.pullLimitListeners.delete(listener);
  }

  /** The hosts directories this session reads, in order. */
  get hostsDirectories(): readonly string[] {
    return this.roots;
  }

  /** The ordered endpoints for an operation on a registry, why each is there, and the CAs verified connections trust. */
  async plan(registry: string, operation: Operation): Promise<EndpointPlan> {
    const plan = await this.endpointPlan(registry, operation);
    return { ...plan, trust: [...(await this.trustRoots()).sources] };
  }

  /**
   * The plan requests follow (and a registry's client shows): without the trust line, so that
   * nothing but a verified connection waits for the system's CAs to be read (see EndpointTls.own).
   */
  private async endpointPlan(registry: string, operation: Operation): Promise<EndpointPlan> {
    const key = registryName(registry);
    const { config, resolvedAddresses } = await this.hostConfig(key);
    return planEndpoints(config, operation, {
      parsed: this.hostSettings,
      registrySetting: this.hostSettings.registries.get(registryHostKey(key)),
      resolvedAddresses,
    });
  }

  /** The CAs every verified connection of this session trusts, before a host's own (read once per session). */
  trustRoots(): Promise<TrustRoots> {
    this.trust ??= loadTrustRoots({
      system: this.config.systemCertificates !== false,
      env: this.config.env ?? process.env,
      platform: this.config.platform ?? process.platform,
    });
    return this.trust;
  }

  /**
   * Clients for a plan's endpoints, each with the credentials of the host it contacts (for
   * `repository` when the user's files scope logins by repository).
   */
  async endpointClients(plan: EndpointPlan, repository?: string): Promise<EndpointClient[]> {
    const clients: EndpointClient[] = [];
    for (const endpoint of plan.endpoints) {
      this.secrets.add(...Object.values(endpoint.headers ?? {}));
      const tls = await this.endpointTls(endpoint);
      const connection = this.connectionFor(endpoint, tls);
      const authorizer = await this.authorizerFor(endpoint, tls, repository);
      // Only the registry itself speaks for its pull rate limit; a mirror's answers are its own.
      const observe = endpoint.role === 'server' ? (res: HttpResponse) => this.notePullRateLimit(plan.registry, res) : undefined;
      clients.push(new EndpointClient(endpoint, connection, authorizer, this.retry, observe));
    }
    return clients;
  }

  /** The credential the session uses for a contacted host (memoised; `forget` clears it). */
  credential(host: string, repository?: string): Promise<Credential | undefined> {
    if (!this.resolver) return Promise.resolve(undefined);
    const canonical = canonicalHost(host);
    const key = `${canonical}\0${repository ?? ''}`;
    let found = this.credentials.get(key);
    if (!found) {
      found = this.resolver.get(canonical, repository);
      this.credentials.set(key, found);
      // A failing helper or malformed file is reported now and asked again next time.
      found.catch(() => this.credentials.delete(key));
    }
    return found;
  }

  /** Registries the user's Docker and Podman files hold logins for. */
  async discoveredRegistries(): Promise<string[]> {
    return this.resolver ? this.resolver.discoveredRegistries() : [];
  }

  /**
   * Forgets credentials and tokens (of one registry, or all) after a login or logout. They are kept
   * by the host contacted, so the registry's every spelling counts: a login for `docker.io` is
   * held under `registry-1.docker.io`.
   */
  forget(host?: string): void {
    const forgotten = (keyHost: string) => host === undefined || sameRegistryHost(keyHost, host);
    const hostOf = (key: string) => key.slice(0, key.indexOf('\0'));
    for (const key of [...this.credentials.keys()]) if (forgotten(hostOf(key))) this.credentials.delete(key);
    for (const [key, authorizer] of [...this.authorizers]) {
      if (forgotten(hostOf(key))) {
        authorizer.forget();
        this.authorizers.delete(key);
      }
    }
    // Rate limits are often per account: after a login, the next request asks again.
    for (const [gateHost, gate] of this.gates) if (forgotten(gateHost)) gate.open();
    this.resolver?.clearCache();
  }

  async close(): Promise<void> {
    this.pullLimitListeners.clear();
    await this.transport.close();
  }

  private notePullRateLimit(registry: string, res: HttpResponse): void {
    const limit = pullRateLimitOf(res.headers);
    if (!limit) return;
    const key = canonicalHost(registry);
    this.pullLimits.set(key, limit);
    for (const listener of this.pullLimitListeners) listener(key, limit);
  }

  /** One request to a vendor's API, connected as configured for its host, and logged without headers or bodies. */
  private async sendToApi(req: HttpRequest): Promise<HttpResponse> {
    const connection = await this.apiConnectionOptions(req.url);
    const started = performance.now();
    const url = `${req.url.origin}${req.url.pathname}${req.url.search}`;
    const log = this.config.log ?? (() => undefined);
    try {
      const res = await this.transport.send({ ...req, connection });
      log({ method: req.method, url, status: res.status, durationMs: performance.now() - started });
      return res;
    } catch (err) {
      log({ method: req.method, url, durationMs: performance.now() - started, error: err instanceof CoreError ? err.code : 'ERROR' });
      throw err;
    }
  }

  /**
   * How an API origin is reached: as the registry on that host would be (its plan's server
   * endpoint: resolve rule, CA and client files, skip_verify, the insecure settings), or, when its
   * host directory sends the registry elsewhere, with the host's own TLS settings and resolve rule.
   */
  private apiConnectionOptions(url: URL): Promise<ConnectionOptions> {
    const scheme = url.protocol === 'http:' ? 'http' : 'https';
    return this.memo(this.apiOptions, `${scheme}://${url.host}`, async () => {
      const host = canonicalHost(url.host, scheme);
      const plan = await this.endpointPlan(host, 'list');
      const server = plan.endpoints.find((e) => e.role === 'server' && e.host === host);
      if (server) return (await this.endpointTls(server)).own(scheme);
      // A vendor API is reached through the proxy rules for its own host, as a token realm is.
      return this.hostOwnOptions(url);
    });
  }

  /** A registry's host directory and (for CIDR insecure entries) its hosts' addresses, read once per session. */
  private hostConfig(registry: string): Promise<{ config: HostConfig; resolvedAddresses: Record<string, readonly string[]> }> {
    let config = this.hostConfigs.get(registry);
    if (!config) {
      config = loadHostConfig(registry, { roots: this.roots, platform: this.config.platform }).then(async (hosts) => ({
        config: hosts,
        resolvedAddresses: await resolveHostAddresses(hosts, {}),
      }));
      this.hostConfigs.set(registry, config);
      config.catch(() => this.hostConfigs.delete(registry));
    }
    return config;
  }

  /**
   * An endpoint's connection options, from its plan alone (its CA and client files, skip_verify,
   * resolve rules, dial timeout): for its https origin, and for its plain-HTTP fallback.
   */
  private endpointTls(endpoint: PlannedEndpoint): Promise<EndpointTls> {
    const target = (t: PlannedEndpoint['connectTo']['https']) => (t ? [t.address, t.port] : null);
    const key = JSON.stringify([
      endpoint.host,
      endpoint.caFiles,
      endpoint.clientCertificates.map((c) => [c.cert, c.key]),
      endpoint.skipVerify,
      target(endpoint.connectTo.https),
      target(endpoint.connectTo.http),
      endpoint.dialTimeoutMs ?? null,
      routeKey(endpoint.proxy.https),
      routeKey(endpoint.proxy.http),
      endpoint.scheme,
    ]);
    return this.memo(this.endpointTlsCache, key, async () => {
      const timeout = this.config.requestTimeoutMs ?? 30_000;
      const base: ConnectionOptions = { connectTimeoutMs: endpoint.dialTimeoutMs ?? timeout, headersTimeoutMs: timeout };
      const ca =
        endpoint.caFiles.length > 0 ? await Promise.all(endpoint.caFiles.map((file) => this.pem(file, 'CA certificate'))) : undefined;
      const clientCertificates = await this.pairs(endpoint.clientCertificates);
      const dial = (t: PlannedEndpoint['connectTo']['https']) => (t ? { connectTo: { address: t.address, port: t.port } } : {});
      const https = async (): Promise<ConnectionOptions> => {
        const roots = await this.trustRoots();
        return {
          ...base,
          ...dial(endpoint.connectTo.https),
          ...viaProxy(endpoint.proxy.https, true, roots),
          roots,
          ...(endpoint.skipVerify ? { skipVerify: true } : {}),
          ...(ca ? { ca } : {}),
          ...(clientCertificates.length > 0 ? { clientCertificates } : {}),
        };
      };
      // Plain HTTP (chosen, or the insecure fallback) is forwarded by a proxy, as Go's clients do: a
      // tunnel would hide nothing (the proxy relays the same clear bytes), and proxies commonly
      // allow CONNECT to port 443 only. The roots are read only for a proxy, which may speak TLS.
      const http = async (): Promise<ConnectionOptions> => ({
        ...base,
        ...dial(endpoint.connectTo.http),
        ...viaProxy(endpoint.proxy.http, false, endpoint.proxy.http?.proxy ? await this.trustRoots() : undefined),
      });
      const made: { https?: Promise<ConnectionOptions>; http?: Promise<ConnectionOptions> } = {};
      return {
        key,
        own: (scheme) => (made[scheme] ??= scheme === 'https' ? https() : http()),
        ...(ca ? { ca } : {}),
        skipVerify: endpoint.skipVerify,
      };
    });
  }

  /**
   * Options for another origin an endpoint sends the client to (a redirect target, an upload
   * location, a token realm), decided from configuration, never from who reached that origin first:
   * - that host's own TLS settings from the host directories (its `ca`, `client`, `skip_verify`,
   *   as when it is used as a registry; not the insecure-registry list or loopback default, which
   *   decide how a registry is reached, not what it may send the client to);
   * - plus the endpoint's own CA, as Docker and containerd verify a registry's storage with it;
   * - never the endpoint's client certificate; its skip_verify only for a token realm on the
   *   registry's own host name (see realmMaySkipVerify);
   * - the resolve rule for that host and port, as for a registry.
   * The endpoint's own origin (either scheme) keeps the endpoint's options.
   */
  private optionsElsewhere(url: URL, endpoint: PlannedEndpoint, tls: EndpointTls, purpose: ElsewherePurpose): Promise<ConnectionOptions> {
    const scheme = url.protocol === 'http:' ? 'http' : 'https';
    if (url.host === canonicalHost(endpoint.host, scheme)) return tls.own(scheme);
    const inheritsSkipVerify = purpose === 'realm' && tls.skipVerify && realmMaySkipVerify(url, endpoint.host);
    return this.memo(this.elsewhereOptions, `${tls.key}\n${url.origin}\n${inheritsSkipVerify}`, () =>
      this.hostOwnOptions(url, { ca: tls.ca ?? [], skipVerify: inheritsSkipVerify }),
    );
  }

  /**
   * How an origin no plan names is reached from configuration alone: the proxy rules and resolve rule
   * for its own host and port (https through a CONNECT tunnel, plain HTTP forwarded, whatever the
   * request carries: a tunnel to an http origin would hide nothing from the proxy), and for https
   * the system's roots plus that host's own TLS settings (see hostOwnTls), with `extra` CAs and
   * skip_verify a caller's endpoint lends it.
   */
  private async hostOwnOptions(url: URL, extra: { ca?: string[]; skipVerify?: boolean } = {}): Promise<ConnectionOptions> {
    const scheme = url.protocol === 'http:' ? 'http' : 'https';
    const timeout = this.config.requestTimeoutMs ?? 30_000;
    const port = Number(url.port || (scheme === 'https' ? 443 : 80));
    const route = this.routeTo(url);
    const rule = route.proxy ? undefined : findResolveRule(this.hostSettings.resolveRules, url.hostname.replace(/^\[|\]$/g, ''), port);
    const options: ConnectionOptions = {
      connectTimeoutMs: timeout,
      headersTimeoutMs: timeout,
      ...(rule ? { connectTo: { address: rule.address, port: rule.addressPort } } : {}),
      ...viaProxy(route, scheme === 'https', route.proxy ? await this.trustRoots() : undefined),
    };
    if (scheme === 'http') return options;
    const own = await this.hostOwnTls(url.host);
    const ca = [...new Set([...(extra.ca ?? []), ...own.ca])];
    return {
      ...options,
      roots: await this.trustRoots(),
      ...(ca.length > 0 ? { ca } : {}),
      ...(own.clientCertificates.length > 0 ? { clientCertificates: own.clientCertificates } : {}),
      ...(own.skipVerify || extra.skipVerify ? { skipVerify: true } : {}),
    };
  }

  /** How a host the session did not plan (a token realm, blob storage) is reached: the same proxy rules, for its own host. */
  routeTo(url: URL): ProxyRoute {
    const scheme = url.protocol === 'http:' ? 'http' : 'https';
    const own = this.hostSettings.registries.get(registryHostKey(canonicalHost(url.host, scheme)))?.proxy;
    return proxyRoute(
      this.hostSettings.proxy,
      scheme,
      url.host,
      own !== undefined ? { proxy: own, setting: this.hostSettings.names.registries } : undefined,
    );
  }

  /** A host's own https TLS settings from the host directories (hosts.toml sections naming it, or certs.d). */
  private async hostOwnTls(
    host: string,
  ): Promise<{ ca: string[]; clientCertificates: { cert: string; key: string }[]; skipVerify: boolean }> {
    const none = { ca: [], clientCertificates: [], skipVerify: false };
    // A name a registry sent is a directory name below: only host names and IPs, never "..".
    if (!isHostName(host)) return none;
    const { config } = await this.hostConfig(host);
    const settings = hostTls(config, 'https', host);
    if (!settings) return none;
    const ca = await Promise.all(settings.caFiles.map((file) => this.pem(file, 'CA certificate')));
    return { ca, clientCertificates: await this.pairs(settings.clientCertificates), skipVerify: settings.skipVerify === true };
  }

  /** Every configured client certificate pair, read, in order: the transport offers each until one is accepted. */
  private pairs(files: readonly { cert: string; key: string }[]): Promise<{ cert: string; key: string }[]> {
    return Promise.all(
      files.map(async (pair) => ({ cert: await this.pem(pair.cert, 'client certificate'), key: await this.pem(pair.key, 'client key') })),
    );
  }

  private connectionFor(endpoint: PlannedEndpoint, tls: EndpointTls): RegistryConnection {
    const key = `${endpoint.scheme}://${endpoint.host}${endpoint.insecure ? ' insecure' : ''}\n${tls.key}`;
    let connection = this.connections.get(key);
    if (!connection) {
      let gate = this.gates.get(endpoint.host);
      if (!gate) {
        gate = new RetryGate(endpoint.host);
        this.gates.set(endpoint.host, gate);
      }
      connection = new RegistryConnection(
        { host: endpoint.host, scheme: endpoint.scheme, insecure: endpoint.insecure },
        this.transport,
        this.config.log,
        { own: tls.own, elsewhere: (url, purpose) => this.optionsElsewhere(url, endpoint, tls, purpose) },
        gate,
      );
      this.connections.set(key, connection);
    }
    return connection;
  }

  /** A file's text, read once per session; a failed read is reported now and tried again next time. */
  private pem(path: string, what: string): Promise<string> {
    return this.memo(this.pems, path, () => readPem(path, what));
  }

  private memo<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
    let value = cache.get(key);
    if (!value) {
      value = make();
      cache.set(key, value);
      value.catch(() => cache.delete(key));
    }
    return value;
  }

  private async authorizerFor(endpoint: PlannedEndpoint, tls: EndpointTls, repository: string | undefined): Promise<Authorizer> {
    const credential = await this.credential(endpoint.host, repository);
    // One authorizer per host, credential and TLS settings: tokens are never shared between
    // identities, and its token realm is reached with the TLS settings of this endpoint. The
    // secret counts too: a sign-in whose token changed (more scopes granted, the same account)
    // must not reuse an authorizer holding the old one.
    const key = `${endpoint.host}\0${credential ? `${credential.source}\0${credential.username ?? ''}\0${secretPrint(credential)}` : 'anonymous'}\0${tls.key}`;
    let authorizer = this.authorizers.get(key);
    if (!authorizer) {
      const connection = this.connectionFor(endpoint, tls);
      authorizer = new Authorizer({
        host: endpoint.host,
        // The http-realm refusal protects verified HTTPS. An insecure host's TLS is unverified (and may
        // fall back to http), so its plain-HTTP token realm weakens nothing further.
        scheme: endpoint.insecure ? 'http' : endpoint.scheme,
        credentials: async () => credential,
        send: (req) => connection.sendElsewhere(req, 'realm'),
        extraHeaders: (endpoint as PlannedEndpoint & { headers?: Record<string, string> }).headers,
        secrets: this.secrets,
      });
      this.authorizers.set(key, authorizer);
    }
    return authorizer;
  }
}

/**
 * A registry as the session plans it: its canonical host, with `index.docker.io` read as `docker.io`
 * as in references, so each of those spellings finds the same host directory (`docker.io/`).
 */
function registryName(registry: string): string {
  return referenceRegistryHost(canonicalHost(registry));
}

/** A short digest of a credential's secrets, to tell two logins of one account apart without keeping them in a key. */
function secretPrint(credential: Credential): string {
  return createHash('sha256')
    .update(JSON.stringify([credential.password ?? '', credential.identityToken ?? '', credential.registryToken ?? '']))
    .digest('hex')
    .slice(0, 16);
}

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new CoreError(
      'TLS_FILE_UNREADABLE',
      `The ${what} ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): fix the path in the hosts.toml or certs.d folder that names it.`,
      { cause: err },
    );
  }
}

/** What identifies a route among connection options: the proxy and its source (never its credentials, which the source decides). */
function routeKey(route: ProxyRoute | undefined): string | null {
  return route?.proxy ? `${route.proxy.url} ${route.proxy.source}` : null;
}

/**
 * Connection options for a route through a proxy: tunnelled (CONNECT) or forwarded; an https
 * proxy's own certificate is verified against the session's roots, as a registry's is.
 */
function viaProxy(route: ProxyRoute | undefined, tunnel: boolean, roots: TrustRoots | undefined): Pick<ConnectionOptions, 'proxy'> {
  const proxy = route?.proxy;
  if (!proxy) return {};
  return {
    proxy: {
      url: proxy.url,
      source: proxy.source,
      verify: proxy.verify,
      tunnel,
      ...(roots ? { roots } : {}),
      ...(proxy.authorization !== undefined ? { authorization: proxy.authorization } : {}),
    },
  };
}

/** The time limits on response bodies for a configuration: its own, else derived from the request timeout. */
export function bodyTimeLimits(config: Pick<CoreConfig, 'requestTimeoutMs' | 'bodyIdleTimeoutMs' | 'documentTimeoutMs'>): BodyTimeLimits {
  const request = config.requestTimeoutMs ?? 30_000;
  return {
    idleMs: config.bodyIdleTimeoutMs ?? Math.max(DEFAULT_BODY_TIME_LIMITS.idleMs, request),
    documentMs: config.documentTimeoutMs ?? Math.max(DEFAULT_BODY_TIME_LIMITS.documentMs, 2 * request),
  };
}

/** A session for this configuration. */
export function createSession(config: CoreConfig = {}): RegistrySession {
  return new RegistrySession(config);
}

/**
 * Whether a token realm may skip certificate verification because its registry does: only on the
 * registry's own host name (another port of the same machine, as self-hosted token servers run).
 * A realm elsewhere is a host nobody configured as insecure, so it is verified.
 */
export function realmMaySkipVerify(realm: URL, registryHost: string): boolean {
  return realm.hostname === new URL(`https://${registryHost}`).hostname;
}
