import * as vscode from 'vscode';
import type { PingResult, RegistryClient, Repository } from '../core/index';
import { TagNode } from './content-nodes';
import { MessageNode, type ExplorerNode, type TreeContext } from './node-base';
import { Pager } from './pager';
import { sortTags } from './tag-order';

export { MessageNode, type ExplorerNode, type TreeContext } from './node-base';
export { TagNode } from './content-nodes';

/** A registry as the tree knows it: where it came from and the client that reaches it. */
export interface RegistryEntry {
  /** Stable id: the host as configured (`localhost:5000`). */
  id: string;
  label: string;
  host: string;
  /** The URL as written in settings, to find the entry again on removal. */
  settingUrl: string;
  pinnedRepositories: string[];
  client: RegistryClient;
}

/** GitLens-style "Load more…": asks its parent's pager for the next page. */
export class LoadMoreNode implements ExplorerNode {
  constructor(readonly parent: PagedNode, private readonly what: string) {}

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(`Load more ${this.what}…`, vscode.TreeItemCollapsibleState.None);
    item.iconPath = new vscode.ThemeIcon('ellipsis');
    item.contextValue = 'loadMore';
    item.command = { command: 'registryExplorer.loadMore', title: 'Load More', arguments: [this] };
    return item;
  }
}

/** A node whose children come from a paged listing. */
export abstract class PagedNode implements ExplorerNode {
  protected pager: Pager<string> | undefined;

  constructor(readonly parent: ExplorerNode | undefined, protected readonly ctx: TreeContext) {}

  abstract treeItem(): vscode.TreeItem;
  protected abstract listing(): AsyncIterator<string[]>;
  protected abstract childFor(name: string): ExplorerNode;
  protected abstract readonly noun: string;

  protected orderForDisplay(names: readonly string[]): readonly string[] {
    return names;
  }

  async children(): Promise<ExplorerNode[]> {
    try {
      this.pager ??= new Pager(() => this.listing(), this.ctx.pageSize());
      if (!this.pager.started) await this.pager.loadMore();
      const shown = this.orderForDisplay(this.pager.fetched).slice(0, this.pager.items.length);
      const nodes = shown.map((name) => this.cachedChild(name));
      if (this.pager.hasMore) nodes.push(new LoadMoreNode(this, this.noun));
      if (nodes.length === 0) nodes.push(new MessageNode(this, `No ${this.noun}.`));
      return nodes;
    } catch (err) {
      this.pager = undefined;
      return this.failureChildren(err);
    }
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
    await this.pager?.loadMore();
  }

  /** Forgets what was fetched, so the next expansion lists afresh. */
  reset(): void {
    this.pager = undefined;
    this.childNodes.clear();
  }
}

export class RegistryNode extends PagedNode {
  protected readonly noun = 'repositories';
  private state: PingResult | undefined;
  private pinging: Promise<void> | undefined;

  constructor(readonly entry: RegistryEntry, ctx: TreeContext) {
    super(undefined, ctx);
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.entry.label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `registry:${this.entry.id}`;
    item.contextValue = 'registry.configured';
    const state = this.state;
    if (!state) {
      item.iconPath = new vscode.ThemeIcon('server');
      item.description = this.entry.label === this.entry.host ? undefined : this.entry.host;
      this.pingInBackground();
    } else if (state.state === 'reachable') {
      item.iconPath = new vscode.ThemeIcon('server', new vscode.ThemeColor('testing.iconPassed'));
      item.description = this.entry.label === this.entry.host ? new URL(state.origin).protocol.replace(':', '') : this.entry.host;
    } else if (state.state === 'needs-login') {
      item.iconPath = new vscode.ThemeIcon('lock');
      item.description = state.rejectedCredentialSource ? 'login refused' : 'needs login';
      item.contextValue = 'registry.configured.needsLogin';
    } else {
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      item.description = 'unreachable';
    }
    item.tooltip = this.tooltip();
    return item;
  }

  private tooltip(): vscode.MarkdownString {
    // Registry-controlled text goes through appendText, which escapes it: never interpreted as Markdown.
    const md = new vscode.MarkdownString();
    md.appendMarkdown('**').appendText(this.entry.label).appendMarkdown('**\n\nHost: ').appendText(this.entry.host).appendMarkdown('\n\n');
    const state = this.state;
    if (state?.state === 'reachable') md.appendText(`Reachable at ${state.origin}`);
    else if (state?.state === 'needs-login') {
      md.appendText(`Needs a login (${state.scheme} authentication${state.realm ? `, realm ${state.realm}` : ''})`);
      if (state.rejectedCredentialSource) md.appendText(`: the login from ${state.rejectedCredentialSource} was refused`);
    }
    if (state?.state === 'reachable' && state.credentialSource) md.appendText(`, logged in with ${state.credentialSource}`);
    else if (state?.state === 'unreachable') md.appendText(state.error.message);
    return md;
  }

  private pingInBackground(): void {
    this.pinging ??= this.entry.client.ping().then(
      (result) => {
        this.state = result;
        this.ctx.changed(this);
      },
      () => undefined,
    );
  }

  protected listing(): AsyncIterator<string[]> {
    return this.entry.client.listRepositories({ pageSize: this.ctx.pageSize() });
  }

  protected childFor(name: string): ExplorerNode {
    return new RepositoryNode(this, name, this.ctx);
  }

  protected override failureChildren(err: unknown): ExplorerNode[] {
    // Registries without a catalog (Docker Hub, GHCR…) still show the repositories pinned in settings.
    if ((err as { code?: string }).code === 'CATALOG_UNSUPPORTED' && this.entry.pinnedRepositories.length > 0) {
      return this.entry.pinnedRepositories.map((name) => this.childFor(name));
    }
    return super.failureChildren(err);
  }

  override reset(): void {
    super.reset();
    this.state = undefined;
    this.pinging = undefined;
  }
}

export class RepositoryNode extends PagedNode {
  protected readonly noun = 'tags';

  constructor(readonly registry: RegistryNode, readonly name: string, ctx: TreeContext) {
    super(registry, ctx);
  }

  get reference(): string {
    return `${this.registry.entry.host}/${this.name}`;
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `repository:${this.registry.entry.id}/${this.name}`;
    item.iconPath = new vscode.ThemeIcon('repo');
    item.contextValue = 'repository';
    item.tooltip = new vscode.MarkdownString().appendMarkdown('Repository ').appendText(this.reference);
    return item;
  }

  protected listing(): AsyncIterator<string[]> {
    return this.registry.entry.client.listTags(this.name, { pageSize: this.ctx.pageSize() });
  }

  protected override orderForDisplay(names: readonly string[]): readonly string[] {
    return sortTags(names, this.ctx.tagSortOrder());
  }

  protected childFor(tag: string): ExplorerNode {
    return new TagNode(this, tag, this.ctx);
  }

  /** The core's handle on this repository (manifests, blobs, tags, referrers). */
  get repository(): Repository {
    return this.registry.entry.client.repository(this.name);
  }
}
