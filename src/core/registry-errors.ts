import { CoreError } from './errors';

/** One entry of the Distribution spec's `{"errors": [...]}` response body. */
export interface RegistryErrorDetail {
  code: string;
  message?: string;
  detail?: unknown;
}

/** An HTTP answer the registry gave that the operation could not use. */
export class RegistryError extends CoreError {
  readonly status: number;
  readonly details: RegistryErrorDetail[];

  constructor(code: string, message: string, status: number, details: RegistryErrorDetail[]) {
    super(code, message);
    this.status = status;
    this.details = details;
  }
}

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
  UNAUTHORIZED: (_w, host) => `${host} requires a login: add your credentials for ${host} (docker login, podman login or Registry Explorer's Log In).`,
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
 * Builds the error for an unexpected status. `what` is the whole noun phrase in the user's terms
 * ("the catalog", "repository team/app", "manifest team/app:1.0"), `host` the registry contacted.
 */
export function registryErrorFor(status: number, bodyText: string, what: string, host: string): RegistryError {
  const details = parseErrorBody(bodyText);
  const first = details[0];
  const code = first?.code ?? (status === 401 ? 'UNAUTHORIZED' : status === 403 ? 'DENIED' : status === 429 ? 'TOOMANYREQUESTS' : `HTTP_${status}`);
  const explain = NEXT_STEP[code];
  const base = explain ? explain(what, host) : status >= 500
    // Retries are behind us by now (the request layer retries 5xx): say what is left to do.
    ? `${host} answered HTTP ${status} for ${what}: the registry (or a proxy in front of it) is failing or overloaded; try again later, or check the registry's status.`
    : `${host} answered HTTP ${status} for ${what}.`;
  // The registry's own words help, but they are untrusted text: shortened, and kept apart in parentheses.
  const message = first?.message ? base.replace(/\.$/, ` (the registry said: ${truncate(first.message, 200)}).`) : base;
  return new RegistryError(code, message, status, details);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
