/**
 * What every row of the tree is and what it may use: the node interface, the tree's services
 * (TreeContext), the places rows carry down by value, and the simplest rows (messages, actions).
 */
import * as vscode from 'vscode';
import type { ParsedManifest, ProviderInfo, RegistryClient, Repository } from '../../core/index';
import type { ContentCache } from '../../common/content-cache';
import type { RepositorySortOrder, TagSortOrder } from '../../common/settings';
import type { NameFilter } from '../name-filter';
import type { RowsOnScreen } from '../rows-on-screen';
import { CONTEXT } from './context-values';

/** What every node of the tree provides. Views hold no protocol logic: they ask the client. */
export interface ExplorerNode {
  readonly parent: ExplorerNode | undefined;
  treeItem(): vscode.TreeItem;
  children?(): Promise<ExplorerNode[]>;
  /** The node is dropped (its listing was refreshed): it lets go of what it registered. */
  dispose?(): void;
}

export interface TreeContext {
  pageSize(): number;
  tagSortOrder(): TagSortOrder;
  repositorySortOrder(): RepositorySortOrder;
  /** Whether repository path segments show as folders. */
  nestedRepositories(): boolean;
  /**
   * Asks the view to redraw `node` (or everything). Safe to ask while VS Code lists the node's
   * children: the redraw then waits until the window has them (see row-redraws.ts).
   */
  changed(node?: ExplorerNode): void;
  /** VS Code drew `node` (a row with its own URI says so; the tree gives one to the others that need it). */
  drawn(node: ExplorerNode): void;
  /** Writes a line to the log (what a registry's listing left out, or why it was cut). */
  note(line: string): void;
  /** Turns any failure into the sentence shown in the tree; the details go to the log. */
  describe(err: unknown, doing: string): string;
  /**
   * A request to `host` failed: when the error says the registry is down (see meansRegistryDown),
   * its row turns unreachable at once, with the fixes and Retry, instead of staying green.
   */
  registryFailed(host: string, err: unknown): void;
  /** The listing recognised the provider of a registry nobody named one for (Harbor): a row built again starts as it. */
  providerRecognised(host: string, info: ProviderInfo): void;
  /** Runs background lookups (tag digests, creation dates) a few at a time. */
  lazy<T>(task: () => Promise<T>): Promise<T>;
  /** Manifests and configs by digest (the registry service's, shared with the inspector). */
  readonly content: ContentCache;
  /** Tells which rows VS Code draws: a row's details are fetched only once it is on screen. */
  readonly rows: RowsOnScreen;
  /**
   * Counts the requests about a repository (or, without one, the catalog) from now until they stop,
   * and logs the total: what expanding and drawing it cost.
   */
  countRequests(host: string, repository: string | undefined): void;
  /** Active filters by node id: kept across refreshes and settings changes. */
  readonly filters: Map<string, NameFilter>;
  /** The core's handle on a repository, with the upload settings applied. */
  repository(client: RegistryClient, name: string): Repository;
  /** A manifest's creation time in ms (cached by digest), or `undefined` when it does not say. */
  createdTime(repository: Repository, parsed: ParsedManifest): Promise<number | undefined>;
}

/** A registry, as the rows under it carry it (by value: no row holds its parent to reach it). */
export interface RegistryPlace {
  /** The registry row's stable id (the host as configured), for the ids of rows under it. */
  readonly id: string;
  readonly host: string;
  readonly client: RegistryClient;
  /** Whether its provider has web pages for repositories and tags (Open in Browser). */
  readonly webPages?: boolean;
}

/** A repository, as its tags, manifests and blobs carry it. */
export interface RepositoryPlace {
  readonly registryId: string;
  readonly host: string;
  /** `team/app` */
  readonly name: string;
  /** `host/team/app` */
  readonly reference: string;
  readonly client: RegistryClient;
  /** Whether its registry's provider has web pages for it and its tags (Open in Browser). */
  readonly webPages?: boolean;
}

export class MessageNode implements ExplorerNode {
  constructor(
    readonly parent: ExplorerNode | undefined,
    private readonly text: string,
    private readonly kind: 'error' | 'info' = 'info',
  ) {}

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.text, vscode.TreeItemCollapsibleState.None);
    item.iconPath = new vscode.ThemeIcon(
      this.kind === 'error' ? 'error' : 'info',
      this.kind === 'error' ? new vscode.ThemeColor('errorForeground') : undefined,
    );
    item.tooltip = this.text;
    item.contextValue = this.kind === 'error' ? CONTEXT.messageError : CONTEXT.messageInfo;
    return item;
  }
}

/** A row that runs a command on its parent when clicked: the fix under a failing registry. */
export class ActionNode implements ExplorerNode {
  constructor(
    readonly parent: ExplorerNode,
    private readonly label: string,
    private readonly icon: string,
    private readonly command: string,
    private readonly tooltip: string,
  ) {}

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.None);
    item.iconPath = new vscode.ThemeIcon(this.icon);
    item.tooltip = this.tooltip;
    item.contextValue = CONTEXT.action;
    item.command = { command: this.command, title: this.label, arguments: [this.parent] };
    return item;
  }
}
