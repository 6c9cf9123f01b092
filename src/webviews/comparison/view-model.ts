/**
 * The comparison panel's model, pure: the core's ImageComparison (per platform) and FileComparison
 * turned into plain data the webview only lays out. Every registry string (tags, settings, history
 * steps, paths) is clipped, and every list is bounded, so a hostile or huge image cannot stall the
 * page; what was left out is counted.
 */
import type {
  Descriptor,
  FileComparison,
  ImageComparison,
  PackageChange,
  PackageComparison,
  SbomPackage,
  SbomSearch,
  SettingChange,
} from '../../core/index';
import type { LayerFileEntry } from '../../core/layers/layer-files';
import { formatBytes } from '../../shared/format';
import { clip } from '../inspector/text';
import { placeWords } from '../shared/document-places';

export { placeWords };
import type {
  ChangedFileRow,
  ChangedPackageRow,
  ComparisonModel,
  FileRow,
  FilesModel,
  LayerRow,
  PackageRow,
  PackagesModel,
  PlatformModel,
  Rows,
  SbomSideModel,
  SettingRow,
  SideModel,
} from './protocol';

/** Rows per list at most: layers, settings, history steps. */
export const MAX_ROWS = 500;
/** File rows per list at most (added, removed, changed). */
export const MAX_FILE_ROWS = 2000;
/** Package rows per list at most (added, removed, changed): a Node image lists thousands. */
export const MAX_PACKAGE_ROWS = 2000;
/** Platforms shown at most (an index of hundreds is not a comparison anyone reads). */
export const MAX_PLATFORMS = 64;
/** A setting's value or a history step is cut here: a 1 MiB label must not stall layout. */
const MAX_VALUE = 1024;

export interface SideInput {
  reference: string;
  /** A short name for titles: `app:1.0`, `app@1a2b3c4d5e6f` (from the parsed reference, never re-parsed here). */
  name: string;
  digest: string;
  /** What it is in words (the core's kindName). */
  kind: string;
  isIndex: boolean;
}

/** One platform as the command compared it. */
export interface PlatformInput {
  platform?: string;
  only?: 'before' | 'after';
  /** The two images' manifest digests (for a platform both have). */
  before?: string;
  after?: string;
  comparison?: ImageComparison;
  /** Both image manifests' layer lists, to tell whether the files can differ at all. */
  layers?: { before: readonly Descriptor[]; after: readonly Descriptor[] };
  configs?: boolean;
  problem?: string;
}

export function bounded<T, U>(list: readonly T[], map: (item: T) => U, max = MAX_ROWS): Rows<U> {
  return { rows: list.slice(0, max).map(map), omitted: Math.max(0, list.length - max), total: list.length };
}

function side(input: SideInput): SideModel {
  return { reference: clip(input.reference), digest: input.digest, kind: input.kind };
}

function layerRow(d: Descriptor): LayerRow {
  return { digest: d.digest, size: d.size, sizeText: formatBytes(d.size) };
}

function settingRow(change: SettingChange): SettingRow {
  return {
    setting: clip(change.setting, MAX_VALUE),
    ...(change.before !== undefined ? { before: clip(change.before, MAX_VALUE) } : {}),
    ...(change.after !== undefined ? { after: clip(change.after, MAX_VALUE) } : {}),
  };
}

/** `+1.2 MiB`, `−340 B`, `no change`. */
export function sizeChangeText(change: number): string {
  if (change === 0) return 'no change';
  return `${change > 0 ? '+' : '−'}${formatBytes(Math.abs(change))}`;
}

export const NO_ROWS = { rows: [], omitted: 0, total: 0 };

function platformModel(input: PlatformInput): PlatformModel {
  const c = input.comparison;
  const same =
    !!input.layers &&
    input.layers.before.length === input.layers.after.length &&
    input.layers.before.every((l, i) => input.layers!.after[i]!.digest === l.digest);
  return {
    ...(input.platform !== undefined ? { platform: input.platform } : {}),
    ...(input.only ? { only: input.only } : {}),
    ...(input.before ? { before: input.before } : {}),
    ...(input.after ? { after: input.after } : {}),
    identical: c?.identical ?? false,
    layers: {
      shared: c ? bounded(c.layers.shared, layerRow) : NO_ROWS,
      added: c ? bounded(c.layers.added, layerRow) : NO_ROWS,
      removed: c ? bounded(c.layers.removed, layerRow) : NO_ROWS,
    },
    size: c
      ? { ...c.size, text: `${formatBytes(c.size.before)} → ${formatBytes(c.size.after)} (${sizeChangeText(c.size.change)})` }
      : { before: 0, after: 0, change: 0, text: '' },
    settings: c ? bounded(c.config, settingRow) : NO_ROWS,
    history: {
      added: c ? bounded(c.history.added, (s) => clip(s, MAX_VALUE)) : NO_ROWS,
      removed: c ? bounded(c.history.removed, (s) => clip(s, MAX_VALUE)) : NO_ROWS,
    },
    sameLayers: same,
    configs: input.configs === true,
    ...(input.problem ? { problem: input.problem } : {}),
  };
}

/** The whole comparison: both sides, then each platform (platforms both have first, in the order given). */
export function comparisonModel(before: SideInput, after: SideInput, platforms: readonly PlatformInput[]): ComparisonModel {
  const ordered = [...platforms.filter((p) => !p.only), ...platforms.filter((p) => p.only)];
  const shown = ordered.slice(0, MAX_PLATFORMS);
  return {
    title: `${clip(before.name, 200).text} ↔ ${clip(after.name, 200).text}`,
    before: side(before),
    after: side(after),
    identical: before.digest === after.digest,
    indexes: before.isIndex && after.isIndex,
    platforms: shown.map(platformModel),
    platformsOmitted: ordered.length - shown.length,
  };
}

function fileRow(entry: LayerFileEntry): FileRow {
  return {
    path: clip(entry.path, MAX_VALUE),
    type: entry.type,
    sizeText: entry.type === 'file' ? formatBytes(entry.size) : '',
  };
}

function changedRow(change: { path: string; changes: string[] }): ChangedFileRow {
  return { path: clip(change.path, MAX_VALUE), changes: change.changes.slice(0, 8).map((c) => clip(c, MAX_VALUE)) };
}

/** `notIncluded`: how many layers were left out (foreign and non-distributable ones, hosted elsewhere). */
export function filesModel(comparison: FileComparison, notIncluded = 0): FilesModel {
  return {
    added: bounded(comparison.added, fileRow, MAX_FILE_ROWS),
    removed: bounded(comparison.removed, fileRow, MAX_FILE_ROWS),
    changed: bounded(comparison.changed, changedRow, MAX_FILE_ROWS),
    ...(notIncluded > 0
      ? {
          note: `${notIncluded === 1 ? '1 layer is' : `${notIncluded} layers are`} foreign or non-distributable, hosted outside the registry at the URLs the manifest gives, so ${notIncluded === 1 ? 'its' : 'their'} files are not included.`,
        }
      : {}),
  };
}

/** One side's SBOM search, as the command made it. */
export interface SbomSideInput {
  /** `host/repository:tag`, for the sentence when it has none. */
  reference: string;
  search: SbomSearch;
  /** Whether the image was reached through its index (where BuildKit lists its SBOM). */
  throughIndex: boolean;
}

function sbomSide(search: SbomSearch): SbomSideModel | undefined {
  const found = search.found;
  if (!found) return undefined;
  return {
    format: clip(found.sbom.format, 64).text,
    place: placeWords(found),
    manifest: found.manifest,
    blob: found.blob,
    omitted: found.sbom.omitted,
  };
}

/** Why a side has no SBOM to compare, and how one is made. */
function missingSentence(sides: readonly SbomSideInput[]): string {
  const names = sides.map((s) => clip(s.reference, 300).text);
  const who = names.length === 2 ? `Neither ${names[0]} nor ${names[1]} has an SBOM` : `${names[0]} has no SBOM`;
  const looked = sides.some((s) => !s.throughIndex)
    ? "the image's SBOM referrers and cosign's .att tag were looked at; BuildKit lists its SBOMs in the index, and tools attach them to the index a tag names, so compare the tags (or indexes) to find those"
    : "BuildKit's attestations in the index, and the SBOM referrers and cosign's .att tag of the image and of the index, were looked at";
  return `${who} (${looked}). \`docker buildx build --sbom=true\` adds one; \`cosign attest --type spdxjson\` or \`oras attach --artifact-type application/spdx+json\` attach one.`;
}

function packageRow(p: SbomPackage): PackageRow {
  return {
    name: clip(p.name, 256),
    ...(p.version !== undefined ? { version: clip(p.version, MAX_VALUE) } : {}),
    ...(p.license !== undefined ? { license: clip(p.license, 256) } : {}),
    ...(p.purl !== undefined ? { purl: clip(p.purl, 512) } : {}),
  };
}

function changedPackageRow(c: PackageChange): ChangedPackageRow {
  const row: ChangedPackageRow = {
    name: clip(c.name, 256),
    ...(c.purl !== undefined ? { purl: clip(c.purl, 512) } : {}),
    before: clip(c.before, MAX_VALUE),
    after: clip(c.after, MAX_VALUE),
  };
  if (c.license)
    row.license = {
      ...(c.license.before !== undefined ? { before: clip(c.license.before, 256) } : {}),
      ...(c.license.after !== undefined ? { after: clip(c.license.after, 256) } : {}),
    };
  return row;
}

/** The packages part: where each SBOM was found, then the packages added, removed and changed (none when a side has no SBOM). */
export function packagesModel(before: SbomSideInput, after: SbomSideInput, comparison: PackageComparison | undefined): PackagesModel {
  const missing = [before, after].filter((s) => !s.search.found);
  const a = sbomSide(before.search);
  const b = sbomSide(after.search);
  const problems = [...before.search.problems, ...after.search.problems].slice(0, 8).map((p) => clip(p, 512).text);
  return {
    ...(a ? { before: a } : {}),
    ...(b ? { after: b } : {}),
    ...(missing.length ? { missing: missingSentence(missing) } : {}),
    added: comparison ? bounded(comparison.added, packageRow, MAX_PACKAGE_ROWS) : NO_ROWS,
    removed: comparison ? bounded(comparison.removed, packageRow, MAX_PACKAGE_ROWS) : NO_ROWS,
    changed: comparison ? bounded(comparison.changed, changedPackageRow, MAX_PACKAGE_ROWS) : NO_ROWS,
    unchanged: comparison?.unchanged ?? 0,
    problems,
  };
}
