// What the lab starts must not outlive the test process: every child process it owns is killed
// and every folder it owns removed when the process exits, however it ends (LAB_KEEP=1 keeps the
// folders to look at). Registries, the Docker daemon and their folders register here.
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

const liveChildren = new Set<ChildProcess>();
const ownedDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
    if (process.env.LAB_KEEP === '1') return;
    for (const dir of ownedDirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  });
}

/** Kills `child` when the test process exits, until `releaseChild`. */
export function ownChild(child: ChildProcess): void {
  installExitHook();
  liveChildren.add(child);
}

export function releaseChild(child: ChildProcess): void {
  liveChildren.delete(child);
}

/** Removes `dir` when the test process exits, until `releaseDir` (after the owner removed it itself). */
export function ownDir(dir: string): void {
  installExitHook();
  ownedDirs.add(dir);
}

export function releaseDir(dir: string): void {
  ownedDirs.delete(dir);
}
