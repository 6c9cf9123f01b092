/** Long work in a notification: byte progress from the core's copy events, failures as one sentence. */
import * as vscode from 'vscode';
import { showError, showInfo } from '../notify';
import type { CopyEvent } from '../core/index';
import { formatBytes } from '../views/format';

/** Turns copy events into the notification's progress: percent of bytes, and blobs done. */
export function progressReporter(progress: vscode.Progress<{ message?: string; increment?: number }>): (event: CopyEvent) => void {
  let total = 0;
  let reported = 0;
  let blobs = 0;
  let blobsDone = 0;
  let lastUpdate = 0;
  return (event) => {
    if (event.type === 'planned') {
      total += event.totalBytes;
      blobs += event.blobs;
    } else if (event.type === 'blob' && (event.state === 'copied' || event.state === 'skipped' || event.state === 'mounted')) {
      blobsDone++;
    }
    const done = event.type === 'bytes' ? event.doneBytes : undefined;
    const now = Date.now();
    if (done !== undefined && now - lastUpdate < 100 && done < total) return;
    lastUpdate = now;
    const percent = total > 0 && done !== undefined ? (done / total) * 100 : undefined;
    const increment = percent !== undefined ? Math.max(0, percent - reported) : undefined;
    if (percent !== undefined) reported = Math.max(reported, percent);
    progress.report({ message: `${done !== undefined ? `${formatBytes(done)} of ${formatBytes(total)} · ` : ''}${blobsDone}/${blobs} blobs`, ...(increment ? { increment } : {}) });
  };
}

/** Runs `task`; a failure becomes one sentence in a notification (and in the log, with the request lines before it). */
export async function withErrors<T>(what: string, task: () => PromiseLike<T>): Promise<T | undefined> {
  try {
    return await task();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'CANCELLED') {
      void showInfo(`${what} was cancelled.`);
      return undefined;
    }
    void showError(`${what}: ${err instanceof Error ? err.message : String(err)}`, 'Show Log').then((action) => {
      if (action) void vscode.commands.executeCommand('registryExplorer.showLog');
    });
    return undefined;
  }
}

