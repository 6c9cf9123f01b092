// Policy tests for the auth layer with an in-test `send` standing in for the token server. The real
// protocol (Distribution registries, the lab token server) is proven in test/lab/auth.test.ts.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { Authorizer } from '../../../../src/core/auth/authorizer';
import { checkRealm, fetchToken, MAX_TOKEN_RESPONSE_BYTES, parseTokenResponse, TOKEN_CLIENT_ID } from '../../../../src/core/auth/token';
import { isPrivateHost } from '../../../../src/core/net/addresses';
import type { Credential } from '../../../../src/core/credentials/types';
import { CoreError } from '../../../../src/core/errors';
import type { HttpRequest, HttpResponse } from '../../../../src/core/transport/http';

const REALM = 'https://auth.example.com/token';
const BEARER = `Bearer realm="${REALM}",service="registry.example.com"`;
const SECRET = 's3cret-password-value';
const ALICE: Credential = { username: 'alice', password: SECRET, source: '/home/alice/.docker/config.json' };

function response(status: number, body: string | object, headers: Record<string, string> = {}): HttpResponse {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const stream = Readable.from([Buffer.from(text)]) as HttpResponse['body'];
  Object.assign(stream, { text: async () => text, json: async () => JSON.parse(text) as unknown, dump: async () => undefined });
  return { status, url: new URL(REALM), headers, body: stream };
}

interface Seen {
  method: string;
  url: URL;
  headers: Record<string, string>;
  form?: URLSearchParams;
}

/** A scripted token server: records requests; `answer` decides the response (default: a fresh token). */
function tokenServer(answer?: (req: Seen, n: number) => HttpResponse | Promise<HttpResponse>): {
  seen: Seen[];
  send: (req: HttpRequest) => Promise<HttpResponse>;
} {
  const seen: Seen[] = [];
  let n = 0;
  return {
    seen,
    send: async (req) => {
      const s: Seen = { method: req.method, url: req.url, headers: { ...req.headers } };
      if (typeof req.body === 'string') s.form = new URLSearchParams(req.body);
      seen.push(s);
      n++;
      await new Promise((r) => setTimeout(r, 5));
      return answer ? answer(s, n) : response(200, { token: `tok-${n}`, expires_in: 300 });
    },
  };
}

function authorizer(
  send: (req: HttpRequest) => Promise<HttpResponse>,
  credential: Credential | undefined,
  extra: Partial<ConstructorParameters<typeof Authorizer>[0]> = {},
): { auth: Authorizer; credentialCalls: () => number } {
  let calls = 0;
  const auth = new Authorizer({
    host: 'registry.example.com',
    scheme: 'https',
    credentials: async () => {
      calls++;
      return credential;
    },
    send,
    ...extra,
  });
  return { auth, credentialCalls: () => calls };
}

const challenge = (value: string | string[], status = 401): { status: number; headers: Record<string, string | string[]> } => ({
  status,
  headers: { 'www-authenticate': value },
});

async function rejects(p: Promise<unknown>, code: string): Promise<CoreError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof CoreError, `expected a CoreError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

describe('auth token: parseTokenResponse (expiry math)', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');

  it('defaults to 60 s and never goes below it', () => {
    assert.equal(parseTokenResponse({ token: 't' }, now)?.expiresAt, now + 60_000);
    assert.equal(parseTokenResponse({ token: 't', expires_in: 5 }, now)?.expiresAt, now + 60_000);
    assert.equal(parseTokenResponse({ token: 't', expires_in: 'nonsense' }, now)?.expiresAt, now + 60_000);
    assert.equal(parseTokenResponse({ token: 't', expires_in: 300 }, now)?.expiresAt, now + 300_000);
  });

  it('counts from issued_at when it is plausible, from now otherwise', () => {
    assert.equal(parseTokenResponse({ token: 't', expires_in: 300, issued_at: '2024-05-01T11:58:00Z' }, now)?.expiresAt, now + 180_000);
    // In the future, or older than the lifetime: a clock difference, not a real issue time.
    assert.equal(parseTokenResponse({ token: 't', expires_in: 300, issued_at: '2024-05-01T12:30:00Z' }, now)?.expiresAt, now + 300_000);
    assert.equal(parseTokenResponse({ token: 't', expires_in: 300, issued_at: '2024-05-01T10:00:00Z' }, now)?.expiresAt, now + 300_000);
    assert.equal(parseTokenResponse({ token: 't', issued_at: 'yesterday' }, now)?.expiresAt, now + 60_000);
  });

  it('reads token or access_token and keeps refresh_token', () => {
    assert.deepEqual(parseTokenResponse({ access_token: 'a', refresh_token: 'r' }, now), {
      token: 'a',
      expiresAt: now + 60_000,
      refreshToken: 'r',
    });
    assert.equal(parseTokenResponse({ token: 'b' }, now)?.token, 'b');
    assert.equal(parseTokenResponse({ token: '', access_token: '' }, now), undefined);
    assert.equal(parseTokenResponse({ token: 'a\r\nX-Evil: 1' }, now), undefined);
    assert.equal(parseTokenResponse({ token: 42 }, now), undefined);
  });
});

describe('auth token: realm policy', () => {
  const https = { host: 'registry.example.com', scheme: 'https' as const };

  it('refuses an http realm for an https registry, saying what to do', () => {
    assert.throws(
      () => checkRealm('http://auth.example.com/token', https),
      (e: CoreError) => e.code === 'INSECURE_REALM' && /HTTPS/.test(e.message) && /operator/.test(e.message),
    );
    assert.doesNotThrow(() => checkRealm('http://auth.example.com/token', { host: 'registry.example.com', scheme: 'http' }));
    assert.doesNotThrow(() => checkRealm('https://auth.example.com/token', https));
  });

  it('refuses a realm on a loopback, private or link-local address other than the registry', () => {
    for (const realm of [
      'https://127.0.0.1/token',
      'https://10.1.2.3/token',
      'https://192.168.0.10/t',
      'https://172.20.0.1/t',
      'https://169.254.169.254/latest',
      'https://[::1]:8443/t',
      'https://[fe80::1]/t',
      'https://[fd00::5]/t',
      'https://localhost/t',
      'https://[::ffff:127.0.0.1]/t',
    ]) {
      assert.throws(
        () => checkRealm(realm, https),
        (e: CoreError) => e.code === 'PRIVATE_REALM',
        realm,
      );
    }
    assert.doesNotThrow(() => checkRealm('https://8.8.8.8/token', https));
  });

  it("allows the registry's own loopback host on another port", () => {
    assert.doesNotThrow(() => checkRealm('http://127.0.0.1:6000/token', { host: '127.0.0.1:5000', scheme: 'http' }));
    assert.doesNotThrow(() => checkRealm('https://[::1]:6000/token', { host: '[::1]:5000', scheme: 'https' }));
    assert.doesNotThrow(() => checkRealm('https://localhost:6000/token', { host: 'localhost:5000', scheme: 'https' }));
    assert.throws(
      () => checkRealm('http://127.0.0.2:6000/token', { host: '127.0.0.1:5000', scheme: 'http' }),
      (e: CoreError) => e.code === 'PRIVATE_REALM',
    );
  });

  it('refuses realms that are not http(s) or carry userinfo', () => {
    assert.throws(
      () => checkRealm('ftp://auth.example.com/', https),
      (e: CoreError) => e.code === 'BAD_REALM',
    );
    assert.throws(
      () => checkRealm('https://u:p@auth.example.com/', https),
      (e: CoreError) => e.code === 'BAD_REALM' && !e.message.includes('u:p'),
    );
  });

  it('classifies private hosts', () => {
    assert.ok(isPrivateHost('100.64.1.1'));
    assert.ok(isPrivateHost('app.localhost'));
    assert.ok(!isPrivateHost('registry.example.com'));
    assert.ok(!isPrivateHost('1.1.1.1'));
  });
});

describe('auth token: fetchToken', () => {
  const registry = { host: 'registry.example.com', scheme: 'https' as const };

  it('GETs with service, every scope, account and Basic when a password is held', async () => {
    const server = tokenServer();
    const result = await fetchToken({
      realm: REALM,
      service: 'svc',
      scopes: ['repository:a:pull', 'registry:catalog:*'],
      registry,
      credential: ALICE,
      send: server.send,
      extraHeaders: { 'x-team': 'blue' },
    });
    assert.equal(result.token, 'tok-1');
    assert.equal(result.grant, 'get');
    const [req] = server.seen;
    assert.equal(req?.method, 'GET');
    assert.equal(req?.url.searchParams.get('service'), 'svc');
    assert.deepEqual(req?.url.searchParams.getAll('scope'), ['repository:a:pull', 'registry:catalog:*']);
    assert.equal(req?.url.searchParams.get('account'), 'alice');
    assert.equal(req?.headers.authorization, `Basic ${Buffer.from(`alice:${SECRET}`).toString('base64')}`);
    assert.equal(req?.headers['x-team'], 'blue');
  });

  it('lets its own Authorization replace a configured one, whatever the case', async () => {
    const server = tokenServer();
    await fetchToken({
      realm: REALM,
      scopes: [],
      registry,
      credential: ALICE,
      send: server.send,
      extraHeaders: { Authorization: 'Bearer configured', 'X-Team': 'blue' },
    });
    assert.deepEqual(Object.keys(server.seen[0]?.headers ?? {}).sort(), ['X-Team', 'accept', 'authorization']);
    assert.match(server.seen[0]?.headers.authorization ?? '', /^Basic /);
  });

  it('GETs anonymously without credentials', async () => {
    const server = tokenServer();
    await fetchToken({ realm: REALM, service: 'svc', scopes: ['repository:a:pull'], registry, send: server.send });
    assert.equal(server.seen[0]?.headers.authorization, undefined);
    assert.equal(server.seen[0]?.url.searchParams.get('account'), null);
  });

  it('POSTs the refresh-token grant with an identity token', async () => {
    const server = tokenServer(() => response(200, { access_token: 'at', refresh_token: 'rt2', expires_in: 120 }));
    const result = await fetchToken({
      realm: REALM,
      service: 'svc',
      scopes: ['repository:a:pull', 'repository:b:pull'],
      registry,
      credential: { identityToken: 'idtok', source: 'helper' },
      send: server.send,
    });
    assert.deepEqual(
      { token: result.token, refreshToken: result.refreshToken, grant: result.grant },
      { token: 'at', refreshToken: 'rt2', grant: 'refresh_token' },
    );
    const form = server.seen[0]?.form;
    assert.equal(server.seen[0]?.method, 'POST');
    assert.equal(server.seen[0]?.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(Object.fromEntries(form ?? []), {
      grant_type: 'refresh_token',
      refresh_token: 'idtok',
      service: 'svc',
      client_id: TOKEN_CLIENT_ID,
      scope: 'repository:a:pull repository:b:pull',
      access_type: 'offline',
    });
  });

  for (const status of [400, 401, 404, 405]) {
    it(`falls back to GET when the POST answers ${status}`, async () => {
      const server = tokenServer((req) =>
        req.method === 'POST' ? response(status, { error: 'unsupported' }) : response(200, { token: 'from-get' }),
      );
      const result = await fetchToken({
        realm: REALM,
        scopes: [],
        registry,
        credential: { ...ALICE, identityToken: 'idtok' },
        send: server.send,
      });
      assert.equal(result.token, 'from-get');
      assert.equal(result.grant, 'get');
      assert.deepEqual(
        server.seen.map((s) => s.method),
        ['POST', 'GET'],
      );
      assert.match(server.seen[1]?.headers.authorization ?? '', /^Basic /);
    });
  }

  it('says the login is stale when the only credential, an identity token, is rejected', async () => {
    const server = tokenServer(() => response(401, { error: 'invalid_grant' }));
    const e = await rejects(
      fetchToken({
        realm: REALM,
        scopes: [],
        registry,
        credential: { identityToken: 'idtok-secret', source: 'credsStore desktop' },
        send: server.send,
      }),
      'AUTH_FAILED',
    );
    assert.match(e.message, /credsStore desktop/);
    assert.ok(!e.message.includes('idtok-secret'));
    assert.equal(server.seen.length, 1);
  });

  it('reports rejected credentials by host and source, never the secret', async () => {
    const server = tokenServer(() => response(401, { details: `wrong password ${SECRET}` }));
    const e = await rejects(fetchToken({ realm: REALM, scopes: [], registry, credential: ALICE, send: server.send }), 'AUTH_FAILED');
    assert.match(e.message, /registry\.example\.com/);
    assert.match(e.message, /\/home\/alice\/\.docker\/config\.json/);
    assert.match(e.message, /log in/);
    assert.ok(!e.message.includes(SECRET));
  });

  it('asks for a login when the token server refuses anonymous access', async () => {
    const server = tokenServer(() => response(403, {}));
    const e = await rejects(fetchToken({ realm: REALM, scopes: [], registry, send: server.send }), 'NEEDS_LOGIN');
    assert.match(e.message, /log in to /);
    assert.deepEqual(e.remedy, { kind: 'log-in', host: registry.host });
  });

  it("redacts secrets from a token server's error text", async () => {
    const server = tokenServer(() => response(500, { errors: [{ message: `cannot check ${SECRET} now` }] }));
    const e = await rejects(fetchToken({ realm: REALM, scopes: [], registry, credential: ALICE, send: server.send }), 'TOKEN_SERVER_ERROR');
    assert.ok(!e.message.includes(SECRET), e.message);
    assert.match(e.message, /HTTP 500/);
  });

  it('refuses bodies that are not JSON objects, or too large', async () => {
    for (const body of ['<html>login</html>', '[]', '"token"', 'null', '{"token":""}']) {
      const server = tokenServer(() => response(200, body));
      await rejects(fetchToken({ realm: REALM, scopes: [], registry, send: server.send }), 'BAD_TOKEN_RESPONSE');
    }
    const huge = JSON.stringify({ token: 't', pad: 'x'.repeat(MAX_TOKEN_RESPONSE_BYTES) });
    const server = tokenServer(() => response(200, huge));
    const e = await rejects(fetchToken({ realm: REALM, scopes: [], registry, send: server.send }), 'BAD_TOKEN_RESPONSE');
    assert.match(e.message, /larger than/);
  });

  it('refuses a bad realm before sending anything', async () => {
    const server = tokenServer();
    await rejects(
      fetchToken({ realm: 'http://auth.example.com/token', scopes: [], registry, credential: ALICE, send: server.send }),
      'INSECURE_REALM',
    );
    assert.equal(server.seen.length, 0);
  });
});

describe('auth: Authorizer', () => {
  it('sends nothing and asks no credential before the host challenged', async () => {
    const server = tokenServer();
    const { auth, credentialCalls } = authorizer(server.send, ALICE);
    assert.equal(await auth.header(['repository:a:pull']), undefined);
    assert.equal(credentialCalls(), 0);
    assert.equal(auth.lastChallenge, undefined);
  });

  it('answers a Basic challenge with Basic, once; rejected Basic gives false', async () => {
    const server = tokenServer();
    const { auth } = authorizer(server.send, ALICE);
    assert.equal(await auth.challenged(challenge('Basic realm="reg"'), [], undefined), true);
    const basic = `Basic ${Buffer.from(`alice:${SECRET}`).toString('base64')}`;
    assert.equal(await auth.header(['repository:a:pull']), basic);
    assert.deepEqual(auth.lastChallenge, { scheme: 'basic', realm: 'reg' });
    assert.equal(await auth.challenged(challenge('Basic realm="reg"'), [], basic), false);
    assert.equal(server.seen.length, 0, 'Basic never involves a token server');
    const refusal = await auth.refusal(challenge('Basic realm="reg"'), []);
    assert.equal(refusal.code, 'AUTH_FAILED');
    assert.ok(!refusal.message.includes(SECRET));
  });

  it('has nothing to send to a Basic challenge without a password', async () => {
    for (const cred of [undefined, { identityToken: 'x', source: 's' }]) {
      const { auth } = authorizer(tokenServer().send, cred);
      assert.equal(await auth.challenged(challenge('Basic realm="reg"'), [], undefined), false);
      assert.equal(await auth.header([]), undefined);
    }
  });

  it('prefers Bearer over Basic among several challenges', async () => {
    const server = tokenServer();
    const { auth } = authorizer(server.send, ALICE);
    assert.equal(await auth.challenged(challenge(['Basic realm="reg"', BEARER]), ['repository:a:pull'], undefined), true);
    assert.deepEqual(auth.lastChallenge, { scheme: 'bearer', realm: REALM, service: 'registry.example.com' });
    assert.equal(await auth.header(['repository:a:pull']), 'Bearer tok-1');
  });

  it('caches per scope set, shares one fetch between concurrent callers, and asks the credential once', async () => {
    const server = tokenServer();
    const { auth, credentialCalls } = authorizer(server.send, ALICE);
    await auth.challenged(challenge(BEARER), [], undefined);
    server.seen.length = 0;
    const headers = await Promise.all(Array.from({ length: 10 }, () => auth.header(['repository:a:pull'])));
    assert.equal(new Set(headers).size, 1);
    assert.equal(server.seen.length, 1);
    assert.equal(await auth.header(['repository:a:pull']), headers[0]);
    assert.equal(server.seen.length, 1);
    await auth.header(['repository:a:push', 'repository:a:pull']);
    assert.equal(server.seen.length, 2);
    assert.deepEqual(server.seen[1]?.url.searchParams.getAll('scope'), ['repository:a:pull,push']);
    assert.equal(await auth.header(['repository:a:pull,push']), await auth.header(['repository:a:push', 'repository:a:pull']));
    assert.equal(server.seen.length, 2);
    assert.equal(credentialCalls(), 1);
  });

  it('renews a token 10 s before it expires', async () => {
    let now = 1_000_000;
    const server = tokenServer((_r, n) => response(200, { token: `tok-${n}`, expires_in: 100 }));
    const { auth } = authorizer(server.send, ALICE, { now: () => now });
    await auth.challenged(challenge(BEARER), ['repository:a:pull'], undefined);
    assert.equal(await auth.header(['repository:a:pull']), 'Bearer tok-1');
    now += 89_999;
    assert.equal(await auth.header(['repository:a:pull']), 'Bearer tok-1');
    now += 1;
    assert.equal(await auth.header(['repository:a:pull']), 'Bearer tok-2');
  });

  it('re-scopes on insufficient_scope to the union of requested and challenged scopes', async () => {
    const server = tokenServer();
    const { auth } = authorizer(server.send, ALICE);
    const scopes = ['repository:dest:pull,push'];
    assert.equal(await auth.challenged(challenge(BEARER), scopes, undefined), true);
    const first = await auth.header(scopes);
    const insufficient = challenge(`${BEARER},scope="repository:src:pull",error="insufficient_scope"`);
    assert.equal(await auth.challenged(insufficient, scopes, first), true);
    assert.deepEqual(server.seen.at(-1)?.url.searchParams.getAll('scope'), ['repository:dest:pull,push', 'repository:src:pull']);
    const wider = await auth.header(scopes);
    assert.notEqual(wider, first);
    const fetched = server.seen.length;
    assert.equal(await auth.header(scopes), wider, 'the wider token is reused for the same request scopes');
    assert.equal(server.seen.length, fetched);
  });

  it('gives up on insufficient_scope when the token sent already asked for everything (403 too)', async () => {
    const server = tokenServer();
    const { auth } = authorizer(server.send, { username: 'bob', password: 'pw', source: 'test' });
    const scopes = ['repository:a:pull,push'];
    await auth.challenged(challenge(BEARER), scopes, undefined);
    const sent = await auth.header(scopes);
    const fetched = server.seen.length;
    assert.equal(
      await auth.challenged(challenge(`${BEARER},scope="repository:a:pull,push",error="insufficient_scope"`), scopes, sent),
      false,
    );
    assert.equal(
      await auth.challenged(challenge(`${BEARER},scope="repository:a:push",error="insufficient_scope"`, 403), scopes, sent),
      false,
    );
    assert.equal(server.seen.length, fetched, 'no token request that could only give the same grant');
    const refusal = await auth.refusal(challenge(`${BEARER},error="insufficient_scope"`), scopes);
    assert.equal(refusal.code, 'DENIED');
    assert.match(refusal.message, /pull and push repository a/);
    assert.match(refusal.message, /test/);
  });

  it('ignores a 403 that is not about scope', async () => {
    const { auth } = authorizer(tokenServer().send, ALICE);
    assert.equal(await auth.challenged(challenge(BEARER, 403), [], undefined), false);
    assert.equal(await auth.challenged({ status: 401, headers: {} }, [], undefined), false);
  });

  it('drops a token the registry called invalid and fetches another', async () => {
    const server = tokenServer();
    const { auth } = authorizer(server.send, ALICE);
    const scopes = ['repository:a:pull'];
    await auth.challenged(challenge(BEARER), scopes, undefined);
    const first = await auth.header(scopes);
    assert.equal(await auth.challenged(challenge(`${BEARER},error="invalid_token"`), scopes, first), true);
    const second = await auth.header(scopes);
    assert.notEqual(second, first);
  });

  it('returns false when the new token is the one that failed', async () => {
    const server = tokenServer(() => response(200, { token: 'always-the-same' }));
    const { auth } = authorizer(server.send, ALICE);
    await auth.challenged(challenge(BEARER), [], undefined);
    const sent = await auth.header([]);
    assert.equal(await auth.challenged(challenge(`${BEARER},error="invalid_token"`), [], sent), false);
  });

  it('sends a registry token as is, and gives up when it is refused', async () => {
    const server = tokenServer();
    const { auth } = authorizer(server.send, { registryToken: 'rt-abc', source: 'config.json' });
    assert.equal(await auth.challenged(challenge(BEARER), [], undefined), true);
    assert.equal(await auth.header(['repository:a:pull']), 'Bearer rt-abc');
    assert.equal(await auth.challenged(challenge(BEARER), [], 'Bearer rt-abc'), false);
    assert.equal(server.seen.length, 0);
  });

  it('keeps a refresh token the server returned and POSTs with it afterwards', async () => {
    const server = tokenServer((req, n) =>
      response(200, req.method === 'GET' ? { token: `get-${n}`, refresh_token: 'server-rt' } : { access_token: `post-${n}` }),
    );
    const { auth } = authorizer(server.send, ALICE);
    await auth.challenged(challenge(BEARER), ['repository:a:pull'], undefined);
    await auth.header(['repository:b:pull']);
    assert.deepEqual(
      server.seen.map((s) => s.method),
      ['GET', 'POST'],
    );
    assert.equal(server.seen[1]?.form?.get('refresh_token'), 'server-rt');
    auth.forget();
    await auth.header(['repository:c:pull']);
    assert.equal(server.seen.at(-1)?.method, 'GET', 'forget() drops the refresh token too');
  });

  it('remembers that the token server does not take the refresh-token POST', async () => {
    const server = tokenServer((req, n) => (req.method === 'POST' ? response(404, {}) : response(200, { token: `get-${n}` })));
    const { auth } = authorizer(server.send, { ...ALICE, identityToken: 'idtok' });
    await auth.challenged(challenge(BEARER), ['repository:a:pull'], undefined);
    await auth.header(['repository:b:pull']);
    assert.deepEqual(
      server.seen.map((s) => s.method),
      ['POST', 'GET', 'GET'],
    );
  });

  it('forget() drops tokens and asks the credential again', async () => {
    const server = tokenServer();
    const { auth, credentialCalls } = authorizer(server.send, ALICE);
    await auth.challenged(challenge(BEARER), [], undefined);
    const before = await auth.header(['repository:a:pull']);
    auth.forget();
    const after = await auth.header(['repository:a:pull']);
    assert.notEqual(after, before);
    assert.equal(credentialCalls(), 2);
    assert.deepEqual(auth.lastChallenge?.scheme, 'bearer', 'the host still asks for the same thing');
  });

  it('drops cached tokens when the realm changes', async () => {
    const server = tokenServer();
    const { auth } = authorizer(server.send, ALICE);
    await auth.challenged(challenge(BEARER), [], undefined);
    const first = await auth.header(['repository:a:pull']);
    await auth.challenged(challenge('Bearer realm="https://auth2.example.com/token",service="other"'), ['repository:a:pull'], first);
    assert.equal(server.seen.at(-1)?.url.host, 'auth2.example.com');
    assert.notEqual(await auth.header(['repository:a:pull']), first);
  });

  it('refuses an http realm for an https registry from a challenge', async () => {
    const server = tokenServer();
    const { auth } = authorizer(server.send, ALICE);
    await rejects(auth.challenged(challenge('Bearer realm="http://auth.example.com/token"'), [], undefined), 'INSECURE_REALM');
    assert.equal(server.seen.length, 0);
  });

  it('lets one caller cancel without failing the others sharing the fetch', async () => {
    const server = tokenServer();
    const { auth } = authorizer(server.send, ALICE);
    await auth.challenged(challenge(BEARER), [], undefined);
    const controller = new AbortController();
    const cancelled = auth.header(['repository:a:pull'], controller.signal);
    const other = auth.header(['repository:a:pull']);
    controller.abort();
    await rejects(cancelled, 'CANCELLED');
    assert.match((await other) ?? '', /^Bearer tok-/);
  });

  it('does not cache a failed fetch', async () => {
    const server = tokenServer((_r, n) => (n <= 2 ? response(503, {}) : response(200, { token: 'ok' })));
    const { auth } = authorizer(server.send, ALICE);
    await rejects(auth.challenged(challenge(BEARER), [], undefined), 'TOKEN_SERVER_ERROR');
    await rejects(auth.header([]), 'TOKEN_SERVER_ERROR');
    assert.equal(await auth.header([]), 'Bearer ok');
  });

  it('asks for a login in the refusal when anonymous', async () => {
    const { auth } = authorizer(tokenServer().send, undefined);
    const e = await auth.refusal(challenge(`${BEARER},error="insufficient_scope"`), ['registry:catalog:*']);
    assert.equal(e.code, 'NEEDS_LOGIN');
    assert.match(e.message, /the catalog/);
  });
});
