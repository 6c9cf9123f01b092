// `npm run bench:hostile [-- case…]`: the peak memory (and temporary disk) the core spends on the
// hostile inputs of the adversarial review, and on inputs at each bound, each in a child process of
// its own so its peak RSS is its own. Inputs are built once into a scratch folder; every case is
// bounded in time (CASE_TIMEOUT_MS) and runs once. Prints a Markdown table for docs/hardening.md.
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { createGzip } from 'node:zlib';
import { CoreError } from '../src/core/errors';
import { layerFileTree, listLayerFiles, type LayerFileEntry } from '../src/core/layers/layer-files';
import { openImageArchive } from '../src/core/layout/archive-source';
import { OciImageLayout } from '../src/core/layout/oci-layout';
import { MediaTypes } from '../src/core/oci/media-types';
import { copy } from '../src/core/operations/copy';
import { extensionHeader, paxRecord, tarChunks, type TarEntry } from '../test/support/lab/tar';

const MiB = 1024 * 1024;
const CASE_TIMEOUT_MS = 180_000;

interface CaseReport {
  name: string;
  input: string;
  outcome: string;
  peakRssMiB: number;
  peakHeapMiB: number;
  /** Heap still in use, after a full collection, while the result is held (what a cache would keep). */
  heldHeapMiB: number;
  peakTempMiB?: number;
  seconds: number;
}

interface HostileCase {
  input: string;
  /** Builds the input files in `dir` (in the parent, once). */
  build(dir: string): Promise<void>;
  /** Runs in the child; returns what happened and what stays held. */
  run(dir: string, sampler: Sampler): Promise<{ outcome: string; held: unknown }>;
}

// ---------------------------------------------------------------------------------------------
// The inputs

/** Writes tar entries gzip'd to `file` without holding the tar. */
async function writeGzippedTar(file: string, entries: Iterable<TarEntry>): Promise<void> {
  await pipeline(Readable.from(tarChunks(entries)), createGzip({ level: 9 }), createWriteStream(file));
}

/** What the inspector does with a layer: list it whole, then build its tree. */
async function inspectLayer(file: string): Promise<{ outcome: string; held: unknown }> {
  const bytes = await readFile(file);
  const entries: LayerFileEntry[] = [];
  try {
    for await (const entry of listLayerFiles(Readable.from([bytes]))) entries.push(entry);
    const root = layerFileTree(entries);
    return { outcome: `listed ${entries.length} entries, tree of ${root.children?.size ?? 0} top-level nodes`, held: root };
  } catch (err) {
    return { outcome: describe(err), held: undefined };
  }
}

/** `count` image manifests of `size` bytes (one layer each, an annotation filling the rest) under an index tagged 'hostile'. */
async function bigIndexLayout(dir: string, count: number, size: number, manyLayers: boolean): Promise<void> {
  const layout = await OciImageLayout.open(join(dir, 'source'), { create: true });
  const config = Buffer.from('{}');
  const configDescriptor = { mediaType: MediaTypes.ociEmpty, digest: sha256(config), size: config.length };
  const children = [];
  for (let i = 0; i < count; i++) {
    let bytes: Buffer;
    if (manyLayers) {
      const layers = [];
      for (let total = 0; total < size; total += 140)
        layers.push({ mediaType: MediaTypes.ociLayerGzip, digest: sha256(randomBytes(16)), size: 1000 + i });
      bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: configDescriptor, layers }));
    } else {
      const layers = [{ mediaType: MediaTypes.ociLayerGzip, digest: sha256(randomBytes(16)), size: 1000 + i }];
      const manifest = (filler: string): string =>
        JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: configDescriptor, layers, annotations: { filler } });
      bytes = Buffer.from(manifest('f'.repeat(size - manifest('').length)));
    }
    const descriptor = {
      mediaType: MediaTypes.ociManifest,
      digest: sha256(bytes),
      size: bytes.length,
      platform: { architecture: `arch${i}`, os: 'linux' },
    };
    await layout.pushManifest(descriptor, bytes);
    children.push(descriptor);
  }
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: children }));
  await layout.pushManifest({ mediaType: MediaTypes.ociIndex, digest: sha256(index), size: index.length }, index, 'hostile');
}

/** Plans a copy of the layout's 'hostile' image into a fresh layout: it fails at the first blob, which is never there. */
async function planCopy(dir: string): Promise<{ outcome: string; held: unknown }> {
  const source = await OciImageLayout.open(join(dir, 'source'));
  const target = await OciImageLayout.open(await mkdtemp(join(dir, 'target-')), { create: true });
  let planned = '';
  try {
    await copy(source, target, await source.resolve('hostile'), {
      onProgress: (event) => {
        if (event.type === 'planned') planned = `planned ${event.manifests} manifests and ${event.blobs} blobs, then `;
      },
    });
    return { outcome: 'copied', held: undefined };
  } catch (err) {
    return { outcome: `${planned}${describe(err)}`, held: undefined };
  }
}

/** Opens an archive with the temporary folder watched. */
async function openArchive(dir: string, sampler: Sampler): Promise<{ outcome: string; held: unknown }> {
  const workDir = await mkdtemp(join(dir, 'work-'));
  sampler.watchFolder(workDir);
  try {
    const archive = await openImageArchive(join(dir, 'archive.tar.gz'), { workDir });
    await archive.close();
    return { outcome: 'opened', held: undefined };
  } catch (err) {
    return { outcome: describe(err), held: undefined };
  }
}

const CASES: Record<string, HostileCase> = {
  'layer-pax-names': {
    input: '400 entries with 1 MiB PAX paths, gzip',
    async build(dir) {
      await writeGzippedTar(
        join(dir, 'layer.tar.gz'),
        (function* () {
          for (let i = 0; i < 400; i++)
            yield { name: `f${i}`, pax: { path: `${String(i).padStart(4, '0')}${'n'.repeat(MiB - 4)}` }, data: Buffer.from('x') };
        })(),
      );
    },
    run: (dir) => inspectLayer(join(dir, 'layer.tar.gz')),
  },
  'layer-deep-path': {
    input: 'one PAX path 1.9 million directories deep, gzip',
    async build(dir) {
      await writeGzippedTar(join(dir, 'layer.tar.gz'), [
        { name: 'f', pax: { path: `${'a/'.repeat(1_900_000)}f` }, data: Buffer.from('x') },
      ]);
    },
    run: (dir) => inspectLayer(join(dir, 'layer.tar.gz')),
  },
  'graph-big-manifests': {
    input: 'an index of 40 image manifests of 3.45 MiB each',
    build: (dir) => bigIndexLayout(dir, 40, 3.45 * MiB, true),
    run: planCopy,
  },
  'archive-gzip-bomb': {
    input: 'a gzip archive whose one blob is 500 MiB of zeros',
    async build(dir) {
      const zeros = Buffer.alloc(MiB);
      await writeGzippedTar(join(dir, 'archive.tar.gz'), [
        { name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
        { name: `blobs/sha256/${'0'.repeat(64)}`, data: { size: 500 * MiB, chunks: () => Array.from({ length: 500 }, () => zeros) } },
      ]);
    },
    run: openArchive,
  },
  // The worst each bound still allows, to show what a bound costs at most.
  'layer-names-at-bound': {
    input: 'links with 4 KiB names and targets, until the names pass 64 MiB, gzip',
    async build(dir) {
      await writeGzippedTar(
        join(dir, 'layer.tar.gz'),
        (function* () {
          for (let i = 0; i < 8300; i++) {
            const stem = String(i).padStart(8, '0');
            yield { name: `${stem}${'p'.repeat(4080)}`, type: 'symlink', linkTarget: `${stem}${'t'.repeat(4080)}` };
          }
        })(),
      );
    },
    run: (dir) => inspectLayer(join(dir, 'layer.tar.gz')),
  },
  'layer-entries-at-bound': {
    input: '500,000 empty files in 500 folders, gzip',
    async build(dir) {
      await writeGzippedTar(
        join(dir, 'layer.tar.gz'),
        (function* () {
          for (let i = 0; i < 500_000; i++) yield { name: `d${Math.floor(i / 1000)}/f${i}`, data: Buffer.alloc(0) };
        })(),
      );
    },
    run: (dir) => inspectLayer(join(dir, 'layer.tar.gz')),
  },
  'layer-tree-at-bound': {
    input: '600 files 1,000 folders deep, each in folders of its own, gzip',
    async build(dir) {
      await writeGzippedTar(
        join(dir, 'layer.tar.gz'),
        (function* () {
          for (let i = 0; i < 600; i++)
            yield { name: 'f', pax: { path: `${String(i).padStart(4, '0')}/${'a/'.repeat(998)}f` }, data: Buffer.from('x') };
        })(),
      );
    },
    run: (dir) => inspectLayer(join(dir, 'layer.tar.gz')),
  },
  'layer-pax-global': {
    input: 'a 4 MiB global PAX header of short records, then 100 entries with PAX records, gzip',
    async build(dir) {
      let records = '';
      for (let i = 0; records.length < 4 * MiB - 100; i++) records += paxRecord(`k${i}`, 'v');
      const entries = Array.from({ length: 100 }, (_, i): TarEntry => ({ name: `f${i}`, pax: { mtime: '1' }, data: Buffer.from('x') }));
      await pipeline(
        Readable.from([...extensionHeader('g', 'GlobalHead', Buffer.from(records)), ...tarChunks(entries)]),
        createGzip({ level: 9 }),
        createWriteStream(join(dir, 'layer.tar.gz')),
      );
    },
    run: (dir) => inspectLayer(join(dir, 'layer.tar.gz')),
  },
  'layer-zstd-windows': {
    input: '2,000 zstd frames of 10 bytes, each asking for a 128 MiB window',
    async build(dir) {
      // Frame header: magic, descriptor 0 (window byte follows), window 2^27; one last raw block of 10 bytes.
      const frame = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x88, (10 << 3) | 1, 0, 0]), Buffer.alloc(10, 0x61)]);
      await writeFile(join(dir, 'layer.tar.zst'), Buffer.concat(Array.from({ length: 2000 }, () => frame)));
    },
    run: (dir) => inspectLayer(join(dir, 'layer.tar.zst')),
  },
  'layer-zstd-rle': {
    input: 'one zstd frame with a 128 MiB window and 500 blocks of 128 KiB of zeros (4 bytes each)',
    async build(dir) {
      const rleBlock = Buffer.from([((128 * 1024) << 3) | (1 << 1), ((128 * 1024) << 3) >> 8, ((128 * 1024) << 3) >> 16, 0]);
      const lastBlock = Buffer.from([(1 << 1) | 1 | (512 << 3), (512 << 3) >> 8, 0, 0]);
      await writeFile(
        join(dir, 'layer.tar.zst'),
        Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x88]), ...Array.from({ length: 500 }, () => rleBlock), lastBlock]),
      );
    },
    run: (dir) => inspectLayer(join(dir, 'layer.tar.zst')),
  },
  'graph-at-bound': {
    input: 'an index of 4 image manifests of 3.9 MiB each (15.6 MiB)',
    build: (dir) => bigIndexLayout(dir, 4, 3.9 * MiB, false),
    run: planCopy,
  },
  'archive-entries-at-bound': {
    input: 'a gzip archive of 20 MiB entries of zeros',
    async build(dir) {
      // Each a byte longer than the last, so each is a blob of its own and they add up on disk.
      const zeros = Buffer.alloc(MiB);
      await writeGzippedTar(
        join(dir, 'archive.tar.gz'),
        Array.from({ length: 10 }, (_, i): TarEntry => ({
          name: `${i}/layer.tar`,
          data: { size: 20 * MiB + i, chunks: () => [...Array.from({ length: 20 }, () => zeros), zeros.subarray(0, i)] },
        })),
      );
    },
    run: openArchive,
  },
};

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function describe(err: unknown): string {
  if (err instanceof CoreError) return `${err.code}: ${err.message}`;
  return `raw ${err instanceof Error ? `${(err as NodeJS.ErrnoException).code ?? err.name}: ${err.message}` : String(err)}`;
}

// ---------------------------------------------------------------------------------------------
// The child: runs one case while sampling memory (and a folder's size)

class Sampler {
  peakHeap = 0;
  peakTemp = 0;
  private folder: string | undefined;
  private readonly timer = setInterval(() => this.sample(), 10);
  private measuringFolder = false;

  watchFolder(folder: string): void {
    this.folder = folder;
  }

  sample(): void {
    this.peakHeap = Math.max(this.peakHeap, process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers);
    if (this.folder && !this.measuringFolder) {
      this.measuringFolder = true;
      void folderBytes(this.folder).then((bytes) => {
        this.peakTemp = Math.max(this.peakTemp, bytes);
        this.measuringFolder = false;
      });
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

async function folderBytes(folder: string): Promise<number> {
  let total = 0;
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    total += await stat(join(entry.parentPath ?? entry.path, entry.name)).then(
      (s) => s.size,
      () => 0,
    );
  }
  return total;
}

function collectGarbage(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

async function runChild(name: string, dir: string): Promise<void> {
  const hostile = CASES[name]!;
  const gc = collectGarbage();
  gc();
  const sampler = new Sampler();
  const started = performance.now();
  const { outcome, held } = await hostile.run(dir, sampler);
  const seconds = (performance.now() - started) / 1000;
  sampler.sample();
  sampler.stop();
  gc();
  const heldHeap = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const report: CaseReport = {
    name,
    input: hostile.input,
    outcome: outcome.length > 300 ? `${outcome.slice(0, 300)}…` : outcome,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    peakHeapMiB: sampler.peakHeap / MiB,
    heldHeapMiB: heldHeap / MiB,
    seconds,
  };
  if (sampler.peakTemp > 0) report.peakTempMiB = sampler.peakTemp / MiB;
  // Keeps the result alive up to here, as a cache holding it would.
  if (held === null) console.error('unreachable');
  process.send!(report);
}

// ---------------------------------------------------------------------------------------------
// The parent: builds the inputs, runs each case in a fresh process, prints the table

async function inputSize(dir: string): Promise<string> {
  const bytes = await folderBytes(dir);
  return bytes >= MiB ? `${(bytes / MiB).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(0)} KiB`;
}

function runInChild(name: string, dir: string): Promise<CaseReport> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--child', name, dir], {
      execArgv: ['--enable-source-maps', '--max-old-space-size=8192'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} took more than ${CASE_TIMEOUT_MS / 1000} s`));
    }, CASE_TIMEOUT_MS);
    child.once('message', (report) => resolve(report as CaseReport));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before reporting`));
    });
    child.once('error', reject);
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return runChild(args[1]!, args[2]!);
  const names = args.length > 0 ? args : Object.keys(CASES);
  const unknown = names.filter((n) => !(n in CASES));
  if (unknown.length > 0) throw new Error(`unknown case ${unknown.join(', ')}; the cases are ${Object.keys(CASES).join(', ')}`);
  const scratch = await mkdtemp(join(tmpdir(), 'hostile-memory-'));
  const rows: string[] = [];
  try {
    for (const name of names) {
      const dir = join(scratch, name);
      await mkdir(dir);
      await CASES[name]!.build(dir);
      const size = await inputSize(dir);
      const report = await runInChild(name, dir);
      const temp = report.peakTempMiB === undefined ? '—' : `${report.peakTempMiB.toFixed(1)} MiB`;
      rows.push(
        `| ${name} | ${report.input} (${size}) | ${report.peakRssMiB.toFixed(0)} MiB | ${report.peakHeapMiB.toFixed(0)} MiB | ${report.heldHeapMiB.toFixed(0)} MiB | ${temp} | ${report.seconds.toFixed(1)} s | ${report.outcome.replace(/\|/g, '\\|')} |`,
      );
      console.error(rows.at(-1));
      await rm(dir, { recursive: true, force: true });
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  console.log(`Node ${process.version}, ${new Date().toISOString()}\n`);
  console.log('| case | input | peak RSS | peak heap + buffers (sampled) | held after GC | peak temp disk | time | outcome |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
