/**
 * JSON files as the finders read them (`devcontainer.json`, ECS task definitions): parsed with
 * Microsoft's jsonc-parser (comments and trailing commas allowed, as VS Code reads such files),
 * for the offsets of each value.
 */
import { type Node, parseTree } from 'jsonc-parser';
import { siteFrom } from './site';
import type { ReferenceSite, SiteContext } from './types';

export { findNodeAtLocation } from 'jsonc-parser';

/** A file's root value, or `undefined` when nothing parses. */
export function parseJson(text: string): Node | undefined {
  return parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
}

/** A string node's site: inside its quotes; nothing for a value that is no string. */
export function jsonStringSite(text: string, node: Node | undefined, context: SiteContext): ReferenceSite | undefined {
  if (node?.type !== 'string' || typeof node.value !== 'string') return undefined;
  return siteFrom({ text, start: node.offset + 1, end: node.offset + node.length - 1, value: node.value, context });
}
