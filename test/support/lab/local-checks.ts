// Independent checks of what a pull leaves on disk, for the soak and the restart tests: no
// temporary file is left, and every file under a digest's name holds exactly those bytes. They
// read the files themselves (never through the core), so a core bug cannot hide from them.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import { concatBuffers, u8 } from './bytes';

/** Every regular file under `dir`, as paths relative to it; [] when there is no such folder. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)));
}

/** Names the core (and the lab's own builders) give content still on its way: `.partial-…`, `.tmp-…`. */
export function temporaries(dir: string): string[] {
  return filesUnder(dir).filter((f) => /\.partial-|\.tmp-/.test(f));
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return `sha256:${hash.digest('hex')}`;
}

/**
 * Checks an OCI layout folder (complete or left by a failed pull): no temporary files, index.json
 * and oci-layout parse, and every `blobs/sha256/<hex>` file hashes to its name. Returns the digests
 * present, each one verified.
 */
export async function checkLayoutFiles(dir: string): Promise<Set<string>> {
  const files = filesUnder(dir);
  assert.deepEqual(temporaries(dir), [], `no temporary file is left in ${dir}`);
  const present = new Set<string>();
  for (const file of files) {
    const blob = /^blobs\/sha256\/([0-9a-f]+)$/.exec(file);
    if (blob) {
      const digest = `sha256:${blob[1]}`;
      assert.equal(await sha256OfFile(join(dir, file)), digest, `${dir}/${file} holds exactly the bytes of its digest`);
      present.add(digest);
    } else if (file === 'index.json' || file === 'oci-layout') {
      assert.doesNotThrow(() => JSON.parse(readFileSync(join(dir, file), 'utf8')), `${dir}/${file} is whole`);
    } else {
      assert.fail(`unexpected file ${file} in the layout ${dir}`);
    }
  }
  return present;
}

/** The ref names index.json lists (a tag appears only when everything under it arrived). */
export function layoutRefNames(dir: string): string[] {
  const path = join(dir, 'index.json');
  if (!existsSync(path)) return [];
  const index = JSON.parse(readFileSync(path, 'utf8')) as { manifests: { annotations?: Record<string, string> }[] };
  return index.manifests.map((m) => m.annotations?.['org.opencontainers.image.ref.name']).filter((n): n is string => n !== undefined);
}

interface ManifestJson {
  manifests?: { digest: string }[];
  config?: { digest: string };
  layers?: { digest: string }[];
}

/** Every digest the graph under `root` names (manifests and blobs), read from the layout's own files. */
export function layoutGraph(dir: string, root: string): string[] {
  const seen: string[] = [];
  const visit = (digest: string, depth: number): void => {
    assert.ok(depth < 8, 'the graph is not a loop');
    if (seen.includes(digest)) return;
    seen.push(digest);
    const path = join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
    assert.ok(existsSync(path), `${digest} is in the layout`);
    const text = readFileSync(path, 'utf8');
    if (!text.startsWith('{')) return;
    const parsed = JSON.parse(text) as ManifestJson;
    for (const child of parsed.manifests ?? []) visit(child.digest, depth + 1);
    for (const blob of [...(parsed.config ? [parsed.config] : []), ...(parsed.layers ?? [])]) {
      if (!seen.includes(blob.digest)) seen.push(blob.digest);
      assert.ok(existsSync(join(dir, 'blobs', 'sha256', blob.digest.slice('sha256:'.length))), `${blob.digest} is in the layout`);
    }
  };
  visit(root, 0);
  return seen;
}

export interface ArchiveContents {
  /** Digests of the blobs/ entries, each one verified. */
  blobs: Set<string>;
  index: { manifests: { digest: string }[] };
  manifest: { Config: string; Layers: string[]; RepoTags: string[] }[];
}

/**
 * Reads a docker archive entry by entry: every `blobs/sha256/<hex>` entry hashes to its name, and
 * manifest.json's config and layers are all there.
 */
export async function checkDockerArchive(file: string): Promise<ArchiveContents> {
  const blobs = new Set<string>();
  const small = new Map<string, Buffer>();
  const reader = extract();
  reader.on('entry', (header, stream, next) => {
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    stream.on('data', (data: unknown) => {
      const chunk = data as Buffer;
      hash.update(u8(chunk));
      if (!header.name.startsWith('blobs/')) chunks.push(chunk);
    });
    stream.on('end', () => {
      const blob = /^blobs\/sha256\/([0-9a-f]+)$/.exec(header.name);
      if (blob) {
        assert.equal(`sha256:${hash.digest('hex')}`, `sha256:${blob[1]}`, `${file}: ${header.name} holds exactly the bytes of its digest`);
        blobs.add(`sha256:${blob[1]}`);
      } else if (header.type === 'file') {
        small.set(header.name, concatBuffers(chunks));
      }
      next();
    });
    stream.on('error', next);
  });
  await pipeline(createReadStream(file), reader);
  const json = <T>(name: string): T => {
    const bytes = small.get(name);
    assert.ok(bytes, `${file} has ${name}`);
    return JSON.parse(bytes.toString('utf8')) as T;
  };
  const contents: ArchiveContents = { blobs, index: json('index.json'), manifest: json('manifest.json') };
  for (const image of contents.manifest) {
    for (const name of [image.Config, ...image.Layers])
      assert.ok(blobs.has(name.replace(/^blobs\/sha256\//, 'sha256:')), `${file}: ${name} is in the archive`);
  }
  for (const entry of contents.index.manifests)
    assert.ok(blobs.has(entry.digest), `${file}: the manifest ${entry.digest} is in the archive`);
  return contents;
}
