import * as vscode from 'vscode';
import { showError, showInfo, showWarning } from '../notify';
import { core } from '../core-loader';
import type { Credential, Operation, PingResult } from '../core/index';
import type { SecretLoginStore } from '../logins';
import { coreConfigFrom, readSettings } from '../settings';
import { isManifestHandle } from '../views/content-nodes';
import { RegistryNode, RepositoryNode, type ExplorerNode } from '../views/nodes';
import type { RegistryTreeProvider } from '../views/registry-tree';
import { withErrors } from './progress';
import { validate } from './subjects';

export function registerLoginCommands(tree: RegistryTreeProvider, logins: SecretLoginStore, log: vscode.LogOutputChannel): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('registryExplorer.logIn', (node?: ExplorerNode | { host: string; username: string; password: string }) => logIn(node, tree, logins, log)),
    vscode.commands.registerCommand('registryExplorer.logOut', (node?: ExplorerNode | { host: string }) => logOut(node, tree, logins)),
    vscode.commands.registerCommand('registryExplorer.showEndpointPlan', (node?: ExplorerNode) => showEndpointPlan(node, tree)),
  ];
}

/** The registry a command is about: the node's, a host passed by a script, or one the user picks. */
async function chooseHost(node: unknown, title: string, tree: RegistryTreeProvider): Promise<string | undefined> {
  if (node instanceof RegistryNode) return node.entry.host;
  if (node && typeof (node as { host?: unknown }).host === 'string') return (node as { host: string }).host;
  // Configured and discovered registries alike: a discovered one is often the one to log in to.
  const configured = readSettings().registries.map((r) => {
    try {
      return core().parseRegistryLocation(r.url).host;
    } catch {
      return undefined;
    }
  }).filter((h): h is string => !!h);
  const hosts = [...new Set([...configured, ...tree.registries.map((r) => r.entry.host)])];
  const picked = await vscode.window.showQuickPick([...hosts, 'Another registry…'], { title, placeHolder: 'Registry' });
  if (picked !== 'Another registry…') return picked;
  const typed = await vscode.window.showInputBox({ title, prompt: 'Registry host, e.g. ghcr.io or registry.example.com:5000', validateInput: (value) => validate().host(value) });
  return typed?.trim() ? core().parseRegistryLocation(typed).host : undefined;
}

/**
 * Asks for a username and password (or token), checks them against the registry, and keeps them
 * in SecretStorage. Scripts and tests may pass `{ host, username, password }`.
 */
async function logIn(node: unknown, tree: RegistryTreeProvider, logins: SecretLoginStore, log: vscode.LogOutputChannel): Promise<PingResult['state'] | undefined> {
  const preset = node && typeof (node as { password?: unknown }).password === 'string' ? node as { host: string; username: string; password: string } : undefined;
  const host = await chooseHost(node, 'Log In', tree);
  if (!host) return undefined;
  const username = preset?.username ?? await vscode.window.showInputBox({ title: `Log In to ${host} (1/2)`, prompt: 'Username', ignoreFocusOut: true });
  if (!username) return undefined;
  const password = preset?.password ?? await vscode.window.showInputBox({ title: `Log In to ${host} (2/2)`, prompt: 'Password or access token', password: true, ignoreFocusOut: true });
  if (!password) return undefined;

  // Test the login before keeping it, with a session of its own that sees only this credential for the host.
  const candidate: Credential = { username, password, source: 'the login being checked' };
  const session = core().createSession(coreConfigFrom(readSettings(), (e) => tree.logRequest(e), {
    get: async (h) => (h === host ? candidate : logins.get(h)),
  }));
  let ping: PingResult;
  try {
    ping = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Logging in to ${host}…` },
      () => session.registry(host).ping(),
    );
  } finally {
    void session.close();
  }
  if (ping.state === 'needs-login') {
    void showError(`${host} refused the login for ${username}: check the username and password (or token). Nothing was saved.`);
    return ping.state;
  }
  if (ping.state === 'unreachable') {
    if (preset) log.warn(`Log In: ${host}: ${ping.error.message}`);
    const choice = preset ? 'Save Anyway' : await showWarning(`${ping.error.message} The login could not be checked.`, 'Save Anyway');
    if (choice !== 'Save Anyway') return ping.state;
  }
  await logins.store(host, { username, password });
  tree.core.forget(host);
  tree.refresh();
  log.info(`Logged in to ${host} as ${username} (kept in VS Code's secret storage).`);
  if (!preset) void showInfo(`Logged in to ${host} as ${username}.`);
  return ping.state;
}

async function logOut(node: unknown, tree: RegistryTreeProvider, logins: SecretLoginStore): Promise<boolean> {
  const host = await chooseHost(node, 'Log Out', tree);
  if (!host) return false;
  const had = await logins.delete(host);
  tree.core.forget(host);
  tree.refresh();
  const note = had
    ? `Logged out of ${host}.`
    : `Registry Explorer holds no login for ${host}; a login from docker login or podman login stays until you log out there.`;
  const scripted = !!node && !(node instanceof RegistryNode);
  if (!scripted) void showInfo(note);
  return had;
}

const OPERATIONS: { label: Operation; detail: string }[] = [
  { label: 'resolve', detail: 'Resolve a tag to a digest' },
  { label: 'pull', detail: 'Fetch manifests and blobs by digest' },
  { label: 'push', detail: 'Upload blobs and manifests' },
  { label: 'delete', detail: 'Delete manifests or tags' },
  { label: 'list', detail: 'List repositories and tags' },
  { label: 'referrers', detail: 'List signatures, SBOMs and attestations' },
];

/**
 * Shows, as a text document, where an operation on a registry goes and why. Scripts and tests
 * pass `{ host, operation }` and get the text. A hosts.toml that does not load is reported, not thrown.
 */
async function showEndpointPlan(node: unknown, tree: RegistryTreeProvider): Promise<string | undefined> {
  let host: string | undefined;
  if (node instanceof RegistryNode) host = node.entry.host;
  else if (node instanceof RepositoryNode) host = node.registry.entry.host;
  else if (isManifestHandle(node)) host = node.repositoryNode.registry.entry.host;
  else host = await chooseHost(node, 'Show Endpoint Plan', tree);
  if (!host) return undefined;
  const presetOperation = (node as { operation?: string } | undefined)?.operation;
  const operation = OPERATIONS.find((o) => o.label === presetOperation) ?? await vscode.window.showQuickPick(OPERATIONS, { title: `Endpoint plan for ${host}`, placeHolder: 'Operation' });
  if (!operation) return undefined;
  const { describePlan } = core();
  const plan = await withErrors('Show Endpoint Plan', () => tree.core.plan(host, operation.label));
  if (!plan) return undefined;
  const text = describePlan(plan);
  const document = await vscode.workspace.openTextDocument({ content: text, language: 'plaintext' });
  await vscode.window.showTextDocument(document, { preview: true });
  return text;
}
