/**
 * The `oci-layer:` URIs of read-only tabs that show one file of a layer:
 * `oci-layer:/<host>/<repository>@<short layer digest>/<file path>?digest=…&mediaType=…&size=…&path=…`.
 * The tab shows the path's last part (the file's name) and VS Code picks the language from its
 * extension; the query carries what the document is read from (the full digest, the exact path).
 * The path part is only shown: the file's path is registry text, so there every invisible or
 * control character is an escape, while the query keeps it exact. The inspector builds them; the
 * provider in src/editors reads them.
 */
import * as vscode from 'vscode';
import { visibleText } from '../core/text/visible-text';
import type { LayerFileTarget } from '../shared/layer-file-target';

export const LAYER_FILE_SCHEME = 'oci-layer';

// One shape for the webview's request and the tab's URI: the inspector's protocol owns it.
export type { LayerFileTarget };

/** The longest file path opened: PATH_MAX, as the listing allows. */
const MAX_LAYER_FILE_PATH = 4096;

export function layerFileUri(target: LayerFileTarget): vscode.Uri {
  const segments = target.path.split('/').filter((s) => s !== '' && s !== '.');
  // A hostile name's '..' is shown, never walked: a URI path would resolve it.
  if (segments.length === 0 || segments.includes('..')) throw new Error('That entry has no path inside the layer, so it cannot be opened.');
  const shown = segments.map((s) => visibleText(s).replace(/[?#]/g, '_')).join('/');
  const colon = target.digest.indexOf(':');
  const short = `${target.digest.slice(0, colon)}:${target.digest.slice(colon + 1, colon + 13)}`;
  const query = new URLSearchParams({
    digest: target.digest,
    mediaType: target.mediaType,
    size: String(target.size),
    path: segments.join('/'),
  });
  return vscode.Uri.from({
    scheme: LAYER_FILE_SCHEME,
    path: `/${target.host}/${target.repository}@${short}/${shown}`,
    query: query.toString(),
  });
}

export function parseLayerFileUri(uri: vscode.Uri): LayerFileTarget {
  const path = uri.path.replace(/^\//, '');
  const slash = path.indexOf('/');
  const at = path.indexOf('@');
  const params = new URLSearchParams(uri.query);
  const digest = params.get('digest') ?? '';
  const size = Number(params.get('size'));
  const file = params.get('path') ?? '';
  if (
    slash < 0 ||
    at < slash ||
    !digest.includes(':') ||
    !Number.isSafeInteger(size) ||
    size < 0 ||
    file === '' ||
    file.length > MAX_LAYER_FILE_PATH
  )
    throw new Error(`Not a layer file: ${uri.toString()}. Open the file again from the layer's listing in the inspector.`);
  return {
    host: path.slice(0, slash),
    repository: path.slice(slash + 1, at),
    digest,
    mediaType: params.get('mediaType') ?? '',
    size,
    path: file,
  };
}
