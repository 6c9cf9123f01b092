import { ConfigFileError } from '../../../../src/core/errors';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultHostRoots,
  describeHostConfig,
  hostDirectoryNames,
  loadHostConfig,
  parseGoDuration,
} from '../../../../src/core/hosts/hosts-dirs';

describe('config/hosts', () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'hosts-test-'));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  /** Creates `root/dir` with the given files (name → content). */
  function hostDir(root: string, dir: string, files: Record<string, string> = {}): string {
    const full = join(base, root, dir);
    mkdirSync(full, { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(join(full, name), content);
    return full;
  }
  const root = (name: string): string => join(base, name);
  const marker = (name: string): string => `server = "https://${name}.example"\n`;

  async function rejectsWith(promise: Promise<unknown>, check: (e: ConfigFileError) => void): Promise<void> {
    await assert.rejects(promise, (e: unknown) => {
      assert.ok(e instanceof ConfigFileError, `expected ConfigFileError, got ${String(e)}`);
      check(e);
      return true;
    });
  }

  describe('directory lookup', () => {
    it('names h_p_, then h:p, then _default; a host without a port also finds its :443 folders, after its own', () => {
      assert.deepEqual(hostDirectoryNames('localhost:5000', 'linux'), ['localhost_5000_', 'localhost:5000', '_default']);
      assert.deepEqual(hostDirectoryNames('localhost:5000', 'win32'), ['localhost_5000_', 'localhost5000', '_default']);
      assert.deepEqual(hostDirectoryNames('docker.io', 'linux'), ['docker.io', 'docker.io_443_', 'docker.io:443', '_default']);
      assert.deepEqual(hostDirectoryNames('registry.test', 'win32'), [
        'registry.test',
        'registry.test_443_',
        'registry.test443',
        '_default',
      ]);
    });

    it('keeps IPv6 brackets and only treats a colon after ] as the port', () => {
      assert.deepEqual(hostDirectoryNames('[::1]:5000', 'linux'), ['[::1]_5000_', '[::1]:5000', '_default']);
      assert.deepEqual(hostDirectoryNames('[::1]', 'linux'), ['[::1]', '[::1]_443_', '[::1]:443', '_default']);
    });

    it('prefers h_p_ over h:p over _default within a root', async () => {
      hostDir('r1', 'localhost_5000_', { 'hosts.toml': marker('underscore') });
      hostDir('r1', 'localhost:5000', { 'hosts.toml': marker('colon') });
      hostDir('r1', '_default', { 'hosts.toml': marker('default') });
      let config = await loadHostConfig('localhost:5000', { roots: [root('r1')] });
      assert.equal(config.server.host, 'underscore.example');
      assert.equal(config.source?.dir, join(root('r1'), 'localhost_5000_'));
      assert.equal(config.source?.file, join(root('r1'), 'localhost_5000_', 'hosts.toml'));

      rmSync(join(root('r1'), 'localhost_5000_'), { recursive: true });
      config = await loadHostConfig('localhost:5000', { roots: [root('r1')] });
      assert.equal(config.server.host, 'colon.example');

      rmSync(join(root('r1'), 'localhost:5000'), { recursive: true });
      config = await loadHostConfig('localhost:5000', { roots: [root('r1')] });
      assert.equal(config.server.host, 'default.example');
      assert.equal(config.source?.root, root('r1'));
    });

    it('uses the first root with a match, and warns when a _default shadows a later specific directory', async () => {
      hostDir('r2', 'registry.test:443', { 'hosts.toml': marker('r2') });
      hostDir('r3', 'registry.test_443_', { 'hosts.toml': marker('r3') });
      let config = await loadHostConfig('registry.test:443', { roots: [root('r1-missing'), root('r2'), root('r3')] });
      assert.equal(config.server.host, 'r2.example');
      assert.equal(config.source?.root, root('r2'));

      hostDir('r1', '_default', { 'hosts.toml': marker('r1default') });
      config = await loadHostConfig('registry.test:443', { roots: [root('r1'), root('r2'), root('r3')] });
      assert.equal(config.server.host, 'r1default.example');
      assert.equal(config.warnings.length, 2);
      assert.match(config.warnings[0] as string, /registry\.test:443 is not used because .*_default matched first/);
    });

    it('finds IPv6 directories', async () => {
      hostDir('r1', '[::1]_5000_', { 'hosts.toml': '[host."https://[::1]:6000"]\n' });
      const config = await loadHostConfig('[::1]:5000', { roots: [root('r1')] });
      assert.equal(config.mirrors[0]?.host, '[::1]:6000');
      assert.equal(config.server.url, 'https://[::1]:5000/v2');
    });
  });

  describe('server default', () => {
    it('is the registry itself over https with /v2 when nothing matches', async () => {
      const config = await loadHostConfig('localhost:5000', { roots: [root('none')] });
      assert.equal(config.source, undefined);
      assert.deepEqual(config.mirrors, []);
      assert.equal(config.server.url, 'https://localhost:5000/v2');
      assert.equal(config.server.scheme, 'https');
      assert.equal(config.server.host, 'localhost:5000');
      assert.equal(config.server.pathPrefix, '/v2');
      assert.equal(config.server.isMirror, false);
      assert.deepEqual([...config.server.capabilities], ['pull', 'resolve', 'push', 'referrers']);
    });

    it('maps docker.io to registry-1.docker.io, also when hosts.toml has no server', async () => {
      let config = await loadHostConfig('docker.io', { roots: [root('none')] });
      assert.equal(config.server.url, 'https://registry-1.docker.io/v2');
      hostDir('r1', 'docker.io', { 'hosts.toml': '[host."https://mirror.example"]\ncapabilities = ["pull"]\n' });
      config = await loadHostConfig('docker.io', { roots: [root('r1')] });
      assert.equal(config.server.url, 'https://registry-1.docker.io/v2');
      assert.equal(config.mirrors[0]?.url, 'https://mirror.example/v2');
    });

    it('adds https:// to a server without scheme and keeps an explicit http://', async () => {
      hostDir('r1', 'a.test', { 'hosts.toml': 'server = "upstream.test:8443"\n' });
      hostDir('r1', 'b.test', { 'hosts.toml': 'server = "http://upstream.test:8080"\n' });
      assert.equal((await loadHostConfig('a.test', { roots: [root('r1')] })).server.url, 'https://upstream.test:8443/v2');
      const b = await loadHostConfig('b.test', { roots: [root('r1')] });
      assert.equal(b.server.url, 'http://upstream.test:8080/v2');
      assert.equal(b.server.scheme, 'http');
    });
  });

  describe('hosts.toml fields', () => {
    it('lists mirrors in file order with their capabilities, server last', async () => {
      hostDir('r1', 'docker.io', {
        'hosts.toml': [
          'server = "https://registry-1.docker.io"',
          'capabilities = ["pull", "resolve", "push"]',
          '[host."https://zeta-mirror.example"]',
          '  capabilities = ["pull"]',
          '[host."http://alpha-mirror.example:5000"]',
          '  capabilities = ["pull", "resolve"]',
          '  skip_verify = true',
          '[host."https://zeta-mirror.example".header]',
          '  x-late = "defined after alpha"',
          '[host."mid-mirror.example"]',
          '',
        ].join('\n'),
      });
      const config = await loadHostConfig('docker.io', { roots: [root('r1')] });
      assert.deepEqual(
        config.mirrors.map((m) => m.url),
        ['https://zeta-mirror.example/v2', 'http://alpha-mirror.example:5000/v2', 'https://mid-mirror.example/v2'],
      );
      assert.deepEqual([...(config.mirrors[0]?.capabilities ?? [])], ['pull']);
      assert.deepEqual([...(config.mirrors[1]?.capabilities ?? [])], ['pull', 'resolve']);
      assert.deepEqual([...(config.mirrors[2]?.capabilities ?? [])], ['pull', 'resolve', 'push', 'referrers']);
      assert.equal(config.mirrors[1]?.skipVerify, true);
      assert.equal(config.mirrors[0]?.skipVerify, undefined);
      assert.deepEqual(config.mirrors[0]?.headers, { 'x-late': ['defined after alpha'] });
      assert.ok(config.mirrors.every((m) => m.isMirror));
      assert.equal(config.server.url, 'https://registry-1.docker.io/v2');
      assert.deepEqual([...config.server.capabilities], ['pull', 'resolve', 'push']);
      assert.equal(config.server.isMirror, false);
    });

    it('reads ca, client, skip_verify, header, override_path and dial_timeout, with relative paths', async () => {
      const dir = hostDir('r1', 'reg.test:5000', {
        'ca.pem': 'ca',
        'ca2.pem': 'ca2',
        'client.pem': 'combined',
        'c.cert': 'cert',
        'c.key': 'key',
        'hosts.toml': [
          'server = "https://reg.test:5000"',
          'ca = "ca.pem"',
          'client = "client.pem"',
          'skip_verify = false',
          'dial_timeout = "1m30s"',
          '[header]',
          '  x-single = "one"',
          '  x-multi = ["a", "b"]',
          '[host."https://mirror.test/custom/api"]',
          '  override_path = true',
          '  ca = ["ca.pem", "ca2.pem"]',
          '  client = [["c.cert", "c.key"], ["client.pem", ""]]',
          '  dial_timeout = "500ms"',
          '[host."https://prefixed.test/prefix/"]',
          '  client = ["client.pem"]',
          '',
        ].join('\n'),
      });
      const config = await loadHostConfig('reg.test:5000', { roots: [root('r1')] });
      const [mirror, prefixed] = config.mirrors;
      assert.ok(mirror && prefixed);
      assert.equal(mirror.url, 'https://mirror.test/custom/api');
      assert.equal(mirror.pathPrefix, '/custom/api');
      assert.equal(mirror.overridePath, true);
      assert.deepEqual(mirror.caFiles, [join(dir, 'ca.pem'), join(dir, 'ca2.pem')]);
      assert.deepEqual(mirror.clientCertificates, [
        { cert: join(dir, 'c.cert'), key: join(dir, 'c.key') },
        { cert: join(dir, 'client.pem'), key: join(dir, 'client.pem') },
      ]);
      assert.equal(mirror.dialTimeoutMs, 500);
      assert.deepEqual(mirror.headers, {});
      assert.equal(prefixed.url, 'https://prefixed.test/prefix/v2');
      assert.deepEqual(prefixed.clientCertificates, [{ cert: join(dir, 'client.pem'), key: join(dir, 'client.pem') }]);

      const server = config.server;
      assert.deepEqual(server.caFiles, [join(dir, 'ca.pem')]);
      assert.deepEqual(server.clientCertificates, [{ cert: join(dir, 'client.pem'), key: join(dir, 'client.pem') }]);
      assert.equal(server.skipVerify, false);
      assert.equal(server.dialTimeoutMs, 90_000);
      assert.deepEqual(server.headers, { 'x-single': ['one'], 'x-multi': ['a', 'b'] });
      assert.equal(server.overridePath, false);
      assert.deepEqual(config.warnings, []);
    });

    it('accepts absolute paths and does not append /v2 twice', async () => {
      const dir = hostDir('r1', 'abs.test', { 'ca.pem': 'x' });
      writeFileSync(join(dir, 'hosts.toml'), `server = "https://abs.test/v2/"\nca = "${join(dir, 'ca.pem')}"\n`);
      const config = await loadHostConfig('abs.test', { roots: [root('r1')] });
      assert.equal(config.server.url, 'https://abs.test/v2');
      assert.deepEqual(config.server.caFiles, [join(dir, 'ca.pem')]);
    });

    it('warns about unknown keys and ignores them', async () => {
      hostDir('r1', 'w.test', { 'hosts.toml': 'proxy = "http://proxy:8080"\n[host."https://m.test"]\n  dial_addr = "unix:///x.sock"\n' });
      const config = await loadHostConfig('w.test', { roots: [root('r1')] });
      assert.equal(config.warnings.length, 2);
      assert.match(config.warnings.join('\n'), /"proxy" in the top level/);
      assert.match(config.warnings.join('\n'), /"dial_addr" in \[host."https:\/\/m.test"\]/);
    });

    it('reports a TOML syntax error with file, line and column, without quoting the file', async () => {
      const dir = hostDir('r1', 'bad.test', {
        'hosts.toml': '[header]\n  authorization = "Bearer SUPERSECRETTOKEN"\n[host."https://m.test"\n  capabilities = ["pull"]\n',
        'ca.crt': 'would be used by a silent certs.d fallback',
      });
      await rejectsWith(loadHostConfig('bad.test', { roots: [root('r1')] }), (e) => {
        assert.equal(e.code, 'HOSTS_TOML_SYNTAX');
        assert.equal(e.file, join(dir, 'hosts.toml'));
        assert.equal(e.line, 3);
        assert.equal(typeof e.column, 'number');
        assert.ok(e.message.includes(join(dir, 'hosts.toml')));
        assert.match(e.message, /line 3, column \d+/);
        assert.ok(!e.message.includes('SUPERSECRETTOKEN'));
      });
    });

    it('rejects an unknown capability, naming it and the file', async () => {
      const dir = hostDir('r1', 'cap.test', { 'hosts.toml': '[host."https://m.test"]\n  capabilities = ["pull", "teleport"]\n' });
      await rejectsWith(loadHostConfig('cap.test', { roots: [root('r1')] }), (e) => {
        assert.equal(e.code, 'HOSTS_TOML_UNKNOWN_CAPABILITY');
        assert.ok(e.message.includes('"teleport"'));
        assert.ok(e.message.includes(join(dir, 'hosts.toml')));
      });
    });

    it('rejects a missing ca or client file, naming the path and the hosts.toml', async () => {
      const dir = hostDir('r1', 'ca.test', { 'hosts.toml': 'ca = "missing-ca.pem"\n' });
      await rejectsWith(loadHostConfig('ca.test', { roots: [root('r1')] }), (e) => {
        assert.equal(e.code, 'HOSTS_FILE_MISSING');
        assert.ok(e.message.includes(join(dir, 'missing-ca.pem')));
        assert.ok(e.message.includes(join(dir, 'hosts.toml')));
      });
      writeFileSync(join(dir, 'hosts.toml'), '[host."https://m.test"]\n  client = [["/nonexistent/c.cert", "/nonexistent/c.key"]]\n');
      await rejectsWith(loadHostConfig('ca.test', { roots: [root('r1')] }), (e) => {
        assert.equal(e.code, 'HOSTS_FILE_MISSING');
        assert.ok(e.message.includes('/nonexistent/c.cert'));
      });
    });

    it('rejects bad types and durations, never echoing header values', async () => {
      const cases: Array<[string, RegExp]> = [
        ['skip_verify = "yes"\n', /"skip_verify" must be true or false/],
        ['dial_timeout = "5 seconds"\n', /"dial_timeout" = "5 seconds" is not a duration/],
        ['dial_timeout = "-5s"\n', /must not be negative/],
        ['capabilities = "pull"\n', /must be a list of strings/],
        ['[header]\n  x-token = 5\n', /the header "x-token" must be a string/],
        ['server = "ftp://x.test"\n', /scheme "ftp" is not supported/],
        ['server = "https://user:hunter2pass@x.test"\n', /contains a user name or password/],
      ];
      for (const [toml, pattern] of cases) {
        hostDir('r1', 'types.test', { 'hosts.toml': toml });
        await rejectsWith(loadHostConfig('types.test', { roots: [root('r1')] }), (e) => {
          assert.equal(e.code, 'HOSTS_TOML_INVALID');
          assert.match(e.message, pattern);
          assert.ok(!e.message.includes('hunter2pass'));
        });
      }
    });
  });

  describe('Docker certs.d fallback', () => {
    it('reads *.crt as CA and *.cert + *.key as client pairs when hosts.toml is missing', async () => {
      const dir = hostDir('r1', 'certs.test:5000', {
        'b.crt': 'ca-b',
        'a.crt': 'ca-a',
        'client.cert': 'c',
        'client.key': 'k',
        'notes.txt': 'x',
      });
      const config = await loadHostConfig('certs.test:5000', { roots: [root('r1')] });
      assert.deepEqual(config.source, { root: root('r1'), dir });
      assert.equal(config.server.url, 'https://certs.test:5000/v2');
      assert.deepEqual(config.server.caFiles, [join(dir, 'a.crt'), join(dir, 'b.crt')]);
      assert.deepEqual(config.server.clientCertificates, [{ cert: join(dir, 'client.cert'), key: join(dir, 'client.key') }]);
      assert.deepEqual(config.mirrors, []);
    });

    it('also applies when hosts.toml is empty', async () => {
      const dir = hostDir('r1', 'empty.test', { 'hosts.toml': '  \n', 'ca.crt': 'x' });
      const config = await loadHostConfig('empty.test', { roots: [root('r1')] });
      assert.equal(config.source?.file, undefined);
      assert.deepEqual(config.server.caFiles, [join(dir, 'ca.crt')]);
    });

    it('rejects a .cert without its .key, naming the file', async () => {
      const dir = hostDir('r1', 'lonely.test', { 'client.cert': 'c' });
      await rejectsWith(loadHostConfig('lonely.test', { roots: [root('r1')] }), (e) => {
        assert.equal(e.code, 'CERTS_D_MISSING_KEY');
        assert.equal(e.file, join(dir, 'client.cert'));
        assert.ok(e.message.includes(join(dir, 'client.cert')));
        assert.ok(e.message.includes(join(dir, 'client.key')));
      });
    });

    it('rejects a .key without its .cert', async () => {
      hostDir('r1', 'lonelykey.test', { 'client.key': 'k' });
      await rejectsWith(loadHostConfig('lonelykey.test', { roots: [root('r1')] }), (e) => assert.equal(e.code, 'CERTS_D_MISSING_CERT'));
    });

    it('warns when certificate files sit next to a hosts.toml', async () => {
      hostDir('r1', 'both.test', { 'hosts.toml': 'server = "https://both.test"\n', 'ca.crt': 'x' });
      const config = await loadHostConfig('both.test', { roots: [root('r1')] });
      assert.deepEqual(config.server.caFiles, []);
      assert.match(config.warnings[0] as string, /ca\.crt/);
    });
  });

  it('parses Go durations', () => {
    assert.equal(parseGoDuration('5s'), 5000);
    assert.equal(parseGoDuration('500ms'), 500);
    assert.equal(parseGoDuration('1m30s'), 90_000);
    assert.equal(parseGoDuration('1.5h'), 5_400_000);
    assert.equal(parseGoDuration('0'), 0);
    assert.equal(parseGoDuration('-2s'), -2000);
    assert.equal(parseGoDuration('250us'), 0.25);
    assert.equal(parseGoDuration('.5s'), 500);
    for (const bad of ['', '5', 's', '5 s', '1d', '1.s.', '--1s']) assert.throws(() => parseGoDuration(bad), Error, bad);
  });

  it('has documented default roots', () => {
    assert.deepEqual(defaultHostRoots({}, '/home/u', 'linux'), [
      '/etc/containerd/certs.d',
      '/etc/docker/certs.d',
      '/home/u/.config/containers/certs.d',
    ]);
  });

  it('describes a configuration without header values', async () => {
    hostDir('r1', 'docker.io', {
      'ca.pem': 'x',
      'hosts.toml':
        '[host."https://mirror.test"]\n  capabilities = ["pull"]\n  ca = "ca.pem"\n  skip_verify = true\n  [host."https://mirror.test".header]\n    authorization = "Bearer VERYSECRETVALUE"\n',
    });
    const text = describeHostConfig(await loadHostConfig('docker.io', { roots: [root('r1')] }));
    assert.match(text, /^Endpoints for docker\.io, from .*hosts\.toml:/);
    assert.match(
      text,
      /1\. mirror https:\/\/mirror\.test\/v2 — pull; CA .*ca\.pem; certificate verification OFF; headers authorization \(values hidden\)/,
    );
    assert.match(text, /2\. server https:\/\/registry-1\.docker\.io\/v2 — pull, resolve, push, referrers/);
    assert.ok(!text.includes('VERYSECRETVALUE'));
    assert.match(describeHostConfig(await loadHostConfig('x.test', { roots: [] })), /built-in defaults/);
  });
});
