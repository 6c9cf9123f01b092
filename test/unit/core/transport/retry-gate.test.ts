import { strict as assert } from 'node:assert';
import { CoreError, RetryLaterError } from '../../../../src/core/errors';
import { MAX_HOLD_MS, RetryGate, type GateClock } from '../../../../src/core/transport/retry-gate';
import { DEFAULT_RETRY_POLICY, originHoldMs } from '../../../../src/core/transport/retry';

/** A clock whose sleeps advance time at once and are recorded (no real waiting). */
function fakeClock(
  start = Date.parse('2026-11-23T10:00:00Z'),
  chance = 0,
): GateClock & { t: number; slept: number[]; onSleep?: () => void } {
  const clock = {
    t: start,
    random: () => chance,
    slept: [] as number[],
    onSleep: undefined as (() => void) | undefined,
    now: () => clock.t,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw new CoreError('CANCELLED', 'The operation was cancelled.');
      clock.slept.push(ms);
      clock.t += ms;
      clock.onSleep?.();
    },
  };
  return clock;
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
}

describe("retry gate (one origin's Retry-After, shared by its requests)", () => {
  it('lets requests through at once while no hold is known', async () => {
    const clock = fakeClock();
    const gate = new RetryGate('r.example', clock);
    await gate.wait(30_000);
    assert.deepEqual(clock.slept, []);
    assert.equal(gate.retryAt, undefined);
  });

  it('makes every waiter wait until the hold ends, not each its own time', async () => {
    const clock = fakeClock();
    const gate = new RetryGate('r.example', clock);
    gate.hold(1000, 429);
    assert.equal(gate.retryAt?.getTime(), clock.t + 1000);
    clock.t += 400;
    await gate.wait(30_000);
    assert.deepEqual(clock.slept, [600], "the second request waits what is left of the first one's hold");
    assert.equal(gate.retryAt, undefined, 'open again');
  });

  it('spreads the waiters over a tenth of the hold, at most 250 ms, and never lets one go early', async () => {
    const half = fakeClock(Date.parse('2026-11-23T10:00:00Z'), 0.5);
    const gate = new RetryGate('r.example', half);
    gate.hold(1000, 429);
    await gate.wait(30_000);
    assert.deepEqual(half.slept, [1000 + 50]);
    const long = fakeClock(Date.parse('2026-11-23T10:00:00Z'), 0.999);
    const longGate = new RetryGate('r.example', long);
    longGate.hold(20_000, 503);
    await longGate.wait(30_000);
    assert.deepEqual(long.slept, [20_000 + 249]);
  });

  it('keeps the longer of two holds, and a hold learned during a wait is waited out too', async () => {
    const clock = fakeClock();
    const gate = new RetryGate('r.example', clock);
    gate.hold(5000, 503);
    gate.hold(1000, 429);
    assert.equal(gate.retryAt?.getTime(), clock.t + 5000, 'a shorter hold does not shorten it');
    let extended = false;
    clock.onSleep = () => {
      if (!extended) gate.hold(2000, 429);
      extended = true;
    };
    await gate.wait(30_000);
    assert.deepEqual(clock.slept, [5000, 2000]);
  });

  it('fails at once with RETRY_LATER and the time when the hold is longer than the cap, sending nothing', async () => {
    const clock = fakeClock();
    const gate = new RetryGate('r.example', clock);
    gate.hold(120_000, 429);
    const err = await failure(gate.wait(30_000));
    assert.ok(err instanceof RetryLaterError, String(err));
    assert.equal(err.code, 'RETRY_LATER');
    assert.equal(err.status, 429);
    assert.equal(err.retryAt.getTime(), clock.t + 120_000);
    assert.match(
      err.message,
      /^r\.example is rate-limiting requests and asked clients to wait until .+ \(in 120 s\), longer than the 30 s this client waits, so nothing more was sent: try again after .+, or log in for a higher limit\.$/,
    );
    assert.deepEqual(clock.slept, [], 'no partial wait either');
  });

  it('names the status for an unavailable registry', async () => {
    const gate = new RetryGate('r.example', fakeClock());
    gate.hold(60_000, 503);
    const err = await failure(gate.wait(30_000));
    assert.ok(err instanceof RetryLaterError);
    assert.match(err.message, /is unavailable \(HTTP 503\) and asked clients to wait until .+: try again after [^,]+\.$/);
  });

  it('waits a hold exactly as long as the cap', async () => {
    const clock = fakeClock();
    const gate = new RetryGate('r.example', clock);
    gate.hold(30_000, 429);
    await gate.wait(30_000);
    assert.deepEqual(clock.slept, [30_000]);
  });

  it('bounds a hold to a day whatever the registry asks', () => {
    const clock = fakeClock();
    const gate = new RetryGate('r.example', clock);
    gate.hold(Number.MAX_SAFE_INTEGER, 429);
    assert.equal(gate.retryAt?.getTime(), clock.t + MAX_HOLD_MS);
  });

  it('opens again when told (after a login)', async () => {
    const clock = fakeClock();
    const gate = new RetryGate('r.example', clock);
    gate.hold(10_000, 429);
    gate.open();
    await gate.wait(30_000);
    assert.deepEqual(clock.slept, []);
  });

  it('stops waiting when cancelled (real time)', async () => {
    const gate = new RetryGate('r.example');
    gate.hold(10_000, 429);
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    const err = await failure(gate.wait(30_000, controller.signal));
    assert.ok(err instanceof CoreError && err.code === 'CANCELLED', String(err));
    assert.ok(Date.now() - started < 2000);
    assert.ok(gate.retryAt, 'the hold stays for the other requests');
  });

  it('refuses an already cancelled wait even when open', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await failure(new RetryGate('r.example', fakeClock()).wait(30_000, controller.signal));
    assert.ok(err instanceof CoreError && err.code === 'CANCELLED');
  });
});

describe('which answers hold the whole origin', () => {
  const now = Date.parse('2026-11-23T10:00:00Z');
  const noJitter = () => 0;
  const hold = (status: number, retryAfter?: string, attempt = 1) =>
    originHoldMs(status, retryAfter, attempt, DEFAULT_RETRY_POLICY, now, noJitter);

  it("a 429 always: its Retry-After, else the attempt's backoff", () => {
    assert.equal(hold(429, '2'), 2000);
    assert.equal(hold(429, 'Mon, 23 Nov 2026 10:00:07 GMT'), 7000);
    assert.equal(hold(429), 250);
    assert.equal(hold(429, undefined, 3), 1000);
    assert.equal(hold(429, 'soon'), 250, 'an unreadable Retry-After counts as none');
  });

  it('other retryable statuses only with a Retry-After; the rest never', () => {
    assert.equal(hold(503, '1'), 1000);
    assert.equal(hold(503), undefined, "a 503 without Retry-After is that request's own backoff");
    assert.equal(hold(502), undefined);
    assert.equal(hold(200, '5'), undefined);
    assert.equal(hold(404, '5'), undefined);
  });

  it('is not capped here: the gate decides what a long hold means', () => {
    assert.equal(hold(429, '3600'), 3_600_000);
  });
});

describe('retry gate: a second hold to the same moment', () => {
  it('keeps the first hold’s status (only a later hold replaces it)', async () => {
    const clock = fakeClock();
    const gate = new RetryGate('r.example', clock);
    gate.hold(120_000, 503);
    gate.hold(120_000, 429);
    const err = await failure(gate.wait(30_000));
    assert.ok(err instanceof RetryLaterError);
    assert.match(err.message, /is unavailable \(HTTP 503\)/);
  });
});
