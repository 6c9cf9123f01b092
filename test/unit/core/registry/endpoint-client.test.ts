// The endpoint client on the wire, against a scripted server on 127.0.0.1: its URLs (API root,
// query, `ns`), which failures it retries and how often, the origin's Retry-After gate, the
// answers to an auth challenge, and redirects followed by hand (methods and bodies per status,
// Authorization and configured headers only to the endpoint's own origin, the URL policy and the
// hop limit). Written from the transport group's mutation survivors (see docs/mutation.md).
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { CoreError } from '../../../../src/core/errors';
import { HttpTransport } from '../../../../src/core/transport/http';
import type { RequestLogEntry } from '../../../../src/core/transport/connection';
import { rejectsWithCode } from '../../support/layout-helpers';
import { header } from '../../../../src/core/registry/endpoint-client';
import { endpointClient, ScriptedServer, type Answer, type Seen } from './scripted-server';

const scopes = ['repository:app:pull'];
const text = async (res: { body: AsyncIterable<Buffer> }): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const c of res.body) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
};

describe('EndpointClient on the wire', () => {
  let server: ScriptedServer;
  let storage: ScriptedServer;
  let transport: HttpTransport;

  beforeEach(async () => {
    server = await new ScriptedServer().start();
    storage = await new ScriptedServer().start();
    transport = new HttpTransport();
  });
  afterEach(async () => {
    await transport.close();
    await server.stop();
    await storage.stop();
  });

  describe('URLs', () => {
    it('puts paths under the API root, drops undefined query values and adds ns only on its own host', () => {
      const client = endpointClient(transport, server.host, { ns: 'docker.io', pathPrefix: '/api/v2' });
      const own = client.url('/app/tags/list', { n: '10', last: undefined });
      assert.equal(own.href, `${server.origin}/api/v2/app/tags/list?n=10&ns=docker.io`);
      assert.equal(client.url(new URL(`${server.origin}/x?ns=other`)).searchParams.get('ns'), 'other');
      assert.equal(client.url(new URL(`${storage.origin}/x`)).searchParams.has('ns'), false);
      assert.equal(endpointClient(transport, server.host).url('/').search, '');
      assert.equal(client.origin, server.origin);
      assert.equal(client.host, server.host);
    });
  });

  describe('retries', () => {
    it('asks again after a 503 until the policy’s attempts are spent, then returns the last answer', async () => {
      server.script = () => ({ status: 503, body: 'down' });
      const res = await endpointClient(transport, server.host).send({ method: 'GET', path: '/', scopes });
      assert.equal(res.status, 503);
      assert.equal(server.seen.length, 3);
    });

    it('asks once when retry is false (a mirror), and never retries a 404', async () => {
      server.script = () => ({ status: 503 });
      const client = endpointClient(transport, server.host);
      assert.equal((await client.send({ method: 'GET', path: '/', scopes, retry: false })).status, 503);
      assert.equal(server.seen.length, 1);
      server.script = () => ({ status: 404 });
      assert.equal((await client.send({ method: 'GET', path: '/', scopes })).status, 404);
      assert.equal(server.seen.length, 2);
    });

    it('answers the second attempt after a 503, and tells the observer about every answer', async () => {
      server.script = (_r, i) => (i === 0 ? { status: 503 } : { status: 200, body: 'ok' });
      const statuses: number[] = [];
      const res = await endpointClient(transport, server.host, { observe: (s) => statuses.push(s) }).send({
        method: 'GET',
        path: '/',
        scopes,
      });
      assert.equal(await text(res), 'ok');
      assert.deepEqual(statuses, [503, 200]);
    });

    it('sends again after a dropped connection, but not when retry is false', async () => {
      // Answers close their connection, so each drop happens on a new one: the transport sends again
      // only on a kept connection the server closed as the request went out (see direct-client.ts).
      server.script = (_r, i) => (i === 0 ? 'reset' : { status: 200, headers: { connection: 'close' } });
      const client = endpointClient(transport, server.host);
      assert.equal((await client.send({ method: 'GET', path: '/', scopes })).status, 200);
      assert.equal(server.seen.length, 2);
      server.script = () => 'reset';
      await rejectsWithCode(client.send({ method: 'GET', path: '/', scopes, retry: false }), 'CONNECTION_RESET');
      assert.equal(server.seen.length, 3);
      await rejectsWithCode(client.send({ method: 'GET', path: '/', scopes }), 'CONNECTION_RESET');
      assert.equal(server.seen.length, 6);
    });

    it('does not retry a failure that is not temporary (nothing listening)', async () => {
      const port = Number(storage.host.split(':')[1]);
      await storage.stop();
      await rejectsWithCode(
        endpointClient(transport, `127.0.0.1:${port}`).send({ method: 'GET', path: '/', scopes }),
        'CONNECTION_REFUSED',
      );
    });

    it('stops at once when the caller cancels while a retry waits', async () => {
      server.script = () => ({ status: 503 });
      const controller = new AbortController();
      const client = endpointClient(transport, server.host, { retry: { maxAttempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 } });
      const sending = client.send({ method: 'GET', path: '/', scopes, signal: controller.signal });
      while (server.seen.length === 0) await new Promise((r) => setTimeout(r, 5));
      controller.abort();
      await rejectsWithCode(sending, 'CANCELLED');
      assert.equal(server.seen.length, 1);
    });

    it('does not retry after a dropped connection once the caller cancelled', async () => {
      const controller = new AbortController();
      server.script = () => {
        controller.abort();
        return 'reset';
      };
      await rejectsWithCode(
        endpointClient(transport, server.host).send({ method: 'GET', path: '/', scopes, signal: controller.signal }),
        'CANCELLED',
      );
      assert.equal(server.seen.length, 1);
    });

    it('holds the whole origin for a Retry-After longer than the cap: RETRY_LATER, one request, retryAt set', async () => {
      server.script = () => ({ status: 503, headers: { 'retry-after': '3600' } });
      const client = endpointClient(transport, server.host);
      assert.equal(client.retryAt, undefined as Date | undefined);
      const err = await rejectsWithCode(client.send({ method: 'GET', path: '/', scopes }), 'RETRY_LATER', /HTTP 503/);
      assert.ok(err instanceof CoreError);
      assert.equal(server.seen.length, 1);
      assert.ok(client.retryAt && client.retryAt.getTime() > Date.now() + 3000_000);
    });

    it('waits only for the Retry-After asked, not for its own backoff too', async () => {
      // A backoff of a minute: the test's own time limit fails first if it is slept after the hold.
      const retry = { maxAttempts: 3, baseDelayMs: 60_000, maxDelayMs: 60_000 };
      server.script = (_r, i) => (i === 0 ? { status: 503, headers: { 'retry-after': '0' } } : { status: 200 });
      const res = await endpointClient(transport, server.host, { retry }).send({ method: 'GET', path: '/', scopes });
      assert.equal(res.status, 200);
      assert.equal(server.seen.length, 2);
    });

    it('waits out a short Retry-After at the gate, then asks again', async () => {
      server.script = (_r, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '0' } } : { status: 200 });
      const res = await endpointClient(transport, server.host).send({ method: 'GET', path: '/', scopes });
      assert.equal(res.status, 200);
      assert.equal(server.seen.length, 2);
    });

    it('does not let blob storage’s Retry-After hold the registry', async () => {
      server.script = () => ({ status: 307, headers: { location: `${storage.origin}/blob` } });
      storage.script = () => ({ status: 503, headers: { 'retry-after': '3600' } });
      const client = endpointClient(transport, server.host);
      const res = await client.send({ method: 'GET', path: '/app/blobs/x', scopes });
      assert.equal(res.status, 503);
      assert.equal(client.retryAt, undefined);
      assert.equal(storage.seen.length, 3);
    });

    it('logs each exchange with its status, or its error code, and never a header', async () => {
      const log: RequestLogEntry[] = [];
      const began = performance.now();
      server.script = (_r, i) => (i === 0 ? 'reset' : { status: 204 });
      await endpointClient(transport, server.host, { log }).send({ method: 'GET', path: '/x', query: { a: 'b' }, scopes });
      assert.deepEqual(
        log.map((e) => [e.method, e.url, e.status, e.error]),
        [
          ['GET', `${server.origin}/v2/x?a=b`, undefined, 'CONNECTION_RESET'],
          ['GET', `${server.origin}/v2/x?a=b`, 204, undefined],
        ],
      );
      // Each duration is the exchange's own: never more than the whole test took so far.
      const elapsed = performance.now() - began;
      assert.ok(
        log.every((e) => e.durationMs >= 0 && e.durationMs <= elapsed),
        JSON.stringify(log),
      );
    });
  });

  describe('authorization', () => {
    const credential = { username: 'me', password: 'secret', source: 'test' };
    const basic = `Basic ${Buffer.from('me:secret').toString('base64')}`;

    it('answers a Basic challenge once, with the login, and sends the configured headers', async () => {
      server.script = (r) =>
        r.headers.authorization === basic ? { status: 200 } : { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } };
      const client = endpointClient(transport, server.host, { credential, headers: { 'x-team': 'blue' } });
      const res = await client.send({ method: 'GET', path: '/', scopes, headers: { accept: 'a/b' } });
      assert.equal(res.status, 200);
      assert.equal(server.seen.length, 2);
      assert.equal(server.seen[0]!.headers.authorization, undefined);
      assert.equal(server.seen[1]!.headers['x-team'], 'blue');
      assert.equal(server.seen[1]!.headers.accept, 'a/b');
      assert.equal(client.challenge?.scheme, 'basic');
    });

    it('returns a 401 it cannot answer (no login) without asking again', async () => {
      server.script = () => ({ status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } });
      const res = await endpointClient(transport, server.host).send({ method: 'GET', path: '/', scopes });
      assert.equal(res.status, 401);
      assert.equal(server.seen.length, 1);
    });

    it('answers a 403 only when it says insufficient_scope', async () => {
      server.script = (r) =>
        r.headers.authorization === basic ? { status: 200 } : { status: 403, headers: { 'www-authenticate': 'Basic realm="r"' } };
      const plain = await endpointClient(transport, server.host, { credential }).send({ method: 'GET', path: '/', scopes });
      assert.equal(plain.status, 403);
      assert.equal(server.seen.length, 1);
    });

    it('answers a 403 insufficient_scope with a wider token, and a 401 Bearer with a token', async () => {
      const tokens: string[] = [];
      server.script = (r) => {
        if (r.url.startsWith('/token')) {
          const scope = new URL(r.url, 'http://x').searchParams.getAll('scope').join(' ');
          tokens.push(scope);
          return { status: 200, body: JSON.stringify({ token: scope.includes('push') ? 'wide' : 'narrow' }) };
        }
        const realm = `realm="${server.origin}/token",service="s"`;
        if (r.headers.authorization === 'Bearer wide') return { status: 200 };
        if (r.headers.authorization === 'Bearer narrow')
          return {
            status: 403,
            headers: { 'www-authenticate': `Bearer ${realm},scope="repository:app:pull,push",error="insufficient_scope"` },
          };
        return { status: 401, headers: { 'www-authenticate': `Bearer ${realm},scope="repository:app:pull"` } };
      };
      const res = await endpointClient(transport, server.host).send({ method: 'GET', path: '/app/x', scopes });
      assert.equal(res.status, 200);
      assert.equal(tokens.length, 2);
      assert.match(tokens[1]!, /push/);
    });

    it('stops answering challenges after two rounds', async () => {
      server.script = () => ({ status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } });
      const res = await endpointClient(transport, server.host, { credential }).send({ method: 'GET', path: '/', scopes });
      assert.equal(res.status, 401);
      assert.ok(server.seen.length <= 3, `${server.seen.length} requests`);
    });

    it('stops after two rounds even when every challenge is answered with a new token', async () => {
      let issued = 0;
      server.script = (r) =>
        r.url.startsWith('/token')
          ? { status: 200, body: JSON.stringify({ token: `t${++issued}` }) }
          : { status: 401, headers: { 'www-authenticate': `Bearer realm="${server.origin}/token",service="s",error="invalid_token"` } };
      const res = await endpointClient(transport, server.host).send({ method: 'GET', path: '/app/x', scopes });
      assert.equal(res.status, 401);
      const toRegistry = server.seen.filter((r) => !r.url.startsWith('/token'));
      assert.deepEqual(
        toRegistry.map((r) => r.headers.authorization),
        [undefined, 'Bearer t1', 'Bearer t2'],
      );
    });

    it('refuses to start when the caller already cancelled', async () => {
      const controller = new AbortController();
      controller.abort();
      await rejectsWithCode(
        endpointClient(transport, server.host).send({ method: 'GET', path: '/', scopes, signal: controller.signal }),
        'CANCELLED',
      );
      assert.equal(server.seen.length, 0);
    });
  });

  describe('redirects', () => {
    const credential = { username: 'me', password: 'secret', source: 'test' };
    const basic = `Basic ${Buffer.from('me:secret').toString('base64')}`;
    /** The server asks for a login first, then redirects to `location` with `status`. */
    const redirecting =
      (status: number, location: string) =>
      (r: Seen): Answer =>
        r.headers.authorization !== basic
          ? { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } }
          : r.url.startsWith('/v2/moved')
            ? { status: 200, body: 'here' }
            : { status, headers: { location } };

    it('words a TLS failure at another origin as the redirect target’s, and passes on any other failure there as it is', async () => {
      // The storage speaks plain HTTP: asked for https, its answer is no TLS.
      server.script = redirecting(307, `https://${storage.host}/blob`);
      const client = endpointClient(transport, server.host, { credential });
      await rejectsWithCode(
        client.send({ method: 'GET', path: '/app/blobs/x', scopes }),
        'TLS_REDIRECT_TARGET',
        new RegExp(
          `sent /v2/app/blobs/x to ${storage.host.replace(/\./g, '\\.')}, whose certificate could not be verified \\(it answered in plain HTTP\\)`,
        ),
      );
      const closed = storage.host;
      await storage.stop();
      server.script = redirecting(307, `http://${closed}/blob`);
      await rejectsWithCode(client.send({ method: 'GET', path: '/app/blobs/x', scopes }), 'CONNECTION_REFUSED');
    });

    it('to another origin: no Authorization and no configured header go there, the caller’s headers do', async () => {
      server.script = redirecting(302, `${storage.origin}/blob?sig=1`);
      storage.script = () => ({ status: 200, body: 'bytes' });
      const client = endpointClient(transport, server.host, { credential, headers: { 'x-team': 'blue' } });
      const res = await client.send({ method: 'GET', path: '/app/blobs/x', scopes, headers: { accept: 'a/b' } });
      assert.equal(await text(res), 'bytes');
      const there = storage.seen[0]!;
      assert.equal(there.url, '/blob?sig=1');
      assert.equal(there.headers.authorization, undefined);
      assert.equal(there.headers['x-team'], undefined);
      assert.equal(there.headers.accept, 'a/b');
    });

    it('on its own origin: Authorization and configured headers go along', async () => {
      server.script = redirecting(302, '/v2/moved');
      const client = endpointClient(transport, server.host, { credential, headers: { 'x-team': 'blue' } });
      const res = await client.send({ method: 'GET', path: '/app/blobs/x', scopes });
      assert.equal(await text(res), 'here');
      const last = server.seen.at(-1)!;
      assert.equal(last.url, '/v2/moved');
      assert.equal(last.headers.authorization, basic);
      assert.equal(last.headers['x-team'], 'blue');
    });

    it('on its own origin without a login: no Authorization header at all', async () => {
      server.script = (r) => (r.url === '/v2/moved' ? { status: 200 } : { status: 302, headers: { location: '/v2/moved' } });
      await endpointClient(transport, server.host).send({ method: 'GET', path: '/x', scopes });
      assert.equal(server.seen.at(-1)!.headers.authorization, undefined);
    });

    for (const [status, method, sentMethod, keepsBody] of [
      [303, 'PUT', 'GET', false],
      [303, 'HEAD', 'HEAD', false],
      [302, 'PUT', 'PUT', false],
      [307, 'PUT', 'PUT', true],
      [308, 'POST', 'POST', true],
    ] as const) {
      it(`${status} after a ${method}: ${sentMethod}${keepsBody ? ' with' : ' without'} the body, to either origin`, async () => {
        for (const target of [storage, server]) {
          const location = target === storage ? `${storage.origin}/up` : '/v2/moved';
          server.script = (r) => (r.url === '/v2/moved' ? { status: 201 } : { status, headers: { location } });
          storage.script = () => ({ status: 201 });
          const res = await endpointClient(transport, server.host).send({
            method,
            path: '/x',
            scopes,
            body: () => Readable.from([Buffer.from('payload')]),
          });
          assert.equal(res.status, 201);
          const there = target.seen.at(-1)!;
          assert.equal(there.method, sentMethod);
          assert.equal(there.body.toString(), keepsBody ? 'payload' : '');
        }
      });
    }

    it('follows several hops, and stops after ten', async () => {
      server.script = (r) => {
        const n = Number(new URL(r.url, 'http://x').searchParams.get('n') ?? '0');
        return { status: 302, headers: { location: `/v2/hop?n=${n + 1}` } };
      };
      await rejectsWithCode(endpointClient(transport, server.host).send({ method: 'GET', path: '/x', scopes }), 'TOO_MANY_REDIRECTS');
      assert.equal(server.seen.length, 11);
    });

    it('refuses a redirect without a Location', async () => {
      server.script = () => ({ status: 302 });
      await rejectsWithCode(endpointClient(transport, server.host).send({ method: 'GET', path: '/x', scopes }), 'BAD_REDIRECT', /Location/);
    });

    it('refuses a target with a login in it, or on another protocol’s port elsewhere, and sends nothing there', async () => {
      for (const location of [`http://u:p@${storage.host}/b`, 'http://127.0.0.2:25/b']) {
        server.script = () => ({ status: 302, headers: { location } });
        await rejectsWithCode(endpointClient(transport, server.host).send({ method: 'GET', path: '/x', scopes }), 'BAD_REDIRECT');
      }
      assert.equal(storage.seen.length, 0);
    });
  });

  describe('a URL on another host (an upload location)', () => {
    it('goes there without Authorization or configured headers, with the caller’s headers and body', async () => {
      storage.script = () => ({ status: 201 });
      const credential = { username: 'me', password: 'secret', source: 'test' };
      server.script = () => ({ status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } });
      const client = endpointClient(transport, server.host, { credential, headers: { 'x-team': 'blue' }, ns: 'docker.io' });
      await client.send({ method: 'GET', path: '/', scopes });
      const res = await client.send({
        method: 'PUT',
        path: new URL(`${storage.origin}/upload/1?state=s`),
        query: { digest: 'sha256:x' },
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.from('blob'),
        scopes,
      });
      assert.equal(res.status, 201);
      const there = storage.seen[0]!;
      assert.equal(there.url, '/upload/1?state=s&digest=sha256%3Ax');
      assert.equal(there.headers.authorization, undefined);
      assert.equal(there.headers['x-team'], undefined);
      assert.equal(there.headers['content-type'], 'application/octet-stream');
      assert.equal(there.body.toString(), 'blob');
    });

    it('refuses one the URL policy refuses (another protocol’s port elsewhere), sending nothing', async () => {
      await rejectsWithCode(
        endpointClient(transport, server.host).send({ method: 'PUT', path: new URL('http://127.0.0.2:25/upload'), scopes }),
        'BAD_REDIRECT',
        /another protocol/,
      );
    });
  });
});

describe('header', () => {
  it('gives a repeated header as its values joined with ", ", as one header would carry them', () => {
    assert.equal(header({ headers: { link: ['<a>; rel="next"', '<b>; rel="prev"'] } }, 'link'), '<a>; rel="next", <b>; rel="prev"');
    assert.equal(header({ headers: { link: '<a>' } }, 'link'), '<a>');
    assert.equal(header({ headers: {} }, 'link'), undefined);
  });
});
