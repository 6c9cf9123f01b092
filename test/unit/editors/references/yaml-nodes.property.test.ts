// The YAML helpers of the reference finders against the yaml library's own answers on random documents.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { isAlias, isMap, isScalar, isSeq, type Node, visit } from 'yaml';
import { mapGet, parseYaml, resolved, type YamlDocument } from '../../../../src/editors/references/yaml-nodes';

/** Few anchor names, so they are redefined and aliased often. */
const NAMES = ['a', 'b', 'c'];

/** A YAML value in flow style: scalars, maps and sequences, with anchors (redefined at will) and aliases anywhere, keys too. */
const flowValue: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('x', '1', '"q"'),
    fc.constantFrom(...NAMES).map((name) => `*${name}`),
    fc.tuple(fc.constantFrom(...NAMES), tie('value')).map(([name, value]) => `&${name} ${value}`),
    fc
      .array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom('k', 'l', '<<'),
            fc.constantFrom(...NAMES).map((n) => `*${n}`),
          ),
          tie('value'),
        ),
        { maxLength: 4 },
      )
      .map((pairs) => `{ ${pairs.map(([key, value]) => `${key} : ${value}`).join(', ')} }`),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[ ${items.join(', ')} ]`),
  ),
})).value;

/** One to three documents, so an anchor of one document never answers for another's alias. */
const documents = fc.array(flowValue, { minLength: 1, maxLength: 3 }).map((docs) => docs.map((d) => `--- ${d}\n`).join(''));

/** What the finders resolved an alias to before: the library's Alias.resolve, followed through aliases of aliases up to 64. */
function resolvedByLibrary(doc: YamlDocument, node: unknown, depth = 0): Node | undefined {
  if (isAlias(node)) return depth < 64 ? resolvedByLibrary(doc, node.resolve(doc), depth + 1) : undefined;
  return (node ?? undefined) as Node | undefined;
}

function scalarValue(node: Node | undefined): unknown {
  return isScalar(node) ? node.value : undefined;
}

function aliasesOf(doc: YamlDocument): Node[] {
  const aliases: Node[] = [];
  visit(doc, { Alias: (_key, node) => void aliases.push(node) });
  return aliases;
}

/** Where a mapping merges from, as offsets back from it: 0 is itself, 1 the one before; `s` is a scalar, `n` its nested mapping. */
const mergeSources = fc.array(
  fc.oneof(
    // Itself and the one before are likeliest, so cycles go deep and meet the mappings before them.
    { arbitrary: fc.constantFrom(0, 1), weight: 4 },
    { arbitrary: fc.nat(4), weight: 1 },
    { arbitrary: fc.constantFrom('s' as const, 'n' as const), weight: 2 },
  ),
  { maxLength: 3 },
);

/**
 * Mappings `m0`…`mN`, each anchored `&aI`, some with an `image`, merging earlier ones, themselves
 * (a cycle: the anchor comes before its alias) or a scalar, one or more times each; some hold a
 * mapping `&nI` that merges them back (a cycle of two, whose depth decides what is found first).
 */
const mergedMappings = fc
  .array(
    fc.record({
      image: fc.constantFrom(true, false, false),
      sources: mergeSources,
      single: fc.boolean(),
      nested: fc.option(fc.record({ image: fc.constantFrom(true, false, false), sources: mergeSources }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 6 },
  )
  .map((maps) => {
    const lines = ['s: &s text'];
    maps.forEach(({ image, sources, single, nested }, i) => {
      const aliases = (list: typeof sources): string[] =>
        list.flatMap((back) => (back === 's' ? ['*s'] : back === 'n' ? (nested ? [`*n${i}`] : []) : [`*a${Math.max(0, i - back)}`]));
      const merge = (list: string[]): string[] =>
        list.length === 0 ? [] : [`<<: ${single && list.length === 1 ? list[0] : `[${list.join(', ')}]`}`];
      // The nested mapping comes first, so the aliases after it in this mapping can name it.
      const inner = nested
        ? [
            `n: &n${i} { ${[...merge(aliases(nested.sources.filter((b) => b !== 'n'))), ...(nested.image ? [`image: n${i}`] : [])].join(', ')} }`,
          ]
        : [];
      lines.push(`m${i}: &a${i} { ${[...inner, ...merge(aliases(sources)), ...(image ? [`image: i${i}`] : [])].join(', ')} }`);
    });
    return { text: `${lines.join('\n')}\n`, count: maps.length };
  });

/** Thrown when the plain model would take too long: a few cycles that merge twice cost it 2^64. */
class TooLong extends Error {}

/** The plain lookup: every merge source followed depth-first down to 64 levels, nothing remembered (aliases as the test below holds them). */
function mapGetModel(doc: YamlDocument, map: unknown, key: string, budget: { steps: number }, depth = 0): Node | undefined {
  if (--budget.steps < 0) throw new TooLong();
  const node = resolved(doc, map);
  if (!isMap(node) || depth > 64) return undefined;
  const keyOf = (k: unknown) => (isScalar(k) && typeof k.value === 'string' ? k.value : undefined);
  for (const pair of node.items) if (keyOf(pair.key) === key) return resolved(doc, pair.value) ?? undefined;
  for (const pair of node.items) {
    if (!(isScalar(pair.key) && (typeof pair.key.value === 'symbol' || pair.key.source === '<<'))) continue;
    const source = resolved(doc, pair.value);
    for (const each of isSeq(source) ? source.items : [source]) {
      const found = mapGetModel(doc, each, key, budget, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

describe('yaml-nodes on random documents', () => {
  it('finds a key through merges as the plain depth-first lookup does (cycles and repeated merges included)', () => {
    let compared = 0;
    fc.assert(
      fc.property(mergedMappings, ({ text, count }) => {
        const [doc] = parseYaml(text);
        for (let i = 0; i < count; i++) {
          const map = mapGet(doc!, doc!.contents, `m${i}`);
          let expected: Node | undefined;
          try {
            expected = mapGetModel(doc!, map, 'image', { steps: 20_000 });
          } catch (err) {
            if (err instanceof TooLong) continue;
            throw err;
          }
          compared++;
          assert.equal(mapGet(doc!, map, 'image'), expected, `m${i} in\n${text}`);
        }
      }),
      { numRuns: 600 },
    );
    assert.ok(compared > 500, `only ${compared} lookups were compared`);
  });

  it('looks through a cycle of two mappings down to the depth limit, as the plain lookup does, before the sources after it', () => {
    // From r, n sits at odd depths: the deepest n (63) is the first to find anything, through *x;
    // from n itself, the deepest m does, through *y. A search cut short where the cycle closes finds *y from both.
    const text = 'x: &x { image: X }\ny: &y { image: Y }\nn: &n { m: &m { <<: [*n, *y] }, <<: [*m, *x] }\nr: { <<: *n }\n';
    const [doc] = parseYaml(text);
    const image = (name: string): unknown => scalarValue(mapGet(doc!, mapGet(doc!, doc!.contents, name), 'image'));
    assert.deepEqual([image('n'), image('r')], ['Y', 'X']);
  });

  it('finds a key under 60 levels of mappings that each merge the one before twice', () => {
    const lines = ['a0: &a0 { image: deep }'];
    for (let i = 1; i <= 60; i++) lines.push(`a${i}: &a${i} { <<: [*a${i - 1}, *a${i - 1}] }`);
    lines.push('b: &b { <<: [*a60, *a60], other: 1 }');
    const [doc] = parseYaml(lines.join('\n'));
    assert.equal(scalarValue(mapGet(doc!, mapGet(doc!, doc!.contents, 'b'), 'image')), 'deep');
    assert.equal(mapGet(doc!, mapGet(doc!, doc!.contents, 'b'), 'missing'), undefined);
  });

  it('resolves every alias to the node the library resolves it to (the last anchor of its name before it, in its document)', () => {
    fc.assert(
      fc.property(documents, (text) => {
        const docs = parseYaml(text);
        for (const doc of docs) {
          // Asked in reverse, so the answers do not depend on the order aliases are asked in.
          for (const alias of aliasesOf(doc).reverse()) assert.equal(resolved(doc, alias), resolvedByLibrary(doc, alias), text);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('resolves an alias to the latest of two anchors of its name before it', () => {
    const [doc] = parseYaml('first: &a one\nx: *a\nsecond: &a two\ny: *a\n');
    const [x, y] = aliasesOf(doc!).map((alias) => resolved(doc!, alias)?.toJSON() as unknown);
    assert.deepEqual([x, y], ['one', 'two']);
  });
});
