// readCleanupTags: a clean-up reads at most a limit of tags, says whether that was all of them,
// stops between pages when cancelled, and closes the listing it stopped reading.
import assert from 'node:assert/strict';
import { CoreError } from '../../../../src/core/errors';
import { readCleanupTags } from '../../../../src/core/operations/cleanup';

/** Pages of `size` tags up to `total`, remembering how many pages were asked for and whether the listing was closed. */
function pages(total: number, size: number) {
  const seen = { pages: 0, closed: false };
  async function* listing(): AsyncGenerator<string[]> {
    try {
      for (let start = 0; start < total; start += size) {
        seen.pages++;
        yield Array.from({ length: Math.min(size, total - start) }, (_, i) => `t${start + i}`);
      }
    } finally {
      seen.closed = true;
    }
  }
  return { listing: listing(), seen };
}

describe('readCleanupTags', function () {
  it('reads every tag of a repository within the limit', async function () {
    const { listing } = pages(5, 2);
    assert.deepEqual(await readCleanupTags(listing, { limit: 5 }), { tags: ['t0', 't1', 't2', 't3', 't4'], complete: true });
  });

  it('takes a registry that sends 500,000 tags in one page, under a raised limit and over the default', async function () {
    const raised = await readCleanupTags(pages(500_000, 500_000).listing, { limit: 1_000_000 });
    assert.deepEqual([raised.tags.length, raised.complete], [500_000, true]);
    const capped = await readCleanupTags(pages(500_000, 500_000).listing, { limit: 400_000 });
    assert.deepEqual([capped.tags.length, capped.complete], [400_000, false]);
  });

  it('stops at the limit, says the listing was partial, and closes the listing', async function () {
    const { listing, seen } = pages(1_000_000, 1000);
    const counts: number[] = [];
    const result = await readCleanupTags(listing, { limit: 2500, onCount: (n) => counts.push(n) });
    assert.equal(result.tags.length, 2500);
    assert.equal(result.complete, false);
    assert.deepEqual(counts, [1000, 2000]);
    assert.equal(seen.pages, 3, 'no page read beyond the one that crossed the limit');
    assert.equal(seen.closed, true);
  });

  it('is partial when the limit falls exactly on a page boundary and more pages follow', async function () {
    const { listing } = pages(6, 2);
    assert.deepEqual(await readCleanupTags(listing, { limit: 4 }), { tags: ['t0', 't1', 't2', 't3'], complete: false });
  });

  it('stops between pages when cancelled', async function () {
    const { listing, seen } = pages(100, 10);
    const abort = new AbortController();
    await assert.rejects(
      readCleanupTags(listing, { signal: abort.signal, onCount: (n) => n >= 20 && abort.abort() }),
      (err: unknown) => err instanceof CoreError && err.code === 'CANCELLED',
    );
    assert.ok(seen.pages <= 3);
    assert.equal(seen.closed, true);
  });
});
