// Registry providers in a real VS Code, against the vendors' contract servers reached as ghcr.io,
// docker.io, registry.gitlab.com, quay.io, a Harbor and an ACR registry (resolve rules and the lab
// CA in the settings): what the tree says before a sign-in and with a token that lacks a scope, the
// packages and repositories each lists with what the vendor says of them, Open in Browser, the
// order by last push, Docker Hub's pull rate limit on the registry's row, ACR's command to run
// without a login, and no token in the log. (VS Code's GitHub sign-in is the e2e
// path's: its consent dialog needs a click.)
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { RegistryExplorerApi } from '../../src/extension';
import type { ExplorerNode } from '../../src/views/nodes/node-base';
import { childLabels, EXTENSION_ID, label, labDescription, logText, waitFor } from './helpers';

async function set(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('registryExplorer').update(key, value, vscode.ConfigurationTarget.Global);
}

function description(node: ExplorerNode): string {
  return String(node.treeItem().description ?? '');
}

function tooltip(node: ExplorerNode): string {
  const t = node.treeItem().tooltip;
  return (t instanceof vscode.MarkdownString ? t.value : String(t ?? ''))
    .replace(/&nbsp;/g, ' ')
    .replace(/\\([\\`*_{}[\]()#+\-.!])/g, '$1');
}

describe('Registry providers in a real VS Code', () => {
  const providers = labDescription().providers!;
  let api: RegistryExplorerApi;

  /** The registry's row, looked up afresh (a settings change or a login rebuilds the roots). */
  const registryRow = (host: string): Promise<ExplorerNode> =>
    waitFor(`${host} in the tree`, async () => (await api.tree.getChildren()).find((n) => label(n) === host));

  /** The web page the registry's provider names for a repository or tag (what Open in Browser opens). */
  const webPage = (host: string, target: { repository?: string; tag?: string }): string | undefined =>
    api.tree.registries.find((r) => r.entry.host === host)?.entry.provider.webPage(target);

  /** The registry's children once they match `expect` (a listing after a login refreshes). */
  const childrenOf = (host: string, expect: (labels: string[]) => boolean, what: string): Promise<ExplorerNode[]> =>
    waitFor(what, async () => {
      const children = await api.tree.getChildren(await registryRow(host));
      return expect(children.map(label)) ? children : undefined;
    });

  before(async () => {
    assert.ok(providers, 'the run started the providers’ contract servers');
    api = await vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID)!.activate();
    await set('resolveRules', providers.resolveRules);
    await set('hostsDirectories', providers.hostsDirectories);
    await set('registries', [
      { url: 'ghcr.io' },
      { url: 'docker.io' },
      { url: 'registry.gitlab.com' },
      { url: 'quay.io' },
      { url: providers.harbor.host, provider: 'harbor' },
      { url: providers.acr.host },
    ]);
  });

  after(async () => {
    for (const host of ['ghcr.io', 'docker.io', 'registry.gitlab.com', 'quay.io', providers.harbor.host])
      await vscode.commands.executeCommand('registryExplorer.logOut', { host });
    for (const key of ['registries', 'resolveRules', 'hostsDirectories', 'repositorySortOrder']) await set(key, undefined);
  });

  it('before a sign-in, GHCR’s row names its provider and the listing asks for a sign-in, with Log In… under it', async () => {
    const children = await childrenOf('ghcr.io', (l) => l.includes('Log In…'), 'the sign-in request');
    assert.deepEqual(children.map(label), [
      "GitHub lists repositories only to a signed-in user: sign in to ghcr.io. Log In… on the registry's row keeps a login in VS Code.",
      'Log In…',
    ]);
    assert.match(description(await registryRow('ghcr.io')), /^GitHub Container Registry · https$/);
    assert.match(tooltip(await registryRow('ghcr.io')), /Provider: GitHub Container Registry, listing through https:\/\/api\.github\.com/);
  });

  it('a token without read:packages is named for the scope it lacks', async () => {
    const state = await vscode.commands.executeCommand('registryExplorer.logIn', {
      host: 'ghcr.io',
      username: providers.github.login,
      password: providers.github.noScopeToken,
      saveTo: 'vscode',
    });
    assert.equal(state, 'reachable', 'the registry itself takes the token');
    const children = await childrenOf('ghcr.io', (l) => l.some((t) => t.includes('lacks the read:packages scope')), 'the scope error');
    assert.match(
      label(children[0]!),
      /GitHub refused the container packages: the token from a Registry Explorer login lacks the read:packages scope; sign in to ghcr\.io again granting read:packages\. Log In… on the registry's row signs in again; grant read:packages when asked/,
    );
    assert.equal(label(children[1]!), 'Log In…');
  });

  it('with a token, GHCR lists the user’s and organizations’ packages, with what GitHub says of each', async () => {
    await vscode.commands.executeCommand('registryExplorer.logIn', {
      host: 'ghcr.io',
      username: providers.github.login,
      password: providers.github.token,
      saveTo: 'vscode',
    });
    const children = await childrenOf('ghcr.io', (l) => l.includes('octocat/app'), 'the packages');
    assert.deepEqual(children.map(label), ['acme/api', 'octocat/app', 'octocat/tools/lint']);
    const app = children[1]!;
    assert.equal(description(app), 'pushed 2 days ago · private');
    assert.match(tooltip(app), /The app/);
    assert.match(tooltip(app), /Visibility: private/);
    assert.equal(app.treeItem().contextValue, 'repository.web');
    assert.deepEqual(await childLabels(api, app), [providers.github.tag]);
    const account = await waitFor('the signed-in account on the row', async () => {
      const d = description(await registryRow('ghcr.io'));
      return /octocat/.test(d) ? d : undefined;
    });
    // The listing came in whole, so the row also counts what it holds.
    assert.match(account, /^GitHub Container Registry · octocat · https · \d+ repositor(y|ies)$/);
    // Open in Browser opens this page (opening it asks the user, which a test run cannot answer; the e2e path shows it).
    assert.equal(webPage('ghcr.io', { repository: 'octocat/app' }), 'https://github.com/users/octocat/packages/container/package/app');
  });

  it('orders repositories by last push when asked', async () => {
    await vscode.commands.executeCommand('registryExplorer.sortRepositories', 'lastPush');
    const children = await childrenOf('ghcr.io', (l) => l[0] === 'octocat/app', 'the order by last push');
    assert.deepEqual(children.map(label), ['octocat/app', 'acme/api', 'octocat/tools/lint'], 'two, ten and forty days ago');
    await vscode.commands.executeCommand('registryExplorer.sortRepositories', 'name');
    const byName = await childrenOf('ghcr.io', (l) => l[0] === 'acme/api', 'the order by name again');
    assert.deepEqual(byName.map(label), ['acme/api', 'octocat/app', 'octocat/tools/lint']);
  });

  it('Docker Hub lists with a username and personal access token, and shows the pull rate limit its registry reports', async () => {
    await vscode.commands.executeCommand('registryExplorer.logIn', {
      host: 'docker.io',
      username: providers.hub.username,
      password: providers.hub.pat,
      saveTo: 'vscode',
    });
    const children = await childrenOf('docker.io', (l) => l.includes('moby/app'), 'the repositories');
    assert.deepEqual(children.map(label), ['acme/site', 'moby/app', 'moby/web']);
    const app = children[1]!;
    assert.equal(description(app), 'pushed 1 day ago · private · 1.2k pulls');
    assert.match(tooltip(app), /The app, on Docker Hub/);
    const [tag] = await api.tree.getChildren(app);
    assert.equal(label(tag!), providers.hub.tag);
    // The tag's rows come from its manifest, whose answer carries the limit.
    await api.tree.getChildren(tag);
    const row = await waitFor('the pull rate limit on the row', async () => {
      const d = description(await registryRow('docker.io'));
      return /pulls left/.test(d) ? d : undefined;
    });
    assert.match(row, /^Docker Hub · moby · \d+\/100 pulls left · https( · \d+ repositor(y|ies))?$/);
    assert.match(tooltip(await registryRow('docker.io')), /Pull rate limit: \d+ of 100 pulls left per 6 h/);
    assert.equal(tag!.treeItem().contextValue, 'tag.image.web');
    assert.equal(webPage('docker.io', { repository: 'moby/app', tag: '1.0' }), 'https://hub.docker.com/r/moby/app/tags?name=1.0');
  });

  it('GitLab lists the container repositories of the user’s projects with a username and personal access token', async () => {
    await vscode.commands.executeCommand('registryExplorer.logIn', {
      host: 'registry.gitlab.com',
      username: providers.gitlab.username,
      password: providers.gitlab.pat,
      saveTo: 'vscode',
    });
    const children = await childrenOf('registry.gitlab.com', (l) => l.includes('team/app'), 'the repositories');
    assert.deepEqual(children.map(label), providers.gitlab.repositories);
    assert.equal(description(children[0]!), 'private');
    assert.deepEqual(await childLabels(api, children[0]!), [providers.gitlab.tag]);
    assert.match(
      description(await registryRow('registry.gitlab.com')),
      /^GitLab Container Registry · gitty · https( · \d+ repositor(y|ies))?$/,
    );
    assert.match(tooltip(await registryRow('registry.gitlab.com')), /listing through https:\/\/gitlab\.com\/api\/v4/);
  });

  it('Quay lists the user’s repositories with an OAuth token under $oauthtoken', async () => {
    await vscode.commands.executeCommand('registryExplorer.logIn', {
      host: 'quay.io',
      username: '$oauthtoken',
      password: providers.quay.token,
      saveTo: 'vscode',
    });
    const children = await childrenOf('quay.io', (l) => l.includes('quayuser/app'), 'the repositories');
    assert.deepEqual(children.map(label), providers.quay.repositories);
    assert.equal(description(children[0]!), 'pushed 4 days ago · private');
    assert.match(tooltip(children[0]!), /The app, on Quay/);
    assert.deepEqual(await childLabels(api, children[0]!), [providers.quay.tag]);
  });

  it('Harbor lists its public projects without a login, and a member’s projects with one, through its API', async () => {
    const host = providers.harbor.host;
    const anonymous = await childrenOf(host, (l) => l.includes('library/nginx'), 'the public repositories');
    assert.deepEqual(anonymous.map(label), ['library/nginx']);
    assert.match(description(await registryRow(host)), /^Harbor · https( · \d+ repositor(y|ies))?$/);
    await vscode.commands.executeCommand('registryExplorer.logIn', {
      host,
      username: providers.harbor.username,
      password: providers.harbor.password,
      saveTo: 'vscode',
    });
    const children = await childrenOf(host, (l) => l.includes('team/api'), 'the member’s repositories');
    assert.deepEqual(children.map(label), providers.harbor.repositories);
    assert.equal(description(children[1]!), 'pushed 1 day ago · private · 3 pulls');
    assert.match(tooltip(children[1]!), /The team API/);
    assert.deepEqual(await childLabels(api, children[1]!), [providers.harbor.tag]);
  });

  it('ACR without a login names the Azure CLI command to run, with Log In… under it', async () => {
    const children = await childrenOf(providers.acr.host, (l) => l.includes('Log In…'), 'the command to run');
    assert.match(label(children[0]!), new RegExp(`needs a login that the Azure CLI sets up: run \`${providers.acr.command}\``));
    assert.match(description(await registryRow(providers.acr.host)), /^Azure Container Registry/);
  });

  it('never writes a token to the log', async () => {
    const log = logText(api);
    assert.ok(log.includes('api.github.com'), 'the log has the API requests');
    for (const secret of [
      providers.github.token,
      providers.github.noScopeToken,
      providers.hub.pat,
      providers.gitlab.pat,
      providers.quay.token,
      providers.harbor.password,
    ]) {
      assert.ok(!log.includes(secret), 'a token is in the log');
    }
  });
});
