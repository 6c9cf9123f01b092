// Hidden characters made visible: bidi controls, zero-width and other format characters, line
// separators and control characters become escapes; everything else is left as it is.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { CoreError, quoteChar, quoteInput } from '../../../../src/core/errors';
import {
  charName,
  escapeChar,
  oneLineText,
  visibleParts,
  visibleText,
  visibleTextKeepingLines,
} from '../../../../src/core/text/visible-text';

/** Every character the brief names as a bidi control, and other invisible ones. */
const BIDI = ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C'];
const INVISIBLE = ['\u200B', '\u200C', '\u2060', '\uFEFF', '\u00AD', '\u2028', '\u2029', '\u034F', '\u3164', '\u{E0041}', '\u{E007F}'];
/** What must never be left in text shown on one line: format, control, separator, surrogate (ZWJ checked apart). */
const HIDDEN = /(?!\u200D)[\p{Cf}\p{Cc}\p{Zl}\p{Zp}\p{Cs}]/u;

describe('visible text', () => {
  it('shows every bidi control and invisible character as its escape', () => {
    for (const char of [...BIDI, ...INVISIBLE]) {
      const shown = visibleText(`a${char}b`);
      assert.equal(shown, `a${escapeChar(char)}b`, `U+${char.codePointAt(0)!.toString(16)}`);
      assert.ok(!shown.includes(char));
    }
    assert.equal(visibleText('invoice\u202Efdp.exe'), 'invoice\\u202Efdp.exe');
    assert.equal(visibleText('tag\u{E0041}'), 'tag\\u{E0041}');
    assert.equal(visibleText('\uD800x'), '\\uD800x', 'a lone surrogate');
  });

  it('shows control characters, and keeps tab and line breaks only where lines show', () => {
    assert.equal(visibleText('a\nb\tc\x1b[31m\x00\x7f\x85'), 'a\\u000Ab\\u0009c\\u001B[31m\\u0000\\u007F\\u0085');
    assert.equal(visibleTextKeepingLines('a\r\nb\tc\x1b\u2028'), 'a\r\nb\tc\\u001B\\u2028');
    assert.equal(oneLineText('said: x\r\n2024-01-01 [info] forged\u202E'), 'said: x 2024-01-01 [info] forged\\u202E');
  });

  it('leaves ordinary text alone: accents, CJK, right-to-left scripts, emoji with joiners', () => {
    for (const text of ['café', '日本語', 'שלום עולם', 'مرحبا', '👩‍💻', '👨‍👩‍👧', '🏳️‍🌈', 'alpine:3.19', 'ü\u0308']) {
      assert.equal(visibleText(text), text);
    }
    assert.equal(visibleText('a\u200Db'), 'a\\u200Db', 'a joiner outside an emoji sequence is shown');
  });

  it('names the characters it marks, for a tooltip', () => {
    assert.equal(charName('\u202E'), 'U+202E right-to-left override');
    assert.equal(charName('\u2066'), 'U+2066 left-to-right isolate');
    assert.equal(charName('\x1b'), 'U+001B control character');
    assert.equal(charName('\u{E0041}'), 'U+E0041 invisible character');
  });

  it('splits text into runs and marked characters that give back the visible text', () => {
    const parts = visibleParts('ab\u202Ecd\n\u200B');
    assert.deepEqual(parts, [
      'ab',
      { char: '\u202E', escape: '\\u202E', name: 'U+202E right-to-left override' },
      'cd\n',
      { char: '\u200B', escape: '\\u200B', name: 'U+200B zero width space' },
    ]);
    assert.deepEqual(visibleParts(''), ['']);
  });

  it('for any text: nothing hidden is left, it is idempotent, and the parts agree with it (property)', () => {
    const text = fc.string({
      maxLength: 80,
      unit: fc.oneof(
        fc.constantFrom(...BIDI, ...INVISIBLE, '\n', '\r', '\t', '\x1b', '\u200D', '👩'),
        fc.constantFrom('a', ' ', 'ש'),
        fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
      ),
    });
    fc.assert(
      fc.property(text, (t) => {
        const shown = visibleText(t);
        assert.ok(!HIDDEN.test(shown), JSON.stringify(shown));
        assert.equal(visibleText(shown), shown);
        assert.ok(!HIDDEN.test(oneLineText(t).replace(/\n/g, '')));
        assert.ok(!/[\n\r]/.test(oneLineText(t)));
        const joined = visibleParts(t)
          .map((p) => (typeof p === 'string' ? p : p.escape))
          .join('');
        assert.equal(joined, visibleTextKeepingLines(t));
      }),
      { numRuns: 500 },
    );
  });

  it('CoreError messages are one visible line whatever they quote', () => {
    const err = new CoreError('BAD_RESPONSE', 'r.example said: bad\n2024-01-01 00:00:00 [info] forged\u202Eexe.jpg');
    assert.equal(err.message, 'r.example said: bad 2024-01-01 00:00:00 [info] forged\\u202Eexe.jpg');
  });

  it('quoted input shows hidden characters with JSON escapes', () => {
    assert.equal(quoteInput('a\u202Eb\n'), '"a\\u202Eb\\n"');
    assert.equal(quoteChar('x\u2067', 1), '"\\u2067"');
  });
});
