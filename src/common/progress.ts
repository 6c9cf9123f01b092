/** Long work in a notification: byte progress from the core's copy events (progress-reporter.ts), failures as one sentence. */
import * as vscode from 'vscode';
import { showError, showInfo } from './notify';
import { errorText } from './error-text';
export { progressReporter } from './progress-reporter';

/** What a cancelled copy or push leaves: the tag is written last, blobs that arrived stay. */
export const CANCELLED_UPLOAD = 'nothing was tagged; the blobs that arrived whole are kept, so running it again sends only the rest.';
/** What a cancelled pull leaves: files appear under their names only when complete and verified. */
export const CANCELLED_PULL = 'no file was left half-written, and what arrived whole is kept.';

/**
 * Runs `task`; a failure becomes one sentence in a notification (and in the log, with the request
 * lines before it). `afterCancel` tells what a cancelled transfer left behind, so nobody has to
 * wonder whether the target is half-written.
 */
export async function withErrors<T>(what: string, task: () => PromiseLike<T>, afterCancel?: string): Promise<T | undefined> {
  try {
    return await task();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'CANCELLED') {
      void showInfo(afterCancel ? `${what} was cancelled: ${afterCancel}` : `${what} was cancelled.`);
      return undefined;
    }
    void showError(`${what}: ${errorText(err)}`, 'Show Log').then((action) => {
      if (action) void vscode.commands.executeCommand('registryExplorer.showLog');
    });
    return undefined;
  }
}
