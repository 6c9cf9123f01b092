/**
 * The user's host settings — insecure registries, resolve rules, and each registry's own scheme and
 * insecure flag — parsed once, when a session is created, into typed values that every plan and
 * lookup of the session uses. A malformed entry becomes a warning (shown with every plan) and
 * configures nothing.
 */
import { parseInsecureEntry, type InsecureEntry } from '../net/cidr';
import { parseRegistryLocation } from '../name/registry-url';
import { registryHostKey } from '../net/registry-host';
import { parseResolveRule, type ResolveRule } from './resolve-rules';
import { givenAuthorization, parseProxySettings, parseProxyUrl, type ProxyInput, type ProxySettings, type RegistryProxy } from './proxy';

/**
 * How the application names where each setting lives, for the reasons and warnings of a plan
 * ("matches 10.0.0.0/8 in <insecureRegistries>"). The core's defaults name no application.
 */
export interface SettingNames {
  insecureRegistries: string;
  resolveRules: string;
  registries: string;
  /** The application's proxy for every request. */
  proxy: string;
  /** The application's list of hosts reached without a proxy. */
  noProxy: string;
}

export const DEFAULT_SETTING_NAMES: Readonly<SettingNames> = {
  insecureRegistries: 'the insecure registries setting',
  resolveRules: 'the resolve rules setting',
  registries: "the registry's own settings",
  proxy: 'the proxy setting',
  noProxy: 'the no-proxy setting',
};

/** What a registry's own entry says about reaching it. */
export interface RegistryReach {
  scheme?: 'http' | 'https';
  insecure?: boolean;
  /** `none`, or the proxy for this registry alone. */
  proxy?: RegistryProxy;
}

export interface HostSettingsInput {
  /** `host`, `host:port` or CIDR entries treated as insecure (Docker's `insecure-registries`). */
  insecureRegistries?: readonly string[];
  /** `host:port:address[:address_port]`. */
  resolveRules?: readonly string[];
  /** Registries as the user named them: a URL with an optional scheme, and an insecure flag. */
  registries?: readonly { url: string; insecure?: boolean; proxy?: string }[];
  /** The application's proxy settings (the environment's variables are read from `env`). */
  proxy?: ProxyInput;
  /** The environment: `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY` in either case. Default: none. */
  env?: Record<string, string | undefined>;
  names?: Partial<SettingNames>;
}

export interface HostSettings {
  readonly insecure: readonly { raw: string; entry: InsecureEntry }[];
  readonly resolveRules: readonly ResolveRule[];
  /** By registry host key (see registryHostKey): Docker Hub's entry answers for each of its names. */
  readonly registries: ReadonlyMap<string, RegistryReach>;
  /** One line per malformed entry, naming the setting it is in. */
  readonly warnings: readonly string[];
  readonly names: Readonly<SettingNames>;
  /** Which proxy carries requests to which host (see hosts/proxy.ts). */
  readonly proxy: ProxySettings;
  /** Whether any insecure entry is a network (CIDR), matched through the addresses a name resolves to. */
  readonly hasNetworkEntries: boolean;
}

/**
 * An insecure entry without a leading `http://` or `https://`: Docker strips either (with a warning)
 * and uses the rest, since an insecure registry is tried over both schemes anyway.
 */
function withoutScheme(text: string): { raw: string; scheme?: 'http' | 'https' } {
  const match = /^(https?):\/\//i.exec(text);
  return match ? { raw: text.slice(match[0].length), scheme: match[1]!.toLowerCase() as 'http' | 'https' } : { raw: text };
}

export function parseHostSettings(input: HostSettingsInput = {}): HostSettings {
  const names = { ...DEFAULT_SETTING_NAMES, ...input.names };
  const insecure: { raw: string; entry: InsecureEntry }[] = [];
  const resolveRules: ResolveRule[] = [];
  const registries = new Map<string, RegistryReach>();
  const warnings: string[] = [];
  for (const written of input.insecureRegistries ?? []) {
    const { raw, scheme } = withoutScheme(written.trim());
    if (scheme !== undefined) {
      warnings.push(
        `An entry of ${names.insecureRegistries} is written with ${scheme}:// (${JSON.stringify(written.trim())}): the scheme was ignored and ${raw} is treated as insecure. Write it without the scheme.`,
      );
    }
    try {
      insecure.push({ raw, entry: parseInsecureEntry(raw) });
    } catch (error) {
      warnings.push(
        `An entry of ${names.insecureRegistries} was ignored (it makes nothing insecure): ${(error as Error).message}. Fix or remove it in the settings.`,
      );
    }
  }
  for (const raw of input.resolveRules ?? []) {
    try {
      resolveRules.push(parseResolveRule(raw.trim()));
    } catch (error) {
      warnings.push(`An entry of ${names.resolveRules} was ignored: ${(error as Error).message}. Fix or remove it in the settings.`);
    }
  }
  const proxy = parseProxySettings(input.proxy ?? {}, input.env ?? {}, names);
  warnings.push(...proxy.warnings);
  for (const entry of input.registries ?? []) {
    let location;
    try {
      location = parseRegistryLocation(entry.url);
    } catch {
      // Malformed registry URLs are reported where the settings are shown; they configure nothing.
      continue;
    }
    let own: RegistryProxy | undefined;
    const wanted = entry.proxy?.trim();
    if (wanted?.toLowerCase() === 'none') own = 'none';
    else if (wanted) {
      const given = givenAuthorization(input.proxy ?? {});
      const parsed = parseProxyUrl(
        wanted,
        `the "proxy" of ${location.host} in ${names.registries}`,
        input.proxy?.strictSSL !== false,
        given !== undefined ? { value: given, overUrl: false } : undefined,
      );
      if ('problem' in parsed)
        warnings.push(`${parsed.problem}, so the other proxy settings apply to ${location.host}: fix it, or write "none".`);
      else own = parsed;
    }
    registries.set(registryHostKey(location.host), {
      ...(location.scheme ? { scheme: location.scheme } : {}),
      ...(entry.insecure ? { insecure: true } : {}),
      ...(own !== undefined ? { proxy: own } : {}),
    });
  }
  return {
    insecure,
    resolveRules,
    registries,
    warnings,
    names,
    proxy: proxy.settings,
    hasNetworkEntries: insecure.some((i) => i.entry.kind === 'cidr'),
  };
}
