/**
 * Finding and ending the processes a test started, however deep they were spawned and whoever
 * became their parent: by an environment entry set on the first one, which every process it
 * starts inherits (Linux's /proc; elsewhere none are found). code-server's extension hosts, for
 * one, can outlive the server they were started by.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Live processes (other than this one) whose environment holds `entry` (`NAME=value`), with their command lines. */
export function processesWithEnv(entry: string): { pid: number; command: string }[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: { pid: number; command: string }[] = [];
  for (const name of pids) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const pid = Number(name);
    if (!readQuietly(`/proc/${pid}/environ`).split('\0').includes(entry)) continue;
    const command = readQuietly(`/proc/${pid}/cmdline`).split('\0').join(' ').trim();
    // Gone meanwhile, or a zombie: nothing left to end.
    if (command) found.push({ pid, command });
  }
  return found;
}

export function killQuietly(pid: number): void {
  signalQuietly(pid, 'SIGKILL');
}

/** Sends `signal` to `pid`, if it is still there. */
export function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone
  }
}

function readQuietly(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return '';
  }
}
