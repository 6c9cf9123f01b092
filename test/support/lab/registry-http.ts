// Authenticated raw requests from the lab to its own registries (for steps skopeo cannot do, such as
// writing a referrers fallback index with artifactType, and for tests' direct API calls).
// Handles Basic and Bearer challenges the simple way; this is lab plumbing, not the client under test.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import type { Credentials, LabRegistry } from './registry';
import { labRequest, type LabRequestOptions, type LabResponse } from './request';

export interface RegistryRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Default: the registry's own credentials (if it has auth). null = anonymous. */
  credentials?: Credentials | null;
  /** Token scope to ask for; default taken from the challenge. */
  scope?: string;
  timeoutMs?: number;
}

/** TLS settings that verify the lab registry properly, whatever certificate variant it serves. */
export function tlsOptionsFor(registry: LabRegistry): Pick<LabRequestOptions, 'ca' | 'servername' | 'cert' | 'key'> {
  if (registry.scheme !== 'https' || !registry.caCertPath) return {};
  const servername =
    registry.options.tls === 'registry.test' ? 'registry.test' : registry.options.tls === 'no-ip-san' ? 'localhost' : undefined;
  const out: Pick<LabRequestOptions, 'ca' | 'servername' | 'cert' | 'key'> = { ca: readFileSync(registry.caCertPath), servername };
  if (registry.clientCert) {
    out.cert = readFileSync(registry.clientCert.certPath);
    out.key = readFileSync(registry.clientCert.keyPath);
  }
  return out;
}

/** Parses `Bearer realm="…",service="…",scope="…"` (enough for the lab's own registries). */
function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  for (const m of header.slice(space + 1).matchAll(/(\w+)="([^"]*)"/g)) params[(m[1] as string).toLowerCase()] = m[2] as string;
  return { scheme, params };
}

export async function registryRequest(registry: LabRegistry, path: string, options: RegistryRequestOptions = {}): Promise<LabResponse> {
  const credentials = options.credentials === undefined ? registry.credentials : options.credentials;
  const base: LabRequestOptions = {
    method: options.method,
    headers: options.headers,
    body: options.body,
    timeoutMs: options.timeoutMs,
    ...tlsOptionsFor(registry),
  };
  const url = `${registry.url}${path}`;
  const first = await labRequest(url, base);
  const challenge = first.headers['www-authenticate'];
  if (first.status !== 401 || typeof challenge !== 'string') return first;
  const { scheme, params } = parseChallenge(challenge);
  if (scheme === 'basic') {
    if (!credentials) return first;
    return labRequest(url, { ...base, basicAuth: credentials });
  }
  if (scheme !== 'bearer' || !params.realm) return first;
  const tokenUrl = new URL(params.realm);
  if (params.service) tokenUrl.searchParams.set('service', params.service);
  const scope = options.scope ?? params.scope;
  if (scope) tokenUrl.searchParams.set('scope', scope);
  const tokenServerCa = registry.caCertPath ? { ca: readFileSync(registry.caCertPath) } : {};
  const tokenResponse = await labRequest(tokenUrl.toString(), { ...tokenServerCa, basicAuth: credentials ?? undefined });
  if (tokenResponse.status !== 200) {
    throw new Error(`lab token request to ${tokenUrl.origin} failed with ${tokenResponse.status}: ${tokenResponse.text()}`);
  }
  const { token } = tokenResponse.json<{ token: string }>();
  return labRequest(url, { ...base, bearer: token });
}

/** A blob in two calls (POST, then PUT with the digest), as Distribution takes one whole, to a registry without a login. */
export async function uploadBlobWhole(registry: Pick<LabRegistry, 'url'>, repository: string, data: Buffer, digest: string): Promise<void> {
  const start = await labRequest(`${registry.url}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  assert.equal(start.status, 202, start.text());
  const location = new URL(String(start.headers.location), registry.url);
  location.searchParams.set('digest', digest);
  const put = await labRequest(location.href, { method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(put.status, 201, put.text());
}
