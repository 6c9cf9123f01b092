import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { RegistryExplorerApi } from '../../src/extension';
import { childLabels, closedPort, EXTENSION_ID, label, waitFor } from './helpers';

const labUrl = process.env.REGISTRY_EXPLORER_LAB_URL ?? '';

/** A tooltip's Markdown source with appendText's escaped spaces turned back into spaces. */
function tooltipOf(item: vscode.TreeItem): string {
  return (item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip ?? '')).replace(/&nbsp;/g, ' ');
}

async function configure(registries: unknown[]): Promise<void> {
  await vscode.workspace.getConfiguration('registryExplorer').update('registries', registries, vscode.ConfigurationTarget.Global);
}

describe('Registry Explorer in a real VS Code', () => {
  let api: RegistryExplorerApi;

  before(async () => {
    assert.ok(labUrl, 'REGISTRY_EXPLORER_LAB_URL names the lab registry');
    const extension = vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is installed`);
    assert.equal(extension.isActive, false, 'nothing activates the extension before its view or commands are used');
    api = await extension.activate();
    console.log(`    (activate took ${api.activationMs.toFixed(1)} ms in the extension host)`);
  });

  afterEach(() => configure([]));

  it('contributes its commands under the "Registry Explorer" category', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['addRegistry', 'removeRegistry', 'refresh', 'openSettings', 'showLog', 'copyReference', 'loadMore']) {
      assert.ok(commands.includes(`registryExplorer.${id}`), `registryExplorer.${id} is registered`);
    }
  });

  it('adds a registry from the command and browses registry → repositories → tags', async () => {
    const added = await vscode.commands.executeCommand<boolean>('registryExplorer.addRegistry', { url: labUrl, name: 'Lab' });
    assert.equal(added, true);
    const saved = vscode.workspace.getConfiguration('registryExplorer').get<{ url: string; name: string }[]>('registries');
    assert.deepEqual(saved, [{ url: labUrl, name: 'Lab' }]);

    const [registry] = await waitFor('the registry node', async () => {
      const roots = await api.tree.getChildren();
      return roots.length === 1 ? roots : undefined;
    });
    assert.equal(label(registry!), 'Lab');
    const repositories = await childLabels(api, registry);
    for (const name of ['apps/web', 'library/alpine', 'team-a/api', 'team-a/worker', 'team-b/tools/cli']) {
      assert.ok(repositories.includes(name), `${name} is listed (got ${repositories.join(', ')})`);
    }
    const alpine = (await api.tree.getChildren(registry)).find((n) => label(n) === 'library/alpine')!;
    assert.deepEqual(await childLabels(api, alpine), ['latest', '3.20', '3.19', '1.2.10', '1.2.9']);

    // The registry's state arrives from a background ping and shows in its icon and tooltip.
    // (The root is looked up each time: a settings change rebuilds the roots.)
    const item = await waitFor('the reachable state', async () => {
      const [root] = await api.tree.getChildren();
      const current = root?.treeItem();
      // appendText escapes spaces as &nbsp; in the Markdown source.
      const tooltip = (current?.tooltip instanceof vscode.MarkdownString ? current.tooltip.value : String(current?.tooltip)).replace(
        /&nbsp;/g,
        ' ',
      );
      return tooltip.includes(`Reachable at ${labUrl}`) ? current : undefined;
    });
    assert.deepEqual((item.iconPath as vscode.ThemeIcon).color, new vscode.ThemeColor('testing.iconPassed'));
  });

  it('picks up a settings change without a reload, and keeps working nodes when one registry fails', async () => {
    const port = await closedPort();
    await configure([
      { url: labUrl, name: 'Lab' },
      { url: `http://127.0.0.1:${port}`, name: 'Gone' },
    ]);
    const roots = await waitFor('two registries', async () => {
      const nodes = await api.tree.getChildren();
      return nodes.length === 2 ? nodes : undefined;
    });
    assert.deepEqual(roots.map(label), ['Lab', 'Gone']);
    const goneChildren = await api.tree.getChildren(roots[1]);
    // The core's sentence, then the fix that applies (nothing more specific than the settings here), and Retry.
    assert.deepEqual(
      goneChildren.map((c) => c.treeItem().contextValue),
      ['message.error', 'action', 'action'],
    );
    assert.match(label(goneChildren[0]!), /Nothing accepts connections at 127\.0\.0\.1:\d+/);
    assert.equal(label(goneChildren[1]!), 'Open Settings');
    assert.equal(goneChildren[1]!.treeItem().command?.command, 'registryExplorer.openRegistrySettings');
    assert.equal(label(goneChildren[2]!), 'Retry');
    assert.equal(goneChildren[2]!.treeItem().command?.command, 'registryExplorer.refresh');
    const gone = roots[1]!.treeItem();
    assert.equal(gone.contextValue, 'registry.configured.unreachable.openSettings', 'the row offers Open Settings inline');
    assert.match(tooltipOf(gone), /Nothing accepts connections at 127\.0\.0\.1:\d+/);
    assert.ok((await childLabels(api, roots[0])).includes('apps/web'), 'the healthy registry still lists');
  });

  it('removes a registry from its context menu command', async () => {
    await configure([{ url: labUrl, name: 'Lab' }]);
    const [registry] = await waitFor('the registry', async () => {
      const nodes = await api.tree.getChildren();
      return nodes.length === 1 ? nodes : undefined;
    });
    await vscode.commands.executeCommand('registryExplorer.removeRegistry', registry);
    assert.deepEqual(vscode.workspace.getConfiguration('registryExplorer').get('registries'), []);
    await waitFor('an empty tree', async () => ((await api.tree.getChildren()).length === 0 ? true : undefined));
  });
});

describe('Logging in to a registry', () => {
  const lab = JSON.parse(process.env.REGISTRY_EXPLORER_LAB ?? '{}') as {
    basic?: { url: string; host: string; username: string; password: string };
  };
  let api: RegistryExplorerApi;

  before(async () => {
    assert.ok(lab.basic, 'REGISTRY_EXPLORER_LAB describes a Basic-auth lab registry');
    api = await vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID)!.activate();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('registryExplorer.logOut', { host: lab.basic!.host });
    await configure([]);
  });

  async function registryState(): Promise<{ description: string; tooltip: string }> {
    return waitFor('the registry state', async () => {
      const [root] = await api.tree.getChildren();
      const item = root?.treeItem();
      const tooltip = (item?.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : '').replace(/&nbsp;/g, ' ');
      return item && /Reachable|Needs a login/.test(tooltip) ? { description: String(item.description), tooltip } : undefined;
    });
  }

  it('shows "needs login", refuses a wrong password without saving it, and logs in and out', async () => {
    const basic = lab.basic!;
    await configure([{ url: basic.url, name: 'Basic lab' }]);
    assert.equal((await registryState()).description, 'needs login');

    const refused = await vscode.commands.executeCommand('registryExplorer.logIn', {
      host: basic.host,
      username: basic.username,
      password: 'wrong-password',
    });
    assert.equal(refused, 'needs-login');
    assert.equal((await registryState()).description, 'needs login', 'the refused login was not kept');

    const accepted = await vscode.commands.executeCommand('registryExplorer.logIn', {
      host: basic.host,
      username: basic.username,
      password: basic.password,
    });
    assert.equal(accepted, 'reachable');
    const state = await registryState();
    assert.match(state.tooltip, /Reachable at .*logged in with a Registry Explorer login/);
    const [root] = await api.tree.getChildren();
    const children = (await api.tree.getChildren(root)).map(label);
    assert.ok(!children.some((c) => /needs a login/i.test(c)), `the catalog lists after logging in (got ${children.join(', ')})`);

    const hadLogin = await vscode.commands.executeCommand('registryExplorer.logOut', { host: basic.host });
    assert.equal(hadLogin, true);
    assert.equal((await registryState()).description, 'needs login');
  });
});
