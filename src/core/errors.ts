/**
 * The core's errors, in one place: one error type with its codes as a typed union, the kinds that
 * add facts (a registry's answer, a configuration file, a wait asked for, malformed input), the
 * single decision of what is worth trying again, and the helpers parsers use to say what is wrong.
 */
import { oneLineText, visibleText } from './text/visible-text';

/** A URL a registry handed over broke the URL policy (transport/url-policy.ts): what it was, and which rule. */
export type UrlPolicyCode = `${'BAD' | 'INSECURE' | 'PRIVATE'}_${'REDIRECT' | 'LINK' | 'REALM'}`;

/**
 * Codes a registry sends in its `{"errors": [...]}` body that the core explains (the Distribution
 * spec's, and a vendor's `QUOTA_EXCEEDED`); any other answer is `HTTP_<status>`, with the
 * registry's own code kept in the error's details.
 */
export type RegistryAnswerCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'MANIFEST_UNVERIFIED'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'TAG_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS'
  | 'QUOTA_EXCEEDED'
  | `HTTP_${number}`;

/** Every code the core throws; the extension decides what to offer by these, never by message text. */
export type CoreErrorCode =
  // Cancellation, and answers that ask to wait
  | 'CANCELLED'
  | 'RETRY_LATER'
  // Parsing what a user, a file or a registry wrote
  | 'PARSE_ERROR'
  | 'INVALID_REFERENCE'
  | 'INVALID_DIGEST'
  | 'INVALID_PLATFORM'
  | 'INVALID_SIZE'
  | 'INVALID_ARTIFACT_TYPE'
  | 'INVALID_REPO_TAG'
  | 'INVALID_CHALLENGE'
  | 'INVALID_LINK_HEADER'
  | 'INVALID_INSECURE_ENTRY'
  | 'INVALID_RESOLVE_RULE'
  | 'INVALID_PATTERN'
  | 'UNSUPPORTED_DIGEST_ALGORITHM'
  // Content: manifests, digests, sizes, platforms
  | 'BAD_MANIFEST'
  | 'BAD_ANNOTATIONS'
  | 'UNSUPPORTED_MANIFEST'
  | 'MANIFEST_TOO_LARGE'
  | 'MANIFEST_LOOP'
  | 'DIGEST_MISMATCH'
  | 'DIGEST_FINALIZED'
  | 'SIZE_MISMATCH'
  | 'PLATFORM_NOT_FOUND'
  | 'PLATFORM_REQUIRED'
  | 'NOT_AN_ARTIFACT'
  | 'GRAPH_TOO_LARGE'
  // Host configuration: hosts.toml, certs.d, TLS files
  | 'HOSTS_FILE_MISSING'
  | 'HOSTS_TOML_INVALID'
  | 'HOSTS_TOML_SYNTAX'
  | 'HOSTS_TOML_UNKNOWN_CAPABILITY'
  | 'HOSTS_TOML_UNREADABLE'
  | 'CERTS_D_MISSING_CERT'
  | 'CERTS_D_MISSING_KEY'
  | 'TLS_FILE_UNREADABLE'
  | 'NO_ENDPOINT'
  // Credentials: login files and credential helpers
  | 'AUTH_FILE_INVALID'
  | 'AUTH_FILE_MISSING'
  | 'AUTH_FILE_SYNTAX'
  | 'AUTH_FILE_UNREADABLE'
  | 'DOCKER_CONFIG_UNREADABLE'
  | 'DOCKER_CONFIG_UNWRITABLE'
  | 'CREDENTIAL_HELPER_BAD_OUTPUT'
  | 'CREDENTIAL_HELPER_FAILED'
  | 'CREDENTIAL_HELPER_INVALID_NAME'
  | 'CREDENTIAL_HELPER_NOT_FOUND'
  | 'CREDENTIAL_HELPER_TIMEOUT'
  // Reaching a host: the network and TLS
  | 'CONNECTION_REFUSED'
  | 'CONNECTION_RESET'
  | 'CONNECTION_CLOSED'
  | 'HOST_NOT_FOUND'
  | 'UNREACHABLE'
  | 'NETWORK'
  | 'TIMEOUT'
  | 'BODY_TIMEOUT'
  | 'BAD_RESPONSE'
  | 'RESPONSE_TOO_LARGE'
  | 'TLS_PLAIN_HTTP'
  | 'TLS_UNKNOWN_AUTHORITY'
  | 'TLS_NO_IP_SAN'
  | 'TLS_NAME_MISMATCH'
  | 'TLS_CERT_DATES'
  | 'TLS_CLIENT_CERT_REFUSED'
  | 'TLS_REDIRECT_TARGET'
  // An HTTP proxy between the client and the host
  | 'PROXY_UNREACHABLE'
  | 'PROXY_AUTH_REQUIRED'
  | 'PROXY_AUTH_REFUSED'
  | 'PROXY_CONNECT_REFUSED'
  | 'PROXY_ERROR'
  | 'PROXY_TLS'
  // URLs a registry hands over, redirects and pages
  | UrlPolicyCode
  | 'TOO_MANY_REDIRECTS'
  | 'CROSS_ORIGIN_LINK'
  | 'PAGINATION_LOOP'
  // Authentication
  | 'AUTH_FAILED'
  | 'NEEDS_LOGIN'
  | 'BAD_TOKEN_RESPONSE'
  | 'TOKEN_SERVER_ERROR'
  | 'TOKEN_NOT_ACCEPTED'
  // A vendor's web API (Docker Hub, GitHub, GitLab, Quay, Harbor: src/core/providers)
  | 'TOKEN_REJECTED'
  | 'SCOPE_MISSING'
  | 'RATE_LIMITED'
  | 'NOT_VISIBLE'
  | 'API_ERROR'
  // What a registry answered
  | RegistryAnswerCode
  | 'CATALOG_UNSUPPORTED'
  | 'NOT_A_REGISTRY'
  | 'DELETE_DISABLED'
  | 'BLOB_NOT_FOUND'
  | 'PAYLOAD_TOO_LARGE'
  | 'UPLOAD_NOT_REPLAYABLE'
  | 'UPLOAD_OUT_OF_SYNC'
  | 'UPLOAD_CHUNK_TOO_LARGE'
  | 'STORAGE_REFUSED'
  // Local content: layouts, archives, artifact files, the file system
  | 'NOT_A_LAYOUT'
  | 'LAYOUT_BUSY'
  | 'REF_AMBIGUOUS'
  | 'REF_NOT_FOUND'
  | 'NOT_A_FILE'
  | 'NOT_A_FOLDER'
  | 'NOT_A_TAR'
  | 'FILE_NOT_FOUND'
  | 'FILE_EXISTS'
  | 'FILE_BUSY'
  | 'DUPLICATE_TITLE'
  | 'TITLE_CONFLICT'
  | 'NAME_TOO_LONG'
  | 'UNSAFE_PATH'
  | 'ARCHIVE_EMPTY'
  | 'ARCHIVE_INCOMPLETE'
  | 'ARCHIVE_NOT_FOUND'
  | 'ARCHIVE_TOO_LARGE'
  | 'ARCHIVE_UNSUPPORTED'
  // A local container engine (docker, podman) loading an image
  | 'ENGINE_NOT_FOUND'
  | 'ENGINE_LOAD_FAILED'
  | 'PERMISSION_DENIED'
  | 'DISK_FULL'
  | 'READ_ONLY'
  | 'TOO_MANY_OPEN_FILES'
  | 'IO_ERROR'
  | 'FILE_SYSTEM_ERROR'
  // Layers: decoding and listing
  | 'LAYER_CORRUPT'
  | 'LAYER_TRUNCATED'
  | 'LAYER_READ_FAILED'
  | 'LAYER_HEADER_TOO_LARGE'
  | 'LAYER_NAMES_TOO_LARGE'
  | 'LAYER_NAME_TOO_LONG'
  | 'LAYER_TOO_COSTLY'
  | 'LAYER_TOO_DEEP'
  | 'LAYER_TOO_MANY_ENTRIES'
  | 'LAYER_FILE_NOT_FOUND'
  | 'LAYER_FILE_NOT_READABLE';

/**
 * Errors the core throws on purpose. Every message is a sentence a user can act on; `code` is a
 * stable machine-readable name for tests and for the extension to pick an action (log in, mark
 * insecure, open settings). A message is one line of visible text whatever it quotes: line breaks
 * and control characters become spaces (a registry's text cannot forge a log line) and invisible or
 * bidi characters escapes (see oneLineText). Secrets and length are the quoting code's part
 * (quoteRegistryText, quoteInput).
 */
export class CoreError extends Error {
  readonly code: CoreErrorCode;
  /** A fix the application can offer in its own words, when the message names one. */
  readonly remedy: Remedy | undefined;

  constructor(code: CoreErrorCode, message: string, options?: { cause?: unknown; remedy?: Remedy }) {
    super(oneLineText(message), options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.remedy = options?.remedy;
  }
}

/**
 * A fix the message proposes, as facts an application can turn into its own words and buttons:
 * the core says "treat registry.test as an insecure registry", the extension adds which setting
 * or command does that. The core names no application's settings.
 */
export type Remedy =
  /** Skip certificate verification for the host (and allow plain HTTP), like Docker's insecure-registries. */
  | { kind: 'treat-as-insecure'; host: string }
  /** Connect to another address for the host name, like curl --resolve. */
  | { kind: 'add-resolve-rule'; host: string }
  /** Allow more time for requests and response bodies. */
  | { kind: 'allow-more-time' }
  /** Name the repositories to show for a registry that does not list them. */
  | { kind: 'name-repositories'; host: string }
  /** Log in to the host. */
  | { kind: 'log-in'; host: string }
  /** Give the proxy (configured in `source`) its user and password. */
  | { kind: 'proxy-login'; proxy: string; source: string }
  /** Reach the host without the proxy (configured in `source`). */
  | { kind: 'bypass-proxy'; host: string; proxy: string; source: string }
  /** Fix the proxy configured in `source`, or reach the host without it. */
  | { kind: 'check-proxy'; host: string; proxy: string; source: string }
  /** Trust the https proxy's certificate (its CA), or skip checking it where the proxy is configured. */
  | { kind: 'trust-proxy'; host: string; proxy: string; source: string }
  /** Sign in to the host again, granting the vendor's API these scopes (GitHub's `read:packages`). */
  | { kind: 'grant-scopes'; host: string; scopes: readonly string[] }
  /** Run a command of the vendor's own tool, which sets up the login (`az acr login --name x`). */
  | { kind: 'run-command'; host: string; command: string };

/**
 * Malformed input to a parser: a reference, a header, a line of configuration. `position` is the
 * 0-based index of the offending character in `input` when one can be named.
 */
export class ParseError extends CoreError {
  readonly input: string;
  readonly position: number | undefined;

  constructor(message: string, input: string, position?: number, code: CoreErrorCode = 'PARSE_ERROR') {
    super(code, message);
    this.input = input;
    this.position = position;
  }
}

/** One entry of the Distribution spec's `{"errors": [...]}` response body. */
export interface RegistryErrorDetail {
  /** The registry's own code, as it sent it (any vendor's). */
  code: string;
  message?: string;
  detail?: unknown;
}

/** An HTTP answer the registry gave that the operation could not use. */
export class RegistryError extends CoreError {
  readonly status: number;
  readonly details: RegistryErrorDetail[];

  constructor(code: RegistryAnswerCode, message: string, status: number, details: RegistryErrorDetail[], remedy?: Remedy) {
    super(code, message, remedy ? { remedy } : undefined);
    this.status = status;
    this.details = details;
  }
}

/**
 * A configuration file the user owns is wrong. `file` is the path; `line`/`column` (1-based) point
 * at the problem when it can be named. Never carries the file's content.
 */
export class ConfigFileError extends CoreError {
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(code: CoreErrorCode, message: string, where: { file: string; line?: number; column?: number }) {
    super(code, message);
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
  }
}

/** A registry asked to wait longer than the client waits: nothing was sent; `retryAt` says when to try again. */
export class RetryLaterError extends CoreError {
  constructor(
    message: string,
    readonly retryAt: Date,
    /** The status that asked for the wait (429, 503…). */
    readonly status: number,
  ) {
    super('RETRY_LATER', message);
  }
}

/** A vendor's API said its rate limit is spent: `resetAt` is when it said requests are allowed again, when it said. */
export class RateLimitError extends CoreError {
  constructor(
    message: string,
    readonly resetAt: Date | undefined,
  ) {
    super('RATE_LIMITED', message);
  }
}

/** The error for an operation the caller's signal aborted. */
export function cancelled(): CoreError {
  return new CoreError('CANCELLED', 'The operation was cancelled.');
}

/**
 * Failures the same request may get past when it is sent again: the connection failed or closed
 * before an answer, or the answer did not come in time. The request layer retries these.
 */
const TEMPORARY: ReadonlySet<CoreErrorCode> = new Set(['CONNECTION_RESET', 'CONNECTION_CLOSED', 'TIMEOUT']);

/**
 * Failures a transfer (a blob's download and upload) may get past when it is started over: the
 * temporary ones, a host that could not be reached for a moment, a body that ended short of its
 * size, a monolithic upload refused for its size (the next attempt sends chunks), and an upload
 * session the registry lost track of.
 */
const TRANSFER_RESTARTABLE: ReadonlySet<CoreErrorCode> = new Set([
  ...TEMPORARY,
  'UNREACHABLE',
  'NETWORK',
  'SIZE_MISMATCH',
  'PAYLOAD_TOO_LARGE',
  'UPLOAD_NOT_REPLAYABLE',
  'UPLOAD_OUT_OF_SYNC',
]);

/** Statuses that say "try again later" rather than "this request is wrong". */
const TEMPORARY_STATUS: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Whether sending the same request again may succeed (see TEMPORARY). */
export function isTemporary(err: unknown): boolean {
  return err instanceof CoreError && TEMPORARY.has(err.code);
}

/** Whether an HTTP status says "try again later". */
export function isTemporaryStatus(status: number): boolean {
  return TEMPORARY_STATUS.has(status);
}

/** Whether starting a transfer over may succeed: a temporary failure, a restartable one, or a registry answer with a temporary status. */
export function isRestartable(err: unknown): boolean {
  if (err instanceof RegistryError) return isTemporaryStatus(err.status);
  return err instanceof CoreError && TRANSFER_RESTARTABLE.has(err.code);
}

/** A parser's failure callback: `reason` and, when `pos` names a character, where it is. */
export type Fail = (reason: string, pos?: number) => never;

/**
 * Builds a {@link Fail} for `input`, described in messages as `what` ("resolve rule"). With
 * `pointAt`, a position adds `; "x" at position N is not allowed` (parsers that word the position
 * themselves leave it off).
 */
export function failer(input: string, what: string, code: CoreErrorCode, options: { pointAt?: boolean } = {}): Fail {
  return (reason, pos) => {
    const at =
      options.pointAt && pos !== undefined && pos < input.length ? `; ${quoteChar(input, pos)} at position ${pos} is not allowed` : '';
    throw new ParseError(`invalid ${what} ${quoteInput(input)}: ${reason}${at}`, input, pos, code);
  };
}

const MAX_SHOWN = 200;

/**
 * Bad input quoted for a message, cut at 200 characters so a huge value never floods it; JSON's
 * escapes show control characters, and invisible or bidi ones are escaped the same way (`\u202E`).
 */
export function quoteInput(s: string): string {
  return visibleText(JSON.stringify(s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}…` : s));
}

/** The character at `i` (a whole code point), quoted for a message. */
export function quoteChar(s: string, i: number): string {
  const cp = s.codePointAt(i);
  return visibleText(JSON.stringify(cp === undefined ? '' : String.fromCodePoint(cp)));
}
