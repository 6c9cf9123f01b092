/**
 * Pages a listing for the tree: the registry's own pages are fetched one at a time, and the tree
 * shows `pageSize` more entries per "Load more…" whether the registry paged or sent everything at
 * once (Distribution 2.8 ignores `n` for tags).
 *
 * With a filter, "shown" counts matching entries only: "Load more…" fetches registry pages until
 * `pageSize` more entries match or the listing ends, but never more than `maxPagesPerLoad` pages
 * per click, so a filter that matches nothing cannot walk a huge catalog in one go.
 */
export type Match<T> = (item: T) => boolean;

/** A registry page: its entries, and whether the registry pointed at another one. */
export interface Page<T> {
  names: readonly T[];
  more: boolean;
  /** Entries the source left out as not valid names (logged by the node, see PagedNode). */
  leftOut?: number;
  /** The source stopped before the registry's end (pages without end): why. The listing then shows as incomplete. */
  cut?: string;
}

const everything = (): boolean => true;

export class Pager<T> {
  private readonly loaded: T[] = [];
  private shown = 0;
  private exhausted = false;
  private cutShort = false;
  private pending: Promise<void> | undefined;
  private iterator: AsyncIterator<Page<T>> | undefined;

  constructor(
    private readonly source: () => AsyncIterator<Page<T>>,
    private readonly pageSize: number,
    private readonly maxPagesPerLoad = 10,
  ) {}

  /** The entries shown without a filter (after the first `loadMore`, the first page). */
  get items(): readonly T[] {
    return this.loaded.slice(0, this.shown);
  }

  /** All entries fetched so far, shown or not (for sorting and filtering before display). */
  get fetched(): readonly T[] {
    return this.loaded;
  }

  /** How many entries (matching ones, under a filter) the tree shows at most. */
  get limit(): number {
    return this.shown;
  }

  /** Whether the registry's listing has been read to its end (its last page said no more follow, and it was not cut). */
  get complete(): boolean {
    return this.exhausted && !this.cutShort;
  }

  get started(): boolean {
    return this.iterator !== undefined;
  }

  /** Whether "Load more…" would show anything new for `match`. */
  hasMore(match: Match<T> = everything): boolean {
    return !this.exhausted || this.count(match) > this.shown;
  }

  /** Shows `pageSize` more (matching) entries, fetching registry pages only as far as needed. */
  async loadMore(match: Match<T> = everything): Promise<void> {
    // Single flight: a double click on "Load more…" fetches once.
    this.pending ??= this.fill(match).finally(() => (this.pending = undefined));
    await this.pending;
  }

  private async fill(match: Match<T>): Promise<void> {
    this.iterator ??= this.source();
    const target = this.shown + this.pageSize;
    let pages = 0;
    while (this.count(match) < target && !this.exhausted && pages < this.maxPagesPerLoad) {
      const next = await this.iterator.next();
      pages++;
      if (next.done) this.exhausted = true;
      else {
        this.loaded.push(...next.value.names);
        // The last page says so: nothing more is asked of the registry, and the listing shows as complete.
        if (!next.value.more) this.exhausted = true;
        // Cut short: nothing more can be asked, but the count keeps its "+".
        if (next.value.cut) this.cutShort = this.exhausted = true;
      }
    }
    // Short of the target when the page budget ran out: what matched shows, and the next click goes on.
    this.shown = target;
  }

  private count(match: Match<T>): number {
    if (match === everything) return this.loaded.length;
    let n = 0;
    for (const item of this.loaded) if (match(item)) n++;
    return n;
  }
}
