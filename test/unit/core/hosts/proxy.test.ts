// Which proxy carries the requests to a host, and why: the registry's own entry, loopback never,
// the bypass lists, the application's proxy, then the environment by scheme (lower case first) and
// ALL_PROXY. The plan shows each endpoint's route, resolve rules do not apply through a proxy, and
// a proxy's credentials never appear in a plan.
import { strict as assert } from 'node:assert';
import { inspect } from 'node:util';
import { parseHostSettings } from '../../../../src/core/hosts/host-settings';
import { loadHostConfig } from '../../../../src/core/hosts/hosts-dirs';
import { describePlan, planEndpoints } from '../../../../src/core/hosts/plan';
import { parseProxyUrl, proxyRoute } from '../../../../src/core/hosts/proxy';
import { createSession } from '../../../../src/core/registry/session';

const route = (input: Parameters<typeof parseHostSettings>[0], scheme: 'https' | 'http', host: string) =>
  proxyRoute(parseHostSettings(input).proxy, scheme, host);

describe('core/hosts/proxy', () => {
  it('takes the environment by scheme, lower case first, then ALL_PROXY', () => {
    const env = { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:1', HTTP_PROXY: 'upper-plain:2', ALL_PROXY: 'http://all:3' };
    assert.equal(route({ env }, 'https', 'reg.example').proxy?.url, 'http://lower:1');
    assert.equal(route({ env }, 'https', 'reg.example').why, 'through http://lower:1 from https_proxy');
    assert.equal(route({ env }, 'http', 'reg.example').proxy?.url, 'http://upper-plain:2', 'host:port means http://host:port');
    assert.equal(route({ env: { ALL_PROXY: 'http://all:3' } }, 'http', 'reg.example').why, 'through http://all:3 from ALL_PROXY');
    assert.equal(route({ env: {} }, 'https', 'reg.example').why, 'direct: no proxy is configured');
  });

  it("puts the application's proxy before the environment's, and its bypass list before NO_PROXY", () => {
    const input = {
      proxy: { url: 'http://app:8080', noProxy: ['.corp.example'] },
      env: { HTTPS_PROXY: 'http://env:1', no_proxy: 'internal.example' },
      names: { proxy: 'http.proxy', noProxy: 'http.noProxy' },
    };
    assert.equal(route(input, 'https', 'reg.example').why, 'through http://app:8080 from http.proxy');
    assert.equal(route(input, 'https', 'reg.corp.example').why, 'direct: matches .corp.example in http.noProxy');
    assert.equal(route(input, 'https', 'a.internal.example').why, 'direct: matches internal.example in no_proxy');
  });

  it('never sends loopback through a proxy, and lets a registry entry say none or name its own', async () => {
    const env = { HTTPS_PROXY: 'http://env:1' };
    assert.equal(route({ env }, 'https', 'localhost:5000').proxy, undefined);
    assert.equal(route({ env }, 'https', '[0:0:0:0:0:0:0:1]:5000').why, 'direct: loopback is never reached through a proxy');
    const settings = parseHostSettings({
      env,
      registries: [
        { url: 'https://direct.example', proxy: 'none' },
        { url: 'https://own.example', proxy: 'http://own-proxy:3128' },
        { url: 'https://broken.example', proxy: 'socks5://s:1080' },
      ],
    });
    const plan = async (host: string) =>
      planEndpoints(await loadHostConfig(host, { roots: [], platform: 'linux' }), 'pull', { parsed: settings });
    assert.deepEqual((await plan('direct.example')).endpoints[0]?.proxy.https, {
      why: `direct: "proxy": "none" for this registry in the registry's own settings`,
    });
    assert.equal((await plan('own.example')).endpoints[0]?.proxy.https?.proxy?.url, 'http://own-proxy:3128');
    assert.equal((await plan('broken.example')).endpoints[0]?.proxy.https?.proxy?.url, 'http://env:1');
    assert.ok(settings.warnings.some((w) => /socks5:\/\/ proxy; only http:\/\/ and https:\/\/ proxies are supported/.test(w)));
  });

  it("applies Docker Hub's own entry to registry-1.docker.io, whichever of Hub's names the entry is written with", async () => {
    const env = { HTTPS_PROXY: 'http://env:1' };
    for (const url of ['docker.io', 'index.docker.io', 'https://registry-1.docker.io:443']) {
      const parsed = parseHostSettings({ env, registries: [{ url, proxy: 'none' }] });
      for (const registry of ['docker.io', 'registry-1.docker.io']) {
        const plan = planEndpoints(await loadHostConfig(registry, { roots: [], platform: 'linux' }), 'pull', { parsed });
        const server = plan.endpoints[0]!;
        assert.equal(server.host, 'registry-1.docker.io');
        assert.equal(
          server.proxy.https?.why,
          `direct: "proxy": "none" for this registry in the registry's own settings`,
          `${url} for ${registry}`,
        );
      }
    }
  });

  it('turns credentials in a proxy URL into a hidden Proxy-Authorization, and the setting wins over them', () => {
    const parsed = parseProxyUrl('http://us%40er:p%3Ass@proxy.example:3128', 'HTTPS_PROXY', true);
    assert.ok(!('problem' in parsed));
    assert.equal(parsed.url, 'http://proxy.example:3128');
    assert.equal(parsed.authorization, `Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
    assert.doesNotMatch(JSON.stringify(parsed) + inspect(parsed, { showHidden: false }), /Basic|p%3Ass|p:ss/);
    const withSetting = parseProxyUrl('http://u:p@proxy.example:3128', 'http.proxy', true, { value: 'Bearer configured', overUrl: true });
    assert.ok(!('problem' in withSetting) && withSetting.authorization === 'Bearer configured');
  });

  it('gives the proxy authorization setting to every proxy whose URL carries no login, wherever the proxy comes from', () => {
    const given = 'Basic Z2l2ZW46c2V0dGluZw==';
    const fromUrl = `Basic ${Buffer.from('env-user:env-pass').toString('base64')}`;
    const settings = parseHostSettings({
      proxy: { authorization: ` ${given} ` },
      env: { HTTPS_PROXY: 'http://env-proxy.example:3128', http_proxy: 'http://env-user:env-pass@env-proxy.example:3128' },
      registries: [
        { url: 'https://own.example', proxy: 'http://own-proxy.example:3128' },
        { url: 'https://own-login.example', proxy: 'http://env-user:env-pass@own-proxy.example:3128' },
      ],
    });
    const authorization = (proxy: 'none' | { authorization?: string } | undefined) => (proxy === 'none' ? 'none' : proxy?.authorization);
    assert.equal(proxyRoute(settings.proxy, 'https', 'reg.example').proxy?.authorization, given, 'HTTPS_PROXY without a login');
    assert.equal(proxyRoute(settings.proxy, 'http', 'reg.example').proxy?.authorization, fromUrl, "the URL's own login is kept");
    assert.equal(authorization(settings.registries.get('own.example')?.proxy), given, "a registry's own proxy without a login");
    assert.equal(authorization(settings.registries.get('own-login.example')?.proxy), fromUrl);
    assert.equal(
      proxyRoute(parseHostSettings({ env: { ALL_PROXY: 'http://all.example:3128' } }).proxy, 'https', 'reg.example').proxy?.authorization,
      undefined,
      'no setting, no login',
    );
  });

  it('reports a user or password with a % that is not an escape as an unusable proxy, and never throws', async () => {
    const unusable = /has a % that is not a %XX escape \(write % as %25\)/;
    assert.match((parseProxyUrl('http://bob:100%@proxy.example:3128', 'HTTPS_PROXY', true) as { problem: string }).problem, unusable);
    assert.match((parseProxyUrl('http://us%er:pw@proxy.example:3128', 'HTTPS_PROXY', true) as { problem: string }).problem, unusable);
    const names = { proxy: 'http.proxy', noProxy: 'http.noProxy' };
    // The setting form, beside an environment proxy that is fine: the setting is dropped with a warning, the environment's applies.
    const fromSetting = parseHostSettings({
      proxy: { url: 'http://alice:100%sure@app-proxy.example:3128' },
      env: { HTTPS_PROXY: 'http://env-proxy.example:3128' },
      names,
    });
    assert.deepEqual(fromSetting.warnings, [
      'the user or password of the proxy in http.proxy has a % that is not a %XX escape (write % as %25), so it is not used: fix it or remove it.',
    ]);
    assert.equal(proxyRoute(fromSetting.proxy, 'https', 'reg.example').proxy?.url, 'http://env-proxy.example:3128');
    // The environment form, and a registry's own entry.
    const fromEnv = parseHostSettings({
      env: { HTTPS_PROXY: 'http://bob:100%@env-proxy.example:3128' },
      registries: [{ url: 'https://own.example', proxy: 'http://carol:50%off@own-proxy.example:3128' }],
    });
    assert.equal(fromEnv.warnings.length, 2);
    assert.ok(
      fromEnv.warnings.every((w) => unusable.test(w) && !/100%|50%off/.test(w)),
      fromEnv.warnings.join('\n'),
    );
    assert.equal(proxyRoute(fromEnv.proxy, 'https', 'reg.example').why, 'direct: no proxy is configured');
    // A session with such values is made, and its plan says what is wrong.
    const session = createSession({
      env: { HTTPS_PROXY: 'http://bob:100%@env-proxy.example:3128' },
      proxy: { url: 'http://alice:100%sure@app-proxy.example:3128' },
      settingNames: names,
      credentials: false,
      hostsDirectories: [],
    });
    try {
      const plan = await session.plan('reg.example', 'list');
      assert.deepEqual(
        plan.warnings.filter((w) => unusable.test(w)).map((w) => w.split(' has ')[0]),
        ['the user or password of the proxy in http.proxy', 'the user or password of the proxy in HTTPS_PROXY'],
      );
    } finally {
      await session.close();
    }
  });

  it('plans each endpoint with its proxy per scheme, and drops resolve rules through a proxy', async () => {
    const config = await loadHostConfig('reg.example:5000', { roots: [], platform: 'linux' });
    const parsed = parseHostSettings({
      env: { HTTPS_PROXY: 'http://user:secret@proxy.example:3128', NO_PROXY: 'other.example' },
      insecureRegistries: ['reg.example:5000'],
      resolveRules: ['reg.example:5000:127.0.0.1:6000'],
    });
    const plan = planEndpoints(config, 'pull', { parsed });
    const endpoint = plan.endpoints[0]!;
    assert.equal(endpoint.proxy.https?.proxy?.url, 'http://proxy.example:3128');
    assert.equal(endpoint.proxy.http?.proxy, undefined, 'HTTP_PROXY is not set: the plain-HTTP fallback goes direct');
    assert.deepEqual(endpoint.connectTo, { http: { address: '127.0.0.1', port: 6000, rule: 'reg.example:5000:127.0.0.1:6000' } });
    const text = describePlan(plan);
    assert.match(text, /https proxy: through http:\/\/proxy\.example:3128 from HTTPS_PROXY \(CONNECT tunnel\)/);
    assert.match(text, /http proxy: direct: no proxy is configured/);
    assert.match(text, /resolve rule reg\.example:5000:127\.0\.0\.1:6000 not used: the proxy connects to reg\.example itself/);
    assert.doesNotMatch(text + JSON.stringify(plan) + inspect(plan, { depth: 10 }), /secret|dXNlcjpzZWNyZXQ/);
  });
});
