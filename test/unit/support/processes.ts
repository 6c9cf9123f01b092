// Process checks the tests of child processes share (credential helpers, credential_process).
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Whether a process still runs (a zombie waiting for its parent counts as gone). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

/**
 * A test program that wrote its own pid to `<folder>/pid` and its child's to `<folder>/sleep-pid`:
 * waits (at most a second for each) for the child to be started and then for both to be gone, and
 * asserts that neither still runs. `what` names the program in the assertion messages.
 */
export async function assertGoneWithItsChild(folder: string, what: string): Promise<void> {
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  for (let i = 0; i < 40 && !existsSync(join(folder, 'sleep-pid')); i++) await sleep(25);
  const pid = Number(readFileSync(join(folder, 'pid'), 'utf8'));
  const childPid = Number(readFileSync(join(folder, 'sleep-pid'), 'utf8'));
  for (let i = 0; i < 40 && (isRunning(pid) || isRunning(childPid)); i++) await sleep(25);
  assert.equal(isRunning(pid), false, `${what} still runs`);
  assert.equal(isRunning(childPid), false, `${what}'s child still runs`);
}
