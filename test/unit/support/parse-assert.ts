import assert from 'node:assert/strict';
import { ParseError } from '../../../src/core/errors';

/** Asserts that `fn` throws a ParseError pointing at `position`, with exactly `message` (a string) or matching it (a RegExp). */
export function throwsAt(fn: () => unknown, position: number | undefined, message?: RegExp | string): ParseError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ParseError, `expected a ParseError, got ${String(caught)}`);
  assert.equal(caught.position, position, caught.message);
  if (typeof message === 'string') assert.equal(caught.message, message);
  else if (message) assert.match(caught.message, message);
  return caught;
}
