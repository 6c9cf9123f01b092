/**
 * One place where a finder turns "this text, at these offsets, under this key" into a
 * {@link ReferenceSite}: variables substituted, the result parsed as an image reference, and
 * anything that is not one (a stage name, `scratch`, a template, a typo) left out.
 */
import { parseReference, type Reference } from '../../core/name/reference';
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
}

/** Docker's empty base image, which is no reference. */
const SCRATCH = 'scratch';

export function siteFrom(input: SiteInput): ReferenceSite | undefined {
  const value = input.value.trim();
  if (value === '' || value.includes('{{')) return undefined;
  const variables = hasVariables(value);
  const reference = variables ? substituteVariables(value, input.lookup ?? (() => undefined), { escape: input.escape ?? '$$' }) : value;
  if (reference === undefined || reference === '' || reference.toLowerCase() === SCRATCH) return undefined;
  const parsed = parsedReference(reference);
  if (!parsed) return undefined;
  const written = input.text.slice(input.start, input.end);
  return {
    reference,
    parsed,
    start: input.start,
    end: input.end,
    written,
    literal: !variables && written === value,
    context: input.context,
    ...(input.platform ? { platform: input.platform } : {}),
    ...(input.builds ? { builds: true } : {}),
  };
}

/** A reference written in parts under several keys, and the part whose text is the site. */
export interface PartsInput {
  text: string;
  /** Where the part's value is written (inside quotes, for a quoted scalar). */
  start: number;
  end: number;
  /** `[registry/]repository`, as the file composes it. */
  name: string;
  tag?: string;
  digest?: string;
  /** Which of them is written at start…end. */
  part: 'tag' | 'digest';
  context: SiteContext;
  digestSlot?: DigestSlot;
}

/**
 * The site of a reference composed from parts (`name`, then `:tag`, then `@digest`), placed on the
 * text of one part; a template (`{{ … }}`) or anything that does not compose into a reference is
 * left out.
 */
export function partSiteFrom(input: PartsInput): ReferenceSite | undefined {
  const { name, tag, digest } = input;
  if ([name, tag, digest].some((value) => value?.includes('{{'))) return undefined;
  const reference = `${name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  const parsed = parsedReference(reference);
  if (!parsed) return undefined;
  const written = input.text.slice(input.start, input.end);
  return {
    reference,
    parsed,
    start: input.start,
    end: input.end,
    written,
    literal: written === (input.part === 'tag' ? tag : digest),
    context: input.context,
    part: input.part,
    ...(input.part === 'tag' && input.digestSlot ? { digestSlot: input.digestSlot } : {}),
  };
}

/** The reference parsed, or undefined for text that is none (a stage name, a typo, a URL). */
function parsedReference(reference: string): Reference | undefined {
  try {
    return parseReference(reference);
  } catch {
    return undefined;
  }
}
