import * as vscode from 'vscode';
import type { PingResult, RegistryClient, Repository } from '../../core/index';
import { TagNode } from './content-nodes';
import type { NameFilter } from '../name-filter';
import { ActionNode, MessageNode, type ExplorerNode, type TreeContext } from './node-base';
import { Pager } from '../pager';
import { fixesFor, hostsTomlOf, problemNote, settingAdvice, type HostsTomlPlace, type RegistryFix } from '../registry-fixes';
import { folderLevel, lastSegment, type FolderEntry } from '../repository-folders';
import { sortTags, sortTagsByCreated } from '../tag-order';

export { ActionNode, MessageNode, type ExplorerNode, type TreeContext } from './node-base';
export { TagNode } from './content-nodes';

/** A login file that named a discovered registry, and the tool that wrote it. */
export interface LoginSource {
  file: string;
  tool: 'Docker' | 'Podman';
}

/** Where a registry in the tree comes from: the user's settings, or a `docker login`/`podman login`. */
export type RegistryOrigin =
  | { kind: 'configured'; /** The URL as written in settings, to find the entry again. */ settingUrl: string }
  | { kind: 'discovered'; sources: readonly LoginSource[] };

/** A registry as the tree knows it: where it came from and the client that reaches it. */
export interface RegistryEntry {
  /** Stable id: the host as configured (`localhost:5000`). */
  id: string;
  label: string;
  host: string;
  origin: RegistryOrigin;
  pinnedRepositories: string[];
  client: RegistryClient;
}

/** GitLens-style "Load more…": asks its parent's pager for the next page. */
export class LoadMoreNode implements ExplorerNode {
  constructor(readonly parent: PagedNode, private readonly what: string, private readonly filter: NameFilter | undefined, private readonly loaded: number) {}

  treeItem(): vscode.TreeItem {
    const label = this.filter ? `Load more ${this.what} matching "${this.filter.text}"…` : `Load more ${this.what}…`;
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.iconPath = new vscode.ThemeIcon('ellipsis');
    item.contextValue = 'loadMore';
    if (this.filter) item.description = `${this.loaded} loaded`;
    item.command = { command: 'registryExplorer.loadMore', title: 'Load More', arguments: [this] };
    return item;
  }
}

/** A node whose children come from a paged listing, optionally filtered by name. */
export abstract class PagedNode implements ExplorerNode {
  protected pager: Pager<string> | undefined;
  /** The names the last redraw showed (filtered, ordered, paged). */
  protected shownNames: readonly string[] = [];

  constructor(readonly parent: ExplorerNode | undefined, protected readonly ctx: TreeContext) {}

  abstract treeItem(): vscode.TreeItem;
  protected abstract listing(): AsyncIterator<string[]>;
  protected abstract childFor(name: string): ExplorerNode;
  protected abstract readonly noun: string;
  /** The node's stable id, which also keys its filter. */
  abstract get id(): string;

  protected orderForDisplay(names: readonly string[]): readonly string[] {
    return names;
  }

  /** The child nodes for the names to show (a nested registry groups them into folders). */
  protected nodesFor(names: readonly string[]): ExplorerNode[] {
    return names.map((name) => this.cachedChild(name));
  }

  get filter(): NameFilter | undefined {
    return this.ctx.filters.get(this.id);
  }

  /** Sets or (with `undefined`) clears the filter; the caller redraws the node. */
  setFilter(filter: NameFilter | undefined): void {
    if (filter) this.ctx.filters.set(this.id, filter);
    else this.ctx.filters.delete(this.id);
  }

  async children(): Promise<ExplorerNode[]> {
    try {
      this.pager ??= new Pager(() => this.listing(), this.ctx.pageSize());
      if (!this.pager.started) await this.pager.loadMore(this.matcher());
      return this.pageChildren(this.pager.fetched, this.pager);
    } catch (err) {
      this.pager = undefined;
      return this.failureChildren(err);
    }
  }

  /** Children for `names` (all fetched so far), with "Load more…" when `pager` has more. */
  protected pageChildren(names: readonly string[], pager?: Pager<string>): ExplorerNode[] {
    const filter = this.filter;
    const matching = filter ? names.filter((n) => filter.matches(n)) : names;
    const limit = pager ? pager.limit : matching.length;
    this.shownNames = this.orderForDisplay(matching).slice(0, limit);
    const nodes = this.nodesFor(this.shownNames);
    if (nodes.length === 0) {
      const scope = pager && !pager.complete ? `among the ${names.length} loaded so far` : `among ${names.length}`;
      nodes.push(new MessageNode(this, filter ? `No ${this.noun} match "${filter.text}" ${scope}.` : `No ${this.noun}.`));
    }
    if (pager?.hasMore(this.matcher())) nodes.push(new LoadMoreNode(this, this.noun, filter, names.length));
    return nodes;
  }

  private matcher(): ((name: string) => boolean) | undefined {
    const filter = this.filter;
    return filter ? (name) => filter.matches(name) : undefined;
  }

  /** Children keep their identity between redraws, so what they loaded (digests, pages) stays. */
  private readonly childNodes = new Map<string, ExplorerNode>();

  protected cachedChild(name: string): ExplorerNode {
    let node = this.childNodes.get(name);
    if (!node) {
      node = this.childFor(name);
      this.childNodes.set(name, node);
    }
    return node;
  }

  /** The child already shown for `name`, if any. */
  shownChild(name: string): ExplorerNode | undefined {
    return this.childNodes.get(name);
  }

  protected failureChildren(err: unknown): ExplorerNode[] {
    return [new MessageNode(this, this.ctx.describe(err, `listing ${this.noun}`), 'error')];
  }

  async loadMore(): Promise<void> {
    await this.pager?.loadMore(this.matcher());
  }

  /** Forgets what was fetched, so the next expansion lists afresh (the filter stays). */
  reset(): void {
    this.pager = undefined;
    this.childNodes.clear();
  }

  /** The description's note about the active filter. */
  protected filterNote(): string | undefined {
    return this.filter ? `filter: ${this.filter.text}` : undefined;
  }
}

const FIX_ACTIONS: Record<RegistryFix, { label: string; icon: string; command: string; tooltip: string }> = {
  logIn: { label: 'Log In…', icon: 'sign-in', command: 'registryExplorer.logIn', tooltip: 'Log in with a username and password or token, kept in VS Code\'s secret storage (and Docker\'s credential store if you choose)' },
  markInsecure: { label: 'Mark Insecure', icon: 'unlock', command: 'registryExplorer.markInsecure', tooltip: 'Skip certificate verification for this registry (and allow plain HTTP), like Docker\'s insecure-registries' },
  openHostsToml: { label: 'Open hosts.toml', icon: 'go-to-file', command: 'registryExplorer.openHostsToml', tooltip: 'Open the hosts.toml that configures how this registry is reached' },
  openSettings: { label: 'Open Settings', icon: 'gear', command: 'registryExplorer.openRegistrySettings', tooltip: 'Check the registry\'s address, scheme and the Registry Explorer settings' },
};

export class RegistryNode extends PagedNode {
  protected readonly noun = 'repositories';
  private state: PingResult | undefined;
  /** The hosts.toml the registry's endpoint plan comes from (or that failed to load), when there is one. */
  private hostsToml: HostsTomlPlace | undefined;
  private pinging: Promise<void> | undefined;
  private readonly folders = new Map<string, FolderNode>();

  constructor(readonly entry: RegistryEntry, ctx: TreeContext) {
    super(undefined, ctx);
  }

  get id(): string {
    return `registry:${this.entry.id}`;
  }

  /** Where the configuration for this registry lives, when a hosts.toml applies. */
  get hostsTomlPlace(): HostsTomlPlace | undefined {
    return this.hostsToml;
  }

  /** The fixes the current state allows, as the inline actions and the rows under a failure. */
  get fixes(): RegistryFix[] {
    const state = this.state;
    const condition = !state ? { state: 'unknown' as const } : state.state === 'unreachable' ? { state: 'unreachable' as const, code: state.error.code } : { state: state.state };
    return fixesFor(condition, this.hostsToml?.file);
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.entry.label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    const state = this.state;
    let stateNote: string | undefined;
    if (!state) {
      item.iconPath = new vscode.ThemeIcon('server');
      stateNote = this.entry.label === this.entry.host ? undefined : this.entry.host;
      void this.ping();
    } else if (state.state === 'reachable') {
      item.iconPath = new vscode.ThemeIcon('server', new vscode.ThemeColor('testing.iconPassed'));
      stateNote = this.entry.label === this.entry.host ? new URL(state.origin).protocol.replace(':', '') : this.entry.host;
    } else if (state.state === 'needs-login') {
      item.iconPath = new vscode.ThemeIcon('lock');
      stateNote = state.rejectedCredentialSource ? 'login refused' : 'needs login';
    } else {
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      stateNote = problemNote(state.error.code);
    }
    const origin = this.entry.origin;
    const discoveredNote = origin.kind === 'discovered' ? `from ${[...new Set(origin.sources.map((s) => s.tool.toLowerCase()))].join(' & ')} login` : undefined;
    // The filter first: rows are narrow, and a filter that goes unnoticed hides repositories.
    item.description = [this.filterNote(), discoveredNote, stateNote].filter((p) => p).join(' · ') || undefined;
    item.contextValue = this.contextValue();
    item.tooltip = this.tooltip();
    return item;
  }

  /**
   * `registry.<configured|discovered>` then flags the menus match on: `.needsLogin`,
   * `.unreachable`, one per available fix (`.markInsecure`, `.openHostsToml`…), `.filtered`.
   */
  private contextValue(): string {
    const flags = [`registry.${this.entry.origin.kind}`];
    if (this.state?.state === 'needs-login') flags.push('needsLogin');
    if (this.state?.state === 'unreachable') flags.push('unreachable');
    flags.push(...this.fixes);
    if (this.filter) flags.push('filtered');
    return flags.join('.');
  }

  private tooltip(): vscode.MarkdownString {
    // Registry-controlled text goes through appendText, which escapes it: never interpreted as Markdown.
    const md = new vscode.MarkdownString();
    md.appendMarkdown('**').appendText(this.entry.label).appendMarkdown('**\n\nHost: ').appendText(this.entry.host).appendMarkdown('\n\n');
    const origin = this.entry.origin;
    if (origin.kind === 'discovered') {
      const where = origin.sources.map((s) => `${s.file} (${s.tool.toLowerCase()} login)`).join(', ');
      md.appendText(`Discovered from a login in ${where || 'your Docker or Podman login files'}; not in your settings. Keep it to add it to the settings, or hide it.`).appendMarkdown('\n\n');
    }
    const state = this.state;
    if (state?.state === 'reachable') md.appendText(`Reachable at ${state.origin}`);
    else if (state?.state === 'needs-login') {
      md.appendText(`Needs a login (${state.scheme} authentication${state.realm ? `, realm ${state.realm}` : ''})`);
      if (state.rejectedCredentialSource) md.appendText(`: the login from ${state.rejectedCredentialSource} was refused`);
    }
    if (state?.state === 'reachable' && state.credentialSource) md.appendText(`, logged in with ${state.credentialSource}`);
    else if (state?.state === 'unreachable') md.appendText([state.error.message, settingAdvice(state.error.code)].filter((t) => t).join(' '));
    if (this.hostsToml) md.appendMarkdown('\n\nConfigured by ').appendText(this.hostsToml.file);
    const fixes = this.fixes.map((f) => FIX_ACTIONS[f].label);
    if (state?.state === 'unreachable' && fixes.length) md.appendMarkdown('\n\nTo fix: ').appendText(fixes.join(', '));
    if (this.filter) md.appendMarkdown('\n\nFilter: ').appendText(this.filter.text);
    return md;
  }

  /** `GET /v2/` once (until a refresh), then the plan's hosts.toml for the fixes; redraws the row. */
  private ping(): Promise<void> {
    this.pinging ??= this.entry.client.ping().then(
      async (result) => {
        this.state = result;
        // Logged too: the log keeps why a registry was unreachable after its row has changed.
        if (result.state === 'unreachable') this.ctx.describe(result.error, `reaching ${this.entry.host}`);
        // A hosts.toml that does not load has no plan: the error itself names the file and line.
        const failedFile = result.state === 'unreachable' ? hostsTomlOf(result.error) : undefined;
        this.hostsToml = failedFile ?? (await this.entry.client.plan('list').then((plan) => (plan.source?.file ? { file: plan.source.file } : undefined), () => undefined));
        this.ctx.changed(this);
      },
      () => undefined,
    );
    return this.pinging;
  }

  override async children(): Promise<ExplorerNode[]> {
    await this.ping();
    // An unreachable registry says why once, with its fixes, instead of failing to list as well.
    if (this.state?.state === 'unreachable') return [new MessageNode(this, this.state.error.message, 'error'), ...this.fixNodes()];
    return super.children();
  }

  private fixNodes(): ExplorerNode[] {
    return this.fixes.map((fix) => {
      const action = FIX_ACTIONS[fix];
      return new ActionNode(this, action.label, action.icon, action.command, action.tooltip);
    });
  }

  protected listing(): AsyncIterator<string[]> {
    return this.entry.client.listRepositories({ pageSize: this.ctx.pageSize() });
  }

  protected childFor(name: string): ExplorerNode {
    const slash = name.lastIndexOf('/');
    const parent = this.ctx.nestedRepositories() && slash > 0 ? this.folder(name.slice(0, slash + 1)) : this;
    return new RepositoryNode(this, name, this.ctx, parent);
  }

  protected override nodesFor(names: readonly string[]): ExplorerNode[] {
    return this.ctx.nestedRepositories() ? this.levelNodes('') : super.nodesFor(names);
  }

  /** The folders and repositories directly under `prefix`, from the names shown. */
  levelNodes(prefix: string): ExplorerNode[] {
    const level = folderLevel(this.shownNames, prefix);
    return [...level.folders.map((entry) => this.folder(entry.prefix, entry)), ...level.repositories.map((name) => this.cachedChild(name))];
  }

  /** The folder node for a prefix (`team-b/tools/`), kept so its expansion and identity stay. */
  private folder(prefix: string, entry?: FolderEntry): FolderNode {
    let node = this.folders.get(prefix);
    if (!node) {
      const outer = prefix.slice(0, prefix.slice(0, -1).lastIndexOf('/') + 1);
      node = new FolderNode(outer ? this.folder(outer) : this, this, prefix);
      this.folders.set(prefix, node);
    }
    if (entry) node.repositories = entry.repositories;
    return node;
  }

  protected override failureChildren(err: unknown): ExplorerNode[] {
    const code = (err as { code?: string }).code;
    // Registries without a catalog (Docker Hub, GHCR…) still show the repositories pinned in settings.
    if (code === 'CATALOG_UNSUPPORTED' && this.entry.pinnedRepositories.length > 0) return this.pageChildren(this.entry.pinnedRepositories);
    const nodes = super.failureChildren(err);
    if (this.state?.state === 'needs-login') nodes.push(...this.fixNodes());
    if (code === 'CATALOG_UNSUPPORTED' && this.entry.origin.kind === 'discovered') {
      nodes.push(new ActionNode(this, 'Keep in Settings', 'pinned', 'registryExplorer.keepRegistry', 'Add this registry to registryExplorer.registries, where you can pin its repositories'));
    }
    return nodes;
  }

  override reset(): void {
    super.reset();
    this.folders.clear();
    this.state = undefined;
    this.hostsToml = undefined;
    this.pinging = undefined;
  }
}

/** A path segment of repository names (`team-a/`), when nested repositories are on. */
export class FolderNode implements ExplorerNode {
  /** Loaded repositories anywhere under this folder (for the description). */
  repositories = 0;

  constructor(
    readonly parent: ExplorerNode,
    readonly registry: RegistryNode,
    /** `team-b/tools/`: the full prefix, with its trailing slash. */
    readonly prefix: string,
  ) {}

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(`${lastSegment(this.prefix.slice(0, -1))}/`, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `folder:${this.registry.entry.id}/${this.prefix}`;
    item.iconPath = vscode.ThemeIcon.Folder;
    item.contextValue = 'folder';
    item.description = `${this.repositories} ${this.repositories === 1 ? 'repository' : 'repositories'}`;
    item.tooltip = new vscode.MarkdownString().appendMarkdown('Repositories under ').appendText(`${this.registry.entry.host}/${this.prefix}`).appendMarkdown(' (among those loaded)');
    return item;
  }

  async children(): Promise<ExplorerNode[]> {
    return this.registry.levelNodes(this.prefix);
  }
}

export class RepositoryNode extends PagedNode {
  protected readonly noun = 'tags';
  /** Batches of creation dates being fetched for the `created` order. */
  private datesLoading = 0;

  constructor(readonly registry: RegistryNode, readonly name: string, ctx: TreeContext, parent: ExplorerNode = registry) {
    super(parent, ctx);
  }

  get id(): string {
    return `repository:${this.registry.entry.id}/${this.name}`;
  }

  get reference(): string {
    return `${this.registry.entry.host}/${this.name}`;
  }

  treeItem(): vscode.TreeItem {
    // Under a folder, the folder already says the rest of the path.
    const label = this.parent === this.registry ? this.name : lastSegment(this.name);
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('repo');
    item.contextValue = this.filter ? 'repository.filtered' : 'repository';
    item.description = [this.filterNote(), this.datesLoading > 0 ? 'sorting by date…' : undefined].filter((p) => p).join(' · ') || undefined;
    const md = new vscode.MarkdownString().appendMarkdown('Repository ').appendText(this.reference);
    if (this.filter) md.appendMarkdown('\n\nFilter: ').appendText(this.filter.text);
    item.tooltip = md;
    return item;
  }

  protected listing(): AsyncIterator<string[]> {
    return this.registry.entry.client.listTags(this.name, { pageSize: this.ctx.pageSize() });
  }

  protected override orderForDisplay(names: readonly string[]): readonly string[] {
    const order = this.ctx.tagSortOrder();
    if (order !== 'created') return sortTags(names, order);
    return sortTagsByCreated(names, (tag) => (this.shownChild(tag) as TagNode | undefined)?.createdTime);
  }

  protected override nodesFor(names: readonly string[]): ExplorerNode[] {
    const nodes = super.nodesFor(names);
    if (this.ctx.tagSortOrder() === 'created') this.fetchDates(nodes.filter((n): n is TagNode => n instanceof TagNode));
    return nodes;
  }

  /**
   * Creation dates for the tags on this page only (a few requests at a time through the tree's
   * background queue); when a batch is in, the node redraws once in date order.
   */
  private fetchDates(tags: TagNode[]): void {
    const missing = tags.filter((t) => !t.createdRequested);
    if (missing.length === 0) return;
    this.datesLoading++;
    void Promise.allSettled(missing.map((t) => t.loadCreated())).then(() => {
      this.datesLoading--;
      this.ctx.changed(this);
    });
  }

  protected childFor(tag: string): ExplorerNode {
    return new TagNode(this, tag, this.ctx);
  }

  /** The core's handle on this repository (manifests, blobs, tags, referrers). */
  get repository(): Repository {
    return this.ctx.repository(this.registry.entry.client, this.name);
  }
}
