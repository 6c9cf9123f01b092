// Test content without a container engine: an OCI image layout (oci-layout, index.json,
// blobs/sha256/…) holding real images (gzip'd tar layers, real config), multi-platform indexes,
// artifacts and signature-like referrers. Everything is deterministic for a given seed.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import type { Descriptor, Platform } from '../../../src/core/oci/manifest';
import { u8 } from './bytes';
import { type TarEntry, tarChunks } from './tar';

export const MediaType = {
  imageManifest: 'application/vnd.oci.image.manifest.v1+json',
  imageIndex: 'application/vnd.oci.image.index.v1+json',
  imageConfig: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  empty: 'application/vnd.oci.empty.v1+json',
} as const;

export const ANNOTATION_TITLE = 'org.opencontainers.image.title';
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';
export const ANNOTATION_CREATED = 'org.opencontainers.image.created';
const CREATED = '2024-01-01T00:00:00Z';

// The same shapes the core reads: fixtures and client never disagree on what a descriptor is.
export type { Descriptor, Platform } from '../../../src/core/oci/manifest';

export interface BuiltManifest {
  /** The name under which index.json lists it (`oci:DIR:REF` for skopeo). */
  ref: string;
  descriptor: Descriptor;
  manifest: Record<string, unknown>;
  bytes: Buffer;
}

export interface BuiltLayer {
  descriptor: Descriptor;
  /** sha256 of the uncompressed tar (config rootfs.diff_ids). */
  diffId: string;
  /** Paths as `tar tf` lists them (directories end with '/'). */
  files: string[];
}

export interface BuiltImage extends BuiltManifest {
  config: Record<string, unknown>;
  configDescriptor: Descriptor;
  layers: BuiltLayer[];
  platform: Platform;
}

export interface BuiltIndex extends BuiltManifest {
  children: BuiltImage[];
}

export interface ImageOptions {
  /** Approximate content bytes per layer; one gzip'd tar layer each. */
  layers: number[];
  platform?: Platform;
  seed?: string;
  labels?: Record<string, string>;
  ref?: string;
  /** The entries of layer i, instead of its seeded files (its size in `layers` is then ignored). */
  layerFiles?: TarEntry[][];
  /** Entries added to layer i after its own (seeded or `layerFiles`) ones. */
  extraFiles?: TarEntry[][];
}

export interface ArtifactFile {
  data: string | Buffer;
  mediaType?: string;
  /** Besides its title (cosign keeps a signature's signer and log entry on its layer). */
  annotations?: Record<string, string>;
  /** No title annotation: a file named only by its place (as Notation pushes its signature envelope). */
  untitled?: boolean;
}

export interface ArtifactOptions {
  artifactType: string;
  files: Record<string, string | Buffer | ArtifactFile>;
  annotations?: Record<string, string>;
  subject?: Descriptor;
  ref?: string;
}

export interface ReferrerOptions {
  artifactType?: string;
  ref?: string;
  annotations?: Record<string, string>;
}

export const COSIGN_SIGNATURE_TYPE = 'application/vnd.dev.cosign.artifact.sig.v1+json';

export function sha256(data: Buffer | string): string {
  const hash = createHash('sha256');
  hash.update(typeof data === 'string' ? data : u8(data));
  return `sha256:${hash.digest('hex')}`;
}

/** Only the fields a `subject` or referrers-list entry may carry. */
export function plainDescriptor(d: Descriptor): Descriptor {
  return { mediaType: d.mediaType, digest: d.digest, size: d.size };
}

/** Deterministic pseudo-random bytes (AES-256-CTR keystream keyed by the seed). */
export function seededBytes(seed: string, size: number): { size: number; chunks(): Iterable<Buffer> } {
  return {
    size,
    *chunks(): Generator<Buffer> {
      const key = createHash('sha256').update(seed).digest();
      const cipher = createCipheriv('aes-256-ctr', u8(key), u8(Buffer.alloc(16)));
      const zeros = Buffer.alloc(1 << 20);
      for (let left = size; left > 0; left -= zeros.length) yield cipher.update(u8(zeros.subarray(0, Math.min(left, zeros.length))));
    },
  };
}

class HashCount extends Transform {
  readonly hash = createHash('sha256');
  size = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(u8(chunk));
    this.size += chunk.length;
    done(null, chunk);
  }
}

export class OciLayout {
  private readonly refs = new Map<string, Descriptor>();
  private indexWrite: Promise<void> = Promise.resolve();
  private counter = 0;

  private constructor(readonly dir: string) {}

  /** Creates (or reuses) a layout folder. */
  static async create(dir: string): Promise<OciLayout> {
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    const layout = new OciLayout(dir);
    await layout.writeIndex();
    return layout;
  }

  blobPath(digest: string): string {
    return join(this.dir, 'blobs', ...digest.split(':'));
  }

  async writeBlob(data: Buffer, mediaType: string): Promise<Descriptor> {
    const digest = sha256(data);
    await writeFile(this.blobPath(digest), u8(data));
    return { mediaType, digest, size: data.length };
  }

  /** Serialises a manifest/config and stores it; the digest is over exactly these bytes. */
  async writeJson(value: Record<string, unknown>, mediaType: string): Promise<{ descriptor: Descriptor; bytes: Buffer }> {
    const bytes = Buffer.from(JSON.stringify(value, null, 2), 'utf8');
    return { descriptor: await this.writeBlob(bytes, mediaType), bytes };
  }

  /** Lists `descriptor` in index.json under `ref` (replacing an older entry with that name). */
  async tag(ref: string, descriptor: Descriptor): Promise<void> {
    this.refs.set(ref, { ...descriptor, annotations: { ...descriptor.annotations, [ANNOTATION_REF_NAME]: ref } });
    await this.writeIndex();
  }

  async image(options: ImageOptions): Promise<BuiltImage> {
    const built = await this.buildImage(options);
    await this.tag(built.ref, built.descriptor);
    return built;
  }

  /** An OCI index of linux/amd64 and linux/arm64/v8 images. */
  async multiPlatformIndex(
    options: {
      seed?: string;
      layers?: number[];
      ref?: string;
      annotations?: Record<string, string>;
      /** Entries added to layer i of each platform's image (see {@link ImageOptions.extraFiles}). */
      extraFiles?: TarEntry[][];
    } = {},
  ): Promise<BuiltIndex> {
    const seed = options.seed ?? 'multi';
    const layers = options.layers ?? [32 * 1024, 8 * 1024];
    const platforms: Platform[] = [
      { architecture: 'amd64', os: 'linux' },
      { architecture: 'arm64', os: 'linux', variant: 'v8' },
    ];
    const children = await Promise.all(
      platforms.map((platform) =>
        this.buildImage({ layers, platform, seed: `${seed}/${platform.architecture}`, extraFiles: options.extraFiles }),
      ),
    );
    return this.index(
      children.map((c) => ({ ...c.descriptor, platform: c.platform })),
      { ref: options.ref, annotations: options.annotations },
      children,
    );
  }

  /**
   * An index as `docker buildx build --push` writes it by default (BuildKit 0.11+ adds provenance):
   * linux/amd64 and linux/arm64/v8 images, each followed by an `unknown/unknown` attestation
   * manifest annotated with the digest of the image it describes. Each attestation manifest is
   * shaped as BuildKit writes it (docs.docker.com, "Attestation storage"): an image config for
   * platform unknown/unknown and one `application/vnd.in-toto+json` layer, annotated with its
   * predicate type, holding a SLSA provenance v0.2 statement whose subject is the image.
   */
  async attestedIndex(
    options: { seed?: string; ref?: string; sbom?: boolean | readonly LabPackage[] } = {},
  ): Promise<BuiltIndex & { attestations: BuiltManifest[] }> {
    const seed = options.seed ?? 'attested';
    const plain = await this.multiPlatformIndex({ seed, ref: `${seed}-plain` });
    const entries: Descriptor[] = [];
    const attestations: BuiltManifest[] = [];
    for (const child of plain.children) {
      const sbom = options.sbom === true ? LAB_PACKAGES : options.sbom || undefined;
      const attestation = await this.buildkitAttestation(child, `${seed}:latest`, sbom);
      attestations.push(attestation);
      entries.push({ ...child.descriptor, platform: child.platform });
      entries.push({
        mediaType: attestation.descriptor.mediaType,
        digest: attestation.descriptor.digest,
        size: attestation.descriptor.size,
        platform: { os: 'unknown', architecture: 'unknown' },
        annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': child.descriptor.digest },
      });
    }
    return { ...(await this.index(entries, { ref: options.ref }, plain.children)), attestations };
  }

  /**
   * BuildKit's attestation manifest for one platform image: its provenance as an in-toto statement
   * layer and, as `--sbom=true` adds, an SPDX SBOM statement layer before it (a few Debian packages).
   */
  private async buildkitAttestation(image: BuiltImage, name: string, sbom: readonly LabPackage[] | undefined): Promise<BuiltManifest> {
    const platform = image.platform!;
    const platformText = encodeURIComponent([platform.os, platform.architecture, platform.variant].filter(Boolean).join('/'));
    const subject = [
      { name: `pkg:docker/${name}?platform=${platformText}`, digest: { sha256: image.descriptor.digest.slice('sha256:'.length) } },
    ];
    const statements: { predicateType: string; predicate: unknown }[] = [];
    if (sbom) statements.push({ predicateType: 'https://spdx.dev/Document', predicate: labSpdx(name, sbom) });
    statements.push({
      predicateType: 'https://slsa.dev/provenance/v0.2',
      predicate: {
        builder: { id: '' },
        buildType: 'https://mobyproject.org/buildkit@v1',
        materials: [{ uri: 'pkg:docker/debian@bookworm-slim', digest: { sha256: '0'.repeat(64) } }],
        invocation: { configSource: { entryPoint: 'Dockerfile' }, parameters: { frontend: 'dockerfile.v0' } },
        metadata: { buildStartedOn: '2024-01-01T00:00:00Z', buildFinishedOn: '2024-01-01T00:01:30Z', completeness: { materials: false } },
      },
    });
    const layers: Descriptor[] = [];
    for (const { predicateType, predicate } of statements) {
      const statement = { _type: 'https://in-toto.io/Statement/v0.1', predicateType, subject, predicate };
      const layer = await this.writeBlob(Buffer.from(JSON.stringify(statement)), 'application/vnd.in-toto+json');
      layers.push({ ...layer, annotations: { 'in-toto.io/predicate-type': predicateType } });
    }
    const config = await this.writeJson(
      { architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) } },
      MediaType.imageConfig,
    );
    const manifest: Record<string, unknown> = { schemaVersion: 2, mediaType: MediaType.imageManifest, config: config.descriptor, layers };
    const written = await this.writeJson(manifest, MediaType.imageManifest);
    const ref = this.nextRef('attestation');
    await this.tag(ref, written.descriptor);
    return { ref, descriptor: written.descriptor, manifest, bytes: written.bytes };
  }

  /** An OCI index over the given descriptors (also used for referrers fallback-tag indexes). */
  async index(
    manifests: Descriptor[],
    options: { ref?: string; annotations?: Record<string, string> } = {},
    children: BuiltImage[] = [],
  ): Promise<BuiltIndex> {
    const manifest: Record<string, unknown> = { schemaVersion: 2, mediaType: MediaType.imageIndex, manifests };
    if (options.annotations) manifest.annotations = options.annotations;
    const { descriptor, bytes } = await this.writeJson(manifest, MediaType.imageIndex);
    const ref = options.ref ?? this.nextRef('index');
    await this.tag(ref, descriptor);
    return { ref, descriptor, manifest, bytes, children };
  }

  /** An OCI 1.1 artifact: `artifactType`, the empty config, one layer per file titled with its name. */
  async artifact(options: ArtifactOptions): Promise<BuiltManifest> {
    const empty = await this.writeBlob(Buffer.from('{}'), MediaType.empty);
    const layers: Descriptor[] = [];
    for (const [name, file] of Object.entries(options.files)) {
      const spec: ArtifactFile = typeof file === 'string' || Buffer.isBuffer(file) ? { data: file } : file;
      const data = typeof spec.data === 'string' ? Buffer.from(spec.data, 'utf8') : spec.data;
      const blob = await this.writeBlob(data, spec.mediaType ?? 'application/octet-stream');
      const annotations = { ...(spec.untitled ? {} : { [ANNOTATION_TITLE]: name }), ...spec.annotations };
      layers.push({ ...blob, ...(Object.keys(annotations).length ? { annotations } : {}) });
    }
    const manifest: Record<string, unknown> = {
      schemaVersion: 2,
      mediaType: MediaType.imageManifest,
      artifactType: options.artifactType,
      config: { ...empty, data: 'e30=' },
      layers,
    };
    if (options.subject) manifest.subject = plainDescriptor(options.subject);
    manifest.annotations = { [ANNOTATION_CREATED]: CREATED, ...options.annotations };
    const written = await this.writeJson(manifest, MediaType.imageManifest);
    const descriptor: Descriptor = {
      ...written.descriptor,
      artifactType: options.artifactType,
      annotations: manifest.annotations as Record<string, string>,
    };
    const ref = options.ref ?? this.nextRef('artifact');
    await this.tag(ref, written.descriptor);
    return { ref, descriptor, manifest, bytes: written.bytes };
  }

  /**
   * A Helm chart as `helm push` writes it: its Chart.yaml as the JSON config
   * (`application/vnd.cncf.helm.config.v1+json`) and its packaged chart as the one layer; older
   * Helm wrote no annotations, so none are written here unless given.
   */
  async helmChart(
    chart: Record<string, string>,
    options: { ref?: string; annotations?: Record<string, string> } = {},
  ): Promise<BuiltManifest> {
    const config = await this.writeJson({ apiVersion: 'v2', ...chart }, 'application/vnd.cncf.helm.config.v1+json');
    const content = await this.writeBlob(
      Buffer.from(`${chart.name ?? 'chart'}-${chart.version ?? '0'}.tgz`),
      'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
    );
    const manifest: Record<string, unknown> = {
      schemaVersion: 2,
      mediaType: MediaType.imageManifest,
      config: config.descriptor,
      layers: [content],
      ...(options.annotations ? { annotations: options.annotations } : {}),
    };
    const written = await this.writeJson(manifest, MediaType.imageManifest);
    const ref = options.ref ?? this.nextRef('chart');
    await this.tag(ref, written.descriptor);
    return { ref, descriptor: written.descriptor, manifest, bytes: written.bytes };
  }

  /**
   * What `cosign sign` and `cosign attest` push under the tags `sha256-<hex>.sig` and `.att` when
   * the registry has no OCI 1.1 referrers: a simple-signing payload naming `subject`, and an
   * attestation envelope, each in a manifest of its own with no `subject` field (the tag's name
   * says whose they are). Push them under those tags.
   */
  async cosignTagAttachments(subject: Descriptor): Promise<{ signature: BuiltManifest; attestations: BuiltManifest }> {
    const signature = await this.artifact({
      artifactType: COSIGN_SIGNATURE_TYPE,
      files: {
        signature: {
          data: JSON.stringify({
            critical: {
              identity: { 'docker-reference': 'lab' },
              image: { 'docker-manifest-digest': subject.digest },
              type: 'cosign container image signature',
            },
            optional: null,
          }),
          mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
          untitled: true,
        },
      },
    });
    const attestations = await this.artifact({
      artifactType: 'application/vnd.dsse.envelope.v1+json',
      files: {
        attestation: {
          data: JSON.stringify({ payloadType: 'application/vnd.in-toto+json', payload: 'e30=', signatures: [] }),
          mediaType: 'application/vnd.dsse.envelope.v1+json',
          untitled: true,
        },
      },
    });
    return { signature, attestations };
  }

  /** A cosign-style signature artifact whose `subject` is the given manifest. */
  async referrer(subject: Descriptor, options: ReferrerOptions = {}): Promise<BuiltManifest> {
    const payload = JSON.stringify({
      critical: {
        identity: { 'docker-reference': 'lab' },
        image: { 'docker-manifest-digest': subject.digest },
        type: 'cosign container image signature',
      },
      optional: { creator: 'OCI Registry Explorer lab' },
    });
    const fakeSignature = createHash('sha256').update(`signature of ${subject.digest}`).digest('base64');
    return this.artifact({
      artifactType: options.artifactType ?? COSIGN_SIGNATURE_TYPE,
      files: { 'signature.json': { data: payload, mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json' } },
      subject,
      annotations: { 'dev.cosignproject.cosign/signature': fakeSignature, ...options.annotations },
      ref: options.ref,
    });
  }

  private nextRef(kind: string): string {
    this.counter += 1;
    return `${kind}-${this.counter}-${randomBytes(3).toString('hex')}`;
  }

  private async buildImage(options: ImageOptions): Promise<BuiltImage> {
    const seed = options.seed ?? 'lab';
    const platform = options.platform ?? { architecture: 'amd64', os: 'linux' };
    const layers: BuiltLayer[] = [];
    for (const [index, size] of options.layers.entries()) {
      const own = options.layerFiles?.[index] ?? layerEntries(seed, index, size);
      layers.push(await this.writeLayer([...own, ...(options.extraFiles?.[index] ?? [])]));
    }
    const history: Record<string, unknown>[] = [];
    layers.forEach((_, i) => {
      history.push({ created: CREATED, created_by: `/bin/sh -c #(nop) ADD dir:layer-${i} in /` });
      // Empty-layer entries are what real builders write for ENV/CMD; clients must skip them.
      if (i === 0) history.push({ created: CREATED, created_by: `/bin/sh -c #(nop)  ENV LAB_SEED=${seed}`, empty_layer: true });
    });
    history.push({ created: CREATED, created_by: '/bin/sh -c #(nop)  CMD ["serve" "--port" "8080"]', empty_layer: true });
    const config: Record<string, unknown> = {
      created: CREATED,
      author: 'OCI Registry Explorer lab',
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: {
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `LAB_SEED=${seed}`],
        Entrypoint: ['/usr/local/bin/lab-entrypoint'],
        Cmd: ['serve', '--port', '8080'],
        WorkingDir: '/srv',
        ExposedPorts: { '8080/tcp': {} },
        Labels: { 'org.opencontainers.image.title': 'lab image', 'org.opencontainers.image.version': seed, ...options.labels },
      },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history,
    };
    const configWritten = await this.writeJson(config, MediaType.imageConfig);
    const manifest: Record<string, unknown> = {
      schemaVersion: 2,
      mediaType: MediaType.imageManifest,
      config: configWritten.descriptor,
      layers: layers.map((l) => l.descriptor),
      annotations: { [ANNOTATION_CREATED]: CREATED },
    };
    const { descriptor, bytes } = await this.writeJson(manifest, MediaType.imageManifest);
    const ref = options.ref ?? this.nextRef('image');
    return { ref, descriptor, manifest, bytes, config, configDescriptor: configWritten.descriptor, layers, platform };
  }

  /** Streams tar → (hash diff_id) → gzip → (hash digest) → temp file, then renames into blobs/. */
  private async writeLayer(entries: TarEntry[]): Promise<BuiltLayer> {
    const raw = new HashCount();
    const compressed = new HashCount();
    const tmp = join(this.dir, 'blobs', 'sha256', `.tmp-${randomBytes(6).toString('hex')}`);
    try {
      await pipeline(
        Readable.from(tarChunks(entries)),
        raw,
        zlib.createGzip({ level: zlib.constants.Z_BEST_SPEED }),
        compressed,
        createWriteStream(tmp),
      );
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    const digest = `sha256:${compressed.hash.digest('hex')}`;
    await rename(tmp, this.blobPath(digest));
    const files = entries.map((e) => (e.directory ? `${e.name.replace(/\/$/, '')}/` : e.name));
    return {
      descriptor: { mediaType: MediaType.layerGzip, digest, size: compressed.size },
      diffId: `sha256:${raw.hash.digest('hex')}`,
      files,
    };
  }

  private writeIndex(): Promise<void> {
    // Serialised so concurrent tag() calls never interleave partial writes of index.json.
    this.indexWrite = this.indexWrite.then(() =>
      writeFile(
        join(this.dir, 'index.json'),
        JSON.stringify({ schemaVersion: 2, mediaType: MediaType.imageIndex, manifests: [...this.refs.values()] }, null, 2),
      ),
    );
    return this.indexWrite;
  }
}

/** Layer `index` holds a folder of seeded random files totalling about `size` bytes (layer 0 adds etc/os-release). */
function layerEntries(seed: string, index: number, size: number): TarEntry[] {
  const entries: TarEntry[] = [];
  if (index === 0) {
    entries.push({ name: 'etc', directory: true });
    entries.push({ name: 'etc/os-release', data: Buffer.from(`NAME="Lab Linux"\nID=lab\nVERSION_ID="${seed}"\n`) });
  }
  const folder = `layer-${index}`;
  entries.push({ name: folder, directory: true });
  const count = Math.min(4, Math.max(1, Math.ceil(size / (1 << 20))));
  for (let j = 0; j < count; j++) {
    const part = Math.floor(size / count) + (j < size % count ? 1 : 0);
    entries.push({ name: `${folder}/file-${j}.bin`, data: seededBytes(`${seed}/${folder}/${j}`, part), mode: 0o644 });
  }
  return entries;
}

/** A Debian package as an SBOM lists it: name, version, declared license. */
export type LabPackage = readonly [name: string, version: string, license: string];

/** The packages of the lab's SBOMs: a small Debian image's, cut to a few. */
export const LAB_PACKAGES: readonly LabPackage[] = [
  ['base-files', '12.4+deb12u5', 'GPL-2.0-or-later'],
  ['bash', '5.2.15-2+b2', 'GPL-3.0-or-later'],
  ['libc6', '2.36-9+deb12u4', 'GPL-2.0-only AND LGPL-2.1-or-later'],
  ['libssl3', '3.0.11-1~deb12u2', 'Apache-2.0'],
  ['zlib1g', '1:1.2.13.dfsg-1', 'Zlib'],
];

/** An SPDX 2.3 SBOM as Syft writes one for a Debian image, listing `packages`. */
export function labSpdx(name: string, packages: readonly LabPackage[] = LAB_PACKAGES): Record<string, unknown> {
  const debian = ([pkg, version, license]: LabPackage) => ({
    name: pkg,
    SPDXID: `SPDXRef-Package-deb-${pkg}`,
    versionInfo: version,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: license,
    externalRefs: [
      { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: `pkg:deb/debian/${pkg}@${version}?arch=amd64` },
    ],
  });
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name,
    creationInfo: { created: '2024-01-01T00:01:00Z', creators: ['Organization: Anchore, Inc', 'Tool: syft-v1.4.1'] },
    packages: packages.map(debian),
  };
}
