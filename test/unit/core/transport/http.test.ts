// The HTTP transport and a registry's connection on the wire, against a scripted server on
// 127.0.0.1: what every request carries, connections reused after HEAD, a resolve rule's dial
// target under the registry's own name, time limits and cancellation as CoreErrors, unusable
// TLS files named, and the insecure registry's fallback from https to plain http (only for an
// insecure host, only for the TLS handshake answered in plain HTTP, and remembered). Written
// from the transport group's mutation survivors (see docs/mutation.md).
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { RegistryConnection, type RequestLogEntry } from '../../../../src/core/transport/connection';
import { HttpTransport } from '../../../../src/core/transport/http';
import { rejectsWithCode } from '../../support/layout-helpers';
import { ScriptedServer } from '../registry/scripted-server';

describe('HttpTransport on the wire', () => {
  let server: ScriptedServer;
  let transport: HttpTransport;
  beforeEach(async () => {
    server = await new ScriptedServer().start();
    transport = new HttpTransport();
  });
  afterEach(async () => {
    await transport.close();
    await server.stop();
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
      await rejectsWithCode(sending, 'CANCELLED', /^The operation was cancelled\.$/);
    } finally {
      silent.close();
    }
  });

  it('names an unusable client certificate instead of failing obscurely', async () => {
    await rejectsWithCode(
      transport.send({
        method: 'GET',
        url: new URL(server.origin),
        connection: { clientCertificates: [{ cert: 'not a certificate', key: 'not a key' }] },
      }),
      'TLS_FILE_UNREADABLE',
      new RegExp(`configured for ${server.host.replace(/\./g, '\\.')} cannot be used`),
    );
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
  beforeEach(async () => {
    server = await new ScriptedServer().start();
    server.script = () => ({ status: 200 });
    transport = new HttpTransport();
    log.length = 0;
  });
  afterEach(async () => {
    await transport.close();
    await server.stop();
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
      own: { https: {}, http: { connectTo: { address: '127.0.0.1', port } } },
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
