/**
 * What a copy moves: the manifests under a root (children before parents) and the blobs they
 * name, each once, with the platform choice applied to indexes. A subset of an index's
 * platforms becomes a new index (a new digest, as it must); one platform becomes that image.
 */
import type { ReadTarget } from '../content';
import { digestOf } from '../digest';
import { CoreError } from '../errors';
import { childrenOf, formatPlatform, isAttestationEntry, isManifestDescriptor, parseManifest, platformMatches, type Descriptor, type ParsedManifest, type Platform } from '../manifest';

export interface GraphOptions {
  /** Platforms to keep from an index; absent means all. */
  platforms?: Platform[];
  /** With exactly one platform chosen, copy that image rather than a one-entry index (default true). */
  singlePlatformAsImage?: boolean;
  signal?: AbortSignal;
}

export interface ContentGraph {
  /** The root as it will be stored (a filtered index has a new digest). */
  root: Descriptor;
  /** Every manifest to store, children before parents, the root last. */
  manifests: ParsedManifest[];
  /** Every blob (configs, layers), each digest once. */
  blobs: Descriptor[];
  /** True when the root is not the source's root (platform subset or single platform). */
  rewritten: boolean;
}

/** Indexes nest (an index of indexes); deeper than this is refused as a likely loop. */
const MAX_DEPTH = 8;

export async function collectGraph(source: ReadTarget, root: Descriptor, options: GraphOptions = {}): Promise<ContentGraph> {
  const manifests: ParsedManifest[] = [];
  const blobs = new Map<string, Descriptor>();
  const stored = new Set<string>();

  const fetchParsed = async (d: Descriptor): Promise<ParsedManifest> => {
    const bytes = await source.fetchManifest(d, options.signal);
    return parseManifest(bytes, d.digest, d.mediaType, `manifest ${d.digest} in ${source.name}`);
  };

  const visit = async (parsed: ParsedManifest, path: readonly string[]): Promise<void> => {
    if (path.length > MAX_DEPTH) throw new CoreError('MANIFEST_LOOP', `Manifests in ${source.name} nest deeper than ${MAX_DEPTH} levels (${path.join(' → ')}); the copy stops here.`);
    for (const child of childrenOf(parsed)) {
      if (isManifestDescriptor(child)) {
        if (path.includes(child.digest)) throw new CoreError('MANIFEST_LOOP', `Index ${parsed.descriptor.digest} in ${source.name} refers back to ${child.digest}; the copy stops here.`);
        if (stored.has(child.digest)) continue;
        await visit(await fetchParsed(child), [...path, child.digest]);
      } else if (!blobs.has(child.digest)) {
        blobs.set(child.digest, child);
      }
    }
    if (!stored.has(parsed.descriptor.digest)) {
      stored.add(parsed.descriptor.digest);
      manifests.push(parsed);
    }
  };

  let top = await fetchParsed(root);
  let rewritten = false;
  if (top.kind === 'index' && options.platforms && options.platforms.length > 0) {
    const selected = selectPlatforms(top, options.platforms, source.name);
    if (selected.length === 1 && (options.singlePlatformAsImage ?? true) && options.platforms.length === 1) {
      top = await fetchParsed(selected[0]!);
    } else if (selected.length !== top.index.manifests.length) {
      top = subsetIndex(top, selected);
    }
    rewritten = top.descriptor.digest !== root.digest;
  }
  await visit(top, [top.descriptor.digest]);
  return { root: { ...top.descriptor, ...(root.annotations && !rewritten ? { annotations: root.annotations } : {}) }, manifests, blobs: [...blobs.values()], rewritten };
}

/** The index entries for the wanted platforms, plus the attestations that describe them. */
function selectPlatforms(index: Extract<ParsedManifest, { kind: 'index' }>, wanted: Platform[], sourceName: string): Descriptor[] {
  const entries = index.index.manifests;
  const chosen = entries.filter((d) => !isAttestationEntry(d) && wanted.some((p) => platformMatches(d.platform, p)));
  const missing = wanted.filter((p) => !chosen.some((d) => platformMatches(d.platform, p)));
  if (missing.length > 0) {
    const offered = entries.filter((d) => !isAttestationEntry(d)).map((d) => formatPlatform(d.platform)).join(', ');
    throw new CoreError('PLATFORM_NOT_FOUND', `${sourceName} has no ${missing.map(formatPlatform).join(', ')} image; it offers ${offered || 'no platforms'}.`);
  }
  const chosenDigests = new Set(chosen.map((d) => d.digest));
  const attestations = entries.filter((d) => isAttestationEntry(d) && chosenDigests.has(d.annotations?.['vnd.docker.reference.digest'] ?? ''));
  return [...chosen, ...attestations];
}

function subsetIndex(index: Extract<ParsedManifest, { kind: 'index' }>, entries: Descriptor[]): ParsedManifest {
  const json = { ...(JSON.parse(index.bytes.toString('utf8')) as Record<string, unknown>), manifests: entries };
  const bytes = Buffer.from(JSON.stringify(json));
  const descriptor: Descriptor = { mediaType: index.mediaType, digest: digestOf(bytes), size: bytes.length };
  return parseManifest(bytes, descriptor.digest, index.mediaType, `the index of the chosen platforms`);
}
