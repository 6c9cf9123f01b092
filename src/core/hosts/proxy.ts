/**
 * Which HTTP proxy, if any, carries the requests to one host, and why: a registry's own `proxy`
 * entry first, then loopback (never proxied, as Go's clients do), then the bypass lists (the
 * application's no-proxy setting and `NO_PROXY`), then the application's proxy setting, then the
 * environment (`https_proxy`/`HTTPS_PROXY` for https, `http_proxy`/`HTTP_PROXY` for http, then
 * `all_proxy`/`ALL_PROXY`; lower case first, as curl reads them). Parsed once per session with the
 * other host settings; the decision is made per host contacted (registry, mirror, token realm, blob
 * storage). A proxy's credentials (from its URL or the proxy authorization setting, which also
 * serves proxies from elsewhere that carry none) are kept in a non-enumerable property: plans, JSON
 * and messages never show them.
 */
import { isAlwaysInsecure } from '../net/cidr';
import { splitHostPort } from '../net/host-port';
import { matchNoProxy, parseNoProxy, type NoProxyEntry } from '../net/no-proxy';

/** A proxy server as requests use it. */
export interface ProxyServer {
  /** `http://host:port` or `https://host:port`, without credentials: shown and dialled. */
  readonly url: string;
  /** Where it was configured, in the application's words (`http.proxy`, `HTTPS_PROXY`…). */
  readonly source: string;
  /** Verify an https proxy's own certificate (the application's strict-SSL setting). */
  readonly verify: boolean;
  /** The Proxy-Authorization value sent to the proxy only. Non-enumerable. */
  readonly authorization?: string;
}

/** How requests to one host and scheme travel. */
export interface ProxyRoute {
  /** Absent: directly. */
  proxy?: ProxyServer;
  /** One line for the plan: through which proxy and from where, or which entry sent it direct. */
  why: string;
}

/** What the application says about proxies; the environment is the session's. */
export interface ProxyInput {
  /** The application's proxy for every request (VS Code's `http.proxy`); it comes before the environment's. */
  url?: string;
  /** Hosts reached without a proxy (VS Code's `http.noProxy`), NO_PROXY syntax per entry. */
  noProxy?: readonly string[];
  /**
   * A Proxy-Authorization value (VS Code's `http.proxyAuthorization`): for the application's proxy,
   * and for any other proxy whose URL carries no credentials (see GivenAuthorization).
   */
  authorization?: string;
  /** Verify an https proxy's certificate; default true (VS Code's `http.proxyStrictSSL`). */
  strictSSL?: boolean;
  /** False: the environment's proxy variables are not read. Default true. */
  useEnvironment?: boolean;
}

/** How the application names its proxy settings, for the plan's reasons. */
export interface ProxySettingNames {
  proxy: string;
  noProxy: string;
}

export interface ProxySettings {
  readonly configured?: ProxyServer;
  readonly noProxy: readonly NoProxyEntry[];
  readonly env: { readonly https?: ProxyServer; readonly http?: ProxyServer; readonly all?: ProxyServer };
  readonly envNoProxy: readonly NoProxyEntry[];
  /** The variable the environment's bypass list came from (`no_proxy` or `NO_PROXY`). */
  readonly envNoProxyName: string;
  readonly names: Readonly<ProxySettingNames>;
}

/** A variable in either case, lower case first (curl); empty counts as unset. */
function envVar(env: Record<string, string | undefined>, name: string): { name: string; value: string } | undefined {
  for (const n of [name.toLowerCase(), name.toUpperCase()]) {
    const value = env[n]?.trim();
    if (value) return { name: n, value };
  }
  return undefined;
}

/** A ProxyServer with its authorization hidden from JSON and util.inspect. */
function server(url: string, source: string, verify: boolean, authorization: string | undefined): ProxyServer {
  const proxy = { url, source, verify };
  if (authorization !== undefined) Object.defineProperty(proxy, 'authorization', { get: () => authorization, enumerable: false });
  return proxy as ProxyServer;
}

/**
 * A Proxy-Authorization given apart from the URL (VS Code's `http.proxyAuthorization`, documented
 * as sent with every request). `overUrl`: it replaces credentials in the URL (the application's
 * own proxy, configured beside it); otherwise it serves only a URL that carries none (a proxy from
 * the environment or a registry's entry, whose own login is meant for that proxy).
 */
export interface GivenAuthorization {
  value: string;
  overUrl: boolean;
}

/**
 * Parses a proxy URL (`host:port` means `http://host:port`); credentials in it become a Basic
 * Proxy-Authorization unless `given` replaces them. @returns the server, or the reason it cannot be used.
 */
export function parseProxyUrl(
  text: string,
  source: string,
  verify: boolean,
  given?: GivenAuthorization,
): ProxyServer | { problem: string } {
  const trimmed = text.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return { problem: `the proxy in ${source} is not a URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return {
      problem: `the proxy in ${source} is a ${url.protocol.slice(0, -1)}:// proxy; only http:// and https:// proxies are supported`,
    };
  }
  if (url.hostname === '') return { problem: `the proxy in ${source} names no host` };
  let basic: string | undefined;
  if (url.username !== '' || url.password !== '') {
    let user: string;
    let password: string;
    try {
      user = decodeURIComponent(url.username);
      password = decodeURIComponent(url.password);
    } catch {
      // URL keeps a lone `%` as written; decoding it throws. Never echo the credentials.
      return { problem: `the user or password of the proxy in ${source} has a % that is not a %XX escape (write % as %25)` };
    }
    basic = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
  }
  const authorization = given && (given.overUrl || basic === undefined) ? given.value : basic;
  return server(`${url.protocol}//${url.host}`, source, verify, authorization);
}

/** The application's proxy authorization, if it gives one. */
export function givenAuthorization(input: ProxyInput): string | undefined {
  return input.authorization?.trim() || undefined;
}

/**
 * The proxy settings of a session: the application's and the environment's, with problems (a URL
 * that does not parse, a socks proxy, bypass entries that are not hosts) as warnings.
 */
export function parseProxySettings(
  input: ProxyInput,
  env: Record<string, string | undefined>,
  names: ProxySettingNames,
): { settings: ProxySettings; warnings: string[] } {
  const warnings: string[] = [];
  const verify = input.strictSSL !== false;
  const given = givenAuthorization(input);
  const take = (text: string | undefined, source: string, overUrl: boolean): ProxyServer | undefined => {
    if (!text?.trim()) return undefined;
    const parsed = parseProxyUrl(text, source, verify, given !== undefined ? { value: given, overUrl } : undefined);
    if ('problem' in parsed) {
      warnings.push(`${parsed.problem}, so it is not used: fix it or remove it.`);
      return undefined;
    }
    return parsed;
  };
  const configured = take(input.url, names.proxy, true);
  const noProxy = parseNoProxy(input.noProxy ?? []);
  for (const bad of noProxy.ignored)
    warnings.push(`${JSON.stringify(bad)} in ${names.noProxy} is not a host, IP address or range, so it matches nothing.`);
  const useEnv = input.useEnvironment !== false;
  const fromEnv = (name: string): ProxyServer | undefined => {
    const found = useEnv ? envVar(env, name) : undefined;
    return found ? take(found.value, found.name, false) : undefined;
  };
  const envNo = useEnv ? envVar(env, 'NO_PROXY') : undefined;
  const envNoProxy = parseNoProxy(envNo?.value ?? '');
  for (const bad of envNoProxy.ignored)
    warnings.push(`${JSON.stringify(bad)} in ${envNo?.name ?? 'NO_PROXY'} is not a host, IP address or range, so it matches nothing.`);
  const https = fromEnv('HTTPS_PROXY');
  const http = fromEnv('HTTP_PROXY');
  const all = fromEnv('ALL_PROXY');
  return {
    settings: {
      ...(configured ? { configured } : {}),
      noProxy: noProxy.entries,
      env: { ...(https ? { https } : {}), ...(http ? { http } : {}), ...(all ? { all } : {}) },
      envNoProxy: envNoProxy.entries,
      envNoProxyName: envNo?.name ?? 'NO_PROXY',
      names,
    },
    warnings,
  };
}

/** A registry's own `proxy` entry: `none`, or a proxy for that registry alone. */
export type RegistryProxy = 'none' | ProxyServer;

/**
 * How requests to `host` (`host[:port]`, as contacted) over `scheme` travel. `own` is the registry's
 * own entry when the host is a configured registry, with the name of the setting it is in.
 */
export function proxyRoute(
  settings: ProxySettings,
  scheme: 'https' | 'http',
  host: string,
  own?: { proxy: RegistryProxy; setting: string },
): ProxyRoute {
  const { hostname, port } = splitHostPort(host);
  if (own?.proxy === 'none') return { why: `direct: "proxy": "none" for this registry in ${own.setting}` };
  if (own) return { proxy: own.proxy, why: `through ${own.proxy.url}: "proxy" for this registry in ${own.setting}` };
  if (isAlwaysInsecure(hostname)) return { why: 'direct: loopback is never reached through a proxy' };
  const candidate = settings.configured ?? settings.env[scheme] ?? settings.env.all;
  if (!candidate) return { why: 'direct: no proxy is configured' };
  const effectivePort = port ?? (scheme === 'https' ? 443 : 80);
  const listed = matchNoProxy(settings.noProxy, hostname, effectivePort);
  if (listed) return { why: `direct: matches ${listed.raw} in ${settings.names.noProxy}` };
  const envListed = matchNoProxy(settings.envNoProxy, hostname, effectivePort);
  if (envListed) return { why: `direct: matches ${envListed.raw} in ${settings.envNoProxyName}` };
  return { proxy: candidate, why: `through ${candidate.url} from ${candidate.source}` };
}
