/**
 * A registry row: its state (reachable, needs login, unreachable with the fixes that apply), its
 * repositories (paged, filtered, optionally nested in folders), and the fixes as rows.
 */
import * as vscode from 'vscode';
import type { CoreError, PingResult, ProviderClient, RegistryClient, RepositoryDetails } from '../../core/index';
import { errorText } from '../../common/error-text';
import { fixesFor, hostsTomlOf, problemNote, type HostsTomlPlace, type RegistryFix } from '../registry-fixes';
import { folderLevel, lastSegment, type FolderEntry } from '../repository-folders';
import { orderRepositories, providerIcon, providerNote, pullLimitNote, pullLimitText, repositoryListing } from '../provider-rows';
import { CONTEXT, registryContextValue } from './context-values';
import { ActionNode, MessageNode, type ExplorerNode, type RegistryPlace, type TreeContext } from './node-base';
import { PagedNode } from './paged-node';
import type { Page } from '../pager';
import { RepositoryNode } from './repository-node';

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
  /** Lists its repositories (the vendor's API, or `_catalog`) and says who is signed in. */
  provider: ProviderClient;
}

const FIX_ACTIONS: Record<RegistryFix, { label: string; icon: string; command: string; tooltip: string }> = {
  logIn: {
    label: 'Log In…',
    icon: 'sign-in',
    command: 'registryExplorer.logIn',
    tooltip: "Log in with a username and password or token, kept in VS Code's secret storage (and Docker's credential store if you choose)",
  },
  markInsecure: {
    label: 'Mark Insecure',
    icon: 'unlock',
    command: 'registryExplorer.markInsecure',
    tooltip: "Skip certificate verification for this registry (and allow plain HTTP), like Docker's insecure-registries",
  },
  openHostsToml: {
    label: 'Open hosts.toml',
    icon: 'go-to-file',
    command: 'registryExplorer.openHostsToml',
    tooltip: 'Open the hosts.toml that configures how this registry is reached',
  },
  openSettings: {
    label: 'Open Settings',
    icon: 'gear',
    command: 'registryExplorer.openRegistrySettings',
    tooltip: "Check the registry's address, scheme and the Registry Explorer settings",
  },
};

/** Remedies of a failed listing that Log In… carries out (it asks the provider how to sign in). */
const SIGN_IN_REMEDIES = new Set(['log-in', 'grant-scopes', 'run-command']);

export class RegistryNode extends PagedNode {
  protected readonly noun = 'repositories';
  private state: PingResult | undefined;
  /** The hosts.toml the registry's endpoint plan comes from (or that failed to load), when there is one. */
  private hostsToml: HostsTomlPlace | undefined;
  private pinging: Promise<void> | undefined;
  private readonly folders = new Map<string, FolderNode>();
  /** What the provider said of each repository listed (last push, visibility, description). */
  private readonly details = new Map<string, RepositoryDetails>();
  /** The signed-in account as the vendor names it, once asked after a reachable ping. */
  private account: string | undefined;
  /** Whether the listing has recognised the registry's provider (a Harbor nobody named), so the row was redrawn. */
  private recognised = false;

  constructor(
    readonly entry: RegistryEntry,
    ctx: TreeContext,
  ) {
    super(undefined, ctx);
  }

  /** What the rows under this one carry by value. */
  get place(): RegistryPlace {
    return {
      id: this.entry.id,
      host: this.entry.host,
      client: this.entry.client,
      ...(this.entry.provider.info.webPages ? { webPages: true } : {}),
    };
  }

  get id(): string {
    return `registry:${this.entry.id}`;
  }

  protected get host(): string {
    return this.entry.host;
  }

  /**
   * A request found the registry down after its ping said it was fine: the row shows it as
   * unreachable, with the reason and the fixes (Retry among them), as a failed ping does.
   */
  markUnreachable(error: CoreError): void {
    if (this.state?.state === 'unreachable') return;
    this.state = { state: 'unreachable', error };
    this.ctx.describe(error, `reaching ${this.entry.host}`);
    this.ctx.changed(this);
  }

  /** Where the configuration for this registry lives, when a hosts.toml applies. */
  get hostsTomlPlace(): HostsTomlPlace | undefined {
    return this.hostsToml;
  }

  /** The fixes the current state allows, as the inline actions and the rows under a failure. */
  get fixes(): RegistryFix[] {
    const state = this.state;
    const condition = !state
      ? { state: 'unknown' as const }
      : state.state === 'unreachable'
        ? { state: 'unreachable' as const, code: state.error.code }
        : { state: state.state };
    return fixesFor(condition, this.hostsToml?.file);
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.entry.label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    const state = this.state;
    let stateNote: string | undefined;
    const icon = providerIcon(this.entry.provider.info.id);
    if (!state) {
      item.iconPath = new vscode.ThemeIcon(icon);
      stateNote = this.entry.label === this.entry.host ? undefined : this.entry.host;
      void this.ping();
    } else if (state.state === 'reachable') {
      item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor('testing.iconPassed'));
      stateNote = this.entry.label === this.entry.host ? new URL(state.origin).protocol.replace(':', '') : this.entry.host;
    } else if (state.state === 'needs-login') {
      item.iconPath = new vscode.ThemeIcon('lock');
      stateNote = state.rejectedCredentialSource ? 'login refused' : 'needs login';
    } else {
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      stateNote = problemNote(state.error.code);
    }
    const origin = this.entry.origin;
    const discoveredNote =
      origin.kind === 'discovered' ? `from ${[...new Set(origin.sources.map((s) => s.tool.toLowerCase()))].join(' & ')} login` : undefined;
    // The filter first: rows are narrow, and a filter that goes unnoticed hides repositories.
    const vendorNote = [providerNote(this.entry.provider, this.account), pullLimitNote(this.entry.client.pullRateLimit)];
    // An unreachable registry shows why, not what it listed before.
    const count = state?.state === 'unreachable' ? undefined : this.countNote('repository');
    item.description = [this.filterNote(), discoveredNote, ...vendorNote, stateNote, count].filter((p) => p).join(' · ') || undefined;
    item.contextValue = this.contextValue();
    item.tooltip = this.tooltip();
    return item;
  }

  private contextValue(): string {
    return registryContextValue({
      origin: this.entry.origin.kind,
      needsLogin: this.state?.state === 'needs-login',
      unreachable: this.state?.state === 'unreachable',
      fixes: this.fixes,
      filtered: !!this.filter,
      web: this.entry.provider.info.webPages,
    });
  }

  private tooltip(): vscode.MarkdownString {
    // Registry-controlled text goes through appendText, which escapes it: never interpreted as Markdown.
    const md = new vscode.MarkdownString();
    md.appendMarkdown('**').appendText(this.entry.label).appendMarkdown('**\n\nHost: ').appendText(this.entry.host).appendMarkdown('\n\n');
    const origin = this.entry.origin;
    if (origin.kind === 'discovered') {
      const where = origin.sources.map((s) => `${s.file} (${s.tool.toLowerCase()} login)`).join(', ');
      md.appendText(
        `Discovered from a login in ${where || 'your Docker or Podman login files'}; not in your settings. Keep it to add it to the settings, or hide it.`,
      ).appendMarkdown('\n\n');
    }
    const state = this.state;
    if (state?.state === 'reachable') md.appendText(`Reachable at ${state.origin}`);
    else if (state?.state === 'needs-login') {
      md.appendText(`Needs a login (${state.scheme} authentication${state.realm ? `, realm ${state.realm}` : ''})`);
      if (state.rejectedCredentialSource) md.appendText(`: the login from ${state.rejectedCredentialSource} was refused`);
    }
    if (state?.state === 'reachable' && state.credentialSource) md.appendText(`, logged in with ${state.credentialSource}`);
    else if (state?.state === 'unreachable') md.appendText(errorText(state.error));
    this.appendProviderTooltip(md);
    if (this.hostsToml) md.appendMarkdown('\n\nConfigured by ').appendText(this.hostsToml.file);
    const fixes = this.fixes.map((f) => FIX_ACTIONS[f].label);
    if (state?.state === 'unreachable') md.appendMarkdown('\n\nTo fix: ').appendText([...fixes, 'Retry'].join(', '));
    if (this.filter) md.appendMarkdown('\n\nFilter: ').appendText(this.filter.text);
    return md;
  }

  /** The provider, the signed-in account, the pull rate limit and the namespaces the listing skipped. */
  private appendProviderTooltip(md: vscode.MarkdownString): void {
    const provider = this.entry.provider;
    if (provider.info.chosenBy !== 'default') {
      md.appendMarkdown('\n\nProvider: ').appendText(
        `${provider.info.name}${provider.info.chosenBy === 'setting' ? ' (from settings)' : provider.info.chosenBy === 'detected' ? ' (recognised from its answers)' : ''}`,
      );
      if (provider.info.apiBase) md.appendText(`, listing through ${provider.info.apiBase}`);
    }
    if (this.account) md.appendMarkdown('\n\nSigned in as ').appendText(this.account);
    const limit = this.entry.client.pullRateLimit;
    if (limit) md.appendMarkdown('\n\n').appendText(pullLimitText(limit));
    const skipped = provider.skipped ?? [];
    if (skipped.length > 0) md.appendMarkdown('\n\nNot listed (this login may not see them): ').appendText(skipped.join(', '));
  }

  /** Who is signed in, as the vendor says, once the registry answered; redraws the row when known. */
  private askAccount(): void {
    void this.entry.provider.account().then(
      (account) => {
        if (account === this.account) return;
        this.account = account;
        this.ctx.changed(this);
      },
      (err: unknown) => this.ctx.describe(err, `asking ${this.entry.provider.info.name} who is signed in to ${this.entry.host}`),
    );
  }

  /** `GET /v2/` once (until a refresh), then the plan's hosts.toml for the fixes; redraws the row. */
  private ping(): Promise<void> {
    this.pinging ??= this.entry.client.ping().then(
      async (result) => {
        this.state = result;
        if (result.state === 'reachable') this.askAccount();
        // Logged too: the log keeps why a registry was unreachable after its row has changed.
        if (result.state === 'unreachable') this.ctx.describe(result.error, `reaching ${this.entry.host}`);
        // A hosts.toml that does not load has no plan: the error itself names the file and line.
        const failedFile = result.state === 'unreachable' ? hostsTomlOf(result.error) : undefined;
        this.hostsToml =
          failedFile ??
          (await this.entry.client.plan('list').then(
            (plan) => (plan.source?.file ? { file: plan.source.file } : undefined),
            () => undefined,
          ));
        this.ctx.changed(this);
      },
      () => undefined,
    );
    return this.pinging;
  }

  override async children(): Promise<ExplorerNode[]> {
    await this.ping();
    // An unreachable registry says why once, with its fixes, instead of failing to list as well.
    if (this.state?.state === 'unreachable')
      return [
        new MessageNode(this, errorText(this.state.error), 'error'),
        ...this.fixNodes(),
        new ActionNode(this, 'Retry', 'refresh', 'registryExplorer.refresh', 'Ask the registry again, with the settings as they are now'),
      ];
    return super.children();
  }

  private fixNodes(): ExplorerNode[] {
    return this.fixes.map((fix) => {
      const action = FIX_ACTIONS[fix];
      return new ActionNode(this, action.label, action.icon, action.command, action.tooltip);
    });
  }

  protected countRequests(): void {
    this.ctx.countRequests(this.entry.host, undefined);
  }

  protected listing(): AsyncIterator<Page<string>> {
    const pages = repositoryListing(this.entry.provider, this.entry.pinnedRepositories, this.ctx.pageSize(), this.details);
    const provider = this.entry.provider;
    const before = provider.info.id;
    // A registry recognised while listing (Harbor, from its answers): its row shows the provider and who is signed in.
    return {
      next: async () => {
        const page = await pages.next();
        if (provider.info.id !== before && !this.recognised) {
          this.recognised = true;
          this.ctx.providerRecognised(this.entry.host, provider.info);
          // Redrawn once the page is in (its count too), as when the account becomes known.
          setTimeout(() => {
            this.askAccount();
            this.ctx.changed(this);
          }, 0);
        }
        return page;
      },
      return: (value?: unknown) => pages.return(value as undefined),
    };
  }

  protected override orderForDisplay(names: readonly string[]): readonly string[] {
    return orderRepositories(names, this.entry.pinnedRepositories, this.ctx.repositorySortOrder(), (n) => this.details.get(n));
  }

  protected childFor(name: string): ExplorerNode {
    const slash = name.lastIndexOf('/');
    const parent = this.ctx.nestedRepositories() && slash > 0 ? this.folder(name.slice(0, slash + 1)) : this;
    const node = new RepositoryNode(parent, this.place, name, this.ctx, parent !== this);
    node.details = this.details.get(name);
    return node;
  }

  /** What the provider said of a repository it listed, if it did. */
  detailsOf(name: string): RepositoryDetails | undefined {
    return this.details.get(name);
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
      node = new FolderNode(outer ? this.folder(outer) : this, this.entry, prefix, (p) => this.levelNodes(p));
      this.folders.set(prefix, node);
    }
    if (entry) node.repositories = entry.repositories;
    return node;
  }

  protected override failureChildren(err: unknown): ExplorerNode[] {
    const code = (err as { code?: string }).code;
    // Registries without a catalog (Docker Hub, GHCR…) still show the repositories pinned in settings.
    if (code === 'CATALOG_UNSUPPORTED' && this.entry.pinnedRepositories.length > 0) return this.pageChildren(this.entry.pinnedRepositories);
    // The pinned repositories stay in reach whatever the listing says (a sign-in it needs, a rate limit).
    const pinned = this.entry.pinnedRepositories.length > 0 ? this.pageChildren(this.entry.pinnedRepositories) : [];
    const nodes = [...pinned, ...super.failureChildren(err)];
    if (this.state?.state === 'needs-login') nodes.push(...this.fixNodes());
    // A provider's API that wants a (better) sign-in, on a registry that answers anonymously (GHCR, Docker Hub).
    else if (SIGN_IN_REMEDIES.has((err as { remedy?: { kind?: string } }).remedy?.kind ?? '')) {
      const action = FIX_ACTIONS.logIn;
      nodes.push(new ActionNode(this, action.label, action.icon, action.command, action.tooltip));
    }
    if (code === 'CATALOG_UNSUPPORTED' && this.entry.origin.kind === 'discovered') {
      nodes.push(
        new ActionNode(
          this,
          'Keep in Settings',
          'pinned',
          'registryExplorer.keepRegistry',
          'Add this registry to registryExplorer.registries, where you can pin its repositories',
        ),
      );
    }
    return nodes;
  }

  override reset(): void {
    super.reset();
    this.folders.clear();
    this.details.clear();
    this.account = undefined;
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
    private readonly registry: { readonly id: string; readonly host: string },
    /** `team-b/tools/`: the full prefix, with its trailing slash. */
    readonly prefix: string,
    /** The folders and repositories under a prefix, from the registry's loaded names. */
    private readonly levelNodes: (prefix: string) => ExplorerNode[],
  ) {}

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(`${lastSegment(this.prefix.slice(0, -1))}/`, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `folder:${this.registry.id}/${this.prefix}`;
    item.iconPath = vscode.ThemeIcon.Folder;
    item.contextValue = CONTEXT.folder;
    item.description = `${this.repositories} ${this.repositories === 1 ? 'repository' : 'repositories'}`;
    item.tooltip = new vscode.MarkdownString()
      .appendMarkdown('Repositories under ')
      .appendText(`${this.registry.host}/${this.prefix}`)
      .appendMarkdown(' (among those loaded)');
    return item;
  }

  async children(): Promise<ExplorerNode[]> {
    return this.levelNodes(this.prefix);
  }
}
