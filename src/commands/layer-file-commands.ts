/**
 * Save File…: one file of a layer to a file on this machine (like `docker cp` out of an image),
 * from the inspector's listing or from the file's read-only tab. This asks where, shows the core's
 * save (whole file, verified layer, temporary file renamed at the end) as cancellable progress, and
 * says what happened. Scripts and tests pass `{ file }` to skip the dialog.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { core } from '../common/core-loader';
import { LAYER_FILE_SCHEME, parseLayerFileUri, type LayerFileTarget } from '../common/layer-file-uri';
import { showInfo } from '../common/notify';
import { withErrors } from '../common/progress';
import { layerFileProgressReporter } from '../common/progress-reporter';
import { suggestedFile } from '../common/save-location';
import { visibleText } from '../core/text/visible-text';
import { formatBytes } from '../shared/format';
import { layerFileProblem } from '../webviews/inspector/validate';
import type { CommandContext } from './command-context';

export interface SavedLayerFile {
  file: string;
  size: number;
}

export function registerLayerFileCommands(ctx: CommandContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('registryExplorer.saveLayerFile', (target?: unknown, preset?: { file?: string }) =>
      saveLayerFile(target, ctx, preset),
    ),
  ];
}

/** Saves the file `target` names: a LayerFileTarget (the inspector), an `oci-layer:` URI (a tab's title bar), or the active tab's. */
export async function saveLayerFile(target: unknown, ctx: CommandContext, preset?: { file?: string }): Promise<SavedLayerFile | undefined> {
  const file = targetOf(target);
  if (!file) {
    void showInfo("Save File saves a file of an image layer: open the layer in the inspector and use the Save button on the file's row.");
    return undefined;
  }
  const shown = `/${visibleText(file.path)}`;
  const destination = preset?.file ?? (await askWhere(file, shown));
  if (!destination) return undefined;
  return withErrors(
    `Saving ${shown}`,
    () =>
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Saving ${shown}`, cancellable: true },
        async (progress, token) => {
          const abort = new AbortController();
          const subscription = token.onCancellationRequested(() => abort.abort());
          const c = core();
          const repository = ctx.registry.session.registry(file.host).repository(file.repository);
          const descriptor = { mediaType: file.mediaType, digest: file.digest, size: file.size };
          try {
            const saved = await c.saveLayerFile(c.registryLayer(repository, descriptor), file.path, destination, {
              mediaType: file.mediaType,
              signal: abort.signal,
              layerSize: file.size,
              onProgress: layerFileProgressReporter(progress, file.size),
            });
            void showInfo(`Saved ${shown} (${formatBytes(saved.size)}) to ${destination}; its layer matched its digest.`);
            return { file: destination, size: saved.size };
          } finally {
            subscription.dispose();
          }
        },
      ),
    `nothing was written to ${destination}.`,
  );
}

async function askWhere(file: LayerFileTarget, shown: string): Promise<string | undefined> {
  const chosen = await vscode.window.showSaveDialog({
    title: `Save ${shown} from its layer`,
    saveLabel: 'Save',
    defaultUri: suggestedFile(basename(file.path)),
  });
  if (!chosen) return undefined;
  if (chosen.scheme !== 'file') {
    void showInfo(`${shown} was not saved: choose a folder on this machine's disk (${chosen.scheme}: locations are not written to).`);
    return undefined;
  }
  return chosen.fsPath;
}

/** What the command was given, as a file of a layer, if it names one. */
function targetOf(target: unknown): LayerFileTarget | undefined {
  const uri = target instanceof vscode.Uri ? target : target === undefined ? vscode.window.activeTextEditor?.document.uri : undefined;
  if (uri) {
    if (uri.scheme !== LAYER_FILE_SCHEME) return undefined;
    try {
      return parseLayerFileUri(uri);
    } catch {
      return undefined;
    }
  }
  if (typeof target !== 'object' || target === null) return undefined;
  const t = target as Record<string, unknown>;
  // The same check as the inspector's request for it.
  if (typeof t.host !== 'string' || typeof t.repository !== 'string' || layerFileProblem(t)) return undefined;
  const { host, repository, digest, mediaType, size, path } = t as unknown as LayerFileTarget;
  return { host, repository, digest, mediaType, size, path };
}
