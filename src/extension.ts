import * as vscode from 'vscode';
import type { CommandContext } from './commands/command-context';
import { registerContentCommands } from './commands/content-commands';
import { registerInspectCommands } from './commands/inspect-commands';
import { registerLoginCommands } from './commands/login-commands';
import { registerProviderCommands } from './commands/provider-commands';
import { registerTransferCommands } from './commands/transfer-commands';
import { registerRegistryCommands } from './commands/registry-commands';
import { registerTreeCommands } from './commands/tree-commands';
import { redactingLog } from './common/log';
import { SessionLoginStore } from './common/session-logins';
import { core } from './common/core-loader';
import { logNotificationsTo } from './common/notify';
import { RegistryService } from './common/registry-service';
import { onSettingsChanged, readSettings } from './common/settings';
import type { InspectorOutput, InspectorWatcher } from './webviews/inspector/index';
import { JSON_SCHEME } from './common/json-uri';
import { RegistryJsonProvider } from './editors/json-documents';
import { LAYER_FILE_SCHEME } from './common/layer-file-uri';
import { registerLayerFileCommands } from './commands/layer-file-commands';
import { LayerFileDocuments } from './editors/layer-file-documents';
import { registerImageReferenceFeatures } from './editors/image-features/register';
import { RegistryTreeProvider, VIEW_ID } from './views/registry-tree';
import { registerWalkthrough } from './commands/walkthrough';
import { registerCleanupCommands } from './commands/cleanup-commands';
import { registerCompareCommands } from './commands/compare-commands';
import { registerEngineCommands } from './commands/engine-commands';

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
  /**
   * Keeps logins in `storage` instead of VS Code's secret storage until disposed, and starts a new
   * session: the integration suite uses a storage that fails, as secret storage does on Linux without
   * a keyring.
   */
  useSecretStorage(storage: vscode.SecretStorage): vscode.Disposable;
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
  const logins = new SessionLoginStore(context.secrets, vscode.authentication, (reason) =>
    log.warn(
      `VS Code's secret storage is not available (${reason}): logins kept in VS Code cannot be read or saved; logins from docker login and podman login are still used.`,
    ),
  );
  const registry = new RegistryService(readSettings(), log, logins);
  // ACR's Microsoft sign-in: its token is traded at the registry, reached as the session reaches it.
  logins.useExchange((host, accessToken, source) => core().exchangeEntraToken(registry.session.apiChannel(), host, accessToken, source));
  const tree = new RegistryTreeProvider(registry, log);
  const view = vscode.window.createTreeView(VIEW_ID, {
    treeDataProvider: tree,
    showCollapseAll: true,
    canSelectMany: true,
  });
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
    ...registerProviderCommands(commands),
    // A sign-out (or new sign-in) in VS Code's Accounts menu changes the token of registries signed in through it.
    // Not a new session: a push may be under way with this one, right after it asked for a scope.
    vscode.authentication.onDidChangeSessions((e) => {
      if (e.provider.id !== 'github' && e.provider.id !== 'github-enterprise' && e.provider.id !== 'microsoft') return;
      for (const node of tree.registries) {
        registry.forget(node.entry.host);
        tree.refresh(node);
      }
    }),
    ...registerContentCommands(commands),
    ...registerTransferCommands(commands),
    ...registerInspectCommands(context, commands, inspectorWatchers),
    ...registerWalkthrough(context),
    ...registerCleanupCommands(commands),
    ...registerCompareCommands(commands, context.extensionUri),
    ...registerEngineCommands(commands),
    ...registerLayerFileCommands(commands),
    vscode.workspace.registerTextDocumentContentProvider(JSON_SCHEME, new RegistryJsonProvider(() => registry.session)),
    vscode.workspace.registerTextDocumentContentProvider(LAYER_FILE_SCHEME, new LayerFileDocuments(() => registry.session, core)),
    ...registerImageReferenceFeatures(registry, log),
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
    useSecretStorage: (storage) => {
      const replaced = logins.replaceStorage(storage);
      registry.reset();
      return {
        dispose: () => {
          replaced.dispose();
          registry.reset();
        },
      };
    },
  };
}

export function deactivate(): void {}
