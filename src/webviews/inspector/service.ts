/**
 * What the inspector asks the registry, answered as page models. Every fetch is made here, in the
 * extension host, by the core (never by the webview), verified against its digest, and cached by
 * digest. No VS Code here: panels adapt it.
 */
import { pipeline } from 'node:stream';
import type * as CoreApi from '../../core/index';
import type { Descriptor, ImageIndex, LayerTreeNode, ParsedManifest, RegistrySession, Repository } from '../../core/index';
import { imageSize } from '../../core/oci/manifest';
import { isCoseEnvelope, isNonDistributableLayer } from '../../core/oci/media-types';
import { MAX_COSE_ENVELOPE_BYTES } from '../../core/oci/notary-cose';
import { quoteRegistryText } from '../../core/text/registry-text';
import type {
  BlobLocation,
  FileRow,
  FileSystemLocation,
  FileSystemSummary,
  ImageScanModel,
  LayerLocation,
  Location,
  LayerListResult,
  PageModel,
  ReferrerList,
  Requests,
  SizeResult,
} from './protocol';
import { formatBytes } from '../../shared/format';
import { cancelled, DigestCache } from '../../common/digest-cache';
import { MAX_DOCUMENT_JSON_BLOB, MAX_JSON_BLOB, type ContentCache } from '../../common/content-cache';
import { childRows, countEntry, nodeAtPath, type LayerCounts } from './file-rows';
import { scanSummary } from './scan-summary';
import {
  attestationRows,
  blobPage,
  coseEnvelopePage,
  fileSystemPage,
  layerPage,
  manifestPage,
  referrerRows,
  unreadableBlobPage,
  type ConfigRead,
} from './view-model';
import { errorText } from '../../common/error-text';

/** Nodes of cached layer trees (a tree's weight is its node count: folders the archive leaves out count too). */
const LAYER_CACHE_NODES = 1_000_000;
const SIZE_LOOKUPS_AT_ONCE = 6;
/** Attestation manifests read for one image: BuildKit writes one. */
const MAX_ATTESTATIONS = 4;

interface LayerListing {
  root: LayerTreeNode;
  counts: LayerCounts;
}

/** An image's files, all layers applied; the tree's entries carry the layer each comes from. */
interface ImageListing {
  root: LayerTreeNode;
  counts: LayerCounts;
  layers: number;
  layersLeftOut: number;
  compressedSize: number;
}

export interface LayerProgress {
  bytesRead: number;
  size: number;
  entries: number;
}

export class InspectorService {
  private readonly layers = new DigestCache<LayerListing>(LAYER_CACHE_NODES, (l) => l.root.nodeCount ?? l.counts.entries + 1);
  /** Keyed by the image manifest's digest; weighed like layers, so two caches hold at most twice the nodes. */
  private readonly images = new DigestCache<ImageListing>(LAYER_CACHE_NODES, (l) => l.root.nodeCount ?? l.counts.entries + 1);

  constructor(
    private readonly session: () => RegistrySession,
    private readonly core: typeof CoreApi,
    /** Manifests and JSON blobs by digest, shared with the tree (the registry service's). */
    private readonly content: ContentCache,
  ) {}

  async page(location: Location, signal: AbortSignal): Promise<PageModel> {
    const repository = this.repository(location);
    if (location.kind === 'layer') return layerPage(location);
    if (location.kind === 'blob') return this.blobPage(repository, location, signal);
    if (location.kind === 'filesystem') return fileSystemPage(location, await this.manifest(repository, location.digest, signal));
    const parsed = await this.manifest(repository, location.digest, signal);
    let config: ConfigRead | undefined;
    // A manifest of files (an artifact, BuildKit's statements) has no config worth reading for the page.
    if (parsed.kind === 'image' && !this.core.isFileManifest(parsed)) {
      config = await this.json(repository, parsed.manifest.config, signal).then(
        (blob) => ({ json: blob.json }),
        (err: unknown) => {
          if (signal.aborted) throw err;
          return { problem: `The config could not be read: ${messageOf(err)}` };
        },
      );
    }
    const page = manifestPage(location, parsed, config);
    if (parsed.kind === 'image' && location.index !== undefined) await this.addAttestations(page, repository, location.index, signal);
    return page;
  }

  /** The statements of the attestations the index lists for the page's image (BuildKit's provenance and SBOM). */
  private async addAttestations(page: PageModel, repository: Repository, indexDigest: string, signal: AbortSignal): Promise<void> {
    try {
      const index = await this.manifest(repository, indexDigest, signal);
      if (index.kind !== 'index') return;
      const entries = this.core.attestationsFor(index.index, page.header.digest).slice(0, MAX_ATTESTATIONS);
      if (!entries.length) return;
      const manifests = await Promise.all(entries.map((d) => this.manifest(repository, d.digest, signal)));
      page.attestedBy = attestationRows(page.location, manifests);
    } catch (err) {
      if (signal.aborted) throw err;
      page.attestedByProblem = `The attestations its index lists for it could not be read: ${messageOf(err)}`;
    }
  }

  /** Each platform's image size (manifest, config and layers): one manifest fetch per platform, a few at a time. */
  async imageSizes(params: Requests['imageSizes']['params'], signal: AbortSignal): Promise<Record<string, SizeResult>> {
    const repository = this.repository(params);
    const results: Record<string, SizeResult> = {};
    const queue = [...new Set(params.digests)];
    const worker = async (): Promise<void> => {
      for (let digest = queue.shift(); digest !== undefined; digest = queue.shift()) {
        try {
          const parsed = await this.manifest(repository, digest, signal);
          results[digest] =
            parsed.kind === 'image'
              ? {
                  size: imageSize(parsed.manifest, parsed.bytes.length),
                  sizeText: formatBytes(imageSize(parsed.manifest, parsed.bytes.length)),
                }
              : { sizeText: `index of ${parsed.index.manifests.length}` };
        } catch (err) {
          if (signal.aborted) throw err;
          results[digest] = { problem: messageOf(err) };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(SIZE_LOOKUPS_AT_ONCE, queue.length) }, worker));
    return results;
  }

  /**
   * The manifest's vulnerability scan and its VEX, looked for when the page asks (several requests:
   * referrers, cosign's tags, the index's). Asked for each time, like the referrers.
   */
  async imageScan(params: Requests['imageScan']['params'], signal: AbortSignal): Promise<ImageScanModel> {
    const repository = this.repository(params);
    let index: ImageIndex | undefined;
    if (params.index !== undefined) {
      const parsed = await this.manifest(repository, params.index, signal);
      if (parsed.kind === 'index') index = parsed.index;
    }
    const options = index ? { index, indexDigest: params.index! } : {};
    const { side, kept } = await this.core.findScanWithVex({ repository, digest: params.digest, options }, signal);
    return scanSummary(params, side, kept, index !== undefined);
  }

  /** Referrers change as signatures are added, so they are asked for each time, never cached. */
  async referrers(params: Requests['referrers']['params'], signal: AbortSignal): Promise<ReferrerList> {
    const repository = this.repository(params);
    // OCI referrers, and what cosign keeps under tags named after the digest (most signed images' way).
    const { referrers, cut, attachments, attachmentsFailure } = await this.core.referrersAndAttachments(repository, params.digest, signal);
    return {
      rows: referrerRows(params, params.digest, referrers, attachments),
      ...(cut ? { cut } : {}),
      // cosign's tags failing to read does not hide the referrers: the list says so instead.
      ...(attachmentsFailure !== undefined
        ? {
            attachmentsProblem: `cosign's .sig, .att and .sbom tags could not be read: ${attachmentsFailure instanceof Error ? attachmentsFailure.message : String(attachmentsFailure)}`,
          }
        : {}),
    };
  }

  /** Streams the layer through a digest check into the tar reader; the tree is cached by digest. */
  async listLayer(location: LayerLocation, signal: AbortSignal, onProgress: (progress: LayerProgress) => void): Promise<LayerListResult> {
    const repository = this.repository(location);
    let listing: LayerListing;
    try {
      listing = await this.layers.get(
        location.digest,
        (fetchSignal) => this.readLayer(repository, location, fetchSignal, onProgress),
        signal,
      );
    } catch (err) {
      if (err instanceof HostedElsewhere) return { hostedElsewhere: err.message };
      throw err;
    }
    return { ...listing.counts, ...treeTop(listing.root), compressedSizeText: formatBytes(location.size) };
  }

  layerChildren(params: Requests['layerChildren']['params']): Requests['layerChildren']['result'] {
    return rowsUnder(this.layers.peek(params.digest)?.root, params, 'open the layer again to list it');
  }

  /** Reads every layer of the image in order and applies it; the tree is cached by the manifest's digest. */
  async listImageFiles(
    location: FileSystemLocation,
    signal: AbortSignal,
    onProgress: (progress: LayerProgress) => void,
  ): Promise<FileSystemSummary> {
    const repository = this.repository(location);
    const listing = await this.images.get(
      location.digest,
      (fetchSignal) => this.readImage(repository, location, fetchSignal, onProgress),
      signal,
    );
    return {
      ...listing.counts,
      ...treeTop(listing.root),
      layers: listing.layers,
      layersLeftOut: listing.layersLeftOut,
      compressedSizeText: formatBytes(listing.compressedSize),
    };
  }

  imageFilesChildren(params: Requests['imageFilesChildren']['params']): Requests['imageFilesChildren']['result'] {
    return rowsUnder(this.images.peek(params.digest)?.root, params, "open the image's files again to list them");
  }

  private async readImage(
    repository: Repository,
    location: FileSystemLocation,
    signal: AbortSignal,
    onProgress: (progress: LayerProgress) => void,
  ): Promise<ImageListing> {
    const parsed = await this.manifest(repository, location.digest, signal);
    if (parsed.kind !== 'image' || this.core.isFileManifest(parsed))
      throw new Error('Only an image has files of its own: this manifest is an index or an artifact.');
    const report = everyFewMoments(onProgress);
    const { files, size, notIncluded } = await this.core.readImageFiles(repository, parsed.manifest.layers, {
      signal,
      onProgress: (progress) => report(progress, progress.bytesRead >= progress.size),
    });
    if (signal.aborted) throw cancelled();
    const counts: LayerCounts = { entries: 0, files: 0, directories: 0, whiteouts: 0 };
    for (const entry of files.values()) countEntry(counts, entry);
    const read = parsed.manifest.layers.length - notIncluded.length;
    return {
      // In slices: the host's other work goes on while half a million files are sorted into folders.
      root: await this.core.layerFileTreeAsync(files.values(), { of: 'image' }, { signal }),
      counts,
      layers: read,
      layersLeftOut: notIncluded.length,
      compressedSize: size,
    };
  }

  private async blobPage(repository: Repository, location: BlobLocation, signal: AbortSignal): Promise<PageModel> {
    if (location.role === 'file' && isCoseEnvelope(location.mediaType)) return this.coseEnvelopePage(repository, location, signal);
    const jsonType = location.role === 'config' || /[/+]json$/.test(location.mediaType.split(';')[0]!.trim());
    if (!jsonType)
      return unreadableBlobPage(
        location,
        `This file's media type is ${location.mediaType}, not JSON, so its content is not shown here; pull the artifact to read it.`,
      );
    // SBOMs, attestations and scan reports are read to be read: a larger one is still shown.
    const limit = this.core.isReadableReport(location.mediaType) ? MAX_DOCUMENT_JSON_BLOB : MAX_JSON_BLOB;
    if (location.size > limit)
      return unreadableBlobPage(
        location,
        `This blob is ${formatBytes(location.size)}; only JSON up to ${formatBytes(limit)} is shown here, so pull it to read it.`,
      );
    let json: unknown;
    try {
      const descriptor = { mediaType: location.mediaType, digest: location.digest, size: location.size };
      json = (await this.json(repository, descriptor, signal, limit)).json;
    } catch (err) {
      if (signal.aborted) throw err;
      return unreadableBlobPage(location, `This blob could not be shown: ${messageOf(err)}`);
    }
    const manifest = location.manifestDigest
      ? await this.manifest(repository, location.manifestDigest, signal).catch(() => undefined)
      : undefined;
    return blobPage(location, json, manifest);
  }

  /** A COSE envelope is CBOR: its bytes, read whole (and verified) like a small JSON blob, go to the Notary reader. */
  private async coseEnvelopePage(repository: Repository, location: BlobLocation, signal: AbortSignal): Promise<PageModel> {
    if (location.size > MAX_COSE_ENVELOPE_BYTES)
      return unreadableBlobPage(
        location,
        `This COSE envelope is ${formatBytes(location.size)}; only envelopes up to ${formatBytes(MAX_COSE_ENVELOPE_BYTES)} are read here, so pull it to read it.`,
      );
    let bytes: Uint8Array;
    try {
      const descriptor = { mediaType: location.mediaType, digest: location.digest, size: location.size };
      bytes = await repository.readSmallBlob(descriptor, signal, MAX_COSE_ENVELOPE_BYTES);
    } catch (err) {
      if (signal.aborted) throw err;
      return unreadableBlobPage(location, `This blob could not be shown: ${messageOf(err)}`);
    }
    return coseEnvelopePage(location, bytes);
  }

  private manifest(repository: Repository, digest: string, signal: AbortSignal): Promise<ParsedManifest> {
    return this.content.manifest(repository, digest, signal);
  }

  private async json(
    repository: Repository,
    descriptor: Descriptor,
    signal: AbortSignal,
    limit = MAX_JSON_BLOB,
  ): Promise<{ json: unknown; bytes: number }> {
    if (descriptor.data === undefined && descriptor.size > limit)
      throw new Error(`it is ${formatBytes(descriptor.size)}, over the ${formatBytes(limit)} shown here`);
    const blob = await this.content.json(repository, descriptor, signal, limit);
    if (blob.json === undefined) throw new Error(`blob ${descriptor.digest} is not JSON`);
    return blob;
  }

  private async readLayer(
    repository: Repository,
    location: LayerLocation,
    signal: AbortSignal,
    onProgress: (progress: LayerProgress) => void,
  ): Promise<LayerListing> {
    const descriptor = { mediaType: location.mediaType, digest: location.digest, size: location.size };
    const body = await repository.openBlob(descriptor, signal).catch((err: unknown) => {
      throw hostedElsewhere(location, err) ?? err;
    });
    const verifier = this.core.verifyingStream(descriptor, `layer ${location.digest}`);
    pipeline(body, verifier, () => undefined);
    const counts: LayerCounts = { entries: 0, files: 0, directories: 0, whiteouts: 0 };
    const entries: CoreApi.LayerFileEntry[] = [];
    let bytesRead = 0;
    const report = everyFewMoments(onProgress);
    const listed = this.core.listLayerFiles(verifier, {
      mediaType: location.mediaType,
      signal,
      onBytes: (total) => {
        bytesRead = total;
        report({ bytesRead, size: location.size, entries: counts.entries });
      },
    });
    for await (const entry of listed) {
      entries.push(entry);
      countEntry(counts, entry);
    }
    if (signal.aborted) throw cancelled();
    report({ bytesRead, size: location.size, entries: counts.entries }, true);
    return { root: await this.core.layerFileTreeAsync(entries, {}, { signal }), counts };
  }

  private repository(place: { host: string; repository: string }): Repository {
    return this.session().registry(place.host).repository(place.repository);
  }
}

/** A tree's first level as a listing shows it, with the unpacked size. */
function treeTop(root: LayerTreeNode): { root: FileRow[]; rootOmitted: number; totalSizeText: string } {
  const { rows, omitted } = childRows(root);
  return { root: rows, rootOmitted: omitted, totalSizeText: formatBytes(root.totalSize) };
}

/** A page of a cached tree's folder, or what to open again when the tree is no longer in memory. */
function rowsUnder(
  root: LayerTreeNode | undefined,
  at: { path: string; offset: number },
  openAgain: string,
): { rows: FileRow[]; omitted: number } {
  const node = root && nodeAtPath(root, at.path);
  if (!node) throw new Error(`That listing is no longer in memory; ${openAgain}.`);
  return childRows(node, at.offset);
}

/**
 * Progress passed on a few times a second (more would flood the webview for nothing a bar can
 * show), and always when `last` says it is the final figure.
 */
function everyFewMoments(onProgress: (progress: LayerProgress) => void): (progress: LayerProgress, last?: boolean) => void {
  let lastReport = 0;
  return (progress, last = false) => {
    const now = Date.now();
    if (!last && now - lastReport < 150) return;
    lastReport = now;
    onProgress(progress);
  };
}

/**
 * A foreign or non-distributable layer the registry does not hold: where its manifest says it is
 * hosted (quoted: registry text), instead of "does not have blob". Undefined for other failures.
 */
function hostedElsewhere(location: LayerLocation, err: unknown): HostedElsewhere | undefined {
  if (!isNonDistributableLayer(location.mediaType) || (err as { code?: unknown } | undefined)?.code !== 'BLOB_UNKNOWN') return undefined;
  const urls = (location.urls ?? []).map((url) => quoteRegistryText(url, [], 200));
  const where = urls.length > 0 ? `at ${urls.join(' or ')}` : 'outside it, though its manifest gives no URL';
  return new HostedElsewhere(
    `This foreign (non-distributable) layer is not in the registry: its manifest says it is hosted ${where}, which this extension does not download from, so its files are not listed.`,
  );
}

/** Thrown by the layer read and answered as a fact, not a failure: listing again would find the same. */
class HostedElsewhere extends Error {}

export function messageOf(err: unknown): string {
  return errorText(err);
}
