/**
 * Where the extension's settings live, so Open Settings opens the scope that holds them. In a
 * remote window (SSH, WSL, Dev Containers, Codespaces, code-server) the extension runs on the
 * remote machine, and its machine-scoped settings (registries, TLS, logins) are read only from
 * the Remote settings: the User tab does not even list them, and the User settings.json is not
 * where their entries are. Locally, everything is in the User scope.
 */
import * as vscode from 'vscode';
import { SECTION } from './setting-names';

const EXTENSION_QUERY = '@ext:oci-registry-explorer.oci-registry-explorer';

/** Whether this window is remote: machine-scoped settings then live in the Remote scope. */
export function isRemoteWindow(): boolean {
  return vscode.env.remoteName !== undefined;
}

/** The Settings editor on the extension's settings, in the Remote tab of a remote window (all of them show there). */
export async function openExtensionSettings(): Promise<void> {
  if (isRemoteWindow()) await vscode.commands.executeCommand('workbench.action.openRemoteSettings', { query: EXTENSION_QUERY });
  else await vscode.commands.executeCommand('workbench.action.openSettings', EXTENSION_QUERY);
}

/**
 * The settings.json that holds a machine-scoped setting (`registries`), at that setting: the
 * remote machine's in a remote window, the user's otherwise.
 */
export async function openMachineSettingsJson(key: string): Promise<void> {
  const revealSetting = { key: `${SECTION}.${key}` };
  if (isRemoteWindow()) await vscode.commands.executeCommand('workbench.action.openRemoteSettingsFile', { revealSetting });
  else await vscode.commands.executeCommand('workbench.action.openSettingsJson', { revealSetting });
}
