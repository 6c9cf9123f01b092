// What a lab registry (CNCF Distribution, filesystem storage) really holds, read from its storage
// directory: a repository's manifests (every revision linked into it) with the tags on each, their
// bytes and when each was linked. The cloud contracts (ACR's _manifests, ECR's ListImages and
// BatchDeleteImage, Artifact Registry's dockerImages) answer from this, so what they list is what
// the Distribution registry behind them serves, and an untagged manifest is one pushed by digest.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LabRegistry } from '../registry';

export interface StoredManifest {
  digest: string;
  tags: string[];
  bytes: Buffer;
  /** The manifest's JSON (the lab pushes only well-formed manifests). */
  json: {
    mediaType?: string;
    config?: { size: number; mediaType?: string };
    layers?: { size: number }[];
    manifests?: { digest: string }[];
  };
  /** When the manifest was linked into the repository. */
  linked: Date;
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function v2(registry: LabRegistry): string {
  return join(registry.dataDir, 'docker', 'registry', 'v2');
}

/** The repository's manifests sorted by digest, or undefined when the registry has no such repository. */
export function storedManifests(registry: LabRegistry, repository: string): StoredManifest[] | undefined {
  const root = v2(registry);
  const repo = join(root, 'repositories', repository, '_manifests');
  if (!list(repo).length) return undefined;
  const tagsOf = new Map<string, string[]>();
  for (const tag of list(join(repo, 'tags'))) {
    try {
      const digest = readFileSync(join(repo, 'tags', tag, 'current', 'link'), 'utf8').trim();
      tagsOf.set(digest, [...(tagsOf.get(digest) ?? []), tag]);
    } catch {
      // a tag being written or deleted
    }
  }
  return list(join(repo, 'revisions', 'sha256'))
    .filter((hex) => list(join(repo, 'revisions', 'sha256', hex)).includes('link'))
    .sort()
    .map((hex) => {
      const bytes = readFileSync(join(root, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data'));
      return {
        digest: `sha256:${hex}`,
        tags: tagsOf.get(`sha256:${hex}`) ?? [],
        bytes,
        json: JSON.parse(bytes.toString('utf8')) as StoredManifest['json'],
        linked: statSync(join(repo, 'revisions', 'sha256', hex, 'link')).mtime,
      };
    });
}

/** Every repository the registry's storage holds (nested names joined with `/`). */
export function storedRepositories(registry: LabRegistry): string[] {
  const found: string[] = [];
  const walk = (dir: string, prefix: string[], depth: number): void => {
    if (depth > 8) return;
    for (const entry of list(dir)) {
      if (entry === '_manifests') found.push(prefix.join('/'));
      else if (!entry.startsWith('_')) walk(join(dir, entry), [...prefix, entry], depth + 1);
    }
  };
  walk(join(v2(registry), 'repositories'), [], 0);
  return found.filter(Boolean).sort();
}

/** The bytes an image takes: its manifest, config and layers (what the vendors call its size). */
export function imageSize(m: StoredManifest): number {
  return m.bytes.length + (m.json.config?.size ?? 0) + (m.json.layers ?? []).reduce((sum, l) => sum + l.size, 0);
}
