import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { RegistryExplorerApi } from '../../src/extension';
import type { ExplorerNode } from '../../src/views/nodes/node-base';
import { child, closedPort, EXTENSION_ID, label, waitFor } from './helpers';

const labUrl = process.env.REGISTRY_EXPLORER_LAB_URL ?? '';
const labHost = labUrl.replace(/^https?:\/\//, '');
const lab = JSON.parse(process.env.REGISTRY_EXPLORER_LAB ?? '{}') as {
  basic?: { url: string; host: string };
  tls?: { url: string; host: string; caCertPath: string };
};

function tooltipOf(node: ExplorerNode): string {
  const tooltip = node.treeItem().tooltip;
  return (tooltip instanceof vscode.MarkdownString ? tooltip.value : String(tooltip ?? '')).replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');
}

async function labels(api: RegistryExplorerApi, node?: ExplorerNode): Promise<string[]> {
  return (await api.tree.getChildren(node)).map(label);
}

/** The roots once there are `count` of them (a settings change rebuilds them in the background). */
function roots(api: RegistryExplorerApi, count: number): Promise<ExplorerNode[]> {
  return waitFor(`${count} registries in the tree`, async () => {
    const nodes = await api.tree.getChildren();
    return nodes.length === count ? nodes : undefined;
  });
}

/** Writes a setting to the user's settings, as the Settings editor would. `undefined` resets it. */
async function set(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('registryExplorer').update(key, value, vscode.ConfigurationTarget.Global);
}

function setting<T>(key: string): T | undefined {
  return vscode.workspace.getConfiguration('registryExplorer').get<T>(key);
}

describe('Registries discovered from Docker logins', () => {
  let api: RegistryExplorerApi;
  let configPath: string;
  let goneHost: string;

  before(async () => {
    api = await vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID)!.activate();
    goneHost = `127.0.0.1:${await closedPort()}`;
    const dir = mkdtempSync(join(tmpdir(), 'discovered-'));
    configPath = join(dir, 'config.json');
    const auth = Buffer.from('lab:not-needed').toString('base64');
    writeFileSync(configPath, JSON.stringify({ auths: { [labHost]: { auth }, [goneHost]: { auth } } }));
  });

  afterEach(async () => {
    for (const key of ['registries', 'dockerConfigPath', 'hiddenRegistries', 'showDiscoveredRegistries']) await set(key, undefined);
  });

  it('lists them after the configured registries, saying where they come from, with their state', async () => {
    await set('registries', [{ url: lab.basic!.url, name: 'Configured' }]);
    await set('dockerConfigPath', configPath);
    const nodes = await roots(api, 3);
    assert.deepEqual(nodes.map(label), ['Configured', labHost, goneHost]);
    assert.match(String(nodes[1]!.treeItem().contextValue), /^registry\.discovered/);
    assert.match(tooltipOf(nodes[1]!), new RegExp(`Discovered from a login in ${configPath.replace(/[.]/g, '\\.')} \\(docker login\\)`));

    // Expanding waits for the state: the lab answers over plain HTTP; the other host is gone.
    assert.ok((await labels(api, nodes[1])).includes('library/alpine'));
    // Listed: the row counts the repositories once it knows them.
    assert.match(String(nodes[1]!.treeItem().description), /^from docker login · http · \d+ repositories$/);
    const gone = await api.tree.getChildren(nodes[2]);
    assert.match(label(gone[0]!), /Nothing accepts connections/);
    assert.equal(nodes[2]!.treeItem().description, 'from docker login · unreachable');
    assert.equal(nodes[2]!.treeItem().contextValue, 'registry.discovered.unreachable.openSettings');
  });

  it('hides one with Hide, and all of them with showDiscoveredRegistries', async () => {
    await set('dockerConfigPath', configPath);
    const [, gone] = await roots(api, 2);
    await vscode.commands.executeCommand('registryExplorer.hideRegistry', gone);
    assert.deepEqual(setting('hiddenRegistries'), [goneHost]);
    assert.deepEqual((await roots(api, 1)).map(label), [labHost]);
    await set('showDiscoveredRegistries', false);
    await roots(api, 0);
    await set('showDiscoveredRegistries', true);
    await roots(api, 1);
  });

  it('keeps one in the settings, after which it is a configured registry', async () => {
    await set('dockerConfigPath', configPath);
    const [discovered] = await roots(api, 2);
    assert.equal(await vscode.commands.executeCommand('registryExplorer.keepRegistry', discovered), true);
    assert.deepEqual(setting('registries'), [{ url: labHost }]);
    const kept = await waitFor('the kept registry', async () => {
      const [first] = await api.tree.getChildren();
      return first && /^registry\.configured/.test(String(first.treeItem().contextValue)) ? first : undefined;
    });
    assert.equal(label(kept), labHost);
    assert.deepEqual((await roots(api, 2)).map(label), [labHost, goneHost], 'listed once, as configured');
  });

  it('says so in the tree when a login file is broken, and still shows the configured registries', async () => {
    const broken = join(mkdtempSync(join(tmpdir(), 'broken-')), 'config.json');
    writeFileSync(broken, '{ "auths": { ');
    await set('registries', [{ url: labUrl, name: 'Lab' }]);
    await set('dockerConfigPath', broken);
    const [lab, problem] = await roots(api, 2);
    assert.equal(label(lab!), 'Lab');
    assert.equal(problem!.treeItem().contextValue, 'message.error');
    assert.match(label(problem!), new RegExp(broken.replace(/[.]/g, '\\.')));
  });
});

/** Debian's CA bundle: certificates that exist on every test machine and never signed a lab certificate. */
const OTHER_CA = '/etc/ssl/certs/ca-certificates.crt';

describe('Fixing an unreachable registry from the tree', () => {
  let api: RegistryExplorerApi;

  before(async () => {
    assert.ok(lab.tls, 'REGISTRY_EXPLORER_LAB describes an HTTPS lab registry');
    api = await vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID)!.activate();
  });

  afterEach(async () => {
    for (const key of ['registries', 'hostsDirectories', 'insecureRegistries']) await set(key, undefined);
  });

  it('offers Mark Insecure for a certificate it cannot verify, and lists the registry after it', async () => {
    await set('registries', [{ url: lab.tls!.url, name: 'TLS lab' }]);
    const [registry] = await roots(api, 1);
    const children = await api.tree.getChildren(registry);
    assert.deepEqual(
      children.map((c) => c.treeItem().contextValue),
      ['message.error', 'action', 'action'],
    );
    assert.match(label(children[0]!), /certificate/i);
    assert.equal(label(children[1]!), 'Mark Insecure');
    assert.equal(label(children[2]!), 'Retry');
    assert.equal(registry!.treeItem().contextValue, 'registry.configured.unreachable.markInsecure');
    assert.match(tooltipOf(registry!), /certificate/i);

    assert.equal(await vscode.commands.executeCommand('registryExplorer.markInsecure', registry), true);
    assert.deepEqual(setting('registries'), [{ url: lab.tls!.url, name: 'TLS lab', insecure: true }]);
    const reachable = await waitFor('the registry reachable', async () => {
      const [node] = await api.tree.getChildren();
      if (!node) return undefined;
      await api.tree.getChildren(node);
      return /Reachable at https:/.test(tooltipOf(node)) ? node : undefined;
    });
    assert.equal(reachable.treeItem().contextValue, 'registry.configured');
  });

  it('offers the hosts.toml that configures a registry, and a CA added there fixes it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'hosts-'));
    const dir = join(root, lab.tls!.host);
    mkdirSync(dir);
    const file = join(dir, 'hosts.toml');
    // A CA that did not sign the lab's certificate: the registry is verified against it, and fails.
    writeFileSync(file, `server = "${lab.tls!.url}"\nca = "${OTHER_CA}"\n`);
    await set('hostsDirectories', [root]);
    await set('registries', [{ url: lab.tls!.url }]);
    const [registry] = await roots(api, 1);
    await api.tree.getChildren(registry);
    assert.equal(registry!.treeItem().contextValue, 'registry.configured.unreachable.markInsecure.openHostsToml');
    assert.match(tooltipOf(registry!), new RegExp(`Configured by ${file.replace(/[.]/g, '\\.')}`));
    await vscode.commands.executeCommand('registryExplorer.openHostsToml', registry);
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, file);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

    writeFileSync(file, `server = "${lab.tls!.url}"\nca = "${lab.tls!.caCertPath}"\n`);
    await vscode.commands.executeCommand('registryExplorer.refresh');
    await waitFor('the registry verified with the CA from hosts.toml', async () => {
      const [node] = await api.tree.getChildren();
      if (!node) return undefined;
      await api.tree.getChildren(node);
      return /Reachable at https:/.test(tooltipOf(node)) ? node : undefined;
    });
  });

  it('opens a hosts.toml that does not parse at the line at fault', async () => {
    const root = mkdtempSync(join(tmpdir(), 'hosts-'));
    const dir = join(root, lab.tls!.host);
    mkdirSync(dir);
    const file = join(dir, 'hosts.toml');
    writeFileSync(file, `server = "${lab.tls!.url}"\n\n[host."https://mirror.invalid"\n`);
    await set('hostsDirectories', [root]);
    await set('registries', [{ url: lab.tls!.url }]);
    const [registry] = await roots(api, 1);
    const [message] = await api.tree.getChildren(registry);
    assert.match(label(message!), /TOML syntax error at line 3/);
    assert.match(String(registry!.treeItem().contextValue), /\.openHostsToml/);
    await vscode.commands.executeCommand('registryExplorer.openHostsToml', registry);
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.uri.fsPath, file);
    assert.equal(editor?.selection.active.line, 2);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});

describe('Filtering, nesting and ordering the tree', () => {
  let api: RegistryExplorerApi;

  const registry = async (): Promise<ExplorerNode> => (await roots(api, 1))[0]!;

  before(async () => {
    api = await vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID)!.activate();
    // Twelve more repositories, so that a page of ten ends before the ones a filter looks for.
    for (let i = 0; i < 12; i++) {
      const destination = `${labHost}/bulk/r${String(i).padStart(2, '0')}:latest`;
      const copied = await vscode.commands.executeCommand('registryExplorer.copyTo', {
        reference: `${labHost}/team-a/worker:latest`,
        destination,
      });
      assert.ok(copied, `copied to ${destination}`);
    }
    await set('registries', [{ url: labUrl, name: 'Lab' }]);
  });

  afterEach(async () => {
    const [node] = await api.tree.getChildren();
    if (node) await vscode.commands.executeCommand('registryExplorer.clearFilter', node);
    for (const key of ['pageSize', 'nestedRepositories', 'tagSortOrder', 'uploadChunkSize']) await set(key, undefined);
  });

  after(() => set('registries', undefined));

  it('filters repositories by glob or substring, shows the filter, and clears it', async () => {
    const node = await registry();
    assert.equal(await vscode.commands.executeCommand('registryExplorer.filter', node, 'team-*'), 'team-*');
    assert.deepEqual(await labels(api, node), ['team-a/api', 'team-a/worker', 'team-b/tools/cli']);
    assert.match(String(node.treeItem().description), /^filter: team-\* · /);
    assert.match(String(node.treeItem().contextValue), /\.filtered$/);

    await vscode.commands.executeCommand('registryExplorer.filter', node, 'ALPINE');
    assert.deepEqual(await labels(api, node), ['library/alpine']);
    await vscode.commands.executeCommand('registryExplorer.filter', node, 'nothing-like-this');
    assert.match((await labels(api, node)).join('|'), /^No repositories match "nothing-like-this" among \d+\.$/);

    await vscode.commands.executeCommand('registryExplorer.clearFilter', node);
    assert.ok((await labels(api, node)).length > 10);
    assert.doesNotMatch(String(node.treeItem().description), /filter/);
  });

  it('filters the tags of a repository', async () => {
    const alpine = await child(api, await registry(), 'library/alpine');
    await vscode.commands.executeCommand('registryExplorer.filter', alpine, '1.2.*');
    assert.deepEqual(await labels(api, alpine), ['1.2.10', '1.2.9']);
    assert.equal(alpine.treeItem().description, 'filter: 1.2.* · 5 tags');
    await vscode.commands.executeCommand('registryExplorer.clearFilter', alpine);
    assert.deepEqual(await labels(api, alpine), ['latest', '3.20', '3.19', '1.2.10', '1.2.9']);
  });

  it('pages repositories with Load more (pageSize changed live)', async () => {
    await set('pageSize', 10);
    const node = await waitFor('a tree with pages of ten', async () => {
      const candidate = await registry();
      return (await api.tree.getChildren(candidate)).length === 11 ? candidate : undefined;
    });
    const first = await api.tree.getChildren(node);
    assert.equal(first[10]!.treeItem().contextValue, 'loadMore');
    assert.equal(label(first[9]!), 'bulk/r07');
    await vscode.commands.executeCommand('registryExplorer.loadMore', first[10]);
    const second = await labels(api, node);
    assert.deepEqual(second.slice(9, 14), ['bulk/r07', 'bulk/r08', 'bulk/r09', 'bulk/r10', 'bulk/r11']);
    assert.ok(second.length > 14);
  });

  it('under a filter, Load more reads further pages until matches show (pageSize changed live)', async () => {
    await set('pageSize', 10);
    const node = await waitFor('a tree with pages of ten', async () => {
      const candidate = await registry();
      const children = await api.tree.getChildren(candidate);
      return children.length === 11 ? candidate : undefined;
    });
    await vscode.commands.executeCommand('registryExplorer.filter', node, 'bulk/r1*');
    const filtered = await api.tree.getChildren(node);
    assert.equal(filtered.length, 2, `a message and Load more (got ${filtered.map(label).join(' | ')})`);
    const [message, loadMore] = filtered;
    assert.equal(label(message!), 'No repositories match "bulk/r1*" among the 10 loaded so far.');
    assert.equal(label(loadMore!), 'Load more repositories matching "bulk/r1*"…');
    await vscode.commands.executeCommand('registryExplorer.loadMore', loadMore);
    assert.deepEqual(await labels(api, node), ['bulk/r10', 'bulk/r11']);
  });

  it('shows repository path segments as folders when nestedRepositories is turned on', async () => {
    await set('nestedRepositories', true);
    const node = await waitFor('folders', async () => {
      const candidate = await registry();
      return (await labels(api, candidate)).includes('team-a/') ? candidate : undefined;
    });
    const top = await labels(api, node);
    // Other suites add repositories (copies, pushes) to the lab: check the ones this suite knows.
    assert.deepEqual(
      top.filter((l) => ['apps/', 'artifacts/', 'bulk/', 'library/', 'team-a/', 'team-b/'].includes(l)),
      ['apps/', 'artifacts/', 'bulk/', 'library/', 'team-a/', 'team-b/'],
    );
    assert.ok(
      top.every((l) => l.endsWith('/')),
      `only folders at the top (${top.join(', ')})`,
    );
    const teamA = await child(api, node, 'team-a/');
    assert.equal(teamA.treeItem().description, '2 repositories');
    assert.deepEqual(await labels(api, teamA), ['api', 'worker']);
    const tools = await child(api, await child(api, node, 'team-b/'), 'tools/');
    const cli = await child(api, tools, 'cli');
    assert.equal(api.tree.getParent(cli), tools, "a repository's parent is its folder (for reveal)");
    assert.deepEqual(await labels(api, cli), ['0.2.0', '0.1.0']);
  });

  it('orders tags by creation date when tagSortOrder is "created", showing the date', async () => {
    const alpine = await child(api, await registry(), 'library/alpine');
    await labels(api, alpine);
    await set('tagSortOrder', 'created');
    const described = await waitFor('tags with their dates', async () => {
      const tags = await api.tree.getChildren(alpine);
      const descriptions = tags.map((t) => String(t.treeItem().description));
      return descriptions.every((d) => d.endsWith(' · 2024-01-01')) ? tags : undefined;
    });
    // Every lab image was created at the same time: ties keep the natural order.
    assert.deepEqual(described.map(label), ['latest', '3.20', '3.19', '1.2.10', '1.2.9']);
    assert.match(tooltipOf(described[0]!), /Created: 2024-01-01T00:00:00.000Z/);
  });

  it('applies the upload chunk size to the repositories commands use, as soon as it changes', async () => {
    assert.equal(api.registry.repository(labHost, 'bulk/r00').upload.chunkSize, undefined);
    await set('uploadChunkSize', 2);
    await waitFor('the new chunk size', () =>
      api.registry.repository(labHost, 'bulk/r00').upload.chunkSize === 2 * 1024 * 1024 ? true : undefined,
    );
  });
});
