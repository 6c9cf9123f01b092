/**
 * Commands on the tree itself: Filter… / Clear Filter on registries and repositories, and what a
 * registry row offers to fix or tidy it: Keep in Settings and Hide (discovered registries), Mark
 * Insecure, Open hosts.toml.
 */
import * as vscode from 'vscode';
import { showInfo } from '../common/notify';
import { addInsecureRegistry, hideRegistry, readSettings, writeRegistries } from '../common/settings';
import { parseNameFilter } from '../views/name-filter';
import { core } from '../common/core-loader';
import { TagNode } from '../views/nodes/content-nodes';
import { CONTEXT } from '../views/nodes/context-values';
import { FolderNode, RegistryNode } from '../views/nodes/registry-node';
import { PagedNode } from '../views/nodes/paged-node';
import { RepositoryNode } from '../views/nodes/repository-node';
import { type ExplorerNode } from '../views/nodes/node-base';
import type { HostsTomlPlace } from '../views/registry-fixes';
import type { RegistryTreeProvider } from '../views/registry-tree';
import type { RegistryService } from '../common/registry-service';
import type { CommandContext } from './command-context';

export function registerTreeCommands({ registry, tree }: CommandContext, view: vscode.TreeView<ExplorerNode>): vscode.Disposable[] {
  const register = (id: string, run: (...args: never[]) => unknown) => vscode.commands.registerCommand(id, run);
  return [
    register('registryExplorer.revealInTree', (target?: unknown) => revealInTree(target, tree, view)),
    register('registryExplorer.filter', (node?: unknown, text?: unknown) => filter(node, text, tree, view)),
    register('registryExplorer.clearFilter', (node?: unknown) => clearFilter(node, tree, view)),
    register('registryExplorer.keepRegistry', (node?: unknown) => keepRegistry(node)),
    register('registryExplorer.hideRegistry', (node?: unknown) =>
      node instanceof RegistryNode && node.entry.origin.kind === 'discovered' ? hideRegistry(node.entry.host) : undefined,
    ),
    register('registryExplorer.markInsecure', (node?: unknown) => markInsecure(node)),
    register('registryExplorer.openHostsToml', (node?: unknown) => openHostsToml(node, registry)),
  ];
}

/**
 * Filters a registry's repositories or a repository's tags by substring or glob. From the view's
 * title it filters the selected row's listing (or asks which registry). Scripts pass the text.
 */
async function filter(
  node: unknown,
  text: unknown,
  tree: RegistryTreeProvider,
  view: vscode.TreeView<ExplorerNode>,
): Promise<string | undefined> {
  const target = pagedNodeOf(node) ?? pagedNodeOf(view.selection[0]) ?? (await pickRegistry(tree, 'Filter'));
  if (!target) return undefined;
  const what =
    target instanceof RegistryNode
      ? `repositories of ${target.entry.label}`
      : `tags of ${(target as PagedNode & { reference: string }).reference}`;
  const value =
    typeof text === 'string'
      ? text
      : await vscode.window.showInputBox({
          title: `Filter ${what}`,
          prompt:
            'Part of a name, or a glob (* any characters, / included; ? one character) that matches the whole name or its end after a /. Empty clears the filter.',
          placeHolder: target instanceof RegistryNode ? 'team-a/*, api' : '1.2.*, rc',
          value: target.filter?.text ?? '',
        });
  if (value === undefined) return undefined;
  target.setFilter(parseNameFilter(value));
  tree.filterChanged(target);
  await revealExpanded(view, target);
  return target.filter?.text;
}

async function clearFilter(node: unknown, tree: RegistryTreeProvider, view: vscode.TreeView<ExplorerNode>): Promise<void> {
  const target = pagedNodeOf(node) ?? pagedNodeOf(view.selection[0]);
  if (!target?.filter) return;
  target.setFilter(undefined);
  tree.filterChanged(target);
}

/** The listing a row belongs to: itself for a registry or repository, else the nearest one above. */
function pagedNodeOf(node: unknown): PagedNode | undefined {
  let current = node as ExplorerNode | undefined;
  while (current && !(current instanceof PagedNode)) current = current.parent;
  return current;
}

async function pickRegistry(tree: RegistryTreeProvider, title: string): Promise<RegistryNode | undefined> {
  const registries = tree.registries;
  if (registries.length <= 1) return registries[0];
  const picked = await vscode.window.showQuickPick(
    registries.map((node) => ({
      label: node.entry.label,
      description: node.entry.label === node.entry.host ? undefined : node.entry.host,
      node,
    })),
    { title, placeHolder: 'Registry' },
  );
  return picked?.node;
}

async function revealExpanded(view: vscode.TreeView<ExplorerNode>, node: ExplorerNode): Promise<void> {
  // From the palette with the view closed, the filter applies the next time the view is opened.
  if (!view.visible) return;
  try {
    await view.reveal(node, { expand: true, select: false, focus: false });
  } catch {
    // The node is no longer in the tree (a refresh replaced it): the redraw shows the filter anyway.
  }
}

/** Adds a discovered registry to `registryExplorer.registries`, where it can be named and pinned. */
async function keepRegistry(node: unknown): Promise<boolean> {
  if (!(node instanceof RegistryNode) || node.entry.origin.kind !== 'discovered') return false;
  await writeRegistries([...readSettings().registries, { url: node.entry.host }]);
  return true;
}

/**
 * Marks a registry insecure: `insecure: true` on its settings entry, or, for a discovered registry
 * (which has no entry), its host in `registryExplorer.insecureRegistries`. Both are machine-scoped.
 */
async function markInsecure(node: unknown): Promise<boolean> {
  if (!(node instanceof RegistryNode)) return false;
  const origin = node.entry.origin;
  if (origin.kind === 'discovered') {
    await addInsecureRegistry(node.entry.host);
  } else {
    const registries = readSettings().registries.map((r) => (r.url === origin.settingUrl ? { ...r, insecure: true } : r));
    await writeRegistries(registries);
  }
  void showInfo(`${node.entry.host} is now insecure: its certificate is not verified, and plain HTTP is used if it does not speak TLS.`);
  return true;
}

/** Opens the hosts.toml behind a registry's endpoints, at the line an error names. */
async function openHostsToml(node: unknown, registry: RegistryService): Promise<void> {
  if (!(node instanceof RegistryNode)) return;
  const place: HostsTomlPlace | undefined =
    node.hostsTomlPlace ??
    (await node.entry.client.plan('list').then(
      (p) => (p.source?.file ? { file: p.source.file } : undefined),
      () => undefined,
    ));
  if (!place) {
    void showInfo(`No hosts.toml applies to ${node.entry.host}; its host directories are ${registry.session.hostsDirectories.join(', ')}.`);
    return;
  }
  const line = place.line ? new vscode.Position(place.line - 1, 0) : undefined;
  await vscode.window.showTextDocument(vscode.Uri.file(place.file), {
    preview: true,
    ...(line ? { selection: new vscode.Range(line, line) } : {}),
  });
}

/** Nodes of a listing looked at while searching for a reference: enough pages for any real repository. */
const REVEAL_PAGES = 20;

/**
 * Selects `{ reference }` (registry/repository[:tag]) in the tree, loading pages as needed and
 * opening folders on the way; stops at the deepest node found (the registry, the repository).
 * Returns whether the exact node was found.
 */
async function revealInTree(target: unknown, tree: RegistryTreeProvider, view: vscode.TreeView<ExplorerNode>): Promise<boolean> {
  const text = (target as { reference?: unknown } | undefined)?.reference;
  if (typeof text !== 'string') return false;
  const ref = core().parseReference(text);
  const registry = (await tree.childrenOf(undefined)).find(
    (n): n is RegistryNode => n instanceof RegistryNode && n.entry.host === ref.registry,
  );
  if (!registry) return false;
  const repository = await findChild(
    tree,
    registry,
    (n) => n instanceof RepositoryNode && n.name === ref.repository,
    (n) => n instanceof FolderNode,
  );
  const tag = repository && ref.tag ? await findChild(tree, repository, (n) => n instanceof TagNode && n.tag === ref.tag) : undefined;
  const found = tag ?? repository ?? registry;
  await view.reveal(found, { select: true, focus: true, expand: false });
  return found === (ref.tag ? tag : repository);
}

/** Walks `parent`'s children (and into folders), loading more pages until `wanted` shows up. */
async function findChild(
  tree: RegistryTreeProvider,
  parent: ExplorerNode,
  wanted: (n: ExplorerNode) => boolean,
  descend: (n: ExplorerNode) => boolean = () => false,
): Promise<ExplorerNode | undefined> {
  for (let page = 0; page < REVEAL_PAGES; page++) {
    const children = await tree.childrenOf(parent);
    const hit = children.find(wanted);
    if (hit) return hit;
    for (const folder of children.filter(descend)) {
      const inside = await findChild(tree, folder, wanted, descend);
      if (inside) return inside;
    }
    if (!(parent instanceof PagedNode) || !children.some((c) => c.treeItem().contextValue === CONTEXT.loadMore)) return undefined;
    await parent.loadMore();
  }
  return undefined;
}
