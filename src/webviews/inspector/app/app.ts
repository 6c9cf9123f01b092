/**
 * The panel's navigation: a history of locations (kept with setState, so a reload or a hidden tab
 * comes back where it was), back and forward, and one page at a time. Leaving a page cancels what
 * it was still waiting for.
 */
import { h, icon, plainText } from './dom';
import type { Location, PageModel, Prefetched, WebviewState } from '../protocol';
import { loading, type PageContext } from './render/common';
import { errorPage, renderPage, toolbar, type Navigation } from './render/page';
import { RequestError, type Call, type Rpc, type VsCodeApi } from './rpc';

const MAX_HISTORY = 100;

export class App implements Navigation {
  private history: Location[] = [];
  private index = -1;
  private generation = 0;
  private readonly pageCalls = new Set<number>();

  constructor(
    private readonly root: HTMLElement,
    private readonly rpc: Rpc,
    private readonly api: VsCodeApi,
  ) {}

  get started(): boolean {
    return this.index >= 0;
  }

  get canGoBack(): boolean {
    return this.index > 0;
  }

  get canGoForward(): boolean {
    return this.index < this.history.length - 1;
  }

  restore(state: WebviewState): void {
    this.history = state.history.slice(-MAX_HISTORY);
    this.index = Math.min(Math.max(0, state.index), this.history.length - 1);
    void this.show();
  }

  /** Shows `location` as a new history entry; `page` (and what it asks next) when the host sent them along. */
  go(location: Location, page?: PageModel, answers?: Prefetched): void {
    this.history = [...this.history.slice(0, this.index + 1), location].slice(-MAX_HISTORY);
    this.index = this.history.length - 1;
    this.save();
    void this.show(page, answers);
  }

  back(): void {
    if (!this.canGoBack) return;
    this.index--;
    this.save();
    void this.show();
  }

  forward(): void {
    if (!this.canGoForward) return;
    this.index++;
    this.save();
    void this.show();
  }

  private save(): void {
    this.api.setState({ history: this.history, index: this.index });
  }

  private async show(preloaded?: PageModel, answers: Prefetched = {}): Promise<void> {
    const generation = ++this.generation;
    for (const id of this.pageCalls) this.rpc.cancel(id);
    this.pageCalls.clear();
    const location = this.history[this.index]!;
    const deferred: Promise<unknown>[] = [];
    const ctx = this.context(deferred, answers);
    this.root.replaceChildren(
      toolbar(this, 'Loading…'),
      loading(
        `Reading ${location.kind === 'layer' ? 'the layer' : location.kind === 'blob' ? 'the blob' : 'the manifest'} ${location.digest}…`,
      ),
    );
    let title: string;
    try {
      const page = preloaded ?? (await ctx.track(this.rpc.request('page', location)));
      if (generation !== this.generation) return;
      this.root.replaceChildren(...renderPage(ctx, page, this, (handler) => this.rpc.onEvent(handler)));
      document.title = plainText(page.title);
      title = page.title;
    } catch (err) {
      if (generation !== this.generation || (err instanceof RequestError && err.cancelled)) return;
      this.root.replaceChildren(...errorPage(this, (err as Error).message, () => void this.show()));
      title = 'Could not open';
    }
    window.scrollTo(0, 0);
    await Promise.allSettled(deferred);
    await nextFrame();
    if (generation === this.generation) this.rpc.notify({ type: 'rendered', location, title });
  }

  private context(deferred: Promise<unknown>[], answers: Prefetched): PageContext {
    const request: Rpc['request'] = (method, params) => {
      // An answer the host sent with the page is used once, in place of asking.
      const key = method as string;
      const ready = key === 'imageSizes' || key === 'referrers' ? answers[key] : undefined;
      if (ready === undefined) return this.rpc.request(method, params);
      delete answers[key as keyof Prefetched];
      return { id: 0, result: Promise.resolve(ready as never) };
    };
    return {
      go: (location) => this.go(location),
      track: <T>(call: Call<T>) => {
        this.pageCalls.add(call.id);
        return call.result.finally(() => this.pageCalls.delete(call.id));
      },
      request,
      cancel: (id) => this.rpc.cancel(id),
      copy: (text, what) => this.rpc.request('copy', { text, what }).result.then(() => undefined),
      openExternal: (url) => void this.rpc.request('openExternal', { url }).result.catch(() => undefined),
      openJson: (target) => void this.rpc.request('openJson', target).result.catch((err: Error) => this.flash(err.message)),
      openLayerFile: (target) => void this.rpc.request('openLayerFile', target).result.catch((err: Error) => this.flash(err.message)),
      saveLayerFile: (target) => void this.rpc.request('saveLayerFile', target).result.catch((err: Error) => this.flash(err.message)),
      defer: (work) => void deferred.push(work),
    };
  }

  /** A short-lived message at the top of the page (for actions whose failure has no place of its own). */
  private flash(message: string): void {
    const note = h('div', { class: 'flash', role: 'alert' }, icon('warning'), ' ', message);
    this.root.prepend(note);
    setTimeout(() => note.remove(), 6000);
  }
}

/** After the browser has painted what was just laid out (or a moment, where frames are throttled). */
function nextFrame(): Promise<void> {
  return new Promise((resolve) => {
    requestAnimationFrame(() => resolve());
    setTimeout(resolve, 100);
  });
}
