/** Reading ahead for a new panel while its webview loads. */
import { MAX_SIZE_LOOKUPS, type Location, type PageModel, type Prefetched } from './protocol';
import type { InspectorService } from './service';

/** How long the first page waits for its sizes and referrers before going without them. */
const ANSWER_WAIT_MS = 250;

/**
 * Opening a webview takes a few hundred milliseconds; the host spends them reading the first page,
 * its platforms' sizes and its referrers, and sends them together in one message. Anything not in
 * by then the webview asks for itself, and gets from the caches.
 */
export class Prefetch {
  readonly page: Promise<PageModel | undefined>;
  private answers: Prefetched = {};
  private pending: Promise<unknown> = Promise.resolve();

  constructor(service: InspectorService, start: Location, signal: AbortSignal) {
    this.page = service.page(start, signal).then(
      (page) => {
        this.warm(service, page, signal);
        return page;
      },
      () => undefined,
    );
  }

  /** Resolves when the answers are in, or after a short while: a slow referrers API must not hold the page back. */
  answered(): Promise<unknown> {
    return Promise.race([this.pending, new Promise<void>((resolve) => setTimeout(resolve, ANSWER_WAIT_MS))]);
  }

  /** What has arrived so far, handed out once: referrers change, so they are never reused later. */
  takeAnswers(): Prefetched {
    const answers = this.answers;
    this.answers = {};
    return answers;
  }

  private warm(service: InspectorService, page: PageModel, signal: AbortSignal): void {
    if (page.location.kind !== 'manifest') return;
    const place = { host: page.location.host, repository: page.location.repository };
    const work: Promise<unknown>[] = [];
    if (page.referrersOf)
      work.push(
        service.referrers({ ...place, digest: page.referrersOf }, signal).then(
          (list) => (this.answers.referrers = list),
          () => undefined,
        ),
      );
    // The same platforms, and as many, as the webview's table asks sizes for.
    const digests = (page.platforms ?? []).slice(0, MAX_SIZE_LOOKUPS).map((p) => p.digest);
    if (digests.length)
      work.push(
        service.imageSizes({ ...place, digests }, signal).then(
          (sizes) => (this.answers.imageSizes = sizes),
          () => undefined,
        ),
      );
    this.pending = Promise.all(work);
  }
}
