import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { sortTags } from '../../src/views/tag-order';

describe('sortTags', () => {
  it('natural: versions newest first, numerically, then other tags', () => {
    assert.deepEqual(
      sortTags(['latest', '1.2.9', '3.19', '1.2.10', 'edge', '3.20', 'v2.0.0', 'main-42', 'main-7'], 'natural'),
      ['3.20', '3.19', 'v2.0.0', '1.2.10', '1.2.9', 'edge', 'latest', 'main-7', 'main-42'],
    );
  });

  it('natural: a release sorts before its pre-releases, newest pre-release first', () => {
    assert.deepEqual(sortTags(['1.0.0-rc.1', '1.0.0', '1.0.0-rc.2', '0.9.0'], 'natural'), ['1.0.0', '1.0.0-rc.2', '1.0.0-rc.1', '0.9.0']);
  });

  it('alphabetical: code-point order as registries list them', () => {
    assert.deepEqual(sortTags(['b', '10', '9', 'B', 'a'], 'alphabetical'), ['10', '9', 'B', 'a', 'b']);
  });

  it('keeps every tag exactly once, whatever the input', () => {
    fc.assert(fc.property(fc.array(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,20}$/), { maxLength: 50 }), fc.constantFrom('natural', 'alphabetical', 'created'), (tags, order) => {
      const sorted = sortTags(tags, order as 'natural');
      assert.deepEqual([...sorted].sort(), [...tags].sort());
      assert.deepEqual(sortTags(sorted, order as 'natural'), sorted, 'sorting is stable under repetition');
    }), { numRuns: 300 });
  });
});
