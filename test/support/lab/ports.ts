// Free loopback ports for lab servers. There is a small race between closing the probe socket and
// the real server binding the port; callers that spawn a server retry on "address in use".
import * as net from 'node:net';

/** Asks the kernel for an unused TCP port on 127.0.0.1 and releases it again. */
export function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = probe.address();
      if (address === null || typeof address === 'string') {
        probe.close();
        reject(new Error('freePort: the probe socket has no TCP address'));
        return;
      }
      const { port } = address;
      probe.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/** True when nothing accepts connections on 127.0.0.1:port (used before picking a fixed port). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', () => resolve(false));
    probe.listen({ host: '127.0.0.1', port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
