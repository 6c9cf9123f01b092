// The HTTP transport and a registry's connection on the wire, against a scripted server on
// 127.0.0.1: what every request carries, connections reused after HEAD, a resolve rule's dial
// target under the registry's own name, time limits and cancellation as CoreErrors, unusable
// TLS files named, and the insecure registry's fallback from https to plain http (only for an
// insecure host, only for the TLS handshake answered in plain HTTP, and remembered). Written
// from the transport group's mutation survivors (see docs/mutation.md).
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import * as http from 'node:http';
import * as net from 'node:net';
import { Readable } from 'node:stream';
import { RegistryConnection, type RequestLogEntry } from '../../../../src/core/transport/connection';
import { HttpTransport, MAX_ELSEWHERE_DISPATCHERS, type HttpRequest, type ProxyOptions } from '../../../../src/core/transport/http';
import { rejectsWithCode } from '../../support/layout-helpers';
import { ScriptedServer, scriptedServerPerTest } from '../registry/scripted-server';

describe('HttpTransport on the wire', () => {
  let server: ScriptedServer;
  let transport: HttpTransport;
  scriptedServerPerTest((s, t) => {
    server = s;
    transport = t;
  });

  it('names itself in User-Agent unless the request does, and passes method, headers and body', async () => {
    server.script = () => ({ status: 201, headers: { 'x-answer': 'a' }, body: 'done' });
    const res = await new HttpTransport(() => ({}), 'tester/1').send({
      method: 'PUT',
      url: new URL(`${server.origin}/p?q=1`),
      headers: { 'x-one': '1' },
      body: 'payload',
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers['x-answer'], 'a');
    assert.equal(res.url.href, `${server.origin}/p?q=1`);
    await res.body.dump();
    const seen = server.seen[0]!;
    assert.deepEqual(
      [seen.method, seen.url, seen.headers['user-agent'], seen.headers['x-one'], seen.body.toString()],
      ['PUT', '/p?q=1', 'tester/1', '1', 'payload'],
    );
    await transport.send({ method: 'GET', url: new URL(server.origin) }).then((r) => r.body.dump());
    assert.equal(server.seen[1]!.headers['user-agent'], 'oci-registry-explorer');
    await transport.send({ method: 'GET', url: new URL(server.origin), headers: { 'user-agent': 'mine' } }).then((r) => r.body.dump());
    assert.equal(server.seen[2]!.headers['user-agent'], 'mine');
  });

  it('dials a resolve rule’s address while Host keeps the registry’s name', async () => {
    server.script = () => ({ status: 200 });
    const port = Number(server.host.split(':')[1]);
    const res = await transport.send({
      method: 'GET',
      url: new URL(`http://registry.invalid:${port}/v2/`),
      connection: { connectTo: { address: '127.0.0.1', port } },
    });
    await res.body.dump();
    assert.equal(server.seen[0]!.headers.host, `registry.invalid:${port}`);
  });

  it('separates connections by their options: the same origin dialled two ways', async () => {
    const other = await new ScriptedServer().start();
    try {
      server.script = () => ({ status: 200, body: 'one' });
      other.script = () => ({ status: 200, body: 'two' });
      const url = new URL('http://registry.invalid/');
      const to = (s: ScriptedServer) => ({ connectTo: { address: '127.0.0.1', port: Number(s.host.split(':')[1]) } });
      for (const s of [server, other, server]) await transport.send({ method: 'GET', url, connection: to(s) }).then((r) => r.body.dump());
      assert.deepEqual([server.seen.length, other.seen.length], [2, 1]);
    } finally {
      await other.stop();
    }
  });

  it('says TIMEOUT when the headers do not come in time', async () => {
    server.script = () => ({ status: 200 });
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = new URL(`http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/`);
      const err = await rejectsWithCode(
        transport.send({ method: 'GET', url, connection: { headersTimeoutMs: 100 } }),
        'TIMEOUT',
        /did not answer in time/,
      );
      assert.deepEqual(err.remedy, { kind: 'allow-more-time' });
    } finally {
      silent.close();
    }
  });

  it('says CANCELLED when the caller aborts a request waiting for its headers', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const controller = new AbortController();
      const url = new URL(`http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/`);
      const sending = transport.send({ method: 'GET', url, signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      const err = await rejectsWithCode(sending, 'CANCELLED', /^The operation was cancelled\.$/);
      assert.ok(err.cause instanceof Error, 'what undici said is kept as the cause, for the log');
    } finally {
      silent.close();
    }
  });

  it('names an unusable client certificate instead of failing obscurely', async () => {
    const err = await rejectsWithCode(
      transport.send({
        method: 'GET',
        url: new URL(server.origin),
        connection: { clientCertificates: [{ cert: 'not a certificate', key: 'not a key' }] },
      }),
      'TLS_FILE_UNREADABLE',
      new RegExp(`configured for ${server.host.replace(/\./g, '\\.')} cannot be used`),
    );
    assert.ok(err.cause instanceof Error, "OpenSSL's own error is kept as the cause");
    assert.equal(server.seen.length, 0);
  });

  it('passes on other network failures in the user’s words', async () => {
    const port = Number(server.host.split(':')[1]);
    await server.stop();
    await rejectsWithCode(transport.send({ method: 'GET', url: new URL(`http://127.0.0.1:${port}/`) }), 'CONNECTION_REFUSED');
  });
});

describe('RegistryConnection', () => {
  let server: ScriptedServer;
  let transport: HttpTransport;
  const log: RequestLogEntry[] = [];
  scriptedServerPerTest((s, t) => {
    server = s;
    server.script = () => ({ status: 200 });
    transport = t;
    log.length = 0;
  });

  it('an insecure registry answering TLS in plain HTTP: falls back to http, and stays there', async () => {
    const connection = new RegistryConnection({ host: server.host, scheme: 'https', insecure: true }, transport, (e) => log.push(e));
    assert.equal(connection.origin, `https://${server.host}`);
    const res = await connection.send({ method: 'GET', url: connection.url('/v2/?x=1') });
    await res.body.dump();
    assert.equal(res.url.href, `${server.origin}/v2/?x=1`);
    assert.equal(connection.origin, server.origin);
    assert.deepEqual(
      log.map((e) => [e.url, e.status, e.error]),
      [
        [`https://${server.host}/v2/?x=1`, undefined, 'TLS_PLAIN_HTTP'],
        [`${server.origin}/v2/?x=1`, 200, undefined],
      ],
    );
    assert.equal(connection.url('/v2/').protocol, 'http:');
  });

  it('a registry not marked insecure never falls back', async () => {
    const connection = new RegistryConnection({ host: server.host, scheme: 'https', insecure: false }, transport);
    await rejectsWithCode(connection.send({ method: 'GET', url: connection.url('/v2/') }), 'TLS_PLAIN_HTTP');
    assert.equal(connection.origin, `https://${server.host}`);
    assert.equal(server.seen.length, 0);
  });

  it('an insecure registry falls back only for its own host, and only from a TLS answered in plain HTTP', async () => {
    const other = await new ScriptedServer().start();
    try {
      const connection = new RegistryConnection({ host: other.host, scheme: 'https', insecure: true }, transport);
      await rejectsWithCode(connection.send({ method: 'GET', url: new URL(`https://${server.host}/v2/`) }), 'TLS_PLAIN_HTTP');
      const host = other.host;
      await other.stop();
      await rejectsWithCode(connection.send({ method: 'GET', url: new URL(`https://${host}/v2/`) }), 'CONNECTION_REFUSED');
      assert.equal(connection.origin, `https://${host}`);
    } finally {
      await other.stop().catch(() => undefined);
    }
  });

  it('sends with the policy’s own options per scheme, and asks the policy for another origin', async () => {
    const port = Number(server.host.split(':')[1]);
    const purposes: string[] = [];
    const connection = new RegistryConnection({ host: `registry.invalid:${port}`, scheme: 'http', insecure: false }, transport, undefined, {
      own: (scheme) => Promise.resolve(scheme === 'http' ? { connectTo: { address: '127.0.0.1', port } } : {}),
      elsewhere: (url, purpose) => {
        purposes.push(`${purpose} ${url.host}`);
        return Promise.resolve({ connectTo: { address: '127.0.0.1', port } });
      },
    });
    await connection.send({ method: 'GET', url: connection.url('/v2/') }).then((r) => r.body.dump());
    await connection.sendElsewhere({ method: 'GET', url: new URL('http://storage.invalid/b') }).then((r) => r.body.dump());
    await connection.sendElsewhere({ method: 'GET', url: new URL('http://auth.invalid/t') }, 'realm').then((r) => r.body.dump());
    assert.deepEqual(purposes, ['redirect storage.invalid', 'realm auth.invalid']);
    assert.deepEqual(
      server.seen.map((s) => s.headers.host),
      [`registry.invalid:${port}`, 'storage.invalid', 'auth.invalid'],
    );
  });

  it('shares the gate it is given, or makes its own for its host', () => {
    const own = new RegistryConnection({ host: 'a.test', scheme: 'https', insecure: false }, transport);
    assert.equal(own.gate.host, 'a.test');
    const shared = new RegistryConnection({ host: 'a.test', scheme: 'http', insecure: false }, transport, undefined, undefined, own.gate);
    assert.equal(shared.gate, own.gate);
  });
});

describe('HttpTransport connections, signals and forwarding proxies', () => {
  let server: ScriptedServer;
  let transport: HttpTransport;
  scriptedServerPerTest((s, t) => {
    server = s;
    transport = t;
  });

  const get = (url: string, more: Partial<HttpRequest> = {}) =>
    transport.send({ method: 'GET', url: new URL(url), ...more }).then((r) => r.body.dump().then(() => r));

  /** Waits (at most two seconds) until `done` holds. */
  async function until(done: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  it('keeps its connections open after a HEAD, whose Content-Length is no body to discard, and reuses them', async () => {
    server.script = (r) =>
      r.method === 'HEAD' ? { status: 200, headers: { 'content-length': String(1 << 20) } } : { status: 200, body: 'x' };
    for (const method of ['GET', 'HEAD', 'HEAD', 'HEAD', 'GET', 'GET'] as const) await get(`${server.origin}/${method}`, { method });
    assert.equal(server.seen.length, 6);
    // undici closes a connection after a HEAD unless told not to; none was closed, and the six requests shared a few.
    assert.equal(server.connections - server.open, 0, 'connections closed');
    assert.ok(server.connections < 6, `${server.connections} connections`);
  });

  it('closes every connection on close(), and opens new ones for what is sent after', async () => {
    server.script = () => ({ status: 200 });
    await get(server.origin);
    assert.equal(server.open, 1);
    await transport.close();
    await until(() => server.open === 0);
    assert.equal(server.open, 0);
    await get(server.origin);
    assert.equal(server.connections, 2);
  });

  it('gives each time limit its own connections: a short limit on one request is not another’s', async () => {
    const slow = http.createServer((_req, res) => setTimeout(() => res.end('late'), 2500));
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(slow.address() as net.AddressInfo).port}/`;
      await rejectsWithCode(get(url, { connection: { headersTimeoutMs: 100 } }), 'TIMEOUT');
      assert.equal((await get(url, { connection: {} })).status, 200);
    } finally {
      slow.closeAllConnections();
      slow.close();
    }
  });

  it('sends nothing for a request whose signal is already aborted', async () => {
    server.script = () => ({ status: 200 });
    await rejectsWithCode(get(server.origin, { signal: AbortSignal.abort() }), 'CANCELLED');
    assert.equal(server.seen.length, 0);
  });

  it('leaves no listener on the caller’s signal once a body is read or a request failed', async () => {
    server.script = () => ({ status: 200, body: 'done' });
    const controller = new AbortController();
    await get(server.origin, { signal: controller.signal });
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0, 'after a body');
    const port = Number(server.host.split(':')[1]);
    await server.stop();
    await rejectsWithCode(get(`http://127.0.0.1:${port}/`, { signal: controller.signal }), 'CONNECTION_REFUSED');
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0, 'after a failure');
  });

  it('waits past an informational answer (103 Early Hints) for the real one', async () => {
    const early = http.createServer((_req, res) => {
      res.writeEarlyHints({ link: '</v2/>; rel=preload' }, () => res.end('real'));
    });
    await new Promise<void>((resolve) => early.listen(0, '127.0.0.1', resolve));
    try {
      const res = await transport.send({ method: 'GET', url: new URL(`http://127.0.0.1:${(early.address() as net.AddressInfo).port}/`) });
      assert.equal(res.status, 200);
      await res.body.dump();
    } finally {
      early.closeAllConnections();
      early.close();
    }
  });

  // undici restarts its headers timer at each 1xx: a stream of 103s held a request forever.
  for (const [what, everyMs, limitMs] of [
    ['many informational answers come quickly', 50, 10_000],
    ['informational answers keep coming, each within the time limit', 600, 1_000],
  ] as const) {
    it(`says TIMEOUT when ${what} and the real answer never does`, async () => {
      const hinting = net.createServer((socket) => {
        socket.on('error', () => undefined);
        socket.once('data', () => {
          const timer = setInterval(() => socket.write('HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n'), everyMs);
          socket.on('close', () => clearInterval(timer));
        });
      });
      await new Promise<void>((resolve) => hinting.listen(0, '127.0.0.1', resolve));
      try {
        const url = new URL(`http://127.0.0.1:${(hinting.address() as net.AddressInfo).port}/`);
        const started = Date.now();
        const sending = transport.send({ method: 'GET', url, connection: { headersTimeoutMs: limitMs } });
        await rejectsWithCode(sending, 'TIMEOUT', /did not answer in time/);
        assert.ok(Date.now() - started < 4000, `failed after ${Date.now() - started} ms`);
      } finally {
        hinting.close();
      }
    });
  }

  it('fails a request whose body stream fails before it is sent, as the request’s failure', async () => {
    server.script = () => ({ status: 201 });
    const body = new Readable({ read: () => undefined });
    setImmediate(() => body.destroy(new Error('the disk went away')));
    await assert.rejects(transport.send({ method: 'PUT', url: new URL(server.origin), body }));
  });

  describe('origins a registry sends it to', () => {
    let others: ScriptedServer[] = [];
    afterEach(async () => {
      await Promise.all(others.map((o) => o.stop()));
      others = [];
    });
    const start = async (n: number): Promise<ScriptedServer[]> => {
      const started = await Promise.all(Array.from({ length: n }, () => new ScriptedServer().start()));
      for (const o of started) o.script = () => ({ status: 200, body: 'moved here' });
      others.push(...started);
      return started;
    };
    const openTo = (servers: ScriptedServer[]): number => servers.reduce((sum, o) => sum + o.open, 0);

    it(`keeps connections to at most ${MAX_ELSEWHERE_DISPATCHERS} of them, the most recent, and to the registry’s own origin for good`, async () => {
      server.script = () => ({ status: 200 });
      const connection = new RegistryConnection({ host: server.host, scheme: 'http', insecure: false }, transport);
      await connection.send({ method: 'GET', url: connection.url('/v2/') }).then((r) => r.body.dump());
      const targets = await start(MAX_ELSEWHERE_DISPATCHERS + 8);
      for (const target of targets) {
        const res = await connection.sendElsewhere({ method: 'GET', url: new URL(`${target.origin}/blob`) });
        await res.body.dump();
        assert.equal(res.status, 200);
      }
      await until(() => openTo(targets) <= MAX_ELSEWHERE_DISPATCHERS);
      assert.equal(openTo(targets), MAX_ELSEWHERE_DISPATCHERS, 'connections left open to the redirect targets');
      assert.deepEqual(
        targets.slice(0, 8).map((t) => t.open),
        Array.from({ length: 8 }, () => 0),
        'the least recently used are the ones closed',
      );
      assert.equal(server.open, 1, 'the registry’s own connection was closed');
      const answered = (transport as unknown as { answered: Set<string> }).answered;
      assert.equal(answered.size, MAX_ELSEWHERE_DISPATCHERS + 1, 'only origins with a pool kept are remembered as answered');
      // An origin whose dispatcher was dropped is reached again through a new one.
      const again = await connection.sendElsewhere({ method: 'GET', url: new URL(`${targets[0]!.origin}/blob`) });
      assert.equal(again.status, 200);
      await again.body.dump();
      assert.equal(targets[0]!.connections, 2);
    });

    it('lets a request on a dropped origin’s connection finish its body before closing it', async () => {
      let release: () => void = () => undefined;
      const slow = http.createServer((_req, res) => {
        res.writeHead(200, { 'content-length': '4' });
        res.write('la');
        release = () => res.end('te');
      });
      await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
      try {
        const connection = new RegistryConnection({ host: server.host, scheme: 'http', insecure: false }, transport);
        const port = (slow.address() as net.AddressInfo).port;
        const res = await connection.sendElsewhere({ method: 'GET', url: new URL(`http://127.0.0.1:${port}/blob`) });
        for (const target of await start(MAX_ELSEWHERE_DISPATCHERS))
          await connection.sendElsewhere({ method: 'GET', url: new URL(target.origin) }).then((r) => r.body.dump());
        release();
        const chunks: Buffer[] = [];
        for await (const chunk of res.body as AsyncIterable<Buffer>) chunks.push(chunk);
        assert.equal(Buffer.concat(chunks).toString(), 'late');
      } finally {
        slow.closeAllConnections();
        slow.close();
      }
    });
  });

  describe('through a forwarding proxy (plain HTTP, no tunnel)', () => {
    const proxyOf = (s: ScriptedServer, authorization?: string): ProxyOptions => ({
      url: s.origin,
      source: 'HTTP_PROXY',
      verify: true,
      tunnel: false,
      ...(authorization ? { authorization } : {}),
    });

    it('asks the proxy for the absolute URL, with Proxy-Authorization only when there is one', async () => {
      server.script = () => ({ status: 200, body: 'through' });
      await get('http://registry.invalid/v2/', { connection: { proxy: proxyOf(server) } });
      assert.equal(server.seen[0]!.url, 'http://registry.invalid/v2/');
      assert.equal(server.seen[0]!.headers['proxy-authorization'], undefined);
      await get('http://registry.invalid/v2/', { connection: { proxy: proxyOf(server, 'Basic b25lOnR3bw==') } });
      assert.equal(server.seen[1]!.headers['proxy-authorization'], 'Basic b25lOnR3bw==');
      await get('http://registry.invalid/v2/', { connection: { proxy: proxyOf(server, 'Basic dGhyZWU6Zm91cg==') } });
      assert.equal(server.seen[2]!.headers['proxy-authorization'], 'Basic dGhyZWU6Zm91cg==', 'another login, other connections');
    });

    it('goes through the proxy each request names, never one another request used', async () => {
      const other = await new ScriptedServer().start();
      try {
        server.script = () => ({ status: 200 });
        other.script = () => ({ status: 200 });
        await get('http://registry.invalid/v2/', { connection: { proxy: proxyOf(server) } });
        await get('http://registry.invalid/v2/', { connection: { proxy: proxyOf(other) } });
        assert.deepEqual([server.seen.length, other.seen.length], [1, 1]);
      } finally {
        await other.stop();
      }
    });

    it('names the proxy for its own answers: a login asked for, an error page of its own', async () => {
      server.script = () => ({ status: 407, headers: { 'proxy-authenticate': 'Basic realm="proxy"' } });
      const login = await assert.rejects(get('http://registry.invalid/v2/', { connection: { proxy: proxyOf(server) } }), (err: Error) => {
        assert.match(err.message, new RegExp(`proxy ${server.origin.replace(/\./g, '\\.')}`));
        return true;
      });
      void login;
      server.script = () => ({ status: 503, headers: { 'x-squid-error': 'ERR_CONNECT_FAIL 111' } });
      await assert.rejects(get('http://registry.invalid/v2/', { connection: { proxy: proxyOf(server) } }), /ERR_CONNECT_FAIL/);
      // The registry's own 503 (no proxy header) is the registry's answer.
      server.script = () => ({ status: 503 });
      assert.equal((await get('http://registry.invalid/v2/', { connection: { proxy: proxyOf(server) } })).status, 503);
    });

    it('names a proxy that cannot be reached, not the registry', async () => {
      const port = Number(server.host.split(':')[1]);
      const proxy = proxyOf(server);
      await server.stop();
      await rejectsWithCode(get(`http://registry.invalid:${port}/v2/`, { connection: { proxy } }), 'PROXY_UNREACHABLE');
    });
  });
});
