// Runs last, after every other suite has logged in, browsed, copied and failed. It logs in to a
// Basic and a Bearer-token registry (wrong passwords first), uses a refresh token from a Docker
// config, browses, copies, inspects, fails on purpose and shows the endpoint plans; then it reads
// everything the extension wrote or showed and looks for every secret it used. The Basic login is
// also saved to that Docker config, as the user may choose: the one place a credential belongs.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { RegistryExplorerApi } from '../../src/extension';
import type { InspectorOutput } from '../../src/webviews/inspector/index';
import type { ExplorerNode } from '../../src/views/nodes/node-base';
import { EXTENSION_ID, filesUnder, label, labDescription, logWith, settingsText, waitFor } from './helpers';

/** Any JSON Web Token: base64url header and claims, both JSON objects. */
const JWT = /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\./;

interface TokenAnswer {
  token: string;
  refresh_token?: string;
}

/** Asks the lab's token server for a token the way a client does (POST with a password, for a refresh token too). */
async function askToken(realm: string, form: Record<string, string>): Promise<TokenAnswer> {
  const res = await fetch(realm, {
    method: 'POST',
    body: new URLSearchParams({ client_id: 'secrets-test', ...form }),
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(res.status, 200, 'the lab token server gave the test a token');
  return (await res.json()) as TokenAnswer;
}

async function set(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('registryExplorer').update(key, value, vscode.ConfigurationTarget.Global);
}

/** The text of a tree item as the user can see it: label, description and tooltip. */
function itemText(node: ExplorerNode): string {
  const item = node.treeItem();
  const tooltip = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip ?? '');
  return [label(node), String(item.description ?? ''), tooltip].join(' | ');
}

/** Every row under `node` down to `depth` levels, as text (registries → repositories → tags → platforms). */
async function treeText(api: RegistryExplorerApi, node: ExplorerNode, depth: number): Promise<string[]> {
  const lines = [itemText(node)];
  if (depth === 0) return lines;
  for (const child of await api.tree.getChildren(node)) lines.push(...(await treeText(api, child, depth - 1)));
  return lines;
}

/** The registry row for `host` once its ping has answered (its description shows the state). */
function registryRow(api: RegistryExplorerApi, host: string, state: RegExp): Promise<ExplorerNode> {
  return waitFor(`${host} in the tree (${state})`, async () => {
    const node = (await api.tree.getChildren()).find((n) => label(n) === host);
    if (!node) return undefined;
    await api.tree.getChildren(node);
    return state.test(String(node.treeItem().description)) ? node : undefined;
  });
}

describe('Secrets stay secret', () => {
  const lab = labDescription();
  const { basic, token } = lab;
  const wrongBasic = 'Wr0ng-Basic-Password';
  const wrongToken = 'Wr0ng-Token-Password';
  let api: RegistryExplorerApi;
  let watching: vscode.Disposable | undefined;

  before(async () => {
    api = await vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID)!.activate();
  });

  after(async () => {
    watching?.dispose();
    await vscode.commands.executeCommand('registryExplorer.logOut', { host: basic.host });
    await vscode.commands.executeCommand('registryExplorer.logOut', { host: token.host });
    for (const key of ['registries', 'dockerConfigPath']) await set(key, undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('never writes a password, Basic credential, bearer or refresh token it used: not to the log, messages, plan, tree, inspector, storage or settings', async () => {
    const sent: InspectorOutput[] = [];
    watching = api.watchInspector((s) => sent.push(s));

    // A refresh token as `docker login` keeps one (identitytoken): the extension trades it for bearer tokens.
    const offline = await askToken(token.realm, {
      grant_type: 'password',
      username: token.username,
      password: token.password,
      service: token.service,
      access_type: 'offline',
      scope: 'repository:secrets/web:pull',
    });
    assert.ok(offline.refresh_token, 'the token server issued a refresh token');
    const dockerConfig = join(mkdtempSync(join(tmpdir(), 'secrets-')), 'config.json');
    writeFileSync(dockerConfig, JSON.stringify({ auths: { [token.host]: { identitytoken: offline.refresh_token } } }));
    await set('dockerConfigPath', dockerConfig);
    await set('registries', [{ url: basic.url }, { url: token.url }]);

    // Basic: a wrong password (refused, shown, not saved anywhere), then the right one, also saved for docker.
    assert.equal(
      await vscode.commands.executeCommand('registryExplorer.logIn', {
        host: basic.host,
        username: basic.username,
        password: wrongBasic,
        saveTo: 'vscodeAndDocker',
      }),
      'needs-login',
    );
    assert.ok(!readFileSync(dockerConfig, 'utf8').includes(basic.host), 'a refused login is not written to the Docker config');
    assert.equal(
      await vscode.commands.executeCommand('registryExplorer.logIn', {
        host: basic.host,
        username: basic.username,
        password: basic.password,
        saveTo: 'vscodeAndDocker',
      }),
      'reachable',
    );

    // Pushes through both kinds of auth (the token registry with the refresh token), then browse and inspect.
    const source = `${lab.registry.host}/apps/web:v1`;
    for (const host of [basic.host, token.host]) {
      const copied = await vscode.commands.executeCommand<{ root: { digest: string } }>('registryExplorer.copyTo', {
        reference: source,
        destination: `${host}/secrets/web:v1`,
      });
      assert.ok(copied, `copied to ${host}`);
    }
    const digest = (await api.registry.session.registry(lab.registry.host).repository('apps/web').resolve('v1')).digest;
    const rows: string[] = [];
    for (const host of [basic.host, token.host]) rows.push(...(await treeText(api, await registryRow(api, host, /http/), 4)));
    const inspected = await vscode.commands.executeCommand<{ digest: string }>('registryExplorer.inspect', {
      reference: `${token.host}/secrets/web:v1`,
      waitUntilRendered: true,
    });
    assert.equal(inspected?.digest, digest);
    await vscode.commands.executeCommand('registryExplorer.openJson', { reference: `${basic.host}/secrets/web:v1` });
    const manifestJson = await waitFor('the manifest document', () => {
      const doc = vscode.window.activeTextEditor?.document;
      return doc?.uri.scheme === 'oci' ? doc.getText() : undefined;
    });

    // Token registry: a wrong password (refused by the token server), then the pull-only user, who may not tag.
    assert.equal(
      await vscode.commands.executeCommand('registryExplorer.logIn', { host: token.host, username: token.username, password: wrongToken }),
      'needs-login',
    );
    const ro = token.readOnly;
    assert.equal(
      await vscode.commands.executeCommand('registryExplorer.logIn', { host: token.host, username: ro.username, password: ro.password }),
      'reachable',
    );
    const tagged = await vscode.commands.executeCommand('registryExplorer.tag', {
      reference: `${token.host}/secrets/web:v1`,
      newTag: 'not-allowed',
    });
    assert.equal(tagged, undefined, 'the pull-only user could not tag');
    rows.push(...(await treeText(api, await registryRow(api, token.host, /http/), 2)));

    const plans: string[] = [];
    for (const [host, operation] of [
      [basic.host, 'pull'],
      [token.host, 'push'],
    ] as const) {
      const plan = await vscode.commands.executeCommand<string>('registryExplorer.showEndpointPlan', { host, operation });
      assert.ok(plan?.includes(host), `the endpoint plan for ${host} names it`);
      plans.push(plan, vscode.window.activeTextEditor?.document.getText() ?? '');
    }

    // Everything written or shown. Shown messages are logged (src/notify.ts): the last one marks a complete log.
    const log = await logWith(api, /Shown: Tag: .*did not grant/);
    const settingsJson = settingsText(api);
    const storage = api.storageUris.flatMap((uri) => filesUnder(uri.fsPath)).map((f) => readFileSync(f).toString('latin1'));
    const inspector = sent.map((s) => ('html' in s ? s.html : JSON.stringify(s.message)));
    // The folder docker would use by default ($DOCKER_CONFIG, isolated by the runner): nobody asked to write there.
    const defaultDockerFolder = process.env.DOCKER_CONFIG
      ? filesUnder(process.env.DOCKER_CONFIG).map((f) => readFileSync(f).toString('latin1'))
      : [];

    // Proof each place is the right one, and holds what this test did.
    const port = (url: string) => new URL(url).port;
    assert.match(
      log,
      new RegExp(`HEAD http://127\\.0\\.0\\.1:${port(basic.url)}/v2/secrets/web/manifests/v1 → 200`),
      "the log has the Basic registry's request lines",
    );
    assert.match(
      log,
      new RegExp(`PUT http://127\\.0\\.0\\.1:${port(token.url)}/v2/secrets/web/manifests/v1 → 201`),
      "the log has the token registry's request lines",
    );
    assert.match(log, new RegExp(`POST http://127\\.0\\.0\\.1:${port(token.realm)}/token → 200`), 'the refresh-token exchange was logged');
    assert.match(
      log,
      new RegExp(`GET http://127\\.0\\.0\\.1:${port(token.realm)}/token\\?.*account=${ro.username}.* → 200`),
      'the password grant was logged',
    );
    assert.match(
      log,
      new RegExp(`Shown: ${basic.host.replace(/\./g, '\\.')} refused the login for ${basic.username}`),
      'the refused Basic login was shown and logged',
    );
    assert.match(
      log,
      new RegExp(`Shown: ${token.host.replace(/\./g, '\\.')} refused the login for ${token.username}`),
      'the refused token login was shown and logged',
    );
    assert.ok(
      rows.some((r) => r.startsWith('secrets/web')) && rows.some((r) => r.startsWith('v1')),
      `the tree text has the repository and tag (got ${rows.length} rows)`,
    );
    assert.ok(
      inspector.some((t) => t.includes('Content-Security-Policy')),
      "the inspector's HTML was seen",
    );
    assert.ok(
      inspector.some((t) => t.includes(digest)),
      'the messages posted to the inspector show the manifest',
    );
    assert.match(manifestJson, /"schemaVersion": 2/);
    assert.ok(settingsJson.includes(token.url), 'the settings files read are the ones the extension wrote to');
    assert.match(
      log,
      new RegExp(`Saved the login for ${basic.host.replace(/\./g, '\\.')} as ${basic.username} in ${dockerConfig.replace(/\./g, '\\.')}`),
      'the Docker save was logged, naming the file',
    );

    const basicOf = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');
    // Where the user asked: the Docker config holds the Basic login, and the refresh token it already had.
    const docker = JSON.parse(readFileSync(dockerConfig, 'utf8')) as { auths: Record<string, Record<string, string>> };
    assert.deepEqual(docker.auths, {
      [token.host]: { identitytoken: offline.refresh_token },
      [basic.host]: { auth: basicOf(basic.username, basic.password) },
    });
    const headerSegment = offline.token.split('.')[0]!;
    const secrets: Record<string, string> = {
      'the password': basic.password,
      "the pull-only user's password": ro.password,
      'the wrong Basic password': wrongBasic,
      'the wrong token password': wrongToken,
      'a Basic credential': basicOf(basic.username, basic.password),
      'the pull-only Basic credential': basicOf(ro.username, ro.password),
      'a wrong Basic credential': basicOf(basic.username, wrongBasic),
      'another wrong Basic credential': basicOf(token.username, wrongToken),
      'the refresh token': offline.refresh_token!,
      'a bearer token': offline.token,
      // Every token of the lab's token server starts with this header (its signing certificate).
      'a token header of the lab token server': headerSegment.slice(0, 80),
    };
    const places: Record<string, string> = {
      'the log': log,
      'the endpoint plans': plans.join('\n'),
      'the tree': rows.join('\n'),
      'the inspector': inspector.join('\n'),
      'the manifest document': manifestJson,
      'the settings files': settingsJson,
      "the extension's storage": storage.join('\n'),
      'the default Docker config folder': defaultDockerFolder.join('\n'),
    };
    for (const [place, text] of Object.entries(places)) {
      for (const [what, secret] of Object.entries(secrets)) assert.ok(!text.includes(secret), `${place} holds ${what}`);
      assert.doesNotMatch(text, JWT, `${place} holds a JSON Web Token`);
      assert.doesNotMatch(text, /Bearer\s+[A-Za-z0-9._~+/-]{16,}/i, `${place} holds a bearer credential`);
    }
  });
});
