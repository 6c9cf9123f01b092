/**
 * The `.env` file beside a Compose file, for the editor features: Docker Compose fills a Compose
 * file's `${VAR}` in from the `.env` of the project's folder (the folder of the Compose file), so
 * `image: ghcr.io/acme/app:${TAG}` is read with the tag written there. Read once per folder through
 * VS Code's file system, within bounds, and again when a `.env` is created, saved or deleted; one
 * open in an editor is read as it is there, unsaved edits included, and followed as it is edited.
 */
import * as vscode from 'vscode';
import { readDotenv } from '../references/index';
import { followDocuments, onFileEvent, workspaceText } from './workspace-files';

/** A `.env` is a few lines; one larger than this is not read. */
const MAX_ENV_BYTES = 1024 * 1024;

/** No `.env` (or none readable): one object, so a reader comparing by identity sees no change. */
const NONE: ReadonlyMap<string, string> = new Map();

type Known = { values: ReadonlyMap<string, string> } | { reading: true };

export class ComposeEnvFiles implements vscode.Disposable {
  private readonly byFolder = new Map<string, Known>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly watcher = vscode.workspace.createFileSystemWatcher('**/.env');
  private readonly edits: vscode.Disposable;
  /** Fires when a `.env` asked for has been read (or found missing), or one that was read changed. */
  readonly onDidChange = this.changed.event;

  constructor() {
    const forget = (file: vscode.Uri): void => {
      if (this.byFolder.delete(folderOf(file))) this.changed.fire();
    };
    onFileEvent(this.watcher, forget);
    this.edits = followDocuments(
      (document) => this.edited(document),
      (document) => {
        if (isEnvFile(document.uri)) forget(document.uri);
      },
    );
  }

  /**
   * What the `.env` beside a Compose file sets; empty when there is none, `undefined` while it is
   * read ({@link onDidChange} fires once it has been). The same object until the file changes.
   */
  envOf(composeFile: vscode.Uri): ReadonlyMap<string, string> | undefined {
    if (composeFile.scheme === 'untitled') return NONE;
    const key = folderOf(composeFile);
    const known = this.byFolder.get(key);
    if (known) return 'values' in known ? known.values : undefined;
    const entry: Known = { reading: true };
    this.byFolder.set(key, entry);
    void (async () => {
      const text = await workspaceText(vscode.Uri.joinPath(composeFile, '..', '.env'), MAX_ENV_BYTES);
      // Changed while it was read: forgotten, and the next ask reads it again.
      if (this.byFolder.get(key) !== entry) return;
      this.byFolder.set(key, { values: text === undefined ? NONE : readDotenv(text) });
      this.changed.fire();
    })();
    return undefined;
  }

  /** A `.env` opened or edited in an editor: followed, when its folder's has been read. */
  private edited(document: vscode.TextDocument): void {
    if (!isEnvFile(document.uri)) return;
    const key = folderOf(document.uri);
    const known = this.byFolder.get(key);
    if (!known || !('values' in known) || document.getText().length > MAX_ENV_BYTES) return;
    const values = readDotenv(document.getText());
    if (JSON.stringify([...values]) === JSON.stringify([...known.values])) return;
    this.byFolder.set(key, { values });
    this.changed.fire();
  }

  dispose(): void {
    this.edits.dispose();
    this.watcher.dispose();
    this.changed.dispose();
  }
}

function isEnvFile(file: vscode.Uri): boolean {
  return file.path.endsWith('/.env');
}

function folderOf(file: vscode.Uri): string {
  return vscode.Uri.joinPath(file, '..').toString();
}
