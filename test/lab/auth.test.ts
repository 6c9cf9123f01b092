// The auth layer against real Distribution registries: htpasswd Basic, and Bearer tokens from the
// lab token server over http and https. Requests go through HttpTransport; the Authorizer supplies
// the header and answers the 401s, the way EndpointClient does (up to two challenge rounds).
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Authorizer } from '../../src/core/auth/authorizer';
import { scopesFor } from '../../src/core/auth/scope';
import { TOKEN_CLIENT_ID } from '../../src/core/auth/token';
import type { Credential } from '../../src/core/credentials/types';
import { CoreError } from '../../src/core/errors';
import { readBodyLimited } from '../../src/core/transport/read-body';
import { HttpTransport, type HttpRequest } from '../../src/core/transport/http';
import { Lab, type LabRegistry } from '../support/lab/registry';
import { labRequest } from '../support/lab/request';
import { TokenServer, type TokenRequestRecord } from '../support/lab/token-server';

interface Outcome {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
  /** The Authorization sent on each attempt (undefined = anonymous). */
  sent: (string | undefined)[];
  /** What challenged() answered after each refusal. */
  challenges: boolean[];
}

/** The token server's records for one registry (the server is shared by the lab's registries). */
function records(registry: LabRegistry): TokenRequestRecord[] {
  return registry.tokenServer!.requests.filter((r) => r.service === registry.tokenService);
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<CoreError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof CoreError, `expected a CoreError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected CoreError ${code}`);
}

describe('auth layer against real registries', function () {
  let lab: Lab;
  let basic: LabRegistry;
  let token: LabRegistry;
  let tokenTls: LabRegistry;
  let transport: HttpTransport;
  const configBlob = Buffer.from('{"auth":"lab"}');
  const configDigest = `sha256:${createHash('sha256').update(configBlob).digest('hex')}`;

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    [basic, token, tokenTls] = await Promise.all([
      lab.startRegistry({ name: 'auth-basic', auth: 'basic' }),
      lab.startRegistry({ name: 'auth-token', auth: 'token' }),
      lab.startRegistry({ name: 'auth-token-tls', auth: 'token', tls: 'ca' }),
    ]);
    const ca = readFileSync(tokenTls.caCertPath!, 'utf8');
    // The lab CA is trusted for every https origin: the registry and its https token server.
    transport = new HttpTransport((origin) => (origin.protocol === 'https:' ? { ca: [ca] } : {}));
  });

  after(async () => {
    await transport?.close();
    await lab?.stopAll();
  });

  function authorizerFor(registry: LabRegistry, credential: Credential | undefined): Authorizer {
    return new Authorizer({
      host: registry.host,
      scheme: registry.scheme,
      credentials: async () => credential,
      send: (req: HttpRequest) => transport.send(req),
    });
  }

  const alice = (registry: LabRegistry): Credential => ({ ...registry.credentials!, source: 'lab alice' });
  const bob = (registry: LabRegistry): Credential => ({ ...registry.readOnlyCredentials!, source: 'lab bob' });

  /** One request with the authorizer's header; on a refusal, challenged() and a retry (two rounds at most). */
  async function call(
    auth: Authorizer,
    registry: LabRegistry,
    method: HttpRequest['method'],
    path: string,
    scopes: readonly string[],
    body?: Buffer,
    extra: Record<string, string> = {},
  ): Promise<Outcome> {
    const url = new URL(path, registry.url);
    const out: Outcome = { status: 0, text: '', headers: {}, sent: [], challenges: [] };
    for (let round = 0; ; round++) {
      const authorization = await auth.header(scopes);
      out.sent.push(authorization);
      const headers: Record<string, string> = { ...extra };
      if (authorization) headers.authorization = authorization;
      if (body && headers['content-type'] === undefined) headers['content-type'] = 'application/octet-stream';
      const res = await transport.send({ method, url, headers, body });
      if ((res.status === 401 || res.status === 403) && round < 2) {
        const again = await auth.challenged(res, scopes, authorization);
        out.challenges.push(again);
        if (again) {
          await res.body.dump();
          continue;
        }
      }
      out.status = res.status;
      out.headers = res.headers;
      out.text = (await readBodyLimited(res, 1024 * 1024, () => new CoreError('RESPONSE_TOO_LARGE', 'The answer is over 1 MiB.'))).toString(
        'utf8',
      );
      return out;
    }
  }

  /** Pushes one tiny image (config blob + manifest) through the authorizer: POST, PUT blob, PUT manifest. */
  async function push(auth: Authorizer, registry: LabRegistry, repository: string, tag: string): Promise<void> {
    const scopes = scopesFor({ method: 'POST', repository });
    const start = await call(auth, registry, 'POST', `/v2/${repository}/blobs/uploads/`, scopes);
    assert.equal(start.status, 202, start.text);
    const location = new URL(String(start.headers.location), registry.url);
    location.searchParams.set('digest', configDigest);
    const put = await call(
      auth,
      registry,
      'PUT',
      location.pathname + location.search,
      scopesFor({ method: 'PUT', repository }),
      configBlob,
    );
    assert.equal(put.status, 201, put.text);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: configDigest, size: configBlob.length },
        layers: [],
      }),
    );
    const res = await call(
      auth,
      registry,
      'PUT',
      `/v2/${repository}/manifests/${tag}`,
      scopesFor({ method: 'PUT', repository }),
      manifest,
      {
        'content-type': 'application/vnd.oci.image.manifest.v1+json',
      },
    );
    assert.equal(res.status, 201, res.text);
  }

  describe('Basic (htpasswd) registry', () => {
    it('refuses anonymous access and has nothing better to send', async () => {
      const auth = authorizerFor(basic, undefined);
      const out = await call(auth, basic, 'GET', '/v2/_catalog', scopesFor({ method: 'GET', catalog: true }));
      assert.equal(out.status, 401);
      assert.deepEqual(out.challenges, [false]);
      assert.deepEqual(auth.lastChallenge, { scheme: 'basic', realm: 'lab-basic' });
      assert.equal((await auth.refusal(out, [])).code, 'NEEDS_LOGIN');
    });

    it('accepts alice after the challenge, never sending Basic before it, then sends it directly', async () => {
      const auth = authorizerFor(basic, alice(basic));
      const first = await call(auth, basic, 'GET', '/v2/_catalog', scopesFor({ method: 'GET', catalog: true }));
      assert.equal(first.status, 200, first.text);
      assert.equal(first.sent[0], undefined, 'no pre-emptive Basic to a host that never asked');
      assert.match(first.sent[1] ?? '', /^Basic /);
      assert.deepEqual(first.challenges, [true]);
      const upload = await call(
        auth,
        basic,
        'POST',
        '/v2/basic/app/blobs/uploads/',
        scopesFor({ method: 'POST', repository: 'basic/app' }),
      );
      assert.equal(upload.status, 202, upload.text);
      assert.deepEqual(upload.challenges, [], 'the known challenge is answered without another 401');
      const tags = await call(auth, basic, 'GET', '/v2/basic/app/tags/list', scopesFor({ method: 'GET', repository: 'basic/app' }));
      assert.equal(tags.challenges.length, 0);
      assert.ok([200, 404].includes(tags.status), tags.text);
    });

    it('gives up on a wrong password with a clear error that hides it', async () => {
      const wrong: Credential = { username: 'alice', password: 'not-the-password', source: 'lab wrong' };
      const auth = authorizerFor(basic, wrong);
      const out = await call(auth, basic, 'GET', '/v2/_catalog', scopesFor({ method: 'GET', catalog: true }));
      assert.equal(out.status, 401);
      assert.deepEqual(out.challenges, [true, false]);
      const e = await auth.refusal(out, []);
      assert.equal(e.code, 'AUTH_FAILED');
      assert.match(e.message, new RegExp(`${basic.host}.*lab wrong.*log in`));
      assert.ok(!e.message.includes('not-the-password'));
    });
  });

  for (const variant of ['http', 'https'] as const) {
    describe(`token registry over ${variant}`, () => {
      let registry: LabRegistry;
      const repo = `team/app-${variant}`;

      before(async () => {
        registry = variant === 'http' ? token : tokenTls;
        assert.equal(registry.tokenServer!.scheme, variant);
        await push(authorizerFor(registry, alice(registry)), registry, repo, 'v1');
      });

      it('lets alice pull and push, reusing a token per scope set and fetching one for a new set', async () => {
        const auth = authorizerFor(registry, alice(registry));
        const before = records(registry).length;
        const pull = scopesFor({ method: 'GET', repository: repo });
        const first = await call(auth, registry, 'GET', `/v2/${repo}/tags/list`, pull);
        assert.equal(first.status, 200, first.text);
        assert.deepEqual(JSON.parse(first.text), { name: repo, tags: ['v1'] });
        assert.deepEqual(first.challenges, [true]);
        const second = await call(auth, registry, 'GET', `/v2/${repo}/tags/list`, pull);
        assert.equal(second.status, 200);
        assert.deepEqual(second.challenges, []);
        assert.equal(second.sent[0], first.sent[1], 'the cached token is sent again');
        const upload = await call(auth, registry, 'POST', `/v2/${repo}/blobs/uploads/`, scopesFor({ method: 'POST', repository: repo }));
        assert.equal(upload.status, 202, upload.text);
        const catalog = await call(auth, registry, 'GET', '/v2/_catalog', scopesFor({ method: 'GET', catalog: true }));
        assert.equal(catalog.status, 200, catalog.text);
        assert.ok((JSON.parse(catalog.text) as { repositories: string[] }).repositories.includes(repo));

        const asked = records(registry).slice(before);
        assert.deepEqual(
          asked.map((r) => r.scopes),
          [[`repository:${repo}:pull`], [`repository:${repo}:pull,push`], ['registry:catalog:*']],
        );
        for (const r of asked) {
          assert.equal(r.method, 'GET');
          assert.equal(r.status, 200);
          assert.equal(r.user, 'alice');
          assert.deepEqual(r.query.account, ['alice']);
        }
        assert.equal(auth.lastChallenge?.scheme, 'bearer');
        assert.equal(auth.lastChallenge?.realm, registry.tokenServer!.realm);
        assert.equal(auth.lastChallenge?.service, registry.tokenService);
      });

      it('lets bob (read-only) pull, and ends his push with a clear denial', async () => {
        const auth = authorizerFor(registry, bob(registry));
        const pull = await call(auth, registry, 'GET', `/v2/${repo}/tags/list`, scopesFor({ method: 'GET', repository: repo }));
        assert.equal(pull.status, 200, pull.text);
        const pushScopes = scopesFor({ method: 'POST', repository: repo });
        const before = records(registry).length;
        const attempt = await call(auth, registry, 'POST', `/v2/${repo}/blobs/uploads/`, pushScopes);
        assert.equal(attempt.status, 401);
        assert.match(String(attempt.headers['www-authenticate']), /insufficient_scope/);
        // The host's challenge is known from the pull, so the pull+push token is fetched before the
        // request; the registry's insufficient_scope then leaves nothing better to send.
        assert.deepEqual(attempt.challenges, [false]);
        const asked = records(registry).slice(before);
        assert.equal(asked.length, 1);
        assert.deepEqual(asked[0]?.scopes, [`repository:${repo}:pull,push`]);
        assert.deepEqual(asked[0]?.granted, [{ type: 'repository', name: repo, actions: ['pull'] }]);
        const e = await auth.refusal(attempt, pushScopes);
        assert.equal(e.code, 'DENIED');
        assert.match(e.message, /lab bob/);
        assert.match(e.message, new RegExp(`pull and push repository ${repo}`));
      });

      it('lets anonymous users pull but not list the catalog or push', async () => {
        const auth = authorizerFor(registry, undefined);
        const pull = await call(auth, registry, 'GET', `/v2/${repo}/tags/list`, scopesFor({ method: 'GET', repository: repo }));
        assert.equal(pull.status, 200, pull.text);
        const catalog = await call(auth, registry, 'GET', '/v2/_catalog', scopesFor({ method: 'GET', catalog: true }));
        assert.equal(catalog.status, 401);
        assert.deepEqual(catalog.challenges, [false]);
        const pushAttempt = await call(
          auth,
          registry,
          'POST',
          `/v2/${repo}/blobs/uploads/`,
          scopesFor({ method: 'POST', repository: repo }),
        );
        assert.equal(pushAttempt.status, 401);
        assert.equal((await auth.refusal(pushAttempt, scopesFor({ method: 'POST', repository: repo }))).code, 'NEEDS_LOGIN');
        assert.ok(
          records(registry).filter((r) => r.user === null && r.hadAuthorization).length === 0,
          'anonymous requests carry no Authorization',
        );
      });

      it('reports a wrong password as AUTH_FAILED naming host and source, not the password', async () => {
        const auth = authorizerFor(registry, { username: 'alice', password: 'wrong-pw-123', source: 'lab stale login' });
        const res = await transport.send({ method: 'GET', url: new URL(`/v2/${repo}/tags/list`, registry.url) });
        await res.body.dump();
        const e = await rejectsWith(auth.challenged(res, scopesFor({ method: 'GET', repository: repo }), undefined), 'AUTH_FAILED');
        assert.match(e.message, new RegExp(registry.host.replace(/\./g, '\\.')));
        assert.match(e.message, /lab stale login/);
        assert.match(e.message, /log in/);
        assert.ok(!e.message.includes('wrong-pw-123'));
      });

      it('shares one token request between 10 concurrent callers', async () => {
        const auth = authorizerFor(registry, alice(registry));
        const root = await call(auth, registry, 'GET', '/v2/', []);
        assert.equal(root.status, 200, root.text);
        const before = records(registry).length;
        const scopes = scopesFor({ method: 'GET', repository: repo });
        const headers = await Promise.all(Array.from({ length: 10 }, () => auth.header(scopes)));
        assert.equal(new Set(headers).size, 1);
        assert.equal(records(registry).length - before, 1);
        const res = await call(auth, registry, 'GET', `/v2/${repo}/tags/list`, scopes);
        assert.equal(res.status, 200);
        assert.deepEqual(res.challenges, []);
      });
    });
  }

  describe('refresh tokens (identity tokens)', () => {
    const repo = 'refresh/app';
    let refreshToken: string;

    before(async () => {
      // What `docker login` stores as identitytoken: a refresh token from the password grant.
      const form = new URLSearchParams({
        grant_type: 'password',
        username: token.credentials!.username,
        password: token.credentials!.password,
        service: token.tokenService!,
        client_id: 'lab-test',
        access_type: 'offline',
      });
      const res = await labRequest(token.tokenServer!.realm, {
        method: 'POST',
        body: form.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(res.status, 200, res.text());
      refreshToken = res.json<{ refresh_token: string }>().refresh_token;
      assert.ok(refreshToken);
    });

    afterEach(() => {
      token.tokenServer!.allowPost = true;
    });

    it('POSTs the refresh-token grant and pushes with the token it gets', async () => {
      const auth = authorizerFor(token, { identityToken: refreshToken, source: 'lab identity token' });
      const before = records(token).length;
      await push(auth, token, repo, 'v1');
      const asked = records(token).slice(before);
      assert.ok(asked.length >= 1);
      for (const r of asked) {
        assert.equal(r.method, 'POST');
        assert.equal(r.grantType, 'refresh_token');
        assert.equal(r.user, 'alice');
        assert.equal(r.status, 200);
        assert.deepEqual(r.form.client_id, [TOKEN_CLIENT_ID]);
        assert.deepEqual(r.form.access_type, ['offline']);
        assert.deepEqual(r.form.refresh_token, ['<redacted>']);
      }
      assert.deepEqual(asked[0]?.form.scope, [`repository:${repo}:pull,push`]);
    });

    it('falls back to GET with the password when POST answers 404, and remembers it', async () => {
      token.tokenServer!.allowPost = false;
      const auth = authorizerFor(token, { ...alice(token), identityToken: refreshToken });
      // A refused POST is recorded before its form is read, so without a service: count every record.
      const before = token.tokenServer!.requests.length;
      const upload = await call(auth, token, 'POST', `/v2/${repo}/blobs/uploads/`, scopesFor({ method: 'POST', repository: repo }));
      assert.equal(upload.status, 202, upload.text);
      const tags = await call(auth, token, 'GET', `/v2/${repo}/tags/list`, scopesFor({ method: 'GET', repository: repo }));
      assert.equal(tags.status, 200, tags.text);
      const asked = token.tokenServer!.requests.slice(before);
      assert.deepEqual(
        asked.map((r) => [r.method, r.status, r.user]),
        [
          ['POST', 404, null],
          ['GET', 200, 'alice'],
          ['GET', 200, 'alice'],
        ],
      );
      assert.equal(asked[1]?.service, token.tokenService);
    });
  });

  describe('a registry that refuses the tokens its own token server issues', () => {
    // The token server's clock runs ten minutes behind the registry's: every token it signs has
    // expired by the time the registry reads it, and the registry answers error="invalid_token".
    let skewed: LabRegistry;
    let lateTokens: TokenServer;

    before(async function () {
      this.timeout(60_000);
      const certs = await lab.certs();
      lateTokens = await TokenServer.start({
        signingKeyPath: certs.tokenSigning.keyPath,
        signingCertPath: certs.tokenSigning.certPath,
        users: { [lab.user.username]: { password: lab.user.password } },
        expiresInSeconds: -600,
      });
      skewed = await lab.startRegistry({ name: 'auth-token-skewed', auth: 'token', tokenServer: lateTokens });
    });

    after(() => lateTokens?.stop());

    for (const who of ['alice', 'anonymous'] as const) {
      it(`says so (${who}) instead of asking for a login the token server already accepted`, async () => {
        const credential = who === 'alice' ? alice(skewed) : undefined;
        const auth = authorizerFor(skewed, credential);
        const scopes = scopesFor({ method: 'GET', repository: 'team/app' });
        const res = await call(auth, skewed, 'GET', '/v2/team/app/tags/list', scopes);
        assert.equal(res.status, 401, res.text);
        assert.match(String(res.headers['www-authenticate']), /error="invalid_token"/);
        const granted = lateTokens.requests.filter((r) => r.service === skewed.tokenService && r.status === 200);
        assert.ok(granted.length >= 2, 'the token server answered every token request');
        if (credential)
          assert.ok(
            granted.every((r) => r.user === 'alice'),
            'and accepted the login',
          );

        const e = await auth.refusal(res, scopes);
        assert.equal(e.code, 'TOKEN_NOT_ACCEPTED', e.message);
        assert.match(
          e.message,
          new RegExp(`^${skewed.host} refused the tokens its own token server \\(${lateTokens.realm.replace(/[.?]/g, '\\$&')}\\) issued`),
        );
        if (credential) assert.match(e.message, /accepted the login from lab alice/);
        assert.match(e.message, /clocks/);
        assert.doesNotMatch(e.message, /log in to/);
        assert.equal(e.remedy, undefined, 'no log-in remedy is offered');
      });
    }
  });

  describe('realm policy', () => {
    it('refuses an http realm for an https registry before sending anything', async () => {
      const httpServer = token.tokenServer!;
      assert.equal(httpServer.scheme, 'http');
      const auth = authorizerFor(tokenTls, alice(tokenTls));
      const before = httpServer.requests.length;
      const crafted = {
        status: 401,
        headers: { 'www-authenticate': `Bearer realm="${httpServer.realm}",service="${tokenTls.tokenService!}"` },
      };
      const e = await rejectsWith(auth.challenged(crafted, [], undefined), 'INSECURE_REALM');
      assert.match(e.message, /HTTPS/);
      assert.equal(httpServer.requests.length, before);
      assert.equal(auth.lastChallenge, undefined);
    });

    it("accepts the lab realm on the registry's own address with another port", async () => {
      const auth = authorizerFor(token, undefined);
      const root = await call(auth, token, 'GET', '/v2/', []);
      assert.equal(root.status, 200);
      assert.notEqual(new URL(auth.lastChallenge!.realm!).port, String(token.port));
    });
  });
});
