/**
 * How Podman, Buildah and Skopeo read a short name (`fedora:40`), as containers-registries.conf(5)
 * sets it out, where Docker would read `docker.io/library/fedora:40`:
 *   1. an alias the engine recorded after a prompt (`short-name-aliases.conf`), which wins over
 *      the configured ones;
 *   2. an alias in the `[aliases]` table of registries.conf and its drop-ins (distributions ship
 *      hundreds: `fedora` is `registry.fedoraproject.org/fedora`, `centos` `quay.io/centos/centos`);
 *   3. else the `unqualified-search-registries`: with exactly one there is no ambiguity. With more,
 *      the engine prompts, tries them in turn or fails, depending on its mode and terminal, so
 *      nothing is decided here.
 * An alias is looked up by the name without its tag or digest, which then follow the alias. The
 * table comes from the engines' files (hosts/short-name-config.ts). Pure.
 */
import { DOCKER_HUB } from './docker-hub';

/** A short name's reading, with the file that decided it (for the hover). */
export interface ShortNameReading {
  /** The fully qualified name (no tag or digest) the short name stands for. */
  name: string;
  /** `alias` from an `[aliases]` table, `search` from the only search registry. */
  by: 'alias' | 'search';
  /** The file that set it. */
  source: string;
}

/** What the engines' configuration says about short names, merged from every file read. */
export interface ShortNameTable {
  /** Recorded aliases (which win) and configured ones, by short name. */
  aliases: ReadonlyMap<string, { name: string; source: string }>;
  /** The search registries, when set, and the file that set them last. */
  searchRegistries?: { registries: readonly string[]; source: string };
}

/**
 * The reading of `name` (a repository without tag or digest, as written), or undefined when the
 * name is not short (it names a registry) or the configuration does not decide it.
 */
export function readShortName(table: ShortNameTable, name: string): ShortNameReading | undefined {
  if (!isShortName(name)) return undefined;
  const alias = table.aliases.get(name);
  if (alias) return { name: alias.name, by: 'alias', source: alias.source };
  const search = table.searchRegistries;
  if (search?.registries.length !== 1) return undefined;
  const registry = search.registries[0]!;
  // Docker Hub's one-component names live under library/, for these engines as for Docker.
  const path = registry === DOCKER_HUB && !name.includes('/') ? `library/${name}` : name;
  return { name: `${registry}/${path}`, by: 'search', source: search.source };
}

/** A name whose first component names no registry (no `.` or `:`, not `localhost`), with no tag or digest. */
export function isShortName(name: string): boolean {
  if (name === '' || /[@:]/.test(name) || /[A-Z\s]/.test(name)) return false;
  const first = name.split('/')[0]!;
  return first !== '' && first !== 'localhost' && !first.includes('.');
}
