// Cutting trailing slashes: the same as /\/+$/ for any text, and at once on a hostile run of slashes.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { withoutTrailingSlashes } from '../../../../src/core/text/slashes';

describe('withoutTrailingSlashes', () => {
  it('cuts what /\\/+$/ cuts, for any text', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('/', 'a', ':', '\n', '\\'), { maxLength: 20 }), (chars) => {
        const text = chars.join('');
        assert.equal(withoutTrailingSlashes(text), text.replace(/\/+$/, ''));
      }),
      { numRuns: 2000 },
    );
    assert.equal(withoutTrailingSlashes('https://hub.docker.com/r/team/app///'), 'https://hub.docker.com/r/team/app');
    assert.equal(withoutTrailingSlashes('///'), '');
  });

  it('answers at once for a URL of 400,000 slashes before its last character (the expression took minutes)', () => {
    const hostile = `https://hub.docker.com/${'/'.repeat(400_000)}x`;
    assert.equal(withoutTrailingSlashes(hostile), hostile);
  });
});
