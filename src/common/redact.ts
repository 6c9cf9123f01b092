/**
 * Keeps secrets out of the log: URLs lose their user info, and query parameters that carry
 * signatures, tokens or upload state (`X-Amz-Signature`, `token`, `_state`, Azure's `sig`…) keep
 * their name but not their value. Request lines never hold headers or bodies; this covers what a
 * URL itself can carry (pre-signed blob redirects, upload locations, token endpoints).
 */
const REDACTED = 'REDACTED';

/** Parameter names whose values are secret, or let someone act as the user until they expire. */
const SECRET_NAMES = new Set(['sig', '_state', 'state', 'key', 'code', 'auth', 'authorization', 'session', 'policy', 'pwd', 'passwd']);
/** Parts of names that say the same: `X-Amz-Signature`, `access_token`, `X-Goog-Credential`, `client_secret`. */
const SECRET_PARTS = ['signature', 'token', 'secret', 'password', 'credential'];

/** Every `http(s)://…` in `text` redacted; other text as it is. */
export function redactSecrets(text: string): string {
  return text.replace(/\bhttps?:\/\/[^\s"'<>`]+/gi, (url) => redactUrl(url));
}

/**
 * One URL redacted: user info dropped, secret query values replaced. Not a URL, or nothing to
 * redact: returned as written (so a logged message reads exactly as the one shown).
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  let changed = false;
  if (parsed.username || parsed.password) {
    parsed.username = '';
    parsed.password = '';
    changed = true;
  }
  if (parsed.search) {
    const query = redactQuery(parsed.search.slice(1));
    if (query !== parsed.search.slice(1)) {
      parsed.search = query;
      changed = true;
    }
  }
  return changed ? parsed.href : url;
}

/**
 * A query string with secret values replaced, every other byte kept (parameter order, encoding):
 * URLSearchParams would re-encode what it does not change.
 */
function redactQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // A malformed escape: judge the name as written.
      }
      return eq >= 0 && isSecretParameter(name) ? `${rawName}=${REDACTED}` : pair;
    })
    .join('&');
}

export function isSecretParameter(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_NAMES.has(lower) || SECRET_PARTS.some((part) => lower.includes(part));
}
