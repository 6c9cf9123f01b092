// The transport's own HTTP/1.1 client (requests without a body on a direct connection) against
// servers on 127.0.0.1 that write exact bytes: every way an answer may frame its body, connections
// kept and dropped, chunks copied or lent and given back, and each failure a registry can cause
// ending in a CoreError with the words the undici path uses, within its time limits.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { Readable } from 'node:stream';
import { HttpTransport, type HttpRequest } from '../../../../src/core/transport/http';
import { CoreError } from '../../../../src/core/errors';
import { giveBack, isLendingBody, lend } from '../../../../src/core/lent-chunks';

/** What the server does with the Nth request (counting from 0 over every connection) on connection C. */
type Answer = (request: number, connection: number, socket: net.Socket) => void;

/** A server that answers each request head it reads with `answer`, and counts connections and requests. */
class RawServer {
  readonly requests: { connection: number; head: string }[] = [];
  connections = 0;
  closedByClient = 0;
  private readonly server: net.Server;

  constructor(answer: Answer) {
    this.server = net.createServer((socket) => {
      const connection = this.connections++;
      let buffered = '';
      socket.on('error', () => undefined);
      socket.on('close', () => this.closedByClient++);
      socket.on('data', (data) => {
        buffered += data.toString('latin1');
        for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
          const head = buffered.slice(0, end);
          buffered = buffered.slice(end + 4);
          this.requests.push({ connection, head });
          answer(this.requests.length - 1, connection, socket);
        }
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.close();
  }
}

const blob = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz'.repeat(1000));

function ok(socket: net.Socket, body: Buffer = blob, extra = ''): void {
  socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${extra}\r\n`);
  socket.write(body);
}

async function readAll(res: { body: AsyncIterable<Buffer> }): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of res.body) parts.push(part);
  return Buffer.concat(parts);
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<CoreError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof CoreError, `not a CoreError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, /\.$/, 'a sentence');
    assert.doesNotMatch(err.message, /UND_ERR|CLOSED_EARLY|BODY_IDLE_TIMEOUT/);
    return err;
  }
  assert.fail(`resolved; expected ${code}`);
}

describe('the direct client: requests without a body, off the socket', () => {
  let server: RawServer | undefined;
  let transport: HttpTransport;
  const limits = { idleMs: 300, documentMs: 2_000 };

  async function serve(answer: Answer): Promise<(path?: string, extra?: Partial<HttpRequest>) => HttpRequest> {
    server = new RawServer(answer);
    const origin = await server.start();
    return (path = '/v2/r/blobs/sha256:1', extra = {}) => ({ method: 'GET', url: new URL(`${origin}${path}`), ...extra });
  }

  beforeEach(() => {
    transport = new HttpTransport(() => ({ headersTimeoutMs: 500 }), 'tester/1', limits);
  });
  afterEach(async () => {
    await transport.close();
    await server?.stop();
    server = undefined;
  });

  it('reads a body by its Content-Length and reuses the connection for the next blob, with the headers given', async () => {
    const request = await serve((_, __, socket) => ok(socket));
    for (let i = 0; i < 3; i++) {
      const res = await transport.send(request('/v2/r/blobs/sha256:1', { headers: { authorization: 'Bearer t' } }));
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-length'], String(blob.length));
      assert.deepEqual(await readAll(res), blob);
    }
    assert.equal(server!.connections, 1);
    assert.match(server!.requests[0]!.head, /^GET \/v2\/r\/blobs\/sha256:1 HTTP\/1\.1\r\nhost: 127\.0\.0\.1:\d+\r\n/);
    assert.match(server!.requests[0]!.head, /\r\nuser-agent: tester\/1\r\nauthorization: Bearer t$/);
  });

  it('reads a chunked body with extensions and trailers, however the server cuts its writes, and keeps the connection', async () => {
    const request = await serve((_, __, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
      const wire = `${(20000).toString(16)};x=y\r\n${blob.subarray(0, 20000).toString('latin1')}\r\n${(blob.length - 20000).toString(16)}\r\n${blob.subarray(20000).toString('latin1')}\r\n0\r\nDigest: z\r\n\r\n`;
      for (let at = 0; at < wire.length; at += 777) socket.write(wire.slice(at, at + 777), 'latin1');
    });
    assert.deepEqual(await readAll(await transport.send(request())), blob);
    assert.deepEqual(await readAll(await transport.send(request())), blob);
    assert.equal(server!.connections, 1);
  });

  it('reads a body that ends at the close, and opens a new connection for the next', async () => {
    const request = await serve((_, __, socket) => {
      socket.write('HTTP/1.1 200 OK\r\n\r\n');
      socket.end(blob);
    });
    assert.deepEqual(await readAll(await transport.send(request())), blob);
    assert.deepEqual(await readAll(await transport.send(request())), blob);
    assert.equal(server!.connections, 2);
  });

  it('skips informational answers before the real one, but not without end', async () => {
    let informational = 2;
    const request = await serve((_, __, socket) => {
      for (let i = 0; i < informational; i++) socket.write('HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n');
      ok(socket);
    });
    assert.deepEqual(await readAll(await transport.send(request())), blob);
    informational = 9;
    await rejectsWith(transport.send(request()), 'TIMEOUT');
  });

  it('answers a HEAD without reading a body, and keeps the connection', async () => {
    const request = await serve((_, __, socket) => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${blob.length}\r\n\r\n`));
    for (let i = 0; i < 2; i++) {
      const res = await transport.send(request(undefined, { method: 'HEAD' }));
      assert.equal(res.headers['content-length'], String(blob.length));
      assert.equal((await readAll(res)).length, 0);
    }
    assert.equal(server!.connections, 1);
    assert.match(server!.requests[1]!.head, /^HEAD /);
  });

  it('does not use a kept connection the server has closed, tries once more on a new one when it closes as the request goes out', async () => {
    const request = await serve((index, _, socket) => {
      if (index === 0) socket.end(`HTTP/1.1 200 OK\r\nContent-Length: ${blob.length}\r\n\r\n${blob.toString('latin1')}`);
      else if (index === 1) ok(socket);
      else socket.destroy();
    });
    await readAll(await transport.send(request()));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(await readAll(await transport.send(request())), blob);
    assert.equal(server!.connections, 2);
    // Closed before answering on the kept connection: sent once more on a new one, which closes too.
    // That one is the server's failure (sending again is then the request layer's decision).
    await rejectsWith(transport.send(request()), 'CONNECTION_RESET');
    assert.equal(server!.requests.length, 4);
    assert.equal(server!.connections, 3);
  });

  it('ends a body at its announced length and keeps nothing of what follows', async () => {
    const request = await serve((_, __, socket) => {
      ok(socket, blob, '');
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nEVIL!');
    });
    assert.deepEqual(await readAll(await transport.send(request())), blob);
    assert.deepEqual(await readAll(await transport.send(request())), blob);
    assert.equal(server!.connections, 2, 'the connection that carried extra bytes was not used again');
  });

  it('refuses heads that cannot be read safely, in words', async () => {
    const heads = [
      `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70 * 1024)}\r\nContent-Length: 1\r\n\r\nx`,
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcde',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabcde',
      'SSH-2.0-OpenSSH_9.2\r\n\r\n',
    ];
    let next = 0;
    const request = await serve((_, __, socket) => socket.end(heads[next++]!));
    for (const head of heads) {
      const err = await rejectsWith(transport.send(request()), 'BAD_RESPONSE');
      assert.match(err.message, /not valid HTTP/, head.slice(0, 30));
    }
  });

  it('fails a body cut short or in broken chunks with the words of the undici path', async () => {
    const answers = [
      (s: net.Socket) => s.end(`HTTP/1.1 200 OK\r\nContent-Length: ${blob.length}\r\n\r\n${blob.subarray(0, 1000).toString('latin1')}`),
      (s: net.Socket) => s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\nzz\r\n'),
    ];
    let next = 0;
    const request = await serve((_, __, socket) => answers[next++]!(socket));
    await rejectsWith(readAll(await transport.send(request())), 'CONNECTION_RESET');
    const broken = await rejectsWith(readAll(await transport.send(request())), 'BAD_RESPONSE');
    assert.match(broken.message, /malformed HTTP body .*not hexadecimal/);
  });

  it('times out a server silent mid-body, but never a reader that holds the body back', async () => {
    // Larger than every buffer on the way, so that holding it back pauses the socket.
    const large = Buffer.alloc(8 * 1024 * 1024, 7);
    const request = await serve((index, _, socket) => {
      if (index === 0) {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${blob.length}\r\n\r\n`);
        socket.write(blob.subarray(0, 100));
      } else ok(socket, large);
    });
    const started = performance.now();
    await rejectsWith(readAll(await transport.send(request())), 'BODY_TIMEOUT');
    assert.ok(performance.now() - started < 2_000);
    const held = await transport.send(request());
    await new Promise((resolve) => setTimeout(resolve, 3 * limits.idleMs));
    assert.deepEqual(await readAll(held), large);
  });

  it('gives a head trickled forever its time limit, counted from the request', async () => {
    const request = await serve((_, __, socket) => {
      const timer = setInterval(() => socket.write('X-Slow: a\r\n'), 50);
      socket.write('HTTP/1.1 200 OK\r\n');
      socket.on('close', () => clearInterval(timer));
    });
    const started = performance.now();
    await rejectsWith(transport.send(request()), 'TIMEOUT');
    assert.ok(performance.now() - started < 1_500);
  });

  it('cancels before the head and in the middle of a body, and closes that connection', async () => {
    const request = await serve((index, _, socket) => {
      if (index === 1) {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${blob.length}\r\n\r\n`);
        socket.write(blob.subarray(0, 10));
      }
    });
    const before = new AbortController();
    setTimeout(() => before.abort(), 50);
    await rejectsWith(transport.send(request(undefined, { signal: before.signal })), 'CANCELLED');
    const during = new AbortController();
    const res = await transport.send(request(undefined, { signal: during.signal }));
    during.abort();
    await rejectsWith(readAll(res), 'CANCELLED');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(server!.closedByClient, 2);
  });

  it('sends nothing when a header would start another header or request', async () => {
    const request = await serve((_, __, socket) => ok(socket));
    await rejectsWith(transport.send(request(undefined, { headers: { authorization: 'Bearer t\r\nX-Injected: 1' } })), 'NETWORK');
    assert.equal(server!.requests.length, 0);
  });

  it('leaves a stream body of unknown length, and any request through a proxy, to undici', async () => {
    const request = await serve((_, __, socket) => ok(socket, Buffer.from('x'), 'Connection: close\r\n'));
    await readAll(await transport.send({ ...request(), method: 'PUT', body: Readable.from([Buffer.from('payload')]) }));
    // undici asks to keep its connection in a header of its own; this client, speaking HTTP/1.1, never does.
    const heads = (): string[] => server!.requests.map((r) => r.head).filter((h) => /^[A-Z]+ /.test(h));
    assert.match(heads()[0]!, /^PUT .*\r\nconnection: keep-alive/is);
    await readAll(await transport.send(request()));
    assert.doesNotMatch(heads()[1]!, /\r\nconnection:/i);
    // Through a proxy (the server plays it), a GET is forwarded by undici in absolute form.
    const viaProxy = request();
    const proxy = { url: viaProxy.url.origin, source: 'test', verify: true, tunnel: false };
    await readAll(
      await transport.send({ ...viaProxy, url: new URL('http://registry.invalid/v2/r/blobs/sha256:1'), connection: { proxy } }),
    );
    assert.match(heads()[2]!, /^GET http:\/\/registry\.invalid\/v2\/r\/blobs\/sha256:1 HTTP\/1\.1\r\n/);
  });

  /** A server that reads each request's body by its Content-Length, then answers 201 (or what `answer` says). */
  async function uploads(
    answer?: (head: string, body: Buffer, socket: net.Socket) => boolean,
  ): Promise<{ origin: string; bodies: Buffer[] }> {
    const bodies: Buffer[] = [];
    const raw = net.createServer((socket) => {
      let buffered = Buffer.alloc(0);
      socket.on('error', () => undefined);
      socket.on('data', (data) => {
        buffered = Buffer.concat([buffered, data]);
        for (;;) {
          const end = buffered.indexOf('\r\n\r\n');
          if (end < 0) return;
          const head = buffered.subarray(0, end).toString('latin1');
          if (answer?.(head, Buffer.alloc(0), socket)) return;
          const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
          if (buffered.length < end + 4 + length) return;
          bodies.push(buffered.subarray(end + 4, end + 4 + length));
          buffered = buffered.subarray(end + 4 + length);
          socket.write('HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n');
        }
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    stops.push(() => raw.close());
    return { origin: `http://127.0.0.1:${(raw.address() as net.AddressInfo).port}`, bodies };
  }
  const stops: (() => void)[] = [];
  afterEach(() => stops.splice(0).forEach((stop) => stop()));

  it('sends a string or Buffer body with its length, and a stream body by the Content-Length given, on one connection', async () => {
    const { origin, bodies } = await uploads();
    const url = new URL(`${origin}/v2/r/blobs/uploads/1?digest=sha256:1`);
    assert.equal((await transport.send({ method: 'PATCH', url, body: 'text' })).status, 201);
    assert.equal((await transport.send({ method: 'PUT', url, body: blob })).status, 201);
    const stream = Readable.from([blob.subarray(0, 1000), blob.subarray(1000)]);
    const res = await transport.send({ method: 'PUT', url, body: stream, headers: { 'Content-Length': String(blob.length) } });
    assert.equal(res.status, 201);
    assert.deepEqual(bodies, [Buffer.from('text'), blob, blob]);
  });

  it('gives back the lent chunks of a stream body once written, each once', async () => {
    const { origin, bodies } = await uploads();
    const returned: number[] = [];
    const chunks = Array.from({ length: 64 }, (_, i) => lend(Buffer.alloc(64 * 1024, i), () => returned.push(i)));
    const res = await transport.send({
      method: 'PUT',
      url: new URL(`${origin}/upload`),
      body: Readable.from(chunks),
      headers: { 'content-length': String(64 * 64 * 1024) },
    });
    assert.equal(res.status, 201);
    assert.deepEqual(bodies[0], Buffer.concat(chunks));
    assert.deepEqual(
      returned.sort((a, b) => a - b),
      Array.from({ length: 64 }, (_, i) => i),
    );
  });

  it('stops a request whose stream body is shorter or longer than announced, or fails, with that reason', async () => {
    const { origin, bodies } = await uploads();
    const url = new URL(`${origin}/upload`);
    const short = await rejectsWith(
      transport.send({ method: 'PUT', url, body: Readable.from([Buffer.from('abc')]), headers: { 'content-length': '10' } }),
      'NETWORK',
    );
    assert.match(short.message, /only 3 of the 10 bytes/);
    const long = await rejectsWith(
      transport.send({ method: 'PUT', url, body: Readable.from([Buffer.from('abcdefghijkl')]), headers: { 'content-length': '10' } }),
      'NETWORK',
    );
    assert.match(long.message, /more than 10 of the 10 bytes/);
    const failing = new Readable({ read() {} });
    const sending = transport.send({ method: 'PUT', url, body: failing, headers: { 'content-length': '10' } });
    failing.push('abc');
    setTimeout(() => failing.destroy(new CoreError('DIGEST_MISMATCH', 'The blob does not match its digest.')), 20);
    await rejectsWith(sending, 'DIGEST_MISMATCH');
    // Failed, or destroyed by its reader, before the request went out: no event will come, and none is awaited.
    const failedEarly = new Readable({ read() {} });
    failedEarly.on('error', () => undefined);
    failedEarly.destroy(new CoreError('DIGEST_MISMATCH', 'The blob does not match its digest.'));
    await rejectsWith(transport.send({ method: 'PUT', url, body: failedEarly, headers: { 'content-length': '10' } }), 'DIGEST_MISMATCH');
    const destroyedEarly = new Readable({ read() {} });
    destroyedEarly.destroy();
    await rejectsWith(transport.send({ method: 'PUT', url, body: destroyedEarly, headers: { 'content-length': '10' } }), 'NETWORK');
    assert.equal(bodies.length, 0);
  });

  it('takes an answer that comes before the whole body was sent, and does not reuse that connection', async () => {
    const { origin } = await uploads((head, _, socket) => {
      if (!head.startsWith('PUT')) return false;
      socket.write('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n');
      return true;
    });
    const stream = new Readable({ read() {} });
    stream.push(blob);
    const res = await transport.send({
      method: 'PUT',
      url: new URL(`${origin}/upload`),
      body: stream,
      headers: { 'content-length': String(10 * blob.length) },
    });
    assert.equal(res.status, 413);
    await readAll(res);
    const next = await transport.send({ method: 'POST', url: new URL(`${origin}/upload`), body: '' });
    assert.equal(next.status, 201);
    const connections = (transport as unknown as { direct: { idle: Map<string, Set<unknown>> } }).direct.idle.size;
    assert.equal(connections, 1, 'only the connection that answered in order is kept');
  });

  it('gives copies by default, which later reads never change', async () => {
    const large = Buffer.from(Array.from({ length: 4 * 1024 * 1024 }, (_, i) => (i * 7) % 251));
    const request = await serve((_, __, socket) => ok(socket, large));
    const kept: { chunk: Buffer; copy: Buffer }[] = [];
    for await (const chunk of (await transport.send(request())).body as AsyncIterable<Buffer>)
      kept.push({ chunk, copy: Buffer.from(chunk) });
    for (const { chunk, copy } of kept) assert.deepEqual(chunk, copy);
    assert.deepEqual(Buffer.concat(kept.map((k) => k.chunk)), large);
  });

  it('lends chunks to a reader that asks, reusing their memory only once each is given back, however late', async () => {
    const large = Buffer.from(Array.from({ length: 8 * 1024 * 1024 }, (_, i) => (i * 13) % 251));
    const request = await serve((_, __, socket) => ok(socket, large));
    for (const holdBack of [0, 3, 40]) {
      const res = await transport.send(request());
      assert.ok(isLendingBody(res.body) && res.body.lendChunks());
      const received: Buffer[] = [];
      const held: { chunk: Buffer; copy: Buffer }[] = [];
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        received.push(Buffer.from(chunk));
        held.push({ chunk, copy: Buffer.from(chunk) });
        // Give back the oldest ones beyond `holdBack`, checking that nothing wrote over them while lent.
        while (held.length > holdBack) {
          const { chunk: lent, copy } = held.shift()!;
          assert.deepEqual(lent, copy, 'a lent chunk changed before it was given back');
          giveBack(lent);
        }
        if (held.length % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      for (const { chunk, copy } of held) assert.deepEqual(chunk, copy);
      assert.deepEqual(Buffer.concat(received), large);
    }
  });

  it('reads on when a lent chunk is never given back (its memory is simply not reused)', async () => {
    const large = Buffer.alloc(6 * 1024 * 1024, 3);
    const request = await serve((_, __, socket) => ok(socket, large));
    const res = await transport.send(request());
    (res.body as unknown as { lendChunks(): boolean }).lendChunks();
    assert.deepEqual(await readAll(res), large);
  });
});
