/**
 * The packages an SBOM lists, as people look for them: name, version, license and package URL.
 * Reads SPDX 2.x JSON (`packages`) and CycloneDX JSON (`components`, nested ones included), on
 * their own or as the predicate of an in-toto statement (BuildKit's and cosign's SBOM
 * attestations). Registry data of any shape: fields of the wrong type are skipped, and at most
 * {@link MAX_SBOM_PACKAGES} packages are read.
 */
import { isJsonObject } from './manifest';

export interface SbomPackage {
  name: string;
  version?: string;
  /** The license as the SBOM concludes or declares it (SPDX expression or CycloneDX id/name). */
  license?: string;
  /** `pkg:deb/debian/libc6@2.36-9`: the package URL, when the SBOM gives one. */
  purl?: string;
}

export interface SbomRead {
  /** "SPDX-2.3", "CycloneDX 1.5". */
  format: string;
  packages: SbomPackage[];
  /** Packages the SBOM lists beyond those read. */
  omitted: number;
}

/** A Debian image lists a few hundred, a Node one a few thousand; past this the JSON shows them. */
export const MAX_SBOM_PACKAGES = 20_000;

/** Components nest in CycloneDX; deeper than this is not a real SBOM. */
const MAX_COMPONENT_DEPTH = 32;

/** The packages of an SPDX 2 or CycloneDX JSON document; undefined for any other document. */
export function readSbom(document: unknown): SbomRead | undefined {
  if (!isJsonObject(document)) return undefined;
  if (typeof document.spdxVersion === 'string' && /^SPDX-2\./.test(document.spdxVersion)) return readSpdx(document, document.spdxVersion);
  if (document.bomFormat === 'CycloneDX') return readCycloneDx(document);
  return undefined;
}

function readSpdx(document: Record<string, unknown>, version: string): SbomRead {
  const listed = Array.isArray(document.packages) ? document.packages : [];
  const packages: SbomPackage[] = [];
  let omitted = 0;
  for (const entry of listed) {
    if (!isJsonObject(entry) || typeof entry.name !== 'string') continue;
    if (packages.length >= MAX_SBOM_PACKAGES) {
      omitted++;
      continue;
    }
    const item: SbomPackage = { name: entry.name };
    if (typeof entry.versionInfo === 'string') item.version = entry.versionInfo;
    const license = [entry.licenseConcluded, entry.licenseDeclared].find(
      (l): l is string => typeof l === 'string' && l !== '' && l !== 'NOASSERTION' && l !== 'NONE',
    );
    if (license) item.license = license;
    const refs = Array.isArray(entry.externalRefs) ? entry.externalRefs : [];
    const purl = refs.find((r) => isJsonObject(r) && r.referenceType === 'purl' && typeof r.referenceLocator === 'string');
    if (purl) item.purl = (purl as { referenceLocator: string }).referenceLocator;
    packages.push(item);
  }
  return { format: version, packages, omitted };
}

function readCycloneDx(document: Record<string, unknown>): SbomRead {
  const packages: SbomPackage[] = [];
  let omitted = 0;
  // Depth first without recursion, components before their own components, in document order.
  const pending: { list: unknown[]; at: number; depth: number }[] = [];
  if (Array.isArray(document.components)) pending.push({ list: document.components, at: 0, depth: 0 });
  while (pending.length) {
    const top = pending[pending.length - 1]!;
    if (top.at >= top.list.length) {
      pending.pop();
      continue;
    }
    const entry = top.list[top.at++];
    if (!isJsonObject(entry)) continue;
    if (typeof entry.name === 'string') {
      if (packages.length >= MAX_SBOM_PACKAGES) omitted++;
      else packages.push(cycloneDxPackage(entry, entry.name));
    }
    if (Array.isArray(entry.components) && top.depth < MAX_COMPONENT_DEPTH)
      pending.push({ list: entry.components, at: 0, depth: top.depth + 1 });
  }
  const version = typeof document.specVersion === 'string' ? ` ${document.specVersion}` : '';
  return { format: `CycloneDX${version}`, packages, omitted };
}

function cycloneDxPackage(entry: Record<string, unknown>, name: string): SbomPackage {
  const group = typeof entry.group === 'string' && entry.group !== '' ? `${entry.group}/` : '';
  const item: SbomPackage = { name: `${group}${name}` };
  if (typeof entry.version === 'string') item.version = entry.version;
  if (typeof entry.purl === 'string') item.purl = entry.purl;
  const licenses = Array.isArray(entry.licenses) ? entry.licenses : [];
  const named = licenses
    .map((l) => {
      if (!isJsonObject(l)) return undefined;
      if (typeof l.expression === 'string') return l.expression;
      const license = isJsonObject(l.license) ? l.license : undefined;
      return typeof license?.id === 'string' ? license.id : typeof license?.name === 'string' ? license.name : undefined;
    })
    .filter((l): l is string => l !== undefined && l !== '');
  if (named.length) item.license = named.join(', ');
  return item;
}
