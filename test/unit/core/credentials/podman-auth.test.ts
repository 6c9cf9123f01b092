import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parseDockerConfig } from '../../../../src/core/credentials/docker-config';
import { getPodmanCredential, podmanAuthFilePaths } from '../../../../src/core/credentials/podman-auth';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

describe('config/podman-auth', () => {
  describe('search order', () => {
    it('uses $REGISTRY_AUTH_FILE exclusively', () => {
      assert.deepEqual(
        podmanAuthFilePaths({
          env: { REGISTRY_AUTH_FILE: '/x/auth.json', XDG_RUNTIME_DIR: '/run/user/1000' },
          homedir: '/home/u',
          platform: 'linux',
        }),
        {
          paths: ['/x/auth.json'],
          exclusive: true,
        },
      );
    });

    it('lets a path from settings win over $REGISTRY_AUTH_FILE', () => {
      assert.deepEqual(
        podmanAuthFilePaths({ env: { REGISTRY_AUTH_FILE: '/x/auth.json' }, homedir: '/home/u', explicitPath: '/settings/auth.json' }).paths,
        ['/settings/auth.json'],
      );
    });

    it('reads XDG_RUNTIME_DIR, then XDG_CONFIG_HOME, then Docker config.json', () => {
      assert.deepEqual(
        podmanAuthFilePaths({
          env: { XDG_RUNTIME_DIR: '/run/user/1000', XDG_CONFIG_HOME: '/cfg', DOCKER_CONFIG: '/dc' },
          homedir: '/home/u',
          platform: 'linux',
        }),
        { paths: ['/run/user/1000/containers/auth.json', '/cfg/containers/auth.json', '/dc/config.json'], exclusive: false },
      );
    });

    it('falls back to /run/containers/$UID and ~/.config without XDG variables', () => {
      assert.deepEqual(podmanAuthFilePaths({ env: {}, homedir: '/home/u', uid: 1234, platform: 'linux' }).paths, [
        '/run/containers/1234/auth.json',
        '/home/u/.config/containers/auth.json',
        '/home/u/.docker/config.json',
      ]);
    });

    it('uses ~/.config/containers/auth.json as the primary file on macOS', () => {
      assert.deepEqual(podmanAuthFilePaths({ env: { XDG_RUNTIME_DIR: '/tmp/run' }, homedir: '/Users/u', platform: 'darwin' }).paths, [
        '/Users/u/.config/containers/auth.json',
        '/Users/u/.docker/config.json',
      ]);
    });

    it('uses the Windows home too, skips the runtime file without a uid, and names each file once', () => {
      assert.deepEqual(podmanAuthFilePaths({ env: {}, homedir: 'C:\\u', platform: 'win32' }).paths, [
        join('C:\\u', '.config', 'containers', 'auth.json'),
        join('C:\\u', '.docker', 'config.json'),
      ]);
      const noUid = podmanAuthFilePaths({ env: { XDG_CONFIG_HOME: '' }, homedir: '/home/u', platform: 'linux', uid: undefined });
      if (process.getuid === undefined)
        assert.deepEqual(noUid.paths, ['/home/u/.config/containers/auth.json', '/home/u/.docker/config.json']);
      else assert.equal(noUid.paths[0], `/run/containers/${process.getuid()}/auth.json`);
      assert.deepEqual(
        podmanAuthFilePaths({
          env: { XDG_CONFIG_HOME: '/cfg', DOCKER_CONFIG: '/cfg/containers', REGISTRY_AUTH_FILE: '' },
          homedir: '/h',
          uid: 0,
          platform: 'linux',
        }),
        { paths: ['/run/containers/0/auth.json', '/cfg/containers/auth.json', '/cfg/containers/config.json'], exclusive: false },
      );
      assert.deepEqual(podmanAuthFilePaths({ env: { XDG_CONFIG_HOME: '/cfg' }, homedir: '/Users/u', platform: 'darwin' }).paths, [
        '/Users/u/.config/containers/auth.json',
        '/cfg/containers/auth.json',
        '/Users/u/.docker/config.json',
      ]);
      const same = podmanAuthFilePaths({ env: { XDG_RUNTIME_DIR: '/r', XDG_CONFIG_HOME: '/r' }, homedir: '/h', platform: 'linux' });
      assert.deepEqual(same.paths, ['/r/containers/auth.json', '/h/.docker/config.json']);
    });
  });

  describe('what an auth file gives', () => {
    it('names a file-wide key by the file alone, takes no unusable entry, and says which file a bad entry is in', async () => {
      const file = parseDockerConfig(
        JSON.stringify({
          auths: { 'reg.test': { auth: b64('u:p') }, 'half.test': { username: 'u' }, 'bad.test': { auth: '!!' } },
        }),
        '/a.json',
      );
      assert.deepEqual(await getPodmanCredential(file, 'reg.test'), { username: 'u', password: 'p', source: '/a.json' });
      assert.equal(await getPodmanCredential(file, 'half.test'), undefined);
      await assert.rejects(getPodmanCredential(file, 'bad.test'), /in the containers auth file \/a\.json is not base64/);
    });
  });

  describe('repository keys', () => {
    const file = parseDockerConfig(
      JSON.stringify({
        auths: {
          'quay.io': { auth: b64('registry-user:r') },
          'quay.io/org': { auth: b64('org-user:o') },
          'quay.io/org/repo': { auth: b64('repo-user:p') },
          'quay.io/organisation': { auth: b64('other-org-user:x') },
          'docker.io/library': { auth: b64('library-user:l') },
          'mirror.test/org/repo': { auth: b64('mirror-repo-user:m') },
        },
      }),
      '/run/containers/auth.json',
    );
    const user = async (host: string, repository?: string) => (await getPodmanCredential(file, host, repository))?.username;

    it('takes the most specific key first', async () => {
      assert.equal(await user('quay.io', 'org/repo'), 'repo-user');
      assert.equal(await user('quay.io', 'org/repo/sub'), 'repo-user');
      assert.equal(await user('quay.io', 'org/other'), 'org-user');
      assert.equal(await user('quay.io', 'someone/else'), 'registry-user');
      assert.equal(await user('quay.io'), 'registry-user');
    });

    it('matches whole path segments only', async () => {
      assert.equal(await user('quay.io', 'org2/repo'), 'registry-user');
      assert.equal(await user('quay.io', 'organisation/x'), 'other-org-user');
    });

    it('names the matching key in the source', async () => {
      assert.equal((await getPodmanCredential(file, 'quay.io', 'org/repo'))?.source, '/run/containers/auth.json (quay.io/org/repo)');
      assert.equal((await getPodmanCredential(file, 'quay.io'))?.source, '/run/containers/auth.json');
    });

    it('treats Docker Hub aliases as docker.io', async () => {
      assert.equal(await user('registry-1.docker.io', 'library/nginx'), 'library-user');
      assert.equal(await user('registry-1.docker.io', 'someone/app'), undefined);
    });

    it('gives a host only its own keys', async () => {
      assert.equal(await user('mirror.test', 'org/other'), undefined);
      assert.equal(await user('mirror.test', 'org/repo'), 'mirror-repo-user');
      assert.equal(await user('quay.io.mirror.test', 'org/repo'), undefined);
    });
  });

  it('honours per-registry credHelpers in auth files, asking about the registry name', async () => {
    const base = mkdtempSync(join(tmpdir(), 'podman-auth-test-'));
    try {
      const bin = join(base, 'bin');
      mkdirSync(bin);
      writeFileSync(
        join(bin, 'docker-credential-labtest'),
        '#!/bin/sh\ninput=$(cat)\nprintf \'%s\' "$input" > "$LAB_DIR/asked"\nprintf \'{"ServerURL":"%s","Username":"helper-user","Secret":"s"}\' "$input"\n',
      );
      chmodSync(join(bin, 'docker-credential-labtest'), 0o755);
      const env = { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, LAB_DIR: base };
      const file = parseDockerConfig(
        JSON.stringify({ credHelpers: { 'docker.io': 'labtest' }, credsStore: 'ignored-by-containers' }),
        '/a.json',
      );
      const found = await getPodmanCredential(file, 'registry-1.docker.io', 'library/x', { env });
      assert.deepEqual(found, { username: 'helper-user', password: 's', source: '/a.json (credHelpers: labtest)' });
      assert.equal(readFileSync(join(base, 'asked'), 'utf8'), 'docker.io');
      assert.equal(await getPodmanCredential(file, 'quay.io', undefined, { env }), undefined, 'credsStore is not used for auth.json');
      writeFileSync(join(bin, 'docker-credential-labtest'), '#!/bin/sh\necho "credentials not found in native keychain"\nexit 1\n');
      const both = parseDockerConfig(
        JSON.stringify({ credHelpers: { 'q.test': 'labtest' }, auths: { 'q.test': { auth: b64('file-user:f') } } }),
        '/b.json',
      );
      assert.equal(
        (await getPodmanCredential(both, 'q.test', undefined, { env }))?.username,
        'file-user',
        'a helper with nothing leaves the auths entry',
      );
      // podman login registry.test:443 keeps the login in the helper under that spelling.
      writeFileSync(
        join(bin, 'docker-credential-labtest'),
        '#!/bin/sh\ninput=$(cat)\nprintf \'%s\\n\' "$input" >> "$LAB_DIR/asked-443"\nif [ "$input" = "registry.test:443" ]; then printf \'{"ServerURL":"%s","Username":"saved-user","Secret":"s"}\' "$input"; exit 0; fi\necho "credentials not found in native keychain"; exit 1\n',
      );
      const spelled = parseDockerConfig(JSON.stringify({ credHelpers: { 'registry.test:443': 'labtest' } }), '/c.json');
      assert.equal((await getPodmanCredential(spelled, 'registry.test', undefined, { env }))?.username, 'saved-user');
      assert.equal(readFileSync(join(base, 'asked-443'), 'utf8'), 'registry.test\nregistry.test:443\n');
      const missing = parseDockerConfig(JSON.stringify({ credHelpers: { 'https://q.test': 'nosuchhelper' } }), '/b.json');
      await assert.rejects(
        getPodmanCredential(missing, 'q.test', undefined, { env: { PATH: '' } }),
        /^CoreError: docker-credential-nosuchhelper is not on PATH: install it or remove credHelpers\["https:\/\/q\.test"\] from \/b\.json\.$/,
      );
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
