// A registry the size of a real one, reached through a proxy in the extension host that counts
// every request: what listing, drawing, ordering and filtering a repository of 1,000 tags costs.
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { RegistryExplorerApi } from '../../src/extension';
import type { ExplorerNode } from '../../src/views/nodes/node-base';
import { FaultProxy } from '../support/lab/fault-proxy';
import { child, EXTENSION_ID, label, labDescription, logWith, waitFor } from './helpers';

const QUIET_MS = 1_500;

async function set(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('registryExplorer').update(key, value, vscode.ConfigurationTarget.Global);
}

/** Waits until the proxy has heard nothing for a moment (bounded). */
async function quiet(proxy: FaultProxy, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  let seen = -1;
  let since = Date.now();
  while (Date.now() - since < QUIET_MS) {
    if (Date.now() > deadline) throw new Error(`the registry was still being asked after ${limitMs} ms`);
    if (proxy.requests.length !== seen) {
      seen = proxy.requests.length;
      since = Date.now();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('A registry the size of a real one', () => {
  const lab = labDescription();
  const bulk = lab.big.bulk;
  let api: RegistryExplorerApi;
  let proxy: FaultProxy;

  const registry = (): Promise<ExplorerNode> =>
    waitFor('the big registry', async () => {
      const roots = await api.tree.getChildren();
      return roots.length === 1 && label(roots[0]!) === 'Big' ? roots[0] : undefined;
    });
  const manifests = (repository: string, method: string): number => proxy.count(method, new RegExp(`^/v2/${repository}/manifests/`));

  before(async () => {
    api = await vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID)!.activate();
    proxy = await FaultProxy.start({ url: lab.big.url });
    await set('registries', [{ url: proxy.url, name: 'Big' }]);
  });

  afterEach(async () => {
    for (const key of ['tagSortOrder', 'pageSize']) await set(key, undefined);
  });

  after(async () => {
    await set('registries', undefined);
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    await proxy.stop();
  });

  it('lists 1,000 tags with one request, named tags first, and asks nothing about rows VS Code has not drawn', async () => {
    const repository = await child(api, await registry(), bulk.tagsRepository);
    proxy.clearRequests();
    const tags = await api.tree.getChildren(repository);
    // What VS Code does with a node's children: it asks for every one's tree item at once.
    for (const tag of tags) api.tree.getTreeItem(tag);
    await quiet(proxy);
    assert.equal(proxy.count('GET', new RegExp(`^/v2/${bulk.tagsRepository}/tags/list`)), 1);
    assert.equal(manifests(bulk.tagsRepository, 'GET') + manifests(bulk.tagsRepository, 'HEAD'), 0, 'no row was drawn, so none asked');
    assert.deepEqual(tags.slice(0, bulk.expectedOrder.first.length).map(label), bulk.expectedOrder.first);
    // The registry sent every tag at once: the listing knows it is complete and how long it is.
    const loadMore = tags.at(-1)!;
    assert.equal(label(loadMore), 'Load more tags…');
    assert.equal(loadMore.treeItem().description, `100 of ${bulk.tagCount}`);
  });

  it('asks for the digest of the rows VS Code draws, by HEAD, and logs what that cost', async () => {
    proxy.clearRequests();
    const found = await vscode.commands.executeCommand<boolean>('registryExplorer.revealInTree', {
      reference: `${proxy.host}/${bulk.tagsRepository}:latest`,
    });
    assert.equal(found, true);
    const repository = await child(api, await registry(), bulk.tagsRepository);
    const latest = await child(api, repository, 'latest');
    await waitFor('the digest on the drawn row', () => (/^[0-9a-f]{12}$/.test(String(latest.treeItem().description)) ? true : undefined));
    await quiet(proxy);
    const heads = manifests(bulk.tagsRepository, 'HEAD');
    assert.ok(heads >= 1 && heads <= 60, `the rows on screen asked, and only those (${heads} HEADs for 100 rows loaded)`);
    assert.equal(manifests(bulk.tagsRepository, 'GET'), 0, 'a row needs no manifest body');
    await logWith(api, new RegExp(`${bulk.tagsRepository}: \\d+ requests? to the registry \\([^)]*\\d+ HEAD manifest\\)`));
  });

  it('counts the tags on the repository row as soon as they are listed, and the rows VS Code draws still show their digests', async () => {
    const repository = await child(api, await registry(), bulk.tagsRepository);
    // What VS Code is told to redraw, with what the row says then; and the rows it asks for again.
    const redrawn: string[] = [];
    const changes = api.tree.onDidChangeTreeData((node) => {
      if (node === repository) redrawn.push(String(repository.treeItem().description));
    });
    const asked: { node: ExplorerNode; description: string }[] = [];
    const getTreeItem = api.tree.getTreeItem.bind(api.tree);
    api.tree.getTreeItem = (node) => {
      const item = getTreeItem(node);
      asked.push({ node, description: String(item.description) });
      return item;
    };
    try {
      // Collapsed and refreshed, the repository has listed nothing. Selected in the view and expanded
      // from the keyboard, as a person does: VS Code lists its tags and draws the rows on screen.
      await vscode.commands.executeCommand('workbench.actions.treeView.registryExplorer.registries.collapseAll');
      await vscode.commands.executeCommand('registryExplorer.refresh', repository);
      proxy.clearRequests();
      const found = await vscode.commands.executeCommand<boolean>('registryExplorer.revealInTree', {
        reference: `${proxy.host}/${bulk.tagsRepository}`,
      });
      assert.equal(found, true);
      assert.equal(proxy.count('GET', new RegExp(`^/v2/${bulk.tagsRepository}/tags/list`)), 0, 'selected, not yet listed');
      await vscode.commands.executeCommand('list.expand');
      await waitFor('the count on the redrawn row', () => (redrawn.includes(`${bulk.tagCount} tags`) ? true : undefined));
      // The redraw does not cost the drawn rows their details: VS Code asks for the `latest` row
      // again once its digest is known, so the window shows it.
      await waitFor('the drawn latest row redrawn with its digest', () =>
        asked.some((a) => label(a.node) === 'latest' && a.node.parent === repository && /^[0-9a-f]{12}$/.test(a.description))
          ? true
          : undefined,
      );
      await quiet(proxy);
      assert.equal(
        proxy.count('GET', new RegExp(`^/v2/${bulk.tagsRepository}/tags/list`)),
        1,
        'the tags are listed once, not again for the count',
      );
      assert.equal(manifests(bulk.tagsRepository, 'GET'), 0, 'a row needs no manifest body');
      const heads = manifests(bulk.tagsRepository, 'HEAD');
      assert.ok(heads >= 1 && heads <= 60, `the rows on screen asked, and only those (${heads} HEADs for 100 rows loaded)`);
    } finally {
      changes.dispose();
      api.tree.getTreeItem = getTreeItem;
    }
  });

  it('says a filter found nothing among all the tags, without offering more, and counts them once redrawn', async () => {
    const repository = await child(api, await registry(), bulk.tagsRepository);
    await vscode.commands.executeCommand('registryExplorer.filter', repository, 'nothing-like-this');
    assert.deepEqual((await api.tree.getChildren(repository)).map(label), [`No tags match "nothing-like-this" among ${bulk.tagCount}.`]);
    await vscode.commands.executeCommand('registryExplorer.clearFilter', repository);
    const tags = await api.tree.getChildren(repository);
    await vscode.commands.executeCommand('registryExplorer.loadMore', tags.at(-1));
    assert.equal(repository.treeItem().description, `${bulk.tagCount} tags`);
  });

  it('finds repositories by a glob of their own name, whatever their namespace', async () => {
    const node = await registry();
    await vscode.commands.executeCommand('registryExplorer.filter', node, 'repo-03*');
    const shown = (await api.tree.getChildren(node)).map(label);
    assert.deepEqual(
      shown.filter((l) => l.startsWith('many/')),
      Array.from({ length: 10 }, (_, i) => `many/repo-03${i}`),
    );
    await vscode.commands.executeCommand('registryExplorer.clearFilter', node);
  });

  it('shows "Load more" busy while it reads further catalog pages for a filter', async () => {
    const node = await registry();
    await vscode.commands.executeCommand('registryExplorer.filter', node, 'repo-2*');
    const first = await api.tree.getChildren(node);
    const loadMore = first.at(-1)!;
    assert.equal(label(loadMore), 'Load more repositories matching "repo-2*"…');
    // Slow catalog pages, so the busy row can be seen.
    proxy.add({ method: 'GET', path: /\/_catalog/, fault: { kind: 'delay', ms: 700 }, times: 5 });
    const loading = vscode.commands.executeCommand('registryExplorer.loadMore', loadMore);
    try {
      await waitFor('the busy row', () => (label(loadMore) === 'Loading more repositories matching "repo-2*"…' ? true : undefined));
      assert.equal(loadMore.treeItem().command, undefined, 'a second click does nothing while it loads');
    } finally {
      await loading;
      proxy.clear();
    }
    const labels = (await api.tree.getChildren(node)).map(label);
    assert.ok(
      labels.includes('many/repo-200') && labels.includes('many/repo-249'),
      `the matches arrived (${labels.slice(0, 5).join(', ')}…)`,
    );
    await vscode.commands.executeCommand('registryExplorer.clearFilter', node);
  });

  it('reads a config that many images share once, for the created order', async () => {
    await set('tagSortOrder', 'created');
    const repository = await child(api, await registry(), bulk.sharedConfigRepository);
    proxy.clearRequests();
    await waitFor(
      'every tag dated',
      async () => {
        const tags = await api.tree.getChildren(repository);
        return tags.length === bulk.sharedConfigTags.length && tags.every((t) => String(t.treeItem().description).endsWith(' · 2024-01-01'))
          ? tags
          : undefined;
      },
      60_000,
    );
    await quiet(proxy);
    const configReads = proxy.count('GET', new RegExp(`/blobs/${bulk.configDigest}$`));
    assert.equal(configReads, 1, `the shared config is read once for ${bulk.sharedConfigTags.length} images (${configReads} reads)`);
    assert.equal(manifests(bulk.sharedConfigRepository, 'GET'), bulk.sharedConfigTags.length, 'each distinct manifest once');
  });
});
