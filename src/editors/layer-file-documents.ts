/**
 * Read-only tabs for one file of a layer (`oci-layer:` URIs, see common/layer-file-uri.ts), opened
 * from the inspector's listing. The core streams the layer and stops once the file is read; this
 * shows that as cancellable progress, caches what was read by (layer digest, path) within a budget,
 * and says outside the text what the user should know about the read (cut at the cap, unverified).
 */
import * as vscode from 'vscode';
import type * as CoreApi from '../core/index';
import type { RegistrySession } from '../core/index';
import { cancelled, DigestCache } from '../common/digest-cache';
import { errorText } from '../common/error-text';
import { parseLayerFileUri, type LayerFileTarget } from '../common/layer-file-uri';
import { showWarning } from '../common/notify';
import { layerFileProgressReporter } from '../common/progress-reporter';
import { visibleText } from '../core/text/visible-text';
import { layerFileText, type LayerFileText } from './layer-file-text';

/** Text kept for tabs opened again (UTF-16: two bytes a character): a few of the largest files, many small ones. */
const CACHE_BYTES = 64 * 1024 * 1024;

export class LayerFileDocuments implements vscode.TextDocumentContentProvider {
  private readonly reads = new DigestCache<LayerFileText>(CACHE_BYTES, (read) => read.text.length * 2);

  constructor(
    private readonly session: () => RegistrySession,
    private readonly core: () => typeof CoreApi,
  ) {}

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const target = parseLayerFileUri(uri);
    const name = `/${visibleText(target.path)}`;
    const abort = new AbortController();
    const subscription = token.onCancellationRequested(() => abort.abort());
    try {
      // Content-addressed: the same digest and path always read the same bytes.
      const read = await this.reads.get(`${target.digest} ${target.path}`, (signal) => this.read(target, name, signal), abort.signal);
      return read.text;
    } catch (err) {
      if (abort.signal.aborted || (err as { code?: unknown }).code === 'CANCELLED')
        throw new Error(`Reading ${name} was cancelled; open it again from the layer's listing to read it.`);
      throw new Error(`${name} could not be read from the layer: ${errorText(err)}`);
    } finally {
      subscription.dispose();
    }
  }

  private read(target: LayerFileTarget, name: string, signal: AbortSignal): Promise<LayerFileText> {
    const core = this.core();
    const descriptor = { mediaType: target.mediaType, digest: target.digest, size: target.size };
    const repository = this.session().registry(target.host).repository(target.repository);
    return Promise.resolve(
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Reading ${name} from its layer`, cancellable: true },
        async (progress, token) => {
          const abort = new AbortController();
          const stop = (): void => abort.abort();
          signal.addEventListener('abort', stop);
          const subscription = token.onCancellationRequested(stop);
          try {
            const read = await core.readLayerFile(core.registryLayer(repository, descriptor), target.path, {
              mediaType: target.mediaType,
              layerSize: target.size,
              signal: abort.signal,
              onProgress: layerFileProgressReporter(progress, target.size),
            });
            if (abort.signal.aborted) throw cancelled();
            const text = layerFileText(read, target.path, target.digest);
            if (text.notes.length > 0 && !text.binary) void showWarning(text.notes.join(' '));
            return text;
          } finally {
            signal.removeEventListener('abort', stop);
            subscription.dispose();
          }
        },
      ),
    );
  }
}
