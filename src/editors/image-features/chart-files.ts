/**
 * The Chart.yaml of a Helm values file, for the editor features: its appVersion is the tag of an
 * image whose values leave it empty, with the `v` the chart's templates put before it when they do
 * (its `templates/` folder is read with the Chart.yaml). The chart is the values file's folder, or
 * the folder above a `ci/` folder (where chart-testing keeps its values files). Read once per folder
 * through VS Code's file system (local, remote and virtual alike), and again when a Chart.yaml or a
 * file of its `templates/` is created, saved or deleted in the workspace.
 */
import * as vscode from 'vscode';
import { appVersionTagPrefix, appVersionTagPrefixImages, type ChartFacts, readChartFacts } from '../references/index';
import { onFileEvent } from './workspace-files';

/** A Chart.yaml is a few hundred bytes; anything past this is no chart to read on a keystroke. */
const MAX_CHART_BYTES = 256 * 1024;

type Known = { facts: ChartFacts | undefined } | { reading: true };

export class ChartFiles implements vscode.Disposable {
  private readonly byFile = new Map<string, Known>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly watcher = vscode.workspace.createFileSystemWatcher('**/Chart.yaml');
  /** A template's `v` before the appVersion (see appVersionTagPrefix) is read with the Chart.yaml beside its folder. */
  private readonly templatesWatcher = vscode.workspace.createFileSystemWatcher('**/templates/*.{yaml,yml,tpl}');
  /** Fires when a Chart.yaml asked for has been read (or found missing), or one that was read changed. */
  readonly onDidChange = this.changed.event;

  constructor() {
    const forget = (uri: vscode.Uri): void => {
      if (this.byFile.delete(uri.toString())) this.changed.fire();
    };
    onFileEvent(this.watcher, forget);
    onFileEvent(this.templatesWatcher, (template) => forget(vscode.Uri.joinPath(template, '..', '..', 'Chart.yaml')));
  }

  /**
   * The chart of a values file: its facts, `undefined` when it has none (or it is being read:
   * {@link onDidChange} fires once it has been).
   */
  chartOf(values: vscode.Uri): ChartFacts | undefined {
    if (values.scheme === 'untitled') return undefined;
    for (const file of candidates(values)) {
      const known = this.read(file);
      if (!('facts' in known)) return undefined;
      if (known.facts) return known.facts;
    }
    return undefined;
  }

  private read(file: vscode.Uri): Known {
    const key = file.toString();
    const known = this.byFile.get(key);
    if (known) return known;
    const entry: Known = { reading: true };
    this.byFile.set(key, entry);
    void (async () => {
      let facts: ChartFacts | undefined;
      try {
        const stat = await vscode.workspace.fs.stat(file);
        if (stat.type & vscode.FileType.File && stat.size <= MAX_CHART_BYTES)
          facts = readChartFacts(new TextDecoder().decode(await vscode.workspace.fs.readFile(file)));
        if (facts?.appVersion) {
          const templates = await templatesOf(vscode.Uri.joinPath(file, '..', 'templates'));
          const tagPrefix = appVersionTagPrefix(templates);
          const tagPrefixImages = tagPrefix ? appVersionTagPrefixImages(templates) : undefined;
          if (tagPrefix) facts = { ...facts, tagPrefix, ...(tagPrefixImages ? { tagPrefixImages } : {}) };
        }
      } catch {
        // No Chart.yaml here (or none readable): no chart.
      }
      // Changed while it was read: forgotten, and the next ask reads it again.
      if (this.byFile.get(key) !== entry) return;
      this.byFile.set(key, { facts });
      // Fired whether or not a chart was found: the next place to look is asked only now.
      this.changed.fire();
    })();
    return entry;
  }

  dispose(): void {
    this.watcher.dispose();
    this.templatesWatcher.dispose();
    this.changed.dispose();
  }
}

/** A chart's templates are a few dozen small files; past these, the rest are not read. */
const MAX_TEMPLATES = 100;
const MAX_TEMPLATE_BYTES = 2 * 1024 * 1024;

/** The texts of a chart's templates (its `templates/` folder's YAML and helper files), within bounds. */
async function templatesOf(folder: vscode.Uri): Promise<string[]> {
  const entries = await vscode.workspace.fs.readDirectory(folder).then(
    (found) => found,
    () => [] as [string, vscode.FileType][],
  );
  const texts: string[] = [];
  let bytes = 0;
  for (const [name, type] of entries.slice(0, MAX_TEMPLATES)) {
    if (!(type & vscode.FileType.File) || !/\.(ya?ml|tpl)$/.test(name)) continue;
    const data = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, name)).then(
      (read) => read,
      () => undefined,
    );
    if (!data || (bytes += data.byteLength) > MAX_TEMPLATE_BYTES) break;
    texts.push(new TextDecoder().decode(data));
  }
  return texts;
}

/** Where a values file's Chart.yaml may be, nearest first. */
function candidates(values: vscode.Uri): vscode.Uri[] {
  const folder = vscode.Uri.joinPath(values, '..');
  const files = [vscode.Uri.joinPath(folder, 'Chart.yaml')];
  if (folder.path.endsWith('/ci')) files.push(vscode.Uri.joinPath(folder, '..', 'Chart.yaml'));
  return files;
}
