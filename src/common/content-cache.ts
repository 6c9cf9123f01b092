/**
 * Manifests and small JSON blobs (image configs, artifact files) by digest, for everything on the
 * extension host that reads them: the tree (rows, expansions, creation dates), the inspector and
 * editor features. Content is addressed by its digest and verified against it on the way in, so
 * one copy serves every tag, repository and registry that points at it; callers asking at once
 * share one request. Owned by the registry service; no node keeps a cache of its own.
 */
import type * as Core from '../core/index';
import type { Descriptor, ParsedManifest, Repository } from '../core/index';
import { core } from './core-loader';
import { DigestCache } from './digest-cache';

/** Manifests are capped at 4 MiB each by the core; this many bytes of them stay in memory. */
const MANIFEST_CACHE_BYTES = 64 * 1024 * 1024;
/** JSON blobs larger than this are not read as JSON (configs are a few KiB)... */
export const MAX_JSON_BLOB = 4 * 1024 * 1024;
/** ...unless a person opened them to read: an SBOM, an attestation, a JSON tab (the core's document cap). */
export const MAX_DOCUMENT_JSON_BLOB = 32 * 1024 * 1024;
const JSON_CACHE_BYTES = 64 * 1024 * 1024;

/** A JSON blob as read: its parsed value, or `undefined` when its bytes are not JSON. */
export interface JsonBlob {
  json: unknown;
  bytes: number;
}

export class ContentCache {
  private readonly manifests = new DigestCache<ParsedManifest>(MANIFEST_CACHE_BYTES, (m) => m.bytes.length);
  private readonly blobs = new DigestCache<JsonBlob>(JSON_CACHE_BYTES, (b) => b.bytes);

  constructor(private readonly coreApi: () => typeof Core = core) {}

  /** The manifest `digest` in `repository`, fetched (and verified) once. */
  manifest(repository: Repository, digest: string, signal?: AbortSignal): Promise<ParsedManifest> {
    return this.manifests.get(digest, (fetchSignal) => repository.getManifest(digest, fetchSignal), signal);
  }

  /** A manifest already read, if it is still held. */
  peekManifest(digest: string): ParsedManifest | undefined {
    return this.manifests.peek(digest);
  }

  /** Keeps a manifest read some other way (by tag): its digest is what its bytes hash to. */
  remember(parsed: ParsedManifest): void {
    this.manifests.set(parsed.descriptor.digest, parsed);
  }

  /**
   * A small blob read whole within the registry's document deadline (Repository.readSmallBlob),
   * through the digest check, and parsed as JSON (`json` is `undefined` when it is not JSON).
   * Embedded data (`e30=`) needs no request but is checked all the same. Refuses blobs over
   * `maxBytes` ({@link MAX_JSON_BLOB}, or {@link MAX_DOCUMENT_JSON_BLOB} for a document a person opened).
   */
  json(repository: Repository, descriptor: Descriptor, signal?: AbortSignal, maxBytes = MAX_JSON_BLOB): Promise<JsonBlob> {
    const { digestOf, parseDigest } = this.coreApi();
    if (descriptor.data !== undefined) {
      const bytes = Buffer.from(descriptor.data, 'base64');
      if (digestOf(bytes, parseDigest(descriptor.digest).algorithm) !== descriptor.digest)
        return Promise.reject(new Error(`its embedded data does not match its digest ${descriptor.digest}`));
      return Promise.resolve(parseJson(bytes));
    }
    if (descriptor.size > maxBytes)
      return Promise.reject(new Error(`it is ${descriptor.size} bytes, over the ${maxBytes / 1048576} MiB read as JSON`));
    return this.blobs.get(
      descriptor.digest,
      async (fetchSignal) => parseJson(await repository.readSmallBlob(descriptor, fetchSignal, maxBytes)),
      signal,
    );
  }
}

function parseJson(bytes: Buffer): JsonBlob {
  try {
    return { json: JSON.parse(bytes.toString('utf8')) as unknown, bytes: bytes.length };
  } catch {
    return { json: undefined, bytes: bytes.length };
  }
}
