// What a user trips over in the commands: a tag moved without a word, a destination that silently
// meant Docker Hub, an endpoint plan left as an unsaved document, settings opened in a scope that
// does not hold them, a web server called "unreachable", a registry that stays green after it went
// down, digests too long for a tab, and a Delete that says nothing when it is done.
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { RegistryExplorerApi } from '../../src/extension';
import type { ExplorerNode } from '../../src/views/nodes/node-base';
import { FaultProxy, RecordingServer } from '../support/lab/fault-proxy';
import { child, EXTENSION_ID, label, labDescription, logWith, waitFor } from './helpers';

/** Whether a registry row's tooltip says its ping answered. */
function reachable(node: ExplorerNode | undefined): boolean {
  const tooltip = node?.treeItem().tooltip;
  return tooltip instanceof vscode.MarkdownString && tooltip.value.replace(/&nbsp;/g, ' ').includes('Reachable at');
}

async function set(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('registryExplorer').update(key, value, vscode.ConfigurationTarget.Global);
}

describe('What the commands tell a user before and after they act', () => {
  const lab = labDescription();
  const host = lab.registry.host;
  let api: RegistryExplorerApi;

  before(async () => {
    api = await vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID)!.activate();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await set('registries', undefined);
  });

  it('never moves an existing tag to another digest unless asked to, and says where it points', async () => {
    const repository = api.registry.repository(host, 'library/alpine');
    const before = await repository.resolve('latest');
    const older = await repository.resolve('3.19');
    assert.notEqual(before.digest, older.digest);
    // A script that does not say move: the tag stays where it is.
    const refused = await vscode.commands.executeCommand('registryExplorer.tag', {
      reference: `${host}/library/alpine:3.19`,
      newTag: 'latest',
    });
    assert.equal(refused, undefined);
    assert.equal((await repository.resolve('latest')).digest, before.digest, 'latest was not moved');
    await logWith(
      api,
      new RegExp(`Tag: ${host.replace(/[.]/g, '\\.')}/library/alpine:latest points to ${before.digest}; it was left as it is`),
    );
    // The same digest: nothing to do, and it says so.
    assert.equal(
      await vscode.commands.executeCommand('registryExplorer.tag', { reference: `${host}/library/alpine:3.20`, newTag: 'latest' }),
      'latest',
    );
    await logWith(api, /Shown: .*library\/alpine:latest already points to [0-9a-f]{12}; nothing changed\./);
    // Asked to move it: moved, and the message names both digests.
    assert.equal(
      await vscode.commands.executeCommand('registryExplorer.tag', {
        reference: `${host}/library/alpine:3.19`,
        newTag: 'latest',
        move: true,
      }),
      'latest',
    );
    assert.equal((await repository.resolve('latest')).digest, older.digest);
    await logWith(api, /Shown: Moved .*library\/alpine:latest from [0-9a-f]{12} to [0-9a-f]{12}\./);
    await repository.tag(before.digest, 'latest');
  });

  it('copies to the source registry when the destination names none (not to Docker Hub)', async () => {
    const copied = await vscode.commands.executeCommand<{ root: { digest: string } }>('registryExplorer.copyTo', {
      reference: `${host}/team-a/worker:latest`,
      destination: 'copied-here/worker:v1',
    });
    assert.ok(copied, 'the copy finished');
    assert.equal((await api.registry.repository(host, 'copied-here/worker').resolve('v1')).digest, copied.root.digest);
  });

  it('shows an endpoint plan in a read-only tab that closes without asking to save', async () => {
    const text = await vscode.commands.executeCommand<string>('registryExplorer.showEndpointPlan', { host, operation: 'pull' });
    const doc = await waitFor('the plan tab', () => vscode.window.activeTextEditor?.document);
    assert.equal(doc.uri.scheme, 'oci-plan');
    assert.equal(doc.isUntitled, false);
    assert.equal(doc.getText(), text);
    assert.match(doc.uri.path, new RegExp(`${host} pull plan$`));
  });

  it('opens a JSON tab titled with the short digest', async () => {
    const digest = (await api.registry.repository(host, 'library/alpine').resolve('3.20')).digest;
    await vscode.commands.executeCommand('registryExplorer.openJson', { reference: `${host}/library/alpine:3.20` });
    await waitFor('the JSON tab', () => (vscode.window.activeTextEditor?.document.uri.scheme === 'oci' ? true : undefined));
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab!;
    assert.equal(tab.label, `alpine@${digest.slice(0, 'sha256:'.length + 12)}.json`);
    assert.ok(!tab.label.includes(digest), 'the 64-hex digest is not in the title');
    assert.match(vscode.window.activeTextEditor!.document.getText(), /"schemaVersion": 2/);
  });

  it("opens the registries' settings.json of this remote window (where machine settings live), at the entry", async () => {
    assert.ok(vscode.env.remoteName, 'code-server windows are remote');
    await set('registries', [{ url: lab.registry.url, name: 'Lab' }]);
    const registry = await waitFor('the registry', async () => (await api.tree.getChildren())[0]);
    await vscode.commands.executeCommand('registryExplorer.openRegistrySettings', registry);
    const doc = await waitFor('the settings file', () => {
      const d = vscode.window.activeTextEditor?.document;
      return d && /settings\.json$/.test(d.uri.path) ? d : undefined;
    });
    assert.match(doc.uri.path, /\/Machine\/settings\.json$/, `the remote machine's settings, not the user's (${doc.uri.path})`);
    assert.match(doc.getText(), /"registryExplorer\.registries"/);
  });

  it('calls a web server that answers 404 at /v2/ "not a registry", not "unreachable"', async () => {
    const web = await RecordingServer.start();
    try {
      web.serve('/', Buffer.from('<html>a web site</html>'), { 'content-type': 'text/html' });
      assert.equal(await vscode.commands.executeCommand('registryExplorer.addRegistry', { url: web.url, name: 'Web site' }), true);
      const row = await waitFor('the row with its state', async () => {
        const [node] = await api.tree.getChildren();
        return node && node.treeItem().description !== undefined && /not a registry/.test(String(node.treeItem().description))
          ? node
          : undefined;
      });
      const children = await api.tree.getChildren(row);
      assert.match(label(children[0]!), /answered 404 Not Found for the registry API root \/v2\/.*not a registry/);
    } finally {
      await web.stop();
    }
  });

  it('turns a registry unreachable when a request finds it down, and Retry brings it back', async () => {
    const proxy = await FaultProxy.start({ url: lab.registry.url });
    try {
      await set('registries', [{ url: proxy.url, name: 'Flaky' }]);
      const registry = await waitFor('the registry', async () => (await api.tree.getChildren())[0]);
      const alpine = await child(api, registry, 'library/alpine');
      await waitFor('the reachable state', () => (reachable(registry) ? true : undefined));
      // Down after the ping said it was up: every request now gets a 503.
      proxy.add({ path: /^\/v2\//, fault: { kind: 'status', status: 503 } });
      await api.tree.getChildren(alpine);
      const down = await waitFor('the unreachable state', async () => {
        const [node] = await api.tree.getChildren();
        return node && /unreachable/.test(String(node.treeItem().description)) ? node : undefined;
      });
      const rows = await api.tree.getChildren(down);
      const retry = rows.find((r) => label(r) === 'Retry') as ExplorerNode | undefined;
      assert.ok(retry, `Retry is offered (${rows.map(label).join(', ')})`);
      proxy.clear();
      const command = retry.treeItem().command!;
      await vscode.commands.executeCommand(command.command, ...(command.arguments ?? []));
      await waitFor('reachable again', async () => {
        const [node] = await api.tree.getChildren();
        if (!node) return undefined;
        await api.tree.getChildren(node);
        return reachable(node) ? true : undefined;
      });
    } finally {
      await proxy.stop();
    }
  });

  it('says what Delete did, as Tag does', async () => {
    const copied = await vscode.commands.executeCommand<{ root: { digest: string } }>('registryExplorer.copyTo', {
      reference: `${host}/team-a/worker:latest`,
      destination: `${host}/deletes/worker:gone`,
    });
    assert.ok(copied);
    assert.equal(
      await vscode.commands.executeCommand('registryExplorer.delete', {
        reference: `${host}/deletes/worker:gone`,
        mode: 'manifest',
        confirm: true,
      }),
      'manifest',
    );
    await logWith(api, /Shown: Deleted .*deletes\/worker@[0-9a-f]{12} and its tags gone\./);
  });
});
