import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../support/lab/ports';
import { killQuietly, processesWithEnv, signalQuietly } from '../support/processes';

/**
 * A real VS Code for tests: code-server (VS Code's server and web workbench, with a real Node
 * extension host), installed by scripts/setup-vscode.sh into a cache folder outside this project.
 */
export interface VsCodeServer {
  port: number;
  /** The workbench URL for a folder, optionally with a test payload. */
  workbenchUrl(payload?: [string, string][]): string;
  /** A window with no folder open (code-server otherwise reopens the last folder). */
  emptyWindowUrl(): string;
  /** `vscode-remote://` URI of a local path, as the workbench payload wants it. */
  remote(path: string): string;
  runDir: string;
  /** Stops code-server and removes its run folder (profile, extensions, workspace); LAB_KEEP=1 keeps the folder. */
  stop(): Promise<void>;
}

export interface VsCodeServerOptions {
  /** User settings written before start (User/settings.json). */
  settings?: Record<string, unknown>;
  /**
   * Settings of the machine the extension runs on (Machine/settings.json: the "Remote" tab of the
   * Settings editor). In a remote window, which code-server's is, VS Code applies machine-scoped
   * settings such as `registryExplorer.registries` only from here: the same keys in the user's
   * settings reach the extension at first, then vanish a moment later.
   */
  machineSettings?: Record<string, unknown>;
  /** A .vsix installed the way a user installs one. */
  vsix?: string;
  /** More extensions to install the same way (the GitHub sign-in stand-in). */
  extraVsix?: string[];
  /** Built-in extensions left out (VS Code's server reads VSCODE_SKIP_BUILTIN_EXTENSIONS), e.g. one the run replaces. */
  skipBuiltinExtensions?: string[];
  /** Extra environment for the server and its extension host. */
  env?: Record<string, string>;
  /** A fixed port (the demo's); by default a free one. */
  port?: number;
  /**
   * Workspace trust as a person meets it: on, and the workspace folder not yet trusted (Restricted
   * Mode). By default trust is off, so every workspace is trusted.
   */
  restrictedMode?: boolean;
  /** The default log level of every log, extension log channels included (default info). */
  logLevel?: 'trace' | 'debug' | 'info';
}

const PROJECT = resolve(__dirname, '../../..');

/** Runs scripts/setup-vscode.sh (a no-op when cached) and returns the install folder. */
export function installVsCode(): string {
  const result = spawnSync('bash', [join(PROJECT, 'scripts/setup-vscode.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) throw new Error('scripts/setup-vscode.sh failed: see its output above.');
  return result.stdout.trim().split('\n').pop()!;
}

export async function startVsCodeServer(options: VsCodeServerOptions = {}): Promise<VsCodeServer> {
  const installDir = installVsCode();
  const codeServer = join(installDir, 'node_modules/.bin/code-server');
  const runDir = mkdtempSync(join(process.env.E2E_TMP ?? tmpdir(), 'vscode-'));
  const workspace = join(runDir, 'workspace');
  const userData = join(runDir, 'user-data');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(join(userData, 'User'), { recursive: true });
  if (options.machineSettings) {
    mkdirSync(join(userData, 'Machine'), { recursive: true });
    writeFileSync(join(userData, 'Machine/settings.json'), JSON.stringify(options.machineSettings, null, 2));
  }
  writeFileSync(
    join(userData, 'User/settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'telemetry.telemetryLevel': 'off',
        'extensions.autoUpdate': false,
        'extensions.autoCheckUpdates': false,
        'chat.disableAIFeatures': true,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'workbench.tips.enabled': false,
        'security.workspace.trust.enabled': options.restrictedMode === true,
        // No modal at startup: the folder opens in Restricted Mode, as after "Don't Trust".
        ...(options.restrictedMode ? { 'security.workspace.trust.startupPrompt': 'never' } : {}),
        ...options.settings,
      },
      null,
      2,
    ),
  );
  // Every process of this VS Code inherits it: how stop() finds the extension hosts that outlive code-server.
  const marker = `REGISTRY_EXPLORER_VSCODE_RUN=${runDir}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REGISTRY_EXPLORER_VSCODE_RUN: runDir,
    XDG_DATA_HOME: join(runDir, 'xdg'),
    XDG_CONFIG_HOME: join(runDir, 'xdg'),
    XDG_CACHE_HOME: join(runDir, 'xdg'),
    TMPDIR: join(runDir, 'tmp'),
    ...(options.skipBuiltinExtensions?.length ? { VSCODE_SKIP_BUILTIN_EXTENSIONS: options.skipBuiltinExtensions.join(',') } : {}),
    ...options.env,
    // A PATH the run gives (tools a user would have, such as credential helpers) still finds Node first.
    PATH: `${join(installDir, 'node24/bin')}:${options.env?.PATH ?? process.env.PATH}`,
  };
  mkdirSync(env.TMPDIR!, { recursive: true });
  const base = ['--config', join(runDir, 'code-server.yaml'), '--user-data-dir', userData, '--extensions-dir', join(runDir, 'extensions')];
  for (const vsix of [...(options.vsix ? [options.vsix] : []), ...(options.extraVsix ?? [])]) {
    const install = spawnSync(codeServer, [...base, '--install-extension', vsix], { env, encoding: 'utf8' });
    if (install.status !== 0) throw new Error(`code-server could not install ${vsix}: ${install.stderr || install.stdout}`);
  }
  const port = options.port ?? (await freePort());
  const server: ChildProcess = spawn(
    codeServer,
    [
      ...base,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      ...(options.restrictedMode ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      '--log',
      options.logLevel ?? 'info',
      // Without the smoke-test driver the workbench ignores the test payload (and the run times out).
      '--vscode-option',
      'enable-smoke-test-driver',
      workspace,
    ],
    { env, stdio: ['ignore', 'ignore', 'pipe'], detached: false },
  );
  let stderr = '';
  server.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const killOnExit = () => {
    server.kill('SIGKILL');
    for (const p of processesWithEnv(marker)) killQuietly(p.pid);
  };
  process.once('exit', killOnExit);

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`code-server exited early (${server.exitCode}): ${stderr}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`code-server did not come up on port ${port} within 60 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 250));
  }

  const remote = (path: string) => `vscode-remote://127.0.0.1:${port}${path}`;
  return {
    port,
    runDir,
    remote,
    workbenchUrl: (payload) =>
      `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}${payload ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : ''}`,
    emptyWindowUrl: () => `http://127.0.0.1:${port}/?ew=true`,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      // The `code-server` command is a launcher: its server, extension hosts and watchers are
      // processes of their own that outlive it (an extension host waits hours for its window),
      // holding the run folder open. All of them (found by the marker) get SIGTERM, and SIGKILL
      // if still running 5 s later; a process that needed that is said.
      const signalAll = (signal: NodeJS.Signals) => {
        if (server.exitCode === null) server.kill(signal);
        for (const p of processesWithEnv(marker)) signalQuietly(p.pid, signal);
      };
      signalAll('SIGTERM');
      if (!(await allEnded(server, marker, 5000))) {
        const stubborn = processesWithEnv(marker);
        signalAll('SIGKILL');
        await allEnded(server, marker, 5000);
        if (stubborn.length)
          process.stderr.write(
            `[vscode-server] ${stubborn.length} process${stubborn.length === 1 ? '' : 'es'} of code-server ignored SIGTERM for 5 s (killed): ${stubborn.map((p) => p.command.slice(0, 160)).join(' | ')}\n`,
          );
      }
      // A user's VS Code keeps its profile; this one was made for a single run (the demo's included).
      if (process.env.LAB_KEEP === '1') process.stderr.write(`LAB_KEEP=1: kept VS Code's run folder ${runDir}\n`);
      else await rm(runDir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/** Whether code-server and every process holding `marker` ended within `timeoutMs`. */
async function allEnded(server: ChildProcess, marker: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((server.exitCode !== null || server.signalCode !== null) && processesWithEnv(marker).length === 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}
