/**
 * Rows whose children come from a paged listing (a registry's repositories, a repository's tags):
 * pages loaded on demand, an optional name filter, and GitLens-style "Load more…" rows.
 */
import * as vscode from 'vscode';
import type { NameFilter } from '../name-filter';
import { Pager, type Page } from '../pager';
import { CONTEXT } from './context-values';
import { MessageNode, type ExplorerNode, type TreeContext } from './node-base';

/** GitLens-style "Load more…": asks its parent's pager for the next page, and says so while it does. */
export class LoadMoreNode implements ExplorerNode {
  constructor(
    readonly parent: PagedNode,
    private readonly what: string,
    private readonly filter: NameFilter | undefined,
    /** Entries fetched so far, and whether that is all of them. */
    private readonly loaded: { shown: number; fetched: number; complete: boolean },
  ) {}

  treeItem(): vscode.TreeItem {
    const matching = this.filter ? ` matching "${this.filter.text}"` : '';
    const busy = this.parent.loadingMore;
    const item = new vscode.TreeItem(busy ? `Loading more ${this.what}${matching}…` : `Load more ${this.what}${matching}…`);
    item.iconPath = new vscode.ThemeIcon(busy ? 'loading~spin' : 'ellipsis');
    item.contextValue = CONTEXT.loadMore;
    const { shown, fetched, complete } = this.loaded;
    item.description = this.filter ? `${fetched}${complete ? '' : '+'} loaded` : `${shown} of ${fetched}${complete ? '' : '+'}`;
    // While loading, a click does nothing (a second one would only wait for the same pages).
    if (!busy) item.command = { command: 'registryExplorer.loadMore', title: 'Load More', arguments: [this] };
    return item;
  }
}

/** A node whose children come from a paged listing, optionally filtered by name. */
export abstract class PagedNode implements ExplorerNode {
  protected pager: Pager<string> | undefined;
  /** The names the last redraw showed (filtered, ordered, paged). */
  protected shownNames: readonly string[] = [];
  /** Whether "Load more…" is reading pages now (its row says so). */
  loadingMore = false;
  /** The "Load more…" row of the last redraw, to show it busy. */
  loadMoreRow: LoadMoreNode | undefined;

  constructor(
    readonly parent: ExplorerNode | undefined,
    protected readonly ctx: TreeContext,
  ) {}

  abstract treeItem(): vscode.TreeItem;
  protected abstract listing(): AsyncIterator<Page<string>>;
  protected abstract childFor(name: string): ExplorerNode;
  protected abstract readonly noun: string;
  /** The node's stable id, which also keys its filter. */
  abstract get id(): string;

  /** Starts a count of the requests this listing makes (see TreeContext.countRequests). */
  protected abstract countRequests(): void;

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
      this.pager ??= new Pager(() => this.noted(this.listing()), this.ctx.pageSize());
      if (!this.pager.started) {
        this.countRequests();
        await this.pager.loadMore(this.matcher());
        // The row's count is known now: it is redrawn from what is loaded (nothing is asked again),
        // once the window has these children (see row-redraws.ts: earlier, they would be dead rows).
        this.ctx.changed(this);
      }
      return this.pageChildren(this.pager.fetched, this.pager);
    } catch (err) {
      this.pager = undefined;
      return this.failureChildren(err);
    }
  }

  /** What the listing is of, for the log: the registry's host, or `host/repository`. */
  protected get listingLabel(): string {
    return this.host;
  }

  /** The listing, logging once the names its pages left out, and why it was cut. */
  private noted(pages: AsyncIterator<Page<string>>): AsyncIterator<Page<string>> {
    let leftOutLogged = false;
    return {
      next: async () => {
        const page = await pages.next();
        if (page.done) return page;
        const { leftOut, cut } = page.value;
        if (leftOut && !leftOutLogged) {
          leftOutLogged = true;
          this.ctx.note(
            `${this.listingLabel}: left out ${leftOut} of the ${this.noun} the registry listed, as they are not valid names (later pages may have more).`,
          );
        }
        if (cut) this.ctx.note(`${this.listingLabel}: ${cut}`);
        return page;
      },
    };
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
    this.loadMoreRow = pager?.hasMore(this.matcher())
      ? new LoadMoreNode(this, this.noun, filter, { shown: this.shownNames.length, fetched: names.length, complete: pager.complete })
      : undefined;
    if (this.loadMoreRow) nodes.push(this.loadMoreRow);
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

  /** The registry this listing is on (its row turns unreachable when a request finds it down). */
  protected abstract get host(): string;

  protected failureChildren(err: unknown): ExplorerNode[] {
    const message = this.ctx.describe(err, `listing ${this.noun}`);
    this.ctx.registryFailed(this.host, err);
    return [new MessageNode(this, message, 'error')];
  }

  async loadMore(): Promise<void> {
    this.countRequests();
    await this.pager?.loadMore(this.matcher());
  }

  /** Forgets what was fetched, so the next expansion lists afresh (the filter stays). */
  reset(): void {
    this.pager = undefined;
    for (const child of this.childNodes.values()) child.dispose?.();
    this.childNodes.clear();
  }

  dispose(): void {
    this.reset();
  }

  /** "1000 tags" once the whole listing is read, "100+ tags" while more remain; nothing before it is listed. */
  protected countNote(singular: string): string | undefined {
    const pager = this.pager;
    if (!pager?.started) return undefined;
    const n = pager.fetched.length;
    const noun = n === 1 ? singular : this.noun;
    return pager.complete ? `${n} ${noun}` : `${n}+ ${noun}`;
  }

  /** The description's note about the active filter. */
  protected filterNote(): string | undefined {
    return this.filter ? `filter: ${this.filter.text}` : undefined;
  }
}
