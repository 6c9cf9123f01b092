// The sample registry content shared by the demo and the e2e tests: a few repositories that make a
// realistic tree (nested names, semver-ish tags, a multi-platform index, an artifact, a signature).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type BuiltImage, type BuiltManifest, OciLayout, type Platform } from './oci-layout';
import { pushReferrer, pushToRegistry } from './push';
import type { LabRegistry } from './registry';

export interface SampleRepository {
  name: string;
  kind: 'image' | 'index' | 'artifact';
  /** tag → manifest digest */
  tags: Record<string, string>;
}

export interface SampleContent {
  host: string;
  /** Sorted by name; what `_catalog` lists (the referrers tag lives in apps/web). */
  repositories: SampleRepository[];
  multiPlatform: { repository: string; tag: string; digest: string; platforms: { platform: Platform; digest: string }[] };
  artifact: { repository: string; tag: string; digest: string; artifactType: string; files: string[] };
  referrer: { repository: string; subjectDigest: string; digest: string; artifactType: string; tag: string };
  /** The OCI layout the content was built in (inside the lab folder). */
  layoutDir: string;
}

export const CONFIG_BUNDLE_TYPE = 'application/vnd.example.config-bundle.v1';

const KIB = 1024;

export async function seedSampleContent(registry: LabRegistry): Promise<SampleContent> {
  const layoutDir = join(registry.lab.dir, 'content', `sample-${randomBytes(4).toString('hex')}`);
  const layout = await OciLayout.create(layoutDir);
  const repositories: SampleRepository[] = [];

  const pushTags = async (name: string, kind: SampleRepository['kind'], entries: [string, BuiltManifest][]): Promise<SampleRepository> => {
    const repo: SampleRepository = { name, kind, tags: {} };
    // One repository at a time in order, so shared blobs are uploaded once and then found.
    for (const [tag, built] of entries) repo.tags[tag] = await pushToRegistry(layout, built, registry, `${name}:${tag}`);
    repositories.push(repo);
    return repo;
  };
  const image = (seed: string, layers: number[], labels: Record<string, string> = {}): Promise<BuiltImage> =>
    layout.image({ seed, layers, labels });

  const [alpine319, alpine320, v129, v1210] = await Promise.all([
    image('alpine-3.19', [48 * KIB], { 'org.opencontainers.image.version': '3.19' }),
    image('alpine-3.20', [52 * KIB, 4 * KIB], { 'org.opencontainers.image.version': '3.20' }),
    image('alpine-1.2.9', [16 * KIB]),
    image('alpine-1.2.10', [16 * KIB, 2 * KIB]),
  ]);
  // Its second layer adds a symbolic link to a file of the first (as Fedora's etc/system-release
  // names its release file), so the image's files have a link that leads across layers.
  const web = await layout.multiPlatformIndex({
    seed: 'apps-web-v1',
    annotations: { 'org.opencontainers.image.title': 'web' },
    extraFiles: [
      [],
      [
        { name: 'etc', directory: true },
        { name: 'etc/system-release', type: 'symlink', linkTarget: 'os-release', mode: 0o777 },
      ],
    ],
  });
  const signature = await layout.referrer(web.descriptor);
  const bundle = await layout.artifact({
    artifactType: CONFIG_BUNDLE_TYPE,
    files: { 'app.yaml': 'replicas: 2\nimage: apps/web:v1\n', 'README.md': '# Config bundle\nSample artifact for the lab.\n' },
  });
  const [api100, api110, worker, cli010, cli020] = await Promise.all([
    image('team-a-api-1.0.0', [24 * KIB]),
    image('team-a-api-1.1.0', [24 * KIB, 3 * KIB]),
    image('team-a-worker', [20 * KIB]),
    image('team-b-cli-0.1.0', [12 * KIB]),
    image('team-b-cli-0.2.0', [12 * KIB]),
  ]);

  await Promise.all([
    pushTags('library/alpine', 'image', [
      ['3.19', alpine319],
      ['3.20', alpine320],
      ['latest', alpine320],
      ['1.2.9', v129],
      ['1.2.10', v1210],
    ]),
    (async (): Promise<void> => {
      await pushTags('apps/web', 'index', [['v1', web]]);
      await pushTags('artifacts/config-bundle', 'artifact', [['v1', bundle]]);
    })(),
    (async (): Promise<void> => {
      await pushTags('team-a/api', 'image', [
        ['1.0.0', api100],
        ['1.1.0', api110],
      ]);
      await pushTags('team-a/worker', 'image', [['latest', worker]]);
      await pushTags('team-b/tools/cli', 'image', [
        ['0.1.0', cli010],
        ['0.2.0', cli020],
      ]);
    })(),
  ]);
  const referrer = await pushReferrer(layout, signature, registry, 'apps/web');
  repositories.sort((a, b) => a.name.localeCompare(b.name));

  return {
    host: registry.host,
    repositories,
    multiPlatform: {
      repository: 'apps/web',
      tag: 'v1',
      digest: web.descriptor.digest,
      platforms: web.children.map((c) => ({ platform: c.platform, digest: c.descriptor.digest })),
    },
    artifact: {
      repository: 'artifacts/config-bundle',
      tag: 'v1',
      digest: bundle.descriptor.digest,
      artifactType: CONFIG_BUNDLE_TYPE,
      files: ['app.yaml', 'README.md'],
    },
    referrer: {
      repository: 'apps/web',
      subjectDigest: web.descriptor.digest,
      digest: signature.descriptor.digest,
      artifactType: signature.descriptor.artifactType ?? '',
      tag: referrer.tag,
    },
    layoutDir,
  };
}
