// The session's per-registry lookups from each way a host can be written: a registry spelled
// differently (Docker Hub's old name, https's default port, a trailing dot) finds the same host
// directory, settings and logins. Plans and credentials only: nothing here contacts a registry.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession, type CoreConfig, type RegistrySession } from '../../../../src/core/registry/session';

describe('core/registry/session: one registry however its host is written', () => {
  const sessions: RegistrySession[] = [];
  const home = mkdtempSync(join(tmpdir(), 'session-home-'));
  const session = (config: CoreConfig): RegistrySession => {
    const s = createSession({ env: {}, homedir: home, hostsDirectories: [], ...config });
    sessions.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  it("plans index.docker.io with docker.io's host directory (its Docker Hub mirror), as references name it", async () => {
    const roots = mkdtempSync(join(tmpdir(), 'hosts-'));
    mkdirSync(join(roots, 'docker.io'));
    writeFileSync(join(roots, 'docker.io', 'hosts.toml'), '[host."https://hub-mirror.test"]\n  capabilities = ["pull", "resolve"]\n');
    const s = session({ hostsDirectories: [roots] });
    for (const registry of ['docker.io', 'index.docker.io', 'Index.Docker.IO:443']) {
      const plan = await s.registry(registry).plan('pull');
      assert.deepEqual(
        plan.endpoints.map((e) => `${e.role} ${e.host}${e.ns ? ` ns=${e.ns}` : ''}`),
        ['mirror hub-mirror.test ns=docker.io', 'server registry-1.docker.io'],
        registry,
      );
    }
  });

  it('gives registry.test. (a fully qualified name) the login and insecure setting of registry.test', async () => {
    const config = join(mkdtempSync(join(tmpdir(), 'docker-')), 'config.json');
    writeFileSync(config, JSON.stringify({ auths: { 'registry.test': { auth: Buffer.from('user:pass').toString('base64') } } }));
    const s = session({ insecureRegistries: ['registry.test'], credentials: { dockerConfigPath: config } });
    for (const host of ['registry.test', 'Registry.Test:443', 'registry.test.', 'registry.test.:443']) {
      assert.equal((await s.credential(host))?.username, 'user', host);
      assert.equal((await s.plan(host, 'pull')).endpoints[0]?.insecure, true, host);
    }
    assert.deepEqual(await s.discoveredRegistries(), ['registry.test']);
  });
});
