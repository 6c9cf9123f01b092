// A real Docker daemon for the lab: Debian's `dockerd` (docker.io) started as root in a private
// folder — its own data root, exec root, config file and socket, vfs storage, no iptables and no
// bridge, so it touches nothing of the machine's — and in a mount namespace of its own, so the
// bind mounts it and its containerd make vanish with them even when they are killed. It runs no
// containers: tests use it for `docker load` and `docker image inspect`, reached through
// DOCKER_HOST as a user's docker CLI reaches a daemon that is not at the default socket.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { run, type ExecResult } from './exec';
import { ownChild, ownDir, releaseChild, releaseDir } from './exit-cleanup';

/** dockerd and its containerd usually answer within 2 s; a loaded machine gets much longer. */
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
/** A unix socket path is at most 107 bytes; containerd's lies deepest in the folder. */
const MAX_SOCKET_PATH = 100;

/** The command on the PATH, or in the system folders root's PATH has (dockerd is in /usr/sbin). */
function findCommand(command: string): string | undefined {
  const folders = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  return folders
    .filter(Boolean)
    .map((folder) => join(folder, command))
    .find((path) => existsSync(path));
}

/** Whether Debian's dockerd is installed (scripts/setup-system.sh installs docker.io). */
export function dockerdInstalled(): boolean {
  return findCommand('dockerd') !== undefined;
}

/** GET /_ping on the daemon's socket: true once the API answers OK. */
function pings(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ socketPath, path: '/_ping', timeout: 1000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class DockerDaemon {
  private readonly exited: Promise<void>;

  private constructor(
    readonly dir: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((done) => child.once('close', () => done()));
  }

  get socketPath(): string {
    return join(this.dir, 'docker.sock');
  }

  /** What the docker CLI, and so the extension, needs to reach this daemon. */
  get env(): { DOCKER_HOST: string } {
    return { DOCKER_HOST: `unix://${this.socketPath}` };
  }

  /** The daemon's temporary folder: `docker load` unpacks an archive here before it keeps anything. */
  get tempDir(): string {
    return join(this.dir, 'data', 'tmp');
  }

  get logPath(): string {
    return join(this.dir, 'dockerd.log');
  }

  logTail(lines = 20): string {
    return existsSync(this.logPath) ? readFileSync(this.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '';
  }

  static async start(): Promise<DockerDaemon> {
    const dockerd = findCommand('dockerd');
    if (!dockerd) throw new Error('dockerd is not installed: run npm run setup (scripts/setup-system.sh installs Debian’s docker.io)');
    if (process.getuid?.() !== 0)
      throw new Error('the lab starts dockerd as root (its vfs storage and mounts need it); run the tests as root');
    const unshare = findCommand('unshare');
    const setpriv = findCommand('setpriv');
    if (!unshare || !setpriv) throw new Error('unshare and setpriv (util-linux) are missing: install util-linux');
    const dir = await mkdtemp(join(tmpdir(), 'lab-dockerd-'));
    if (join(dir, 'exec/containerd/containerd-debug.sock').length > MAX_SOCKET_PATH) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`the temporary folder ${dir} is too deep for the daemon's unix sockets: set TMPDIR to a shorter path`);
    }
    ownDir(dir);
    // Its own config file, so nothing in /etc/docker/daemon.json applies.
    await writeFile(join(dir, 'daemon.json'), '{}\n');
    const args = [
      '--config-file',
      join(dir, 'daemon.json'),
      '--data-root',
      join(dir, 'data'),
      '--exec-root',
      join(dir, 'exec'),
      '--pidfile',
      join(dir, 'dockerd.pid'),
      '--host',
      `unix://${join(dir, 'docker.sock')}`,
      '--storage-driver=vfs',
      '--iptables=false',
      '--ip6tables=false',
      '--bridge=none',
    ];
    const logFd = openSync(join(dir, 'dockerd.log'), 'a');
    let child: ChildProcess;
    try {
      // setpriv's parent-death signal ends dockerd (and its containerd, which dockerd starts with
      // the same signal) even if node is SIGKILLed; unshare gives it a mount namespace of its own.
      child = spawn(setpriv, ['--pdeathsig', 'SIGKILL', unshare, '--mount', '--propagation', 'private', dockerd, ...args], {
        env: {
          ...process.env,
          PATH: `${process.env.PATH ?? ''}${delimiter}/usr/sbin${delimiter}/usr/bin${delimiter}/sbin${delimiter}/bin`,
        },
        stdio: ['ignore', logFd, logFd],
      });
    } finally {
      closeSync(logFd);
    }
    ownChild(child);
    let exitNote: string | undefined;
    child.once('exit', (code, signal) => {
      exitNote = signal ? `signal ${signal}` : `exit code ${code}`;
      releaseChild(child);
    });
    child.once('error', (err) => (exitNote = err.message));
    const daemon = new DockerDaemon(dir, child);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline && exitNote === undefined) {
      if (await pings(daemon.socketPath)) return daemon;
      await sleep(100);
    }
    const why = exitNote ?? `no answer on ${daemon.socketPath} within ${READY_TIMEOUT_MS} ms`;
    await daemon.stop();
    throw new Error(`dockerd did not start (${why}). Its log:\n${daemon.logTail()}`);
  }

  /** Runs the docker CLI against this daemon. */
  docker(args: readonly string[], timeoutMs = 60_000): Promise<ExecResult> {
    return run('docker', args, { env: { ...process.env, ...this.env }, timeoutMs });
  }

  /** `docker image inspect` of one image, or undefined when the daemon has no such image. */
  async inspectImage(name: string): Promise<{ Id: string; RepoTags: string[]; Os: string; Architecture: string } | undefined> {
    const listed = await this.docker(['image', 'ls', '--quiet', '--no-trunc', name]);
    if (!listed.stdout.trim()) return undefined;
    const { stdout } = await this.docker(['image', 'inspect', name]);
    const [image] = JSON.parse(stdout) as { Id: string; RepoTags: string[]; Os: string; Architecture: string }[];
    return image;
  }

  /** The archives `docker load` is unpacking right now (its `docker-import-*` folders). */
  importsInProgress(): string[] {
    return existsSync(this.tempDir) ? readdirSync(this.tempDir).filter((name) => name.startsWith('docker-import-')) : [];
  }

  /** SIGTERM, SIGKILL after a while; the folder goes too unless LAB_KEEP=1. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    if (process.env.LAB_KEEP === '1') {
      process.stderr.write(`lab: LAB_KEEP=1, kept the Docker daemon's folder ${this.dir}\n`);
      return;
    }
    await rm(this.dir, { recursive: true, force: true, maxRetries: 3 });
    releaseDir(this.dir);
  }
}
