import * as vscode from 'vscode';
import { showError } from '../common/notify';
import { core } from '../common/core-loader';
import pLimit from 'p-limit';
import type { CoreError, ParsedManifest, ProviderClient, ProviderInfo, RegistryClient, Repository } from '../core/index';
import { meansRegistryDown } from './registry-fixes';
import { errorText } from '../common/error-text';
import type { RegistryService } from '../common/registry-service';
import type { RegistrySetting } from '../common/settings';
import type { SettingsImpact } from '../common/settings-impact';
import { createdTimeOf } from './created-dates';
import { discoverRegistries, notShownYet } from './discovery';
import type { NameFilter } from './name-filter';
import { MessageNode, type ExplorerNode, type TreeContext } from './nodes/node-base';
import { PagedNode } from './nodes/paged-node';
import { RegistryNode, type RegistryEntry } from './nodes/registry-node';
import { RowRedraws } from './row-redraws';
import { RowsOnScreen } from './rows-on-screen';
import { visibleTreeItem } from './visible-tree-item';

/** The Registries view (package.json). */
export const VIEW_ID = 'registryExplorer.registries';

/**
 * The registries → repositories → tags tree. It presents: the registry service owns the session,
 * and nodes ask it through their client. Nodes are kept between refreshes so their pages stay
 * loaded; item ids are stable, so VS Code keeps what was expanded.
 */
export class RegistryTreeProvider implements vscode.TreeDataProvider<ExplorerNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<ExplorerNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  /** Every redraw goes through here: one under a row being redrawn waits until VS Code lists it again. */
  private readonly redraws = new RowRedraws<ExplorerNode>((node) => this.changeEmitter.fire(node));
  private roots: Promise<ExplorerNode[]> | undefined;
  /** The roots last built, for lookups by host (refresh after a copy, the Filter command). */
  private builtRoots: ExplorerNode[] = [];
  /** The session the shown rows were made with (their clients and providers carry it). */
  private builtSession: unknown;
  private readonly ctx: TreeContext;
  /** Background lookups for drawn rows, a few at a time so a long tag list never floods the registry. */
  private readonly backgroundLimit = pLimit(4);
  /** Which rows VS Code draws (registered as a file decoration provider by the extension). */
  readonly rows = new RowsOnScreen();
  /** Rows given a URI only to say when they are drawn (rows with none of their own). */
  private readonly drawnUris = new WeakMap<ExplorerNode, vscode.Uri>();
  private readonly filters = new Map<string, NameFilter>();
  /** Creation times by manifest digest (content-addressed, so never stale). */
  private readonly createdTimes = new Map<string, Promise<number | undefined>>();
  /** Providers recognised by a listing (Harbor nobody named), by host: a row built again (after a login, a refresh, a settings change) starts as it. */
  private readonly recognised = new Map<string, ProviderInfo>();
  private readonly pullLimitWatch: vscode.Disposable;

  constructor(
    private readonly service: RegistryService,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.ctx = {
      pageSize: () => this.service.settings.pageSize,
      tagSortOrder: () => this.service.settings.tagSortOrder,
      repositorySortOrder: () => this.service.settings.repositorySortOrder,
      nestedRepositories: () => this.service.settings.nestedRepositories,
      changed: (node) => this.redraws.redraw(node),
      drawn: (node) => this.redraws.drawn(node),
      note: (line) => this.log.warn(line),
      describe: (err, doing) => this.describe(err, doing),
      registryFailed: (host, err) => {
        if (meansRegistryDown((err as { code?: string } | undefined)?.code))
          this.registries.find((r) => r.entry.host === host)?.markUnreachable(err as CoreError);
      },
      providerRecognised: (host, info) => this.recognised.set(host, info),
      lazy: (task) => this.backgroundLimit(task),
      content: this.service.content,
      rows: this.rows,
      countRequests: (host, repository) =>
        this.service.requests.watch(repository, repository === undefined ? `${host} catalog` : `${host}/${repository}`),
      filters: this.filters,
      repository: (client, name) => this.service.repositoryOf(client, name),
      createdTime: (repository, parsed) => this.createdTime(repository, parsed),
    };
    // A registry that reports its pull rate limit (Docker Hub, on manifest requests) redraws its row,
    // at most once a second: every tag row's manifest request reports it again.
    const pending = new Map<string, NodeJS.Timeout>();
    this.pullLimitWatch = this.service.onPullRateLimit((registry) => {
      if (pending.has(registry)) return;
      const timer = setTimeout(() => {
        pending.delete(registry);
        for (const node of this.registries) if (core().canonicalHost(node.entry.host) === registry) this.redraws.redraw(node);
      }, 1000);
      pending.set(registry, timer);
    });
  }

  getTreeItem(node: ExplorerNode): vscode.TreeItem {
    // The one door to VS Code for rows: registry strings in them are shown with hidden characters visible.
    const item = visibleTreeItem(node.treeItem());
    // Its parent's redraw waits until the window has its listing: a drawn row says so (see row-redraws.ts).
    if (!item.resourceUri && node.parent && this.redraws.waitsForDrawnChild(node.parent)) {
      let uri = this.drawnUris.get(node);
      if (!uri) {
        uri = this.rows.watch(item.id ?? 'row', () => this.redraws.drawn(node));
        this.drawnUris.set(node, uri);
      }
      item.resourceUri = uri;
    }
    return item;
  }

  getParent(node: ExplorerNode): ExplorerNode | undefined {
    return node.parent;
  }

  /** VS Code lists a node's children (commands use {@link childrenOf}: only VS Code's listing counts for redraws). */
  async getChildren(node?: ExplorerNode): Promise<ExplorerNode[]> {
    if (!node) return this.childrenOf(undefined);
    const listed = this.redraws.listing(node);
    try {
      return await this.childrenOf(node);
    } finally {
      listed();
    }
  }

  /** A node's children (or the roots), as the tree shows them. */
  async childrenOf(node: ExplorerNode | undefined): Promise<ExplorerNode[]> {
    if (node) return node.children ? node.children() : [];
    this.roots ??= this.buildRoots();
    return this.roots;
  }

  /** The registry nodes shown now (configured, then discovered). */
  get registries(): RegistryNode[] {
    return this.builtRoots.filter((n): n is RegistryNode => n instanceof RegistryNode);
  }

  /** Settings changed, with what that means (see settings-impact.ts): as little is rebuilt as it needs. */
  settingsChanged(impact: SettingsImpact): void {
    if (impact === 'session' || impact === 'rebuild') this.rebuild();
    else if (impact === 'redraw') this.changeEmitter.fire(undefined);
  }

  /** Refreshes one node (forgetting its pages) or, without one, the whole view. */
  refresh(node?: ExplorerNode): void {
    if (node instanceof PagedNode) {
      node.reset();
      this.redraws.redraw(node);
      return;
    }
    this.service.reset();
    this.rebuild();
  }

  /** Redraws a node after its filter changed: what is loaded stays, the display is recomputed. */
  filterChanged(node: PagedNode): void {
    this.redraws.redraw(node);
  }

  /**
   * The provider the tree chose for a registry it shows (a self-hosted Harbor named in settings or
   * recognised); undefined when it shows none. Rows made before the session was replaced (settings
   * changed and the view not drawn since) hold the old session's API channel, with the old hosts
   * directories and resolve rules: the provider is then made again on the current session, as the
   * row will be.
   */
  providerOf(host: string): ProviderClient | undefined {
    const shown = this.registries.find((r) => r.entry.host === host);
    if (!shown || this.builtSession === this.service.session) return shown?.entry.provider;
    const setting = this.service.settings.registries.find((r) => {
      try {
        return core().parseRegistryLocation(r.url).host === host;
      } catch {
        return false;
      }
    });
    return this.providerFor(this.service.session.registry(host), host, setting);
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

  /**
   * Shows the next page: the "Load more…" row turns busy and the view shows progress while pages
   * are read (under a filter that can be up to ten registry pages), then the node redraws.
   */
  async loadMore(node: PagedNode): Promise<void> {
    if (node.loadingMore) return;
    node.loadingMore = true;
    if (node.loadMoreRow) this.redraws.redraw(node.loadMoreRow);
    try {
      await vscode.window.withProgress({ location: { viewId: VIEW_ID } }, () => node.loadMore());
    } catch (err) {
      void showError(`Loading more: ${errorText(err)}`);
    } finally {
      node.loadingMore = false;
    }
    this.redraws.redraw(node);
  }

  dispose(): void {
    this.pullLimitWatch.dispose();
    this.changeEmitter.dispose();
  }

  /** Configured registries first, then (unless hidden) the ones discovered from logins. */
  private async buildRoots(): Promise<ExplorerNode[]> {
    const session = this.service.session;
    const nodes: ExplorerNode[] = [];
    const seen = new Set<string>();
    for (const setting of this.service.settings.registries) {
      const node = this.configuredNode(setting, seen);
      if (node) nodes.push(node);
    }
    if (this.service.settings.showDiscoveredRegistries) nodes.push(...(await this.discoveredNodes(seen)));
    this.builtRoots = nodes;
    this.builtSession = session;
    return nodes;
  }

  private configuredNode(setting: RegistrySetting, seen: Set<string>): RegistryNode | undefined {
    try {
      const { host } = core().parseRegistryLocation(setting.url);
      // One node per registry, however its entries spell it (`registry.test`, `https://registry.test:443`).
      const key = core().registryHostKey(host);
      if (seen.has(key)) return undefined;
      seen.add(key);
      return this.registryNode({
        id: host,
        label: setting.name?.trim() || host,
        host,
        origin: { kind: 'configured', settingUrl: setting.url },
        pinnedRepositories: setting.repositories ?? [],
        setting,
      });
    } catch (err) {
      this.log.warn(`Skipping registry "${setting.url}" from settings: ${this.describe(err, 'reading settings')}`);
      return undefined;
    }
  }

  private async discoveredNodes(seen: Set<string>): Promise<ExplorerNode[]> {
    try {
      const found = await discoverRegistries(this.service.session, this.service.settings);
      return notShownYet(found, seen, this.service.settings.hiddenRegistries, core().registryHostKey).map((d) =>
        this.registryNode({
          id: d.host,
          label: d.host,
          host: d.host,
          origin: { kind: 'discovered', sources: d.sources },
          pinnedRepositories: [],
        }),
      );
    } catch (err) {
      // A malformed login file is the user's to fix; the configured registries still show.
      return [new MessageNode(undefined, this.describe(err, 'reading Docker and Podman logins'), 'error')];
    }
  }

  private registryNode({ setting, ...entry }: Omit<RegistryEntry, 'client' | 'provider'> & { setting?: RegistrySetting }): RegistryNode {
    const client = this.service.session.registry(entry.host);
    return new RegistryNode({ ...entry, client, provider: this.providerFor(client, entry.host, setting) }, this.ctx);
  }

  /**
   * The registry's provider: by its host, or the one its settings entry names (with the API URL
   * and namespaces there). A provider the settings name wrongly is reported, and the host decides.
   */
  private providerFor(client: RegistryClient, host: string, setting: RegistrySetting | undefined): ProviderClient {
    const { createProviderClient, parseRegistryLocation } = core();
    const api = this.service.session.apiChannel();
    const options = {
      ...(setting?.provider ? { provider: setting.provider } : {}),
      ...(setting?.apiUrl ? { apiUrl: setting.apiUrl } : {}),
      ...(setting?.namespaces ? { namespaces: setting.namespaces.filter((n) => typeof n === 'string' && n.trim() !== '') } : {}),
      ...(setting ? { scheme: parseRegistryLocation(setting.url).scheme } : {}),
    };
    const recognised = setting?.provider ? undefined : this.recognised.get(host);
    if (recognised) return createProviderClient(client, api, { ...options, recognised });
    try {
      return createProviderClient(client, api, options);
    } catch (err) {
      void showError(`Registry ${host}: ${errorText(err)}`);
      this.log.warn(`Registry ${host}: ${this.describe(err, 'reading its provider from settings')}`);
      return createProviderClient(client, api, { namespaces: options.namespaces ?? [] });
    }
  }

  private createdTime(repository: Repository, parsed: ParsedManifest): Promise<number | undefined> {
    const digest = parsed.descriptor.digest;
    let time = this.createdTimes.get(digest);
    if (!time) {
      time = createdTimeOf(repository, parsed, this.service.content);
      this.createdTimes.set(digest, time);
      // A failure (network, a refused blob) is asked again on the next redraw, not remembered.
      time.catch(() => this.createdTimes.delete(digest));
    }
    return time;
  }

  private describe(err: unknown, doing: string): string {
    const message = errorText(err);
    this.log.error(`While ${doing}: ${message}`);
    return message;
  }
}
