import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { getDockerCredential, readDockerConfigFile } from '../../../../src/core/credentials/docker-config';
import { dockerStoreFor, eraseDockerLogin, findDockerLogin, saveDockerLogin } from '../../../../src/core/credentials/docker-store';
import { ConfigFileError, CoreError } from '../../../../src/core/errors';

const PASSWORD = 'S3cret-Store-Pass';
const login = { username: 'alice', password: PASSWORD };
const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('config/docker-store', function () {
  if (process.platform === 'win32') return;
  let base: string;
  let bin: string;
  let config: string;
  let env: Record<string, string | undefined>;

  /** A real docker-credential-<name> program: records what it was given under $LAB_DIR. */
  function helper(name: string, body?: string): void {
    const path = join(bin, `docker-credential-${name}`);
    const script =
      body ??
      [
        'input=$(cat)',
        'case "$1" in',
        `  store) printf '%s' "$input" > "$LAB_DIR/${name}-stored.json" ;;`,
        `  erase) printf '%s' "$input" > "$LAB_DIR/${name}-erased.txt" ;;`,
        `  get) if [ -f "$LAB_DIR/${name}-stored.json" ]; then cat "$LAB_DIR/${name}-stored.json"; else echo "credentials not found in native keychain"; exit 1; fi ;;`,
        '  *) echo "unknown action"; exit 1 ;;',
        'esac',
      ].join('\n');
    writeFileSync(path, `#!/bin/sh\n${script}\n`);
    chmodSync(path, 0o755);
  }

  const mode = (path: string): number => statSync(path).mode & 0o777;
  const json = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

  function assertNoSecret(error: unknown): void {
    const text = `${(error as Error).message} ${String((error as Error).stack)}`;
    assert.ok(!text.includes(PASSWORD) && !text.includes(b64(`alice:${PASSWORD}`)), `the error holds the secret: ${text}`);
  }

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'docker-store-test-'));
    bin = join(base, 'bin');
    mkdirSync(bin);
    env = { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, LAB_DIR: base };
    config = join(base, 'docker', 'config.json');
    helper('labtest');
    helper('special');
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('writes a new config.json with mode 0600 in a new 0700 folder, tab-indented like docker, readable back', async () => {
    const where = await saveDockerLogin(config, 'reg.test:5000', login, { env });
    assert.deepEqual(where, { kind: 'file', file: config, description: config });
    assert.equal(mode(config), 0o600);
    assert.equal(mode(join(base, 'docker')), 0o700);
    assert.equal(
      readFileSync(config, 'utf8'),
      `{\n\t"auths": {\n\t\t"reg.test:5000": {\n\t\t\t"auth": "${b64(`alice:${PASSWORD}`)}"\n\t\t}\n\t}\n}`,
    );
    const credential = await getDockerCredential((await readDockerConfigFile(config))!, 'reg.test:5000');
    assert.equal(credential?.username, 'alice');
    assert.equal(credential?.password, PASSWORD);
    assert.deepEqual(readdirSync(join(base, 'docker')), ['config.json'], 'no temp file is left beside it');
  });

  it('keeps every other key, field and their order, the file mode and a final newline', async () => {
    mkdirSync(join(base, 'docker'));
    const original = {
      psFormat: 'table {{.ID}}',
      auths: {
        'other.test': { auth: b64('bob:other'), email: 'bob@example.com', extra: { nested: [1, 2.5, null, true] } },
        'quay.io/org/repo': { auth: b64('q:q') },
      },
      credHelpers: { 'gcr.io': 'gcloud' },
      HttpHeaders: { 'User-Agent': 'Docker-Client' },
      proxies: { default: { httpProxy: 'http://proxy:3128' } },
      currentContext: 'desktop-linux',
      'unicode ключ': 'ünïcode ✓',
    };
    writeFileSync(config, `${JSON.stringify(original, null, '  ')}\n`, { mode: 0o640 });
    chmodSync(config, 0o640);
    await saveDockerLogin(config, 'reg.test:5000', login, { env });
    const expected = structuredClone(original) as typeof original & { auths: Record<string, unknown> };
    expected.auths['reg.test:5000'] = { auth: b64(`alice:${PASSWORD}`) };
    const text = readFileSync(config, 'utf8');
    assert.equal(text, `${JSON.stringify(expected, null, '\t')}\n`, 'the same data in the same order, tab-indented, newline kept');
    assert.deepEqual(Object.keys(json(config)), Object.keys(original));
    assert.equal(mode(config), 0o640, 'the file keeps its mode');
  });

  it('replaces an existing entry under the same key, in place, and writes no trailing newline docker would not', async () => {
    mkdirSync(join(base, 'docker'));
    writeFileSync(
      config,
      JSON.stringify({
        auths: { 'a.test': { auth: b64('a:a') }, 'reg.test': { auth: b64('old:old'), identitytoken: 'old-refresh' }, 'z.test': {} },
      }),
    );
    await saveDockerLogin(config, 'reg.test', login, { env });
    const auths = json(config).auths as Record<string, unknown>;
    assert.deepEqual(Object.keys(auths), ['a.test', 'reg.test', 'z.test']);
    assert.deepEqual(auths['reg.test'], { auth: b64(`alice:${PASSWORD}`) }, 'the whole entry is replaced, as docker login does');
    assert.deepEqual(auths['a.test'], { auth: b64('a:a') });
    assert.ok(!readFileSync(config, 'utf8').endsWith('\n'));
  });

  it('keys Docker Hub as https://index.docker.io/v1/ whichever alias is used, and erases it', async () => {
    for (const host of ['docker.io', 'registry-1.docker.io', 'index.docker.io']) {
      await saveDockerLogin(config, host, login, { env });
      assert.deepEqual(Object.keys(json(config).auths as object), ['https://index.docker.io/v1/'], host);
    }
    const erased = await eraseDockerLogin(config, 'docker.io', { env });
    assert.equal(erased?.kind, 'file');
    assert.deepEqual(json(config).auths, {});
  });

  it("stores with credsStore's helper (JSON on stdin) and leaves docker's empty marker in the file", async () => {
    mkdirSync(join(base, 'docker'));
    writeFileSync(config, JSON.stringify({ credsStore: 'labtest', auths: { 'reg.test': { auth: b64('old:plain') } } }));
    const where = await saveDockerLogin(config, 'reg.test', login, { env });
    assert.equal(where.kind, 'helper');
    assert.equal(where.description, `docker-credential-labtest (credsStore in ${config})`);
    assert.deepEqual(json(join(base, 'labtest-stored.json')), { ServerURL: 'reg.test', Username: 'alice', Secret: PASSWORD });
    assert.deepEqual(
      json(config),
      { credsStore: 'labtest', auths: { 'reg.test': {} } },
      'the plain-text secret is gone; the marker remains',
    );
    assert.ok(!readFileSync(config, 'utf8').includes(b64(`alice:${PASSWORD}`)));
  });

  it("prefers credHelpers[host] over credsStore, with Docker Hub's server URL", async () => {
    mkdirSync(join(base, 'docker'));
    writeFileSync(config, JSON.stringify({ credsStore: 'labtest', credHelpers: { 'https://index.docker.io/v1/': 'special' } }));
    const where = await saveDockerLogin(config, 'docker.io', login, { env });
    assert.equal(where.description, `docker-credential-special (credHelpers["https://index.docker.io/v1/"] in ${config})`);
    assert.deepEqual(json(join(base, 'special-stored.json')), {
      ServerURL: 'https://index.docker.io/v1/',
      Username: 'alice',
      Secret: PASSWORD,
    });
    assert.ok(!existsSync(join(base, 'labtest-stored.json')), 'credsStore was not used');
  });

  it("finds and erases a helper's login with the server URL, and the marker with it", async () => {
    mkdirSync(join(base, 'docker'));
    writeFileSync(config, JSON.stringify({ credsStore: 'labtest', auths: { 'keep.test': {} } }));
    assert.equal(await findDockerLogin(config, 'reg.test:5000', { env }), undefined, 'nothing there yet');
    await saveDockerLogin(config, 'reg.test:5000', login, { env });
    assert.equal((await findDockerLogin(config, 'reg.test:5000', { env }))?.helper, 'labtest');
    const erased = await eraseDockerLogin(config, 'reg.test:5000', { env });
    assert.equal(erased?.helper, 'labtest');
    assert.equal(readFileSync(join(base, 'labtest-erased.txt'), 'utf8'), 'reg.test:5000');
    assert.deepEqual(json(config), { credsStore: 'labtest', auths: { 'keep.test': {} } });
  });

  it('finds and erases a login `docker login reg.test:443` kept in the helper when logging out of reg.test', async () => {
    // A helper that keeps one login per server URL, as docker-credential-pass and the keychains do.
    helper(
      'perurl',
      [
        'input=$(cat)',
        'file="$LAB_DIR/perurl-$(printf %s "$input" | tr -c "A-Za-z0-9." _)"',
        'case "$1" in',
        `  get) if [ -f "$file" ]; then printf '{"ServerURL":"%s","Username":"alice","Secret":"${PASSWORD}"}' "$input"; else echo "credentials not found in native keychain"; exit 1; fi ;;`,
        '  erase) printf \'%s\\n\' "$input" >> "$LAB_DIR/perurl-erased.txt"; rm -f "$file" ;;',
        '  *) echo "unknown action"; exit 1 ;;',
        'esac',
      ].join('\n'),
    );
    mkdirSync(join(base, 'docker'));
    // What `docker login reg.test:443` leaves: the marker under the name as typed, the secret in the helper.
    writeFileSync(config, JSON.stringify({ credsStore: 'perurl', auths: { 'reg.test:443': {}, 'reg.test/team': {}, 'other.test': {} } }));
    writeFileSync(join(base, 'perurl-reg.test_443'), '');
    const signIn = async (): Promise<string | undefined> =>
      (await getDockerCredential((await readDockerConfigFile(config))!, 'reg.test', undefined, { env }))?.username;
    assert.equal(await signIn(), 'alice', 'sign-in finds the login under reg.test:443');
    assert.equal((await findDockerLogin(config, 'reg.test', { env }))?.helper, 'perurl');
    assert.equal((await eraseDockerLogin(config, 'reg.test', { env }))?.helper, 'perurl');
    assert.ok(readFileSync(join(base, 'perurl-erased.txt'), 'utf8').split('\n').includes('reg.test:443'), 'the helper erased reg.test:443');
    assert.deepEqual(json(config), { credsStore: 'perurl', auths: { 'reg.test/team': {}, 'other.test': {} } });
    assert.equal(await signIn(), undefined, 'nothing signs in after Log Out');
    assert.equal(await findDockerLogin(config, 'reg.test', { env }), undefined);
  });

  it("erases the host's spellings docker logout removes, and nothing else; nothing there changes nothing", async () => {
    mkdirSync(join(base, 'docker'));
    const entries = {
      'reg.test': { auth: b64('a:1') },
      'https://reg.test': { auth: b64('a:2') },
      'http://reg.test': {},
      'reg.test/team/app': { auth: b64('a:3') },
      'reg.test:5000': { auth: b64('a:4') },
    };
    writeFileSync(config, JSON.stringify({ auths: entries, detachKeys: 'ctrl-e,e' }));
    const erased = await eraseDockerLogin(config, 'reg.test', { env });
    assert.deepEqual(erased, { kind: 'file', file: config, description: config });
    assert.deepEqual(json(config), {
      auths: { 'reg.test/team/app': { auth: b64('a:3') }, 'reg.test:5000': { auth: b64('a:4') } },
      detachKeys: 'ctrl-e,e',
    });
    const before = readFileSync(config);
    assert.equal(await eraseDockerLogin(config, 'reg.test', { env }), undefined);
    assert.ok(readFileSync(config).equals(before));
    assert.equal(await eraseDockerLogin(join(base, 'none', 'config.json'), 'reg.test', { env }), undefined);
    assert.ok(!existsSync(join(base, 'none')), 'a missing file is not created by an erase');
  });

  it('says where a login goes for each store, naming the credHelpers key that chose the helper', async () => {
    mkdirSync(join(base, 'docker'));
    writeFileSync(config, JSON.stringify({ credHelpers: { 'https://reg.test': 'special' }, credsStore: 'labtest' }));
    assert.deepEqual(await dockerStoreFor(config, 'reg.test'), {
      kind: 'helper',
      file: config,
      helper: 'special',
      setting: 'credHelpers["https://reg.test"]',
      description: `docker-credential-special (credHelpers["https://reg.test"] in ${config})`,
    });
    assert.equal((await dockerStoreFor(config, 'other.test')).description, `docker-credential-labtest (credsStore in ${config})`);
    assert.deepEqual(await dockerStoreFor(join(base, 'none.json'), 'reg.test'), {
      kind: 'file',
      file: join(base, 'none.json'),
      description: join(base, 'none.json'),
    });
    writeFileSync(config, JSON.stringify({ credHelpers: { 'reg.test': 'missing-helper' } }));
    await assert.rejects(saveDockerLogin(config, 'reg.test', login, { env }), (e: unknown) => {
      assert.equal(
        (e as Error).message,
        `docker-credential-missing-helper is not on PATH: install it or remove credHelpers["reg.test"] from ${config}.`,
      );
      return true;
    });
  });

  it('finds a login in the file under any spelling sign-in reads, or in the helper only when it has one', async () => {
    mkdirSync(join(base, 'docker'));
    writeFileSync(config, JSON.stringify({ auths: { 'http://reg.test': { auth: b64('a:1') } } }));
    assert.deepEqual(await findDockerLogin(config, 'reg.test', { env }), { kind: 'file', file: config, description: config });
    assert.equal(await findDockerLogin(config, 'other.test', { env }), undefined);
    writeFileSync(config, JSON.stringify({ auths: { 'docker.io': { auth: b64('a:1') } } }));
    assert.deepEqual(
      await findDockerLogin(config, 'docker.io', { env }),
      { kind: 'file', file: config, description: config },
      "sign-in reads Docker Hub's login under docker.io too, so Log Out finds it there",
    );
    writeFileSync(config, JSON.stringify({ credsStore: 'labtest' }));
    writeFileSync(join(base, 'labtest-stored.json'), JSON.stringify({ Username: 'u', Secret: '' }));
    assert.equal(await findDockerLogin(config, 'reg.test', { env }), undefined, 'a helper answer without a secret is no login');
    writeFileSync(join(base, 'labtest-stored.json'), JSON.stringify({ Username: 'u', Secret: 's' }));
    assert.equal((await findDockerLogin(config, 'reg.test', { env }))?.helper, 'labtest');
  });

  it('writes auths into a file that has none, a null one, only whitespace or a byte order mark', async () => {
    mkdirSync(join(base, 'docker'));
    for (const text of ['{"auths": null, "x": 1}', '  \n', '\ufeff{"x": 1}\n']) {
      writeFileSync(config, text);
      await saveDockerLogin(config, 'reg.test', login, { env });
      const written = readFileSync(config, 'utf8');
      assert.equal((await getDockerCredential((await readDockerConfigFile(config))!, 'reg.test'))?.password, PASSWORD, text);
      assert.equal(written.endsWith('\n'), text.endsWith('\n'), text);
      assert.ok(!written.startsWith('\ufeff'));
    }
  });

  it("keeps another user's ownership of config.json, makes missing folders, and says a path that cannot be read", async function () {
    await saveDockerLogin(join(base, 'a', 'b', 'config.json'), 'reg.test', login, { env });
    assert.ok(existsSync(join(base, 'a', 'b', 'config.json')));
    await assert.rejects(saveDockerLogin(join(base, 'a'), 'reg.test', login, { env }), (e: unknown) => {
      assert.equal((e as ConfigFileError).code, 'DOCKER_CONFIG_UNREADABLE');
      assert.equal(
        (e as Error).message,
        `The Docker config file ${join(base, 'a')} cannot be read (EISDIR); check its permissions, or do not save the login there.`,
      );
      assert.equal((e as ConfigFileError).file, join(base, 'a'));
      return true;
    });
    mkdirSync(join(base, 'docker'));
    writeFileSync(config, '{"auths": null, "credsStore": "labtest"}');
    assert.equal(await findDockerLogin(config, 'reg.test', { env }), undefined);
    if (process.getuid?.() !== 0) return;
    writeFileSync(config, '{}');
    chownSync(config, 4321, 4322);
    await saveDockerLogin(config, 'reg.test', login, { env });
    assert.deepEqual([statSync(config).uid, statSync(config).gid], [4321, 4322]);
    // Either owner alone differing from ours is kept too.
    for (const [uid, gid] of [
      [4321, process.getgid?.() ?? 0],
      [process.getuid?.() ?? 0, 4322],
    ] as const) {
      chownSync(config, uid, gid);
      await saveDockerLogin(config, 'other.test', login, { env });
      assert.deepEqual([statSync(config).uid, statSync(config).gid], [uid, gid]);
    }
  });

  it('reports a failing helper by name, without the secret, and leaves the file as it was', async () => {
    mkdirSync(join(base, 'docker'));
    const text = JSON.stringify({ credsStore: 'labtest' });
    writeFileSync(config, text);
    helper('labtest', `cat >/dev/null\necho "store failed ${PASSWORD}"\necho "error: keychain is locked" >&2\nexit 2`);
    await assert.rejects(saveDockerLogin(config, 'reg.test', login, { env }), (e: unknown) => {
      assert.ok(e instanceof CoreError);
      assert.equal(e.code, 'CREDENTIAL_HELPER_FAILED');
      assert.match(
        e.message,
        /docker-credential-labtest failed while storing credentials for reg\.test \(exit code 2\): error: keychain is locked/,
      );
      assertNoSecret(e);
      return true;
    });
    assert.equal(readFileSync(config, 'utf8'), text);
    rmSync(join(bin, 'docker-credential-labtest'));
    await assert.rejects(saveDockerLogin(config, 'reg.test', login, { env }), (e: unknown) => {
      assert.match(
        (e as Error).message,
        new RegExp(`docker-credential-labtest is not on PATH: install it or remove credsStore from ${config.replace(/[.]/g, '\\.')}`),
      );
      return true;
    });
  });

  it("refuses a config.json that does not parse, or is not Docker's shape, without changing a byte", async () => {
    mkdirSync(join(base, 'docker'));
    const bad = [
      `{\n\t"auths": {\n\t\t"other.test": { "auth": "${b64('bob:hunter2')}" },,\n\t}\n}`,
      '{"auths": []}',
      '["not", "an", "object"]',
      '{"credsStore": 7}',
    ];
    for (const text of bad) {
      writeFileSync(config, text);
      for (const attempt of [
        () => saveDockerLogin(config, 'reg.test', login, { env }),
        () => eraseDockerLogin(config, 'other.test', { env }),
      ]) {
        await assert.rejects(attempt(), (e: unknown) => {
          assert.ok(e instanceof ConfigFileError, String(e));
          assert.ok(e.message.includes(config), 'the error names the file');
          assert.match(e.message, /Nothing was written to it: fix the file, then log in again/);
          assert.ok(!e.message.includes('hunter2') && !e.message.includes(b64('bob:hunter2')));
          assertNoSecret(e);
          return true;
        });
        assert.equal(readFileSync(config, 'utf8'), text, `unchanged: ${text}`);
      }
    }
    assert.deepEqual(readdirSync(join(base, 'docker')), ['config.json']);
  });

  it('writes through a symlinked config.json, keeping the link', async () => {
    const real = join(base, 'dotfiles', 'docker.json');
    mkdirSync(join(base, 'dotfiles'));
    mkdirSync(join(base, 'docker'));
    writeFileSync(real, '{"auths":{}}', { mode: 0o600 });
    symlinkSync(real, config);
    await saveDockerLogin(config, 'reg.test', login, { env });
    assert.ok(lstatSync(config).isSymbolicLink());
    assert.deepEqual(Object.keys(json(real).auths as object), ['reg.test']);
  });

  it('says what to do when the folder cannot be made, without the secret', async () => {
    writeFileSync(join(base, 'docker'), 'a file where the folder should be');
    await assert.rejects(saveDockerLogin(config, 'reg.test', login, { env }), (e: unknown) => {
      assert.equal((e as CoreError).code, 'DOCKER_CONFIG_UNWRITABLE');
      assert.match(
        (e as Error).message,
        new RegExp(
          `The Docker config file ${config.replace(/[.]/g, '\\.')} cannot be written \\((EEXIST|ENOTDIR)\\); check the permissions`,
        ),
      );
      assert.match((e as Error).message, /\); check the permissions of it and its folder, or do not save the login there\.$/);
      assert.equal((e as ConfigFileError).file, config);
      assertNoSecret(e);
      return true;
    });
    assert.equal(readFileSync(join(base, 'docker'), 'utf8'), 'a file where the folder should be');
  });

  it('leaves config.json as it was when the login to erase is only in the helper, and closes every file it opened', async () => {
    mkdirSync(join(base, 'docker'));
    const text = '{"credsStore":"labtest"}';
    writeFileSync(config, text);
    await saveDockerLogin(config, 'reg.test', login, { env });
    writeFileSync(config, text); // without the empty marker docker leaves: the login is only in the helper
    const inode = statSync(config).ino;
    assert.equal((await eraseDockerLogin(config, 'reg.test', { env }))?.helper, 'labtest');
    assert.equal(readFileSync(config, 'utf8'), text, 'not rewritten');
    assert.equal(statSync(config).ino, inode, 'not replaced');
    const open = (): number => readdirSync('/proc/self/fd').length;
    const fds = open();
    await saveDockerLogin(join(base, 'plain', 'config.json'), 'reg.test', login, { env });
    await saveDockerLogin(join(base, 'plain', 'config.json'), 'other.test', login, { env });
    assert.equal(open(), fds, 'no file left open');
  });

  it('names the Docker config file it refuses to write into', async () => {
    mkdirSync(join(base, 'docker'));
    writeFileSync(config, '{"credsStore": 7}');
    await assert.rejects(saveDockerLogin(config, 'reg.test', login, { env }), (e: unknown) => {
      assert.equal(
        (e as Error).message,
        `The Docker config file ${config} is not valid: "credsStore" must be a string. Nothing was written to it: fix the file, then log in again (or do not save the login there).`,
      );
      return true;
    });
  });

  it('says what to do when the folder cannot be written, without the secret', async function () {
    if (process.getuid?.() === 0) this.skip(); // root writes anyway
    mkdirSync(join(base, 'docker'));
    writeFileSync(config, '{}');
    chmodSync(join(base, 'docker'), 0o500);
    try {
      await assert.rejects(saveDockerLogin(config, 'reg.test', login, { env }), (e: unknown) => {
        assert.equal((e as CoreError).code, 'DOCKER_CONFIG_UNWRITABLE');
        assert.match(
          (e as Error).message,
          /cannot be written \(EACCES\); check the permissions of it and its folder, or do not save the login there\./,
        );
        assertNoSecret(e);
        return true;
      });
      assert.equal(readFileSync(config, 'utf8'), '{}');
    } finally {
      chmodSync(join(base, 'docker'), 0o700);
    }
  });
});
