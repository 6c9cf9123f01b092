import * as vscode from 'vscode';
import { showInfo, showWarning } from '../common/notify';
import { core } from '../common/core-loader';
import type { PingResult } from '../core/index';
import { readSettings, writeRegistries, type RegistrySetting } from '../common/settings';
import { errorText } from '../common/error-text';
import { openExtensionSettings, openMachineSettingsJson } from '../common/settings-scope';
import { isManifestHandle } from '../views/nodes/content-nodes';
import { LoadMoreNode, PagedNode } from '../views/nodes/paged-node';
import { RegistryNode } from '../views/nodes/registry-node';
import { RepositoryNode } from '../views/nodes/repository-node';
import { type ExplorerNode } from '../views/nodes/node-base';
import { TLS_PROBLEMS } from '../views/registry-fixes';
import type { CommandContext } from './command-context';
import { validate } from './subjects';
import { copySelectedReferences, multipleSelection } from './selection-commands';

export function registerRegistryCommands(ctx: CommandContext): vscode.Disposable[] {
  const { tree, log } = ctx;
  const register = (id: string, run: (...args: never[]) => unknown) => vscode.commands.registerCommand(id, run);
  return [
    // Scripts pass `{ url, name?, insecure?, repositories? }`; the title bar passes the focused row, which is not one.
    register('registryExplorer.addRegistry', (preset?: unknown) => addRegistry(isRegistryPreset(preset) ? preset : undefined, ctx)),
    register('registryExplorer.removeRegistry', (node?: ExplorerNode) => removeRegistry(node)),
    register('registryExplorer.refresh', (node?: ExplorerNode) => tree.refresh(node)),
    // The view's title bar passes the focused row to its commands: its Refresh must ignore it.
    register('registryExplorer.refreshAll', () => tree.refresh()),
    // The "Load more…" row passes itself; scripts may pass the registry or repository node.
    register('registryExplorer.loadMore', (node?: unknown) => {
      const paged = node instanceof LoadMoreNode ? node.parent : node;
      return paged instanceof PagedNode ? tree.loadMore(paged) : undefined;
    }),
    register('registryExplorer.openSettings', () => openExtensionSettings()),
    register('registryExplorer.openRegistrySettings', (node?: ExplorerNode) => openRegistrySettings(node)),
    register('registryExplorer.showLog', () => log.show(true)),
    register('registryExplorer.copyReference', (node?: ExplorerNode, selection?: unknown) => {
      const many = multipleSelection(selection);
      return many ? copySelectedReferences(many) : copyReference(node);
    }),
  ];
}

/**
 * Asks for a URL and an optional name, tests the connection, and offers the fix when it fails
 * (mark insecure for TLS problems), another try with what was typed (Edit Address…, Retry), or a
 * login when the registry asks for one. `preset` skips the questions (scripts, tests, other commands).
 */
async function addRegistry(preset: Partial<RegistrySetting> | undefined, { registry, log }: CommandContext): Promise<boolean> {
  const { parseRegistryLocation } = core();
  const existing = readSettings().registries;
  const hostOf = (url: string) => {
    try {
      return parseRegistryLocation(url).host;
    } catch {
      return undefined;
    }
  };
  const askUrl = (value?: string): Thenable<string | undefined> =>
    vscode.window.showInputBox({
      title: 'Add Registry (1/2)',
      prompt: 'Registry address: a host with an optional scheme and port. http:// means plain HTTP.',
      placeHolder: 'registry.example.com, ghcr.io, http://localhost:5000',
      ...(value ? { value } : {}),
      ignoreFocusOut: true,
      validateInput: (text) =>
        validate().host(
          text,
          existing.map((r) => hostOf(r.url)).filter((h): h is string => !!h),
        ),
    });
  const askName = (host: string, value?: string): Thenable<string | undefined> =>
    vscode.window.showInputBox({
      title: 'Add Registry (2/2)',
      prompt: 'Display name (optional)',
      placeHolder: host,
      ...(value ? { value } : {}),
      ignoreFocusOut: true,
    });

  let url = preset?.url ?? (await askUrl());
  if (!url?.trim()) return false;
  let name = preset ? preset.name : await askName(parseRegistryLocation(url).host);
  if (name === undefined && !preset) return false;
  // A failed connection keeps what was typed: Edit Address… asks again from there, Retry as it is.
  for (;;) {
    const location = parseRegistryLocation(url);
    const setting: RegistrySetting = {
      url: url.trim(),
      ...(name?.trim() ? { name: name.trim() } : {}),
      ...(preset?.insecure ? { insecure: true } : {}),
      ...(preset?.repositories ? { repositories: preset.repositories } : {}),
      ...(preset?.provider ? { provider: preset.provider } : {}),
      ...(preset?.apiUrl ? { apiUrl: preset.apiUrl } : {}),
      ...(preset?.namespaces ? { namespaces: preset.namespaces } : {}),
    };
    const ping = await tryConnection(registry, setting, location.host);
    if (ping.state === 'unreachable') {
      const insecureFix = TLS_PROBLEMS.has(ping.error.code) && !setting.insecure ? ['Mark Insecure and Add'] : [];
      // Scripts are not asked; the log still says why the registry is added unreachable.
      if (preset) log.warn(`Add Registry: ${location.host}: ${errorText(ping.error)}`);
      const choice = preset
        ? 'Add Anyway'
        : await showWarning(errorText(ping.error), ...insecureFix, 'Edit Address…', 'Retry', 'Add Anyway');
      if (!choice) return false;
      if (choice === 'Retry') continue;
      if (choice === 'Edit Address…') {
        const edited = await askUrl(url);
        if (!edited?.trim()) return false;
        const renamed = await askName(parseRegistryLocation(edited).host, name);
        if (renamed === undefined) return false;
        url = edited;
        name = renamed;
        continue;
      }
      if (choice === 'Mark Insecure and Add') setting.insecure = true;
    }
    await writeRegistries([...readSettings().registries, setting]);
    if (ping.state === 'needs-login' && !preset) {
      // Not awaited: the registry is added either way, and the login is its own flow.
      void showInfo(
        `${location.host} needs a login (${ping.scheme} authentication). Log in now? Logins from docker login or podman login are used without this.`,
        'Log In…',
      ).then((choice) => {
        if (choice) void vscode.commands.executeCommand('registryExplorer.logIn', { host: location.host });
      });
    }
    return true;
  }
}

/** `GET /v2/` with a session of its own: the registry is not in the settings yet, and this one is closed at once. */
async function tryConnection(registry: CommandContext['registry'], setting: RegistrySetting, host: string): Promise<PingResult> {
  const session = registry.trialSession({ extraRegistries: [setting], requestTimeoutMs: 15_000 });
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Connecting to ${host}…`, cancellable: false },
      () => session.registry(host).ping(),
    );
  } finally {
    void session.close();
  }
}

async function removeRegistry(node: ExplorerNode | undefined): Promise<void> {
  if (!(node instanceof RegistryNode) || node.entry.origin.kind !== 'configured') return;
  const settingUrl = node.entry.origin.settingUrl;
  await writeRegistries(readSettings().registries.filter((r) => r.url !== settingUrl));
}

function isRegistryPreset(value: unknown): value is Partial<RegistrySetting> & { url: string } {
  return !!value && typeof value === 'object' && !(value instanceof RegistryNode) && typeof (value as { url?: unknown }).url === 'string';
}

/**
 * The fix for an unreachable registry: a configured one's entry in the settings.json that holds
 * it (the remote machine's in a remote window), where a wrong address or scheme is fixed;
 * otherwise the extension's page of the Settings editor.
 */
async function openRegistrySettings(node: ExplorerNode | undefined): Promise<void> {
  if (node instanceof RegistryNode && node.entry.origin.kind === 'configured') {
    try {
      await openMachineSettingsJson('registries');
      return;
    } catch {
      // Older hosts without revealSetting: the Settings editor below still gets there.
    }
  }
  await openExtensionSettings();
}

async function copyReference(node: ExplorerNode | undefined): Promise<void> {
  const reference = isManifestHandle(node) || node instanceof RepositoryNode ? node.reference : undefined;
  if (reference) await vscode.env.clipboard.writeText(reference);
}
