// A real HTTP proxy for the lab: Debian's squid on 127.0.0.1, one process with three ports — `open`
// (anyone), `auth` (Basic login required, from an htpasswd file) and `noConnect` (refuses CONNECT,
// forwards plain HTTP), all refusing `denied.test` — and a hosts file that points the lab's `.test` names at 127.0.0.1, so
// the proxy reaches the lab's registries by the names the client asks for. Its access log records,
// per request, the port it came in on, method, URL, status, and whether Authorization and
// Proxy-Authorization headers reached it (CONNECT lines show only what the tunnel request carried,
// and are written when the tunnel closes: close the client's connections before reading).
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { run } from './exec';
import { freePort } from './ports';

export interface SquidOptions {
  /** Names the proxy resolves to 127.0.0.1 (the client reaches them through it by these names). */
  names: readonly string[];
  /** The user of the `auth` port. */
  user: { username: string; password: string };
}

/** One line of the access log. */
export interface ProxyLogLine {
  /** Which of the proxy's ports the request came in on. */
  port: 'open' | 'auth' | 'noConnect' | 'unknown';
  method: string;
  /** `host:port` for CONNECT, the absolute URL for forwarded requests. */
  url: string;
  status: number;
  /** The registry Authorization header as the proxy saw it ('-' when none). */
  authorization: string;
  /** Whether a Proxy-Authorization header reached the proxy. */
  proxyAuthorized: boolean;
}

const READY_TIMEOUT_MS = 20_000;

function onPath(command: string): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(delimiter))
    if (folder && existsSync(join(folder, command))) return join(folder, command);
  return ['/usr/sbin/squid'].find((p) => existsSync(p));
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export class SquidProxy {
  private exited: Promise<void>;

  private constructor(
    readonly dir: string,
    readonly ports: { open: number; auth: number; noConnect: number },
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((done) => child.once('exit', () => done()));
  }

  /** `http://127.0.0.1:<port>` of one of the proxy's ports. */
  url(which: keyof SquidProxy['ports']): string {
    return `http://127.0.0.1:${this.ports[which]}`;
  }

  get accessLogPath(): string {
    return join(this.dir, 'access.log');
  }

  static async start(options: SquidOptions): Promise<SquidProxy> {
    const squid = onPath('squid');
    if (!squid) throw new Error('squid is not installed: run npm run setup (scripts/setup-system.sh installs Debian’s squid)');
    const dir = await mkdtemp(join(tmpdir(), 'lab-squid-'));
    // Started as root, squid runs as the `proxy` user: it must be able to write here.
    chmodSync(dir, 0o777);
    const [open, auth, noConnect] = [await freePort(), await freePort(), await freePort()];
    const { stdout: entry } = await run('htpasswd', ['-nbm', options.user.username, options.user.password]);
    await writeFile(join(dir, 'passwd'), entry, { mode: 0o644 });
    await writeFile(join(dir, 'hosts'), `127.0.0.1 ${options.names.join(' ')}\n`, { mode: 0o644 });
    const conf = [
      `http_port 127.0.0.1:${open} name=open`,
      `http_port 127.0.0.1:${auth} name=auth`,
      `http_port 127.0.0.1:${noConnect} name=noConnect`,
      `pid_filename ${join(dir, 'squid.pid')}`,
      `cache_log ${join(dir, 'cache.log')}`,
      `coredump_dir ${dir}`,
      'logformat lab %ts.%03tu %>lp %rm %ru %>Hs "%{Authorization}>h" "%{Proxy-Authorization}>h"',
      `access_log stdio:${join(dir, 'access.log')} lab`,
      'buffered_logs off',
      `hosts_file ${join(dir, 'hosts')}`,
      // Only the hosts file: nothing is looked up anywhere else.
      'dns_nameservers 127.0.0.1',
      'dns_timeout 2 seconds',
      'cache deny all',
      'cache_mem 4 MB',
      'shutdown_lifetime 0 seconds',
      'via off',
      'forwarded_for delete',
      `auth_param basic program /usr/lib/squid/basic_ncsa_auth ${join(dir, 'passwd')}`,
      'auth_param basic children 2 startup=1',
      'auth_param basic realm lab-proxy',
      'acl openPort myportname open',
      'acl authPort myportname auth',
      'acl noConnectPort myportname noConnect',
      'acl CONNECT method CONNECT',
      // A host every port refuses, as a company proxy refuses sites it does not allow.
      'acl deniedHost dstdomain denied.test',
      'http_access deny deniedHost',
      'acl authed proxy_auth REQUIRED',
      'http_access allow openPort',
      'http_access deny noConnectPort CONNECT',
      'http_access allow noConnectPort',
      'http_access allow authPort authed',
      'http_access deny all',
      ...(process.getuid?.() === 0 ? ['cache_effective_user proxy'] : []),
      '',
    ].join('\n');
    await writeFile(join(dir, 'squid.conf'), conf, { mode: 0o644 });
    const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
    const args = ['-N', '-f', join(dir, 'squid.conf')];
    const child = setpriv
      ? spawn(setpriv, ['--pdeathsig', 'SIGKILL', squid, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(squid, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-4000)));
    let exitNote: string | undefined;
    child.once('exit', (code, signal) => (exitNote = signal ? `signal ${signal}` : `exit code ${code}`));
    child.once('error', (err) => (exitNote = err.message));
    const proxy = new SquidProxy(dir, { open, auth, noConnect }, child);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (exitNote !== undefined) break;
      if ((await accepts(open)) && (await accepts(auth)) && (await accepts(noConnect))) return proxy;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    const log = existsSync(join(dir, 'cache.log')) ? readFileSync(join(dir, 'cache.log'), 'utf8').slice(-3000) : '';
    throw new Error(`squid did not start (${exitNote ?? 'not listening in time'}):\n${stderr}\n${log}`);
  }

  /** Every line of the access log so far. */
  log(): ProxyLogLine[] {
    if (!existsSync(this.accessLogPath)) return [];
    const byPort = new Map<number, ProxyLogLine['port']>([
      [this.ports.open, 'open'],
      [this.ports.auth, 'auth'],
      [this.ports.noConnect, 'noConnect'],
    ]);
    return readFileSync(this.accessLogPath, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((line) => {
        const m = /^\S+ (\d+) (\S+) (\S+) (\d+) "(.*)" "(.*)"$/.exec(line);
        if (!m) throw new Error(`unexpected squid access log line: ${line}`);
        return {
          port: byPort.get(Number(m[1])) ?? 'unknown',
          method: m[2]!,
          url: m[3]!,
          status: Number(m[4]),
          authorization: m[5]!,
          proxyAuthorized: m[6] !== '-' && m[6] !== '',
        };
      });
  }

  /** The lines after the first `before`, once there are `enough` of them or they show what `enough` asks (lines are written as transactions end); what there is after `ms`. */
  async waitForLines(before: number, enough: number | ((lines: ProxyLogLine[]) => boolean), ms = 5000): Promise<ProxyLogLine[]> {
    const deadline = Date.now() + ms;
    const done = typeof enough === 'number' ? (lines: ProxyLogLine[]) => lines.length >= enough : enough;
    for (;;) {
      const lines = this.log().slice(before);
      if (done(lines) || Date.now() > deadline) return lines;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
    if (process.env.LAB_KEEP !== '1') await rm(this.dir, { recursive: true, force: true });
  }
}
