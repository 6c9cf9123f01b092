/**
 * The `oci:` URIs of read-only JSON tabs: `oci:/<host>/<repository>@sha256:<12 hex>.json?…&digest=<digest>`,
 * a manifest or (`?blob&size=N`) a config blob. The tab shows the path's last part, so the path
 * carries the short digest (`web@sha256:0123456789ab.json`) and the query the full one. Commands and
 * the inspector build them; the document provider in src/editors reads them.
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

/** `sha256:0123456789ab`: enough to tell tabs apart, short enough for a tab title. */
function shortForm(digest: string): string {
  const colon = digest.indexOf(':');
  return colon < 0 ? digest.slice(0, 12) : `${digest.slice(0, colon)}:${digest.slice(colon + 1, colon + 13)}`;
}

export function jsonUri(target: JsonTarget): vscode.Uri {
  // Digests are `algorithm:hex`: nothing in them needs escaping in a query.
  const kind = target.kind === 'blob' ? `blob&size=${target.size ?? ''}` : 'manifest';
  return vscode.Uri.from({
    scheme: JSON_SCHEME,
    path: `/${target.host}/${target.repository}@${shortForm(target.digest)}.json`,
    query: `${kind}&digest=${target.digest}`,
  });
}

export function parseJsonUri(uri: vscode.Uri): JsonTarget {
  const path = uri.path.replace(/^\//, '').replace(/\.json$/, '');
  const at = path.lastIndexOf('@');
  const slash = path.indexOf('/');
  if (at < 0 || slash < 0 || slash > at) throw new Error(`Not a registry document: ${uri.toString()}`);
  const params = new URLSearchParams(uri.query);
  const size = Number(params.get('size'));
  // The full digest is in the query; tabs restored from before it was there carry it in the path.
  const digest = params.get('digest') ?? path.slice(at + 1);
  if (!digest.startsWith(shortForm(path.slice(at + 1)))) throw new Error(`Not a registry document: ${uri.toString()}`);
  return {
    host: path.slice(0, slash),
    repository: path.slice(slash + 1, at),
    digest,
    kind: params.has('blob') ? 'blob' : 'manifest',
    ...(Number.isSafeInteger(size) && size > 0 ? { size } : {}),
  };
}
