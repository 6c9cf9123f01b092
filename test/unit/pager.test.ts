import { strict as assert } from 'node:assert';
import { Pager } from '../../src/views/pager';

/** A listing that sends `pages` and counts how many the pager asked for. */
function source(pages: string[][]) {
  const state = { requested: 0 };
  const make = async function* () {
    for (const page of pages) {
      state.requested++;
      yield page;
    }
  };
  return { state, make: () => make()[Symbol.asyncIterator]() };
}

const names = (n: number, prefix = 't') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('Pager', () => {
  it('shows one page at a time when the registry sends everything at once', async () => {
    const { state, make } = source([names(25)]);
    const pager = new Pager(make, 10);
    await pager.loadMore();
    assert.deepEqual(pager.items, names(10));
    assert.equal(pager.hasMore, true);
    await pager.loadMore();
    await pager.loadMore();
    assert.deepEqual(pager.items, names(25));
    assert.equal(pager.hasMore, false);
    assert.equal(state.requested, 1);
  });

  it('fetches registry pages only as far as the display needs', async () => {
    const { state, make } = source([names(4, 'a'), names(4, 'b'), names(4, 'c'), names(4, 'd')]);
    const pager = new Pager(make, 6);
    await pager.loadMore();
    assert.equal(state.requested, 2);
    assert.equal(pager.items.length, 6);
    await pager.loadMore();
    assert.equal(state.requested, 3);
    assert.equal(pager.items.length, 12);
    await pager.loadMore();
    assert.equal(pager.items.length, 16);
    assert.equal(pager.hasMore, false);
  });

  it('fetches once when "Load more" is clicked twice at the same time', async () => {
    const { state, make } = source([names(5, 'a'), names(5, 'b'), names(5, 'c')]);
    const pager = new Pager(make, 5);
    await Promise.all([pager.loadMore(), pager.loadMore()]);
    assert.equal(state.requested, 1);
    assert.equal(pager.items.length, 5);
  });

  it('an empty listing has no more', async () => {
    const { make } = source([]);
    const pager = new Pager(make, 5);
    await pager.loadMore();
    assert.deepEqual(pager.items, []);
    assert.equal(pager.hasMore, false);
  });
});
