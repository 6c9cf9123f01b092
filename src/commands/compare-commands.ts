/**
 * Compare With…: two tags or manifests side by side. The comparison panel (src/webviews/comparison)
 * shows what changed, per platform for indexes: layers shared, added and removed, the size change,
 * the run settings in words, the history steps, and the files (read from the layers on request,
 * with progress and Cancel), the SBOMs' packages and the vulnerability scans' findings. Its buttons open VS Code's diff editor on the two manifests, configs
 * or indexes as normalised JSON (sorted keys, fixed indent, so key order and whitespace never show
 * as changes). From a row (the other side typed), from two selected rows, or from scripts with
 * `{ reference, with, platform?, openDiffs?, waitUntilRendered? }`.
 */
import * as vscode from 'vscode';
import { core } from '../common/core-loader';
import type {
  ComparedImage,
  Descriptor,
  FileComparison,
  ImageComparison,
  ImageConfig,
  ImageIndex,
  PackageComparison,
  ParsedManifest,
  Platform,
  Repository,
  VulnerabilityComparison,
} from '../core/index';
import { errorText } from '../common/error-text';
import { showWarning } from '../common/notify';
import { withErrors } from '../common/progress';
import { isManifestHandle } from '../views/nodes/content-nodes';
import { showComparison, type ComparisonSource } from '../webviews/comparison/panel';
import {
  COMPARISON_VIEW_TYPE,
  type ComparisonModel,
  type ComparisonState,
  type DiffKind,
  type FilesModel,
  type PackagesModel,
  type VulnerabilitiesModel,
} from '../webviews/comparison/protocol';
import { vulnerabilitiesModel } from '../webviews/comparison/vulnerabilities-model';
import { comparisonModel, filesModel, packagesModel, placeWords, type PlatformInput } from '../webviews/comparison/view-model';
import type { CommandContext } from './command-context';
import { chooseSubject, validate, type Subject } from './subjects';

export const COMPARE_SCHEME = 'oci-compare';

/** Platforms of two indexes compared at most (each one reads two manifests and two configs). */
const MAX_COMPARED_PLATFORMS = 64;

/** What scripts and tests pass instead of choosing. */
interface CompareRequest {
  reference: string;
  with: string;
  /** For indexes: the platform whose comparison the outcome returns (and whose diffs `openDiffs` opens). */
  platform?: string;
  /** Open the manifest and config diffs (and the index diff for two indexes) at once, as the panel's buttons do. */
  openDiffs?: boolean;
  /** Resolve once the panel is laid out (with the files of a single platform compared). */
  waitUntilRendered?: boolean;
}

/** What the command returns (for scripts and tests). */
export interface CompareOutcome {
  /** The comparison of `platform` (or of the two images). */
  comparison: ImageComparison;
  /** Every platform compared, by platform ('' for two images). */
  comparisons: Record<string, ImageComparison>;
  /** The left and right URIs of each diff opened so far (by `openDiffs` or the panel's buttons). */
  diffs: { title: string; left: string; right: string }[];
  /** The files compared so far, by platform ('' for two images). */
  files: Record<string, FilesModel>;
  /** The packages compared so far, by platform ('' for two images). */
  packages: Record<string, PackagesModel>;
  /** The vulnerability findings compared so far, by platform ('' for two images). */
  vulnerabilities: Record<string, VulnerabilitiesModel>;
  /** What the panel shows. */
  model: ComparisonModel;
  /** The panel's title once rendered (with `waitUntilRendered`). */
  rendered?: string;
  platform?: string;
}

/** The documents the diffs show, by URI, while they are open. */
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

interface Env {
  ctx: CommandContext;
  documents: CompareDocuments;
  extensionUri: vscode.Uri;
}

export function registerCompareCommands(ctx: CommandContext, extensionUri: vscode.Uri): vscode.Disposable[] {
  const env: Env = { ctx, documents: new CompareDocuments(), extensionUri };
  return [
    vscode.workspace.registerTextDocumentContentProvider(COMPARE_SCHEME, env.documents),
    vscode.commands.registerCommand('registryExplorer.compareWith', (node?: unknown, selection?: unknown) =>
      compareWith(node, selection, env),
    ),
    // After a reload the panel's saved state names the two sides: they are read and compared again.
    vscode.window.registerWebviewPanelSerializer(COMPARISON_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => {
        const saved = state as Partial<ComparisonState> | undefined;
        if (typeof saved?.before !== 'string' || typeof saved.after !== 'string') {
          panel.dispose();
          return;
        }
        const outcome = await compareWith({ reference: saved.before, with: saved.after }, undefined, env, panel);
        if (!outcome) panel.dispose();
      },
    }),
  ];
}

/** One side of a platform as read: where it is, the image, and the index it was reached through (where BuildKit lists its SBOM). */
interface ReadSide {
  repository: Repository;
  image: ComparedImage;
  index?: ImageIndex;
  indexDigest?: string;
}

/** Where to look for one side's SBOM or scan: the image, its index's attestations, what is attached to the index. */
function searchOptions(side: ReadSide): { index?: ImageIndex; indexDigest?: string } {
  return { ...(side.index ? { index: side.index } : {}), ...(side.indexDigest ? { indexDigest: side.indexDigest } : {}) };
}

/** One platform's two images as read, for the diffs, the files and the packages. */
interface ReadPair {
  before: ReadSide;
  after: ReadSide;
}

async function compareWith(
  node: unknown,
  selection: unknown,
  env: Env,
  restored?: vscode.WebviewPanel,
): Promise<CompareOutcome | undefined> {
  const { ctx, documents } = env;
  const preset = isRequest(node) ? node : undefined;
  const picked = Array.isArray(selection) ? selection.filter(isManifestHandle) : [];
  const left = await chooseSubject(preset ? { reference: preset.reference } : node, ctx.registry, 'Compare');
  if (!left) return undefined;
  const other = picked.length === 2 ? picked.find((p) => p !== node) : undefined;
  const right = other
    ? await chooseSubject(other, ctx.registry, 'Compare')
    : await chooseSubject({ reference: preset?.with ?? (await askOther(left)) ?? '' }, ctx.registry, 'Compare');
  if (!right || !right.reference) return undefined;

  const read = await withErrors('Compare', () =>
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Reading ${left.reference} and ${right.reference}…`, cancellable: true },
      async (_progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        const [a, b] = await Promise.all([readManifest(left, abort.signal), readManifest(right, abort.signal)]);
        return { a, b, ...(await readPlatforms(left, right, a, b, preset?.platform, abort.signal)) };
      },
    ),
  );
  if (!read) return undefined;
  const { a, b, inputs, pairs } = read;

  const outcome = { comparisons: {}, diffs: [], files: {}, packages: {}, vulnerabilities: {} } as unknown as CompareOutcome;
  for (const input of inputs) if (input.comparison) outcome.comparisons[input.platform ?? ''] = input.comparison;
  const chosen = preset?.platform ?? inputs.find((i) => i.comparison)?.platform;
  const chosenComparison = outcome.comparisons[chosen ?? ''];
  if (!chosenComparison) {
    void showWarning(
      preset?.platform
        ? `Compare: ${left.reference} and ${right.reference} do not both have ${preset.platform}.`
        : `Compare: ${left.reference} and ${right.reference} have no platform in common, so only the indexes can be compared (Index Diff in the panel).`,
    );
  }
  outcome.comparison = chosenComparison ?? core().compareImages(emptyImage(a), emptyImage(b));
  if (chosen !== undefined) outcome.platform = chosen;

  const side = (subject: Subject, parsed: ParsedManifest) => ({
    reference: subject.reference,
    name: name(subject),
    digest: parsed.descriptor.digest,
    kind: core().kindName(parsed.descriptor.mediaType),
    isIndex: parsed.kind === 'index',
  });
  const model = comparisonModel(side(left, a), side(right, b), inputs);
  outcome.model = model;
  const openDiff = async (kind: DiffKind, platform: string | undefined) => {
    const names = { before: name(left), after: name(right) };
    const what = platform ? `${platform} ${kind}` : kind;
    let values: [unknown, unknown];
    if (kind === 'index') values = [JSON.parse(a.bytes.toString('utf8')), JSON.parse(b.bytes.toString('utf8'))];
    else {
      const pair = pairOf(pairs, platform);
      values =
        kind === 'manifest'
          ? [pair.before.image.manifest, pair.after.image.manifest]
          : [pair.before.image.config ?? {}, pair.after.image.config ?? {}];
    }
    const leftUri = documents.add(`${what} of ${names.before}.json`, core().normalisedJson(values[0]));
    const rightUri = documents.add(`${what} of ${names.after}.json`, core().normalisedJson(values[1]));
    const title = `${names.before} ↔ ${names.after} (${what})`;
    await vscode.commands.executeCommand('vscode.diff', leftUri, rightUri, title, { preview: false, viewColumn: vscode.ViewColumn.Beside });
    outcome.diffs.push({ title, left: leftUri.toString(), right: rightUri.toString() });
  };
  // What the panel's buttons compared, by platform, for Copy Summary.
  const compared: ComparedExtras = { files: new Map(), packages: new Map(), vulnerabilities: new Map() };
  const source: ComparisonSource = {
    model,
    summary: () => summaryText(inputs, left.reference, right.reference, compared),
    state: { before: left.reference, after: right.reference },
    openDiff,
    compareFiles: async (platform, signal, onLayer) => {
      const pair = pairOf(pairs, platform);
      const systems = await core().readFileSystems(
        { before: pair.before.repository, after: pair.after.repository },
        { before: pair.before.image.manifest.layers, after: pair.after.image.manifest.layers },
        { signal, onLayer },
      );
      const comparison = core().compareFileSystems(systems.before, systems.after);
      compared.files.set(platform ?? '', comparison);
      const files = filesModel(comparison, systems.notIncluded.length);
      outcome.files[platform ?? ''] = files;
      return files;
    },
    comparePackages: async (platform, signal) => {
      const pair = pairOf(pairs, platform);
      const search = (s: ReadSide) => core().findImageSbom(s.repository, s.image.digest, { ...searchOptions(s), signal });
      const [before, after] = await Promise.all([search(pair.before), search(pair.after)]);
      const comparison =
        before.found && after.found ? core().comparePackages(before.found.sbom.packages, after.found.sbom.packages) : undefined;
      if (comparison && before.found && after.found) {
        const words = (found: typeof before.found) => `${found.sbom.format} in ${placeWords(found)}`;
        compared.packages.set(platform ?? '', { comparison, sources: { before: words(before.found), after: words(after.found) } });
      }
      const packages = packagesModel(
        { reference: left.reference, search: before, throughIndex: !!pair.before.index },
        { reference: right.reference, search: after, throughIndex: !!pair.after.index },
        comparison,
      );
      outcome.packages[platform ?? ''] = packages;
      return packages;
    },
    compareVulnerabilities: async (platform, signal) => {
      const pair = pairOf(pairs, platform);
      const subject = (s: ReadSide) => ({ repository: s.repository, digest: s.image.digest, options: searchOptions(s) });
      const { before, after, comparison } = await core().compareImageScans(subject(pair.before), subject(pair.after), signal);
      if (comparison && before.scan.found && after.scan.found) {
        const words = (side: typeof before) => {
          const found = side.scan.found!;
          const when = found.document.scannedAt ? ` (scanned ${found.document.scannedAt.slice(0, 10)})` : '';
          const vex = side.suppressed.length ? `, ${side.suppressed.length} left out by its VEX` : '';
          return `${found.document.scanner ?? found.document.format}${when} in ${placeWords(found)}${vex}`;
        };
        compared.vulnerabilities.set(platform ?? '', { comparison, sources: { before: words(before), after: words(after) } });
      }
      const side = (reference: string, scanned: typeof before, read: ReadSide) => ({
        reference,
        search: scanned.scan,
        ...(scanned.vex ? { vex: scanned.vex } : {}),
        suppressed: scanned.suppressed,
        aboutOtherImages: scanned.aboutOtherImages,
        throughIndex: !!read.index,
      });
      const findings = vulnerabilitiesModel(
        side(left.reference, before, pair.before),
        side(right.reference, after, pair.after),
        comparison,
      );
      outcome.vulnerabilities[platform ?? ''] = findings;
      return findings;
    },
  };
  const panel = showComparison(source, env.extensionUri, ctx.log, restored);
  const rendered = preset?.waitUntilRendered ? panel.whenRendered() : undefined;
  if (preset?.openDiffs) {
    await withErrors('Compare', async () => {
      if (model.indexes) await openDiff('index', undefined);
      if (chosenComparison) {
        await openDiff('manifest', chosen);
        if (pairs.get(chosen ?? '')?.before.image.config || pairs.get(chosen ?? '')?.after.image.config) await openDiff('config', chosen);
      }
    });
  }
  if (rendered) outcome.rendered = await rendered;
  ctx.log.info(
    `Compared ${left.reference} with ${right.reference}: ${a.descriptor.digest === b.descriptor.digest ? 'identical' : `${inputs.length} platform${inputs.length === 1 ? '' : 's'}`}.`,
  );
  return outcome;
}

function emptyImage(parsed: ParsedManifest): ComparedImage {
  return {
    digest: parsed.descriptor.digest,
    manifest: { schemaVersion: 2, config: { mediaType: '', digest: parsed.descriptor.digest, size: 0 }, layers: [] },
  };
}

/** What one of the panel's buttons compared, and the two documents it read, in words. */
interface ComparedDocuments<C> {
  comparison: C;
  sources: { before: string; after: string };
}

/** The files, packages and findings a comparison's buttons compared so far, by platform ('' for two images). */
interface ComparedExtras {
  files: Map<string, FileComparison>;
  packages: Map<string, ComparedDocuments<PackageComparison>>;
  vulnerabilities: Map<string, ComparedDocuments<VulnerabilityComparison>>;
}

/** One platform's two images as read; the panel only asks for platforms both sides have. */
function pairOf(pairs: ReadonlyMap<string, ReadPair>, platform: string | undefined): ReadPair {
  const pair = pairs.get(platform ?? '');
  if (!pair) throw new Error(`This comparison has no ${platform ?? 'image'} on both sides.`);
  return pair;
}

/** The comparison in words, platform by platform, with the files, packages and findings compared so far (the panel's Copy Summary). */
function summaryText(inputs: readonly PlatformInput[], before: string, after: string, extras: ComparedExtras): string {
  return inputs
    .map((input) => {
      const suffix = input.platform ? ` (${input.platform})` : '';
      if (input.only) return `${input.platform}: only in ${input.only === 'before' ? before : after}.\n`;
      if (!input.comparison) return `${input.platform ?? 'Image'}: not compared (${input.problem ?? 'unreadable'}).\n`;
      const files = extras.files.get(input.platform ?? '');
      const packages = extras.packages.get(input.platform ?? '');
      const findings = extras.vulnerabilities.get(input.platform ?? '');
      return [
        core().describeComparison(input.comparison, `${before}${suffix}`, `${after}${suffix}`),
        ...(files ? [core().describeFileComparison(files)] : []),
        ...(packages ? [core().describePackageComparison(packages.comparison, packages.sources)] : []),
        ...(findings ? [core().describeVulnerabilityComparison(findings.comparison, findings.sources)] : []),
      ].join('\n');
    })
    .join('\n');
}

/**
 * Every platform to compare: two images are one; two indexes are paired by platform (those only
 * one has are listed, not compared); an image and an index compare the image with the index's
 * platform named, else the image's own, else the one the user picks.
 */
async function readPlatforms(
  left: Subject,
  right: Subject,
  a: ParsedManifest,
  b: ParsedManifest,
  wanted: string | undefined,
  signal: AbortSignal,
): Promise<{ inputs: PlatformInput[]; pairs: Map<string, ReadPair> }> {
  const pairs = new Map<string, ReadPair>();
  // The index each side was reached through, by value: BuildKit lists an image's SBOM there.
  const indexOf = (parsed: ParsedManifest) =>
    parsed.kind === 'index' ? { index: parsed.index, indexDigest: parsed.descriptor.digest } : {};
  const compare = async (platform: string | undefined, x: ParsedManifest, y: ParsedManifest): Promise<PlatformInput> => {
    try {
      const [before, after] = await Promise.all([
        core().readComparedImage(left.repository, x, signal),
        core().readComparedImage(right.repository, y, signal),
      ]);
      pairs.set(platform ?? '', {
        before: { repository: left.repository, image: before, ...indexOf(a) },
        after: { repository: right.repository, image: after, ...indexOf(b) },
      });
      return {
        ...(platform !== undefined ? { platform } : {}),
        before: before.digest,
        after: after.digest,
        comparison: core().compareImages(before, after),
        layers: { before: before.manifest.layers, after: after.manifest.layers },
        configs: !!before.config && !!after.config,
      };
    } catch (err) {
      if ((err as { code?: string }).code === 'CANCELLED' || signal.aborted) throw err;
      return { ...(platform !== undefined ? { platform } : {}), problem: errorText(err) };
    }
  };
  if (a.kind === 'image' && b.kind === 'image') return { inputs: [await compare(undefined, a, b)], pairs };
  if (a.kind === 'index' && b.kind === 'index') {
    const paired = core().pairPlatforms(a.index, b.index).slice(0, MAX_COMPARED_PLATFORMS);
    const inputs = await inBatches(paired, 4, async (p) => {
      if (!p.before || !p.after) return { platform: p.platform, only: p.before ? ('before' as const) : ('after' as const) };
      try {
        const [x, y] = await Promise.all([
          left.repository.getManifest(p.before.digest, signal),
          right.repository.getManifest(p.after.digest, signal),
        ]);
        return compare(p.platform, x, y);
      } catch (err) {
        if ((err as { code?: string }).code === 'CANCELLED' || signal.aborted) throw err;
        return { platform: p.platform, problem: errorText(err) };
      }
    });
    return { inputs, pairs };
  }
  // An image and an index: the index's entry for the platform named, or the image's own.
  const index = a.kind === 'index' ? a : b;
  const image = a.kind === 'index' ? b : a;
  if (index.kind !== 'index' || image.kind !== 'image') throw new Error('Only images and indexes can be compared.');
  const entries = index.index.manifests.filter((m) => !core().isAttestationEntry(m) && m.platform);
  const own = await core()
    .readImageConfig(image === a ? left.repository : right.repository, image, signal)
    .catch(() => undefined);
  if (entries.length === 0) throw new Error('The index lists no platform image to compare with.');
  const ownPlatform = platformOfConfig(own);
  const named = wanted === undefined ? undefined : entries.find((m) => core().formatPlatform(m.platform) === wanted);
  // The image's own platform, as a pull would choose it (os.version telling Windows builds apart).
  const matching = ownPlatform ? core().platformEntries(entries, ownPlatform) : [];
  const entry =
    named ??
    (matching.length === 1
      ? matching[0]!
      : await askIndexPlatform(matching.length > 1 ? matching : entries, ownPlatform, index === a ? left : right));
  const platform = core().formatPlatform(entry.platform);
  const chosen = await (index === a ? left : right).repository.getManifest(entry.digest, signal);
  return { inputs: [await (index === a ? compare(platform, chosen, b) : compare(platform, a, chosen))], pairs };
}

/** An image config's platform, its fields checked (a config is registry content). */
function platformOfConfig(config: ImageConfig | undefined): Platform | undefined {
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
  const os = text(config?.os);
  const architecture = text(config?.architecture);
  if (!os || !architecture) return undefined;
  const variant = text(config?.variant);
  const osVersion = text(config?.['os.version']);
  return { os, architecture, ...(variant ? { variant } : {}), ...(osVersion ? { 'os.version': osVersion } : {}) };
}

/**
 * Which of an index's platforms to compare an image with, when the image's own platform is not
 * there exactly once: the user picks; dismissing the pick cancels the comparison.
 */
async function askIndexPlatform(entries: Descriptor[], own: Platform | undefined, index: Subject): Promise<Descriptor> {
  // The title names the index; the placeholder stays short enough to be read whole in the box.
  const why = !own
    ? 'The image does not say its platform'
    : entries.some((m) => core().platformMatches(m.platform, own))
      ? `It has ${core().formatPlatform(own)} more than once`
      : `It has no ${core().formatPlatform(own)}, the image's platform`;
  const picked = await vscode.window.showQuickPick(
    entries.map((m) => ({ label: core().formatPlatform(m.platform), description: core().shortDigest(m.digest), entry: m })),
    { title: `Compare with which platform of ${index.reference}?`, placeHolder: `${why}: pick one to compare with` },
  );
  if (!picked) throw Object.assign(new Error('Compare was cancelled.'), { code: 'CANCELLED' });
  return picked.entry;
}

/** `work` over `items`, `size` at a time, results in order. */
async function inBatches<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return results;
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

async function readManifest(subject: Subject, signal: AbortSignal): Promise<ParsedManifest> {
  const descriptor = await subject.descriptor();
  return subject.repository.getManifest(descriptor.digest, signal);
}
