/**
 * The certificate authorities a session trusts before any registry's own CA is added: Node's
 * bundled Mozilla roots, the operating system's, and `NODE_EXTRA_CA_CERTS`. Node's own store is the
 * Mozilla bundle only, so a company CA installed with `update-ca-certificates` would be unknown.
 * On Linux and the other Unixes the system's CAs are read the way Go's crypto/x509 reads them
 * (Docker and containerd do): the first bundle file of its list that can be read (or
 * `SSL_CERT_FILE` instead of the list), then every file of its certificate folders (or the
 * `:`-separated `SSL_CERT_DIR`). On macOS and Windows the store comes from Node's
 * `tls.getCACertificates('system')` where the running Node has it (22.15+); without it the limit
 * is said in the plan. Configured CAs (hosts.toml, certs.d) are added to these, never instead.
 */
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as tls from 'node:tls';

/** Go's crypto/x509 bundle files, in its order (root_linux.go). */
export const SYSTEM_BUNDLE_FILES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/pki/tls/cacert.pem',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/cert.pem',
];

/** Go's crypto/x509 certificate folders (root_linux.go). */
export const SYSTEM_CERT_DIRS = ['/etc/ssl/certs', '/etc/pki/tls/certs'];

/** The roots a connection verifies against, and where they came from. */
export interface TrustRoots {
  /** Identifies the set (a digest of the certificates), so equal sets share connections. */
  readonly id: string;
  /** PEM certificates, without duplicates. */
  readonly certificates: readonly string[];
  /** Each source that contributed, for the plan: "Node's bundled Mozilla roots", "the system bundle /etc/…". */
  readonly sources: readonly string[];
  /** Whether the operating system's CAs were read (false: disabled, or not possible with this Node). */
  readonly system: boolean;
  /** A short text for an unknown-authority error: what the certificate was checked against. */
  readonly summary: string;
}

export interface TrustOptions {
  /** Read the operating system's CAs (VS Code's `http.systemCertificates`); default true. */
  system?: boolean;
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g;

/**
 * The certificate blocks of a PEM text; anything else in the file is ignored, as Go does. (Parsing
 * each one here would cost a quarter of a second per hundred; a block TLS cannot use is skipped
 * when the TLS context is made.)
 */
export function certificatesIn(text: string): string[] {
  return (text.match(PEM_BLOCK) ?? []).map((block) => block.replace(/\r\n/g, '\n'));
}

/** Certificates read per file, kept while the file's size and time stay the same (a session re-checks with a stat). */
const fileCache = new Map<string, { mtimeMs: number; size: number; ino: number; certificates: string[] }>();

async function readCertificates(path: string): Promise<string[] | undefined> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return undefined;
    const cached = fileCache.get(path);
    if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size && cached.ino === info.ino) return cached.certificates;
    const certificates = certificatesIn(await readFile(path, 'utf8'));
    fileCache.set(path, { mtimeMs: info.mtimeMs, size: info.size, ino: info.ino, certificates });
    return certificates;
  } catch {
    return undefined;
  }
}

/**
 * Every certificate in a folder's files, skipping links to a file of the same folder (the hash links
 * `update-ca-certificates` makes: a link whose target has no "/"), as Go's readUniqueDirectoryEntries does.
 */
async function folderCertificates(dir: string): Promise<string[] | undefined> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  const found = await Promise.all(
    entries.map(async (entry) => {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink() && !(await readlink(path).catch(() => '/')).includes('/')) return [];
      return (await readCertificates(path)) ?? [];
    }),
  );
  return found.flat();
}

/** The operating system's CAs on a Unix other than macOS, the way Go reads them. */
async function unixSystem(env: Record<string, string | undefined>): Promise<{ certificates: string[]; sources: string[] }> {
  const certificates: string[] = [];
  const sources: string[] = [];
  const fileVar = env.SSL_CERT_FILE?.trim();
  const files = fileVar ? [fileVar] : SYSTEM_BUNDLE_FILES;
  for (const file of files) {
    const certs = await readCertificates(file);
    if (certs === undefined) continue;
    certificates.push(...certs);
    sources.push(`${fileVar ? 'SSL_CERT_FILE ' : 'the system bundle '}${file} (${certs.length} certificates)`);
    break;
  }
  if (fileVar && sources.length === 0) sources.push(`SSL_CERT_FILE ${fileVar}, which cannot be read`);
  const dirVar = env.SSL_CERT_DIR?.trim();
  const dirs = dirVar ? dirVar.split(':').filter((d) => d !== '') : SYSTEM_CERT_DIRS;
  for (const dir of dirs) {
    const certs = await folderCertificates(dir);
    if (certs === undefined) {
      if (dirVar) sources.push(`SSL_CERT_DIR ${dir}, which cannot be read`);
      continue;
    }
    certificates.push(...certs);
    if (certs.length > 0) sources.push(`${dirVar ? 'SSL_CERT_DIR ' : 'the system folder '}${dir} (${certs.length} certificates)`);
  }
  return { certificates, sources };
}

/** Node's own reading of the system store (22.15+ and 23.5+), when this Node has it. */
function nodeSystemStore(): string[] | undefined {
  const get = (tls as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  if (typeof get !== 'function') return undefined;
  try {
    return get('system');
  } catch {
    return undefined;
  }
}

/** Loads the roots for a session (a few hundred small files at most, read once per session). */
export async function loadTrustRoots(options: TrustOptions): Promise<TrustRoots> {
  const sources = ["Node's bundled Mozilla roots"];
  const all: string[] = [...tls.rootCertificates];
  let system = false;
  if (options.system === false) {
    sources.push("not the system's CAs (turned off in the settings)");
  } else if (options.platform === 'darwin' || options.platform === 'win32') {
    const store = nodeSystemStore();
    if (store) {
      all.push(...store);
      system = true;
      sources.push(`the operating system's store (${store.length} certificates)`);
    } else {
      sources.push(
        `not the operating system's store: Node ${process.versions.node} cannot read it (22.15 or later can); give a company CA in hosts.toml, certs.d or NODE_EXTRA_CA_CERTS`,
      );
    }
  } else {
    const found = await unixSystem(options.env);
    all.push(...found.certificates);
    sources.push(...found.sources);
    system = true;
  }
  const extra = options.env.NODE_EXTRA_CA_CERTS?.trim();
  if (extra) {
    const certs = await readCertificates(extra);
    if (certs) all.push(...certs);
    sources.push(
      certs ? `NODE_EXTRA_CA_CERTS ${extra} (${certs.length} certificates)` : `NODE_EXTRA_CA_CERTS ${extra}, which cannot be read`,
    );
  }
  const certificates = [...new Set(all.map((c) => c.trim()))];
  const summary = system ? "the system's CAs and Node's bundled roots" : "Node's bundled roots only (not the system's CAs)";
  const id = createHash('sha256').update(certificates.join('\n')).digest('hex');
  return { id, certificates, sources, system, summary };
}
