// Inputs for property tests of parsers: small edits of valid text, and random text.
import fc from 'fast-check';

type Edit = { at: number; kind: 'insert' | 'delete' | 'replace'; ch: string };

/** Up to three character edits (insert, delete, replace) of a valid input, with characters that matter to the grammar. */
export function mutated(valid: fc.Arbitrary<string>, alphabet: string): fc.Arbitrary<string> {
  const edit: fc.Arbitrary<Edit> = fc.record({
    at: fc.nat(),
    kind: fc.constantFrom('insert', 'delete', 'replace'),
    ch: fc.oneof(fc.constantFrom(...[...alphabet]), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' })),
  });
  return fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 3 })).map(([s, edits]) =>
    edits.reduce((acc, e) => {
      const i = e.at % (acc.length + 1);
      if (e.kind === 'insert') return acc.slice(0, i) + e.ch + acc.slice(i);
      if (e.kind === 'delete') return acc.slice(0, i) + acc.slice(i + 1);
      return acc.slice(0, i) + e.ch + acc.slice(i + 1);
    }, s),
  );
}

/** Random text: short strings of any code points, and of grammar-heavy characters. */
export function noise(alphabet: string, maxLength = 60): fc.Arbitrary<string> {
  return fc.oneof(fc.string({ maxLength, unit: 'binary' }), fc.string({ maxLength, unit: fc.constantFrom(...[...alphabet]) }));
}
