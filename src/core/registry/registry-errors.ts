import { CoreError, RegistryError, type RegistryAnswerCode, type RegistryErrorDetail } from '../errors';
import { KnownSecrets, quoteRegistryText, scrubSecrets } from '../text/registry-text';
import type { HttpResponse } from '../transport/http';

/** Parses the spec's error body; anything else (HTML from a proxy, empty) gives no details. */
export function parseErrorBody(text: string): RegistryErrorDetail[] {
  try {
    const body = JSON.parse(text) as { errors?: unknown };
    if (!body || !Array.isArray(body.errors)) return [];
    return body.errors
      .filter((e): e is Record<string, unknown> => !!e && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'string')
      .map((e) => ({ code: String(e.code), message: typeof e.message === 'string' ? e.message : undefined, detail: e.detail }));
  } catch {
    return [];
  }
}

const NEXT_STEP: Record<string, (what: string, host: string) => string> = {
  UNAUTHORIZED: (_w, host) => `${host} requires a login: log in to ${host} (docker login and podman login are used too).`,
  DENIED: (what, host) => `${host} denied access to ${what}: check that your account has permission.`,
  NAME_UNKNOWN: (what, host) => `${host} has no ${what}: check the name.`,
  NAME_INVALID: (what) => `${what} is not a valid repository name for this registry.`,
  MANIFEST_UNKNOWN: (what, host) => `${host} has no ${what}: check the tag or digest.`,
  BLOB_UNKNOWN: (what, host) => `${host} does not have ${what}.`,
  UNSUPPORTED: (what, host) => `${host} does not support this operation on ${what}.`,
  TOOMANYREQUESTS: (_w, host) => `${host} is rate-limiting requests: wait a while and try again, or log in for a higher limit.`,
  QUOTA_EXCEEDED: (_w, host) => `${host} refused the upload because a storage quota is exceeded: free space or raise the quota.`,
};

/**
 * Whether a lookup failed only because the manifest or repository is not there (a tag that was
 * never pushed): the answer for optional content such as a referrers or cosign tag, not a failure.
 */
export function isManifestMissing(err: unknown): boolean {
  return err instanceof CoreError && (err.code === 'MANIFEST_UNKNOWN' || err.code === 'NAME_UNKNOWN' || err.code === 'HTTP_404');
}

/** A registry's error code kept in the details: only a code-like word is taken. */
const CODE_WORD = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** The registry codes the core explains (see RegistryAnswerCode); others are kept only in the details. */
export const KNOWN_ANSWER_CODES: ReadonlySet<string> = new Set<RegistryAnswerCode>([
  'BLOB_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'BLOB_UPLOAD_UNKNOWN',
  'DIGEST_INVALID',
  'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID',
  'MANIFEST_UNKNOWN',
  'MANIFEST_UNVERIFIED',
  'NAME_INVALID',
  'NAME_UNKNOWN',
  'SIZE_INVALID',
  'TAG_INVALID',
  'UNAUTHORIZED',
  'DENIED',
  'UNSUPPORTED',
  'TOOMANYREQUESTS',
  'QUOTA_EXCEEDED',
]);

/**
 * Builds the error for an unexpected status. `what` is the whole noun phrase in the user's terms
 * ("the catalog", "repository team/app", "manifest team/app:1.0"), `host` the registry contacted,
 * `secrets` what the session sent (see KnownSecrets): the registry's words are quoted without them.
 */
export function registryErrorFor(status: number, bodyText: string, what: string, host: string, secrets: Iterable<string>): RegistryError {
  const details = safeDetails(parseErrorBody(bodyText), secrets);
  const first = details[0];
  const fallback: RegistryAnswerCode =
    status === 401 ? 'UNAUTHORIZED' : status === 403 ? 'DENIED' : status === 429 ? 'TOOMANYREQUESTS' : `HTTP_${status}`;
  // A code the core explains becomes the error's code; any other stays in the details (a vendor's own).
  const code = first && KNOWN_ANSWER_CODES.has(first.code) ? (first.code as RegistryAnswerCode) : fallback;
  // Own entries only: a registry's code "constructor" must not find Object's.
  const explain = Object.hasOwn(NEXT_STEP, code) ? NEXT_STEP[code] : undefined;
  const base = explain
    ? explain(what, host)
    : status >= 500
      ? // Retries are behind us by now (the request layer retries 5xx): say what is left to do.
        `${host} answered HTTP ${status} for ${what}: the registry (or a proxy in front of it) is failing or overloaded; try again later, or check the registry's status.`
      : `${host} answered HTTP ${status} for ${what}.`;
  // The registry's own words help, but they are untrusted text: made safe (see quoteRegistryText), and kept apart in parentheses.
  // (A function, so `$&` or `$'` in the registry's text is not a replacement pattern.)
  const message = first?.message ? base.replace(/\.$/, () => ` (the registry said: ${first.message}).`) : base;
  return new RegistryError(code, message, status, details, code === 'UNAUTHORIZED' ? { kind: 'log-in', host } : undefined);
}

/**
 * The error for a 401 or 403 answered by another origin the registry sent the client to (blob
 * storage a redirect led to, an upload host its Location named), or undefined for any other answer.
 * The registry's login never goes there (see EndpointClient), so the sentences for a refused login
 * (log in again, check the account's permission) would send the user the wrong way. `action` is
 * what was sent there: "the request for blob … in app", "the upload of blob … in app".
 */
export function refusedElsewhere(
  res: Pick<HttpResponse, 'status' | 'url' | 'elsewhere'>,
  registry: string,
  action: string,
): CoreError | undefined {
  if (!res.elsewhere || (res.status !== 401 && res.status !== 403)) return undefined;
  return new CoreError(
    'STORAGE_REFUSED',
    `${registry} sent ${action} to ${res.url.host}, which refused it (HTTP ${res.status}); the login for ${registry} is never sent there, so it is not the cause. ` +
      `A link the registry hands out may have expired (a clock far off on this machine does that too): try again, and if it keeps failing, tell the registry's operator.`,
  );
}

/**
 * The details as a caller may show them: each message quoted safely, a code that is not a code
 * word dropped to '', and a `detail` that repeats a secret left out.
 */
function safeDetails(details: RegistryErrorDetail[], secrets: Iterable<string>): RegistryErrorDetail[] {
  const known = secrets instanceof KnownSecrets ? secrets : [...secrets];
  return details.map((d) => {
    const safe: RegistryErrorDetail = { code: CODE_WORD.test(d.code) ? d.code : '' };
    const message = d.message === undefined ? undefined : quoteRegistryText(d.message, known);
    safe.message = message === '' ? undefined : message;
    safe.detail = d.detail === undefined || holdsSecret(d.detail, known) ? undefined : d.detail;
    return safe;
  });
}

/** Strings of a `detail` looked at; one with more is left out as if it held a secret. */
const MAX_DETAIL_STRINGS = 1000;

/** Whether any string (key or value) anywhere in `value` holds a form of a secret. */
function holdsSecret(value: unknown, secrets: Iterable<string>): boolean {
  const pending: unknown[] = [value];
  for (let seen = 0; pending.length > 0; seen++) {
    if (seen > MAX_DETAIL_STRINGS) return true;
    const next = pending.pop();
    if (typeof next === 'string') {
      if (scrubSecrets(next, secrets) !== next) return true;
    } else if (next && typeof next === 'object') {
      for (const [key, inner] of Object.entries(next)) pending.push(key, inner);
    }
  }
  return false;
}
