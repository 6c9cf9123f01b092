/**
 * Where file dialogs start: the first workspace folder on this machine's disk, else the user's home
 * folder. Without a folder to start in, VS Code's save dialog suggests no file name at all, and a
 * bare `Uri.file(name)` points at the root of the file system.
 */
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { safeFileName } from './file-name';

/** The folder dialogs start in. */
export function startFolder(): vscode.Uri {
  const local = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  return local?.uri ?? vscode.Uri.file(homedir());
}

/**
 * `name` in the folder dialogs start in: the save dialog's suggestion. Names often come from a
 * registry (a reference, a file in a layer), so every character a file name cannot hold is replaced.
 */
export function suggestedFile(name: string): vscode.Uri {
  return vscode.Uri.joinPath(startFolder(), safeFileName(name));
}
