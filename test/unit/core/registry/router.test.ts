// The router walking a plan's endpoints, against scripted servers on 127.0.0.1: a mirror's 4xx,
// 5xx or connection failure moves on after one request, only the last endpoint is retried or
// answers as it likes, a mirror holding its origin is skipped unasked, and the error after the
// last says which mirrors failed first. Written from the transport group's mutation survivors
// (see docs/mutation.md); the lab's mirror-failover tests count the same at real registries.
import assert from 'node:assert/strict';
import { type CoreError } from '../../../../src/core/errors';
import type { EndpointPlan, Operation, PlannedEndpoint } from '../../../../src/core/hosts/plan';
import type { EndpointClient } from '../../../../src/core/registry/endpoint-client';
import { RequestRouter } from '../../../../src/core/registry/router';
import { KnownSecrets } from '../../../../src/core/text/registry-text';
import { HttpTransport } from '../../../../src/core/transport/http';
import { rejectsWithCode } from '../../support/layout-helpers';
import { endpointClient, FAST_RETRY, ScriptedServer } from './scripted-server';

const scopes = ['repository:app:pull'];

describe('RequestRouter', () => {
  let mirror: ScriptedServer;
  let server: ScriptedServer;
  let transport: HttpTransport;
  let clients: EndpointClient[];
  let skipped: EndpointPlan['skipped'];
  const asked: { operation: Operation; repository?: string }[] = [];

  const router = (): RequestRouter =>
    new RequestRouter({
      host: 'registry.test',
      secrets: new KnownSecrets(),
      plan: (operation) => {
        asked.push({ operation });
        return Promise.resolve({
          registry: 'registry.test',
          operation,
          endpoints: clients.map((c) => c.endpoint as PlannedEndpoint),
          skipped,
          warnings: [],
        });
      },
      clientsFor: (_plan, repository) => {
        asked.at(-1)!.repository = repository;
        return Promise.resolve(clients);
      },
      credential: (host) => Promise.resolve({ source: `for ${host}` }),
      pullRateLimit: () => ({ limit: 100, remaining: 5, seenAt: 1 }),
    });

  beforeEach(async () => {
    mirror = await new ScriptedServer().start();
    server = await new ScriptedServer().start();
    transport = new HttpTransport();
    clients = [endpointClient(transport, mirror.host, { role: 'mirror' }), endpointClient(transport, server.host)];
    skipped = [];
    asked.length = 0;
  });
  afterEach(async () => {
    await transport.close();
    await mirror.stop();
    await server.stop();
  });

  it('passes the session’s answers through', async () => {
    const r = router();
    assert.equal(r.host, 'registry.test');
    assert.ok(r.secrets instanceof KnownSecrets);
    assert.equal((await r.credential('h'))?.source, 'for h');
    assert.deepEqual(r.pullRateLimit(), { limit: 100, remaining: 5, seenAt: 1 });
    assert.equal((await r.plan('pull')).operation, 'pull');
  });

  for (const status of [404, 500, 503]) {
    it(`a mirror answering ${status} gets one request, then the server answers`, async () => {
      mirror.script = () => ({ status, body: 'no' });
      server.script = () => ({ status: 200, body: 'yes' });
      const res = await router().request('pull', 'app', { method: 'GET', path: '/app/manifests/1', scopes });
      assert.equal(res.status, 200);
      assert.equal(mirror.seen.length, 1);
      assert.equal(server.seen.length, 1);
      assert.deepEqual(asked, [{ operation: 'pull', repository: 'app' }]);
    });
  }

  it('returns a mirror’s answer below 400 without asking the server', async () => {
    mirror.script = () => ({ status: 200 });
    assert.equal((await router().request('pull', 'app', { method: 'GET', path: '/', scopes })).status, 200);
    assert.equal(server.seen.length, 0);
  });

  it('returns the last endpoint’s 404 as it is, and retries its 503', async () => {
    mirror.script = () => ({ status: 503 });
    server.script = () => ({ status: 404 });
    assert.equal((await router().request('pull', 'app', { method: 'GET', path: '/', scopes })).status, 404);
    server.script = (_r, i) => (i === 1 ? { status: 503 } : { status: 200 });
    assert.equal((await router().request('pull', 'app', { method: 'GET', path: '/', scopes })).status, 200);
    assert.equal(server.seen.length, 3);
    assert.equal(mirror.seen.length, 2);
  });

  it('moves on from a mirror that cuts the connection, asking it once', async () => {
    mirror.script = () => 'reset';
    server.script = () => ({ status: 200 });
    assert.equal((await router().request('pull', 'app', { method: 'GET', path: '/', scopes })).status, 200);
    assert.equal(mirror.seen.length, 1);
  });

  it('names the mirrors tried first when the last endpoint fails too', async () => {
    mirror.script = () => ({ status: 502 });
    server.script = () => 'reset';
    const err = await rejectsWithCode(
      router().request('pull', 'app', { method: 'GET', path: '/', scopes }),
      'CONNECTION_RESET',
      new RegExp(`\\(mirrors tried first: ${mirror.host.replace(/\./g, '\\.')}: HTTP 502\\)$`),
    );
    assert.equal((err.cause as CoreError).code, 'CONNECTION_RESET');
  });

  it('names a mirror’s own failure in those words', async () => {
    mirror.script = () => 'reset';
    server.script = () => 'reset';
    await rejectsWithCode(
      router().request('pull', 'app', { method: 'GET', path: '/', scopes }),
      'CONNECTION_RESET',
      /mirrors tried first: [^)]*closed the connection unexpectedly/,
    );
  });

  it('skips a mirror that asked every request to wait, without asking it', async () => {
    mirror.script = () => ({ status: 429, headers: { 'retry-after': '3600' } });
    server.script = () => ({ status: 200 });
    await router().request('pull', 'app', { method: 'GET', path: '/', scopes });
    assert.equal(mirror.seen.length, 1);
    assert.ok(clients[0]!.retryAt);
    server.script = () => 'reset';
    await rejectsWithCode(
      router().request('pull', 'app', { method: 'GET', path: '/', scopes }),
      'CONNECTION_RESET',
      /mirrors tried first: [^)]*asked to wait until/,
    );
    assert.equal(mirror.seen.length, 1);
  });

  it('waits at the last endpoint’s gate rather than skipping it (here: too long, so RETRY_LATER)', async () => {
    clients = [endpointClient(transport, server.host)];
    server.script = () => ({ status: 503, headers: { 'retry-after': '3600' } });
    await rejectsWithCode(router().request('pull', 'app', { method: 'GET', path: '/', scopes }), 'RETRY_LATER');
    await rejectsWithCode(router().request('pull', 'app', { method: 'GET', path: '/', scopes }), 'RETRY_LATER');
    assert.equal(server.seen.length, 1);
  });

  it('throws a cancellation on a mirror at once, without asking the server', async () => {
    const controller = new AbortController();
    mirror.script = () => {
      controller.abort();
      return 'reset';
    };
    const err = await rejectsWithCode(
      router().request('pull', 'app', { method: 'GET', path: '/', scopes, signal: controller.signal }),
      'CANCELLED',
    );
    assert.equal(err.message, 'The operation was cancelled.');
    assert.equal(server.seen.length, 0);
  });

  it('gives the last endpoint’s failure unchanged when no mirror failed first', async () => {
    clients = [endpointClient(transport, server.host)];
    server.script = () => 'reset';
    const err = await rejectsWithCode(router().request('pull', 'app', { method: 'GET', path: '/', scopes }), 'CONNECTION_RESET');
    assert.doesNotMatch(err.message, /mirrors tried first/);
  });

  it('refuses an operation no endpoint may serve, saying why each was skipped', async () => {
    clients = [];
    skipped = [
      { host: 'a.test', reason: 'no push capability' },
      { host: 'b.test', reason: 'pull only' },
    ];
    await rejectsWithCode(
      router().endpoints('push'),
      'NO_ENDPOINT',
      /^No endpoint of registry\.test may be used to push \(a\.test: no push capability; b\.test: pull only\): check the capabilities/,
    );
    skipped = [];
    await rejectsWithCode(router().first('push'), 'NO_ENDPOINT', /^No endpoint of registry\.test may be used to push: check/);
  });

  it('gives the first endpoint for an operation that must stay on one host', async () => {
    assert.equal((await router().first('push', 'app')).host, mirror.host);
    assert.deepEqual(asked, [{ operation: 'push', repository: 'app' }]);
  });
});

describe('RequestRouter: several mirrors', () => {
  it('moves on from a mirror’s 400 too, and names every mirror tried, in order', async () => {
    const servers = await Promise.all([1, 2, 3].map(() => new ScriptedServer().start()));
    const transport = new HttpTransport();
    try {
      servers[0]!.script = () => ({ status: 400 });
      servers[1]!.script = () => ({ status: 502 });
      servers[2]!.script = () => 'reset';
      const clients = servers.map((s, i) => endpointClient(transport, s.host, { role: i < 2 ? 'mirror' : 'server', retry: FAST_RETRY }));
      const router = new RequestRouter({
        host: 'registry.test',
        secrets: new KnownSecrets(),
        plan: (operation) =>
          Promise.resolve({ registry: 'registry.test', operation, endpoints: clients.map((c) => c.endpoint), skipped: [], warnings: [] }),
        clientsFor: () => Promise.resolve(clients),
        credential: () => Promise.resolve(undefined),
        pullRateLimit: () => undefined,
      });
      await rejectsWithCode(
        router.request('pull', 'app', { method: 'GET', path: '/', scopes }),
        'CONNECTION_RESET',
        new RegExp(`\\(mirrors tried first: ${servers[0]!.host}: HTTP 400; ${servers[1]!.host}: HTTP 502\\)$`.replace(/\./g, '\\.')),
      );
      assert.deepEqual(
        servers.map((s) => s.seen.length),
        [1, 1, 3],
      );
    } finally {
      await transport.close();
      await Promise.all(servers.map((s) => s.stop()));
    }
  });
});
