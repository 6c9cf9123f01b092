import { CoreError } from '../errors';
import { requireRegistryUrl } from './url-policy';

/** Registries redirect blob downloads to object storage; never more than this many hops. */
export const MAX_REDIRECTS = 10;

const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);

export function isRedirect(status: number): boolean {
  return REDIRECT_STATUS.has(status);
}

/**
 * Where a redirect leads, checked by the registry URL policy (see url-policy.ts): an absolute
 * http(s) URL resolved against the request's, never from https down to http, and never from a
 * public host to one on the user's own network.
 */
export function redirectTarget(from: URL, location: string | undefined, hop: number): URL {
  if (!location) throw new CoreError('BAD_REDIRECT', `${from.host} sent a redirect without a Location for ${from.pathname}.`);
  if (hop >= MAX_REDIRECTS)
    throw new CoreError(
      'TOO_MANY_REDIRECTS',
      `${from.host} redirected ${from.pathname} more than ${MAX_REDIRECTS} times; the request was stopped.`,
    );
  return requireRegistryUrl(location, from, 'redirect', from.host, from.pathname);
}

/** Authorization and configured headers go only to the exact origin they were meant for. */
export function sameHost(a: URL, b: URL): boolean {
  return a.host === b.host && a.protocol === b.protocol;
}

const TLS_REASON: Record<string, string> = {
  TLS_UNKNOWN_AUTHORITY: 'signed by an unknown authority',
  TLS_NO_IP_SAN: 'without that IP address in it',
  TLS_NAME_MISMATCH: 'issued for another name',
  TLS_CERT_DATES: 'expired or not yet valid',
  TLS_PLAIN_HTTP: 'it answered in plain HTTP',
};

/**
 * A TLS failure at a redirect target, in words that fit it: marking the registry insecure would
 * not help (a redirect target is verified unless its own host configuration says skip_verify), but
 * the registry's CA and the target's own host configuration (ca, client, skip_verify) are used for it.
 */
export function redirectTlsError(err: unknown, registryHost: string, from: URL, to: URL): unknown {
  if (!(err instanceof CoreError)) return err;
  const reason = TLS_REASON[err.code];
  if (reason === undefined) return err;
  return new CoreError(
    'TLS_REDIRECT_TARGET',
    `${registryHost} sent ${from.pathname} to ${to.host}, whose certificate could not be verified (${reason}), so nothing was fetched from it: ` +
      `if that storage uses your own CA, add the CA to the hosts.toml \`ca\` or certs.d folder of ${registryHost} or of ${to.host} (a redirect target is verified with both); otherwise tell the registry's operator.`,
    { cause: err },
  );
}
