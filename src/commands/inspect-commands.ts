/**
 * Inspect Manifest: from a tag, platform or referrer in the tree, or from the palette with a typed
 * reference, and panels restored after a reload. This part is in the extension bundle; the panels'
 * code (src/webviews/inspector) loads on first use.
 */
import * as vscode from 'vscode';
import { withErrors } from '../common/progress';
import { core } from '../common/core-loader';
import type { RegistryService } from '../common/registry-service';
import { INSPECTOR_VIEW_TYPE } from '../webviews/inspector/protocol';
import type { InspectorPanels, InspectorWatcher, InspectResult } from '../webviews/inspector/index';
import { inspectorModule } from '../webviews/inspector/loader';
import type { CommandContext } from './command-context';
import { chooseSubject } from './subjects';

/** `watchers` see everything the panels are sent (see RegistryExplorerApi.watchInspector). */
export function registerInspectCommands(
  context: vscode.ExtensionContext,
  { registry, log }: CommandContext,
  watchers: ReadonlySet<InspectorWatcher>,
): vscode.Disposable[] {
  let panels: InspectorPanels | undefined;
  const open = (): InspectorPanels =>
    (panels ??= new (inspectorModule().InspectorPanels)(
      context.extensionUri,
      () => registry.session,
      core(),
      registry.content,
      log,
      watchers,
    ));
  return [
    vscode.commands.registerCommand('registryExplorer.inspect', (node?: unknown) => inspect(node, registry, open)),
    vscode.window.registerWebviewPanelSerializer(INSPECTOR_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => open().restore(panel, state),
    }),
    { dispose: () => panels?.dispose() },
  ];
}

/** Scripts and tests pass `{ reference, waitUntilRendered: true }` and get the rendered page's title. */
async function inspect(node: unknown, registry: RegistryService, open: () => InspectorPanels): Promise<InspectResult | undefined> {
  const subject = await chooseSubject(node, registry, 'Inspect Manifest');
  if (!subject) return undefined;
  const descriptor = await withErrors('Inspect Manifest', () => subject.descriptor());
  if (!descriptor) return undefined;
  const waitUntilRendered = (node as { waitUntilRendered?: unknown } | undefined)?.waitUntilRendered === true;
  return withErrors('Inspect Manifest', () =>
    open().inspect(
      {
        kind: 'manifest',
        host: subject.host,
        repository: subject.repositoryName,
        digest: descriptor.digest,
        ...(subject.tag ? { tag: subject.tag } : {}),
      },
      { waitUntilRendered },
    ),
  );
}
