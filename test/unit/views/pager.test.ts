import { strict as assert } from 'node:assert';
import { Pager } from '../../../src/views/pager';

/** A listing that sends `pages` (the last one saying so) and counts how many the pager asked for. */
function source(pages: string[][]) {
  const state = { requested: 0 };
  const make = async function* () {
    for (const [i, page] of pages.entries()) {
      state.requested++;
      yield { names: page, more: i < pages.length - 1 };
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
    assert.equal(pager.hasMore(), true);
    await pager.loadMore();
    await pager.loadMore();
    assert.deepEqual(pager.items, names(25));
    assert.equal(pager.hasMore(), false);
    assert.equal(state.requested, 1);
  });

  it('takes a page of 500,000 names (Distribution sends every tag in one page, whatever n asks)', async () => {
    const { make } = source([names(500_000)]);
    const pager = new Pager(make, 100);
    await pager.loadMore();
    assert.deepEqual(pager.items, names(100));
    assert.equal(pager.hasMore(), true);
  });

  it('after a page fails, the next click reads on from where it failed instead of calling the listing complete', async () => {
    // A listing is an async generator: once it has thrown, every later next() says "done".
    let failures = 1;
    let started = 0;
    const make = () =>
      (async function* () {
        started++;
        yield { names: names(3, 'a'), more: true };
        if (failures-- > 0) throw new Error('HTTP 500');
        yield { names: names(3, 'b'), more: true };
        yield { names: names(2, 'c'), more: false };
      })();
    const pager = new Pager(make, 3);
    await pager.loadMore();
    assert.deepEqual(pager.items, names(3, 'a'));
    await assert.rejects(pager.loadMore(), /HTTP 500/);
    assert.equal(pager.complete, false);
    assert.equal(pager.started, true);
    assert.equal(pager.hasMore(), true, 'Load more… stays');
    await pager.loadMore();
    assert.deepEqual(pager.items, [...names(3, 'a'), ...names(3, 'b')], 'no entry twice, none lost');
    await pager.loadMore();
    assert.deepEqual(pager.fetched, [...names(3, 'a'), ...names(3, 'b'), ...names(2, 'c')]);
    assert.equal(pager.complete, true);
    assert.equal(started, 2);
  });

  it('a listing the core cut short: nothing more is asked, and it never shows as complete', async () => {
    let requested = 0;
    const cutShort = async function* () {
      requested++;
      yield { names: names(3), more: true };
      requested++;
      yield { names: [], more: false, cut: 'the registry kept linking to empty pages' };
    };
    const pager = new Pager(() => cutShort()[Symbol.asyncIterator](), 10);
    await pager.loadMore();
    assert.equal(requested, 2);
    assert.equal(pager.complete, false);
    assert.equal(pager.hasMore(), false);
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
    assert.equal(pager.hasMore(), false);
  });

  it('knows the listing is complete from its last page, without asking for another', async () => {
    const { state, make } = source([names(25)]);
    const pager = new Pager(make, 100);
    await pager.loadMore();
    assert.equal(pager.complete, true);
    assert.equal(pager.hasMore(), false);
    assert.equal(
      pager.hasMore((n) => n === 'nothing'),
      false,
      'no "Load more matching…" after the whole listing',
    );
    assert.equal(state.requested, 1);
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
    assert.equal(pager.hasMore(), false);
  });
});

describe('Pager with a filter', () => {
  const odd = (name: string) => Number(name.slice(1)) % 2 === 1;

  it('loads registry pages until a page of matches is shown', async () => {
    const { state, make } = source([names(10, 'a'), names(10, 'b'), names(10, 'c'), names(10, 'd')]);
    const pager = new Pager(make, 6);
    await pager.loadMore(odd);
    // 5 odd names per registry page: two pages give the 6 wanted.
    assert.equal(state.requested, 2);
    assert.equal(pager.limit, 6);
    assert.equal(pager.hasMore(odd), true);
    await pager.loadMore(odd);
    assert.equal(state.requested, 3);
    assert.equal(pager.limit, 12);
  });

  it('stops at the page budget when little matches, and goes on with the next click', async () => {
    const { state, make } = source(Array.from({ length: 30 }, (_, i) => names(10, `p${i}-`)));
    const nothing = () => false;
    const pager = new Pager(make, 10, 4);
    await pager.loadMore(nothing);
    assert.equal(state.requested, 4, 'never more than the budget per click');
    assert.equal(pager.hasMore(nothing), true);
    await pager.loadMore(nothing);
    assert.equal(state.requested, 8);
    assert.equal(pager.fetched.length, 80);
  });

  it('ends when the listing ends, showing every match', async () => {
    const { make } = source([names(5, 'a'), names(5, 'b')]);
    const pager = new Pager(make, 100);
    await pager.loadMore(odd);
    assert.equal(pager.complete, true);
    assert.equal(pager.hasMore(odd), false);
    assert.equal(pager.fetched.filter(odd).length, 4);
  });

  it('a filter that matched little still leaves a page to show once it is cleared', async () => {
    const { make } = source([names(30)]);
    const pager = new Pager(make, 10);
    await pager.loadMore((name) => name === 't3');
    assert.equal(pager.complete, true);
    assert.equal(pager.limit, 10);
    assert.deepEqual(pager.items, names(10));
    assert.equal(pager.hasMore(), true);
  });

  it('clearing the filter shows the loaded entries a page at a time again', async () => {
    const { make } = source([names(40)]);
    const pager = new Pager(make, 10);
    await pager.loadMore(odd);
    assert.equal(pager.limit, 10);
    assert.equal(pager.hasMore(), true, 'unfiltered, 30 loaded entries are not shown yet');
    await pager.loadMore();
    assert.equal(pager.limit, 20);
  });
});
