// The blob upload protocol on the wire, against a scripted server on 127.0.0.1: the session's
// POST, a monolithic PUT or PATCHes of exact ranges and one closing PUT, the Location of each
// answer followed under the URL policy, a lost chunk asked about and resent, a refused session
// cancelled with a DELETE, and no closing PUT ever sent twice. Written from the transport group's
// mutation survivors (see docs/mutation.md); the lab's upload-sessions tests count the same at a
// fault proxy in front of a real registry.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { RegistryError } from '../../../../src/core/errors';
import { digestOf } from '../../../../src/core/oci/digest';
import type { Descriptor } from '../../../../src/core/oci/manifest';
import { chunkSizeFor, uploadBlob } from '../../../../src/core/registry/upload';
import type { HttpTransport } from '../../../../src/core/transport/http';
import { rejectsWithCode } from '../../support/layout-helpers';
import { endpointClient, scriptedServerPerTest, type Answer, type Seen, type ScriptedServer } from './scripted-server';

const bytes = Buffer.from('0123456789');
const descriptor: Descriptor = { mediaType: 'application/octet-stream', digest: digestOf(bytes), size: bytes.length };
const started = { status: 202, headers: { location: '/v2/app/blobs/uploads/u1?state=a' } } satisfies Answer;
const line = (r: Seen): string => `${r.method} ${r.url}`;
const content = (): Readable => Readable.from([bytes.subarray(0, 3), bytes.subarray(3)]);

/** A registry that keeps the bytes PATCHed to it and answers each PATCH with the next location. */
function chunkedRegistry(options: { minChunk?: number; patch?: (r: Seen, n: number) => Answer | undefined } = {}) {
  let patches = 0;
  return (r: Seen): Answer => {
    if (r.method === 'POST')
      return {
        status: 202,
        headers: { ...started.headers, ...(options.minChunk ? { 'oci-chunk-min-length': String(options.minChunk) } : {}) },
      };
    if (r.method === 'PATCH') {
      patches++;
      return options.patch?.(r, patches) ?? { status: 202, headers: { location: `/v2/app/blobs/uploads/u1?state=p${patches}` } };
    }
    if (r.method === 'PUT') return { status: 201 };
    return { status: 204 };
  };
}

describe('uploadBlob', () => {
  let server: ScriptedServer;
  let transport: HttpTransport;
  scriptedServerPerTest((s, t) => {
    server = s;
    transport = t;
  });
  const client = () => endpointClient(transport, server.host);

  it('monolithic: opens a session, then one PUT of every byte at the Location with the digest', async () => {
    server.script = (r) => (r.method === 'POST' ? started : { status: 201 });
    await uploadBlob(client(), 'app', descriptor, content());
    assert.deepEqual(server.seen.map(line), [
      'POST /v2/app/blobs/uploads/',
      `PUT /v2/app/blobs/uploads/u1?state=a&digest=${encodeURIComponent(descriptor.digest)}`,
    ]);
    assert.equal(server.seen[0]!.headers['content-length'], '0');
    const put = server.seen[1]!;
    assert.equal(put.body.toString(), '0123456789');
    assert.equal(put.headers['content-type'], 'application/octet-stream');
    assert.equal(put.headers['content-length'], '10');
  });

  it('takes a 204 for the closing PUT too', async () => {
    server.script = (r) => (r.method === 'POST' ? started : { status: 204 });
    await uploadBlob(client(), 'app', descriptor, content());
  });

  it('a session refused: the registry’s error, the content dropped, nothing else sent', async () => {
    server.script = () => ({ status: 403, body: JSON.stringify({ errors: [{ code: 'DENIED', message: 'no' }] }) });
    const stream = content();
    const err = await rejectsWithCode(uploadBlob(client(), 'app', descriptor, stream), 'DENIED');
    assert.ok(err instanceof RegistryError);
    assert.ok(stream.destroyed);
    assert.equal(server.seen.length, 1);
  });

  it('a session opened with 200 instead of 202 is a failure', async () => {
    server.script = () => ({ status: 200, headers: started.headers });
    await assert.rejects(uploadBlob(client(), 'app', descriptor, content()));
    assert.equal(server.seen.length, 1);
  });

  it('a session without Location: BAD_RESPONSE, the content dropped', async () => {
    server.script = () => ({ status: 202 });
    const stream = content();
    await rejectsWithCode(uploadBlob(client(), 'app', descriptor, stream), 'BAD_RESPONSE', /no Location header/);
    assert.ok(stream.destroyed);
  });

  it('a Location the URL policy refuses: nothing is sent there, not even a DELETE', async () => {
    server.script = () => ({ status: 202, headers: { location: `http://u:p@${server.host}/v2/app/blobs/uploads/u1` } });
    const stream = content();
    await rejectsWithCode(uploadBlob(client(), 'app', descriptor, stream), 'BAD_REDIRECT', /upload location/);
    assert.ok(stream.destroyed);
    assert.deepEqual(server.seen.map(line), ['POST /v2/app/blobs/uploads/']);
  });

  it('a 413 to the monolithic PUT: PAYLOAD_TOO_LARGE, and the session cancelled', async () => {
    server.script = (r) => (r.method === 'POST' ? started : r.method === 'PUT' ? { status: 413 } : { status: 204 });
    await rejectsWithCode(uploadBlob(client(), 'app', descriptor, content()), 'PAYLOAD_TOO_LARGE', /in chunks/);
    assert.deepEqual(
      server.seen.map((r) => r.method),
      ['POST', 'PUT', 'DELETE'],
    );
    assert.equal(server.seen[2]!.url, '/v2/app/blobs/uploads/u1?state=a');
  });

  it('a failing monolithic PUT is sent once (no retry of a stream), then the session is cancelled', async () => {
    server.script = (r) => (r.method === 'POST' ? started : r.method === 'PUT' ? { status: 500 } : { status: 204 });
    await rejectsWithCode(uploadBlob(client(), 'app', descriptor, content()), 'HTTP_500');
    assert.deepEqual(
      server.seen.map((r) => r.method),
      ['POST', 'PUT', 'DELETE'],
    );
  });

  it('chunked: exact ranges, each PATCH at the Location the last one gave, and one closing PUT with no body', async () => {
    server.script = chunkedRegistry();
    await uploadBlob(client(), 'app', descriptor, content(), { chunkSize: 4 });
    const patches = server.seen.filter((r) => r.method === 'PATCH');
    assert.deepEqual(
      patches.map((r) => [r.url, r.headers['content-range'], r.headers['content-length'], r.body.toString()]),
      [
        ['/v2/app/blobs/uploads/u1?state=a', '0-3', '4', '0123'],
        ['/v2/app/blobs/uploads/u1?state=p1', '4-7', '4', '4567'],
        ['/v2/app/blobs/uploads/u1?state=p2', '8-9', '2', '89'],
      ],
    );
    assert.ok(patches.every((r) => r.headers['content-type'] === 'application/octet-stream'));
    const puts = server.seen.filter((r) => r.method === 'PUT');
    assert.equal(puts.length, 1);
    assert.equal(puts[0]!.url, `/v2/app/blobs/uploads/u1?state=p3&digest=${encodeURIComponent(descriptor.digest)}`);
    assert.equal(puts[0]!.headers['content-length'], '0');
    assert.equal(puts[0]!.body.length, 0);
  });

  it('chunked: a PATCH answer without Location keeps the previous one; 201 and 204 confirm a chunk too', async () => {
    server.script = chunkedRegistry({ patch: (_r, n) => ({ status: n === 1 ? 201 : 204 }) });
    await uploadBlob(client(), 'app', descriptor, content(), { chunkSize: 6 });
    assert.deepEqual(server.seen.filter((r) => r.method !== 'POST').map(line), [
      'PATCH /v2/app/blobs/uploads/u1?state=a',
      'PATCH /v2/app/blobs/uploads/u1?state=a',
      `PUT /v2/app/blobs/uploads/u1?state=a&digest=${encodeURIComponent(descriptor.digest)}`,
    ]);
  });

  it('chunked: raises the chunk to the registry’s OCI-Chunk-Min-Length', async () => {
    server.script = chunkedRegistry({ minChunk: 8 });
    await uploadBlob(client(), 'app', descriptor, content(), { chunkSize: 2 });
    assert.deepEqual(
      server.seen.filter((r) => r.method === 'PATCH').map((r) => r.headers['content-range']),
      ['0-7', '8-9'],
    );
  });

  it('chunked: a registry minimum over 64 MiB fails before any PATCH when the blob is larger, and cancels the session', async () => {
    // One asked for 10^13 bytes and had a whole 512 MiB blob buffered for one PATCH.
    server.script = chunkedRegistry({ minChunk: 10 ** 13 });
    const claimed = { ...descriptor, size: 65 * 1024 * 1024 };
    const stream = content();
    await rejectsWithCode(
      uploadBlob(client(), 'app', claimed, stream, { chunkSize: 2 }),
      'UPLOAD_CHUNK_TOO_LARGE',
      /asks for upload chunks of at least 9536743 MiB \(OCI-Chunk-Min-Length\), more than the 64 MiB this client holds in memory for one chunk, so blob sha256:[0-9a-f]{64} in app \(65 MiB\) was not sent: if chunks were asked for, send it in one request instead;/,
    );
    assert.ok(stream.destroyed);
    assert.deepEqual(
      server.seen.map((r) => r.method),
      ['POST', 'DELETE'],
    );
  });

  it('chunked: a registry minimum over 64 MiB still takes a blob no larger than that, in one PATCH', async () => {
    server.script = chunkedRegistry({ minChunk: 10 ** 13 });
    await uploadBlob(client(), 'app', descriptor, content(), { chunkSize: 2 });
    assert.deepEqual(
      server.seen.filter((r) => r.method === 'PATCH').map((r) => r.headers['content-range']),
      ['0-9'],
    );
  });

  it('never holds a chunk over 1 GiB, whatever was asked for', () => {
    const GiB = 1024 ** 3;
    assert.equal(chunkSizeFor(8 * GiB, 0, 16 * GiB, 'r.example', 'blob'), GiB);
    assert.equal(chunkSizeFor(8 * GiB, 512 * 1024 * 1024, 16 * GiB, 'r.example', 'blob'), GiB);
    assert.throws(() => chunkSizeFor(8 * GiB, 2 * GiB, 16 * GiB, 'r.example', 'blob'), { code: 'UPLOAD_CHUNK_TOO_LARGE' });
    assert.equal(chunkSizeFor(4, 32 * 1024 * 1024, 16 * GiB, 'r.example', 'blob'), 32 * 1024 * 1024);
  });

  it('chunks a stream of many small pieces into exact sizes', async () => {
    server.script = chunkedRegistry();
    const pieces = Readable.from([...bytes].map((b) => Buffer.from([b])));
    await uploadBlob(client(), 'app', descriptor, pieces, { chunkSize: 3 });
    assert.deepEqual(
      server.seen.filter((r) => r.method === 'PATCH').map((r) => r.body.toString()),
      ['012', '345', '678', '9'],
    );
  });

  it('a failing closing PUT is sent once, and the session is cancelled', async () => {
    const base = chunkedRegistry();
    server.script = (r) => (r.method === 'PUT' ? { status: 503 } : base(r));
    await rejectsWithCode(uploadBlob(client(), 'app', descriptor, content(), { chunkSize: 16 }), 'HTTP_503');
    assert.deepEqual(
      server.seen.map((r) => r.method),
      ['POST', 'PATCH', 'PUT', 'DELETE'],
    );
  });

  it('a failing PATCH (not 416) fails the upload without asking how much arrived', async () => {
    server.script = chunkedRegistry({ patch: () => ({ status: 400 }) });
    await rejectsWithCode(uploadBlob(client(), 'app', descriptor, content(), { chunkSize: 4 }), 'HTTP_400');
    assert.deepEqual(
      server.seen.map((r) => r.method),
      ['POST', 'PATCH', 'DELETE'],
    );
  });

  it('a 416: asks how much arrived (Range), then resends the chunk', async () => {
    let ranged = 0;
    const base = chunkedRegistry({ patch: (_r, n) => (n === 2 ? { status: 416 } : undefined) });
    server.script = (r) => (r.method === 'GET' ? (ranged++, { status: 204, headers: { range: 'bytes=0-3' } }) : base(r));
    await uploadBlob(client(), 'app', descriptor, content(), { chunkSize: 4 });
    assert.equal(ranged, 1);
    assert.deepEqual(
      server.seen.filter((r) => r.method === 'GET').map((r) => r.url),
      ['/v2/app/blobs/uploads/u1?state=p1'],
    );
    assert.deepEqual(
      server.seen.filter((r) => r.method === 'PATCH').map((r) => r.headers['content-range']),
      ['0-3', '4-7', '4-7', '8-9'],
    );
  });

  it('a dropped PATCH whose bytes arrived anyway: moves on without resending', async () => {
    const base = chunkedRegistry();
    server.script = (r, i) => {
      if (r.method === 'PATCH' && r.headers['content-range'] === '0-3' && i === 1) return 'reset';
      if (r.method === 'GET') return { status: 204, headers: { range: '0-3' } };
      return base(r);
    };
    await uploadBlob(client(), 'app', descriptor, content(), { chunkSize: 4 });
    assert.deepEqual(
      server.seen.filter((r) => r.method === 'PATCH').map((r) => r.headers['content-range']),
      ['0-3', '4-7', '8-9'],
    );
  });

  it('after asking how much arrived, goes on at the Location the status answer gave', async () => {
    const base = chunkedRegistry();
    server.script = (r, i) => {
      if (r.method === 'PATCH' && r.headers['content-range'] === '0-3' && i === 1) return 'reset';
      if (r.method === 'GET') return { status: 204, headers: { range: '0-3', location: '/v2/app/blobs/uploads/u1?state=asked' } };
      return base(r);
    };
    await uploadBlob(client(), 'app', descriptor, content(), { chunkSize: 4 });
    assert.deepEqual(server.seen.filter((r) => r.method !== 'POST').map(line), [
      'PATCH /v2/app/blobs/uploads/u1?state=a',
      'GET /v2/app/blobs/uploads/u1?state=a',
      'PATCH /v2/app/blobs/uploads/u1?state=asked',
      'PATCH /v2/app/blobs/uploads/u1?state=p1',
      `PUT /v2/app/blobs/uploads/u1?state=p2&digest=${encodeURIComponent(descriptor.digest)}`,
    ]);
  });

  it('a status answer with a Location the URL policy refuses: nothing more is sent', async () => {
    const base = chunkedRegistry({ patch: (_r, n) => (n === 1 ? { status: 416 } : undefined) });
    const refused = `http://u:p@${server.host}/v2/app/blobs/uploads/u1?state=asked`;
    server.script = (r) => (r.method === 'GET' ? { status: 204, headers: { range: '0-3', location: refused } } : base(r));
    await rejectsWithCode(uploadBlob(client(), 'app', descriptor, content(), { chunkSize: 4 }), 'BAD_REDIRECT', /upload location/);
    assert.deepEqual(server.seen.map(line).slice(0, 3), [
      'POST /v2/app/blobs/uploads/',
      'PATCH /v2/app/blobs/uploads/u1?state=a',
      'GET /v2/app/blobs/uploads/u1?state=a',
    ]);
    assert.ok(
      server.seen.slice(3).every((r) => r.method === 'DELETE' && !r.url.includes('asked')),
      'only the cancel, at the old Location',
    );
  });

  it('a registry that lost the first chunk (no Range): resends it from 0', async () => {
    const base = chunkedRegistry({ patch: (_r, n) => (n === 1 ? { status: 416 } : undefined) });
    server.script = (r) => (r.method === 'GET' ? { status: 204 } : base(r));
    await uploadBlob(client(), 'app', descriptor, content(), { chunkSize: 4 });
    assert.deepEqual(
      server.seen.filter((r) => r.method === 'PATCH').map((r) => r.headers['content-range']),
      ['0-3', '0-3', '4-7', '8-9'],
    );
  });

  it('an empty first chunk reported as "0-0": resends from 0', async () => {
    const base = chunkedRegistry({ patch: (_r, n) => (n === 1 ? { status: 416 } : undefined) });
    server.script = (r) => (r.method === 'GET' ? { status: 200, headers: { range: '0-0' } } : base(r));
    await uploadBlob(client(), 'app', descriptor, content(), { chunkSize: 4 });
    assert.equal(server.seen.filter((r) => r.method === 'PATCH').length, 4);
  });

  it('a chunk lost three times: UPLOAD_OUT_OF_SYNC, and the session cancelled', async () => {
    const base = chunkedRegistry({ patch: () => ({ status: 416 }) });
    server.script = (r) => (r.method === 'GET' ? { status: 204, headers: { range: '0-0' } } : base(r));
    await rejectsWithCode(
      uploadBlob(client(), 'app', descriptor, content(), { chunkSize: 4 }),
      'UPLOAD_OUT_OF_SYNC',
      /has 0 bytes of blob sha256:[0-9a-f]+ in app where 0 were expected/,
    );
    assert.equal(server.seen.filter((r) => r.method === 'PATCH').length, 3);
    assert.equal(server.seen.at(-1)!.method, 'DELETE');
  });

  it('a registry holding other bytes than were sent: UPLOAD_OUT_OF_SYNC at once', async () => {
    const base = chunkedRegistry({ patch: (_r, n) => (n === 2 ? { status: 416 } : undefined) });
    server.script = (r) => (r.method === 'GET' ? { status: 204, headers: { range: '0-1' } } : base(r));
    await rejectsWithCode(
      uploadBlob(client(), 'app', descriptor, content(), { chunkSize: 4 }),
      'UPLOAD_OUT_OF_SYNC',
      /has 2 bytes of .* where 4 were expected/,
    );
    assert.equal(server.seen.filter((r) => r.method === 'PATCH').length, 2);
  });

  it('a registry that will not say how much it has (Range unreadable): UPLOAD_OUT_OF_SYNC', async () => {
    const base = chunkedRegistry({ patch: () => ({ status: 416 }) });
    server.script = (r) => (r.method === 'GET' ? { status: 404, headers: { range: 'x' } } : base(r));
    await rejectsWithCode(
      uploadBlob(client(), 'app', descriptor, content(), { chunkSize: 4 }),
      'UPLOAD_OUT_OF_SYNC',
      /did not say how much of the upload it has \(HTTP 404\)/,
    );
  });

  it('a PATCH failing after the caller cancelled is not sent again', async () => {
    const controller = new AbortController();
    const base = chunkedRegistry();
    server.script = (r) => {
      if (r.method !== 'PATCH') return base(r);
      controller.abort();
      return 'reset';
    };
    await rejectsWithCode(uploadBlob(client(), 'app', descriptor, content(), { chunkSize: 4, signal: controller.signal }), 'CANCELLED');
    assert.equal(server.seen.filter((r) => r.method === 'PATCH').length, 1);
  });

  it('a PATCH dropped three times fails with the connection’s error', async () => {
    const base = chunkedRegistry();
    server.script = (r) => (r.method === 'PATCH' ? 'reset' : r.method === 'GET' ? { status: 204, headers: { range: '0-0' } } : base(r));
    await rejectsWithCode(uploadBlob(client(), 'app', descriptor, content(), { chunkSize: 4 }), 'CONNECTION_RESET');
    assert.equal(server.seen.filter((r) => r.method === 'PATCH').length, 3);
  });

  it('a 401 to the session with a login it cannot answer: the refusal in the authorizer’s words', async () => {
    server.script = () => ({ status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } });
    await rejectsWithCode(
      uploadBlob(client(), 'app', descriptor, content()),
      'NEEDS_LOGIN',
      /requires a login for pull and push repository app/,
    );
  });

  it('a closing PUT answered 204 after chunks is success', async () => {
    const base = chunkedRegistry();
    server.script = (r) => (r.method === 'PUT' ? { status: 204 } : base(r));
    await uploadBlob(client(), 'app', descriptor, content(), { chunkSize: 16 });
  });

  it('the cancelling DELETE is sent once, even when it fails', async () => {
    server.script = (r) => (r.method === 'POST' ? started : r.method === 'PUT' ? { status: 400 } : { status: 503 });
    await rejectsWithCode(uploadBlob(client(), 'app', descriptor, content()), 'HTTP_400');
    assert.deepEqual(
      server.seen.map((r) => r.method),
      ['POST', 'PUT', 'DELETE'],
    );
  });

  it('reads the cancelling DELETE’s answer, so its connection carries the next request', async () => {
    // An answer over the 64 KiB a body holds unread: left unread, it would keep its connection busy.
    const long = 'x'.repeat(100 * 1024);
    server.script = (r) => (r.method === 'POST' ? started : r.method === 'PUT' ? { status: 400 } : { status: 202, body: long });
    await rejectsWithCode(uploadBlob(client(), 'app', descriptor, content()), 'HTTP_400');
    await new Promise((resolve) => setImmediate(resolve));
    const before = server.connections;
    await uploadBlob(client(), 'app', descriptor, content()).catch(() => undefined);
    assert.equal(server.connections, before, 'no new connection for the next request');
  });

  it('a monolithic PUT challenged mid-upload is not sent twice: the stream cannot be replayed', async () => {
    const credential = { username: 'me', password: 'secret', source: 'test' };
    server.script = (r) => (r.method === 'POST' ? started : { status: 401, headers: { 'www-authenticate': 'Basic realm="again"' } });
    await rejectsWithCode(
      uploadBlob(endpointClient(transport, server.host, { credential }), 'app', descriptor, content()),
      'UPLOAD_NOT_REPLAYABLE',
      /^The upload of blob sha256:[0-9a-f]+ in app was interrupted and has to start again\.$/,
    );
    assert.equal(server.seen.filter((r) => r.method === 'PUT').length, 1);
  });

  it('a 403 insufficient_scope to the session is a refusal in the authorizer’s words, a plain 403 the registry’s', async () => {
    server.script = () => ({ status: 403, headers: { 'www-authenticate': 'Basic realm="r", error="insufficient_scope"' } });
    await rejectsWithCode(uploadBlob(client(), 'app', descriptor, content()), 'NEEDS_LOGIN', /requires a login for pull and push/);
    server.script = () => ({ status: 403, headers: { 'www-authenticate': 'Basic realm="r"' } });
    const plain = await rejectsWithCode(uploadBlob(client(), 'app', descriptor, content()), 'DENIED');
    assert.ok(plain instanceof RegistryError);
    // insufficient_scope means a refusal only on a 403: a 404 carrying it is the registry's own 404.
    server.script = () => ({ status: 404, headers: { 'www-authenticate': 'Basic realm="r", error="insufficient_scope"' } });
    await assert.rejects(uploadBlob(client(), 'app', descriptor, content()), (err: Error) => err instanceof RegistryError);
  });

  it('a stream of an exact multiple of the chunk: no empty PATCH at the end', async () => {
    server.script = chunkedRegistry();
    await uploadBlob(client(), 'app', descriptor, content(), { chunkSize: 5 });
    assert.deepEqual(
      server.seen.filter((r) => r.method === 'PATCH').map((r) => r.headers['content-range']),
      ['0-4', '5-9'],
    );
  });

  it('reads a Range of several digits, and only one that starts at 0 and is nothing but a range', async () => {
    const big = Buffer.alloc(30, 1);
    const bigDescriptor: Descriptor = { ...descriptor, digest: digestOf(big), size: big.length };
    const base = chunkedRegistry({ patch: (_r, n) => (n === 2 ? { status: 416 } : undefined) });
    server.script = (r) => (r.method === 'GET' ? { status: 204, headers: { range: 'bytes=0-11' } } : base(r));
    await uploadBlob(client(), 'app', bigDescriptor, Readable.from([big]), { chunkSize: 12 });
    assert.deepEqual(
      server.seen.filter((r) => r.method === 'PATCH').map((r) => r.headers['content-range']),
      ['0-11', '12-23', '12-23', '24-29'],
    );
    for (const range of ['5-11', '0-3x', 'x0-3']) {
      server.seen.length = 0;
      server.script = (r) =>
        r.method === 'GET' ? { status: 204, headers: { range } } : chunkedRegistry({ patch: () => ({ status: 416 }) })(r);
      await rejectsWithCode(
        uploadBlob(client(), 'app', descriptor, content(), { chunkSize: 4 }),
        'UPLOAD_OUT_OF_SYNC',
        /did not say how much of the upload it has \(HTTP 204\)/,
      );
    }
  });

  it('a 200 without Range means nothing arrived; another status without Range says nothing', async () => {
    const base = chunkedRegistry({ patch: (_r, n) => (n === 1 ? { status: 416 } : undefined) });
    server.script = (r) => (r.method === 'GET' ? { status: 200 } : base(r));
    await uploadBlob(client(), 'app', descriptor, content(), { chunkSize: 4 });
    server.seen.length = 0;
    const failing = chunkedRegistry({ patch: () => ({ status: 416 }) });
    server.script = (r) => (r.method === 'GET' ? { status: 404 } : failing(r));
    await rejectsWithCode(uploadBlob(client(), 'app', descriptor, content(), { chunkSize: 4 }), 'UPLOAD_OUT_OF_SYNC', /HTTP 404/);
  });

  it('"0-0" after the first chunk is one byte held, not none', async () => {
    const base = chunkedRegistry({ patch: (_r, n) => (n === 2 ? { status: 416 } : undefined) });
    server.script = (r) => (r.method === 'GET' ? { status: 204, headers: { range: '0-0' } } : base(r));
    await rejectsWithCode(
      uploadBlob(client(), 'app', descriptor, content(), { chunkSize: 4 }),
      'UPLOAD_OUT_OF_SYNC',
      /has 1 bytes of .* where 4 were expected/,
    );
  });
});
