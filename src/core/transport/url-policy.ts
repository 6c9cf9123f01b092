/**
 * The one policy for URLs a registry hands the client: redirect targets, upload and mount
 * `Location`s (including those returned by PATCH), `Link` next-page URLs and token realms. Each
 * is judged against the URL of the response (or registry) that named it, before anything is sent:
 *
 * 1. it parses as an absolute URL (relative references are resolved against the source);
 * 2. its scheme is http or https;
 * 3. it carries no user name or password;
 * 4. an https source never leads to plain http;
 * 5. a public source never leads to a host on the user's own network (see net/addresses.ts:
 *    loopback, private, link-local, unspecified and other non-public IPs in any notation, incl.
 *    IPv4-mapped/NAT64/6to4 IPv6; `localhost`, `.local`, `.internal` and similar names; single-label
 *    names). A token realm, which receives the login, may be private only on the registry's own
 *    host name, even when the registry itself is private;
 * 6. on another host than the source, never a port that browsers block as another protocol's
 *    (the Fetch standard's "bad ports": SMTP, SSH, IRC…), so a registry cannot aim request bodies
 *    at a different kind of server elsewhere (its own host's ports are its own business).
 *
 * Hosts are judged by what the URL names, not by what DNS answers later.
 */
import { CoreError } from '../errors';
import { isPrivateHost, hostKey } from '../net/addresses';

/** What handed the URL over; it decides the error code and wording, and rule 5's realm variant. */
export type RegistryUrlKind = 'redirect' | 'upload-location' | 'mount-location' | 'next-page' | 'token-realm';

export type UrlRefusal = 'invalid' | 'scheme' | 'userinfo' | 'downgrade' | 'private' | 'port';

export type UrlVerdict = { allowed: true; url: URL } | { allowed: false; reason: UrlRefusal; url?: URL };

/** Ports of other protocols (the Fetch standard's list); never contacted on a registry's say-so. */
const BLOCKED_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117,
  119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636,
  989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/**
 * Whether `raw` (as a registry sent it) may be contacted, judged against `source`: the URL of the
 * response that carried it, or for a token realm the registry's own URL. Pure; never throws.
 */
export function judgeRegistryUrl(raw: string, source: URL, kind: RegistryUrlKind): UrlVerdict {
  let url: URL;
  try {
    url = new URL(raw, source);
  } catch {
    return { allowed: false, reason: 'invalid' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { allowed: false, reason: 'scheme', url };
  if (url.username !== '' || url.password !== '') return { allowed: false, reason: 'userinfo', url };
  if (source.protocol === 'https:' && url.protocol === 'http:') return { allowed: false, reason: 'downgrade', url };
  if (isPrivateHost(url.hostname)) {
    const allowed = kind === 'token-realm' ? hostKey(url.hostname) === hostKey(source.hostname) : isPrivateHost(source.hostname);
    if (!allowed) return { allowed: false, reason: 'private', url };
  }
  if (hostKey(url.hostname) !== hostKey(source.hostname) && BLOCKED_PORTS.has(Number(url.port)))
    return { allowed: false, reason: 'port', url };
  return { allowed: true, url };
}

/**
 * {@link judgeRegistryUrl}, with a refusal turned into the error the user sees. `registry` is the
 * registry as the user named it; `what` says what the URL was for (e.g. `/v2/app/blobs/sha256:…`
 * for a redirect, `blob sha256:… in app` for an upload).
 * @throws CoreError BAD_/INSECURE_/PRIVATE_ REDIRECT (redirects, upload and mount locations),
 *   REALM (token realms) or LINK (next-page links), by the rule broken.
 */
export function requireRegistryUrl(raw: string, source: URL, kind: RegistryUrlKind, registry: string, what: string): URL {
  const verdict = judgeRegistryUrl(raw, source, kind);
  if (verdict.allowed) return verdict.url;
  throw refusalError(verdict.reason, verdict.url, source, kind, registry, what);
}

const CODE_FAMILY: Record<RegistryUrlKind, 'REDIRECT' | 'LINK' | 'REALM'> = {
  redirect: 'REDIRECT',
  'upload-location': 'REDIRECT',
  'mount-location': 'REDIRECT',
  'next-page': 'LINK',
  'token-realm': 'REALM',
};

/** How the registry handed the URL over, as the start of a sentence naming the registry. */
function handedOver(kind: RegistryUrlKind, registry: string, what: string, to: string): string {
  switch (kind) {
    case 'redirect':
      return `${registry} redirected ${what} to ${to}`;
    case 'upload-location':
      return `${registry} sent an upload location for ${what} at ${to}`;
    case 'mount-location':
      return `${registry} answered the mount of ${what} with an upload location at ${to}`;
    case 'next-page':
      return `${registry} pointed the next page of ${what} at ${to}`;
    case 'token-realm':
      return `${registry} sends clients to the token server ${to}`;
  }
}

/** The realm without query or credentials, or another URL's origin: what messages show of a registry-sent URL. */
function shown(url: URL | undefined, kind: RegistryUrlKind): string {
  if (url === undefined) return 'an invalid URL';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `a ${url.protocol} URL`;
  return kind === 'token-realm' ? `${url.origin}${url.pathname}` : url.host;
}

function refusalError(
  reason: UrlRefusal,
  url: URL | undefined,
  source: URL,
  kind: RegistryUrlKind,
  registry: string,
  what: string,
): CoreError {
  const family = CODE_FAMILY[kind];
  const to = shown(url, kind);
  const start = handedOver(kind, registry, what, to);
  const operator =
    kind === 'token-realm' ? "report this to the registry's operator" : "report this to the registry's operator; nothing was sent there";
  switch (reason) {
    case 'invalid':
    case 'scheme':
      return new CoreError(`BAD_${family}`, `${start}; only http(s) URLs are followed, so it was refused: ${operator}.`);
    case 'userinfo':
      return new CoreError(
        `BAD_${family}`,
        `${start} with a user name or password in the URL, which this client refuses to use: ${operator}.`,
      );
    case 'port':
      return new CoreError(`BAD_${family}`, `${start}, a port used by another protocol (${url?.port}), so it was refused: ${operator}.`);
    case 'downgrade':
      return new CoreError(`INSECURE_${family}`, downgradeMessage(kind, registry, what, to, source));
    case 'private':
      return new CoreError(`PRIVATE_${family}`, privateMessage(kind, start, source));
  }
}

function downgradeMessage(kind: RegistryUrlKind, registry: string, what: string, to: string, source: URL): string {
  switch (kind) {
    case 'redirect':
      return `${source.host} redirected ${what} from https to plain http (${to}); the redirect was refused so nothing travels unencrypted: ask the registry's operator to serve its storage over HTTPS.`;
    case 'upload-location':
    case 'mount-location':
      return `${registry} sent an upload location on plain http (http://${to}); it is not followed, since content and credentials would travel unencrypted: ask the registry's operator to serve uploads over HTTPS.`;
    case 'next-page':
      return `${registry} pointed the next page of ${what} from https to plain http (${to}); it is not followed: ask the registry's operator to fix its Link headers.`;
    case 'token-realm':
      return (
        `${registry} is reached over HTTPS but sends clients to the plain-HTTP token server ${to}, where credentials and tokens could be read on the network; ` +
        `ask the registry's operator to serve the token endpoint over HTTPS (or, for a trusted local test registry, add it as http://${registry}).`
      );
  }
}

function privateMessage(kind: RegistryUrlKind, start: string, source: URL): string {
  if (kind === 'token-realm') {
    return (
      `${start} on a loopback or private address that is not the registry's own host, which this client refuses so a registry cannot make it reach into your network; ` +
      `if this registry is yours, let its token server be reached under the registry's own host name (${source.hostname}).`
    );
  }
  return (
    `${start}, an address on your own network, which a public registry may not make this client contact, so it was refused and nothing was sent there: ` +
    `if this is your own registry, ask its operator to give that host a public name, or reach the registry under its private address.`
  );
}
