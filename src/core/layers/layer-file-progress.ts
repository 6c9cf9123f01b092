/**
 * Progress of reading one file out of a layer, over every read of the layer it takes. A hard link
 * names a file the archive holds earlier, so following one reads the layer again; the total to
 * read is then known only once the link is met. This counts the reads and says, as soon as it
 * knows, how much all of them will take, so a progress bar can keep moving through the second read
 * instead of sitting full.
 */

/** How far reading a file out of a layer has got (compressed bytes of the layer's blob). */
export interface LayerFileProgress {
  /** The read of the layer under way: 1, then 2 and on for the file a hard link names. */
  pass: number;
  /** Bytes read in this pass. */
  passRead: number;
  /** Bytes read over all passes. */
  read: number;
  /**
   * Bytes all the passes known so far will read, when the layer's size is known. It grows when a
   * hard link is met (its target's read is added) and shrinks to what was read when a pass stops
   * before the layer's end.
   */
  expected?: number;
}

/** Counts the passes of one file read and reports its progress to `report`. */
export class LayerFilePasses {
  private pass = 0;
  /** Bytes read by the passes that ended. */
  private finished = 0;
  private passRead = 0;
  /** What the current pass will read at most: the whole layer, or up to where a link was met. */
  private plan = 0;
  /** The plan of the pass a hard link asked for, until it starts. */
  private nextPlan: number | undefined;

  constructor(
    private readonly layerSize: number | undefined,
    private readonly report: ((progress: LayerFileProgress) => void) | undefined,
  ) {}

  /** A new read of the layer begins. */
  begin(): void {
    this.finished += this.passRead;
    this.passRead = 0;
    this.plan = this.nextPlan ?? this.layerSize ?? 0;
    this.nextPlan = undefined;
    this.pass++;
  }

  /** How many reads of the layer have begun. */
  get begun(): number {
    return this.pass;
  }

  /** The bytes read so far in the current pass (a running total, as a listing reports them). */
  bytes(passRead: number): void {
    this.passRead = passRead;
    this.emit();
  }

  /**
   * Another pass will follow, for the file a hard link names: of the whole layer, or, for a read
   * that stops at what it looks for, up to where the current pass is now (the link's place).
   */
  another(wholeLayer: boolean): void {
    if (this.nextPlan !== undefined) return;
    this.nextPlan = wholeLayer ? (this.layerSize ?? 0) : this.passRead;
    this.emit();
  }

  /** The current pass ended: what it read is what it took (less than planned when it stopped at the file). */
  end(): void {
    this.plan = this.passRead;
    this.emit();
  }

  private emit(): void {
    if (!this.report) return;
    const progress: LayerFileProgress = { pass: this.pass, passRead: this.passRead, read: this.finished + this.passRead };
    if (this.layerSize !== undefined) progress.expected = this.finished + Math.max(this.passRead, this.plan) + (this.nextPlan ?? 0);
    this.report(progress);
  }
}
