/**
 * Pull into a local container engine: one platform of an image is copied into a private staging
 * layout (verified, resumable like any pull), then streamed as a `docker save`-style archive into
 * `docker load` or `podman load` on stdin, never written out as a tar file. The engine's own
 * words name the image it loaded.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { cancelled, CoreError } from '../errors';
import { hostPlatform, parseManifest, parsePlatform, type Platform } from '../oci/manifest';
import { isDigest } from '../oci/digest';
import { writeDockerArchiveTo } from '../layout/docker-archive';
import { OciImageLayout } from '../layout/oci-layout';
import type { Repository } from '../registry/repository';
import { copy, type CopyResult } from './copy';
import type { TransferOptions } from './transfer';

/** Which engine, and how to call it: `docker` or `podman`, with arguments before `load` (`--root DIR`). */
export interface EngineCommand {
  command: string;
  args?: readonly string[];
}

export interface EngineLoadOptions extends TransferOptions {
  engine: EngineCommand;
  /** The name the engine gives the image (`registry/repo:tag`); none leaves it untagged, as a pull by digest does. */
  repoTag?: string;
  /** The platform of an index to load; this machine's by default. */
  platform?: Platform;
}

export interface EngineLoadResult extends CopyResult {
  /** The image names the engine says it loaded. */
  loaded: string[];
}

/** How long an engine may take to say its platform (a remote daemon over ssh is slow to answer). */
const PLATFORM_QUERY_TIMEOUT_MS = 10_000;

/**
 * The platform the engine runs images for, as it says: Docker's server (which DOCKER_HOST or the
 * docker context may put on another machine than this one) or Podman's host. Undefined when the
 * engine is missing, its daemon does not answer in time, or the answer is not a platform.
 */
export function enginePlatform(kind: 'docker' | 'podman', engine: EngineCommand, signal?: AbortSignal): Promise<Platform | undefined> {
  const query =
    kind === 'docker' ? ['version', '--format', '{{.Server.Os}}/{{.Server.Arch}}'] : ['info', '--format', '{{.Host.OS}}/{{.Host.Arch}}'];
  return new Promise((resolve) => {
    execFile(
      engine.command,
      [...(engine.args ?? []), ...query],
      { timeout: PLATFORM_QUERY_TIMEOUT_MS, maxBuffer: 64 * 1024, windowsHide: true, ...(signal ? { signal } : {}) },
      (error, stdout) => {
        if (error) return resolve(undefined);
        try {
          resolve(parsePlatform(String(stdout)));
        } catch {
          resolve(undefined);
        }
      },
    );
  });
}

/** The most of an engine's output kept for a message. */
const MAX_OUTPUT_CHARS = 4000;

export async function loadIntoEngine(repository: Repository, reference: string, options: EngineLoadOptions): Promise<EngineLoadResult> {
  const { engine, repoTag, platform, ...transfer } = options;
  const root = await repository.resolve(reference, transfer.signal);
  const stagingDir = await mkdtemp(join(tmpdir(), 'oci-engine-load-'));
  try {
    const staging = await OciImageLayout.open(stagingDir, { create: true });
    const result = await copy(repository, staging, root, {
      ...transfer,
      platforms: [platform ?? hostPlatform()],
      // An engine loads images: a platform's attestation (provenance, SBOM) stays behind.
      attestations: false,
      tag: 'image',
    });
    const bytes = await staging.fetchManifest(result.root, transfer.signal);
    const parsed = parseManifest(bytes, result.root.digest, result.root.mediaType, `manifest ${result.root.digest}`);
    if (parsed.kind !== 'image')
      throw new CoreError(
        'PLATFORM_REQUIRED',
        `${repository.name}${isDigest(reference) ? '@' : ':'}${reference} has no image for the chosen platform.`,
      );
    const loaded = await streamInto(engine, transfer.signal, (stdin, signal) =>
      writeDockerArchiveTo(
        stdin,
        [{ manifest: parsed.manifest, source: staging, repoTags: repoTag ? [repoTag] : [], manifestDescriptor: result.root }],
        {
          ...(signal ? { signal } : {}),
        },
      ),
    );
    return { ...result, loaded };
  } finally {
    await rm(stagingDir, { recursive: true, force: true });
  }
}

/** The engine's words as a sentence: a full stop unless they already end one (docker's end with "running?"). */
function sentence(text: string): string {
  return /[.?!]$/.test(text) ? text : `${text}.`;
}

/** Runs `<engine> load`, feeds it with `write`, and returns the names it reports loading. */
async function streamInto(
  engine: EngineCommand,
  signal: AbortSignal | undefined,
  write: (stdin: Writable, signal: AbortSignal | undefined) => Promise<void>,
): Promise<string[]> {
  if (signal?.aborted) throw cancelled();
  const child = spawn(engine.command, [...(engine.args ?? []), 'load'], { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
  let output = '';
  const keep = (chunk: Buffer) => {
    if (output.length < MAX_OUTPUT_CHARS) output += chunk.toString('utf8');
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const onAbort = () => child.kill('SIGTERM');
  signal?.addEventListener('abort', onAbort, { once: true });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  try {
    const [written, code] = await Promise.allSettled([write(child.stdin, signal), exited]);
    if (signal?.aborted) throw cancelled();
    if (code.status === 'rejected') {
      const err = code.reason as NodeJS.ErrnoException;
      if (err.code === 'ENOENT')
        throw new CoreError(
          'ENGINE_NOT_FOUND',
          `${engine.command} is not installed or not on the PATH: install it, or pull to a tar file and load it by hand.`,
        );
      throw new CoreError('ENGINE_LOAD_FAILED', `${engine.command} load could not be started: ${err.message}.`, { cause: err });
    }
    const said = output.trim().replace(/\s+/g, ' ').slice(0, 600);
    if (code.value !== 0)
      throw new CoreError(
        'ENGINE_LOAD_FAILED',
        `${engine.command} load failed (exit code ${code.value}): ${sentence(said || 'it said nothing')} Is its daemon or storage available?`,
      );
    if (written.status === 'rejected')
      throw new CoreError(
        'ENGINE_LOAD_FAILED',
        `Streaming the image into ${engine.command} load failed: ${(written.reason as Error).message}.`,
        {
          cause: written.reason,
        },
      );
    return [...output.matchAll(/Loaded image(?:\(s\))?(?: ID)?:\s*(\S+)/g)].map((m) => m[1]!);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
