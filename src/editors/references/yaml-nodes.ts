/**
 * Reading YAML files for references with the `yaml` library (eemeli/yaml): every document of a
 * multi-document file, with each node's source range, aliases and `<<` merge keys (Compose files
 * share settings through anchors). The helpers here walk that tree; none of them trusts a node to
 * have the shape a finder hopes for.
 */
import {
  type Alias,
  Composer,
  type CST,
  type Document,
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  Lexer,
  type Node,
  Parser,
  type Scalar,
  visit,
  type YAMLMap,
} from 'yaml';
import { siteFrom, type SiteInput } from './site';
import type { ReferenceSite } from './types';

export type YamlDocument = Document.Parsed;

/** How deep merges and walks go: real files nest a few levels; a hostile one is cut here. */
const MAX_DEPTH = 64;
/**
 * How deep collections may nest in a file that is read at all: a CRD's schema nests some dozens of
 * levels. The yaml library composes nested collections by recursion, and a couple of thousand
 * levels (4 KB of `[`) made Node 20's V8 abort the whole process after a few parses ("RegExpCompiler
 * Allocation failed"), which in VS Code would take every extension down; Node 24 survived, slowly.
 */
const MAX_NESTING = 256;

/** Every document of a YAML text (a file that does not parse well still yields what it can). */
export function parseYaml(text: string): YamlDocument[] {
  // parseAllDocuments, with the parser's stack of open collections watched as each token is read:
  // a file nested deeper than any real one is not read, before anything is composed from it.
  const parser = new Parser();
  const tokens: CST.Token[] = [];
  for (const lexeme of new Lexer().lex(text)) {
    for (const token of parser.next(lexeme)) tokens.push(token);
    if (parser.stack.length > MAX_NESTING) return [];
  }
  for (const token of parser.end()) tokens.push(token);
  return Array.from(new Composer({ merge: true, uniqueKeys: false }).compose(tokens));
}

/** An alias resolved to its anchor's node (once: an alias of an alias is followed up to the limit). */
export function resolved(doc: YamlDocument, node: unknown, depth = 0): Node | undefined {
  if (isAlias(node)) return depth < MAX_DEPTH ? resolved(doc, anchorOf(doc, node), depth + 1) : undefined;
  return (node ?? undefined) as Node | undefined;
}

/** Each document's aliases with the nodes they stand for, from one walk (see {@link anchorOf}). */
const anchorsByDocument = new WeakMap<YamlDocument, Map<Alias, Node | undefined>>();

/**
 * The node an alias stands for: the last node before it with its anchor, as `Alias.resolve` says.
 * That method walks the whole document on every call, so a Compose file whose 2,000 services each
 * merge `<<: *common` took 16 s; here one walk answers for every alias of the document.
 */
function anchorOf(doc: YamlDocument, alias: Alias): Node | undefined {
  let anchors = anchorsByDocument.get(doc);
  if (!anchors) {
    const found = new Map<Alias, Node | undefined>();
    const latest = new Map<string, Node>();
    // The walk Alias.resolve makes, in its order: an anchor counts for the aliases after it.
    visit(doc, {
      Node: (_key, node) => {
        if (isAlias(node)) found.set(node, latest.get(node.source));
        else if ((isScalar(node) || isCollection(node)) && node.anchor) latest.set(node.anchor, node);
      },
    });
    anchors = found;
    anchorsByDocument.set(doc, anchors);
  }
  // An alias the walk did not meet (none should be) is resolved the library's way.
  return anchors.has(alias) ? anchors.get(alias) : (alias.resolve(doc) as Node | undefined);
}

const keyText = (key: unknown): string | undefined => (isScalar(key) && typeof key.value === 'string' ? key.value : undefined);
const isMergeKey = (key: unknown): boolean => isScalar(key) && (typeof key.value === 'symbol' || key.source === '<<');

/** The value of `key` in a mapping (aliases resolved), looking through `<<` merges the way YAML merges them. */
export function mapGet(doc: YamlDocument, map: unknown, key: string): Node | undefined {
  return lookUp(doc, map, key, 0, new Map());
}

/**
 * {@link mapGet} at `depth`. `searched` holds the mappings already searched in vain, each with the
 * least depth it was searched at: the same mapping merged in again (`<<: [*a, *a]` on every level of
 * a hostile file costs 2^levels) at that depth or deeper has less room to look, so it has nothing.
 */
function lookUp(doc: YamlDocument, map: unknown, key: string, depth: number, searched: Map<YAMLMap, number>): Node | undefined {
  const node = resolved(doc, map);
  if (!isMap(node) || depth > MAX_DEPTH) return undefined;
  if ((searched.get(node) ?? Infinity) <= depth) return undefined;
  for (const pair of node.items) if (keyText(pair.key) === key) return resolved(doc, pair.value) ?? undefined;
  for (const pair of node.items) {
    if (!isMergeKey(pair.key)) continue;
    const source = resolved(doc, pair.value);
    const sources = isSeq(source) ? source.items : [source];
    for (const each of sources) {
      const found = lookUp(doc, each, key, depth + 1, searched);
      if (found !== undefined) return found;
    }
  }
  searched.set(node, depth);
  return undefined;
}

/** Whether a mapping has `key` at all (directly or through a merge), whatever its value. */
export function mapHas(doc: YamlDocument, map: unknown, key: string): boolean {
  const node = resolved(doc, map);
  if (!isMap(node)) return false;
  if (node.items.some((pair) => keyText(pair.key) === key)) return true;
  return mapGet(doc, map, key) !== undefined;
}

/** A mapping's entries by their text keys (aliases resolved), merges left out. */
export function mapEntries(doc: YamlDocument, map: unknown): [string, Node | undefined][] {
  const node = resolved(doc, map);
  if (!isMap(node)) return [];
  return (node as YAMLMap).items.flatMap((pair) => {
    const key = keyText(pair.key);
    return key === undefined ? [] : [[key, resolved(doc, pair.value)] as [string, Node | undefined]];
  });
}

/** The text value of a scalar (`undefined` for anything else). */
export function scalarText(doc: YamlDocument, node: unknown): string | undefined {
  const value = resolved(doc, node);
  return isScalar(value) && typeof value.value === 'string' ? value.value : undefined;
}

/**
 * A reference site for a string scalar: its range inside the quotes of a quoted scalar, the whole
 * of a plain one; `skip` characters of prefix (`docker://`) left out. Block scalars (`|`, `>`) are
 * read but never edited in place.
 */
export function scalarSite(
  doc: YamlDocument,
  text: string,
  node: unknown,
  site: Omit<SiteInput, 'text' | 'start' | 'end' | 'value'>,
  skip = 0,
): ReferenceSite | undefined {
  const scalar = resolved(doc, node);
  if (!isScalar(scalar) || typeof scalar.value !== 'string') return undefined;
  const written = valueRange(scalar);
  if (!written) return undefined;
  const start = Math.min(written.start + skip, written.end);
  return siteFrom({ ...site, text, start, end: written.end, value: scalar.value.slice(skip) });
}

/**
 * Each line with text of a literal block scalar (`|`), with where that text starts in the file:
 * for values that are lists written one item a line (GitHub Actions' list inputs). A line whose
 * text is not found written as it reads is left out; other scalars give nothing.
 */
export function literalBlockLines(doc: YamlDocument, text: string, node: unknown): { start: number; value: string }[] {
  const scalar = resolved(doc, node);
  if (!isScalar(scalar) || scalar.type !== 'BLOCK_LITERAL' || typeof scalar.value !== 'string' || !scalar.range) return [];
  const values = scalar.value.split('\n');
  const lines: { start: number; value: string }[] = [];
  // The first line written holds the `|` and its indicators; the value's lines follow, indented.
  let at = text.indexOf('\n', scalar.range[0]) + 1;
  for (const value of values) {
    if (at <= 0 || at > scalar.range[1]) break;
    const next = text.indexOf('\n', at);
    const written = text.slice(at, next < 0 ? text.length : next).replace(/\r$/, '');
    const item = value.trim();
    if (item && written.endsWith(value)) lines.push({ start: at + written.length - value.length + value.indexOf(item), value: item });
    at = next + 1;
  }
  return lines;
}

/** Where a scalar's value is written: inside the quotes of a quoted one, the whole of a plain one. */
export function valueRange(scalar: Scalar): { start: number; end: number } | undefined {
  if (!scalar.range) return undefined;
  const quoted = scalar.type === 'QUOTE_DOUBLE' || scalar.type === 'QUOTE_SINGLE';
  const start = scalar.range[0] + (quoted ? 1 : 0);
  return { start, end: Math.max(start, scalar.range[1] - (quoted ? 1 : 0)) };
}

/** A scalar's text as written: a string's value, and `16` for `TAG: 16`, not the number (nor `true` the boolean). */
export function scalarSource(doc: YamlDocument, node: unknown): string | undefined {
  const scalar = resolved(doc, node);
  if (!isScalar(scalar)) return undefined;
  if (typeof scalar.value === 'string') return scalar.value;
  return typeof scalar.value === 'number' || typeof scalar.value === 'boolean' ? (scalar.source ?? String(scalar.value)) : undefined;
}

/**
 * Where a scalar's text is written (inside the quotes of a quoted one) and that text: a string's
 * value, or a number's, either as written (`1.20`, as Kustomize reads its string fields) or as
 * parsed (`1.2`, as Helm's templates print a number). Anything else is undefined.
 */
export function scalarSpan(
  doc: YamlDocument,
  node: unknown,
  numbers: 'as-written' | 'as-parsed',
): { start: number; end: number; value: string } | undefined {
  const scalar = resolved(doc, node);
  if (!isScalar(scalar)) return undefined;
  const number = typeof scalar.value === 'number' && Number.isFinite(scalar.value);
  if (typeof scalar.value !== 'string' && !number) return undefined;
  const value = number && numbers === 'as-parsed' ? String(scalar.value) : scalarSource(doc, scalar);
  const written = valueRange(scalar);
  return written && value !== undefined ? { ...written, value } : undefined;
}

/**
 * The `key: value` pair written in the mapping itself (aliases resolved, merges not looked
 * through): what may be edited in place, since a merged value is written elsewhere, for others too.
 */
export function ownPair(doc: YamlDocument, map: unknown, key: string): { key: Scalar; value: Node | undefined } | undefined {
  const node = resolved(doc, map);
  if (!isMap(node)) return undefined;
  const pair = node.items.find((p) => keyText(p.key) === key);
  return pair && isScalar(pair.key) ? { key: pair.key, value: (pair.value ?? undefined) as Node | undefined } : undefined;
}

/**
 * Every `key: value` entry of every mapping under `root`, depth-first to `maxDepth`, each mapping
 * once (anchors and aliases may name one many times, and a hostile file nests them so); sequences
 * are gone through. `onEntry` says whether to go into the entry's value.
 */
export function walkEntries(
  doc: YamlDocument,
  root: unknown,
  onEntry: (key: string, value: Node | undefined) => boolean,
  maxDepth = 32,
): void {
  const seen = new Set<Node>();
  const walk = (node: unknown, depth: number): void => {
    const value = resolved(doc, node);
    if (!value || depth > maxDepth || seen.has(value)) return;
    seen.add(value);
    if (isSeq(value)) for (const item of value.items) walk(item, depth + 1);
    if (!isMap(value)) return;
    for (const [key, child] of mapEntries(doc, value)) if (onEntry(key, child)) walk(child, depth + 1);
  };
  walk(root, 0);
}

/** Sites in file order, each place once (a merged anchor is found through every service that uses it). */
export function uniqueSites(sites: (ReferenceSite | undefined)[]): ReferenceSite[] {
  const byStart = new Map<number, ReferenceSite>();
  for (const site of sites) if (site && !byStart.has(site.start)) byStart.set(site.start, site);
  return [...byStart.values()].sort((a, b) => a.start - b.start);
}

export { isMap, isSeq, isScalar };
