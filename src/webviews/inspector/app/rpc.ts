/** The webview's end of the protocol: typed requests with ids, their answers, and the host's events. */
import type { HostEvent, HostMessage, Method, Requests, WebviewMessage, WebviewState } from '../protocol';

export interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): WebviewState | undefined;
  setState(state: WebviewState): void;
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

type EventHandler = (event: HostEvent) => void;

export class Rpc {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
  private readonly handlers = new Set<EventHandler>();

  constructor(private readonly api: VsCodeApi) {
    window.addEventListener('message', (event: MessageEvent<HostMessage>) => this.receive(event.data));
  }

  request<M extends Method>(method: M, params: Requests[M]['params']): Call<Requests[M]['result']> {
    const id = this.nextId++;
    const result = new Promise<Requests[M]['result']>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
    });
    this.api.postMessage({ type: 'request', id, method, params } as WebviewMessage);
    return { id, result };
  }

  /** Asks the host to stop a request; its answer then comes back as cancelled. */
  cancel(id: number): void {
    if (this.waiting.has(id)) this.api.postMessage({ type: 'request', id: this.nextId++, method: 'cancel', params: { id } });
  }

  notify(message: Extract<WebviewMessage, { type: 'ready' | 'rendered' }>): void {
    this.api.postMessage(message);
  }

  onEvent(handler: EventHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  private receive(message: HostMessage): void {
    if (typeof message !== 'object' || message === null) return;
    if (message.type === 'response') {
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new RequestError(message.error, message.cancelled === true));
      return;
    }
    for (const handler of this.handlers) handler(message);
  }
}
