/**
 * The one transfer engine behind pull, push and copy: every blob of the graph (each digest
 * once, with bounded concurrency; skipped when the target has it; mounted within a registry;
 * otherwise streamed from the source through a verifier straight into the target), then the
 * manifests children first and the root last. Nothing is tagged until everything it needs is
 * stored, so an interrupted copy leaves no tag pointing at missing content, and a rerun skips
 * what already arrived.
 */
import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { isRegistryLocated, type ReadTarget, type WriteTarget } from '../oci/content';
import { CoreError, isRestartable, RegistryError } from '../errors';
import { isLendingBody } from '../lent-chunks';
import type { Descriptor, Platform } from '../oci/manifest';
import { sleep } from '../transport/retry';
import { verifiedStream } from '../oci/verify-stream';
import { fileSystemError } from '../layout/files';
import { collectGraph, type ContentGraph } from './graph';
import { cosignAttachments } from '../registry/cosign-attachments';
import { Repository } from '../registry/repository';

export type BlobState = 'queued' | 'skipped' | 'mounted' | 'copying' | 'retrying' | 'copied' | 'failed';

export type CopyEvent =
  | { type: 'planned'; blobs: number; manifests: number; totalBytes: number; root: Descriptor }
  | { type: 'blob'; descriptor: Descriptor; state: BlobState; error?: string }
  | { type: 'bytes'; descriptor: Descriptor; n: number; doneBytes: number; totalBytes: number }
  | { type: 'manifest'; descriptor: Descriptor; state: 'stored' | 'skipped' };

export interface CopyOptions {
  /** Blobs in flight at once (default 4). */
  concurrency?: number;
  /** Platforms to keep from an index; absent means all. */
  platforms?: Platform[];
  /**
   * Keep the attestations (BuildKit's `unknown/unknown` entries) of the chosen platforms (default
   * true); false when the target takes one image alone (a docker archive, an engine).
   */
  attestations?: boolean;
  /** Tag for the root in the target. */
  tag?: string;
  /**
   * Also copy what refers to the root (signatures, SBOMs, attestations), when the source can list
   * them: its OCI referrers and, from a registry, cosign's `.sig`, `.att` and `.sbom` tags.
   */
  includeReferrers?: boolean;
  signal?: AbortSignal;
  onProgress?(event: CopyEvent): void;
  /** Attempts per blob for failures worth repeating (dropped connections, 5xx, truncation). Default 3. */
  blobAttempts?: number;
}

export interface CopyResult {
  root: Descriptor;
  /** The root differs from the source's (a platform subset or one platform was chosen). */
  rewritten: boolean;
  manifests: { stored: number; skipped: number };
  blobs: { copied: number; skipped: number; mounted: number };
  bytes: { total: number; transferred: number };
  referrers: number;
  durationMs: number;
}

/** A source that can list the referrers of a digest (a registry repository). */
interface ReferrersSource {
  referrers(digest: string, options: { signal?: AbortSignal }): Promise<{ referrers: Descriptor[] }>;
}

/** Referrers of referrers (a signature on an SBOM) are followed this deep. */
const MAX_REFERRER_DEPTH = 3;

export async function copy(source: ReadTarget, target: WriteTarget, root: Descriptor, options: CopyOptions = {}): Promise<CopyResult> {
  const started = performance.now();
  const abort = new AbortController();
  // Every request in flight listens to this one signal; up to 32 blobs at once is expected, not a leak.
  setMaxListeners(256, abort.signal);
  const onOuterAbort = (): void => abort.abort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (options.signal?.aborted) abort.abort();
  const signal = abort.signal;
  const result: CopyResult = {
    root,
    rewritten: false,
    manifests: { stored: 0, skipped: 0 },
    blobs: { copied: 0, skipped: 0, mounted: 0 },
    bytes: { total: 0, transferred: 0 },
    referrers: 0,
    durationMs: 0,
  };
  try {
    const graph = await collectGraph(source, root, {
      platforms: options.platforms,
      ...(options.attestations === false ? { attestations: false } : {}),
      signal,
    });
    result.root = graph.root;
    result.rewritten = graph.rewritten;
    const transfer = new GraphTransfer(source, target, options, signal, result, () => abort.abort());
    const withReferrers = options.includeReferrers === true && isReferrersSource(source);
    // The tag goes last, as with every manifest: a copy whose referrers fail leaves no tag behind.
    await transfer.run(graph, withReferrers ? undefined : options.tag);
    if (withReferrers) {
      await transfer.referrers(graph.root.digest, 1);
      if (options.tag !== undefined) await transfer.tagRoot(graph, options.tag);
    }
    result.durationMs = performance.now() - started;
    return result;
  } catch (err) {
    abort.abort();
    // A local side's file-system error (a full disk, a denied folder) says what to do too.
    throw cancelledOr(fileSystemError(fromSocket(err, source.name), `Copying from ${source.name} to ${target.name}`), options.signal);
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}

class GraphTransfer {
  private readonly limit;
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly source: ReadTarget,
    private readonly target: WriteTarget,
    private readonly options: CopyOptions,
    private readonly signal: AbortSignal,
    private readonly result: CopyResult,
    /** Cancels every request of the copy. */
    private readonly stop: () => void,
  ) {
    this.limit = pLimit(Math.max(1, Math.min(32, options.concurrency ?? 4)));
  }

  async run(graph: ContentGraph, tag: string | undefined): Promise<void> {
    const totalBytes = graph.blobs.reduce((sum, b) => sum + b.size, 0);
    this.result.bytes.total += totalBytes;
    this.emit({ type: 'planned', blobs: graph.blobs.length, manifests: graph.manifests.length, totalBytes, root: graph.root });
    // Every blob settles before any manifest goes up. The first failure cancels the rest: queued
    // blobs never start and those in flight stop, so a failing registry is not asked for every
    // blob in turn. It is the error reported (the others then fail as cancelled).
    let failed: { reason: unknown } | undefined;
    await Promise.allSettled(
      graph.blobs.map((blob) =>
        this.blob(blob).catch((reason: unknown) => {
          failed ??= { reason };
          this.stop();
          throw reason;
        }),
      ),
    );
    if (failed) throw failed.reason;
    for (const parsed of graph.manifests) {
      const isRoot = parsed.descriptor.digest === graph.root.digest;
      const rootTag = isRoot ? tag : undefined;
      if (!rootTag && (await this.target.hasManifest(parsed.descriptor, this.signal))) {
        this.result.manifests.skipped++;
        this.emit({ type: 'manifest', descriptor: parsed.descriptor, state: 'skipped' });
        continue;
      }
      await this.target.pushManifest(
        isRoot ? { ...parsed.descriptor, ...(graph.root.annotations ? { annotations: graph.root.annotations } : {}) } : parsed.descriptor,
        parsed.bytes,
        rootTag,
        this.signal,
      );
      this.result.manifests.stored++;
      this.emit({ type: 'manifest', descriptor: parsed.descriptor, state: 'stored' });
    }
  }

  /** Tags the stored root (a PUT of the same bytes under the tag) once everything it needs is in place. */
  async tagRoot(graph: ContentGraph, tag: string): Promise<void> {
    const root = graph.manifests.find((m) => m.descriptor.digest === graph.root.digest);
    if (!root) throw new Error(`the content graph of ${graph.root.digest} does not hold its root manifest`);
    const descriptor = { ...root.descriptor, ...(graph.root.annotations ? { annotations: graph.root.annotations } : {}) };
    await this.target.pushManifest(descriptor, root.bytes, tag, this.signal);
  }

  /**
   * Copies the referrers of `digest` (and theirs, a few levels deep) after the subject is stored;
   * for the subject itself, also what cosign keeps under its `.sig`, `.att` and `.sbom` tags, under
   * the same tags in the target (the digest they are named after is the same there).
   */
  async referrers(digest: string, depth: number): Promise<void> {
    if (depth > MAX_REFERRER_DEPTH || !isReferrersSource(this.source)) return;
    const { referrers } = await this.source.referrers(digest, { signal: this.signal });
    for (const referrer of referrers) {
      const graph = await collectGraph(this.source, referrer, { signal: this.signal });
      await this.run(graph, undefined);
      this.result.referrers++;
      await this.referrers(referrer.digest, depth + 1);
    }
    if (depth !== 1 || !(this.source instanceof Repository)) return;
    for (const attachment of await cosignAttachments(this.source, digest, this.signal)) {
      const graph = await collectGraph(this.source, attachment.descriptor, { signal: this.signal });
      await this.run(graph, attachment.tag);
      this.result.referrers++;
    }
  }

  /** One blob, once per digest even when two manifests share it. */
  private blob(descriptor: Descriptor): Promise<void> {
    let pending = this.inFlight.get(descriptor.digest);
    if (!pending) {
      pending = this.limit(() => this.transferBlob(descriptor));
      this.inFlight.set(descriptor.digest, pending);
    }
    return pending;
  }

  private async transferBlob(descriptor: Descriptor): Promise<void> {
    if (this.signal.aborted) throw new CoreError('CANCELLED', 'The operation was cancelled.');
    if (await this.target.hasBlob(descriptor, this.signal)) {
      this.result.blobs.skipped++;
      this.emit({ type: 'blob', descriptor, state: 'skipped' });
      return;
    }
    if (
      this.target.mountBlob &&
      isRegistryLocated(this.source) &&
      isRegistryLocated(this.target) &&
      this.source.registryHost === this.target.registryHost
    ) {
      if (await this.target.mountBlob(descriptor, this.source.repository, this.signal).catch(() => false)) {
        this.result.blobs.mounted++;
        this.emit({ type: 'blob', descriptor, state: 'mounted' });
        return;
      }
    }
    const attempts = Math.max(1, this.options.blobAttempts ?? 3);
    for (let attempt = 1; ; attempt++) {
      let sent = 0;
      try {
        this.emit({ type: 'blob', descriptor, state: attempt === 1 ? 'copying' : 'retrying' });
        await this.streamBlob(descriptor, (n) => {
          sent += n;
          this.result.bytes.transferred += n;
          this.emit({ type: 'bytes', descriptor, n, doneBytes: this.result.bytes.transferred, totalBytes: this.result.bytes.total });
        });
        this.result.blobs.copied++;
        this.emit({ type: 'blob', descriptor, state: 'copied' });
        return;
      } catch (err) {
        // Progress counts only bytes that stayed: a failed attempt's bytes are taken back.
        this.result.bytes.transferred -= sent;
        if (sent > 0)
          this.emit({ type: 'bytes', descriptor, n: -sent, doneBytes: this.result.bytes.transferred, totalBytes: this.result.bytes.total });
        if (attempt >= attempts || this.signal.aborted || !isWorthRetrying(err)) {
          this.emit({ type: 'blob', descriptor, state: 'failed', error: err instanceof Error ? err.message : String(err) });
          throw err;
        }
        await sleep(200 * attempt, this.signal);
      }
    }
  }

  /** Source stream → verifier → target; an error anywhere destroys the whole pipe. */
  private async streamBlob(descriptor: Descriptor, onBytes: (n: number) => void): Promise<void> {
    const body = await this.source.openBlob(descriptor, this.signal).catch((err: unknown) => {
      // The request layer has already retried a status answered to this GET with backoff; trying
      // the blob again would multiply its attempts into a retry storm.
      if (err instanceof RegistryError) retriedByRequest.add(err);
      throw err;
    });
    // A target that gives chunks back once stored lets a source that can reuse its read buffers do so.
    if (this.target.givesBackChunks && isLendingBody(body)) body.lendChunks();
    let pipeError: unknown;
    const verified = verifiedStream(body, descriptor, `blob ${descriptor.digest} from ${this.source.name}`, {
      onBytes,
      onError: (err) => (pipeError ??= err),
    });
    try {
      await this.target.pushBlob(descriptor, verified, this.signal);
    } catch (err) {
      body.destroy();
      // The pipe's own failure (a corrupt or cut source) is the cause, but a target that fails
      // mid-upload ends the pipe too ("premature close"): then the target's error is the cause,
      // and only it says whether the blob is worth another attempt.
      throw pipeError !== undefined && !isPrematureClose(pipeError) ? pipeError : err;
    }
    // The target holds the blob under its digest (a registry checks the digest it is given; a layout
    // keeps only what the verifier passed). A source whose body had not yet ended when the registry
    // answered is cut off then ("premature close"): not a failure, and never the raw stream error.
    if (pipeError !== undefined && !isPrematureClose(pipeError)) throw pipeError;
  }

  private emit(event: CopyEvent): void {
    this.options.onProgress?.(event);
  }
}

function isReferrersSource(source: object): source is ReferrersSource {
  return typeof (source as Partial<ReferrersSource>).referrers === 'function';
}

/** Status errors of requests the request layer retried already (source reads). */
const retriedByRequest = new WeakSet<RegistryError>();

/** Whether a blob transfer is started over (see isRestartable); a status the request layer already retried is not retried again here. */
function isWorthRetrying(err: unknown): boolean {
  if (err instanceof RegistryError && retriedByRequest.has(err)) return false;
  if (err instanceof CoreError) return isRestartable(err);
  return isBodySocketError(err);
}

function isPrematureClose(err: unknown): boolean {
  return (err as { code?: unknown } | undefined)?.code === 'ERR_STREAM_PREMATURE_CLOSE';
}

/** Socket errors surfacing from a response body (the other side closed mid-blob or mid-manifest). */
function isBodySocketError(err: unknown): err is Error {
  return (
    err instanceof Error &&
    /socket|ECONNRESET|EPIPE|other side closed|terminated|aborted/i.test(`${(err as { code?: string }).code ?? ''} ${err.message}`)
  );
}

/**
 * The transport words connection failures before a response as CoreErrors, but one that cuts a
 * response body reaches us raw (undici's SocketError): word it too, so a failed copy always says
 * what happened and what to do.
 */
function fromSocket(err: unknown, sourceName: string): unknown {
  if (err instanceof CoreError || !isBodySocketError(err)) return err;
  return new CoreError(
    'CONNECTION_RESET',
    `The connection to ${sourceName} closed in the middle of a transfer (${err.message}): run it again; what already arrived is kept and skipped.`,
    { cause: err },
  );
}

function cancelledOr(err: unknown, outer: AbortSignal | undefined): unknown {
  if (outer?.aborted && !(err instanceof CoreError && err.code === 'CANCELLED'))
    return new CoreError('CANCELLED', 'The operation was cancelled.', { cause: err });
  return err;
}
