/**
 * The inspector's message protocol, shared by the extension host (src/views/inspector/) and the
 * webview (src/webview/). The webview asks, the host answers: every request carries an id and gets
 * exactly one response. The host also pushes a few events (the first location, layer progress).
 *
 * Everything here is plain data (structured-clone safe, no deep nesting): the host turns registry
 * content into these models, and the webview only lays them out, as text.
 */
import type { LayerFileTarget } from '../../shared/layer-file-target';
import type { ClippedText, FindingFields, RequestMessageOf, ResponseMessage, SeverityLevel } from '../shared/protocol';

/** Where a panel is. Every page is addressed by digest, so what it shows never goes stale. */
export type Location = ManifestLocation | BlobLocation | LayerLocation | FileSystemLocation;

export interface ManifestLocation {
  kind: 'manifest';
  host: string;
  repository: string;
  digest: string;
  /** The tag the manifest was reached by, shown in the header. */
  tag?: string;
  /** How it was reached when not by tag: "linux/amd64 in apps/web:v1", "cosign signature of …". */
  via?: string;
  /** The index it was reached from as a platform: the attestations that index lists for it are shown. */
  index?: string;
}

/** A JSON blob: an image config, or an artifact's file. */
export interface BlobLocation {
  kind: 'blob';
  host: string;
  repository: string;
  digest: string;
  size: number;
  mediaType: string;
  role: 'config' | 'file';
  /** The manifest it belongs to: a config's layers and history come from there. */
  manifestDigest?: string;
  /** An artifact file's title. */
  title?: string;
}

/** A layer, shown as the files in it. */
export interface LayerLocation {
  kind: 'layer';
  host: string;
  repository: string;
  digest: string;
  size: number;
  mediaType: string;
  /** A foreign or non-distributable layer's `urls` (registry text): where its manifest says it is hosted. */
  urls?: string[];
  /** "layer 2 of linux/amd64": how the page was reached. */
  label?: string;
}

/** An image's files with all its layers applied, as a container sees them. */
export interface FileSystemLocation {
  kind: 'filesystem';
  host: string;
  repository: string;
  /** The image manifest's digest. */
  digest: string;
  /** "linux/amd64 in apps/web:v1": whose files these are. */
  label?: string;
}

export type { ClippedText, SeverityLevel };

export interface Fact {
  label: string;
  value: ClippedText;
  /** A URL the value links to (http or https only). */
  url?: string;
}

export interface HeaderModel {
  /** Codicon name. */
  icon: string;
  /** What it is, as people call it: "OCI image index", "cosign signature", "layer (tar+gzip)". */
  kind: string;
  reference: ClippedText;
  digest: string;
  /** `host/repository@digest`. */
  pinned: string;
  /** `docker pull host/repository@digest`, for manifests. */
  pullCommand?: string;
  mediaType: ClippedText;
  artifactType?: ClippedText;
  size: number;
  sizeText: string;
  /** What the size counts, e.g. "manifest, config and 2 layers". */
  sizeNote?: string;
  facts: Fact[];
}

/** One value of a JSON document, in a flat list: containers name the contiguous range of their children. */
export interface JsonNode {
  key?: ClippedText | number;
  type: 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';
  /** Scalars: the JSON source text (strings quoted). */
  value?: ClippedText;
  depth: number;
  /** Containers: children are nodes[first] … nodes[first + shown - 1]. */
  first?: number;
  shown?: number;
  /** Children left out (past the node budget or the depth limit): Open as JSON shows them. */
  omitted?: number;
  /** A digest that opens something: a child manifest, a config, a layer. */
  link?: Location;
}

export interface JsonTree {
  nodes: JsonNode[];
  /** Whether anything was left out. */
  truncated: boolean;
}

export interface PlatformRow {
  platform: string;
  os: ClippedText;
  architecture: ClippedText;
  variant?: ClippedText;
  osVersion?: ClippedText;
  digest: string;
  manifestSize: string;
  /** For attestation entries: the manifest they attest. */
  attests?: string;
  /** …and its platform, when the index lists it ("linux/amd64"). */
  attestsPlatform?: string;
  link: Location;
}

export interface LayerRow {
  /** 0-based position in the manifest. */
  index: number;
  digest: string;
  kind: string;
  size: number;
  sizeText: string;
  /** The layer's share of all layers' bytes, 0…1. */
  share: number;
  link: Location;
}

/** One line of the image's history, Dockerfile-like, with the layer it made (if it made one). */
export interface HistoryRow {
  instruction: ClippedText;
  created?: string;
  comment?: ClippedText;
  empty: boolean;
  /** Index into `layers`. */
  layer?: number;
}

export interface ConfigSummary {
  facts: Fact[];
  entrypoint?: ClippedText;
  cmd?: ClippedText;
  env: { name: ClippedText; value: ClippedText }[];
  ports: ClippedText[];
  volumes: ClippedText[];
  labels: Fact[];
}

export interface ImageSection {
  config?: ConfigSummary;
  /** Why the config could not be read, as a sentence. */
  configProblem?: string;
  configLink: Location;
  /** The image's files, all layers applied. */
  filesLink: FileSystemLocation;
  layers: LayerRow[];
  history: HistoryRow[];
  /** Set when history and layers disagree in number (the alignment is then a best effort). */
  historyMismatch?: string;
  /** History rows left out (images with thousands of layers): Open as JSON shows them. */
  historyOmitted?: number;
}

export interface ArtifactFileRow {
  title: ClippedText;
  kind: string;
  digest: string;
  sizeText: string;
  link?: Location;
}

/** What an attestation or a signature says: a DSSE envelope, a Sigstore bundle, an in-toto statement or cosign's simple signing, read but not verified. */
export interface AttestationSection {
  /** 'Signature' for a cosign or Notary Project signature, else 'Attestation'. */
  title: 'Attestation' | 'Signature';
  /** Set for a Notary Project signature, which `notation verify` checks (cosign checks the rest). */
  verifiedWith?: 'notation';
  /** The claim, the statement, the envelope, the signer and the log, as facts (URLs as links). */
  facts: Fact[];
  subjects: SubjectRow[];
  /** Subjects left out of a very long list. */
  subjectsOmitted?: number;
  /** A few facts of a known predicate: the builder, an SBOM's packages, a scanner. */
  predicate: Fact[];
  /** The envelope's payload decoded, when it is JSON. */
  payload?: JsonTree;
  /** The envelope's payload decoded, when it is text but not JSON. */
  payloadText?: ClippedText;
  /** Why the payload is not a statement, as a sentence. */
  problem?: string;
}

/** The packages an SBOM lists (SPDX 2, SPDX 3 or CycloneDX, alone or as an attestation's predicate). */
export interface SbomSection {
  /** "SPDX-2.3", "SPDX-3.0.1", "CycloneDX 1.5". */
  format: string;
  rows: SbomRow[];
  /** Packages listed in the SBOM but not sent to the page; its JSON has them. */
  omitted: number;
}

export interface SbomRow {
  name: ClippedText;
  version?: ClippedText;
  license?: ClippedText;
  purl?: ClippedText;
}

/** A scan's findings, most severe first. */
export interface VulnerabilitySection {
  /** "Trivy", "Grype", "in-toto vulnerabilities". */
  format: string;
  scanner?: ClippedText;
  /** When the scan ran (ISO), when the report says. */
  scannedAt?: string;
  rows: VulnerabilityRow[];
  /** Findings in the report but not sent to the page; its JSON has them. */
  omitted: number;
  /** Findings per severity, of those read. */
  counts: Record<SeverityLevel, number>;
}

export interface VulnerabilityRow extends FindingFields {
  /** The advisory on osv.dev, for identifiers it knows (made here from the identifier, never a URL from the report). */
  url?: string;
}

/** What an OpenVEX statement says of a vulnerability in its products (the spec's four statuses). */
export type VexStatus = 'not_affected' | 'affected' | 'fixed' | 'under_investigation';

/** An OpenVEX document's statements (alone or as an attestation's predicate), in the document's order. */
export interface VexSection {
  author?: ClippedText;
  /** When the document was issued, as written. */
  timestamp?: ClippedText;
  version?: number;
  /** Statements per status, of those read. */
  counts: Record<VexStatus, number>;
  rows: VexRow[];
  /** Statements in the document but not sent to the page; its JSON has them. */
  omitted: number;
}

export interface VexRow {
  vulnerability: ClippedText;
  /** Its other names, comma-separated. */
  aliases?: ClippedText;
  status: VexStatus;
  /** As written: `vulnerable_code_not_in_execute_path`. */
  justification?: ClippedText;
  impact?: ClippedText;
  action?: ClippedText;
  /** The components' names (`libc6, ws`), comma-separated; none means the whole product. */
  subcomponents?: ClippedText;
  /** The components' full identifiers (package URLs), comma-separated. */
  subcomponentIds?: ClippedText;
  /** The products' identifiers, comma-separated. */
  products?: ClippedText;
  /** When the statement was made, as written, when it is not the document's time. */
  timestamp?: ClippedText;
  /** The advisory on osv.dev, for identifiers it knows (made here from the name, never a URL from the document). */
  url?: string;
}

/** An image's (or index's) vulnerability scan as its page sums it up, its own VEX applied. */
export interface ImageScanModel {
  found?: {
    format: string;
    scanner?: ClippedText;
    /** When the scan ran (ISO), when the report says. */
    scannedAt?: string;
    /** Where it was found, in words ("cosign's .att tag of the index"). */
    place: string;
    /** The manifest holding the report, to open. */
    report: Location;
    /** Findings per severity, those its VEX leaves out not counted. */
    counts: Record<SeverityLevel, number>;
    /** Findings its VEX calls not affected or fixed. */
    suppressed: number;
    /** Who stated the VEX, when there is one. */
    vexAuthor?: ClippedText;
    /** Its VEX's statements not applied: their products are other images, by digest. */
    vexAboutOtherImages: number;
  };
  /** Set when none was found: where it was looked for, and how to attach one. */
  missing?: string;
  problems: string[];
}

/** One thing an attestation is about: its name and digest, opening the manifest when it is one here. */
export interface SubjectRow {
  name?: ClippedText;
  digest: ClippedText;
  link?: Location;
}

export interface ReferrerRow {
  kind: string;
  icon: string;
  artifactType?: ClippedText;
  digest: string;
  sizeText: string;
  created?: string;
  link: Location;
}

/** The referrers of a manifest; `cut` when the registry listed more than the client reads. */
export interface ReferrerList {
  rows: ReferrerRow[];
  cut?: boolean;
  /** Why cosign's tags could not be read, as a sentence (the referrers are still listed). */
  attachmentsProblem?: string;
}

export interface OpenJsonTarget {
  host: string;
  repository: string;
  digest: string;
  kind: 'manifest' | 'blob';
  size?: number;
}

export interface PageModel {
  location: Location;
  /** Platforms, files or referrers left out of a very long list. */
  omittedRows?: number;
  /** The panel tab's title. */
  title: string;
  header: HeaderModel;
  openJson?: OpenJsonTarget;
  json?: JsonTree;
  platforms?: PlatformRow[];
  attestations?: PlatformRow[];
  image?: ImageSection;
  /** A config page: the same summary an image shows. */
  config?: ConfigSummary;
  files?: ArtifactFileRow[];
  /** An image reached from an index: the statements of the attestations that index lists for it. */
  attestedBy?: ArtifactFileRow[];
  /** Why they could not be read, as a sentence. */
  attestedByProblem?: string;
  /** A JSON blob that is an attestation: what it says. */
  attestation?: AttestationSection;
  /** A JSON blob that is an SBOM, or an attestation whose predicate is one: its packages. */
  sbom?: SbomSection;
  /** A JSON blob that is a vulnerability scan (Trivy, Grype, or an attestation of one): its findings. */
  vulnerabilities?: VulnerabilitySection;
  /** A JSON blob that is an OpenVEX document, or an attestation whose predicate is one: its statements. */
  vex?: VexSection;
  annotations: Fact[];
  subject?: { digest: string; link: Location };
  /** Manifest pages list the manifests that refer to this digest. */
  referrersOf?: string;
  /** A sentence shown above the sections, e.g. why a blob's content is not shown. */
  notice?: string;
}

export interface SizeResult {
  /** Bytes of the manifest, config and layers. */
  size?: number;
  sizeText?: string;
  problem?: string;
}

export interface FileRow {
  name: ClippedText;
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'char-device' | 'block-device' | 'fifo' | 'other';
  sizeText: string;
  /** `drwxr-xr-x`. */
  mode: string;
  owner: ClippedText;
  modified?: string;
  linkTarget?: ClippedText;
  whiteout?: ClippedText;
  unsafe?: string;
  /** Directories: how many entries are under it; 0 means nothing to expand. */
  childCount: number;
  fileCount: number;
  /** In an image's files: the layer that put it there (its content is read from that layer). */
  layer?: FileLayer;
  /** In an image's files, a symbolic link: the file it leads to, opened and saved in its place. */
  leadsTo?: { path: string; layer: FileLayer };
}

/** The layer a file of an image comes from. */
export interface FileLayer {
  /** From 0, in the manifest's order. */
  index: number;
  digest: string;
  mediaType: string;
  size: number;
}

/** A layer's listing, or why there is none to read: a foreign layer hosted outside the registry. */
export type LayerListResult = LayerSummary | { hostedElsewhere: string };

export interface LayerSummary {
  entries: number;
  files: number;
  directories: number;
  whiteouts: number;
  totalSizeText: string;
  compressedSizeText: string;
  root: FileRow[];
  /** Rows left out of the first level (huge directories), fetched with `layerChildren`. */
  rootOmitted: number;
}

/** An image's files, all layers applied. */
export interface FileSystemSummary {
  entries: number;
  files: number;
  directories: number;
  /** Layers read, and foreign layers left out (not in the registry). */
  layers: number;
  layersLeftOut: number;
  totalSizeText: string;
  compressedSizeText: string;
  root: FileRow[];
  rootOmitted: number;
}

/** Each request's parameters and result. */
export interface Requests {
  page: { params: Location; result: PageModel };
  imageSizes: { params: { host: string; repository: string; digests: string[] }; result: Record<string, SizeResult> };
  referrers: { params: { host: string; repository: string; digest: string }; result: ReferrerList };
  /** Looks for the manifest's vulnerability scan (and VEX), through `index` when it was reached from one. */
  imageScan: { params: { host: string; repository: string; digest: string; index?: string }; result: ImageScanModel };
  listLayer: { params: LayerLocation; result: LayerListResult };
  layerChildren: { params: { digest: string; path: string; offset: number }; result: { rows: FileRow[]; omitted: number } };
  listImageFiles: { params: FileSystemLocation; result: FileSystemSummary };
  /** `digest` is the image manifest's. */
  imageFilesChildren: { params: { digest: string; path: string; offset: number }; result: { rows: FileRow[]; omitted: number } };
  openJson: { params: OpenJsonTarget; result: null };
  openLayerFile: { params: LayerFileTarget; result: null };
  /** Asks where, then saves the whole file (the host shows the progress and the outcome). */
  saveLayerFile: { params: LayerFileTarget; result: null };
  copy: { params: { text: string; what: string }; result: null };
  openExternal: { params: { url: string }; result: null };
  cancel: { params: { id: number }; result: null };
}

export type Method = keyof Requests;

export type RequestMessage = RequestMessageOf<Requests>;

export type { ResponseMessage };

export type { LayerFileTarget };

/** Answers the host read ahead for the first page, so the webview need not ask. */
export interface Prefetched {
  imageSizes?: Record<string, SizeResult>;
  referrers?: ReferrerList;
}

/** Host → webview, unasked. */
export type HostEvent =
  /** The first location, with its page (and what that page asks next) when the host already has them. */
  | { type: 'start'; location: Location; page?: PageModel; answers?: Prefetched }
  | { type: 'layerProgress'; id: number; bytesRead: number; size: number; entries: number };

/** Webview → host, unanswered. */
export type WebviewNotice =
  | { type: 'ready' }
  /** Everything the page asked for has arrived and is laid out (tests and the benchmark wait for it). */
  | { type: 'rendered'; location: Location; title: string };

export type HostMessage = ResponseMessage | HostEvent;
export type WebviewMessage = RequestMessage | WebviewNotice;

/** What the webview keeps with `setState`, so a reload or a hidden tab comes back where it was. */
export interface WebviewState {
  history: Location[];
  index: number;
}

export const INSPECTOR_VIEW_TYPE = 'registryExplorer.inspector';

/** The longest file path a page may ask to open: PATH_MAX, as a layer's listing allows. */
export const MAX_LAYER_FILE_PATH = 4096;

/** An index's table shows image sizes for this many platforms (one manifest read each). */
export const MAX_SIZE_LOOKUPS = 100;
