/**
 * A JSON document as the flat node list the webview folds and highlights. Built breadth-first
 * without recursion (JSON.parse accepts nesting a million levels deep; the call stack does not),
 * with a node budget and a depth limit so a 4 MiB manifest stays a quick message.
 */
import type { JsonNode, JsonTree, Location } from './protocol';
import { clip } from './text';

export const MAX_JSON_NODES = 50_000;
export const MAX_JSON_DEPTH = 64;
/** Paths deeper than this never carry links, so they are not tracked. */
const LINK_DEPTH = 3;

type PathPart = string | number;

export interface JsonTreeOptions {
  /** The page a digest at `path` opens, if any (paths are only given down to depth 3). */
  linkAt?(path: readonly PathPart[], value: string): Location | undefined;
  maxNodes?: number;
  maxDepth?: number;
}

interface Pending {
  node: JsonNode;
  value: unknown;
  path: PathPart[] | undefined;
}

export function jsonTree(document: unknown, options: JsonTreeOptions = {}): JsonTree {
  const maxNodes = options.maxNodes ?? MAX_JSON_NODES;
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  const nodes: JsonNode[] = [];
  let truncated = false;
  const root = scalarOrContainer(document, 0);
  nodes.push(root);
  const queue: Pending[] = [{ node: root, value: document, path: [] }];
  // Breadth-first, so a node's children are appended together: they form one contiguous range.
  for (let head = 0; head < queue.length; head++) {
    const { node, value, path } = queue[head]!;
    if (node.type !== 'object' && node.type !== 'array') continue;
    const entries: [PathPart, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value as object);
    const room = node.depth >= maxDepth ? 0 : Math.max(0, maxNodes - nodes.length);
    const shown = Math.min(entries.length, room);
    if (shown < entries.length) {
      node.omitted = entries.length - shown;
      truncated = true;
    }
    if (shown === 0) continue;
    node.first = nodes.length;
    node.shown = shown;
    for (let i = 0; i < shown; i++) {
      const [key, childValue] = entries[i]!;
      const child = scalarOrContainer(childValue, node.depth + 1);
      child.key = typeof key === 'number' ? key : clip(key, 256);
      const childPath = path && node.depth < LINK_DEPTH ? [...path, key] : undefined;
      if (childPath && typeof childValue === 'string' && options.linkAt) {
        const link = options.linkAt(childPath, childValue);
        if (link) child.link = link;
      }
      nodes.push(child);
      if (child.type === 'object' || child.type === 'array') queue.push({ node: child, value: childValue, path: childPath });
    }
  }
  return { nodes, truncated };
}

function scalarOrContainer(value: unknown, depth: number): JsonNode {
  if (value === null) return { type: 'null', value: { text: 'null' }, depth };
  if (Array.isArray(value)) return { type: 'array', depth };
  switch (typeof value) {
    case 'object':
      return { type: 'object', depth };
    case 'string': {
      const clipped = clip(value);
      return {
        type: 'string',
        value: { text: JSON.stringify(clipped.text), ...(clipped.omitted ? { omitted: clipped.omitted } : {}) },
        depth,
      };
    }
    case 'number':
      return { type: 'number', value: { text: String(value) }, depth };
    case 'boolean':
      return { type: 'boolean', value: { text: String(value) }, depth };
    default:
      return { type: 'null', value: { text: 'null' }, depth };
  }
}
