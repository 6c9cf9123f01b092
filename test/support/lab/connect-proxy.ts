// A small CONNECT-only proxy on 127.0.0.1, plain or https (for an https proxy's own certificate
// check, which squid as the lab runs it does not offer): it records each tunnel's target, then
// pipes bytes both ways. Names under `.test` are dialled at 127.0.0.1, as the lab's squid hosts
// file does. Loopback only, no dependencies, and stop() never waits for a client.
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';

/** Makes `server` a CONNECT proxy that pushes each tunnel's `host:port` into `targets`. */
export function tunnelling<S extends http.Server>(server: S, targets: string[]): S {
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    targets.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host?.endsWith('.test') ? '127.0.0.1' : host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return server;
}

/** A running CONNECT proxy. */
export class ConnectProxy {
  private constructor(
    private readonly server: http.Server,
    private readonly sockets: Set<net.Socket>,
    readonly url: string,
    /** Each tunnel's target, `host:port`, in the order asked. */
    readonly targets: string[],
  ) {}

  /** Starts one: https with `tls` (a certificate valid for 127.0.0.1), else plain HTTP. */
  static async start(tls?: { cert: string; key: string }): Promise<ConnectProxy> {
    const targets: string[] = [];
    const server = tunnelling(tls ? https.createServer(tls) : http.createServer(), targets);
    // Tunnelled sockets leave the server's own bookkeeping: kept here so stop() can end them.
    const sockets = new Set<net.Socket>();
    server.on('connection', (socket: net.Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    return new ConnectProxy(server, sockets, `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, targets);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
