// What a lab Distribution registry really holds for a repository, read from its filesystem storage
// (docker/registry/v2/repositories/<name>/_manifests): every manifest revision with its bytes,
// parsed JSON, the tags pointing at it and when it was pushed. The vendor contract servers list
// a repository's manifests from here (Harbor's artifacts, GitHub's package versions, ACR's
// _manifests, ECR's DescribeImages and ListImages, Artifact Registry's dockerImages), so what they
// list is what the registry behind them serves, and an untagged manifest is one pushed by digest.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LabRegistry } from '../registry';

export interface StoredManifest {
  digest: string;
  bytes: Buffer;
  json: {
    mediaType?: string;
    config?: { size: number; mediaType?: string };
    layers?: { size: number }[];
    manifests?: { digest: string; platform?: { os?: string; architecture?: string } }[];
    subject?: { digest: string };
    artifactType?: string;
  };
  tags: string[];
  /** The revision link's modification time: when the manifest was pushed. */
  pushed: Date;
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function storageRoot(registry: Pick<LabRegistry, 'dataDir'>): string {
  return join(registry.dataDir, 'docker', 'registry', 'v2');
}

/** The repository's manifests, sorted by digest; undefined when the registry has no such repository. */
export function storedManifests(registry: Pick<LabRegistry, 'dataDir'>, repository: string): StoredManifest[] | undefined {
  const root = storageRoot(registry);
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
    .flatMap((hex) => {
      const digest = `sha256:${hex}`;
      try {
        const bytes = readFileSync(join(root, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data'));
        return [
          {
            digest,
            bytes,
            json: JSON.parse(bytes.toString('utf8')) as StoredManifest['json'],
            tags: (tagsOf.get(digest) ?? []).sort(),
            pushed: statSync(join(repo, 'revisions', 'sha256', hex, 'link')).mtime,
          },
        ];
      } catch {
        return [];
      }
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
  walk(join(storageRoot(registry), 'repositories'), [], 0);
  return found.filter(Boolean).sort();
}

/** An image's size as vendors count it: the manifest, its config and its layers. */
export function imageSize(m: StoredManifest): number {
  return m.bytes.length + (m.json.config?.size ?? 0) + (m.json.layers ?? []).reduce((sum, l) => sum + l.size, 0);
}

/**
 * Deletes a manifest from the lab registry through its own API (`DELETE /v2/<name>/manifests/<digest>`
 * with a token its token server issues), as a vendor's backend removes what its own API deleted.
 */
export async function deleteFromRegistry(registry: LabRegistry, repository: string, digest: string): Promise<number> {
  const token = registry.tokenServer!.issue('vendor-backend', registry.tokenService!, [
    { type: 'repository', name: repository, actions: ['delete'] },
  ]);
  const res = await fetch(`${registry.url}/v2/${repository}/manifests/${digest}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` },
  });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Removes one tag from the lab registry's storage, leaving its manifest: what a vendor's backend
 * does for a tag delete its API offers (ECR's BatchDeleteImage by imageTag), which the lab's
 * Distribution 2.8 refuses through its own API (DELETE by tag is UNSUPPORTED there).
 */
export function removeStoredTag(registry: Pick<LabRegistry, 'dataDir'>, repository: string, tag: string): void {
  rmSync(join(storageRoot(registry), 'repositories', repository, '_manifests', 'tags', tag), { recursive: true, force: true });
}
