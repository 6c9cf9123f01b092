import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  chooseDockerStore,
  decodeAuthEntry,
  dockerConfigPath,
  findAuthEntry,
  findCredHelper,
  getDockerCredential,
  isUsableCredential,
  locateJsonError,
  loggedInRegistries,
  parseConfigKey,
  parseDockerConfig,
  readDockerConfigFile,
} from '../../../../src/core/credentials/docker-config';
import { DOCKER_HUB_CONFIG_KEY } from '../../../../src/core/name/docker-hub';
import { ConfigFileError } from '../../../../src/core/errors';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const SECRETS = [
  'pa:ss:word',
  'plain-secret',
  'refresh-secret',
  'bearer-secret',
  'hub-secret',
  'scheme-secret',
  'helper-secret',
  'other-secret',
  'file-fallback-secret',
];

function assertNoSecret(text: string): void {
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `message leaks ${secret}: ${text}`);
}

describe('config/docker-config', () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'docker-config-test-'));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('finds config.json: explicit path, then $DOCKER_CONFIG, then ~/.docker', () => {
    assert.equal(dockerConfigPath({ DOCKER_CONFIG: '/dc' }, '/home/u', '/explicit/config.json'), '/explicit/config.json');
    assert.equal(dockerConfigPath({ DOCKER_CONFIG: '/dc' }, '/home/u'), join('/dc', 'config.json'));
    assert.equal(dockerConfigPath({}, '/home/u'), join('/home/u', '.docker', 'config.json'));
  });

  describe('auths entries', () => {
    const file = parseDockerConfig(
      JSON.stringify({
        auths: {
          'basic.test': { auth: b64('alice:pa:ss:word\0\0') },
          'fields.test': { username: 'bob', password: 'plain-secret' },
          'both.test': { auth: b64('fromauth:x'), username: 'ignored', password: 'ignored' },
          'refresh.test': { auth: b64('carol:'), identitytoken: 'refresh-secret' },
          'bearer.test': { registrytoken: 'bearer-secret' },
          'marker.test': {},
        },
      }),
      '/cfg/config.json',
    );
    const decode = (host: string) => {
      const found = findAuthEntry(file, host);
      assert.ok(found, host);
      return decodeAuthEntry(found.entry, found.key, file.path);
    };

    it('decodes auth as user:password split at the first colon, trailing NULs trimmed', () => {
      assert.deepEqual(decode('basic.test'), { username: 'alice', password: 'pa:ss:word' });
    });
    it('reads username/password, with auth winning when both are present', () => {
      assert.deepEqual(decode('fields.test'), { username: 'bob', password: 'plain-secret' });
      assert.deepEqual(decode('both.test'), { username: 'fromauth', password: 'x' });
    });
    it('reads identitytoken as a refresh token and registrytoken as a bearer token', () => {
      assert.deepEqual(decode('refresh.test'), { username: 'carol', password: '', identityToken: 'refresh-secret' });
      assert.deepEqual(decode('bearer.test'), { registryToken: 'bearer-secret' });
    });
    it('treats {} as a helper marker with no credential', () => {
      assert.deepEqual(decode('marker.test'), {});
    });

    it('rejects an auth value that is not base64 of user:password without quoting it', () => {
      for (const auth of ['%%%not-base64%%%', b64('no-colon-plain-secret'), b64(':plain-secret')]) {
        const bad = parseDockerConfig(JSON.stringify({ auths: { 'bad.test': { auth } } }), '/cfg/config.json');
        const found = findAuthEntry(bad, 'bad.test');
        assert.ok(found);
        assert.throws(
          () => decodeAuthEntry(found.entry, found.key, bad.path),
          (e: unknown) => {
            assert.ok(e instanceof ConfigFileError);
            assert.equal(e.code, 'AUTH_FILE_INVALID');
            assert.ok(e.message.includes('/cfg/config.json') && e.message.includes('"bad.test"'));
            assert.ok(!e.message.includes(auth));
            assertNoSecret(e.message);
            return true;
          },
        );
      }
    });
  });

  describe('key lookup', () => {
    it('prefers an exact key, then a key with scheme and path stripped', () => {
      const file = parseDockerConfig(
        JSON.stringify({
          auths: {
            'https://myreg.test:5000/v1/': { auth: b64('legacy:scheme-secret') },
            'myreg.test:5000': { auth: b64('exact:x') },
            'http://other.test/some/path': { auth: b64('other:y') },
            'notmyreg.test:5000': { auth: b64('wrong:z') },
          },
        }),
        '/c',
      );
      assert.equal(findAuthEntry(file, 'myreg.test:5000')?.key, 'myreg.test:5000');
      assert.equal(findAuthEntry(file, 'other.test')?.key, 'http://other.test/some/path');
      assert.equal(findAuthEntry(file, 'myreg.test'), undefined, 'a different port is a different host');
      const legacyOnly = parseDockerConfig(
        JSON.stringify({ auths: { 'https://myreg.test:5000/v1/': { auth: b64('legacy:scheme-secret') } } }),
        '/c',
      );
      // https's default port names the same registry, and IPv6 is compared by address.
      const defaultPort = parseDockerConfig(
        JSON.stringify({ auths: { 'registry.test:443': { auth: b64('a:b') }, '[0:0:0:0:0:0:0:1]:5000': { auth: b64('c:d') } } }),
        '/c',
      );
      assert.equal(findAuthEntry(defaultPort, 'registry.test')?.key, 'registry.test:443');
      assert.equal(findAuthEntry(defaultPort, '[::1]:5000')?.key, '[0:0:0:0:0:0:0:1]:5000');
      const noPort = parseDockerConfig(JSON.stringify({ auths: { 'https://registry.test/v1/': { auth: b64('a:b') } } }), '/c');
      assert.equal(findAuthEntry(noPort, 'registry.test:443')?.key, 'https://registry.test/v1/');
      assert.equal(findAuthEntry(legacyOnly, 'myreg.test:5000')?.key, 'https://myreg.test:5000/v1/');
    });

    it('maps docker.io, index.docker.io and registry-1.docker.io to https://index.docker.io/v1/', () => {
      const file = parseDockerConfig(
        JSON.stringify({ auths: { 'quay.io': { auth: b64('q:q') }, [DOCKER_HUB_CONFIG_KEY]: { auth: b64('hubuser:hub-secret') } } }),
        '/c',
      );
      for (const host of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) {
        assert.equal(findAuthEntry(file, host)?.key, DOCKER_HUB_CONFIG_KEY, host);
      }
      const aliasKey = parseDockerConfig(JSON.stringify({ auths: { 'index.docker.io': { auth: b64('hubuser:hub-secret') } } }), '/c');
      assert.equal(findAuthEntry(aliasKey, 'registry-1.docker.io')?.key, 'index.docker.io');
    });

    it("never returns another host's entry", () => {
      const file = parseDockerConfig(JSON.stringify({ auths: { [DOCKER_HUB_CONFIG_KEY]: { auth: b64('hubuser:hub-secret') } } }), '/c');
      assert.equal(findAuthEntry(file, 'mirror.gcr.io'), undefined);
      assert.equal(findAuthEntry(file, 'docker.io.evil.test'), undefined);
    });
  });

  describe('key lookup, edge by edge', () => {
    it('reads what a key names: a scheme or an API path names the registry, another path a repository', () => {
      assert.deepEqual(parseConfigKey(' HTTPS://Reg.test:5000/v1/ '), { host: 'reg.test:5000', repository: undefined });
      assert.deepEqual(parseConfigKey('oci+https://reg.test/org/repo'), { host: 'reg.test', repository: undefined });
      for (const key of ['reg.test/v1', 'reg.test/v2/', 'reg.test/', 'reg.test//'])
        assert.deepEqual(parseConfigKey(key), { host: 'reg.test', repository: undefined }, key);
      assert.deepEqual(parseConfigKey('reg.test/org/repo//'), { host: 'reg.test', repository: 'org/repo' });
      assert.deepEqual(parseConfigKey('index.docker.io/library'), { host: 'docker.io', repository: 'library' });
      assert.deepEqual(parseConfigKey('1reg.test/v3'), { host: '1reg.test', repository: 'v3' });
      assert.deepEqual(
        parseConfigKey('https://registry.test:443/v2/'),
        { host: 'registry.test', repository: undefined },
        'canonical, as unspelled keys',
      );
      assert.deepEqual(parseConfigKey('Registry.Test.:443'), { host: 'registry.test', repository: undefined });
    });

    it('takes the longest repository or namespace key of the contacted host, whole segments only, then the host', () => {
      const file = parseDockerConfig(
        JSON.stringify({
          auths: {
            'reg.test': { auth: b64('host:x') },
            'reg.test/org': { auth: b64('org:x') },
            'reg.test/org/team': { auth: b64('team:x') },
            'reg.test/org/te': { auth: b64('prefix:x') },
            'other.test/org/team/app': { auth: b64('other:x') },
          },
        }),
        '/c',
      );
      assert.equal(findAuthEntry(file, 'reg.test', 'org/team/app')?.key, 'reg.test/org/team');
      assert.equal(findAuthEntry(file, 'reg.test', '/org/team/')?.key, 'reg.test/org/team');
      assert.equal(findAuthEntry(file, 'reg.test', 'org/team')?.key, 'reg.test/org/team');
      assert.equal(findAuthEntry(file, 'reg.test', 'org/tea')?.key, 'reg.test/org');
      assert.equal(findAuthEntry(file, 'reg.test', 'orgs/app')?.key, 'reg.test');
      assert.equal(findAuthEntry(file, 'reg.test')?.key, 'reg.test');
      assert.equal(findAuthEntry(file, 'REG.test', 'org/x')?.key, 'reg.test/org');
      assert.equal(findAuthEntry(file, 'other.test', 'org/team/app')?.key, 'other.test/org/team/app');
      assert.equal(findAuthEntry(file, 'other.test', 'org/team'), undefined, 'a repository key is no host key');
      const reversed = parseDockerConfig(
        JSON.stringify({ auths: { 'reg.test/org/team': { auth: b64('team:x') }, 'reg.test/org': { auth: b64('org:x') } } }),
        '/c',
      );
      assert.equal(findAuthEntry(reversed, 'reg.test', 'org/team/app')?.key, 'reg.test/org/team');
      const twoSpellings = parseDockerConfig(
        JSON.stringify({ auths: { 'reg.test/org': { auth: b64('first:x') }, 'REG.test:443/org': { auth: b64('second:x') } } }),
        '/c',
      );
      assert.equal(
        findAuthEntry(twoSpellings, 'reg.test', 'org/app')?.key,
        'reg.test/org',
        'of two spellings of one key, the first in the file',
      );
    });

    it("takes Docker Hub's v1 key before its other spellings, whatever the file's order, and lists no empty key", () => {
      const file = parseDockerConfig(
        JSON.stringify({ auths: { 'docker.io': { auth: b64('alias:x') }, [DOCKER_HUB_CONFIG_KEY]: { auth: b64('v1:x') } } }),
        '/c',
      );
      assert.equal(findAuthEntry(file, 'registry-1.docker.io')?.key, DOCKER_HUB_CONFIG_KEY);
      assert.equal(findAuthEntry(file, 'docker.io')?.key, 'docker.io', 'the contacted spelling first');
      const helpers = parseDockerConfig(JSON.stringify({ credHelpers: { 'docker.io': 'alias', [DOCKER_HUB_CONFIG_KEY]: 'v1' } }), '/c');
      assert.equal(findCredHelper(helpers, 'index.docker.io')?.helper, 'v1');
      assert.deepEqual(loggedInRegistries(parseDockerConfig(JSON.stringify({ auths: { '': {}, 'https://': {}, 'a.test': {} } }), '/c')), [
        'a.test',
      ]);
    });

    it('names the credHelpers key of a Docker helper that is not on PATH', async () => {
      const file = parseDockerConfig(JSON.stringify({ credHelpers: { 'https://ghcr.io': 'nosuchhelper' } }), '/home/u/.docker/config.json');
      await assert.rejects(getDockerCredential(file, 'ghcr.io', undefined, { env: { PATH: '' } }), (e: unknown) => {
        assert.equal(
          (e as Error).message,
          'docker-credential-nosuchhelper is not on PATH: install it or remove credHelpers["https://ghcr.io"] from /home/u/.docker/config.json.',
        );
        return true;
      });
    });

    it('takes a credHelpers key spelled as the host first, then one naming the host with a scheme, never a repository key', () => {
      const file = parseDockerConfig(
        JSON.stringify({
          credHelpers: { 'https://reg.test': 'schemed', 'reg.test': 'exact', 'reg.test/org': 'repo', 'https://index.docker.io/v1/': 'hub' },
        }),
        '/c',
      );
      assert.deepEqual(findCredHelper(file, 'reg.test'), { key: 'reg.test', helper: 'exact' });
      const schemed = parseDockerConfig(
        JSON.stringify({ credHelpers: { 'reg.test/org': 'repo', 'https://reg.test:443': 'schemed' } }),
        '/c',
      );
      assert.deepEqual(findCredHelper(schemed, 'reg.test'), { key: 'https://reg.test:443', helper: 'schemed' });
      const repoOnly = parseDockerConfig(JSON.stringify({ credHelpers: { 'reg.test/org': 'repo' } }), '/c');
      assert.equal(findCredHelper(repoOnly, 'reg.test'), undefined);
      assert.deepEqual(findCredHelper(file, 'registry-1.docker.io'), { key: 'https://index.docker.io/v1/', helper: 'hub' });
      assert.equal(findCredHelper(file, 'other.test'), undefined);
    });

    it('decodes only well-formed base64 auth values, trimmed, and otherwise the separate fields', () => {
      assert.deepEqual(decodeAuthEntry({ auth: ` ${b64('u:p')}\n` }, 'k', '/c'), { username: 'u', password: 'p' });
      assert.deepEqual(decodeAuthEntry({ auth: b64('u:pw') }, 'k', '/c'), { username: 'u', password: 'pw' });
      assert.deepEqual(decodeAuthEntry({ auth: '  ', username: 'n', password: 'p' }, 'k', '/c'), { username: 'n', password: 'p' });
      assert.deepEqual(decodeAuthEntry({ username: '', password: '' }, 'k', '/c'), {});
      for (const auth of [`${b64('u:pw')}=`, `${b64('u:p')}A`, `A${b64('u:p')}`, 'dTpw\u00e9', `!!!!${b64('u:p')}`, `${b64('u:p')}!!!!`]) {
        assert.throws(
          () => decodeAuthEntry({ auth }, 'k.test', '/c', 'containers auth file'),
          (e: ConfigFileError) =>
            e.message ===
            'The "auth" value of the "auths" entry "k.test" in the containers auth file /c is not base64 of user:password; log in to k.test again to rewrite it.',
          auth,
        );
      }
      assert.equal(isUsableCredential(undefined), false);
      assert.equal(isUsableCredential({ username: 'u' }), false);
      assert.equal(isUsableCredential({ password: 'p' }), false);
      assert.equal(isUsableCredential({ identityToken: 'i' }), true);
      assert.equal(isUsableCredential({ registryToken: 'r' }), true);
    });
  });

  describe('store choice', () => {
    const file = parseDockerConfig(
      JSON.stringify({
        auths: { 'ghcr.io': {}, 'file.test': { auth: b64('f:file-fallback-secret') } },
        credHelpers: { 'ghcr.io': 'labother', 'https://ecr.test': 'ecr' },
        credsStore: 'labtest',
      }),
      '/c',
    );
    it('takes credHelpers[host] over credsStore over the file', () => {
      assert.deepEqual(chooseDockerStore(file, 'ghcr.io'), { kind: 'helper', helper: 'labother', setting: 'credHelpers', key: 'ghcr.io' });
      assert.deepEqual(chooseDockerStore(file, 'ecr.test'), {
        kind: 'helper',
        helper: 'ecr',
        setting: 'credHelpers',
        key: 'https://ecr.test',
      });
      assert.deepEqual(chooseDockerStore(file, 'quay.io'), { kind: 'helper', helper: 'labtest', setting: 'credsStore' });
      const plain = parseDockerConfig(JSON.stringify({ auths: {} }), '/c');
      assert.deepEqual(chooseDockerStore(plain, 'quay.io'), { kind: 'file' });
    });

    it('lists the registries the user is logged in to', () => {
      const more = parseDockerConfig(
        JSON.stringify({
          auths: { [DOCKER_HUB_CONFIG_KEY]: {}, 'ghcr.io': {}, 'https://legacy.test:5000/v1/': {} },
          credHelpers: { 'ghcr.io': 'x', 'ecr.test': 'ecr' },
        }),
        '/c',
      );
      assert.deepEqual(loggedInRegistries(more), ['docker.io', 'ghcr.io', 'legacy.test:5000', 'ecr.test']);
      const spellings = parseDockerConfig(
        JSON.stringify({ auths: { 'registry.test': {}, 'https://registry.test:443': {}, 'registry.test:443/v1/': {} } }),
        '/c',
      );
      assert.deepEqual(loggedInRegistries(spellings), ['registry.test'], 'one registry however its keys spell it');
    });

    describe('with real helper programs', () => {
      let env: Record<string, string | undefined>;
      beforeEach(() => {
        const bin = join(base, 'bin');
        mkdirSync(bin);
        const helper = (name: string, body: string): void => {
          writeFileSync(join(bin, `docker-credential-${name}`), `#!/bin/sh\n${body}\n`);
          chmodSync(join(bin, `docker-credential-${name}`), 0o755);
        };
        helper('labother', 'input=$(cat)\nprintf \'{"ServerURL":"%s","Username":"other-user","Secret":"other-secret"}\' "$input"');
        helper(
          'labtest',
          'input=$(cat)\nprintf \'%s\\n\' "$input" >> "$LAB_LOG"\nif [ "$input" = "file.test" ]; then echo "credentials not found in native keychain"; exit 1; fi\nprintf \'{"ServerURL":"%s","Username":"store-user","Secret":"helper-secret"}\' "$input"',
        );
        env = { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, LAB_LOG: join(base, 'asked.log') };
      });

      it('asks the chosen helper and names it in the source', async () => {
        assert.deepEqual(await getDockerCredential(file, 'ghcr.io', undefined, { env }), {
          username: 'other-user',
          password: 'other-secret',
          source: '/c (credHelpers: labother)',
        });
        assert.deepEqual(await getDockerCredential(file, 'quay.io', undefined, { env }), {
          username: 'store-user',
          password: 'helper-secret',
          source: '/c (credsStore: labtest)',
        });
      });

      it('falls back to a usable file entry when the helper has nothing', async () => {
        assert.deepEqual(await getDockerCredential(file, 'file.test', undefined, { env }), {
          username: 'f',
          password: 'file-fallback-secret',
          source: '/c',
        });
      });

      it("sends Docker Hub's v1 URL to the helper", async () => {
        const hub = await getDockerCredential(file, 'registry-1.docker.io', undefined, { env });
        assert.equal(hub?.username, 'store-user');
        assert.equal(readFileSync(join(base, 'asked.log'), 'utf8'), `${DOCKER_HUB_CONFIG_KEY}\n`);
      });

      it('asks the helper with the spelling docker login saved (registry.test:443) when ours finds nothing, each spelling once', async () => {
        const bin = join(base, 'bin');
        // Holds one login, under the server URL `docker login registry.test:443` stored it with.
        writeFileSync(
          join(bin, 'docker-credential-exact'),
          '#!/bin/sh\ninput=$(cat)\nprintf \'%s\\n\' "$input" >> "$LAB_LOG"\nif [ "$input" = "registry.test:443" ]; then printf \'{"ServerURL":"%s","Username":"saved-user","Secret":"s"}\' "$input"; exit 0; fi\necho "credentials not found in native keychain"; exit 1',
        );
        chmodSync(join(bin, 'docker-credential-exact'), 0o755);
        const asked = () => readFileSync(join(base, 'asked.log'), 'utf8').trim().split('\n');
        const saved = parseDockerConfig(
          JSON.stringify({
            auths: { 'registry.test:443': {}, 'https://registry.test:443/v2/': {}, 'other.test:443': {} },
            credsStore: 'exact',
          }),
          '/c',
        );
        const found = await getDockerCredential(saved, 'registry.test', undefined, { env });
        assert.deepEqual(found, { username: 'saved-user', password: 's', source: '/c (credsStore: exact)' });
        assert.deepEqual(asked(), ['registry.test', 'registry.test:443'], 'the spellings of its own keys, once each');

        rmSync(join(base, 'asked.log'));
        const helperKey = parseDockerConfig(JSON.stringify({ credHelpers: { 'Registry.Test:443': 'exact', 'x.test': 'exact' } }), '/c');
        assert.equal((await getDockerCredential(helperKey, 'registry.test', undefined, { env }))?.username, undefined);
        assert.deepEqual(asked(), ['registry.test', 'Registry.Test:443'], "a credHelpers key's spelling too, as written");

        rmSync(join(base, 'asked.log'));
        assert.equal(await getDockerCredential(saved, 'nothing.test', undefined, { env }), undefined);
        assert.deepEqual(asked(), ['nothing.test'], 'a host without keys of its own costs one question');
      });

      it('says which setting to remove when the helper is not on PATH', async () => {
        const missing = parseDockerConfig(JSON.stringify({ credsStore: 'nosuchhelper' }), '/home/u/.docker/config.json');
        await assert.rejects(getDockerCredential(missing, 'quay.io', undefined, { env }), (e: unknown) => {
          assert.equal((e as { code?: string }).code, 'CREDENTIAL_HELPER_NOT_FOUND');
          assert.equal(
            (e as Error).message,
            'docker-credential-nosuchhelper is not on PATH: install it or remove credsStore from /home/u/.docker/config.json.',
          );
          return true;
        });
      });
    });
  });

  describe('reading files', () => {
    it('returns undefined for a missing file and an empty config for an empty one', async () => {
      assert.equal(await readDockerConfigFile(join(base, 'nope.json')), undefined);
      writeFileSync(join(base, 'empty.json'), '');
      assert.deepEqual(await readDockerConfigFile(join(base, 'empty.json')), {
        path: join(base, 'empty.json'),
        auths: [],
        credHelpers: [],
        credsStore: undefined,
      });
    });

    it('accepts a UTF-8 byte order mark', async () => {
      writeFileSync(join(base, 'bom.json'), `\ufeff${JSON.stringify({ auths: { 'a.test': {} } })}`);
      assert.equal((await readDockerConfigFile(join(base, 'bom.json')))?.auths.length, 1);
    });

    it('reports malformed JSON with file, line and column but never the content', async () => {
      const path = join(base, 'config.json');
      writeFileSync(path, `{\n  "auths": {\n    "a.test": { "auth": "${b64('u:plain-secret')}" }\n    "b.test": {}\n  }\n}\n`);
      await assert.rejects(readDockerConfigFile(path), (e: unknown) => {
        assert.ok(e instanceof ConfigFileError);
        assert.equal(e.code, 'AUTH_FILE_SYNTAX');
        assert.equal(e.file, path);
        assert.equal(e.line, 4);
        assert.equal(e.column, 5);
        assert.match(e.message, /line 4, column 5/);
        assert.ok(e.message.includes(path));
        assert.ok(!e.message.includes(b64('u:plain-secret')) && !e.message.includes('a.test'));
        assert.equal(e.cause, undefined);
        return true;
      });
    });

    it('rejects entries of the wrong shape, naming the key only', () => {
      assert.throws(
        () => parseDockerConfig(JSON.stringify({ auths: { 'a.test': { auth: 42 } } }), '/c'),
        /"auth" of the "auths" entry "a.test" must be a string/,
      );
      assert.throws(() => parseDockerConfig(JSON.stringify({ auths: ['x'] }), '/c'), /"auths" must be an object/);
      assert.throws(() => parseDockerConfig('[]', '/c'), /top level must be a JSON object/);
      assert.throws(() => parseDockerConfig(JSON.stringify({ credHelpers: { 'a.test': 1 } }), '/c'), /"credHelpers" entry "a.test"/);
    });

    it('says where and why JSON stops being valid, for every construct, quoting nothing', () => {
      const cases: Array<[string, number, string]> = [
        ['{"a": "x\u0001"}', 8, 'unescaped control character in a string'],
        ['{"a": "\\u12G4"}', 8, 'invalid \\u escape in a string'],
        ['{"a": "\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9" x}', 31, 'expected "," or "}" after a property value'],
        ['{ a: 1 }', 2, 'expected a property name in double quotes'],
        ['{"a" 1}', 5, 'expected ":" after a property name'],
        ['[1 2]', 3, 'expected "," or "]" after an array element'],
        ['[1, -x]', 4, 'invalid number'],
        ['[true, false, null, nul]', 20, 'unexpected character'],
        ['[ ]x', 3, 'unexpected text after the end of the JSON value'],
        ['{\t\r\n}x', 5, 'unexpected text after the end of the JSON value'],
        ['[-0.5e+3, 1E2, {"k": []}]x', 25, 'unexpected text after the end of the JSON value'],
        ['{"a": [1,', 9, 'unexpected end of file'],
        ['"\\', 2, 'unexpected end of file'],
        ['{"a": 01}', 7, 'expected "," or "}" after a property value'],
        ['{"a b": 1 x}', 10, 'expected "," or "}" after a property value'],
        ['[-x, 1]', 1, 'invalid number'],
        ['[1.25 x]', 6, 'expected "," or "]" after an array element'],
        ['[1e25 x]', 6, 'expected "," or "]" after an array element'],
      ];
      for (const [text, offset, reason] of cases) assert.deepEqual(locateJsonError(text), { offset, reason }, text);
      assert.deepEqual(locateJsonError('{}'), { offset: 2, reason: 'invalid JSON' });
      const file = '{\n\t"auths": {\n\t\t"a": 1,\n\t}\n}';
      assert.throws(
        () => parseDockerConfig(file, '/c'),
        (e: ConfigFileError) =>
          e.message ===
            'The Docker config file /c is not valid JSON: expected a property name in double quotes at line 4, column 2. Fix the file or log in again to rewrite it.' &&
          e.line === 4 &&
          e.column === 2,
      );
    });

    it('reads null sections as absent and refuses every field and section of the wrong type, in its own words', () => {
      assert.deepEqual(parseDockerConfig(JSON.stringify({ auths: null, credHelpers: null, credsStore: null }), '/c'), {
        path: '/c',
        auths: [],
        credHelpers: [],
        credsStore: undefined,
      });
      assert.equal(parseDockerConfig(JSON.stringify({ credsStore: '' }), '/c').credsStore, undefined);
      assert.deepEqual(parseDockerConfig(JSON.stringify({ auths: { 'a.test': { auth: null, username: 'u', email: 5 } } }), '/c').auths, [
        ['a.test', { username: 'u' }],
      ]);
      const invalid: Array<[unknown, string]> = [
        [{ auths: 'x' }, '"auths" must be an object'],
        [{ auths: { 'a.test': 'x' } }, 'the "auths" entry "a.test" must be an object'],
        [{ auths: { 'a.test': [] } }, 'the "auths" entry "a.test" must be an object'],
        [{ auths: { 'a.test': { identitytoken: 1 } } }, '"identitytoken" of the "auths" entry "a.test" must be a string'],
        [{ credHelpers: [] }, '"credHelpers" must be an object'],
        [{ credsStore: 1 }, '"credsStore" must be a string'],
        ['x', 'the top level must be a JSON object'],
        [null, 'the top level must be a JSON object'],
      ];
      for (const [data, what] of invalid)
        assert.throws(
          () => parseDockerConfig(JSON.stringify(data), '/c', 'containers auth file', 'Advice.'),
          (e: ConfigFileError) =>
            e.code === 'AUTH_FILE_INVALID' && e.message === `The containers auth file /c is not valid: ${what}. Advice.` && e.file === '/c',
        );
      assert.deepEqual(parseDockerConfig('  \n', '/c').auths, []);
    });

    it('says a file that cannot be read, naming its kind', async () => {
      const dir = join(base, 'dir.json');
      mkdirSync(dir);
      await assert.rejects(readDockerConfigFile(dir, 'containers auth file'), (e: unknown) => {
        assert.equal((e as ConfigFileError).code, 'AUTH_FILE_UNREADABLE');
        assert.equal((e as Error).message, `The containers auth file ${dir} cannot be read (EISDIR); check its permissions.`);
        return true;
      });
      assert.equal(await readDockerConfigFile(join(base, 'empty.json', 'below')), undefined);
    });

    it('names the Docker config file by default and gives the file to open, for an unreadable file and a bad auth value', async () => {
      const dir = join(base, 'dir.json');
      mkdirSync(dir);
      await assert.rejects(readDockerConfigFile(dir), (e: unknown) => {
        assert.equal((e as Error).message, `The Docker config file ${dir} cannot be read (EISDIR); check its permissions.`);
        assert.equal((e as ConfigFileError).file, dir);
        return true;
      });
      assert.throws(
        () => decodeAuthEntry({ auth: 'not base64!' }, 'reg.test', '/f.json'),
        (e: unknown) => {
          assert.equal(
            (e as Error).message,
            'The "auth" value of the "auths" entry "reg.test" in the Docker config file /f.json is not base64 of user:password; log in to reg.test again to rewrite it.',
          );
          assert.equal((e as ConfigFileError).file, '/f.json');
          return true;
        },
      );
    });

    it('trims only the NULs that end a password, and reads keys with a scheme further in or a leading slash by their first slash', () => {
      assert.deepEqual(decodeAuthEntry({ auth: b64('u:pa\0ss\0\0') }, 'reg.test', '/f.json'), { username: 'u', password: 'pa\0ss' });
      assert.deepEqual(parseConfigKey('quay.io/a/b://c'), { host: 'quay.io', repository: 'a/b://c' });
      assert.deepEqual(parseConfigKey('/foo'), { host: '', repository: 'foo' });
    });

    it('matches a repository given with runs of slashes around it, and one whose first segment is "undefined"', () => {
      const file = parseDockerConfig(
        JSON.stringify({ auths: { 'reg.test': { auth: b64('host:p') }, 'reg.test/org/app': { auth: b64('repo:p') } } }),
        '/f.json',
      );
      assert.equal(findAuthEntry(file, 'reg.test', '//org/app//')?.key, 'reg.test/org/app');
      assert.equal(findAuthEntry(file, 'reg.test', 'undefined/app')?.key, 'reg.test');
      const named = parseDockerConfig(
        JSON.stringify({ auths: { 'reg.test/undefined': { auth: b64('repo:p') }, 'reg.test': { auth: b64('host:p') } } }),
        '/f.json',
      );
      assert.equal(findAuthEntry(named, 'reg.test', 'undefined/app')?.key, 'reg.test/undefined');
    });

    it('locates JSON errors', () => {
      assert.deepEqual(locateJsonError('{"a": }'), { offset: 6, reason: 'unexpected character' });
      assert.deepEqual(locateJsonError('{"a": "x'), { offset: 8, reason: 'unexpected end of file' });
      assert.deepEqual(locateJsonError('{"a": 1,}'), { offset: 8, reason: 'expected a property name in double quotes' });
      assert.deepEqual(locateJsonError('{} x'), { offset: 3, reason: 'unexpected text after the end of the JSON value' });
      assert.equal(locateJsonError('{"a": "\\q"}').reason, 'invalid escape in a string');
    });
  });
});
