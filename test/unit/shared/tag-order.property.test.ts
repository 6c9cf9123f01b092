// The version cores' written-out comparison against the numeric collator it stands in for, on the
// cores version-like tags have: numbers (leading zeros too) joined by dots.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareDottedNumbers } from '../../../src/shared/tag-order';

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
const number = fc.oneof(
  fc.stringMatching(/^\d{1,3}$/),
  fc.stringMatching(/^0{0,3}\d{1,20}$/),
  fc.constantFrom('0', '00', '10', '9', '010'),
);
const core = fc.array(number, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('.'));

describe('version cores compared as numbers', () => {
  it('orders every pair as the numeric collator does', () => {
    fc.assert(
      fc.property(core, core, (a, b) => {
        assert.equal(compareDottedNumbers(a, b), Math.sign(collator.compare(a, b)), `${a} vs ${b}`);
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees on the cases people write', () => {
    const cases: [string, string, number][] = [
      ['1.2.10', '1.2.9', 1],
      ['1.2', '1.2.0', -1],
      ['1.02', '1.2', 0],
      ['10', '9', 1],
      ['0.0.1', '0.0.01', 0],
      ['3.20', '3.19', 1],
      ['99999999999999999999', '100000000000000000000', -1],
    ];
    for (const [a, b, expected] of cases) {
      assert.equal(compareDottedNumbers(a, b), expected, `${a} vs ${b}`);
      assert.equal(Math.sign(collator.compare(a, b)), expected, `the collator: ${a} vs ${b}`);
    }
  });
});
