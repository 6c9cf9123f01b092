/**
 * The webview's end of a panel's protocol (src/webviews/shared/protocol.ts): typed requests with
 * ids, their answers, and the host's events. Every panel's browser app uses this one.
 */
import type { RequestMap, RequestMessageOf, ResponseMessage } from '../protocol';

export interface Poster<Out> {
  postMessage(message: Out): void;
}

export class RequestError extends Error {
  constructor(
    message: string,
    readonly cancelled: boolean,
  ) {
    super(message);
  }
}

export interface Call<T> {
  id: number;
  result: Promise<T>;
}

export class Rpc<R extends RequestMap<R>, Event extends { type: string }, Notice extends { type: string }> {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
  private readonly handlers = new Set<(event: Event) => void>();

  constructor(private readonly api: Poster<RequestMessageOf<R> | Notice>) {
    window.addEventListener('message', (event: MessageEvent<ResponseMessage | Event>) => this.receive(event.data));
  }

  request<M extends keyof R & string>(method: M, params: R[M]['params']): Call<R[M]['result']> {
    const id = this.nextId++;
    const result = new Promise<R[M]['result']>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
    });
    this.api.postMessage({ type: 'request', id, method, params } as RequestMessageOf<R>);
    return { id, result };
  }

  /** Asks the host to stop a request; its answer then comes back as cancelled. */
  cancel(id: number): void {
    if (this.waiting.has(id))
      this.api.postMessage({ type: 'request', id: this.nextId++, method: 'cancel', params: { id } } as RequestMessageOf<R>);
  }

  notify(message: Notice): void {
    this.api.postMessage(message);
  }

  onEvent(handler: (event: Event) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  private receive(message: ResponseMessage | Event): void {
    if (typeof message !== 'object' || message === null) return;
    if (message.type === 'response') {
      const response = message as ResponseMessage;
      const waiter = this.waiting.get(response.id);
      if (!waiter) return;
      this.waiting.delete(response.id);
      if (response.ok) waiter.resolve(response.result);
      else waiter.reject(new RequestError(response.error, response.cancelled === true));
      return;
    }
    for (const handler of this.handlers) handler(message as Event);
  }
}
