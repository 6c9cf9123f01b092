/**
 * The Flux HelmRepositories (`type: oci`) declared in the workspace's YAML files, for the editor
 * features: a HelmRelease names its repository by name, and Flux repositories usually keep the
 * repository in a file of its own (`repository.yaml` beside `release.yaml`, or a `sources/`
 * folder). Read only once a file with a HelmRelease is shown, through VS Code's file system, within
 * bounds; then each YAML file again as it is created, saved or deleted.
 */
import * as vscode from 'vscode';
import { type FluxHelmRepository, readFluxHelmRepositories } from '../references/index';
import { parseYaml } from '../references/yaml-nodes';

const YAML_FILES = '**/*.{yaml,yml}';
/** Folders that hold no one's Flux sources, and would cost the most to read. */
const NOT_READ = '**/{node_modules,.git,vendor,dist,out,.terraform}/**';
/** A GitOps repository has hundreds of YAML files; past this many, the rest are not read. */
const MAX_FILES = 5_000;
/** A HelmRepository is a dozen lines; a larger file is generated (a CRD bundle, a dump). */
const MAX_FILE_BYTES = 1024 * 1024;
const FILES_AT_ONCE = 16;

export class FluxRepositories implements vscode.Disposable {
  private readonly byFile = new Map<string, FluxHelmRepository[]>();
  private state: 'unread' | 'reading' | 'read' = 'unread';
  /** Replaced (never changed) when what is known changes, so a reader can tell by identity. */
  private known: readonly FluxHelmRepository[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  private watcher: vscode.FileSystemWatcher | undefined;
  /** Fires when what is known changes: once the workspace has been read, and as its files change. */
  readonly onDidChange = this.changed.event;

  /** What is known now; the first call starts reading the workspace ({@link onDidChange} fires when done). */
  repositories(): readonly FluxHelmRepository[] {
    if (this.state === 'unread') void this.readWorkspace();
    return this.known;
  }

  /** What is known now, without starting to read. */
  current(): readonly FluxHelmRepository[] {
    return this.known;
  }

  private async readWorkspace(): Promise<void> {
    this.state = 'reading';
    // Watched from the start, so a file saved while the others are read is read again afterwards.
    this.watcher = vscode.workspace.createFileSystemWatcher(YAML_FILES);
    const again = (uri: vscode.Uri): void => void this.readFile(uri).then(() => this.publish());
    this.watcher.onDidCreate(again);
    this.watcher.onDidChange(again);
    this.watcher.onDidDelete((uri) => {
      if (this.byFile.delete(uri.toString())) this.publish();
    });
    const files = await Promise.resolve(vscode.workspace.findFiles(YAML_FILES, NOT_READ, MAX_FILES)).catch(() => []);
    for (let i = 0; i < files.length; i += FILES_AT_ONCE) await Promise.all(files.slice(i, i + FILES_AT_ONCE).map((f) => this.readFile(f)));
    this.state = 'read';
    this.publish();
  }

  private async readFile(file: vscode.Uri): Promise<void> {
    let found: FluxHelmRepository[] = [];
    try {
      const stat = await vscode.workspace.fs.stat(file);
      if (stat.type & vscode.FileType.File && stat.size <= MAX_FILE_BYTES) {
        const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
        // Parsed only when it can hold one: most YAML files of a workspace cannot.
        if (text.includes('HelmRepository') && text.includes('oci://')) found = readFluxHelmRepositories(parseYaml(text));
      }
    } catch {
      // Gone or unreadable: it declares nothing.
    }
    if (found.length > 0) this.byFile.set(file.toString(), found);
    else this.byFile.delete(file.toString());
  }

  private publish(): void {
    if (this.state !== 'read') return;
    const next = [...this.byFile.values()].flat();
    if (JSON.stringify(next) === JSON.stringify(this.known)) return;
    this.known = next;
    this.changed.fire();
  }

  dispose(): void {
    this.watcher?.dispose();
    this.changed.dispose();
  }
}
