/**
 * Inspect Manifest: from a tag, platform or referrer in the tree, or from the palette with a typed
 * reference. This part is in the extension bundle; the panels' code loads on first use.
 */
import * as vscode from 'vscode';
import { chooseSubject } from '../../commands/subjects';
import { withErrors } from '../../common/progress';
import { core } from '../../common/core-loader';
import { INSPECTOR_VIEW_TYPE } from './protocol';
import type { RegistryTreeProvider } from '../../views/registry-tree';
import type { InspectorPanels, InspectorWatcher, InspectResult } from './index';
import { inspectorModule } from './loader';

/** `watchers` see everything the panels are sent (see RegistryExplorerApi.watchInspector). */
export function registerInspector(context: vscode.ExtensionContext, tree: RegistryTreeProvider, log: vscode.LogOutputChannel, watchers: ReadonlySet<InspectorWatcher>): vscode.Disposable[] {
  let panels: InspectorPanels | undefined;
  const open = (): InspectorPanels => (panels ??= new (inspectorModule().InspectorPanels)(context.extensionUri, () => tree.core, core(), log, watchers));
  return [
    vscode.commands.registerCommand('registryExplorer.inspect', (node?: unknown) => inspect(node, tree, open)),
    vscode.window.registerWebviewPanelSerializer(INSPECTOR_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => open().restore(panel, state),
    }),
    { dispose: () => panels?.dispose() },
  ];
}

/** Scripts and tests pass `{ reference, waitUntilRendered: true }` and get the rendered page's title. */
async function inspect(node: unknown, tree: RegistryTreeProvider, open: () => InspectorPanels): Promise<InspectResult | undefined> {
  const subject = await chooseSubject(node, tree, 'Inspect Manifest');
  if (!subject) return undefined;
  const descriptor = await withErrors('Inspect Manifest', () => subject.descriptor());
  if (!descriptor) return undefined;
  const waitUntilRendered = (node as { waitUntilRendered?: unknown } | undefined)?.waitUntilRendered === true;
  return withErrors('Inspect Manifest', () =>
    open().inspect({ kind: 'manifest', host: subject.host, repository: subject.repositoryName, digest: descriptor.digest, ...(subject.tag ? { tag: subject.tag } : {}) }, { waitUntilRendered }),
  );
}
