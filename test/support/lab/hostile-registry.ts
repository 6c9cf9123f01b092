// A hostile registry for the lab: a plain HTTP server on loopback that answers chosen requests
// with bodies that lie and linger — a Content-Length far over any cap, a body trickled a byte at
// a time, one that stalls, one cut short, malformed chunked encoding. No real registry behind it:
// every answer is scripted by the test. stop() destroys every connection it still holds.
import type * as http from 'node:http';
import { LoopbackServer } from './fault-proxy';
import { answerWhole, sendHostileAnswer, type HostileAnswer } from './hostile-answers';

export type { HostileAnswer, HostileBody } from './hostile-answers';

export interface HostileRoute {
  /** Any method when absent. */
  method?: string;
  path: RegExp;
  /** The answer, or one per arrival (`n` counts this route's requests from 0). */
  answer: HostileAnswer | ((n: number) => HostileAnswer);
}

export class HostileRegistry {
  /** Method and path of every request, in arrival order (the last 1,000). */
  readonly seen: string[] = [];
  private readonly routes: HostileRoute[] = [];
  private readonly arrivals = new Map<HostileRoute, number>();

  // Set by start(), the only way to make one.
  private server!: LoopbackServer;

  private constructor() {}

  static async start(): Promise<HostileRegistry> {
    const instance = new HostileRegistry();
    instance.server = await LoopbackServer.listen((req, res) => instance.handle(req, res), {});
    return instance;
  }

  /** `127.0.0.1:PORT`. */
  get host(): string {
    return this.server.host;
  }

  get url(): string {
    return this.server.url;
  }

  /** Routes are tried in the order added; an unmatched request gets a 404 in the registry's error format. */
  route(...routes: HostileRoute[]): this {
    this.routes.push(...routes);
    return this;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    req.resume();
    const path = req.url ?? '/';
    this.seen.push(`${req.method} ${path}`);
    if (this.seen.length > 1_000) this.seen.shift();
    const route = this.routes.find((r) => (!r.method || r.method.toUpperCase() === req.method) && r.path.test(path));
    if (!route) {
      answerWhole(
        res,
        404,
        { 'content-type': 'application/json' },
        Buffer.from('{"errors":[{"code":"NAME_UNKNOWN","message":"hostile registry: no such route"}]}'),
      );
      return;
    }
    const n = this.arrivals.get(route) ?? 0;
    this.arrivals.set(route, n + 1);
    const answer = typeof route.answer === 'function' ? route.answer(n) : route.answer;
    void sendHostileAnswer(req, res, answer).catch(() => res.destroy());
  }
}
