/**
 * `NO_PROXY` lists, matched the way Go's `net/http/httpproxy` (Docker, containerd) does, which curl
 * agrees with except for a leading dot: entries separated by commas or spaces; `*` alone matches
 * every host; an IP address or a CIDR range matches IP hosts in it; `example.com` matches that name
 * and every name under it; `.example.com` and `*.example.com` match only names under it; a `:port`
 * limits an entry to that port. Names are compared in lower case without a trailing dot; nothing here
 * resolves a name. (undici's own matcher and proxy-from-env lack subdomains of a bare name and CIDR
 * ranges, and read only `process.env`.)
 */
import { cidrContains, parseCidr, type CidrEntry } from './cidr';
import { hostKey, parseIp } from './addresses';

export type NoProxyEntry =
  | { kind: 'all'; raw: string }
  | { kind: 'cidr'; raw: string; range: CidrEntry }
  | { kind: 'ip'; raw: string; ip: string; port?: number }
  | { kind: 'name'; raw: string; name: string; subdomainsOnly: boolean; port?: number };

/** Splits `host[:port]` where host may be a bracketed IPv6 address, or a bare one without a port. */
function splitEntry(text: string): { host: string; port?: number } | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, ...(bracketed[2] ? { port: Number(bracketed[2]) } : {}) };
  if (parseIp(text) !== undefined) return { host: text };
  const withPort = /^([^:]+):(\d{1,5})$/.exec(text);
  if (withPort) return { host: withPort[1]!, port: Number(withPort[2]) };
  return text.includes(':') ? undefined : { host: text };
}

/**
 * Parses a list (a string as in the environment, or the entries of a setting). Entries that are not
 * hosts, IPs or ranges are returned in `ignored` so a plan can say so; they match nothing.
 */
export function parseNoProxy(list: string | readonly string[]): { entries: NoProxyEntry[]; ignored: string[] } {
  const texts = (typeof list === 'string' ? [list] : list).flatMap((l) => l.split(/[\s,]+/)).filter((t) => t !== '');
  const entries: NoProxyEntry[] = [];
  const ignored: string[] = [];
  for (const raw of texts) {
    if (raw === '*') {
      entries.push({ kind: 'all', raw });
      continue;
    }
    if (raw.includes('/')) {
      try {
        entries.push({ kind: 'cidr', raw, range: parseCidr(raw) });
      } catch {
        ignored.push(raw);
      }
      continue;
    }
    const split = splitEntry(raw);
    const port = split?.port;
    if (split === undefined || (port !== undefined && (port < 1 || port > 65535))) {
      ignored.push(raw);
      continue;
    }
    const portPart = port !== undefined ? { port } : {};
    if (parseIp(split.host) !== undefined) {
      entries.push({ kind: 'ip', raw, ip: hostKey(split.host), ...portPart });
      continue;
    }
    let name = split.host.toLowerCase();
    let subdomainsOnly = false;
    if (name.startsWith('*.')) name = name.slice(1);
    if (name.startsWith('.')) {
      subdomainsOnly = true;
      name = name.slice(1);
    }
    name = hostKey(name);
    if (name === '' || !/^[a-z0-9_.-]+$/.test(name)) {
      ignored.push(raw);
      continue;
    }
    entries.push({ kind: 'name', raw, name, subdomainsOnly, ...portPart });
  }
  return { entries, ignored };
}

/**
 * The first entry that sends `hostname` (no brackets needed) on `port` (the URL's, or its scheme's
 * default) direct, or undefined when none does.
 */
export function matchNoProxy(entries: readonly NoProxyEntry[], hostname: string, port: number): NoProxyEntry | undefined {
  const key = hostKey(hostname);
  const isIp = parseIp(key) !== undefined;
  return entries.find((e) => {
    switch (e.kind) {
      case 'all':
        return true;
      case 'cidr':
        return isIp && cidrContains(e.range, key);
      case 'ip':
        return isIp && e.ip === key && (e.port === undefined || e.port === port);
      case 'name':
        if (isIp || (e.port !== undefined && e.port !== port)) return false;
        return key.endsWith(`.${e.name}`) || (!e.subdomainsOnly && key === e.name);
    }
  });
}
