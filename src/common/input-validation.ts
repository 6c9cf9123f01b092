/**
 * What the quick inputs say while the user types: a reference, a registry host, a tag, a media
 * type. Pure and vscode-free (unit-tested); the parsers are the core's, passed in so the
 * extension bundle keeps loading the core lazily.
 *
 * Each check returns `undefined` (fine, or nothing typed yet) or one short line saying what is
 * wrong: the input box shows it under the text, so it must never be empty, span lines or grow
 * with the input.
 */
import type { Reference } from '../core/name/reference';
import type { RegistryLocation } from '../core/name/registry-url';

/** The core functions the checks use (`core()` in the extension, the modules in unit tests). */
export interface InputParsers {
  parseReference(text: string, options?: { defaultRegistry?: string }): Reference;
  parseRegistryLocation(text: string): RegistryLocation;
  validateTag(tag: string): void;
}

export interface ReferenceRules {
  /** False where a tag is needed (a destination): a digest is then refused. */
  allowDigest: boolean;
}

export interface InputValidators {
  /** `registry/repository[:tag][@digest]`; whitespace around it is ignored. */
  reference(value: string, rules: ReferenceRules): string | undefined;
  /**
   * Where several images go, each keeping its repository name and tag under it: a registry, a
   * namespace or both (`registry.example.com/mirror`, `mirror`); trailing "/" are ignored.
   */
  namespace(value: string): string | undefined;
  /** A registry address (`ghcr.io`, `http://localhost:5000`), not one of `taken` (hosts already listed). */
  host(value: string, taken?: readonly string[]): string | undefined;
  tag(value: string): string | undefined;
  mediaType(value: string): string | undefined;
}

/** Longest message shown: the core quotes bad input (up to 200 characters) inside its sentence. */
export const MAX_MESSAGE_LENGTH = 300;

/** A pasted URL (`https://ghcr.io/org/app:1`): references carry no scheme. */
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const LEAVE_OUT_SCHEME = 'Leave out the scheme: a reference is registry/repository:tag, e.g. ghcr.io/team/app:1.0.';

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i;

export function inputValidators(parsers: InputParsers): InputValidators {
  return {
    reference(value, rules) {
      const text = value.trim();
      if (!text) return undefined;
      if (URL_SCHEME.test(text)) return LEAVE_OUT_SCHEME;
      const hostOnly = registryOnly(text);
      if (hostOnly) return oneLine(`${hostOnly} is only a registry: add the repository after a "/", e.g. ${hostOnly}/team/app:1.0.`, '');
      return problemOf(() => {
        const ref = parsers.parseReference(text);
        if (!rules.allowDigest && ref.digest) return 'Give a tag here, not a digest: e.g. registry/repository:1.0.';
        return undefined;
      }, 'This is not a valid reference: use registry/repository:tag or registry/repository@sha256:….');
    },
    namespace(value) {
      const text = value.trim().replace(/\/+$/, '');
      if (!text) return undefined;
      if (URL_SCHEME.test(text)) return LEAVE_OUT_SCHEME;
      // Checked as the references it makes: every image goes to `<this>/<its repository>:<its tag>`.
      const problem = problemOf(() => {
        parsers.parseReference(`${text}/x`);
        return undefined;
      }, '');
      return problem === undefined
        ? undefined
        : 'This is not a registry or namespace: use registry/namespace with lowercase names, e.g. registry.example.com/mirror.';
    },
    host(value, taken = []) {
      if (!value.trim()) return undefined;
      return problemOf(() => {
        const { host } = parsers.parseRegistryLocation(value);
        return taken.includes(host) ? `${host} is already in the list.` : undefined;
      }, 'This is not a registry address: use a host with an optional scheme and port, e.g. registry.example.com or http://localhost:5000.');
    },
    tag(value) {
      if (!value) return undefined;
      return problemOf(() => {
        parsers.validateTag(value);
        return undefined;
      }, 'This is not a valid tag: use letters, digits, "_", "." and "-", up to 128 characters.');
    },
    mediaType(value) {
      return MEDIA_TYPE.test(value.trim()) ? undefined : 'A media type looks like application/vnd.example.thing.v1';
    },
  };
}

/**
 * The registry a reference without a "/" names on its own (`ghcr.io`, `localhost:5000`,
 * `[::1]:5000`, `10.0.0.5:5000`): the parser would read it as a Docker Hub repository, which is
 * never what was meant. Only host characters come back, so the message quotes nothing else.
 */
function registryOnly(text: string): string | undefined {
  if (text.includes('/')) return undefined;
  const withPort = /^(localhost|\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(:\d{1,5})?(?=$|@)/.exec(text);
  if (withPort) return withPort[0];
  const name = /^(localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?=[:@])/.exec(text);
  return name?.[0];
}

/** Runs a check; a thrown error becomes its message, made fit for the line under the input. */
function problemOf(check: () => string | undefined, fallback: string): string | undefined {
  try {
    const problem = check();
    return problem === undefined ? undefined : oneLine(problem, fallback);
  } catch (err) {
    return oneLine(err instanceof Error ? err.message : '', fallback);
  }
}

/** One line (control characters and line breaks as spaces), at most MAX_MESSAGE_LENGTH long, never empty. */
export function oneLine(message: string, fallback: string): string {
  const flat = message
    // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat ? clip(flat, MAX_MESSAGE_LENGTH) : fallback;
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  // Never cut a surrogate pair in half.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/**
 * Whether `text` (a valid reference) names its registry (`ghcr.io/team/app`, `localhost:5000/app`)
 * or leaves it out (`team/app`), which the core's parser reads as Docker Hub. Asked of the parser
 * itself: the same text read with another default registry gives another registry only when it
 * named none.
 */
export function namesRegistry(text: string, parsers: Pick<InputParsers, 'parseReference'>): boolean {
  try {
    return (
      parsers.parseReference(text.trim()).registry === parsers.parseReference(text.trim(), { defaultRegistry: 'default.invalid' }).registry
    );
  } catch {
    return true;
  }
}
