// Runs the lab's command-line tools (openssl, htpasswd, skopeo, tar) with a time limit and turns a
// failure into an error that shows the command and its stderr.
import { execFile } from 'node:child_process';

export interface ExecResult {
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Written to the child's stdin, which is then closed. */
  input?: string;
}

export class ExecError extends Error {
  constructor(
    message: string,
    readonly command: string,
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'ExecError';
  }
}

/** Arguments are never passed through a shell; `redact` hides secrets (passwords) in error messages. */
export function run(file: string, args: readonly string[], options: ExecOptions = {}, redact: readonly string[] = []): Promise<ExecResult> {
  const timeout = options.timeoutMs ?? 60_000;
  const shown = [file, ...args].map((a) => redact.reduce((s, secret) => (secret ? s.split(secret).join('***') : s), a)).join(' ');
  return new Promise<ExecResult>((resolve, reject) => {
    const child = execFile(
      file,
      [...args],
      { cwd: options.cwd, env: options.env ?? process.env, timeout, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ stdout, stderr });
          return;
        }
        const err = error as NodeJS.ErrnoException & { code?: unknown; killed?: boolean };
        let why: string;
        if (err.code === 'ENOENT') why = `${file} is not installed or not on PATH (run: npm run setup)`;
        else if (err.killed) why = `timed out after ${timeout} ms`;
        else why = `exited with ${String(err.code)}`;
        const tail = stderr.trim().split('\n').slice(-15).join('\n');
        reject(
          new ExecError(
            `${shown}: ${why}${tail ? `\n${tail}` : ''}`,
            shown,
            typeof err.code === 'number' ? err.code : null,
            stdout,
            stderr,
          ),
        );
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}
