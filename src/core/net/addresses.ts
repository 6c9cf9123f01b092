/**
 * Network addresses and host names as the transport needs them: IP bytes and their canonical
 * text, the one canonical key for `host[:port]` that every per-host lookup uses, and which hosts
 * are on the user's own network (loopback, private, link-local and other non-public addresses,
 * and names that only resolve locally). Pure: nothing here resolves a name.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** The bytes of an IPv4 (4) or IPv6 (16) address; brackets and a `%zone` are ignored. */
export function parseIp(s: string): Uint8Array | undefined {
  let a = s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s;
  if (isIPv4(a)) return Uint8Array.from(a.split('.').map(Number));
  if (!isIPv6(a)) return undefined;
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  const words: number[] = [];
  const parseHalf = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const b = g.split('.').map(Number);
        out.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
      } else out.push(parseInt(g, 16));
    }
    return out;
  };
  const dbl = a.indexOf('::');
  if (dbl >= 0) {
    const head = parseHalf(a.slice(0, dbl));
    const tail = parseHalf(a.slice(dbl + 2));
    words.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  } else words.push(...parseHalf(a));
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return bytes;
}

/** True for an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`). */
export const isMappedV4 = (b: Uint8Array): boolean =>
  b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

/** Canonical text of an address: dotted IPv4, or RFC 5952 IPv6 (`::ffff:a.b.c.d` when mapped). */
export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  if (isMappedV4(b)) return `::ffff:${Array.from(b.subarray(12)).join('.')}`;
  const words = Array.from({ length: 8 }, (_, i) => (b[2 * i]! << 8) | b[2 * i + 1]!);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) [bestAt, bestLen] = [i, j - i];
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

/**
 * A comparable form of a host name or IP (no port): lowercased, brackets and a trailing dot
 * removed, IPs in canonical form with IPv4-mapped IPv6 written as IPv4.
 */
export function hostKey(host: string): string {
  const ip = parseIp(host);
  if (ip !== undefined) return formatIp(isMappedV4(ip) ? ip.subarray(12) : ip);
  const h = host.toLowerCase();
  return h.endsWith('.') && h.length > 1 ? h.slice(0, -1) : h;
}

/**
 * The one key for `host[:port]` as a URL would reach it, used by every per-host lookup (host
 * directories, settings, insecure entries, credentials, connections): lowercased, IPv4 in dotted
 * form (`2130706433` → `127.0.0.1`), IPv6 compressed in brackets (`[0:0:0:0:0:0:0:1]` → `[::1]`),
 * international names in punycode, the trailing dot of a fully qualified name dropped
 * (`host.` → `host`, as hostKey and NO_PROXY matching read it), and the scheme's default port
 * dropped (`host:443` → `host` for https). Text that is not a host is returned lowercased, so it
 * matches nothing real.
 */
export function canonicalHost(hostPort: string, scheme: 'https' | 'http' = 'https'): string {
  const text = hostPort.trim();
  // Only host[:port] is accepted: anything that would make the URL parser read a path, a query or userinfo is not a host.
  if (text === '' || /[/?#@\\\s]/.test(text)) return text.toLowerCase();
  try {
    const url = new URL(`${scheme}://${text}`);
    const name = url.hostname.length > 1 && url.hostname.endsWith('.') ? url.hostname.slice(0, -1) : url.hostname;
    return url.port === '' ? name : `${name}:${url.port}`;
  } catch {
    return text.toLowerCase();
  }
}

/** An address range as its first bytes and prefix length. */
interface Range {
  bytes: number[];
  prefix: number;
}

const v4 = (text: string, prefix: number): Range => ({ bytes: text.split('.').map(Number), prefix });
const v6 = (words: number[], prefix: number): Range => ({ bytes: words.flatMap((w) => [w >> 8, w & 0xff]), prefix });

/**
 * IPv4 ranges that are not publicly routable (IANA special-purpose registry): "this network",
 * RFC 1918, shared (CGN), loopback, link-local, IETF protocol assignments, documentation,
 * benchmarking, multicast, reserved and broadcast.
 */
const NON_PUBLIC_V4: readonly Range[] = [
  v4('0.0.0.0', 8),
  v4('10.0.0.0', 8),
  v4('100.64.0.0', 10),
  v4('127.0.0.0', 8),
  v4('169.254.0.0', 16),
  v4('172.16.0.0', 12),
  v4('192.0.0.0', 24),
  v4('192.0.2.0', 24),
  v4('192.168.0.0', 16),
  v4('198.18.0.0', 15),
  v4('198.51.100.0', 24),
  v4('203.0.113.0', 24),
  v4('224.0.0.0', 4),
  v4('240.0.0.0', 4),
];

/**
 * IPv6 ranges that are not publicly routable: the IPv4-compatible block (with `::` and `::1`), the
 * local-use NAT64 prefix, discard-only, documentation, unique-local, link-local, site-local and
 * multicast. Forms that embed an IPv4 address are judged by that address (see {@link embeddedV4}).
 */
const NON_PUBLIC_V6: readonly Range[] = [
  v6([0, 0, 0, 0, 0, 0], 96),
  v6([0x64, 0xff9b, 1], 48),
  v6([0x100, 0, 0, 0], 64),
  v6([0x2001, 0xdb8], 32),
  v6([0xfc00], 7),
  v6([0xfe80], 10),
  v6([0xfec0], 10),
  v6([0xff00], 8),
];

function inRange(b: Uint8Array, range: Range): boolean {
  for (let bit = 0; bit < range.prefix; bit += 8) {
    const bits = Math.min(8, range.prefix - bit);
    const mask = (0xff << (8 - bits)) & 0xff;
    if (((b[bit / 8] ?? 0) & mask) !== ((range.bytes[bit / 8] ?? 0) & mask)) return false;
  }
  return true;
}

/**
 * The IPv4 address inside an IPv6 form that carries one to an IPv4 host: IPv4-mapped
 * (`::ffff:a.b.c.d`), NAT64 well-known prefix (`64:ff9b::a.b.c.d`) and 6to4 (`2002:AABB:CCDD::`).
 */
function embeddedV4(b: Uint8Array): Uint8Array | undefined {
  if (isMappedV4(b)) return b.subarray(12);
  if (inRange(b, v6([0x64, 0xff9b, 0, 0, 0, 0], 96))) return b.subarray(12);
  if (inRange(b, v6([0x2002], 16))) return b.subarray(2, 6);
  return undefined;
}

/** True when an address is globally routable, i.e. not on the user's own network or reserved. */
export function isPublicAddress(b: Uint8Array): boolean {
  if (b.length === 4) return !NON_PUBLIC_V4.some((r) => inRange(b, r));
  const inner = embeddedV4(b);
  if (inner !== undefined) return isPublicAddress(inner);
  return !NON_PUBLIC_V6.some((r) => inRange(b, r));
}

/**
 * Name suffixes that only ever resolve on the user's own network: `localhost` (RFC 6761), mDNS
 * `local` (RFC 6762), `home.arpa` (RFC 8375), `internal` (reserved for private use by ICANN), and
 * names ICANN will not delegate or that home routers hand out (`corp`, `home`, `lan`).
 */
const LOCAL_SUFFIXES = ['localhost', 'local', 'home.arpa', 'internal', 'corp', 'home', 'lan'];

/**
 * True for a host on the user's own network, judged from the name alone: a non-public IP literal
 * (in any form a URL accepts once parsed, brackets allowed), a locally resolved name (see
 * {@link LOCAL_SUFFIXES}), or a single-label name (resolved through the machine's search domains,
 * so an intranet host). A public-looking name is not resolved here.
 */
export function isPrivateHost(hostname: string): boolean {
  const key = hostKey(hostname);
  const ip = parseIp(key);
  if (ip !== undefined) return !isPublicAddress(ip);
  if (key === '' || !key.includes('.')) return true;
  return LOCAL_SUFFIXES.some((suffix) => key === suffix || key.endsWith(`.${suffix}`));
}

/**
 * True for `host[:port]` made only of a DNS name (letters, digits, inner `-`, dot-separated labels),
 * an IPv4 address or a bracketed IPv6 address, and an optional port: safe to use as a file name in
 * a host directory (never `.`, `..` or anything with a separator).
 */
export function isHostName(hostPort: string): boolean {
  const match =
    /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?)(?::(\d{1,5}))?$/.exec(
      hostPort,
    );
  if (!match) return false;
  const host = match[1]!;
  if (host.startsWith('[') && parseIp(host) === undefined) return false;
  return match[2] === undefined || (Number(match[2]) >= 1 && Number(match[2]) <= 65535);
}
