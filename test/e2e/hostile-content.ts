// An image whose every registry-controlled string tries to run script in the inspector: annotations,
// config labels, env, entrypoint, history, and the file names, link targets and whiteouts of its layer.
// The e2e path opens it and checks that `window.__pwned` stays undefined inside the webview. Some
// strings also hide a right-to-left override, which the inspector must show as an escape.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MediaType, OciLayout, sha256, type BuiltManifest } from '../support/lab/oci-layout';
import { pushToRegistry } from '../support/lab/push';
import type { LabRegistry } from '../support/lab/registry';
import { tarChunks, type TarEntry } from '../support/lab/tar';

export const HOSTILE = {
  img: '<img src=x onerror="window.__pwned=1">',
  script: '<script>window.__pwned=1</script>',
  attribute: '"><img src=x onerror=window.__pwned=1>',
  url: 'javascript:window.__pwned=1',
  /** Reads "invoice exe.txt" reversed when the override is rendered as is. */
  bidi: 'invoice\u202Etxt.exe',
} as const;

/** How the inspector shows {@link HOSTILE.bidi}: the override as its escape. */
export const BIDI_SHOWN = 'invoice\\u202Etxt.exe';

export interface HostileImage {
  repository: string;
  tag: string;
  digest: string;
}

export async function seedHostileContent(registry: LabRegistry): Promise<HostileImage> {
  const layout = await OciLayout.create(join(registry.lab.dir, 'content', `hostile-${randomBytes(4).toString('hex')}`));
  const entries: TarEntry[] = [
    { name: 'etc', directory: true },
    { name: `etc/${HOSTILE.img}`, data: Buffer.from('hostile name\n') },
    { name: `${HOSTILE.script}.txt`, data: Buffer.from('hostile name\n') },
    { name: HOSTILE.bidi, data: Buffer.from('hidden override\n') },
    { name: `etc/.wh.${HOSTILE.attribute}`, data: Buffer.alloc(0) },
    { name: 'etc/link', type: 'symlink', linkTarget: HOSTILE.img },
  ];
  const tar = Buffer.concat([...tarChunks(entries)]);
  const layer = await layout.writeBlob(gzipSync(tar), MediaType.layerGzip);
  const config = {
    architecture: 'amd64',
    os: 'linux',
    created: '2024-01-01T00:00:00Z',
    author: HOSTILE.script,
    config: {
      User: HOSTILE.img,
      WorkingDir: HOSTILE.attribute,
      Env: [`EVIL=${HOSTILE.script}`, `${HOSTILE.img}=1`],
      Entrypoint: [HOSTILE.img],
      Cmd: [HOSTILE.attribute],
      ExposedPorts: { [`${HOSTILE.img}/tcp`]: {} },
      Labels: { [HOSTILE.script]: HOSTILE.img, 'org.opencontainers.image.source': HOSTILE.url, 'org.example.bidi': HOSTILE.bidi },
    },
    rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
    history: [{ created: '2024-01-01T00:00:00Z', created_by: `/bin/sh -c ${HOSTILE.script}`, comment: HOSTILE.img }],
  };
  const configWritten = await layout.writeJson(config, MediaType.imageConfig);
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.imageManifest,
    config: configWritten.descriptor,
    layers: [layer],
    annotations: {
      'org.opencontainers.image.title': HOSTILE.img,
      'org.opencontainers.image.url': HOSTILE.url,
      'org.opencontainers.image.description': `${HOSTILE.attribute} ${'long '.repeat(20_000)}`,
      [HOSTILE.script]: HOSTILE.attribute,
      'org.example.bidi': HOSTILE.bidi,
    },
  };
  const { descriptor, bytes } = await layout.writeJson(manifest, MediaType.imageManifest);
  const built: BuiltManifest = { ref: 'hostile', descriptor, manifest, bytes };
  await layout.tag(built.ref, descriptor);
  const repository = 'hostile/xss';
  const digest = await pushToRegistry(layout, built, registry, `${repository}:v1`);
  return { repository, tag: 'v1', digest };
}
