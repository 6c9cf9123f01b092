// `npm run bench:inspector`: time from the Inspect Manifest command to a fully rendered panel (header,
// platform table with every platform's image size, referrers, JSON) for a 10-platform index on a
// loopback lab registry, in a real VS Code (code-server + Chromium). The connection is warm (an
// earlier inspection of another index); each measured index is new to the panel's cache, then
// reopened once more from the cache. Target: under 300 ms. Prints the figures, with the time VS Code
// takes to open an empty webview on the same machine for scale, and exits non-zero when the median
// misses the target. `npm run bench` measures a 20-platform index the same way (inspectorFigures).
//   BENCH_INDEXES (5)   how many distinct 10-platform indexes are measured
import { join, resolve } from 'node:path';
import { format } from 'node:util';
import { Lab, type LabRegistry } from '../test/support/lab/registry';
import { OciLayout, type BuiltImage } from '../test/support/lab/oci-layout';
import { pushToRegistry } from '../test/support/lab/push';
import { startVsCodeServer } from '../test/e2e/vscode-server';
import { openWorkbench } from '../test/e2e/workbench';

const PROJECT = resolve(__dirname, '../..');
const TARGET_MS = 300;
const PLATFORMS = 10;
const RUN_LIMIT_MS = 5 * 60_000;
/** The line bench/inspector-host.ts prints its figures on. */
const RESULT_PREFIX = 'INSPECTOR_BENCH_RESULT ';

const ARCHITECTURES: [string, string?][] = [
  ['amd64'],
  ['arm64', 'v8'],
  ['arm', 'v7'],
  ['arm', 'v6'],
  ['386'],
  ['ppc64le'],
  ['s390x'],
  ['riscv64'],
  ['mips64le'],
  ['loong64'],
];
/** Beyond ten platforms, the same architectures again for a second OS. */
const SYSTEMS = ['linux', 'freebsd'];

/** An index of `platforms` platforms (one small layer each) pushed as `bench/web:<tag>`. */
async function pushIndex(registry: LabRegistry, layout: OciLayout, tag: string, platforms = PLATFORMS): Promise<string> {
  const children: BuiltImage[] = [];
  for (let i = 0; i < platforms; i++) {
    const [architecture, variant] = ARCHITECTURES[i % ARCHITECTURES.length]!;
    const os = SYSTEMS[Math.floor(i / ARCHITECTURES.length) % SYSTEMS.length]!;
    children.push(
      await layout.image({
        seed: `${tag}/${os}/${architecture}${variant ?? ''}`,
        layers: [8 * 1024],
        platform: { os, architecture, ...(variant ? { variant } : {}) },
      }),
    );
  }
  const index = await layout.index(
    children.map((c) => ({ ...c.descriptor, platform: c.platform })),
    { annotations: { 'org.opencontainers.image.title': tag } },
    children,
  );
  await pushToRegistry(layout, index, registry, `bench/web:${tag}`);
  return `${registry.host}/bench/web:${tag}`;
}

export interface Figures {
  cold: number[];
  cached: number[];
  /** An empty webview's first message: VS Code's own cost of opening any panel. */
  floor: number[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function line(name: string, values: number[]): string {
  return `${name.padEnd(34)} median ${median(values).toFixed(0).padStart(4)} ms   min ${Math.min(...values)
    .toFixed(0)
    .padStart(4)} ms   max ${Math.max(...values)
    .toFixed(0)
    .padStart(4)} ms   (${values.map((v) => v.toFixed(0)).join(', ')})`;
}

/**
 * Inspect Manifest of `count` new indexes of `platforms` platforms each (after a warm-up index),
 * then each once more from the cache, and an empty webview for scale, in a VS Code of its own.
 */
export async function inspectorFigures(lab: Lab, platforms: number, count: number): Promise<Figures> {
  const registry = await lab.startRegistry({ name: `bench-inspector-${platforms}` });
  const layout = await OciLayout.create(join(lab.dir, 'content', `inspector-bench-${platforms}`));
  const warmUp = await pushIndex(registry, layout, 'warm-up', platforms);
  const references: string[] = [];
  for (let i = 0; i < count; i++) references.push(await pushIndex(registry, layout, `v${i}`, platforms));
  return measureInVsCode(registry, { warmUp, references });
}

async function main(): Promise<number> {
  const count = Number(process.env.BENCH_INDEXES ?? 5);
  const lab = await Lab.create();
  try {
    const figures = await inspectorFigures(lab, PLATFORMS, count);
    console.log(`\nInspect Manifest → fully rendered panel, ${PLATFORMS}-platform index, lab registry on loopback, warm connection:`);
    console.log(line('new to the cache', figures.cold));
    console.log(line('reopened (content cached)', figures.cached));
    console.log(line("an empty webview (VS Code's floor)", figures.floor));
    const verdict = median(figures.cold) < TARGET_MS;
    console.log(`target: under ${TARGET_MS} ms → ${verdict ? 'met' : 'MISSED'}`);
    return verdict ? 0 : 1;
  } finally {
    await lab.stopAll();
  }
}

/** Runs bench/inspector-host.ts inside the extension host of a real VS Code and collects its figures. */
async function measureInVsCode(registry: LabRegistry, plan: { warmUp: string; references: string[] }): Promise<Figures> {
  const server = await startVsCodeServer();
  const workbench = await openWorkbench();
  try {
    let finish: (figures: Figures | Error) => void = () => undefined;
    const finished = new Promise<Figures | Error>((r) => (finish = r));
    await workbench.page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
      const text = format(...args);
      if (text.startsWith(RESULT_PREFIX)) finish(JSON.parse(text.slice(RESULT_PREFIX.length)) as Figures);
      else if (/bench|Error/.test(text) && !/ENOTFOUND|open-vsx/.test(text)) console.log(text);
    });
    await workbench.page.exposeFunction('codeAutomationExit', (code: number) => {
      if (code !== 0) finish(new Error(`the benchmark in the extension host failed (exit ${code})`));
    });
    await workbench.page.goto(
      server.workbenchUrl([
        ['extensionDevelopmentPath', server.remote(PROJECT)],
        ['extensionTestsPath', server.remote(join(PROJECT, 'out/bench/inspector-host.js'))],
        ['extensionEnvironment', JSON.stringify({ INSPECTOR_BENCH: JSON.stringify({ host: registry.host, ...plan }) })],
      ]),
    );
    const timeout = new Promise<Error>((r) =>
      setTimeout(() => r(new Error(`no result within ${RUN_LIMIT_MS / 60000} minutes`)), RUN_LIMIT_MS).unref(),
    );
    const result = await Promise.race([finished, timeout]);
    if (result instanceof Error) throw result;
    return result;
  } finally {
    await workbench.close();
    await server.stop();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof Error ? err.stack : err);
      process.exit(1);
    },
  );
}
