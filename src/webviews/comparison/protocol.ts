/**
 * The comparison panel's messages, shared by the extension host (src/webviews/comparison/) and its
 * webview (app/). The host builds the whole comparison as plain data (registry strings clipped,
 * lists bounded) and sends it once; the webview lays it out as text and asks for the rest: the
 * files of one platform (streamed with progress, cancellable), the packages its two SBOMs list,
 * the findings its two scans report, a diff editor, an advisory's page, a copy.
 */
import type { ClippedText, FindingFields, RequestMessageOf, ResponseMessage, SeverityLevel } from '../shared/protocol';

export type { ClippedText, ResponseMessage, SeverityLevel };

export const COMPARISON_VIEW_TYPE = 'registryExplorer.comparison';

/** One side of the comparison. */
export interface SideModel {
  /** `host/repository:tag` or `host/repository@digest`. */
  reference: ClippedText;
  digest: string;
  /** "OCI image index", "Docker image manifest". */
  kind: string;
}

export interface LayerRow {
  digest: string;
  size: number;
  sizeText: string;
}

/** A bounded list: the first rows, and how many more there were. */
export interface Rows<T> {
  rows: T[];
  omitted: number;
  total: number;
}

export interface SettingRow {
  setting: ClippedText;
  before?: ClippedText;
  after?: ClippedText;
}

/** One platform compared (an image compared with an image has one, without a platform). */
export interface PlatformModel {
  /** `linux/amd64`; absent for two images. */
  platform?: string;
  /** A platform only one index has: nothing else is compared for it. */
  only?: 'before' | 'after';
  before?: string;
  after?: string;
  identical: boolean;
  layers: { shared: Rows<LayerRow>; added: Rows<LayerRow>; removed: Rows<LayerRow> };
  size: { before: number; after: number; change: number; text: string };
  settings: Rows<SettingRow>;
  history: { added: Rows<ClippedText>; removed: Rows<ClippedText> };
  /** The same layers in the same order: the files are the same too. */
  sameLayers: boolean;
  /** Whether both sides have an image config (so a config diff can open). */
  configs: boolean;
  /** Why this platform could not be compared (its manifest or config unreadable). */
  problem?: string;
}

export interface ComparisonModel {
  title: string;
  before: SideModel;
  after: SideModel;
  /** Same digest on both sides. */
  identical: boolean;
  /** Both sides are indexes (an index diff can open). */
  indexes: boolean;
  platforms: PlatformModel[];
  /** Platforms only one side has, beyond those shown. */
  platformsOmitted: number;
}

export interface FileRow {
  path: ClippedText;
  /** `file`, `directory`, `symlink`… */
  type: string;
  sizeText: string;
}

export interface ChangedFileRow {
  path: ClippedText;
  changes: ClippedText[];
}

export interface FilesModel {
  added: Rows<FileRow>;
  removed: Rows<FileRow>;
  changed: Rows<ChangedFileRow>;
  /** Layers whose files are left out, in words. */
  note?: string;
}

/** A package on one side only: its versions joined, its license, its package URL. */
export interface PackageRow {
  name: ClippedText;
  version?: ClippedText;
  license?: ClippedText;
  purl?: ClippedText;
}

export interface ChangedPackageRow {
  name: ClippedText;
  purl?: ClippedText;
  /** Versions on each side, joined; empty when the SBOM gives none. */
  before: ClippedText;
  after: ClippedText;
  /** When the licenses differ. */
  license?: { before?: ClippedText; after?: ClippedText };
}

/** Where one side's SBOM was found, in words ("SPDX-2.3, BuildKit's attestation manifest"). */
export interface SbomSideModel {
  format: string;
  place: string;
  /** The manifest that holds it and the blob read. */
  manifest: string;
  blob: string;
  /** Packages the SBOM lists beyond those read. */
  omitted: number;
}

export interface PackagesModel {
  before?: SbomSideModel;
  after?: SbomSideModel;
  /** Set when a side has no SBOM: what was looked for, and how to add one. */
  missing?: string;
  added: Rows<PackageRow>;
  removed: Rows<PackageRow>;
  changed: Rows<ChangedPackageRow>;
  unchanged: number;
  /** What could not be read on the way, in words (a refused referrers listing, say). */
  problems: string[];
}

/** A finding on one side only, as the inspector's findings table shows one. */
export interface FindingRow extends FindingFields {
  /** Whether osv.dev has a page for the advisory (the host makes the link from the identifier alone). */
  linked: boolean;
  /** Why a finding gone from (or new in) one side is: the other side's VEX says not affected or fixed. */
  vexNote?: string;
}

/** A finding on both sides whose severity or installed version differs. */
export interface ChangedFindingRow {
  id: ClippedText;
  package?: ClippedText;
  severity: { before: SeverityLevel; after: SeverityLevel };
  installed: { before: ClippedText; after: ClippedText };
  fixed?: ClippedText;
  /** The first scan's name for the finding, when the scanners named it differently (a GHSA beside a CVE). */
  firstId?: ClippedText;
  linked: boolean;
}

/** Where one side's scan was found, and what it is ("Trivy", trivy 0.50.1, cosign's .att tag). */
export interface ScanSideModel {
  format: string;
  scanner?: ClippedText;
  /** When the scan ran (ISO), when the report says. */
  scannedAt?: string;
  place: string;
  manifest: string;
  blob: string;
  /** Findings the report lists beyond those read. */
  omitted: number;
}

/** A side's OpenVEX document: where it was found, who stated it, and how many findings it left out. */
export interface VexSideModel {
  place: string;
  manifest: string;
  author?: ClippedText;
  statements: number;
  suppressed: number;
  /** Statements not applied: their products are other images, by digest. */
  aboutOtherImages: number;
}

/** A finding a side's VEX left out (not_affected or fixed), on one side or both. */
export interface SuppressedFindingRow extends FindingRow {
  side: 'first' | 'second' | 'both';
  status: 'not_affected' | 'fixed';
  justification?: ClippedText;
}

export interface VulnerabilitiesModel {
  before?: ScanSideModel;
  after?: ScanSideModel;
  /** Each side's VEX, when it has one; the findings it left out are not compared. */
  vex: { before?: VexSideModel; after?: VexSideModel };
  suppressed: Rows<SuppressedFindingRow>;
  /** Set when a side has no scan: what was looked for, and how to attach one. */
  missing?: string;
  /** Set when the two scans come from different scanners, whose findings differ by scanner as much as by image. */
  scannersDiffer?: string;
  /** Set when the two scans ran days apart: advisories published in between show as new. */
  scansApart?: string;
  /** Findings per severity on each side, most severe first, severities neither side has left out. */
  severities: { severity: SeverityLevel; before: number; after: number }[];
  introduced: Rows<FindingRow>;
  resolved: Rows<FindingRow>;
  changed: Rows<ChangedFindingRow>;
  unchanged: number;
  /** What could not be read on the way, in words. */
  problems: string[];
}

export type DiffKind = 'index' | 'manifest' | 'config';

export interface Requests {
  /** Reads every layer of one platform's two images once and compares their files. */
  compareFiles: { params: { platform?: string }; result: FilesModel };
  /** Finds each image's SBOM and compares their packages. */
  comparePackages: { params: { platform?: string }; result: PackagesModel };
  /** Finds each image's vulnerability scan and compares their findings. */
  compareVulnerabilities: { params: { platform?: string }; result: VulnerabilitiesModel };
  /** Opens an advisory's page on osv.dev, the link made from its identifier by the host. */
  openAdvisory: { params: { id: string }; result: null };
  /** Opens VS Code's diff editor on the two sides' normalised JSON. */
  openDiff: { params: { platform?: string; kind: DiffKind }; result: null };
  /** The comparison in words on the clipboard. */
  copySummary: { params: Record<string, never>; result: null };
  cancel: { params: { id: number }; result: null };
}

export type Method = keyof Requests;
export type RequestMessage = RequestMessageOf<Requests>;

/** Host → webview, unasked. */
export type HostEvent =
  { type: 'start'; model: ComparisonModel; state: ComparisonState } | { type: 'filesProgress'; id: number; done: number; total: number };

/** Webview → host, unanswered. */
export type WebviewNotice =
  | { type: 'ready' }
  /** The comparison is laid out (tests wait for it). */
  | { type: 'rendered'; title: string };

export type HostMessage = ResponseMessage | HostEvent;
export type WebviewMessage = RequestMessage | WebviewNotice;

/** What the webview keeps with `setState`, so a reload can compare the same two again. */
export interface ComparisonState {
  before: string;
  after: string;
}
