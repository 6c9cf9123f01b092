import * as vscode from 'vscode';
import { showError } from '../common/notify';
import { core } from '../common/core-loader';
import pLimit from 'p-limit';
import type { CredentialStore, ParsedManifest, RegistryClient, RegistrySession, Repository, RequestLogEntry } from '../core/index';
import { coreConfigFrom, type ExplorerSettings, type RegistrySetting } from '../common/settings';
import { impactOf } from '../common/settings-impact';
import { createdTimeOf } from './created-dates';
import { discoverRegistries } from './discovery';
import type { NameFilter } from './name-filter';
import { MessageNode, PagedNode, RegistryNode, type ExplorerNode, type RegistryEntry, type TreeContext } from './nodes/registry-nodes';
import { visibleTreeItem } from './visible-tree-item';

/**
 * The registries → repositories → tags tree. Nodes are kept between refreshes so their pages stay
 * loaded; item ids are stable, so VS Code keeps what was expanded.
 */
export class RegistryTreeProvider implements vscode.TreeDataProvider<ExplorerNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<ExplorerNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private roots: Promise<ExplorerNode[]> | undefined;
  /** The roots last built, for lookups by host (refresh after a copy, the Filter command). */
  private builtRoots: ExplorerNode[] = [];
  private session: RegistrySession | undefined;
  private readonly ctx: TreeContext;
  /** Background lookups for drawn rows, a few at a time so a long tag list never floods the registry. */
  private readonly backgroundLimit = pLimit(4);
  private readonly manifests = new Map<string, ParsedManifest>();
  private readonly filters = new Map<string, NameFilter>();
  /** Creation times by manifest digest (content-addressed, so never stale). */
  private readonly createdTimes = new Map<string, Promise<number | undefined>>();

  constructor(
    private settings: ExplorerSettings,
    private readonly log: vscode.LogOutputChannel,
    readonly logins?: CredentialStore,
  ) {
    this.ctx = {
      pageSize: () => this.settings.pageSize,
      tagSortOrder: () => this.settings.tagSortOrder,
      nestedRepositories: () => this.settings.nestedRepositories,
      changed: (node) => this.changeEmitter.fire(node),
      describe: (err, doing) => this.describe(err, doing),
      lazy: (task) => this.backgroundLimit(task),
      manifests: this.manifests,
      filters: this.filters,
      repository: (client, name) => this.repositoryOf(client, name),
      createdTime: (repository, parsed) => this.createdTime(repository, parsed),
    };
  }

  getTreeItem(node: ExplorerNode): vscode.TreeItem {
    // The one door to VS Code for rows: registry strings in them are shown with hidden characters visible.
    return visibleTreeItem(node.treeItem());
  }

  getParent(node: ExplorerNode): ExplorerNode | undefined {
    return node.parent;
  }

  async getChildren(node?: ExplorerNode): Promise<ExplorerNode[]> {
    if (node) return node.children ? node.children() : [];
    this.roots ??= this.buildRoots();
    return this.roots;
  }

  /** The registry nodes shown now (configured, then discovered). */
  get registries(): RegistryNode[] {
    return this.builtRoots.filter((n): n is RegistryNode => n instanceof RegistryNode);
  }

  /** New settings: as little is rebuilt as the change needs (see settings-impact.ts). */
  updateSettings(settings: ExplorerSettings): void {
    const impact = impactOf(this.settings, settings);
    this.settings = settings;
    if (impact === 'session') this.refresh();
    else if (impact === 'rebuild') this.rebuild();
    else if (impact === 'redraw') this.changeEmitter.fire(undefined);
  }

  /** The configured core (created on first use), for commands that need more than the tree shows. */
  get core(): RegistrySession {
    return this.currentSession();
  }

  /**
   * A repository of any registry, for commands: the one place where settings that tune what the
   * core does with a repository (the upload chunk size) are applied.
   */
  repository(host: string, name: string): Repository {
    return this.repositoryOf(this.core.registry(host), name);
  }

  private repositoryOf(client: RegistryClient, name: string): Repository {
    const repository = client.repository(name);
    const mib = this.settings.uploadChunkSizeMiB;
    if (mib > 0) repository.upload = { ...repository.upload, chunkSize: mib * 1024 * 1024 };
    return repository;
  }

  /** Refreshes one node (forgetting its pages) or, without one, the whole view. */
  refresh(node?: ExplorerNode): void {
    if (node instanceof PagedNode) {
      node.reset();
      this.changeEmitter.fire(node);
      return;
    }
    this.closeClients();
    this.rebuild();
  }

  /** Redraws a node after its filter changed: what is loaded stays, the display is recomputed. */
  filterChanged(node: PagedNode): void {
    this.changeEmitter.fire(node);
  }

  /** Refreshes a repository's node if the tree shows that registry (after a copy, tag or delete). */
  refreshRepository(host: string, repository: string): void {
    const registry = this.registries.find((r) => r.entry.host === host);
    if (!registry) return;
    const shown = registry.shownChild(repository);
    // A repository new to the catalog needs the registry's listing refreshed; ids keep what was expanded.
    this.refresh(shown instanceof PagedNode ? shown : registry);
  }

  private rebuild(): void {
    this.roots = undefined;
    this.changeEmitter.fire(undefined);
  }

  private closeClients(): void {
    void this.session?.close();
    this.session = undefined;
  }

  /**
   * The core, configured from settings: hosts directories, Docker and Podman logins, insecure
   * registries and resolve rules. A new one after every change to those settings or a refresh.
   */
  private currentSession(): RegistrySession {
    this.session ??= core().createSession(coreConfigFrom(this.settings, (e) => this.logRequest(e), this.logins));
    return this.session;
  }

  async loadMore(node: PagedNode): Promise<void> {
    try {
      await node.loadMore();
    } catch (err) {
      void showError(`Loading more: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.changeEmitter.fire(node);
  }

  dispose(): void {
    this.closeClients();
    this.changeEmitter.dispose();
  }

  /** Configured registries first, then (unless hidden) the ones discovered from logins. */
  private async buildRoots(): Promise<ExplorerNode[]> {
    const nodes: ExplorerNode[] = [];
    const seen = new Set<string>();
    for (const setting of this.settings.registries) {
      const node = this.configuredNode(setting, seen);
      if (node) nodes.push(node);
    }
    if (this.settings.showDiscoveredRegistries) nodes.push(...(await this.discoveredNodes(seen)));
    this.builtRoots = nodes;
    return nodes;
  }

  private configuredNode(setting: RegistrySetting, seen: Set<string>): RegistryNode | undefined {
    try {
      const { host } = core().parseRegistryLocation(setting.url);
      if (seen.has(host)) return undefined;
      seen.add(host);
      return this.registryNode({ id: host, label: setting.name?.trim() || host, host, origin: { kind: 'configured', settingUrl: setting.url }, pinnedRepositories: setting.repositories ?? [] });
    } catch (err) {
      this.log.warn(`Skipping registry "${setting.url}" from settings: ${this.describe(err, 'reading settings')}`);
      return undefined;
    }
  }

  private async discoveredNodes(seen: Set<string>): Promise<ExplorerNode[]> {
    const hidden = new Set(this.settings.hiddenRegistries.map((h) => h.trim().toLowerCase()));
    try {
      const found = await discoverRegistries(this.currentSession(), this.settings);
      return found
        .filter((d) => !seen.has(d.host) && !hidden.has(d.host.toLowerCase()))
        .map((d) => this.registryNode({ id: d.host, label: d.host, host: d.host, origin: { kind: 'discovered', sources: d.sources }, pinnedRepositories: [] }));
    } catch (err) {
      // A malformed login file is the user's to fix; the configured registries still show.
      return [new MessageNode(undefined, this.describe(err, 'reading Docker and Podman logins'), 'error')];
    }
  }

  private registryNode(entry: Omit<RegistryEntry, 'client'>): RegistryNode {
    return new RegistryNode({ ...entry, client: this.currentSession().registry(entry.host) }, this.ctx);
  }

  private createdTime(repository: Repository, parsed: ParsedManifest): Promise<number | undefined> {
    const digest = parsed.descriptor.digest;
    let time = this.createdTimes.get(digest);
    if (!time) {
      time = createdTimeOf(repository, parsed);
      this.createdTimes.set(digest, time);
      // A failure (network, a refused blob) is asked again on the next redraw, not remembered.
      time.catch(() => this.createdTimes.delete(digest));
    }
    return time;
  }

  logRequest(e: RequestLogEntry): void {
    const outcome = e.status !== undefined ? String(e.status) : `failed (${e.error ?? 'error'})`;
    // The channel redacts URLs (signed query parameters, upload state, user info): see redact.ts.
    this.log.debug(`${e.method} ${e.url} → ${outcome} in ${Math.round(e.durationMs)} ms`);
  }

  private describe(err: unknown, doing: string): string {
    const message = err instanceof Error ? err.message : String(err);
    this.log.error(`While ${doing}: ${message}`);
    return message;
  }
}
