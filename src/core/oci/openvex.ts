/**
 * OpenVEX documents (github.com/openvex/spec, OPENVEX-SPEC.md): an author's statements that a
 * vulnerability does or does not affect a product, as `vexctl attest --attach` and `docker scout
 * attestation add` hang them on an image. Read for people (each statement's vulnerability, status,
 * justification and subcomponents) and for scanners' findings (which of them the author says are
 * not_affected or fixed). Both the v0.2 shape (`vulnerability: {name, aliases}`, products and
 * subcomponents as `{ "@id" }` structs) and the earlier one (plain strings) are read. Registry data
 * of any shape: fields of the wrong type are skipped, and at most {@link MAX_VEX_STATEMENTS} read.
 */
import { isJsonObject } from './manifest';
import { purlName, reportedName } from './purl';
import { findingNames, type Vulnerability } from './vulnerability-report';

export type VexStatus = 'not_affected' | 'affected' | 'fixed' | 'under_investigation';

export interface VexStatement {
  /** The vulnerability's name: `CVE-2023-12345`. */
  vulnerability: string;
  /** Other names it is known by (`GHSA-…`), as the statement lists them. */
  aliases: string[];
  status: VexStatus;
  /** The products it is about, by identifier (a package URL, most often `pkg:oci/…`). */
  products: string[];
  /** The components in them the vulnerability is in (`pkg:deb/debian/libssl3@…`); none means the whole product. */
  subcomponents: string[];
  /** `vulnerable_code_not_in_execute_path`: why a not_affected product is not. */
  justification?: string;
  impact?: string;
  action?: string;
  /** When it was known to be true (its own time, else the document's), as written. */
  timestamp?: string;
}

export interface VexDocument {
  author?: string;
  timestamp?: string;
  version?: number;
  statements: VexStatement[];
  /** Statements past those read. */
  omitted: number;
}

/** A distroless image's VEX holds tens of statements, a platform's a few thousand. */
export const MAX_VEX_STATEMENTS = 10_000;
/** Identifiers and aliases read per statement at most. */
const MAX_LIST = 64;
/** Aliases read per statement at most: real ones list a few; each is a key of the matching index. */
const MAX_ALIASES = 16;
const MAX_FIELD_CHARS = 1024;
const STATUSES: ReadonlySet<string> = new Set(['not_affected', 'affected', 'fixed', 'under_investigation']);

/** An OpenVEX document's statements; undefined for any other document. */
export function readOpenVex(document: unknown): VexDocument | undefined {
  if (!isJsonObject(document) || !Array.isArray(document.statements)) return undefined;
  const context = document['@context'];
  if (typeof context !== 'string' || !/^https:\/\/openvex\.dev\/ns(\/|$)/.test(context)) return undefined;
  const documentTime = text(document.timestamp);
  // Products may be given once for the whole document (the spec's inheritance).
  const documentProducts = components(document.products);
  const statements: VexStatement[] = [];
  let omitted = 0;
  for (const entry of document.statements) {
    const statement = isJsonObject(entry) ? readStatement(entry, documentTime, documentProducts) : undefined;
    if (!statement) continue;
    if (statements.length < MAX_VEX_STATEMENTS) statements.push(statement);
    else omitted++;
  }
  const version = typeof document.version === 'number' && Number.isSafeInteger(document.version) ? document.version : undefined;
  return {
    ...optional('author', text(document.author)),
    ...optional('timestamp', documentTime),
    ...(version !== undefined ? { version } : {}),
    statements,
    omitted,
  };
}

function readStatement(
  entry: Record<string, unknown>,
  documentTime: string | undefined,
  documentProducts: string[],
): VexStatement | undefined {
  const status = typeof entry.status === 'string' && STATUSES.has(entry.status) ? (entry.status as VexStatus) : undefined;
  // v0.2: `{ name, aliases }`; earlier: the name as a string.
  const vulnerability = isJsonObject(entry.vulnerability) ? entry.vulnerability : { name: entry.vulnerability };
  const name = text(vulnerability.name);
  if (status === undefined || name === undefined) return undefined;
  const aliases = Array.isArray(vulnerability.aliases) ? vulnerability.aliases.slice(0, MAX_ALIASES).map(text).filter(isText) : [];
  const products = Array.isArray(entry.products) ? entry.products.slice(0, MAX_LIST) : [];
  // v0.2 nests subcomponents in each product; earlier versions list them on the statement.
  const subcomponents = [
    ...components(entry.subcomponents),
    ...products.flatMap((p) => (isJsonObject(p) ? components(p.subcomponents) : [])),
  ].slice(0, MAX_LIST);
  return {
    vulnerability: name,
    aliases,
    status,
    products: products.length ? components(products) : documentProducts,
    subcomponents,
    ...optional('justification', text(entry.justification)),
    ...optional('impact', text(entry.impact_statement)),
    ...optional('action', text(entry.action_statement)),
    ...optional('timestamp', text(entry.last_updated) ?? text(entry.timestamp) ?? documentTime),
  };
}

/** Component identifiers: a string, or a struct's `@id` or `identifiers.purl`. */
function components(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list
    .slice(0, MAX_LIST)
    .map((c) => (isJsonObject(c) ? (text(c['@id']) ?? (isJsonObject(c.identifiers) ? text(c.identifiers.purl) : undefined)) : text(c)))
    .filter(isText);
}

/**
 * Statements by each name they give their vulnerability (lower case), so findings are matched in
 * one pass, with each statement's place in the document (a later one overrides an earlier).
 */
export interface VexIndex {
  readonly byName: ReadonlyMap<string, readonly VexStatement[]>;
  readonly place: ReadonlyMap<VexStatement, number>;
}

export function indexVex(statements: readonly VexStatement[]): VexIndex {
  const byName = new Map<string, VexStatement[]>();
  const place = new Map<VexStatement, number>();
  statements.forEach((statement, i) => {
    place.set(statement, i);
    for (const name of new Set([statement.vulnerability, ...statement.aliases].map((n) => n.toLowerCase()))) {
      const known = byName.get(name);
      if (known) known.push(statement);
      else byName.set(name, [statement]);
    }
  });
  return { byName, place };
}

/**
 * The statement that decides `finding`, when one does: those naming its advisory or one of its
 * aliases (by name or alias, any letter case: a statement about a CVE decides Grype's GHSA finding
 * related to it) and, when they name subcomponents, its package; of several, the latest (by
 * timestamp, then by place in the document), since each statement overrides the ones before.
 * The products are not matched here: the document was found attached to the image it is about,
 * and {@link applyVex} leaves out statements whose products are other images by digest.
 */
export function vexStatementFor(finding: Vulnerability, index: VexIndex): VexStatement | undefined {
  const candidates = new Set<VexStatement>();
  for (const name of findingNames(finding)) for (const statement of index.byName.get(name) ?? []) candidates.add(statement);
  const inOrder = [...candidates].sort((x, y) => index.place.get(x)! - index.place.get(y)!);
  let decided: VexStatement | undefined;
  for (const statement of inOrder) {
    if (statement.subcomponents.length && !statement.subcomponents.some((c) => namesPackage(c, finding.package))) continue;
    if (!decided || !isEarlier(statement.timestamp, decided.timestamp)) decided = statement;
  }
  return decided;
}

/**
 * Whether a subcomponent identifier names `pkg` as scanners name packages: a package URL by its
 * name, or with its npm scope or Maven group as scanners write those; anything else as written.
 */
function namesPackage(component: string, pkg: string | undefined): boolean {
  if (pkg === undefined) return false;
  const wanted = pkg.toLowerCase();
  const purl = purlName(component);
  if (!purl) return component.toLowerCase() === wanted;
  return [purl.name, reportedName(purl)].some((candidate) => candidate.toLowerCase() === wanted);
}

/** Whether time `a` is known to be before `b`; unknown or unreadable times do not reorder statements. */
function isEarlier(a: string | undefined, b: string | undefined): boolean {
  const x = a !== undefined ? Date.parse(a) : NaN;
  const y = b !== undefined ? Date.parse(b) : NaN;
  return Number.isFinite(x) && Number.isFinite(y) && x < y;
}

/**
 * The image digest an OCI package URL names as its version (`pkg:oci/app@sha256%3A…`, the colon
 * encoded as the spec asks or not); undefined for other identifiers, and for an OCI package URL
 * without a digest (the image by name, any build of it).
 */
export function ociProductDigest(product: string): string | undefined {
  if (purlName(product)?.type !== 'oci') return undefined;
  const version = /^[^?#]*@((?:sha256|sha512)(?::|%3a)[0-9a-f]{64,128})(?:[?#]|$)/i.exec(product)?.[1];
  return version?.replace(/%3a/i, ':').toLowerCase();
}

/**
 * Whether a statement is about other images than `digests` (the image's own and its index's):
 * every product it names is an OCI package URL with a digest, and none is one of these. A
 * statement naming no product, a product by another kind of identifier, or an image by name alone
 * is taken as being about the image its document is attached to, as before.
 */
export function isAboutOtherImages(statement: VexStatement, digests: readonly string[]): boolean {
  if (!statement.products.length) return false;
  const named = statement.products.map(ociProductDigest);
  if (named.some((digest) => digest === undefined)) return false;
  const ours = new Set(digests.map((d) => d.toLowerCase()));
  return !named.some((digest) => ours.has(digest!));
}

export interface VexApplied {
  kept: Vulnerability[];
  suppressed: { finding: Vulnerability; statement: VexStatement }[];
  /** Statements left unapplied because their products are other images, by digest. */
  aboutOtherImages: number;
}

/**
 * Findings a VEX document leaves out, the ones whose deciding statement is not_affected or fixed,
 * and those kept. Given the image's digests (its own, and its index's when it was reached through
 * one), statements whose products are all other images, by digest, are not applied: a document
 * hung on an index can speak for several builds, and one build's not_affected is not another's.
 */
export function applyVex(
  findings: readonly Vulnerability[],
  statements: readonly VexStatement[],
  imageDigests?: readonly string[],
): VexApplied {
  const kept: Vulnerability[] = [];
  const suppressed: { finding: Vulnerability; statement: VexStatement }[] = [];
  const applicable = imageDigests ? statements.filter((s) => !isAboutOtherImages(s, imageDigests)) : statements;
  const index = indexVex(applicable);
  for (const finding of findings) {
    const statement = vexStatementFor(finding, index);
    if (statement && (statement.status === 'not_affected' || statement.status === 'fixed')) suppressed.push({ finding, statement });
    else kept.push(finding);
  }
  return { kept, suppressed, aboutOtherImages: statements.length - applicable.length };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.slice(0, MAX_FIELD_CHARS) : undefined;
}

function isText(value: string | undefined): value is string {
  return value !== undefined;
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value !== undefined ? ({ [key]: value } as Record<K, string>) : {};
}
