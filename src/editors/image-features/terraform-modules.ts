/**
 * The other files of a Terraform or OpenTofu module, and the modules it calls from folders, for
 * the editor features: a module is a folder, and the image a resource takes from `var.image` is
 * written in another file of it (the variable's default in `variables.tf`, its value in
 * `terraform.tfvars`), or in the module that calls it (`module "app" { source = "./modules/app",
 * image = "…" }`). A `.tfvars` file belongs to the module of its folder, or of the folder above
 * when its own holds no `.tf` file (values kept apart in `environments/prod.tfvars`). A module
 * called from a registry, Git or a URL is read where `terraform init` installed it, as the
 * manifest it wrote in the configuration's root says (`.terraform/modules/modules.json`, looked
 * for in the module's folder and the folders above it). Each folder is read once, through VS
 * Code's file system, within bounds, and again when one of its `.tf` or `.tofu` files is created,
 * saved or deleted (a manifest, when it is written again); a file open in an editor is read as it
 * is there, unsaved edits included, and followed as it is edited.
 */
import * as vscode from 'vscode';
import type { FileKindGuess } from '../references/file-kinds';
import {
  calledKey,
  installedCallFolder,
  installedKeyOf,
  type InstalledModules,
  isLocalModuleSource,
  readInstalledModules,
  readTerraformModuleFacts,
  relativeFolder,
  readTerraformVarsValues,
  type TerraformImageUse,
  terraformImageVariables,
  type TerraformModuleContext,
  type TerraformModuleFacts,
} from '../references/index';
import { followDocuments, onFileEvent, workspaceText } from './workspace-files';

/** A module has a handful of files; a folder of generated ones is not read past these. */
const MAX_FILES = 200;
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_MODULE_BYTES = 8 * 1024 * 1024;
/** Modules calling modules nest a few deep; a deeper (or circular) chain is not followed. */
const MAX_CALL_DEPTH = 4;
/** How many folders above a module its configuration's root (where init ran) is looked for. */
const MAX_ROOT_DISTANCE = 8;
/** Where init writes its manifest of installed modules, from the configuration's root. */
const MANIFEST = '.terraform/modules/modules.json';

/** Nothing known yet (or no module): one object, so a reader comparing by identity sees no change. */
const NONE: TerraformModuleContext = {};

type Folder =
  | { reading: true }
  | {
      byFile: ReadonlyMap<string, TerraformModuleFacts>;
      /** The values of terraform.tfvars and the *.auto.tfvars, by file, in the order Terraform loads them. */
      valuesByFile: ReadonlyMap<string, ReadonlyMap<string, string>>;
    };

/** Where a module sits in a configuration init has installed: the root's folder, and the module's key there (`''` for the root, `app.db`). */
interface Place {
  root: vscode.Uri;
  key: string;
}

export class TerraformModules implements vscode.Disposable {
  private readonly folders = new Map<string, Folder>();
  /** Each folder's manifest of installed modules, by the folder (`null`: it has none). */
  private readonly manifests = new Map<string, InstalledModules | null | 'reading'>();
  /** Worked out from what is read, and forgotten whenever anything read changes. */
  private readonly contexts = new Map<string, TerraformModuleContext>();
  private readonly variables = new Map<string, ReadonlyMap<string, TerraformImageUse>>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly watcher = vscode.workspace.createFileSystemWatcher('**/*.{tf,tofu,tfvars}');
  private readonly manifestWatcher = vscode.workspace.createFileSystemWatcher(`**/${MANIFEST}`);
  /** Fires when a module asked for has been read, or one that was read changed. */
  readonly onDidChange = this.changed.event;

  private readonly edits: vscode.Disposable;

  constructor() {
    const forget = (file: vscode.Uri): void => {
      if (!this.folders.delete(vscode.Uri.joinPath(file, '..').toString())) return;
      this.worked();
    };
    onFileEvent(this.watcher, forget);
    const reinstalled = (manifest: vscode.Uri): void => {
      if (!this.manifests.delete(vscode.Uri.joinPath(manifest, '../../..').toString())) return;
      this.worked();
    };
    onFileEvent(this.manifestWatcher, reinstalled);
    this.edits = followDocuments(
      (document) => this.edited(document),
      (document) => {
        if (isModuleFile(document.uri) || isAutoLoadedValues(document.uri)) forget(document.uri);
      },
    );
  }

  /** A module file (or values Terraform loads by itself) opened or edited in an editor: followed, when its folder has been read. */
  private edited(document: vscode.TextDocument): void {
    const key = vscode.Uri.joinPath(document.uri, '..').toString();
    const folder = this.folders.get(key);
    if (!folder || !('byFile' in folder) || document.getText().length > MAX_FILE_BYTES) return;
    const name = document.uri.path.slice(document.uri.path.lastIndexOf('/') + 1);
    if (isAutoLoadedValues(document.uri)) {
      const values = readTerraformVarsValues(document.getText());
      if (JSON.stringify([...values]) === JSON.stringify([...(folder.valuesByFile.get(name) ?? [])])) return;
      this.folders.set(key, { ...folder, valuesByFile: inLoadOrder(new Map([...folder.valuesByFile, [name, values]])) });
    } else if (isModuleFile(document.uri)) {
      const facts = readTerraformModuleFacts(document.getText());
      if (JSON.stringify(facts) === JSON.stringify(folder.byFile.get(name))) return;
      this.folders.set(key, { ...folder, byFile: new Map([...folder.byFile, [name, facts]]) });
    } else return;
    this.worked();
  }

  /**
   * What a `.tf` file (its own text is read by the finder) or a `.tfvars` file is read with; the
   * same object until something read changes. Empty while the module is read ({@link onDidChange}
   * fires once it has been); a module it calls that is still being read is left out until then.
   */
  contextOf(file: vscode.Uri, kind: FileKindGuess): TerraformModuleContext {
    if (file.scheme === 'untitled') return NONE;
    let folder = vscode.Uri.joinPath(file, '..');
    let module = this.read(folder);
    // Values kept apart from the module they are for: the module is the folder above.
    if (kind === 'terraform-vars' && 'byFile' in module && module.byFile.size === 0) {
      folder = vscode.Uri.joinPath(folder, '..');
      module = this.read(folder);
    }
    if (!('byFile' in module)) return NONE;
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    const key = `${folder.toString()}\n${name}`;
    let context = this.contexts.get(key);
    if (!context) {
      const others = [...module.byFile].filter(([other]) => other !== name).map(([, facts]) => facts);
      const place = this.placeOf(folder);
      const called = this.calledBy(folder, [...module.byFile.values()], 0, new Set([folder.toString()]), place);
      const assigned = new Map([...module.valuesByFile.values()].flatMap((values) => [...values]));
      context = { others, called, assigned };
      this.contexts.set(key, context);
    }
    return context;
  }

  /**
   * For each module call of the files (by the call's name), which of the called module's input
   * variables name an image, for the modules known yet: from a folder, by its `source`; from
   * anywhere else, where init installed it, when `place` says where this module is in an installed
   * configuration.
   */
  private calledBy(
    folder: vscode.Uri,
    files: readonly TerraformModuleFacts[],
    depth: number,
    visiting: ReadonlySet<string>,
    place: Place | undefined,
  ): Map<string, ReadonlyMap<string, TerraformImageUse>> {
    const called = new Map<string, ReadonlyMap<string, TerraformImageUse>>();
    if (depth >= MAX_CALL_DEPTH) return called;
    for (const [call, source] of files.flatMap((f) => f.modules)) {
      const child = this.calledFolder(folder, call, source, place);
      if (!child || visiting.has(child.toString())) continue;
      const childPlace = place && { root: place.root, key: calledKey(place.key, call) };
      const variables = this.imageVariablesOf(child, depth + 1, new Set([...visiting, child.toString()]), childPlace);
      if (variables) called.set(call, variables);
    }
    return called;
  }

  /** The folder of the module a call calls: its `source` when that is a folder, else where init installed it. */
  private calledFolder(folder: vscode.Uri, call: string, source: string, place: Place | undefined): vscode.Uri | undefined {
    if (isLocalModuleSource(source)) return vscode.Uri.joinPath(folder, source);
    const manifest = place && this.manifests.get(place.root.toString());
    const installed = manifest && manifest !== 'reading' ? installedCallFolder(manifest, place.key, call) : undefined;
    return installed === undefined ? undefined : vscode.Uri.joinPath(place!.root, installed);
  }

  /** Which input variables of the module in `folder` name an image; `undefined` while it is read. */
  private imageVariablesOf(
    folder: vscode.Uri,
    depth: number,
    visiting: ReadonlySet<string>,
    place: Place | undefined,
  ): ReadonlyMap<string, TerraformImageUse> | undefined {
    // The same folder may be installed in two configurations, whose calls resolve apart.
    const key = `${folder.toString()}\n${place ? `${place.root.toString()}\n${place.key}` : ''}`;
    const known = this.variables.get(key);
    if (known) return known;
    const module = this.read(folder);
    if (!('byFile' in module)) return undefined;
    const files = [...module.byFile.values()];
    const variables = terraformImageVariables(files, this.calledBy(folder, files, depth, visiting, place));
    this.variables.set(key, variables);
    return variables;
  }

  /**
   * Where the module in `folder` sits in a configuration init has installed: the nearest folder at
   * or above it whose manifest lists it. `undefined` while a manifest is read or none lists it.
   */
  private placeOf(folder: vscode.Uri): Place | undefined {
    const top = vscode.workspace.getWorkspaceFolder(folder)?.uri.path;
    const roots = [folder];
    for (let root = folder; roots.length <= MAX_ROOT_DISTANCE && root.path !== top;) {
      const parent = vscode.Uri.joinPath(root, '..');
      if (parent.path === root.path) break;
      roots.push((root = parent));
    }
    // All asked for at once, so that the answer comes after one wait, not one per folder.
    const manifests = roots.map((root) => this.manifest(root));
    for (const [index, manifest] of manifests.entries()) {
      if (manifest === 'reading') return undefined;
      const relative = manifest ? relativeFolder(roots[index]!.path, folder.path) : undefined;
      const key = manifest && relative !== undefined ? installedKeyOf(manifest, relative) : undefined;
      if (key !== undefined) return { root: roots[index]!, key };
    }
    return undefined;
  }

  /** The manifest of installed modules in `folder`'s `.terraform`; read once, `'reading'` until then. */
  private manifest(folder: vscode.Uri): InstalledModules | null | 'reading' {
    const key = folder.toString();
    const known = this.manifests.get(key);
    if (known !== undefined) return known;
    this.manifests.set(key, 'reading');
    void (async () => {
      const text = await workspaceText(vscode.Uri.joinPath(folder, MANIFEST), MAX_FILE_BYTES);
      if (this.manifests.get(key) !== 'reading') return;
      this.manifests.set(key, text === undefined ? null : readInstalledModules(text));
      // A folder without one changes nothing, unless it was the last a module's place waited for.
      if (text !== undefined || ![...this.manifests.values()].includes('reading')) this.worked();
    })();
    return 'reading';
  }

  private read(folder: vscode.Uri): Folder {
    const key = folder.toString();
    const known = this.folders.get(key);
    if (known) return known;
    const entry: Folder = { reading: true };
    this.folders.set(key, entry);
    void (async () => {
      const byFile = new Map<string, TerraformModuleFacts>();
      const valuesByFile = new Map<string, ReadonlyMap<string, string>>();
      const entries = await Promise.resolve(vscode.workspace.fs.readDirectory(folder)).catch(() => [] as [string, vscode.FileType][]);
      const files = entries.filter(([, type]) => type & vscode.FileType.File).map(([name]) => vscode.Uri.joinPath(folder, name));
      let bytes = 0;
      for (const file of files.filter((f) => isModuleFile(f) || isAutoLoadedValues(f)).slice(0, MAX_FILES)) {
        const text = await workspaceText(file, MAX_FILE_BYTES);
        if (text === undefined) continue;
        if ((bytes += text.length) > MAX_MODULE_BYTES) break;
        const name = file.path.slice(file.path.lastIndexOf('/') + 1);
        if (isModuleFile(file)) byFile.set(name, readTerraformModuleFacts(text));
        else valuesByFile.set(name, readTerraformVarsValues(text));
      }
      // Changed while it was read: forgotten, and the next ask reads it again.
      if (this.folders.get(key) !== entry) return;
      this.folders.set(key, { byFile, valuesByFile: inLoadOrder(valuesByFile) });
      this.worked();
    })();
    return entry;
  }

  /** Something read changed: what was worked out from it is worked out again when next asked. */
  private worked(): void {
    this.contexts.clear();
    this.variables.clear();
    this.changed.fire();
  }

  dispose(): void {
    this.edits.dispose();
    this.watcher.dispose();
    this.manifestWatcher.dispose();
    this.changed.dispose();
  }
}

/** A file of a module's: `.tf` or `.tofu` (a `.tfvars` file gives values, and is read with its module). */
function isModuleFile(file: vscode.Uri): boolean {
  return /\.(tf|tofu)$/.test(file.path);
}

/** The values Terraform loads without being told: `terraform.tfvars` and `*.auto.tfvars`. */
function isAutoLoadedValues(file: vscode.Uri): boolean {
  return /\/(terraform|[^/]+\.auto)\.tfvars$/.test(file.path);
}

/** Values by file in the order Terraform loads them: terraform.tfvars, then the *.auto.tfvars by name (each over the ones before). */
function inLoadOrder<T>(byFile: ReadonlyMap<string, T>): Map<string, T> {
  const order = (name: string): string => (name === 'terraform.tfvars' ? '' : name);
  return new Map([...byFile].sort(([a], [b]) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0)));
}
