// The copy engine's bookkeeping, with content in memory: what it reports (events, counts, bytes
// and their take-back on a retry), what it skips, mounts and tags, how many blobs it moves at
// once, which failures it starts over and which it leaves to the request layer, referrers and
// their depth, and cancellation. Written to kill the mutants the mutation run found alive (see
// docs/mutation.md); the lab covers the same engine against real registries.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { Readable } from 'node:stream';
import type { ReadTarget, WriteTarget } from '../../../../src/core/oci/content';
import { digestOf } from '../../../../src/core/oci/digest';
import { CoreError, RegistryError } from '../../../../src/core/errors';
import type { Descriptor } from '../../../../src/core/oci/manifest';
import { MediaTypes } from '../../../../src/core/oci/media-types';
import { copy, type CopyEvent } from '../../../../src/core/operations/copy';
import { rejectsWithCode } from '../../support/layout-helpers';

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const descriptorOf = (bytes: Buffer, mediaType: string, extra: Partial<Descriptor> = {}): Descriptor => ({
  mediaType,
  digest: digestOf(bytes),
  size: bytes.length,
  ...extra,
});

/** Content in memory: a source (with optional referrers and a registry location) and a target. */
class Store implements ReadTarget, WriteTarget {
  readonly blobs = new Map<string, Buffer>();
  readonly manifests = new Map<string, Buffer>();
  readonly tags = new Map<string, string>();
  readonly pushedManifests: { descriptor: Descriptor; tag?: string }[] = [];
  readonly opened: string[] = [];
  readonly mounts: { digest: string; from: string }[] = [];
  /** Signals the engine passed to referrers() (one per call). */
  readonly referrerSignals: (AbortSignal | undefined)[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** Called before each upload; may throw to fail it. */
  onUpload?: (d: Descriptor, attempt: number) => void;
  /** Called before each open; may throw. */
  onOpen?: (d: Descriptor) => void;
  private readonly uploads = new Map<string, number>();

  constructor(readonly name: string) {}

  putBlob(bytes: Buffer, mediaType: string): Descriptor {
    const d = descriptorOf(bytes, mediaType);
    this.blobs.set(d.digest, bytes);
    return d;
  }

  putManifest(value: unknown, mediaType: string, extra: Partial<Descriptor> = {}): Descriptor {
    const bytes = json(value);
    const d = descriptorOf(bytes, mediaType, extra);
    this.manifests.set(d.digest, bytes);
    return d;
  }

  async fetchManifest(d: Descriptor): Promise<Buffer> {
    const bytes = this.manifests.get(d.digest);
    if (!bytes) throw new CoreError('MANIFEST_UNKNOWN', `${this.name} has no ${d.digest}`);
    return bytes;
  }

  async openBlob(d: Descriptor): Promise<Readable> {
    this.opened.push(d.digest);
    this.onOpen?.(d);
    const bytes = this.blobs.get(d.digest)!;
    // Two pieces, a turn apart, as a network body arrives.
    const half = Math.floor(bytes.length / 2);
    return Readable.from(
      (async function* () {
        yield bytes.subarray(0, half);
        await new Promise((resolve) => setImmediate(resolve));
        yield bytes.subarray(half);
      })(),
    );
  }

  async hasBlob(d: Descriptor): Promise<boolean> {
    return this.blobs.has(d.digest);
  }

  async hasManifest(d: Descriptor): Promise<boolean> {
    return this.manifests.has(d.digest);
  }

  async pushBlob(d: Descriptor, content: Readable, signal?: AbortSignal): Promise<void> {
    const attempt = (this.uploads.get(d.digest) ?? 0) + 1;
    this.uploads.set(d.digest, attempt);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of content) {
        chunks.push(chunk as Buffer);
        // Fails after the first bytes arrived, so the engine has progress to take back.
        this.onUpload?.(d, attempt);
        if (signal?.aborted) throw new CoreError('CANCELLED', 'The operation was cancelled.');
      }
      this.blobs.set(d.digest, Buffer.concat(chunks as unknown as Uint8Array[]));
    } finally {
      this.inFlight--;
    }
  }

  uploadsOf(digest: string): number {
    return this.uploads.get(digest) ?? 0;
  }

  async pushManifest(d: Descriptor, bytes: Buffer, tag?: string): Promise<void> {
    assert.equal(digestOf(bytes), d.digest);
    this.manifests.set(d.digest, bytes);
    this.pushedManifests.push(tag === undefined ? { descriptor: d } : { descriptor: d, tag });
    if (tag !== undefined) this.tags.set(tag, d.digest);
  }

  /** Makes this store list referrers (a registry can; a layout cannot): `referrers()` exists only then. */
  listReferrers(bySubject: Map<string, Descriptor[]>): void {
    Object.assign(this, {
      referrers: async (digest: string, options: { signal?: AbortSignal }) => {
        this.referrerSignals.push(options.signal);
        return { referrers: bySubject.get(digest) ?? [] };
      },
    });
  }
}

/** A store in a registry repository: the engine may mount between two in one registry. */
class RegistryStore extends Store {
  mountAnswer: boolean | 'throw' = true;

  constructor(
    readonly registryHost: string,
    readonly repository: string,
  ) {
    super(`${registryHost}/${repository}`);
  }

  async mountBlob(d: Descriptor, fromRepository: string): Promise<boolean> {
    this.mounts.push({ digest: d.digest, from: fromRepository });
    if (this.mountAnswer === 'throw') throw new CoreError('CONNECTION_RESET', 'mount failed');
    if (this.mountAnswer) this.blobs.set(d.digest, Buffer.alloc(0));
    return this.mountAnswer;
  }
}

/** An image (config and two layers, one shared with `shared`) in `store`. */
function image(store: Store, seed: string, shared?: Descriptor): Descriptor {
  const config = store.putBlob(json({ seed, architecture: 'amd64', os: 'linux' }), MediaTypes.ociConfig);
  const layer = store.putBlob(Buffer.alloc(3000 + seed.length, seed), MediaTypes.ociLayerGzip);
  return store.putManifest(
    { schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers: shared ? [layer, shared] : [layer] },
    MediaTypes.ociManifest,
  );
}

function index(store: Store, seeds: string[]): { root: Descriptor; blobBytes: number; blobs: number } {
  const shared = store.putBlob(Buffer.alloc(2048, 's'), MediaTypes.ociLayerGzip);
  const children = seeds.map((seed, i) => ({ ...image(store, seed, shared), platform: { os: 'linux', architecture: `arch${i}` } }));
  const root = store.putManifest({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: children }, MediaTypes.ociIndex);
  const blobBytes = [...store.blobs.values()].reduce((sum, b) => sum + b.length, 0);
  return { root, blobBytes, blobs: store.blobs.size };
}

function events(): { list: CopyEvent[]; onProgress: (e: CopyEvent) => void } {
  const list: CopyEvent[] = [];
  return { list, onProgress: (e) => list.push(e) };
}

const statesOf = (list: CopyEvent[], digest: string): string[] =>
  list.filter((e): e is Extract<CopyEvent, { type: 'blob' }> => e.type === 'blob' && e.descriptor.digest === digest).map((e) => e.state);

describe('copy: the engine’s bookkeeping', function () {
  it('reports the plan, each blob, every byte and each manifest, and counts what it did', async () => {
    const source = new Store('source');
    const { root, blobBytes, blobs } = index(source, ['a', 'b']);
    const target = new Store('target');
    const { list, onProgress } = events();
    const before = performance.now();
    const result = await copy(source, target, root, { tag: 'v1', onProgress });
    const elapsed = performance.now() - before;

    const planned = list[0];
    assert.ok(planned?.type === 'planned');
    assert.deepEqual(planned, { type: 'planned', blobs, manifests: 3, totalBytes: blobBytes, root });
    assert.equal(list.filter((e) => e.type === 'planned').length, 1);
    for (const digest of source.blobs.keys()) assert.deepEqual(statesOf(list, digest), ['copying', 'copied'], digest);
    const bytes = list.filter((e): e is Extract<CopyEvent, { type: 'bytes' }> => e.type === 'bytes');
    assert.equal(
      bytes.reduce((sum, e) => sum + e.n, 0),
      blobBytes,
    );
    assert.ok(bytes.every((e) => e.n > 0 && e.totalBytes === blobBytes && e.doneBytes <= blobBytes));
    assert.equal(bytes[bytes.length - 1]!.doneBytes, blobBytes);
    const manifests = list.filter((e): e is Extract<CopyEvent, { type: 'manifest' }> => e.type === 'manifest');
    assert.deepEqual(
      manifests.map((e) => e.state),
      ['stored', 'stored', 'stored'],
    );
    assert.equal(manifests[2]!.descriptor.digest, root.digest, 'the root last');

    assert.deepEqual(result.manifests, { stored: 3, skipped: 0 });
    assert.deepEqual(result.blobs, { copied: blobs, skipped: 0, mounted: 0 });
    assert.deepEqual(result.bytes, { total: blobBytes, transferred: blobBytes });
    assert.equal(result.rewritten, false);
    assert.equal(result.referrers, 0);
    assert.equal(result.root.digest, root.digest);
    assert.ok(
      result.durationMs >= 0 && result.durationMs <= elapsed,
      `${result.durationMs} ms within the ${elapsed} ms measured around it`,
    );
    assert.deepEqual(
      target.pushedManifests.map((p) => [p.descriptor.digest, p.tag]),
      [...[...target.manifests.keys()].filter((d) => d !== root.digest).map((d) => [d, undefined]), [root.digest, 'v1']],
    );
    for (const [digest, bytes] of source.blobs) assert.deepEqual(target.blobs.get(digest), bytes);
  });

  it('a second copy skips every blob and child it finds, and stores only the root under its tag', async () => {
    const source = new Store('source');
    const { root, blobs } = index(source, ['a', 'b']);
    const target = new Store('target');
    await copy(source, target, root, { tag: 'v1' });
    const opened = source.opened.length;
    const { list, onProgress } = events();
    const result = await copy(source, target, root, { tag: 'v2', onProgress });
    assert.equal(source.opened.length, opened, 'no blob read again');
    assert.deepEqual(result.blobs, { copied: 0, skipped: blobs, mounted: 0 });
    assert.deepEqual(result.manifests, { stored: 1, skipped: 2 });
    assert.equal(result.bytes.transferred, 0);
    for (const digest of source.blobs.keys()) assert.deepEqual(statesOf(list, digest), ['skipped']);
    assert.deepEqual(
      list.filter((e) => e.type === 'manifest').map((e) => (e.type === 'manifest' ? e.state : '')),
      ['skipped', 'skipped', 'stored'],
    );
    assert.deepEqual(
      [...target.tags],
      [
        ['v1', root.digest],
        ['v2', root.digest],
      ],
    );
  });

  it('without a tag, a root the target has is skipped too', async () => {
    const source = new Store('source');
    const { root } = index(source, ['a']);
    const target = new Store('target');
    await copy(source, target, root);
    const result = await copy(source, target, root);
    assert.deepEqual(result.manifests, { stored: 0, skipped: 2 });
    assert.equal(target.tags.size, 0);
  });

  it('keeps the root’s annotations on the stored root', async () => {
    const source = new Store('source');
    const plain = image(source, 'annotated');
    const root = { ...plain, annotations: { 'org.opencontainers.image.ref.name': 'kept' } };
    const target = new Store('target');
    await copy(source, target, root, { tag: 't' });
    assert.deepEqual(target.pushedManifests[0]!.descriptor.annotations, { 'org.opencontainers.image.ref.name': 'kept' });
  });

  it('mounts within one registry, from the source repository, and copies when the mount is refused or fails', async () => {
    for (const answer of [true, false, 'throw'] as const) {
      const source = new RegistryStore('registry.example', 'team/source');
      const root = image(source, `mount-${String(answer)}`);
      const target = new RegistryStore('registry.example', 'team/target');
      target.mountAnswer = answer;
      const { list, onProgress } = events();
      const result = await copy(source, target, root, { tag: 't', onProgress });
      assert.deepEqual(
        target.mounts.map((m) => m.from),
        ['team/source', 'team/source'],
        `mount asked (${String(answer)})`,
      );
      if (answer === true) {
        assert.deepEqual(result.blobs, { copied: 0, skipped: 0, mounted: 2 });
        assert.equal(source.opened.length, 0, 'no bytes read for a mount');
        for (const digest of source.blobs.keys()) assert.deepEqual(statesOf(list, digest), ['mounted']);
      } else {
        assert.deepEqual(result.blobs, { copied: 2, skipped: 0, mounted: 0 });
        assert.equal(source.opened.length, 2);
      }
    }
  });

  it('never mounts across registries, nor from a source that is not in a registry', async () => {
    const source = new RegistryStore('one.example', 'team/app');
    const root = image(source, 'across');
    const other = new RegistryStore('two.example', 'team/app');
    const result = await copy(source, other, root);
    assert.deepEqual(other.mounts, []);
    assert.equal(result.blobs.copied, 2);

    const local = new Store('oci:/tmp/layout');
    const fromLayout = image(local, 'local');
    const target = new RegistryStore('one.example', 'team/app');
    await copy(local, target, fromLayout);
    assert.deepEqual(target.mounts, []);
  });

  it('moves at most `concurrency` blobs at once (1 at least, 32 at most)', async () => {
    const cases: [number | undefined, number][] = [
      [1, 1],
      [0, 1],
      [2, 2],
      [undefined, 4],
      [64, 32],
    ];
    for (const [concurrency, bound] of cases) {
      const source = new Store('source');
      const blobs = Array.from({ length: 40 }, (_, i) => source.putBlob(Buffer.alloc(100 + i, i), MediaTypes.ociLayerGzip));
      const root = source.putManifest(
        { schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: blobs[0], layers: blobs.slice(1) },
        MediaTypes.ociManifest,
      );
      const target = new Store('target');
      await copy(source, target, root, concurrency === undefined ? {} : { concurrency });
      assert.equal(target.maxInFlight, bound, `concurrency ${String(concurrency)}`);
    }
  });

  it('a blob whose upload fails temporarily is started over; its bytes are taken back and counted once', async () => {
    const source = new Store('source');
    const root = image(source, 'retried');
    const layer = [...source.blobs.keys()][1]!;
    const target = new Store('target');
    target.onUpload = (d, attempt) => {
      if (d.digest === layer && attempt === 1) throw new RegistryError('HTTP_503', 'busy', 503, []);
    };
    const { list, onProgress } = events();
    const result = await copy(source, target, root, { onProgress, blobAttempts: 3 });
    assert.equal(target.uploadsOf(layer), 2);
    assert.deepEqual(statesOf(list, layer), ['copying', 'retrying', 'copied']);
    const layerBytes = list.filter((e): e is Extract<CopyEvent, { type: 'bytes' }> => e.type === 'bytes' && e.descriptor.digest === layer);
    const takenBack = layerBytes.filter((e) => e.n < 0);
    assert.equal(takenBack.length, 1, 'one take-back');
    assert.equal(
      -takenBack[0]!.n,
      layerBytes.filter((e) => e.n > 0 && layerBytes.indexOf(e) < layerBytes.indexOf(takenBack[0]!)).reduce((s, e) => s + e.n, 0),
    );
    assert.equal(result.bytes.transferred, result.bytes.total);
    assert.equal(result.blobs.copied, 2);
  });

  it('gives up on a blob after its attempts, says so, and stores no manifest', async () => {
    const source = new Store('source');
    const root = image(source, 'failing');
    const layer = [...source.blobs.keys()][1]!;
    const target = new Store('target');
    target.onUpload = (d) => {
      if (d.digest === layer) throw new RegistryError('HTTP_503', 'busy', 503, []);
    };
    const { list, onProgress } = events();
    await rejectsWithCode(copy(source, target, root, { onProgress, blobAttempts: 2, concurrency: 1 }), 'HTTP_503');
    assert.equal(target.uploadsOf(layer), 2);
    const states = statesOf(list, layer);
    assert.deepEqual(states, ['copying', 'retrying', 'failed']);
    const failed = list.find((e) => e.type === 'blob' && e.state === 'failed');
    assert.ok(failed?.type === 'blob' && failed.error === 'busy');
    assert.deepEqual(target.pushedManifests, []);
  });

  it('does not start over what is not worth it: a refused upload, or a source status the request layer already retried', async () => {
    const source = new Store('source');
    const root = image(source, 'refused');
    const layer = [...source.blobs.keys()][1]!;
    const target = new Store('target');
    target.onUpload = (d) => {
      if (d.digest === layer) throw new RegistryError('DENIED', 'denied', 403, []);
    };
    await rejectsWithCode(copy(source, target, root, { blobAttempts: 3, concurrency: 1 }), 'DENIED');
    assert.equal(target.uploadsOf(layer), 1);

    const busySource = new Store('source');
    const busyRoot = image(busySource, 'busy-source');
    const busyLayer = [...busySource.blobs.keys()][1]!;
    busySource.onOpen = (d) => {
      if (d.digest === busyLayer) throw new RegistryError('HTTP_503', 'source busy', 503, []);
    };
    await rejectsWithCode(copy(busySource, new Store('target'), busyRoot, { blobAttempts: 3, concurrency: 1 }), 'HTTP_503');
    assert.equal(busySource.opened.filter((d) => d === busyLayer).length, 1, 'read once: the request layer retried it already');

    const flakySource = new Store('source');
    const flakyRoot = image(flakySource, 'flaky-source');
    const flakyLayer = [...flakySource.blobs.keys()][1]!;
    let opens = 0;
    flakySource.onOpen = (d) => {
      if (d.digest === flakyLayer && ++opens === 1) throw new CoreError('CONNECTION_RESET', 'reset');
    };
    const result = await copy(flakySource, new Store('target'), flakyRoot, { blobAttempts: 3, concurrency: 1 });
    assert.equal(result.blobs.copied, 2, 'a dropped connection is worth another attempt');
  });

  it('copies referrers only when asked, and no deeper than three levels', async () => {
    const source = new Store('source');
    const root = image(source, 'subject');
    const bySubject = new Map<string, Descriptor[]>();
    source.listReferrers(bySubject);
    let subject = root;
    const chain: Descriptor[] = [];
    for (let level = 1; level <= 5; level++) {
      const config = source.putBlob(Buffer.from('{}'), MediaTypes.ociEmpty);
      const referrer = source.putManifest(
        {
          schemaVersion: 2,
          mediaType: MediaTypes.ociManifest,
          config,
          layers: [],
          subject: { ...subject },
          annotations: { level: String(level) },
        },
        MediaTypes.ociManifest,
      );
      bySubject.set(subject.digest, [referrer]);
      chain.push(referrer);
      subject = referrer;
    }
    const without = new Store('target');
    assert.equal((await copy(source, without, root)).referrers, 0);
    assert.equal(without.manifests.size, 1);

    const target = new Store('target');
    const result = await copy(source, target, root, { includeReferrers: true });
    assert.equal(result.referrers, 3);
    // The referrers share one empty config: moved once, never looked up again as a new blob.
    assert.deepEqual(result.blobs, { copied: 3, skipped: 0, mounted: 0 });
    assert.ok(source.referrerSignals.length === 3 && source.referrerSignals.every((s) => s instanceof AbortSignal), 'cancellable listings');
    assert.deepEqual(
      chain.map((d) => target.manifests.has(d.digest)),
      [true, true, true, false, false],
    );
  });

  it('stops with CANCELLED when cancelled before or during the copy, storing no manifest', async () => {
    const source = new Store('source');
    const root = image(source, 'cancelled');
    const before = new AbortController();
    before.abort();
    const target = new Store('target');
    await rejectsWithCode(copy(source, target, root, { signal: before.signal }), 'CANCELLED');
    assert.equal(target.blobs.size, 0);

    const during = new AbortController();
    const second = new Store('target');
    second.onUpload = () => during.abort();
    await rejectsWithCode(copy(source, second, root, { signal: during.signal, blobAttempts: 3 }), 'CANCELLED');
    assert.deepEqual(second.pushedManifests, []);
  });

  it('walks a referrer with the copy’s signal: a cancel while its manifest is fetched ends that request', async () => {
    const source = new Store('source');
    const root = image(source, 'subject-of-a-slow-referrer');
    const config = source.putBlob(Buffer.from('{}'), MediaTypes.ociEmpty);
    const referrer = source.putManifest(
      { schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers: [], subject: { ...root } },
      MediaTypes.ociManifest,
    );
    source.listReferrers(new Map([[root.digest, [referrer]]]));
    const controller = new AbortController();
    const fetchManifest = source.fetchManifest.bind(source);
    // The caller cancels while the referrer's manifest is on its way: only the request's own signal can end that request.
    let requestSignal: AbortSignal | undefined;
    source.fetchManifest = async (d: Descriptor, signal?: AbortSignal): Promise<Buffer> => {
      if (d.digest !== referrer.digest) return fetchManifest(d);
      controller.abort();
      requestSignal = signal;
      throw new CoreError('CANCELLED', 'The operation was cancelled.');
    };
    const target = new Store('target');
    await rejectsWithCode(copy(source, target, root, { includeReferrers: true, signal: controller.signal }), 'CANCELLED');
    assert.ok(requestSignal instanceof AbortSignal, 'the referrer’s manifest was fetched with a signal');
    assert.equal(requestSignal.aborted, true, 'and that signal followed the caller’s cancel');
    assert.equal(target.manifests.has(referrer.digest), false);
  });

  it('asks nothing of a source that cannot list referrers, even when asked to copy them', async () => {
    const source = new Store('oci:/layout');
    const root = image(source, 'no-referrers');
    assert.equal('referrers' in source, false);
    const result = await copy(source, new Store('target'), root, { includeReferrers: true });
    assert.equal(result.referrers, 0);
  });

  it('a registry target without mounts in the same registry gets the bytes', async () => {
    const source = new RegistryStore('registry.example', 'team/source');
    const root = image(source, 'no-mount');
    const target = new Store('registry.example/team/target');
    Object.assign(target, { registryHost: 'registry.example', repository: 'team/target' });
    const result = await copy(source, target, root);
    assert.equal(result.blobs.copied, 2);
  });

  it('the first blob that fails for good stops the rest: queued blobs are not started', async () => {
    const source = new Store('source');
    const blobs = Array.from({ length: 6 }, (_, i) => source.putBlob(Buffer.alloc(500 + i, i), MediaTypes.ociLayerGzip));
    const root = source.putManifest(
      { schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: blobs[0], layers: blobs.slice(1) },
      MediaTypes.ociManifest,
    );
    const target = new Store('target');
    const asked: string[] = [];
    const hasBlob = target.hasBlob.bind(target);
    target.hasBlob = (d) => {
      asked.push(d.digest);
      return hasBlob(d);
    };
    target.onUpload = () => {
      throw new RegistryError('DENIED', 'denied', 403, []);
    };
    await rejectsWithCode(copy(source, target, root, { concurrency: 1 }), 'DENIED');
    // The next one may already be on its way when the failure lands; none after it starts.
    assert.equal(asked[0], blobs[0]!.digest);
    assert.ok(asked.length <= 2, `${asked.length} of 6 blobs started`);
    assert.ok(source.opened.length <= 2);
  });

  it('a blob failing before any byte moved reports no bytes for it', async () => {
    const source = new Store('source');
    const root = image(source, 'early');
    const layer = [...source.blobs.keys()][1]!;
    let opens = 0;
    source.onOpen = (d) => {
      if (d.digest === layer && ++opens === 1) throw new CoreError('CONNECTION_RESET', 'reset before a byte');
    };
    const { list, onProgress } = events();
    await copy(source, new Store('target'), root, { onProgress, blobAttempts: 2 });
    const layerBytes = list.filter((e) => e.type === 'bytes' && e.descriptor.digest === layer);
    assert.ok(
      layerBytes.every((e) => e.type === 'bytes' && e.n > 0),
      'no zero or negative byte event',
    );
  });

  it('a socket error known by its code alone is worth another attempt', async () => {
    const source = new Store('source');
    const root = image(source, 'coded');
    const layer = [...source.blobs.keys()][1]!;
    let opens = 0;
    source.onOpen = (d) => {
      if (d.digest === layer && ++opens === 1) throw Object.assign(new Error('the read failed'), { code: 'ECONNRESET' });
    };
    const result = await copy(source, new Store('target'), root, { blobAttempts: 2 });
    assert.equal(result.blobs.copied, 2);
    assert.equal(opens, 2);
  });

  it('names the blob and the source when a blob does not match its digest', async () => {
    const source = new Store('the-source');
    const root = image(source, 'corrupt');
    const layer = [...source.blobs.keys()][1]!;
    const bytes = source.blobs.get(layer)!;
    source.blobs.set(
      layer,
      Buffer.concat([bytes.subarray(0, bytes.length - 1), Buffer.from([bytes[bytes.length - 1]! ^ 1])] as Uint8Array[]),
    );
    await rejectsWithCode(
      copy(source, new Store('target'), root, { blobAttempts: 1 }),
      'DIGEST_MISMATCH',
      new RegExp(`blob ${layer} from the-source`),
    );
  });

  it('a failure after the caller cancelled is reported as the cancellation, with the failure as its cause', async () => {
    const source = new Store('source');
    const root = image(source, 'late');
    const controller = new AbortController();
    const target = new Store('target');
    target.onUpload = () => {
      controller.abort();
      throw new RegistryError('DENIED', 'denied after the cancel', 403, []);
    };
    const err = await rejectsWithCode(
      copy(source, target, root, { signal: controller.signal }),
      'CANCELLED',
      /^The operation was cancelled\.$/,
    );
    assert.ok(err.cause instanceof CoreError);
  });

  it('leaves no listener on the caller’s signal', async () => {
    const source = new Store('source');
    const root = image(source, 'listeners');
    const controller = new AbortController();
    await copy(source, new Store('target'), root, { signal: controller.signal });
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    await rejectsWithCode(
      copy(
        source,
        Object.assign(new Store('target'), {
          onUpload: () => {
            throw new RegistryError('DENIED', 'denied', 403, []);
          },
        }),
        root,
        {
          signal: controller.signal,
        },
      ),
      'DENIED',
    );
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });
});
