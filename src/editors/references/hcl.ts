/**
 * Enough of HCL's structure (the language of Terraform, OpenTofu, Nomad and Docker Bake files) to
 * find string values and where they are written: blocks with their labels, the attributes of each block, and the
 * entries of object values (`container_definitions = jsonencode([{ image = "…" }])`). Comments,
 * heredocs and the templates inside strings (`"${var.tag}"`, which may hold strings and braces of
 * their own) are stepped over. Not an evaluator: a value is reported as a string only when it is
 * one plain string, with no template and no escape, so its text is its value. Pure, and lenient: a
 * malformed file yields what can be read around the damage.
 */

export interface HclBlock {
  type: string;
  labels: readonly string[];
  /** Where the block's type is written: tells two blocks of the same type and labels apart. */
  start: number;
}

export interface HclAttribute {
  /** The blocks around it, outermost first. */
  blocks: readonly HclBlock[];
  name: string;
  /** For an entry of an object in an attribute's value: that attribute's name. */
  within?: string;
  /**
   * For such an entry, the keys of the objects between that attribute and the entry, outermost
   * first (`manifest = { spec = { containers = [{ image = … }] } }`: `spec`, `containers`).
   */
  path?: readonly string[];
  /** The value, when it is one plain string: its text and where the text is (inside the quotes). */
  string?: { value: string; start: number; end: number };
  /**
   * The value, when it is an input variable or a local value alone (`var.image`, `local.image`, or
   * the same as the only thing in a string, `"${var.image}"`): that name, as `var.image`.
   */
  reference?: string;
  /**
   * The value, when it is one string that interpolates (`"${var.registry}/app:${var.tag}"`), with
   * no escape and no directive (`%{…}`): its text as written, and where it is.
   */
  template?: { value: string; start: number; end: number };
}

/** A heredoc (`<<EOT` … `EOT`) in an attribute's value, such as a YAML manifest. */
export interface HclHeredoc {
  /** The blocks around the attribute, outermost first, and its name. */
  blocks: readonly HclBlock[];
  name: string;
  /** Where its lines are: from the line after `<<EOT` to the start of the line that closes it. */
  start: number;
  end: number;
}

export interface HclFile {
  blocks: readonly (HclBlock & { parents: readonly HclBlock[] })[];
  attributes: readonly HclAttribute[];
  heredocs: readonly HclHeredoc[];
  /**
   * Every quoted string outside comments and heredocs, wherever it stands, as written (templates
   * kept): for readers that look at strings rather than at structure (Docker Bake's contexts).
   */
  strings: readonly { text: string; start: number; end: number; escaped: boolean }[];
}

type TokenKind = 'ident' | 'string' | 'punct' | 'newline' | 'heredoc' | 'other';

interface Token {
  kind: TokenKind;
  text: string;
  start: number;
  end: number;
  /** A string with no template and no escape: its text is its value. */
  plain?: boolean;
  /** A string with a `\` escape: its text and its value differ. */
  escaped?: boolean;
  /** A heredoc's lines: where they start and end. */
  body?: { start: number; end: number };
}

/** An interpolation of an input variable or a local value alone (`${var.tag}`, `${ local.registry }`), its name captured. */
export const NAMED_VALUE_INTERPOLATION = String.raw`\$\{\s*((?:var|local)\.[A-Za-z_][\w-]*)\s*\}`;

/** Files larger than this are generated; their structure is not read. */
const MAX_TOKENS = 200_000;
/** Blocks and brackets nest a few levels in real files; a hostile one is cut here. */
const MAX_DEPTH = 64;

export function readHcl(text: string): HclFile {
  const tokens = tokenize(text);
  const blocks: (HclBlock & { parents: readonly HclBlock[] })[] = [];
  const attributes: HclAttribute[] = [];
  const heredocs: HclHeredoc[] = [];
  let at = 0;
  const is = (offset: number, kind: TokenKind, value?: string): boolean => {
    const token = tokens[at + offset];
    return token !== undefined && token.kind === kind && (value === undefined || token.text === value);
  };

  const body = (parents: readonly HclBlock[]): void => {
    while (at < tokens.length) {
      const token = tokens[at]!;
      if (token.kind === 'punct' && token.text === '}') return;
      if (token.kind !== 'ident') {
        at++;
        continue;
      }
      if (is(1, 'punct', '=')) {
        at += 2;
        value(parents, token.text);
        continue;
      }
      // A block: its type, its labels (strings or names), then its body in braces.
      const start = at;
      at++;
      const labels: string[] = [];
      while (is(0, 'string') || is(0, 'ident')) labels.push(tokens[at++]!.text);
      if (!is(0, 'punct', '{') || parents.length >= MAX_DEPTH) {
        skipLine();
        continue;
      }
      at++;
      const block = { type: token.text, labels, start: tokens[start]!.start };
      blocks.push({ ...block, parents });
      body([...parents, block]);
      if (is(0, 'punct', '}')) at++;
    }
  };

  // An attribute's value: one expression, to the end of its line outside brackets.
  const value = (parents: readonly HclBlock[], name: string): void => {
    attributes.push({ blocks: parents, name, ...soleValue(at, '}') });
    let depth = 0;
    // The key whose value each open bracket starts (none for a list's item or a call's arguments).
    const keys: (string | undefined)[] = [];
    let key: string | undefined;
    while (at < tokens.length) {
      const token = tokens[at]!;
      if (depth === 0 && (token.kind === 'newline' || (token.kind === 'punct' && token.text === '}'))) return;
      if (token.kind === 'punct' && '([{'.includes(token.text)) {
        depth = Math.min(depth + 1, MAX_DEPTH);
        keys[depth - 1] = key;
      } else if (token.kind === 'punct' && ')]}'.includes(token.text)) depth--;
      else if (depth > 0 && (token.kind === 'ident' || token.kind === 'string') && (is(1, 'punct', '=') || is(1, 'punct', ':'))) {
        objectEntry(parents, name, token, keys.slice(0, depth));
        key = token.text;
        at += 2;
        continue;
      } else if (token.kind === 'heredoc' && token.body) heredocs.push({ blocks: parents, name, ...token.body });
      if (token.kind !== 'newline') key = undefined;
      at++;
    }
  };

  // `key = "value"` (or `key: "value"`) inside an object: recorded when the value is one plain
  // string, a variable or a local alone, or a template (see soleValue).
  const objectEntry = (parents: readonly HclBlock[], within: string, key: Token, keys: readonly (string | undefined)[]): void => {
    const entry = soleValue(at + 2, ',}');
    const path = keys.filter((k): k is string => k !== undefined);
    if (entry.string || entry.reference || entry.template) attributes.push({ blocks: parents, name: key.text, within, path, ...entry });
  };

  // The value that starts at token `from`, when it is one plain string, one variable or local
  // alone, or one string that interpolates, up to the line's end or one of `closers`.
  const soleValue = (from: number, closers: string): Pick<HclAttribute, 'string' | 'reference' | 'template'> => {
    const ends = (token: Token | undefined): boolean =>
      !token || token.kind === 'newline' || (token.kind === 'punct' && closers.includes(token.text));
    const first = tokens[from];
    if (first?.kind === 'string' && first.plain && ends(tokens[from + 1]))
      return { string: { value: first.text, start: first.start, end: first.end } };
    if (first?.kind === 'string' && !first.escaped && ends(tokens[from + 1])) {
      const alone = new RegExp(`^${NAMED_VALUE_INTERPOLATION}$`).exec(first.text);
      if (alone) return { reference: alone[1]! };
      return first.text.includes('%{') ? {} : { template: { value: first.text, start: first.start, end: first.end } };
    }
    const dot = tokens[from + 1];
    const last = tokens[from + 2];
    if (
      first?.kind === 'ident' &&
      (first.text === 'var' || first.text === 'local') &&
      dot?.text === '.' &&
      dot.start === first.end &&
      last?.kind === 'ident' &&
      last.start === dot.end &&
      ends(tokens[from + 3])
    )
      return { reference: `${first.text}.${last.text}` };
    return {};
  };

  const skipLine = (): void => {
    while (at < tokens.length && tokens[at]!.kind !== 'newline') at++;
  };

  while (at < tokens.length) {
    body([]);
    // A `}` with no block open: passed over.
    at++;
  }
  const strings = tokens
    .filter((token) => token.kind === 'string')
    .map(({ text, start, end, escaped }) => ({ text, start, end, escaped: escaped === true }));
  return { blocks, attributes, heredocs, strings };
}

/**
 * Where a file writes the value of each input variable (its `default`) and local value, when it
 * is one plain string, by the name an expression gives it (`var.tag`, `local.registry`). Terraform,
 * OpenTofu, Nomad and Docker Bake declare them alike (Bake's `${TAG}` is `var.TAG` here).
 */
export function writtenValues(attributes: readonly HclAttribute[]): Map<string, NonNullable<HclAttribute['string']>> {
  const values = new Map<string, NonNullable<HclAttribute['string']>>();
  for (const { blocks, within, name, string } of attributes) {
    const outer = blocks[0];
    if (blocks.length !== 1 || within !== undefined || !outer || !string) continue;
    if (outer.type === 'variable' && outer.labels[0] && name === 'default') values.set(`var.${outer.labels[0]}`, string);
    else if (outer.type === 'locals') values.set(`local.${name}`, string);
  }
  return values;
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[\w-]/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length && tokens.length < MAX_TOKENS) {
    const char = text[i]!;
    if (char === ' ' || char === '\t' || char === '\r') i++;
    else if (char === '\n') tokens.push({ kind: 'newline', text: '\n', start: i, end: ++i });
    else if (char === '#' || (char === '/' && text[i + 1] === '/')) i = lineEnd(text, i);
    else if (char === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 2;
    } else if (char === '"') {
      const { end, plain, escaped } = stringEnd(text, i + 1);
      tokens.push({ kind: 'string', text: text.slice(i + 1, end), start: i + 1, end, plain, escaped });
      i = text[end] === '"' ? end + 1 : end;
    } else if (char === '<' && text[i + 1] === '<' && /^<<-?[A-Za-z_]/.test(text.slice(i, i + 4))) {
      const start = i;
      const { end, body } = heredoc(text, i);
      i = end;
      tokens.push({ kind: 'heredoc', text: '<<', start, end, ...(body ? { body } : {}) });
    } else if (IDENT_START.test(char)) {
      const start = i;
      while (i < text.length && IDENT_PART.test(text[i]!)) i++;
      tokens.push({ kind: 'ident', text: text.slice(start, i), start, end: i });
    } else if ('{}[]()=,:'.includes(char)) {
      // `==` and `=>` are operators, not an attribute's `=`.
      if (char === '=' && (text[i + 1] === '=' || text[i + 1] === '>')) {
        tokens.push({ kind: 'other', text: text.slice(i, i + 2), start: i, end: i + 2 });
        i += 2;
      } else tokens.push({ kind: 'punct', text: char, start: i, end: ++i });
    } else tokens.push({ kind: 'other', text: char, start: i, end: ++i });
  }
  return tokens;
}

function lineEnd(text: string, from: number): number {
  const end = text.indexOf('\n', from);
  return end < 0 ? text.length : end;
}

/** Where a string that opened before `from` closes (its closing quote, or the line's end), and whether it is plain. */
function stringEnd(text: string, from: number, depth = 0): { end: number; plain: boolean; escaped: boolean } {
  let plain = true;
  let escaped = false;
  let i = from;
  while (i < text.length && text[i] !== '"' && text[i] !== '\n') {
    if (text[i] === '\\') {
      plain = false;
      escaped = true;
      i += 2;
    } else if ((text[i] === '$' || text[i] === '%') && text[i + 1] === '{') {
      plain = false;
      i = templateEnd(text, i + 2, depth + 1);
    } else i++;
  }
  return { end: Math.min(i, text.length), plain, escaped };
}

/** Where a template (`${…}`, `%{…}`) that opened before `from` closes, stepping over the strings and braces inside it. */
function templateEnd(text: string, from: number, nesting: number): number {
  // Strings in templates in strings, nested deeper than any file writes them: the line is given up.
  if (nesting > MAX_DEPTH) return lineEnd(text, from);
  let depth = 1;
  let i = from;
  while (i < text.length && depth > 0) {
    const char = text[i]!;
    if (char === '"') {
      const inner = stringEnd(text, i + 1, nesting);
      i = text[inner.end] === '"' ? inner.end + 1 : inner.end;
      continue;
    }
    if (char === '\n') return i;
    if (char === '{') depth++;
    else if (char === '}') depth--;
    i++;
  }
  return i;
}

/**
 * Where a heredoc (`<<EOT` or `<<-EOT`, then lines, then a line of `EOT` alone) ends, and where its
 * lines are (none for a heredoc that is never closed, which HCL refuses).
 */
function heredoc(text: string, from: number): { end: number; body?: { start: number; end: number } } {
  const header = /^<<-?([A-Za-z_][\w-]*)/.exec(text.slice(from, from + 256));
  if (!header) return { end: from + 2 };
  const marker = header[1]!;
  const start = lineEnd(text, from) + 1;
  for (let line = start; line < text.length;) {
    const end = lineEnd(text, line);
    if (text.slice(line, end).trim() === marker) return { end, body: { start, end: line } };
    line = end + 1;
  }
  return { end: text.length };
}
