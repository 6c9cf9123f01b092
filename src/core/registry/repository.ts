/**
 * One repository of one registry: manifests (resolve, fetch verified, put, delete), blobs
 * (exists, read, upload, mount), tags and referrers. It is both a ReadTarget and a WriteTarget,
 * so pull, push and copy treat it like any other content store.
 */
import type { Readable } from 'node:stream';
import { scopesFor } from '../auth/scope';
import { listTags } from './listing';
import type { RequestRouter } from './router';
import type { ReadTarget, RegistryLocated, WriteTarget } from '../oci/content';
import { Digester, DigestVerifier, digestOf, isDigest, parseDigest, referrersTagFor } from '../oci/digest';
import { header, type EndpointClient } from './endpoint-client';
import { CoreError } from '../errors';
import { nextPageUrl, sameOrigin } from '../transport/link';
import { errorBodyText, readBodyLimited } from '../transport/read-body';
import { MAX_MANIFEST_BYTES, parseManifest, type Descriptor, type ImageIndex, type ParsedManifest } from '../oci/manifest';
import { baseMediaType, MANIFEST_ACCEPT, manifestKindOf, MediaTypes } from '../oci/media-types';
import { isManifestMissing, refusedElsewhere, registryErrorFor } from './registry-errors';
import type { HttpResponse } from '../transport/http';
import { requireRegistryUrl } from '../transport/url-policy';
import { DEFAULT_CHUNK_SIZE, uploadBlob, type UploadOptions } from './upload';

export interface ReferrersOptions {
  /** Only referrers of this artifact type (filtered by the registry when it can, else here). */
  artifactType?: string;
  signal?: AbortSignal;
}

/** How referrers were found: the registry's API, or the tag schema fallback for older registries. */
export interface ReferrersResult {
  referrers: Descriptor[];
  source: 'api' | 'tag-schema';
  /** The registry listed more than MAX_REFERRERS, or more pages than MAX_REFERRER_PAGES: the list holds the first ones. */
  cut?: true;
}

/** Listings of referrers larger than this are cut (a hostile registry could page forever). */
const MAX_REFERRER_PAGES = 100;

/** Referrers kept of one subject at most, across pages: each page may hold 4 MiB of them (tens of thousands). */
export const MAX_REFERRERS = 10_000;

/** Small blobs (configs, JSON files) are read whole up to this size, the cap manifests have. */
export const MAX_SMALL_BLOB_BYTES = MAX_MANIFEST_BYTES;
/**
 * Documents people read whole (an SBOM, an attestation, a JSON tab) may be asked for up to this
 * size: a Node image's SPDX SBOM is several MiB. Still read within the document deadline.
 */
export const MAX_DOCUMENT_BLOB_BYTES = 32 * 1024 * 1024;

export class Repository implements ReadTarget, WriteTarget, RegistryLocated {
  readonly name: string;
  /** Upload tuning (monolithic vs chunked); set by the caller from settings. */
  upload: UploadOptions = {};
  /**
   * A monolithic upload on a direct connection gives each chunk back once the socket has written it
   * (see direct-client.ts); through a proxy, or in PATCH chunks (which copy), chunks are simply kept.
   */
  readonly givesBackChunks = true;

  constructor(
    /** Where this registry's requests go (carried from the session by value: see router.ts). */
    private readonly router: RequestRouter,
    readonly repository: string,
  ) {
    this.name = `${router.host}/${repository}`;
  }

  get registryHost(): string {
    return this.router.host;
  }

  /**
   * The descriptor a tag or digest points at: HEAD first (cheap, no body), then GET and hash
   * when HEAD gives no digest or is refused (some registries answer 405 or omit the header).
   */
  async resolve(reference: string, signal?: AbortSignal): Promise<Descriptor> {
    const res = await this.router.request('resolve', this.repository, {
      method: 'HEAD',
      path: `/${this.repository}/manifests/${reference}`,
      headers: { accept: MANIFEST_ACCEPT },
      scopes: this.pullScopes,
      signal,
    });
    await res.body.dump().catch(() => undefined);
    const digest = header(res, 'docker-content-digest');
    const contentType = header(res, 'content-type');
    const length = Number(header(res, 'content-length'));
    if (
      res.status === 200 &&
      digest &&
      isDigest(digest) &&
      contentType &&
      manifestKindOf(baseMediaType(contentType)) &&
      Number.isSafeInteger(length) &&
      length > 0 &&
      // Digests of two algorithms are not comparable: a sha256 header for a sha512 reference says
      // nothing about the bytes, which the GET below hashes with the algorithm asked for.
      (!isDigest(reference) || parseDigest(digest).algorithm === parseDigest(reference).algorithm)
    ) {
      if (isDigest(reference) && digest !== reference) throw this.wrongDigest(reference, digest);
      return { mediaType: baseMediaType(contentType), digest, size: length };
    }
    if (res.status === 401)
      throw (
        refusedElsewhere(res, this.router.host, `the request for manifest ${this.display(reference)}`) ??
        (await this.refusal(res, this.pullScopes))
      );
    if (res.status === 404)
      throw registryErrorFor(404, '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}', `manifest ${this.display(reference)}`, this.router.host, []);
    return (await this.getManifest(reference, signal)).descriptor;
  }

  /**
   * A manifest by tag or digest, its digest checked (against the reference, and the registry's
   * header). A tag is read only from hosts that may resolve tags: a pull-only mirror may hold an
   * old one; content by digest is the same wherever it comes from.
   */
  async getManifest(reference: string, signal?: AbortSignal): Promise<ParsedManifest> {
    const what = `manifest ${this.display(reference)}`;
    const res = await this.router.request(isDigest(reference) ? 'pull' : 'resolve', this.repository, {
      method: 'GET',
      path: `/${this.repository}/manifests/${reference}`,
      headers: { accept: MANIFEST_ACCEPT },
      scopes: this.pullScopes,
      signal,
    });
    if (res.status !== 200) throw await this.failure(res, what);
    const bytes = await readLimited(res, MAX_MANIFEST_BYTES, what);
    const announced = header(res, 'docker-content-digest');
    const algorithm = isDigest(reference)
      ? parseDigest(reference).algorithm
      : announced && isDigest(announced)
        ? parseDigest(announced).algorithm
        : 'sha256';
    const digest = digestOf(bytes, algorithm);
    if (isDigest(reference) && digest !== reference) throw this.wrongDigest(reference, digest);
    if (announced && isDigest(announced) && parseDigest(announced).algorithm === algorithm && announced !== digest) {
      throw new CoreError(
        'DIGEST_MISMATCH',
        `${this.router.host} said ${what} is ${announced} but its bytes hash to ${digest}; it was not used. A proxy in between may have changed it.`,
      );
    }
    return { ...parseManifest(bytes, digest, header(res, 'content-type'), what), servedBy: res.url.origin };
  }

  /** ReadTarget: manifest bytes by descriptor, verified. */
  async fetchManifest(descriptor: Descriptor, signal?: AbortSignal): Promise<Buffer> {
    const parsed = await this.getManifest(descriptor.digest, signal);
    return parsed.bytes;
  }

  /** ReadTarget: a blob's bytes as a stream (callers verify); `range` asks for a slice (206). */
  async openBlob(descriptor: Descriptor, signal?: AbortSignal, range?: { start: number; end?: number }): Promise<Readable> {
    return (await this.blobResponse(descriptor, signal, range)).body;
  }

  /**
   * A small blob (an image config, an artifact's JSON file) read whole and checked against its
   * digest and size. Unlike a layer streamed through openBlob, where only the silence between
   * chunks is limited, it must arrive within the same document deadline as a manifest: a registry
   * trickling a config a byte at a time fails it with BODY_TIMEOUT instead of holding the caller
   * (and the queue it waits in) for hours. Refuses blobs over `maxBytes`: MAX_SMALL_BLOB_BYTES
   * unless the caller reads a document people asked for (at most MAX_DOCUMENT_BLOB_BYTES).
   */
  async readSmallBlob(descriptor: Descriptor, signal?: AbortSignal, maxBytes = MAX_SMALL_BLOB_BYTES): Promise<Buffer> {
    const what = `blob ${descriptor.digest} in ${this.repository}`;
    const limit = Math.min(maxBytes, MAX_DOCUMENT_BLOB_BYTES);
    if (descriptor.size > limit)
      throw new CoreError(
        'PAYLOAD_TOO_LARGE',
        `${what} is ${descriptor.size} bytes, over the ${limit / 1048576} MiB read whole; it was not read.`,
      );
    // Checked before any request: a size that is not a byte count is refused here.
    const verifier = new DigestVerifier(descriptor.digest, descriptor.size);
    const res = await this.blobResponse(descriptor, signal);
    const bytes = await readBodyLimited(res, descriptor.size, (announced) => {
      const sent = announced !== undefined ? `announced ${announced} bytes` : 'sent more';
      return new CoreError(
        'SIZE_MISMATCH',
        `${what} should be ${descriptor.size} bytes but ${this.router.host} ${sent}; it was not used. Try again, and check any proxy or mirror in between.`,
      );
    });
    try {
      verifier.update(bytes).verify();
    } catch (err) {
      if (err instanceof CoreError) throw new CoreError(err.code, `${what}: ${err.message}`, { cause: err });
      throw err;
    }
    return bytes;
  }

  private async blobResponse(descriptor: Descriptor, signal?: AbortSignal, range?: { start: number; end?: number }): Promise<HttpResponse> {
    const headers: Record<string, string> = {};
    if (range) headers.range = `bytes=${range.start}-${range.end ?? ''}`;
    const res = await this.router.request('pull', this.repository, {
      method: 'GET',
      path: `/${this.repository}/blobs/${descriptor.digest}`,
      headers,
      scopes: this.pullScopes,
      signal,
    });
    const ok = range ? res.status === 206 || (res.status === 200 && range.start === 0) : res.status === 200;
    if (!ok) throw await this.failure(res, `blob ${descriptor.digest} in ${this.repository}`);
    return res;
  }

  /** WriteTarget: whether the registry has the blob (HEAD; a size that differs counts as absent). */
  async hasBlob(descriptor: Descriptor, signal?: AbortSignal): Promise<boolean> {
    const res = await this.router.request('push', this.repository, {
      method: 'HEAD',
      path: `/${this.repository}/blobs/${descriptor.digest}`,
      scopes: this.pushScopes,
      signal,
    });
    await res.body.dump().catch(() => undefined);
    if (res.status === 404) return false;
    if (res.status === 200) {
      const length = header(res, 'content-length');
      return length === undefined || Number(length) === descriptor.size;
    }
    throw await this.failure(res, `blob ${descriptor.digest} in ${this.repository}`, true);
  }

  async hasManifest(descriptor: Descriptor, signal?: AbortSignal): Promise<boolean> {
    const res = await this.router.request('push', this.repository, {
      method: 'HEAD',
      path: `/${this.repository}/manifests/${descriptor.digest}`,
      headers: { accept: [descriptor.mediaType, MANIFEST_ACCEPT].join(', ') },
      scopes: this.pushScopes,
      signal,
    });
    await res.body.dump().catch(() => undefined);
    if (res.status === 404) return false;
    if (res.status === 200) return true;
    throw await this.failure(res, `manifest ${this.display(descriptor.digest)}`, true);
  }

  /** WriteTarget: uploads a blob from a (verifying) stream; see upload.ts for the protocol. */
  async pushBlob(descriptor: Descriptor, content: Readable, signal?: AbortSignal): Promise<void> {
    const endpoint = await this.pushEndpoint();
    try {
      await uploadBlob(endpoint, this.repository, descriptor, content, { ...this.upload, signal });
    } catch (err) {
      // A registry (or a proxy before it) that caps request bodies gets chunks from now on; the copy retries the blob.
      if (err instanceof CoreError && err.code === 'PAYLOAD_TOO_LARGE' && !this.upload.chunkSize)
        this.upload = { ...this.upload, chunkSize: DEFAULT_CHUNK_SIZE };
      throw err;
    }
  }

  /**
   * WriteTarget: a cross-repository mount within this registry. 201 means done; 202 means the
   * registry started an ordinary upload instead (it does not have the blob where we said, or
   * does not mount): that session is cancelled and the caller copies the bytes.
   */
  async mountBlob(descriptor: Descriptor, fromRepository: string, signal?: AbortSignal): Promise<boolean> {
    if (fromRepository === this.repository) return false;
    const endpoint = await this.pushEndpoint();
    const scopes = scopesFor({ method: 'POST', repository: this.repository, mountFrom: fromRepository });
    const res = await endpoint.send({
      method: 'POST',
      path: `/${this.repository}/blobs/uploads/`,
      query: { mount: descriptor.digest, from: fromRepository },
      headers: { 'content-length': '0' },
      scopes,
      signal,
    });
    await res.body.dump().catch(() => undefined);
    if (res.status === 201) return true;
    const location = header(res, 'location');
    if (res.status === 202 && location) {
      // The cancelling DELETE goes only where the registry URL policy allows; a refused location is an error, not skipped silently.
      const session = requireRegistryUrl(
        location,
        res.url,
        'mount-location',
        this.router.host,
        `${descriptor.digest} into ${this.repository}`,
      );
      await endpoint
        .send({ method: 'DELETE', path: session, scopes, signal, retry: false })
        .then((r) => r.body.dump())
        .catch(() => undefined);
    }
    return false;
  }

  /**
   * WriteTarget: stores a manifest under its digest or a tag. The registry's answer must name the
   * same digest. A manifest with a `subject` on a registry without the referrers API (no
   * `OCI-Subject` header) is also added to the subject's referrers tag index, as the spec asks.
   */
  async pushManifest(descriptor: Descriptor, bytes: Buffer, tag?: string, signal?: AbortSignal): Promise<void> {
    const what = `manifest ${this.display(tag ?? descriptor.digest)}`;
    if (digestOf(bytes, parseDigest(descriptor.digest).algorithm) !== descriptor.digest) {
      throw new CoreError('DIGEST_MISMATCH', `The bytes for ${what} do not match ${descriptor.digest}; nothing was pushed.`);
    }
    const endpoint = await this.pushEndpoint();
    const res = await endpoint.send({
      method: 'PUT',
      path: `/${this.repository}/manifests/${tag ?? descriptor.digest}`,
      headers: { 'content-type': descriptor.mediaType },
      body: bytes,
      scopes: this.pushScopes,
      signal,
    });
    if (res.status !== 201 && res.status !== 200 && res.status !== 202) throw await this.failure(res, what, true);
    await res.body.dump().catch(() => undefined);
    const stored = header(res, 'docker-content-digest');
    if (
      stored &&
      isDigest(stored) &&
      stored !== descriptor.digest &&
      parseDigest(stored).algorithm === parseDigest(descriptor.digest).algorithm
    ) {
      throw new CoreError(
        'DIGEST_MISMATCH',
        `${this.router.host} stored ${what} as ${stored} instead of ${descriptor.digest}; it may have rewritten the manifest.`,
      );
    }
    const subject = subjectOf(bytes);
    if (subject && header(res, 'oci-subject') === undefined) await this.addToReferrersTag(subject, descriptor, bytes, signal);
  }

  /** Puts an existing manifest under another tag (no bytes move but the manifest itself). */
  async tag(source: string, newTag: string, signal?: AbortSignal): Promise<Descriptor> {
    const parsed = await this.getManifest(source, signal);
    await this.pushManifest(parsed.descriptor, parsed.bytes, newTag, signal);
    return parsed.descriptor;
  }

  /**
   * Deletes a manifest by digest; every tag pointing at it goes with it. Registries that refuse
   * deletes get a sentence saying how to enable them.
   */
  async deleteManifest(digest: string, signal?: AbortSignal): Promise<void> {
    if (!isDigest(digest))
      throw new CoreError('INVALID_DIGEST', `Deleting needs a digest, not "${digest}": resolve the tag first, or delete only the tag.`);
    const endpoint = await this.deleteEndpoint();
    const res = await endpoint.send({
      method: 'DELETE',
      path: `/${this.repository}/manifests/${digest}`,
      scopes: this.deleteScopes,
      signal,
    });
    if (res.status === 202 || res.status === 200 || res.status === 204) {
      await res.body.dump().catch(() => undefined);
      return;
    }
    throw await this.deleteFailure(res, `manifest ${this.display(digest)}`);
  }

  /**
   * Removes one tag and leaves the manifest (and its other tags) in place: `DELETE` by tag where
   * the registry allows it (OCI 1.1), else the throwaway method — point the tag at a unique empty
   * manifest, then delete that manifest by digest. With `deleteManifest` (a vendor's delete, where
   * the registry refuses the Distribution API's, as ghcr.io does) only the throwaway method is
   * used, its manifest deleted that way.
   */
  async deleteTag(
    tag: string,
    signal?: AbortSignal,
    deleteManifest?: ((digest: string, signal?: AbortSignal) => Promise<void>) & {
      readonly deleteTag?: (tag: string, signal?: AbortSignal) => Promise<void>;
    },
  ): Promise<'tag-delete' | 'throwaway-manifest'> {
    if (deleteManifest?.deleteTag) {
      await deleteManifest.deleteTag(tag, signal);
      return 'tag-delete';
    }
    if (deleteManifest) {
      await deleteManifest(await this.pushThrowaway(tag, signal), signal);
      return 'throwaway-manifest';
    }
    const endpoint = await this.deleteEndpoint();
    const res = await endpoint.send({ method: 'DELETE', path: `/${this.repository}/manifests/${tag}`, scopes: this.deleteScopes, signal });
    const text = await errorBodyText(res);
    if (res.status === 202 || res.status === 200 || res.status === 204) return 'tag-delete';
    if (res.status === 401) throw await this.refusal(res, this.deleteScopes);
    if (res.status === 405 && /UNSUPPORTED/.test(text) && !/DIGEST_INVALID/.test(text)) throw this.deletionDisabled();
    const throwaway = await this.pushThrowaway(tag, signal);
    await this.deleteManifest(throwaway, signal);
    return 'throwaway-manifest';
  }

  /**
   * The tags in this repository that point at `digest` (what a delete by digest removes). Reads
   * every tag, then resolves them with bounded concurrency; `limit` caps the work.
   */
  async tagsPointingTo(
    digest: string,
    options: { signal?: AbortSignal; limit?: number; concurrency?: number } = {},
  ): Promise<{ tags: string[]; complete: boolean }> {
    const limit = options.limit ?? 2000;
    const all: string[] = [];
    for await (const page of listTags(this.router, this.repository, { pageSize: 1000, signal: options.signal })) {
      for (const tag of page) all.push(tag);
      if (all.length >= limit) break;
    }
    const tags = all.slice(0, limit);
    const matches: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < tags.length) {
        const tag = tags[next++]!;
        const d = await this.resolve(tag, options.signal).catch(() => undefined);
        if (d?.digest === digest) matches.push(tag);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, tags.length) }, worker));
    return { tags: matches.sort(), complete: all.length < limit };
  }

  /**
   * Manifests that refer to `digest` through their `subject`: the referrers API when the
   * registry has it, else the tag schema (`sha256-<hex>` index). A missing tag means none.
   */
  async referrers(digest: string, options: ReferrersOptions = {}): Promise<ReferrersResult> {
    const fromApi = await this.referrersFromApi(digest, options);
    if (fromApi) return { referrers: fromApi.found, source: 'api', ...(fromApi.cut ? { cut: true } : {}) };
    const tag = referrersTagFor(digest);
    let index: ParsedManifest;
    try {
      index = await this.getManifest(tag, options.signal);
    } catch (err) {
      if (isManifestMissing(err)) return { referrers: [], source: 'tag-schema' };
      throw err;
    }
    const entries = index.kind === 'index' ? index.index.manifests : [];
    return { referrers: filterArtifactType(entries, options.artifactType), source: 'tag-schema' };
  }

  private async referrersFromApi(digest: string, options: ReferrersOptions): Promise<{ found: Descriptor[]; cut: boolean } | undefined> {
    const [endpoint] = await this.endpointsFor('referrers');
    let url: URL | undefined = endpoint!.url(`/${this.repository}/referrers/${digest}`, { artifactType: options.artifactType });
    const found: Descriptor[] = [];
    let filtered = false;
    for (let page = 0; url && page < MAX_REFERRER_PAGES; page++) {
      const res: HttpResponse = await endpoint!.send({
        method: 'GET',
        path: url,
        headers: { accept: MediaTypes.ociIndex },
        scopes: this.pullScopes,
        signal: options.signal,
      });
      const contentType = baseMediaType(header(res, 'content-type') ?? '');
      // Registries without the API answer 404 (or 400/405): fall back, unless it is a real OCI index.
      if (res.status !== 200 || contentType !== MediaTypes.ociIndex) {
        await res.body.dump().catch(() => undefined);
        if (page === 0 && res.status === 401) throw await this.refusal(res, this.pullScopes);
        if (page === 0) return undefined;
        throw registryErrorFor(res.status, '', `the referrers of ${digest}`, this.router.host, []);
      }
      const bytes = await readLimited(res, MAX_MANIFEST_BYTES, `the referrers of ${digest}`);
      const parsed = parseManifest(bytes, digestOf(bytes), contentType, `the referrers list of ${digest}`);
      if (parsed.kind === 'index') found.push(...parsed.index.manifests.slice(0, MAX_REFERRERS + 1 - found.length));
      filtered ||= /artifactType/i.test(header(res, 'oci-filters-applied') ?? '');
      const next = nextPageUrl(header(res, 'link'), res.url.href);
      const checked =
        next === undefined ? undefined : requireRegistryUrl(next, res.url, 'next-page', this.router.host, `the referrers of ${digest}`);
      url = checked && sameOrigin(checked, res.url) ? checked : undefined;
      if (found.length > MAX_REFERRERS) break;
    }
    const cut = found.length > MAX_REFERRERS || url !== undefined;
    const kept = found.slice(0, MAX_REFERRERS);
    return { found: filtered ? kept : filterArtifactType(kept, options.artifactType), cut };
  }

  /** Adds `referrer` to the subject's `sha256-<hex>` index tag (creating it when absent). */
  private async addToReferrersTag(subject: Descriptor, referrer: Descriptor, referrerBytes: Buffer, signal?: AbortSignal): Promise<void> {
    const tag = referrersTagFor(subject.digest);
    let manifests: Descriptor[] = [];
    try {
      const existing = await this.getManifest(tag, signal);
      if (existing.kind === 'index') manifests = existing.index.manifests;
    } catch (err) {
      if (!(err instanceof CoreError) || !/MANIFEST_UNKNOWN|NAME_UNKNOWN|HTTP_404/.test(err.code)) throw err;
    }
    if (manifests.some((m) => m.digest === referrer.digest)) return;
    const json = JSON.parse(referrerBytes.toString('utf8')) as {
      artifactType?: string;
      config?: { mediaType?: string };
      annotations?: Record<string, string>;
    };
    const entry: Descriptor = { mediaType: referrer.mediaType, digest: referrer.digest, size: referrer.size };
    const artifactType = json.artifactType ?? json.config?.mediaType;
    if (artifactType) entry.artifactType = artifactType;
    if (json.annotations) entry.annotations = json.annotations;
    const index: ImageIndex = { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [...manifests, entry] };
    const bytes = Buffer.from(JSON.stringify(index));
    await this.pushManifest({ mediaType: MediaTypes.ociIndex, digest: digestOf(bytes), size: bytes.length }, bytes, tag, signal);
  }

  /** Points `tag` at a manifest no other tag can share (a random annotation), returning its digest. */
  private async pushThrowaway(tag: string, signal?: AbortSignal): Promise<string> {
    const config = Buffer.from('{}');
    const configDescriptor: Descriptor = { mediaType: MediaTypes.ociEmpty, digest: digestOf(config), size: config.length };
    if (!(await this.hasBlob(configDescriptor, signal))) {
      const { Readable: ReadableStream } = await import('node:stream');
      await this.pushBlob(configDescriptor, ReadableStream.from([config]), signal);
    }
    const manifest = {
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      artifactType: 'application/vnd.oci-registry-explorer.tag-deletion.v1',
      config: configDescriptor,
      layers: [],
      annotations: {
        'org.opencontainers.image.description': `Removes tag ${tag}`,
        'org.opencontainers.image.created': new Date().toISOString(),
        nonce: new Digester().update(`${Math.random()}${Date.now()}`).digest(),
      },
    };
    const bytes = Buffer.from(JSON.stringify(manifest));
    const descriptor: Descriptor = { mediaType: MediaTypes.ociManifest, digest: digestOf(bytes), size: bytes.length };
    await this.pushManifest(descriptor, bytes, tag, signal);
    return descriptor.digest;
  }

  private get pullScopes(): string[] {
    return scopesFor({ method: 'GET', repository: this.repository });
  }

  private get pushScopes(): string[] {
    return scopesFor({ method: 'PUT', repository: this.repository });
  }

  private get deleteScopes(): string[] {
    return scopesFor({ method: 'DELETE', repository: this.repository });
  }

  private async endpointsFor(operation: 'push' | 'delete' | 'referrers'): Promise<EndpointClient[]> {
    return this.router.endpoints(operation, this.repository);
  }

  /** Uploads and manifest puts go to one endpoint for the whole session (an upload URL belongs to it). */
  private async pushEndpoint(): Promise<EndpointClient> {
    return (await this.endpointsFor('push'))[0]!;
  }

  private async deleteEndpoint(): Promise<EndpointClient> {
    return (await this.endpointsFor('delete'))[0]!;
  }

  private display(reference: string): string {
    return `${this.repository}${isDigest(reference) ? '@' : ':'}${reference}`;
  }

  private async refusal(res: HttpResponse, scopes: string[]): Promise<CoreError> {
    const endpoint = await this.router.first('pull', this.repository);
    return endpoint.refusal(res, scopes);
  }

  /** The error for an unexpected answer: a login problem in the auth's words, else the registry's. */
  private async failure(res: HttpResponse, what: string, pushing = false): Promise<CoreError> {
    const text = await errorBodyText(res);
    const elsewhere = refusedElsewhere(res, this.router.host, `the request for ${what}`);
    if (elsewhere) return elsewhere;
    if (res.status === 401 || (res.status === 403 && /insufficient_scope/i.test(header(res, 'www-authenticate') ?? ''))) {
      return this.refusal(res, pushing ? this.pushScopes : this.pullScopes);
    }
    return registryErrorFor(res.status, text, what, this.router.host, this.router.secrets);
  }

  private async deleteFailure(res: HttpResponse, what: string): Promise<CoreError> {
    const text = await errorBodyText(res);
    if (res.status === 401 || res.status === 403) {
      const denied = registryErrorFor(res.status, text, what, this.router.host, this.router.secrets);
      return res.status === 401 ? this.refusal(res, this.deleteScopes) : denied;
    }
    if (res.status === 405 || /"UNSUPPORTED"/.test(text)) return this.deletionDisabled();
    return registryErrorFor(res.status, text, what, this.router.host, this.router.secrets);
  }

  private deletionDisabled(): CoreError {
    return new CoreError(
      'DELETE_DISABLED',
      `${this.router.host} has deletion disabled, so nothing was deleted: for Distribution (docker-registry) set storage.delete.enabled: true; other registries have a similar switch or need a retention policy.`,
    );
  }

  private wrongDigest(wanted: string, got: string): CoreError {
    return new CoreError(
      'DIGEST_MISMATCH',
      `${this.router.host} answered ${this.repository}@${wanted} with content whose digest is ${got}; it was not used. A proxy or mirror in between may have changed it.`,
    );
  }
}

function filterArtifactType(entries: Descriptor[], artifactType: string | undefined): Descriptor[] {
  return artifactType ? entries.filter((d) => d.artifactType === artifactType) : entries;
}

/** The `subject` of a manifest, when it has one. */
function subjectOf(bytes: Buffer): Descriptor | undefined {
  try {
    const json = JSON.parse(bytes.toString('utf8')) as { subject?: Descriptor };
    return json.subject && typeof json.subject.digest === 'string' && isDigest(json.subject.digest) ? json.subject : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a manifest-sized body, refusing more than `limit` bytes. */
function readLimited(res: HttpResponse, limit: number, what: string): Promise<Buffer> {
  return readBodyLimited(
    res,
    limit,
    (announced) =>
      new CoreError(
        'MANIFEST_TOO_LARGE',
        `${what} is ${announced !== undefined ? `${announced} bytes, ` : ''}over the ${limit / 1048576} MiB limit for manifests; it was not read.`,
      ),
  );
}
