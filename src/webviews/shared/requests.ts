/**
 * The host's end of a panel's protocol: each request runs its handler with its own AbortSignal
 * (ended by a `cancel`, or by the panel closing), and gets exactly one response, a cancel saying
 * so rather than failing. Every webview panel answers through this one.
 */
import type * as vscode from 'vscode';
import { errorText } from '../../common/error-text';
import type { RequestMap, ResponseMessage } from './protocol';

export type Handlers<R extends RequestMap<R>> = {
  [M in keyof R]: (params: R[M]['params'], signal: AbortSignal, id: number) => Promise<R[M]['result']> | R[M]['result'];
};

export interface RunnerOptions {
  /** The panel's name in the log: `Inspector`, `Comparison`. */
  name: string;
  log: vscode.LogOutputChannel;
  /** Aborted when the panel closes: every request still running ends. */
  closed: AbortSignal;
  post(message: ResponseMessage): Thenable<boolean>;
}

export class RequestRunner<R extends RequestMap<R>> {
  private readonly running = new Map<number, AbortController>();

  constructor(
    private readonly handlers: Handlers<R>,
    private readonly options: RunnerOptions,
  ) {}

  /** Stops one request (its answer comes back as cancelled). */
  cancel(id: number): void {
    this.running.get(id)?.abort();
  }

  abortAll(): void {
    for (const controller of this.running.values()) controller.abort();
    this.running.clear();
  }

  /** Answers a request whose parameters were checked; `problem` refuses it with that sentence. */
  async answer(request: { id: number; method: keyof R & string; params: unknown }, problem?: string): Promise<void> {
    const { log, name, post, closed } = this.options;
    if (problem) {
      await post({ type: 'response', id: request.id, ok: false, error: problem });
      return;
    }
    const controller = new AbortController();
    this.running.set(request.id, controller);
    const started = performance.now();
    try {
      const handler = this.handlers[request.method] as (params: unknown, signal: AbortSignal, id: number) => Promise<unknown>;
      const result = await handler(request.params, AbortSignal.any([controller.signal, closed]), request.id);
      log.debug(`${name}: ${request.method} answered in ${(performance.now() - started).toFixed(0)} ms`);
      await post({ type: 'response', id: request.id, ok: true, result });
    } catch (err) {
      const wasCancelled = controller.signal.aborted || (err as { code?: string }).code === 'CANCELLED';
      if (!wasCancelled) log.warn(`${name}: ${request.method} failed: ${errorText(err)}`);
      await post({
        type: 'response',
        id: request.id,
        ok: false,
        error: wasCancelled ? 'Cancelled.' : errorText(err),
        ...(wasCancelled ? { cancelled: true } : {}),
      });
    } finally {
      this.running.delete(request.id);
    }
  }
}
