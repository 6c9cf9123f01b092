import * as vscode from 'vscode';
import { core } from '../core-loader';
import type { PingResult } from '../core/index';
import { coreConfigFrom, readSettings, writeRegistries, type RegistrySetting } from '../settings';
import { isManifestHandle } from '../views/content-nodes';
import { RegistryNode, RepositoryNode, type ExplorerNode, PagedNode } from '../views/nodes';
import type { RegistryTreeProvider } from '../views/registry-tree';

/** Codes after which "mark it insecure" is the fix the user most likely wants. */
const TLS_PROBLEMS = new Set(['TLS_UNKNOWN_AUTHORITY', 'TLS_NO_IP_SAN', 'TLS_NAME_MISMATCH', 'TLS_CERT_DATES', 'TLS_PLAIN_HTTP']);

export function registerRegistryCommands(tree: RegistryTreeProvider, log: vscode.LogOutputChannel): vscode.Disposable[] {
  const register = (id: string, run: (...args: never[]) => unknown) => vscode.commands.registerCommand(id, run);
  return [
    register('registryExplorer.addRegistry', (preset?: Partial<RegistrySetting>) => addRegistry(preset, tree, log)),
    register('registryExplorer.removeRegistry', (node?: ExplorerNode) => removeRegistry(node)),
    register('registryExplorer.refresh', (node?: ExplorerNode) => tree.refresh(node)),
    register('registryExplorer.loadMore', (node: PagedNode) => (node instanceof PagedNode ? tree.loadMore(node) : undefined)),
    register('registryExplorer.openSettings', () => vscode.commands.executeCommand('workbench.action.openSettings', '@ext:oci-registry-explorer.oci-registry-explorer')),
    register('registryExplorer.showLog', () => log.show(true)),
    register('registryExplorer.copyReference', (node?: ExplorerNode) => copyReference(node)),
  ];
}

/**
 * Asks for a URL and an optional name, tests the connection, and offers the fix when it fails
 * (mark insecure for TLS problems). `preset` skips the questions (scripts, tests, other commands).
 */
async function addRegistry(preset: Partial<RegistrySetting> | undefined, tree: RegistryTreeProvider, log: vscode.LogOutputChannel): Promise<boolean> {
  const { parseRegistryLocation, createSession } = core();
  const existing = readSettings().registries;
  const hostOf = (url: string) => {
    try {
      return parseRegistryLocation(url).host;
    } catch {
      return undefined;
    }
  };
  const url = preset?.url ?? await vscode.window.showInputBox({
    title: 'Add Registry (1/2)',
    prompt: 'Registry address: a host with an optional scheme and port. http:// means plain HTTP.',
    placeHolder: 'registry.example.com, ghcr.io, http://localhost:5000',
    ignoreFocusOut: true,
    validateInput: (value) => {
      if (!value.trim()) return undefined;
      try {
        const { host } = parseRegistryLocation(value);
        return existing.some((r) => hostOf(r.url) === host) ? `${host} is already in the list.` : undefined;
      } catch (err) {
        return (err as Error).message;
      }
    },
  });
  if (!url?.trim()) return false;
  const location = parseRegistryLocation(url);
  const name = preset ? preset.name : await vscode.window.showInputBox({
    title: 'Add Registry (2/2)',
    prompt: 'Display name (optional)',
    placeHolder: location.host,
    ignoreFocusOut: true,
  });
  if (name === undefined && !preset) return false;

  const setting: RegistrySetting = { url: url.trim(), ...(name?.trim() ? { name: name.trim() } : {}), ...(preset?.insecure ? { insecure: true } : {}), ...(preset?.repositories ? { repositories: preset.repositories } : {}) };
  // A session of its own: the registry is not in the settings yet, and this one is closed at once.
  const session = createSession({ ...coreConfigFrom(readSettings(), (e) => tree.logRequest(e), tree.logins, [setting]), requestTimeoutMs: 15_000 });
  let ping: PingResult;
  try {
    ping = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Connecting to ${location.host}…`, cancellable: false },
      () => session.registry(location.host).ping(),
    );
  } finally {
    void session.close();
  }
  if (ping.state === 'unreachable') {
    log.warn(`Add Registry: ${location.host}: ${ping.error.message}`);
    const insecureFix = TLS_PROBLEMS.has(ping.error.code) && !setting.insecure ? ['Mark Insecure and Add'] : [];
    const choice = preset ? 'Add Anyway' : await vscode.window.showWarningMessage(ping.error.message, ...insecureFix, 'Add Anyway');
    if (!choice) return false;
    if (choice === 'Mark Insecure and Add') setting.insecure = true;
  }
  await writeRegistries([...readSettings().registries, setting]);
  if (ping.state === 'needs-login') {
    void vscode.window.showInformationMessage(`${location.host} needs a login (${ping.scheme}). Credentials from docker login or podman login are used automatically.`);
  }
  return true;
}

async function removeRegistry(node: ExplorerNode | undefined): Promise<void> {
  if (!(node instanceof RegistryNode)) return;
  const remaining = readSettings().registries.filter((r) => r.url !== node.entry.settingUrl);
  await writeRegistries(remaining);
}

async function copyReference(node: ExplorerNode | undefined): Promise<void> {
  const reference = isManifestHandle(node) || node instanceof RepositoryNode ? node.reference : undefined;
  if (reference) await vscode.env.clipboard.writeText(reference);
}
