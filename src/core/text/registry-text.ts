/**
 * Registry-controlled text made safe to quote in a message. A registry's or token server's error
 * text is untrusted: it may echo the request's Authorization header or a configured hosts.toml
 * header, carry line breaks that forge log lines, bidi controls that reverse what is read, or run
 * to megabytes. {@link quoteRegistryText} is the one way such text reaches a message (and so the
 * tree, a notification and the log); {@link KnownSecrets} is what a session has sent, to remove.
 */
import { oneLineText } from './visible-text';

/** The most of a registry's own words a message quotes, in characters (code points). */
export const MAX_QUOTED_CHARS = 200;
/** Text past this is not looked at (a secret it cuts in two is caught as a cut-off secret). */
export const MAX_SCANNED_CHARS = 8192;
/** Shorter values are not searched for as plain text (they would blank out ordinary words); their encoded forms still are. */
export const MIN_SECRET_CHARS = 4;
/** A secret's start left at the very end of the text (cut off by a limit) is removed from this many characters on. */
export const MIN_CUT_SECRET_CHARS = 6;
/** What stands in a message where a secret was. */
export const REDACTED = '[REDACTED]';
/** Tokens change every few minutes: the latest this many are remembered per session. */
export const MAX_RECENT_SECRETS = 256;

/** The parts of a login that are secret (a Credential, without importing its module). */
export interface SecretCredential {
  username?: string;
  password?: string;
  identityToken?: string;
  registryToken?: string;
}

/**
 * The secrets a session has put in requests: passwords (and the `user:password` whose base64 is a
 * Basic header), identity, refresh and registry tokens, bearer tokens, configured header values.
 * The authorizer and the session add them as they use them; messages quote registry text through
 * {@link quoteRegistryText} with them. Credentials and headers stay for the session (a few per
 * configured host); tokens, which are renewed all the time, only the latest {@link MAX_RECENT_SECRETS}.
 */
export class KnownSecrets implements Iterable<string> {
  private readonly lasting = new Set<string>();
  private readonly recent = new Set<string>();
  private cachedForms: string[] | undefined;
  /**
   * Each secret's own forms, kept while it is known: a new token then costs its own forms, not
   * every secret's again (256 tokens of a few KiB took tens of ms per new one, of 1 MiB seconds).
   */
  private formsBySecret = new Map<string, readonly string[]>();

  /** Values kept for the session: credentials, configured header values. */
  add(...values: (string | undefined)[]): void {
    for (const value of values) {
      if (!isSearchable(value) || this.lasting.has(value)) continue;
      this.lasting.add(value);
      this.cachedForms = undefined;
    }
  }

  /** A login's secrets, with `user:password` (the text a Basic header encodes). */
  addCredential(credential: SecretCredential | undefined): void {
    if (!credential) return;
    const { username, password, identityToken, registryToken } = credential;
    this.add(password, identityToken, registryToken, username && password ? `${username}:${password}` : undefined);
  }

  /** Short-lived values (access and refresh tokens): the latest {@link MAX_RECENT_SECRETS} are kept. */
  addRecent(...values: (string | undefined)[]): void {
    for (const value of values) {
      if (!isSearchable(value)) continue;
      this.recent.delete(value);
      this.recent.add(value);
      if (this.recent.size > MAX_RECENT_SECRETS) this.recent.delete(this.recent.values().next().value as string);
      this.cachedForms = undefined;
    }
  }

  *[Symbol.iterator](): Iterator<string> {
    yield* this.lasting;
    yield* this.recent;
  }

  /** Every form of every secret, longest first (computed once per change). */
  forms(): readonly string[] {
    if (this.cachedForms === undefined) {
      const known = new Map<string, readonly string[]>();
      for (const secret of this) known.set(secret, this.formsBySecret.get(secret) ?? searchableForms(secret));
      this.formsBySecret = known;
      this.cachedForms = longestFirst(known.values());
    }
    return this.cachedForms;
  }
}

function isSearchable(value: string | undefined): value is string {
  return value !== undefined && value.trim().length >= MIN_SECRET_CHARS;
}

/**
 * The ways a secret can appear in what a server sends back: as is, JSON-escaped, base64 (a Basic
 * header's value for `user:password`; padded, unpadded and URL-safe), and each of those
 * percent-encoded (a query or form echoed; the text's escapes are also tried upper-cased).
 * `Basic …` and `Bearer …` header values contain these, so removing the value leaves the scheme.
 */
export function secretForms(secret: string): string[] {
  const base64 = Buffer.from(secret, 'utf8').toString('base64');
  const unpadded = base64.replace(/=+$/, '');
  const forms = new Set<string>([JSON.stringify(secret).slice(1, -1)]);
  // Each as is and percent-encoded: a Basic header's value can come back in a query too.
  for (const form of [secret, base64, unpadded, unpadded.replace(/\+/g, '-').replace(/\//g, '_')]) {
    forms
      .add(form)
      .add(encodeURIComponent(form))
      .add(new URLSearchParams({ v: form }).toString().slice(2));
  }
  return [...forms];
}

/**
 * A form is kept to this many characters. Quoted text is scanned to MAX_SCANNED_CHARS, so a longer
 * form can never be found whole there, and its start is all a cut-off piece can show; in longer
 * text (an error's details) the start is found wherever the whole is, so a secret is still caught,
 * only sooner. A token server's 32 KiB token would otherwise keep ten forms of up to 96 KiB each,
 * 256 of them per session about 100 MB.
 */
const MAX_FORM_CHARS = MAX_SCANNED_CHARS + 1;

/** The forms of a secret that are searched for, each at most MAX_FORM_CHARS long: none for a secret too short to search. */
function searchableForms(secret: string): string[] {
  if (!isSearchable(secret)) return [];
  const forms = new Set<string>();
  for (const form of secretForms(secret)) if (form.length >= MIN_SECRET_CHARS) forms.add(form.slice(0, MAX_FORM_CHARS));
  return [...forms];
}

/** The forms of several secrets, each once, longest first. */
function longestFirst(formLists: Iterable<readonly string[]>): string[] {
  const forms = new Set<string>();
  for (const list of formLists) for (const form of list) forms.add(form);
  return [...forms].sort((a, b) => b.length - a.length);
}

function formsOf(secrets: Iterable<string>): string[] {
  return longestFirst(Array.from(secrets, searchableForms));
}

/** Forms of `secrets`: cached for a KnownSecrets, computed for a plain list. */
function formsFor(secrets: Iterable<string>): readonly string[] {
  return secrets instanceof KnownSecrets ? secrets.forms() : formsOf(secrets);
}

/**
 * `text` with every form of every secret replaced by {@link REDACTED}, and a secret's beginning
 * left at the very end (a limit cut it off) removed too.
 */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  return scrub(text, formsFor(secrets));
}

function scrub(text: string, forms: readonly string[]): string {
  let out = replaceForms(text, forms);
  // Again with percent escapes in the hex case encodeURIComponent writes, so `%2f` is found as `%2F`.
  if (out.includes('%'))
    out = replaceForms(
      out.replace(/%[0-9a-f]{2}/gi, (e) => e.toUpperCase()),
      forms,
    );
  // One secret's start and its cut-off rest (or two secrets side by side) read as one removal.
  return out.includes(REDACTED + REDACTED) ? out.replace(REPEATED_REDACTED, REDACTED) : out;
}

/** REDACTED twice or more in a row. */
const REPEATED_REDACTED = /(?:\[REDACTED\]){2,}/g;

function replaceForms(text: string, forms: readonly string[]): string {
  let out = text;
  // Longest first, so `user:password` goes whole before `password` is looked for.
  for (const form of forms) if (out.includes(form)) out = out.split(form).join(REDACTED);
  return withoutCutSecret(out, forms);
}

/** Removes a tail of `text` that is the beginning of a secret form ({@link MIN_CUT_SECRET_CHARS} or more). */
function withoutCutSecret(text: string, forms: readonly string[]): string {
  let cutAt = text.length;
  for (const form of forms) {
    if (form.length <= MIN_CUT_SECRET_CHARS) continue;
    // Shorter than the form, or it would have been replaced whole.
    const from = Math.max(0, text.length - form.length + 1);
    const first = text.indexOf(form.slice(0, MIN_CUT_SECRET_CHARS), from);
    if (first < 0) continue;
    // The first place the form's beginning is found gives the longest piece, if any does.
    const piece = form.startsWith(text.slice(first)) ? text.length - first : longestEndThatBegins(text, first, form);
    if (piece >= MIN_CUT_SECRET_CHARS) cutAt = Math.min(cutAt, text.length - piece);
  }
  return cutAt === text.length ? text : `${text.slice(0, cutAt)}${REDACTED}`;
}

/**
 * The length of the longest end of `text[from..]` that `form` begins with (Knuth-Morris-Pratt): in
 * one pass, where comparing the form with the text from each place the form's first characters are
 * found took seconds for a token of repeated characters and text of the same (a token server
 * chooses its tokens, the registry the text).
 */
function longestEndThatBegins(text: string, from: number, form: string): number {
  // Fewer characters are left than the form has, so only that much of it is ever matched.
  const most = Math.min(form.length, text.length - from);
  /** For each length matched, the longest shorter match that goes on from there (the form's borders). */
  const border = new Int32Array(most);
  for (let i = 1, k = 0; i < most; i++) {
    while (k > 0 && form.charCodeAt(i) !== form.charCodeAt(k)) k = border[k - 1]!;
    if (form.charCodeAt(i) === form.charCodeAt(k)) k++;
    border[i] = k;
  }
  let matched = 0;
  for (let i = from; i < text.length; i++) {
    while (matched > 0 && text.charCodeAt(i) !== form.charCodeAt(matched)) matched = border[matched - 1]!;
    if (text.charCodeAt(i) === form.charCodeAt(matched)) matched++;
  }
  return matched;
}

/**
 * Registry-controlled text as a message may quote it: every known form of `secrets` removed, line
 * breaks and control characters turned into spaces (so nothing forges a log line), invisible and
 * bidi characters shown as escapes (`\u202E`), and at most `maxChars` characters (code points;
 * `…` marks a cut). Secrets are removed before anything is cut, so a limit never leaves a piece.
 */
export function quoteRegistryText(text: string, secrets: Iterable<string> = [], maxChars = MAX_QUOTED_CHARS): string {
  const forms = formsFor(secrets);
  const scanned = text.length > MAX_SCANNED_CHARS ? cutCodePoints(text, MAX_SCANNED_CHARS) : text;
  let clean = scrub(scanned, forms);
  clean = oneLineText(clean).trim();
  // Turning controls into spaces can join the pieces of a secret that contains one: look again.
  clean = scrub(clean, forms);
  // Only a secret that our own marker text makes up again can be left; say nothing of it then.
  if (forms.some((form) => clean.includes(form))) return REDACTED;
  const chars = Array.from(clean);
  return chars.length > maxChars ? `${chars.slice(0, Math.max(0, maxChars - 1)).join('')}…` : clean;
}

/** The first `max` UTF-16 units of `text`, never ending inside a surrogate pair. */
function cutCodePoints(text: string, max: number): string {
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
