/**
 * Failures that belong to an HTTP proxy rather than to the host behind it, said as such: the proxy
 * cannot be reached, asks for a login (407) or refuses the one sent, refuses to open a tunnel, or
 * answers with its own error page because it could not reach the host. Each names the proxy and
 * where it was configured, with a fix the application words in its own settings (see Remedy).
 */
import { CoreError, type Remedy } from '../errors';

/** What a message needs of the proxy a request went through (see ConnectionOptions.proxy). */
interface ProxyOptions {
  url: string;
  source: string;
  authorization?: string;
}

interface Failure {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** Errors raised while connecting to the proxy itself (see markProxyConnectFailure). */
const proxyConnectFailures = new WeakSet<object>();

/** Marks an error of the proxy's own connection (TCP or TLS), before undici passes it on as the request's. */
export function markProxyConnectFailure<E>(err: E): E {
  if (err && typeof err === 'object') proxyConnectFailures.add(err);
  return err;
}

/** The certificate and handshake codes of Node's TLS (OpenSSL's verify results, Node's own checks). */
const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_|HOSTNAME_MISMATCH)/;

/**
 * Codes and messages along an error's cause chain (undici wraps the proxy's answer in its own
 * errors), and the TLS code of the proxy's own handshake when that is what failed.
 */
function chain(err: unknown): { codes: string[]; messages: string[]; proxyTlsCode?: string } {
  const codes: string[] = [];
  const messages: string[] = [];
  let proxyTlsCode: string | undefined;
  let current: unknown = err;
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const f = current as Failure;
    if (typeof f.code === 'string') {
      codes.push(f.code);
      if (proxyTlsCode === undefined && proxyConnectFailures.has(current) && TLS_CODE.test(f.code)) proxyTlsCode = f.code;
    }
    if (typeof f.message === 'string') messages.push(f.message);
    current = f.cause;
  }
  return { codes, messages, ...(proxyTlsCode === undefined ? {} : { proxyTlsCode }) };
}

/** Failing to connect to the proxy at all: the only TCP connection made is the one to the proxy. */
const CANNOT_CONNECT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT']);

/** A proxy's status for a request it would not pass on, as undici reports it. */
function proxyStatus(messages: readonly string[]): number | undefined {
  for (const m of messages) {
    const tunnel = /Proxy response \((\d{3})\) !== 200 when HTTP Tunneling/.exec(m);
    if (tunnel) return Number(tunnel[1]);
    if (/Proxy Authentication Required \(407\)/.test(m)) return 407;
  }
  return undefined;
}

/** The error for a request that failed at or because of its proxy, or undefined when the proxy is not the cause. */
export function describeProxyFailure(err: unknown, url: URL, proxy: ProxyOptions): CoreError | undefined {
  const { codes, messages, proxyTlsCode: tlsCode } = chain(err);
  const status = proxyStatus(messages);
  const named = `The proxy ${proxy.url} (from ${proxy.source})`;
  const fail = (code: 'PROXY_UNREACHABLE' | 'PROXY_CONNECT_REFUSED', text: string, remedy: Remedy) =>
    new CoreError(code, text, { cause: err, remedy });
  const check: Remedy = { kind: 'check-proxy', host: url.host, proxy: proxy.url, source: proxy.source };
  if (status === 407) return proxyLoginFailure(err, url, proxy);
  if (status !== undefined && status >= 500) return proxyErrorPage(err, url, proxy, status);
  if (status !== undefined) {
    return fail(
      'PROXY_CONNECT_REFUSED',
      `${named} refused to open a tunnel to ${url.host} (HTTP ${status}): it may allow only some hosts or port 443; ask its operator to allow ${url.host}, or reach ${url.host} without the proxy.`,
      { kind: 'bypass-proxy', host: url.host, proxy: proxy.url, source: proxy.source },
    );
  }
  if (tlsCode !== undefined) {
    return new CoreError(
      'PROXY_TLS',
      `${named} speaks https, and its own certificate was not accepted (${tlsCode}), so ${url.host} was not contacted: add the CA that signed the proxy's certificate to the system's trusted CAs (or NODE_EXTRA_CA_CERTS), check the proxy's address, or turn off the check of the proxy's certificate where the proxy is configured.`,
      { cause: err, remedy: { kind: 'trust-proxy', host: url.host, proxy: proxy.url, source: proxy.source } },
    );
  }
  const code = codes.find((c) => CANNOT_CONNECT.has(c));
  if (code !== undefined) {
    return fail(
      'PROXY_UNREACHABLE',
      `${named} cannot be reached (${code}), so ${url.host} was not contacted: check the proxy's address and that it is running, or reach ${url.host} without the proxy.`,
      check,
    );
  }
  return undefined;
}

/** A proxy that wants a login (407) it was not given, or refused the one it was given. */
function proxyLoginFailure(cause: unknown, url: URL, proxy: ProxyOptions): CoreError {
  const named = `The proxy ${proxy.url} (from ${proxy.source})`;
  const remedy: Remedy = { kind: 'proxy-login', proxy: proxy.url, source: proxy.source };
  return proxy.authorization !== undefined
    ? new CoreError(
        'PROXY_AUTH_REFUSED',
        `${named} refused the proxy login sent with the request to ${url.host} (HTTP 407): check the proxy user and password.`,
        { cause, remedy },
      )
    : new CoreError(
        'PROXY_AUTH_REQUIRED',
        `${named} asks for a login (HTTP 407) before it passes on requests to ${url.host}: give it the proxy's user and password.`,
        { cause, remedy },
      );
}

/**
 * The answer to a request forwarded to a proxy (plain HTTP, no tunnel) when it is the proxy's and not
 * the host's: a 407 (no host asks a client for a proxy login), or an error status carrying the proxy's
 * own error headers (a host it denies, a host it cannot reach). Undefined for the host's own answers.
 */
export function describeForwardedAnswer(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  url: URL,
  proxy: ProxyOptions,
): CoreError | undefined {
  if (status === 407) return proxyLoginFailure(undefined, url, proxy);
  if (status < 400) return undefined;
  const detail = proxyErrorHeader(headers);
  if (detail === undefined) return undefined;
  if (status >= 500) return proxyErrorPage(undefined, url, proxy, status, detail);
  return new CoreError(
    'PROXY_ERROR',
    `The proxy ${proxy.url} (from ${proxy.source}) would not pass on the request to ${url.host} and answered HTTP ${status} (${detail}) with its own error page: ask its operator to allow ${url.host}, or reach it without the proxy.`,
    { remedy: { kind: 'bypass-proxy', host: url.host, proxy: proxy.url, source: proxy.source } },
  );
}

/**
 * A proxy's own error page (it could not reach the host, or the host timed out): a 5xx the proxy
 * answered instead of the host, recognised from a tunnel's refusal or from the proxy's own headers
 * on a forwarded request (`Proxy-Status`, RFC 9209, or squid's `X-Squid-Error`).
 */
function proxyErrorPage(cause: unknown, url: URL, proxy: ProxyOptions, status: number, detail?: string): CoreError {
  const what = detail ? ` (${detail})` : '';
  return new CoreError(
    'PROXY_ERROR',
    `The proxy ${proxy.url} (from ${proxy.source}) could not reach ${url.host} and answered HTTP ${status}${what} with its own error page: check that ${url.host} is right and reachable from the proxy, or reach it without the proxy.`,
    { cause, remedy: { kind: 'bypass-proxy', host: url.host, proxy: proxy.url, source: proxy.source } },
  );
}

/** The proxy's own error headers on a forwarded answer, as a short safe text, or undefined when the answer is the host's. */
function proxyErrorHeader(headers: Record<string, string | string[] | undefined>): string | undefined {
  for (const name of ['proxy-status', 'x-squid-error']) {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    if (value !== undefined && value.trim() !== '')
      return value
        .replace(/[^\x20-\x7e]/g, '')
        .slice(0, 80)
        .trim();
  }
  return undefined;
}
