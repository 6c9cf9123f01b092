/**
 * The AWS credentials a user's own tools already set up, found the way the AWS CLI finds them
 * (docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html, "cli-configure-envvars.html",
 * "cli-configure-sourcing-external.html"), for signing Amazon ECR's API requests (ecr.ts):
 * - the environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`;
 * - the profile `AWS_PROFILE` (or `AWS_DEFAULT_PROFILE`, else `default`) in the shared credentials
 *   file (`AWS_SHARED_CREDENTIALS_FILE`, else ~/.aws/credentials) and the config file
 *   (`AWS_CONFIG_FILE`, else ~/.aws/config, whose sections are `[profile NAME]`);
 * - a profile's `credential_process`, run with a time limit, printing the documented JSON;
 * - a profile that needs the AWS CLI itself to sign in (IAM Identity Center/SSO, an assumed role,
 *   web identity): `aws configure export-credentials --profile NAME --format process` (AWS CLI v2),
 *   which prints the same JSON after the CLI's own sign-in.
 * Not read: the EC2 instance metadata service and the ECS/EKS container endpoints (the error says
 * what to run instead). Secrets never appear in an error.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreError } from '../errors';
import { findOnPath } from './credential-helper';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials stop working (ms since the epoch). */
  expiresAt?: number;
  /** Where they came from, for messages: "the environment (AWS_ACCESS_KEY_ID)", "the AWS profile dev". */
  source: string;
  /** The profile read, when one was. */
  profile?: string;
}

export interface AwsLookupOptions {
  env: Record<string, string | undefined>;
  homedir: string;
  platform?: NodeJS.Platform;
  /** Time limit for a credential_process or the AWS CLI; default 30 s (an SSO sign-in may open a browser first). */
  timeoutMs?: number;
}

const DEFAULT_PROCESS_TIMEOUT_MS = 30_000;
const MAX_PROCESS_OUTPUT = 64 * 1024;

/** Profile keys that only the AWS CLI (or an SDK) can turn into credentials: it has to sign in first. */
const CLI_ONLY_KEYS = ['sso_session', 'sso_start_url', 'sso_account_id', 'role_arn', 'web_identity_token_file', 'credential_source'];

/**
 * The user's AWS credentials, or undefined when nothing is set up (no environment keys, no such
 * profile). A profile that is set up but does not yield credentials is an error saying what to run.
 * @throws CoreError NEEDS_LOGIN when a profile's process or the AWS CLI fails, TOKEN_REJECTED when what it gave has expired,
 *   PARSE_ERROR for a profile with half its keys, CREDENTIAL_HELPER_TIMEOUT when the process does not answer
 */
export async function findAwsCredentials(options: AwsLookupOptions): Promise<AwsCredentials | undefined> {
  const { env } = options;
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  // The environment comes before any profile, as in the AWS CLI.
  if (accessKeyId && secretAccessKey)
    return {
      accessKeyId,
      secretAccessKey,
      ...(env.AWS_SESSION_TOKEN?.trim() ? { sessionToken: env.AWS_SESSION_TOKEN.trim() } : {}),
      source: 'the environment (AWS_ACCESS_KEY_ID)',
    };
  const profile = env.AWS_PROFILE?.trim() || env.AWS_DEFAULT_PROFILE?.trim() || 'default';
  const named = (value: string | undefined) => (value?.trim() ? expandPath(value.trim(), options) : undefined);
  const credentialsFile = named(env.AWS_SHARED_CREDENTIALS_FILE) || join(options.homedir, '.aws', 'credentials');
  const configFile = named(env.AWS_CONFIG_FILE) || join(options.homedir, '.aws', 'config');
  const fromCredentials = (await readIni(credentialsFile)).get(profile);
  const config = await readIni(configFile);
  const fromConfig = config.get(profile === 'default' ? 'default' : `profile ${profile}`) ?? config.get(`profile ${profile}`);
  const source = `the AWS profile ${profile}`;
  if (!fromCredentials && !fromConfig) {
    if (profile !== 'default')
      throw new CoreError(
        'NEEDS_LOGIN',
        `AWS_PROFILE names the profile ${profile}, which neither ${credentialsFile} nor ${configFile} has: run \`aws configure --profile ${profile}\`, or set AWS_PROFILE to a profile you have.`,
        { remedy: { kind: 'run-command', host: 'aws', command: `aws configure --profile ${profile}` } },
      );
    return undefined;
  }
  const settings = new Map([...(fromConfig ?? []), ...(fromCredentials ?? [])]);
  // The order the AWS CLI documents: an assumed role, web identity and SSO first; then keys; then credential_process.
  if (CLI_ONLY_KEYS.some((key) => settings.has(key))) return exportedByCli(profile, options);
  const keyId = settings.get('aws_access_key_id');
  const secret = settings.get('aws_secret_access_key');
  if (keyId && secret) {
    const token = settings.get('aws_session_token');
    return { accessKeyId: keyId, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}), source, profile };
  }
  if (keyId || secret)
    throw new CoreError(
      'PARSE_ERROR',
      `${source} has ${keyId ? 'aws_access_key_id without aws_secret_access_key' : 'aws_secret_access_key without aws_access_key_id'}: run \`aws configure --profile ${profile}\` to set both.`,
    );
  const command = settings.get('credential_process');
  if (command) return runCredentialProcess(command, `the credential_process of ${source}`, profile, options);
  throw new CoreError(
    'NEEDS_LOGIN',
    `${source} has no credentials this extension can read (it reads keys, credential_process, SSO and role profiles; not the EC2 or container metadata services): run \`aws configure --profile ${profile}\`, or add \`credential_process\` to the profile.`,
    { remedy: { kind: 'run-command', host: 'aws', command: `aws configure --profile ${profile}` } },
  );
}

/**
 * A file path from the environment as botocore opens it (configloader.py raw_config_parse:
 * os.path.expandvars, then os.path.expanduser): `$NAME` and `${NAME}` (and `%NAME%` on Windows)
 * replaced from the environment, an unset one left as written; then a leading `~` for the home
 * folder (`~user` is left alone).
 */
function expandPath(path: string, options: AwsLookupOptions): string {
  const { env } = options;
  const windows = (options.platform ?? process.platform) === 'win32';
  const pattern = windows ? /\$(\w+)|\$\{([^}]*)\}|%([^%]+)%/g : /\$(\w+)|\$\{([^}]*)\}/g;
  const expanded = path.replace(pattern, (whole, bare?: string, braced?: string, percent?: string) => {
    const name = bare ?? braced ?? percent ?? '';
    const value = windows ? Object.entries(env).find(([k]) => k.toUpperCase() === name.toUpperCase())?.[1] : env[name];
    return value ?? whole;
  });
  const home = /^~(?=$|\/|\\)/;
  return home.test(expanded) && (expanded[1] !== '\\' || windows) ? expanded.replace(home, () => options.homedir) : expanded;
}

/** Whether credentials are past their expiry (with a minute to spare, as the SDKs refresh early). */
export function isExpired(credentials: AwsCredentials, now = Date.now()): boolean {
  return credentials.expiresAt !== undefined && credentials.expiresAt - 60_000 <= now;
}

/** The AWS CLI's own sign-in for SSO and role profiles, printed as credential_process JSON. */
async function exportedByCli(profile: string, options: AwsLookupOptions): Promise<AwsCredentials> {
  const aws = await findOnPath('aws', options.env, options.platform);
  const command = `aws configure export-credentials --profile ${profile} --format process`;
  if (!aws)
    throw new CoreError(
      'NEEDS_LOGIN',
      `The AWS profile ${profile} signs in through IAM Identity Center or an assumed role, which needs the AWS CLI v2 on the PATH (\`${command}\`); install it, or give the profile keys or a credential_process.`,
      { remedy: { kind: 'run-command', host: 'aws', command: `aws configure --profile ${profile}` } },
    );
  return runProcess(
    aws,
    ['configure', 'export-credentials', '--profile', profile, '--format', 'process'],
    `\`${command}\``,
    profile,
    options,
  );
}

function runCredentialProcess(command: string, what: string, profile: string, options: AwsLookupOptions): Promise<AwsCredentials> {
  const argv = splitCommand(command, options.platform ?? process.platform);
  // `credential_process = ""` splits to one empty word: no program either (spawn would throw a TypeError).
  if (argv.length === 0 || argv[0] === '')
    throw new CoreError('PARSE_ERROR', `${what} is empty: give it the command that prints the credentials.`);
  return runProcess(argv[0]!, argv.slice(1), what, profile, options);
}

/** Runs a process that prints credential_process JSON (Version 1), within the time limit. */
async function runProcess(
  program: string,
  args: string[],
  what: string,
  profile: string,
  options: AwsLookupOptions,
): Promise<AwsCredentials> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROCESS_TIMEOUT_MS;
  const ssoLogin = `aws sso login --profile ${profile}`;
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const platform = options.platform ?? process.platform;
    const child = spawn(program, args, {
      env: options.env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: platform !== 'win32',
      windowsHide: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const kill = (): void => {
      try {
        if (child.pid !== undefined && platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      kill();
      reject(
        new CoreError(
          'CREDENTIAL_HELPER_TIMEOUT',
          `${what} did not answer within ${timeoutMs / 1000} s; check that it is not waiting for a prompt.`,
        ),
      );
    }, timeoutMs);
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_PROCESS_OUTPUT) into.push(chunk);
      else kill();
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new CoreError('NEEDS_LOGIN', `${what} could not be started (${e.code ?? 'error'}): check the command in the profile ${profile}.`),
      );
    });
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ code: exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
  if (code !== 0) {
    // Only a first stderr line that reads as a sentence is quoted (it never carries a secret the way stdout can).
    const line = stderr.trim().split(/\r?\n/)[0]?.slice(0, 300) ?? '';
    const said = /^[\p{L}\p{N} .,:;'"()/_@-]+$/u.test(line) ? ` (it said: ${line})` : '';
    const expired = /expired|sso login|refresh/i.test(stderr);
    return Promise.reject(
      new CoreError(
        'NEEDS_LOGIN',
        `${what} failed${said}: ${expired ? `run \`${ssoLogin}\` (or renew the credentials it reads)` : `check the profile ${profile}`}, then refresh.`,
        expired ? { remedy: { kind: 'run-command', host: 'aws', command: ssoLogin } } : undefined,
      ),
    );
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    throw new CoreError(
      'NEEDS_LOGIN',
      `${what} printed something that is not the credential JSON the AWS CLI documents; check the command.`,
    );
  }
  const accessKeyId = typeof parsed.AccessKeyId === 'string' ? parsed.AccessKeyId : '';
  const secretAccessKey = typeof parsed.SecretAccessKey === 'string' ? parsed.SecretAccessKey : '';
  if (parsed.Version !== 1 || !accessKeyId || !secretAccessKey)
    throw new CoreError(
      'NEEDS_LOGIN',
      `${what} printed JSON without Version 1, AccessKeyId and SecretAccessKey (the credential_process format); check the command.`,
    );
  const expiresAt = typeof parsed.Expiration === 'string' ? Date.parse(parsed.Expiration) : NaN;
  const credentials: AwsCredentials = {
    accessKeyId,
    secretAccessKey,
    ...(typeof parsed.SessionToken === 'string' && parsed.SessionToken ? { sessionToken: parsed.SessionToken } : {}),
    ...(Number.isFinite(expiresAt) ? { expiresAt } : {}),
    source: what,
    profile,
  };
  if (isExpired(credentials))
    throw new CoreError('TOKEN_REJECTED', `The credentials from ${what} have expired: run \`${ssoLogin}\` (or renew them), then refresh.`, {
      remedy: { kind: 'run-command', host: 'aws', command: ssoLogin },
    });
  return credentials;
}

/**
 * The sections of an AWS config or credentials file (`[name]`, `key = value`, `#` and `;` comment
 * lines); a missing file has none. The AWS CLI reads them with Python's configparser
 * (botocore/configloader.py raw_config_parse), where a line indented deeper than its key's line
 * continues that key's value: the nested settings (`s3 =` then indented lines) it reads for other
 * services, skipped here; keys indented alike are keys. Hand-written: the INI libraries nest
 * sections on dots, which profile names may contain.
 */
export async function readIni(path: string): Promise<Map<string, Map<string, string>>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return new Map();
  }
  return parseIni(text);
}

export function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  // configparser's rule: a line indented deeper than the line of the key above continues that
  // key's value (blank and comment lines in between do not end it); any other line is a section or
  // a key, however indented.
  let keyOpen = false;
  let keyIndent = 0;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*([#;].*)?$/.test(raw)) continue;
    const indent = /^\s*/.exec(raw)![0].length;
    if (current && keyOpen && indent > keyIndent) continue;
    keyIndent = indent;
    const section = /^\s*\[\s*([^\]]*?)\s*\]\s*([#;].*)?$/.exec(raw);
    if (section) {
      const name = section[1]!.replace(/\s+/g, ' ');
      current = sections.get(name) ?? new Map<string, string>();
      sections.set(name, current);
      keyOpen = false;
      continue;
    }
    if (!current) continue;
    const eq = raw.indexOf('=');
    if (eq < 0) continue;
    const key = raw.slice(0, eq).trim().toLowerCase();
    const value = raw.slice(eq + 1).trim();
    keyOpen = key !== '';
    if (key) current.set(key, value);
  }
  return sections;
}

/**
 * A credential_process command line split without a shell, as the AWS CLI does: quotes group, and
 * on POSIX a backslash escapes the next character (on Windows it is a path separator, kept).
 */
export function splitCommand(command: string, platform: NodeJS.Platform = process.platform): string[] {
  const escapes = platform !== 'win32';
  const args: string[] = [];
  let arg = '';
  let started = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (escapes && c === '\\' && quote === '"' && i + 1 < command.length) arg += command[++i];
      else arg += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      started = true;
    } else if (escapes && c === '\\' && i + 1 < command.length) {
      arg += command[++i];
      started = true;
    } else if (/\s/.test(c)) {
      if (started) args.push(arg);
      arg = '';
      started = false;
    } else {
      arg += c;
      started = true;
    }
  }
  if (started) args.push(arg);
  return args;
}
