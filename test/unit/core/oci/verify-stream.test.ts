// verifiedStream on both of its paths: a registry's response body that checks its own chunks (no
// stream between the body and its reader) and any other stream, piped through a verifying stream.
// Either way the reader must never see the end of content whose digest or size is wrong, and the
// error must name what was read.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { verifiedStream } from '../../../../src/core/oci/verify-stream';
import { HttpTransport } from '../../../../src/core/transport/http';
import { rejectsWithCode } from '../../support/layout-helpers';

const CONTENT = Buffer.concat([Buffer.alloc(300 * 1024, 5), Buffer.from('the end')]);
const RIGHT = { digest: `sha256:${createHash('sha256').update(CONTENT).digest('hex')}`, size: CONTENT.length };
const WRONG_DIGEST = { digest: `sha256:${'0'.repeat(64)}`, size: CONTENT.length };

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('verifiedStream', function () {
  this.timeout(20_000);
  let server: http.Server;
  let transport: HttpTransport;
  let origin: string;

  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/cut') {
        // Announces the whole content, sends half of it, then closes the connection.
        res.writeHead(200, { 'content-length': String(CONTENT.length) });
        res.write(CONTENT.subarray(0, CONTENT.length / 2), () => res.destroy());
        return;
      }
      res.writeHead(200, { 'content-length': String(CONTENT.length) });
      res.end(CONTENT);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    transport = new HttpTransport();
  });
  after(async () => {
    await transport.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const body = async (path = '/blob'): Promise<Readable> => (await transport.send({ method: 'GET', url: new URL(path, origin) })).body;

  describe('on a response body, which checks its own chunks', () => {
    it('is the body itself, passes every byte and counts them', async () => {
      const source = await body();
      let counted = 0;
      const checked = verifiedStream(source, RIGHT, 'the blob', { onBytes: (n) => (counted += n) });
      assert.equal(checked, source, 'no stream between the body and its reader');
      assert.ok((await readAll(checked)).equals(CONTENT));
      assert.equal(counted, CONTENT.length);
    });

    it('fails with DIGEST_MISMATCH naming what was read, and tells onError', async () => {
      const heard: Error[] = [];
      const checked = verifiedStream(await body(), WRONG_DIGEST, 'the blob of the test', { onError: (err) => heard.push(err) });
      const err = await rejectsWithCode(readAll(checked), 'DIGEST_MISMATCH');
      assert.match(err.message, /^the blob of the test: /);
      assert.equal(heard.length, 1);
      assert.equal(heard[0], err);
    });

    it('fails with SIZE_MISMATCH as soon as more bytes come than the size, before the end', async () => {
      const checked = verifiedStream(await body(), { ...RIGHT, size: 1024 }, 'the blob');
      let read = 0;
      await rejectsWithCode(
        (async () => {
          for await (const chunk of checked) read += (chunk as Buffer).length;
        })(),
        'SIZE_MISMATCH',
      );
      assert.ok(read <= 1024, `${read} bytes reached the reader`);
    });

    it('passes on a cut connection as the transport words it, to the reader and to onError', async () => {
      const heard: Error[] = [];
      const checked = verifiedStream(await body('/cut'), RIGHT, 'the blob', { onError: (err) => heard.push(err) });
      const err = await rejectsWithCode(readAll(checked), 'CONNECTION_RESET');
      assert.deepEqual(heard, [err]);
    });

    it('falls back to a verifying stream once the body has been read from: what it missed fails the check', async () => {
      const source = await body();
      await once(source, 'readable');
      assert.ok(source.read(), 'a first chunk read before the check');
      const checked = verifiedStream(source, RIGHT, 'the blob');
      assert.notEqual(checked, source);
      await rejectsWithCode(readAll(checked), 'SIZE_MISMATCH');
    });
  });

  describe('on any other stream', () => {
    it('passes every byte of the right content', async () => {
      const checked = verifiedStream(Readable.from([CONTENT.subarray(0, 1000), CONTENT.subarray(1000)]), RIGHT, 'the file');
      assert.ok((await readAll(checked)).equals(CONTENT));
    });

    it('fails with DIGEST_MISMATCH naming what was read, and tells onError', async () => {
      const heard: Error[] = [];
      const checked = verifiedStream(Readable.from([CONTENT]), WRONG_DIGEST, 'the file', { onError: (err) => heard.push(err) });
      const err = await rejectsWithCode(readAll(checked), 'DIGEST_MISMATCH');
      assert.match(err.message, /^the file: /);
      assert.equal(heard[0], err);
    });

    it("passes on the source's own failure", async () => {
      const failure = new Error('the disk went away');
      const source = new Readable({
        read() {
          this.destroy(failure);
        },
      });
      await assert.rejects(readAll(verifiedStream(source, RIGHT, 'the file')), (err) => err === failure);
    });
  });
});
