/**
 * The engines' configuration of short names (see name/short-names.ts), read as
 * containers-registries.conf(5) and containers-registries.conf.d(5) set out: the files in their
 * load order, a later one's settings replacing an earlier one's, an alias set to "" erased, and
 * the aliases the engine recorded after a prompt (`short-name-aliases.conf`, under
 * `/var/cache/containers/` for root and `${XDG_CACHE_HOME:-~/.cache}/containers/` otherwise) over
 * all of them. Malformed files and entries are passed over: this only informs what the editor
 * looks up, and the engine says itself what it rejects.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseToml } from '@iarna/toml';
import { isShortName, type ShortNameTable } from '../name/short-names';

/** One configuration file's text, in the order files are read. */
export interface RegistriesConfText {
  path: string;
  text: string;
}

/** Builds the table from the configuration files (in load order) and the recorded aliases file, if any. */
export function shortNameTable(confs: readonly RegistriesConfText[], recorded?: RegistriesConfText): ShortNameTable {
  const configured = new Map<string, { name: string; source: string }>();
  let searchRegistries: ShortNameTable['searchRegistries'];
  for (const conf of confs) {
    const parsed = parseConf(conf.text);
    if (!parsed) continue;
    mergeAliases(configured, parsed.aliases, conf.path);
    if (parsed.search) searchRegistries = { registries: parsed.search, source: conf.path };
  }
  const parsedRecorded = recorded && parseConf(recorded.text);
  if (parsedRecorded && recorded) mergeAliases(configured, parsedRecorded.aliases, recorded.path);
  return { aliases: configured, ...(searchRegistries ? { searchRegistries } : {}) };
}

/** A fully qualified name: its first component names a registry, and it has no tag or digest. */
function isQualifiedName(name: string): boolean {
  const slash = name.indexOf('/');
  if (slash <= 0 || /[@\s]/.test(name) || name.slice(slash).includes(':')) return false;
  const first = name.slice(0, slash);
  return first === 'localhost' || first.includes('.') || first.includes(':');
}

interface ParsedConf {
  aliases: Record<string, unknown>;
  search?: string[];
}

function parseConf(text: string): ParsedConf | undefined {
  let parsed: Record<string, unknown>;
  try {
    parsed = parseToml(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const aliases = parsed.aliases;
  const search = parsed['unqualified-search-registries'];
  return {
    aliases: aliases && typeof aliases === 'object' && !Array.isArray(aliases) ? (aliases as Record<string, unknown>) : {},
    ...(Array.isArray(search) && search.every((entry) => typeof entry === 'string' && entry !== '') ? { search: search as string[] } : {}),
  };
}

function mergeAliases(into: Map<string, { name: string; source: string }>, aliases: Record<string, unknown>, source: string): void {
  for (const [short, value] of Object.entries(aliases)) {
    if (typeof value !== 'string' || !isShortName(short)) continue;
    if (value === '') into.delete(short);
    else if (isQualifiedName(value)) into.set(short, { name: value, source });
  }
}

/** Where the files are, as the engines find them for the user running this process. */
export interface ShortNameFileOptions {
  env: Record<string, string | undefined>;
  homedir: string;
  /** Root records its aliases under /var/cache; default `process.getuid()`. */
  uid?: number;
  /** The system's configuration folder; default `/etc/containers`. */
  systemDir?: string;
  /** Root's cache folder; default `/var/cache/containers`. */
  systemCacheDir?: string;
}

/** Each file is small; anything larger is not a registries.conf. */
const MAX_CONF_BYTES = 1024 * 1024;

/**
 * Reads the files in the engines' order (containers-registries.conf.d(5)): the main file
 * (`$CONTAINERS_REGISTRIES_CONF`, else the user's `~/.config/containers/registries.conf` when it
 * exists, else the system's), the system's drop-ins unless the user's main file was read, then
 * the user's drop-ins; each folder's `*.conf` files in name order. Then the recorded aliases.
 */
export async function readShortNameTable(options: ShortNameFileOptions): Promise<ShortNameTable> {
  const systemDir = options.systemDir ?? '/etc/containers';
  const configHome = options.env.XDG_CONFIG_HOME || join(options.homedir, '.config');
  const userDir = join(configHome, 'containers');
  const override = options.env.CONTAINERS_REGISTRIES_CONF;
  const userMain = await readSmall(join(userDir, 'registries.conf'));
  const main = override ? await readSmall(override) : (userMain ?? (await readSmall(join(systemDir, 'registries.conf'))));
  const confs: RegistriesConfText[] = main ? [main] : [];
  if (override || !userMain) confs.push(...(await readDropIns(join(systemDir, 'registries.conf.d'))));
  confs.push(...(await readDropIns(join(userDir, 'registries.conf.d'))));
  const uid = options.uid ?? process.getuid?.();
  const cacheDir =
    uid === 0
      ? (options.systemCacheDir ?? '/var/cache/containers')
      : join(options.env.XDG_CACHE_HOME || join(options.homedir, '.cache'), 'containers');
  const recorded = await readSmall(join(cacheDir, 'short-name-aliases.conf'));
  return shortNameTable(confs, recorded);
}

async function readDropIns(dir: string): Promise<RegistriesConfText[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.conf')).sort();
  } catch {
    return [];
  }
  const read = await Promise.all(names.map((name) => readSmall(join(dir, name))));
  return read.filter((conf): conf is RegistriesConfText => conf !== undefined);
}

async function readSmall(path: string): Promise<RegistriesConfText | undefined> {
  try {
    const bytes = await readFile(path);
    return bytes.length > MAX_CONF_BYTES ? undefined : { path, text: bytes.toString('utf8') };
  } catch {
    // Missing or unreadable (a folder, no permission): the engines skip it too.
    return undefined;
  }
}
