// Runs one measured command in its own process under GNU time, so its wall time and peak RSS
// (ru_maxrss, which includes the children it waited for) are its own and nobody else's.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';

export interface Sample {
  /** Wall time of the whole child process, spawn to exit. */
  wallMs: number;
  /** Peak resident set size of the child (and the processes it waited for), in KiB. */
  peakRssKb: number;
  /** User + system CPU seconds of the child: steadier than wall time on a busy machine. */
  cpuSeconds: number;
  /** The system (kernel) part of cpuSeconds. */
  systemSeconds: number;
  stdout: string;
}

export interface MeasureOptions {
  env?: NodeJS.ProcessEnv;
  /** Folder for GNU time's output file. */
  scratchDir: string;
  timeoutMs?: number;
}

export function assertGnuTime(): void {
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} (GNU time, Debian package "time") is missing: run npm run setup`);
}

let counter = 0;

/** Runs `file args` under `/usr/bin/time -f '%M %U %S'` and fails with its stderr when it exits non-zero. */
export async function measure(file: string, args: readonly string[], options: MeasureOptions): Promise<Sample> {
  const timeFile = join(options.scratchDir, `time-${process.pid}-${++counter}.txt`);
  const started = performance.now();
  const { code, stdout, stderr } = await spawnCollect(GNU_TIME, ['-f', '%M %U %S', '-o', timeFile, file, ...args], options);
  const wallMs = performance.now() - started;
  const timeText = await readFile(timeFile, 'utf8').catch(() => '');
  await rm(timeFile, { force: true });
  if (code !== 0) throw new Error(`${file} ${args.join(' ')} exited with ${code}:\n${stderr.trim().split('\n').slice(-15).join('\n')}`);
  // GNU time writes "Command exited with non-zero status" first on failure; the last line is ours.
  const [peakRssKb, user, system] = (timeText.trim().split('\n').pop() ?? '').split(' ').map(Number);
  if (![peakRssKb, user, system].every(Number.isFinite)) throw new Error(`GNU time wrote no figures for ${file}: ${timeText}`);
  return { wallMs, peakRssKb: peakRssKb!, cpuSeconds: user! + system!, systemSeconds: system!, stdout };
}

function spawnCollect(
  file: string,
  args: readonly string[],
  options: MeasureOptions,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
