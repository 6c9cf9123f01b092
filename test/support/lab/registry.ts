// The lab: real `docker-registry` (CNCF Distribution 2.8) processes on loopback, one per variant
// (plain, TLS flavours, Basic/token auth, deletes off, pull-through mirror), plus the token server.
// A registry listens on 127.0.0.1 unless told another loopback address (127.0.0.2…, ::1), so
// the lab can hold several hosts; two registries can serve one storage, as two fronts of one.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { hostPort, type LoopbackAddress, requireLoopback } from './addresses';
import { u8 } from './bytes';
import { type CertKeyPair, generateCerts, type LabCerts, type TlsMode } from './certs';
import { run } from './exec';
import { freePort } from './ports';
import { registryConfigYaml, type RegistryConfigInput } from './registry-config';
import { labRequest } from './request';
import { TokenServer } from './token-server';
import { ownChild, ownDir, releaseChild, releaseDir } from './exit-cleanup';

export type { TlsMode } from './certs';
export type AuthMode = 'basic' | 'token';

export interface Credentials {
  username: string;
  password: string;
}

export interface RegistryOptions {
  /** Label used in folder names, token `service` and messages. Made unique within the lab. */
  name?: string;
  tls?: TlsMode;
  /** With `tls`: require a client certificate signed by the lab CA (mTLS). */
  clientCertRequired?: boolean;
  auth?: AuthMode;
  /** Default true. False makes DELETE answer 405 UNSUPPORTED. */
  deleteEnabled?: boolean;
  /** Makes this registry a pull-through mirror of another lab registry. */
  proxyOf?: LabRegistry;
  /** A fixed port (the demo uses 5000); by default a free one is picked. */
  port?: number;
  /** The loopback address to listen on (default 127.0.0.1): another address is another host. */
  address?: LoopbackAddress;
  /**
   * Distribution's `http.host`: the origin its upload locations point at, instead of the one the
   * client used (a registry whose uploads go to another host).
   */
  externalUrl?: string;
  /**
   * Serve the storage (and HTTP secret, so upload sessions carry over) of this registry: a second
   * front of the same registry, e.g. an upload host without auth beside a front that requires it.
   */
  storageOf?: LabRegistry;
  /** With auth 'token': this token server's tokens (default the lab's one for the scheme). */
  tokenServer?: TokenServer;
  /** With auth 'token': the realm to advertise (default the token server's own URL), e.g. under a name a resolve rule maps. */
  tokenRealm?: string;
  /**
   * Accept manifests whose foreign or non-distributable layers are hosted elsewhere, at loopback
   * http(s) URLs only (a Windows image's base layers, which Docker Hub accepts from Microsoft's host).
   */
  foreignLayers?: boolean;
}

export interface LabOptions {
  /** Use this folder as-is and never delete it. Default: a fresh folder under $LAB_DIR or os.tmpdir(). */
  dir?: string;
}

/** The optional LabRegistry fields, filled in while building a registry's configuration. */
interface RegistryExtras {
  caCertPath?: string;
  clientCert?: CertKeyPair;
  certDir?: string;
  credentials?: Credentials;
  readOnlyCredentials?: Credentials;
  tokenServer?: TokenServer;
  tokenService?: string;
}

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
/** The layer URLs a registry started with `foreignLayers` accepts: http(s) on loopback, nothing else. */
const FOREIGN_LAYER_URLS = '^https?://(127\\.[0-9]+\\.[0-9]+\\.[0-9]+|\\[::1\\])(:[0-9]+)?/';

function onPath(command: string): string | null {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(folder, command);
    if (folder && existsSync(candidate)) return candidate;
  }
  return null;
}

/** The part of a file after `offset` (the current start's log lines). */
function readFrom(path: string, offset: number): string {
  const fd = openSync(path, 'r');
  try {
    const length = Math.max(0, fstatSync(fd).size - offset);
    const buffer = Buffer.alloc(length);
    const read = readSync(fd, u8(buffer), 0, length, offset);
    return buffer.subarray(0, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class LabRegistry {
  readonly host: string;
  readonly url: string;
  readonly scheme: 'http' | 'https';
  readonly dataDir: string;
  readonly logPath: string;
  readonly configPath: string;
  /** The CA to trust, when TLS is on (any variant). */
  readonly caCertPath?: string;
  /** A folder with `ca.crt` (and the client pair under mTLS) for skopeo `--cert-dir`, when TLS is on. */
  readonly certDir?: string;
  /** The client certificate to present, when the registry requires mTLS. */
  readonly clientCert?: CertKeyPair;
  /** Full-access user ('alice'), when auth is on. */
  readonly credentials?: Credentials;
  /** Pull-only user ('bob'), token auth only (htpasswd cannot restrict a user). */
  readonly readOnlyCredentials?: Credentials;
  /** The token server whose realm this registry advertises (auth 'token'). */
  readonly tokenServer?: TokenServer;
  /** The address it listens on. */
  readonly address: LoopbackAddress;
  /** The `service` this registry expects in tokens (auth 'token'). */
  readonly tokenService?: string;
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly lab: Lab,
    readonly name: string,
    readonly port: number,
    readonly dir: string,
    readonly options: Readonly<RegistryOptions>,
    private readonly env: NodeJS.ProcessEnv,
    extra: RegistryExtras,
    /** Distribution's http.secret (shared by a second front of the same storage). */
    readonly httpSecret: string,
    dataDir: string,
  ) {
    this.scheme = options.tls ? 'https' : 'http';
    this.address = options.address ?? '127.0.0.1';
    this.host = hostPort(this.address, port);
    this.url = `${this.scheme}://${this.host}`;
    this.dataDir = dataDir;
    this.logPath = join(dir, 'registry.log');
    this.configPath = join(dir, 'config.yml');
    Object.assign(this, extra);
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** The registry process's id while it runs (the bench reads its CPU time from /proc). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get deleteEnabled(): boolean {
    return this.options.deleteEnabled ?? true;
  }

  /** Everything the registry printed so far: its own log lines and the access log. */
  readLog(): string {
    return existsSync(this.logPath) ? readFileSync(this.logPath, 'utf8') : '';
  }

  logTail(lines = 25): string {
    return this.readLog().trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Starts the process (again) on the same port and storage and waits until /v2/ answers. */
  async start(): Promise<void> {
    if (this.child) return;
    appendFileSync(this.logPath, `--- lab: starting ${this.name} on ${this.url} at ${new Date().toISOString()} ---\n`);
    const logOffset = statSync(this.logPath).size;
    const logFd = openSync(this.logPath, 'a');
    // setpriv's parent-death signal kills the registry even if node itself is SIGKILLed.
    const setpriv = onPath('setpriv');
    const [file, args] = setpriv
      ? [setpriv, ['--pdeathsig', 'SIGKILL', 'docker-registry', 'serve', this.configPath]]
      : ['docker-registry', ['serve', this.configPath]];
    let child: ChildProcess;
    try {
      child = spawn(file, args, { cwd: this.dir, env: this.env, stdio: ['ignore', logFd, logFd] });
    } finally {
      closeSync(logFd);
    }
    ownChild(child);
    this.child = child;
    let exitNote: string | null = null;
    this.exited = new Promise<void>((done) => {
      const finished = (why: string): void => {
        exitNote ??= why;
        releaseChild(child);
        if (this.child === child) this.child = null;
        done();
      };
      child.once('exit', (code, signal) => finished(signal ? `signal ${signal}` : `exit code ${code}`));
      child.once('error', (err) => finished(`spawn error: ${err.message} (is docker-registry installed? run: npm run setup)`));
    });

    const deadline = Date.now() + READY_TIMEOUT_MS;
    const clientCert = this.clientCert;
    while (Date.now() < deadline) {
      if (exitNote !== null) {
        throw new Error(
          `lab registry ${this.name} stopped (${exitNote}) before answering ${this.url}/v2/. Log ${this.logPath}:\n${this.logTail()}`,
        );
      }
      // Wait for this process's own "listening on" line first: otherwise another server already on
      // the port could answer the probe while this one fails to bind.
      if (!readFrom(this.logPath, logOffset).includes(`listening on ${this.host}`)) {
        await sleep(50);
        continue;
      }
      try {
        await labRequest(`${this.url}/v2/`, {
          rejectUnauthorized: false,
          timeoutMs: 1000,
          cert: clientCert ? readFileSync(clientCert.certPath) : undefined,
          key: clientCert ? readFileSync(clientCert.keyPath) : undefined,
        });
        return;
      } catch {
        await sleep(100);
      }
    }
    await this.kill();
    throw new Error(
      `lab registry ${this.name} did not answer ${this.url}/v2/ within ${READY_TIMEOUT_MS} ms. Log ${this.logPath}:\n${this.logTail()}`,
    );
  }

  /** Resolves when the current process exits (at once if it is not running). */
  whenExited(): Promise<void> {
    return this.exited;
  }

  /** SIGTERM, then SIGKILL if it has not exited after a few seconds. Storage is kept. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL right away (fault tests: the registry dies mid-transfer). */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

export class Lab {
  /** The full-access user of every auth-enabled registry in this lab (random password per run). */
  readonly user: Credentials = { username: 'alice', password: randomBytes(12).toString('hex') };
  /** The pull-only user (token auth). */
  readonly readOnlyUser: Credentials = { username: 'bob', password: randomBytes(12).toString('hex') };
  private readonly started: LabRegistry[] = [];
  private readonly names = new Set<string>();
  private certsPromise: Promise<LabCerts> | null = null;
  private htpasswdPromise: Promise<string> | null = null;
  private readonly tokenServers = new Map<'http' | 'https', Promise<TokenServer>>();

  private constructor(
    readonly dir: string,
    private readonly owned: boolean,
  ) {}

  static async create(options: LabOptions = {}): Promise<Lab> {
    if (options.dir) {
      const dir = resolve(options.dir);
      await mkdir(dir, { recursive: true });
      return new Lab(dir, false);
    }
    const parent = process.env.LAB_DIR ? resolve(process.env.LAB_DIR) : os.tmpdir();
    await mkdir(parent, { recursive: true });
    const dir = await mkdtemp(join(parent, 'oci-lab-'));
    ownDir(dir);
    return new Lab(dir, true);
  }

  get registries(): readonly LabRegistry[] {
    return this.started;
  }

  /** The run's certificates, generated on first use. */
  certs(): Promise<LabCerts> {
    this.certsPromise ??= generateCerts(join(this.dir, 'certs'));
    return this.certsPromise;
  }

  /** The lab's token server for that scheme (https uses the CA-signed 127.0.0.1 certificate). */
  tokenServer(scheme: 'http' | 'https' = 'http'): Promise<TokenServer> {
    let server = this.tokenServers.get(scheme);
    if (!server) {
      server = this.certs().then((certs) =>
        TokenServer.start({
          signingKeyPath: certs.tokenSigning.keyPath,
          signingCertPath: certs.tokenSigning.certPath,
          users: {
            [this.user.username]: { password: this.user.password },
            [this.readOnlyUser.username]: { password: this.readOnlyUser.password, readOnly: true },
          },
          tls: scheme === 'https' ? certs.servers.ca : undefined,
        }),
      );
      this.tokenServers.set(scheme, server);
    }
    return server;
  }

  async startRegistry(options: RegistryOptions = {}): Promise<LabRegistry> {
    const name = this.uniqueName(options.name ?? defaultName(options));
    const dir = join(this.dir, 'registries', name);
    const address = requireLoopback(options.address ?? '127.0.0.1', 'registry address');
    const shared = options.storageOf;
    const dataDir = shared?.dataDir ?? join(dir, 'data');
    await mkdir(dir, { recursive: true });
    await mkdir(dataDir, { recursive: true });
    const certs = options.tls || options.auth === 'token' || options.proxyOf?.options.tls ? await this.certs() : null;
    const extra: RegistryExtras = {};
    const input: Omit<RegistryConfigInput, 'listen'> = {
      dataDir,
      httpSecret: shared?.httpSecret ?? randomBytes(16).toString('hex'),
      deleteEnabled: options.deleteEnabled ?? true,
      externalUrl: options.externalUrl,
      layerUrlsAllowed: options.foreignLayers ? [FOREIGN_LAYER_URLS] : undefined,
    };
    if (options.tls && certs) {
      const server = certs.servers[options.tls];
      input.tls = { ...server, clientCaPath: options.clientCertRequired ? certs.ca.certPath : undefined };
      extra.caCertPath = certs.ca.certPath;
      extra.certDir = options.clientCertRequired ? certs.containersClientCertDir : certs.containersCertDir;
      if (options.clientCertRequired) extra.clientCert = certs.client;
    }
    if (options.auth === 'basic') {
      input.htpasswd = { realm: 'lab-basic', path: await this.htpasswdFile() };
      extra.credentials = { ...this.user };
    } else if (options.auth === 'token' && certs) {
      const tokens = options.tokenServer ?? (await this.tokenServer(options.tls ? 'https' : 'http'));
      extra.tokenServer = tokens;
      extra.tokenService = `lab-${name}`;
      input.token = {
        realm: options.tokenRealm ?? tokens.realm,
        service: extra.tokenService,
        issuer: tokens.issuer,
        rootCertBundle: certs.tokenSigning.certPath,
      };
      extra.credentials = { ...this.user };
      extra.readOnlyCredentials = { ...this.readOnlyUser };
    }
    // Distribution reads REGISTRY_* variables as config overrides: never inherit them.
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
    const upstream = options.proxyOf;
    if (upstream) {
      input.proxy = { remoteUrl: upstream.url, username: upstream.credentials?.username, password: upstream.credentials?.password };
      // The mirror is a Go client of the upstream: make it trust the lab CA.
      if (certs && upstream.options.tls) env.SSL_CERT_FILE = certs.ca.certPath;
    }

    // A picked port can be taken by someone else before the registry binds it: try a few.
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort(address));
      await writeFile(join(dir, 'config.yml'), registryConfigYaml({ ...input, listen: hostPort(address, port) }), { mode: 0o600 });
      const registry = new LabRegistry(this, name, port, dir, { ...options, name }, env, extra, input.httpSecret, dataDir);
      try {
        await registry.start();
        this.started.push(registry);
        return registry;
      } catch (err) {
        const inUse = /address already in use/.test(registry.logTail(5));
        if (inUse && options.port !== undefined) {
          throw new Error(
            `port ${options.port} on ${address} is already in use; stop what listens there, or omit the port to get a free one`,
            { cause: err },
          );
        }
        if (!inUse || attempt >= 3) throw err;
      }
    }
  }

  /** Stops every registry and token server; removes the run folder unless LAB_KEEP=1 or it was given. */
  async stopAll(): Promise<void> {
    await Promise.all(this.started.map((r) => r.stop()));
    const servers = await Promise.allSettled([...this.tokenServers.values()]);
    await Promise.all(servers.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    this.tokenServers.clear();
    if (this.owned && process.env.LAB_KEEP !== '1') {
      await rm(this.dir, { recursive: true, force: true, maxRetries: 3 });
      releaseDir(this.dir);
    } else if (this.owned) {
      process.stderr.write(`lab: LAB_KEEP=1, kept ${this.dir}\n`);
    }
  }

  private uniqueName(base: string): string {
    const clean = base.replace(/[^a-zA-Z0-9._-]/g, '-') || 'registry';
    let name = clean;
    for (let i = 2; this.names.has(name); i++) name = `${clean}-${i}`;
    // Reserved now, not when started, so parallel startRegistry() calls never share a folder.
    this.names.add(name);
    return name;
  }

  private htpasswdFile(): Promise<string> {
    this.htpasswdPromise ??= (async (): Promise<string> => {
      // -i reads the password from stdin so it never shows in a process list; -B is bcrypt.
      const { stdout } = await run('htpasswd', ['-Bin', this.user.username], { input: `${this.user.password}\n` });
      const path = join(this.dir, 'htpasswd');
      await writeFile(path, stdout, { mode: 0o600 });
      return path;
    })();
    return this.htpasswdPromise;
  }
}

function defaultName(options: RegistryOptions): string {
  const parts: string[] = [];
  if (options.proxyOf) parts.push(`mirror-of-${options.proxyOf.name}`);
  if (options.tls) parts.push(`tls-${options.tls}`);
  if (options.auth) parts.push(options.auth);
  if (options.deleteEnabled === false) parts.push('nodelete');
  return parts.join('-') || 'plain';
}
