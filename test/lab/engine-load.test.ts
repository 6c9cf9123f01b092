// Pull into a local engine against a real registry: the archive streamed into a process that
// checks it with skopeo, into Debian's podman (vfs storage in a private root, when podman is
// installed), and the errors for an engine that is missing or refuses the archive.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreError } from '../../src/core/errors';
import { loadIntoEngine } from '../../src/core/operations/engine-load';
import { createSession, type RegistrySession } from '../../src/core/registry/session';
import { seedSampleContent, type SampleContent } from '../support/lab/content';
import { Lab, type LabRegistry } from '../support/lab/registry';

const noHostsDir = mkdtempSync(join(tmpdir(), 'no-hosts-'));

function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
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
    session = createSession({ hostsDirectories: [noHostsDir], credentials: false, registries: [{ url: registry.url }] });
  });

  after(async function () {
    await session?.close();
    await lab?.stopAll();
  });

  it('streams a docker archive of one platform that skopeo reads, and reports the name the engine printed', async function () {
    // A stand-in engine: keeps stdin in a file, checks it with skopeo, and answers like docker load.
    const script =
      'f=$(mktemp); cat > "$f"; skopeo inspect --raw docker-archive:"$f" > "$f.json" && grep -q "\\"layers\\"" "$f.json" && echo "Loaded image: checked/$(wc -c < "$f" | tr -d " ")"; s=$?; rm -f "$f" "$f.json"; exit $s';
    const repo = session.registry(registry.host).repository(sample.multiPlatform.repository);
    const result = await loadIntoEngine(repo, sample.multiPlatform.tag, {
      engine: { command: 'sh', args: ['-c', script] },
      repoTag: `${registry.host}/apps/web:v1`,
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    });
    assert.equal(result.loaded.length, 1);
    assert.match(result.loaded[0]!, /^checked\/\d+$/);
    assert.equal(result.root.digest, sample.multiPlatform.platforms.find((p) => p.platform.architecture === 'arm64')!.digest);
  });

  it('says so when the engine is missing or refuses the archive', async function () {
    const repo = session.registry(registry.host).repository('library/alpine');
    await assert.rejects(
      loadIntoEngine(repo, '3.20', { engine: { command: 'no-such-engine-here' }, repoTag: 'alpine:3.20' }),
      (err: unknown) => err instanceof CoreError && err.code === 'ENGINE_NOT_FOUND',
    );
    await assert.rejects(
      loadIntoEngine(repo, '3.20', {
        engine: { command: 'sh', args: ['-c', 'cat > /dev/null; echo "no daemon" >&2; exit 3'] },
        repoTag: 'alpine:3.20',
      }),
      (err: unknown) => err instanceof CoreError && err.code === 'ENGINE_LOAD_FAILED' && /exit code 3\): no daemon/.test(err.message),
    );
  });

  it('loads into podman (vfs storage in a private root)', async function () {
    if (!onPath('podman')) this.skip();
    this.timeout(120_000);
    const root = mkdtempSync(join(tmpdir(), 'podman-root-'));
    const args = ['--root', join(root, 'storage'), '--runroot', join(root, 'run'), '--storage-driver', 'vfs'];
    const repo = session.registry(registry.host).repository('library/alpine');
    const name = `${registry.host}/library/alpine:3.20`;
    const result = await loadIntoEngine(repo, '3.20', { engine: { command: 'podman', args }, repoTag: name });
    assert.deepEqual(result.loaded, [name]);
    const images = execFileSync('podman', [...args, 'images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'], { encoding: 'utf8' });
    const parsed = (await repo.getManifest('3.20')).kind === 'image' ? await repo.getManifest('3.20') : undefined;
    const configHex = parsed?.kind === 'image' ? parsed.manifest.config.digest.slice('sha256:'.length, 'sha256:'.length + 12) : '';
    assert.match(images, new RegExp(`${name.replace(/[.]/g, '\\.')} ${configHex}`));
    execFileSync('rm', ['-rf', root]);
  });
});
