import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { scopesFor } from '../../src/core/auth/scope';
import type { CoreError } from '../../src/core/errors';
import { eraseDockerLogin, saveDockerLogin } from '../../src/core/credentials/docker-store';
import { describePlan } from '../../src/core/hosts/plan';
import { createSession, type CoreConfig, type RegistrySession } from '../../src/core/registry/session';
import type { RequestLogEntry } from '../../src/core/transport/connection';
import { folderWith } from '../support/lab/folders';
import { Lab, type LabRegistry } from '../support/lab/registry';
import { skopeo, skopeoFlags } from '../support/lab/push';
import { pushTiny } from '../support/lab/tiny';
import { daysAgo, pushDated } from '../support/lab/dated-images';
import { readTagFacts } from '../../src/core/operations/cleanup';

const MANIFEST_ACCEPT = 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json';

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function basicAuth(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`).toString('base64');
}

async function collect(pages: AsyncIterable<string[]>): Promise<string[]> {
  const all: string[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}

/** A server that answers every request with a Basic challenge and remembers the headers it saw. */
async function recordingServer(): Promise<{ server: Server; host: string; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.statusCode = 401;
    res.setHeader('www-authenticate', 'Basic realm="recording"');
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, host: `127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('endpoints, hosts directories and credentials against real registries', function () {
  let lab: Lab;
  let upstream: LabRegistry;
  let emptyMirror: LabRegistry;
  let pullThrough: LabRegistry;
  let basic: LabRegistry;
  let token: LabRegistry;
  const sessions: RegistrySession[] = [];
  const noHosts = tempDir('no-hosts-');

  function session(config: CoreConfig): RegistrySession {
    const s = createSession({ hostsDirectories: [noHosts], credentials: false, env: {}, homedir: tempDir('home-'), ...config });
    sessions.push(s);
    return s;
  }

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    [upstream, emptyMirror, basic, token] = await Promise.all([
      lab.startRegistry({ name: 'ep-upstream' }),
      lab.startRegistry({ name: 'ep-empty-mirror' }),
      lab.startRegistry({ name: 'ep-basic', auth: 'basic' }),
      lab.startRegistry({ name: 'ep-token', auth: 'token' }),
    ]);
    pullThrough = await lab.startRegistry({ name: 'ep-pull-through', proxyOf: upstream });
    await pushTiny(upstream, 'team/app', ['v1']);
    await pushTiny(basic, 'team/secret', ['v1'], lab.user);
  });

  after(() => lab?.stopAll());
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  describe('a hosts.toml mirror chain', () => {
    function chainConfig(log: RequestLogEntry[]): CoreConfig {
      const hostsDirectories = [
        folderWith({
          'upstream.test/hosts.toml': [
            `server = "http://${upstream.host}"`,
            '',
            `[host."http://${emptyMirror.host}"]`,
            '  capabilities = ["pull", "resolve"]',
            '',
            `[host."http://${pullThrough.host}"]`,
            '  capabilities = ["pull", "resolve"]',
            '',
          ].join('\n'),
        }),
      ];
      return { hostsDirectories, log: (e) => log.push(e) };
    }

    it('resolves a tag through the mirrors in order, with ?ns=, falling through a 404', async () => {
      const log: RequestLogEntry[] = [];
      const client = session(chainConfig(log)).registry('upstream.test');
      const res = await client.request('resolve', 'team/app', {
        method: 'HEAD',
        path: '/team/app/manifests/v1',
        headers: { accept: MANIFEST_ACCEPT },
        scopes: scopesFor({ method: 'HEAD', repository: 'team/app' }),
      });
      assert.equal(res.status, 200);
      assert.match(String(res.headers['docker-content-digest']), /^sha256:/);
      assert.deepEqual(
        log.map((e) => [new URL(e.url).host, e.status]),
        [
          [emptyMirror.host, 404],
          [pullThrough.host, 200],
        ],
      );
      for (const entry of log) assert.equal(new URL(entry.url).searchParams.get('ns'), 'upstream.test');
      // The registries saw the parameter too (their access logs record the query string).
      assert.match(pullThrough.readLog(), /\/v2\/team\/app\/manifests\/v1\?ns=upstream\.test/);
      assert.match(emptyMirror.readLog(), /\/v2\/team\/app\/manifests\/v1\?ns=upstream\.test/);
    });

    it("says who is asking: the registries log the User-Agent given to the session, else the core's own", async () => {
      const request = (userAgent?: string) =>
        session({ ...chainConfig([]), ...(userAgent ? { userAgent } : {}) })
          .registry('upstream.test')
          .request('resolve', 'team/app', {
            method: 'HEAD',
            path: '/team/app/manifests/v1',
            headers: { accept: MANIFEST_ACCEPT },
            scopes: scopesFor({ method: 'HEAD', repository: 'team/app' }),
          });
      assert.equal((await request('registry-explorer-lab/1.0 vscode/1.2.3')).status, 200);
      assert.equal((await request()).status, 200);
      // Distribution's access log ends each line with the quoted User-Agent.
      assert.match(
        pullThrough.readLog(),
        /"HEAD \/v2\/team\/app\/manifests\/v1\?ns=upstream\.test HTTP\/1\.1" 200 .*"registry-explorer-lab\/1\.0 vscode\/1\.2\.3"/,
      );
      assert.match(
        pullThrough.readLog(),
        /"HEAD \/v2\/team\/app\/manifests\/v1\?ns=upstream\.test HTTP\/1\.1" 200 .*"oci-registry-explorer"/,
      );
    });

    it('sends a push only to the server, never to a pull-only mirror', async () => {
      const log: RequestLogEntry[] = [];
      const client = session(chainConfig(log)).registry('upstream.test');
      const plan = await client.plan('push');
      assert.deepEqual(
        plan.endpoints.map((e) => e.host),
        [upstream.host],
      );
      assert.match(describePlan(plan), /mirror/);
      const res = await client.request('push', 'team/pushed', {
        method: 'POST',
        path: '/team/pushed/blobs/uploads/',
        scopes: scopesFor({ method: 'POST', repository: 'team/pushed' }),
      });
      assert.equal(res.status, 202);
      await res.body.dump();
      assert.deepEqual(
        log.map((e) => new URL(e.url).host),
        [upstream.host],
      );
    });

    it('reads a tag only from hosts that may resolve it: a pull-only mirror holding a stale tag is asked for digests alone', async () => {
      const fresh = await pushDated(upstream, 'team/stale', ['v1'], daysAgo(1), 'fresh');
      const stale = await pushDated(emptyMirror, 'team/stale', ['v1'], daysAgo(90), 'stale');
      const log: RequestLogEntry[] = [];
      const hostsDirectories = [
        folderWith({
          'pull-only.test/hosts.toml': [
            `server = "http://${upstream.host}"`,
            '',
            `[host."http://${emptyMirror.host}"]`,
            '  capabilities = ["pull"]',
            '',
          ].join('\n'),
        }),
      ];
      const repository = session({ hostsDirectories, log: (e) => log.push(e) })
        .registry('pull-only.test')
        .repository('team/stale');
      assert.notEqual(fresh, stale);
      assert.equal((await repository.getManifest('v1')).descriptor.digest, fresh);
      assert.deepEqual(
        (await readTagFacts(repository, ['v1'])).map((f) => f.digest),
        [fresh],
      );
      assert.equal((await repository.resolve('v1')).digest, fresh);
      const tagReads = log.filter((e) => /\/manifests\/v1(\?|$)/.test(new URL(e.url).pathname + new URL(e.url).search));
      assert.ok(tagReads.length >= 3);
      assert.deepEqual([...new Set(tagReads.map((e) => new URL(e.url).host))], [upstream.host], 'the tag was never asked of the mirror');
      // By digest, the mirror may answer (it has the stale manifest, which is content-addressed).
      log.length = 0;
      assert.equal((await repository.getManifest(stale)).descriptor.digest, stale);
      assert.deepEqual(
        log.map((e) => new URL(e.url).host),
        [emptyMirror.host],
      );
    });

    it('lists tags from the server only', async () => {
      const log: RequestLogEntry[] = [];
      const client = session(chainConfig(log)).registry('upstream.test');
      assert.deepEqual(await collect(client.listTags('team/app')), ['v1']);
      assert.deepEqual([...new Set(log.map((e) => new URL(e.url).host))], [upstream.host]);
    });
  });

  describe("credentials from the user's files", () => {
    it('logs in with Basic credentials from a Docker config.json', async () => {
      const config = folderWith({
        'config.json': JSON.stringify({ auths: { [basic.host]: { auth: basicAuth(lab.user.username, lab.user.password) } } }),
      });
      const client = session({ credentials: { dockerConfigPath: join(config, 'config.json') } }).registry(basic.host);
      const ping = await client.ping();
      assert.equal(ping.state, 'reachable');
      assert.equal(ping.state === 'reachable' && ping.credentialSource, join(config, 'config.json'));
      assert.deepEqual(await collect(client.listTags('team/secret')), ['v1']);
    });

    it('saves a login as docker login does: skopeo and the core log in with it, and not once it is erased', async () => {
      const config = join(tempDir('saved-login-'), 'docker', 'config.json');
      await saveDockerLogin(config, basic.host, lab.user);
      const flags = [...skopeoFlags(basic, '', null).filter((f) => f !== '--no-creds'), `--authfile=${config}`];
      const inspected = await skopeo(basic, ['inspect', '--raw', ...flags, `docker://${basic.host}/team/secret:v1`]);
      assert.match(inspected.stdout, /"schemaVersion"/, 'skopeo read the manifest with the saved login');
      const client = session({ credentials: { dockerConfigPath: config } }).registry(basic.host);
      const ping = await client.ping();
      assert.equal(ping.state === 'reachable' && ping.credentialSource, config);
      assert.deepEqual(await collect(client.listTags('team/secret')), ['v1']);

      assert.equal((await eraseDockerLogin(config, basic.host))?.kind, 'file');
      await assert.rejects(
        skopeo(basic, ['inspect', '--raw', ...flags, `docker://${basic.host}/team/secret:v1`]),
        /unauthorized|authentication required/i,
      );
      assert.equal(
        (
          await session({ credentials: { dockerConfigPath: config } })
            .registry(basic.host)
            .ping()
        ).state,
        'needs-login',
      );
    });

    it('says the login was refused when the password is wrong, without showing it', async () => {
      const config = folderWith({
        'config.json': JSON.stringify({ auths: { [basic.host]: { auth: basicAuth('alice', 'not-the-password') } } }),
      });
      const client = session({ credentials: { dockerConfigPath: join(config, 'config.json') } }).registry(basic.host);
      const ping = await client.ping();
      assert.equal(ping.state, 'needs-login');
      assert.equal(ping.state === 'needs-login' && ping.rejectedCredentialSource, join(config, 'config.json'));
      await assert.rejects(collect(client.listTags('team/secret')), (err: CoreError) => {
        assert.equal(err.code, 'AUTH_FAILED');
        assert.doesNotMatch(err.message, /not-the-password/);
        return true;
      });
    });

    it('says the login was refused when the token server turns the password down, not that the registry is unreachable', async () => {
      const path = join(
        folderWith({
          'config.json': JSON.stringify({
            auths: { [`http://${token.host}`]: { auth: basicAuth(lab.user.username, 'not-the-password') } },
          }),
        }),
        'config.json',
      );
      const client = session({ credentials: { dockerConfigPath: path } }).registry(token.host);
      const ping = await client.ping();
      assert.equal(ping.state, 'needs-login', JSON.stringify(ping));
      assert.equal(ping.state === 'needs-login' && ping.rejectedCredentialSource, path);
      assert.equal(ping.state === 'needs-login' && ping.scheme.toLowerCase(), 'bearer');
      assert.ok(
        token.tokenServer!.requests.some((r) => r.hadAuthorization && r.status === 401),
        'the token server was asked with the login, and refused it',
      );
      assert.doesNotMatch(JSON.stringify(ping), /not-the-password/);
    });

    it('gets a Bearer token with credentials from a Docker config.json', async () => {
      const config = folderWith({
        'config.json': JSON.stringify({ auths: { [`http://${token.host}`]: { auth: basicAuth(lab.user.username, lab.user.password) } } }),
      });
      const client = session({ credentials: { dockerConfigPath: join(config, 'config.json') } }).registry(token.host);
      token.tokenServer!.requests.length = 0;
      await collect(client.listRepositories());
      assert.ok(
        token.tokenServer!.requests.some((r) => r.user === lab.user.username && r.scopes.includes('registry:catalog:*')),
        'the token server issued a catalog token to alice',
      );
    });

    it('gets a Bearer token with credentials from a credential helper on PATH', async () => {
      const bin = tempDir('helpers-');
      const helper = join(bin, 'docker-credential-labtest');
      writeFileSync(
        helper,
        [
          '#!/bin/sh',
          'read server',
          `[ "$1" = get ] || exit 1`,
          `printf '{"ServerURL":"%s","Username":"${lab.user.username}","Secret":"${lab.user.password}"}' "$server"`,
          '',
        ].join('\n'),
      );
      chmodSync(helper, 0o755);
      const config = folderWith({ 'config.json': JSON.stringify({ credHelpers: { [token.host]: 'labtest' } }) });
      const client = session({
        credentials: { dockerConfigPath: join(config, 'config.json') },
        env: { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` },
      }).registry(token.host);
      token.tokenServer!.requests.length = 0;
      const repositories = await collect(client.listRepositories());
      assert.ok(Array.isArray(repositories));
      const users = token.tokenServer!.requests.map((r) => r.user);
      assert.ok(users.includes(lab.user.username), `the token server saw ${lab.user.username} (saw ${users.join(', ')})`);
      assert.ok(token.tokenServer!.requests.some((r) => r.scopes.includes('registry:catalog:*')));
    });

    it('uses a containers auth.json', async () => {
      const auth = folderWith({
        'auth.json': JSON.stringify({ auths: { [basic.host]: { auth: basicAuth(lab.user.username, lab.user.password) } } }),
      });
      const client = session({
        credentials: {
          podmanAuthPath: join(auth, 'auth.json'),
          dockerConfigPath: join(folderWith({ 'config.json': '{}' }), 'config.json'),
        },
      }).registry(basic.host);
      const ping = await client.ping();
      assert.equal(ping.state === 'reachable' && ping.credentialSource, join(auth, 'auth.json'));
    });

    it("never sends the upstream's credentials to a mirror", async () => {
      const witness = await recordingServer();
      try {
        const hostsDirectories = [
          folderWith({
            'private.test/hosts.toml': [
              `server = "http://${basic.host}"`,
              '',
              `[host."http://${witness.host}"]`,
              '  capabilities = ["pull", "resolve"]',
              '',
            ].join('\n'),
          }),
        ];
        // Credentials exist for the server's host, for the registry's name, and for Docker Hub: none for the mirror.
        const config = folderWith({
          'config.json': JSON.stringify({
            auths: {
              [basic.host]: { auth: basicAuth(lab.user.username, lab.user.password) },
              'private.test': { auth: basicAuth('upstream-user', 'upstream-secret') },
            },
          }),
        });
        const client = session({ hostsDirectories, credentials: { dockerConfigPath: join(config, 'config.json') } }).registry(
          'private.test',
        );
        const res = await client.request('resolve', 'team/secret', {
          method: 'HEAD',
          path: '/team/secret/manifests/v1',
          headers: { accept: MANIFEST_ACCEPT },
          scopes: scopesFor({ method: 'HEAD', repository: 'team/secret' }),
        });
        assert.equal(res.status, 200, 'the server answered after the mirror refused');
        assert.ok(witness.seen.length >= 1, 'the mirror was asked first');
        for (const headers of witness.seen) assert.equal(headers.authorization, undefined, 'the mirror never received Authorization');
      } finally {
        await new Promise((r) => witness.server.close(r));
      }
    });

    it("uses a mirror's own credentials on that mirror", async () => {
      const hostsDirectories = [
        folderWith({
          'private.test/hosts.toml': [
            `server = "http://${upstream.host}"`,
            '',
            `[host."http://${basic.host}"]`,
            '  capabilities = ["pull", "resolve"]',
            '',
          ].join('\n'),
        }),
      ];
      const config = folderWith({
        'config.json': JSON.stringify({ auths: { [basic.host]: { auth: basicAuth(lab.user.username, lab.user.password) } } }),
      });
      const log: RequestLogEntry[] = [];
      const client = session({
        hostsDirectories,
        credentials: { dockerConfigPath: join(config, 'config.json') },
        log: (e) => log.push(e),
      }).registry('private.test');
      const res = await client.request('resolve', 'team/secret', {
        method: 'HEAD',
        path: '/team/secret/manifests/v1',
        headers: { accept: MANIFEST_ACCEPT },
        scopes: scopesFor({ method: 'HEAD', repository: 'team/secret' }),
      });
      assert.equal(res.status, 200);
      assert.deepEqual(
        log.map((e) => [new URL(e.url).host, e.status]),
        [
          [basic.host, 401],
          [basic.host, 200],
        ],
        'the mirror answered with its own login; the server was not needed',
      );
    });
  });
});
