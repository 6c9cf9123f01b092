// Pull into Docker or Podman… inside VS Code: the image streamed into a real Docker daemon the lab
// started (test/e2e/run.ts hands the extension host its DOCKER_HOST, as a shell hands it to a
// user's VS Code), the engine's own platform chosen by default, and into Debian's podman (vfs
// storage in a private root); each engine then lists it under the name the command reported.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { EngineLoadResult } from '../../src/core/index';
import type { RegistryExplorerApi } from '../../src/extension';
import type { SampleContent } from '../support/lab/sample-content';
import { EXTENSION_ID, logText } from './helpers';

const labUrl = process.env.REGISTRY_EXPLORER_LAB_URL ?? '';
const labHost = labUrl.replace(/^https?:\/\//, '');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The docker CLI as the extension runs it: this process's environment, DOCKER_HOST included. */
function docker(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', timeout: 60_000 });
}

function podmanInstalled(): boolean {
  try {
    execFileSync('podman', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('Pull into Docker or Podman', () => {
  before(async () => {
    await vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID)!.activate();
    await vscode.workspace.getConfiguration('registryExplorer').update('registries', [{ url: labUrl }], vscode.ConfigurationTarget.Global);
  });

  after(() => vscode.workspace.getConfiguration('registryExplorer').update('registries', [], vscode.ConfigurationTarget.Global));

  it('loads the Docker engine’s own platform of an index by default, through DOCKER_HOST, and reports the loaded name', function () {
    this.timeout(120_000);
    return (async () => {
      assert.ok(process.env.DOCKER_HOST, 'DOCKER_HOST is set (test/e2e/run.ts starts the lab’s dockerd and passes it)');
      const content = (JSON.parse(process.env.REGISTRY_EXPLORER_LAB ?? '{}') as { content: SampleContent }).content;
      const engineArchitecture = docker(['version', '--format', '{{.Server.Arch}}']).trim();
      const own = content.multiPlatform.platforms.find((p) => p.platform.architecture === engineArchitecture);
      assert.ok(own, `the lab's index has a ${engineArchitecture} image`);
      const name = `${labHost}/apps/web:v1`;
      assert.equal(docker(['image', 'ls', '--quiet', name]).trim(), '', 'docker has no such image yet');

      const pulling = vscode.commands.executeCommand<EngineLoadResult>('registryExplorer.pullIntoEngine', {
        reference: name,
        engine: 'docker',
      });
      let settled = false;
      void Promise.resolve(pulling).finally(() => (settled = true));
      // "Which platform?": Enter takes the choice shown first, which must be the engine's own.
      for (let tries = 0; tries < 600 && !settled; tries++) {
        await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
        await sleep(100);
      }
      const result = await pulling;
      assert.ok(result, 'the pull finished');
      assert.deepEqual(result.loaded, [name]);
      assert.equal(result.root.digest, own.digest);

      const [image] = JSON.parse(docker(['image', 'inspect', name])) as {
        Id: string;
        RepoTags: string[];
        Os: string;
        Architecture: string;
      }[];
      assert.deepEqual(image!.RepoTags, [name]);
      assert.equal(`${image!.Os}/${image!.Architecture}`, `linux/${engineArchitecture}`);
      const manifest = (await (
        await fetch(`${labUrl}/v2/apps/web/manifests/${own.digest}`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } })
      ).json()) as { config: { digest: string } };
      assert.equal(image!.Id, manifest.config.digest);
    })();
  });

  it('loads one platform of an index into podman and reports the loaded name', function () {
    if (!podmanInstalled()) this.skip();
    this.timeout(120_000);
    return (async () => {
      const root = mkdtempSync(join(tmpdir(), 'podman-root-'));
      // Podman refuses a runroot longer than 50 characters ("the specified runroot is longer than
      // 50 characters"), and this host's temporary folder lies deep inside the test run's folders.
      const runRoot = mkdtempSync('/tmp/podman-run-');
      const engineArgs = ['--root', join(root, 'storage'), '--runroot', runRoot, '--storage-driver', 'vfs'];
      try {
        const result = await vscode.commands.executeCommand<EngineLoadResult>('registryExplorer.pullIntoEngine', {
          reference: `${labHost}/apps/web:v1`,
          engine: 'podman',
          engineArgs,
          platform: 'linux/amd64',
        });
        // A failed command shows its error and returns nothing: the log says which.
        const api = vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID)!.exports;
        assert.ok(result, `the pull returned no result; the extension's log ends with:\n${logText(api).slice(-1500)}`);
        assert.deepEqual(result.loaded, [`${labHost}/apps/web:v1`]);
        const listed = execFileSync('podman', [...engineArgs, 'images', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8' });
        assert.match(listed, new RegExp(`^${labHost.replace(/[.]/g, '\\.')}/apps/web:v1$`, 'm'));
      } finally {
        rmSync(root, { recursive: true, force: true });
        rmSync(runRoot, { recursive: true, force: true });
      }
    })();
  });
});
