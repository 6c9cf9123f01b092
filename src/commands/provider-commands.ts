/**
 * Commands that come with registry providers: Open in Browser on a registry, repository or tag
 * whose vendor has a web page for it, and Sort Repositories by name or by last push.
 */
import * as vscode from 'vscode';
import { showInfo } from '../common/notify';
import { setRepositorySortOrder, type RepositorySortOrder } from '../common/settings';
import { TagNode } from '../views/nodes/content-nodes';
import type { ExplorerNode } from '../views/nodes/node-base';
import { RegistryNode } from '../views/nodes/registry-node';
import { RepositoryNode } from '../views/nodes/repository-node';
import type { CommandContext } from './command-context';

export function registerProviderCommands({ registry }: CommandContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('registryExplorer.openInBrowser', (node?: ExplorerNode) => openInBrowser(node)),
    vscode.commands.registerCommand('registryExplorer.sortRepositories', (order?: unknown) =>
      sortRepositories(order === 'name' || order === 'lastPush' ? order : undefined, registry.settings.repositorySortOrder),
    ),
  ];
}

/** The vendor's web page for a row: its registry's, a repository's (the one the listing named first), a tag's. */
export function webPageOf(node: ExplorerNode | undefined): string | undefined {
  const registryNode = registryOf(node);
  if (!registryNode) return undefined;
  const provider = registryNode.entry.provider;
  if (node instanceof RegistryNode) return provider.webPage();
  if (node instanceof RepositoryNode) return registryNode.detailsOf(node.name)?.webUrl ?? provider.webPage({ repository: node.name });
  if (node instanceof TagNode) return provider.webPage({ repository: node.place.name, tag: node.tag });
  return undefined;
}

/** Opens the row's web page in the browser; returns it (scripts and tests read it). */
async function openInBrowser(node: ExplorerNode | undefined): Promise<string | undefined> {
  const page = webPageOf(node);
  const registryNode = registryOf(node);
  if (!page) {
    if (registryNode) void showInfo(`${registryNode.entry.provider.info.name} has no web page for this in Registry Explorer.`);
    return undefined;
  }
  await vscode.env.openExternal(vscode.Uri.parse(page, true));
  return page;
}

/** Orders every registry's repositories by name or by last push (as the provider reports it), in the settings. */
async function sortRepositories(
  preset: RepositorySortOrder | undefined,
  current: RepositorySortOrder,
): Promise<RepositorySortOrder | undefined> {
  const items: (vscode.QuickPickItem & { value: RepositorySortOrder })[] = [
    { label: 'Name', description: current === 'name' ? 'current' : undefined, detail: 'Alphabetical', value: 'name' },
    {
      label: 'Last push',
      description: current === 'lastPush' ? 'current' : undefined,
      detail: 'Latest first, where the provider says (Docker Hub, GitHub, Quay, Harbor); the others by name after them',
      value: 'lastPush',
    },
  ];
  const order = preset ?? (await vscode.window.showQuickPick(items, { title: 'Sort Repositories By' }))?.value;
  if (!order) return undefined;
  await setRepositorySortOrder(order);
  return order;
}

function registryOf(node: ExplorerNode | undefined): RegistryNode | undefined {
  let current = node;
  while (current && !(current instanceof RegistryNode)) current = current.parent;
  return current;
}
