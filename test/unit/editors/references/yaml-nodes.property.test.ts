// The YAML helpers of the reference finders against the yaml library's own answers on random documents.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { isAlias, type Node, visit } from 'yaml';
import { parseYaml, resolved, type YamlDocument } from '../../../../src/editors/references/yaml-nodes';

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

function aliasesOf(doc: YamlDocument): Node[] {
  const aliases: Node[] = [];
  visit(doc, { Alias: (_key, node) => void aliases.push(node) });
  return aliases;
}

describe('yaml-nodes on random documents', () => {
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
