// Reading and discarding response bodies on the wire, against a raw HTTP server on 127.0.0.1 that
// sends exactly the bytes a test writes: the size limit at its edge (announced or counted), the
// document deadline for a body trickled slowly, an error body read only so far, a body discarded
// within its bounds, and a connection cut mid-body as a CoreError. Written from the transport
// group's mutation survivors (see docs/mutation.md).
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { CoreError } from '../../../../src/core/errors';
import { HttpTransport, type HttpResponse } from '../../../../src/core/transport/http';
import { discardBody, errorBodyText, MAX_ERROR_BODY_BYTES, readBodyLimited } from '../../../../src/core/transport/read-body';
import { rejectsWithCode } from '../../support/layout-helpers';

/** Answers every request by calling `answer` with the socket; the test writes the raw response. */
async function rawServer(answer: (socket: net.Socket) => void): Promise<{ url: URL; sockets: net.Socket[]; close(): Promise<void> }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.once('data', () => answer(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: new URL(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}/v2/app/manifests/1`),
    sockets,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const head = (length?: number): string =>
  `HTTP/1.1 200 OK\r\n${length === undefined ? 'transfer-encoding: chunked' : `content-length: ${length}`}\r\n\r\n`;
const chunk = (text: string): string => `${text.length.toString(16)}\r\n${text}\r\n`;
const tooLarge = (announced?: number): CoreError => new CoreError('MANIFEST_TOO_LARGE', `too large (${announced ?? 'counted'})`);

describe('reading response bodies', () => {
  let transport: HttpTransport;
  let server: Awaited<ReturnType<typeof rawServer>> | undefined;
  beforeEach(() => {
    transport = new HttpTransport(() => ({}), undefined, { idleMs: 5_000, documentMs: 300 });
  });
  afterEach(async () => {
    await transport.close();
    await server?.close();
    server = undefined;
  });
  const get = (): Promise<HttpResponse> => transport.send({ method: 'GET', url: server!.url });

  it('reads a body exactly as large as the limit, announced or not', async () => {
    server = await rawServer((s) => s.end(`${head(10)}0123456789`));
    assert.equal((await readBodyLimited(await get(), 10, tooLarge)).toString(), '0123456789');
    await server.close();
    server = await rawServer((s) => s.end(`${head()}${chunk('01234')}${chunk('56789')}0\r\n\r\n`));
    assert.equal((await readBodyLimited(await get(), 10, tooLarge)).toString(), '0123456789');
  });

  it('refuses a Content-Length over the limit before reading, and drops the body', async () => {
    server = await rawServer((s) => s.write(`${head(11)}0123`));
    const res = await get();
    await rejectsWithCode(readBodyLimited(res, 10, tooLarge), 'MANIFEST_TOO_LARGE', /\(11\)/);
    assert.ok(res.body.destroyed);
  });

  it('refuses a body that grows past the limit without announcing it', async () => {
    server = await rawServer((s) => s.end(`${head()}${chunk('012345')}${chunk('67890')}0\r\n\r\n`));
    await rejectsWithCode(readBodyLimited(await get(), 10, tooLarge), 'MANIFEST_TOO_LARGE', /\(counted\)/);
  });

  it('fails a body trickled past the document deadline with BODY_TIMEOUT, in words', async () => {
    server = await rawServer((s) => {
      s.write(`${head(100)}0`);
      const timer = setInterval(() => s.write('1'), 50);
      s.on('close', () => clearInterval(timer));
    });
    const err = await rejectsWithCode(readBodyLimited(await get(), 1000, tooLarge), 'BODY_TIMEOUT');
    assert.equal(
      err.message,
      `${server.url.host} took more than 0.3 s to send /v2/app/manifests/1, so it was not used: try again; if the registry is just slow, allow it a longer request timeout.`,
    );
    assert.deepEqual(err.remedy, { kind: 'allow-more-time' });
  });

  it('names at most the first 120 characters of a long path in BODY_TIMEOUT', async () => {
    server = await rawServer((s) => {
      s.write(`${head(100)}0`);
      const timer = setInterval(() => s.write('1'), 50);
      s.on('close', () => clearInterval(timer));
    });
    const path = `/v2/app/blobs/${'a'.repeat(200)}`;
    const url = new URL(path, server.url);
    const res = await transport.send({ method: 'GET', url });
    const err = await rejectsWithCode(readBodyLimited(res, 1000, tooLarge), 'BODY_TIMEOUT');
    assert.ok(err.message.includes(` to send ${path.slice(0, 120)}, so`), err.message);
  });

  it('reads an error body up to 64 KiB and no further', async () => {
    const big = 'x'.repeat(MAX_ERROR_BODY_BYTES + 1000);
    server = await rawServer((s) => s.end(`${head(big.length)}${big}`));
    assert.equal((await errorBodyText(await get())).length, MAX_ERROR_BODY_BYTES);
    assert.equal(MAX_ERROR_BODY_BYTES, 64 * 1024);
  });

  it('an error body already read gives nothing, a short one all of it', async () => {
    server = await rawServer((s) => s.end(`${head(7)}problem`));
    const res = await get();
    assert.equal(await errorBodyText(res), 'problem');
    assert.equal(await errorBodyText(res), '');
  });

  it('an error body too slow gives what arrived', async () => {
    server = await rawServer((s) => {
      s.write(`${head(100)}partial`);
      const timer = setInterval(() => s.write('.'), 40);
      s.on('close', () => clearInterval(timer));
    });
    assert.match(await errorBodyText(await get()), /^partial\.*$/);
  });

  it('discardBody drops a body unread', async () => {
    server = await rawServer((s) => s.write(`${head(100)}abc`));
    const res = await get();
    discardBody(res);
    assert.ok(res.body.destroyed);
  });
});

describe('ResponseBody', () => {
  let transport: HttpTransport;
  let server: Awaited<ReturnType<typeof rawServer>> | undefined;
  beforeEach(() => {
    transport = new HttpTransport(() => ({}), undefined, { idleMs: 5_000, documentMs: 200 });
  });
  afterEach(async () => {
    await transport.close();
    await server?.close();
    server = undefined;
  });
  const get = (): Promise<HttpResponse> => transport.send({ method: 'GET', url: server!.url });

  it('dump() reads a short body to its end (so its connection can carry the next request)', async () => {
    server = await rawServer((s) => s.write(`${head(3)}abc`));
    const res = await get();
    await res.body.dump();
    assert.ok(res.body.readableEnded);
  });

  it('dump() drops at once a body announced larger than 128 KiB', async () => {
    server = await rawServer((s) => s.write(`${head(128 * 1024 + 1)}abc`));
    const res = await get();
    await res.body.dump();
    assert.ok(res.body.destroyed);
    assert.ok(!res.body.readableEnded);
  });

  it('dump() stops reading an unannounced body past 128 KiB', async () => {
    server = await rawServer((s) => {
      s.write(head());
      for (let i = 0; i < 40; i++) s.write(chunk('z'.repeat(8 * 1024)));
    });
    const res = await get();
    await res.body.dump();
    assert.ok(res.body.destroyed);
    assert.ok(!res.body.readableEnded);
  });

  it('dump() gives up on a trickled body after the document deadline, without failing', async () => {
    server = await rawServer((s) => {
      s.write(`${head(1000)}a`);
      const timer = setInterval(() => s.write('b'), 30);
      s.on('close', () => clearInterval(timer));
    });
    const res = await get();
    await res.body.dump();
    assert.ok(res.body.destroyed);
  });

  it('a connection cut mid-body reaches the reader as CONNECTION_RESET', async () => {
    server = await rawServer((s) => {
      s.write(`${head(100)}abc`);
      setTimeout(() => s.destroy(), 20);
    });
    const res = await get();
    const err = await (async () => {
      try {
        for await (const _ of res.body) void _;
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof CoreError, String(err));
    assert.equal(err.code, 'CONNECTION_RESET');
  });

  it('a HEAD answer announces the GET’s length but is read as empty', async () => {
    server = await rawServer((s) => s.write(head(500)));
    const res = await transport.send({ method: 'HEAD', url: server.url });
    assert.equal(res.headers['content-length'], '500');
    await res.body.dump();
    assert.ok(res.body.readableEnded);
  });
});
