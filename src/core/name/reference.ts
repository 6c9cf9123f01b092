/**
 * Image references the way Docker reads them: `[registry[:port]/]repository[:tag][@digest]`.
 *
 * - The first path component is a registry when it contains `.` or `:`, is `localhost`, or is a
 *   bracketed IPv6 literal; otherwise the registry is Docker Hub (`docker.io`, or
 *   `options.defaultRegistry`).
 * - On Docker Hub a single-component repository gets `library/`, and `index.docker.io` is written
 *   `docker.io`.
 * - Repository components are lowercase `[a-z0-9]+` joined by `.`, `_`, `__` or runs of `-`, and
 *   `registry/repository` is at most 255 characters; tags are `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`;
 *   digests are sha256 or sha512 (see `digest.ts`).
 *
 * Every error is a {@link ParseError} whose message names the character at fault and its position.
 */
import { isIPv6 } from 'node:net';
import { failer, quoteChar, quoteInput, type Fail } from '../errors';
import { parseDigestAt } from '../oci/digest';
import { DOCKER_HUB, referenceRegistryHost } from './docker-hub';

/** A parsed, normalised image reference. */
export interface Reference {
  /** Registry host with optional port, e.g. `docker.io`, `localhost:5000`, `[::1]:5000`. */
  registry: string;
  /** Repository path inside the registry, e.g. `library/alpine`. */
  repository: string;
  tag?: string;
  /** `<algorithm>:<hex>`. */
  digest?: string;
}

/** Options for {@link parseReference}. */
export interface ParseReferenceOptions {
  /** Registry for references that name none; default `docker.io`. */
  defaultRegistry?: string;
}

/** Longest `registry/repository` accepted. */
export const NAME_TOTAL_LENGTH_MAX = 255;
/** Longest tag accepted. */
export const TAG_LENGTH_MAX = 128;

const CODE = 'INVALID_REFERENCE';
const isLowerAlnum = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
const isAlnum = (c: string): boolean => isLowerAlnum(c) || (c >= 'A' && c <= 'Z');
const isDigit = (c: string): boolean => c >= '0' && c <= '9';

const notAllowed = (s: string, i: number): string => `${quoteChar(s, i)} at position ${i} is not allowed`;

/** Checks repository path `s[start..end)`; positions in errors are indices into `s`. */
function checkRepository(s: string, start: number, end: number, fail: Fail): void {
  if (start >= end) fail(`the repository name is empty`, start);
  let compStart = start;
  for (let i = start; i < end; i++) {
    const c = s[i]!;
    if (isLowerAlnum(c)) continue;
    if (c >= 'A' && c <= 'Z') fail(`repository names must be lowercase; ${notAllowed(s, i)}`, i);
    if (c === '/') {
      if (i === compStart) fail(`empty path component; ${notAllowed(s, i)}`, i);
      if (!isLowerAlnum(s[i - 1]!)) fail(`a path component must end with a letter or digit; ${notAllowed(s, i - 1)}`, i - 1);
      compStart = i + 1;
      continue;
    }
    if (c === '.' || c === '_' || c === '-') {
      if (i === compStart) fail(`a path component must start with a letter or digit; ${notAllowed(s, i)}`, i);
      const prev = s[i - 1]!;
      if (!isLowerAlnum(prev)) {
        // Only "__" and runs of "-" may be longer than one character.
        const ok = (c === '_' && prev === '_' && !(i - 2 >= compStart && s[i - 2] === '_')) || (c === '-' && prev === '-');
        if (!ok) fail(`separators may be ".", "_", "__" or "-" runs, between letters or digits; ${notAllowed(s, i)}`, i);
      }
      continue;
    }
    fail(`repository names may contain only a-z, 0-9, ".", "_", "-" and "/"; ${notAllowed(s, i)}`, i);
  }
  if (compStart === end) fail(`the repository name cannot end with "/"`, end - 1);
  if (!isLowerAlnum(s[end - 1]!)) fail(`a path component must end with a letter or digit; ${notAllowed(s, end - 1)}`, end - 1);
}

/** Checks tag `s[start..end)`. */
function checkTag(s: string, start: number, end: number, fail: Fail): void {
  if (start >= end) fail(`the tag after ":" is empty`, start);
  if (end - start > TAG_LENGTH_MAX)
    fail(`a tag is at most ${TAG_LENGTH_MAX} characters but this one has ${end - start}`, start + TAG_LENGTH_MAX);
  for (let i = start; i < end; i++) {
    const c = s[i]!;
    if (isAlnum(c) || c === '_' || ((c === '.' || c === '-') && i > start)) continue;
    const why =
      c === '.' || c === '-' ? 'a tag must start with a letter, digit or "_"' : 'tags may contain only A-Z, a-z, 0-9, "_", "." and "-"';
    fail(`${why}; ${notAllowed(s, i)}`, i);
  }
}

/** Checks a port `s[start..end)` and returns its value. */
function checkPort(s: string, start: number, end: number, fail: Fail): number {
  if (start >= end) fail(`the port after ":" is empty`, start);
  for (let i = start; i < end; i++) if (!isDigit(s[i]!)) fail(`a port is a number; ${notAllowed(s, i)}`, i);
  if (s[start] === '0') fail(`a port cannot start with 0; ${notAllowed(s, start)}`, start);
  const port = end - start > 5 ? Infinity : Number(s.slice(start, end));
  if (port > 65535) fail(`port ${s.slice(start, end)} is out of range (1-65535)`, start);
  return port;
}

/** Checks registry `s[start..end)` (`host[:port]`, host a DNS name or `[IPv6]`). */
function checkRegistry(s: string, start: number, end: number, fail: Fail): { hostname: string; port?: number } {
  if (start >= end) fail(`the registry name is empty`, start);
  let hostEnd: number;
  let hostname: string;
  if (s[start] === '[') {
    const close = s.indexOf(']', start);
    if (close < 0 || close >= end) fail(`the IPv6 address opened by "[" at position ${start} has no closing "]"`, start);
    hostname = s.slice(start + 1, close);
    if (!isIPv6(hostname) || hostname.includes('%'))
      fail(`${JSON.stringify(hostname)} at position ${start + 1} is not an IPv6 address`, start + 1);
    hostEnd = close + 1;
    if (hostEnd < end && s[hostEnd] !== ':') fail(`expected ":" or "/" after "]"; ${notAllowed(s, hostEnd)}`, hostEnd);
  } else {
    let labelStart = start;
    let i = start;
    for (; i < end && s[i] !== ':'; i++) {
      const c = s[i]!;
      if (isAlnum(c)) continue;
      if (c === '.') {
        if (i === labelStart) fail(`empty label in the registry host name; ${notAllowed(s, i)}`, i);
        if (s[i - 1] === '-') fail(`a host name label cannot end with "-"; ${notAllowed(s, i - 1)}`, i - 1);
        labelStart = i + 1;
        continue;
      }
      if (c === '-') {
        if (i === labelStart) fail(`a host name label cannot start with "-"; ${notAllowed(s, i)}`, i);
        continue;
      }
      fail(`registry host names may contain only letters, digits, "-" and "."; ${notAllowed(s, i)}`, i);
    }
    if (i === labelStart)
      fail(i === start ? `the registry host name is empty` : `the registry host name cannot end with "."`, Math.max(start, i - 1));
    if (s[i - 1] === '-') fail(`a host name label cannot end with "-"; ${notAllowed(s, i - 1)}`, i - 1);
    hostEnd = i;
    hostname = s.slice(start, hostEnd);
  }
  if (hostEnd >= end) return { hostname };
  return { hostname, port: checkPort(s, hostEnd + 1, end, fail) };
}

/** True when a leading path component names a registry rather than a repository namespace. */
function looksLikeRegistry(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || component.startsWith('[');
}

/**
 * Parses an image reference.
 * @example parseReference('alpine') // { registry: 'docker.io', repository: 'library/alpine' }
 * @example parseReference('[::1]:5000/x:y') // { registry: '[::1]:5000', repository: 'x', tag: 'y' }
 * @throws ParseError naming the bad character and its position.
 */
export function parseReference(input: string, options: ParseReferenceOptions = {}): Reference {
  const fail: Fail = failer(input, 'reference', CODE);
  if (input.length === 0) fail('it is empty; expected "[registry/]repository[:tag][@digest]"', 0);

  let nameEnd = input.length;
  let digest: string | undefined;
  const at = input.indexOf('@');
  if (at >= 0) {
    const d = parseDigestAt(input, at + 1, `reference ${quoteInput(input)}`);
    digest = `${d.algorithm}:${d.hex}`;
    nameEnd = at;
  }

  // A tag is a ":" after the last "/" (a ":" before it belongs to the registry's port).
  let tag: string | undefined;
  const lastSlash = input.lastIndexOf('/', nameEnd - 1);
  let pathEnd = nameEnd;
  const colon = input.indexOf(':', lastSlash + 1);
  if (colon >= 0 && colon < nameEnd) {
    checkTag(input, colon + 1, nameEnd, fail);
    tag = input.slice(colon + 1, nameEnd);
    pathEnd = colon;
  }

  let registry: string;
  let repoStart = 0;
  const firstSlash = input.indexOf('/');
  if (firstSlash >= 0 && firstSlash < pathEnd && looksLikeRegistry(input.slice(0, firstSlash))) {
    checkRegistry(input, 0, firstSlash, fail);
    registry = referenceRegistryHost(input.slice(0, firstSlash));
    repoStart = firstSlash + 1;
  } else {
    registry = options.defaultRegistry === undefined ? DOCKER_HUB : referenceRegistryHost(options.defaultRegistry);
    if (options.defaultRegistry !== undefined) {
      checkRegistry(registry, 0, registry.length, failer(registry, 'default registry', CODE));
    }
  }

  checkRepository(input, repoStart, pathEnd, fail);
  let repository = input.slice(repoStart, pathEnd);
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;

  const nameLength = registry.length + 1 + repository.length;
  if (nameLength > NAME_TOTAL_LENGTH_MAX) {
    fail(`"${registry}/${repository.slice(0, 40)}…" is ${nameLength} characters long; the limit is ${NAME_TOTAL_LENGTH_MAX}`, undefined);
  }

  const ref: Reference = { registry, repository };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** The canonical string: `registry/repository[:tag][@digest]`. */
export function formatReference(ref: Reference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/**
 * The short name Docker shows: Docker Hub's registry and `library/` dropped (`alpine`,
 * `bitnami/redis`); other registries keep their host (`ghcr.io/org/app`). No tag or digest.
 */
export function familiarName(ref: Reference): string {
  if (referenceRegistryHost(ref.registry) !== DOCKER_HUB) return `${ref.registry}/${ref.repository}`;
  const rest = ref.repository.startsWith('library/') ? ref.repository.slice('library/'.length) : ref.repository;
  return rest.includes('/') ? ref.repository : rest;
}

/** {@link familiarName} with the tag and digest, e.g. `alpine:3.20`. */
export function familiarString(ref: Reference): string {
  return `${familiarName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/**
 * Splits `host[:port]`; IPv6 hosts are written `[addr]` and come back without brackets.
 * @example splitHostPort('[::1]:5000') // { hostname: '::1', port: 5000 }
 * @throws ParseError on a malformed host or port.
 */
export function splitHostPort(registry: string): { hostname: string; port?: number } {
  return checkRegistry(registry, 0, registry.length, failer(registry, 'registry', CODE));
}

/** Validates a repository path (no registry, tag or digest), e.g. for an input box. */
export function validateRepositoryName(name: string): void {
  const fail: Fail = failer(name, 'repository name', CODE);
  checkRepository(name, 0, name.length, fail);
  if (name.length > NAME_TOTAL_LENGTH_MAX)
    fail(`it is ${name.length} characters long; the limit is ${NAME_TOTAL_LENGTH_MAX}`, NAME_TOTAL_LENGTH_MAX);
}

/** Validates a tag, e.g. for an input box. */
export function validateTag(tag: string): void {
  checkTag(tag, 0, tag.length, failer(tag, 'tag', CODE));
}

/** The grammar above as expressions, for yes-or-no checks (separators and letters never overlap, so they cannot backtrack). */
const REPOSITORY_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY_PATTERN = new RegExp(`^${REPOSITORY_COMPONENT}(?:/${REPOSITORY_COMPONENT})*$`);
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * Whether `name` is a repository path by the grammar above (what a listing's entries are checked
 * against). Without the validator's thrown error: a listing page may hold millions of names, and
 * an error per bad one cost 7 µs each, minutes for a page of them.
 */
export function isRepositoryName(name: string): boolean {
  return name.length <= NAME_TOTAL_LENGTH_MAX && REPOSITORY_PATTERN.test(name);
}

/** Whether `tag` is a tag by the grammar above (what a listing's entries are checked against), without a thrown error. */
export function isTag(tag: string): boolean {
  return tag.length <= TAG_LENGTH_MAX && TAG_PATTERN.test(tag);
}
