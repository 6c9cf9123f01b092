// Pull and push between real registries and local content, with skopeo as the independent
// reader: OCI layouts, docker archives, artifact files; an interrupted pull resumes and a corrupt
// blob leaves nothing behind.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import {
  constants as fsConstants,
  copyFileSync,
  mkdirSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdtempSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, pack as tarPack } from 'tar-stream';
import { CoreError } from '../../src/core/errors';
import type { CopyEvent } from '../../src/core/operations/copy';
import { pull, push } from '../../src/core/operations/transfer';
import { writeDockerArchive } from '../../src/core/layout/docker-archive';
import { OciImageLayout } from '../../src/core/layout/oci-layout';
import type { ImageManifest } from '../../src/core/oci/manifest';
import type { RegistrySession } from '../../src/core/registry/session';
import {
  inspectRaw,
  listTags,
  OciLayout,
  pushToRegistry,
  seedSampleContent,
  sha256,
  skopeo,
  skopeoFlags,
  type SampleContent,
} from '../support/lab/content';
import { digestAt } from '../support/lab/dated-images';
import { FaultProxy } from '../support/lab/fault-proxy';
import { plainSession } from '../support/lab/lab-helpers';
import { filesUnder } from '../support/lab/local-checks';
import { Lab, type LabRegistry } from '../support/lab/registry';

/** Copies a tar entry by entry, each file's bytes through `edit` (null leaves the entry out). */
async function rewriteTar(from: string, to: string, edit: (name: string, bytes: Buffer) => Buffer | null): Promise<void> {
  const input = tarExtract();
  const output = tarPack();
  const written = pipeline(output, createWriteStream(to));
  input.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => void chunks.push(c as Buffer));
    stream.on('end', () => {
      const bytes = header.type === 'file' ? edit(header.name, Buffer.concat(chunks)) : Buffer.concat(chunks);
      if (bytes === null) return next();
      output.entry({ ...header, size: bytes.length }, bytes, next);
    });
  });
  await pipeline(createReadStream(from), input);
  output.finalize();
  await written;
}

describe('pull and push against real registries', function () {
  let lab: Lab;
  let source: LabRegistry;
  let target: LabRegistry;
  let proxy: FaultProxy;
  let sample: SampleContent;
  let session: RegistrySession;
  let work: string;

  before(async function () {
    this.timeout(180_000);
    lab = await Lab.create();
    [source, target] = await Promise.all([lab.startRegistry({ name: 'xfer-source' }), lab.startRegistry({ name: 'xfer-target' })]);
    sample = await seedSampleContent(source);
    proxy = await FaultProxy.start(source);
    session = plainSession(
      [source, target, proxy].map((r) => r.url),
      { retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 100 } },
    );
    work = join(lab.dir, 'transfer');
  });

  afterEach(() => proxy.clear());

  after(async function () {
    await session?.close();
    await proxy?.stop();
    await lab?.stopAll();
  });

  it('pulls layers of many megabytes, four at once, through reused read buffers, and every file on disk hashes to its digest', async function () {
    this.timeout(120_000);
    // Each layer is hundreds of socket reads whose buffers are lent to the file writes and read
    // into again once written: a buffer reused too early would leave wrong bytes in a file that
    // the digest check (made before the write) passed. So every file is hashed again from disk.
    const built = await OciLayout.create(join(work, 'lent-source'));
    const layers = await Promise.all(
      [5, 12, 3, 9, 7].map((mib, i) =>
        built.writeBlob(randomBytes(mib * 1024 * 1024 + i * 4099), 'application/vnd.oci.image.layer.v1.tar'),
      ),
    );
    const config = await built.writeJson(
      { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } },
      'application/vnd.oci.image.config.v1+json',
    );
    const manifest = await built.writeJson(
      { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: config.descriptor, layers },
      'application/vnd.oci.image.manifest.v1+json',
    );
    await built.tag('v1', manifest.descriptor);
    await pushToRegistry(built, { ref: 'v1', descriptor: manifest.descriptor, manifest: {}, bytes: manifest.bytes }, source, 'big/lent:v1');
    const dir = join(work, 'layout-lent');
    await pull(session.registry(source.host).repository('big/lent'), 'v1', { kind: 'oci-layout', dir }, { concurrency: 4 });
    for (const layer of layers) {
      const file = join(dir, 'blobs', 'sha256', layer.digest.slice('sha256:'.length));
      assert.equal(sha256(readFileSync(file)), layer.digest, `${file} on disk`);
    }
  });

  it('pulls a multi-platform index into an OCI layout that skopeo reads and pushes on', async function () {
    const dir = join(work, 'layout-web');
    const result = await pull(session.registry(source.host).repository('apps/web'), 'v1', { kind: 'oci-layout', dir });
    assert.equal(result.root.digest, sample.multiPlatform.digest);
    const raw = await skopeo(source, ['inspect', '--raw', `oci:${dir}:v1`]);
    assert.equal(sha256(Buffer.from(raw.stdout, 'utf8')), sample.multiPlatform.digest);
    await skopeo(target, [
      'copy',
      '--all',
      '--preserve-digests',
      '--quiet',
      ...skopeoFlags(target, 'dest'),
      `oci:${dir}:v1`,
      `docker://${target.host}/from-layout/web:v1`,
    ]);
    assert.equal(sha256(await inspectRaw(target, 'from-layout/web:v1')), sample.multiPlatform.digest);
  });

  it('resumes an interrupted pull, fetching only what is missing', async function () {
    const dir = join(work, 'layout-resume');
    const platform = sample.multiPlatform.platforms[1]!;
    const repo = session.registry(proxy.host).repository('apps/web');
    const second = await repo.getManifest(platform.digest);
    const lastLayer = second.kind === 'image' ? second.manifest.layers.at(-1)! : assert.fail('a platform is an image');
    proxy.add({ method: 'GET', path: new RegExp(`/blobs/${lastLayer.digest}`), fault: { kind: 'status', status: 500 }, times: 10 });
    const failed = await pull(repo, 'v1', { kind: 'oci-layout', dir }, { concurrency: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(failed instanceof CoreError, String(failed));
    assert.ok(
      !existsSync(join(dir, 'index.json')) || !readFileSync(join(dir, 'index.json'), 'utf8').includes('"v1"'),
      'the tag is not listed before everything arrived',
    );
    proxy.clear();
    const first = await pull(repo, 'v1', { kind: 'oci-layout', dir });
    assert.equal(first.root.digest, sample.multiPlatform.digest);
    assert.ok(first.blobs.skipped > 0, `the blobs of the failed attempt are kept and skipped (${JSON.stringify(first.blobs)})`);
    assert.ok(first.blobs.copied >= 1, 'the missing blob is fetched');
    const again = await pull(repo, 'v1', { kind: 'oci-layout', dir });
    assert.equal(again.blobs.copied, 0, 'a second pull moves no bytes');
    assert.equal(again.bytes.transferred, 0);
  });

  it('rejects a corrupt blob and keeps no file of it, final or partial', async function () {
    const dir = join(work, 'layout-tamper');
    const layout = await OciLayout.create(join(lab.dir, 'content', 'tamper-pull'));
    const image = await layout.image({ seed: 'tamper-pull', layers: [64 * 1024] });
    await pushToRegistry(layout, image, source, 'tamper/pull:1');
    const layer = image.layers[0]!.descriptor;
    proxy.add({ method: 'GET', path: new RegExp(`/blobs/${layer.digest}`), fault: { kind: 'tamper' } });
    const err = await pull(session.registry(proxy.host).repository('tamper/pull'), '1', { kind: 'oci-layout', dir }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof CoreError && err.code === 'DIGEST_MISMATCH', String(err));
    const files = filesUnder(dir);
    assert.ok(!files.some((f) => f.includes(layer.digest.slice(7))), `no file for the corrupt layer (${files.join(', ')})`);
    assert.ok(!files.some((f) => /partial|tmp/.test(f)), `no temporary files left (${files.join(', ')})`);
  });

  it('pulls one platform into a docker archive that skopeo reads', async function () {
    const file = join(work, 'web-amd64.tar');
    const amd64 = sample.multiPlatform.platforms.find((p) => p.platform.architecture === 'amd64')!;
    const result = await pull(
      session.registry(source.host).repository('apps/web'),
      'v1',
      { kind: 'docker-archive', file, repoTag: 'apps/web:v1' },
      { platforms: [amd64.platform] },
    );
    assert.equal(result.root.digest, amd64.digest);
    const inspected = JSON.parse((await skopeo(source, ['inspect', `docker-archive:${file}`])).stdout) as {
      Architecture: string;
      Layers: string[];
    };
    assert.equal(inspected.Architecture, 'amd64');
    assert.ok(inspected.Layers.length > 0);
    assert.ok(!readdirSync(work).some((f) => f.includes('.pulling')), 'the staging folder is gone');
  });

  it('names a docker archive pulled by tag after it, and leaves one pulled by digest untagged (never a made-up :latest)', async function () {
    const amd64 = sample.multiPlatform.platforms.find((p) => p.platform.architecture === 'amd64')!;
    const repoTagsOf = (file: string): unknown =>
      (JSON.parse(execFileSync('tar', ['-xOf', file, 'manifest.json'], { encoding: 'utf8' })) as { RepoTags: unknown }[])[0]!.RepoTags;
    const byTag = join(work, 'by-tag.tar');
    await pull(
      session.registry(source.host).repository('apps/web'),
      'v1',
      { kind: 'docker-archive', file: byTag },
      { platforms: [amd64.platform] },
    );
    assert.deepEqual(repoTagsOf(byTag), [`${source.host}/apps/web:v1`]);
    const byDigest = join(work, 'by-digest.tar');
    await pull(session.registry(source.host).repository('apps/web'), amd64.digest, { kind: 'docker-archive', file: byDigest });
    assert.deepEqual(repoTagsOf(byDigest), [], 'docker load then keeps the image by its ID, as docker pull repo@digest does');
  });

  it('pulls one platform of a buildx index (with attestations) into a docker archive; a layout keeps the attestation', async function () {
    const layout = await OciLayout.create(join(lab.dir, 'content', 'buildx'));
    const built = await layout.attestedIndex({ seed: 'buildx-pull', ref: 'app' });
    await pushToRegistry(layout, built, source, 'apps/buildx:latest');
    const repo = session.registry(source.host).repository('apps/buildx');
    const amd64 = built.children.find((c) => c.platform?.architecture === 'amd64')!;
    const file = join(work, 'buildx-amd64.tar');
    const result = await pull(
      repo,
      'latest',
      { kind: 'docker-archive', file, repoTag: 'apps/buildx:latest' },
      { platforms: [amd64.platform!] },
    );
    assert.equal(result.root.digest, amd64.descriptor.digest, 'the image itself, not an index of it and its attestation');
    const inspected = JSON.parse((await skopeo(source, ['inspect', `docker-archive:${file}`])).stdout) as { Architecture: string };
    assert.equal(inspected.Architecture, 'amd64');

    // An OCI layout of the same platform keeps the attestation beside its image.
    const dir = join(work, 'layout-buildx-amd64');
    const kept = await pull(repo, 'latest', { kind: 'oci-layout', dir }, { platforms: [amd64.platform!] });
    const index = JSON.parse(await skopeo(source, ['inspect', '--raw', `oci:${dir}:latest`]).then((r) => r.stdout)) as {
      manifests: { digest: string }[];
    };
    assert.equal(kept.rewritten, true);
    assert.deepEqual(
      index.manifests.map((m) => m.digest),
      [amd64.descriptor.digest, built.attestations[0]!.descriptor.digest],
    );
  });

  it('pulls an artifact as its files, byte-identical, and refuses to overwrite them', async function () {
    const dir = join(work, 'bundle');
    const result = await pull(session.registry(source.host).repository(sample.artifact.repository), sample.artifact.tag, {
      kind: 'artifact-files',
      dir,
    });
    assert.deepEqual(result.written.map((f) => f.slice(dir.length + 1)).sort(), [...sample.artifact.files].sort());
    assert.equal(readFileSync(join(dir, 'app.yaml'), 'utf8'), 'replicas: 2\nimage: apps/web:v1\n');
    const again = await pull(session.registry(source.host).repository(sample.artifact.repository), sample.artifact.tag, {
      kind: 'artifact-files',
      dir,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(again instanceof CoreError, 'existing files are not overwritten without asking');
  });

  it('pushes an OCI layout and a docker archive, with the digests skopeo sees', async function () {
    const result = await push(
      { kind: 'oci-layout', dir: sample.layoutDir, refName: undefined },
      session.registry(target.host).repository('pushed/layout'),
      'v1',
    ).catch((e: unknown) => e);
    // The sample layout holds many images: without a ref name the push must ask which one.
    assert.ok(result instanceof CoreError, 'an ambiguous layout is refused');
    const index = JSON.parse(readFileSync(join(sample.layoutDir, 'index.json'), 'utf8')) as {
      manifests: { digest: string; annotations?: Record<string, string> }[];
    };
    const entry = index.manifests.find((m) => m.digest === sample.multiPlatform.digest)!;
    const refName = entry.annotations!['org.opencontainers.image.ref.name']!;
    const pushed = await push(
      { kind: 'oci-layout', dir: sample.layoutDir, refName },
      session.registry(target.host).repository('pushed/layout'),
      'v1',
    );
    assert.equal(pushed.root.digest, sample.multiPlatform.digest);
    assert.equal(sha256(await inspectRaw(target, 'pushed/layout:v1')), sample.multiPlatform.digest);

    const archive = join(work, 'skopeo-archive.tar');
    await skopeo(source, [
      'copy',
      '--quiet',
      ...skopeoFlags(source, 'src'),
      `docker://${source.host}/library/alpine:3.20`,
      `docker-archive:${archive}:alpine:3.20`,
    ]);
    const fromArchive = await push({ kind: 'archive', file: archive }, session.registry(target.host).repository('pushed/archive'), '3.20');
    const pushedManifest = JSON.parse((await inspectRaw(target, 'pushed/archive:3.20')).toString()) as { config: { digest: string } };
    const original = JSON.parse((await inspectRaw(source, 'library/alpine:3.20')).toString()) as { config: { digest: string } };
    assert.equal(pushedManifest.config.digest, original.config.digest, 'the image config is the same');
    assert.equal(fromArchive.root.digest, sha256(await inspectRaw(target, 'pushed/archive:3.20')));
  });

  it('pushes a docker save archive of one image under two tags, untagged, or in the old format, and picks it by RepoTag', async function () {
    const layout = await OciLayout.create(join(lab.dir, 'content', 'two-tags'));
    const image = await layout.image({ seed: 'two-tags', layers: [4000] });
    mkdirSync(work, { recursive: true });
    const saved = join(work, 'two-tags.tar');
    // What Docker 25+ writes for `docker save app:1 app:2`: index.json lists the image twice, named by tag.
    await writeDockerArchive(saved, [
      {
        manifest: image.manifest as unknown as ImageManifest,
        source: await OciImageLayout.open(layout.dir),
        repoTags: ['app:1', 'app:2'],
        manifestDescriptor: image.descriptor,
      },
    ]);
    // `docker save <image ID>` on Docker 25+: index.json lists nothing, manifest.json has no RepoTags.
    const untagged = join(work, 'untagged.tar');
    await rewriteTar(saved, untagged, (name, bytes) => {
      if (name === 'index.json') return Buffer.from(JSON.stringify({ ...(JSON.parse(bytes.toString()) as object), manifests: [] }));
      if (name === 'manifest.json')
        return Buffer.from(JSON.stringify((JSON.parse(bytes.toString()) as object[]).map((e) => ({ ...e, RepoTags: null }))));
      return bytes;
    });
    // Docker before 25: manifest.json alone.
    const legacy = join(work, 'legacy-two-tags.tar');
    await rewriteTar(saved, legacy, (name, bytes) => (name === 'index.json' || name === 'oci-layout' ? null : bytes));
    const config = (image.manifest as { config: { digest: string } }).config.digest;
    for (const [file, refName] of [
      [saved, undefined],
      [saved, 'app:2'],
      [saved, 'docker.io/library/app:1'],
      [untagged, undefined],
      [legacy, undefined],
      [legacy, 'app:1'],
    ] as const) {
      const repository = session.registry(target.host).repository('pushed/saved');
      const result = await push({ kind: 'archive', file, ...(refName ? { refName } : {}) }, repository, 'v1');
      const pushed = JSON.parse((await inspectRaw(target, 'pushed/saved:v1')).toString()) as { config: { digest: string } };
      assert.equal(pushed.config.digest, config, `${file} ${refName ?? ''}`);
      if (file === saved) assert.equal(result.root.digest, image.descriptor.digest, 'the manifest as saved');
    }
    await assert.rejects(
      push({ kind: 'archive', file: saved, refName: 'app:3' }, session.registry(target.host).repository('pushed/saved'), 'v1'),
      (e: unknown) =>
        e instanceof CoreError &&
        e.code === 'REF_NOT_FOUND' &&
        /"docker\.io\/library\/app:1" = "docker\.io\/library\/app:2"/.test(e.message),
    );
  });

  it('pushes the image a person picks from a docker save archive of several, asked once the archive is read', async function () {
    const layout = await OciLayout.create(join(lab.dir, 'content', 'several-images'));
    const [app, web] = [
      await layout.image({ seed: 'several-app', layers: [3000] }),
      await layout.image({ seed: 'several-web', layers: [5000] }),
    ];
    mkdirSync(work, { recursive: true });
    const saved = join(work, 'several-images.tar');
    // `docker save app:1 web:2` on Docker 25+.
    const source = await OciImageLayout.open(layout.dir);
    await writeDockerArchive(saved, [
      { manifest: app.manifest as unknown as ImageManifest, source, repoTags: ['app:1'], manifestDescriptor: app.descriptor },
      { manifest: web.manifest as unknown as ImageManifest, source, repoTags: ['web:2'], manifestDescriptor: web.descriptor },
    ]);
    const repository = () => session.registry(target.host).repository('pushed/several');
    const offered: { digest: string; names: string[] }[][] = [];
    const result = await push({ kind: 'archive', file: saved }, repository(), 'picked', {
      chooseImage: async (images) => {
        offered.push(images.map((i) => ({ digest: i.descriptor.digest, names: i.names })));
        return web.descriptor.digest;
      },
    });
    assert.deepEqual(offered, [
      [
        { digest: app.descriptor.digest, names: ['docker.io/library/app:1'] },
        { digest: web.descriptor.digest, names: ['docker.io/library/web:2'] },
      ],
    ]);
    assert.equal(result.root.digest, web.descriptor.digest);
    assert.equal(sha256(await inspectRaw(target, 'pushed/several:picked')), web.descriptor.digest);
    // Named by the bare tag Docker 25+ writes as the ref name: that image, never the other bare tag.
    const byTag = await push({ kind: 'archive', file: saved, refName: '1' }, repository(), 'by-tag', {
      chooseImage: () => assert.fail('a named image is not asked for'),
    });
    assert.equal(byTag.root.digest, app.descriptor.digest);
    await assert.rejects(
      push({ kind: 'archive', file: saved, refName: '3' }, repository(), 'none'),
      (e: unknown) => e instanceof CoreError && e.code === 'REF_NOT_FOUND',
    );
    // Dismissed: nothing pushed. Without a chooser: refused, naming both.
    await assert.rejects(
      push({ kind: 'archive', file: saved }, repository(), 'dismissed', { chooseImage: async () => undefined }),
      (e: unknown) => e instanceof CoreError && e.code === 'CANCELLED',
    );
    await assert.rejects(
      push({ kind: 'archive', file: saved }, repository(), 'unchosen'),
      (e: unknown) =>
        e instanceof CoreError &&
        e.code === 'REF_AMBIGUOUS' &&
        /"docker\.io\/library\/app:1", "docker\.io\/library\/web:2"/.test(e.message),
    );
    for (const tag of ['dismissed', 'unchosen', 'none']) assert.equal(await digestAt(target, 'pushed/several', tag), undefined, tag);
  });

  it('says which platforms a one-platform export (ctr export, nerdctl save) lacks, and pushes those it holds', async function () {
    const layout = await OciLayout.create(join(lab.dir, 'content', 'one-platform'));
    const index = await layout.multiPlatformIndex({ seed: 'one-platform', ref: 'latest' });
    const arm = index.children.find((c) => c.platform?.architecture === 'arm64')!;
    for (const d of [arm.descriptor, arm.configDescriptor, ...arm.layers.map((l) => l.descriptor)]) rmSync(layout.blobPath(d.digest));
    const repository = session.registry(target.host).repository('pushed/one-platform');
    await assert.rejects(push({ kind: 'oci-layout', dir: layout.dir }, repository, 'latest'), (e: unknown) => {
      assert.ok(e instanceof CoreError, String(e));
      assert.match(e.message, /holds only linux\/amd64 of its multi-platform image; linux\/arm64\/v8 is not in it/);
      assert.match(e.message, /push only the platforms it holds \(linux\/amd64\)/);
      return true;
    });
    const amd64 = index.children.find((c) => c.platform?.architecture === 'amd64')!;
    const pushed = await push({ kind: 'oci-layout', dir: layout.dir }, repository, 'latest', { platforms: [amd64.platform!] });
    assert.equal(pushed.root.digest, amd64.descriptor.digest);
  });

  it('pushes files as an artifact and pulls them back byte-identical', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'artifact-files-'));
    writeFileSync(join(dir, 'values.yaml'), 'replicas: 3\n');
    writeFileSync(join(dir, 'blob.bin'), Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256)));
    const repo = session.registry(target.host).repository('pushed/files');
    const result = await push(
      {
        kind: 'files',
        artifactType: 'application/vnd.example.bundle.v1',
        files: [{ path: join(dir, 'values.yaml'), mediaType: 'application/yaml' }, { path: join(dir, 'blob.bin') }],
      },
      repo,
      'v1',
    );
    const manifest = JSON.parse((await inspectRaw(target, 'pushed/files:v1')).toString()) as {
      artifactType: string;
      layers: { mediaType: string; annotations: Record<string, string> }[];
    };
    assert.equal(manifest.artifactType, 'application/vnd.example.bundle.v1');
    assert.deepEqual(
      manifest.layers.map((l) => [l.mediaType, l.annotations['org.opencontainers.image.title']]),
      [
        ['application/yaml', 'values.yaml'],
        ['application/vnd.oci.image.layer.v1.tar', 'blob.bin'],
      ],
    );
    assert.equal(sha256(await inspectRaw(target, 'pushed/files:v1')), result.root.digest);
    const back = join(work, 'files-back');
    const events: CopyEvent[] = [];
    await pull(repo, 'v1', { kind: 'artifact-files', dir: back }, { onProgress: (e) => events.push(e) });
    // The progress knows its total and blob count before the bytes come, as for a layout pull.
    const planned = events.filter((e) => e.type === 'planned');
    assert.deepEqual(
      planned.map((e) => [e.blobs, e.totalBytes]),
      [[2, 12 + 70_000]],
    );
    assert.ok(events.indexOf(planned[0]!) < events.findIndex((e) => e.type === 'bytes'));
    const last = events.filter((e) => e.type === 'bytes').at(-1);
    assert.equal(last?.type === 'bytes' && last.doneBytes, 12 + 70_000);
    assert.equal(events.filter((e) => e.type === 'blob' && e.state === 'copied').length, 2);
    assert.deepEqual(readFileSync(join(back, 'blob.bin')), readFileSync(join(dir, 'blob.bin')));
    assert.equal(readFileSync(join(back, 'values.yaml'), 'utf8'), 'replicas: 3\n');
  });

  it('pushes nothing from a layout whose blob is a FIFO or a link out of it, and does not hang', async function () {
    if (process.platform === 'win32') this.skip();
    const layout = await OciLayout.create(join(work, 'hostile-layout'));
    const image = await layout.image({ layers: [20_000], seed: 'hostile-local', ref: 'app' });
    const blob = join(layout.dir, 'blobs', 'sha256', image.layers[0]!.descriptor.digest.slice(7));
    const outside = join(work, 'outside-layer.bin');
    copyFileSync(blob, outside);
    const repo = session.registry(target.host).repository('pushed/hostile-local');
    /** The push's outcome, or HUNG after 5 s: a FIFO read would otherwise wait for a writer forever. */
    const attempt = async (): Promise<unknown> => {
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise((resolve) => (timer = setTimeout(() => resolve('HUNG'), 5000)));
      const outcome = await Promise.race([
        push({ kind: 'oci-layout', dir: layout.dir }, repo, 'app').then(
          () => 'pushed',
          (e: unknown) => e,
        ),
        hung,
      ]);
      clearTimeout(timer);
      return outcome;
    };
    try {
      rmSync(blob);
      execFileSync('mkfifo', [blob]);
      const fifo = await attempt();
      assert.ok(fifo instanceof CoreError && fifo.code === 'NOT_A_FILE', String(fifo));
      rmSync(blob);
      symlinkSync(outside, blob);
      const link = await attempt();
      assert.ok(link instanceof CoreError && link.code === 'UNSAFE_PATH', String(link));
      assert.deepEqual(await listTags(target, 'pushed/hostile-local').catch((): string[] => []), [], 'nothing was tagged');
      const head = await repo.hasBlob(image.layers[0]!.descriptor);
      assert.equal(head, false, 'the file outside the layout never reached the registry');
    } finally {
      // A push blocked on the FIFO (without the fix) is released by a writer that comes and goes.
      try {
        closeSync(openSync(blob, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK));
      } catch {
        // Not a FIFO any more, or nobody waiting.
      }
    }
  });
});
