/**
 * The README's demo line, checked the way a newcomer uses it: `npm run demo` is started through npm
 * (so it meets the same environment as on a user's machine), then this waits for the URLs it prints,
 * checks the workbench answers and the demo registry lists its repositories, opens the workbench in
 * Chromium and sees the Registry Explorer view list them, presses Ctrl+C (SIGINT to the whole
 * process group, as a terminal does) and checks that nothing it started is left running, and that
 * it left no files in the temporary folder (each run would otherwise leave a VS Code profile there).
 *   node out/test/e2e/demo-check.js      screenshot in test/e2e/screenshots/00-demo.png
 */
// First: this check's temporary folders, the demo's included, go under one folder removed at exit.
import '../support/temp-root';
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { freePort } from '../support/lab/ports';
import { killQuietly, processesWithEnv } from '../support/processes';
import { row, shoot } from './ui';
import { openWorkbench } from './workbench';

const PROJECT = resolve(__dirname, '../../..');
/** The first run packages the extension and may install the test VS Code: a few minutes. */
const START_LIMIT_MS = 15 * 60_000;
const STOP_LIMIT_MS = 30_000;

async function main(): Promise<void> {
  const [vscodePort, registryPort] = [await freePort(), await freePort()];
  // Every process the demo starts inherits this variable: how leftovers are found after Ctrl+C.
  const marker = `demo-check-${randomBytes(6).toString('hex')}`;
  // The demo's temporary folder, empty at the start: whatever is in it after Ctrl+C was left behind.
  const demoTmp = mkdtempSync(join(tmpdir(), 'demo-check-'));
  const demo = spawn('npm', ['run', 'demo'], {
    cwd: PROJECT,
    detached: true, // its own process group, like a terminal's foreground job
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DEMO_PORT: String(vscodePort),
      DEMO_REGISTRY_PORT: String(registryPort),
      REGISTRY_EXPLORER_DEMO_CHECK: marker,
      TMPDIR: demoTmp,
    },
  });
  let output = '';
  const printed = new Promise<{ registryUrl: string; workbenchUrl: string }>((resolvePrinted, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm run demo printed no workbench URL within ${START_LIMIT_MS / 60_000} minutes`)),
      START_LIMIT_MS,
    );
    const onData = (chunk: Buffer) => {
      process.stdout.write(chunk);
      output += chunk.toString();
      const registryUrl = /^Demo registry: (\S+)/m.exec(output)?.[1];
      const workbenchUrl = /^VS Code with OCI Registry Explorer: (\S+)/m.exec(output)?.[1];
      if (registryUrl && workbenchUrl) {
        clearTimeout(timer);
        resolvePrinted({ registryUrl, workbenchUrl });
      }
    };
    demo.stdout.on('data', onData);
    demo.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    demo.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`npm run demo exited (${code ?? signal}) before it was ready`));
    });
  });
  const exited = new Promise<number | string>((r) => demo.once('exit', (code, signal) => r(code ?? signal ?? 'unknown')));

  // The demo takes DEMO_REGISTRY_PORT when it is free, another one otherwise: the printed URL says.
  let demoRegistryPort = registryPort;
  try {
    const { registryUrl, workbenchUrl } = await printed;
    demoRegistryPort = Number(new URL(registryUrl).port);
    assert.ok(workbenchUrl.startsWith(`http://127.0.0.1:${vscodePort}/`), `the workbench URL uses DEMO_PORT: ${workbenchUrl}`);

    const page = await fetch(workbenchUrl, { redirect: 'manual' });
    assert.ok(page.status === 200 || page.status === 302, `the workbench answers (HTTP ${page.status})`);
    const catalog = (await (await fetch(`${registryUrl}/v2/_catalog`)).json()) as { repositories?: string[] };
    const repositories = catalog.repositories ?? [];
    assert.ok(
      repositories.includes('apps/web') && repositories.length >= 5,
      `the demo registry lists its sample repositories: ${repositories.join(', ')}`,
    );
    console.log(`[demo-check] workbench answers; the registry lists ${repositories.length} repositories`);

    const screenshots = join(PROJECT, 'test/e2e/screenshots');
    mkdirSync(screenshots, { recursive: true });
    const workbench = await openWorkbench();
    try {
      await workbench.page.goto(workbenchUrl);
      await workbench.page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
      const entry = workbench.page.locator('.activitybar [aria-label^="Registries"]').first();
      await entry.waitFor({ timeout: 60_000 });
      await entry.click();
      const registryRow = row(workbench.page, 'Demo lab registry');
      await registryRow.waitFor({ timeout: 60_000 });
      await registryRow.click();
      for (const repository of repositories) await row(workbench.page, repository).waitFor({ timeout: 30_000 });
      await shoot(workbench.page, screenshots, '00-demo', { x: 900, y: 650, settleMs: 700 });
      console.log(`[demo-check] the Registry Explorer view lists all ${repositories.length} repositories; screenshot 00-demo.png`);
    } catch (err) {
      await workbench.page.screenshot({ path: join(screenshots, 'demo-failure.png') }).catch(() => undefined);
      throw err;
    } finally {
      await workbench.close();
    }
    // The leftover check below finds the demo's processes by the marker (the registry, which the lab
    // starts with an environment of its own, by its port): prove it sees them now.
    const running = processesWith(marker).map((p) => p.command);
    assert.ok(
      running.some((command) => /code-server/.test(command)),
      `the marker finds the demo's code-server (found: ${running.join(' | ')})`,
    );
    assert.ok(await accepts(demoRegistryPort), 'the demo registry listens before Ctrl+C');
  } finally {
    await stopLikeCtrlC(demo.pid!, exited, marker);
  }
  const left = processesWith(marker);
  if (left.length) {
    for (const p of left) killQuietly(p.pid);
    throw new Error(
      `after Ctrl+C these processes of the demo were still running (now killed):\n${left.map((p) => `  ${p.pid} ${p.command}`).join('\n')}`,
    );
  }
  for (const port of [vscodePort, demoRegistryPort]) assert.ok(!(await accepts(port)), `nothing listens on port ${port} after Ctrl+C`);
  console.log('[demo-check] Ctrl+C stopped the demo: no process left, both ports closed');
  if (process.env.LAB_KEEP === '1') return; // the demo kept its folders, as asked
  const leftFiles = readdirSync(demoTmp);
  assert.deepEqual(leftFiles, [], `after Ctrl+C the demo left these in its temporary folder: ${leftFiles.join(', ')}`);
  console.log('[demo-check] and left nothing in its temporary folder');
}

/** SIGINT to the process group, as a terminal sends on Ctrl+C; waits for the demo to end. */
async function stopLikeCtrlC(pid: number, exited: Promise<number | string>, marker: string): Promise<void> {
  try {
    process.kill(-pid, 'SIGINT');
  } catch {
    return; // already gone
  }
  const outcome = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), STOP_LIMIT_MS))]);
  if (outcome === 'timeout') {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
    throw new Error(`npm run demo did not stop within ${STOP_LIMIT_MS / 1000} s of Ctrl+C`);
  }
  // Child processes may still be on their way out for a moment after the group leader.
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (processesWith(marker).length === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Live processes (other than this one) whose environment carries the marker. */
function processesWith(marker: string): { pid: number; command: string }[] {
  return processesWithEnv(`REGISTRY_EXPLORER_DEMO_CHECK=${marker}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((r) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      r(true);
    });
    socket.once('error', () => r(false));
  });
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`[demo-check] failed: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  },
);
