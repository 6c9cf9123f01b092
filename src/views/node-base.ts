import * as vscode from 'vscode';
import type { ParsedManifest } from '../core/index';
import type { TagSortOrder } from '../settings';

/** What every node of the tree provides. Views hold no protocol logic: they ask the client. */
export interface ExplorerNode {
  readonly parent: ExplorerNode | undefined;
  treeItem(): vscode.TreeItem;
  children?(): Promise<ExplorerNode[]>;
}

export interface TreeContext {
  pageSize(): number;
  tagSortOrder(): TagSortOrder;
  /** Asks the view to redraw `node` (or everything). */
  changed(node?: ExplorerNode): void;
  /** Turns any failure into the sentence shown in the tree; the details go to the log. */
  describe(err: unknown, doing: string): string;
  /** Runs background lookups (tag digests and sizes) a few at a time, for visible nodes only. */
  lazy<T>(task: () => Promise<T>): Promise<T>;
  /** Manifests by digest: content-addressed, so a cached one is always right. */
  readonly manifests: Map<string, ParsedManifest>;
}

export class MessageNode implements ExplorerNode {
  constructor(
    readonly parent: ExplorerNode | undefined,
    private readonly text: string,
    private readonly kind: 'error' | 'info' = 'info',
  ) {}

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.text, vscode.TreeItemCollapsibleState.None);
    item.iconPath = new vscode.ThemeIcon(this.kind === 'error' ? 'error' : 'info', this.kind === 'error' ? new vscode.ThemeColor('errorForeground') : undefined);
    item.tooltip = this.text;
    item.contextValue = `message.${this.kind}`;
    return item;
  }
}

