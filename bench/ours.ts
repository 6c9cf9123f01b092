// One measured transfer by our core, in a process of its own so that its peak RSS is ours alone,
// then (with `warm`) the same transfer again in the same process to a fresh target: the second run
// is what a running extension host pays, with Node started, the bundle loaded and the code compiled.
// Usage: node out/bench/ours.js '<OursCase as JSON>'; prints one JSON line (OursResult) and exits.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { OciImageLayout } from '../src/core/layout/oci-layout';
import { copy } from '../src/core/operations/copy';
import { createSession, type RegistrySession } from '../src/core/registry/session';

/** What every timed transfer carries besides its own fields. */
interface TransferOptions {
  /** Run the transfer a second time in this process (see WARM_SUFFIX for its fresh target). */
  warm?: boolean;
  /** The registry processes whose CPU this process reads from /proc around each run. */
  registryPids?: number[];
}

/** The second run copies into `<repository>-warm` on the target and pulls into `<dir>-warm`: fresh, as the first. */
export const WARM_SUFFIX = '-warm';

export type OursCase =
  | ({
      kind: 'copy';
      source: string;
      target: string;
      repository: string;
      /** Default: the source's repository name. */
      targetRepository?: string;
      tag: string;
      concurrency: number;
    } & TransferOptions)
  | ({ kind: 'pull-layout'; source: string; repository: string; tag: string; dir: string; concurrency: number } & TransferOptions)
  | ({ kind: 'list-tags'; source: string; repository: string; pageSize: number } & TransferOptions)
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

/** CPU and memory of one run, read inside this process (the whole process's figures would mix both runs). */
export interface RunFigures {
  /** First run: user + system CPU of the whole process since it started (all its threads); second: the run's own. */
  cpuSeconds: number;
  /** CPU the registry processes (registryPids) spent during the run. */
  registryCpuSeconds: number;
  /** Its kernel part: for the target registry mostly its storage's writes into the page cache. */
  registrySystemSeconds?: number;
  /** The same CPU split by thread (/proc/self/task): the main thread, and the rest (libuv's pool, V8's helpers). */
  threads?: ThreadCpu;
}

/** CPU seconds by thread. The other threads' kernel CPU is, in a pull, mostly the file writes on libuv's pool. */
export interface ThreadCpu {
  mainUser: number;
  mainSystem: number;
  otherUser: number;
  otherSystem: number;
}

export interface OursResult {
  /** Time inside this process, from creating the session to the last byte (Node's start-up excluded). */
  ms: number;
  firstPageMs?: number;
  count?: number;
  bytes?: number;
  /** The first run's CPU (Node's start-up included, as GNU time would count it) and peak RSS. */
  cold?: RunFigures & { peakRssKb: number };
  /** The second run in the same process, to a fresh target: time, first page (tags), CPU. */
  warm?: RunFigures & { ms: number; firstPageMs?: number };
  /** From the end of the first run to this result: the parent takes it off the process's wall time. */
  tailMs?: number;
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
    const to = session.registry(new URL(spec.target).host).repository(spec.targetRepository ?? spec.repository);
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

type TransferCase = Exclude<OursCase, { kind: 'host-memory' }>;

function runTransfer(spec: TransferCase): Promise<OursResult> {
  switch (spec.kind) {
    case 'copy':
      return copyCase(spec);
    case 'pull-layout':
      return pullLayoutCase(spec);
    case 'list-tags':
      return listTagsCase(spec);
  }
}

/** The same transfer to a fresh target: another repository on the target registry, another layout folder. */
function warmSpec(spec: TransferCase): TransferCase {
  switch (spec.kind) {
    case 'copy':
      return { ...spec, targetRepository: `${spec.repository}${WARM_SUFFIX}` };
    case 'pull-layout':
      return { ...spec, dir: `${spec.dir}${WARM_SUFFIX}` };
    case 'list-tags':
      return spec;
  }
}

const cpuSecondsOf = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1e6;

/** User and system CPU seconds a process has used so far (/proc/PID/stat, clock ticks of 1/100 s). */
function processCpu(pid: number): { user: number; system: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / 100 || 0, system: Number(fields[12]) / 100 || 0 };
  } catch {
    return { user: 0, system: 0 };
  }
}

/** The registries' CPU so far, summed: user + system, and system alone. */
function registriesCpu(pids: readonly number[]): { total: number; system: number } {
  const all = pids.map(processCpu);
  return { total: all.reduce((sum, c) => sum + c.user + c.system, 0), system: all.reduce((sum, c) => sum + c.system, 0) };
}

/** User and system CPU seconds of each thread of this process so far, by thread id. */
function threadTicks(): Map<string, [number, number]> {
  const ticks = new Map<string, [number, number]>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(tid, [Number(fields[11]) / 100, Number(fields[12]) / 100]);
    } catch {
      // The thread ended between the listing and the read: its CPU stays in the process's total.
    }
  }
  return ticks;
}

/** The CPU each thread spent since `before` (threads started since count from zero), main thread apart. */
function threadCpuSince(before: Map<string, [number, number]>): ThreadCpu {
  const split: ThreadCpu = { mainUser: 0, mainSystem: 0, otherUser: 0, otherSystem: 0 };
  for (const [tid, [user, system]] of threadTicks()) {
    const [userBefore, systemBefore] = before.get(tid) ?? [0, 0];
    const main = tid === String(process.pid);
    split[main ? 'mainUser' : 'otherUser'] += user - userBefore;
    split[main ? 'mainSystem' : 'otherSystem'] += system - systemBefore;
  }
  return split;
}

/** This process's peak resident set so far, in KiB (VmHWM: what GNU time's %M reports at exit). */
function peakRssKb(): number {
  const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) : 0;
}

async function runTimed(spec: TransferCase): Promise<OursResult> {
  const registryCpu = () => registriesCpu(spec.registryPids ?? []);
  const registriesBefore = registryCpu();
  const result = await runTransfer(spec);
  const coldEnded = performance.now();
  result.cold = {
    cpuSeconds: cpuSecondsOf(process.cpuUsage()),
    ...registriesSince(registriesBefore),
    threads: threadCpuSince(new Map()),
    peakRssKb: peakRssKb(),
  };
  if (spec.warm) {
    // What the first run wrote goes to disk now, not during the second. The first run's layout stays:
    // removing it just before would hand the second run's file writes the pages it freed a moment
    // ago, which on this VM cost a fraction of the kernel CPU of pages the guest has not touched
    // lately (bench/PROFILING.md), an advantage neither the first run nor skopeo has.
    execFileSync('sync');
    const cpuBefore = process.cpuUsage();
    const threadsBefore = threadTicks();
    const registriesBeforeWarm = registryCpu();
    const second = await runTransfer(warmSpec(spec));
    result.warm = {
      ms: second.ms,
      ...(second.firstPageMs === undefined ? {} : { firstPageMs: second.firstPageMs }),
      cpuSeconds: cpuSecondsOf(process.cpuUsage(cpuBefore)),
      ...registriesSince(registriesBeforeWarm),
      threads: threadCpuSince(threadsBefore),
    };
  }
  result.tailMs = performance.now() - coldEnded;
  return result;

  function registriesSince(before: { total: number; system: number }): Pick<RunFigures, 'registryCpuSeconds' | 'registrySystemSeconds'> {
    const now = registryCpu();
    return { registryCpuSeconds: now.total - before.total, registrySystemSeconds: now.system - before.system };
  }
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as OursCase;
  const result = spec.kind === 'host-memory' ? await hostMemoryCase(spec) : await runTimed(spec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
