// ResponseBody on the wire: back-pressure (a body nobody reads holds its server back, bytes counted
// at a real server on 127.0.0.1, and reading it afterwards gets every byte), dump() (what it reads
// so the connection carries the next request, what it drops with its connection, how long it waits)
// a body failing while nobody reads it, and the check a body runs on its own chunks (a digest, with
// no stream between body and reader). Without back-pressure a
// blob read slowly (a disk, a push to another registry) would be buffered whole in memory. Written
// from the transport group's mutation survivors (see docs/mutation.md).
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChunkCheck } from '../../../../src/core/oci/verify-stream';
import { HttpTransport, type HttpResponse } from '../../../../src/core/transport/http';
import type { ResponseBody } from '../../../../src/core/transport/response-body';
import { rejectsWithCode } from '../../support/layout-helpers';

/** Starts `server` on a free loopback port; its origin. */
async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function stop(transport: HttpTransport, server: http.Server): Promise<void> {
  await transport.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

const CHUNK = Buffer.alloc(64 * 1024, 7);
const TOTAL = 32 * 1024 * 1024;

describe('ResponseBody back-pressure', function () {
  this.timeout(20_000);
  let server: http.Server;
  let transport: HttpTransport;
  /** Bytes the server's socket has taken so far. */
  let written = 0;
  let url: URL;

  beforeEach(async () => {
    written = 0;
    server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(TOTAL) });
      const more = (): void => {
        while (written < TOTAL) {
          written += CHUNK.length;
          if (!res.write(CHUNK)) {
            res.once('drain', more);
            return;
          }
        }
        res.end();
      };
      more();
    });
    url = new URL('/blob', await listen(server));
    transport = new HttpTransport();
  });
  afterEach(() => stop(transport, server));

  /** Waits (at most five seconds) until the server has written nothing more for 300 ms. */
  async function serverStalled(): Promise<void> {
    const until = Date.now() + 5_000;
    let last = -1;
    while (written !== last && written < TOTAL && Date.now() < until) {
      last = written;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  it('holds the server back while nobody reads, then gives every byte to a reader', async () => {
    const res = await transport.send({ method: 'GET', url });
    await serverStalled();
    // Socket buffers on both ends and the body's own 64 KiB take a few MiB at most, never the whole body.
    assert.ok(written < TOTAL / 2, `${written} of ${TOTAL} bytes written while nobody read`);
    let read = 0;
    for await (const chunk of res.body) read += (chunk as Buffer).length;
    assert.equal(read, TOTAL);
  });
});

describe('ResponseBody.dump() and a body failing unread', function () {
  this.timeout(20_000);
  let server: http.Server;
  let transport: HttpTransport;
  let connections = 0;
  let unannouncedClosed = false;
  let origin: string;
  const KIB = 1024;

  beforeEach(async () => {
    connections = 0;
    unannouncedClosed = false;
    server = http.createServer((req, res) => {
      if (req.url === '/two-parts') {
        // 100 KiB without a length, in two parts: under the 128 KiB dump() reads.
        res.write(Buffer.alloc(50 * KIB, 1));
        setTimeout(() => res.end(Buffer.alloc(50 * KIB, 2)), 50);
      } else if (req.url === '/unannounced') {
        req.socket.on('close', () => (unannouncedClosed = true));
        res.write(Buffer.alloc(1024 * KIB, 3));
        res.end();
      } else if (req.url === '/trickle') {
        res.writeHead(200, { 'content-length': '1000' });
        const timer = setInterval(() => res.write('b'), 30);
        res.on('close', () => clearInterval(timer));
      } else res.end('small');
    });
    server.on('connection', () => connections++);
    origin = await listen(server);
    // Document deadline of a minute: dump() keeps to its own two seconds.
    transport = new HttpTransport(() => ({}), undefined, { idleMs: 60_000, documentMs: 60_000 });
  });
  afterEach(() => stop(transport, server));

  /** undici frees a connection for the next request a tick after its body ends. */
  const settled = () => new Promise((resolve) => setImmediate(resolve));
  const get = (path: string, signal?: AbortSignal) =>
    transport.send({ method: 'GET', url: new URL(path, origin), ...(signal ? { signal } : {}) });

  it('reads a body of less than 128 KiB to its end, so its connection carries the next request', async () => {
    const res = await get('/two-parts');
    await res.body.dump();
    await settled();
    await (await get('/')).body.dump();
    assert.equal(connections, 1);
  });

  it('drops a longer body without a length after 128 KiB, with its connection', async () => {
    const res = await get('/unannounced');
    await res.body.dump();
    assert.ok(res.body.destroyed);
    // Read whole, the connection would stay open for the next request: wait (at most two seconds) for it to close.
    for (let i = 0; i < 40 && !unannouncedClosed; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(unannouncedClosed, 'the connection of the dropped body is closed');
  });

  it('gives up on a trickled body after two seconds, not at the document deadline', async () => {
    const res = await get('/trickle');
    await res.body.dump();
    assert.ok(res.body.destroyed);
  });

  it('a body cancelled while nobody reads it fails no one, and its reader later sees CANCELLED', async () => {
    const cancel = new AbortController();
    const res = await get('/trickle', cancel.signal);
    cancel.abort();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await rejectsWithCode(
      (async () => {
        for await (const _ of res.body) void _;
      })(),
      'CANCELLED',
    );
  });
});

describe('ResponseBody.checkChunks', function () {
  this.timeout(20_000);
  const BODY = Buffer.concat([Buffer.alloc(200 * 1024, 1), Buffer.alloc(200 * 1024, 2)]);
  let server: http.Server;
  let transport: HttpTransport;
  let url: URL;

  beforeEach(async () => {
    server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(BODY.length) });
      res.end(BODY);
    });
    url = new URL('/blob', await listen(server));
    transport = new HttpTransport();
  });
  afterEach(() => stop(transport, server));

  /** Every body of the transport is a ResponseBody; its type says only Readable. */
  const body = (res: HttpResponse): ResponseBody => res.body as ResponseBody;

  /** A check that records what it saw. */
  function recorder(): { seen: Buffer[]; finished: number; check: ChunkCheck } {
    const state = { seen: [] as Buffer[], finished: 0, check: undefined as unknown as ChunkCheck };
    state.check = { update: (chunk) => void state.seen.push(Buffer.from(chunk)), finish: () => void state.finished++ };
    return state;
  }

  async function readAll(body: AsyncIterable<unknown>): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  it('sees every chunk, those that came before it was attached too, once each and in order', async () => {
    const res = await transport.send({ method: 'GET', url });
    // Let the first bytes arrive while nobody reads: they wait for the reader, and for the check.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const record = recorder();
    assert.equal(body(res).checkChunks(record.check), true);
    const read = await readAll(res.body);
    assert.ok(read.equals(BODY));
    assert.ok(Buffer.concat(record.seen).equals(BODY), 'the check saw exactly the bytes read');
    assert.equal(record.finished, 1);
  });

  it('is refused once reading has started, and for a second check', async () => {
    const first = await transport.send({ method: 'GET', url });
    assert.equal(body(first).checkChunks(recorder().check), true);
    assert.equal(body(first).checkChunks(recorder().check), false);
    await readAll(first.body);
    const second = await transport.send({ method: 'GET', url });
    await once(second.body, 'readable');
    assert.ok(second.body.read(), 'a first chunk read');
    assert.equal(body(second).checkChunks(recorder().check), false);
    await second.body.dump();
  });

  it('fails the body with the error its check throws on a chunk, and the reader gets no more chunks', async () => {
    const res = await transport.send({ method: 'GET', url });
    const refusal = new Error('refused by the check');
    let updates = 0;
    body(res).checkChunks({
      update: () => {
        if (++updates === 2) throw refusal;
      },
      finish: () => assert.fail('no end after a refused chunk'),
    });
    let read = 0;
    await assert.rejects(
      (async () => {
        for await (const chunk of res.body) read += (chunk as Buffer).length;
      })(),
      (err) => err === refusal,
    );
    assert.ok(read < BODY.length, `${read} bytes read`);
  });

  it('fails the body at its end with the error its check throws at the end: the reader never sees the end', async () => {
    const res = await transport.send({ method: 'GET', url });
    const verdict = new Error('the end refused');
    body(res).checkChunks({
      update: () => undefined,
      finish: () => {
        throw verdict;
      },
    });
    await assert.rejects(readAll(res.body), (err) => err === verdict);
  });
});
