// Puts one tiny manifest under many tags, fast: `curl --parallel` with 32 PUTs in flight over kept-alive
// connections (curl needs less CPU than Node here, and on 2 cores the registry needs the rest).
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type BenchImage, pushImage } from './content';
import { registryFetch } from './curl';

const execFileAsync = promisify(execFile);
const IN_FLIGHT = 32;

/** Tag names that sort the way a real repository's do: `v0.0.0` … `v9.9.99`. */
export function tagName(i: number): string {
  return `v${Math.floor(i / 1000)}.${Math.floor(i / 100) % 10}.${i % 100}`;
}

export async function countTags(registryUrl: string, repository: string): Promise<number> {
  const res = await registryFetch(`${registryUrl}/v2/${repository}/tags/list`);
  if (res.status === 404) return 0;
  const body = (await res.json()) as { tags?: string[] | null };
  return body.tags?.length ?? 0;
}

/** One config block per tag, separated by `next` so each PUT sends the manifest once. */
function tagConfig(registryUrl: string, repository: string, manifestPath: string, mediaType: string, count: number): string {
  const blocks: string[] = [];
  for (let i = 0; i < count; i++) {
    blocks.push(
      [
        `url = "${registryUrl}/v2/${repository}/manifests/${tagName(i)}"`,
        'request = "PUT"',
        `header = "Content-Type: ${mediaType}"`,
        `data-binary = "@${manifestPath}"`,
        'silent',
        'show-error',
        'fail',
        'output = "/dev/null"',
      ].join('\n'),
    );
  }
  return `${blocks.join('\nnext\n')}\n`;
}

/** Makes sure `image.repository` holds `count` tags (skipped when a kept work folder already has them). */
export async function seedTags(
  registryUrl: string,
  image: BenchImage,
  count: number,
  scratchDir: string,
): Promise<{ created: number; ms: number }> {
  const started = performance.now();
  if ((await countTags(registryUrl, image.repository)) >= count) return { created: 0, ms: performance.now() - started };
  await pushImage(registryUrl, image);
  const manifestPath = join(scratchDir, 'tag-manifest.json');
  const configPath = join(scratchDir, 'tags.curlrc');
  await writeFile(manifestPath, image.manifest);
  await writeFile(configPath, tagConfig(registryUrl, image.repository, manifestPath, 'application/vnd.oci.image.manifest.v1+json', count));
  await execFileAsync('curl', ['--parallel', '--parallel-max', String(IN_FLIGHT), '-K', configPath], { maxBuffer: 16 * 1024 * 1024 });
  const listed = await countTags(registryUrl, image.repository);
  if (listed < count) throw new Error(`${image.repository} lists ${listed} tags after seeding ${count}`);
  return { created: count, ms: performance.now() - started };
}
