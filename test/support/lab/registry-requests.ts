// The requests a lab registry saw, read from its access log (Distribution writes one line per
// request: `… "GET /v2/library/alpine/tags/list?n=1000 HTTP/1.1" 200 …`): what editor features
// and caches are checked against, since the registry's own count is the one that matters.
import type { LabRegistry } from './registry';

export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
}

const REQUEST_LINE = /"(GET|HEAD|POST|PUT|PATCH|DELETE) (\/v2\/[^ "]*) HTTP\/[0-9.]+" (\d{3})/g;

/** Every request in a registry's log text, in order. */
export function requestsIn(log: string): LoggedRequest[] {
  return [...log.matchAll(REQUEST_LINE)].map((m) => ({ method: m[1]!, path: m[2]!, status: Number(m[3]) }));
}

/** The requests a registry has logged since `mark` (a previous `requestMark`). */
export function requestsSince(registry: Pick<LabRegistry, 'readLog'>, mark: number): LoggedRequest[] {
  return requestsIn(registry.readLog()).slice(mark);
}

/** How many requests the registry has logged so far: a mark for {@link requestsSince}. */
export function requestMark(registry: Pick<LabRegistry, 'readLog'>): number {
  return requestsIn(registry.readLog()).length;
}

/** Tag listings of a repository. */
export const isTagListing = (repository: string) => (r: LoggedRequest) => r.path.startsWith(`/v2/${repository}/tags/list`);
/** Manifest requests (GET or HEAD) of a repository. */
export const isManifestRequest = (repository: string) => (r: LoggedRequest) => r.path.startsWith(`/v2/${repository}/manifests/`);
/** Blob requests of a repository. */
export const isBlobRequest = (repository: string) => (r: LoggedRequest) => r.path.startsWith(`/v2/${repository}/blobs/`);
