/**
 * Resolve rules in the style of ORAS `--resolve`: `host:port:address[:address_port]` sends
 * connections for `host:port` to `address:address_port` instead of what DNS says. Only the TCP
 * target changes; the Host header and TLS server name stay `host`.
 *
 * Unlike ORAS, IPv6 works: bracket it, as the address (`[::1]`) or as the host
 * (`[fd00::5]:5000:[::1]`).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { failer, type Fail } from '../errors';
import { checkHostname, formatIp, hostKey, parseIp, parsePortAt } from '../net/cidr';

/** One resolve rule. `host` is lowercased (IPv6 without brackets); `address` is a canonical IP. */
export interface ResolveRule {
  host: string;
  port: number;
  address: string;
  addressPort: number;
}

const CODE = 'INVALID_RESOLVE_RULE';
const FORM = '"host:port:address[:address_port]"';

/**
 * Parses `host:port:address[:address_port]`; `address_port` defaults to `port`.
 * @example parseResolveRule('registry.local:443:[::1]:8443')
 *   // { host: 'registry.local', port: 443, address: '::1', addressPort: 8443 }
 * @throws ParseError naming the offending character and its position.
 */
export function parseResolveRule(s: string): ResolveRule {
  const fail: Fail = failer(s, 'resolve rule', CODE, { pointAt: true });
  if (s === '') fail(`it is empty; expected ${FORM}`);

  // Split on ":" outside brackets, remembering where each field starts.
  const fields: { start: number; end: number }[] = [];
  let i = 0;
  for (;;) {
    const start = i;
    if (s[i] === '[') {
      const close = s.indexOf(']', i);
      if (close < 0) fail(`the "[" at position ${i} has no closing "]"`, i);
      i = close + 1;
      if (i < s.length && s[i] !== ':') fail('expected ":" after "]"', i);
    } else {
      while (i < s.length && s[i] !== ':') {
        if (s[i] === '[' || s[i] === ']') fail('brackets may only surround a whole IPv6 address', i);
        i++;
      }
    }
    fields.push({ start, end: i });
    if (i >= s.length) break;
    if (fields.length === 4) fail(`too many ":"-separated fields; expected ${FORM} with IPv6 addresses in brackets`, i);
    i++;
  }
  if (fields.length < 3) fail(`expected ${FORM} but found only ${fields.length} field${fields.length === 1 ? '' : 's'}`);

  const [h, p, a, ap] = fields as [
    (typeof fields)[number],
    (typeof fields)[number],
    (typeof fields)[number],
    (typeof fields)[number] | undefined,
  ];
  let host: string;
  if (s[h.start] === '[') {
    const inner = s.slice(h.start + 1, h.end - 1);
    if (!isIPv6(inner) || inner.includes('%')) fail(`${JSON.stringify(inner)} in brackets is not an IPv6 address`, h.start + 1);
    host = formatIp(parseIp(inner)!);
  } else {
    checkHostname(s, h.start, h.end, fail);
    host = hostKey(s.slice(h.start, h.end));
  }
  const port = parsePortAt(s, p.start, p.end, fail);

  if (a.start >= a.end) fail('the address is empty', a.start);
  let address: string;
  const text = s.slice(a.start, a.end);
  if (text.startsWith('[')) {
    const inner = text.slice(1, -1);
    if (!isIPv6(inner) || inner.includes('%')) fail(`${JSON.stringify(inner)} in brackets is not an IPv6 address`, a.start + 1);
    address = formatIp(parseIp(inner)!);
  } else if (isIPv4(text)) {
    address = text;
  } else {
    fail(`the address ${JSON.stringify(text)} must be an IP address (IPv4, or IPv6 in brackets)`, a.start);
  }
  const addressPort = ap === undefined ? port : parsePortAt(s, ap.start, ap.end, fail);
  return { host, port, address, addressPort };
}

/** Writes a rule back as `host:port:address:address_port`, bracketing IPv6. */
export function formatResolveRule(rule: ResolveRule): string {
  const b = (x: string): string => (x.includes(':') ? `[${x}]` : x);
  return `${b(rule.host)}:${rule.port}:${b(rule.address)}:${rule.addressPort}`;
}

/**
 * The rule for the dial target `host:port` (use 443 or 80 when the reference names no port), or
 * `undefined`. Host names compare case-insensitively and IPs by value; the last matching rule wins.
 */
export function findResolveRule(rules: readonly ResolveRule[], host: string, port: number): ResolveRule | undefined {
  const key = hostKey(host);
  for (let i = rules.length - 1; i >= 0; i--) {
    const r = rules[i]!;
    if (r.port === port && hostKey(r.host) === key) return r;
  }
  return undefined;
}
