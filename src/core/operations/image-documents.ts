/**
 * Finds a document about an image (an SBOM, a vulnerability scan) where the tools that write one
 * put it, in this order:
 * 1. BuildKit's attestation manifest, listed in the image's index (`docker buildx build --sbom=true`);
 * 2. a referrer: the document attached as an artifact (`oras attach --artifact-type …`), or a
 *    Sigstore bundle or in-toto attestation whose predicate is one (cosign 3, `gh attestation`);
 * 3. cosign's `sha256-<hex>.att` tag (`cosign attest --type …`);
 * then 2 and 3 again for the index the image was reached through, where a tag's attachments go.
 * Only descriptors whose annotations or media types allow the document are read, a bounded number
 * of them; the first that reads wins. Nothing is verified: a signature around it is read past, not
 * checked. What the document is (which artifact and predicate types, how its bytes read) is the
 * caller's {@link ImageDocumentKind}.
 */
import { annotatedPredicateType, readAttestation } from '../oci/attestation';
import { attestationsFor, type Descriptor, type ImageIndex, type ParsedManifest } from '../oci/manifest';
import { isSupplyChainDocument } from '../oci/media-types';
import { cosignTagFor } from '../registry/cosign-attachments';
import { isManifestMissing } from '../registry/registry-errors';
import { MAX_DOCUMENT_BLOB_BYTES, type ReferrersResult, type Repository } from '../registry/repository';

/** Where a document was found. */
export type DocumentPlace = 'attestation-manifest' | 'referrer' | 'cosign-tag';

/** What is looked for: how its descriptors are recognised and how its bytes are read. */
export interface ImageDocumentKind<T> {
  /** "an SBOM", "a scan report": for the sentence when a blob is too big to read. */
  noun: string;
  /** Artifact types that say the artifact is such a document (OCI 1.1 `artifactType`, as ORAS attaches them). */
  isArtifactType(type: string): boolean;
  /** in-toto predicate types whose body is such a document. */
  isPredicateType(type: string): boolean;
  /** The document, from a blob's bytes (on its own or inside an attestation); undefined when it is not one. */
  read(bytes: Buffer): T | undefined;
}

export interface FoundDocument<T> {
  document: T;
  place: DocumentPlace;
  /** The manifest that holds it: the attestation manifest, the referrer, or the `.att` manifest. */
  manifest: string;
  /** The blob it was read from. */
  blob: string;
  /** Set when it is attached to the index the image was reached through, not to the image. */
  ofIndex?: true;
}

export interface DocumentSearch<T> {
  found?: FoundDocument<T>;
  /** What could not be read on the way (a referrers listing refused, a blob too big), in words. */
  problems: string[];
}

export interface DocumentSearchOptions {
  /** The index the image was reached through: BuildKit lists the image's attestations in it. */
  index?: ImageIndex;
  /** That index's digest: what is attached to the index is looked at after what is attached to the image. */
  indexDigest?: string;
  /** Reads shared with other searches about the same image (its scan, then its VEX). */
  reads?: DocumentReads;
  signal?: AbortSignal;
}

/**
 * What one DocumentReads keeps of the blobs it reads, at most, in all. The scan and VEX searches
 * read the same attestation layers (those that name no predicate are read by both to see), most a
 * few KiB, a large scan report a few MiB; past this a blob is read again rather than held, since a
 * comparison holds two of these at once and each blob may be 32 MiB.
 */
export const MAX_SHARED_BLOB_BYTES = 16 * 1024 * 1024;

/**
 * The registry reads that searches about one image share: finding its scan and then its VEX walks
 * the same places, so each referrers listing, manifest and blob is asked for once. A failure is
 * kept too, so both searches report it; a cancellation is not, so it cannot fail a later search
 * that was not cancelled. Blobs are kept only while they fit in MAX_SHARED_BLOB_BYTES together; one
 * that does not fit is read, given, and read again when asked for again.
 */
export class DocumentReads {
  private readonly listings = new Map<string, Promise<ReferrersResult>>();
  private readonly manifests = new Map<string, Promise<ParsedManifest>>();
  private readonly blobs = new Map<string, Promise<Buffer>>();
  /** Bytes of the blobs kept or being read to be kept: counted when a read starts, so reads at once cannot overrun it. */
  private blobBytesKept = 0;

  constructor(
    private readonly repository: Repository,
    private readonly signal?: AbortSignal,
  ) {}

  referrers(subject: string): Promise<ReferrersResult> {
    return this.once(this.listings, subject, () => this.repository.referrers(subject, this.signal ? { signal: this.signal } : {}));
  }

  manifest(reference: string): Promise<ParsedManifest> {
    return this.once(this.manifests, reference, () => this.repository.getManifest(reference, this.signal));
  }

  /** A document blob read whole (refused over MAX_DOCUMENT_BLOB_BYTES), kept while the budget allows. */
  blob(descriptor: Descriptor): Promise<Buffer> {
    const read = (): Promise<Buffer> => this.repository.readSmallBlob(descriptor, this.signal, MAX_DOCUMENT_BLOB_BYTES);
    // The size is part of the key: a manifest that misstates it gets its own read (and its own
    // failure), not the bytes or the refusal another manifest's descriptor got.
    const key = `${descriptor.digest} ${descriptor.size}`;
    const kept = this.blobs.get(key);
    if (kept) return kept;
    const { size } = descriptor;
    if (!Number.isSafeInteger(size) || size < 0 || this.blobBytesKept + size > MAX_SHARED_BLOB_BYTES) return read();
    this.blobBytesKept += size;
    // Only bytes held count: a failure keeps none, a cancellation is dropped by once.
    return this.once(this.blobs, key, read, () => (this.blobBytesKept -= size));
  }

  /**
   * The one read of `key`, started on the first ask. A cancellation is forgotten (the next ask
   * reads again) so that only the search that was cancelled sees it; `released` runs when the read
   * fails and holds nothing.
   */
  private once<T>(cache: Map<string, Promise<T>>, key: string, read: () => Promise<T>, released?: () => void): Promise<T> {
    const asked = cache.get(key);
    if (asked) return asked;
    const started = read();
    cache.set(key, started);
    started.catch((err: unknown) => {
      released?.();
      if ((this.signal?.aborted || isCancellation(err)) && cache.get(key) === started) cache.delete(key);
    });
    return started;
  }
}

function isCancellation(err: unknown): boolean {
  const { code, name } = (err ?? {}) as { code?: unknown; name?: unknown };
  return code === 'CANCELLED' || name === 'AbortError';
}

/**
 * A kind's `read` from a reader of parsed documents: the blob as JSON, read on its own or, when it
 * is an attestation (statement, DSSE envelope, Sigstore bundle), as the predicate it carries.
 */
export function readDocumentOrPredicate<T>(read: (document: unknown) => T | undefined): (bytes: Buffer) => T | undefined {
  return (bytes) => {
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      return undefined;
    }
    return read(json) ?? read(readAttestation(json)?.statement?.predicate);
  };
}

/**
 * Manifests looked into at most per place, and blobs read at most in all: each blob can be 32 MiB.
 * A blob another search already read counts as read, so what is found does not depend on that.
 */
const MAX_MANIFESTS_PER_PLACE = 8;
const MAX_BLOBS_READ = 8;
/** An artifact's files looked at, at most, when its type says it is the document. */
const MAX_LAYERS_PER_MANIFEST = 4;

/**
 * The document of `kind` about the image `digest` in `repository`. `index`, when the image was
 * reached through one, is where BuildKit lists its attestations; what is attached to the index
 * (`indexDigest`) is looked at last. Cancellation is passed on; any other failure on the way is
 * kept in `problems` and the search goes on.
 */
export async function findImageDocument<T>(
  repository: Repository,
  digest: string,
  kind: ImageDocumentKind<T>,
  options: DocumentSearchOptions = {},
): Promise<DocumentSearch<T>> {
  const { signal } = options;
  const reads = options.reads ?? new DocumentReads(repository, signal);
  const problems: string[] = [];
  let blobsRead = 0;
  const attempt = async <R>(work: () => Promise<R>, missingIsNormal = false): Promise<R | undefined> => {
    try {
      return await work();
    } catch (err) {
      if (signal?.aborted || (err as { code?: string }).code === 'CANCELLED') throw err;
      // A tag that is simply not there (most images have no `.att` tag) is not a problem to report.
      if (!(missingIsNormal && isManifestMissing(err))) problems.push(err instanceof Error ? err.message : String(err));
      return undefined;
    }
  };
  /** The document in the first of `layers` that reads as one. */
  const readLayers = async (layers: readonly Descriptor[]): Promise<{ document: T; blob: string } | undefined> => {
    for (const layer of layers) {
      if (blobsRead >= MAX_BLOBS_READ) return undefined;
      // Checked before reading so an oversized blob does not use up one of the reads allowed.
      if (layer.size > MAX_DOCUMENT_BLOB_BYTES) {
        problems.push(`${layer.digest} is ${layer.size} bytes, over the ${MAX_DOCUMENT_BLOB_BYTES / 1048576} MiB ${kind.noun} is read at.`);
        continue;
      }
      blobsRead++;
      const bytes = await attempt(() => reads.blob(layer));
      if (!bytes) continue;
      const document = kind.read(bytes);
      if (document !== undefined) return { document, blob: layer.digest };
    }
    return undefined;
  };
  const imageManifest = async (reference: string, missingIsNormal = false): Promise<(ParsedManifest & { kind: 'image' }) | undefined> => {
    const parsed = await attempt(() => reads.manifest(reference), missingIsNormal);
    return parsed?.kind === 'image' ? parsed : undefined;
  };

  // 1. BuildKit: the index names the attestation manifest of each of its images.
  for (const entry of options.index ? attestationsFor(options.index, digest).slice(0, MAX_MANIFESTS_PER_PLACE) : []) {
    const manifest = await imageManifest(entry.digest);
    if (!manifest) continue;
    const read = await readLayers(statementLayers(kind, manifest.manifest.layers));
    if (read) return { found: { ...read, place: 'attestation-manifest', manifest: manifest.descriptor.digest }, problems };
  }

  // 2 and 3, for the image, then for the index it was reached through: `cosign attest` and
  // `trivy referrer put` given a tag attach to what the tag names, most often the index.
  const subjects = [digest, ...(options.indexDigest !== undefined && options.indexDigest !== digest ? [options.indexDigest] : [])];
  for (const subject of subjects) {
    const ofIndex = subject !== digest ? { ofIndex: true as const } : {};
    // 2. Referrers: artifacts of the kind first, then attestations that say (or do not say) they hold one.
    const listed = await attempt(() => reads.referrers(subject));
    for (const referrer of rankReferrers(kind, listed?.referrers ?? []).slice(0, MAX_MANIFESTS_PER_PLACE)) {
      const manifest = await imageManifest(referrer.digest);
      if (!manifest) continue;
      const artifactType = referrer.artifactType ?? manifest.manifest.artifactType;
      const layers =
        artifactType !== undefined && kind.isArtifactType(artifactType)
          ? manifest.manifest.layers.slice(0, MAX_LAYERS_PER_MANIFEST)
          : statementLayers(kind, manifest.manifest.layers);
      const read = await readLayers(layers);
      if (read) return { found: { ...read, place: 'referrer', manifest: manifest.descriptor.digest, ...ofIndex }, problems };
    }

    // 3. cosign's tag beside it, where `cosign attest` writes without OCI 1.1 referrers.
    const cosign = await imageManifest(cosignTagFor(subject, 'attestations'), true);
    if (cosign) {
      const read = await readLayers(statementLayers(kind, cosign.manifest.layers));
      if (read) return { found: { ...read, place: 'cosign-tag', manifest: cosign.descriptor.digest, ...ofIndex }, problems };
    }
  }
  return { problems };
}

/**
 * Layers of an attestation manifest that may hold the document: those whose annotation names its
 * predicate first, then those that name no predicate but are statements or envelopes (read to see).
 */
function statementLayers<T>(kind: ImageDocumentKind<T>, layers: readonly Descriptor[]): Descriptor[] {
  const named: Descriptor[] = [];
  const unnamed: Descriptor[] = [];
  for (const layer of layers) {
    const type = annotatedPredicateType(layer.annotations);
    if (type !== undefined) {
      if (kind.isPredicateType(type)) named.push(layer);
    } else if (isSupplyChainDocument(layer.mediaType)) unnamed.push(layer);
  }
  return [...named, ...unnamed];
}

/** Referrers that may hold the document, likeliest first; signatures and other claims are left out. */
function rankReferrers<T>(kind: ImageDocumentKind<T>, referrers: readonly Descriptor[]): Descriptor[] {
  const artifacts: Descriptor[] = [];
  const claimed: Descriptor[] = [];
  const unsaid: Descriptor[] = [];
  for (const referrer of referrers) {
    const type = annotatedPredicateType(referrer.annotations);
    if (referrer.artifactType !== undefined && kind.isArtifactType(referrer.artifactType)) artifacts.push(referrer);
    else if (type !== undefined) {
      if (kind.isPredicateType(type)) claimed.push(referrer);
    } else if (referrer.artifactType !== undefined && isSupplyChainDocument(referrer.artifactType)) {
      if (referrer.annotations?.['dev.sigstore.bundle.content'] !== 'message-signature') unsaid.push(referrer);
    }
  }
  return [...artifacts, ...claimed, ...unsaid];
}
