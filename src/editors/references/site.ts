/**
 * One place where a finder turns "this text, at these offsets, under this key" into a
 * {@link ReferenceSite}: variables substituted, the result parsed as an image reference, and
 * anything that is not one (a stage name, `scratch`, a template, a typo) left out.
 */
import { parseReference, type Reference } from '../../core/name/reference';
import { parseVersionRange, type TagReading } from '../../shared/version-range';
import type { DigestSlot, ReferenceSite, SiteContext } from './types';
import { hasVariables, substituteVariables, type VariableLookup } from './variables';

export interface SiteInput {
  /** The whole file's text. */
  text: string;
  /** Where the value is written (inside quotes, for a quoted scalar). */
  start: number;
  end: number;
  /** The value the file's syntax gives (quotes and escapes already handled). */
  value: string;
  context: SiteContext;
  /** Variables the file defines; without it, a value with a variable is left alone. */
  lookup?: VariableLookup;
  /** How a literal `$` is written (see SubstituteOptions). */
  escape?: string;
  platform?: string;
  builds?: boolean;
  /** Where the values of variables already filled into `value` come from (see ReferenceSite.filledIn). */
  filledIn?: ReferenceSite['filledIn'];
}

/** Docker's empty base image, which is no reference. */
const SCRATCH = 'scratch';

export function siteFrom(input: SiteInput): ReferenceSite | undefined {
  const value = input.value.trim();
  if (value === '' || value.includes('{{')) return undefined;
  const variables = hasVariables(value);
  const reference = variables ? substituteVariables(value, input.lookup ?? (() => undefined), { escape: input.escape ?? '$$' }) : value;
  if (reference === undefined || reference === '' || reference.toLowerCase() === SCRATCH) return undefined;
  return placed(reference, input, (written) => !variables && written === value, {
    context: input.context,
    ...(input.platform ? { platform: input.platform } : {}),
    ...(input.builds ? { builds: true } : {}),
    ...(input.filledIn ? { filledIn: input.filledIn } : {}),
  });
}

/** Where a part is written, and its value (which may differ from the text: a chart's `sha:` is the digest's hex). */
export interface WrittenPart {
  start: number;
  end: number;
  value: string;
}

/** A reference written in parts under several keys. */
export interface PartsInput {
  text: string;
  /** `[registry/]repository`, as the file composes it. */
  name: string;
  tag?: WrittenPart;
  digest?: WrittenPart;
  context: SiteContext;
  /** Where a lens writes the tag's digest, if the file has such a place. */
  digestSlot?: DigestSlot;
}

/**
 * The site of a reference composed from parts (`name`, then `:tag`, then `@digest`), placed on
 * the text of its tag, or of its digest when it has no tag; a part written empty counts as not
 * written. A template (`{{ … }}`), a reference with neither, or anything that does not compose
 * into a reference is left out.
 */
export function partSiteFrom(input: PartsInput): ReferenceSite | undefined {
  const { name } = input;
  const tag = input.tag?.value ? input.tag : undefined;
  const digest = input.digest?.value ? input.digest : undefined;
  const at = tag ? { ...tag, part: 'tag' as const } : digest ? { ...digest, part: 'digest' as const } : undefined;
  if (!at || [name, tag?.value, digest?.value].some((value) => value?.includes('{{'))) return undefined;
  const reference = `${name}${tag ? `:${tag.value}` : ''}${digest ? `@${digest.value}` : ''}`;
  const site = placed(reference, { text: input.text, start: at.start, end: at.end }, (written) => written === at.value, {
    context: input.context,
    part: at.part,
    ...(at.part === 'tag' && input.digestSlot ? { digestSlot: input.digestSlot } : {}),
  });
  // Parts that are no tag or digest (`7/20`) can still compose into some other reference
  // (`redis:7/20` is the repository `20` on a host `redis:7`): that is not what the file names.
  return site && site.parsed.tag === tag?.value && site.parsed.digest === digest?.value ? site : undefined;
}

/**
 * The site of an image whose tag the file leaves to its chart (see {@link ReferenceSite.tagFrom}):
 * placed on the text of its repository, never literal.
 */
export function appVersionSiteFrom(input: {
  text: string;
  name: string;
  repository: WrittenPart;
  appVersion: string;
  context: SiteContext;
}): ReferenceSite | undefined {
  if (input.name.includes('{{')) return undefined;
  const site = placed(`${input.name}:${input.appVersion}`, { text: input.text, ...input.repository }, () => false, {
    context: input.context,
    tagFrom: 'appVersion',
  });
  return site?.parsed.tag === input.appVersion ? site : undefined;
}

/**
 * The site of a repository at a version range (see {@link ReferenceSite.versionRange}), placed on
 * the range's text: left out when the text is no range or the name no repository.
 */
export function rangeSiteFrom(input: {
  text: string;
  name: string;
  range: WrittenPart;
  reading: TagReading;
  context: SiteContext;
  /** See VersionRangeSite.tagFilter. */
  tagFilter?: string;
}): ReferenceSite | undefined {
  const range = parseVersionRange(input.range.value);
  if (!range || input.name.includes('{{')) return undefined;
  const site = placed(input.name, { text: input.text, ...input.range }, () => false, {
    context: input.context,
    part: 'tag',
    versionRange: { text: range.text, reading: input.reading, ...(input.tagFilter !== undefined ? { tagFilter: input.tagFilter } : {}) },
  });
  return site && site.parsed.tag === undefined && site.parsed.digest === undefined ? site : undefined;
}

/**
 * A site found in a piece of a file (YAML in an HCL heredoc) placed in the whole file: the piece
 * starts at `offset`. Every offset a site holds moves: where it is written and its digest's slot.
 */
export function movedBy(site: ReferenceSite, offset: number): ReferenceSite {
  const { digestSlot } = site;
  return {
    ...site,
    start: site.start + offset,
    end: site.end + offset,
    ...(digestSlot ? { digestSlot: { ...digestSlot, start: digestSlot.start + offset, end: digestSlot.end + offset } } : {}),
  };
}

/**
 * What a site's facts are known by: its reference, and for a range the range and its tag filter
 * too (the same repository at `~1.2` and at `^2`, or filtered to `-rc` tags, picks different tags).
 */
export function factsKey(site: ReferenceSite): string {
  const range = site.versionRange;
  if (!range) return site.reference;
  return `${site.reference} ${range.reading} ${range.text}${range.tagFilter !== undefined ? ` filter ${range.tagFilter}` : ''}`;
}

/** The site of `reference` written at `where`: left out when the text is no reference (a stage name, a typo, a URL). */
function placed(
  reference: string,
  where: { text: string; start: number; end: number },
  literal: (written: string) => boolean,
  rest: Pick<ReferenceSite, 'context'> & Partial<ReferenceSite>,
): ReferenceSite | undefined {
  let parsed: Reference;
  try {
    parsed = parseReference(reference);
  } catch {
    return undefined;
  }
  const written = where.text.slice(where.start, where.end);
  return { ...rest, reference, parsed, start: where.start, end: where.end, written, literal: literal(written) };
}
