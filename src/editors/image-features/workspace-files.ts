/**
 * What the editor features that read one file beside another (a module's other files, a
 * Compose project's `.env`, a values file's Chart.yaml) need of the workspace: a file's text as an
 * editor has it or as saved, and the events that say it changed, on disk or in an editor.
 */
import * as vscode from 'vscode';

/**
 * A file's text as an editor has it when it is open (unsaved edits included), else as saved,
 * through VS Code's file system (local, remote and virtual alike); `undefined` when the file is
 * missing, unreadable or larger than `maxBytes`.
 */
export async function workspaceText(file: vscode.Uri, maxBytes: number): Promise<string | undefined> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === file.toString());
  const text =
    open?.getText() ??
    (await Promise.resolve(vscode.workspace.fs.readFile(file)).then(
      (data) => (data.byteLength > maxBytes ? undefined : new TextDecoder().decode(data)),
      () => undefined,
    ));
  return text !== undefined && text.length <= maxBytes ? text : undefined;
}

/** Calls `listener` for each file `watcher` sees created, changed or deleted. */
export function onFileEvent(watcher: vscode.FileSystemWatcher, listener: (file: vscode.Uri) => void): void {
  watcher.onDidCreate(listener);
  watcher.onDidChange(listener);
  watcher.onDidDelete(listener);
}

/**
 * Follows the documents open in editors: `edited` for each one opened (read as it is, so a file
 * created since its folder was read counts even when no watcher told) or edited, and
 * `closedUnsaved` for one closed with its edits unsaved, since the file on disk then says otherwise.
 */
export function followDocuments(
  edited: (document: vscode.TextDocument) => void,
  closedUnsaved: (document: vscode.TextDocument) => void,
): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.workspace.onDidChangeTextDocument(({ document }) => edited(document)),
    vscode.workspace.onDidOpenTextDocument(edited),
    vscode.workspace.onDidCloseTextDocument((document) => {
      if (document.isDirty) closedUnsaved(document);
    }),
  );
}
