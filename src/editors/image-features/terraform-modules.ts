/**
 * The other files of a Terraform or OpenTofu module, for the editor features: a module is a
 * folder, and the image a resource takes from `var.image` is written in another file of it (the
 * variable's default in `variables.tf`, its value in `terraform.tfvars`). A `.tfvars` file belongs
 * to the module of its folder, or of the folder above when its own holds no `.tf` file (values kept
 * apart in `environments/prod.tfvars`). Each folder is read once, through VS Code's file system,
 * within bounds, and again when one of its `.tf` or `.tofu` files is created, saved or deleted.
 */
import * as vscode from 'vscode';
import type { FileKindGuess } from '../references/file-kinds';
import { readTerraformModuleFacts, type TerraformModuleFacts } from '../references/index';

/** A module has a handful of files; a folder of generated ones is not read past these. */
const MAX_FILES = 200;
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_MODULE_BYTES = 8 * 1024 * 1024;

/** Nothing known yet (or no module): one array, so a reader comparing by identity sees no change. */
const NONE: readonly TerraformModuleFacts[] = [];

type Module =
  { reading: true } | { byFile: ReadonlyMap<string, TerraformModuleFacts>; without: Map<string, readonly TerraformModuleFacts[]> };

export class TerraformModules implements vscode.Disposable {
  private readonly byFolder = new Map<string, Module>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly watcher = vscode.workspace.createFileSystemWatcher('**/*.{tf,tofu}');
  /** Fires when a module asked for has been read, or one that was read changed. */
  readonly onDidChange = this.changed.event;

  constructor() {
    const forget = (file: vscode.Uri): void => {
      if (this.byFolder.delete(vscode.Uri.joinPath(file, '..').toString())) this.changed.fire();
    };
    this.watcher.onDidCreate(forget);
    this.watcher.onDidChange(forget);
    this.watcher.onDidDelete(forget);
  }

  /**
   * What the module's other files say, for a `.tf` file (its own text is read by the finder) or a
   * `.tfvars` file; the same array until the module changes. Empty while the module is read
   * ({@link onDidChange} fires once it has been).
   */
  othersOf(file: vscode.Uri, kind: FileKindGuess): readonly TerraformModuleFacts[] {
    if (file.scheme === 'untitled') return NONE;
    const folder = vscode.Uri.joinPath(file, '..');
    const own = this.read(folder);
    if (!('byFile' in own)) return NONE;
    // Values kept apart from the module they are for: the module is the folder above.
    const module = kind === 'terraform-vars' && own.byFile.size === 0 ? this.read(vscode.Uri.joinPath(folder, '..')) : own;
    if (!('byFile' in module)) return NONE;
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    let others = module.without.get(name);
    if (!others) {
      others = [...module.byFile].filter(([other]) => other !== name).map(([, facts]) => facts);
      module.without.set(name, others);
    }
    return others;
  }

  private read(folder: vscode.Uri): Module {
    const key = folder.toString();
    const known = this.byFolder.get(key);
    if (known) return known;
    const entry: Module = { reading: true };
    this.byFolder.set(key, entry);
    void (async () => {
      const byFile = new Map<string, TerraformModuleFacts>();
      const entries = await Promise.resolve(vscode.workspace.fs.readDirectory(folder)).catch(() => [] as [string, vscode.FileType][]);
      let bytes = 0;
      for (const [name, type] of entries.filter(([n]) => /\.(tf|tofu)$/.test(n)).slice(0, MAX_FILES)) {
        if (!(type & vscode.FileType.File)) continue;
        const data = await Promise.resolve(vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, name))).catch(() => undefined);
        if (!data || data.byteLength > MAX_FILE_BYTES) continue;
        if ((bytes += data.byteLength) > MAX_MODULE_BYTES) break;
        byFile.set(name, readTerraformModuleFacts(new TextDecoder().decode(data)));
      }
      // Changed while it was read: forgotten, and the next ask reads it again.
      if (this.byFolder.get(key) !== entry) return;
      this.byFolder.set(key, { byFile, without: new Map() });
      this.changed.fire();
    })();
    return entry;
  }

  dispose(): void {
    this.watcher.dispose();
    this.changed.dispose();
  }
}
