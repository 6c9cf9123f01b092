/**
 * What a registry's state lets the user fix from the tree, as inline actions: log in, mark it
 * insecure (certificate or plain-HTTP problems), open the hosts.toml that configures it, or open
 * the settings. Pure: the nodes turn these into context values and the menus into buttons.
 */
export type RegistryFix = 'logIn' | 'markInsecure' | 'openHostsToml' | 'openSettings';

/** Codes after which "mark it insecure" is the fix the user most likely wants. */
export const TLS_PROBLEMS: ReadonlySet<string> = new Set(['TLS_UNKNOWN_AUTHORITY', 'TLS_NO_IP_SAN', 'TLS_NAME_MISMATCH', 'TLS_CERT_DATES', 'TLS_PLAIN_HTTP']);

export type RegistryCondition =
  | { state: 'unknown' | 'reachable' | 'needs-login' }
  | { state: 'unreachable'; code: string };

/**
 * The fixes for a registry in `condition`. `hostsToml` is the file its endpoint plan came from, if
 * any: a registry configured there is usually fixed there (its CA, `skip_verify`, its mirrors).
 */
export function fixesFor(condition: RegistryCondition, hostsToml: string | undefined): RegistryFix[] {
  if (condition.state === 'needs-login') return ['logIn'];
  if (condition.state !== 'unreachable') return [];
  const fixes: RegistryFix[] = [];
  if (TLS_PROBLEMS.has(condition.code)) fixes.push('markInsecure');
  if (hostsToml) fixes.push('openHostsToml');
  if (fixes.length === 0) fixes.push('openSettings');
  return fixes;
}

/**
 * The few words on an unreachable registry's row. "unreachable" would send people to check the
 * network when the cause is on their own machine: a login file, a credential helper, a host
 * configuration. The row's children and tooltip carry the full sentence.
 */
export function problemNote(code: string): string {
  if (code.startsWith('CREDENTIAL_HELPER_')) return 'credential helper failed';
  if (code.startsWith('AUTH_FILE_')) return 'login file invalid';
  if (code.startsWith('HOSTS_') || code.startsWith('CERTS_D_')) return 'host configuration invalid';
  return 'unreachable';
}

/**
 * A setting that may help with an error the core words in its own terms (the core never names VS
 * Code settings): a registry too slow to send a body within the time limits, which follow
 * `registryExplorer.requestTimeout`.
 */
export function settingAdvice(code: string | undefined): string | undefined {
  if (code === 'BODY_TIMEOUT') return 'If the registry is just slow, raise registryExplorer.requestTimeout: the time allowed for a response body grows with it.';
  return undefined;
}

/** A place in a hosts.toml: the file, and the line at fault when the error names one (1-based). */
export interface HostsTomlPlace {
  file: string;
  line?: number;
}

/**
 * The hosts.toml an error is about (a syntax error, a `ca` file that is missing…): the core's
 * configuration errors carry the file and line they concern.
 */
export function hostsTomlOf(err: unknown): HostsTomlPlace | undefined {
  const { file, line } = (err ?? {}) as { file?: unknown; line?: unknown };
  if (typeof file !== 'string' || !/(^|[/\\])hosts\.toml$/.test(file)) return undefined;
  return typeof line === 'number' && line > 0 ? { file, line } : { file };
}
