import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { RegistryExplorerApi } from '../../src/extension';
import { EXTENSION_ID } from './helpers';

const labUrl = process.env.REGISTRY_EXPLORER_LAB_URL ?? '';
const labHost = labUrl.replace(/^https?:\/\//, '');
const lab = JSON.parse(process.env.REGISTRY_EXPLORER_LAB ?? '{}') as {
  content?: { multiPlatform: { digest: string; platforms: { digest: string }[] }; referrer: { digest: string } };
};

interface InspectResult {
  digest: string;
  reused: boolean;
  rendered?: { title: string; location: { kind: string; digest: string } };
}

function inspectorTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.includes('registryExplorer.inspector'));
}

describe('Inspect Manifest', () => {
  before(async () => {
    await vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID)!.activate();
  });

  after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('opens a panel for a typed reference and reports when the page is laid out', async () => {
    const result = await vscode.commands.executeCommand<InspectResult>('registryExplorer.inspect', {
      reference: `${labHost}/apps/web:v1`,
      waitUntilRendered: true,
    });
    assert.ok(result, 'the command returned');
    assert.equal(result.digest, lab.content!.multiPlatform.digest);
    assert.equal(result.reused, false);
    assert.equal(result.rendered?.title, 'apps/web:v1');
    assert.equal(result.rendered?.location.kind, 'manifest');
    assert.deepEqual(
      inspectorTabs().map((t) => t.label),
      ['apps/web:v1'],
    );
  });

  it('reveals the open panel instead of opening the same digest twice', async () => {
    const again = await vscode.commands.executeCommand<InspectResult>('registryExplorer.inspect', {
      reference: `${labHost}/apps/web@${lab.content!.multiPlatform.digest}`,
      waitUntilRendered: true,
    });
    assert.equal(again?.reused, true);
    assert.equal(inspectorTabs().length, 1);
  });

  it('opens a platform and a referrer in panels of their own', async () => {
    const platform = lab.content!.multiPlatform.platforms[0]!.digest;
    const opened = await vscode.commands.executeCommand<InspectResult>('registryExplorer.inspect', {
      reference: `${labHost}/apps/web@${platform}`,
      waitUntilRendered: true,
    });
    assert.equal(opened?.reused, false);
    assert.match(opened?.rendered?.title ?? '', /^apps\/web@[0-9a-f]{12}$/);
    const signature = await vscode.commands.executeCommand<InspectResult>('registryExplorer.inspect', {
      reference: `${labHost}/apps/web@${lab.content!.referrer.digest}`,
      waitUntilRendered: true,
    });
    assert.equal(signature?.rendered?.location.digest, lab.content!.referrer.digest);
    assert.equal(inspectorTabs().length, 3);
  });

  it('says what is wrong with a reference that does not exist, and opens nothing', async () => {
    const before = inspectorTabs().length;
    const missing = await vscode.commands.executeCommand<InspectResult | undefined>('registryExplorer.inspect', {
      reference: `${labHost}/apps/web:no-such-tag`,
    });
    assert.equal(missing, undefined);
    assert.equal(inspectorTabs().length, before);
  });
});
