/**
 * The packages an SBOM lists, as people look for them: name, version, license and package URL.
 * Reads SPDX 2.x JSON (`packages`), SPDX 3 JSON-LD (the `@graph`'s packages, their licenses
 * found through relationships) and CycloneDX JSON (`components`, nested ones included), on their
 * own or as the predicate of an in-toto statement (BuildKit's and cosign's SBOM attestations).
 * Registry data of any shape: fields of the wrong type are skipped, and at most
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
  /** "SPDX-2.3", "SPDX-3.0.1", "CycloneDX 1.5". */
  format: string;
  packages: SbomPackage[];
  /** Packages the SBOM lists beyond those read. */
  omitted: number;
}

/** A Debian image lists a few hundred, a Node one a few thousand; past this the JSON shows them. */
export const MAX_SBOM_PACKAGES = 20_000;

/** Components nest in CycloneDX; deeper than this is not a real SBOM. */
const MAX_COMPONENT_DEPTH = 32;

/** The packages of an SPDX 2, SPDX 3 or CycloneDX JSON document; undefined for any other document. */
export function readSbom(document: unknown): SbomRead | undefined {
  if (!isJsonObject(document)) return undefined;
  if (typeof document.spdxVersion === 'string' && /^SPDX-2\./.test(document.spdxVersion)) return readSpdx(document, document.spdxVersion);
  if (document.bomFormat === 'CycloneDX') return readCycloneDx(document);
  const spdx3 = spdx3Format(document);
  if (spdx3) return readSpdx3(document, spdx3);
  return undefined;
}

function isMeaningfulLicense(license: unknown): license is string {
  return typeof license === 'string' && license !== '' && license !== 'NOASSERTION' && license !== 'NONE';
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
    const license = [entry.licenseConcluded, entry.licenseDeclared].find(isMeaningfulLicense);
    if (license) item.license = license;
    const refs = Array.isArray(entry.externalRefs) ? entry.externalRefs : [];
    const purl = refs.find((r) => isJsonObject(r) && r.referenceType === 'purl' && typeof r.referenceLocator === 'string');
    if (purl) item.purl = (purl as { referenceLocator: string }).referenceLocator;
    packages.push(item);
  }
  return { format: version, packages, omitted };
}

// SPDX 3 is JSON-LD: every element sits in `@graph`, and a package's license is a Relationship
// from the package to a license element. The short terms read here (`software_Package`,
// `software_packageUrl`, `simplelicensing_licenseExpression`, ...) are those of the SPDX 3.0.1
// JSON-LD context, https://spdx.org/rdf/3.0.1/spdx-context.jsonld, which the serialization chapter
// (https://spdx.github.io/spdx-spec/v3.0.1/serializations/) makes every document name; what they
// mean is the model's, e.g. https://spdx.github.io/spdx-spec/v3.0.1/model/Software/Classes/Package/
// and https://spdx.github.io/spdx-spec/v3.0.1/model/Core/Vocabularies/RelationshipType/.

/** The context every SPDX 3 JSON-LD document names; its path carries the spec version. */
const SPDX3_CONTEXT = /^https?:\/\/spdx\.org\/rdf\/(3[^/]{0,20})\/spdx-context\.jsonld$/;

/** A term written as a prefixed name (`spdx:Software/Package`) or a full IRI instead of the context's short term. */
const SPDX3_TERM_IRI = /^(?:spdx:|https?:\/\/spdx\.org\/rdf\/3[^/]{0,20}\/terms\/)([A-Za-z]+)\/([A-Za-z]+)(?:\/([A-Za-z0-9]+))?$/;

/** Package and its subclasses: an AI model or a dataset is listed as a package too. */
const SPDX3_PACKAGE_TYPES = new Set(['software_Package', 'ai_AIPackage', 'dataset_DatasetPackage']);

/** License elements (and license exceptions) known by their identity rather than by an expression they carry. */
const SPDX3_NAMED_LICENSE_TYPES = new Set([
  'expandedlicensing_ListedLicense',
  'expandedlicensing_CustomLicense',
  'expandedlicensing_ListedLicenseException',
  'expandedlicensing_CustomLicenseAddition',
]);

/**
 * The expanded-licensing model's compound licenses, made of other license elements: sets joined
 * by AND and OR, `X+`, and `X WITH exception`
 * (https://spdx.github.io/spdx-spec/v3.0.1/model/ExpandedLicensing/Classes/ConjunctiveLicenseSet/
 * and its siblings DisjunctiveLicenseSet, OrLaterOperator, WithAdditionOperator).
 */
const SPDX3_COMPOUND_LICENSE_TYPES = new Set([
  'expandedlicensing_ConjunctiveLicenseSet',
  'expandedlicensing_DisjunctiveLicenseSet',
  'expandedlicensing_OrLaterOperator',
  'expandedlicensing_WithAdditionOperator',
]);

/** How deep compound licenses may nest: real ones nest two or three levels; a cycle stops here too. */
const MAX_SPDX3_LICENSE_DEPTH = 8;

/** License elements read to put one license into words: sets of sets cannot multiply the work past this. */
const MAX_SPDX3_LICENSE_PARTS = 256;

/** A listed license's IRI ends in its SPDX id, so a document may name it without including it. */
const LISTED_LICENSE_IRI = /^https?:\/\/spdx\.org\/licenses\/([^/?#]+)$/;

/** Licenses one package can have joined into its cell; more than this is not a real SBOM. */
const MAX_SPDX3_LICENSES_PER_PACKAGE = 16;

/** "SPDX-3.0.1" when the document's `@context` (alone or in a list) is SPDX 3's; undefined otherwise. */
function spdx3Format(document: Record<string, unknown>): string | undefined {
  const context = document['@context'];
  for (const entry of Array.isArray(context) ? context : [context]) {
    const version = typeof entry === 'string' ? SPDX3_CONTEXT.exec(entry)?.[1] : undefined;
    if (version !== undefined) return /^3(?:\.\d{1,4}){0,3}$/.test(version) ? `SPDX-${version}` : 'SPDX-3';
  }
  return undefined;
}

/** The elements: `@graph`'s, or the document itself when it is a single element. */
function spdx3Graph(document: Record<string, unknown>): unknown[] {
  const graph = document['@graph'];
  if (Array.isArray(graph)) return graph;
  return [isJsonObject(graph) ? graph : document];
}

/** A class or individual by the context's short term (`software_Package`), however it is written. */
function spdx3Term(value: string): string {
  const match = SPDX3_TERM_IRI.exec(value);
  if (!match || match[3] !== undefined) return value;
  return match[1] === 'Core' ? match[2]! : `${match[1]!.toLowerCase()}_${match[2]!}`;
}

/** An enumeration's entry (`hasConcludedLicense`), also when written as its IRI. */
function spdx3VocabEntry(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return SPDX3_TERM_IRI.exec(value)?.[3] ?? value;
}

/** `type` (the context's alias of `@type`) may hold one class or several. */
function spdx3Types(element: Record<string, unknown>): string[] {
  const type = element.type ?? element['@type'];
  return (Array.isArray(type) ? type : [type]).filter((t): t is string => typeof t === 'string').map(spdx3Term);
}

/** `spdxId` is the context's alias of `@id`; blank nodes (CreationInfo) often use `@id` itself. */
function spdx3Id(element: Record<string, unknown>): string | undefined {
  const id = element.spdxId ?? element['@id'];
  return typeof id === 'string' ? id : undefined;
}

function isSpdx3Package(types: string[]): boolean {
  return types.some((t) => SPDX3_PACKAGE_TYPES.has(t));
}

function readSpdx3(document: Record<string, unknown>, format: string): SbomRead {
  const listed: Record<string, unknown>[] = [];
  let omitted = 0;
  // Relationships and license elements come in any order, before or after their packages: one
  // pass gathers them into maps, then each package is resolved with lookups, linear in the graph.
  const licenseById = new Map<string, string>();
  const compoundById = new Map<string, Record<string, unknown>>();
  const purlByIdentifierId = new Map<string, string>();
  const concluded = new Map<string, unknown[]>();
  const declared = new Map<string, unknown[]>();
  for (const element of spdx3Graph(document)) {
    if (!isJsonObject(element)) continue;
    const types = spdx3Types(element);
    if (isSpdx3Package(types)) {
      if (typeof element.name !== 'string') continue;
      if (listed.length < MAX_SBOM_PACKAGES) listed.push(element);
      else omitted++;
      continue;
    }
    const relationship = spdx3VocabEntry(element.relationshipType);
    if (relationship === 'hasConcludedLicense' || relationship === 'hasDeclaredLicense') {
      if (typeof element.from === 'string')
        addSpdx3Licenses(relationship === 'hasConcludedLicense' ? concluded : declared, element.from, element.to);
      continue;
    }
    const id = spdx3Id(element);
    if (id === undefined) continue;
    const license = spdx3LicenseText(element, types, id);
    if (license !== undefined && !licenseById.has(id)) licenseById.set(id, license);
    if (types.some((t) => SPDX3_COMPOUND_LICENSE_TYPES.has(t)) && !compoundById.has(id)) compoundById.set(id, element);
    // An ExternalIdentifier is usually inline, but JSON-LD lets it be a node of its own, referenced by id.
    if (spdx3VocabEntry(element.externalIdentifierType) === 'packageUrl' && typeof element.identifier === 'string')
      purlByIdentifierId.set(id, element.identifier);
  }
  // A license is referenced by id, or embedded as a node of its own (JSON-LD allows both); a
  // compound one is put into an expression from its parts, as far down as they nest.
  const licenseText = (ref: unknown, depth: number, seen: Set<string>, budget: { parts: number }): string | undefined => {
    if (depth > MAX_SPDX3_LICENSE_DEPTH || --budget.parts < 0) return undefined;
    const element = isJsonObject(ref) ? ref : undefined;
    const id = typeof ref === 'string' ? ref : element ? spdx3Id(element) : undefined;
    if (id !== undefined) {
      if (seen.has(id)) return undefined;
      const known = licenseById.get(id);
      if (known !== undefined) return known;
    }
    const compound = element ?? (id !== undefined ? compoundById.get(id) : undefined);
    if (compound) {
      const types = spdx3Types(compound);
      const within = id !== undefined ? new Set([...seen, id]) : seen;
      const text = compoundLicenseText(compound, types, (part) => licenseText(part, depth + 1, within, budget));
      if (text !== undefined) return text;
      if (element) return spdx3LicenseText(element, types, id ?? '');
    }
    // NoAssertionLicense and NoneLicense (SPDX 2's NOASSERTION and NONE) are individuals, no
    // element of the graph, so like any id that names nothing here they give no text.
    return id !== undefined ? LISTED_LICENSE_IRI.exec(id)?.[1] : undefined;
  };
  // Packages share their licenses: a license referenced by id is put into words once.
  const textById = new Map<string, string | undefined>();
  const topLicenseText = (ref: unknown): string | undefined => {
    if (typeof ref === 'string' && textById.has(ref)) return textById.get(ref);
    const text = licenseText(ref, 0, new Set(), { parts: MAX_SPDX3_LICENSE_PARTS });
    if (typeof ref === 'string') textById.set(ref, text);
    return text;
  };
  const licenseOf = (refs: unknown[] | undefined): string | undefined => {
    const named: string[] = [];
    for (const ref of refs ?? []) {
      const text = topLicenseText(ref);
      if (isMeaningfulLicense(text) && !named.includes(text)) named.push(text);
    }
    // Each `to` license governs the package, so several are all of them: a conjunction.
    return named.length > 1 ? named.map((t) => (/\s/.test(t) ? `(${t})` : t)).join(' AND ') : named[0];
  };
  const packages = listed.map((element) => {
    const item: SbomPackage = { name: element.name as string };
    if (typeof element.software_packageVersion === 'string') item.version = element.software_packageVersion;
    const id = spdx3Id(element);
    const license = id === undefined ? undefined : (licenseOf(concluded.get(id)) ?? licenseOf(declared.get(id)));
    if (license !== undefined) item.license = license;
    const purl = spdx3Purl(element, purlByIdentifierId);
    if (purl !== undefined) item.purl = purl;
    return item;
  });
  return { format, packages, omitted };
}

/** A relationship's `to` licenses: ids, or license nodes written in place. */
function addSpdx3Licenses(byPackage: Map<string, unknown[]>, from: string, to: unknown): void {
  const refs = byPackage.get(from) ?? [];
  for (const ref of Array.isArray(to) ? to : [to]) {
    if (refs.length >= MAX_SPDX3_LICENSES_PER_PACKAGE) break;
    if (typeof ref === 'string' || isJsonObject(ref)) refs.push(ref);
  }
  byPackage.set(from, refs);
}

/**
 * A compound license as an SPDX expression, its parts put into words by `part`: members joined by
 * AND or OR (a member that is itself an expression in parentheses), `X+`, `X WITH exception`.
 * Undefined when it is not compound or a part it needs names nothing readable.
 */
function compoundLicenseText(
  element: Record<string, unknown>,
  types: string[],
  part: (ref: unknown) => string | undefined,
): string | undefined {
  const grouped = (text: string): string => (/\s/.test(text) ? `(${text})` : text);
  const joiner = types.includes('expandedlicensing_ConjunctiveLicenseSet')
    ? ' AND '
    : types.includes('expandedlicensing_DisjunctiveLicenseSet')
      ? ' OR '
      : undefined;
  if (joiner !== undefined) {
    const members = element.expandedlicensing_member;
    const texts: string[] = [];
    for (const member of (Array.isArray(members) ? members : [members]).slice(0, MAX_SPDX3_LICENSES_PER_PACKAGE)) {
      const text = part(member);
      if (isMeaningfulLicense(text) && !texts.includes(text)) texts.push(text);
    }
    return texts.length > 1 ? texts.map(grouped).join(joiner) : texts[0];
  }
  if (types.includes('expandedlicensing_OrLaterOperator')) {
    const license = part(element.expandedlicensing_subjectLicense);
    return isMeaningfulLicense(license) ? `${grouped(license)}+` : undefined;
  }
  if (types.includes('expandedlicensing_WithAdditionOperator')) {
    const license = part(element.expandedlicensing_subjectExtendableLicense);
    if (!isMeaningfulLicense(license)) return undefined;
    const addition = part(element.expandedlicensing_subjectAddition);
    return isMeaningfulLicense(addition) ? `${grouped(license)} WITH ${grouped(addition)}` : license;
  }
  return undefined;
}

/** What a license element says: its expression, or a listed license's id, or a license's name. */
function spdx3LicenseText(element: Record<string, unknown>, types: string[], id: string): string | undefined {
  const expression = element.simplelicensing_licenseExpression;
  if (typeof expression === 'string') return expression;
  if (!types.some((t) => SPDX3_NAMED_LICENSE_TYPES.has(t))) return undefined;
  return LISTED_LICENSE_IRI.exec(id)?.[1] ?? (isMeaningfulLicense(element.name) ? element.name : undefined);
}

function spdx3Purl(element: Record<string, unknown>, purlByIdentifierId: Map<string, string>): string | undefined {
  if (typeof element.software_packageUrl === 'string' && element.software_packageUrl !== '') return element.software_packageUrl;
  const identifiers = element.externalIdentifier;
  for (const identifier of Array.isArray(identifiers) ? identifiers : [identifiers]) {
    if (typeof identifier === 'string') {
      const purl = purlByIdentifierId.get(identifier);
      if (purl !== undefined) return purl;
    } else if (
      isJsonObject(identifier) &&
      spdx3VocabEntry(identifier.externalIdentifierType) === 'packageUrl' &&
      typeof identifier.identifier === 'string'
    )
      return identifier.identifier;
  }
  return undefined;
}

/** What an SPDX 3 document says of itself, for an attestation's facts. */
export interface Spdx3Overview {
  /** "SPDX-3.0.1". */
  format: string;
  /** The SpdxDocument element's name. */
  name?: string;
  /** When the SpdxDocument was created. */
  created?: string;
  packages: number;
  files: number;
}

/** The overview of an SPDX 3 JSON-LD document; undefined for any other document. */
export function spdx3Overview(document: unknown): Spdx3Overview | undefined {
  if (!isJsonObject(document)) return undefined;
  const format = spdx3Format(document);
  if (format === undefined) return undefined;
  const overview: Spdx3Overview = { format, packages: 0, files: 0 };
  let spdxDocument: Record<string, unknown> | undefined;
  // CreationInfo is inline or a node of its own (a blank node the elements share), referenced by id.
  const createdById = new Map<string, string>();
  for (const element of spdx3Graph(document)) {
    if (!isJsonObject(element)) continue;
    const types = spdx3Types(element);
    if (isSpdx3Package(types)) overview.packages++;
    else if (types.includes('software_File')) overview.files++;
    else if (types.includes('SpdxDocument')) spdxDocument ??= element;
    else if (types.includes('CreationInfo')) {
      const id = spdx3Id(element);
      if (id !== undefined && typeof element.created === 'string') createdById.set(id, element.created);
    }
  }
  if (typeof spdxDocument?.name === 'string') overview.name = spdxDocument.name;
  const info = spdxDocument?.creationInfo;
  const created = isJsonObject(info) ? info.created : typeof info === 'string' ? createdById.get(info) : undefined;
  if (typeof created === 'string') overview.created = created;
  return overview;
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
