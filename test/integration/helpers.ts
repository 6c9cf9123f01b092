// What the integration suites share: the extension's id, and reading and waiting on tree nodes.
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import type { RegistryExplorerApi } from '../../src/extension';
import type { ExplorerNode } from '../../src/views/nodes';

export const EXTENSION_ID = 'oci-registry-explorer.oci-registry-explorer';

export function label(node: ExplorerNode): string {
  const l = node.treeItem().label;
  return typeof l === 'string' ? l : l?.label ?? '';
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
