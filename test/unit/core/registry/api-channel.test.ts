// How a vendor API request follows redirects, on the wire between two scripted servers on
// 127.0.0.1 (two origins): what identifies the caller, its Authorization and its body (a login's
// password, an exchanged refresh token), stays with the origin that was asked.
import assert from 'node:assert/strict';
import { ApiChannel } from '../../../../src/core/registry/api-channel';
import { KnownSecrets } from '../../../../src/core/text/registry-text';
import { HttpTransport } from '../../../../src/core/transport/http';
import { rejectsWithCode } from '../../support/layout-helpers';
import { FAST_RETRY, ScriptedServer } from './scripted-server';

describe('ApiChannel redirects', () => {
  let asked: ScriptedServer;
  let elsewhere: ScriptedServer;
  let transport: HttpTransport;
  let api: ApiChannel;

  beforeEach(async () => {
    asked = await new ScriptedServer().start();
    elsewhere = await new ScriptedServer().start();
    transport = new HttpTransport();
    api = new ApiChannel({ send: (req) => transport.send(req), secrets: new KnownSecrets(), retry: FAST_RETRY });
  });
  afterEach(async () => {
    await transport.close();
    await asked.stop();
    await elsewhere.stop();
  });

  const login = () =>
    api.send({
      method: 'POST',
      url: new URL(`${asked.origin}/v2/users/login`),
      headers: { 'content-type': 'application/json', authorization: 'Bearer kept-home' },
      body: '{"username":"u","password":"secret-password"}',
    });

  for (const status of [307, 308]) {
    it(`a ${status} of a request with a body to another origin is refused, and nothing is sent there`, async () => {
      asked.script = () => ({ status, headers: { location: `${elsewhere.origin}/v2/users/login` } });
      await rejectsWithCode(login(), 'BAD_REDIRECT', new RegExp(`${elsewhere.host}.*not sent`));
      assert.deepEqual(elsewhere.seen, []);
    });

    it(`a ${status} to the same origin sends the body again, with its headers`, async () => {
      asked.script = (r) =>
        r.url === '/v2/users/login' ? { status, headers: { location: '/v2/users/login2' } } : { status: 200, body: '{}' };
      const res = await login();
      await res.body.dump();
      assert.equal(res.status, 200);
      const again = asked.seen[1]!;
      assert.equal(again.url, '/v2/users/login2');
      assert.equal(again.method, 'POST');
      assert.equal(again.body.toString(), '{"username":"u","password":"secret-password"}');
      assert.equal(again.headers.authorization, 'Bearer kept-home');
    });
  }

  it('a 303 to another origin is followed as a GET without the body or Authorization', async () => {
    asked.script = () => ({ status: 303, headers: { location: `${elsewhere.origin}/done` } });
    elsewhere.script = () => ({ status: 200, body: '{}' });
    const res = await login();
    await res.body.dump();
    assert.equal(res.status, 200);
    assert.deepEqual(
      elsewhere.seen.map((r) => [r.method, r.url, r.body.length, r.headers.authorization]),
      [['GET', '/done', 0, undefined]],
    );
  });

  it('a 307 of a GET to another origin is followed without Authorization', async () => {
    asked.script = () => ({ status: 307, headers: { location: `${elsewhere.origin}/page` } });
    elsewhere.script = () => ({ status: 200, body: '[]' });
    const res = await api.send({ method: 'GET', url: new URL(`${asked.origin}/page`), headers: { authorization: 'Bearer kept-home' } });
    await res.body.dump();
    assert.deepEqual(
      elsewhere.seen.map((r) => [r.method, r.url, r.headers.authorization]),
      [['GET', '/page', undefined]],
    );
  });
});
