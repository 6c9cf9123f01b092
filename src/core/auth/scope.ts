/**
 * Token scopes (Docker token protocol): `type:name:actions`, e.g. `repository:team/app:pull,push`
 * or `registry:catalog:*`. Which scopes a request needs, and a canonical form so that token caches
 * can key on a scope set regardless of order, duplicates or how actions were split.
 */
import type { HttpRequest } from '../transport/http';

/** What a request touches, for {@link scopesFor}. */
export interface ScopeRequest {
  method: HttpRequest['method'];
  /** The repository the request addresses (`team/app`). */
  repository?: string;
  /** The request lists the catalog (`GET /v2/_catalog`). */
  catalog?: boolean;
  /** A cross-repository mount (`POST …/blobs/uploads/?mount=&from=FROM`): FROM needs pull too. */
  mountFrom?: string;
}

/** One parsed scope; `name` may itself contain ':' (a registry host with a port in the name). */
export interface ScopeParts {
  type: string;
  name: string;
  actions: string[];
}

/** The scopes a request needs: GET/HEAD pull, POST/PUT/PATCH pull+push, DELETE delete, catalog `*`. */
export function scopesFor(req: ScopeRequest): string[] {
  const scopes: string[] = [];
  if (req.catalog) scopes.push('registry:catalog:*');
  if (req.repository !== undefined && req.repository !== '') {
    const actions = req.method === 'GET' || req.method === 'HEAD' ? 'pull' : req.method === 'DELETE' ? 'delete' : 'pull,push';
    scopes.push(`repository:${req.repository}:${actions}`);
  }
  if (req.mountFrom !== undefined && req.mountFrom !== '') scopes.push(`repository:${req.mountFrom}:pull`);
  return mergeScopes(scopes);
}

/** Splits `type:name:actions` at the first and last colon; `undefined` when a part is missing. */
export function parseScope(scope: string): ScopeParts | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last <= first + 1 || last === scope.length - 1) return undefined;
  const actions = scope
    .slice(last + 1)
    .split(',')
    .filter((a) => a !== '');
  if (actions.length === 0) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions };
}

/**
 * Merges scope lists into one canonical list: one entry per `type:name` with the union of its
 * actions (sorted), entries sorted. Strings that are not `type:name:actions` are kept verbatim
 * (deduplicated), since a server may use a form this client does not know.
 */
export function mergeScopes(...lists: readonly (readonly string[])[]): string[] {
  const byResource = new Map<string, Set<string>>();
  const opaque = new Set<string>();
  for (const list of lists) {
    for (const raw of list) {
      for (const scope of raw.split(' ')) {
        if (scope === '') continue;
        const parts = parseScope(scope);
        if (!parts) {
          opaque.add(scope);
          continue;
        }
        const resource = `${parts.type}:${parts.name}`;
        let actions = byResource.get(resource);
        if (!actions) byResource.set(resource, (actions = new Set()));
        for (const a of parts.actions) actions.add(a);
      }
    }
  }
  const merged = [...byResource].map(([resource, actions]) => `${resource}:${[...actions].sort().join(',')}`);
  return [...merged, ...opaque].sort();
}

/** A cache key for a scope set: equal for sets that ask for the same access. */
export function scopeKey(scopes: readonly string[]): string {
  return mergeScopes(scopes).join(' ');
}

/** True when `granted` asks for at least everything `wanted` asks for. */
export function coversScopes(granted: readonly string[], wanted: readonly string[]): boolean {
  return scopeKey(mergeScopes(granted, wanted)) === scopeKey(granted);
}

/** The access a scope set asks for in words ("pull and push repository a/b", "the catalog"). */
export function describeScopes(scopes: readonly string[]): string {
  const parts = mergeScopes(scopes).map((scope) => {
    const p = parseScope(scope);
    if (!p) return scope;
    if (p.type === 'registry' && p.name === 'catalog') return 'the catalog';
    const actions = p.actions.includes('*') ? 'full access to' : p.actions.join(' and ');
    return `${actions} ${p.type} ${p.name}`;
  });
  return parts.length === 0 ? 'the registry' : parts.join(', ');
}
