/**
 * JSON files as the finders read them (`devcontainer.json`, ECS task definitions): parsed with
 * Microsoft's jsonc-parser (comments and trailing commas allowed, as VS Code reads such files),
 * for the offsets of each value.
 */
import { createScanner, type Node, parseTree, SyntaxKind } from 'jsonc-parser';
import { siteFrom } from './site';
import type { ReferenceSite, SiteContext } from './types';

export { findNodeAtLocation } from 'jsonc-parser';

/**
 * How deep objects and arrays may nest in a file that is read at all: real files nest a few levels.
 * jsonc-parser builds the tree by recursion, which a hostile file nested some thousands of levels
 * deep overflows.
 */
const MAX_NESTING = 256;

/** A file's root value, or `undefined` when nothing parses (or it nests deeper than any real file). */
export function parseJson(text: string): Node | undefined {
  return nestsWithin(text, MAX_NESTING) ? parseTree(text, [], { allowTrailingComma: true, disallowComments: false }) : undefined;
}

/** Whether the text's objects and arrays nest `limit` levels deep at most, as jsonc-parser's scanner reads its tokens (strings and comments stepped over). */
function nestsWithin(text: string, limit: number): boolean {
  const scanner = createScanner(text, false);
  // The closer each open object or array waits for; one that closes nothing open is not counted.
  const open: SyntaxKind[] = [];
  for (let token = scanner.scan(); token !== SyntaxKind.EOF; token = scanner.scan()) {
    if (token === SyntaxKind.OpenBraceToken || token === SyntaxKind.OpenBracketToken) {
      open.push(token === SyntaxKind.OpenBraceToken ? SyntaxKind.CloseBraceToken : SyntaxKind.CloseBracketToken);
      if (open.length > limit) return false;
    } else if (token === open.at(-1)) open.pop();
  }
  return true;
}

/** A string node's site: inside its quotes; nothing for a value that is no string. */
export function jsonStringSite(text: string, node: Node | undefined, context: SiteContext): ReferenceSite | undefined {
  if (node?.type !== 'string' || typeof node.value !== 'string') return undefined;
  return siteFrom({ text, start: node.offset + 1, end: node.offset + node.length - 1, value: node.value, context });
}
