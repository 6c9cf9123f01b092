// How the copy engine fails and retries when a side dies mid-transfer (found by the lab's soak and
// restart tests): a target failing mid-upload is retried by its own error, not hidden behind the
// pipe's "premature close"; a socket error cut into a source body ends as a CoreError; and an
// error body already drained is never read again (undici 6 would crash the process).
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import type { ReadTarget, WriteTarget } from '../../../../src/core/oci/content';
import { digestOf } from '../../../../src/core/oci/digest';
import { CoreError } from '../../../../src/core/errors';
import { errorBodyText, MAX_ERROR_BODY_BYTES } from '../../../../src/core/transport/read-body';
import type { Descriptor } from '../../../../src/core/oci/manifest';
import { copy } from '../../../../src/core/operations/copy';
import type { HttpResponse } from '../../../../src/core/transport/http';
import { rejectsWithCode } from '../../support/layout-helpers';

const layer = Buffer.alloc(256 * 1024, 7);
const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
const descriptorOf = (bytes: Buffer, mediaType: string): Descriptor => ({ mediaType, digest: digestOf(bytes), size: bytes.length });
const layerD = descriptorOf(layer, 'application/vnd.oci.image.layer.v1.tar');
const configD = descriptorOf(config, 'application/vnd.oci.image.config.v1+json');
const manifest = Buffer.from(
  JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: configD, layers: [layerD] }),
);
const root = descriptorOf(manifest, 'application/vnd.oci.image.manifest.v1+json');

/** 16 KiB at a time, a turn of the event loop apart: still flowing when the target gives up, as a network body is. */
async function* slowly(bytes: Buffer): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += 16 * 1024) {
    await new Promise((resolve) => setImmediate(resolve));
    yield bytes.subarray(at, at + 16 * 1024);
  }
}

/** In memory; `cutLayer` makes the layer's body fail half-way with an error like undici's SocketError. */
function source(cutLayer = false): ReadTarget {
  return {
    name: 'memory-source',
    fetchManifest: () => Promise.resolve(manifest),
    openBlob: (d) => {
      const bytes = d.digest === layerD.digest ? layer : config;
      if (d.digest !== layerD.digest) return Promise.resolve(Readable.from([bytes]));
      if (!cutLayer) return Promise.resolve(Readable.from(slowly(bytes)));
      const socketError = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
      let sent = false;
      return Promise.resolve(
        new Readable({
          read() {
            if (sent) return void setImmediate(() => this.destroy(socketError));
            sent = true;
            this.push(bytes.subarray(0, 1000));
          },
        }),
      );
    },
  };
}

/** In memory; the first upload of the layer reads a little, drops the stream (as undici does) and fails as a cut connection. */
class FlakyTarget implements WriteTarget {
  readonly name = 'memory-target';
  readonly blobs = new Map<string, Buffer>();
  readonly manifests: string[] = [];
  layerUploads = 0;

  hasBlob(d: Descriptor): Promise<boolean> {
    return Promise.resolve(this.blobs.has(d.digest));
  }

  hasManifest(d: Descriptor): Promise<boolean> {
    return Promise.resolve(this.manifests.includes(d.digest));
  }

  async pushBlob(d: Descriptor, content: Readable): Promise<void> {
    if (d.digest === layerD.digest && ++this.layerUploads === 1) {
      await new Promise((resolve) => content.once('data', resolve));
      content.destroy();
      await new Promise((resolve) => setImmediate(resolve));
      throw new CoreError('CONNECTION_RESET', 'memory-target closed the connection unexpectedly.');
    }
    const chunks: Buffer[] = [];
    for await (const chunk of content) chunks.push(chunk as Buffer);
    this.blobs.set(d.digest, Buffer.concat(chunks as unknown as Uint8Array[]));
  }

  pushManifest(d: Descriptor): Promise<void> {
    this.manifests.push(d.digest);
    return Promise.resolve();
  }
}

describe('copy: failures mid-transfer', function () {
  it('retries a blob whose upload the target cut, by the target’s error (not the pipe’s premature close)', async function () {
    const target = new FlakyTarget();
    const result = await copy(source(), target, root, { blobAttempts: 2, concurrency: 1 });
    assert.equal(target.layerUploads, 2, 'the layer was uploaded again');
    assert.equal(result.blobs.copied, 2);
    assert.deepEqual(target.blobs.get(layerD.digest), layer);
    assert.deepEqual(target.manifests, [root.digest]);
  });

  it('reports a socket error cut into a source body as a CoreError, after retrying it', async function () {
    const target = new FlakyTarget();
    target.layerUploads = 1;
    const err = await rejectsWithCode(
      copy(source(true), target, root, { blobAttempts: 2, concurrency: 1 }),
      'CONNECTION_RESET',
      /memory-source/,
    );
    assert.ok(err.cause instanceof Error && /other side closed/.test(err.cause.message));
    assert.equal(target.layerUploads, 3, 'the layer was tried twice');
    assert.deepEqual(target.manifests, [], 'no manifest without its blobs');
  });
});

describe('errorBodyText', function () {
  let server: http.Server;
  let url: string;

  before(async function () {
    server = http.createServer((req, res) => {
      if (req.url === '/endless') {
        // A hostile registry's error body that never ends; only the client can stop it.
        res.writeHead(500, { 'content-type': 'text/plain' });
        const chunk = Buffer.alloc(16 * 1024, 0x61);
        const pump = (): void => {
          while (res.write(chunk));
        };
        res.on('drain', pump);
        res.on('close', () => res.off('drain', pump));
        pump();
        return;
      }
      const body = '{"errors":[{"code":"UNAVAILABLE"}]}';
      res.writeHead(502, { 'content-type': 'application/json', 'content-length': String(body.length) }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/`;
  });

  after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // keep-alive sockets of the client would hold close() open
      }),
  );

  const respond = async (method: 'HEAD' | 'GET'): Promise<HttpResponse> => {
    const res = await request(url, { method, reset: false });
    return { status: res.statusCode, url: new URL(url), headers: res.headers, body: res.body };
  };

  it('gives nothing for a body already drained (a HEAD), and does not bring the process down', async function () {
    const res = await respond('HEAD');
    await res.body.dump();
    assert.equal(await errorBodyText(res), '');
  });

  it('reads an error body not read yet', async function () {
    assert.match(await errorBodyText(await respond('GET')), /UNAVAILABLE/);
  });

  it('reads at most 64 KiB of an error body that never ends, and lets go of it', async function () {
    this.timeout(10_000);
    const res = await request(url.replace('/v2/', '/endless'), { method: 'GET' });
    const text = await errorBodyText({ status: res.statusCode, url: new URL(url), headers: res.headers, body: res.body });
    assert.equal(text.length, MAX_ERROR_BODY_BYTES);
    assert.ok(res.body.destroyed, 'the rest of the body is not read');
  });
});
