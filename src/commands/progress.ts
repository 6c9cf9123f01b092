/** Long work in a notification: byte progress from the core's copy events (progress-reporter.ts), failures as one sentence. */
import * as vscode from 'vscode';
import { showError, showInfo } from '../notify';
export { progressReporter } from './progress-reporter';

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

