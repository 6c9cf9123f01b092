// `npm run bench`: our transfers side by side with skopeo and curl on loopback lab registries, as
// ratios. Every measured transfer runs in its own child process (peak RSS per side) against a fresh
// target; the result goes to the console and to bench/RESULTS.md.
//   BENCH_RUNS (5)         runs per case; medians are reported
//   BENCH_CONCURRENCY (4)  blobs in flight for ours, and curl --parallel-max
//   BENCH_CASES            comma-separated subset: copy-big,copy-many,pull-big,pull-many,tags,memory,tree,editor
//                          (editor alone updates only its section of bench/RESULTS.md; tree needs the .vsix
//                          that `npm run bench` packages first)
//   BENCH_NODE_FLAGS       extra flags for our child Node process (e.g. --cpu-prof --cpu-prof-dir=…)
//   BENCH_SIDES            comma-separated subset of ours,skopeo,curl,curlHash,curlRelay,fileWrite,nodeSocket,nodeStart (for A/B runs of ours alone)
//   BENCH_WARM=0           our child runs each transfer once (default: a second time in the same process, the warm figures)
//   BENCH_OURS_SCRIPT      a bundled child to run as ours instead of bundling bench/ours.ts (interleaved A/B runs)
//   BENCH_OURS_WRAP        a command our child runs under (e.g. "perf record -g -o /tmp/ours.data --")
//   BENCH_KEEP=1           keep bench/.work/ (the source images and the 10,000 tags are then reused)
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import * as prettier from 'prettier';
import { Lab, type LabRegistry } from '../test/support/lab/registry';
import { type BenchImage, buildImage, MIB, pushImage, tinyImage } from './content';
import { sideOrder } from './order';
import {
  FETCH_AND_HASH_SCRIPT,
  FILE_WRITE_SCRIPT,
  fileWriteArgs,
  finishUrl,
  getArgs,
  hashedGetArgs,
  type ParallelTransfer,
  parallelArgs,
  putArgs,
  RELAY_SCRIPT,
  registryFetch,
  relayArgs,
  startUpload,
  writeParallelConfig,
} from './curl';
import { assertGnuTime, measure, type Sample } from './measure';
import type { BlobJob, NodeSocketJob } from './node-socket';
import { type OursCase, type OursResult, type ThreadCpu, WARM_SUFFIX } from './ours';
import {
  type BenchInfo,
  type BenchResults,
  type CaseId,
  type CaseResult,
  type MemoryResult,
  renderMarkdown,
  renderSummary,
  type SideName,
  type Timing,
  type TreeResult,
} from './report';
import { runTreeBench } from './tree';
import { copyArgs, listTagsArgs, pullToLayoutArgs, skopeoEnv } from './skopeo';
import { seedTags } from './tags';
import { EDITOR_HEADING, type EditorResult, renderEditorMarkdown, runEditorBench, seedEditorImages, withEditorSection } from './editor';

const execFileAsync = promisify(execFile);

const REPO_ROOT = resolve(__dirname, '..', '..');
const WORK = join(REPO_ROOT, 'bench', '.work');
const RESULTS = join(REPO_ROOT, 'bench', 'RESULTS.md');
const TAG_COUNT = 10_000;
const TAG_PAGE_SIZE = 1000;
/** The editor case is not a transfer: it is reported in a section of its own (bench/editor.ts). */
type BenchCase = CaseId | 'memory' | 'tree' | 'editor';
const ALL_CASES: readonly BenchCase[] = ['copy-big', 'copy-many', 'pull-big', 'pull-many', 'tags', 'memory', 'tree', 'editor'];
/** The single layer of the memory case: big enough that anything kept per byte would show. */
const MEMORY_LAYER_BYTES = 2048 * MIB;

interface Settings {
  runs: number;
  concurrency: number;
  cases: readonly BenchCase[];
  nodeFlags: string[];
  keep: boolean;
  /** Our child runs each transfer a second time in the same process (BENCH_WARM, default on). */
  warm: boolean;
}

interface Bench {
  settings: Settings;
  oursScript: string;
  scratch: string;
  layouts: string;
  source: LabRegistry;
  target: LabRegistry;
  skopeoEnv: NodeJS.ProcessEnv;
  big: BenchImage;
  many: BenchImage;
  tagRepository: string;
}

type SideRunner = () => Promise<Timing>;

interface CaseSpec {
  id: CaseId;
  title: string;
  curlLabel: string;
  sides: Partial<Record<SideName, SideRunner>>;
}

function readSettings(): Settings {
  const positive = (name: string, fallback: number): number => {
    const value = Number(process.env[name] ?? fallback);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number ≥ 1, not ${process.env[name]}`);
    return value;
  };
  const cases = (process.env.BENCH_CASES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = cases.filter((c) => !ALL_CASES.includes(c as BenchCase));
  if (unknown.length) throw new Error(`unknown BENCH_CASES ${unknown.join(', ')}; known: ${ALL_CASES.join(', ')}`);
  return {
    runs: positive('BENCH_RUNS', 5),
    concurrency: positive('BENCH_CONCURRENCY', 4),
    cases: cases.length ? (cases as BenchCase[]) : ALL_CASES,
    nodeFlags: (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean),
    keep: process.env.BENCH_KEEP === '1',
    warm: process.env.BENCH_WARM !== '0',
  };
}

// ---------------------------------------------------------------------------------------------
// Fresh targets

/** A target registry with empty storage: stopped, its folder wiped, started again on the same port. */
async function freshTarget(target: LabRegistry): Promise<void> {
  await target.stop();
  await rm(target.dataDir, { recursive: true, force: true });
  await mkdir(target.dataDir, { recursive: true });
  // Flush the previous run's writes now, so they are not written back during the next measurement.
  await execFileAsync('sync');
  await target.start();
}

/** Fails the bench when a side claimed success but the target does not serve the image (under `repository`). */
async function assertTargetHas(target: LabRegistry, image: BenchImage, repository = image.repository): Promise<void> {
  const res = await registryFetch(`${target.url}/v2/${repository}/manifests/${image.tag}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  const digest = res.headers.get('docker-content-digest');
  if (res.status !== 200 || digest !== image.manifestDigest)
    throw new Error(`${target.host}/${repository}:${image.tag} is ${res.status} ${digest}, expected ${image.manifestDigest}`);
}

/** Every layer is in the layout folder with its full size. */
async function assertLayoutHas(dir: string, image: BenchImage): Promise<void> {
  for (const layer of image.layers) {
    const path = join(dir, 'blobs', 'sha256', layer.digest.slice('sha256:'.length));
    const size = await stat(path).then(
      (s) => s.size,
      () => -1,
    );
    if (size !== layer.size) throw new Error(`${path} has ${size} bytes, expected ${layer.size}`);
  }
}

let layoutCounter = 0;

/** A fresh folder name for a layout (and its warm twin), both removed afterwards. */
async function withLayoutDir<T>(bench: Bench, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = join(bench.layouts, `layout-${++layoutCounter}`);
  try {
    return await body(dir);
  } finally {
    await Promise.all([dir, `${dir}${WARM_SUFFIX}`].map((d) => rm(d, { recursive: true, force: true })));
  }
}

// ---------------------------------------------------------------------------------------------
// The three sides

/**
 * Bundles bench/ours.ts the way the extension ships the core (dist/core.js: one esbuild bundle, no
 * inline source maps), so the child's memory is what users get, not the test build's.
 */
async function bundleOurs(): Promise<string> {
  const outfile = join(WORK, 'ours.js');
  await esbuild.build({
    entryPoints: [join(REPO_ROOT, 'bench', 'ours.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
  });
  return outfile;
}

/** User and system CPU seconds a process has used so far (/proc/PID/stat, clock ticks of 1/100 s). */
async function processCpu(pid: number | undefined): Promise<{ user: number; system: number }> {
  if (pid === undefined) return { user: 0, system: 0 };
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / 100 || 0, system: Number(fields[12]) / 100 || 0 };
}

/** The CPU the two registries spent while a side ran (their share of the machine), and its kernel part. */
interface RegistriesCpu {
  registryCpuSeconds: number;
  registrySystemSeconds: number;
}

/** Runs a measured child and counts the CPU the two registries spent meanwhile. */
async function measureWithRegistries(
  bench: Bench,
  file: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<[Sample, RegistriesCpu]> {
  const registries = [bench.source.pid, bench.target.pid];
  const before = await Promise.all(registries.map(processCpu));
  const sample = await measure(file, args, { scratchDir: bench.scratch, env });
  const after = await Promise.all(registries.map(processCpu));
  const spent = after.map((a, i) => ({ user: a.user - before[i]!.user, system: a.system - before[i]!.system }));
  return [
    sample,
    {
      registryCpuSeconds: spent.reduce((sum, c) => sum + c.user + c.system, 0),
      registrySystemSeconds: spent.reduce((sum, c) => sum + c.system, 0),
    },
  ];
}

/** BENCH_OURS_WRAP (e.g. "perf record -g -o /tmp/ours.data --") runs our child under a profiler. */
function oursCommand(bench: Bench, spec: OursCase): [string, string[]] {
  const wrap = (process.env.BENCH_OURS_WRAP ?? '').split(/\s+/).filter(Boolean);
  const node = [process.execPath, ...bench.settings.nodeFlags, bench.oursScript, JSON.stringify(spec)];
  return wrap.length ? [wrap[0]!, [...wrap.slice(1), ...node]] : [node[0]!, node.slice(1)];
}

/**
 * Our child: the first (cold) run's CPU, registries' CPU and peak RSS as the child read them at its
 * end (the process goes on to the warm run); a child bundled before those figures existed
 * (BENCH_OURS_SCRIPT of an old commit) is measured as a whole, as it was then.
 */
async function runOurs(bench: Bench, spec: OursCase): Promise<Timing> {
  const withOptions: OursCase =
    spec.kind === 'host-memory' ? spec : { ...spec, warm: bench.settings.warm, registryPids: registryPids(bench) };
  const [sample, registries] = await measureWithRegistries(bench, ...oursCommand(bench, withOptions));
  const result = JSON.parse(sample.stdout.trim().split('\n').pop() ?? '{}') as OursResult;
  return {
    ms: result.ms,
    processMs: sample.wallMs - (result.tailMs ?? 0),
    rssKb: result.cold?.peakRssKb ?? sample.peakRssKb,
    cpuSeconds: result.cold?.cpuSeconds ?? sample.cpuSeconds,
    // A child bundled before the kernel split existed reports the total alone: the whole process's split stands in.
    ...(result.cold
      ? { registryCpuSeconds: result.cold.registryCpuSeconds, registrySystemSeconds: result.cold.registrySystemSeconds }
      : registries),
    ...(result.cold?.threads ? { threads: result.cold.threads } : {}),
    firstPageMs: result.firstPageMs,
    ...(result.warm ? { warm: result.warm } : {}),
  };
}

function registryPids(bench: Bench): number[] {
  return [bench.source.pid, bench.target.pid].filter((pid): pid is number => pid !== undefined);
}

async function runProcess(bench: Bench, file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<Timing> {
  const [sample, registries] = await measureWithRegistries(bench, file, args, env);
  return {
    ms: sample.wallMs,
    processMs: sample.wallMs,
    rssKb: sample.peakRssKb,
    cpuSeconds: sample.cpuSeconds,
    systemSeconds: sample.systemSeconds,
    ...registries,
  };
}

/** curl GET of every layer to /dev/null: one transfer, or `--parallel` for many. */
async function curlGet(bench: Bench, image: BenchImage): Promise<Timing> {
  const urls = image.layers.map((l) => `${bench.source.url}/v2/${image.repository}/blobs/${l.digest}`);
  if (urls.length === 1) return runProcess(bench, 'curl', getArgs(urls[0]!));
  const config = join(bench.scratch, 'get.curlrc');
  await writeParallelConfig(
    config,
    urls.map((url) => ({ url })),
  );
  return runProcess(bench, 'curl', parallelArgs(config, bench.settings.concurrency));
}

/**
 * The pull limit with the digest checked: every layer fetched by `curl | tee FILE | sha256sum`, as
 * many at once as ours (xargs -P); the printed hashes must be the layers' digests.
 */
async function curlHashedGet(bench: Bench, image: BenchImage): Promise<Timing> {
  const script = join(bench.scratch, 'fetch-and-hash.sh');
  const list = join(bench.scratch, 'fetch-and-hash.list');
  const files = join(bench.scratch, 'fetched');
  await writeFile(script, FETCH_AND_HASH_SCRIPT);
  await mkdir(files, { recursive: true });
  await writeFile(
    list,
    image.layers.map((l, i) => `${bench.source.url}/v2/${image.repository}/blobs/${l.digest} ${join(files, `layer-${i}`)}\n`).join(''),
  );
  try {
    const [sample, registries] = await measureWithRegistries(bench, 'xargs', hashedGetArgs(script, list, bench.settings.concurrency));
    const printed = new Set(sample.stdout.split('\n').map((line) => line.split(' ')[0]));
    const missing = image.layers.filter((l) => !printed.has(l.digest.slice('sha256:'.length)));
    if (missing.length) throw new Error(`curl | tee | sha256sum did not print the digest of ${missing.length} layer(s)`);
    return { ms: sample.wallMs, processMs: sample.wallMs, rssKb: sample.peakRssKb, cpuSeconds: sample.cpuSeconds, ...registries };
  } finally {
    await rm(files, { recursive: true, force: true });
  }
}

/** Opens one upload session per layer on the fresh target (timed: the curl sides add it to theirs); the URLs to PUT to. */
async function openUploads(bench: Bench, image: BenchImage): Promise<{ urls: string[]; postsMs: number }> {
  const started = performance.now();
  const urls: string[] = [];
  for (const layer of image.layers) urls.push(finishUrl(await startUpload(bench.target.url, image.repository), layer.digest));
  return { urls, postsMs: performance.now() - started };
}

/** curl upload of every layer into the fresh target: the POSTs, then monolithic PUTs (in parallel for many). */
async function curlPut(bench: Bench, image: BenchImage): Promise<Timing> {
  await freshTarget(bench.target);
  const { urls, postsMs } = await openUploads(bench, image);
  const transfers: ParallelTransfer[] = image.layers.map((layer, i) => ({ url: urls[i]!, upload: layer.path }));
  let timing: Timing;
  if (transfers.length === 1) {
    timing = await runProcess(bench, 'curl', putArgs(transfers[0]!.url, transfers[0]!.upload!));
  } else {
    const config = join(bench.scratch, 'put.curlrc');
    await writeParallelConfig(config, transfers);
    timing = await runProcess(bench, 'curl', parallelArgs(config, bench.settings.concurrency));
  }
  return { ...timing, ms: timing.ms + postsMs };
}

/**
 * The copy limit with a source: the POSTs, then every layer streamed `curl GET | curl PUT` from the
 * source into its session (xargs -P, as many at once as ours); the target must then hold every blob.
 */
async function curlRelay(bench: Bench, image: BenchImage): Promise<Timing> {
  await freshTarget(bench.target);
  const script = join(bench.scratch, 'relay.sh');
  const list = join(bench.scratch, 'relay.list');
  await writeFile(script, RELAY_SCRIPT);
  const { urls, postsMs } = await openUploads(bench, image);
  await writeFile(
    list,
    image.layers.map((l, i) => `${bench.source.url}/v2/${image.repository}/blobs/${l.digest} ${urls[i]} ${l.size}\n`).join(''),
  );
  const timing = await runProcess(bench, 'xargs', relayArgs(script, list, bench.settings.concurrency));
  for (const layer of image.layers) {
    const res = await registryFetch(`${bench.target.url}/v2/${image.repository}/blobs/${layer.digest}`, { method: 'HEAD' });
    if (res.status !== 200) throw new Error(`curl GET | curl PUT left ${layer.digest} missing in the target (${res.status})`);
  }
  return { ...timing, ms: timing.ms + postsMs };
}

/** The bench's Node-socket side (bench/node-socket.ts), built beside this file. */
const NODE_SOCKET_SCRIPT = join(__dirname, 'node-socket.js');

/**
 * A Node process on plain sockets with reused read buffers, pulling every layer into files in the
 * layouts' folder (as many at once as ours); the files must then hold every byte.
 */
async function nodeSocketPull(bench: Bench, image: BenchImage): Promise<Timing> {
  const files = join(bench.layouts, 'node-socket');
  await mkdir(files, { recursive: true });
  const job = nodeSocketJob(bench, image, (i) => ({ file: join(files, `layer-${i}`) }));
  try {
    const timing = await runNodeSocket(bench, job);
    for (const blob of job.blobs) {
      const size = await stat(blob.file!).then((s) => s.size);
      if (size !== blob.size) throw new Error(`the Node-socket side wrote ${size} bytes of ${blob.digest}, expected ${blob.size}`);
    }
    return timing;
  } finally {
    await rm(files, { recursive: true, force: true });
  }
}

/** The same process copying every layer from the source into upload sessions on the fresh target, opened first (timed, as curl's are). */
async function nodeSocketCopy(bench: Bench, image: BenchImage): Promise<Timing> {
  await freshTarget(bench.target);
  const { urls, postsMs } = await openUploads(bench, image);
  const job = nodeSocketJob(bench, image, (i) => ({ putUrl: urls[i]! }));
  const timing = await runNodeSocket(bench, job);
  for (const layer of image.layers) {
    const res = await registryFetch(`${bench.target.url}/v2/${image.repository}/blobs/${layer.digest}`, { method: 'HEAD' });
    if (res.status !== 200) throw new Error(`the Node-socket side left ${layer.digest} missing in the target (${res.status})`);
  }
  return { ...timing, ms: timing.ms + postsMs };
}

/** Every layer of `image` from the source, each written where `to` says (a file, or an upload URL). */
function nodeSocketJob(bench: Bench, image: BenchImage, to: (layer: number) => Pick<BlobJob, 'file' | 'putUrl'>): NodeSocketJob {
  return {
    concurrency: bench.settings.concurrency,
    blobs: image.layers.map((l, i) => ({
      url: `${bench.source.url}/v2/${image.repository}/blobs/${l.digest}`,
      digest: l.digest,
      size: l.size,
      ...to(i),
    })),
  };
}

/** Its time is its own measure from the first request to the last byte, as ours (Node's start-up excluded). */
async function runNodeSocket(bench: Bench, job: NodeSocketJob): Promise<Timing> {
  const [sample, registries] = await measureWithRegistries(bench, process.execPath, [NODE_SOCKET_SCRIPT, JSON.stringify(job)]);
  const { ms } = JSON.parse(sample.stdout.trim().split('\n').pop() ?? '{}') as { ms: number };
  return {
    ms,
    processMs: sample.wallMs,
    rssKb: sample.peakRssKb,
    cpuSeconds: sample.cpuSeconds,
    systemSeconds: sample.systemSeconds,
    ...registries,
  };
}

/** The file write every pull pays, alone: dd of each layer's size into a new file in the layouts' folder, as many at once as ours. */
async function fileWrite(bench: Bench, image: BenchImage): Promise<Timing> {
  const script = join(bench.scratch, 'file-write.sh');
  const list = join(bench.scratch, 'file-write.list');
  const files = join(bench.layouts, 'file-write');
  await writeFile(script, FILE_WRITE_SCRIPT);
  await mkdir(files, { recursive: true });
  await writeFile(list, image.layers.map((l, i) => `${join(files, `layer-${i}`)} ${l.size}\n`).join(''));
  try {
    return await runProcess(bench, 'xargs', fileWriteArgs(script, list, bench.settings.concurrency));
  } finally {
    await rm(files, { recursive: true, force: true });
  }
}

function copyCase(bench: Bench, id: CaseId, title: string, image: BenchImage): CaseSpec {
  const reference = `${image.repository}:${image.tag}`;
  return {
    id,
    title,
    curlLabel: image.layers.length === 1 ? 'PUT' : `PUT ×${bench.settings.concurrency}`,
    sides: {
      ours: async () => {
        await freshTarget(bench.target);
        const timing = await runOurs(bench, {
          kind: 'copy',
          source: bench.source.url,
          target: bench.target.url,
          repository: image.repository,
          tag: image.tag,
          concurrency: bench.settings.concurrency,
        });
        await assertTargetHas(bench.target, image);
        if (timing.warm) await assertTargetHas(bench.target, image, `${image.repository}${WARM_SUFFIX}`);
        return timing;
      },
      skopeo: async () => {
        await freshTarget(bench.target);
        const timing = await runProcess(bench, 'skopeo', copyArgs(bench.source.host, bench.target.host, reference), bench.skopeoEnv);
        await assertTargetHas(bench.target, image);
        return timing;
      },
      curl: () => curlPut(bench, image),
      curlRelay: () => curlRelay(bench, image),
      nodeSocket: () => nodeSocketCopy(bench, image),
    },
  };
}

function pullCase(bench: Bench, id: CaseId, title: string, image: BenchImage): CaseSpec {
  const reference = `${image.repository}:${image.tag}`;
  return {
    id,
    title,
    curlLabel: image.layers.length === 1 ? 'GET' : `GET ×${bench.settings.concurrency}`,
    sides: {
      ...oursPullSide(bench, image),
      skopeo: () =>
        withLayoutDir(bench, async (dir) => {
          const timing = await runProcess(bench, 'skopeo', pullToLayoutArgs(bench.source.host, reference, dir, image.tag), bench.skopeoEnv);
          await assertLayoutHas(dir, image);
          return timing;
        }),
      curl: () => curlGet(bench, image),
      curlHash: () => curlHashedGet(bench, image),
      fileWrite: () => fileWrite(bench, image),
      nodeSocket: () => nodeSocketPull(bench, image),
    },
  };
}

/** Our pull into a fresh OCI image layout folder. */
function oursPullSide(bench: Bench, image: BenchImage): Partial<Record<SideName, SideRunner>> {
  return {
    ours: () =>
      withLayoutDir(bench, async (dir) => {
        const spec: OursCase = {
          kind: 'pull-layout',
          source: bench.source.url,
          repository: image.repository,
          tag: image.tag,
          dir,
          concurrency: bench.settings.concurrency,
        };
        const timing = await runOurs(bench, spec);
        await assertLayoutHas(dir, image);
        if (timing.warm) await assertLayoutHas(`${dir}${WARM_SUFFIX}`, image);
        return timing;
      }),
  };
}

function tagsCase(bench: Bench): CaseSpec {
  return {
    id: 'tags',
    title: `list ${TAG_COUNT.toLocaleString('en-US')} tags`,
    curlLabel: 'GET',
    sides: {
      ours: () => runOurs(bench, { kind: 'list-tags', source: bench.source.url, repository: bench.tagRepository, pageSize: TAG_PAGE_SIZE }),
      skopeo: () => runProcess(bench, 'skopeo', listTagsArgs(bench.source.host, bench.tagRepository), bench.skopeoEnv),
      curl: () => runProcess(bench, 'curl', getArgs(`${bench.source.url}/v2/${bench.tagRepository}/tags/list`)),
      // The same Node as our child, doing nothing: the start-up every cold Node process pays.
      nodeStart: () => runProcess(bench, process.execPath, ['-e', '']),
    },
  };
}

function caseSpecs(bench: Bench): CaseSpec[] {
  const all: CaseSpec[] = [
    copyCase(bench, 'copy-big', 'copy 1 × 512 MiB registry→registry', bench.big),
    copyCase(bench, 'copy-many', 'copy 20 × 16 MiB registry→registry', bench.many),
    pullCase(bench, 'pull-big', 'pull 1 × 512 MiB → OCI layout', bench.big),
    pullCase(bench, 'pull-many', 'pull 20 × 16 MiB → OCI layout', bench.many),
    tagsCase(bench),
  ];
  return all.filter((c) => bench.settings.cases.includes(c.id));
}

/** N runs of each side, in an order that changes per run (see bench/order.ts) so neither drift nor what the previous side left favours one of them. */
async function runCase(spec: CaseSpec, runs: number): Promise<CaseResult> {
  const samples: Record<SideName, Timing[]> = {
    ours: [],
    skopeo: [],
    curl: [],
    curlHash: [],
    curlRelay: [],
    fileWrite: [],
    nodeSocket: [],
    nodeStart: [],
  };
  const wanted = (process.env.BENCH_SIDES ?? '').split(',').filter(Boolean);
  const sides = (Object.keys(spec.sides) as SideName[]).filter((s) => spec.sides[s] && (!wanted.length || wanted.includes(s)));
  // One transfer before the measured ones, not counted: the first write after the set-up lands in
  // memory the machine has not used yet, a cost that would otherwise fall on whichever side goes first.
  const first = sides[sideOrder(sides.length, 0)[0]!];
  if (first) {
    const warmUp = await spec.sides[first]!();
    log(`  ${spec.id} warm-up ${first.padEnd(9)} ${(warmUp.ms / 1000).toFixed(3)} s (not counted)`);
  }
  for (let run = 0; run < runs; run++) {
    for (const index of sideOrder(sides.length, run)) {
      const side = sides[index]!;
      const timing = await spec.sides[side]!();
      samples[side].push(timing);
      const warm = timing.warm
        ? `  warm ${(timing.warm.ms / 1000).toFixed(3)} s cpu ${timing.warm.cpuSeconds.toFixed(2)} s registries ${timing.warm.registryCpuSeconds.toFixed(2)} s (kernel ${(timing.warm.registrySystemSeconds ?? NaN).toFixed(2)} s)`
        : '';
      const threads = (t?: ThreadCpu): string =>
        t ? ` [main ${(t.mainUser + t.mainSystem).toFixed(2)} s, others' kernel ${t.otherSystem.toFixed(2)} s]` : '';
      log(
        `  ${spec.id} run ${run + 1}/${runs} ${side.padEnd(9)} ${(timing.ms / 1000).toFixed(3)} s  cpu ${timing.cpuSeconds.toFixed(2)} s  registries ${timing.registryCpuSeconds.toFixed(2)} s (kernel ${(timing.registrySystemSeconds ?? NaN).toFixed(2)} s)  ${((timing.rssKb * 1024) / 1e6).toFixed(0)} MB${threads(timing.threads)}${warm}${threads(timing.warm?.threads)}`,
      );
    }
  }
  return { id: spec.id, title: spec.title, curlLabel: spec.curlLabel, samples };
}

// ---------------------------------------------------------------------------------------------
// Memory in a running host

/**
 * A 2 GiB single-layer pull and copy, each in a Node process that plays the extension host (the
 * core loaded and warm before the baseline; see hostMemoryCase in bench/ours.ts). The 2 GiB image
 * lives in a registry of its own, removed with its storage at the end; the blob file goes as soon
 * as the registry holds it.
 */
async function runMemoryCase(bench: Bench, lab: Lab): Promise<MemoryResult[]> {
  const started = performance.now();
  const blobs = join(WORK, 'memory-blobs');
  const source = await lab.startRegistry({ name: 'memory-source' });
  try {
    await mkdir(blobs, { recursive: true });
    const huge = await buildImage(blobs, 'bench/huge', '1', [MEMORY_LAYER_BYTES]);
    const warm = await buildImage(blobs, 'bench/warm', '1', [8 * MIB, 8 * MIB]);
    await pushImage(source.url, huge);
    await pushImage(source.url, warm);
    await rm(blobs, { recursive: true, force: true });
    log(`setup: a 2 GiB image in ${source.host} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const results: MemoryResult[] = [];
    for (const transfer of ['pull', 'copy'] as const) {
      await freshTarget(bench.target);
      const dir = join(bench.layouts, `memory-${transfer}`);
      try {
        const spec: OursCase = {
          kind: 'host-memory',
          transfer,
          source: source.url,
          target: bench.target.url,
          repository: huge.repository,
          tag: huge.tag,
          warmRepository: warm.repository,
          dir,
          concurrency: bench.settings.concurrency,
        };
        const sample = await measure(
          process.execPath,
          ['--expose-gc', ...bench.settings.nodeFlags, bench.oursScript, JSON.stringify(spec)],
          {
            scratchDir: bench.scratch,
            timeoutMs: 300_000,
          },
        );
        if (transfer === 'pull') await assertLayoutHas(dir, huge);
        else await assertTargetHas(bench.target, huge);
        const result = JSON.parse(sample.stdout.trim().split('\n').pop() ?? '{}') as OursResult;
        if (!result.baseline || !result.growth) throw new Error(`the ${transfer} reported no memory figures`);
        const title = transfer === 'pull' ? '2 GiB pull → OCI layout' : '2 GiB copy registry→registry';
        results.push({
          title,
          baseline: result.baseline,
          growth: result.growth,
          samples: result.samples ?? 0,
          ms: result.ms,
          cpuSeconds: sample.cpuSeconds,
          peakRssKb: sample.peakRssKb,
        });
        log(`  memory ${transfer}: RSS +${(result.growth.rss / 1e6).toFixed(1)} MB in ${(result.ms / 1000).toFixed(2)} s`);
      } finally {
        await Promise.all([dir, `${dir}-warm`].map((d) => rm(d, { recursive: true, force: true })));
      }
    }
    return results;
  } finally {
    await source.stop();
    await rm(source.dataDir, { recursive: true, force: true });
    await rm(blobs, { recursive: true, force: true });
    // The target holds the 2 GiB copy: empty it.
    await freshTarget(bench.target);
  }
}

// ---------------------------------------------------------------------------------------------
// Setup, info, cleanup

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function firstLine(file: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(file, args);
  return stdout.trim().split('\n')[0] ?? '';
}

async function benchInfo(settings: Settings, totalMs: number, loadAtStart: number): Promise<BenchInfo> {
  const registry = await firstLine('docker-registry', ['--version']);
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    nproc: await firstLine('nproc', []),
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    node: process.version,
    skopeo: await firstLine('skopeo', ['--version']),
    registry: registry.split(/\s+/).pop() ?? registry,
    curl: (await firstLine('curl', ['--version'])).split(' ').slice(0, 2).join(' '),
    runs: settings.runs,
    concurrency: settings.concurrency,
    totalMs,
    load: [loadAtStart, loadavg()[0]!],
  };
}

async function prepare(settings: Settings, lab: Lab): Promise<Bench> {
  const blobs = join(WORK, 'blobs');
  const scratch = join(WORK, 'scratch');
  const layouts = join(WORK, 'layouts');
  await Promise.all([blobs, scratch, layouts].map((d) => mkdir(d, { recursive: true })));
  const [source, target] = await Promise.all([lab.startRegistry({ name: 'source' }), lab.startRegistry({ name: 'target' })]);
  const started = performance.now();
  const big = await buildImage(blobs, 'bench/big', '1', [512 * MIB]);
  const many = await buildImage(
    blobs,
    'bench/many',
    '1',
    Array.from({ length: 20 }, () => 16 * MIB),
  );
  await pushImage(source.url, big);
  await pushImage(source.url, many);
  log(`setup: images in ${source.host} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const tagRepository = 'bench/tags';
  if (settings.cases.includes('tags')) {
    const seeded = await seedTags(source.url, await tinyImage(blobs, tagRepository), TAG_COUNT, scratch);
    log(`setup: ${seeded.created ? `${seeded.created} tags created` : 'tags already there'} in ${(seeded.ms / 1000).toFixed(1)} s`);
  }
  return {
    settings,
    oursScript: process.env.BENCH_OURS_SCRIPT ?? (await bundleOurs()),
    scratch,
    layouts,
    source,
    target,
    skopeoEnv: await skopeoEnv(WORK),
    big,
    many,
    tagRepository,
  };
}

async function checkTools(): Promise<void> {
  assertGnuTime();
  for (const tool of ['skopeo', 'curl', 'docker-registry']) {
    await execFileAsync(tool, ['--version']).catch(() => {
      throw new Error(`${tool} is not installed: run npm run setup`);
    });
  }
}

/** Ctrl-C: the lab's exit hook kills the registries; the work folder goes too unless kept. */
function removeWorkOnInterrupt(keep: boolean): void {
  process.once('SIGINT', () => {
    if (!keep) rmSync(WORK, { recursive: true, force: true });
    process.exit(130);
  });
}

async function main(): Promise<void> {
  const settings = readSettings();
  await checkTools();
  const started = performance.now();
  const loadAtStart = loadavg()[0]!;
  removeWorkOnInterrupt(settings.keep);
  const lab = await Lab.create({ dir: join(WORK, 'lab') });
  const cases: CaseResult[] = [];
  let memory: MemoryResult[] = [];
  let tree: TreeResult | undefined;
  let editor: EditorResult | undefined;
  const needsImages = settings.cases.some((c) => c !== 'editor' && c !== 'tree');
  const transfers = settings.cases.some((c) => c !== 'editor');
  try {
    if (needsImages) {
      const bench = await prepare(settings, lab);
      for (const spec of caseSpecs(bench)) {
        log(`case ${spec.id}: ${spec.title}`);
        cases.push(await runCase(spec, settings.runs));
      }
      if (settings.cases.includes('memory')) {
        log('case memory: a 2 GiB pull and copy in a running Node process');
        memory = await runMemoryCase(bench, lab);
      }
    }
    if (settings.cases.includes('tree')) {
      log('case tree: a 10,000-tag repository, a 20,000-repository catalog and a 20-platform index in VS Code');
      tree = await runTreeBench(lab, { runs: settings.runs, work: join(WORK, 'tree'), log });
    }
    if (settings.cases.includes('editor')) {
      const registry = await lab.startRegistry({ name: 'editor' });
      const scratch = join(WORK, 'editor');
      await mkdir(scratch, { recursive: true });
      await seedEditorImages(registry, scratch);
      log('case editor: a 100-image Compose file opened and scrolled, a cold and a warm hover');
      editor = await runEditorBench(registry, settings.runs, log);
    }
  } finally {
    await lab.stopAll();
    if (!settings.keep) await rm(WORK, { recursive: true, force: true });
    else log(`BENCH_KEEP=1: kept ${WORK} (${(await readdir(WORK)).join(', ')})`);
  }
  const info = await benchInfo(settings, performance.now() - started, loadAtStart);
  const all: BenchResults = { cases, memory, ...(tree ? { tree } : {}) };
  const editorSection = editor ? renderEditorMarkdown(editor) : undefined;
  // The editor case alone keeps the transfer results already written, and replaces its own section.
  const base = transfers ? renderMarkdown(all, info) : await readFile(RESULTS, 'utf8').catch(() => '# Benchmarks\n');
  // Written as the repository's Prettier would (its check covers bench/), so a committed run stays green.
  const markdown = editorSection ? withEditorSection(base, editorSection) : base;
  const options = (await prettier.resolveConfig(RESULTS)) ?? {};
  await writeFile(RESULTS, await prettier.format(markdown, { ...options, filepath: RESULTS }));
  const summary = [transfers ? renderSummary(all) : '', editorSection ? editorSection.replace(`${EDITOR_HEADING}\n\n`, 'editor: ') : ''];
  process.stdout.write(`${summary.filter(Boolean).join('\n\n')}\n\nwritten to ${RESULTS}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
