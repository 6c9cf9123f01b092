// The lab's loopback addresses: 127.0.0.1 and the rest of 127.0.0.0/8 (Linux answers on the whole
// block without any setup), and [::1]. Servers on different addresses are different hosts to the
// client under test, even on the same port, so the lab can tell hosts apart without leaving the
// machine. Anything outside loopback is refused here, before a socket is made.
import * as net from 'node:net';

/** An IPv4 loopback address (127.x.y.z) or the IPv6 one. */
export type LoopbackAddress = '::1' | `127.${number}.${number}.${number}`;

/** 127.0.0.0/8 in dotted form, or ::1 (as a URL's hostname shows it, brackets allowed). */
export function isLoopbackAddress(address: string): address is LoopbackAddress {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (bare === '::1') return true;
  const parts = bare.split('.');
  return parts.length === 4 && parts[0] === '127' && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** Throws unless `address` is on loopback: the lab never listens or connects anywhere else. */
export function requireLoopback(address: string, what: string): LoopbackAddress {
  if (!isLoopbackAddress(address)) throw new Error(`lab: ${what} ${address} is not a loopback address (127.0.0.0/8 or ::1)`);
  return address;
}

/** `address:port` as a URL's authority writes it: `127.0.0.2:5000`, `[::1]:5000`. */
export function hostPort(address: LoopbackAddress, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function listenOnce(address: LoopbackAddress, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', () => resolve(undefined));
    probe.listen({ host: address, port, exclusive: true, ipv6Only: address === '::1' }, () => {
      const bound = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(bound));
    });
  });
}

/** Whether a server can listen on `address` here (127.0.0.2 is not there on macOS without an alias). */
export async function canListenOn(address: LoopbackAddress): Promise<boolean> {
  return (await listenOnce(address, 0)) !== undefined;
}

/**
 * A port free on every one of `addresses` at once, so that servers on different addresses can
 * share it (only the address then tells them apart). Raced like any free port: callers retry.
 */
export async function portFreeOnAll(addresses: readonly LoopbackAddress[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenOnce(addresses[0]!, 0);
    if (port === undefined) break;
    const others = await Promise.all(addresses.slice(1).map((a) => listenOnce(a, port)));
    if (others.every((p) => p === port)) return port;
  }
  throw new Error(`lab: found no port free on all of ${addresses.join(', ')}`);
}
