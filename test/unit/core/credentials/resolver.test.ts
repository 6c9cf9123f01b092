import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { CredentialResolver } from '../../../../src/core/credentials/resolver';
import type { Credential, CredentialStore } from '../../../../src/core/credentials/types';
import type { CoreError } from '../../../../src/core/errors';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const SECRETS = [
  'vault-secret',
  'docker-secret',
  'runtime-secret',
  'confighome-secret',
  'explicit-secret',
  'hub-secret',
  'upstream-secret',
  'helper-secret',
  'broken-secret',
];

function assertNoSecret(error: unknown): void {
  const text = `${(error as Error).message}\n${String((error as Error).stack)}`;
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `error leaks ${secret}: ${text}`);
}

describe('config/credentials: CredentialResolver', () => {
  let base: string;
  let home: string;
  let env: Record<string, string | undefined>;
  let dockerConfig: string;
  let runtimeAuth: string;
  let configHomeAuth: string;

  function writeJson(path: string, value: unknown): void {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(value, null, 2));
  }
  const auth = (user: string, pass: string) => ({ auth: b64(`${user}:${pass}`) });

  /** A SecretStorage stand-in that records which hosts it was asked about. */
  class RecordingStore implements CredentialStore {
    readonly asked: string[] = [];
    constructor(private readonly entries: Record<string, Credential>) {}
    async get(host: string): Promise<Credential | undefined> {
      this.asked.push(host);
      return this.entries[host];
    }
  }

  const resolver = (extra: Partial<ConstructorParameters<typeof CredentialResolver>[0]> = {}) =>
    new CredentialResolver({ env, homedir: home, uid: 4242, platform: 'linux', helperTimeoutMs: 2000, ...extra });

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'credentials-test-'));
    home = join(base, 'home');
    mkdirSync(home);
    env = { XDG_RUNTIME_DIR: join(base, 'run'), XDG_CONFIG_HOME: join(base, 'cfg'), PATH: process.env.PATH };
    dockerConfig = join(home, '.docker', 'config.json');
    runtimeAuth = join(base, 'run', 'containers', 'auth.json');
    configHomeAuth = join(base, 'cfg', 'containers', 'auth.json');
    writeJson(dockerConfig, { auths: { 'a.test': auth('docker-a', 'docker-secret'), 'b.test': auth('docker-b', 'docker-secret') } });
    writeJson(runtimeAuth, {
      auths: {
        'a.test': auth('run-a', 'runtime-secret'),
        'b.test': auth('run-b', 'runtime-secret'),
        'c.test': auth('run-c', 'runtime-secret'),
        'd.test': auth('run-d', 'runtime-secret'),
      },
    });
    writeJson(configHomeAuth, { auths: { 'd.test': auth('cfg-d', 'confighome-secret'), 'e.test': auth('cfg-e', 'confighome-secret') } });
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('asks SecretStorage, then Docker config.json, then containers auth files', async () => {
    const store = new RecordingStore({ 'a.test': { username: 'vault-a', password: 'vault-secret', source: 'secret-storage' } });
    const r = resolver({ secretStore: store });
    assert.deepEqual(await r.get('a.test'), { username: 'vault-a', password: 'vault-secret', source: 'secret-storage' });
    assert.deepEqual(await r.get('b.test'), { username: 'docker-b', password: 'docker-secret', source: dockerConfig });
    assert.deepEqual(await r.get('c.test'), { username: 'run-c', password: 'runtime-secret', source: runtimeAuth });
    assert.equal((await r.get('d.test'))?.username, 'run-d', 'XDG_RUNTIME_DIR before XDG_CONFIG_HOME');
    assert.equal((await r.get('e.test'))?.username, 'cfg-e');
    assert.equal(await r.get('nothing.test'), undefined);
    assert.deepEqual(r.podmanAuthFiles, [runtimeAuth, configHomeAuth]);
  });

  it("goes on with Docker's and Podman's logins when the application's store fails (no keyring)", async () => {
    const failing: CredentialStore = { get: () => Promise.reject(new Error('no keyring is available')) };
    const r = resolver({ secretStore: failing });
    assert.deepEqual(await r.get('b.test'), { username: 'docker-b', password: 'docker-secret', source: dockerConfig });
    assert.equal((await r.get('c.test'))?.username, 'run-c');
  });

  it('skips unusable entries and falls through to the next source', async () => {
    writeJson(dockerConfig, { auths: { 'c.test': {}, 'f.test': { username: 'only-a-name' } } });
    const store = new RecordingStore({ 'c.test': { username: 'no-password', source: 'secret-storage' } });
    assert.equal((await resolver({ secretStore: store }).get('c.test'))?.username, 'run-c');
    assert.equal(await resolver().get('f.test'), undefined);
  });

  it('uses $REGISTRY_AUTH_FILE (or the settings path) exclusively among auth files', async () => {
    const explicit = join(base, 'explicit.json');
    writeJson(explicit, { auths: { 'e.test': auth('explicit-e', 'explicit-secret') } });
    env.REGISTRY_AUTH_FILE = explicit;
    let r = resolver();
    assert.equal((await r.get('e.test'))?.username, 'explicit-e');
    assert.equal(await r.get('c.test'), undefined, 'the runtime auth.json is not read');
    assert.equal((await r.get('b.test'))?.username, 'docker-b', 'Docker config.json is still its own step');
    delete env.REGISTRY_AUTH_FILE;
    r = resolver({ podmanAuthPath: explicit });
    assert.equal((await r.get('e.test'))?.username, 'explicit-e');
    assert.equal(await r.get('c.test'), undefined);
  });

  it('follows $DOCKER_CONFIG and an explicit Docker config path', async () => {
    const other = join(base, 'dc', 'config.json');
    writeJson(other, { auths: { 'z.test': auth('dc-z', 'docker-secret') } });
    env.DOCKER_CONFIG = dirname(other);
    assert.equal((await resolver().get('z.test'))?.source, other);
    delete env.DOCKER_CONFIG;
    assert.equal((await resolver({ dockerConfigPath: other }).get('z.test'))?.username, 'dc-z');
    await assert.rejects(resolver({ dockerConfigPath: join(base, 'missing.json') }).get('z.test'), (e: unknown) => {
      assert.equal((e as { code?: string }).code, 'AUTH_FILE_MISSING');
      assert.match((e as Error).message, /missing\.json named in the settings does not exist/);
      return true;
    });
  });

  it("never gives a mirror the upstream registry's credential", async () => {
    writeJson(dockerConfig, {
      auths: { 'https://index.docker.io/v1/': auth('hubuser', 'hub-secret'), 'upstream.test': auth('up', 'upstream-secret') },
    });
    writeJson(runtimeAuth, { auths: { 'docker.io/library': auth('lib', 'hub-secret') } });
    const store = new RecordingStore({ 'upstream.test': { username: 'vault-up', password: 'vault-secret', source: 'secret-storage' } });
    const r = resolver({ secretStore: store });
    assert.equal(await r.get('mirror.gcr.io', 'library/nginx'), undefined);
    assert.equal(await r.get('mirror.upstream.test', 'team/app'), undefined);
    assert.deepEqual(store.asked, ['mirror.gcr.io', 'mirror.upstream.test'], 'the store is only asked about the contacted host');
    assert.equal((await r.get('registry-1.docker.io', 'library/nginx'))?.username, 'hubuser');
    assert.equal((await r.get('docker.io'))?.username, 'hubuser');
    assert.equal((await r.get('upstream.test'))?.username, 'vault-up');
  });

  it('caches files until their mtime or size changes', async () => {
    const stamp = Math.floor(Date.now() / 1000) - 100; // whole seconds survive utimes exactly
    utimesSync(dockerConfig, stamp, stamp);
    const r = resolver();
    assert.equal((await r.get('b.test'))?.username, 'docker-b');
    const sizeBefore = statSync(dockerConfig).size;
    // Same size, same mtime (the inode is kept by an in-place rewrite): the cached parse is used.
    writeFileSync(
      dockerConfig,
      JSON.stringify({ auths: { 'a.test': auth('docker-a', 'docker-secret'), 'b.test': auth('docker-X', 'docker-secret') } }, null, 2),
    );
    utimesSync(dockerConfig, stamp, stamp);
    assert.equal(statSync(dockerConfig).size, sizeBefore);
    assert.equal((await r.get('b.test'))?.username, 'docker-b');
    // A new mtime: re-read.
    utimesSync(dockerConfig, stamp + 5, stamp + 5);
    assert.equal((await r.get('b.test'))?.username, 'docker-X');
    r.clearCache();
    assert.equal((await r.get('b.test'))?.username, 'docker-X');
    // A removed file is forgotten.
    rmSync(dockerConfig);
    assert.equal((await r.get('b.test'))?.username, 'run-b');
  });

  it('uses credential helpers from config.json with the helper named in the source', async () => {
    const bin = join(base, 'bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'docker-credential-labtest'),
      '#!/bin/sh\ninput=$(cat)\nprintf \'{"ServerURL":"%s","Username":"helper-user","Secret":"helper-secret"}\' "$input"\n',
    );
    chmodSync(join(bin, 'docker-credential-labtest'), 0o755);
    env.PATH = `${bin}${delimiter}${process.env.PATH ?? ''}`;
    writeJson(dockerConfig, { auths: { 'ghcr.io': {} }, credHelpers: { 'ghcr.io': 'labtest' } });
    assert.deepEqual(await resolver().get('ghcr.io'), {
      username: 'helper-user',
      password: 'helper-secret',
      source: `${dockerConfig} (credHelpers: labtest)`,
    });
    assert.equal((await resolver().get('c.test'))?.username, 'run-c', 'hosts without a helper still use the files');
  });

  it('surfaces a broken file without its content', async () => {
    writeFileSync(dockerConfig, `{"auths": {"b.test": {"auth": "${b64('u:broken-secret')}"} broken-secret }`);
    await assert.rejects(resolver().get('b.test'), (e: unknown) => {
      assert.equal((e as { code?: string }).code, 'AUTH_FILE_SYNTAX');
      assert.ok((e as Error).message.includes(dockerConfig));
      assertNoSecret(e);
      return true;
    });
    writeJson(dockerConfig, { credsStore: 'nosuchhelper-for-test' });
    await assert.rejects(resolver().get('b.test'), (e: unknown) => {
      assert.equal((e as { code?: string }).code, 'CREDENTIAL_HELPER_NOT_FOUND');
      assert.ok((e as Error).message.includes(`remove credsStore from ${dockerConfig}`));
      assertNoSecret(e);
      return true;
    });
    writeJson(dockerConfig, { auths: { 'b.test': { auth: b64('no-colon-broken-secret') } } });
    await assert.rejects(resolver().get('b.test'), (e: unknown) => {
      assert.equal((e as { code?: string }).code, 'AUTH_FILE_INVALID');
      assertNoSecret(e);
      return true;
    });
  });

  it("takes the store's credential only when it can authenticate, naming the store when it does not name itself", async () => {
    const store = new RecordingStore({
      'a.test': { identityToken: 'vault-secret', source: '' },
      'b.test': { registryToken: 'vault-secret', source: 'my vault' },
      'c.test': { password: 'vault-secret', source: 's' },
    });
    const r = resolver({ secretStore: store });
    assert.deepEqual(await r.get('a.test'), { identityToken: 'vault-secret', source: 'secret-storage' });
    assert.deepEqual(await r.get('b.test'), { registryToken: 'vault-secret', source: 'my vault' });
    assert.equal((await r.get('c.test'))?.username, 'run-c', 'a password without a user name is not usable');
  });

  it('reads Docker config.json once when the auth-file search also names it, and Podman files after it', async () => {
    env.DOCKER_CONFIG = join(base, 'run', 'containers');
    writeJson(join(base, 'run', 'containers', 'config.json'), { auths: {} });
    const r = resolver();
    assert.deepEqual(r.podmanAuthFiles, [runtimeAuth, configHomeAuth]);
    env.DOCKER_CONFIG = dirname(configHomeAuth);
    assert.equal(r.dockerConfigFile, join(dirname(configHomeAuth), 'config.json'));
    env.REGISTRY_AUTH_FILE = dockerConfig;
    delete env.DOCKER_CONFIG;
    assert.deepEqual(
      resolver().podmanAuthFiles,
      [],
      'an explicit auth file that is Docker config.json is read once, as Docker config.json',
    );
  });

  it('says when a file cannot be read or is not a file, naming it and what it is', async () => {
    rmSync(dockerConfig);
    mkdirSync(dockerConfig);
    await assert.rejects(resolver().get('b.test'), (e: unknown) => {
      assert.equal((e as { code?: string }).code, 'AUTH_FILE_UNREADABLE');
      assert.equal(
        (e as Error).message,
        `The Docker config file ${dockerConfig} is not a regular file; point the setting or variable at a JSON file.`,
      );
      assert.equal((e as { file?: string }).file, dockerConfig);
      return true;
    });
    rmSync(dockerConfig, { recursive: true });
    rmSync(runtimeAuth);
    mkdirSync(runtimeAuth);
    await assert.rejects(resolver().get('b.test'), (e: unknown) => {
      assert.equal(
        (e as Error).message,
        `The containers auth file ${runtimeAuth} is not a regular file; point the setting or variable at a JSON file.`,
      );
      return true;
    });
    rmSync(runtimeAuth, { recursive: true });
    // A path through a file (ENOTDIR) is a missing file, like ENOENT.
    assert.equal(await resolver({ podmanAuthPath: join(configHomeAuth, 'x.json') }).get('e.test'), undefined);
    if (process.getuid?.() !== 0) {
      const locked = join(base, 'locked');
      mkdirSync(locked);
      writeJson(join(locked, 'auth.json'), {});
      chmodSync(locked, 0o000);
      try {
        await assert.rejects(resolver({ podmanAuthPath: join(locked, 'auth.json') }).get('e.test'), (e: unknown) => {
          assert.equal((e as { code?: string }).code, 'AUTH_FILE_UNREADABLE');
          assert.equal(
            (e as Error).message,
            `The containers auth file ${join(locked, 'auth.json')} cannot be read (EACCES); check its permissions.`,
          );
          return true;
        });
      } finally {
        chmodSync(locked, 0o700);
      }
    }
  });

  it('re-reads a file replaced by another of the same size and time, and forgets one that became empty of entries', async () => {
    const stamp = Math.floor(Date.now() / 1000) - 100;
    utimesSync(dockerConfig, stamp, stamp);
    const r = resolver();
    assert.equal((await r.get('b.test'))?.username, 'docker-b');
    // A new file renamed over the old one (a new inode), same size and mtime: re-read.
    const next = `${dockerConfig}.new`;
    writeFileSync(
      next,
      JSON.stringify({ auths: { 'a.test': auth('docker-a', 'docker-secret'), 'b.test': auth('docker-Y', 'docker-secret') } }, null, 2),
    );
    utimesSync(next, stamp, stamp);
    renameSync(next, dockerConfig);
    assert.equal((await r.get('b.test'))?.username, 'docker-Y');
    // Same mtime, another size: re-read.
    writeFileSync(dockerConfig, JSON.stringify({ auths: { 'b.test': auth('docker-Zed', 'docker-secret') } }));
    utimesSync(dockerConfig, stamp, stamp);
    assert.equal((await r.get('b.test'))?.username, 'docker-Zed');
  });

  it("asks credsStore's helper to list its registries only when told to, with Docker Hub as docker.io", async () => {
    const bin = join(base, 'bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'docker-credential-labtest'),
      '#!/bin/sh\n[ "$1" = list ] || exit 1\nprintf \'{"https://index.docker.io/v1/":"hub","listed.test:5000":"u","":"none"}\'\n',
    );
    chmodSync(join(bin, 'docker-credential-labtest'), 0o755);
    env.PATH = `${bin}${delimiter}${process.env.PATH ?? ''}`;
    writeJson(dockerConfig, { auths: { 'a.test': {} }, credsStore: 'labtest' });
    writeJson(runtimeAuth, {});
    writeJson(configHomeAuth, {});
    assert.deepEqual(await resolver().discoveredRegistries(), ['a.test']);
    assert.deepEqual(await resolver().discoveredRegistries({ listHelpers: true }), ['a.test', 'docker.io', 'listed.test:5000']);
    writeJson(dockerConfig, { credsStore: 'nosuchhelper-for-test' });
    await assert.rejects(resolver().discoveredRegistries({ listHelpers: true }), (e: unknown) => {
      assert.equal(
        (e as Error).message,
        `docker-credential-nosuchhelper-for-test is not on PATH: install it or remove credsStore from ${dockerConfig}.`,
      );
      return true;
    });
    rmSync(dockerConfig);
    assert.deepEqual(await resolver().discoveredRegistries({ listHelpers: true }), []);
  });

  it("gives a helper the configured time limit, for a get and for credsStore's list", async () => {
    const bin = join(base, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'docker-credential-slow'), '#!/bin/sh\nexec /bin/sleep 5\n');
    chmodSync(join(bin, 'docker-credential-slow'), 0o755);
    env.PATH = bin;
    writeJson(dockerConfig, { credsStore: 'slow' });
    const limited = resolver({ helperTimeoutMs: 250 });
    for (const attempt of [() => limited.get('a.test'), () => limited.discoveredRegistries({ listHelpers: true })]) {
      await assert.rejects(attempt(), (e: unknown) => {
        assert.equal((e as CoreError).code, 'CREDENTIAL_HELPER_TIMEOUT');
        assert.match((e as Error).message, /did not answer within 0\.25 s/);
        return true;
      });
    }
  });

  it('says a file that cannot be stat-ed for another reason than its absence (a symlink loop), with the file', async () => {
    const loop = join(base, 'loop.json');
    symlinkSync(loop, loop);
    await assert.rejects(resolver({ podmanAuthPath: loop }).get('e.test'), (e: unknown) => {
      assert.equal((e as { code?: string }).code, 'AUTH_FILE_UNREADABLE');
      assert.equal((e as Error).message, `The containers auth file ${loop} cannot be read (ELOOP); check its permissions.`);
      assert.equal((e as { file?: string }).file, loop);
      return true;
    });
    await assert.rejects(
      resolver({ dockerConfigPath: join(base, 'missing.json') }).get('z.test'),
      (e: unknown) => (e as { file?: string }).file === join(base, 'missing.json'),
    );
  });

  it('reads a file again after clearCache() even when nothing about it changed, and lists without a missing auth file', async () => {
    const stamp = Math.floor(Date.now() / 1000) - 100;
    utimesSync(dockerConfig, stamp, stamp);
    const r = resolver();
    assert.equal((await r.get('b.test'))?.username, 'docker-b');
    writeFileSync(
      dockerConfig,
      JSON.stringify({ auths: { 'a.test': auth('docker-a', 'docker-secret'), 'b.test': auth('docker-Q', 'docker-secret') } }, null, 2),
    );
    utimesSync(dockerConfig, stamp, stamp);
    assert.equal((await r.get('b.test'))?.username, 'docker-b');
    r.clearCache();
    assert.equal((await r.get('b.test'))?.username, 'docker-Q');
    rmSync(runtimeAuth);
    assert.deepEqual(await r.discoveredRegistries(), ['a.test', 'b.test', 'd.test', 'e.test']);
  });

  it('lists the registries the user is logged in to', async () => {
    writeJson(dockerConfig, { auths: { 'https://index.docker.io/v1/': {}, 'a.test': {} }, credHelpers: { 'ecr.test': 'ecr' } });
    writeJson(runtimeAuth, { auths: { 'quay.io/org/repo': {}, 'a.test': {} } });
    assert.deepEqual(await resolver().discoveredRegistries(), ['docker.io', 'a.test', 'ecr.test', 'quay.io', 'd.test', 'e.test']);
  });
});
