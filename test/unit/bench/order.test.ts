// The bench's order of sides: every side first and every side after every other equally often,
// whatever the number of sides, so what one side leaves behind does not always land on the same next one.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { sideOrder } from '../../../bench/order';

/** Runs over which the design is balanced: n for an even n, 2n for an odd one. */
const cycle = (count: number): number => (count % 2 === 0 ? count : 2 * count);

describe('bench side order', () => {
  it('gives each run every side once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.nat(100), (count, run) => {
        assert.deepEqual(
          [...sideOrder(count, run)].sort((a, b) => a - b),
          Array.from({ length: count }, (_, i) => i),
        );
      }),
    );
  });

  it('over a full cycle, puts each side first, and after each other side, equally often', () => {
    for (let count = 2; count <= 12; count++) {
      const runs = cycle(count);
      const first = new Map<number, number>();
      const after = new Map<string, number>();
      for (let run = 0; run < runs; run++) {
        const order = sideOrder(count, run);
        first.set(order[0]!, (first.get(order[0]!) ?? 0) + 1);
        for (let i = 1; i < count; i++) after.set(`${order[i - 1]}>${order[i]}`, (after.get(`${order[i - 1]}>${order[i]}`) ?? 0) + 1);
      }
      assert.equal(first.size, count, `${count} sides: every side comes first`);
      assert.equal(new Set(first.values()).size, 1, `${count} sides: equally often first`);
      assert.equal(after.size, count * (count - 1), `${count} sides: every side follows every other`);
      assert.equal(new Set(after.values()).size, 1, `${count} sides: equally often`);
    }
  });

  it('does not follow one side always with the same one, as a plain rotation did (the four copy sides, five runs)', () => {
    const successors = new Set<number>();
    for (let run = 0; run < 5; run++) {
      const order = sideOrder(4, run);
      const next = order[order.indexOf(0) + 1];
      if (next !== undefined) successors.add(next);
    }
    assert.ok(successors.size >= 3, `side 0 was followed only by ${[...successors].join(', ')}`);
  });

  it('refuses a count or run that is not a whole number in range', () => {
    assert.throws(() => sideOrder(0, 0), RangeError);
    assert.throws(() => sideOrder(2.5, 0), RangeError);
    assert.throws(() => sideOrder(3, -1), RangeError);
  });
});
