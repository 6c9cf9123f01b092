/**
 * The `oci:` URIs of read-only JSON tabs: `oci:/<host>/<repository>@<digest>.json`, a manifest or
 * (`?blob&size=N`) a config blob. Commands and the inspector build them; the document provider in
 * src/editors reads them.
 */
import * as vscode from 'vscode';

export const JSON_SCHEME = 'oci';

export interface JsonTarget {
  host: string;
  repository: string;
  digest: string;
  kind: 'manifest' | 'blob';
  size?: number;
}

export function jsonUri(target: JsonTarget): vscode.Uri {
  const query = target.kind === 'blob' ? `blob&size=${target.size ?? ''}` : 'manifest';
  return vscode.Uri.from({ scheme: JSON_SCHEME, path: `/${target.host}/${target.repository}@${target.digest}.json`, query });
}

export function parseJsonUri(uri: vscode.Uri): JsonTarget {
  const path = uri.path.replace(/^\//, '').replace(/\.json$/, '');
  const at = path.lastIndexOf('@');
  const slash = path.indexOf('/');
  if (at < 0 || slash < 0 || slash > at) throw new Error(`Not a registry document: ${uri.toString()}`);
  const params = new URLSearchParams(uri.query);
  const size = Number(params.get('size'));
  return {
    host: path.slice(0, slash),
    repository: path.slice(slash + 1, at),
    digest: path.slice(at + 1),
    kind: params.has('blob') ? 'blob' : 'manifest',
    ...(Number.isSafeInteger(size) && size > 0 ? { size } : {}),
  };
}
