/**
 * Compare With…: two tags or manifests side by side. VS Code's diff editor shows the two manifests
 * and the two image configs as normalised JSON (sorted keys, fixed indent, so key order and
 * whitespace never show as changes); for indexes, the indexes and then one platform chosen from
 * those both have. A read-only summary says in words what changed: layers, size, settings, history.
 * From a row (the other side typed), from two selected rows, or from scripts with
 * `{ reference, with, platform? }`.
 */
import * as vscode from 'vscode';
import { core } from '../common/core-loader';
import type { Descriptor, ImageComparison, ParsedManifest } from '../core/index';
import { errorText } from '../common/error-text';
import { showWarning } from '../common/notify';
import { withErrors } from '../common/progress';
import { isManifestHandle } from '../views/nodes/content-nodes';
import type { CommandContext } from './command-context';
import { chooseSubject, validate, type Subject } from './subjects';

export const COMPARE_SCHEME = 'oci-compare';

/** What scripts and tests pass instead of choosing. */
interface CompareRequest {
  reference: string;
  with: string;
  /** For indexes: the platform to compare (`linux/amd64`). */
  platform?: string;
  /** False: skip reading the layers' file listings. */
  files?: boolean;
}

/** What the command returns (for scripts and tests). */
export interface CompareOutcome {
  comparison: ImageComparison;
  /** The left and right URIs of each diff opened: the indexes (when both are), the manifests, the configs. */
  diffs: { title: string; left: string; right: string }[];
  summaryUri: string;
  platform?: string;
}

/** The documents the diffs and summaries show, by URI, while they are open. */
class CompareDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private count = 0;

  add(name: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: COMPARE_SCHEME, path: `/${++this.count}/${name}` });
    this.texts.set(uri.toString(), text);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? 'This comparison is no longer available: run Compare With… again.';
  }
}

export function registerCompareCommands(ctx: CommandContext): vscode.Disposable[] {
  const documents = new CompareDocuments();
  return [
    vscode.workspace.registerTextDocumentContentProvider(COMPARE_SCHEME, documents),
    vscode.commands.registerCommand('registryExplorer.compareWith', (node?: unknown, selection?: unknown) =>
      compareWith(node, selection, ctx, documents),
    ),
  ];
}

async function compareWith(
  node: unknown,
  selection: unknown,
  ctx: CommandContext,
  documents: CompareDocuments,
): Promise<CompareOutcome | undefined> {
  const preset = isRequest(node) ? node : undefined;
  const picked = Array.isArray(selection) ? selection.filter(isManifestHandle) : [];
  const left = await chooseSubject(preset ? { reference: preset.reference } : node, ctx.registry, 'Compare');
  if (!left) return undefined;
  const other = picked.length === 2 ? picked.find((p) => p !== node) : undefined;
  const right = other
    ? await chooseSubject(other, ctx.registry, 'Compare')
    : await chooseSubject({ reference: preset?.with ?? (await askOther(left)) ?? '' }, ctx.registry, 'Compare');
  if (!right || !right.reference) return undefined;

  const sides = await withErrors('Compare', () =>
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Reading ${left.reference} and ${right.reference}…` },
      () => Promise.all([read(left), read(right)]),
    ),
  );
  if (!sides) return undefined;
  const [a, b] = sides;
  const diffs: CompareOutcome['diffs'] = [];
  const openDiff = async (what: string, leftValue: unknown, rightValue: unknown) => {
    const leftUri = documents.add(`${what} of ${name(left)}.json`, core().normalisedJson(leftValue));
    const rightUri = documents.add(`${what} of ${name(right)}.json`, core().normalisedJson(rightValue));
    const title = `${name(left)} ↔ ${name(right)} (${what})`;
    await vscode.commands.executeCommand('vscode.diff', leftUri, rightUri, title, { preview: false });
    diffs.push({ title, left: leftUri.toString(), right: rightUri.toString() });
  };

  // An index on either side: the indexes themselves, then one platform both have.
  let platform: string | undefined;
  let leftImage = a;
  let rightImage = b;
  if (a.kind === 'index' || b.kind === 'index') {
    if (a.kind === 'index' && b.kind === 'index')
      await openDiff('index', JSON.parse(a.bytes.toString('utf8')), JSON.parse(b.bytes.toString('utf8')));
    platform = preset?.platform ?? (await choosePlatform(a, b));
    if (!platform) return undefined;
    const chosen = platform;
    const images = await withErrors('Compare', () => Promise.all([platformOf(left, a, chosen), platformOf(right, b, chosen)]));
    if (!images) return undefined;
    [leftImage, rightImage] = images;
  }
  const compared = await withErrors('Compare', () =>
    Promise.all([core().readComparedImage(left.repository, leftImage), core().readComparedImage(right.repository, rightImage)]),
  );
  if (!compared) return undefined;
  const [leftCompared, rightCompared] = compared;
  await openDiff(platform ? `${platform} manifest` : 'manifest', leftCompared.manifest, rightCompared.manifest);
  if (leftCompared.config || rightCompared.config)
    await openDiff(platform ? `${platform} config` : 'config', leftCompared.config ?? {}, rightCompared.config ?? {});

  const comparison = core().compareImages(leftCompared, rightCompared);
  const leftName = `${left.reference}${platform ? ` (${platform})` : ''}`;
  const rightName = `${right.reference}${platform ? ` (${platform})` : ''}`;
  const files =
    preset?.files === false ? undefined : await compareFiles(left, right, leftCompared.manifest.layers, rightCompared.manifest.layers);
  const summaryText = core().describeComparison(comparison, leftName, rightName) + (files ? `\n${files}` : '');
  const summaryUri = documents.add(`${name(left)} ↔ ${name(right)} summary.txt`, summaryText);
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(summaryUri), { preview: false });
  ctx.log.info(
    `Compared ${leftName} with ${rightName}: ${comparison.identical ? 'identical' : `${comparison.config.length} settings, ${comparison.layers.added.length} layers added, ${comparison.layers.removed.length} removed`}.`,
  );
  return { comparison, diffs, summaryUri: summaryUri.toString(), ...(platform ? { platform } : {}) };
}

/**
 * The files added, removed and changed, read from every distinct layer with progress and Cancel;
 * a cancel or a failure becomes a line in the summary instead.
 */
async function compareFiles(left: Subject, right: Subject, before: readonly Descriptor[], after: readonly Descriptor[]): Promise<string> {
  if (before.length === after.length && before.every((l, i) => after[i]!.digest === l.digest))
    return 'Files: the same layers, so the same files.\n';
  try {
    const systems = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Comparing the files in the layers', cancellable: true },
      (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return core().readFileSystems(
          { before: left.repository, after: right.repository },
          { before, after },
          {
            signal: abort.signal,
            onLayer: (done, total) => progress.report({ message: `layer ${done + 1} of ${total}`, increment: 100 / total }),
          },
        );
      },
    );
    return core().describeFileComparison(core().compareFileSystems(systems.before, systems.after));
  } catch (err) {
    const code = (err as { code?: string }).code;
    return `Files: not compared (${code === 'CANCELLED' ? 'cancelled' : errorText(err)}).\n`;
  }
}

function isRequest(node: unknown): node is CompareRequest {
  return !!node && typeof (node as CompareRequest).reference === 'string' && typeof (node as CompareRequest).with === 'string';
}

/** A short name for tab titles: `app:1.0` or `app@1a2b3c4d5e6f`. */
function name(subject: Subject): string {
  const last = subject.repositoryName.split('/').pop()!;
  const at = subject.reference.lastIndexOf('@');
  return subject.tag ? `${last}:${subject.tag}` : `${last}@${core().shortDigest(subject.reference.slice(at + 1))}`;
}

async function askOther(left: Subject): Promise<string | undefined> {
  const prefix = `${left.host}/${left.repositoryName}:`;
  const typed = await vscode.window.showInputBox({
    title: `Compare ${left.reference} With`,
    prompt: 'The other image: registry/repository:tag or registry/repository@sha256:…',
    value: prefix,
    valueSelection: [prefix.length, prefix.length],
    ignoreFocusOut: true,
    validateInput: (value) => validate().reference(value, { allowDigest: true }),
  });
  return typed?.trim() || undefined;
}

async function read(subject: Subject): Promise<ParsedManifest> {
  const descriptor = await subject.descriptor();
  return subject.repository.getManifest(descriptor.digest);
}

/** The platforms both sides have (an image side has only its own); asks when there is a choice. */
async function choosePlatform(a: ParsedManifest, b: ParsedManifest): Promise<string | undefined> {
  const platforms = (parsed: ParsedManifest) =>
    parsed.kind === 'index'
      ? parsed.index.manifests.filter((m) => !core().isAttestationEntry(m) && m.platform).map((m) => core().formatPlatform(m.platform))
      : undefined;
  const left = platforms(a);
  const right = platforms(b);
  const common = left && right ? left.filter((p) => right.includes(p)) : (left ?? right ?? []);
  if (common.length === 0) {
    void showWarning('The two indexes have no platform in common, so only the indexes are compared.');
    return undefined;
  }
  if (common.length === 1) return common[0];
  const host = core().formatPlatform(core().hostPlatform());
  const ordered = [...common].sort((x, y) => Number(y === host) - Number(x === host));
  return vscode.window.showQuickPick(ordered, {
    title: 'Compare which platform?',
    placeHolder: 'Platforms both sides have',
    ignoreFocusOut: true,
  });
}

/** The image for `platform`: the index's entry, or the image itself. */
async function platformOf(subject: Subject, parsed: ParsedManifest, platform: string): Promise<ParsedManifest> {
  if (parsed.kind === 'image') return parsed;
  const entry = parsed.index.manifests.find(
    (m) => !core().isAttestationEntry(m) && m.platform && core().formatPlatform(m.platform) === platform,
  );
  if (!entry) throw new Error(`${subject.reference} has no ${platform} image.`);
  return subject.repository.getManifest(entry.digest);
}
