import { readFile } from 'node:fs/promises';
import { homedir as osHomedir } from 'node:os';
import { Authorizer } from './auth/authorizer';
import { RegistryClient } from './client';
import { CredentialResolver, type Credential, type CredentialStore } from './config/credentials';
import { defaultHostRoots, loadHostConfig, type HostConfig } from './config/hosts';
import { EndpointClient } from './endpoint-client';
import { CoreError } from './errors';
import { planEndpoints, resolveForInsecureNetworks, type EndpointPlan, type Operation, type PlannedEndpoint } from './plan';
import { findResolveRule, parseResolveRule, type ResolveRule } from './config/resolve-rules';
import { parseRegistryLocation } from './registry-url';
import { RegistryConnection, type RequestLogger } from './transport/connection';
import { HttpTransport, type OriginOptions } from './transport/http';
import { DEFAULT_BODY_TIME_LIMITS, type BodyTimeLimits } from './transport/response-body';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './transport/retry';

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
  registries?: readonly { url: string; insecure?: boolean }[];
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
  env?: Record<string, string | undefined>;
  homedir?: string;
  platform?: NodeJS.Platform;
}

/**
 * A configured registry core: endpoint plans from hosts directories and settings, TLS per origin,
 * credentials per contacted host, one connection pool. Create one per configuration; `close()`
 * releases its sockets.
 */
export class RegistrySession {
  readonly transport: HttpTransport;
  private readonly roots: string[];
  private readonly retry: RetryPolicy;
  private readonly resolver: CredentialResolver | undefined;
  private readonly registrySettings = new Map<string, { scheme?: 'http' | 'https'; insecure?: boolean }>();
  private readonly hostConfigs = new Map<string, Promise<{ config: HostConfig; resolvedAddresses: Record<string, readonly string[]> }>>();
  private readonly originOptions = new Map<string, OriginOptions>();
  private readonly connections = new Map<string, RegistryConnection>();
  private readonly authorizers = new Map<string, Authorizer>();
  private readonly credentials = new Map<string, Promise<Credential | undefined>>();
  /** Parsed once; a malformed rule is reported by the endpoint plan and applies nowhere. */
  private readonly resolveRules: ResolveRule[] = [];

  constructor(readonly config: CoreConfig = {}) {
    const env = config.env ?? process.env;
    const home = config.homedir ?? osHomedir();
    const platform = config.platform ?? process.platform;
    this.roots = config.hostsDirectories ? [...config.hostsDirectories] : defaultHostRoots(env, home, platform);
    this.retry = { ...DEFAULT_RETRY_POLICY, ...config.retry };
    const timeout = config.requestTimeoutMs ?? 30_000;
    this.transport = new HttpTransport((origin) => this.originOptions.get(origin.origin) ?? { connectTimeoutMs: timeout, headersTimeoutMs: timeout }, config.userAgent, bodyTimeLimits(config));
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
    for (const raw of config.resolveRules ?? []) {
      try {
        this.resolveRules.push(parseResolveRule(raw.trim()));
      } catch {
        // See resolveRules.
      }
    }
    for (const entry of config.registries ?? []) {
      try {
        const location = parseRegistryLocation(entry.url);
        this.registrySettings.set(location.host, { ...(location.scheme ? { scheme: location.scheme } : {}), ...(entry.insecure ? { insecure: true } : {}) });
      } catch {
        // Malformed registry URLs are reported where the settings are shown; they configure nothing.
      }
    }
  }

  /** The client for one registry (`docker.io`, `ghcr.io`, `localhost:5000`); cheap, holds no sockets of its own. */
  registry(host: string): RegistryClient {
    return new RegistryClient(this, host);
  }

  /** The hosts directories this session reads, in order. */
  get hostsDirectories(): readonly string[] {
    return this.roots;
  }

  /** The ordered endpoints for an operation on a registry, and why each is there. */
  async plan(registry: string, operation: Operation): Promise<EndpointPlan> {
    const { config, resolvedAddresses } = await this.hostConfig(registry);
    return planEndpoints(config, operation, {
      insecureRegistries: this.config.insecureRegistries,
      resolveRules: this.config.resolveRules,
      registrySetting: this.registrySettings.get(registry),
      resolvedAddresses,
    });
  }

  /**
   * Clients for a plan's endpoints, each with the credentials of the host it contacts (for
   * `repository` when the user's files scope logins by repository).
   */
  async endpointClients(plan: EndpointPlan, repository?: string): Promise<EndpointClient[]> {
    const clients: EndpointClient[] = [];
    for (const endpoint of plan.endpoints) {
      await this.registerOrigins(endpoint);
      const connection = this.connectionFor(endpoint);
      const authorizer = await this.authorizerFor(endpoint, repository);
      clients.push(new EndpointClient(endpoint, connection, authorizer, this.retry));
    }
    return clients;
  }

  /** The credential the session uses for a contacted host (memoised; `forget` clears it). */
  credential(host: string, repository?: string): Promise<Credential | undefined> {
    if (!this.resolver) return Promise.resolve(undefined);
    const key = `${host}\0${repository ?? ''}`;
    let found = this.credentials.get(key);
    if (!found) {
      found = this.resolver.get(host, repository);
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

  /** Forgets credentials and tokens (of one host, or all) after a login or logout. */
  forget(host?: string): void {
    for (const key of [...this.credentials.keys()]) if (!host || key.startsWith(`${host}\0`)) this.credentials.delete(key);
    for (const [key, authorizer] of [...this.authorizers]) {
      if (!host || key.startsWith(`${host}\0`)) {
        authorizer.forget();
        this.authorizers.delete(key);
      }
    }
    // Rate limits are often per account: after a login, the next request asks again.
    for (const connection of this.connections.values()) if (!host || connection.endpoint.host === host) connection.gate.open();
    this.resolver?.clearCache();
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  /** A registry's host directory and (for CIDR insecure entries) its hosts' addresses, read once per session. */
  private hostConfig(registry: string): Promise<{ config: HostConfig; resolvedAddresses: Record<string, readonly string[]> }> {
    let config = this.hostConfigs.get(registry);
    if (!config) {
      config = loadHostConfig(registry, { roots: this.roots, platform: this.config.platform }).then(async (hosts) => ({
        config: hosts,
        resolvedAddresses: await resolveForInsecureNetworks(hosts, { insecureRegistries: this.config.insecureRegistries }),
      }));
      this.hostConfigs.set(registry, config);
      config.catch(() => this.hostConfigs.delete(registry));
    }
    return config;
  }

  /** TLS and dial settings for both schemes of an endpoint's host, read once per origin. */
  private async registerOrigins(endpoint: PlannedEndpoint): Promise<void> {
    const timeout = this.config.requestTimeoutMs ?? 30_000;
    for (const scheme of ['https', 'http'] as const) {
      const origin = `${scheme}://${endpoint.host}`;
      if (this.originOptions.has(origin)) continue;
      const options: OriginOptions = {
        connectTimeoutMs: endpoint.dialTimeoutMs ?? timeout,
        headersTimeoutMs: timeout,
      };
      const target = endpoint.connectTo[scheme];
      if (target) options.connectTo = { address: target.address, port: target.port };
      if (scheme === 'https') {
        if (endpoint.skipVerify) options.skipVerify = true;
        if (endpoint.caFiles.length) options.ca = await Promise.all(endpoint.caFiles.map((file) => readPem(file, 'CA certificate')));
        const pair = endpoint.clientCertificates[0];
        if (pair) options.clientCertificate = { cert: await readPem(pair.cert, 'client certificate'), key: await readPem(pair.key, 'client key') };
      }
      this.originOptions.set(origin, options);
    }
  }

  /**
   * A token realm or a redirect target (blob storage) trusts the registry's CA, as Docker and
   * containerd give it, but never receives the registry's client certificate. The registry's
   * skip_verify goes only to a realm on the registry's own host name (another port of the same
   * machine): a host nobody configured as insecure is always verified. Resolve rules apply to these
   * hosts as to registries, so a realm or storage host can be pointed elsewhere too.
   */
  private inheritTls(url: URL, endpoint: PlannedEndpoint, passSkipVerify: boolean): void {
    if (this.originOptions.has(url.origin)) return;
    const registryOptions = this.originOptions.get(`https://${endpoint.host}`);
    const timeout = this.config.requestTimeoutMs ?? 30_000;
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const rule = findResolveRule(this.resolveRules, url.hostname.replace(/^\[|\]$/g, ''), port);
    this.originOptions.set(url.origin, {
      connectTimeoutMs: timeout,
      headersTimeoutMs: timeout,
      ...(rule ? { connectTo: { address: rule.address, port: rule.addressPort } } : {}),
      ...(registryOptions?.ca ? { ca: registryOptions.ca } : {}),
      ...(passSkipVerify && registryOptions?.skipVerify ? { skipVerify: true } : {}),
    });
  }

  private connectionFor(endpoint: PlannedEndpoint): RegistryConnection {
    const key = `${endpoint.scheme}://${endpoint.host}${endpoint.insecure ? ' insecure' : ''}`;
    let connection = this.connections.get(key);
    if (!connection) {
      connection = new RegistryConnection({ host: endpoint.host, scheme: endpoint.scheme, insecure: endpoint.insecure }, this.transport, this.config.log, (url) => this.inheritTls(url, endpoint, false));
      this.connections.set(key, connection);
    }
    return connection;
  }

  private async authorizerFor(endpoint: PlannedEndpoint, repository: string | undefined): Promise<Authorizer> {
    const credential = await this.credential(endpoint.host, repository);
    // One authorizer per host and credential: tokens are never shared between identities.
    const key = `${endpoint.host}\0${credential ? `${credential.source}\0${credential.username ?? ''}` : 'anonymous'}`;
    let authorizer = this.authorizers.get(key);
    if (!authorizer) {
      const connection = this.connectionFor(endpoint);
      authorizer = new Authorizer({
        host: endpoint.host,
        // The http-realm refusal protects verified HTTPS. An insecure host's TLS is unverified (and may
        // fall back to http), so its plain-HTTP token realm weakens nothing further.
        scheme: endpoint.insecure ? 'http' : endpoint.scheme,
        credentials: async () => credential,
        send: (req) => {
          this.inheritTls(req.url, endpoint, realmMaySkipVerify(req.url, endpoint.host));
          return connection.sendElsewhere(req);
        },
        extraHeaders: (endpoint as PlannedEndpoint & { headers?: Record<string, string> }).headers,
      });
      this.authorizers.set(key, authorizer);
    }
    return authorizer;
  }
}

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new CoreError('TLS_FILE_UNREADABLE', `The ${what} ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): fix the path in the hosts.toml or certs.d folder that names it.`, { cause: err });
  }
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
