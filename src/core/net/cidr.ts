/**
 * Insecure-registry entries, Docker style: an exact `host[:port]` or a CIDR range (IPv4 or IPv6).
 * Loopback (`127.0.0.0/8`, `::1`) and `localhost` are always insecure.
 *
 * Everything here is pure: a hostname matches a CIDR only through addresses the caller resolved.
 * IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) match IPv4 ranges and IPv4 host entries.
 */
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { failer, type Fail } from '../errors';
import { formatIp, hostKey, isMappedV4, parseIp } from './addresses';

// The address helpers live with the transport (net/addresses.ts); the settings parsers here reuse them.
export { formatIp, hostKey, parseIp } from './addresses';

/** A CIDR range; `network` is the canonical address with host bits cleared. */
export interface CidrEntry {
  kind: 'cidr';
  family: 4 | 6;
  network: string;
  prefix: number;
}

/** An exact host; `host` is lowercased, IPv6 without brackets, IPs in canonical form. */
export interface HostEntry {
  kind: 'host';
  host: string;
  /** When absent the entry matches only references that name no port (Docker semantics). */
  port?: number;
}

/** One parsed insecure-registry entry. */
export type InsecureEntry = CidrEntry | HostEntry;

const CODE = 'INVALID_INSECURE_ENTRY';

/** Checks a DNS host name in `s[start..end)`: labels of letters, digits and inner `-`. @internal */
export function checkHostname(s: string, start: number, end: number, fail: Fail): void {
  if (start >= end) fail('the host name is empty', start);
  let label = start;
  for (let i = start; i < end; i++) {
    const c = s[i]!;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) continue;
    if (c === '-' && i !== label) continue;
    if (c === '.' && i !== label && s[i - 1] !== '-') {
      label = i + 1;
      continue;
    }
    fail(
      c === '.' || c === '-'
        ? 'host name labels must start and end with a letter or digit'
        : 'host names may contain only letters, digits, "-" and "."',
      c === '.' && s[i - 1] === '-' ? i - 1 : i,
    );
  }
  if (s[end - 1] === '-') fail('host name labels must start and end with a letter or digit', end - 1);
  // A name whose last label is numeric is read as an IPv4 address by URL parsers (and resolvers);
  // a trailing dot does not change that ("1." is the address 0.0.0.1), so look past it.
  const name = s.slice(start, s[end - 1] === '.' ? end - 1 : end);
  const last = name.slice(name.lastIndexOf('.') + 1);
  if (/^[0-9]+$/.test(last) && !isIPv4(name)) {
    fail(`${JSON.stringify(s.slice(start, end))} looks like an IPv4 address but is not a valid one`, start);
  }
}

/** Parses a decimal port 1–65535 in `s[start..end)`. @internal */
export function parsePortAt(s: string, start: number, end: number, fail: Fail): number {
  if (start >= end) fail('the port is empty', start);
  for (let i = start; i < end; i++) {
    const c = s[i]!;
    if (c < '0' || c > '9') fail('a port is a number from 1 to 65535', i);
  }
  if (s[start] === '0') fail('a port is a number from 1 to 65535 without leading zeros', start);
  if (end - start > 5 || Number(s.slice(start, end)) > 65535) fail(`port ${s.slice(start, end)} is out of range (1-65535)`, start);
  return Number(s.slice(start, end));
}

function maskBytes(b: Uint8Array, prefix: number): Uint8Array {
  const out = Uint8Array.from(b);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - 8 * i));
    out[i]! &= keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
  }
  return out;
}

function parseCidrAt(s: string, start: number, end: number, fail: Fail): CidrEntry {
  const slash = s.indexOf('/', start);
  let addr = s.slice(start, slash);
  let addrAt = start;
  if (addr.startsWith('[') && addr.endsWith(']') && addr.length > 2) {
    addr = addr.slice(1, -1);
    addrAt++;
  }
  const family = isIP(addr);
  if (family === 0 || addr.includes('%')) {
    const bad = [...addr].findIndex((c) => !/[0-9A-Fa-f.:]/.test(c));
    fail(`${JSON.stringify(addr)} before "/" is not an IPv4 or IPv6 address`, bad >= 0 ? addrAt + bad : addrAt);
  }
  const max = family === 4 ? 32 : 128;
  const pAt = slash + 1;
  if (pAt >= end) fail(`the prefix length after "/" is empty`, pAt);
  for (let i = pAt; i < end; i++) if (s[i]! < '0' || s[i]! > '9') fail(`the prefix length is a number from 0 to ${max}`, i);
  if (s[pAt] === '0' && end - pAt > 1) fail('the prefix length cannot have leading zeros', pAt);
  const prefix = end - pAt > 3 ? Infinity : Number(s.slice(pAt, end));
  if (prefix > max) fail(`prefix length ${s.slice(pAt, end)} is larger than ${max} for an IPv${family} address`, pAt);
  return { kind: 'cidr', family: family as 4 | 6, network: formatIp(maskBytes(parseIp(addr)!, prefix)), prefix };
}

/**
 * Parses a CIDR range such as `10.0.0.0/8`, `fd00::/8` or `::1/128` (host bits are cleared).
 * @throws ParseError naming the offending character.
 */
export function parseCidr(s: string): CidrEntry {
  const fail: Fail = failer(s, 'CIDR range', CODE, { pointAt: true });
  if (!s.includes('/')) fail('expected "<address>/<prefix length>"', undefined);
  return parseCidrAt(s, 0, s.length, fail);
}

/**
 * Parses one insecure-registry entry: a CIDR (`10.0.0.0/8`, `fd00::/8`) or `host[:port]` where host
 * is a DNS name, an IPv4 address or an IPv6 address (bracketed when a port follows). Surrounding
 * whitespace is ignored.
 * @throws ParseError naming the offending character and its position.
 */
export function parseInsecureEntry(s: string): InsecureEntry {
  const fail: Fail = failer(s, 'insecure registry entry', CODE, { pointAt: true });
  let start = 0;
  let end = s.length;
  while (start < end && /\s/.test(s[start]!)) start++;
  while (end > start && /\s/.test(s[end - 1]!)) end--;
  if (start === end) fail('it is empty; expected "host[:port]" or a CIDR range such as "10.0.0.0/8"', undefined);
  const scheme = s.indexOf('://', start);
  if (scheme >= 0 && scheme < end) fail('write the host without a scheme such as "http://"', scheme);
  const slash = s.indexOf('/', start);
  if (slash >= 0 && slash < end) return parseCidrAt(s, start, end, fail);

  if (s[start] === '[') {
    const close = s.indexOf(']', start);
    if (close < 0) fail(`the "[" at position ${start} has no closing "]"`, start);
    const addr = s.slice(start + 1, close);
    if (!isIPv6(addr) || addr.includes('%')) fail(`${JSON.stringify(addr)} in brackets is not an IPv6 address`, start + 1);
    const host = formatIp(parseIp(addr)!);
    if (close + 1 === end) return { kind: 'host', host };
    if (s[close + 1] !== ':') fail('expected ":" and a port after "]"', close + 1);
    return { kind: 'host', host, port: parsePortAt(s, close + 2, end, fail) };
  }
  const text = s.slice(start, end);
  if (isIPv6(text) && !text.includes('%')) return { kind: 'host', host: formatIp(parseIp(text)!) };
  const colon = s.indexOf(':', start);
  const hostEnd = colon >= 0 ? colon : end;
  checkHostname(s, start, hostEnd, fail);
  const entry: HostEntry = { kind: 'host', host: hostKey(s.slice(start, hostEnd)) };
  if (colon >= 0) entry.port = parsePortAt(s, colon + 1, end, fail);
  return entry;
}

/** Writes an entry back in the form {@link parseInsecureEntry} reads. */
export function formatInsecureEntry(e: InsecureEntry): string {
  if (e.kind === 'cidr') return `${e.network}/${e.prefix}`;
  const host = e.host.includes(':') ? `[${e.host}]` : e.host;
  return e.port === undefined ? host : `${host}:${e.port}`;
}

/**
 * True when `ip` lies in `cidr`. IPv4-mapped IPv6 addresses count as their IPv4 address and vice
 * versa; anything that is not an IP address is never contained.
 * @throws ParseError when `cidr` is a malformed string.
 */
export function cidrContains(cidr: CidrEntry | string, ip: string): boolean {
  const range = typeof cidr === 'string' ? parseCidr(cidr) : cidr;
  let addr = parseIp(ip);
  if (addr === undefined) return false;
  if (range.family === 4 && addr.length === 16) {
    if (!isMappedV4(addr)) return false;
    addr = addr.subarray(12);
  } else if (range.family === 6 && addr.length === 4) {
    addr = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...addr]);
  }
  const net = parseIp(range.network);
  if (net === undefined || net.length !== addr.length) return false;
  const masked = maskBytes(addr, range.prefix);
  const want = maskBytes(net, range.prefix);
  return masked.every((b, i) => b === want[i]);
}

/** True for `localhost`, `127.0.0.0/8`, `::1` and their IPv4-mapped forms (brackets allowed). */
export function isAlwaysInsecure(host: string): boolean {
  const key = hostKey(host);
  if (key === 'localhost') return true;
  const ip = parseIp(key);
  if (ip === undefined) return false;
  return ip.length === 4 ? ip[0] === 127 : formatIp(ip) === '::1';
}

/**
 * Decides whether a registry is insecure: always for loopback and `localhost`; for a host entry
 * when host and port both match (an entry without a port matches only a registry written without
 * one, or with https's default 443: `host` and `host:443` are one registry); for a CIDR entry when the hostname is an IP in it or one of `resolvedAddresses`
 * (which the caller looked up) is. A hostname resolving to loopback is insecure too.
 */
export function matchInsecure(
  entries: readonly InsecureEntry[],
  hostname: string,
  port: number | undefined,
  resolvedAddresses: readonly string[] = [],
): boolean {
  if (isAlwaysInsecure(hostname) || resolvedAddresses.some((a) => parseIp(a) !== undefined && isAlwaysInsecure(a))) return true;
  const key = hostKey(hostname);
  const addresses = parseIp(hostname) !== undefined ? [hostname] : resolvedAddresses;
  return entries.some((e) =>
    e.kind === 'host' ? hostKey(e.host) === key && (e.port ?? 443) === (port ?? 443) : addresses.some((a) => cidrContains(e, a)),
  );
}
