// A bounded soak: pulls, pushes and copies of the lab's multi-platform image while fault proxies
// in front of both registries inject random faults (5xx, 429 with Retry-After, dropped
// connections, delays, corrupted bytes). Each round picks an operation — a copy between the
// registries, a pull to an OCI layout, a pull of one platform to a docker archive, a push from an
// OCI layout — and must end verified, at once or when run again. A failed attempt must fail
// cleanly: no tag on the target, no temporary file left, no file under a final name that does not
// match its digest, no archive file. Used by the lab test and by `npm run soak`.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreError } from '../../../src/core/errors';
import type { Descriptor } from '../../../src/core/oci/manifest';
import { copy, type CopyEvent, type CopyOptions } from '../../../src/core/operations/copy';
import { pull, push } from '../../../src/core/operations/transfer';
import type { Repository } from '../../../src/core/registry/repository';
import { createSession, type RegistrySession } from '../../../src/core/registry/session';
import { inspectRaw, listTags, sha256, skopeo, type SampleContent } from './content';
import { type Fault, FaultProxy, type SeenRequest } from './fault-proxy';
import { checkDockerArchive, checkLayoutFiles, layoutGraph, layoutRefNames, temporaries } from './local-checks';
import type { LabRegistry } from './registry';

export const SOAK_OPERATIONS = ['copy', 'pull-layout', 'pull-archive', 'push-layout'] as const;
export type SoakOperation = (typeof SOAK_OPERATIONS)[number];

export interface SoakFigures {
  faultsInjected: number;
  /** Rounds that ended verified (each round is one operation, run until it completes). */
  operationsCompleted: number;
  completedByKind: Record<SoakOperation, number>;
  attempts: number;
  failedAttempts: number;
  failedByKind: Record<SoakOperation, number>;
  /** Blob bytes that passed digest verification and were kept, over all attempts (a failed attempt's finished blobs count: the rerun skips them). */
  bytesVerified: number;
  requestsSeen: number;
  /** See retriedIn. */
  requestsRetried: number;
  durationMs: number;
  faultsByKind: Record<string, number>;
}

export interface SoakOptions {
  faults: number;
  /** The same seed gives the same sequence of operations and of armed faults. */
  seed?: number;
  /** Upper bound on the whole soak. */
  timeLimitMs?: number;
}

/** Attempts one operation gets before the soak counts it as a failure (each attempt resumes the last). */
const ATTEMPTS_PER_OPERATION = 8;

interface Round {
  kind: SoakOperation;
  /** Which proxies this operation goes through (a pull only reads, a push from a layout only writes). */
  reads: boolean;
  writes: boolean;
  run(options: Omit<CopyOptions, 'tag'>): Promise<unknown>;
  /** After a failed attempt: nothing half-done is visible. */
  checkFailed(): Promise<void>;
  /** After the attempt that succeeded: the result, read back independently. */
  checkDone(): Promise<void>;
}

interface SoakContext {
  session: RegistrySession;
  readProxy: FaultProxy;
  writeProxy: FaultProxy;
  target: LabRegistry;
  sample: SampleContent;
  root: Descriptor;
  work: string;
}

export async function runSoak(source: LabRegistry, target: LabRegistry, sample: SampleContent, options: SoakOptions): Promise<SoakFigures> {
  const started = Date.now();
  const seed = options.seed ?? 7;
  // Two generators: the operations chosen do not depend on how many attempts earlier rounds took.
  const planRandom = mulberry32(seed);
  const faultRandom = mulberry32(seed ^ 0x5bd1e995);
  const readProxy = await FaultProxy.start(source);
  const writeProxy = await FaultProxy.start(target);
  const noHosts = mkdtempSync(join(tmpdir(), 'soak-hosts-'));
  const session = createSession({
    hostsDirectories: [noHosts],
    credentials: false,
    registries: [{ url: readProxy.url }, { url: writeProxy.url }],
    retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 200 },
    requestTimeoutMs: 5_000,
  });
  const zero = (): Record<SoakOperation, number> => Object.fromEntries(SOAK_OPERATIONS.map((k) => [k, 0])) as Record<SoakOperation, number>;
  const figures: SoakFigures = {
    faultsInjected: 0,
    operationsCompleted: 0,
    completedByKind: zero(),
    attempts: 0,
    failedAttempts: 0,
    failedByKind: zero(),
    bytesVerified: 0,
    requestsSeen: 0,
    requestsRetried: 0,
    durationMs: 0,
    faultsByKind: {},
  };
  const deadline = started + (options.timeLimitMs ?? 10 * 60_000);
  // Bounded in count too: a round that injects nothing (all its faults missed) must not loop forever.
  const maxRounds = Math.max(20, options.faults * 2);
  const work = join(source.lab.dir, 'soak');
  try {
    const root = await session.registry(readProxy.host).repository(sample.multiPlatform.repository).resolve(sample.multiPlatform.tag);
    assert.equal(root.digest, sample.multiPlatform.digest);
    readProxy.clearRequests();
    const context: SoakContext = { session, readProxy, writeProxy, target, sample, root, work };
    for (let index = 0; figures.faultsInjected < options.faults; index++) {
      if (index >= maxRounds) throw new Error(`the soak injected only ${figures.faultsInjected} faults in ${maxRounds} rounds`);
      const round = planRound(pick(planRandom, SOAK_OPERATIONS), index, context, planRandom);
      const name = `round ${index} (${round.kind}, seed ${seed})`;
      let done = false;
      for (let attempt = 1; attempt <= ATTEMPTS_PER_OPERATION && !done; attempt++) {
        if (Date.now() > deadline)
          throw new Error(`the soak ran out of time after ${figures.operationsCompleted} operations and ${figures.faultsInjected} faults`);
        armFaults(round.reads ? readProxy : undefined, round.writes ? writeProxy : undefined, faultRandom);
        figures.attempts++;
        let kept = 0;
        const onProgress = (e: CopyEvent): void => {
          if (e.type === 'bytes') kept += e.n;
        };
        try {
          await round.run({ concurrency: 4, blobAttempts: 2, onProgress });
          done = true;
        } catch (err) {
          figures.failedAttempts++;
          figures.failedByKind[round.kind]++;
          assert.ok(err instanceof CoreError, `${name} attempt ${attempt} failed with a CoreError, not ${String(err)}`);
          await round.checkFailed();
        } finally {
          figures.bytesVerified += kept;
          for (const proxy of [readProxy, writeProxy]) {
            account(figures, proxy.requests);
            proxy.clear();
            proxy.clearRequests();
          }
        }
      }
      assert.ok(done, `${name} did not complete in ${ATTEMPTS_PER_OPERATION} attempts`);
      await round.checkDone();
      figures.operationsCompleted++;
      figures.completedByKind[round.kind]++;
    }
    figures.durationMs = Date.now() - started;
    return figures;
  } finally {
    await session.close();
    await readProxy.stop();
    await writeProxy.stop();
  }
}

function planRound(kind: SoakOperation, index: number, c: SoakContext, random: () => number): Round {
  const from = (): Repository => c.session.registry(c.readProxy.host).repository(c.sample.multiPlatform.repository);
  const tag = 'v1';
  const toRegistry = (repository: string, run: Round['run']): Round => ({
    kind,
    reads: kind === 'copy',
    writes: true,
    run,
    async checkFailed() {
      // The tag is written last: a failed attempt never leaves it.
      const tags = await listTags(c.target, repository).catch((): string[] => []);
      assert.ok(!tags.includes(tag), `${kind} to ${repository} failed but left the tag`);
    },
    async checkDone() {
      assert.equal(
        sha256(await inspectRaw(c.target, `${repository}:${tag}`)),
        c.root.digest,
        `${kind} to ${repository} is verified by skopeo`,
      );
    },
  });
  switch (kind) {
    case 'copy': {
      const repository = `soak/copy-${index}`;
      return toRegistry(repository, (o) =>
        copy(from(), c.session.registry(c.writeProxy.host).repository(repository), c.root, { ...o, tag }),
      );
    }
    case 'push-layout': {
      const repository = `soak/push-${index}`;
      return toRegistry(repository, (o) =>
        push(
          { kind: 'oci-layout', dir: c.sample.layoutDir, refName: c.root.digest },
          c.session.registry(c.writeProxy.host).repository(repository),
          tag,
          o,
        ),
      );
    }
    case 'pull-layout': {
      const dir = join(c.work, `layout-${index}`);
      return {
        kind,
        reads: true,
        writes: false,
        run: (o) => pull(from(), tag, { kind: 'oci-layout', dir }, o),
        async checkFailed() {
          if (existsSync(dir)) await checkLayoutFiles(dir);
          assert.ok(!layoutRefNames(dir).includes(tag), `a failed pull to ${dir} listed ${tag}`);
        },
        async checkDone() {
          const present = await checkLayoutFiles(dir);
          for (const digest of layoutGraph(dir, c.root.digest)) assert.ok(present.has(digest), `${digest} is in ${dir}, verified`);
          const raw = await skopeo(c.target, ['inspect', '--raw', `oci:${dir}:${tag}`]);
          assert.equal(sha256(Buffer.from(raw.stdout, 'utf8')), c.root.digest, `skopeo reads ${dir}:${tag} as the source's index`);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    case 'pull-archive': {
      const chosen = pick(random, c.sample.multiPlatform.platforms);
      const folder = join(c.work, `archive-${index}`);
      const file = join(folder, 'web.tar');
      const staging = join(folder, '.web.tar.pulling');
      return {
        kind,
        reads: true,
        writes: false,
        run: (o) =>
          pull(
            from(),
            tag,
            { kind: 'docker-archive', file, repoTag: `${c.sample.multiPlatform.repository}:${tag}` },
            { ...o, platforms: [chosen.platform] },
          ),
        async checkFailed() {
          assert.ok(!existsSync(file), `a failed pull left the archive ${file}`);
          assert.deepEqual(temporaries(folder), [], `a failed pull left temporary files in ${folder}`);
          // The staging layout is kept so the rerun resumes; what it holds must be verified content.
          if (existsSync(staging)) await checkLayoutFiles(staging);
        },
        async checkDone() {
          assert.deepEqual(readdirSync(folder), ['web.tar'], 'only the archive is left: no staging folder, no temporary file');
          const archive = await checkDockerArchive(file);
          assert.deepEqual(
            archive.index.manifests.map((m) => m.digest),
            [chosen.digest],
            'the archive holds the chosen platform',
          );
          const inspected = JSON.parse((await skopeo(c.target, ['inspect', `docker-archive:${file}`])).stdout) as {
            Architecture: string;
            Layers: string[];
          };
          assert.equal(inspected.Architecture, chosen.platform.architecture, `skopeo reads ${file}`);
          assert.equal(inspected.Layers.length, archive.manifest[0]?.Layers.length);
          rmSync(folder, { recursive: true, force: true });
        },
      };
    }
  }
}

/** Adds one attempt's proxy log to the figures. */
function account(figures: SoakFigures, log: readonly SeenRequest[]): void {
  figures.requestsSeen += log.length;
  for (const seen of log) {
    if (!seen.fault) continue;
    figures.faultsInjected++;
    figures.faultsByKind[seen.fault] = (figures.faultsByKind[seen.fault] ?? 0) + 1;
  }
  figures.requestsRetried += retriedIn(log);
}

/**
 * "Requests retried": requests a fault made fail (a status, a dropped connection, corrupted bytes;
 * a delay is no failure) that the client sent again later in the same attempt — the same method on
 * the same resource, through the same proxy. The resource is the path without its query, except
 * that an upload is named by the digest it completes (`?digest=`) or mounts (`?mount=`), and an
 * upload-opening POST by its repository (with several blobs in flight, a later POST for another
 * blob may stand for it). A rerun after a failed attempt is counted by failedAttempts, not here.
 */
export function retriedIn(log: readonly SeenRequest[]): number {
  const keys = log.map(resourceKey);
  let retried = 0;
  log.forEach((seen, i) => {
    if (seen.fault && seen.fault !== 'delay' && keys.indexOf(keys[i]!, i + 1) > i) retried++;
  });
  return retried;
}

function resourceKey(seen: SeenRequest): string {
  const url = new URL(seen.path, 'http://127.0.0.1');
  const upload = /^(.*)\/blobs\/uploads\//.exec(url.pathname);
  if (!upload) return `${seen.method} ${url.pathname}`;
  return `${seen.method} upload ${url.searchParams.get('digest') ?? url.searchParams.get('mount') ?? upload[1]}`;
}

/** What a push or copy sends the target: upload sessions opened and finished, blob and manifest checks, manifests. */
const WRITE_REQUESTS: readonly (readonly [string, RegExp])[] = [
  ['POST', /\/blobs\/uploads\//],
  ['PUT', /\/blobs\/uploads\//],
  ['HEAD', /\/blobs\/sha256:/],
  ['HEAD', /\/manifests\//],
  ['PUT', /\/manifests\//],
];

/**
 * A few faults on random request kinds, on reads (source) and writes (target), where the
 * operation goes. Most hit one request; one in five hits the next 2–8 matching ones (a short
 * outage), at times more than the client's retries absorb, so writes fail now and then too.
 */
function armFaults(readProxy: FaultProxy | undefined, writeProxy: FaultProxy | undefined, random: () => number): void {
  const count = 1 + Math.floor(random() * 4);
  for (let i = 0; i < count; i++) {
    const onWrite = writeProxy !== undefined && (readProxy === undefined || random() < 0.4);
    const times = random() < 0.2 ? 2 + Math.floor(random() * 7) : 1;
    if (onWrite) {
      const [method, path] = pick(random, WRITE_REQUESTS);
      writeProxy.add({ method, path, fault: randomFault(random, false), times });
    } else if (readProxy) {
      const path = pick(random, [/\/blobs\/sha256:/, /\/manifests\//]);
      // Pulls resolve the tag with HEAD; copies and pulls fetch with GET, whose bodies may be corrupted.
      const method = path.source.includes('manifests') ? pick(random, ['GET', 'GET', 'HEAD']) : 'GET';
      readProxy.add({ method, path, fault: randomFault(random, method === 'GET'), times });
    }
  }
}

function randomFault(random: () => number, mayTamper: boolean): Fault {
  const kinds: Fault[] = [
    { kind: 'status', status: pick(random, [500, 502, 503, 504]) },
    { kind: 'status', status: 429, headers: { 'retry-after': '0' } },
    { kind: 'drop', afterBytes: Math.floor(random() * 4096) },
    { kind: 'delay', ms: 20 + Math.floor(random() * 150) },
    ...(mayTamper ? [{ kind: 'tamper' } as const] : []),
  ];
  return pick(random, kinds);
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** A small seeded generator, so a failing soak can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
