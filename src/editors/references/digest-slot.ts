/**
 * Where a lens writes the digest of a tag written on its own (Helm values, a Kustomization): over
 * the value of the mapping's own `digest:` (empty, `""` or a digest; or the hex of a `sha:`, as the
 * Prometheus community's charts write it), or, where the tool reads a
 * digest the file does not write yet (a Kustomization's entry), on a new `digest:` line under the
 * tag's, indented as it is. A digest merged in from an anchor is written elsewhere, for others too,
 * so it gets no slot; nor does a flow mapping (`{ name: a, newTag: "1" }`), which a new line would break.
 */
import type { Node } from 'yaml';
import type { DigestSlot } from './types';
import { isMap, isScalar, ownPair, resolved, valueRange, type YamlDocument } from './yaml-nodes';

export function digestSlot(
  doc: YamlDocument,
  text: string,
  map: Node,
  tagKey: string,
  options: { mayAddLine: boolean; digestKey?: 'digest' | 'sha' },
): DigestSlot | undefined {
  const digestKey = options.digestKey ?? 'digest';
  const digest = ownPair(doc, map, digestKey);
  // `sha:` holds the hex alone; the chart's template writes `@sha256:` before it.
  const hexOnly = digestKey === 'sha' ? { hexOnly: true as const } : {};
  if (digest) {
    const value = digest.value;
    if (!isScalar(value) || !value.range) return undefined;
    if (typeof value.value === 'string') {
      const written = valueRange(value);
      return written && { ...written, before: '', ...hexOnly };
    }
    if (value.value !== null || !digest.key.range) return undefined;
    // `digest:` or `digest: ~`: from just after the colon, over any null written there.
    const colon = text.indexOf(':', digest.key.range[1]);
    return colon >= 0 && colon < value.range[0] + 1 ? { start: colon + 1, end: value.range[1], before: ' ', ...hexOnly } : undefined;
  }
  const node = resolved(doc, map);
  const tag = ownPair(doc, map, tagKey);
  if (!options.mayAddLine || !isMap(node) || node.flow || !tag?.key.range || !isScalar(tag.value) || !tag.value.range) return undefined;
  const keyStart = tag.key.range[0];
  const lineStart = text.lastIndexOf('\n', keyStart - 1) + 1;
  const newline = text.indexOf('\n', tag.value.range[1]);
  const lineEnd = newline < 0 ? text.length : newline > 0 && text[newline - 1] === '\r' ? newline - 1 : newline;
  const eol = newline > 0 && text[newline - 1] === '\r' ? '\r\n' : '\n';
  return { start: lineEnd, end: lineEnd, before: `${eol}${' '.repeat(keyStart - lineStart)}digest: ` };
}
