/**
 * What a registry's state lets the user fix from the tree, as inline actions: log in, mark it
 * insecure (certificate or plain-HTTP problems), open the hosts.toml that configures it, or open
 * the settings. Pure: the nodes turn these into context values and the menus into buttons. Errors
 * are told apart by their codes (typed by the core), never by their text.
 */
import type { CoreErrorCode } from '../core/index';

export type RegistryFix = 'logIn' | 'markInsecure' | 'openHostsToml' | 'openSettings';

/** Codes after which "mark it insecure" is the fix the user most likely wants. */
export const TLS_PROBLEMS: ReadonlySet<string> = new Set<CoreErrorCode>([
  'TLS_UNKNOWN_AUTHORITY',
  'TLS_NO_IP_SAN',
  'TLS_NAME_MISMATCH',
  'TLS_CERT_DATES',
  'TLS_PLAIN_HTTP',
]);

export type RegistryCondition = { state: 'unknown' | 'reachable' | 'needs-login' } | { state: 'unreachable'; code: string };

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
  if (code === 'NOT_A_REGISTRY') return 'not a registry';
  // Up and answering, but at odds with its own token server: the operator's to fix, not the network's.
  if (code === 'TOKEN_NOT_ACCEPTED') return 'refuses its own tokens';
  if (CREDENTIAL_HELPER_PROBLEMS.has(code)) return 'credential helper failed';
  if (LOGIN_FILE_PROBLEMS.has(code)) return 'login file invalid';
  if (HOST_CONFIGURATION_PROBLEMS.has(code)) return 'host configuration invalid';
  if (PROXY_PROBLEMS.has(code)) return 'proxy failed';
  return 'unreachable';
}

const CREDENTIAL_HELPER_PROBLEMS: ReadonlySet<string> = new Set<CoreErrorCode>([
  'CREDENTIAL_HELPER_BAD_OUTPUT',
  'CREDENTIAL_HELPER_FAILED',
  'CREDENTIAL_HELPER_INVALID_NAME',
  'CREDENTIAL_HELPER_NOT_FOUND',
  'CREDENTIAL_HELPER_TIMEOUT',
]);
const LOGIN_FILE_PROBLEMS: ReadonlySet<string> = new Set<CoreErrorCode>([
  'AUTH_FILE_INVALID',
  'AUTH_FILE_MISSING',
  'AUTH_FILE_SYNTAX',
  'AUTH_FILE_UNREADABLE',
  'DOCKER_CONFIG_UNREADABLE',
]);
const HOST_CONFIGURATION_PROBLEMS: ReadonlySet<string> = new Set<CoreErrorCode>([
  'HOSTS_FILE_MISSING',
  'HOSTS_TOML_INVALID',
  'HOSTS_TOML_SYNTAX',
  'HOSTS_TOML_UNKNOWN_CAPABILITY',
  'HOSTS_TOML_UNREADABLE',
  'CERTS_D_MISSING_CERT',
  'CERTS_D_MISSING_KEY',
  'TLS_FILE_UNREADABLE',
]);

const PROXY_PROBLEMS: ReadonlySet<string> = new Set<CoreErrorCode>([
  'PROXY_UNREACHABLE',
  'PROXY_AUTH_REQUIRED',
  'PROXY_AUTH_REFUSED',
  'PROXY_CONNECT_REFUSED',
  'PROXY_ERROR',
  'PROXY_TLS',
]);

/**
 * Codes after which the registry itself is down or cut off (nothing answers, the connection broke,
 * TLS failed, its server errors): a request that fails with one turns the registry's row
 * unreachable, as a failed ping does, instead of leaving it green until a refresh.
 */
export function meansRegistryDown(code: string | undefined): boolean {
  if (!code) return false;
  return REGISTRY_DOWN.has(code) || TLS_PROBLEMS.has(code) || PROXY_PROBLEMS.has(code) || /^HTTP_5\d\d$/.test(code);
}

const REGISTRY_DOWN: ReadonlySet<string> = new Set<CoreErrorCode>([
  'CONNECTION_REFUSED',
  'CONNECTION_RESET',
  'CONNECTION_CLOSED',
  'HOST_NOT_FOUND',
  'UNREACHABLE',
  'NETWORK',
  'TIMEOUT',
  'NOT_A_REGISTRY',
]);

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
