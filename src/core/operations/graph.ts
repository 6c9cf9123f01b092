/**
 * What a copy moves: the manifests under a root (children before parents) and the blobs they
 * name, each once, with the platform choice applied to indexes. A subset of an index's
 * platforms becomes a new index (a new digest, as it must); one platform becomes that image, or,
 * when its attestation (BuildKit's `unknown/unknown` entry) is kept, an index of the two.
 * The whole graph is held in memory before any blob moves, so its size is bounded: the bytes of
 * its manifests (checked against the sizes an index declares before its children are fetched,
 * then against what arrived), the number of manifests and the number of blobs.
 */
import type { ReadTarget } from '../oci/content';
import { digestOf } from '../oci/digest';
import { CoreError } from '../errors';
import {
  childrenOf,
  formatPlatform,
  isAttestationEntry,
  isManifestDescriptor,
  parseManifest,
  platformMatches,
  type Descriptor,
  type ParsedManifest,
  type Platform,
} from '../oci/manifest';

export interface GraphOptions {
  /** Platforms to keep from an index; absent means all. */
  platforms?: Platform[];
  /** With exactly one platform chosen, copy that image rather than a one-entry index (default true). */
  singlePlatformAsImage?: boolean;
  /**
   * Keep the attestation entries (provenance, SBOM) of the chosen platforms (default true). A
   * chosen platform with its attestation stays an index; without them one platform is its image,
   * as a docker archive or an engine needs.
   */
  attestations?: boolean;
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
/** Four of the largest manifests read (4 MiB each); real images' manifests are a few KiB, an index of 40 platforms under 1 MiB. */
export const MAX_GRAPH_MANIFEST_BYTES = 16 * 1024 * 1024;
/** An index of 40 platforms with their attestations is under 100. */
export const MAX_GRAPH_MANIFESTS = 1000;
/** Layers and configs: an image has at most a few hundred layers; an artifact of files one per file. */
export const MAX_GRAPH_BLOBS = 50_000;

export async function collectGraph(source: ReadTarget, root: Descriptor, options: GraphOptions = {}): Promise<ContentGraph> {
  const manifests: ParsedManifest[] = [];
  const blobs = new Map<string, Descriptor>();
  const stored = new Set<string>();
  const budget = new GraphBudget(source.name);

  const fetchParsed = async (d: Descriptor): Promise<ParsedManifest> => {
    const bytes = await source.fetchManifest(d, options.signal);
    return parseManifest(bytes, d.digest, d.mediaType, `manifest ${d.digest} in ${source.name}`);
  };

  const visit = async (parsed: ParsedManifest, path: readonly string[]): Promise<void> => {
    if (path.length > MAX_DEPTH)
      throw new CoreError(
        'MANIFEST_LOOP',
        `Manifests in ${source.name} nest deeper than ${MAX_DEPTH} levels (${path.join(' → ')}); the copy stops here.`,
      );
    const children = childrenOf(parsed);
    // Every child an index names is counted before the first is fetched.
    budget.planManifests(
      parsed,
      children.filter((child) => isManifestDescriptor(child) && !stored.has(child.digest)),
    );
    for (const child of children) {
      if (isManifestDescriptor(child)) {
        if (path.includes(child.digest))
          throw new CoreError(
            'MANIFEST_LOOP',
            `Index ${parsed.descriptor.digest} in ${source.name} refers back to ${child.digest}; the copy stops here.`,
          );
        if (stored.has(child.digest)) continue;
        const fetched = await fetchParsed(child).catch(async (err: unknown) => {
          throw path.length === 1 && parsed.kind === 'index' ? await platformsMissing(source, parsed, err, options.signal) : err;
        });
        budget.fetched(child, fetched);
        await visit(fetched, [...path, child.digest]);
      } else if (!blobs.has(child.digest)) {
        blobs.set(child.digest, child);
        budget.countBlob(parsed, blobs.size);
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
    const { images, attestations } = selectPlatforms(top, options.platforms, source.name);
    const selected = options.attestations === false ? images : [...images, ...attestations];
    // One image alone: decided by the platforms chosen, never counting an attestation as one.
    if (images.length === 1 && selected.length === 1 && (options.singlePlatformAsImage ?? true) && options.platforms.length === 1) {
      top = await fetchParsed(images[0]!);
    } else if (selected.length !== top.index.manifests.length) {
      top = subsetIndex(top, selected);
    }
    rewritten = top.descriptor.digest !== root.digest;
  }
  budget.hold(top);
  await visit(top, [top.descriptor.digest]);
  return {
    root: { ...top.descriptor, ...(root.annotations && !rewritten ? { annotations: root.annotations } : {}) },
    manifests,
    blobs: [...blobs.values()],
    rewritten,
  };
}

/**
 * What a graph holds: the bytes of its manifests and how many there are (planned from the sizes
 * indexes declare, corrected by what arrives: a registry may declare less than it sends), and
 * how many blobs. Each limit stops the copy with what was found.
 */
class GraphBudget {
  private bytes = 0;
  private manifests = 0;
  private readonly counted = new Map<string, number>();

  constructor(private readonly sourceName: string) {}

  hold(root: ParsedManifest): void {
    this.counted.set(root.descriptor.digest, root.bytes.length);
    this.add(root.bytes.length, 1, root);
  }

  planManifests(parent: ParsedManifest, children: Descriptor[]): void {
    let bytes = 0;
    let count = 0;
    for (const child of children) {
      if (this.counted.has(child.digest)) continue;
      // A negative or absurd size is not trusted to make room: it counts as nothing until the manifest arrives.
      const declared = Number.isSafeInteger(child.size) && child.size > 0 ? child.size : 0;
      this.counted.set(child.digest, declared);
      bytes += declared;
      count++;
    }
    this.add(bytes, count, parent);
  }

  fetched(child: Descriptor, parsed: ParsedManifest): void {
    const planned = this.counted.get(child.digest) ?? 0;
    if (parsed.bytes.length <= planned) return;
    this.counted.set(child.digest, parsed.bytes.length);
    this.add(parsed.bytes.length - planned, 0, parsed);
  }

  countBlob(parent: ParsedManifest, blobs: number): void {
    if (blobs <= MAX_GRAPH_BLOBS) return;
    throw new CoreError(
      'GRAPH_TOO_LARGE',
      `${describeManifest(parent, this.sourceName)} brings the blobs to copy past ${MAX_GRAPH_BLOBS.toLocaleString('en-US')}, the most one copy plans, so none of it is copied: copy fewer platforms (choose them), or pack the files into fewer layers.`,
    );
  }

  private add(bytes: number, count: number, at: ParsedManifest): void {
    this.bytes += bytes;
    this.manifests += count;
    if (this.manifests > MAX_GRAPH_MANIFESTS) {
      throw new CoreError(
        'GRAPH_TOO_LARGE',
        `${describeManifest(at, this.sourceName)} brings the manifests to copy to ${this.manifests.toLocaleString('en-US')}, more than the ${MAX_GRAPH_MANIFESTS.toLocaleString('en-US')} one copy plans, so none of it is copied: choose the platforms to copy.`,
      );
    }
    if (this.bytes > MAX_GRAPH_MANIFEST_BYTES) {
      throw new CoreError(
        'GRAPH_TOO_LARGE',
        `${describeManifest(at, this.sourceName)} brings the manifests to copy to ${mebibytes(this.bytes)} (${this.manifests.toLocaleString('en-US')} manifests), more than the ${mebibytes(MAX_GRAPH_MANIFEST_BYTES)} one copy holds, so none of it is copied: choose the platforms to copy, or copy the images one by one.`,
      );
    }
  }
}

function describeManifest(parsed: ParsedManifest, sourceName: string): string {
  return `${parsed.kind === 'index' ? 'Index' : 'Manifest'} ${parsed.descriptor.digest} in ${sourceName}`;
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1).replace(/\.0$/, '')} MiB`;
}

/** The index entries for the wanted platforms, and apart the attestations that describe them. */
function selectPlatforms(
  index: Extract<ParsedManifest, { kind: 'index' }>,
  wanted: Platform[],
  sourceName: string,
): { images: Descriptor[]; attestations: Descriptor[] } {
  const entries = index.index.manifests;
  const chosen = entries.filter((d) => !isAttestationEntry(d) && wanted.some((p) => platformMatches(d.platform, p)));
  const missing = wanted.filter((p) => !chosen.some((d) => platformMatches(d.platform, p)));
  if (missing.length > 0) {
    const offered = entries
      .filter((d) => !isAttestationEntry(d))
      .map((d) => formatPlatform(d.platform))
      .join(', ');
    throw new CoreError(
      'PLATFORM_NOT_FOUND',
      `${sourceName} has no ${missing.map(formatPlatform).join(', ')} image; it offers ${offered || 'no platforms'}.`,
    );
  }
  const chosenDigests = new Set(chosen.map((d) => d.digest));
  const attestations = entries.filter(
    (d) => isAttestationEntry(d) && chosenDigests.has(d.annotations?.['vnd.docker.reference.digest'] ?? ''),
  );
  return { images: chosen, attestations };
}

/**
 * A local layout or archive that lacks some of its index's platforms (`ctr export` and `nerdctl
 * save` keep only this machine's by default) says which are absent and which it holds, instead of
 * the bare missing blob; any other failure is passed on as it is.
 */
async function platformsMissing(
  source: ReadTarget,
  index: Extract<ParsedManifest, { kind: 'index' }>,
  err: unknown,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  if (!(err instanceof CoreError) || err.code !== 'BLOB_NOT_FOUND') return err;
  const entries = index.index.manifests.filter((d) => isManifestDescriptor(d) && !isAttestationEntry(d));
  const present = await Promise.all(
    entries.map((d) =>
      source.fetchManifest(d, signal).then(
        () => true,
        (e: unknown) => !(e instanceof CoreError && e.code === 'BLOB_NOT_FOUND'),
      ),
    ),
  );
  const missing = entries.filter((_, i) => !present[i]).map((d) => formatPlatform(d.platform));
  const held = entries.filter((_, i) => present[i]).map((d) => formatPlatform(d.platform));
  if (missing.length === 0 || held.length === 0) return err;
  return new CoreError(
    'BLOB_NOT_FOUND',
    `${source.name} holds only ${held.join(', ')} of its multi-platform image; ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not in it (ctr export and nerdctl save keep only this machine's platform unless given --all-platforms). Export the image again with every platform, or push only the platforms it holds (${held.join(', ')}).`,
    { cause: err },
  );
}

function subsetIndex(index: Extract<ParsedManifest, { kind: 'index' }>, entries: Descriptor[]): ParsedManifest {
  const json = { ...(JSON.parse(index.bytes.toString('utf8')) as Record<string, unknown>), manifests: entries };
  const bytes = Buffer.from(JSON.stringify(json));
  const descriptor: Descriptor = { mediaType: index.mediaType, digest: digestOf(bytes), size: bytes.length };
  return parseManifest(bytes, descriptor.digest, index.mediaType, `the index of the chosen platforms`);
}
