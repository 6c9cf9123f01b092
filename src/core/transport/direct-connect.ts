/**
 * The connections of the transport's own client (direct-client.ts): made as undici's connector
 * makes them for the same options (TLS context, server name, certificate check against the URL's
 * name, dial target of a resolve rule, time limit), with every read going to the connection's own
 * buffers (read-slots.ts).
 */
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { checkServerIdentity, connect as connectTls, type PeerCertificate } from 'node:tls';
import type { ConnectionOptions } from './connection-options';
import { describeTimeout } from './network-errors';
import { ReadSlots, setReadSlots } from './read-slots';
import { secureContextFor } from './tls-context';

/** Opens a connection to `url`'s origin as undici's connector would for these options. */
export function connectDirect(url: URL, options: ConnectionOptions, signal: AbortSignal | undefined): Promise<Socket> {
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const https = url.protocol === 'https:';
  // A resolve rule moves only the TCP target: the TLS name and the certificate check stay the URL's.
  const target = options.connectTo ?? { address: hostname, port: Number(url.port || (https ? 443 : 80)) };
  const timeoutMs = options.connectTimeoutMs ?? 30_000;
  const slots = new ReadSlots();
  const onread = { buffer: slots.next, callback: slots.read };
  return new Promise<Socket>((resolve, reject) => {
    const socket: Socket = https
      ? connectTls({
          host: target.address,
          port: target.port,
          ...(isIP(hostname) ? {} : { servername: hostname }),
          checkServerIdentity: (_: string, cert: PeerCertificate) => checkServerIdentity(hostname, cert),
          secureContext: secureContextFor(options),
          rejectUnauthorized: !options.skipVerify,
          ALPNProtocols: ['http/1.1'],
          // Typed for net's sockets only; tls's take it too since Node 15.1.
          ...({ onread } as object),
        })
      : connectTcp({ host: target.address, port: target.port, onread });
    setReadSlots(socket, slots);
    const done = (err?: unknown): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('error', done);
      if (err === undefined) return resolve(socket);
      socket.destroy();
      reject(err);
    };
    const onAbort = (): void => done(abortReason(signal));
    const timer = setTimeout(() => done(describeTimeout(url)), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once(https ? 'secureConnect' : 'connect', () => {
      socket.setNoDelay(true);
      // Reads go to `onread` whatever the mode; flowing, the end of the stream is seen when it comes.
      socket.resume();
      done();
    });
    socket.once('error', done);
    // Whatever happens later, an error of this socket is never an unhandled 'error' event (that would
    // end the extension host): each phase listens for the errors it words.
    socket.on('error', () => undefined);
  });
}

/** The signal's reason as an Error (an AbortError when it gave none). */
export function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : Object.assign(new Error('aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
}
