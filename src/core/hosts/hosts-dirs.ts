/**
 * Registry host directories: containerd's `hosts.toml` (docs/hosts.md) and, when a directory has
 * no hosts.toml, Docker's certs.d layout. Turns one registry host into its ordered endpoints:
 * the `[host."…"]` mirrors in file order, then the server.
 *
 * Directory lookup: for each root in order, the first directory that exists of `h_p_`, `h:p`
 * (`hp` on Windows) and `_default` (for a host without a port only `h`, then `_default`); the
 * first root with a match wins, so a `_default` in an earlier root beats a specific directory in a
 * later one (that case adds a warning). IPv6 hosts keep their brackets: `[::1]:5000` looks for
 * `[::1]_5000_` then `[::1]:5000`; only a colon after the `]` is a port separator.
 *
 * Choices where sources differ or are silent:
 * - A hosts.toml that does not parse is an error naming file, line and column (containerd logs it
 *   and falls back to certs.d; the user would never see why their mirror is ignored).
 * - `client = "x.pem"` (or a list of strings, or a pair with an empty key) is a combined PEM
 *   holding certificate and key, as in containerd; it is returned as `{ cert: x.pem, key: x.pem }`.
 * - certs.d: a `.cert` without its `.key`, or a `.key` without its `.cert`, is an error (Docker's
 *   rule; containerd passes the lone `.cert` on).
 * - ca/client files must exist when the configuration is loaded; a missing one is an error naming
 *   it and the hosts.toml that referenced it.
 * - `capabilities` may also hold `referrers`; the default is all four. Unknown values are errors.
 * - The default server is always https (containerd's localhost-means-http guess is left to the
 *   insecure-registry rules of the transport).
 * - Unknown keys (e.g. `proxy`, `dial_addr`) are ignored with a warning.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import { parse as parseToml } from '@iarna/toml';
import { registryApiHost } from '../name/docker-hub';
import { splitHostPort } from '../net/host-port';
import { ConfigFileError, type CoreErrorCode } from '../errors';
import { withoutTrailingSlashes } from '../text/slashes';

export type HostCapability = 'pull' | 'resolve' | 'push' | 'referrers';
export const ALL_HOST_CAPABILITIES: readonly HostCapability[] = ['pull', 'resolve', 'push', 'referrers'];

/** A TLS client certificate; `key === cert` when one PEM file holds both. */
export interface ClientCertificate {
  cert: string;
  key: string;
}

export interface HostEntry {
  /** `scheme://host[:port]` + `pathPrefix`, e.g. `https://registry-1.docker.io/v2`. */
  url: string;
  scheme: 'http' | 'https';
  /** host[:port] as contacted (IPv6 bracketed). */
  host: string;
  /** The API root path: `/v2` unless `override_path` (then the URL's own path, possibly ''). */
  pathPrefix: string;
  capabilities: Set<HostCapability>;
  skipVerify?: boolean;
  caFiles: string[];
  clientCertificates: ClientCertificate[];
  /** Extra request headers, names as written. Values may be secrets: never log them. */
  headers: Record<string, string[]>;
  overridePath: boolean;
  dialTimeoutMs?: number;
  /** Declared as `[host."…"]` (not the server). */
  isMirror: boolean;
}

export interface HostConfigSource {
  root: string;
  dir: string;
  /** The hosts.toml, when the directory had one; absent when read as Docker certs.d. */
  file?: string;
}

export interface HostConfig {
  registry: string;
  source: HostConfigSource | undefined;
  server: HostEntry;
  /** Tried before the server, in file order. */
  mirrors: HostEntry[];
  warnings: string[];
}

export interface LoadHostConfigOptions {
  /** Host directories, searched in order. */
  roots: string[];
  platform?: NodeJS.Platform;
}

/**
 * Default roots: `/etc/containerd/certs.d` (containerd's usual config_path), `/etc/docker/certs.d`
 * (Docker) and `~/.config/containers/certs.d` (Podman, per user). On Windows: Docker's
 * `%ProgramData%\docker\certs.d` and the per-user containers directory. System-wide
 * `/etc/containers/certs.d` and rootless Docker's `~/.config/docker/certs.d` can be added in settings.
 */
export function defaultHostRoots(
  env: Record<string, string | undefined>,
  homedir: string,
  platform: NodeJS.Platform = process.platform,
): string[] {
  if (platform === 'win32') {
    return [
      join(env.ProgramData ?? env.PROGRAMDATA ?? 'C:\\ProgramData', 'docker', 'certs.d'),
      join(homedir, '.config', 'containers', 'certs.d'),
    ];
  }
  return ['/etc/containerd/certs.d', '/etc/docker/certs.d', posix.join(homedir, '.config', 'containers', 'certs.d')];
}

/**
 * Directory names tried in each root for a registry host, most specific first. A host without a
 * port is the same registry as `host:443` (its canonical key), so Docker's `host:443` folder
 * (and containerd's `host_443_`) are found for it too, after `host` itself.
 */
export function hostDirectoryNames(registryHost: string, platform: NodeJS.Platform = process.platform): string[] {
  const { name, portText: port } = splitHostPort(registryHost);
  const withPort = (p: string) => [`${name}_${p}_`, platform === 'win32' ? `${name}${p}` : `${name}:${p}`];
  const names = port === undefined ? [registryHost, ...withPort('443')] : withPort(port);
  return [...names, '_default'];
}

/** The upstream when nothing configures one: the registry itself, Docker Hub's API host for docker.io. */
export function defaultServer(registryHost: string): HostEntry {
  const host = registryApiHost(registryHost);
  return newEntry('https', host, '/v2', false, false);
}

function newEntry(scheme: 'http' | 'https', host: string, pathPrefix: string, overridePath: boolean, isMirror: boolean): HostEntry {
  return {
    url: `${scheme}://${host}${pathPrefix}`,
    scheme,
    host,
    pathPrefix,
    capabilities: new Set(ALL_HOST_CAPABILITIES),
    caFiles: [],
    clientCertificates: [],
    headers: {},
    overridePath,
    isMirror,
  };
}

/** Finds the host directory for `registryHost` and reads it (hosts.toml, else certs.d). */
export async function loadHostConfig(registryHost: string, options: LoadHostConfigOptions): Promise<HostConfig> {
  const registry = registryHost.trim();
  const warnings: string[] = [];
  const found = await findHostDirectory(registry, options.roots, options.platform ?? process.platform, warnings);
  if (!found) return { registry, source: undefined, server: defaultServer(registry), mirrors: [], warnings };
  const { root, dir } = found;
  const file = join(dir, 'hosts.toml');
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') {
      throw new ConfigFileError(
        'HOSTS_TOML_UNREADABLE',
        `The host configuration ${file} cannot be read (${code ?? 'unknown error'}); check its permissions.`,
        { file },
      );
    }
  }
  if (text === undefined || text.trim() === '') {
    const server = defaultServer(registry);
    const certs = await readCertsDirectory(dir);
    server.caFiles = certs.caFiles;
    server.clientCertificates = certs.clientCertificates;
    return { registry, source: { root, dir }, server, mirrors: [], warnings };
  }
  const data = parseHostsToml(text, file);
  const result = await interpretHostsToml(data, { file, dir, registry, warnings });
  const referenced = new Set(
    [...result.mirrors, result.server].flatMap((e) => [...e.caFiles, ...e.clientCertificates.flatMap((c) => [c.cert, c.key])]),
  );
  const certFiles = (await readdir(dir)).filter((n) => /\.(crt|cert|key)$/.test(n) && !referenced.has(join(dir, n)));
  if (certFiles.length > 0) {
    warnings.push(
      `${dir} has hosts.toml, so its certificate files (${certFiles.sort().join(', ')}) are not read on their own; name them with "ca" or "client" in ${file}.`,
    );
  }
  return { registry, source: { root, dir, file }, ...result, warnings };
}

async function findHostDirectory(
  registry: string,
  roots: string[],
  platform: NodeJS.Platform,
  warnings: string[],
): Promise<{ root: string; dir: string } | undefined> {
  const names = hostDirectoryNames(registry, platform);
  const isDir = async (path: string): Promise<boolean> => {
    try {
      return (await stat(path)).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR')
        warnings.push(`${path} could not be checked (${code ?? 'unknown error'}) and was skipped.`);
      return false;
    }
  };
  for (let r = 0; r < roots.length; r++) {
    const root = roots[r] as string;
    for (const name of names) {
      const dir = join(root, name);
      if (!(await isDir(dir))) continue;
      if (name === '_default') {
        for (const later of roots.slice(r + 1)) {
          for (const specific of names.slice(0, -1)) {
            if (await isDir(join(later, specific))) {
              warnings.push(
                `${join(later, specific)} is not used because ${dir} matched first; move it to ${root} or reorder the host directories.`,
              );
            }
          }
        }
      }
      return { root, dir };
    }
  }
  return undefined;
}

function parseHostsToml(text: string, file: string): Record<string, unknown> {
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (error) {
    const e = error as { message?: string; line?: number; col?: number };
    // The parser's message appends an excerpt of the file (which may hold header secrets): keep the reason only.
    // Its reasons are fixed phrases (at most a character code), e.g. "Unterminated string".
    const reason = String(e.message ?? '').split(/ at row |\n/)[0] || 'syntax error';
    const line = typeof e.line === 'number' ? e.line + 1 : undefined;
    const column = typeof e.col === 'number' ? e.col + 1 : undefined;
    const at = line !== undefined ? ` at line ${line}${column !== undefined ? `, column ${column}` : ''}` : '';
    throw new ConfigFileError(
      'HOSTS_TOML_SYNTAX',
      `The host configuration ${file} has a TOML syntax error${at}: ${reason}. Fix the file; until then this registry is not contacted.`,
      {
        file,
        line,
        column,
      },
    );
  }
}

interface TomlContext {
  file: string;
  dir: string;
  registry: string;
  warnings: string[];
}

const ENTRY_KEYS = new Set(['capabilities', 'ca', 'client', 'skip_verify', 'header', 'override_path', 'dial_timeout']);

async function interpretHostsToml(data: Record<string, unknown>, ctx: TomlContext): Promise<{ server: HostEntry; mirrors: HostEntry[] }> {
  const mirrors: HostEntry[] = [];
  const hosts = data.host;
  if (hosts !== undefined) {
    if (!isTable(hosts)) throw invalid(ctx, 'the top level', '"host" must be a table of [host."URL"] sections');
    for (const [key, table] of Object.entries(hosts)) {
      const where = `[host."${redactUserinfo(key)}"]`;
      if (!isTable(table)) throw invalid(ctx, where, 'the section must be a table');
      mirrors.push(await interpretEntry(table, key, where, true, ctx));
    }
  }
  let server: HostEntry;
  if (data.server !== undefined) {
    if (typeof data.server !== 'string' || data.server.trim() === '') throw invalid(ctx, 'the top level', '"server" must be a URL string');
    server = await interpretEntry(data, data.server, 'the top level', false, ctx);
  } else {
    server = await interpretEntry(data, undefined, 'the top level', false, ctx);
  }
  return { server, mirrors };
}

async function interpretEntry(
  table: Record<string, unknown>,
  url: string | undefined,
  where: string,
  isMirror: boolean,
  ctx: TomlContext,
): Promise<HostEntry> {
  for (const key of Object.keys(table)) {
    if (ENTRY_KEYS.has(key) || (!isMirror && (key === 'server' || key === 'host'))) continue;
    ctx.warnings.push(`"${key}" in ${where} of ${ctx.file} is not supported here and was ignored.`);
  }
  const overridePath = readBoolean(table, 'override_path', where, ctx) ?? false;
  const entry = url === undefined ? defaultServer(ctx.registry) : parseEntryUrl(url, overridePath, isMirror, where, ctx);

  const caps = table.capabilities;
  if (caps !== undefined) {
    if (!Array.isArray(caps) || !caps.every((c) => typeof c === 'string'))
      throw invalid(ctx, where, '"capabilities" must be a list of strings');
    if (caps.length === 0) {
      ctx.warnings.push(`"capabilities" in ${where} of ${ctx.file} is empty and is treated as all capabilities, as containerd does.`);
    } else {
      entry.capabilities = new Set();
      for (const raw of caps as string[]) {
        const cap = raw.toLowerCase();
        if (!(ALL_HOST_CAPABILITIES as readonly string[]).includes(cap)) {
          throw invalid(
            ctx,
            where,
            `the capability "${raw}" is unknown; use pull, resolve, push or referrers`,
            'HOSTS_TOML_UNKNOWN_CAPABILITY',
          );
        }
        entry.capabilities.add(cap as HostCapability);
      }
    }
  }

  const skipVerify = readBoolean(table, 'skip_verify', where, ctx);
  if (skipVerify !== undefined) entry.skipVerify = skipVerify;

  if (table.ca !== undefined) {
    const list = typeof table.ca === 'string' ? [table.ca] : table.ca;
    if (!Array.isArray(list) || !list.every((p) => typeof p === 'string'))
      throw invalid(ctx, where, '"ca" must be a path or a list of paths');
    for (const p of list as string[]) entry.caFiles.push(await existingFile(p, '"ca"', where, ctx));
  }

  if (table.client !== undefined) {
    const list = typeof table.client === 'string' ? [table.client] : table.client;
    if (!Array.isArray(list)) throw invalid(ctx, where, '"client" must be a path, a list of paths or a list of [cert, key] pairs');
    for (const item of list as unknown[]) {
      if (typeof item === 'string') {
        const cert = await existingFile(item, '"client"', where, ctx);
        entry.clientCertificates.push({ cert, key: cert });
      } else if (Array.isArray(item) && item.length === 2 && item.every((p) => typeof p === 'string')) {
        const cert = await existingFile(item[0] as string, '"client"', where, ctx);
        const key = item[1] === '' ? cert : await existingFile(item[1] as string, '"client"', where, ctx);
        entry.clientCertificates.push({ cert, key });
      } else {
        throw invalid(ctx, where, '"client" must be a path, a list of paths or a list of [cert, key] pairs');
      }
    }
  }

  if (table.header !== undefined) {
    if (!isTable(table.header)) throw invalid(ctx, where, '[header] must be a table of names and values');
    for (const [name, value] of Object.entries(table.header)) {
      const values = typeof value === 'string' ? [value] : value;
      if (!Array.isArray(values) || !values.every((v) => typeof v === 'string'))
        throw invalid(ctx, where, `the header "${name}" must be a string or a list of strings`);
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw invalid(ctx, where, `"${name}" is not a valid header name`);
      if ((values as string[]).some((v) => /[\r\n\0]/.test(v)))
        throw invalid(ctx, where, `a value of the header "${name}" contains a line break or NUL`);
      entry.headers[name] = [...(values as string[])];
    }
  }

  if (table.dial_timeout !== undefined) {
    if (typeof table.dial_timeout !== 'string')
      throw invalid(ctx, where, '"dial_timeout" must be a duration string such as "5s" or "500ms"');
    let ms: number;
    try {
      ms = parseGoDuration(table.dial_timeout);
    } catch {
      throw invalid(ctx, where, `"dial_timeout" = "${table.dial_timeout}" is not a duration such as "5s", "500ms" or "1m30s"`);
    }
    if (ms < 0) throw invalid(ctx, where, '"dial_timeout" must not be negative');
    if (ms === 0) ctx.warnings.push(`"dial_timeout" in ${where} of ${ctx.file} is zero and was ignored.`);
    else entry.dialTimeoutMs = ms;
  }
  return entry;
}

function parseEntryUrl(raw: string, overridePath: boolean, isMirror: boolean, where: string, ctx: TomlContext): HostEntry {
  const text = raw.trim();
  if (/^([a-z][a-z0-9+.-]*:\/\/)?[^/?#]*@/i.test(text)) {
    throw invalid(ctx, where, 'the URL contains a user name or password; remove them and log in to the registry instead');
  }
  let u: URL;
  try {
    u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    throw invalid(ctx, where, `"${text}" is not a valid URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw invalid(ctx, where, `the scheme "${u.protocol.slice(0, -1)}" is not supported; use http or https`);
  if (!u.host) throw invalid(ctx, where, `"${text}" has no host`);
  if (u.search || u.hash) ctx.warnings.push(`The query or fragment of the URL in ${where} of ${ctx.file} was ignored.`);
  let path = u.pathname === '' || u.pathname === '/' ? '' : withoutTrailingSlashes(posix.normalize(u.pathname));
  if (!overridePath && !path.endsWith('/v2')) path += '/v2';
  return newEntry(u.protocol === 'http:' ? 'http' : 'https', u.host, path, overridePath, isMirror);
}

async function existingFile(p: string, field: string, where: string, ctx: TomlContext): Promise<string> {
  const abs = isAbsolute(p) ? p : join(ctx.dir, p);
  try {
    if ((await stat(abs)).isFile()) return abs;
  } catch {
    /* reported below */
  }
  throw new ConfigFileError(
    'HOSTS_FILE_MISSING',
    `The file ${abs} named by ${field} in ${where} of ${ctx.file} does not exist; fix the path (relative paths are relative to ${ctx.dir}).`,
    { file: ctx.file },
  );
}

function readBoolean(table: Record<string, unknown>, key: string, where: string, ctx: TomlContext): boolean | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalid(ctx, where, `"${key}" must be true or false`);
  return value;
}

function invalid(ctx: TomlContext, where: string, what: string, code: CoreErrorCode = 'HOSTS_TOML_INVALID'): ConfigFileError {
  return new ConfigFileError(code, `In ${where} of the host configuration ${ctx.file}, ${what}.`, { file: ctx.file });
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function redactUserinfo(url: string): string {
  return url.replace(/^(([a-z][a-z0-9+.-]*:\/\/)?)[^/?#@]*@/i, '$1…@');
}

/**
 * Docker certs.d: `*.crt` are CA files, `*.cert` client certificates with the matching `*.key`.
 * A certificate without its key (or a key without its certificate) is an error.
 */
export async function readCertsDirectory(dir: string): Promise<{ caFiles: string[]; clientCertificates: ClientCertificate[] }> {
  const names = (await readdir(dir)).sort();
  const present = new Set(names);
  const caFiles: string[] = [];
  const clientCertificates: ClientCertificate[] = [];
  const isFile = async (name: string): Promise<boolean> => {
    try {
      return (await stat(join(dir, name))).isFile();
    } catch {
      return false;
    }
  };
  for (const name of names) {
    if (!(await isFile(name))) continue;
    if (name.endsWith('.crt')) {
      caFiles.push(join(dir, name));
    } else if (name.endsWith('.cert')) {
      const keyName = `${name.slice(0, -'.cert'.length)}.key`;
      const cert = join(dir, name);
      if (!present.has(keyName)) {
        throw new ConfigFileError(
          'CERTS_D_MISSING_KEY',
          `The client certificate ${cert} has no matching key ${join(dir, keyName)}; add the key or remove the certificate.`,
          { file: cert },
        );
      }
      clientCertificates.push({ cert, key: join(dir, keyName) });
    } else if (name.endsWith('.key')) {
      const certName = `${name.slice(0, -'.key'.length)}.cert`;
      if (!present.has(certName)) {
        const key = join(dir, name);
        throw new ConfigFileError(
          'CERTS_D_MISSING_CERT',
          `The client key ${key} has no matching certificate ${join(dir, certName)}; add the certificate or remove the key.`,
          { file: key },
        );
      }
    }
  }
  return { caFiles, clientCertificates };
}

const DURATION_UNITS_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a Go duration ("5s", "500ms", "1m30s", "1.5h", "-2s", "0") into milliseconds. */
export function parseGoDuration(text: string): number {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new Error('empty duration');
  let total = 0;
  const part = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== '') {
    const m = part.exec(rest);
    if (!m || (m[1] === '' && (m[2] ?? '') === '')) throw new Error('invalid duration');
    const value = Number(`${m[1] || '0'}.${m[2] || '0'}`);
    total += value * (DURATION_UNITS_MS[m[3] as string] as number);
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

/**
 * A plain-text summary of the endpoint plan for one registry: where it came from, each endpoint in
 * the order tried with its capabilities and TLS settings. Header values are never shown.
 */
export function describeHostConfig(config: HostConfig): string {
  const lines: string[] = [];
  const from = config.source
    ? (config.source.file ?? `${config.source.dir} (Docker certs.d)`)
    : 'built-in defaults (no host directory matched)';
  lines.push(`Endpoints for ${config.registry}, from ${from}:`);
  [...config.mirrors, config.server].forEach((entry, index) => {
    const details: string[] = [[...entry.capabilities].join(', ') || 'no capabilities'];
    if (entry.caFiles.length) details.push(`CA ${entry.caFiles.join(', ')}`);
    for (const c of entry.clientCertificates)
      details.push(c.key === c.cert ? `client certificate and key ${c.cert}` : `client certificate ${c.cert} with key ${c.key}`);
    if (entry.skipVerify === true) details.push('certificate verification OFF');
    const headerNames = Object.keys(entry.headers);
    if (headerNames.length) details.push(`headers ${headerNames.join(', ')} (values hidden)`);
    if (entry.overridePath) details.push('path used as is');
    if (entry.dialTimeoutMs !== undefined) details.push(`connect timeout ${entry.dialTimeoutMs} ms`);
    lines.push(`  ${index + 1}. ${entry.isMirror ? 'mirror' : 'server'} ${entry.url} — ${details.join('; ')}`);
  });
  for (const warning of config.warnings) lines.push(`  warning: ${warning}`);
  return lines.join('\n');
}
