/**
 * Redraws of tree rows, timed so VS Code loses none of them. Redrawing a row (onDidChangeTreeData
 * with its node) makes VS Code's extension host forget the rows under it at once, and the window
 * list them again. Two things go wrong with that:
 * - A row redrawn while VS Code is still taking in its children (a repository's tag count, known
 *   when its tags are listed): the window keeps the children it was receiving and never lists them
 *   again, but the extension host has forgotten them. Those rows are dead: their redraws are lost (a
 *   tag's digest never shows) and expanding one shows nothing. So such a redraw waits until one of
 *   those children is drawn (then the window has them all), or {@link HOLD_LIMIT_MS} at most.
 * - A redraw of a row under one being redrawn, asked for before the window has listed it again,
 *   finds no row and is lost: it waits until VS Code has listed the rows down to it again.
 * Free of `vscode`, so its rules are tested as plain code.
 */

/** What a row needs here: its parent, to find a row above it being redrawn. */
export interface RedrawnRow {
  readonly parent: RedrawnRow | undefined;
}

/** How long held redraws wait for a listing that may never come (the row was collapsed meanwhile). */
export const HOLD_LIMIT_MS = 3_000;

export class RowRedraws<Row extends RedrawnRow> {
  /** Rows redrawn and not listed by VS Code since, each with the redraws under it that wait for that. */
  private readonly relisting = new WeakMap<RedrawnRow, Set<Row>>();
  /** The sets of held redraws already bounded by a timer. */
  private readonly bounded = new WeakSet<Set<Row>>();
  /** Rows whose children VS Code is listing now (how many listings). */
  private readonly listingNow = new Map<RedrawnRow, number>();
  /** Rows whose redraw waits until one of the children VS Code listed last is drawn. */
  private readonly postponed = new WeakSet<RedrawnRow>();

  constructor(
    /** Tells VS Code (onDidChangeTreeData); `undefined` redraws the whole tree. */
    private readonly fire: (row: Row | undefined) => void,
    /** Runs `task` after `ms` (VS Code takes listed rows in after their items: 0 ms is after that). */
    private readonly later: (task: () => void, ms: number) => void = (task, ms) => setTimeout(task, ms),
  ) {}

  /** Redraws `row` now, or once VS Code has listed the rows above it again. */
  redraw(row?: Row): void {
    if (row && (this.listingNow.has(row) || this.postponed.has(row))) {
      this.postponed.add(row);
      return;
    }
    if (row) {
      for (let above = row.parent; above; above = above.parent) {
        const waiting = this.relisting.get(above);
        if (waiting) {
          this.hold(above, waiting, row);
          return;
        }
      }
      // A new mark each time: a listing already under way when this redraw was asked lists what VS
      // Code then forgets, so only a listing asked for after it releases what waits.
      const waiting = new Set(this.relisting.get(row));
      this.relisting.set(row, waiting);
      if (waiting.size > 0) this.bound(row, waiting);
    }
    this.fire(row);
  }

  /**
   * VS Code asks for `row`'s children; call what this returns once they are handed over. The rows
   * waiting for this listing are redrawn, or wait on for the next row down on their way.
   */
  listing(row: Row): () => void {
    this.listingNow.set(row, (this.listingNow.get(row) ?? 0) + 1);
    const waiting = this.relisting.get(row);
    return () => {
      const left = (this.listingNow.get(row) ?? 1) - 1;
      if (left > 0) this.listingNow.set(row, left);
      else this.listingNow.delete(row);
      if (this.postponed.has(row)) this.later(() => this.drawnUnder(row), HOLD_LIMIT_MS);
      if (!waiting || this.relisting.get(row) !== waiting) return;
      this.relisting.delete(row);
      if (waiting.size > 0) this.later(() => this.release(row, waiting), 0);
    };
  }

  /** Whether `row`'s redraw waits for one of its children to be drawn (they should say when they are). */
  waitsForDrawnChild(row: RedrawnRow): boolean {
    return this.postponed.has(row);
  }

  /** VS Code drew `row`: the window has its parent's listing, and the parent's redraw can go. */
  drawn(row: Row): void {
    if (row.parent) this.drawnUnder(row.parent);
  }

  private drawnUnder(parent: RedrawnRow): void {
    if (!this.postponed.has(parent) || this.listingNow.has(parent)) return;
    this.postponed.delete(parent);
    this.redraw(parent as Row);
  }

  private hold(above: RedrawnRow, waiting: Set<Row>, row: Row): void {
    waiting.add(row);
    this.bound(above, waiting);
  }

  /** A row collapsed meanwhile is never listed: after a while its held redraws go as they would have. */
  private bound(above: RedrawnRow, waiting: Set<Row>): void {
    if (this.bounded.has(waiting)) return;
    this.bounded.add(waiting);
    this.later(() => {
      if (this.relisting.get(above) !== waiting) return;
      this.relisting.delete(above);
      waiting.forEach((r) => this.fire(r));
    }, HOLD_LIMIT_MS);
  }

  /** `listed` was listed again: its children redraw, rows further down wait for the next listing on their way. */
  private release(listed: RedrawnRow, waiting: Set<Row>): void {
    for (const row of waiting) {
      let next: RedrawnRow = row;
      while (next.parent && next.parent !== listed) next = next.parent;
      if (next === row) this.redraw(row);
      else {
        const below = this.relisting.get(next) ?? new Set<Row>();
        this.relisting.set(next, below);
        this.hold(next, below, row);
      }
    }
  }
}
