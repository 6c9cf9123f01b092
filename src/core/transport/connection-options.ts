/**
 * How the transport reaches a host, decided by the caller from the configuration of the host being
 * contacted: TLS policy, dial target, time limits and proxy. Both of the transport's clients (its
 * own and undici's) connect by it.
 */
import type { TrustRoots } from './trust';

/**
 * How to reach a host: TLS policy, dial target and time limits. A value: two requests to one
 * origin with different options use different connections.
 */
export interface ConnectionOptions {
  /** Skip certificate verification (insecure registries only). */
  skipVerify?: boolean;
  /** Extra CA certificates (PEM) on top of the roots. */
  ca?: string[];
  /** The roots to verify against (Node's bundle, the system's, NODE_EXTRA_CA_CERTS); absent: Node's default store. */
  roots?: TrustRoots;
  /**
   * Client certificates and keys (PEM) for mutual TLS, in the configured order. Node cannot let the
   * server pick among several pairs in one handshake, so each is offered in turn until the server
   * accepts one, which is then kept for that origin (containerd offers every pair too).
   */
  clientCertificates?: readonly { cert: string; key: string }[];
  /** TCP target other than the URL's host (resolve rules); Host and SNI keep the URL's name. */
  connectTo?: { address: string; port: number };
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  /** Reach the host through this HTTP proxy (the plan's decision for the host and scheme). */
  proxy?: ProxyOptions;
}

/** An HTTP proxy as a request uses it. */
export interface ProxyOptions {
  /** `http://host:port` or `https://host:port`, without credentials. */
  url: string;
  /** Where it was configured, for messages (`HTTPS_PROXY`, `http.proxy`…). */
  source: string;
  /** Sent to the proxy only, as Proxy-Authorization. */
  authorization?: string;
  /** Verify an https proxy's own certificate. */
  verify: boolean;
  /** The roots an https proxy's certificate is checked against (the session's); absent: Node's default store. */
  roots?: TrustRoots;
  /**
   * true: a CONNECT tunnel whatever the scheme (nothing but the host and port reaches the proxy);
   * false: plain-HTTP requests are forwarded to the proxy as they are (https is always tunnelled).
   */
  tunnel: boolean;
}
