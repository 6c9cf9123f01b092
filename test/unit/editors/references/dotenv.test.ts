// The .env file Docker Compose reads for a project's variables, each rule as the Compose docs give
// it (docs.docker.com/compose/env-file: syntax; the interpolation page for the variables in values).
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { readDotenv } from '../../../../src/editors/references/dotenv';

const valueOf = (line: string, key = 'VAR'): string | undefined => readDotenv(line).get(key);

describe('dotenv: a Compose project’s .env', () => {
  it('reads the forms the syntax page lists, each to the value it says', () => {
    const cases: [string, string][] = [
      ['VAR=VAL', 'VAL'],
      ['VAR="VAL"', 'VAL'],
      ["VAR='VAL'", 'VAL'],
      ['VAR=VAL # comment', 'VAL'],
      ['VAR=VAL# not a comment', 'VAL# not a comment'],
      ['VAR="VAL # not a comment"', 'VAL # not a comment'],
      ['VAR="VAL" # comment', 'VAL'],
      ["VAR='$OTHER'", '$OTHER'],
      ["VAR='${OTHER}'", '${OTHER}'],
      ["VAR='Let\\'s go!'", "Let's go!"],
      ['VAR="{\\"hello\\": \\"json\\"}"', '{"hello": "json"}'],
      ['VAR="some\\tvalue"', 'some\tvalue'],
      ["VAR='some\\tvalue'", 'some\\tvalue'],
      ['VAR=some\\tvalue', 'some\\tvalue'],
    ];
    for (const [line, value] of cases) assert.equal(valueOf(line), value, line);
  });

  it('steps over comments and blank lines, and reads export, spaces around = and YAML-style keys', () => {
    const env = readDotenv(
      ['# the registry', '', 'export REGISTRY=ghcr.io/acme', '  TAG = 1.4.2  ', 'BASE: alpine:3.20', '\r', 'LAST=x'].join('\r\n'),
    );
    assert.deepEqual(
      [...env],
      [
        ['REGISTRY', 'ghcr.io/acme'],
        ['TAG', '1.4.2'],
        ['BASE', 'alpine:3.20'],
        ['LAST', 'x'],
      ],
    );
  });

  it('fills unquoted and double-quoted values in with the variables set above, never single-quoted ones', () => {
    const env = readDotenv(
      [
        'REGISTRY=ghcr.io/acme',
        'IMAGE=${REGISTRY}/app',
        'QUOTED="$REGISTRY/web:${TAG:-1.0}"',
        "LITERAL='${REGISTRY}/app'",
        'ESCAPED="\\$REGISTRY"',
        'SHELL=${HOME}/x',
        'DEFAULTED=${HOME:-/root}/x',
      ].join('\n'),
    );
    assert.equal(env.get('IMAGE'), 'ghcr.io/acme/app');
    assert.equal(env.get('QUOTED'), 'ghcr.io/acme/web:1.0');
    assert.equal(env.get('LITERAL'), '${REGISTRY}/app');
    assert.equal(env.get('ESCAPED'), '$REGISTRY');
    // A variable of the shell's is not known here: the value is left unknown, not guessed.
    assert.equal(env.has('SHELL'), false);
    assert.equal(env.get('DEFAULTED'), '/root/x');
  });

  it('reads a double-quoted value over lines, and a key alone as the shell’s (unknown)', () => {
    const env = readDotenv('CERT="line one\nline two"\nTAG=1.0\nTAG\nAFTER=2\n');
    assert.equal(env.get('CERT'), 'line one\nline two');
    assert.equal(env.has('TAG'), false, 'TAG alone on its line is inherited from the shell');
    assert.equal(env.get('AFTER'), '2');
  });

  it('stops at a line Compose refuses, keeping what came before', () => {
    assert.deepEqual([...readDotenv('A=1\nB C=2\nD=3\n')], [['A', '1']]);
    assert.deepEqual([...readDotenv('A=1\nB="never closed\nC=3\n')], [['A', '1']]);
    assert.deepEqual([...readDotenv('A=1\n-B=2\n')], [['A', '1']]);
  });

  it('reads any text without throwing, within bounds (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('A', 'b', '_', '=', ':', '"', "'", '\\', '#', ' ', '\n', '$', '{', '}', 'x') }),
        (text) => {
          const env = readDotenv(text);
          for (const [key, value] of env) {
            assert.match(key, /^[A-Za-z0-9_.]+$/);
            assert.equal(typeof value, 'string');
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
