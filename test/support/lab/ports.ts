// Free loopback ports for lab servers. There is a small race between closing the probe socket and
// the real server binding the port; callers that spawn a server retry on "address in use".
import * as net from 'node:net';
import type { LoopbackAddress } from './addresses';

/** Asks the kernel for an unused TCP port on a loopback address (default 127.0.0.1) and releases it again. */
export function freePort(address: LoopbackAddress = '127.0.0.1'): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen({ host: address, port: 0, exclusive: true, ipv6Only: address === '::1' }, () => {
      const bound = probe.address();
      if (bound === null || typeof bound === 'string') {
        probe.close();
        reject(new Error('freePort: the probe socket has no TCP address'));
        return;
      }
      const { port } = bound;
      probe.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/** True when nothing accepts connections on address:port (used before picking a fixed port). */
export function isPortFree(port: number, address: LoopbackAddress = '127.0.0.1'): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', () => resolve(false));
    probe.listen({ host: address, port, exclusive: true, ipv6Only: address === '::1' }, () => probe.close(() => resolve(true)));
  });
}
