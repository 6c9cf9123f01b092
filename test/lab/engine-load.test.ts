// Pull into a local engine against a real registry: into a real Docker daemon (Debian's dockerd,
// started by the lab in a private folder and reached through DOCKER_HOST, as the docker CLI reaches
// it), into Debian's podman (vfs storage in a private root), and the errors for an engine that is
// missing or cannot reach its daemon.
//
// Until 2026-12 the Docker path was tested against a stand-in process that checked the archive with
// skopeo, because no Docker daemon ran here. The lab's own dockerd replaced it: skopeo's reader is
// the containers/image library that `podman load` uses too, so the podman test below still covers
// what the stand-in checked, and Docker's own reader now checks the rest.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreError } from '../../src/core/errors';
import { enginePlatform, loadIntoEngine } from '../../src/core/operations/engine-load';
import type { CopyEvent } from '../../src/core/operations/copy';
import { hostPlatform } from '../../src/core/oci/manifest';
import type { RegistrySession } from '../../src/core/registry/session';
import { OciLayout, pushToRegistry, seedSampleContent, type SampleContent } from '../support/lab/content';
import { DockerDaemon } from '../support/lab/docker-daemon';
import { plainSession } from '../support/lab/lab-helpers';
import { Lab, type LabRegistry } from '../support/lab/registry';

const MIB = 1024 * 1024;
/** Large enough that `docker load` is still unpacking it when the test sees it begin. */
const LARGE_LAYERS = [24 * MIB, 24 * MIB];
/** How often, and for how long at most, the test looks at the daemon's work. */
const POLL_MS = 5;
const WAIT_LIMIT_MS = 60_000;

function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` holds, looking every few milliseconds, at most WAIT_LIMIT_MS. */
async function waitFor(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await sleep(POLL_MS);
  }
}

describe('pull into a local engine', function () {
  let lab: Lab;
  let registry: LabRegistry;
  let session: RegistrySession;
  let sample: SampleContent;

  before(async function () {
    this.timeout(180_000);
    lab = await Lab.create();
    registry = await lab.startRegistry({ name: 'engine' });
    sample = await seedSampleContent(registry);
    session = plainSession(registry.url);
  });

  after(async function () {
    await session?.close();
    await lab?.stopAll();
  });

  describe('into Docker (the lab’s dockerd, through DOCKER_HOST)', function () {
    let daemon: DockerDaemon;
    let previousDockerHost: string | undefined;
    let engineArchitecture: string;

    before(async function () {
      this.timeout(120_000);
      daemon = await DockerDaemon.start();
      // The extension runs the docker CLI with its own environment: DOCKER_HOST there is how a
      // user points it at a daemon, and how these tests point it at the lab's.
      previousDockerHost = process.env.DOCKER_HOST;
      process.env.DOCKER_HOST = daemon.env.DOCKER_HOST;
      engineArchitecture = (await daemon.docker(['version', '--format', '{{.Server.Arch}}'])).stdout.trim();
    });

    after(async function () {
      this.timeout(60_000);
      if (previousDockerHost === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = previousDockerHost;
      await daemon?.stop();
    });

    it('loads the engine’s own platform of an index by default, with progress, under the name docker reports', async function () {
      const repo = session.registry(registry.host).repository(sample.multiPlatform.repository);
      const name = `${registry.host}/apps/web:v1`;
      const progress: CopyEvent[] = [];
      const result = await loadIntoEngine(repo, sample.multiPlatform.tag, {
        engine: { command: 'docker' },
        repoTag: name,
        onProgress: (event) => progress.push(event),
      });
      assert.deepEqual(result.loaded, [name]);
      const own = sample.multiPlatform.platforms.find((p) => p.platform.architecture === engineArchitecture);
      assert.ok(own, `the lab's index has no ${engineArchitecture} image`);
      assert.equal(result.root.digest, own.digest);
      const bytes = progress.filter((e) => e.type === 'bytes');
      assert.ok(bytes.length > 0, 'no byte progress');
      assert.equal(bytes.at(-1)!.type === 'bytes' && bytes.at(-1)!.doneBytes, result.bytes.total);

      const image = await daemon.inspectImage(name);
      assert.ok(image, `docker has no image ${name}`);
      assert.deepEqual(image.RepoTags, [name]);
      assert.equal(`${image.Os}/${image.Architecture}`, `linux/${engineArchitecture}`);
      const manifest = await repo.getManifest(own.digest);
      assert.ok(manifest.kind === 'image');
      assert.equal(image.Id, manifest.manifest.config.digest);
    });

    it('loads another platform of the index when asked', async function () {
      const other = sample.multiPlatform.platforms.find((p) => p.platform.architecture !== engineArchitecture)!;
      const repo = session.registry(registry.host).repository(sample.multiPlatform.repository);
      const name = `${registry.host}/apps/web:v1-${other.platform.architecture}`;
      const result = await loadIntoEngine(repo, sample.multiPlatform.tag, {
        engine: { command: 'docker' },
        repoTag: name,
        platform: other.platform,
      });
      assert.deepEqual(result.loaded, [name]);
      const image = await daemon.inspectImage(name);
      assert.equal(image?.Architecture, other.platform.architecture);
    });

    it('loads one platform of an index pushed by docker buildx, leaving its attestation out', async function () {
      const layout = await OciLayout.create(join(lab.dir, 'content', 'engine-buildx'));
      const built = await layout.attestedIndex({ seed: 'engine-buildx', ref: 'app' });
      await pushToRegistry(layout, built, registry, 'apps/buildx:latest');
      const repo = session.registry(registry.host).repository('apps/buildx');
      const own = built.children.find((c) => c.platform?.architecture === engineArchitecture);
      assert.ok(own, `the lab's index has no ${engineArchitecture} image`);
      const name = `${registry.host}/apps/buildx:latest`;
      const result = await loadIntoEngine(repo, 'latest', { engine: { command: 'docker' }, repoTag: name });
      assert.deepEqual(result.loaded, [name]);
      assert.equal(result.root.digest, own.descriptor.digest);
      assert.equal((await daemon.inspectImage(name))?.Architecture, engineArchitecture);
    });

    it('Cancel while docker load is unpacking the archive leaves no image', async function () {
      const layout = await OciLayout.create(join(lab.dir, 'content', 'engine-large'));
      const large = await layout.image({ seed: 'engine-large', layers: LARGE_LAYERS });
      await pushToRegistry(layout, large, registry, 'media/large:v1');
      const name = `${registry.host}/media/large:v1`;
      const repo = session.registry(registry.host).repository('media/large');
      // Only a folder this load makes counts (an earlier load's could be on its way out).
      const earlier = new Set(daemon.importsInProgress());
      const ours = (): string[] => daemon.importsInProgress().filter((name) => !earlier.has(name));
      const abort = new AbortController();
      const loading = loadIntoEngine(repo, 'v1', { engine: { command: 'docker' }, repoTag: name, signal: abort.signal });
      let settled = false;
      const outcome = loading.then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
      void outcome.then(() => (settled = true));
      // The daemon has begun to receive the archive: its unpacking folder exists.
      await waitFor('docker load to begin unpacking', () => settled || ours().length > 0);
      abort.abort();
      const ended = await outcome;
      assert.ok('error' in ended, 'the load finished before Cancel could stop it');
      assert.ok(ended.error instanceof CoreError && ended.error.code === 'CANCELLED', `not cancelled: ${String(ended.error)}`);
      // The daemon saw the archive end early: it gives up and removes what it unpacked.
      await waitFor('the daemon to drop the unfinished archive', () => ours().length === 0);
      assert.equal(await daemon.inspectImage(name), undefined, 'the cancelled image is in docker');
      const { stdout } = await daemon.docker(['image', 'ls', '--quiet', '--no-trunc', '--filter', `reference=${registry.host}/media/*`]);
      assert.equal(stdout.trim(), '');
    });

    it('asks the daemon DOCKER_HOST names for its platform, and gets nothing from one that is not there', async function () {
      assert.deepEqual(await enginePlatform('docker', { command: 'docker' }), { os: 'linux', architecture: engineArchitecture });
      process.env.DOCKER_HOST = `unix://${join(daemon.dir, 'nobody-listens.sock')}`;
      try {
        assert.equal(await enginePlatform('docker', { command: 'docker' }), undefined);
      } finally {
        process.env.DOCKER_HOST = daemon.env.DOCKER_HOST;
      }
      assert.equal(await enginePlatform('docker', { command: 'no-such-engine-here' }), undefined);
    });

    it('says so when the docker CLI cannot reach a daemon', async function () {
      const repo = session.registry(registry.host).repository('library/alpine');
      process.env.DOCKER_HOST = `unix://${join(daemon.dir, 'nobody-listens.sock')}`;
      try {
        await assert.rejects(
          loadIntoEngine(repo, '3.20', { engine: { command: 'docker' }, repoTag: 'alpine:3.20' }),
          (err: unknown) =>
            err instanceof CoreError &&
            err.code === 'ENGINE_LOAD_FAILED' &&
            // The daemon's words, once: "…Is the docker daemon running? Is its daemon or storage available?"
            /docker load failed \(exit code 1\): .*Cannot connect to the Docker daemon.*nobody-listens\.sock.*running\? Is its daemon/.test(
              err.message,
            ),
        );
      } finally {
        process.env.DOCKER_HOST = daemon.env.DOCKER_HOST;
      }
    });
  });

  it('says so when the engine is missing', async function () {
    const repo = session.registry(registry.host).repository('library/alpine');
    await assert.rejects(
      loadIntoEngine(repo, '3.20', { engine: { command: 'no-such-engine-here' }, repoTag: 'alpine:3.20' }),
      (err: unknown) => err instanceof CoreError && err.code === 'ENGINE_NOT_FOUND',
    );
  });

  it('loads into podman (vfs storage in a private root)', async function () {
    if (!onPath('podman')) this.skip();
    this.timeout(120_000);
    const root = mkdtempSync(join(tmpdir(), 'podman-root-'));
    const args = ['--root', join(root, 'storage'), '--runroot', join(root, 'run'), '--storage-driver', 'vfs'];
    const repo = session.registry(registry.host).repository('library/alpine');
    const name = `${registry.host}/library/alpine:3.20`;
    // Podman runs images of the machine it is on.
    assert.deepEqual(await enginePlatform('podman', { command: 'podman', args }), {
      os: 'linux',
      architecture: hostPlatform().architecture,
    });
    const result = await loadIntoEngine(repo, '3.20', { engine: { command: 'podman', args }, repoTag: name });
    assert.deepEqual(result.loaded, [name]);
    const images = execFileSync('podman', [...args, 'images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'], { encoding: 'utf8' });
    const parsed = (await repo.getManifest('3.20')).kind === 'image' ? await repo.getManifest('3.20') : undefined;
    const configHex = parsed?.kind === 'image' ? parsed.manifest.config.digest.slice('sha256:'.length, 'sha256:'.length + 12) : '';
    assert.match(images, new RegExp(`${name.replace(/[.]/g, '\\.')} ${configHex}`));
    execFileSync('rm', ['-rf', root]);
  });
});
