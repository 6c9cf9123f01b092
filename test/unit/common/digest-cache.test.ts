import assert from 'node:assert/strict';
import { cancelled, DigestCache } from '../../../src/common/digest-cache';

const D = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;

describe('digest cache', () => {
  it('shares one fetch between callers and keeps the result', async () => {
    const cache = new DigestCache<string>(100, (v) => v.length);
    let fetches = 0;
    const fetch = async (): Promise<string> => {
      fetches++;
      await new Promise((r) => setTimeout(r, 5));
      return 'value';
    };
    const [a, b] = await Promise.all([cache.get(D(1), fetch), cache.get(D(1), fetch)]);
    assert.deepEqual([a, b, fetches], ['value', 'value', 1]);
    assert.equal(await cache.get(D(1), fetch), 'value');
    assert.equal(fetches, 1);
  });

  it('aborts the fetch only when every caller has gone', async () => {
    const cache = new DigestCache<string>(100, (v) => v.length);
    let aborted = false;
    const fetch = (signal: AbortSignal): Promise<string> =>
      new Promise((resolve, reject) => {
        signal.addEventListener('abort', () => {
          aborted = true;
          reject(cancelled());
        });
        setTimeout(() => resolve('done'), 30);
      });
    const first = new AbortController();
    const second = new AbortController();
    const a = cache.get(D(2), fetch, first.signal);
    const b = cache.get(D(2), fetch, second.signal);
    first.abort();
    await assert.rejects(a, { code: 'CANCELLED' });
    assert.equal(aborted, false, 'the other caller still waits');
    assert.equal(await b, 'done');

    const c = new AbortController();
    const lone = cache.get(D(3), fetch, c.signal);
    c.abort();
    await assert.rejects(lone, { code: 'CANCELLED' });
    assert.equal(aborted, true);
    assert.equal(cache.peek(D(3)), undefined, 'nothing is cached from an aborted fetch');
  });

  it('drops the least recently used results past its weight', async () => {
    const cache = new DigestCache<string>(10, (v) => v.length);
    cache.set(D(1), 'aaaa');
    cache.set(D(2), 'bbbb');
    cache.peek(D(1));
    cache.set(D(3), 'cccc');
    assert.equal(cache.peek(D(2)), undefined);
    assert.equal(cache.peek(D(1)), 'aaaa');
    cache.set(D(4), 'x'.repeat(11));
    assert.equal(cache.peek(D(4)), undefined, 'a value heavier than the whole cache is not kept');
  });
});
