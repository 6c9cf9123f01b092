/**
 * Docker's `config.json` (and the identical format of containers' `auth.json`): where it lives,
 * what its `auths` / `credHelpers` / `credsStore` entries mean, and which entry belongs to a host.
 *
 * Secrets read here never go into an error message: errors name the file and the entry's key only.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigFileError } from '../errors';
import type { Credential, CredentialFields } from './types';
import { helperGet, type HelperOptions } from './credential-helper';
import { DOCKER_HUB_CONFIG_KEY, DOCKER_HUB_HOSTS, dockerLoginKey, isDockerHubHost } from '../name/docker-hub';
import { registryHostKey } from '../net/registry-host';
import { withoutTrailingSlashes } from '../text/slashes';

/**
 * How config keys and contacted hosts are compared: the canonical host key (`host:443` is `host`,
 * IPv6 and case normalised) with Docker Hub's aliases as one. Keys keep their spelling everywhere else.
 */
function credentialHostKey(host: string): string {
  return registryHostKey(host);
}

/** One `auths` entry as written in the file. */
export interface RawAuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** A parsed Docker `config.json` or containers `auth.json`; entries keep the file's order. */
export interface DockerConfigFile {
  path: string;
  auths: Array<[key: string, entry: RawAuthEntry]>;
  credHelpers: Array<[key: string, helper: string]>;
  credsStore: string | undefined;
}

/** The credential fields an entry or a helper yields (no `source` yet). */

/**
 * Where Docker reads its configuration: an explicit path (from settings) wins, then
 * `$DOCKER_CONFIG/config.json`, then `~/.docker/config.json`.
 */
export function dockerConfigPath(env: Record<string, string | undefined>, homedir: string, explicit?: string): string {
  if (explicit) return explicit;
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, 'config.json');
  return join(homedir, '.docker', 'config.json');
}

/**
 * Reads and parses a config file. A missing file gives `undefined`; a malformed one throws a
 * `ConfigFileError` naming the file (and line/column for JSON syntax errors).
 */
export async function readDockerConfigFile(path: string, kind = 'Docker config file'): Promise<DockerConfigFile | undefined> {
  const text = await readConfigText(
    path,
    (code) =>
      new ConfigFileError('AUTH_FILE_UNREADABLE', `The ${kind} ${path} cannot be read (${code}); check its permissions.`, { file: path }),
  );
  return text === undefined ? undefined : parseDockerConfig(text, path, kind);
}

/** A config file's text; `undefined` when it does not exist, `unreadable(code)` thrown for other failures. */
export async function readConfigText(path: string, unreadable: (code: string) => ConfigFileError): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw unreadable(code ?? 'unknown error');
  }
}

/**
 * Parses the text of a config file; `path` and `kind` only name it in errors, `advice` ends them
 * (a reader's advice differs from a writer's, which leaves the file alone).
 */
export function parseDockerConfig(
  text: string,
  path: string,
  kind = 'Docker config file',
  advice = 'Fix the file or log in again to rewrite it.',
): DockerConfigFile {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const result: DockerConfigFile = { path, auths: [], credHelpers: [], credsStore: undefined };
  if (body.trim() === '') return result; // docker treats an empty file as an empty configuration
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    // The engine's message quotes the text around the error, which may be a secret: locate it ourselves.
    const { offset, reason } = locateJsonError(body);
    const { line, column } = lineAndColumn(body, offset);
    throw new ConfigFileError(
      'AUTH_FILE_SYNTAX',
      `The ${kind} ${path} is not valid JSON: ${reason} at line ${line}, column ${column}. ${advice}`,
      { file: path, line, column },
    );
  }
  const invalid = (what: string): ConfigFileError =>
    new ConfigFileError('AUTH_FILE_INVALID', `The ${kind} ${path} is not valid: ${what}. ${advice}`, { file: path });
  if (!isObject(data)) throw invalid('the top level must be a JSON object');

  if (data.auths !== undefined && data.auths !== null) {
    if (!isObject(data.auths)) throw invalid('"auths" must be an object');
    for (const [key, value] of Object.entries(data.auths)) {
      if (!isObject(value)) throw invalid(`the "auths" entry "${key}" must be an object`);
      const entry: RawAuthEntry = {};
      for (const field of ['auth', 'username', 'password', 'identitytoken', 'registrytoken'] as const) {
        const v = value[field];
        if (v === undefined || v === null) continue;
        if (typeof v !== 'string') throw invalid(`"${field}" of the "auths" entry "${key}" must be a string`);
        entry[field] = v;
      }
      result.auths.push([key, entry]);
    }
  }
  if (data.credHelpers !== undefined && data.credHelpers !== null) {
    if (!isObject(data.credHelpers)) throw invalid('"credHelpers" must be an object');
    for (const [key, value] of Object.entries(data.credHelpers)) {
      if (typeof value !== 'string') throw invalid(`the "credHelpers" entry "${key}" must be a string`);
      result.credHelpers.push([key, value]);
    }
  }
  if (data.credsStore !== undefined && data.credsStore !== null && data.credsStore !== '') {
    if (typeof data.credsStore !== 'string') throw invalid('"credsStore" must be a string');
    result.credsStore = data.credsStore;
  }
  return result;
}

/**
 * What a config key names, its host as the canonical registry key (`https://registry.test:443/v2/`
 * and `registry.test` are one registry; see registryHostKey). Keys with a scheme (`https://index.docker.io/v1/`) or an API path
 * (`host/v1/`, `host/v2`) name a whole registry; other keys with a path (`quay.io/org/repo`) name
 * a repository or namespace, as containers' auth.json allows.
 */
export function parseConfigKey(key: string): { host: string; repository: string | undefined } {
  let rest = key.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(rest);
  if (scheme) {
    rest = rest.slice(scheme[0].length);
    return { host: credentialHostKey(rest.split('/')[0] ?? ''), repository: undefined };
  }
  const slash = rest.indexOf('/');
  if (slash < 0) return { host: credentialHostKey(rest), repository: undefined };
  const host = credentialHostKey(rest.slice(0, slash));
  const path = withoutTrailingSlashes(rest.slice(slash + 1));
  if (path === '' || path === 'v1' || path === 'v2') return { host, repository: undefined };
  return { host, repository: path };
}

/**
 * The `auths` entry for `host` (host[:port] actually contacted) and optionally `repository`:
 * repository/namespace keys first, most specific first (`host/a/b/c`, `host/a/b`, `host/a`); then a
 * key spelled exactly like the host (for Docker Hub also `https://index.docker.io/v1/` and
 * `docker.io`); then any key whose host, with scheme and path stripped, is the host. Docker Hub's
 * aliases count as one host. No other host's entry is ever returned.
 */
export function findAuthEntry(file: DockerConfigFile, host: string, repository?: string): { key: string; entry: RawAuthEntry } | undefined {
  const target = credentialHostKey(host);
  const parsed = file.auths
    .map(([key, entry]) => ({ key, entry, ...parseConfigKey(key) }))
    .map((c) => ({ ...c, host: credentialHostKey(c.host) }));
  if (repository) {
    const wanted = repository.replace(/^\/+|\/+$/g, '');
    let best: (typeof parsed)[number] | undefined;
    for (const candidate of parsed) {
      if (candidate.host !== target || candidate.repository === undefined) continue;
      const r = candidate.repository;
      if (wanted !== r && !wanted.startsWith(`${r}/`)) continue;
      if (!best || r.length > (best.repository ?? '').length) best = candidate;
    }
    if (best) return { key: best.key, entry: best.entry };
  }
  for (const exact of exactKeysFor(host)) {
    const hit = file.auths.find(([key]) => key === exact);
    if (hit) return { key: hit[0], entry: hit[1] };
  }
  const normalised = parsed.find((candidate) => candidate.host === target && candidate.repository === undefined);
  return normalised ? { key: normalised.key, entry: normalised.entry } : undefined;
}

/** The `credHelpers` entry for `host`: exact spelling first, then keys whose stripped host matches. */
export function findCredHelper(file: DockerConfigFile, host: string): { key: string; helper: string } | undefined {
  for (const exact of exactKeysFor(host)) {
    const hit = file.credHelpers.find(([key]) => key === exact);
    if (hit) return { key: hit[0], helper: hit[1] };
  }
  const target = credentialHostKey(host);
  const hit = file.credHelpers.find(([key]) => {
    const parsed = parseConfigKey(key);
    return credentialHostKey(parsed.host) === target && parsed.repository === undefined;
  });
  return hit ? { key: hit[0], helper: hit[1] } : undefined;
}

function exactKeysFor(host: string): string[] {
  if (!isDockerHubHost(host)) return [host];
  return [...new Set([host, DOCKER_HUB_CONFIG_KEY, ...DOCKER_HUB_HOSTS])];
}

/**
 * How the file spells the host's own keys (`auths` and `credHelpers`, not repository keys), with
 * scheme and path stripped, in file order, each once: `docker login registry.test:443` keeps the
 * login in its helper under `registry.test:443`, the name as a reference writes it, which is how
 * Docker then asks the helper; our canonical spelling (`registry.test`) would find nothing.
 */
export function keySpellings(file: DockerConfigFile, host: string): string[] {
  const target = credentialHostKey(host);
  const spellings = new Set<string>();
  for (const [key] of [...file.auths, ...file.credHelpers]) {
    const parsed = parseConfigKey(key);
    if (parsed.repository === undefined && parsed.host !== '' && credentialHostKey(parsed.host) === target) spellings.add(keyHost(key));
  }
  return [...spellings];
}

/** A key's host as written: scheme and path stripped (`https://Reg.test:443/v2/` → `Reg.test:443`). */
function keyHost(key: string): string {
  return (
    key
      .trim()
      .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
      .split('/')[0] ?? ''
  );
}

/**
 * A helper's answer for the first of `names` it holds a usable login under: asked in order, each
 * distinct name once (a name that is another's key host, like Docker Hub's `index.docker.io` after
 * its v1 URL, is not asked again), so a host costs at most one run per spelling in the file.
 */
export async function helperGetAny(
  helper: string,
  names: readonly string[],
  options: HelperOptions,
): Promise<CredentialFields | undefined> {
  const asked = new Set<string>();
  for (const name of names) {
    if (name === '' || asked.has(name) || asked.has(keyHost(name))) continue;
    asked.add(name).add(keyHost(name));
    const fields = await helperGet(helper, name, options);
    if (isUsableCredential(fields)) return fields;
  }
  return undefined;
}

/** Docker's store choice for a host:/** Docker's store choice for a host: `credHelpers[host]`, else `credsStore`, else the file itself. */
export type DockerStoreChoice = { kind: 'helper'; helper: string; setting: 'credHelpers' | 'credsStore'; key?: string } | { kind: 'file' };

export function chooseDockerStore(file: DockerConfigFile, host: string): DockerStoreChoice {
  const specific = findCredHelper(file, host);
  if (specific) return { kind: 'helper', helper: specific.helper, setting: 'credHelpers', key: specific.key };
  if (file.credsStore) return { kind: 'helper', helper: file.credsStore, setting: 'credsStore' };
  return { kind: 'file' };
}

/**
 * Decodes one `auths` entry. `auth` is base64 of `user:password` (split at the first colon,
 * trailing NULs trimmed) and wins over `username`/`password`; `identitytoken` is a refresh token;
 * `registrytoken` a bearer token used as is; `{}` yields nothing (a credential-store marker).
 */
export function decodeAuthEntry(entry: RawAuthEntry, key: string, path: string, kind = 'Docker config file'): CredentialFields {
  const out: CredentialFields = {};
  const auth = entry.auth?.trim();
  if (auth) {
    const bad = (): ConfigFileError =>
      new ConfigFileError(
        'AUTH_FILE_INVALID',
        `The "auth" value of the "auths" entry "${key}" in the ${kind} ${path} is not base64 of user:password; log in to ${key} again to rewrite it.`,
        { file: path },
      );
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(auth) || auth.length % 4 === 1) throw bad();
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw bad();
    out.username = decoded.slice(0, colon);
    out.password = decoded.slice(colon + 1).replace(/\0+$/, '');
  } else {
    if (entry.username) out.username = entry.username;
    if (entry.password) out.password = entry.password;
  }
  if (entry.identitytoken) out.identityToken = entry.identitytoken;
  if (entry.registrytoken) out.registryToken = entry.registrytoken;
  return out;
}

/** Whether the fields can authenticate: user and password, an identity token or a registry token. */
export function isUsableCredential(c: CredentialFields | undefined): c is CredentialFields {
  return !!c && ((!!c.username && !!c.password) || !!c.identityToken || !!c.registryToken);
}

/**
 * Docker's answer for one host: the store chosen by `chooseDockerStore`. When a helper has nothing
 * for the host, a usable `auths` entry for it is still used (docker would ignore it; an entry with a
 * secret in it is an explicit statement by the user). `{}` entries mean "ask the helper".
 */
export async function getDockerCredential(
  file: DockerConfigFile,
  host: string,
  repository?: string,
  helperOptions: Omit<HelperOptions, 'configuredBy'> = {},
): Promise<Credential | undefined> {
  const choice = chooseDockerStore(file, host);
  if (choice.kind === 'helper') {
    const setting = choice.setting === 'credsStore' ? 'credsStore' : `credHelpers["${choice.key ?? host}"]`;
    const fields = await helperGetAny(choice.helper, [dockerLoginKey(host), ...keySpellings(file, host)], {
      ...helperOptions,
      configuredBy: { file: file.path, setting },
    });
    if (isUsableCredential(fields)) return { ...fields, source: `${file.path} (${choice.setting}: ${choice.helper})` };
  }
  const found = findAuthEntry(file, host, repository);
  if (!found) return undefined;
  const fields = decodeAuthEntry(found.entry, found.key, file.path);
  return isUsableCredential(fields) ? { ...fields, source: file.path } : undefined;
}

/**
 * The registries this file says the user is logged in to (keys of `auths` and `credHelpers`), as
 * hosts: Docker Hub as `docker.io`, schemes and API paths stripped, repository keys reduced to
 * their host. File order, no duplicates.
 */
export function loggedInRegistries(file: DockerConfigFile): string[] {
  const hosts = new Set<string>();
  for (const [key] of [...file.auths, ...file.credHelpers]) {
    const { host } = parseConfigKey(key);
    if (host) hosts.add(host);
  }
  return [...hosts];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** 1-based line and column of a UTF-16 offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Finds where JSON text stops being valid, with a reason that quotes nothing from the text.
 * Only called after `JSON.parse` failed, so it need not build values.
 */
export function locateJsonError(text: string): { offset: number; reason: string } {
  let i = 0;
  class Stop {
    constructor(
      readonly offset: number,
      readonly reason: string,
    ) {}
  }
  const ws = (): void => {
    while (i < text.length && ' \t\r\n'.includes(text[i] as string)) i++;
  };
  const fail = (reason: string): never => {
    throw new Stop(i, i >= text.length ? 'unexpected end of file' : reason);
  };
  const string = (): void => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail('unescaped control character in a string');
      if (c === 0x5c) {
        const next = text[i + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            i++;
            fail('invalid \\u escape in a string');
          }
          i += 6;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) {
          i += 2;
        } else {
          i++;
          fail('invalid escape in a string');
        }
      } else {
        i++;
      }
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a property name in double quotes');
        string();
        ws();
        if (text[i] !== ':') fail('expected ":" after a property name');
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail('expected "," or "}" after a property value');
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail('expected "," or "]" after an array element');
      }
    } else if (c === '"') {
      string();
    } else if (c !== undefined && /[-0-9]/.test(c)) {
      const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i));
      if (!m) fail('invalid number');
      i += (m as RegExpExecArray)[0].length;
    } else {
      for (const word of ['true', 'false', 'null']) {
        if (text.startsWith(word, i)) {
          i += word.length;
          return;
        }
      }
      fail('unexpected character');
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail('unexpected text after the end of the JSON value');
  } catch (stop) {
    if (stop instanceof Stop) return { offset: stop.offset, reason: stop.reason };
    throw stop;
  }
  return { offset: text.length, reason: 'invalid JSON' };
}
