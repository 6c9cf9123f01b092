// A bounded soak: copies of the lab's multi-platform image between two registries while fault
// proxies in front of both inject random faults (5xx, 429 with Retry-After, dropped connections,
// delays, corrupted bytes). Every copy must end verified — at once, or when run again — and a
// failed attempt must never leave a tag. Used by the lab test and by `npm run soak`.
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copy } from '../../src/core/operations/copy';
import { createSession } from '../../src/core/session';
import { inspectRaw, listTags, sha256, type SampleContent } from './content';
import { type Fault, FaultProxy } from './fault-proxy';
import type { LabRegistry } from './registry';

export interface SoakFigures {
  faultsInjected: number;
  copiesCompleted: number;
  attempts: number;
  failedAttempts: number;
  bytesVerified: number;
  requestsSeen: number;
  durationMs: number;
  faultsByKind: Record<string, number>;
}

export interface SoakOptions {
  faults: number;
  /** A deterministic run for a given seed. */
  seed?: number;
  /** Upper bound on the whole soak. */
  timeLimitMs?: number;
}

/** Attempts one copy gets before the soak counts it as a failure (each attempt resumes the last). */
const ATTEMPTS_PER_COPY = 8;

export async function runSoak(source: LabRegistry, target: LabRegistry, sample: SampleContent, options: SoakOptions): Promise<SoakFigures> {
  const started = Date.now();
  const random = mulberry32(options.seed ?? 7);
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
  const figures: SoakFigures = { faultsInjected: 0, copiesCompleted: 0, attempts: 0, failedAttempts: 0, bytesVerified: 0, requestsSeen: 0, durationMs: 0, faultsByKind: {} };
  const deadline = started + (options.timeLimitMs ?? 10 * 60_000);
  try {
    const from = session.registry(readProxy.host).repository(sample.multiPlatform.repository);
    const root = await from.resolve(sample.multiPlatform.tag);
    for (let copyIndex = 0; injected(readProxy, writeProxy) < options.faults; copyIndex++) {
      if (Date.now() > deadline) throw new Error(`the soak ran out of time after ${figures.copiesCompleted} copies and ${injected(readProxy, writeProxy)} faults`);
      const repository = `soak/web-${copyIndex}`;
      const to = session.registry(writeProxy.host).repository(repository);
      let done = false;
      for (let attempt = 1; attempt <= ATTEMPTS_PER_COPY && !done; attempt++) {
        armFaults(readProxy, writeProxy, random);
        figures.attempts++;
        try {
          const result = await copy(from, to, root, { tag: 'v1', concurrency: 4, blobAttempts: 2 });
          figures.bytesVerified += result.bytes.transferred;
          done = true;
        } catch {
          figures.failedAttempts++;
          // A failed attempt never leaves the tag behind: it is written last.
          const tags = await listTags(target, repository).catch((): string[] => []);
          assert.ok(!tags.includes('v1'), `copy ${copyIndex} attempt ${attempt} failed but left the tag`);
        }
        readProxy.clear();
        writeProxy.clear();
      }
      assert.ok(done, `copy ${copyIndex} did not complete in ${ATTEMPTS_PER_COPY} attempts`);
      assert.equal(sha256(await inspectRaw(target, `${repository}:v1`)), root.digest, `copy ${copyIndex} is verified by skopeo`);
      figures.copiesCompleted++;
    }
    figures.faultsInjected = injected(readProxy, writeProxy);
    for (const seen of [...readProxy.requests, ...writeProxy.requests]) {
      if (seen.fault) figures.faultsByKind[seen.fault] = (figures.faultsByKind[seen.fault] ?? 0) + 1;
    }
    figures.requestsSeen = readProxy.requests.length + writeProxy.requests.length;
    figures.durationMs = Date.now() - started;
    return figures;
  } finally {
    await session.close();
    await readProxy.stop();
    await writeProxy.stop();
  }
}

function injected(...proxies: FaultProxy[]): number {
  return proxies.reduce((n, p) => n + p.requests.filter((r) => r.fault).length, 0);
}

/** A few one-shot faults on random request kinds, on reads (source) and writes (target). */
function armFaults(readProxy: FaultProxy, writeProxy: FaultProxy, random: () => number): void {
  const count = 1 + Math.floor(random() * 4);
  for (let i = 0; i < count; i++) {
    const onWrite = random() < 0.4;
    const proxy = onWrite ? writeProxy : readProxy;
    const path = onWrite ? pick(random, [/\/blobs\/uploads\//, /\/blobs\/sha256:/, /\/manifests\//]) : pick(random, [/\/blobs\/sha256:/, /\/manifests\//]);
    const method = onWrite ? pick(random, ['PUT', 'POST', 'HEAD']) : 'GET';
    proxy.add({ method, path, fault: randomFault(random, !onWrite && path.source.includes('blobs')), times: 1 });
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
