/** Copy events and layer file reads as a progress notification's text and bar; no `vscode` at run time, so unit tests can drive it. */
import type * as vscode from 'vscode';
import type { CopyEvent, LayerFileProgress } from '../core/index';
import { formatBytes } from '../shared/format';

type Progress = vscode.Progress<{ message?: string; increment?: number }>;

/** Byte events come per chunk; the notification is redrawn at most this often. */
const REDRAW_MS = 100;

/**
 * Turns copy events into the notification's progress: bytes moved of those that need moving (once
 * any moved), blobs done and how many the target already had, and the bar by bytes. A blob the
 * target had (or mounted from another repository) is work done without moving it, so a copy or
 * pull that resumes fills the bar as it ends; work planned on the way (each referrer's) spreads
 * what is left of the bar instead of stalling it. Every event type keeps the byte count in the
 * text, and byte events held back by the redraw limit are drawn a moment later, so a transfer that
 * slows down or stops shows what really arrived.
 */
export function progressReporter(progress: Progress): (event: CopyEvent) => void {
  const bar = new ForwardBar();
  /** Bytes of every blob planned. */
  let total = 0;
  /** Bytes moved and kept (a failed attempt's are taken back), once any moved. */
  let moved: number | undefined;
  /** Bytes of the blobs the target already had or mounted: done without moving them. */
  let present = 0;
  let blobs = 0;
  let blobsDone = 0;
  let blobsPresent = 0;
  let lastDraw = 0;
  let pending: ReturnType<typeof setTimeout> | undefined;
  const draw = (): void => {
    clearTimeout(pending);
    pending = undefined;
    lastDraw = Date.now();
    const increment = total > 0 ? bar.advance((moved ?? 0) + present, total) : 0;
    const parts = [
      ...(moved !== undefined ? [`${formatBytes(moved)} of ${formatBytes(total - present)}`] : []),
      `${blobsDone}/${blobs} blobs${blobsPresent > 0 ? `, ${blobsPresent} already there` : ''}`,
    ];
    progress.report({ message: parts.join(' · '), ...(increment ? { increment } : {}) });
  };
  return (event) => {
    if (event.type === 'planned') {
      total += event.totalBytes;
      blobs += event.blobs;
    } else if (event.type === 'blob' && event.state === 'copied') {
      blobsDone++;
    } else if (event.type === 'blob' && (event.state === 'skipped' || event.state === 'mounted')) {
      blobsDone++;
      blobsPresent++;
      present += event.descriptor.size;
    } else if (event.type === 'bytes') {
      moved = event.doneBytes;
      const wait = lastDraw + REDRAW_MS - Date.now();
      if (wait > 0 && moved + present < total) {
        pending ??= setTimeout(draw, wait);
        return;
      }
    }
    draw();
  };
}

/**
 * A notification's bar, which can only move forward, over work whose total is learnt on the way:
 * when the total changes, what is left of the bar is spread over what is left of the work, so the
 * bar neither sits full while work remains nor would have to go back.
 */
export class ForwardBar {
  /** Whole percents reported so far. */
  private drawn = 0;
  /** The exact position last computed, and where the current total took over from. */
  private position = 0;
  private from = { position: 0, done: 0 };
  private total: number | undefined;

  /** The whole percents to add to the bar for `done` of `total` (0 when it stays). */
  advance(done: number, total: number): number {
    // The first total counts from nothing; a later one from where the work and the bar are.
    if (total !== this.total && this.total !== undefined) this.from = { position: this.position, done };
    this.total = total;
    const left = total - this.from.done;
    const share = left > 0 ? Math.min(1, Math.max(0, (done - this.from.done) / left)) : 1;
    // Exactly full when the work is: the sum below can fall a hair short in floating point.
    const position = share >= 1 ? 100 : this.from.position + (100 - this.from.position) * share;
    this.position = Math.max(this.position, position);
    const increment = Math.floor(this.position) - this.drawn;
    if (increment <= 0) return 0;
    this.drawn += increment;
    return increment;
  }
}

/**
 * Reading a file out of a layer (to show or save it) as a notification's text and bar. The bar
 * covers every read of the layer: a hard link met on the way adds the read of the file it names,
 * and the bar goes on through it, saying so. Redrawn when a whole percent is gained or a read
 * begins, not for each of the layer's thousands of chunks.
 */
export function layerFileProgressReporter(progress: Progress, layerSize: number): (event: LayerFileProgress) => void {
  const bar = new ForwardBar();
  let pass = 0;
  return (event) => {
    const increment = event.expected !== undefined ? bar.advance(event.read, event.expected) : 0;
    if (increment === 0 && event.pass === pass) return;
    pass = event.pass;
    const read = `${formatBytes(event.passRead)} of ${formatBytes(layerSize)} of the layer read`;
    progress.report({
      message: event.pass > 1 ? `${read} again, for the file the hard link names` : read,
      ...(increment ? { increment } : {}),
    });
  };
}
