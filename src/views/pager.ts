/**
 * Pages a listing for the tree: the registry's own pages are fetched one at a time, and the tree
 * shows `pageSize` more entries per "Load more…" whether the registry paged or sent everything at
 * once (Distribution 2.8 ignores `n` for tags).
 *
 * With a filter, "shown" counts matching entries only: "Load more…" fetches registry pages until
 * `pageSize` more entries match or the listing ends, but never more than `maxPagesPerLoad` pages
 * per click, so a filter that matches nothing cannot walk a huge catalog in one go.
 *
 * A page that fails leaves what was loaded; the next "Load more…" reads the listing again from its
 * start, passing over the entries already loaded (registries list in a stable order).
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
  /** Entries to pass over at the start of a listing started again (see {@link fill}). */
  private toSkip = 0;
  private begun = false;

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

  /** Whether a first load was asked for (it stays true when a later page fails). */
  get started(): boolean {
    return this.begun;
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
    this.begun = true;
    if (!this.iterator) {
      this.iterator = this.source();
      // A listing started again after a failed page: its first entries are the ones already loaded.
      this.toSkip = this.loaded.length;
    }
    const target = this.shown + this.pageSize;
    let pages = 0;
    while (this.count(match) < target && !this.exhausted && pages < this.maxPagesPerLoad) {
      let next: IteratorResult<Page<T>>;
      try {
        next = await this.iterator.next();
      } catch (err) {
        // A generator that threw is finished: every later next() says "done", which would show a
        // partial listing as complete. The next click starts the listing again instead.
        this.iterator = undefined;
        throw err;
      }
      if (next.done) this.exhausted = true;
      else {
        const names = next.value.names.slice(Math.min(this.toSkip, next.value.names.length));
        const skipped = next.value.names.length - names.length;
        this.toSkip -= skipped;
        // Pages read again only to reach where the failed one was do not spend this click's budget.
        if (names.length > 0 || skipped === 0) pages++;
        // One by one: a page may hold every tag of the repository, more than a call's arguments can.
        for (const name of names) this.loaded.push(name);
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
