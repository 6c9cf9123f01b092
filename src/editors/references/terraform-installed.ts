/**
 * Where `terraform init` (or `tofu init`) put the modules a configuration calls from a registry,
 * Git or a URL: it writes a manifest beside them, `.terraform/modules/modules.json`, with one
 * record per module call: its key (the calls' names from the root joined by dots, `app.db`; the
 * root's is empty) and the folder it was installed in, relative to the root (`.terraform/modules/
 * app.db`). With it, the variables a registry module uses as images are known as a local
 * module's are. The file is the workspace's, so it is read as untrusted input. Pure.
 */

/** Module calls by key (`app`, `app.db`), each with its folder relative to the root, as `a/b` or `.`. */
export type InstalledModules = ReadonlyMap<string, string>;

/** A configuration of a few hundred modules is large; a manifest is not read past these records. */
const MAX_RECORDS = 2000;
/** Where init installs what it downloads; a record pointing anywhere else is not followed. */
const INSTALLED = '.terraform/modules/';

/** The records of a modules.json, by key; an unreadable file reads as no records. */
export function readInstalledModules(text: string): InstalledModules {
  const installed = new Map<string, string>();
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    return installed;
  }
  const records = (manifest as { Modules?: unknown } | null)?.Modules;
  if (!Array.isArray(records)) return installed;
  for (const record of records.slice(0, MAX_RECORDS)) {
    const { Key: key, Dir: dir } = (record ?? {}) as { Key?: unknown; Dir?: unknown };
    const folder = typeof dir === 'string' ? normalFolder(dir) : undefined;
    if (typeof key === 'string' && folder !== undefined && !installed.has(key)) installed.set(key, folder);
  }
  return installed;
}

/** The key of the module installed in `folder` (relative to the root, as {@link relativeFolder} gives it), if any. */
export function installedKeyOf(installed: InstalledModules, folder: string): string | undefined {
  for (const [key, dir] of installed) if (dir === folder) return key;
  return undefined;
}

/**
 * The folder (relative to the root) of the module that the call named `call` in the module keyed
 * `caller` was installed in: only one init downloaded into `.terraform/modules/`, since a module
 * called from a folder is read from its `source`.
 */
export function installedCallFolder(installed: InstalledModules, caller: string, call: string): string | undefined {
  const folder = installed.get(calledKey(caller, call));
  return folder?.startsWith(INSTALLED) ? folder : undefined;
}

/** A call's `source` that is a folder of the configuration's (`./…`, `../…`): Terraform reads it from there and installs nothing. */
export function isLocalModuleSource(source: string): boolean {
  return /^\.\.?[\\/]/.test(source);
}

/** The key of a module that `caller` calls by the name `call`. */
export function calledKey(caller: string, call: string): string {
  return caller === '' ? call : `${caller}.${call}`;
}

/** `folder` relative to `root` (both slash paths), in the manifest's form; `undefined` when it is not inside it. */
export function relativeFolder(root: string, folder: string): string | undefined {
  const base = root.endsWith('/') ? root : `${root}/`;
  if (folder === root || `${folder}/` === base) return '.';
  return folder.startsWith(base) ? normalFolder(folder.slice(base.length)) : undefined;
}

/** A relative folder in one spelling (`./a//b/` and `a\b` alike as `a/b`, the root as `.`); `undefined` when it leaves the root. */
function normalFolder(path: string): string | undefined {
  const parts: string[] = [];
  for (const part of path.split(/[\\/]/)) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.pop() === undefined) return undefined;
    } else parts.push(part);
  }
  if (/^[A-Za-z]:$/.test(parts[0] ?? '') || path.startsWith('/') || path.startsWith('\\')) return undefined;
  return parts.length === 0 ? '.' : parts.join('/');
}
