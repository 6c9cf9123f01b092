import { strict as assert } from 'node:assert';
import { substituteVariables } from '../../../../src/editors/references/variables';

const known: Record<string, string> = { TAG: '1.2', EMPTY: '', REG: 'ghcr.io' };
const lookup = (name: string): string | undefined => known[name];
const sub = (text: string, escape = '$$'): string | undefined => substituteVariables(text, lookup, { escape });

describe('substituteVariables', () => {
  it('substitutes known variables in both spellings', () => {
    assert.equal(sub('$REG/app:${TAG}'), 'ghcr.io/app:1.2');
    assert.equal(sub('app:$TAG-alpine'), 'app:1.2-alpine');
  });

  it('leaves a reference with an unknown variable alone', () => {
    assert.equal(sub('$UNKNOWN/app'), undefined);
    assert.equal(sub('app:${UNKNOWN}'), undefined);
    assert.equal(sub('${{ matrix.image }}'), undefined);
    assert.equal(sub('${TAG'), undefined);
  });

  it('takes defaults the way the shell does', () => {
    assert.equal(sub('${UNKNOWN:-a}'), 'a');
    assert.equal(sub('${UNKNOWN-a}'), 'a');
    assert.equal(sub('${EMPTY:-a}'), 'a');
    assert.equal(sub('${EMPTY-a}'), '');
    assert.equal(sub('${TAG:-a}'), '1.2');
    assert.equal(sub('${UNKNOWN:-${REG}}/x'), 'ghcr.io/x');
    assert.equal(sub('${TAG:+set}'), 'set');
    assert.equal(sub('${EMPTY:+set}'), '');
    assert.equal(sub('${UNKNOWN:+set}'), undefined);
    assert.equal(sub('${TAG:?required}'), '1.2');
    assert.equal(sub('${UNKNOWN:?required}'), undefined);
  });

  it('reads escaped dollars as text', () => {
    assert.equal(sub('a$$b'), 'a$b');
    assert.equal(sub('a\\$b', '\\'), 'a$b');
    assert.equal(sub('a`$b', '`'), 'a$b');
  });

  it("reads defaults nested as deep as real files nest them, and leaves a hostile file's deeper nesting unread", () => {
    const nested = (levels: number): string => '${UNKNOWN:-'.repeat(levels) + 'alpine' + '}'.repeat(levels);
    assert.equal(sub(nested(16)), 'alpine');
    assert.equal(sub(nested(17)), undefined);
    // A 1 MiB value of it: each level scans the rest, and the stack overflowed (RangeError) before.
    assert.equal(sub(nested(170_000)), undefined);
    assert.equal(sub('${TAG:+' + nested(170_000) + '}'), undefined);
  });
});
