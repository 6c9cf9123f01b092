import * as vscode from 'vscode';
import { core } from '../core-loader';
import type { RequestLogEntry } from '../core/index';
import type { ExplorerSettings } from '../settings';
import { PagedNode, RegistryNode, type ExplorerNode, type RegistryEntry, type TreeContext } from './nodes';

/**
 * The registries → repositories → tags tree. Nodes are kept between refreshes so their pages stay
 * loaded; item ids are stable, so VS Code keeps what was expanded.
 */
export class RegistryTreeProvider implements vscode.TreeDataProvider<ExplorerNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<ExplorerNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private roots: RegistryNode[] | undefined;
  private readonly ctx: TreeContext;

  constructor(
    private settings: ExplorerSettings,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.ctx = {
      pageSize: () => this.settings.pageSize,
      tagSortOrder: () => this.settings.tagSortOrder,
      changed: (node) => this.changeEmitter.fire(node),
      describe: (err, doing) => this.describe(err, doing),
    };
  }

  getTreeItem(node: ExplorerNode): vscode.TreeItem {
    return node.treeItem();
  }

  getParent(node: ExplorerNode): ExplorerNode | undefined {
    return node.parent;
  }

  async getChildren(node?: ExplorerNode): Promise<ExplorerNode[]> {
    if (node) return node.children ? node.children() : [];
    this.roots ??= this.buildRoots();
    return this.roots;
  }

  /** New settings: registries are rebuilt (their endpoints may have changed); the view redraws. */
  updateSettings(settings: ExplorerSettings): void {
    this.settings = settings;
    this.refresh();
  }

  /** Refreshes one node (forgetting its pages) or, without one, the whole view. */
  refresh(node?: ExplorerNode): void {
    if (node instanceof PagedNode) {
      node.reset();
      this.changeEmitter.fire(node);
      return;
    }
    this.closeClients();
    this.roots = undefined;
    this.changeEmitter.fire(undefined);
  }

  private closeClients(): void {
    for (const root of this.roots ?? []) void root.entry.client.close();
  }

  async loadMore(node: PagedNode): Promise<void> {
    try {
      await node.loadMore();
    } catch (err) {
      void vscode.window.showErrorMessage(this.describe(err, 'loading more'));
    }
    this.changeEmitter.fire(node);
  }

  dispose(): void {
    this.closeClients();
    this.changeEmitter.dispose();
  }

  private buildRoots(): RegistryNode[] {
    const nodes: RegistryNode[] = [];
    const seen = new Set<string>();
    for (const setting of this.settings.registries) {
      try {
        const { endpointFor, RegistryClient } = core();
        const endpoint = endpointFor(setting.url, { insecure: setting.insecure === true, insecureRegistries: this.settings.insecureRegistries });
        if (seen.has(endpoint.host)) continue;
        seen.add(endpoint.host);
        const entry: RegistryEntry = {
          id: endpoint.host,
          label: setting.name?.trim() || endpoint.host,
          host: endpoint.host,
          settingUrl: setting.url,
          pinnedRepositories: setting.repositories ?? [],
          client: new RegistryClient(endpoint, {
            log: (e) => this.logRequest(e),
            requestTimeoutMs: this.settings.requestTimeoutSeconds * 1000,
          }),
        };
        nodes.push(new RegistryNode(entry, this.ctx));
      } catch (err) {
        this.log.warn(`Skipping registry "${setting.url}" from settings: ${this.describe(err, 'reading settings')}`);
      }
    }
    return nodes;
  }

  private logRequest(e: RequestLogEntry): void {
    const outcome = e.status !== undefined ? String(e.status) : `failed (${e.error ?? 'error'})`;
    this.log.debug(`${e.method} ${e.url} → ${outcome} in ${Math.round(e.durationMs)} ms`);
  }

  private describe(err: unknown, doing: string): string {
    const message = err instanceof Error ? err.message : String(err);
    this.log.error(`While ${doing}: ${message}`);
    return message;
  }
}
