/**
 * Registry content → what the inspector shows. Pure functions (no VS Code, no network), so every
 * page can be checked with hostile input in unit tests. Every registry-controlled string leaves
 * here clipped, as text; URLs only as http(s).
 */
import { shortDigest } from '../../core/oci/digest';
import {
  formatPlatform,
  imageSize,
  isFileManifest,
  isAttestationEntry,
  titleOf,
  type Descriptor,
  type ImageManifest,
  type ParsedManifest,
} from '../../core/oci/manifest';
import { digestTagIcon, kindIcon, kindName } from '../../core/oci/media-types';
import { claimOf } from '../../core/oci/attestation';
import { readNotaryCoseSignature } from '../../core/oci/notary-cose';
import type { CosignAttachment } from '../../core/registry/cosign-attachments';
import { readSbom } from '../../core/oci/sbom';
import { readVulnerabilityReport } from '../../core/oci/vulnerability-report';
import { readOpenVex } from '../../core/oci/openvex';
import type {
  ArtifactFileRow,
  BlobLocation,
  FileSystemLocation,
  HeaderModel,
  ImageSection,
  LayerLocation,
  LayerRow,
  Location,
  ManifestLocation,
  PageModel,
  PlatformRow,
  ReferrerRow,
} from './protocol';
import { formatBytes } from '../../shared/format';
import { clipLabel, configSummary, labelFacts } from './config-summary';
import { alignHistory } from './history';
import { jsonTree } from './json-tree';
import { descriptorLink, isImageConfig, type Place } from './links';
import { clip } from './text';
import { attestationSection, readSigned } from './attestation-section';
import { sbomSection } from './sbom-section';
import { vulnerabilitySection } from './vulnerability-section';
import { vexSection } from './vex-section';

/** Rows (platforms, layers, history steps, files) beyond this are left out of a page; Open as JSON shows all. */
export const MAX_ROWS = 1000;

/** The config as read for a manifest page: its JSON, or why it could not be read. */
export type ConfigRead = { json: unknown } | { problem: string };

export function manifestPage(location: ManifestLocation, parsed: ParsedManifest, config?: ConfigRead): PageModel {
  const document = parsed.kind === 'index' ? parsed.index : parsed.manifest;
  const page: PageModel = {
    location,
    title: titleFor(location),
    header: manifestHeader(location, parsed),
    openJson: { host: location.host, repository: location.repository, digest: parsed.descriptor.digest, kind: 'manifest' },
    json: jsonTree(document, { linkAt: (path, value) => manifestLinkAt(location, parsed, path, value) }),
    annotations: labelFacts(document.annotations ?? {}),
    referrersOf: parsed.descriptor.digest,
  };
  if (document.subject)
    page.subject = {
      digest: document.subject.digest,
      link: descriptorLink(location, document.subject, 'subject', undefined, `the subject of ${titleFor(location)}`),
    };
  if (parsed.kind === 'index') {
    const entries = parsed.index.manifests;
    const title = titleFor(location);
    const shown = entries.slice(0, MAX_ROWS);
    if (entries.length > shown.length) page.omittedRows = entries.length - shown.length;
    page.platforms = shown.filter((d) => !isAttestationEntry(d)).map((d) => platformRow(location, d, title, parsed.descriptor.digest));
    const attestations = shown.filter((d) => isAttestationEntry(d)).map((d) => platformRow(location, d, title));
    // An attestation names its image by digest; the index says which platform that is.
    const platformOf = new Map(page.platforms.map((p) => [p.digest, p.platform]));
    for (const row of attestations) {
      const platform = row.attests === undefined ? undefined : platformOf.get(row.attests);
      if (platform !== undefined) row.attestsPlatform = platform;
    }
    if (attestations.length) page.attestations = attestations;
  } else if (isFileManifest(parsed)) {
    page.files = artifactFiles(location, parsed.manifest, parsed.descriptor.digest);
    if (parsed.manifest.layers.length > MAX_ROWS) page.omittedRows = parsed.manifest.layers.length - MAX_ROWS;
  } else {
    page.image = imageSection(location, parsed.manifest, parsed.descriptor.digest, config);
  }
  return page;
}

/** A JSON blob: an image config (with the image's layers and history when the manifest is known), or an artifact file. */
export function blobPage(location: BlobLocation, json: unknown, manifest?: ParsedManifest): PageModel {
  const header = blobHeader(location);
  const page: PageModel = {
    location,
    title: titleFor(location),
    header,
    openJson: { host: location.host, repository: location.repository, digest: location.digest, kind: 'blob', size: location.size },
    json: jsonTree(json),
    annotations: [],
  };
  if (location.role === 'file') {
    const layer = manifest?.kind === 'image' ? manifest.manifest.layers.find((d) => d.digest === location.digest) : undefined;
    const signed = readSigned(json, layer?.annotations);
    if (signed) page.attestation = attestationSection(location, signed, titleFor(location));
    // An SBOM, a scan report or an OpenVEX document: on its own (an artifact's file, `oras attach`)
    // or as an attestation's predicate (BuildKit's, `cosign attest`, `vexctl attest`).
    const said = <T>(read: (document: unknown) => T | undefined): T | undefined => read(json) ?? read(signed?.statement?.predicate);
    const sbom = said(readSbom);
    if (sbom) page.sbom = sbomSection(sbom);
    const scan = said(readVulnerabilityReport);
    if (scan) page.vulnerabilities = vulnerabilitySection(scan);
    const vex = said(readOpenVex);
    if (vex) page.vex = vexSection(vex);
  }
  if (location.role === 'config' && isImageConfig(location.mediaType)) {
    const summary = configSummary(json);
    if (summary) page.config = summary;
    if (manifest?.kind === 'image') {
      const { config: _shownAbove, ...section } = imageSection(location, manifest.manifest, manifest.descriptor.digest, { json });
      page.image = section;
    }
  }
  return page;
}

/**
 * A COSE signature envelope (`application/cose`): binary CBOR, so no JSON tree; a Notary Project
 * signature's section, the same as its JWS envelope gives, or a sentence saying why not.
 */
export function coseEnvelopePage(location: BlobLocation, bytes: Uint8Array): PageModel {
  const page: PageModel = { location, title: titleFor(location), header: blobHeader(location), annotations: [] };
  const read = readNotaryCoseSignature(bytes);
  if (read) page.attestation = attestationSection(location, read, titleFor(location));
  else
    page.notice =
      'This COSE envelope is not a Notary Project signature this page can read (or it is damaged), so its content is not shown; pull the artifact to read it.';
  return page;
}

/** A blob whose content is not shown (not JSON, or too big): its header and a sentence saying why. */
export function unreadableBlobPage(location: BlobLocation, notice: string): PageModel {
  return { location, title: titleFor(location), header: blobHeader(location), annotations: [], notice };
}

/**
 * An image's files, all layers applied: its header (the manifest's digest, its layers' compressed
 * size); the webview then asks for the listing, which streams every layer.
 */
export function fileSystemPage(location: FileSystemLocation, parsed: ParsedManifest): PageModel {
  const pinned = `${location.host}/${location.repository}@${parsed.descriptor.digest}`;
  const layers = parsed.kind === 'image' ? parsed.manifest.layers : [];
  const size = layers.reduce((sum, layer) => sum + layer.size, 0);
  const header: HeaderModel = {
    icon: 'files',
    kind: 'Files of the image, all layers applied',
    reference: clip(pinned),
    digest: parsed.descriptor.digest,
    pinned,
    mediaType: clip(parsed.mediaType, 256),
    size,
    sizeText: formatBytes(size),
    sizeNote: `${layers.length} layer${layers.length === 1 ? '' : 's'}, compressed, as stored`,
    facts: [],
  };
  if (location.label) header.facts.push({ label: 'Of', value: clip(location.label, 256) });
  const page: PageModel = { location, title: titleFor(location), header, annotations: [] };
  if (parsed.kind !== 'image') page.notice = 'This manifest is an index, not an image: open one of its platforms to see its files.';
  else if (isFileManifest(parsed))
    page.notice = 'This manifest is an artifact, not an image: its layers are files of their own, listed on its page.';
  return page;
}

/** A layer: its header; the webview then asks for the file listing, which streams. */
export function layerPage(location: LayerLocation): PageModel {
  const header: HeaderModel = {
    ...blobHeader(location),
    icon: 'archive',
    kind: kindName(location.mediaType),
  };
  return { location, title: titleFor(location), header, annotations: [] };
}

/** Rows for a manifest's OCI referrers, then for cosign's tag attachments (named by what they are). */
export function referrerRows(
  place: Place,
  subject: string,
  referrers: readonly Descriptor[],
  attachments: readonly Pick<CosignAttachment, 'name' | 'kind' | 'descriptor'>[] = [],
): ReferrerRow[] {
  // A HEAD of cosign's tag gives no artifact type: its name and icon come from the tag.
  const named = new Map(attachments.map((a) => [a.descriptor, a]));
  return [...referrers, ...attachments.map((a) => a.descriptor)].map((d) => {
    const claim = claimLabel(d);
    const attachment = named.get(d);
    const kind =
      attachment?.name ??
      (claim === undefined ? kindName(d.mediaType, d.artifactType) : clipLabel(`${kindName(d.mediaType, d.artifactType)}: ${claim}`));
    const row: ReferrerRow = {
      kind,
      icon: attachment ? digestTagIcon(attachment.kind) : kindIcon(d.mediaType, d.artifactType),
      digest: d.digest,
      sizeText: formatBytes(d.size),
      link: descriptorLink(place, d, 'entry', undefined, `${clipLabel(kind)} of ${place.repository}@${shortDigest(subject)}`),
    };
    if (d.artifactType) row.artifactType = clip(d.artifactType, 256);
    const created = d.annotations?.['org.opencontainers.image.created'];
    if (created) row.created = clip(created, 64).text;
    return row;
  });
}

export function titleFor(location: Location): string {
  const short = `${location.repository}@${shortDigest(location.digest)}`;
  if (location.kind === 'manifest') return location.tag ? `${location.repository}:${location.tag}` : short;
  if (location.kind === 'layer') return `${short} files`;
  if (location.kind === 'filesystem') return `${short} all files`;
  return location.role === 'config' ? `${short} config` : `${location.repository}: ${location.title ?? shortDigest(location.digest)}`;
}

function manifestHeader(location: ManifestLocation, parsed: ParsedManifest): HeaderModel {
  const { descriptor, mediaType } = parsed;
  const pinned = `${location.host}/${location.repository}@${descriptor.digest}`;
  const shownType = descriptor.artifactType ?? (parsed.kind === 'image' ? sharedFileType(parsed) : undefined);
  const header: HeaderModel = {
    icon: parsed.kind === 'index' ? 'layers' : kindIcon(mediaType, shownType),
    kind: kindName(mediaType, shownType),
    // Without a tag the digest is right below: the reference names the repository only.
    reference: clip(`${location.host}/${location.repository}${location.tag ? `:${location.tag}` : ''}`),
    digest: descriptor.digest,
    pinned,
    pullCommand: `docker pull ${pinned}`,
    mediaType: clip(mediaType, 256),
    size: descriptor.size,
    sizeText: formatBytes(descriptor.size),
    sizeNote: 'manifest',
    facts: [],
  };
  if (descriptor.artifactType) header.artifactType = clip(descriptor.artifactType, 256);
  if (parsed.kind === 'index') {
    const entries = parsed.index.manifests;
    const attestations = entries.filter((d) => isAttestationEntry(d)).length;
    const platforms = entries.length - attestations;
    header.facts.push({
      label: 'Platforms',
      value: { text: `${platforms}${attestations ? ` (and ${attestations} attestation${attestations === 1 ? '' : 's'})` : ''}` },
    });
    header.sizeNote = 'index manifest; the platforms below add their own';
  } else {
    const size = imageSize(parsed.manifest, parsed.bytes.length);
    const count = parsed.manifest.layers.length;
    const what = isFileManifest(parsed) ? 'file' : 'layer';
    Object.assign(header, {
      size,
      sizeText: formatBytes(size),
      sizeNote: `manifest, config and ${count} ${what}${count === 1 ? '' : 's'}`,
    });
  }
  if (location.via) header.facts.push({ label: 'Reached as', value: clip(location.via, 512) });
  const created = (parsed.kind === 'index' ? parsed.index.annotations : parsed.manifest.annotations)?.['org.opencontainers.image.created'];
  if (created) header.facts.push({ label: 'Created', value: clip(created, 64) });
  return header;
}

function blobHeader(location: BlobLocation | LayerLocation): HeaderModel {
  const pinned = `${location.host}/${location.repository}@${location.digest}`;
  const kind = location.kind === 'blob' && location.title ? location.title : kindName(location.mediaType);
  const header: HeaderModel = {
    icon: location.kind === 'blob' && location.role === 'config' ? 'settings-gear' : 'file',
    kind: clipLabel(kind),
    reference: clip(pinned),
    digest: location.digest,
    pinned,
    mediaType: clip(location.mediaType, 256),
    size: location.size,
    sizeText: formatBytes(location.size),
    sizeNote: location.kind === 'layer' ? 'compressed, as stored' : 'blob',
    facts: [],
  };
  if (location.kind === 'layer' && location.label) header.facts.push({ label: 'In', value: clip(location.label, 256) });
  return header;
}

function platformRow(place: Place, d: Descriptor, indexTitle: string, indexDigest?: string): PlatformRow {
  const p = d.platform;
  const platform = clipLabel(
    p ? formatPlatform({ os: p.os, architecture: p.architecture, ...(p.variant ? { variant: p.variant } : {}) }) : 'no platform given',
  );
  const row: PlatformRow = {
    platform,
    os: clip(p?.os ?? '', 64),
    architecture: clip(p?.architecture ?? '', 64),
    digest: d.digest,
    manifestSize: formatBytes(d.size),
    link: descriptorLink(
      place,
      d,
      'entry',
      undefined,
      isAttestationEntry(d) ? `an attestation in ${indexTitle}` : `${platform} in ${indexTitle}`,
    ),
  };
  // A platform's page shows the attestations its index lists for it.
  if (indexDigest !== undefined && row.link.kind === 'manifest') row.link.index = indexDigest;
  if (p?.variant) row.variant = clip(p.variant, 64);
  if (p?.['os.version']) row.osVersion = clip(p['os.version'], 128);
  const attests = d.annotations?.['vnd.docker.reference.digest'];
  if (attests) row.attests = clip(attests, 128).text;
  return row;
}

function imageSection(
  place: ManifestLocation | BlobLocation,
  manifest: ImageManifest,
  manifestDigest: string,
  config?: ConfigRead,
): ImageSection {
  const total = manifest.layers.reduce((sum, layer) => sum + layer.size, 0);
  const count = manifest.layers.length;
  const layers: LayerRow[] = manifest.layers.slice(0, MAX_ROWS).map((d, index) => ({
    index,
    digest: d.digest,
    kind: kindName(d.mediaType),
    size: d.size,
    sizeText: formatBytes(d.size),
    share: total > 0 ? d.size / total : 0,
    link: descriptorLink(place, d, 'layer', manifestDigest, layerLabel(place, manifestDigest, index, count)),
  }));
  const json = config && 'json' in config ? config.json : undefined;
  const history = alignHistory((json as { history?: unknown } | undefined)?.history, count);
  // Only steps whose layer has a row are kept, so a row never points past the layers shown.
  const rows = history.rows.filter((row, i) => i < MAX_ROWS && (row.layer === undefined || row.layer < layers.length));
  const section: ImageSection = {
    configLink: descriptorLink(place, manifest.config, 'config', manifestDigest),
    filesLink: {
      kind: 'filesystem',
      host: place.host,
      repository: place.repository,
      digest: manifestDigest,
      label: imageLabel(place, manifestDigest),
    },
    layers,
    history: rows,
  };
  if (rows.length < history.rows.length) section.historyOmitted = history.rows.length - rows.length;
  if (history.mismatch) section.historyMismatch = history.mismatch;
  if (config && 'problem' in config) section.configProblem = config.problem;
  const summary = json === undefined ? undefined : configSummary(json);
  if (summary) section.config = summary;
  return section;
}

/** The statements of an image's attestation manifests, each titled by the claim it makes. */
export function attestationRows(place: Place, attestations: readonly ParsedManifest[]): ArtifactFileRow[] {
  return attestations.flatMap((m) => (m.kind === 'image' ? artifactFiles(place, m.manifest, m.descriptor.digest) : [])).slice(0, MAX_ROWS);
}

/** Whose files: how the image was reached ("linux/amd64 in apps/web:v1", "apps/web:v1"), else its pinned name. */
function imageLabel(place: ManifestLocation | BlobLocation, manifestDigest: string): string {
  if (place.kind === 'manifest' && place.digest === manifestDigest) {
    if (place.via) return place.via;
    if (place.tag) return `${place.repository}:${place.tag}`;
  }
  return `${place.repository}@${shortDigest(manifestDigest)}`;
}

function layerLabel(place: Place, manifestDigest: string, index: number, count: number): string {
  return `layer ${index + 1} of ${count} in ${place.repository}@${shortDigest(manifestDigest)}`;
}

/** The one media type an image-shaped manifest's files all have, which names it ("in-toto attestation"). */
function sharedFileType(parsed: ParsedManifest & { kind: 'image' }): string | undefined {
  if (!isFileManifest(parsed)) return undefined;
  const [first, ...rest] = parsed.manifest.layers;
  return first && rest.every((d) => d.mediaType === first.mediaType) ? first.mediaType : undefined;
}

function artifactFiles(place: Place, manifest: ImageManifest, manifestDigest: string): ArtifactFileRow[] {
  return manifest.layers.slice(0, MAX_ROWS).map((d, i) => {
    const claim = claimLabel(d);
    // BuildKit's statement layers have no title: the claim each makes names them.
    const title = titleOf(d) ?? claim;
    const link = descriptorLink(place, d, 'layer', manifestDigest, title);
    if (link.kind === 'blob' && title !== undefined) link.title = title;
    return {
      title: clip(title ?? `file ${i + 1}`, 256),
      kind: claim !== undefined && titleOf(d) !== undefined ? clipLabel(`${kindName(d.mediaType)}: ${claim}`) : kindName(d.mediaType),
      digest: d.digest,
      sizeText: formatBytes(d.size),
      link,
    };
  });
}

/** The claim an attestation layer or manifest says it makes, by its annotations, clipped. */
function claimLabel(d: Descriptor): string | undefined {
  const claim = claimOf(d.annotations);
  return claim === undefined ? undefined : clipLabel(claim);
}

/** Digests in a manifest's JSON that open something: index entries, the config, layers, the subject. */
function manifestLinkAt(place: Place, parsed: ParsedManifest, path: readonly (string | number)[], value: string): Location | undefined {
  if (path.at(-1) !== 'digest') return undefined;
  const [field, index] = path;
  if (field === 'subject' && path.length === 2) {
    const subject = parsed.kind === 'index' ? parsed.index.subject : parsed.manifest.subject;
    return subject?.digest === value ? descriptorLink(place, subject, 'subject') : undefined;
  }
  if (path.length !== 3 || typeof index !== 'number') {
    if (parsed.kind === 'image' && field === 'config' && path.length === 2)
      return descriptorLink(place, parsed.manifest.config, 'config', parsed.descriptor.digest);
    return undefined;
  }
  if (parsed.kind === 'index' && field === 'manifests') {
    const entry = parsed.index.manifests[index];
    return entry?.digest === value ? descriptorLink(place, entry, 'entry') : undefined;
  }
  if (parsed.kind === 'image' && field === 'layers') {
    const layer = parsed.manifest.layers[index];
    if (layer?.digest !== value) return undefined;
    return descriptorLink(
      place,
      layer,
      'layer',
      parsed.descriptor.digest,
      titleOf(layer) ?? layerLabel(place, parsed.descriptor.digest, index, parsed.manifest.layers.length),
    );
  }
  return undefined;
}
