/**
 * Pages a listing for the tree: the registry's own pages are fetched one at a time, and the tree
 * shows `pageSize` more entries per "Load more…" whether the registry paged or sent everything at
 * once (Distribution 2.8 ignores `n` for tags).
 */
export class Pager<T> {
  private readonly loaded: T[] = [];
  private shown = 0;
  private exhausted = false;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly source: () => AsyncIterator<T[]>,
    private readonly pageSize: number,
  ) {}

  private iterator: AsyncIterator<T[]> | undefined;

  /** The entries currently shown (after the first `loadMore`, the first page). */
  get items(): readonly T[] {
    return this.loaded.slice(0, this.shown);
  }

  /** All entries fetched so far, shown or not (for sorting before display). */
  get fetched(): readonly T[] {
    return this.loaded;
  }

  get hasMore(): boolean {
    return !this.exhausted || this.shown < this.loaded.length;
  }

  get started(): boolean {
    return this.iterator !== undefined;
  }

  /** Shows `pageSize` more entries, fetching registry pages only as far as needed. */
  async loadMore(): Promise<void> {
    // Single flight: a double click on "Load more…" fetches once.
    this.pending ??= this.fill(this.shown + this.pageSize).finally(() => (this.pending = undefined));
    await this.pending;
  }

  private async fill(target: number): Promise<void> {
    this.iterator ??= this.source();
    while (this.loaded.length < target && !this.exhausted) {
      const next = await this.iterator.next();
      if (next.done) this.exhausted = true;
      else this.loaded.push(...next.value);
    }
    this.shown = Math.min(target, this.loaded.length);
  }
}
