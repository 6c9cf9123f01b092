/**
 * A workspace file's text for the editor features that read one file beside another (a module's
 * other files, a Compose project's `.env`): as an editor has it when it is open (unsaved edits
 * included), else as saved, through VS Code's file system (local, remote and virtual alike).
 */
import * as vscode from 'vscode';

/** The text, or `undefined` when the file is missing, unreadable or larger than `maxBytes`. */
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
