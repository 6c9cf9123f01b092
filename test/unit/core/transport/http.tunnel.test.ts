// HttpTransport through CONNECT tunnels and with connect time limits, on 127.0.0.1: the lab's small
// CONNECT proxy (test/support/lab/connect-proxy.ts, plain and https), an HTTPS registry signed by the run's lab CA, and a TCP
// listener that accepts and never completes a TLS handshake. Checks the registry's TLS policy
// inside a tunnel, the https proxy's own certificate check, that a tunnelled answer is the
// registry's (never read as the proxy's error page), and that connect time limits (which cover the
// TLS handshake) are kept per request. Written from the transport group's mutation survivors (see
// docs/mutation.md); the lab's `proxy` file does the same against squid. Last, RegistryConnection on
// the same servers: its own options per scheme, and an insecure host never downgraded once HTTPS worked.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreError } from '../../../../src/core/errors';
import { RegistryConnection, type ConnectionPolicy } from '../../../../src/core/transport/connection';
import { HttpTransport, type ConnectionOptions, type ProxyOptions } from '../../../../src/core/transport/http';
import { generateCerts } from '../../../support/lab/certs';
import { tunnelling } from '../../../support/lab/connect-proxy';
import { rejectsWithCode } from '../../support/layout-helpers';

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

describe('HttpTransport through CONNECT tunnels and connect time limits', function () {
  this.timeout(20_000);
  let dir: string;
  let caPem: string;
  let registry: https.Server;
  let plainProxy: http.Server;
  let tlsProxy: https.Server;
  /** Accepts TCP connections and never answers a byte: a TLS handshake that never completes. */
  let silent: net.Server;
  const sockets = new Set<net.Socket>();
  let registryPort: number;
  let plainProxyPort: number;
  let tlsProxyPort: number;
  let silentPort: number;
  /** One port whose new connections go to the HTTPS registry, the plain-HTTP one, or nowhere (silent). */
  const front = { mode: 'registry' as 'registry' | 'plain' | 'silent', server: undefined as unknown as net.Server };
  let frontPort: number;
  let plainRegistry: http.Server;
  const targets: string[] = [];
  let transport: HttpTransport;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'http-tunnel-'));
    const certs = await generateCerts(dir);
    const read = (path: string) => readFileSync(path, 'utf8');
    caPem = read(certs.ca.certPath);
    const pair = { cert: read(certs.servers.ca.certPath), key: read(certs.servers.ca.keyPath) };
    registry = https.createServer(pair, (req, res) => {
      // The registry's own answers that look like a proxy's: a 407, a 5xx with squid's error header.
      if (req.url === '/login') res.writeHead(407, { 'proxy-authenticate': 'Basic realm="registry"' });
      else if (req.url === '/squid')
        res.writeHead(503, { 'x-squid-error': 'ERR_CONNECT_FAIL 111', 'proxy-status': 'squid; error=connection_refused' });
      res.end('from the registry');
    });
    plainProxy = tunnelling(http.createServer(), targets);
    tlsProxy = tunnelling(https.createServer(pair), targets);
    silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    plainRegistry = http.createServer((_req, res) => res.end('plain'));
    front.server = net.createServer((socket) => {
      if (front.mode === 'registry') registry.emit('connection', socket);
      else if (front.mode === 'plain') plainRegistry.emit('connection', socket);
      else {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      }
    });
    frontPort = await listen(front.server);
    registryPort = await listen(registry);
    plainProxyPort = await listen(plainProxy);
    tlsProxyPort = await listen(tlsProxy);
    silentPort = await listen(silent);
  });
  after(() => {
    for (const s of [registry, plainRegistry, plainProxy, tlsProxy]) {
      s.closeAllConnections();
      s.close();
    }
    for (const socket of sockets) socket.destroy();
    silent.close();
    front.server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    transport = new HttpTransport();
    targets.length = 0;
    front.mode = 'registry';
  });
  afterEach(async () => {
    // Handshakes still waiting end first, so closing the transport does not wait for their time limits.
    for (const socket of sockets) socket.destroy();
    await transport.close();
  });

  const proxyAt = (scheme: 'http' | 'https', verify = true): ProxyOptions => ({
    url: `${scheme}://127.0.0.1:${scheme === 'http' ? plainProxyPort : tlsProxyPort}`,
    source: 'HTTPS_PROXY',
    verify,
    tunnel: false,
  });
  const send = async (path: string, connection: ConnectionOptions, port = registryPort, signal?: AbortSignal) => {
    const res = await transport.send({
      method: 'GET',
      url: new URL(`https://127.0.0.1:${port}${path}`),
      connection,
      ...(signal ? { signal } : {}),
    });
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) chunks.push(chunk as Buffer);
    return { status: res.status, text: Buffer.concat(chunks).toString() };
  };

  it('verifies the registry inside a tunnel with its configured CA, and refuses it without', async () => {
    const answer = await send('/', { ca: [caPem], proxy: proxyAt('http') });
    assert.deepEqual(answer, { status: 200, text: 'from the registry' });
    assert.deepEqual(targets, [`127.0.0.1:${registryPort}`], 'one CONNECT to the registry');
    await rejectsWithCode(send('/', { proxy: proxyAt('http') }), 'TLS_UNKNOWN_AUTHORITY');
    const skipped = await send('/', { skipVerify: true, proxy: proxyAt('http') });
    assert.equal(skipped.status, 200, 'skip-verify holds inside the tunnel too');
  });

  it("checks an https proxy's own certificate unless told not to", async () => {
    const answer = await send('/', { ca: [caPem], proxy: proxyAt('https', false) });
    assert.equal(answer.status, 200);
    // Refused: the proxy's certificate is signed by the run's CA, which the system does not trust. The
    // error names the proxy and its certificate, not the registry's (whose CA is configured and fine).
    const refused = await send('/', { ca: [caPem], proxy: proxyAt('https', true) }).then(
      () => assert.fail('an untrusted proxy certificate was accepted'),
      (err: CoreError) => err,
    );
    assert.equal(refused.code, 'PROXY_TLS', refused.message);
    assert.match(
      refused.message,
      /^The proxy https:\/\/127\.0\.0\.1:\d+ \(from [^)]+\) speaks https, and its own certificate was not accepted \((SELF_SIGNED|UNABLE_TO|DEPTH_ZERO)/,
    );
    assert.match(refused.message, new RegExp(`so 127\\.0\\.0\\.1:${registryPort} was not contacted`));
    assert.equal(refused.remedy?.kind, 'trust-proxy');
    assert.deepEqual(targets, [`127.0.0.1:${registryPort}`], 'no tunnel asked of a proxy not trusted');
    // Accepted when the roots the proxy is given hold the CA (the session's: system, NODE_EXTRA_CA_CERTS…).
    const roots = { id: 'lab-ca', certificates: [caPem], sources: ['the lab CA'], system: true, summary: 'the lab CA' };
    const trusted = await send('/', { ca: [caPem], proxy: { ...proxyAt('https', true), roots } });
    assert.equal(trusted.status, 200);
  });

  it("passes on the registry's own answers through a tunnel, even those shaped like a proxy's", async () => {
    const squid = await send('/squid', { ca: [caPem], proxy: proxyAt('http') });
    assert.deepEqual(squid, { status: 503, text: 'from the registry' });
    const login = await send('/login', { ca: [caPem], proxy: proxyAt('http') });
    assert.deepEqual(login, { status: 407, text: 'from the registry' });
  });

  it('gives up on a TLS handshake that never completes after the connect time limit', async () => {
    await rejectsWithCode(send('/', { ca: [caPem], connectTimeoutMs: 200 }, silentPort), 'TIMEOUT');
  });

  it('cancels a request still waiting for its TLS handshake at once, not at the connect time limit', async () => {
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(), 100);
    // Before the fix this waited the whole minute (the test's own time limit fails first).
    await rejectsWithCode(send('/', { ca: [caPem], connectTimeoutMs: 60_000 }, silentPort, cancel.signal), 'CANCELLED');
  });

  it('keeps connections of each connect time limit apart: one made under a longer limit is not ridden under a shorter', async () => {
    front.mode = 'registry';
    assert.equal((await send('/', { ca: [caPem], connectTimeoutMs: 60_000 }, frontPort)).status, 200);
    // The front now stalls every new connection: a request with a shorter limit must open its own, and time out.
    front.mode = 'silent';
    await rejectsWithCode(send('/', { ca: [caPem], connectTimeoutMs: 200 }, frontPort), 'TIMEOUT');
  });

  it('gives up on a TLS handshake inside a tunnel after the connect time limit', async () => {
    await assert.rejects(send('/', { ca: [caPem], connectTimeoutMs: 200, proxy: proxyAt('http') }, silentPort), CoreError);
    assert.deepEqual(targets, [`127.0.0.1:${silentPort}`]);
  });

  describe('RegistryConnection over TLS', () => {
    const policy = (): ConnectionPolicy => ({
      own: (scheme) => Promise.resolve(scheme === 'https' ? { ca: [caPem] } : {}),
      elsewhere: () => Promise.resolve({}),
    });
    const get = async (connection: RegistryConnection) => {
      const res = await connection.send({ method: 'GET', url: connection.url('/v2/') });
      await res.body.dump();
      return res.status;
    };

    it("connects to its own origin over https with the policy's https options", async () => {
      const connection = new RegistryConnection(
        { host: `127.0.0.1:${frontPort}`, scheme: 'https', insecure: false },
        transport,
        undefined,
        policy(),
      );
      assert.equal(await get(connection), 200);
    });

    it('never falls back to plain HTTP once HTTPS has worked for an insecure host', async () => {
      const connection = new RegistryConnection(
        { host: `127.0.0.1:${frontPort}`, scheme: 'https', insecure: true },
        transport,
        undefined,
        policy(),
      );
      assert.equal(await get(connection), 200);
      // The port now answers in plain HTTP, on new connections: a TLS client sees TLS_PLAIN_HTTP.
      await transport.close();
      front.mode = 'plain';
      await rejectsWithCode(get(connection), 'TLS_PLAIN_HTTP');
      assert.equal(connection.origin, `https://127.0.0.1:${frontPort}`);
    });
  });
});
