/**
 * The endpoint plan: for one registry and one operation, which hosts are contacted, in which order,
 * and how (scheme, TLS, `ns`, resolve rules, headers). It joins the host directory
 * (`hosts.toml` / certs.d, see hosts/hosts-dirs.ts) with the settings (insecure registries, resolve
 * rules, the registry's own entry) so the transport only executes decisions made here, and the
 * "Show Endpoint Plan" command can explain each of them.
 *
 * Everything but {@link loadEndpointPlan} is pure. Header values are secrets: they live in a
 * non-enumerable getter so that JSON, `util.inspect` and {@link describePlan} never show them.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { cidrContains, formatInsecureEntry, isAlwaysInsecure, matchInsecure, parseIp } from '../net/cidr';
import {
  ALL_HOST_CAPABILITIES,
  loadHostConfig,
  type ClientCertificate,
  type HostCapability,
  type HostConfig,
  type HostConfigSource,
  type HostEntry,
} from './hosts-dirs';
import { findResolveRule, formatResolveRule, type ResolveRule } from './resolve-rules';
import { isDockerHubHost } from '../name/docker-hub';
import { registryHostKey } from '../net/registry-host';
import { splitHostPort } from '../net/host-port';
import { parseHostSettings, type HostSettings, type RegistryReach } from './host-settings';
import { proxyRoute, type ProxyRoute } from './proxy';

export type Operation = 'resolve' | 'pull' | 'push' | 'delete' | 'list' | 'referrers';

/** Where a connection for one scheme really goes (a resolve rule matched). */
export interface ConnectTarget {
  /** The IP to dial (IPv6 without brackets). */
  address: string;
  port: number;
  /** The rule as written back by formatResolveRule. */
  rule: string;
}

export interface PlannedEndpoint {
  role: 'mirror' | 'server';
  /** host[:port] contacted (IPv6 bracketed), lowercased. */
  host: string;
  /** The scheme tried first. */
  scheme: 'https' | 'http';
  /** '/v2' unless override_path. */
  pathPrefix: string;
  /** https→http fallback allowed; only ever true when scheme is https and the host is insecure. */
  insecure: boolean;
  /** TLS certificate verification off. */
  skipVerify: boolean;
  /** `?ns=<registry>` for every request, when the contacted host is not the registry itself. */
  ns?: string;
  capabilities: HostCapability[];
  caFiles: string[];
  clientCertificates: ClientCertificate[];
  /** Resolve rules matched for the dial target of each scheme (443/80 when the host has no port); never with a proxy. */
  connectTo: { https?: ConnectTarget; http?: ConnectTarget };
  /**
   * How each scheme this endpoint may use travels: through which proxy, or directly, and why.
   * HTTPS goes through a CONNECT tunnel; plain HTTP, chosen by the user or the insecure fallback,
   * is forwarded by the proxy (a tunnel would carry the same clear bytes through it).
   */
  proxy: { https?: ProxyRoute; http?: ProxyRoute };
  /** Names of the hosts.toml [header] entries; the values are in {@link PlannedEndpoint.headers}. */
  headerNames: string[];
  /**
   * Header values by name (a list joined with ', '). Non-enumerable: JSON.stringify, util.inspect
   * and describePlan never show it. Send these only to this endpoint.
   */
  readonly headers: Readonly<Record<string, string>>;
  dialTimeoutMs?: number;
  /** Short human reasons for each decision. */
  why: string[];
}

export interface EndpointPlan {
  /** The reference's registry host (docker.io stays docker.io). */
  registry: string;
  operation: Operation;
  /** Where the host configuration came from; absent when no host directory matched. */
  source?: HostConfigSource;
  /** In the order to try. Empty when no host may serve the operation (see `skipped`). */
  endpoints: PlannedEndpoint[];
  skipped: { host: string; reason: string }[];
  warnings: string[];
  /** The CAs verified connections trust before an endpoint's own, where they come from (filled in by the session's plan for display). */
  trust?: string[];
}

export interface PlanSettings {
  /** The settings parsed once (see parseHostSettings); when given, the raw lists below are not read. */
  parsed?: HostSettings;
  /** Raw insecure registry entries (malformed ones → warnings, never insecure). */
  insecureRegistries?: readonly string[];
  /** Raw resolve rules; malformed → warnings. */
  resolveRules?: readonly string[];
  /** The registry's own entry among the configured registries, when there is one. */
  registrySetting?: RegistryReach;
  /** Addresses each hostname resolves to (for CIDR entries); the async loader fills it. */
  resolvedAddresses?: Readonly<Record<string, readonly string[]>>;
}

/** The capability a host needs for an operation; `list` needs none (it only goes to the server). */
const NEEDED: Record<Operation, HostCapability | undefined> = {
  resolve: 'resolve',
  pull: 'pull',
  referrers: 'referrers',
  push: 'push',
  delete: 'push',
  list: undefined,
};

/** The settings a plan uses: parsed once by the session, or here for a caller with raw lists. */
function settingsOf(settings: PlanSettings): HostSettings {
  return settings.parsed ?? parseHostSettings({ insecureRegistries: settings.insecureRegistries, resolveRules: settings.resolveRules });
}

/** Docker Hub's three names count as one registry, so its own API host gets no `ns`. */
function sameRegistry(contacted: string, registry: string): boolean {
  const a = contacted.toLowerCase();
  const b = registry.toLowerCase();
  return a === b || (isDockerHubHost(a) && isDockerHubHost(b));
}

/**
 * Why a host is insecure, or undefined when it is not (loopback first, then the first matching
 * entry). `loopbackDefault` is false when the user asked for verification of this host (https://
 * in its URL, or a CA for it): loopback is then insecure only if an entry lists it.
 */
function insecureReason(
  parsed: HostSettings,
  hostname: string,
  port: number | undefined,
  addresses: readonly string[],
  loopbackDefault: boolean,
): string | undefined {
  if (loopbackDefault) {
    if (isAlwaysInsecure(hostname)) return 'insecure: loopback';
    const loopback = addresses.find((a) => parseIp(a) !== undefined && isAlwaysInsecure(a));
    if (loopback !== undefined) return `insecure: resolves to the loopback address ${loopback}`;
  }
  for (const { raw, entry } of parsed.insecure) {
    if (!matchInsecure([entry], hostname, port, addresses)) continue;
    if (entry.kind === 'host' || isIP(hostname) !== 0) return `insecure: matches ${raw} in ${parsed.names.insecureRegistries}`;
    const hit = addresses.find((a) => cidrContains(entry, a));
    return `insecure: resolves to ${hit ?? formatInsecureEntry(entry)}, which matches ${raw} in ${parsed.names.insecureRegistries}`;
  }
  return undefined;
}

function hasTlsConfig(entry: HostEntry): boolean {
  return entry.caFiles.length > 0 || entry.clientCertificates.length > 0 || entry.skipVerify !== undefined;
}

function connectTarget(rules: readonly ResolveRule[], hostname: string, port: number): ConnectTarget | undefined {
  const rule = findResolveRule(rules, hostname, port);
  return rule === undefined ? undefined : { address: rule.address, port: rule.addressPort, rule: formatResolveRule(rule) };
}

function planOne(
  entry: HostEntry,
  role: 'mirror' | 'server',
  config: HostConfig,
  parsed: HostSettings,
  settings: PlanSettings,
): PlannedEndpoint {
  const host = entry.host.toLowerCase();
  const { hostname, port } = splitHostPort(host);
  const why: string[] = [];
  const file = config.source?.file;

  if (role === 'mirror') why.push(`mirror from ${file ?? 'the host configuration'}`);
  else if (file !== undefined) why.push(`server from ${file}`);
  else if (config.source !== undefined)
    why.push(`server: the registry itself, with certificates from ${config.source.dir} (Docker certs.d)`);
  else why.push('server: the registry itself (no host directory matched)');
  if (role === 'server' && host !== config.registry.toLowerCase() && sameRegistry(host, config.registry)) {
    why.push(`${host} serves the API of ${config.registry}`);
  }

  // Scheme: hosts.toml decides for its entries; without a hosts.toml the registry's setting does.
  let scheme: 'https' | 'http' = entry.scheme;
  let plainByChoice = false;
  let upgraded = false;
  const setting = role === 'server' ? settings.registrySetting : undefined;
  if (file === undefined && role === 'server' && setting?.scheme !== undefined) {
    scheme = setting.scheme;
    if (scheme === 'http') {
      plainByChoice = true;
      why.push(`plain HTTP: http:// in ${parsed.names.registries}`);
    } else {
      why.push(`HTTPS: https:// in ${parsed.names.registries}`);
    }
  } else if (entry.scheme === 'http') {
    const effectivePort = port ?? 80;
    if (file !== undefined && hasTlsConfig(entry) && effectivePort !== 80) {
      // containerd: an http:// host with TLS settings on a non-80 port is tried over https first.
      scheme = 'https';
      upgraded = true;
      why.push(`HTTPS first, then plain HTTP: http:// with TLS settings on port ${effectivePort} in ${file}`);
    } else {
      plainByChoice = true;
      why.push(`plain HTTP: http:// in ${file ?? 'the host configuration'}`);
    }
  }

  // Insecure (Docker semantics): unverified https, then the plain-HTTP fallback.
  let insecure = false;
  let skipVerify = false;
  if (!plainByChoice) {
    const reasons: string[] = [];
    // Loopback registries are insecure by default (Docker's rule), unless the user asked for
    // verification: https:// in the registry's URL, or a CA configured for the host.
    const verificationAsked = (role === 'server' && file === undefined && setting?.scheme === 'https') || entry.caFiles.length > 0;
    const listed = insecureReason(parsed, hostname, port, settings.resolvedAddresses?.[hostname] ?? [], !verificationAsked);
    if (verificationAsked && listed === undefined && isAlwaysInsecure(hostname)) {
      why.push(
        entry.caFiles.length > 0
          ? 'verified although loopback: a CA is configured for it'
          : `verified although loopback: https:// in ${parsed.names.registries}`,
      );
    }
    if (listed !== undefined) reasons.push(listed);
    if (setting?.insecure === true) reasons.push(`insecure: "insecure": true for this registry in ${parsed.names.registries}`);
    if (entry.skipVerify === true) reasons.push(`insecure: skip_verify = true in ${file ?? 'the host configuration'}`);
    if (reasons.length > 0) {
      insecure = true;
      why.push(...reasons);
      if (entry.skipVerify === false) {
        // The per-host file is more specific than a list of insecure hosts: keep verifying.
        why.push(`certificates still verified: skip_verify = false in ${file ?? 'the host configuration'}`);
      } else {
        skipVerify = true;
      }
    } else if (upgraded) {
      insecure = true;
    }
    if (!insecure && scheme === 'https') why.push('certificates verified, no plain-HTTP fallback');
  }

  for (const ca of entry.caFiles) why.push(`CA ${ca}`);
  for (const c of entry.clientCertificates)
    why.push(c.cert === c.key ? `client certificate and key ${c.cert}` : `client certificate ${c.cert} with key ${c.key}`);

  const ownProxy = parsed.registries.get(registryHostKey(host))?.proxy;
  const routeFor = (s: 'https' | 'http'): ProxyRoute =>
    proxyRoute(parsed.proxy, s, host, ownProxy !== undefined ? { proxy: ownProxy, setting: parsed.names.registries } : undefined);
  const proxy: PlannedEndpoint['proxy'] = {};
  if (scheme === 'https') proxy.https = routeFor('https');
  if (scheme === 'http' || insecure) proxy.http = routeFor('http');
  for (const s of ['https', 'http'] as const) {
    const route = proxy[s];
    if (route === undefined) continue;
    if (s === 'http' && proxy.https?.why === route.why) continue;
    const label = scheme === 'https' && s === 'http' ? 'proxy for the plain-HTTP fallback' : 'proxy';
    why.push(`${label}: ${route.why}`);
  }

  const connectTo: PlannedEndpoint['connectTo'] = {};
  const dial = (s: 'https' | 'http', target: ConnectTarget | undefined, note: string): ConnectTarget | undefined => {
    if (target === undefined) return undefined;
    if (proxy[s]?.proxy !== undefined) {
      why.push(
        `resolve rule ${target.rule} not used${note}: the proxy connects to ${hostname} itself (list ${hostname} in ${parsed.names.noProxy} to connect directly)`,
      );
      return undefined;
    }
    why.push(`resolve rule ${target.rule}${note}`);
    return target;
  };
  if (scheme === 'https') {
    const target = dial('https', connectTarget(parsed.resolveRules, hostname, port ?? 443), '');
    if (target !== undefined) connectTo.https = target;
  }
  if (scheme === 'http' || insecure) {
    const rule = connectTarget(parsed.resolveRules, hostname, port ?? 80);
    const same = rule !== undefined && rule.rule === connectTo.https?.rule;
    const target = same ? rule : dial('http', rule, scheme === 'https' ? ' (for the plain-HTTP fallback)' : '');
    if (target !== undefined) connectTo.http = target;
  }

  let ns: string | undefined;
  if (!sameRegistry(host, config.registry)) {
    ns = config.registry;
    why.push(`ns=${config.registry}: ${host} is not ${config.registry} itself`);
  }

  const headerNames = Object.keys(entry.headers);
  if (headerNames.length > 0) why.push(`headers ${headerNames.join(', ')} (values hidden)`);
  if (entry.overridePath) why.push(`path ${entry.pathPrefix || '/'} used as is (override_path)`);
  if (entry.dialTimeoutMs !== undefined) why.push(`connect timeout ${entry.dialTimeoutMs} ms (dial_timeout)`);

  const planned: Omit<PlannedEndpoint, 'headers'> = {
    role,
    host,
    scheme,
    pathPrefix: entry.pathPrefix,
    insecure,
    skipVerify,
    ...(ns !== undefined ? { ns } : {}),
    capabilities: ALL_HOST_CAPABILITIES.filter((c) => entry.capabilities.has(c)),
    caFiles: [...entry.caFiles],
    clientCertificates: entry.clientCertificates.map((c) => ({ ...c })),
    connectTo,
    proxy,
    headerNames,
    ...(entry.dialTimeoutMs !== undefined ? { dialTimeoutMs: entry.dialTimeoutMs } : {}),
    why,
  };
  const values: Record<string, string> = {};
  for (const name of headerNames) values[name] = (entry.headers[name] ?? []).join(', ');
  Object.freeze(values);
  // A getter, not a value: even util.inspect(..., { showHidden: true }) prints only "[Getter]".
  Object.defineProperty(planned, 'headers', { get: () => values, enumerable: false, configurable: false });
  return planned as PlannedEndpoint;
}

/** TLS settings of one host as a host configuration gives them. */
export interface HostTls {
  caFiles: string[];
  clientCertificates: ClientCertificate[];
  skipVerify?: boolean;
}

/**
 * The TLS settings a host configuration gives `scheme://host`: certificates and verification are
 * properties of the host, not of one section, so a setting a section leaves out is taken from
 * another section for the same host (`own` first, then file order: mirrors, then the server). Without this, a
 * `[host."https://H"]` section's `ca` applied to pulls from H but not to listing H, its server.
 * `undefined` when no section names that host.
 */
export function hostTls(
  config: HostConfig,
  scheme: 'https' | 'http',
  host: string,
  own?: HostEntry,
): (HostTls & { from: HostEntry[] }) | undefined {
  const sections = own ? [own, ...config.mirrors, config.server] : [...config.mirrors, config.server];
  const same = sections.filter((e) => e.scheme === scheme && e.host.toLowerCase() === host.toLowerCase());
  if (same.length === 0) return undefined;
  const ca = same.find((e) => e.caFiles.length > 0);
  const client = same.find((e) => e.clientCertificates.length > 0);
  const verify = same.find((e) => e.skipVerify !== undefined);
  return {
    caFiles: [...(ca?.caFiles ?? [])],
    clientCertificates: (client?.clientCertificates ?? []).map((c) => ({ ...c })),
    ...(verify ? { skipVerify: verify.skipVerify } : {}),
    from: [ca, client, verify].filter((e): e is HostEntry => e !== undefined),
  };
}

/** `entry` with the TLS settings it leaves out taken from another section for the same host, and why. */
function withHostTls(entry: HostEntry, config: HostConfig): { entry: HostEntry; why?: string } {
  const shared = hostTls(config, entry.scheme, entry.host, entry);
  const borrowed = shared?.from.filter((e) => e !== entry) ?? [];
  if (shared === undefined || borrowed.length === 0) return { entry };
  const merged: HostEntry = { ...entry, caFiles: shared.caFiles, clientCertificates: shared.clientCertificates };
  if (shared.skipVerify !== undefined) merged.skipVerify = shared.skipVerify;
  const fields = [
    entry.caFiles.length === 0 && shared.caFiles.length > 0 ? 'ca' : undefined,
    entry.clientCertificates.length === 0 && shared.clientCertificates.length > 0 ? 'client' : undefined,
    entry.skipVerify === undefined && shared.skipVerify !== undefined ? 'skip_verify' : undefined,
  ].filter((f) => f !== undefined);
  const sections = [...new Set(borrowed.map((e) => (e.isMirror ? `[host."${e.scheme}://${e.host}"]` : 'the top level')))].join(' and ');
  return {
    entry: merged,
    why: `${fields.join(', ')} from ${sections} of ${config.source?.file ?? 'the host configuration'}: the same host`,
  };
}

/**
 * Decides the endpoints for `operation` on `config.registry`: mirrors in file order then the
 * server, filtered by capability (push and delete: only the first push host; list: the server only).
 */
export function planEndpoints(config: HostConfig, operation: Operation, settings: PlanSettings = {}): EndpointPlan {
  const parsed = settingsOf(settings);
  const warnings = [...config.warnings, ...parsed.warnings];
  const hosts: { entry: HostEntry; role: 'mirror' | 'server' }[] = [
    ...config.mirrors.map((entry) => ({ entry, role: 'mirror' as const })),
    { entry: config.server, role: 'server' },
  ];
  const endpoints: PlannedEndpoint[] = [];
  const skipped: { host: string; reason: string }[] = [];
  const needed = NEEDED[operation];
  const verb = operation === 'delete' ? 'deletes' : 'pushes';

  if (
    file(config) !== undefined &&
    settings.registrySetting?.scheme !== undefined &&
    settings.registrySetting.scheme !== config.server.scheme
  ) {
    warnings.push(
      `${parsed.names.registries} names ${config.registry} with ${settings.registrySetting.scheme}://, but ${file(config)} makes its server ${config.server.scheme}://; the hosts.toml wins. Change one of them so they agree.`,
    );
  }

  for (const { entry, role } of hosts) {
    const host = entry.host.toLowerCase();
    if (operation === 'list' && role === 'mirror') {
      skipped.push({ host, reason: "mirror: a mirror's listing is not the registry's, so lists come from the server only" });
      continue;
    }
    if (needed !== undefined && !entry.capabilities.has(needed)) {
      skipped.push({ host, reason: `${role} without the ${needed} capability` });
      continue;
    }
    if (needed === 'push' && endpoints.length > 0) {
      skipped.push({ host, reason: `${role}: only the first host with the push capability (${endpoints[0]!.host}) receives ${verb}` });
      continue;
    }
    const shared = withHostTls(entry, config);
    const planned = planOne(shared.entry, role, config, parsed, settings);
    if (shared.why !== undefined) planned.why.splice(1, 0, shared.why);
    endpoints.push(planned);
  }

  if (endpoints.length === 0 && needed !== undefined) {
    const where = file(config) ?? config.source?.dir ?? 'the host configuration';
    warnings.push(
      `No host for ${config.registry} has the ${needed} capability, so it cannot ${operation === 'delete' ? 'delete' : operation}; add "${needed}" to the capabilities of a host in ${where}.`,
    );
  }

  const plan: EndpointPlan = { registry: config.registry, operation, endpoints, skipped, warnings };
  if (config.source !== undefined) plan.source = { ...config.source };
  return plan;
}

function file(config: HostConfig): string | undefined {
  return config.source?.file;
}

export interface LoadPlanOptions extends PlanSettings {
  /** Host directories, searched in order. */
  roots: string[];
  platform?: NodeJS.Platform;
  /** Resolves a hostname to its addresses; default: dns.promises.lookup with `all`. */
  lookup?: (hostname: string) => Promise<string[]>;
  /** Longest wait for one lookup before it is ignored; default 3000 ms. */
  lookupTimeoutMs?: number;
}

const defaultLookup = async (hostname: string): Promise<string[]> => (await dnsLookup(hostname, { all: true })).map((a) => a.address);

/** Resolves `hostname`, or gives `undefined` on failure or after `ms` (a slow DNS must not stall the plan). */
async function lookupBounded(lookup: (hostname: string) => Promise<string[]>, hostname: string, ms: number): Promise<string[] | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref?.();
  });
  try {
    return await Promise.race([lookup(hostname).catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads the host configuration of `registry`, resolves its host names (lookup failures are ignored:
 * the host is then simply not matched by address), and plans `operation`.
 * @throws ConfigFileError when the host configuration is malformed (see loadHostConfig).
 */
export async function loadEndpointPlan(registry: string, operation: Operation, options: LoadPlanOptions): Promise<EndpointPlan> {
  const config = await loadHostConfig(registry, {
    roots: options.roots,
    ...(options.platform !== undefined ? { platform: options.platform } : {}),
  });
  const resolvedAddresses = await resolveHostAddresses(config, options);
  const { roots: _roots, platform: _platform, lookup: _lookup, lookupTimeoutMs: _ms, ...settings } = options;
  return planEndpoints(config, operation, { ...settings, resolvedAddresses });
}

/**
 * The addresses of a host configuration's named hosts (a bounded lookup; failures leave the host
 * unmatched), as Docker looks up every registry but its own index: a name that resolves to a
 * loopback address is insecure by default, and CIDR entries of the insecure registries match by
 * address. IP literals, `localhost` and Docker Hub's names are not looked up.
 */
export async function resolveHostAddresses(
  config: HostConfig,
  options: Pick<LoadPlanOptions, 'resolvedAddresses' | 'lookup' | 'lookupTimeoutMs'>,
): Promise<Record<string, readonly string[]>> {
  const resolvedAddresses: Record<string, readonly string[]> = { ...options.resolvedAddresses };
  const lookup = options.lookup ?? defaultLookup;
  const names = new Set(
    [...config.mirrors, config.server]
      .map((e) => splitHostPort(e.host).hostname)
      .filter((h) => isIP(h) === 0 && !isAlwaysInsecure(h) && !isDockerHubHost(h) && resolvedAddresses[h] === undefined),
  );
  await Promise.all(
    [...names].map(async (h) => {
      const addresses = await lookupBounded(lookup, h, options.lookupTimeoutMs ?? 3000);
      if (addresses !== undefined && addresses.length > 0) resolvedAddresses[h] = addresses;
    }),
  );
  return resolvedAddresses;
}

/** The URL of an endpoint's API root, with `?ns=` when it applies. */
export function endpointUrl(endpoint: PlannedEndpoint): string {
  return `${endpoint.scheme}://${endpoint.host}${endpoint.pathPrefix}${endpoint.ns !== undefined ? `?ns=${encodeURIComponent(endpoint.ns)}` : ''}`;
}

/** Plain text for the "Show Endpoint Plan" command. Never shows header values. */
export function describePlan(plan: EndpointPlan): string {
  const lines: string[] = [];
  const from = plan.source ? (plan.source.file ?? `${plan.source.dir} (Docker certs.d)`) : 'built-in defaults (no host directory matched)';
  lines.push(`Endpoint plan for ${plan.operation} on ${plan.registry}`);
  lines.push(`Host configuration: ${from}`);
  if (plan.trust !== undefined) lines.push(`Trusted CAs: ${plan.trust.join('; ')}; plus each endpoint's own CA`);
  if (plan.endpoints.length === 0) lines.push(`No endpoint can serve ${plan.operation} for ${plan.registry}.`);
  plan.endpoints.forEach((e, index) => {
    lines.push(`  ${index + 1}. ${e.role} ${endpointUrl(e)}`);
    lines.push(`     capabilities: ${e.capabilities.join(', ') || 'none'}`);
    const tls =
      e.scheme === 'http'
        ? 'plain HTTP (no TLS)'
        : [
            e.skipVerify ? 'certificate verification OFF' : 'certificates verified',
            e.insecure ? 'falls back to plain HTTP when the server does not speak TLS' : undefined,
            e.caFiles.length > 0 ? `CA ${e.caFiles.join(', ')}` : undefined,
            ...e.clientCertificates.map((c) =>
              c.cert === c.key ? `client certificate and key ${c.cert}` : `client certificate ${c.cert} with key ${c.key}`,
            ),
          ]
            .filter((x) => x !== undefined)
            .join('; ');
    lines.push(`     TLS: ${tls}`);
    if (e.ns !== undefined) lines.push(`     ns: ${e.ns}`);
    for (const scheme of ['https', 'http'] as const) {
      const t = e.connectTo[scheme];
      if (t !== undefined)
        lines.push(
          `     ${scheme} connects to ${t.address.includes(':') ? `[${t.address}]` : t.address}:${t.port} (resolve rule ${t.rule})`,
        );
    }
    for (const scheme of ['https', 'http'] as const) {
      const route = e.proxy[scheme];
      // A fallback through the same proxy is still shown: it travels differently (forwarded).
      if (route === undefined || (scheme === 'http' && e.proxy.https?.why === route.why && route.proxy === undefined)) continue;
      const how = route.proxy === undefined ? '' : scheme === 'https' ? ' (CONNECT tunnel)' : ' (forwarded)';
      lines.push(`     ${scheme} proxy: ${route.why}${how}`);
    }
    if (e.headerNames.length > 0) lines.push(`     headers: ${e.headerNames.join(', ')} (values hidden)`);
    if (e.dialTimeoutMs !== undefined) lines.push(`     connect timeout: ${e.dialTimeoutMs} ms`);
    lines.push(`     why: ${e.why.join('; ')}`);
  });
  if (plan.skipped.length > 0) {
    lines.push('Skipped:');
    for (const s of plan.skipped) lines.push(`  - ${s.host}: ${s.reason}`);
  }
  if (plan.warnings.length > 0) {
    lines.push('Warnings:');
    for (const w of plan.warnings) lines.push(`  - ${w}`);
  }
  return lines.join('\n');
}
