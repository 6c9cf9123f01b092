import * as vscode from 'vscode';
import { core } from '../core-loader';
import pLimit from 'p-limit';
import type { CredentialStore, ParsedManifest, RegistrySession, RequestLogEntry } from '../core/index';
import { coreConfigFrom, type ExplorerSettings } from '../settings';
import { PagedNode, RegistryNode, type ExplorerNode, type RegistryEntry, type TreeContext } from './nodes';

/**
 * The registries → repositories → tags tree. Nodes are kept between refreshes so their pages stay
 * loaded; item ids are stable, so VS Code keeps what was expanded.
 */
export class RegistryTreeProvider implements vscode.TreeDataProvider<ExplorerNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<ExplorerNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private roots: RegistryNode[] | undefined;
  private session: RegistrySession | undefined;
  private readonly ctx: TreeContext;
  /** Background lookups for drawn rows, a few at a time so a long tag list never floods the registry. */
  private readonly backgroundLimit = pLimit(4);
  private readonly manifests = new Map<string, ParsedManifest>();

  constructor(
    private settings: ExplorerSettings,
    private readonly log: vscode.LogOutputChannel,
    readonly logins?: CredentialStore,
  ) {
    this.ctx = {
      pageSize: () => this.settings.pageSize,
      tagSortOrder: () => this.settings.tagSortOrder,
      changed: (node) => this.changeEmitter.fire(node),
      describe: (err, doing) => this.describe(err, doing),
      lazy: (task) => this.backgroundLimit(task),
      manifests: this.manifests,
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

  /** The configured core (created on first use), for commands that need more than the tree shows. */
  get core(): RegistrySession {
    return this.currentSession();
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

  /** Refreshes a repository's node if the tree shows that registry (after a copy, tag or delete). */
  refreshRepository(host: string, repository: string): void {
    const registry = this.roots?.find((r) => r.entry.host === host);
    if (!registry) return;
    const shown = registry.shownChild(repository);
    // A repository new to the catalog needs the registry's listing refreshed; ids keep what was expanded.
    this.refresh(shown instanceof PagedNode ? shown : registry);
  }

  private closeClients(): void {
    void this.session?.close();
    this.session = undefined;
  }

  /**
   * The core, configured from settings: hosts directories, Docker and Podman logins, insecure
   * registries and resolve rules. A new one after every settings change or refresh.
   */
  private currentSession(): RegistrySession {
    this.session ??= core().createSession(coreConfigFrom(this.settings, (e) => this.logRequest(e), this.logins));
    return this.session;
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
        const { host } = core().parseRegistryLocation(setting.url);
        if (seen.has(host)) continue;
        seen.add(host);
        const entry: RegistryEntry = {
          id: host,
          label: setting.name?.trim() || host,
          host,
          settingUrl: setting.url,
          pinnedRepositories: setting.repositories ?? [],
          client: this.currentSession().registry(host),
        };
        nodes.push(new RegistryNode(entry, this.ctx));
      } catch (err) {
        this.log.warn(`Skipping registry "${setting.url}" from settings: ${this.describe(err, 'reading settings')}`);
      }
    }
    return nodes;
  }

  logRequest(e: RequestLogEntry): void {
    const outcome = e.status !== undefined ? String(e.status) : `failed (${e.error ?? 'error'})`;
    this.log.debug(`${e.method} ${e.url} → ${outcome} in ${Math.round(e.durationMs)} ms`);
  }

  private describe(err: unknown, doing: string): string {
    const message = err instanceof Error ? err.message : String(err);
    this.log.error(`While ${doing}: ${message}`);
    return message;
  }
}
