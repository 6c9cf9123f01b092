// Property test for the check of an artifact's titles as a set: for random titles over a small
// alphabet of names (so titles collide, nest, and differ only in case or Unicode form), checkTitleSet
// refuses exactly what a plain model refuses, with the same message: the model keeps the key of
// every folder of every title, as the check once did.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CoreError } from '../../../../src/core/errors';
import { checkTitleSet } from '../../../../src/core/layout/artifact-files';

/** What the check refuses, written plainly: every folder's key, made from the folder's own path. */
function model(titles: readonly string[], caseInsensitive: boolean): string | undefined {
  const key = (title: string): string => (caseInsensitive ? title.normalize('NFC').toLowerCase() : title);
  const files = new Map<string, string>();
  const folders = new Map<string, string>();
  for (const title of titles) {
    const own = key(title);
    const earlier = files.get(own);
    if (earlier === title) return `DUPLICATE_TITLE ${title}`;
    if (earlier !== undefined) return `DUPLICATE_TITLE ${earlier} ${title}`;
    files.set(own, title);
    const parts = title.split('/');
    for (let i = 1; i < parts.length; i++) {
      const folder = key(parts.slice(0, i).join('/'));
      if (!folders.has(folder)) folders.set(folder, title);
    }
  }
  for (const [own, title] of files) {
    const inside = folders.get(own);
    if (inside !== undefined) return `TITLE_CONFLICT ${title} ${inside}`;
  }
  return undefined;
}

/** The same summary of what checkTitleSet says, read back from its message. */
function checked(titles: readonly string[], caseInsensitive: boolean): string | undefined {
  try {
    checkTitleSet(titles, { caseInsensitive, folder: undefined }, (problem) => problem);
    return undefined;
  } catch (err) {
    assert.ok(err instanceof CoreError);
    const quoted = [...err.message.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]!}"`) as string);
    return [err.code, ...quoted].join(' ');
  }
}

// Names that differ only in case, final sigma, or composed and decomposed accents; '' makes '//'.
const name = fc.constantFrom('a', 'A', 'b', 'Σ', 'σ', 'ς', 'AΣ', 'é', 'e\u0301', 'E\u0301', '.', 'a.b', 'a0', '');
const title = fc.array(name, { minLength: 1, maxLength: 4 }).map((names) => names.join('/'));

describe('checkTitleSet (property)', function () {
  it('refuses what a plain model refuses, with the same titles named', function () {
    fc.assert(
      fc.property(fc.array(title, { maxLength: 8 }), fc.boolean(), (titles, caseInsensitive) => {
        assert.equal(checked(titles, caseInsensitive), model(titles, caseInsensitive));
      }),
      { numRuns: 3000 },
    );
  });

  it('finds a file that is a folder of a title thousands of folders deep', function () {
    const deep = (top: string): string => `${top}/${Array(2000).fill('a').join('/')}`;
    const titles = Array.from({ length: 50 }, (_, i) => deep(`t${i}`));
    assert.doesNotThrow(() => checkTitleSet(titles, { caseInsensitive: false, folder: undefined }, (p) => p));
    const inside = `t7/${Array(1000).fill('a').join('/')}`;
    for (const caseInsensitive of [false, true]) {
      assert.throws(
        () => checkTitleSet([...titles, inside], { caseInsensitive, folder: undefined }, (p) => p),
        (e: unknown) => e instanceof CoreError && e.code === 'TITLE_CONFLICT',
      );
    }
  });
});
