import { isIP } from 'node:net';
import { CoreError, type CoreErrorCode, type Remedy } from '../errors';

const UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
]);

/** OpenSSL alerts a server sends when it does not accept the client certificate (or its absence). */
const CLIENT_CERT_ALERT =
  /ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|ACCESS_DENIED)$/;

interface NodeErrorLike {
  code?: string;
  message?: string;
  cause?: unknown;
  cert?: { subjectaltname?: string };
}

/** The innermost error that carries a Node error code (undici sometimes wraps socket errors). */
function findCoded(err: unknown): NodeErrorLike | undefined {
  let current: unknown = err;
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const candidate = current as NodeErrorLike;
    if (typeof candidate.code === 'string' && !candidate.code.startsWith('UND_ERR')) return candidate;
    current = candidate.cause;
  }
  return undefined;
}

/** True when a server answered the TLS handshake in plain HTTP: the signal for the insecure fallback. */
export function isPlainHttpAnswer(err: unknown): boolean {
  const coded = findCoded(err);
  if (!coded) return false;
  if (coded.code === 'ERR_SSL_WRONG_VERSION_NUMBER') return true;
  return coded.code === 'EPROTO' && /wrong version number|packet length too long|http request/i.test(coded.message ?? '');
}

/** What the connection was made with, and what it had done, for the sentence about its failure. */
export interface ConnectionNote {
  /** The roots' summary (see TrustRoots.summary); absent: Node's default store. */
  trust?: string;
  /** Whether a CA configured for the host was added. */
  configuredCa?: boolean;
  /** How many client certificates were configured for the host (absent: none). */
  clientCertificates?: number;
  /** Nothing has answered yet on any connection made with these options (so none was reused). */
  firstContact?: boolean;
}

/** Turns a socket or TLS failure into a sentence that says what the user can do next. */
export function describeNetworkError(err: unknown, url: URL, note: ConnectionNote = {}): CoreError {
  const coded = findCoded(err);
  // undici's own socket errors (UND_ERR_SOCKET: the other side closed) carry no Node code inside.
  const code = coded?.code ?? (err as NodeErrorLike | undefined)?.code ?? 'UNKNOWN';
  const host = url.host;
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const fail = (kind: CoreErrorCode, sentence: string, remedy?: Remedy) =>
    new CoreError(kind, sentence, { cause: err, ...(remedy ? { remedy } : {}) });
  const insecure: Remedy = { kind: 'treat-as-insecure', host };

  if (isPlainHttpAnswer(err)) {
    return fail(
      'TLS_PLAIN_HTTP',
      `${host} answered the TLS handshake with plain HTTP: use http://${host} as the registry URL, or treat ${host} as an insecure registry.`,
      insecure,
    );
  }
  if (UNKNOWN_AUTHORITY.has(code)) {
    return fail(
      'TLS_UNKNOWN_AUTHORITY',
      `The certificate of ${host} is signed by an unknown authority (checked against ${note.trust ?? "Node's bundled roots, not the system's CAs"}${note.configuredCa ? ' and the CA configured for it' : ''}): add the CA to the system's trusted CAs, to the registry's hosts.toml \`ca\` or to its certs.d folder, or treat ${host} as an insecure registry.`,
      insecure,
    );
  }
  if (CLIENT_CERT_ALERT.test(code)) {
    if (note.clientCertificates === 0)
      return fail(
        'TLS_CLIENT_CERT_REFUSED',
        `${host} refused the connection in the TLS handshake (${code.replace(/^ERR_SSL_/, '')}): it may require a client certificate (mutual TLS), and none is configured for it. Put the certificate and its key in certs.d/${host}/client.cert and client.key, or name them in its hosts.toml \`client\`.`,
      );
    return fail(
      'TLS_CLIENT_CERT_REFUSED',
      `${host} refused the TLS client certificate offered, or asked for one and got none (${code.replace(/^ERR_SSL_/, '')}): check the client certificate and key configured for ${host} in its hosts.toml \`client\` or its certs.d folder, and that its operator trusts their CA.`,
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = coded?.cert?.subjectaltname ? ` (it names ${coded.cert.subjectaltname})` : '';
    if (isIP(hostname)) {
      return fail(
        'TLS_NO_IP_SAN',
        `The certificate of ${host} has no IP SAN for ${hostname}${names}: use the DNS name the certificate has, or treat ${host} as an insecure registry.`,
        insecure,
      );
    }
    return fail(
      'TLS_NAME_MISMATCH',
      `The certificate of ${host} is not valid for ${hostname}${names}: use the name the certificate has, or treat ${host} as an insecure registry.`,
      insecure,
    );
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return fail(
      'TLS_CERT_DATES',
      `The certificate of ${host} is ${code === 'CERT_HAS_EXPIRED' ? 'expired' : 'not yet valid'}: ask the registry's operator to renew it, or treat ${host} as an insecure registry.`,
      insecure,
    );
  }
  switch (code) {
    case 'ECONNREFUSED':
      return fail(
        'CONNECTION_REFUSED',
        `Nothing accepts connections at ${host}: check the registry URL and port, and that the registry is running.`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return fail(
        'HOST_NOT_FOUND',
        `The host name ${hostname} could not be resolved: check the spelling, your DNS, or add a resolve rule that connects it to an address.`,
        { kind: 'add-resolve-rule', host },
      );
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      // Under TLS 1.3 a server that wants a client certificate refuses after the handshake: the
      // client sees its first connection closed (UND_ERR_SOCKET is raised only once connected)
      // before any answer, never an alert.
      if (code === 'UND_ERR_SOCKET' && url.protocol === 'https:' && note.firstContact) {
        const pairs = note.clientCertificates ?? 0;
        return fail(
          'CONNECTION_RESET',
          pairs === 0
            ? `${host} closed the connection before answering, right after the TLS handshake: it may require a client certificate (mutual TLS), and none is configured for it. Put the certificate and its key in certs.d/${host}/client.cert and client.key, or name them in its hosts.toml \`client\`; if it needs none, try again.`
            : `${host} closed the connection before answering, right after the TLS handshake: it may not accept the client certificate configured for it. Check the client certificate and key in its hosts.toml \`client\` or its certs.d folder, and that its operator trusts their CA; if they are right, try again.`,
        );
      }
      return fail(
        'CONNECTION_RESET',
        `${host} closed the connection unexpectedly: try again; if it keeps happening, check a proxy or firewall between you and the registry.`,
      );
    case 'ETIMEDOUT':
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return fail('UNREACHABLE', `${host} cannot be reached (${code}): check your network connection and the registry URL.`);
    default:
      return fail('NETWORK', `Could not reach ${host}: ${coded?.message ?? String((err as Error)?.message ?? err)}.`);
  }
}

/** A host whose connection or answer did not come within its time limit. */
export function describeTimeout(url: URL, cause?: unknown): CoreError {
  return new CoreError(
    'TIMEOUT',
    `${url.host} did not answer in time: check that it is up and reachable, or allow more time for requests.`,
    { ...(cause === undefined ? {} : { cause }), remedy: { kind: 'allow-more-time' } },
  );
}

/** What a body's failure is worded with: who may have cancelled it and how long silence may last. */
export interface BodyErrorContext {
  signal?: AbortSignal;
  limits: { idleMs: number };
}

/** A duration for a message: `0.5 s`, `1.5 s`, `60 s`. */
export function secondsText(ms: number): string {
  const seconds = ms / 1000;
  return `${seconds < 10 ? String(Math.round(seconds * 10) / 10) : String(Math.round(seconds))} s`;
}

/** The request path for a message: registry-controlled (a redirect's target), so cut short. */
export function shownPath(url: URL): string {
  const path = url.pathname;
  return path.length > 120 ? `${path.slice(0, 119)}…` : path;
}

/**
 * Turns a failure while a response body is read (after the headers arrived) into a sentence: a
 * cancelled read, a stall, a connection cut mid-body, a malformed body. Body errors never pass
 * through HttpTransport.send, whose translation covers only what happens before the headers.
 */
export function describeBodyError(err: unknown, url: URL, context: BodyErrorContext): CoreError {
  if (err instanceof CoreError) return err;
  const host = url.host;
  const what = shownPath(url);
  const fail = (kind: CoreErrorCode, sentence: string) => new CoreError(kind, sentence, { cause: err });
  const code = (err as NodeErrorLike | undefined)?.code;
  const name = (err as { name?: unknown } | undefined)?.name;
  if (context.signal?.aborted || code === 'UND_ERR_ABORTED' || code === 'UND_ERR_ABORT' || code === 'ABORT_ERR' || name === 'AbortError') {
    return fail('CANCELLED', 'The operation was cancelled.');
  }
  switch (code) {
    case 'UND_ERR_BODY_TIMEOUT':
    case 'BODY_IDLE_TIMEOUT':
      return new CoreError(
        'BODY_TIMEOUT',
        `${host} sent nothing for ${secondsText(context.limits.idleMs)} in the middle of ${what}: try again; if it keeps happening, the registry or a proxy between you and it is stuck or overloaded.`,
        {
          cause: err,
          remedy: { kind: 'allow-more-time' },
        },
      );
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET':
    case 'EPIPE':
    case 'CLOSED_EARLY':
      return fail(
        'CONNECTION_RESET',
        `${host} closed the connection before all of ${what} arrived: try again; if it keeps happening, check a proxy or firewall between you and the registry.`,
      );
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return fail(
        'BAD_RESPONSE',
        `${host} sent a body for ${what} whose length differs from its Content-Length, so it was not used: try again; if it keeps happening, a proxy in between may be changing responses.`,
      );
    case 'UND_ERR_DESTROYED':
    case 'UND_ERR_CLOSED':
      return fail(
        'CONNECTION_CLOSED',
        `The connection to ${host} was closed by this client while ${what} was being read (its session ended): try again.`,
      );
  }
  if (typeof code === 'string' && (code.startsWith('HPE_') || code === 'MALFORMED_BODY')) {
    return fail(
      'BAD_RESPONSE',
      `${host} sent a malformed HTTP body for ${what} (${code === 'MALFORMED_BODY' ? (err as Error).message : code}): try again; if it keeps happening, check that the URL points at a registry and not at something else in between.`,
    );
  }
  const described = describeNetworkError(err, url);
  if (described.code !== 'NETWORK') return described;
  return fail(
    'NETWORK',
    `Reading ${what} from ${host} failed (${typeof code === 'string' ? code.slice(0, 40) : 'no error code'}): try again; if it keeps happening, check your network connection and the registry.`,
  );
}
