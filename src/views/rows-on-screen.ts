/**
 * Which tree rows VS Code actually draws. `getTreeItem` is no signal: VS Code calls it for every
 * child as soon as a node's children are listed (1,000 times for a page of 1,000 tags), while the
 * list draws only the ~30 rows that fit on screen. What VS Code does ask for drawn rows only is
 * their file decoration: a row with a `resourceUri` has its decoration looked up when it is
 * rendered (and again for rows scrolled into view), never before. So a row that wants details
 * (a tag's digest) carries a URI of this scheme, and its details are fetched when that URI is
 * asked for; the decoration itself is empty, so nothing changes in how the row looks.
 */
import * as vscode from 'vscode';

export const ROW_SCHEME = 'oci-row';

export class RowsOnScreen implements vscode.FileDecorationProvider {
  private readonly waiting = new Map<string, () => void>();
  /** Each URI is new: VS Code caches decorations by URI, and a refreshed row must be asked about again. */
  private serial = 0;

  /** A URI for a row; `onShown` runs the first time VS Code draws a row with it. */
  watch(id: string, onShown: () => void): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: ROW_SCHEME, path: `/${++this.serial}/${encodeURIComponent(id)}` });
    this.waiting.set(uri.toString(), onShown);
    return uri;
  }

  /** The row is gone (its listing was refreshed): nothing waits for it any more. */
  forget(uri: vscode.Uri): void {
    this.waiting.delete(uri.toString());
  }

  /** Rows waiting to be drawn (for tests and the log). */
  get waitingCount(): number {
    return this.waiting.size;
  }

  provideFileDecoration(uri: vscode.Uri): undefined {
    if (uri.scheme !== ROW_SCHEME) return undefined;
    const key = uri.toString();
    const onShown = this.waiting.get(key);
    if (onShown) {
      this.waiting.delete(key);
      onShown();
    }
    return undefined;
  }
}
