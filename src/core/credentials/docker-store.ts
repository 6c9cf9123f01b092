/**
 * Saving and removing a login where `docker` finds it (podman reads Docker's file too), the way
 * `docker login` / `docker logout` do: a credential helper named by `credHelpers[host]` or
 * `credsStore` gets it (the file then keeps an empty `auths` entry as the marker docker writes);
 * otherwise `auths[key] = { auth: base64(user:password) }` goes into config.json itself.
 *
 * The file is parsed, changed in `auths` only and written back whole with tab indentation (as
 * docker writes it), through a temp file beside it and a rename. A file that does not parse is
 * never written. Secrets never appear in an error message.
 */
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, open, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { helperErase, helperStore, type HelperOptions } from './credential-helper';
import {
  chooseDockerStore,
  helperGetAny,
  isUsableCredential,
  keySpellings,
  parseConfigKey,
  parseDockerConfig,
  readConfigText,
  type DockerConfigFile,
} from './docker-config';
import { dockerLoginKey } from '../name/docker-hub';
import { ConfigFileError } from '../errors';

export interface DockerLogin {
  username: string;
  password: string;
}

/** Where a login was (or is) kept, for a confirmation that names it. */
export interface DockerStoreLocation {
  kind: 'file' | 'helper';
  /** The config.json that was read (and, for `file`, written). */
  file: string;
  /** The helper's name (`pass` for `docker-credential-pass`) and the setting naming it, for `helper`. */
  helper?: string;
  setting?: string;
  /** E.g. `/home/me/.docker/config.json` or `docker-credential-pass (credsStore in /home/me/.docker/config.json)`. */
  description: string;
}

export type DockerStoreOptions = Omit<HelperOptions, 'configuredBy'>;

const WRITE_ADVICE = 'Nothing was written to it: fix the file, then log in again (or do not save the login there).';

/** Saves a login for `host` in Docker's store chosen by the config file at `configPath`. */
export async function saveDockerLogin(
  configPath: string,
  host: string,
  login: DockerLogin,
  options: DockerStoreOptions = {},
): Promise<DockerStoreLocation> {
  const current = await readForWrite(configPath);
  const key = dockerLoginKey(host);
  const where = locate(current?.parsed, configPath, host);
  if (where.kind === 'helper' && current) {
    await helperStore(
      where.helper!,
      { ServerURL: dockerLoginKey(host), Username: login.username, Secret: login.password },
      helperOptions(options, where),
    );
    // docker's marker: the host is logged in, the secret is in the helper (replaces any plain-text entry).
    await writeAuths(configPath, current, (auths) => (auths[key] = {}));
    return where;
  }
  const auth = Buffer.from(`${login.username}:${login.password}`, 'utf8').toString('base64');
  await writeAuths(configPath, current, (auths) => (auths[key] = { auth }));
  return where;
}

/** Where a login for `host` would be saved, read from the config file; nothing is changed or run. */
export async function dockerStoreFor(configPath: string, host: string): Promise<DockerStoreLocation> {
  return locate((await readForWrite(configPath))?.parsed, configPath, host);
}

/**
 * Where Docker's store holds a login for `host`, or `undefined`: the helper's answer (when one is
 * configured) under any of the names sign-in asks it with, or an `auths` entry for the registry.
 */
export async function findDockerLogin(
  configPath: string,
  host: string,
  options: DockerStoreOptions = {},
): Promise<DockerStoreLocation | undefined> {
  const current = await readForWrite(configPath);
  if (!current) return undefined;
  const where = locate(current.parsed, configPath, host);
  if (logoutKeys(current, host).length > 0) return where;
  if (where.kind !== 'helper') return undefined;
  const fields = await helperGetAny(where.helper!, helperNames(current.parsed, host), helperOptions(options, where));
  return isUsableCredential(fields) ? where : undefined;
}

/**
 * Removes the login for `host` as `docker logout` does, under every spelling sign-in would use:
 * the helper's `erase` (when one is configured) for each name it is asked with, and the `auths`
 * entries that name the whole registry. Otherwise a login `docker login host:443` kept would still
 * sign in after Log Out. Repository keys (`host/team`) stay. `undefined` when nothing was there.
 */
export async function eraseDockerLogin(
  configPath: string,
  host: string,
  options: DockerStoreOptions = {},
): Promise<DockerStoreLocation | undefined> {
  const found = await findDockerLogin(configPath, host, options);
  if (!found) return undefined;
  const current = (await readForWrite(configPath))!;
  if (found.kind === 'helper') {
    for (const name of helperNames(current.parsed, host)) await helperErase(found.helper!, name, helperOptions(options, found));
  }
  const keys = logoutKeys(current, host);
  if (keys.length > 0) await writeAuths(configPath, current, (auths) => keys.forEach((k) => delete auths[k]));
  return found;
}

/**
 * The `auths` keys a log-out removes: those `docker logout` removes (the login key and, for other
 * registries, the host's old spellings), and any other key naming the same whole registry
 * (`host:443`, `https://host/v2/`), as sign-in reads those too.
 */
function logoutKeys(current: CurrentFile, host: string): string[] {
  const key = dockerLoginKey(host);
  const target = parseConfigKey(host).host;
  const dockerOwn = key === host ? [host, `http://${host}`, `https://${host}`] : [key];
  return Object.keys(authsOf(current.data)).filter((k) => {
    if (dockerOwn.includes(k)) return true;
    const named = parseConfigKey(k);
    return named.repository === undefined && named.host !== '' && named.host === target;
  });
}

/** The names a helper is asked with for `host`, as sign-in asks: the login key, then the file's spellings. */
function helperNames(parsed: DockerConfigFile, host: string): string[] {
  return [...new Set([dockerLoginKey(host), ...keySpellings(parsed, host)])];
}

interface CurrentFile {
  text: string;
  data: Record<string, unknown>;
  parsed: DockerConfigFile;
}

/** The file as text, raw data and parsed; `undefined` when missing. Throws, naming the file, when it does not parse. */
async function readForWrite(path: string): Promise<CurrentFile | undefined> {
  const text = await readConfigText(
    path,
    (code) =>
      new ConfigFileError(
        'DOCKER_CONFIG_UNREADABLE',
        `The Docker config file ${path} cannot be read (${code}); check its permissions, or do not save the login there.`,
        { file: path },
      ),
  );
  if (text === undefined) return undefined;
  const parsed = parseDockerConfig(text, path, 'Docker config file', WRITE_ADVICE);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const data = body.trim() === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
  return { text, data, parsed };
}

function locate(parsed: DockerConfigFile | undefined, file: string, host: string): DockerStoreLocation {
  const choice = parsed ? chooseDockerStore(parsed, host) : ({ kind: 'file' } as const);
  if (choice.kind === 'file') return { kind: 'file', file, description: file };
  const setting = choice.setting === 'credsStore' ? 'credsStore' : `credHelpers["${choice.key ?? host}"]`;
  return {
    kind: 'helper',
    file,
    helper: choice.helper,
    setting,
    description: `docker-credential-${choice.helper} (${setting} in ${file})`,
  };
}

function helperOptions(options: DockerStoreOptions, where: DockerStoreLocation): HelperOptions {
  return { ...options, configuredBy: { file: where.file, setting: where.setting ?? 'credsStore' } };
}

function authsOf(data: Record<string, unknown>): Record<string, unknown> {
  const auths = data.auths;
  return typeof auths === 'object' && auths !== null ? (auths as Record<string, unknown>) : {};
}

/**
 * Applies `change` to `auths` (created when missing) and writes the whole file back: tab
 * indentation, a final newline only if the file had one, mode kept (0600 and a 0700 folder for a
 * new file), through a temp file and a rename so a reader never sees half a file.
 */
async function writeAuths(path: string, current: CurrentFile | undefined, change: (auths: Record<string, unknown>) => void): Promise<void> {
  const data = current ? current.data : {};
  if (typeof data.auths !== 'object' || data.auths === null) data.auths = {};
  change(data.auths as Record<string, unknown>);
  const text = JSON.stringify(data, null, '\t') + (current?.text.endsWith('\n') ? '\n' : '');

  const failed = (error: unknown): ConfigFileError =>
    new ConfigFileError(
      'DOCKER_CONFIG_UNWRITABLE',
      `The Docker config file ${path} cannot be written (${(error as NodeJS.ErrnoException).code ?? 'unknown error'}); check the permissions of it and its folder, or do not save the login there.`,
      { file: path },
    );
  // A symlinked config.json stays a link: docker replaces the file it points to.
  const target = current ? await realpath(path).catch(() => path) : path;
  const dir = dirname(target);
  const temp = join(dir, `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const before = current ? await stat(target) : undefined;
    if (!before) await mkdir(dir, { recursive: true, mode: 0o700 });
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temp, before ? before.mode & 0o7777 : 0o600);
    if (before && process.platform !== 'win32' && (before.uid !== process.getuid?.() || before.gid !== process.getgid?.())) {
      await chown(temp, before.uid, before.gid).catch(() => undefined); // only root may; docker tries too
    }
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw failed(error);
  }
}
