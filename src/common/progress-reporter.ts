/** Copy events as a progress notification's text and bar; no `vscode` at run time, so unit tests can drive it. */
import type * as vscode from 'vscode';
import type { CopyEvent } from '../core/index';
import { formatBytes } from '../shared/format';

/** Byte events come per chunk; the notification is redrawn at most this often. */
const REDRAW_MS = 100;

/**
 * Turns copy events into the notification's progress: bytes of the total (once any moved), blobs
 * done, and the bar by bytes. Every event type keeps the byte count in the text, and byte events
 * held back by the redraw limit are drawn a moment later, so a transfer that slows down or stops
 * shows what really arrived.
 */
export function progressReporter(progress: vscode.Progress<{ message?: string; increment?: number }>): (event: CopyEvent) => void {
  let total = 0;
  let done: number | undefined;
  let reported = 0;
  let blobs = 0;
  let blobsDone = 0;
  let lastDraw = 0;
  let pending: ReturnType<typeof setTimeout> | undefined;
  const draw = (): void => {
    clearTimeout(pending);
    pending = undefined;
    lastDraw = Date.now();
    const percent = total > 0 && done !== undefined ? Math.min(100, (done / total) * 100) : undefined;
    const increment = percent !== undefined ? Math.max(0, percent - reported) : undefined;
    if (percent !== undefined) reported = Math.max(reported, percent);
    progress.report({
      message: `${done !== undefined ? `${formatBytes(done)} of ${formatBytes(total)} · ` : ''}${blobsDone}/${blobs} blobs`,
      ...(increment ? { increment } : {}),
    });
  };
  return (event) => {
    if (event.type === 'planned') {
      total += event.totalBytes;
      blobs += event.blobs;
    } else if (event.type === 'blob' && (event.state === 'copied' || event.state === 'skipped' || event.state === 'mounted')) {
      blobsDone++;
    } else if (event.type === 'bytes') {
      done = event.doneBytes;
      const wait = lastDraw + REDRAW_MS - Date.now();
      if (wait > 0 && done < total) {
        pending ??= setTimeout(draw, wait);
        return;
      }
    }
    draw();
  };
}
