import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { parseHostSettings } from '../../../../src/core/hosts/host-settings';
import { loadHostConfig } from '../../../../src/core/hosts/hosts-dirs';
import {
  describePlan,
  endpointUrl,
  hostTls,
  loadEndpointPlan,
  planEndpoints,
  type EndpointPlan,
  type Operation,
  type PlanSettings,
} from '../../../../src/core/hosts/plan';

describe('plan', () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'plan-test-'));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  /** Creates `base/root/dir` with the given files (name → content) and returns the directory. */
  function hostDir(dir: string, files: Record<string, string> = {}, root = 'certs.d'): string {
    const full = join(base, root, dir);
    mkdirSync(full, { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(join(full, name), content);
    return full;
  }
  const roots = (): string[] => [join(base, 'certs.d')];

  async function plan(registry: string, operation: Operation, settings: PlanSettings = {}): Promise<EndpointPlan> {
    return planEndpoints(await loadHostConfig(registry, { roots: roots(), platform: 'linux' }), operation, settings);
  }
  const hosts = (p: EndpointPlan): string[] => p.endpoints.map((e) => e.host);

  // docker.io with two mirrors: A (pull/resolve, secret headers) and B (pull/resolve/push, own path).
  const MIRROR_CHAIN = [
    'server = "https://registry-1.docker.io"',
    '',
    '[host."https://Mirror-A.example"]',
    '  capabilities = ["pull", "resolve"]',
    '  [host."https://Mirror-A.example".header]',
    '    Authorization = "Bearer SECRET-TOKEN-A"',
    '    X-Multi = ["first-SECRET", "second-SECRET"]',
    '',
    '[host."https://mirror-b.example:5000/cache/v2"]',
    '  capabilities = ["pull", "resolve", "push"]',
    '  override_path = true',
    '  dial_timeout = "2s"',
    '',
  ].join('\n');

  describe('operations', () => {
    it('tries mirrors in file order, then the server, for pull and resolve', async () => {
      const dir = hostDir('docker.io', { 'hosts.toml': MIRROR_CHAIN });
      for (const op of ['pull', 'resolve'] as const) {
        const p = await plan('docker.io', op);
        assert.equal(p.registry, 'docker.io');
        assert.equal(p.operation, op);
        assert.deepEqual(p.source, { root: roots()[0], dir, file: join(dir, 'hosts.toml') });
        assert.deepEqual(hosts(p), ['mirror-a.example', 'mirror-b.example:5000', 'registry-1.docker.io']);
        assert.deepEqual(
          p.endpoints.map((e) => e.role),
          ['mirror', 'mirror', 'server'],
        );
        assert.deepEqual(p.skipped, []);
      }
    });

    it('sends push and delete only to the first host with push', async () => {
      hostDir('docker.io', { 'hosts.toml': MIRROR_CHAIN });
      for (const op of ['push', 'delete'] as const) {
        const p = await plan('docker.io', op);
        assert.deepEqual(hosts(p), ['mirror-b.example:5000']);
        assert.deepEqual(
          p.skipped.map((s) => s.host),
          ['mirror-a.example', 'registry-1.docker.io'],
        );
        assert.equal(p.skipped[0]?.reason, 'mirror without the push capability');
        assert.match(
          p.skipped[1]?.reason ?? '',
          new RegExp(
            `only the first host with the push capability \\(mirror-b.example:5000\\) receives ${op === 'push' ? 'pushes' : 'deletes'}`,
          ),
        );
      }
    });

    it('never pushes to a pull-only mirror: push goes to the server', async () => {
      hostDir('registry.test', { 'hosts.toml': '[host."https://cache.test"]\ncapabilities = ["pull", "resolve"]\n' });
      const p = await plan('registry.test', 'push');
      assert.deepEqual(hosts(p), ['registry.test']);
      assert.deepEqual(p.skipped, [{ host: 'cache.test', reason: 'mirror without the push capability' }]);
    });

    it('lists from the server only', async () => {
      hostDir('docker.io', { 'hosts.toml': MIRROR_CHAIN });
      const p = await plan('docker.io', 'list');
      assert.deepEqual(hosts(p), ['registry-1.docker.io']);
      assert.equal(p.skipped.length, 2);
      assert.ok(p.skipped.every((s) => /listing is not the registry's/.test(s.reason)));
    });

    it('asks only referrers hosts for referrers', async () => {
      hostDir('docker.io', { 'hosts.toml': MIRROR_CHAIN });
      const p = await plan('docker.io', 'referrers');
      assert.deepEqual(hosts(p), ['registry-1.docker.io']);
      assert.deepEqual(
        p.skipped.map((s) => s.reason),
        ['mirror without the referrers capability', 'mirror without the referrers capability'],
      );
    });

    it('plans nothing, and says why, when no host has the capability', async () => {
      hostDir('registry.test', {
        'hosts.toml': 'capabilities = ["pull", "resolve"]\n[host."https://cache.test"]\ncapabilities = ["pull"]\n',
      });
      const p = await plan('registry.test', 'push');
      assert.deepEqual(p.endpoints, []);
      assert.deepEqual(p.skipped, [
        { host: 'cache.test', reason: 'mirror without the push capability' },
        { host: 'registry.test', reason: 'server without the push capability' },
      ]);
      assert.match(p.warnings.join('\n'), /No host for registry.test has the push capability.*add "push"/);
      const resolve = await plan('registry.test', 'resolve');
      assert.deepEqual(hosts(resolve), ['registry.test']);
      assert.match(describePlan(p), /No endpoint can serve push for registry\.test/);
    });
  });

  describe('endpoint details', () => {
    it('keeps override_path, capabilities and dial_timeout, and lowercases hosts', async () => {
      hostDir('docker.io', { 'hosts.toml': MIRROR_CHAIN });
      const [a, b, server] = (await plan('docker.io', 'pull')).endpoints;
      assert.equal(a?.host, 'mirror-a.example');
      assert.equal(a?.pathPrefix, '/v2');
      assert.deepEqual(a?.capabilities, ['pull', 'resolve']);
      assert.equal(b?.pathPrefix, '/cache/v2');
      assert.equal(b?.dialTimeoutMs, 2000);
      assert.ok(b?.why.includes('path /cache/v2 used as is (override_path)'));
      assert.equal(endpointUrl(b!), 'https://mirror-b.example:5000/cache/v2?ns=docker.io');
      assert.deepEqual(server?.capabilities, ['pull', 'resolve', 'push', 'referrers']);
      assert.equal(server?.dialTimeoutMs, undefined);
    });

    it('adds ns only for hosts that are not the registry (Docker Hub names count as one)', async () => {
      const dir = hostDir('docker.io', { 'hosts.toml': MIRROR_CHAIN });
      const p = await plan('docker.io', 'pull');
      assert.deepEqual(
        p.endpoints.map((e) => e.ns),
        ['docker.io', 'docker.io', undefined],
      );
      assert.ok(!('ns' in p.endpoints[2]!));
      assert.ok(p.endpoints[0]?.why.includes(`mirror from ${join(dir, 'hosts.toml')}`));
      assert.ok(p.endpoints[0]?.why.includes('ns=docker.io: mirror-a.example is not docker.io itself'));
      const plain = await plan('localhost:5000', 'pull');
      assert.equal(plain.endpoints[0]?.ns, undefined);
      rmSync(dir, { recursive: true });
      for (const registry of ['docker.io', 'index.docker.io']) {
        const hub = await plan(registry, 'pull');
        assert.equal(hub.registry, registry);
        assert.equal(hub.endpoints[0]?.ns, undefined);
      }
    });

    it('uses a _default directory, with ns for the registry it stands in for', async () => {
      const dir = hostDir('_default', { 'hosts.toml': 'server = "https://proxy.internal"\n' });
      const p = await plan('ghcr.io', 'pull');
      assert.equal(p.source?.dir, dir);
      assert.deepEqual(hosts(p), ['proxy.internal']);
      assert.equal(p.endpoints[0]?.ns, 'ghcr.io');
      assert.equal(endpointUrl(p.endpoints[0]!), 'https://proxy.internal/v2?ns=ghcr.io');
    });

    it('carries CA files and client certificates from hosts.toml', async () => {
      const dir = hostDir('registry.test:5000', {
        'hosts.toml': 'ca = ["ca.pem"]\nclient = [["client.pem", "client.key"], ["both.pem", ""]]\n',
        'ca.pem': 'x',
        'client.pem': 'x',
        'client.key': 'x',
        'both.pem': 'x',
      });
      const [e] = (await plan('registry.test:5000', 'pull')).endpoints;
      assert.deepEqual(e?.caFiles, [join(dir, 'ca.pem')]);
      assert.deepEqual(e?.clientCertificates, [
        { cert: join(dir, 'client.pem'), key: join(dir, 'client.key') },
        { cert: join(dir, 'both.pem'), key: join(dir, 'both.pem') },
      ]);
      assert.ok(e?.why.includes(`CA ${join(dir, 'ca.pem')}`));
      assert.ok(e?.why.includes(`client certificate ${join(dir, 'client.pem')} with key ${join(dir, 'client.key')}`));
      assert.equal(e?.scheme, 'https');
      assert.equal(e?.insecure, false);
      assert.equal(e?.skipVerify, false);
    });

    it('reads a certs.d-only directory, where the registry setting decides the scheme', async () => {
      const dir = hostDir('registry.test:5000', { 'ca.crt': 'x', 'me.cert': 'x', 'me.key': 'x' });
      let p = await plan('registry.test:5000', 'pull');
      assert.deepEqual(p.source, { root: roots()[0], dir });
      const [e] = p.endpoints;
      assert.equal(e?.scheme, 'https');
      assert.deepEqual(e?.caFiles, [join(dir, 'ca.crt')]);
      assert.deepEqual(e?.clientCertificates, [{ cert: join(dir, 'me.cert'), key: join(dir, 'me.key') }]);
      assert.match(e?.why[0] ?? '', /Docker certs\.d/);
      assert.match(describePlan(p), /\(Docker certs\.d\)/);

      p = await plan('registry.test:5000', 'pull', { registrySetting: { scheme: 'http', insecure: true } });
      assert.equal(p.endpoints[0]?.scheme, 'http');
      assert.equal(p.endpoints[0]?.insecure, false);
      assert.equal(p.endpoints[0]?.skipVerify, false);
      assert.ok(p.endpoints[0]?.why.includes("plain HTTP: http:// in the registry's own settings"));
    });

    it('tries an http:// entry with TLS settings on a port other than 80 over https first', async () => {
      hostDir('a.test:5000', { 'hosts.toml': 'server = "http://a.test:5000"\nca = "ca.pem"\n', 'ca.pem': 'x' });
      hostDir('b.test', { 'hosts.toml': 'server = "http://b.test"\nca = "ca.pem"\n', 'ca.pem': 'x' });
      hostDir('c.test:5000', { 'hosts.toml': 'server = "http://c.test:5000"\n' });
      hostDir('d.test:5000', { 'hosts.toml': 'server = "http://d.test:5000"\nskip_verify = false\n' });
      hostDir('e.test', { 'hosts.toml': 'server = "http://e.test:80"\nskip_verify = true\n' });

      const a = (await plan('a.test:5000', 'pull')).endpoints[0];
      assert.deepEqual([a?.scheme, a?.insecure, a?.skipVerify], ['https', true, false]);
      assert.match(a?.why.join('\n') ?? '', /HTTPS first, then plain HTTP: http:\/\/ with TLS settings on port 5000/);

      const d = (await plan('d.test:5000', 'pull')).endpoints[0];
      assert.deepEqual([d?.scheme, d?.insecure, d?.skipVerify], ['https', true, false]);

      for (const registry of ['b.test', 'c.test:5000', 'e.test']) {
        const e = (await plan(registry, 'pull')).endpoints[0];
        assert.deepEqual([e?.scheme, e?.insecure, e?.skipVerify], ['http', false, false], registry);
        assert.match(e?.why.join('\n') ?? '', /plain HTTP: http:\/\/ in .*hosts\.toml/);
      }
    });
  });

  describe('TLS of a host named by several sections', () => {
    it('gives the server the CA, client and skip_verify of a [host] section for the same host, and says so', async () => {
      const dir = hostDir('registry.test', {
        'ca.pem': 'x',
        'client.pem': 'x',
        'hosts.toml': '[host."https://Registry.test"]\n  ca = "ca.pem"\n  client = "client.pem"\n  capabilities = ["pull"]\n',
      });
      for (const op of ['list', 'push', 'pull'] as const) {
        const p = await plan('registry.test', op);
        const server = p.endpoints.find((e) => e.role === 'server')!;
        assert.deepEqual(server.caFiles, [join(dir, 'ca.pem')], op);
        assert.deepEqual(server.clientCertificates, [{ cert: join(dir, 'client.pem'), key: join(dir, 'client.pem') }], op);
        assert.ok(
          server.why.includes(`ca, client from [host."https://registry.test"] of ${join(dir, 'hosts.toml')}: the same host`),
          server.why.join('; '),
        );
        assert.ok(!server.insecure && !server.skipVerify);
      }
    });

    it("keeps a section's own settings, and never borrows across schemes or hosts", async () => {
      hostDir('registry.test', {
        'a.pem': 'x',
        'b.pem': 'x',
        'hosts.toml':
          'server = "https://registry.test"\nca = "a.pem"\n\n[host."https://registry.test"]\n  ca = "b.pem"\n  skip_verify = true\n\n[host."http://registry.test:5000"]\n\n[host."https://mirror.test"]\n',
      });
      const p = await plan('registry.test', 'pull');
      const [mirror, plain, other, server] = p.endpoints;
      assert.deepEqual(
        [mirror!.host, plain!.host, other!.host, server!.host],
        ['registry.test', 'registry.test:5000', 'mirror.test', 'registry.test'],
      );
      assert.match(mirror!.caFiles[0]!, /b\.pem$/);
      assert.match(server!.caFiles[0]!, /a\.pem$/, 'its own ca wins');
      assert.ok(server!.skipVerify, 'skip_verify it did not set comes from the section for the same host');
      assert.deepEqual([plain!.caFiles, other!.caFiles], [[], []]);
      // The reason names exactly what was taken, and only where something was.
      const file = join(base, 'certs.d', 'registry.test', 'hosts.toml');
      assert.deepEqual(
        server!.why.filter((w) => w.endsWith('the same host')),
        [`skip_verify from [host."https://registry.test"] of ${file}: the same host`],
      );
      for (const e of [mirror!, plain!, other!])
        assert.ok(!e.why.some((w) => w.endsWith('the same host')), `${e.host}: ${e.why.join('; ')}`);
    });
  });

  describe('insecure hosts', () => {
    it('verifies certificates and never falls back for an ordinary host', async () => {
      const [e] = (await plan('registry.example', 'pull')).endpoints;
      assert.deepEqual([e?.scheme, e?.insecure, e?.skipVerify], ['https', false, false]);
      assert.ok(e?.why.includes('certificates verified, no plain-HTTP fallback'));
      assert.deepEqual(e?.connectTo, {});
    });

    it('treats loopback as insecure, but an explicit http:// as plain HTTP', async () => {
      for (const registry of ['localhost:5000', '127.0.0.1:5000', '[::1]:5000']) {
        const [e] = (await plan(registry, 'pull')).endpoints;
        assert.equal(e?.host, registry);
        assert.deepEqual([e?.scheme, e?.insecure, e?.skipVerify], ['https', true, true], registry);
        assert.ok(e?.why.includes('insecure: loopback'));
      }
      const [e] = (await plan('localhost:5000', 'pull', { registrySetting: { scheme: 'http' } })).endpoints;
      assert.deepEqual([e?.scheme, e?.insecure, e?.skipVerify], ['http', false, false]);
    });

    it('verifies a loopback registry named with https:// or given a CA, unless an entry lists it', async () => {
      let [e] = (await plan('127.0.0.1:5443', 'pull', { registrySetting: { scheme: 'https' } })).endpoints;
      assert.deepEqual([e?.scheme, e?.insecure, e?.skipVerify], ['https', false, false]);
      assert.ok(e?.why.includes("verified although loopback: https:// in the registry's own settings"));
      hostDir('127.0.0.1:5444', { 'ca.crt': 'x' });
      [e] = (await plan('127.0.0.1:5444', 'pull')).endpoints;
      assert.deepEqual([e?.insecure, e?.skipVerify], [false, false]);
      assert.ok(e?.why.includes('verified although loopback: a CA is configured for it'));
      [e] = (await plan('127.0.0.1:5443', 'pull', { registrySetting: { scheme: 'https' }, insecureRegistries: ['127.0.0.0/8'] })).endpoints;
      assert.deepEqual([e?.insecure, e?.skipVerify], [true, true], 'an explicit insecure entry still wins');
    });

    it("https:// in the registry's settings asks verification of the server alone, and only without a hosts.toml", async () => {
      hostDir('127.0.0.1:5445', { 'hosts.toml': '[host."https://127.0.0.2:6000"]\n  capabilities = ["pull", "resolve"]\n' });
      const [mirror, server] = (await plan('127.0.0.1:5445', 'pull', { registrySetting: { scheme: 'https' } })).endpoints;
      assert.equal(mirror?.host, '127.0.0.2:6000');
      assert.deepEqual([mirror?.insecure, mirror?.skipVerify], [true, true], 'a loopback mirror stays insecure');
      assert.ok(!mirror?.why.some((w) => w.startsWith('verified although loopback')));
      assert.deepEqual([server?.insecure, server?.skipVerify], [true, true], 'hosts.toml decides for the server too');
      // Without https:// asked for, a loopback registry says nothing about verification.
      const [plain] = (await plan('127.0.0.1:5446', 'pull')).endpoints;
      assert.ok(!plain?.why.some((w) => w.startsWith('verified although loopback')));
      assert.ok(!plain?.why.includes('certificates verified, no plain-HTTP fallback'));
      // An ordinary host named with https:// is verified without the loopback remark.
      const [named] = (await plan('registry.example', 'pull', { registrySetting: { scheme: 'https' } })).endpoints;
      assert.deepEqual([named?.insecure, named?.skipVerify], [false, false]);
      assert.ok(!named?.why.some((w) => w.startsWith('verified although loopback')));
    });

    it('matches host, host:port and CIDR entries and names the entry', async () => {
      const settings: PlanSettings = { insecureRegistries: ['reg.test:5000', ' other.test ', '10.0.0.0/8'] };
      let [e] = (await plan('reg.test:5000', 'pull', settings)).endpoints;
      assert.deepEqual([e?.insecure, e?.skipVerify], [true, true]);
      assert.ok(e?.why.includes('insecure: matches reg.test:5000 in the insecure registries setting'));
      // An entry without a port matches only a registry written without one (Docker semantics).
      [e] = (await plan('other.test:5000', 'pull', settings)).endpoints;
      assert.equal(e?.insecure, false);
      [e] = (await plan('other.test', 'pull', settings)).endpoints;
      assert.equal(e?.insecure, true);
      [e] = (await plan('10.1.2.3:5000', 'pull', settings)).endpoints;
      assert.ok(e?.why.includes('insecure: matches 10.0.0.0/8 in the insecure registries setting'));
      [e] = (await plan('reg.corp', 'pull', { ...settings, resolvedAddresses: { 'reg.corp': ['192.0.2.1', '10.9.9.9'] } })).endpoints;
      assert.ok(e?.why.includes('insecure: resolves to 10.9.9.9, which matches 10.0.0.0/8 in the insecure registries setting'));
    });

    it('applies the registry setting insecure flag to the server only', async () => {
      hostDir('reg.test', { 'hosts.toml': '[host."https://mirror.test"]\n' });
      const p = await plan('reg.test', 'pull', { registrySetting: { insecure: true } });
      assert.deepEqual(
        p.endpoints.map((e) => [e.host, e.insecure, e.skipVerify]),
        [
          ['mirror.test', false, false],
          ['reg.test', true, true],
        ],
      );
    });

    it('makes a skip_verify = true host insecure; skip_verify = false keeps verification for a listed host', async () => {
      hostDir('reg.test', { 'hosts.toml': 'skip_verify = false\n[host."https://mirror.test"]\nskip_verify = true\n' });
      const p = await plan('reg.test', 'pull', { insecureRegistries: ['reg.test'] });
      assert.deepEqual(
        p.endpoints.map((e) => [e.host, e.insecure, e.skipVerify]),
        [
          ['mirror.test', true, true],
          ['reg.test', true, false],
        ],
      );
      assert.match(p.endpoints[0]?.why.join('\n') ?? '', /insecure: skip_verify = true in /);
      assert.match(p.endpoints[1]?.why.join('\n') ?? '', /certificates still verified: skip_verify = false/);
    });

    it('lets hosts.toml decide the scheme and warns when the registry setting disagrees', async () => {
      hostDir('reg.test', { 'hosts.toml': 'server = "https://reg.test"\n' });
      const p = await plan('reg.test', 'pull', { registrySetting: { scheme: 'http' } });
      assert.equal(p.endpoints[0]?.scheme, 'https');
      assert.match(
        p.warnings.join('\n'),
        /names reg\.test with http:\/\/, but .*hosts\.toml makes its server https:\/\/; the hosts\.toml wins/,
      );
    });

    it('turns malformed settings into warnings and never into insecure hosts', async () => {
      const p = await plan('reg.test', 'pull', {
        insecureRegistries: ['ftp://reg.test', 'bad host', '', '10.0.0.0/99'],
        resolveRules: ['reg.test:443', 'reg.test:443:not-an-ip', 'reg.test:443:127.0.0.1'],
      });
      assert.equal(p.warnings.length, 6);
      assert.equal(p.warnings.filter((w) => w.startsWith('An entry of the insecure registries setting was ignored')).length, 4);
      assert.equal(p.warnings.filter((w) => w.startsWith('An entry of the resolve rules setting was ignored')).length, 2);
      assert.ok(p.warnings.every((w) => /Fix or remove it in the settings\.$/.test(w)));
      const reg = await plan('reg.test', 'pull', {
        insecureRegistries: ['ftp://reg.test', 'reg.test:bad'],
        resolveRules: ['reg.test:443:127.0.0.1', 'garbage'],
      });
      assert.equal(reg.endpoints[0]?.insecure, false);
      assert.equal(reg.endpoints[0]?.connectTo.https?.address, '127.0.0.1');
    });
  });

  describe('resolve rules', () => {
    const rules = ['reg.test:443:127.0.0.1:5443', 'reg.test:80:127.0.0.1:5080', 'reg.test:5000:[::1]', 'other.test:443:10.0.0.1'];

    it('applies the :443 rule to https and the :80 rule to the plain-HTTP fallback', async () => {
      const [e] = (await plan('reg.test', 'pull', { insecureRegistries: ['reg.test'], resolveRules: rules })).endpoints;
      assert.deepEqual(e?.connectTo, {
        https: { address: '127.0.0.1', port: 5443, rule: 'reg.test:443:127.0.0.1:5443' },
        http: { address: '127.0.0.1', port: 5080, rule: 'reg.test:80:127.0.0.1:5080' },
      });
      assert.ok(e?.why.includes('resolve rule reg.test:443:127.0.0.1:5443'));
      assert.ok(e?.why.includes('resolve rule reg.test:80:127.0.0.1:5080 (for the plain-HTTP fallback)'));
      const text = describePlan(await plan('reg.test', 'pull', { insecureRegistries: ['reg.test'], resolveRules: rules }));
      assert.match(text, /https connects to 127\.0\.0\.1:5443 \(resolve rule reg\.test:443:127\.0\.0\.1:5443\)/);
      assert.match(text, /http connects to 127\.0\.0\.1:5080/);
    });

    it('has no http target for a secure host, and matches an explicit port for both schemes', async () => {
      let [e] = (await plan('REG.test', 'pull', { resolveRules: rules })).endpoints;
      assert.deepEqual(Object.keys(e?.connectTo ?? {}), ['https']);
      [e] = (await plan('reg.test:5000', 'pull', { insecureRegistries: ['reg.test:5000'], resolveRules: rules })).endpoints;
      assert.deepEqual(e?.connectTo.https, { address: '::1', port: 5000, rule: 'reg.test:5000:[::1]:5000' });
      assert.deepEqual(e?.connectTo.http, e?.connectTo.https);
      assert.equal(e?.why.filter((w) => w.startsWith('resolve rule')).length, 1);
      assert.match(describePlan({ ...(await plan('reg.test:5000', 'pull', { resolveRules: rules })) }), /connects to \[::1\]:5000/);
      [e] = (
        await plan('reg.test:5000', 'pull', { registrySetting: { scheme: 'http' }, resolveRules: ['reg.test:5000:127.0.0.2'] })
      ).endpoints;
      assert.deepEqual(e?.connectTo, { http: { address: '127.0.0.2', port: 5000, rule: 'reg.test:5000:127.0.0.2:5000' } });
    });

    it('the last duplicate rule wins', async () => {
      const [e] = (await plan('reg.test', 'pull', { resolveRules: ['reg.test:443:10.0.0.1', 'reg.test:443:10.0.0.2'] })).endpoints;
      assert.equal(e?.connectTo.https?.address, '10.0.0.2');
    });
  });

  describe('header secrets', () => {
    it('keeps header values out of JSON, util.inspect and describePlan', async () => {
      hostDir('docker.io', { 'hosts.toml': MIRROR_CHAIN });
      const p = await plan('docker.io', 'pull');
      const a = p.endpoints[0]!;
      assert.deepEqual(a.headerNames, ['Authorization', 'X-Multi']);
      assert.deepEqual({ ...a.headers }, { Authorization: 'Bearer SECRET-TOKEN-A', 'X-Multi': 'first-SECRET, second-SECRET' });
      assert.deepEqual(p.endpoints[2]?.headers, {});
      for (const text of [
        JSON.stringify(p),
        inspect(p, { depth: null }),
        inspect(p, { depth: null, showHidden: true }),
        describePlan(p),
        String(p.warnings),
      ]) {
        assert.doesNotMatch(text, /SECRET/);
      }
      assert.match(describePlan(p), /headers: Authorization, X-Multi \(values hidden\)/);
      assert.ok(!Object.keys(a).includes('headers'));
      // The JSON form is the plan minus the hidden values.
      assert.deepEqual(JSON.parse(JSON.stringify(p)), JSON.parse(JSON.stringify({ ...p })));
    });
  });

  describe('loadEndpointPlan', () => {
    it('resolves every named host, CIDR entries or not, and matches them', async () => {
      const asked: string[] = [];
      const lookup = async (h: string): Promise<string[]> => {
        asked.push(h);
        return h === 'reg.corp' ? ['10.1.2.3'] : ['192.0.2.10'];
      };
      hostDir('reg.corp', { 'hosts.toml': '[host."https://mirror.corp"]\n[host."https://10.200.0.1:5000"]\n' });
      let p = await loadEndpointPlan('reg.corp', 'pull', { roots: roots(), insecureRegistries: ['reg.corp'], lookup });
      assert.deepEqual(asked.splice(0).sort(), ['mirror.corp', 'reg.corp']);
      assert.equal(p.endpoints[2]?.insecure, true);

      p = await loadEndpointPlan('reg.corp', 'pull', { roots: roots(), insecureRegistries: ['10.0.0.0/8'], lookup });
      assert.deepEqual(asked.sort(), ['mirror.corp', 'reg.corp']);
      assert.deepEqual(
        p.endpoints.map((e) => [e.host, e.insecure]),
        [
          ['mirror.corp', false],
          ['10.200.0.1:5000', true],
          ['reg.corp', true],
        ],
      );
      assert.ok(
        p.endpoints[2]?.why.includes('insecure: resolves to 10.1.2.3, which matches 10.0.0.0/8 in the insecure registries setting'),
      );
    });

    it('ignores lookup failures and slow lookups', async () => {
      const failing = async (): Promise<string[]> => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
      };
      let p = await loadEndpointPlan('reg.corp', 'pull', { roots: roots(), insecureRegistries: ['10.0.0.0/8'], lookup: failing });
      assert.equal(p.endpoints[0]?.insecure, false);
      const never = (): Promise<string[]> => new Promise(() => undefined);
      const started = Date.now();
      p = await loadEndpointPlan('reg.corp', 'pull', {
        roots: roots(),
        insecureRegistries: ['10.0.0.0/8'],
        lookup: never,
        lookupTimeoutMs: 50,
      });
      assert.ok(Date.now() - started < 2000);
      assert.equal(p.endpoints[0]?.insecure, false);
    });

    it('treats a host resolving to loopback as insecure with no insecure entry at all, as Docker does', async () => {
      const p = await loadEndpointPlan('dev.test:5000', 'pull', { roots: roots(), lookup: async () => ['::1'] });
      assert.equal(p.endpoints[0]?.insecure, true, p.endpoints[0]?.why.join(' | '));
      assert.ok(p.endpoints[0]?.why.includes('insecure: resolves to the loopback address ::1'));
    });

    it('treats a host resolving to loopback as insecure, and keeps given addresses', async () => {
      let p = await loadEndpointPlan('dev.test:5000', 'pull', {
        roots: roots(),
        insecureRegistries: ['192.168.0.0/16'],
        lookup: async () => ['127.0.0.1'],
      });
      assert.ok(p.endpoints[0]?.why.includes('insecure: resolves to the loopback address 127.0.0.1'));
      let called = false;
      p = await loadEndpointPlan('dev.test:5000', 'pull', {
        roots: roots(),
        insecureRegistries: ['192.168.0.0/16'],
        resolvedAddresses: { 'dev.test': ['192.168.1.1'] },
        lookup: async () => {
          called = true;
          return [];
        },
      });
      assert.equal(called, false);
      assert.equal(p.endpoints[0]?.insecure, true);
    });

    it('passes the registry setting through and reports hosts.toml errors', async () => {
      const p = await loadEndpointPlan('reg.test:5000', 'push', { roots: roots(), registrySetting: { scheme: 'http' } });
      assert.equal(p.endpoints[0]?.scheme, 'http');
      hostDir('broken.test', { 'hosts.toml': 'server = "https://x\n' });
      await assert.rejects(loadEndpointPlan('broken.test', 'pull', { roots: roots() }), /TOML syntax error at line 1/);
    });
  });

  describe('describePlan', () => {
    it('shows operation, source, numbered endpoints, skipped hosts and warnings', async () => {
      const dir = hostDir('docker.io', {
        'hosts.toml': `${MIRROR_CHAIN}\n[host."https://mirror-c.example"]\nskip_verify = true\nproxy = "x"\n`,
      });
      const p = await plan('docker.io', 'push', { insecureRegistries: ['nope nope'] });
      const text = describePlan(p);
      assert.match(text, /^Endpoint plan for push on docker\.io\n/);
      assert.ok(text.includes(`Host configuration: ${join(dir, 'hosts.toml')}`));
      assert.match(text, /\n {2}1\. mirror https:\/\/mirror-b\.example:5000\/cache\/v2\?ns=docker\.io\n/);
      assert.match(text, /capabilities: pull, resolve, push\n/);
      assert.match(text, /TLS: certificates verified\n/);
      assert.match(text, /connect timeout: 2000 ms/);
      assert.match(text, /why: mirror from /);
      assert.match(text, /Skipped:\n {2}- mirror-a\.example: mirror without the push capability/);
      assert.match(text, /Warnings:\n {2}- "proxy" in \[host."https:\/\/mirror-c\.example"\]/);
      assert.match(text, /An entry of the insecure registries setting was ignored/);

      const pull = describePlan(await plan('docker.io', 'pull'));
      assert.match(pull, /4\. server https:\/\/registry-1\.docker\.io\/v2\n/);
      assert.match(
        pull,
        /3\. mirror https:\/\/mirror-c\.example\/v2\?ns=docker\.io\n.*\n {5}TLS: certificate verification OFF; falls back to plain HTTP/,
      );
      const none = describePlan(await plan('localhost:5000', 'pull', { registrySetting: { scheme: 'http' } }));
      assert.match(none, /Host configuration: built-in defaults/);
      assert.match(none, /TLS: plain HTTP \(no TLS\)/);
    });
  });
  // What "Show Endpoint Plan" tells a user: each reason in its own words, and nothing that does not apply.
  describe('what the plan says', () => {
    it('names where the server comes from, and the API host that serves Docker Hub', async () => {
      const [bare] = (await plan('reg.test:5000', 'pull')).endpoints;
      assert.equal(bare?.why[0], 'server: the registry itself (no host directory matched)');
      assert.ok(!bare?.why.some((w) => w.includes('serves the API')));
      const [hub] = (await plan('docker.io', 'pull')).endpoints;
      assert.equal(hub?.host, 'registry-1.docker.io');
      assert.ok(hub?.why.includes('registry-1.docker.io serves the API of docker.io'), hub?.why.join('; '));
      const dir = hostDir('reg.test:5000', { 'hosts.toml': 'server = "https://reg.test:5000"\n' });
      const [fromFile] = (await plan('reg.test:5000', 'pull')).endpoints;
      assert.equal(fromFile?.why[0], `server from ${join(dir, 'hosts.toml')}`);
    });

    it("says why a server is verified over HTTPS when the registry's settings ask for https://", async () => {
      const [e] = (await plan('registry.example', 'pull', { registrySetting: { scheme: 'https' } })).endpoints;
      assert.deepEqual(e?.why, [
        'server: the registry itself (no host directory matched)',
        "HTTPS: https:// in the registry's own settings",
        'certificates verified, no plain-HTTP fallback',
        'proxy: direct: no proxy is configured',
      ]);
    });

    it('tries an http:// host with only a client certificate on another port over https first', async () => {
      hostDir('reg.test:5000', { 'hosts.toml': 'server = "http://reg.test:5000"\nclient = "me.pem"\n', 'me.pem': 'x' });
      const [e] = (await plan('reg.test:5000', 'pull')).endpoints;
      assert.deepEqual([e?.scheme, e?.insecure, e?.skipVerify], ['https', true, false]);
    });

    it('never says a loopback registry listed as insecure is verified, even with a CA', async () => {
      hostDir('localhost:5000', { 'ca.crt': 'x' });
      const [e] = (await plan('localhost:5000', 'pull', { insecureRegistries: ['localhost:5000'] })).endpoints;
      assert.deepEqual([e?.insecure, e?.skipVerify], [true, true]);
      assert.ok(!e?.why.some((w) => w.startsWith('verified although loopback')), e?.why.join('; '));
    });

    it('names the file and the setting behind each insecure decision', async () => {
      const dir = hostDir('reg.test', { 'hosts.toml': 'skip_verify = false\n[host."https://mirror.test"]\nskip_verify = true\n' });
      const file = join(dir, 'hosts.toml');
      const [mirror, server] = (await plan('reg.test', 'pull', { insecureRegistries: ['reg.test'], registrySetting: { insecure: true } }))
        .endpoints;
      assert.ok(mirror?.why.includes(`insecure: skip_verify = true in ${file}`), mirror?.why.join('; '));
      assert.ok(server?.why.includes(`certificates still verified: skip_verify = false in ${file}`), server?.why.join('; '));
      assert.ok(
        server?.why.includes(`insecure: "insecure": true for this registry in the registry's own settings`),
        server?.why.join('; '),
      );
    });

    it('names a client certificate that holds its own key once', async () => {
      const dir = hostDir('registry.test:5000', { 'hosts.toml': 'client = [["both.pem", ""]]\n', 'both.pem': 'x' });
      const p = await plan('registry.test:5000', 'pull');
      const cert = join(dir, 'both.pem');
      assert.ok(p.endpoints[0]?.why.includes(`client certificate and key ${cert}`), p.endpoints[0]?.why.join('; '));
      assert.match(
        describePlan(p),
        new RegExp(`\\n {5}TLS: certificates verified; client certificate and key ${cert.replace(/[.\\]/g, '\\$&')}\\n`),
      );
    });

    it('names the proxy of each scheme, the fallback apart when it differs, and only the schemes an endpoint uses', async () => {
      const env = { HTTPS_PROXY: 'http://tunnel.example:3128', HTTP_PROXY: 'http://forward.example:3128' };
      const secure = (await plan('reg.example', 'pull', { parsed: parseHostSettings({ env }) })).endpoints[0]!;
      assert.deepEqual(Object.keys(secure.proxy), ['https']);
      assert.deepEqual(
        secure.why.filter((w) => w.includes('proxy')),
        ['proxy: through http://tunnel.example:3128 from HTTPS_PROXY'],
      );
      const insecure = await plan('reg.example', 'pull', { parsed: parseHostSettings({ env, insecureRegistries: ['reg.example'] }) });
      assert.deepEqual(
        insecure.endpoints[0]!.why.filter((w) => w.includes('proxy')),
        [
          'proxy: through http://tunnel.example:3128 from HTTPS_PROXY',
          'proxy for the plain-HTTP fallback: through http://forward.example:3128 from HTTP_PROXY',
        ],
      );
      const text = describePlan(insecure);
      assert.match(text, /\n {5}https proxy: through http:\/\/tunnel\.example:3128 from HTTPS_PROXY \(CONNECT tunnel\)\n/);
      // The fallback is forwarded as plain HTTP the user chose is: a tunnel would carry the same clear bytes.
      assert.match(text, /\n {5}http proxy: through http:\/\/forward\.example:3128 from HTTP_PROXY \(forwarded\)\n/);
      const plain = await plan('reg.example', 'pull', {
        parsed: parseHostSettings({ env, registries: [{ url: 'http://reg.example' }] }),
        registrySetting: { scheme: 'http' },
      });
      assert.deepEqual(Object.keys(plain.endpoints[0]!.proxy), ['http']);
      assert.deepEqual(
        plain.endpoints[0]!.why.filter((w) => w.includes('proxy')),
        ['proxy: through http://forward.example:3128 from HTTP_PROXY'],
      );
      assert.match(describePlan(plain), /\n {5}http proxy: through http:\/\/forward\.example:3128 from HTTP_PROXY \(forwarded\)\n/);
      // One proxy for both schemes of an insecure host is named once among the reasons; the plan
      // still says each scheme's way through it.
      const same = await plan('reg.example', 'pull', {
        parsed: parseHostSettings({ proxy: { url: 'http://app.example:8080' }, insecureRegistries: ['reg.example'] }),
      });
      assert.deepEqual(
        same.endpoints[0]!.why.filter((w) => w.includes('proxy')),
        ['proxy: through http://app.example:8080 from the proxy setting'],
      );
      assert.deepEqual(describePlan(same).match(/^ {5}https? proxy: .*$/gm), [
        '     https proxy: through http://app.example:8080 from the proxy setting (CONNECT tunnel)',
        '     http proxy: through http://app.example:8080 from the proxy setting (forwarded)',
      ]);
      assert.equal(
        describePlan(await plan('reg.example', 'pull', { parsed: parseHostSettings({ insecureRegistries: ['reg.example'] }) })).match(
          /^ {5}https? proxy: /gm,
        )?.length,
        1,
        'both direct: one line',
      );
      const direct = describePlan(await plan('reg.example', 'pull'));
      assert.match(direct, /\n {5}https proxy: direct: no proxy is configured\n/);
    });

    it('drops the resolve rule of a proxied plain-HTTP fallback, and keeps the rule of a plain-HTTP registry without a note', async () => {
      const proxied = await plan('reg.example', 'pull', {
        parsed: parseHostSettings({
          env: { HTTP_PROXY: 'http://forward.example:3128' },
          insecureRegistries: ['reg.example'],
          resolveRules: ['reg.example:80:127.0.0.1:5080'],
        }),
      });
      assert.deepEqual(proxied.endpoints[0]?.connectTo, {});
      assert.ok(
        proxied.endpoints[0]?.why.includes(
          'resolve rule reg.example:80:127.0.0.1:5080 not used (for the plain-HTTP fallback): the proxy connects to reg.example itself (list reg.example in the no-proxy setting to connect directly)',
        ),
        proxied.endpoints[0]?.why.join('; '),
      );
      const [plain] = (
        await plan('reg.test:5000', 'pull', { registrySetting: { scheme: 'http' }, resolveRules: ['reg.test:5000:127.0.0.2'] })
      ).endpoints;
      assert.deepEqual(
        plain?.why.filter((w) => w.startsWith('resolve rule')),
        ['resolve rule reg.test:5000:127.0.0.2:5000'],
      );
      // An insecure host with a rule for https only has no plain-HTTP target at all.
      const [https] = (await plan('reg.test', 'pull', { insecureRegistries: ['reg.test'], resolveRules: ['reg.test:443:127.0.0.3'] }))
        .endpoints;
      assert.deepEqual(Object.keys(https?.connectTo ?? {}), ['https']);
    });

    it('mentions headers, override_path and dial_timeout only for the hosts that have them', async () => {
      hostDir('docker.io', { 'hosts.toml': MIRROR_CHAIN });
      const p = await plan('docker.io', 'pull');
      const [a, b, server] = p.endpoints;
      assert.ok(a?.why.includes('headers Authorization, X-Multi (values hidden)'));
      assert.ok(b?.why.includes('connect timeout 2000 ms (dial_timeout)'));
      assert.ok(!a?.why.some((w) => /^(path |connect timeout)/.test(w)), a?.why.join('; '));
      assert.ok(!server?.why.some((w) => /^(path |connect timeout|headers )/.test(w)), server?.why.join('; '));
      assert.ok(!b?.why.some((w) => w.startsWith('headers ')));
      assert.ok(!('dialTimeoutMs' in server!));
      const text = describePlan(p);
      assert.equal(text.match(/ {5}headers: /g)?.length, 1);
      assert.equal(text.match(/ {5}connect timeout: /g)?.length, 1);
      assert.equal(text.match(/\n {5}ns: /g)?.length, 2, 'the two mirrors, not the server');
      assert.equal(text.match(/\n {5}ns: docker\.io\n/g)?.length, 2);
    });

    it('warns of a registry setting that disagrees with hosts.toml only when there is a hosts.toml and they differ', async () => {
      assert.deepEqual((await plan('reg.test', 'pull', { registrySetting: { scheme: 'http' } })).warnings, []);
      hostDir('reg.test', { 'hosts.toml': 'server = "https://reg.test"\n' });
      assert.deepEqual((await plan('reg.test', 'pull', { registrySetting: { scheme: 'https' } })).warnings, []);
    });

    it('names the file to fix and the operation when no host may serve it', async () => {
      const dir = hostDir('reg.test', { 'hosts.toml': 'server = "https://reg.test"\ncapabilities = ["pull", "resolve"]\n' });
      const file = join(dir, 'hosts.toml');
      assert.deepEqual((await plan('reg.test', 'push')).warnings, [
        `No host for reg.test has the push capability, so it cannot push; add "push" to the capabilities of a host in ${file}.`,
      ]);
      assert.deepEqual((await plan('reg.test', 'delete')).warnings, [
        `No host for reg.test has the push capability, so it cannot delete; add "push" to the capabilities of a host in ${file}.`,
      ]);
      const text = describePlan(await plan('reg.test', 'push'));
      assert.match(text, /\nNo endpoint can serve push for reg\.test\.\n/);
      assert.doesNotMatch(describePlan(await plan('reg.test', 'pull')), /No endpoint can serve|Skipped:|Warnings:/);
    });

    it('shows the trusted CAs, a certs.d directory, each endpoint’s CA and client certificates', async () => {
      const dir = hostDir('reg.test:5000', { 'ca.crt': 'x', 'me.cert': 'x', 'me.key': 'x' });
      const p = await plan('reg.test:5000', 'pull');
      p.trust = ['the system store', 'extra.pem'];
      const lines = describePlan(p).split('\n');
      assert.equal(lines[1], `Host configuration: ${dir} (Docker certs.d)`);
      assert.equal(lines[2], "Trusted CAs: the system store; extra.pem; plus each endpoint's own CA");
      assert.ok(
        lines.includes(
          `     TLS: certificates verified; CA ${join(dir, 'ca.crt')}; client certificate ${join(dir, 'me.cert')} with key ${join(dir, 'me.key')}`,
        ),
        lines.join('\n'),
      );
      assert.ok(lines.at(-1)?.startsWith('     why: server: the registry itself, with certificates from '), lines.at(-1));
      assert.ok(lines.at(-1)?.includes(`; CA ${join(dir, 'ca.crt')}; client certificate `), lines.at(-1));
    });
  });

  describe('hostTls', () => {
    it('gives the TLS settings of every section naming a scheme and host, and nothing for a host no section names', async () => {
      const dir = hostDir('reg.test', {
        'a.pem': 'x',
        'b.pem': 'x',
        'hosts.toml':
          'server = "https://reg.test"\nca = "a.pem"\n\n[host."http://reg.test"]\n  ca = "b.pem"\n\n[host."https://cache.test"]\n  skip_verify = true\n',
      });
      const config = await loadHostConfig('reg.test', { roots: roots(), platform: 'linux' });
      assert.deepEqual(hostTls(config, 'https', 'REG.test')?.caFiles, [join(dir, 'a.pem')]);
      assert.deepEqual(hostTls(config, 'http', 'reg.test')?.caFiles, [join(dir, 'b.pem')]);
      const cache = hostTls(config, 'https', 'cache.test');
      assert.deepEqual([cache?.caFiles, cache?.clientCertificates, cache?.skipVerify], [[], [], true]);
      assert.equal(hostTls(config, 'https', 'other.test'), undefined);
    });

    it('names exactly what a section borrows, from a mirror section or from the top level', async () => {
      const dir = hostDir('reg.test', {
        'a.pem': 'x',
        'c.pem': 'x',
        'hosts.toml': 'server = "https://reg.test"\nca = "a.pem"\nclient = "c.pem"\n\n[host."https://reg.test"]\n  ca = "a.pem"\n',
      });
      const file = join(dir, 'hosts.toml');
      const [mirror, server] = (await plan('reg.test', 'pull')).endpoints;
      assert.deepEqual(
        mirror?.why.filter((w) => w.endsWith('the same host')),
        [`client from the top level of ${file}: the same host`],
      );
      assert.ok(!server?.why.some((w) => w.endsWith('the same host')));
    });

    it('names only what was borrowed, never what a section has itself or what no section has', async () => {
      const dir = hostDir('reg.test', {
        'a.pem': 'x',
        'c.pem': 'x',
        'd.pem': 'x',
        'hosts.toml':
          'server = "https://reg.test"\nca = "a.pem"\nclient = "c.pem"\nskip_verify = false\n\n[host."https://reg.test"]\n  client = "d.pem"\n  skip_verify = true\n',
      });
      const file = join(dir, 'hosts.toml');
      let [mirror] = (await plan('reg.test', 'pull')).endpoints;
      assert.deepEqual(
        mirror?.why.filter((w) => w.endsWith('the same host')),
        [`ca from the top level of ${file}: the same host`],
      );
      writeFileSync(file, 'server = "https://reg.test"\nclient = "c.pem"\n\n[host."https://reg.test"]\n');
      [mirror] = (await plan('reg.test', 'pull')).endpoints;
      assert.deepEqual(
        mirror?.why.filter((w) => w.endsWith('the same host')),
        [`client from the top level of ${file}: the same host`],
      );
    });
  });

  it('finds a Windows host directory when asked for that platform', async () => {
    const dir = hostDir('reg.test5000', { 'hosts.toml': 'server = "https://reg.test:5000"\n' });
    const p = await loadEndpointPlan('reg.test:5000', 'pull', { roots: roots(), platform: 'win32', lookup: async () => [] });
    assert.equal(p.source?.dir, dir);
  });
  describe('the cases the mutation run found untested', () => {
    it('looks a name up with the system resolver by default (a numeric shorthand resolves without a network)', async () => {
      const p = await loadEndpointPlan('127.1:5000', 'pull', { roots: roots(), platform: 'linux' });
      assert.equal(p.endpoints[0]?.insecure, true);
      assert.ok(p.endpoints[0]?.why.includes('insecure: resolves to the loopback address 127.0.0.1'), p.endpoints[0]?.why.join('; '));
    });

    it('says "/" for override_path on a host named without a path, and separates two CA files', async () => {
      const dir = hostDir('reg.test', {
        'a.pem': 'x',
        'b.pem': 'x',
        'hosts.toml': 'server = "https://reg.test"\nca = ["a.pem", "b.pem"]\n\n[host."https://mirror.test"]\n  override_path = true\n',
      });
      const p = await plan('reg.test', 'pull');
      assert.ok(p.endpoints[0]?.why.includes('path / used as is (override_path)'), p.endpoints[0]?.why.join('; '));
      assert.ok(
        describePlan(p)
          .split('\n')
          .includes(`     TLS: certificates verified; CA ${join(dir, 'a.pem')}, ${join(dir, 'b.pem')}`),
        describePlan(p),
      );
    });

    it('names both sections a host borrows from', async () => {
      const dir = hostDir('reg.test', {
        'a.pem': 'x',
        'c.pem': 'x',
        'hosts.toml':
          'server = "https://reg.test"\nclient = "c.pem"\n\n[host."https://reg.test"]\n\n[host."https://reg.test/cache"]\n  ca = "a.pem"\n',
      });
      const [mirror] = (await plan('reg.test', 'pull')).endpoints;
      assert.deepEqual(
        mirror?.why.filter((w) => w.endsWith('the same host')),
        [`ca, client from [host."https://reg.test"] and the top level of ${join(dir, 'hosts.toml')}: the same host`],
      );
    });

    it('keeps the hidden header values from being redefined', async () => {
      hostDir('docker.io', { 'hosts.toml': MIRROR_CHAIN });
      const [a] = (await plan('docker.io', 'pull')).endpoints;
      assert.throws(() => Object.defineProperty(a, 'headers', { value: {} }), TypeError);
      assert.equal(a?.headers.Authorization, 'Bearer SECRET-TOKEN-A');
    });
  });
});
