// Pull into Docker or Podman… inside VS Code: the image streamed into Debian's podman (vfs storage
// in a private root) and listed by podman afterwards under the name the command reported.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { EngineLoadResult } from '../../src/core/index';
import type { RegistryExplorerApi } from '../../src/extension';
import { EXTENSION_ID } from './helpers';

const labUrl = process.env.REGISTRY_EXPLORER_LAB_URL ?? '';
const labHost = labUrl.replace(/^https?:\/\//, '');

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

  it('loads one platform of an index into podman and reports the loaded name', function () {
    if (!podmanInstalled()) this.skip();
    this.timeout(120_000);
    return (async () => {
      const root = mkdtempSync(join(tmpdir(), 'podman-root-'));
      const engineArgs = ['--root', join(root, 'storage'), '--runroot', join(root, 'run'), '--storage-driver', 'vfs'];
      try {
        const result = await vscode.commands.executeCommand<EngineLoadResult>('registryExplorer.pullIntoEngine', {
          reference: `${labHost}/apps/web:v1`,
          engine: 'podman',
          engineArgs,
          platform: 'linux/amd64',
        });
        assert.deepEqual(result.loaded, [`${labHost}/apps/web:v1`]);
        const listed = execFileSync('podman', [...engineArgs, 'images', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8' });
        assert.match(listed, new RegExp(`^${labHost.replace(/[.]/g, '\\.')}/apps/web:v1$`, 'm'));
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    })();
  });
});
