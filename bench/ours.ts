// One measured transfer by our core, in a process of its own so that its peak RSS is ours alone.
// Usage: node out/bench/ours.js '<OursCase as JSON>'; prints one JSON line (OursResult) and exits.
import { OciImageLayout } from '../src/core/layout/oci-layout';
import { copy } from '../src/core/operations/copy';
import { createSession, type RegistrySession } from '../src/core/registry/session';

export type OursCase =
  | { kind: 'copy'; source: string; target: string; repository: string; tag: string; concurrency: number }
  | { kind: 'pull-layout'; source: string; repository: string; tag: string; dir: string; concurrency: number }
  | { kind: 'list-tags'; source: string; repository: string; pageSize: number }
  | {
      kind: 'host-memory';
      transfer: 'pull' | 'copy';
      source: string;
      target: string;
      repository: string;
      tag: string;
      /** A small image transferred first, so the core is loaded, compiled and its pools filled. */
      warmRepository: string;
      dir: string;
      concurrency: number;
    };

/** `process.memoryUsage()` figures, in bytes. */
export interface MemoryFigures {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface OursResult {
  /** Time inside this process, from creating the session to the last byte (Node's start-up excluded). */
  ms: number;
  firstPageMs?: number;
  count?: number;
  bytes?: number;
  /** host-memory: the figures just before the transfer, and the highest sampled during it less those. */
  baseline?: MemoryFigures;
  growth?: MemoryFigures;
  samples?: number;
}

function sessionFor(urls: string[]): RegistrySession {
  // No hosts directories, no logins: exactly the lab's plain-HTTP registries, as named.
  return createSession({ hostsDirectories: [], credentials: false, registries: urls.map((url) => ({ url })) });
}

async function copyCase(spec: Extract<OursCase, { kind: 'copy' }>): Promise<OursResult> {
  const started = performance.now();
  const session = sessionFor([spec.source, spec.target]);
  try {
    const from = session.registry(new URL(spec.source).host).repository(spec.repository);
    const to = session.registry(new URL(spec.target).host).repository(spec.repository);
    const root = await from.resolve(spec.tag);
    const result = await copy(from, to, root, { tag: spec.tag, concurrency: spec.concurrency });
    if (result.blobs.skipped || result.blobs.mounted)
      throw new Error(`the copy skipped or mounted blobs (${JSON.stringify(result.blobs)}): the target was not fresh`);
    return { ms: performance.now() - started, bytes: result.bytes.transferred };
  } finally {
    await session.close();
  }
}

/** A pull is the same copy with an OCI image layout folder as the target, the root listed under the tag. */
async function pullLayoutCase(spec: Extract<OursCase, { kind: 'pull-layout' }>): Promise<OursResult> {
  const started = performance.now();
  const session = sessionFor([spec.source]);
  try {
    const from = session.registry(new URL(spec.source).host).repository(spec.repository);
    const layout = await OciImageLayout.open(spec.dir, { create: true });
    const root = await from.resolve(spec.tag);
    const result = await copy(from, layout, root, { tag: spec.tag, concurrency: spec.concurrency });
    if (result.blobs.skipped) throw new Error(`the pull skipped ${result.blobs.skipped} blobs: the layout folder was not fresh`);
    return { ms: performance.now() - started, bytes: result.bytes.transferred };
  } finally {
    await session.close();
  }
}

async function listTagsCase(spec: Extract<OursCase, { kind: 'list-tags' }>): Promise<OursResult> {
  const started = performance.now();
  const session = sessionFor([spec.source]);
  try {
    let firstPageMs: number | undefined;
    let count = 0;
    for await (const page of session.registry(new URL(spec.source).host).listTags(spec.repository, { pageSize: spec.pageSize })) {
      firstPageMs ??= performance.now() - started;
      count += page.length;
    }
    return { ms: performance.now() - started, firstPageMs, count };
  } finally {
    await session.close();
  }
}

function memoryNow(): MemoryFigures {
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, external, arrayBuffers };
}

/**
 * The extension host's view of a big transfer: this process plays the host, already running with the
 * core loaded and warm (one small pull and one small copy first); the baseline is taken just before
 * the transfer and memory is sampled every 20 ms while it runs.
 */
async function hostMemoryCase(spec: Extract<OursCase, { kind: 'host-memory' }>): Promise<OursResult> {
  const session = sessionFor([spec.source, spec.target]);
  try {
    const source = session.registry(new URL(spec.source).host);
    const target = session.registry(new URL(spec.target).host);
    const warm = source.repository(spec.warmRepository);
    const warmRoot = await warm.resolve(spec.tag);
    const warmLayout = await OciImageLayout.open(`${spec.dir}-warm`, { create: true });
    await copy(warm, warmLayout, warmRoot, { tag: spec.tag, concurrency: spec.concurrency });
    await copy(warm, target.repository(spec.warmRepository), warmRoot, { tag: spec.tag, concurrency: spec.concurrency });
    // Settle what the warm-up left, as a host idle between two commands would.
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const from = source.repository(spec.repository);
    const baseline = memoryNow();
    const peak = { ...baseline };
    let samples = 0;
    const sample = (): void => {
      const now = memoryNow();
      samples++;
      for (const key of Object.keys(peak) as (keyof MemoryFigures)[]) peak[key] = Math.max(peak[key], now[key]);
    };
    const timer = setInterval(sample, 20);
    const started = performance.now();
    try {
      const root = await from.resolve(spec.tag);
      const to = spec.transfer === 'pull' ? await OciImageLayout.open(spec.dir, { create: true }) : target.repository(spec.repository);
      const result = await copy(from, to, root, { tag: spec.tag, concurrency: spec.concurrency });
      if (result.blobs.skipped || result.blobs.mounted)
        throw new Error(`the ${spec.transfer} skipped or mounted blobs: the target was not fresh`);
      sample();
      const growth = { ...peak };
      for (const key of Object.keys(growth) as (keyof MemoryFigures)[]) growth[key] -= baseline[key];
      return { ms: performance.now() - started, bytes: result.bytes.transferred, baseline, growth, samples };
    } finally {
      clearInterval(timer);
    }
  } finally {
    await session.close();
  }
}

function runCase(spec: OursCase): Promise<OursResult> {
  switch (spec.kind) {
    case 'copy':
      return copyCase(spec);
    case 'pull-layout':
      return pullLayoutCase(spec);
    case 'list-tags':
      return listTagsCase(spec);
    case 'host-memory':
      return hostMemoryCase(spec);
  }
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as OursCase;
  const result = await runCase(spec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
