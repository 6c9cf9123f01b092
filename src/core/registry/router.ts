/**
 * Where a registry's requests go: the endpoints of its plan for an operation, in order (mirrors
 * first), and the request that walks them: a 4xx, 5xx or connection failure on a mirror moves on
 * to the next endpoint, and only the last one is retried. A registry's client and its repositories
 * each carry a router (containerd's dockerBase, in spirit): the session builds it with what it
 * needs — the plan and the endpoint clients, the credential lookup, the secrets sent — and no
 * child holds the session.
 */
import type { Credential } from '../credentials/types';
import { CoreError } from '../errors';
import type { EndpointPlan, Operation } from '../hosts/plan';
import type { KnownSecrets } from '../text/registry-text';
import type { HttpResponse } from '../transport/http';
import type { EndpointClient, EndpointRequest } from './endpoint-client';
import type { PullRateLimit } from './rate-limit';

/** What the session provides a registry's router with. */
export interface RouterSource {
  /** The registry as references name it: `docker.io`, `ghcr.io`, `localhost:5000`. */
  readonly host: string;
  /** Everything the session sends that a message must never repeat. */
  readonly secrets: KnownSecrets;
  plan(operation: Operation): Promise<EndpointPlan>;
  /** Clients for a plan's endpoints, each with the credentials of the host it contacts. */
  clientsFor(plan: EndpointPlan, repository?: string): Promise<EndpointClient[]>;
  /** The credential used for a contacted host (memoised by the session). */
  credential(host: string): Promise<Credential | undefined>;
  /** The pull rate limit the registry last reported, if it ever did. */
  pullRateLimit(): PullRateLimit | undefined;
}

/** One failed endpoint on the way to an answer, for the error a user sees when all fail. */
interface EndpointFailure {
  host: string;
  reason: string;
}

export class RequestRouter {
  constructor(private readonly source: RouterSource) {}

  get host(): string {
    return this.source.host;
  }

  get secrets(): KnownSecrets {
    return this.source.secrets;
  }

  plan(operation: Operation): Promise<EndpointPlan> {
    return this.source.plan(operation);
  }

  credential(host: string): Promise<Credential | undefined> {
    return this.source.credential(host);
  }

  pullRateLimit(): PullRateLimit | undefined {
    return this.source.pullRateLimit();
  }

  /** Clients for the plan's endpoints of an operation, in order; refuses an empty plan with the reason. */
  async endpoints(operation: Operation, repository?: string): Promise<EndpointClient[]> {
    const plan = await this.plan(operation);
    if (plan.endpoints.length === 0) {
      const why = plan.skipped.map((s) => `${s.host}: ${s.reason}`).join('; ');
      throw new CoreError(
        'NO_ENDPOINT',
        `No endpoint of ${this.host} may be used to ${operation}${why ? ` (${why})` : ''}: check the capabilities in its hosts.toml.`,
      );
    }
    return this.source.clientsFor(plan, repository);
  }

  /** The one endpoint an operation that must not move between hosts uses (uploads, deletes, listings). */
  async first(operation: Operation, repository?: string): Promise<EndpointClient> {
    return (await this.endpoints(operation, repository))[0]!;
  }

  /**
   * Sends a request through the plan for `operation`, returning the first response that is not a
   * mirror's failure. The caller reads or discards the body.
   */
  async request(operation: Operation, repository: string | undefined, req: Omit<EndpointRequest, 'retry'>): Promise<HttpResponse> {
    const endpoints = await this.endpoints(operation, repository);
    const failures: EndpointFailure[] = [];
    for (const [index, endpoint] of endpoints.entries()) {
      const last = index === endpoints.length - 1;
      // A mirror that asked for a pause is skipped, not waited for: the next endpoint can answer now.
      const heldUntil = last ? undefined : endpoint.retryAt;
      if (heldUntil) {
        failures.push({ host: endpoint.host, reason: `asked to wait until ${heldUntil.toLocaleTimeString()}` });
        continue;
      }
      try {
        const res = await endpoint.send({ ...req, retry: last });
        if (last || res.status < 400) return res;
        failures.push({ host: endpoint.host, reason: `HTTP ${res.status}` });
        await res.body.dump().catch(() => undefined);
      } catch (err) {
        if (last || !(err instanceof CoreError) || err.code === 'CANCELLED') throw withFailures(err, failures);
        failures.push({ host: endpoint.host, reason: err.message });
      }
    }
    throw new CoreError('NO_ENDPOINT', `No endpoint of ${this.host} answered.`);
  }
}

function withFailures(err: unknown, failures: EndpointFailure[]): unknown {
  if (!(err instanceof CoreError) || failures.length === 0) return err;
  const tried = failures.map((f) => `${f.host}: ${f.reason}`).join('; ');
  return new CoreError(err.code, `${err.message} (mirrors tried first: ${tried})`, { cause: err });
}
