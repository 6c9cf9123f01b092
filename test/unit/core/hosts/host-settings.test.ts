// Host settings are parsed once per session into typed values; plans use them as they are, and name
// the settings the way the application that passed them calls them.
import { strict as assert } from 'node:assert';
import { parseHostSettings } from '../../../../src/core/hosts/host-settings';
import { planEndpoints } from '../../../../src/core/hosts/plan';
import { loadHostConfig } from '../../../../src/core/hosts/hosts-dirs';

describe('core/hosts/host-settings', () => {
  it('parses each list once: entries, rules and registries typed, malformed ones as warnings', () => {
    const parsed = parseHostSettings({
      insecureRegistries: ['reg.test:5000', '10.0.0.0/8', 'bad host'],
      resolveRules: ['reg.test:443:127.0.0.1', 'garbage'],
      registries: [{ url: 'http://Plain.Test:5000' }, { url: 'https://secure.test', insecure: true }, { url: 'not a url/with a path' }],
    });
    assert.equal(parsed.insecure.length, 2);
    assert.equal(parsed.hasNetworkEntries, true);
    assert.equal(parsed.resolveRules.length, 1);
    assert.deepEqual(parsed.registries.get('plain.test:5000'), { scheme: 'http' });
    assert.deepEqual(parsed.registries.get('secure.test'), { scheme: 'https', insecure: true });
    assert.equal(parsed.warnings.length, 2);
  });

  it("plans name the settings in the core's own words by default, and in the application's when it gives them", async () => {
    // No host directory: the registry itself, as on a machine without containerd or Docker folders.
    const config = await loadHostConfig('reg.test:5000', { roots: [], platform: 'linux' });
    const plain = planEndpoints(config, 'pull', { parsed: parseHostSettings({ insecureRegistries: ['reg.test:5000', 'bad host'] }) });
    assert.ok(
      plain.endpoints[0]?.why.includes('insecure: matches reg.test:5000 in the insecure registries setting'),
      plain.endpoints[0]?.why.join(' | '),
    );
    assert.ok(plain.warnings.some((w) => w.startsWith('An entry of the insecure registries setting was ignored')));
    const named = planEndpoints(config, 'pull', {
      parsed: parseHostSettings({
        insecureRegistries: ['reg.test:5000', 'bad host'],
        names: { insecureRegistries: 'registryExplorer.insecureRegistries' },
      }),
    });
    assert.ok(named.endpoints[0]?.why.includes('insecure: matches reg.test:5000 in registryExplorer.insecureRegistries'));
    assert.ok(named.warnings.some((w) => w.startsWith('An entry of registryExplorer.insecureRegistries was ignored')));
  });

  it('accepts an insecure entry written with http:// or https://, as Docker does: the scheme is dropped with a warning', async () => {
    const parsed = parseHostSettings({ insecureRegistries: ['http://reg.test:5000', 'HTTPS://other.test', 'ftp://third.test'] });
    assert.deepEqual(
      parsed.insecure.map((i) => i.raw),
      ['reg.test:5000', 'other.test'],
    );
    assert.equal(
      parsed.warnings.filter((w) => /is written with https?:\/\/.*the scheme was ignored/.test(w)).length,
      2,
      parsed.warnings.join('\n'),
    );
    assert.ok(
      parsed.warnings.some((w) => /was ignored \(it makes nothing insecure\).*ftp/.test(w)),
      'other schemes stay errors',
    );
    const config = await loadHostConfig('reg.test:5000', { roots: [], platform: 'linux' });
    const plan = planEndpoints(config, 'pull', { parsed });
    assert.equal(plan.endpoints[0]?.insecure, true, plan.endpoints[0]?.why.join(' | '));
    assert.ok(
      plan.warnings.some((w) => w.includes('http://')),
      'the plan shows the warning',
    );
  });
  it('configures nothing and warns of nothing when no list is given', () => {
    const parsed = parseHostSettings({});
    assert.deepEqual([parsed.insecure, parsed.resolveRules, parsed.warnings, [...parsed.registries]], [[], [], [], []]);
    assert.equal(parsed.hasNetworkEntries, false);
    assert.equal(parseHostSettings({ insecureRegistries: ['reg.test:5000', '10.0.0.1'] }).hasNetworkEntries, false);
  });

  it('takes entries with spaces around them as written without, and quotes them so in a warning', () => {
    const parsed = parseHostSettings({
      insecureRegistries: [' http://reg.test:5000 '],
      resolveRules: ['  reg.test:443:127.0.0.1  '],
      registries: [{ url: 'https://direct.test', proxy: ' None ' }],
    });
    assert.deepEqual(
      parsed.insecure.map((i) => i.raw),
      ['reg.test:5000'],
    );
    assert.equal(parsed.resolveRules[0]?.address, '127.0.0.1');
    assert.equal(parsed.registries.get('direct.test')?.proxy, 'none');
    assert.deepEqual(parsed.warnings, [
      'An entry of the insecure registries setting is written with http:// ("http://reg.test:5000"): the scheme was ignored and reg.test:5000 is treated as insecure. Write it without the scheme.',
    ]);
  });

  it('reads a scheme only at the start of an insecure entry', () => {
    const parsed = parseHostSettings({ insecureRegistries: ['reg.test/http://x'] });
    assert.deepEqual(parsed.insecure, []);
    assert.equal(parsed.warnings.length, 1);
    assert.doesNotMatch(parsed.warnings[0]!, /is written with/);
  });

  it("gives a registry's own proxy the proxy settings' certificate check, and names it in a warning", () => {
    const registries = [{ url: 'https://own.test', proxy: 'https://proxy.test:3128' }];
    const own = (strictSSL?: boolean) => {
      const proxy = parseHostSettings({ registries, ...(strictSSL === undefined ? {} : { proxy: { strictSSL } }) }).registries.get(
        'own.test',
      )?.proxy;
      return proxy === 'none' ? undefined : proxy?.verify;
    };
    assert.deepEqual([own(), own(true), own(false)], [true, true, false]);
    const bad = parseHostSettings({ registries: [{ url: 'https://own.test', proxy: 'ftp://proxy.test' }] });
    assert.deepEqual(bad.warnings, [
      `the proxy in the "proxy" of own.test in the registry's own settings is a ftp:// proxy; only http:// and https:// proxies are supported, so the other proxy settings apply to own.test: fix it, or write "none".`,
    ]);
  });

  it('names the proxy settings in its own words by default', async () => {
    const config = await loadHostConfig('reg.test', { roots: [], platform: 'linux' });
    const parsed = parseHostSettings({ proxy: { url: 'http://app.test:8080', noProxy: ['reg.test'] } });
    assert.equal(
      planEndpoints(config, 'pull', { parsed }).endpoints[0]?.proxy.https?.why,
      'direct: matches reg.test in the no-proxy setting',
    );
    const other = await loadHostConfig('other.test', { roots: [], platform: 'linux' });
    assert.equal(
      planEndpoints(other, 'pull', { parsed }).endpoints[0]?.proxy.https?.why,
      'through http://app.test:8080 from the proxy setting',
    );
  });
});
