/**
 * Read-only editor tabs for manifests and config blobs: `oci:/<host>/<repository>@<digest>.json`.
 * Content is addressed by digest, so a document never goes stale; it is fetched (and verified)
 * by the core when VS Code opens the tab.
 */
import type * as vscode from 'vscode';
import type { RegistrySession } from '../core/index';
import { MAX_DOCUMENT_JSON_BLOB as MAX_BLOB_BYTES } from '../common/content-cache';
import { parseJsonUri } from '../common/json-uri';

export class RegistryJsonProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly session: () => RegistrySession) {}

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const target = parseJsonUri(uri);
    const abort = new AbortController();
    const subscription = token.onCancellationRequested(() => abort.abort());
    try {
      const repository = this.session().registry(target.host).repository(target.repository);
      if (target.kind === 'manifest') {
        const parsed = await repository.getManifest(target.digest, abort.signal);
        return pretty(parsed.bytes);
      }
      // A tab is opened on request, for reading: up to the cap on documents (an SBOM can be several MiB).
      const size = target.size ?? MAX_BLOB_BYTES;
      if (size > MAX_BLOB_BYTES)
        throw new Error(`This blob is ${size} bytes; only JSON blobs up to ${MAX_BLOB_BYTES / 1048576} MiB open as text.`);
      const descriptor = { mediaType: 'application/octet-stream', digest: target.digest, size };
      return pretty(await repository.readSmallBlob(descriptor, abort.signal, MAX_BLOB_BYTES));
    } finally {
      subscription.dispose();
    }
  }
}

/** Pretty-printed when it is JSON (keys in their original order); as-is otherwise. */
function pretty(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  try {
    return `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
  } catch {
    return text;
  }
}
