// ResponseBody's back-pressure on the wire: a body nobody reads holds its server back (bytes counted
// at a real server on 127.0.0.1), and reading it afterwards gets every byte. Without back-pressure a
// blob read slowly (a disk, a push to another registry) would be buffered whole in memory. Written
// from the transport group's mutation survivors (see docs/mutation.md).
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpTransport } from '../../../../src/core/transport/http';

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
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/blob`);
    transport = new HttpTransport();
  });
  afterEach(async () => {
    await transport.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

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
