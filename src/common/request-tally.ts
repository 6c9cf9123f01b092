/**
 * What browsing costs, in the log: the tree asks for a count of the requests about a repository (or
 * the catalog) when it expands or draws it, and one line is written once the requests have stopped
 * for a moment: `localhost:5000/bulk/tags: 32 requests (1 GET tags list, 31 HEAD manifest)`. A
 * registry with rate limits counts these (Docker Hub counts manifest GETs), so the cost of an
 * expansion is there to see without turning on the Debug level.
 */

/** What a request was about, from its URL: a repository's tags, manifests, blobs or referrers, or the catalog. */
export interface RequestTarget {
  /** `team/app`; `undefined` for the catalog. */
  repository: string | undefined;
  resource: 'catalog' | 'tags list' | 'manifest' | 'blob' | 'referrers';
}

const REPOSITORY_REQUEST = /^\/v2\/(.+)\/(tags\/list|manifests\/[^/]+|blobs\/[^/]+|referrers\/[^/]+)$/;

export function requestTarget(url: string): RequestTarget | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  if (path === '/v2/_catalog') return { repository: undefined, resource: 'catalog' };
  const match = REPOSITORY_REQUEST.exec(path);
  if (!match) return undefined;
  const kind = match[2]!.slice(0, match[2]!.indexOf('/'));
  const resource = kind === 'tags' ? 'tags list' : kind === 'manifests' ? 'manifest' : kind === 'blobs' ? 'blob' : 'referrers';
  return { repository: decodeURIComponent(match[1]!), resource };
}

interface OpenTally {
  label: string;
  counts: Map<string, number>;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class RequestTally {
  /** Open counts by repository ('' for the catalog). */
  private readonly open = new Map<string, OpenTally>();

  constructor(
    private readonly write: (line: string) => void,
    /** How long without a request ends a count. */
    private readonly quietMs = 1500,
  ) {}

  /** Counts the requests about `repository` (`undefined`: the catalog) until they stop; `label` names it in the log. */
  watch(repository: string | undefined, label: string): void {
    const key = repository ?? '';
    let tally = this.open.get(key);
    if (!tally) {
      tally = { label, counts: new Map(), timer: undefined };
      this.open.set(key, tally);
    }
    this.arm(key, tally);
  }

  /** One request the session made (from its request log). */
  record(method: string, url: string): void {
    const target = requestTarget(url);
    if (!target) return;
    const key = target.repository ?? '';
    const tally = this.open.get(key);
    if (!tally) return;
    const what = `${method} ${target.resource}`;
    tally.counts.set(what, (tally.counts.get(what) ?? 0) + 1);
    this.arm(key, tally);
  }

  /** Writes every open count now (the session is closing). */
  flush(): void {
    for (const key of [...this.open.keys()]) this.close(key);
  }

  private arm(key: string, tally: OpenTally): void {
    if (tally.timer) clearTimeout(tally.timer);
    tally.timer = setTimeout(() => this.close(key), this.quietMs);
    tally.timer.unref?.();
  }

  private close(key: string): void {
    const tally = this.open.get(key);
    if (!tally) return;
    this.open.delete(key);
    if (tally.timer) clearTimeout(tally.timer);
    const total = [...tally.counts.values()].reduce((a, b) => a + b, 0);
    if (total === 0) return;
    const parts = [...tally.counts].map(([what, n]) => `${n} ${what}`).join(', ');
    this.write(`${tally.label}: ${total} request${total === 1 ? '' : 's'} to the registry (${parts})`);
  }
}
