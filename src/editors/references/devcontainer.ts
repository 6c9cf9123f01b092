/**
 * Image references in `devcontainer.json` (JSON with comments and trailing commas, read with
 * Microsoft's jsonc-parser, the one VS Code uses): the top-level `image`, and the keys of
 * `features`, which are OCI references too (`ghcr.io/devcontainers/features/node:1`). A feature
 * given by a local path or a bare id is not a registry reference and is left out.
 */
import { jsonStringSite, parseJson } from './json-nodes';
import type { ReferenceSite } from './types';

export function findInDevcontainer(text: string): ReferenceSite[] {
  const root = parseJson(text);
  if (root?.type !== 'object') return [];
  const sites: (ReferenceSite | undefined)[] = [];
  for (const property of root.children ?? []) {
    const [key, value] = property.children ?? [];
    if (key?.value === 'image' && value?.type === 'string') sites.push(jsonStringSite(text, value, 'image'));
    if (key?.value === 'features' && value?.type === 'object') {
      for (const feature of value.children ?? []) {
        const name = feature.children?.[0];
        if (name?.type === 'string' && typeof name.value === 'string' && namesRegistry(name.value))
          sites.push(jsonStringSite(text, name, 'feature'));
      }
    }
  }
  return sites.filter((s): s is ReferenceSite => s !== undefined).sort((a, b) => a.start - b.start);
}

/** `ghcr.io/…`, `localhost:5000/…`: a feature id that names its registry (the only kind fetched from one). */
function namesRegistry(id: string): boolean {
  const slash = id.indexOf('/');
  if (slash <= 0) return false;
  const first = id.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost';
}
