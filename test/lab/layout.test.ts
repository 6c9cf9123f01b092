// Cross-checks the local content stores against skopeo, which reads and writes OCI layouts and
// docker/OCI archives on local folders without any registry.
import * as assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digestOf } from '../../src/core/oci/digest';
import { type ImageManifest, parseManifest } from '../../src/core/oci/manifest';
import { openImageArchive } from '../../src/core/layout/archive-source';
import { extractArtifactFiles, FileArtifactSource } from '../../src/core/layout/artifact-files';
import { writeDockerArchive } from '../../src/core/layout/docker-archive';
import { OciImageLayout } from '../../src/core/layout/oci-layout';
import { copyGraph } from '../unit/support/layout-helpers';
import { type BuiltImage, type BuiltIndex, type BuiltManifest, OciLayout } from '../support/lab/oci-layout';
import { type ExecResult, run } from '../support/lab/exec';

const KIB = 1024;

describe('local content stores, checked with skopeo', function () {
  this.timeout(120_000);
  let work: string;
  let env: NodeJS.ProcessEnv;
  let fixture: OciLayout;
  let image: BuiltImage;
  let index: BuiltIndex;
  let artifact: BuiltManifest;

  /** skopeo with no registries.conf, auth file or signature policy from the machine. */
  const skopeo = (...args: string[]): Promise<ExecResult> => run('skopeo', ['--insecure-policy', ...args], { env, timeoutMs: 120_000 });
  const manifestOf = (built: BuiltManifest): ImageManifest => built.manifest as unknown as ImageManifest;
  const configDigestOf = (bytes: Buffer): string => {
    const parsed = parseManifest(bytes, digestOf(bytes), undefined, 'manifest');
    assert.ok(parsed.kind === 'image');
    return parsed.manifest.config.digest;
  };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'layout-lab-'));
    await writeFile(join(work, 'registries.conf'), 'unqualified-search-registries = []\n');
    env = {
      ...process.env,
      CONTAINERS_REGISTRIES_CONF: join(work, 'registries.conf'),
      REGISTRY_AUTH_FILE: join(work, 'auth.json'),
      DOCKER_CONFIG: work,
    };
    fixture = await OciLayout.create(join(work, 'fixture'));
    image = await fixture.image({ layers: [96 * KIB, 5 * KIB], seed: 'layout-lab', ref: 'app' });
    index = await fixture.multiPlatformIndex({ seed: 'layout-lab-multi', ref: 'multi' });
    artifact = await fixture.artifact({
      artifactType: 'application/vnd.example.bundle.v1',
      files: { 'readme.md': '# hi\n' },
      ref: 'bundle',
    });
  });
  after(() => rm(work, { recursive: true, force: true }));

  describe('OCI layouts', () => {
    let ours: OciImageLayout;

    before(async () => {
      const source = await OciImageLayout.open(fixture.dir);
      ours = await OciImageLayout.open(join(work, 'ours'), { create: true });
      for (const built of [image, index, artifact]) await copyGraph(source, ours, built.descriptor, built.ref);
    });

    it('skopeo inspects what OciImageLayout wrote, byte for byte', async () => {
      for (const built of [image, index, artifact]) {
        const { stdout } = await skopeo('inspect', '--raw', `oci:${ours.dir}:${built.ref}`);
        assert.equal(digestOf(Buffer.from(stdout, 'utf8')), built.descriptor.digest, built.ref);
      }
      const { stdout } = await skopeo('inspect', `oci:${ours.dir}:app`);
      assert.deepEqual(
        (JSON.parse(stdout) as { Layers: string[] }).Layers,
        image.layers.map((l) => l.descriptor.digest),
      );
    });

    it('skopeo copies out of it, keeping digests', async () => {
      const other = join(work, 'skopeo-copy');
      await skopeo('copy', '--preserve-digests', `oci:${ours.dir}:app`, `oci:${other}:app`);
      await skopeo('copy', '--all', '--preserve-digests', `oci:${ours.dir}:multi`, `oci:${other}:multi`);
      const copied = await OciImageLayout.open(other);
      assert.equal((await copied.resolve('app')).digest, image.descriptor.digest);
      assert.equal((await copied.resolve('multi')).digest, index.descriptor.digest);
      for (const child of index.children) assert.equal(await copied.hasManifest(child.descriptor), true);
    });

    it('reads a layout skopeo wrote', async () => {
      const written = join(work, 'skopeo-written');
      await skopeo('copy', '--all', '--preserve-digests', `oci:${fixture.dir}:multi`, `oci:${written}:v1`);
      const layout = await OciImageLayout.open(written);
      const root = await layout.resolve();
      assert.equal(root.digest, index.descriptor.digest);
      const target = await OciImageLayout.open(join(work, 'from-skopeo'), { create: true });
      await copyGraph(layout, target, root, 'v1');
      assert.equal(await target.hasBlob(index.children[1]!.layers[0]!.descriptor), true);
    });

    it('ORAS-style artifacts from files survive a skopeo copy and come back as the same files', async () => {
      const input = join(work, 'notes.txt');
      await writeFile(input, 'artifact file\n'.repeat(1000));
      const source = await FileArtifactSource.create([{ path: input }], { artifactType: 'application/vnd.example.notes.v1' });
      const layout = await OciImageLayout.open(join(work, 'artifact-layout'), { create: true });
      await copyGraph(source, layout, source.root, 'notes');
      const copied = join(work, 'artifact-copied');
      await skopeo('copy', '--preserve-digests', `oci:${layout.dir}:notes`, `oci:${copied}:notes`);
      const back = await OciImageLayout.open(copied);
      const manifest = JSON.parse((await back.fetchManifest(await back.resolve('notes'))).toString()) as ImageManifest;
      const out = join(work, 'artifact-out');
      const result = await extractArtifactFiles(back, manifest, out);
      assert.deepEqual(await readFile(result.files[0]!), await readFile(input));
    });
  });

  describe('docker archives we write', () => {
    let archive: string;

    before(async () => {
      archive = join(work, 'ours.tar');
      const source = await OciImageLayout.open(fixture.dir);
      await writeDockerArchive(archive, [
        { manifest: manifestOf(image), source, repoTags: ['lab/app:1.0'], manifestDescriptor: image.descriptor },
      ]);
    });

    it('skopeo inspects them, by file and by RepoTag, with our config', async () => {
      const { stdout } = await skopeo('inspect', `docker-archive:${archive}`);
      assert.equal((JSON.parse(stdout) as { Architecture: string }).Architecture, 'amd64');
      const raw = await skopeo('inspect', '--raw', `docker-archive:${archive}:lab/app:1.0`);
      assert.equal(configDigestOf(Buffer.from(raw.stdout, 'utf8')), image.configDescriptor.digest);
      const config = await skopeo('inspect', '--config', '--raw', `docker-archive:${archive}`);
      assert.equal(digestOf(Buffer.from(config.stdout, 'utf8')), image.configDescriptor.digest);
    });

    it('skopeo copies them into OCI layouts and folders', async () => {
      // Converting a Docker image to OCI makes skopeo re-serialise the config (same JSON, new
      // bytes), so the byte-exact config digest is checked through the dir: transport.
      await skopeo('copy', `docker-archive:${archive}`, `oci:${join(work, 'from-archive')}:x`);
      const layout = await OciImageLayout.open(join(work, 'from-archive'));
      const manifest = JSON.parse((await layout.fetchManifest(await layout.resolve('x'))).toString()) as ImageManifest;
      const config = JSON.parse((await readFile(layout.blobPath(manifest.config.digest))).toString()) as unknown;
      assert.deepEqual(config, image.config);
      const dir = join(work, 'from-archive-dir');
      await skopeo('copy', `docker-archive:${archive}`, `dir:${dir}`);
      assert.equal(configDigestOf(await readFile(join(dir, 'manifest.json'))), image.configDescriptor.digest);
      assert.equal(digestOf(await readFile(join(dir, image.configDescriptor.digest.slice(7)))), image.configDescriptor.digest);
    });

    it('skopeo reads them as OCI archives too, with the same manifest digest', async () => {
      const { stdout } = await skopeo('inspect', '--raw', `oci-archive:${archive}:1.0`);
      assert.equal(digestOf(Buffer.from(stdout, 'utf8')), image.descriptor.digest);
    });
  });

  describe('archives skopeo writes', () => {
    it("reads a docker-archive skopeo wrote, with skopeo's config and layer digests", async () => {
      const path = join(work, 'skopeo-docker.tar');
      await skopeo('copy', `oci:${fixture.dir}:app`, `docker-archive:${path}:lab/skopeo:2`);
      const expected = parseManifest(
        Buffer.from((await skopeo('inspect', '--raw', `docker-archive:${path}`)).stdout, 'utf8'),
        digestOf('x'),
        undefined,
        'skopeo',
      );
      assert.ok(expected.kind === 'image');
      const opened = await openImageArchive(path, { workDir: work });
      try {
        assert.equal(opened.format, 'docker');
        assert.deepEqual(
          opened.roots.map((r) => r.refName),
          ['docker.io/lab/skopeo:2'],
        );
        const bytes = await opened.layout.fetchManifest(opened.roots[0]!.descriptor);
        const parsed = parseManifest(bytes, opened.roots[0]!.descriptor.digest, undefined, 'ours');
        assert.ok(parsed.kind === 'image');
        assert.equal(parsed.manifest.config.digest, expected.manifest.config.digest);
        assert.deepEqual(
          parsed.manifest.layers.map((l) => l.digest),
          expected.manifest.layers.map((l) => l.digest),
        );
        // skopeo writes uncompressed layers; sniffing says so whatever skopeo's own listing claims.
        assert.deepEqual(
          parsed.manifest.layers.map((l) => l.mediaType),
          image.layers.map(() => 'application/vnd.docker.image.rootfs.diff.tar'),
        );
        // And what we made from it is a valid image skopeo can copy (its only one, so no name:
        // skopeo cannot take a ref name with a colon in it).
        await skopeo('copy', `oci:${opened.layout.dir}`, `dir:${join(work, 'roundtrip-dir')}`);
        assert.equal(configDigestOf(await readFile(join(work, 'roundtrip-dir', 'manifest.json'))), expected.manifest.config.digest);
      } finally {
        await opened.close();
      }
    });

    it('reads an oci-archive skopeo wrote, keeping the manifest digest', async () => {
      const path = join(work, 'skopeo-oci.tar');
      await skopeo('copy', '--preserve-digests', `oci:${fixture.dir}:app`, `oci-archive:${path}:myref`);
      const opened = await openImageArchive(path, { workDir: work });
      try {
        assert.equal(opened.format, 'oci');
        assert.deepEqual(
          opened.roots.map((r) => [r.refName, r.descriptor.digest]),
          [['myref', image.descriptor.digest]],
        );
        assert.equal(configDigestOf(await opened.layout.fetchManifest(opened.roots[0]!.descriptor)), image.configDescriptor.digest);
        for (const layer of image.layers) assert.equal(await opened.layout.hasBlob(layer.descriptor), true);
      } finally {
        await opened.close();
      }
    });
  });
});
