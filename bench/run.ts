// `npm run bench`: our transfers side by side with skopeo and curl on loopback lab registries, as
// ratios. Every measured transfer runs in its own child process (peak RSS per side) against a fresh
// target; the result goes to the console and to bench/RESULTS.md.
//   BENCH_RUNS (3)         runs per case; medians are reported
//   BENCH_CONCURRENCY (4)  blobs in flight for ours, and curl --parallel-max
//   BENCH_CASES            comma-separated subset: copy-big,copy-many,pull-big,pull-many,tags,editor
//                          (editor alone updates only its section of bench/RESULTS.md)
//   BENCH_NODE_FLAGS       extra flags for our child Node process (e.g. --cpu-prof --cpu-prof-dir=…)
//   BENCH_KEEP=1           keep bench/.work/ (the source images and the 10,000 tags are then reused)
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { Lab, type LabRegistry } from '../test/support/lab/registry';
import { type BenchImage, buildImage, MIB, pushImage, tinyImage } from './content';
import { finishUrl, getArgs, type ParallelTransfer, parallelArgs, putArgs, registryFetch, startUpload, writeParallelConfig } from './curl';
import { assertGnuTime, measure } from './measure';
import type { OursCase, OursResult } from './ours';
import { type BenchInfo, type CaseId, type CaseResult, renderMarkdown, renderSummary, type SideName, type Timing } from './report';
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
type BenchCase = CaseId | 'editor';
const ALL_CASES: readonly BenchCase[] = ['copy-big', 'copy-many', 'pull-big', 'pull-many', 'tags', 'editor'];

interface Settings {
  runs: number;
  concurrency: number;
  cases: readonly BenchCase[];
  nodeFlags: string[];
  keep: boolean;
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
    runs: positive('BENCH_RUNS', 3),
    concurrency: positive('BENCH_CONCURRENCY', 4),
    cases: cases.length ? (cases as BenchCase[]) : ALL_CASES,
    nodeFlags: (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean),
    keep: process.env.BENCH_KEEP === '1',
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

/** Fails the bench when a side claimed success but the target does not serve the image. */
async function assertTargetHas(target: LabRegistry, image: BenchImage): Promise<void> {
  const res = await registryFetch(`${target.url}/v2/${image.repository}/manifests/${image.tag}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  const digest = res.headers.get('docker-content-digest');
  if (res.status !== 200 || digest !== image.manifestDigest)
    throw new Error(`${target.host}/${image.repository}:${image.tag} is ${res.status} ${digest}, expected ${image.manifestDigest}`);
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

async function withLayoutDir<T>(bench: Bench, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = join(bench.layouts, `layout-${++layoutCounter}`);
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
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

async function runOurs(bench: Bench, spec: OursCase): Promise<Timing> {
  const sample = await measure(process.execPath, [...bench.settings.nodeFlags, bench.oursScript, JSON.stringify(spec)], {
    scratchDir: bench.scratch,
  });
  const result = JSON.parse(sample.stdout.trim().split('\n').pop() ?? '{}') as OursResult;
  return {
    ms: result.ms,
    processMs: sample.wallMs,
    rssKb: sample.peakRssKb,
    cpuSeconds: sample.cpuSeconds,
    firstPageMs: result.firstPageMs,
  };
}

async function runProcess(bench: Bench, file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<Timing> {
  const sample = await measure(file, args, { scratchDir: bench.scratch, env });
  return { ms: sample.wallMs, processMs: sample.wallMs, rssKb: sample.peakRssKb, cpuSeconds: sample.cpuSeconds };
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

/** curl upload of every layer into the fresh target: the POSTs, then monolithic PUTs (in parallel for many). */
async function curlPut(bench: Bench, image: BenchImage): Promise<Timing> {
  await freshTarget(bench.target);
  const started = performance.now();
  const transfers: ParallelTransfer[] = [];
  for (const layer of image.layers)
    transfers.push({ url: finishUrl(await startUpload(bench.target.url, image.repository), layer.digest), upload: layer.path });
  const postsMs = performance.now() - started;
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
        return timing;
      },
      skopeo: async () => {
        await freshTarget(bench.target);
        const timing = await runProcess(bench, 'skopeo', copyArgs(bench.source.host, bench.target.host, reference), bench.skopeoEnv);
        await assertTargetHas(bench.target, image);
        return timing;
      },
      curl: () => curlPut(bench, image),
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

/** N runs of each side; the order of the sides rotates per run so drift does not favour one of them. */
async function runCase(spec: CaseSpec, runs: number): Promise<CaseResult> {
  const samples: Record<SideName, Timing[]> = { ours: [], skopeo: [], curl: [] };
  const sides = (Object.keys(spec.sides) as SideName[]).filter((s) => spec.sides[s]);
  for (let run = 0; run < runs; run++) {
    for (let i = 0; i < sides.length; i++) {
      const side = sides[(i + run) % sides.length]!;
      const timing = await spec.sides[side]!();
      samples[side].push(timing);
      log(
        `  ${spec.id} run ${run + 1}/${runs} ${side.padEnd(6)} ${(timing.ms / 1000).toFixed(3)} s  cpu ${timing.cpuSeconds.toFixed(2)} s  ${((timing.rssKb * 1024) / 1e6).toFixed(0)} MB`,
      );
    }
  }
  return { id: spec.id, title: spec.title, curlLabel: spec.curlLabel, samples };
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
    oursScript: await bundleOurs(),
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
  const results: CaseResult[] = [];
  let editor: EditorResult | undefined;
  const transfers = settings.cases.some((c) => c !== 'editor');
  try {
    if (transfers) {
      const bench = await prepare(settings, lab);
      for (const spec of caseSpecs(bench)) {
        log(`case ${spec.id}: ${spec.title}`);
        results.push(await runCase(spec, settings.runs));
      }
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
  const editorSection = editor ? renderEditorMarkdown(editor) : undefined;
  // The editor case alone keeps the transfer results already written, and replaces its own section.
  const base = transfers ? renderMarkdown(results, info) : await readFile(RESULTS, 'utf8').catch(() => '# Benchmarks\n');
  await writeFile(RESULTS, editorSection ? withEditorSection(base, editorSection) : base);
  const summary = [
    transfers ? renderSummary(results) : '',
    editorSection ? editorSection.replace(`${EDITOR_HEADING}\n\n`, 'editor: ') : '',
  ];
  process.stdout.write(`${summary.filter(Boolean).join('\n\n')}\n\nwritten to ${RESULTS}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
