// What the integration suites share: the extension's id, the lab, reading and waiting on tree
// nodes, and reading what the extension wrote.
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import type { RegistryExplorerApi } from '../../src/extension';
import type { ExplorerNode } from '../../src/views/nodes/node-base';
import type { ProviderLabDescription } from '../support/lab/vendors/provider-lab';
import type { BulkDescription } from '../support/lab/bulk-content';

export const EXTENSION_ID = 'oci-registry-explorer.oci-registry-explorer';

export function label(node: ExplorerNode): string {
  const l = node.treeItem().label;
  return typeof l === 'string' ? l : (l?.label ?? '');
}

export async function childLabels(api: RegistryExplorerApi, node?: ExplorerNode): Promise<string[]> {
  return (await api.tree.getChildren(node)).map(label);
}

/** The child of `node` (or the root) with this label, failing with the labels there are. */
export async function child(api: RegistryExplorerApi, node: ExplorerNode | undefined, name: string | RegExp): Promise<ExplorerNode> {
  const children = await api.tree.getChildren(node);
  const found = children.find((n) => (typeof name === 'string' ? label(n) === name : name.test(label(n))));
  assert.ok(found, `"${String(name)}" is among ${children.map(label).join(', ')}`);
  return found;
}

/** Polls `probe` until it gives a value (errors count as "not yet"), for up to `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A loopback port nothing listens on (a registry that is gone). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** The lab registries test/e2e/run.ts started (env REGISTRY_EXPLORER_LAB). */
export interface LabDescription {
  registry: { url: string; host: string; logPath: string };
  basic: { url: string; host: string; username: string; password: string };
  token: {
    url: string;
    host: string;
    username: string;
    password: string;
    readOnly: { username: string; password: string };
    realm: string;
    service: string;
  };
  tls: { url: string; host: string; caCertPath: string };
  /** GitHub's and Docker Hub's contract servers (test/support/lab/vendors/provider-lab.ts). */
  providers?: ProviderLabDescription;
  /** A file with the CloudApiLabDescription of ECR's and Google's APIs, and ACR's and ECR's repositories with untagged manifests. */
  cloudsFile?: string;
  /** A file with the VendorDeletesDescription: GHCR's and ECR's repositories for the tree's Delete. */
  vendorDeletesFile?: string;
  big: { url: string; host: string; bulk: BulkDescription };
}

export function labDescription(): LabDescription {
  const lab = JSON.parse(process.env.REGISTRY_EXPLORER_LAB ?? '{}') as Partial<LabDescription>;
  assert.ok(lab.registry && lab.basic && lab.token && lab.tls && lab.big, 'REGISTRY_EXPLORER_LAB describes the lab registries');
  return lab as LabDescription;
}

/** Every file under `dir` (none when it does not exist). */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Everything the extension's log files hold now. */
export function logText(api: RegistryExplorerApi): string {
  return filesUnder(api.logUri.fsPath)
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
}

/** The log once it holds `pattern` (the channel writes its file a moment after a line is logged). */
export function logWith(api: RegistryExplorerApi, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  return waitFor(
    `the log to hold ${pattern}`,
    () => {
      const text = logText(api);
      return pattern.test(text) ? text : undefined;
    },
    timeoutMs,
  );
}

/**
 * The settings files the extension's settings are written to: the user's settings.json (two
 * folders above an extension's global storage) and, under code-server, the remote machine's, which
 * holds the machine-scoped ones.
 */
export function settingsFiles(api: RegistryExplorerApi): string[] {
  const user = join(api.storageUris[0]!.fsPath, '..', '..');
  return [join(user, 'settings.json'), join(user, '..', 'Machine', 'settings.json')].filter((f) => existsSync(f));
}

/** The text of every settings file (see {@link settingsFiles}). */
export function settingsText(api: RegistryExplorerApi): string {
  return settingsFiles(api)
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
}
