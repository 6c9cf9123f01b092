import * as vscode from 'vscode';
import type { CommandContext } from './commands/command-context';
import { registerContentCommands } from './commands/content-commands';
import { registerInspectCommands } from './commands/inspect-commands';
import { registerLoginCommands } from './commands/login-commands';
import { registerTransferCommands } from './commands/transfer-commands';
import { registerRegistryCommands } from './commands/registry-commands';
import { registerTreeCommands } from './commands/tree-commands';
import { redactingLog } from './common/log';
import { SecretLoginStore } from './common/logins';
import { logNotificationsTo } from './common/notify';
import { RegistryService } from './common/registry-service';
import { onSettingsChanged, readSettings } from './common/settings';
import type { InspectorOutput, InspectorWatcher } from './webviews/inspector/index';
import { JSON_SCHEME } from './common/json-uri';
import { RegistryJsonProvider } from './editors/json-documents';
import { RegistryTreeProvider, VIEW_ID } from './views/registry-tree';
import { registerWalkthrough } from './commands/walkthrough';

/** What `activate` returns: the registry service and the tree, for integration tests and other extensions. */
export interface RegistryExplorerApi {
  /** The session, logins and repositories as the extension uses them. */
  readonly registry: RegistryService;
  readonly tree: RegistryTreeProvider;
  /** Milliseconds `activate` took (reported in the log). */
  readonly activationMs: number;
  /** The folder VS Code writes this extension's log to (tests check it never holds a secret). */
  readonly logUri: vscode.Uri;
  /** The folders VS Code gives this extension for files (global, and the workspace's when one is open). */
  readonly storageUris: readonly vscode.Uri[];
  /** Calls `listener` with everything inspector panels are sent from now on (their HTML, each message), until disposed. */
  watchInspector(listener: (sent: InspectorOutput) => void): vscode.Disposable;
}

/**
 * Activation stays cheap: it wires the registry service, the view, settings and commands. The
 * registry core (undici and the protocol code) is a separate bundle loaded on the first request.
 * Settings flow one way: VS Code → the service (a new session when needed) → the tree.
 */
export function activate(context: vscode.ExtensionContext): RegistryExplorerApi {
  const started = performance.now();
  const channel = vscode.window.createOutputChannel('Registry Explorer', { log: true });
  // Everything logged goes through redaction: request URLs can carry signatures and upload state.
  const log = redactingLog(channel);
  const inspectorWatchers = new Set<InspectorWatcher>();
  const logins = new SecretLoginStore(context.secrets);
  const registry = new RegistryService(readSettings(), log, logins);
  const tree = new RegistryTreeProvider(registry, log);
  const view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });
  const commands: CommandContext = { registry, tree, log };
  context.subscriptions.push(
    channel,
    logNotificationsTo(log),
    registry,
    tree,
    view,
    // Tells the tree which rows are drawn, so only those fetch their details (see rows-on-screen.ts).
    vscode.window.registerFileDecorationProvider(tree.rows),
    onSettingsChanged((settings) => tree.settingsChanged(registry.updateSettings(settings))),
    ...registerRegistryCommands(commands),
    ...registerTreeCommands(commands, view),
    ...registerLoginCommands(commands, logins),
    ...registerContentCommands(commands),
    ...registerTransferCommands(commands),
    ...registerInspectCommands(context, commands, inspectorWatchers),
    ...registerWalkthrough(context),
    vscode.workspace.registerTextDocumentContentProvider(JSON_SCHEME, new RegistryJsonProvider(() => registry.session)),
  );
  const activationMs = performance.now() - started;
  log.info(`Registry Explorer activated in ${activationMs.toFixed(1)} ms`);
  return {
    registry,
    tree,
    activationMs,
    logUri: context.logUri,
    storageUris: [context.globalStorageUri, ...(context.storageUri ? [context.storageUri] : [])],
    watchInspector: (listener) => {
      inspectorWatchers.add(listener);
      return { dispose: () => inspectorWatchers.delete(listener) };
    },
  };
}

export function deactivate(): void {}
