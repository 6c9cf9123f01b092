// Podman's short names: the files read in the order containers-registries.conf.d(5) gives, and
// each short name read as containers-registries.conf(5) says (an alias, recorded aliases first,
// else the only search registry). The files are real, in a temporary system folder and home.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readShortNameTable, shortNameTable } from '../../../../src/core/hosts/short-name-config';
import { isShortName, readShortName } from '../../../../src/core/name/short-names';

interface Machine {
  systemDir: string;
  systemCacheDir: string;
  homedir: string;
  write(path: string, text: string): string;
}

function machine(): Machine {
  const root = mkdtempSync(join(tmpdir(), 'short-names-'));
  const write = (path: string, text: string): string => {
    const full = join(root, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, text);
    return full;
  };
  return {
    systemDir: join(root, 'etc/containers'),
    systemCacheDir: join(root, 'var/cache/containers'),
    homedir: join(root, 'home'),
    write,
  };
}

async function tableOf(m: Machine, env: Record<string, string | undefined> = {}, uid = 1000) {
  return readShortNameTable({ env, homedir: m.homedir, uid, systemDir: m.systemDir, systemCacheDir: m.systemCacheDir });
}

const reading = (table: Awaited<ReturnType<typeof tableOf>>, name: string) => {
  const found = readShortName(table, name);
  return found && `${found.name} (${found.by})`;
};

describe('short names as Podman reads them', () => {
  it('reads the system file, then its drop-ins in name order, then the user drop-ins, later ones winning', async () => {
    const m = machine();
    m.write(
      'etc/containers/registries.conf',
      'unqualified-search-registries = ["quay.io"]\n[aliases]\n"fedora" = "registry.example.org/fedora"\n',
    );
    const shipped = m.write(
      'etc/containers/registries.conf.d/000-shortnames.conf',
      '[aliases]\n"fedora" = "registry.fedoraproject.org/fedora"\n"centos" = "quay.io/centos/centos"\n"ubi9" = "registry.access.redhat.com/ubi9"\n',
    );
    m.write('etc/containers/registries.conf.d/010-site.conf', '[aliases]\n"ubi9" = ""\n');
    m.write('etc/containers/registries.conf.d/notes.txt', '[aliases]\n"centos" = "example.org/not/read"\n');
    const user = m.write('home/.config/containers/registries.conf.d/50-mine.conf', '[aliases]\n"tools" = "ghcr.io/acme/tools"\n');
    const table = await tableOf(m);
    assert.deepEqual(readShortName(table, 'fedora'), { name: 'registry.fedoraproject.org/fedora', by: 'alias', source: shipped });
    assert.equal(reading(table, 'centos'), 'quay.io/centos/centos (alias)', 'a file without .conf is not read');
    assert.equal(reading(table, 'tools'), 'ghcr.io/acme/tools (alias)');
    assert.equal(readShortName(table, 'tools')?.source, user);
    // Erased by "" in a later drop-in: the only search registry reads it.
    assert.equal(reading(table, 'ubi9'), 'quay.io/ubi9 (search)');
  });

  it('reads the user main file instead of the system one, and then only the user drop-ins', async () => {
    const m = machine();
    m.write('etc/containers/registries.conf', '[aliases]\n"fedora" = "registry.example.org/fedora"\n');
    m.write('etc/containers/registries.conf.d/000-shortnames.conf', '[aliases]\n"centos" = "quay.io/centos/centos"\n');
    m.write('home/.config/containers/registries.conf', 'unqualified-search-registries = ["docker.io"]\n');
    const table = await tableOf(m);
    // Docker Hub's one-component names are under library/, for Podman as for Docker.
    assert.equal(reading(table, 'fedora'), 'docker.io/library/fedora (search)');
    assert.equal(reading(table, 'centos'), 'docker.io/library/centos (search)');
    assert.equal(reading(table, 'bitnami/redis'), 'docker.io/bitnami/redis (search)');
    // XDG_CONFIG_HOME moves the user's folder.
    const moved = await tableOf(m, { XDG_CONFIG_HOME: join(m.homedir, 'elsewhere') });
    assert.equal(reading(moved, 'fedora'), 'registry.example.org/fedora (alias)');
  });

  it('reads CONTAINERS_REGISTRIES_CONF as the main file, with the drop-ins', async () => {
    const m = machine();
    m.write('etc/containers/registries.conf', '[aliases]\n"fedora" = "registry.example.org/fedora"\n');
    m.write('home/.config/containers/registries.conf', '[aliases]\n"fedora" = "user.example.org/fedora"\n');
    m.write('etc/containers/registries.conf.d/000-shortnames.conf', '[aliases]\n"centos" = "quay.io/centos/centos"\n');
    const chosen = m.write('chosen.conf', '[aliases]\n"fedora" = "chosen.example.org/fedora"\n');
    const table = await tableOf(m, { CONTAINERS_REGISTRIES_CONF: chosen });
    assert.equal(reading(table, 'fedora'), 'chosen.example.org/fedora (alias)');
    assert.equal(reading(table, 'centos'), 'quay.io/centos/centos (alias)');
  });

  it('puts the aliases the engine recorded after a prompt over the configured ones (root and rootless)', async () => {
    const m = machine();
    m.write('etc/containers/registries.conf', '[aliases]\n"nginx" = "docker.io/library/nginx"\n"redis" = "docker.io/library/redis"\n');
    m.write('var/cache/containers/short-name-aliases.conf', '[aliases]\n"nginx" = "quay.io/root/nginx"\n');
    m.write('home/.cache/containers/short-name-aliases.conf', '[aliases]\n"nginx" = "quay.io/user/nginx"\n');
    assert.equal(reading(await tableOf(m, {}, 0), 'nginx'), 'quay.io/root/nginx (alias)');
    assert.equal(reading(await tableOf(m, {}, 1000), 'nginx'), 'quay.io/user/nginx (alias)');
    assert.equal(reading(await tableOf(m, {}, 1000), 'redis'), 'docker.io/library/redis (alias)');
  });

  it('decides nothing with several search registries or none, and passes over what the format does not allow', async () => {
    const m = machine();
    m.write(
      'etc/containers/registries.conf',
      [
        'unqualified-search-registries = ["registry.fedoraproject.org", "docker.io"]',
        '[aliases]',
        '"tagged" = "quay.io/acme/tagged:1"',
        '"pinned" = "quay.io/acme/pinned@sha256:' + '0'.repeat(64) + '"',
        '"unqualified" = "acme/unqualified"',
        '"quay.io/named" = "quay.io/acme/named"',
        '"number" = 5',
        '"good" = "localhost:5000/acme/good"',
      ].join('\n'),
    );
    m.write('etc/containers/registries.conf.d/broken.conf', '[aliases\n"good" = "example.org/broken"');
    const table = await tableOf(m);
    for (const name of ['tagged', 'pinned', 'unqualified', 'number', 'nginx']) assert.equal(reading(table, name), undefined, name);
    assert.equal(reading(table, 'good'), 'localhost:5000/acme/good (alias)', 'a file that does not parse is passed over');
    const none = shortNameTable([{ path: '/r.conf', text: 'unqualified-search-registries = []\n' }]);
    assert.equal(reading(none, 'nginx'), undefined);
    assert.deepEqual(await tableOf(machine()), { aliases: new Map() }, 'no files: nothing known');
  });

  it('reads only short names: a registry host, localhost, a tag or a digest makes a name no alias key', () => {
    const table = shortNameTable([{ path: '/r.conf', text: 'unqualified-search-registries = ["quay.io"]\n' }]);
    for (const name of ['quay.io/acme/app', 'localhost/app', 'localhost:5000/app', 'registry:5000/app', '[::1]:5000/app'])
      assert.equal(readShortName(table, name), undefined, name);
    for (const name of ['app', 'acme/app', 'library/alpine']) assert.ok(isShortName(name), name);
    for (const name of ['app:1', 'app@sha256:' + '0'.repeat(64), '', 'App']) assert.equal(isShortName(name), false, name);
  });
});
