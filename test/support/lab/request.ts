// Raw HTTP(S) requests to lab servers, with explicit TLS options, so tests can assert on exact
// statuses, headers and TLS error codes. Refuses anything but loopback targets.
import * as http from 'node:http';
import * as https from 'node:https';
import { isLoopbackAddress } from './addresses';
import { concatBuffers } from './bytes';

export interface LabRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** PEM text of CA certificates to trust (replaces the system roots, like Node's `ca`). */
  ca?: string | Buffer;
  /** TLS SNI and hostname used for certificate checks (e.g. 'registry.test' while dialling 127.0.0.1). */
  servername?: string;
  /** Default true. False skips certificate verification (readiness probes only). */
  rejectUnauthorized?: boolean;
  /** Client certificate and key (PEM) for mTLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
  basicAuth?: { username: string; password: string };
  bearer?: string;
  timeoutMs?: number;
}

export interface LabResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

export function labRequest(url: string, options: LabRequestOptions = {}): Promise<LabResponse> {
  const target = new URL(url);
  if (target.hostname !== 'localhost' && !isLoopbackAddress(target.hostname)) {
    return Promise.reject(new Error(`labRequest: ${target.hostname} is not a loopback address; the lab only talks to 127.0.0.0/8 and ::1`));
  }
  const headers: Record<string, string> = { ...options.headers };
  if (options.basicAuth) {
    headers.authorization = `Basic ${Buffer.from(`${options.basicAuth.username}:${options.basicAuth.password}`).toString('base64')}`;
  }
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  if (options.body !== undefined)
    headers['content-length'] = String(typeof options.body === 'string' ? Buffer.byteLength(options.body) : options.body.length);
  const timeoutMs = options.timeoutMs ?? 10_000;

  return new Promise<LabResponse>((resolve, reject) => {
    const common: http.RequestOptions = { method: options.method ?? 'GET', headers, agent: false };
    const onResponse = (res: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = concatBuffers(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          text: () => body.toString('utf8'),
          json: <T>() => JSON.parse(body.toString('utf8')) as T,
        });
      });
    };
    const req =
      target.protocol === 'https:'
        ? https.request(
            target,
            {
              ...common,
              ca: options.ca,
              cert: options.cert,
              key: options.key,
              servername: options.servername,
              // Node checks the certificate against `servername` when set, as a resolve rule needs.
              rejectUnauthorized: options.rejectUnauthorized ?? true,
            },
            onResponse,
          )
        : http.request(target, common, onResponse);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`labRequest: no response from ${url} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(options.body);
  });
}
