// Shared by the layout tests: temporary folders that clean up after themselves, a minimal graph
// copy (the real engine lives elsewhere) and assertions on CoreError codes and folder contents.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ReadTarget, WriteTarget } from '../../../src/core/oci/content';
import { CoreError } from '../../../src/core/errors';
import { childrenOf, type Descriptor, isManifestDescriptor, parseManifest } from '../../../src/core/oci/manifest';
import { verifyingStream } from '../../../src/core/oci/verify-stream';

/** A fresh folder under the system temp folder; every folder made is removed by `removeAll`. */
export class TempFolders {
  private readonly made: string[] = [];

  async make(prefix = 'layout-test-'): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    this.made.push(dir);
    return dir;
  }

  async removeAll(): Promise<void> {
    await Promise.all(this.made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  }
}

/** Copies a manifest and everything under it, children first, blobs verified as they stream. */
export async function copyGraph(source: ReadTarget, target: WriteTarget, descriptor: Descriptor, tag?: string): Promise<void> {
  const bytes = await source.fetchManifest(descriptor);
  const parsed = parseManifest(bytes, descriptor.digest, descriptor.mediaType, descriptor.digest);
  for (const child of childrenOf(parsed)) {
    if (isManifestDescriptor(child)) await copyGraph(source, target, child);
    else if (!(await target.hasBlob(child))) await target.pushBlob(child, verified(await source.openBlob(child), child));
  }
  await target.pushManifest(descriptor, bytes, tag);
}

/** `raw` piped through a verifying stream, with errors of `raw` carried over. */
export function verified(raw: Readable, descriptor: Descriptor): Readable {
  const checked = verifyingStream(descriptor, descriptor.digest);
  raw.on('error', (err) => checked.destroy(err));
  return raw.pipe(checked);
}

/** Awaits `work` and asserts it fails with a CoreError of `code` (and a message matching `message`). */
export async function rejectsWithCode(work: Promise<unknown>, code: string, message?: RegExp): Promise<CoreError> {
  let caught: unknown;
  try {
    await work;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof CoreError, `expected a CoreError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (message) assert.match(caught.message, message);
  return caught;
}

/** Every file under `dir`, as '/'-separated relative paths, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) =>
      join(e.parentPath ?? e.path, e.name)
        .slice(dir.length + 1)
        .split('\\')
        .join('/'),
    )
    .sort();
}
