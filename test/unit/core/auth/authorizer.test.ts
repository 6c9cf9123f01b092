// Policy tests for the auth layer with an in-test `send` standing in for the token server. The real
// protocol (Distribution registries, the lab token server) is proven in test/lab/auth.test.ts.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { Readable } from 'node:stream';
import { Authorizer } from '../../../../src/core/auth/authorizer';
import { checkRealm, fetchToken, MAX_TOKEN_CHARS, MAX_TOKEN_RESPONSE_BYTES, parseTokenResponse } from '../../../../src/core/auth/token';
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

  it('takes tokens up to 32 KiB, and no longer one (kept with its encodings, a megabyte token would fill memory)', () => {
    const longest = 'a'.repeat(MAX_TOKEN_CHARS);
    assert.equal(parseTokenResponse({ token: longest }, now)?.token, longest);
    assert.equal(parseTokenResponse({ token: `${longest}a` }, now), undefined);
    assert.equal(parseTokenResponse({ token: 't', refresh_token: `${longest}r` }, now)?.refreshToken, undefined);
    assert.equal(parseTokenResponse({ token: 't', refresh_token: longest }, now)?.refreshToken, longest);
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
      client_id: 'oci-registry-explorer',
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

  it('names Docker Hub as people and docker login do (docker.io), not by its API host', async () => {
    const hub = { host: 'registry-1.docker.io', scheme: 'https' as const };
    const anonymous = await rejects(
      fetchToken({ realm: REALM, scopes: [], registry: hub, send: tokenServer(() => response(401, {})).send }),
      'NEEDS_LOGIN',
    );
    assert.match(anonymous.message, /^docker\.io requires a login: .*; log in to docker\.io \(/);
    assert.deepEqual(anonymous.remedy, { kind: 'log-in', host: 'docker.io' });
    const refused = await rejects(
      fetchToken({ realm: REALM, scopes: [], registry: hub, credential: ALICE, send: tokenServer(() => response(401, {})).send }),
      'AUTH_FAILED',
    );
    assert.match(refused.message, /log in to docker\.io again/);
    assert.deepEqual(refused.remedy, { kind: 'log-in', host: 'docker.io' });
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

describe('auth: Authorizer, edges a registry or a user hits', () => {
  const A = ['repository:a:pull'];

  it('tells the tree what the host asked for, with or without a realm or a service', async () => {
    const { auth } = authorizer(tokenServer().send, ALICE);
    await auth.challenged(challenge('Basic'), [], undefined);
    assert.deepEqual(auth.lastChallenge, { scheme: 'basic' });
    await auth.challenged(challenge(`Bearer realm="${REALM}"`), A, undefined);
    assert.deepEqual(auth.lastChallenge, { scheme: 'bearer', realm: REALM });
  });

  it('reads nothing into an answer that is not a refusal, or a challenge in a scheme it does not speak', async () => {
    const server = tokenServer();
    const { auth } = authorizer(server.send, ALICE);
    assert.equal(await auth.challenged(challenge(BEARER, 500), A, undefined), false);
    assert.equal(await auth.challenged(challenge('Negotiate abc=='), A, undefined), false);
    assert.equal(await auth.challenged(challenge('Basic realm="reg"', 403), A, undefined), false);
    assert.equal(auth.lastChallenge, undefined);
    assert.equal(server.seen.length, 0);
  });

  it('finds the challenge among other headers, whatever the case of its name', async () => {
    const { auth } = authorizer(tokenServer().send, ALICE);
    const res = { status: 401, headers: { 'content-type': 'application/json', 'X-Other': undefined, 'WWW-Authenticate': BEARER } };
    assert.equal(await auth.challenged(res, A, undefined), true);
    assert.equal(await auth.header(A), 'Bearer tok-1');
  });

  it('retries a 403 insufficient_scope with a token for the wider scope', async () => {
    const server = tokenServer();
    const { auth } = authorizer(server.send, ALICE);
    await auth.challenged(challenge(BEARER), A, undefined);
    const first = await auth.header(A);
    const wider = challenge(`${BEARER},scope="repository:a:pull,push",error="insufficient_scope"`, 403);
    assert.equal(await auth.challenged(wider, A, first), true);
    assert.deepEqual(server.seen.at(-1)?.url.searchParams.getAll('scope'), ['repository:a:pull,push']);
  });

  it('lets a loopback registry use its own token server on another port, by the registry it is for', async () => {
    const server = tokenServer();
    const { auth } = authorizer(server.send, ALICE, { host: 'localhost:5000', scheme: 'http' });
    assert.equal(await auth.challenged(challenge('Bearer realm="http://localhost:5001/token"'), A, undefined), true);
    assert.equal(server.seen[0]?.url.host, 'localhost:5001');
  });

  it('fetches an anonymous token when the host holds no credential', async () => {
    const server = tokenServer();
    const { auth } = authorizer(server.send, undefined);
    assert.equal(await auth.challenged(challenge(BEARER), A, undefined), true);
    assert.equal(await auth.header(A), 'Bearer tok-1');
    assert.equal(server.seen[0]?.headers.authorization, undefined);
  });

  it('keeps its token when the host challenges again with the same realm and service, and drops it when the service changes', async () => {
    const server = tokenServer();
    const { auth } = authorizer(server.send, ALICE);
    await auth.challenged(challenge(BEARER), A, undefined);
    const first = await auth.header(A);
    await auth.challenged(challenge(BEARER), ['repository:b:pull'], undefined);
    assert.equal(await auth.header(A), first);
    await auth.challenged(challenge(`Bearer realm="${REALM}",service="other"`), ['repository:b:pull'], undefined);
    assert.notEqual(await auth.header(A), first);
  });

  it('drops only the token the registry refused, not those of other scope sets', async () => {
    const server = tokenServer();
    const { auth } = authorizer(server.send, ALICE);
    await auth.challenged(challenge(BEARER), A, undefined);
    const a = await auth.header(A);
    const b = await auth.header(['repository:b:pull']);
    await auth.challenged(challenge(`${BEARER},error="invalid_token"`), A, a);
    const fetched = server.seen.length;
    assert.equal(await auth.header(['repository:b:pull']), b);
    assert.equal(server.seen.length, fetched);
  });

  it('tries the refresh-token POST again after forget() and after a new realm', async () => {
    const server = tokenServer((req, n) => (req.method === 'POST' ? response(404, {}) : response(200, { token: `get-${n}` })));
    const { auth } = authorizer(server.send, { ...ALICE, identityToken: 'idtok' });
    await auth.challenged(challenge(BEARER), A, undefined);
    auth.forget();
    await auth.header(['repository:b:pull']);
    assert.deepEqual(
      server.seen.map((s) => s.method),
      ['POST', 'GET', 'POST', 'GET'],
    );
    await auth.challenged(challenge('Bearer realm="https://auth2.example.com/token"'), A, undefined);
    assert.deepEqual(
      server.seen.slice(4).map((s) => s.method),
      ['POST', 'GET'],
    );
  });

  it('does not keep a token fetched before forget()', async () => {
    const server = tokenServer();
    const { auth } = authorizer(server.send, ALICE);
    await auth.challenged(challenge(BEARER), [], undefined);
    const pending = auth.header(A);
    while (server.seen.length < 2) await new Promise((r) => setTimeout(r, 1));
    auth.forget();
    await pending;
    const fetched = server.seen.length;
    await auth.header(A);
    assert.equal(server.seen.length, fetched + 1);
  });

  it('remembers the tokens of 128 scope sets, the oldest dropped first', async () => {
    const server = tokenServer();
    const { auth } = authorizer(server.send, ALICE);
    await auth.challenged(challenge(BEARER), ['repository:r0:pull'], undefined);
    for (let i = 1; i <= 128; i++) await auth.header([`repository:r${i}:pull`]);
    const fetched = server.seen.length;
    assert.equal(fetched, 129);
    await auth.header(['repository:r1:pull']);
    assert.equal(server.seen.length, fetched, 'the 128 newest are kept');
    await auth.header(['repository:r0:pull']);
    assert.equal(server.seen.length, fetched + 1, 'the oldest was dropped');
  });

  it('cancels at once for a signal already aborted, and not at all for one that never is', async () => {
    const { auth } = authorizer(tokenServer().send, ALICE);
    await auth.challenged(challenge(BEARER), [], undefined);
    const aborted = await rejects(auth.header(A, AbortSignal.abort()), 'CANCELLED');
    assert.equal(aborted.message, 'The operation was cancelled.');
    assert.match((await auth.header(['repository:b:pull'], new AbortController().signal)) ?? '', /^Bearer tok-/);
  });

  it('cancels a wait on the token server when its caller gives up', async () => {
    const { auth } = authorizer(tokenServer().send, ALICE);
    await auth.challenged(challenge(BEARER), [], undefined);
    const controller = new AbortController();
    const pending = auth.header(A, controller.signal);
    await new Promise((r) => setTimeout(r, 1));
    controller.abort();
    const e = await rejects(pending, 'CANCELLED');
    assert.equal(e.message, 'The operation was cancelled.');
  });

  it('calls credentials rejected when the refusal carries a challenge it cannot read', async () => {
    const { auth } = authorizer(tokenServer().send, ALICE);
    assert.equal((await auth.refusal(challenge('Bearer realm="https://auth.example.com/tok'), A)).code, 'AUTH_FAILED');
  });

  it('asks no new token on insufficient_scope for what the token sent already asked, even once that token has expired', async () => {
    const server = tokenServer();
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { auth } = authorizer(server.send, ALICE, { now: () => now });
    const scopes = ['repository:a:pull,push'];
    await auth.challenged(challenge(BEARER), scopes, undefined);
    const sent = await auth.header(scopes);
    now += 3_600_000;
    const fetched = server.seen.length;
    assert.equal(
      await auth.challenged(challenge(`${BEARER},scope="repository:a:push",error="insufficient_scope"`, 403), scopes, sent),
      false,
    );
    assert.equal(server.seen.length, fetched);
  });

  it('keeps using the refresh-token POST while it works', async () => {
    const server = tokenServer((_req, n) => response(200, { access_token: `post-${n}` }));
    const { auth } = authorizer(server.send, { identityToken: 'idtok', source: 's' });
    await auth.challenged(challenge(BEARER), A, undefined);
    await auth.header(['repository:b:pull']);
    await auth.header(['repository:c:pull']);
    assert.deepEqual(
      server.seen.map((s) => s.method),
      ['POST', 'POST', 'POST'],
    );
  });

  it('drops its tokens when the realm changes but the service does not', async () => {
    const server = tokenServer();
    const { auth } = authorizer(server.send, ALICE);
    await auth.challenged(challenge(BEARER), A, undefined);
    const first = await auth.header(A);
    await auth.challenged(
      challenge('Bearer realm="https://auth2.example.com/token",service="registry.example.com"'),
      ['repository:b:pull'],
      undefined,
    );
    assert.notEqual(await auth.header(A), first);
  });

  it('words each refusal by what happened: rejected, not granted, or anonymous', async () => {
    const { auth } = authorizer(tokenServer().send, ALICE);
    const rejected = await auth.refusal(challenge(BEARER), A);
    assert.equal(rejected.code, 'AUTH_FAILED');
    assert.equal(
      rejected.message,
      `registry.example.com rejected the credentials from ${ALICE.source}: log in to registry.example.com again (docker login and podman login are used too).`,
    );
    assert.deepEqual(rejected.remedy, { kind: 'log-in', host: 'registry.example.com' });
    const scope = await auth.refusal(challenge(`${BEARER},error="insufficient_scope"`), A);
    assert.equal(scope.code, 'DENIED');
    assert.equal((await auth.refusal(challenge(BEARER, 403), A)).code, 'DENIED');
    const anonymous = await authorizer(tokenServer().send, undefined).auth.refusal(challenge(BEARER), A);
    assert.deepEqual(anonymous.remedy, { kind: 'log-in', host: 'registry.example.com' });
  });
});

describe('auth token: what a token server answers, and the words a user reads', () => {
  const target = { host: 'registry.example.com', scheme: 'https' as const };
  const shown = 'https://auth.example.com/token';
  const fetchWith = (answer: Parameters<typeof tokenServer>[0], extra: Partial<Parameters<typeof fetchToken>[0]> = {}) => {
    const server = tokenServer(answer);
    return { server, result: fetchToken({ realm: `${REALM}?x=1`, scopes: [], registry: target, send: server.send, ...extra }) };
  };

  it('refuses a relative realm, and a registry host no realm can be checked against', () => {
    assert.throws(
      () => checkRealm('/token', target),
      (e: CoreError) =>
        e.code === 'BAD_REALM' &&
        e.message ===
          "registry.example.com names a token server that is not an absolute http(s) URL, so it cannot be logged in to; report this to the registry's operator.",
    );
    assert.throws(
      () => checkRealm(REALM, { host: 'bad host', scheme: 'https' }),
      (e: CoreError) => e.code === 'BAD_REALM' && e.message === 'bad host is not a host name a token server can be checked against.',
    );
    assert.throws(
      () => checkRealm('https://10.0.0.1/token', target),
      (e: CoreError) => /its token server/.test(e.message),
    );
  });

  it('says what a token server answered instead of a token, quoting its reason but no secret', async () => {
    const said = await rejects(fetchWith(() => response(500, { errors: [], error: 'down for maintenance' })).result, 'TOKEN_SERVER_ERROR');
    assert.equal(
      said.message,
      `The token server of registry.example.com (${shown}) answered HTTP 500 (it said: down for maintenance) instead of a token; try again later, or check the registry's status.`,
    );
    for (const body of ['null', '"text"', '{}', 'not json'])
      assert.match(
        (await rejects(fetchWith(() => response(502, body)).result, 'TOKEN_SERVER_ERROR')).message,
        /answered HTTP 502 instead of a token;/,
      );
    const login = `alice:${SECRET}`;
    const echoed = await rejects(
      fetchWith(() => response(500, { error: `bad login ${login}` }), { credential: ALICE }).result,
      'TOKEN_SERVER_ERROR',
    );
    assert.ok(!echoed.message.includes(login), echoed.message);
  });

  it('takes only a 2xx answer as a token', async () => {
    assert.equal((await fetchWith(() => response(299, { token: 't' })).result).token, 't');
    await rejects(fetchWith(() => response(300, { token: 't' })).result, 'TOKEN_SERVER_ERROR');
    const post = fetchWith((req) => response(req.method === 'POST' ? 300 : 200, { token: 'get' }), {
      credential: { identityToken: 'id', source: 's' },
    });
    await rejects(post.result, 'TOKEN_SERVER_ERROR');
  });

  it('fails on a refresh-token POST that errs, and falls back to GET only for the statuses that mean "not offered"', async () => {
    const failing = fetchWith((req) => response(req.method === 'POST' ? 500 : 200, { token: 'get' }), {
      credential: { ...ALICE, identityToken: 'id' },
    });
    await rejects(failing.result, 'TOKEN_SERVER_ERROR');
    assert.deepEqual(
      failing.server.seen.map((s) => s.method),
      ['POST'],
    );
  });

  it('calls a login stale when the token server refuses the only credential, an identity token, and falls back to GET otherwise', async () => {
    const grant = fetchWith(
      (req) => (req.method === 'POST' ? response(400, { error: 'invalid_grant' }) : response(200, { token: 'get' })),
      {
        credential: { identityToken: 'id', source: '/home/alice/.docker/config.json' },
      },
    );
    const stale = await rejects(grant.result, 'AUTH_FAILED');
    assert.equal(
      stale.message,
      `The token server of registry.example.com (${shown}) rejected the credentials from /home/alice/.docker/config.json: log in to registry.example.com again (docker login and podman login are used too).`,
    );
    assert.deepEqual(stale.remedy, { kind: 'log-in', host: 'registry.example.com' });
    const userOnly = fetchWith((req) => (req.method === 'POST' ? response(401, {}) : response(200, { token: 'get' })), {
      credential: { username: 'alice', identityToken: 'id', source: 's' },
    });
    await rejects(userOnly.result, 'AUTH_FAILED');
    for (const extra of [
      { credential: { ...ALICE, identityToken: 'id' } },
      { refreshToken: 'from-server', credential: { identityToken: 'id', source: 's' } },
    ]) {
      const fallback = fetchWith((req) => (req.method === 'POST' ? response(401, {}) : response(200, { token: 'get' })), extra);
      assert.equal((await fallback.result).grant, 'get');
    }
  });

  it('sends no empty service, scope or refresh token, and asks for JSON', async () => {
    const get = fetchWith(undefined, { service: '', refreshToken: '' });
    await get.result;
    assert.deepEqual(
      get.server.seen.map((s) => s.method),
      ['GET'],
    );
    assert.equal(get.server.seen[0]?.url.searchParams.has('service'), false);
    assert.equal(get.server.seen[0]?.headers.accept, 'application/json');
    const post = fetchWith(undefined, { service: '', credential: { identityToken: 'id', source: 's' } });
    await post.result;
    const form = post.server.seen[0]?.form;
    assert.deepEqual([form?.has('service'), form?.has('scope')], [false, false]);
    assert.equal(post.server.seen[0]?.headers.accept, 'application/json');
  });

  it('sends no service for a challenge that names none', async () => {
    const get = fetchWith(undefined);
    await get.result;
    assert.equal(get.server.seen[0]?.url.searchParams.has('service'), false);
    const post = fetchWith(undefined, { credential: { identityToken: 'id', source: 's' } });
    await post.result;
    assert.equal(post.server.seen[0]?.form?.has('service'), false);
  });

  it('keeps the refresh token a POST used when the answer brings no new one', async () => {
    const post = fetchWith(() => response(200, { token: 't' }), { credential: { identityToken: 'id', source: 's' } });
    assert.equal((await post.result).refreshToken, 'id');
    const get = await fetchWith(() => response(200, { token: 't', refresh_token: '' })).result;
    assert.ok(!('refreshToken' in get));
  });

  it('reads expires_in written as a string, and issued_at only while the token would still be valid', () => {
    const now = Date.parse('2024-05-01T12:00:00Z');
    assert.equal(parseTokenResponse({ token: 't', expires_in: '300' }, now)?.expiresAt, now + 300_000);
    const atTheEdge = new Date(now - 300_000).toISOString();
    assert.equal(parseTokenResponse({ token: 't', expires_in: 300, issued_at: atTheEdge }, now)?.expiresAt, now + 300_000);
    assert.ok(!('refreshToken' in parseTokenResponse({ token: 't', refresh_token: 7 }, now)!));
  });

  it('says which token server answered with something other than a token', async () => {
    const notJson = await rejects(fetchWith(() => response(200, '<html>')).result, 'BAD_TOKEN_RESPONSE');
    assert.equal(
      notJson.message,
      `The token server of registry.example.com (${shown}) did not answer with a JSON object, so no token could be read; check that the registry's auth settings point at a token server, or try again later.`,
    );
    const noToken = await rejects(fetchWith(() => response(200, {})).result, 'BAD_TOKEN_RESPONSE');
    assert.equal(
      noToken.message,
      `The token server of registry.example.com (${shown}) answered without a usable token (no "token" or "access_token" of printable characters, at most 32 KiB); report this to the registry's operator.`,
    );
  });

  it('says the token service, not the registry, cannot be reached, keeping the code and the remedy', async () => {
    const remedy = { kind: 'resolve-rule', host: 'auth.example.com' } as unknown as CoreError['remedy'];
    const reasons: Record<string, string> = {
      CONNECTION_REFUSED: 'nothing accepts connections at auth.example.com',
      HOST_NOT_FOUND: 'its host name auth.example.com could not be resolved',
      TIMEOUT: 'auth.example.com did not answer in time',
      CONNECTION_RESET: 'the connection was reset',
      CONNECTION_CLOSED: 'the connection was reset',
      UNREACHABLE: 'the connection was reset',
      NETWORK: 'the connection was reset',
    };
    for (const [code, why] of Object.entries(reasons)) {
      const failing = fetchToken({
        realm: REALM,
        scopes: [],
        registry: target,
        send: async () => {
          throw new CoreError(code as CoreError['code'], 'the connection was reset.', { remedy });
        },
      });
      const e = await rejects(failing, code);
      assert.equal(
        e.message,
        `registry.example.com answered, but its token service ${shown} (the realm its login challenge names) cannot be reached: ${why}. Try again later; if it keeps happening, the registry's token service is down or blocked on your network: tell its operator.`,
      );
      assert.deepEqual(e.remedy, remedy);
      assert.ok(e.cause instanceof CoreError);
    }
    const other = new CoreError('TLS_UNKNOWN_AUTHORITY', 'certificate not trusted.');
    assert.equal(
      await fetchToken({ realm: REALM, scopes: [], registry: target, send: () => Promise.reject(other) }).catch((e: unknown) => e),
      other,
    );
    const plain = new Error('boom');
    assert.equal(
      await fetchToken({ realm: REALM, scopes: [], registry: target, send: () => Promise.reject(plain) }).catch((e: unknown) => e),
      plain,
    );
  });
});

describe('auth: the cases the mutation run found untested', () => {
  const A = ['repository:a:pull'];
  const target = { host: 'registry.example.com', scheme: 'https' as const };

  it('has nothing better to send when the login is gone between a Basic request and its refusal', async () => {
    let credential: Credential | undefined = ALICE;
    const auth = new Authorizer({
      host: 'registry.example.com',
      scheme: 'https',
      credentials: async () => credential,
      send: tokenServer().send,
    });
    assert.equal(await auth.challenged(challenge('Basic realm="r"'), [], undefined), true);
    const sent = await auth.header([]);
    assert.match(sent ?? '', /^Basic /);
    credential = undefined;
    auth.forget();
    assert.equal(await auth.challenged(challenge('Basic realm="r"'), [], sent), false);
  });

  it('lets a fetch that ends after forget() leave the fetch started since in place for the callers after it', async () => {
    const held: Array<() => void> = [];
    let fetches = 0;
    const send = async (): Promise<HttpResponse> => {
      fetches++;
      const n = fetches;
      await new Promise<void>((r) => held.push(r));
      return response(200, { token: `tok-${n}`, expires_in: 300 });
    };
    const { auth } = authorizer(send, undefined);
    const first = auth.challenged(challenge(BEARER), A, undefined);
    while (held.length < 1) await new Promise((r) => setTimeout(r, 1));
    auth.forget();
    const second = auth.header(A);
    while (held.length < 2) await new Promise((r) => setTimeout(r, 1));
    held[0]?.();
    await first;
    // The fetch started after forget() is still under way: a third caller shares it.
    const third = auth.header(A);
    await new Promise((r) => setTimeout(r, 5));
    held[1]?.();
    assert.equal(await second, 'Bearer tok-2');
    assert.equal(await third, 'Bearer tok-2');
    assert.equal(fetches, 2);
  });

  it('reads a challenge from a hand-built headers object with an absent value', async () => {
    const { auth } = authorizer(tokenServer().send, ALICE);
    assert.equal(await auth.challenged({ status: 401, headers: { 'www-authenticate': undefined } }, A, undefined), false);
    assert.equal(
      await auth.challenged(
        { status: 401, headers: { 'x-other': 'v', 'www-authenticate': undefined, 'WWW-Authenticate': BEARER } },
        A,
        undefined,
      ),
      true,
    );
  });

  it("leaves no listener on the caller's signal once a wait ends, with a token or a failure", async () => {
    const { auth } = authorizer(tokenServer().send, ALICE);
    await auth.challenged(challenge(BEARER), [], undefined);
    const ok = new AbortController();
    await auth.header(A, ok.signal);
    assert.equal(getEventListeners(ok.signal, 'abort').length, 0);
    const failing = authorizer(tokenServer(() => response(500, {})).send, ALICE).auth;
    await failing.challenged(challenge(BEARER), [], undefined).catch(() => undefined);
    const failed = new AbortController();
    await rejects(failing.header(A, failed.signal), 'TOKEN_SERVER_ERROR');
    assert.equal(getEventListeners(failed.signal, 'abort').length, 0);
  });

  it('keeps the refresh token a POST was sent with out of its error, in every form', async () => {
    const held = 'held-refresh-token-value';
    const e = await rejects(
      fetchToken({
        realm: REALM,
        scopes: [],
        registry: target,
        refreshToken: held,
        send: tokenServer(() => response(500, { error: `refresh ${held} / ${Buffer.from(held).toString('base64')} refused` })).send,
      }),
      'TOKEN_SERVER_ERROR',
    );
    assert.ok(!e.message.includes(held) && !e.message.includes(Buffer.from(held).toString('base64')), e.message);
  });

  it('keeps the Basic login a GET was sent with out of its error, as the header encodes it', async () => {
    // "alicia:" is 7 bytes, so the login's base64 does not contain the password's.
    const login: Credential = { username: 'alicia', password: SECRET, source: 's' };
    const encoded = Buffer.from(`alicia:${SECRET}`).toString('base64');
    const e = await rejects(
      fetchToken({
        realm: REALM,
        scopes: [],
        registry: target,
        credential: login,
        send: tokenServer(() => response(500, { error: `bad header Basic ${encoded}` })).send,
      }),
      'TOKEN_SERVER_ERROR',
    );
    assert.ok(!e.message.includes(encoded), e.message);
  });

  it('falls back to GET when a refresh token held without any credential is not taken', async () => {
    const server = tokenServer((req) => (req.method === 'POST' ? response(400, {}) : response(200, { token: 'anon' })));
    const result = await fetchToken({ realm: REALM, scopes: [], registry: target, refreshToken: 'rt', send: server.send });
    assert.deepEqual([result.token, result.grant], ['anon', 'get']);
  });

  for (const status of [400, 404, 405]) {
    it(`falls back to an anonymous GET when the only credential, an identity token, gets ${status} without invalid_grant`, async () => {
      const server = tokenServer((req) =>
        req.method === 'POST' ? response(status, { error: 'unsupported_grant_type' }) : response(200, { token: 'anon' }),
      );
      const result = await fetchToken({
        realm: REALM,
        scopes: [],
        registry: target,
        credential: { identityToken: 'id', source: 's' },
        send: server.send,
      });
      assert.deepEqual([result.token, result.grant], ['anon', 'get']);
    });
  }

  it('takes a lifetime that is not a finite number of seconds as the minimum', () => {
    const now = Date.parse('2024-05-01T12:00:00Z');
    for (const expires_in of ['Infinity', '1e999', [300], true, null])
      assert.equal(parseTokenResponse({ token: 't', expires_in }, now)?.expiresAt, now + 60_000, String(expires_in));
  });

  it('quotes the message of a failure to reach the token service whole, but for its final full stop', async () => {
    const e = await rejects(
      fetchToken({
        realm: REALM,
        scopes: [],
        registry: target,
        send: async () => {
          throw new CoreError('CONNECTION_RESET', 'the connection to 10.0.0.1 was reset.');
        },
      }),
      'CONNECTION_RESET',
    );
    assert.match(e.message, /cannot be reached: the connection to 10\.0\.0\.1 was reset\. Try again later;/);
  });
});
