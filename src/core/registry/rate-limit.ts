/**
 * The pull rate limit a registry reports on its answers: Docker Hub sends `ratelimit-limit` and
 * `ratelimit-remaining` (`100;w=21600`: 100 pulls per 21,600 s window) on manifest requests, see
 * https://docs.docker.com/docker-hub/usage/pulls/ ("View pull rate and limit"). The session keeps
 * the latest per registry, for the registry's row in the tree.
 */

export interface PullRateLimit {
  /** Pulls allowed in a window. */
  limit: number;
  /** Pulls left in the current window. */
  remaining: number;
  /** The window's length in seconds, when the registry said. */
  windowSeconds?: number;
  /** When the answer that said so arrived (ms since the epoch). */
  seenAt: number;
}

/** `100;w=21600` → 100 and 21600; undefined for anything else. */
function parseQuota(value: string | undefined): { count: number; window?: number } | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*(\d{1,12})\s*(?:;\s*w\s*=\s*(\d{1,12})\s*)?$/i.exec(value);
  if (!match) return undefined;
  const count = Number(match[1]);
  const window = match[2] === undefined ? undefined : Number(match[2]);
  return { count, ...(window !== undefined && window > 0 ? { window } : {}) };
}

/** The limit a response reports, or undefined when it reports none (or nothing readable). */
export function pullRateLimitOf(headers: Record<string, string | string[] | undefined>, now = Date.now()): PullRateLimit | undefined {
  const one = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const limit = parseQuota(one('ratelimit-limit'));
  const remaining = parseQuota(one('ratelimit-remaining'));
  if (!limit || !remaining || remaining.count > limit.count) return undefined;
  const windowSeconds = limit.window ?? remaining.window;
  return { limit: limit.count, remaining: remaining.count, ...(windowSeconds !== undefined ? { windowSeconds } : {}), seenAt: now };
}
