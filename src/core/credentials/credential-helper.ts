/**
 * Docker credential helpers (`docker-credential-<name> get|store|erase|list`), run with a time
 * limit. The protocol: `get`/`erase` read the server URL on stdin; `get` prints
 * `{"ServerURL","Username","Secret"}`; `store` reads that JSON; `list` prints `{url: username}`.
 * A failing helper exits non-zero with its message on stdout.
 *
 * A helper's stdout can hold a secret, so it never appears in an error message, and neither does
 * what we wrote to its stdin. Only a first stderr line that reads as a plain error sentence is
 * quoted.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { CoreError } from '../errors';
import type { CredentialFields } from './types';

export const DEFAULT_HELPER_TIMEOUT_MS = 10_000;
const MAX_OUTPUT_BYTES = 1024 * 1024;

export interface HelperOptions {
  /** Environment for the helper and for finding it on PATH; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Time limit for one run; default 10 s. The helper (and its process group) is killed after it. */
  timeoutMs?: number;
  /** Where the helper was configured, for the "not on PATH" advice. */
  configuredBy?: { file: string; setting: string };
  /** Platform, for PATH lookup rules; default `process.platform`. */
  platform?: NodeJS.Platform;
}

/** The JSON a helper reads for `store` and prints for `get`. */
export interface HelperCredentials {
  ServerURL: string;
  Username: string;
  Secret: string;
}

/** Docker's marker: a helper entry whose Username is this holds an identity (refresh) token. */
export const IDENTITY_TOKEN_USERNAME = '<token>';

/**
 * `get`: the credential for `serverUrl`, or `undefined` when the helper has none ("credentials not
 * found in native keychain" and similar, or an empty answer).
 */
export async function helperGet(name: string, serverUrl: string, options: HelperOptions = {}): Promise<CredentialFields | undefined> {
  const run = await runHelper(name, 'get', serverUrl, options);
  if (run.exitCode !== 0) {
    if (isNotFoundMessage(run.stdout)) return undefined;
    throw helperFailure(name, 'get', `getting credentials for ${serverUrl}`, run);
  }
  if (run.stdout.trim() === '') return undefined;
  const data = parseHelperJson(name, 'get', run.stdout);
  const username = typeof data.Username === 'string' ? data.Username : '';
  const secret = typeof data.Secret === 'string' ? data.Secret : '';
  if (!secret) return undefined;
  if (username === IDENTITY_TOKEN_USERNAME) return { identityToken: secret };
  return username ? { username, password: secret } : { password: secret };
}

/** `list`: server URL → user name for everything the helper holds. */
export async function helperList(name: string, options: HelperOptions = {}): Promise<Record<string, string>> {
  const run = await runHelper(name, 'list', 'unused', options);
  if (run.exitCode !== 0) throw helperFailure(name, 'list', 'listing credentials', run);
  if (run.stdout.trim() === '') return {};
  const data = parseHelperJson(name, 'list', run.stdout);
  const out: Record<string, string> = {};
  for (const [url, user] of Object.entries(data)) if (typeof user === 'string') out[url] = user;
  return out;
}

/** `store`: saves a credential. An identity token is stored with Username `<token>`. */
export async function helperStore(name: string, credentials: HelperCredentials, options: HelperOptions = {}): Promise<void> {
  const run = await runHelper(name, 'store', JSON.stringify(credentials), options);
  if (run.exitCode !== 0) throw helperFailure(name, 'store', `storing credentials for ${credentials.ServerURL}`, run);
}

/** `erase`: removes the credential for `serverUrl`; erasing what is not there is not an error. */
export async function helperErase(name: string, serverUrl: string, options: HelperOptions = {}): Promise<void> {
  const run = await runHelper(name, 'erase', serverUrl, options);
  if (run.exitCode !== 0 && !isNotFoundMessage(run.stdout)) {
    throw helperFailure(name, 'erase', `erasing credentials for ${serverUrl}`, run);
  }
}

interface HelperRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `docker-credential-<name> <action>` with `input` on stdin, within the time limit. */
async function runHelper(name: string, action: string, input: string, options: HelperOptions): Promise<HelperRun> {
  const program = `docker-credential-${name}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new CoreError(
      'CREDENTIAL_HELPER_INVALID_NAME',
      `The credential helper name "${name}"${configuredIn(options)} is not a plain program name; use the suffix of a docker-credential-* program.`,
    );
  }
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const executable = await findOnPath(program, env, platform);
  if (!executable) throw notOnPath(program, options);
  const timeoutMs = options.timeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS;
  const windowsScript = platform === 'win32' && /\.(cmd|bat)$/i.test(executable);

  return await new Promise<HelperRun>((resolve, reject) => {
    const child = spawn(windowsScript ? `"${executable}"` : executable, [action], {
      env: env as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group on POSIX, so a time-out kills whatever the helper started too.
      detached: platform !== 'win32',
      shell: windowsScript,
      windowsHide: true,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const kill = (): void => {
      try {
        if (child.pid !== undefined && platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      kill();
      finish(() =>
        reject(
          new CoreError(
            'CREDENTIAL_HELPER_TIMEOUT',
            `The credential helper ${program} did not answer within ${formatSeconds(timeoutMs)}; check that it is not waiting for an unlock or a prompt, then try again.`,
          ),
        ),
      );
    }, timeoutMs);
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT_BYTES) {
        kill();
        finish(() =>
          reject(
            new CoreError(
              'CREDENTIAL_HELPER_BAD_OUTPUT',
              `The credential helper ${program} printed more output than a credential can be; check the helper.`,
            ),
          ),
        );
        return;
      }
      into.push(chunk);
    };
    child.stdout.on('data', collect(stdout));
    child.stderr.on('data', collect(stderr));
    // Set when the helper could not be started: its 'close' that follows is then no answer.
    let startFailed = false;
    child.on('error', (error: NodeJS.ErrnoException) => {
      startFailed = true;
      kill();
      void startFailure(program, executable, error, options).then((failure) => finish(() => reject(failure)));
    });
    child.on('close', (exitCode, signal) => {
      if (startFailed) return;
      finish(() =>
        resolve({
          exitCode,
          signal,
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
        }),
      );
    });
    child.stdin.on('error', () => {
      /* a helper that exits without reading stdin (EPIPE) is judged by its exit code */
    });
    child.stdin.end(input);
  });
}

/** Resolves a program name on `env.PATH` (with PATHEXT on Windows) without running anything. */
export async function findOnPath(
  program: string,
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform = process.platform,
): Promise<string | undefined> {
  const pathValue = env.PATH ?? env.Path ?? env.path ?? '';
  const separator = platform === 'win32' ? ';' : delimiter;
  const extensions = platform === 'win32' ? ['', ...(env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean)] : [''];
  for (const dir of pathValue.split(separator)) {
    if (!dir) continue;
    for (const ext of extensions) {
      const candidate = join(dir, program + ext);
      try {
        const info = await stat(candidate);
        if (!info.isFile()) continue;
        if (platform !== 'win32') await access(candidate, constants.X_OK);
        return candidate;
      } catch {
        /* not here */
      }
    }
  }
  return undefined;
}

/**
 * A helper's words for a program it runs that is missing: Go's `exec: "pass": executable file not
 * found in $PATH` (which Docker's helpers print on stdout), the shells' `sh: 1: gpg: not found` and
 * `command not found`. Its setup is broken, often because VS Code was started with another PATH
 * than the terminal's; however much the line says "not found", no login is missing.
 */
const MISSING_PROGRAM = /executable file not found|command not found|\$PATH\b|^\S+: (?:line )?\d+: \S+: not found$/i;

function firstLine(text: string): string {
  return (text.trim().split(/\r?\n/)[0] ?? '').trim();
}

function isNotFoundMessage(stdout: string): boolean {
  const first = firstLine(stdout);
  if (MISSING_PROGRAM.test(first)) return false;
  return first.length <= 200 && (/credentials not found/i.test(first) || /\bnot (?:be )?found\b/i.test(first));
}

function parseHelperJson(name: string, action: string, stdout: string): Record<string, unknown> {
  try {
    const data: unknown = JSON.parse(stdout);
    if (typeof data === 'object' && data !== null && !Array.isArray(data)) return data as Record<string, unknown>;
  } catch {
    /* reported below, without the output */
  }
  throw new CoreError(
    'CREDENTIAL_HELPER_BAD_OUTPUT',
    `The credential helper docker-credential-${name} answered "${action}" with output that is not the expected JSON object; check the helper's version and configuration.`,
  );
}

function helperFailure(name: string, action: string, doing: string, run: HelperRun): CoreError {
  const how = run.exitCode !== null ? `exit code ${run.exitCode}` : `stopped by ${run.signal ?? 'a signal'}`;
  // Only whether a program was missing is read from stdout (which may hold a secret), never its text.
  if (MISSING_PROGRAM.test(firstLine(run.stdout)) || MISSING_PROGRAM.test(firstLine(run.stderr))) {
    return new CoreError(
      'CREDENTIAL_HELPER_FAILED',
      `The credential helper docker-credential-${name} failed while ${doing} (${how}): a program it runs was not found on the PATH it was given. ` +
        `Check that the helper's own tools are installed and on the PATH VS Code starts with (it can differ from your terminal's), then try again.`,
    );
  }
  const detail = safeStderrLine(run.stderr);
  return new CoreError(
    'CREDENTIAL_HELPER_FAILED',
    `The credential helper docker-credential-${name} failed while ${doing} (${how})${detail ? `: ${detail}` : ''}. ` +
      `Run "docker-credential-${name} ${action}" in a terminal to see why, or log in again.`,
  );
}

/**
 * The first stderr line, only when it reads like a plain error sentence: short, containing an error
 * word, and made only of letter words, plain numbers and punctuation (nothing token-like: no
 * mixed letters and digits, no `=`, `/`, `+`, `@`).
 */
function safeStderrLine(stderr: string): string | undefined {
  const first = (stderr.trim().split(/\r?\n/)[0] ?? '').trim();
  if (!first || first.length > 160) return undefined;
  if (!/\b(error|failed|fail|cannot|can't|unable|denied|locked|refused|not|invalid|missing)\b/i.test(first)) return undefined;
  const words = first.split(/\s+/);
  const plain = words.every((word) => /^[A-Za-z'"(),.:;!?-]+$/.test(word) || /^\d+[.,:;)]?$/.test(word));
  return plain ? first : undefined;
}

/**
 * Why a helper `findOnPath` found could not be started. ENOENT means it went away since the lookup,
 * or the interpreter its `#!` line names is missing: only the first is "not on PATH".
 */
async function startFailure(program: string, executable: string, error: NodeJS.ErrnoException, options: HelperOptions): Promise<CoreError> {
  const stillThere =
    error.code === 'ENOENT'
      ? await stat(executable).then(
          () => true,
          () => false,
        )
      : true;
  if (!stillThere) return notOnPath(program, options);
  const hint = error.code === 'ENOENT' ? ` (the interpreter on its first "#!" line may be missing)` : '';
  return new CoreError(
    'CREDENTIAL_HELPER_FAILED',
    `The credential helper ${program} could not be started (${error.code ?? 'unknown error'})${hint}; check that it is executable.`,
  );
}

function notOnPath(program: string, options: HelperOptions): CoreError {
  const where = options.configuredBy;
  const advice = where ? `install it or remove ${where.setting} from ${where.file}` : 'install it or stop configuring it';
  return new CoreError('CREDENTIAL_HELPER_NOT_FOUND', `${program} is not on PATH: ${advice}.`);
}

function configuredIn(options: HelperOptions): string {
  const where = options.configuredBy;
  return where ? ` (${where.setting} in ${where.file})` : '';
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : Number(seconds.toFixed(3))} s`;
}
