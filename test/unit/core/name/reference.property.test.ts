// Property test: the yes-or-no checks a listing runs on every name (isTag, isRepositoryName) agree
// with the validators that word the errors, for names built from the characters that matter
// (letters of both cases, digits, every separator, slashes) and lengths around the limits.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isRepositoryName, isTag, validateRepositoryName, validateTag } from '../../../../src/core/name/reference';

const valid = (check: () => void): boolean => {
  try {
    check();
    return true;
  } catch {
    return false;
  }
};

const piece = fc.constantFrom('a', 'z', '0', '9', 'A', 'Z', '.', '_', '__', '___', '-', '--', '/', '//', ':', '@', ' ', 'é');
const name = fc.oneof(
  fc.array(piece, { maxLength: 12 }).map((p) => p.join('')),
  // Around the length limits: 128 for a tag, 255 for a repository name.
  fc.tuple(fc.integer({ min: 120, max: 260 }), fc.array(piece, { maxLength: 3 })).map(([n, p]) => 'a'.repeat(n) + p.join('')),
);

describe('reference: yes-or-no name checks (property)', () => {
  it('isTag agrees with validateTag', () => {
    fc.assert(
      fc.property(name, (text) =>
        assert.equal(
          isTag(text),
          valid(() => validateTag(text)),
          JSON.stringify(text),
        ),
      ),
      { numRuns: 5000 },
    );
  });

  it('isRepositoryName agrees with validateRepositoryName', () => {
    fc.assert(
      fc.property(name, (text) =>
        assert.equal(
          isRepositoryName(text),
          valid(() => validateRepositoryName(text)),
          JSON.stringify(text),
        ),
      ),
      { numRuns: 5000 },
    );
  });
});
