// Property test for removing secrets from registry text: for random secrets and texts over a
// small alphabet (so secrets overlap, repeat, and are cut off at the text's end in every way, their
// percent escapes in either case), scrubSecrets gives what a plain model gives: the model compares
// each form with the text's end from every place the form's beginning is found. And whatever a
// session adds, in any order, KnownSecrets' forms are those of every secret it knows, computed anew.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  MAX_SCANNED_CHARS,
  KnownSecrets,
  MAX_RECENT_SECRETS,
  MIN_CUT_SECRET_CHARS,
  REDACTED,
  scrubSecrets,
  secretForms,
} from '../../../../src/core/text/registry-text';

function modelForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.trim().length < 4) continue;
    for (const form of secretForms(secret)) if (form.length >= 4) forms.add(form);
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

function modelScrub(text: string, forms: readonly string[]): string {
  let out = modelReplace(text, forms);
  if (out.includes('%'))
    out = modelReplace(
      out.replace(/%[0-9a-f]{2}/gi, (e) => e.toUpperCase()),
      forms,
    );
  // Removals side by side read as one.
  const pieces = out.split(REDACTED);
  let joined = pieces[0]!;
  for (const piece of pieces.slice(1)) joined = `${joined.endsWith(REDACTED) ? joined : joined + REDACTED}${piece}`;
  return joined;
}

function modelReplace(text: string, forms: readonly string[]): string {
  let out = text;
  for (const form of forms) out = out.split(form).join(REDACTED);
  let cutAt = out.length;
  for (const form of forms) {
    if (form.length <= MIN_CUT_SECRET_CHARS) continue;
    for (let i = Math.max(0, out.length - form.length + 1); i <= out.length - MIN_CUT_SECRET_CHARS; i++) {
      if (form.startsWith(out.slice(i))) {
        cutAt = Math.min(cutAt, i);
        break;
      }
    }
  }
  return cutAt === out.length ? out : `${out.slice(0, cutAt)}${REDACTED}`;
}

const char = fc.constantFrom('a', 'b', '%', '2', 'f', 'F', '=', ' ', 'é');
/** Secrets of many characters, or of two only, which overlap themselves at every shift. */
const secret = fc
  .oneof(fc.array(char, { minLength: 4, maxLength: 14 }), fc.array(fc.constantFrom('a', 'b'), { minLength: 7, maxLength: 14 }))
  .map((cs) => cs.join(''));
/** Text made of pieces of the secrets' forms (whole, or any part of one) and of other characters. */
const textOf = (forms: readonly string[]): fc.Arbitrary<string> =>
  fc
    .array(
      fc.oneof(
        char,
        fc
          .tuple(fc.constantFrom(...forms), fc.nat(), fc.nat())
          .map(([form, a, b]) => form.slice(Math.min(a, b) % (form.length + 1), Math.max(a, b) % (form.length + 1) || undefined)),
      ),
      { maxLength: 8 },
    )
    .map((pieces) => pieces.join(''));

describe('scrubSecrets (property)', function () {
  it('removes what a plain model removes, whole or cut off at the end', function () {
    fc.assert(
      fc.property(
        fc.array(secret, { minLength: 1, maxLength: 4 }).chain((secrets) => {
          const forms = modelForms(secrets);
          return fc.tuple(fc.constant(secrets), forms.length === 0 ? fc.string() : textOf(forms));
        }),
        ([secrets, text]) => {
          const known = new KnownSecrets();
          known.add(...secrets);
          const expected = modelScrub(text, modelForms(secrets));
          assert.equal(scrubSecrets(text, secrets), expected);
          assert.equal(scrubSecrets(text, known), expected);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('finds a cut-off secret whose beginning comes back inside it', function () {
    // 'aabaaa' starts at the text's 0 and 4: only the second one goes on to the end as the secret does.
    assert.equal(scrubSecrets('aabaaabaaa', ['aabaaaaaaaa']), `aaba${REDACTED}`);
    assert.equal(scrubSecrets('xaabaabaabaaab', ['aabaabaaabx']), `xaab${REDACTED}`);
  });

  it('removes a cut-off token of one repeated character from text of the same', function () {
    const token = 'a'.repeat(20_000);
    // Past what a quote scans, a secret is known by its first MAX_SCANNED_CHARS + 1 characters: these are removed.
    assert.equal(scrubSecrets(`${'a'.repeat(9_000)}b`, [token]), `${REDACTED}${'a'.repeat(9_000 - MAX_SCANNED_CHARS - 1)}b`);
    assert.equal(scrubSecrets(`${'a'.repeat(8_000)}b`, [token]), `${'a'.repeat(8_000)}b`, 'a shorter run, not at the end, is not a secret');
    assert.equal(scrubSecrets(`b${'a'.repeat(9_000)}`, [token]), `b${REDACTED}`);
    assert.equal(scrubSecrets(`${'a'.repeat(9_000)}`, [token]), REDACTED);
  });

  it('knows the forms of exactly the secrets it keeps, as they are added, renewed and forgotten', function () {
    type Step = { add: string[] } | { recent: string[] } | { flood: number } | { check: true };
    const value = fc.oneof(secret, fc.constantFrom('abc', '    x   ', 'pass word'));
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.array(value, { maxLength: 3 }).map((add) => ({ add })),
      fc.array(value, { maxLength: 3 }).map((recent) => ({ recent })),
      // Enough new tokens to forget some of the older ones.
      fc.integer({ min: 1, max: 40 }).map((flood) => ({ flood })),
      fc.constant({ check: true as const }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const known = new KnownSecrets();
        let tokens = 0;
        for (const s of steps) {
          if ('add' in s) known.add(...s.add);
          else if ('recent' in s) known.addRecent(...s.recent);
          else if ('flood' in s) for (let i = 0; i < s.flood * (MAX_RECENT_SECRETS / 20); i++) known.addRecent(`token-${tokens++}`);
          else assert.deepEqual(known.forms(), modelForms([...known]));
        }
        assert.deepEqual(known.forms(), modelForms([...known]));
      }),
      { numRuns: 300 },
    );
  });
});
