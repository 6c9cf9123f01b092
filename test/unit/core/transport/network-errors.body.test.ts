// How failures while a response body is read are worded: every error undici or Node can raise
// from a body becomes a CoreError with a sentence naming the host and a next step (CANCELLED for
// a cancelled read), never the library's own message; and the body time limits a session derives
// from its request timeout.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { errors as undiciErrors } from 'undici';
import { CoreError } from '../../../../src/core/errors';
import { bodyTimeLimits } from '../../../../src/core/registry/session';
import { describeBodyError } from '../../../../src/core/transport/network-errors';

const url = new URL('https://registry.test:5000/v2/team/app/manifests/1.0');
const context = { limits: { idleMs: 60_000 } };

function nodeError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

// Classes undici exports but its type declarations leave out or declare differently.
const { AbortError, HTTPParserError } = undiciErrors as unknown as {
  AbortError: new (message: string) => Error;
  HTTPParserError: new (message: string, code: string) => Error;
};

/** What each error a body can fail with becomes. */
const TABLE: Array<[string, unknown, string]> = [
  ['undici SocketError (other side closed)', new undiciErrors.SocketError('other side closed'), 'CONNECTION_RESET'],
  ['undici BodyTimeoutError', new undiciErrors.BodyTimeoutError(), 'BODY_TIMEOUT'],
  ['undici RequestAbortedError (a body destroyed unread)', new undiciErrors.RequestAbortedError(), 'CANCELLED'],
  ['undici AbortError', new AbortError('aborted'), 'CANCELLED'],
  ["a DOMException AbortError (a signal's reason)", new DOMException('This operation was aborted', 'AbortError'), 'CANCELLED'],
  ['undici ResponseContentLengthMismatchError', new undiciErrors.ResponseContentLengthMismatchError(), 'BAD_RESPONSE'],
  ['undici ClientDestroyedError', new undiciErrors.ClientDestroyedError(), 'CONNECTION_CLOSED'],
  ['undici ClientClosedError', new undiciErrors.ClientClosedError(), 'CONNECTION_CLOSED'],
  ['undici HTTPParserError (bad chunk size)', new HTTPParserError('Invalid character in chunk size', 'INVALID_CHUNK_SIZE'), 'BAD_RESPONSE'],
  ['Node ECONNRESET', nodeError('ECONNRESET', 'read ECONNRESET'), 'CONNECTION_RESET'],
  ['Node EPIPE', nodeError('EPIPE', 'write EPIPE'), 'CONNECTION_RESET'],
  ['Node ETIMEDOUT', nodeError('ETIMEDOUT', 'read ETIMEDOUT'), 'UNREACHABLE'],
  ['a plain Error', new Error('something odd'), 'NETWORK'],
  ['a thrown string', 'odd', 'NETWORK'],
  ['undefined', undefined, 'NETWORK'],
];

describe('describeBodyError', () => {
  for (const [what, err, code] of TABLE) {
    it(`${what} → ${code}, in a sentence that names the host and what to do`, () => {
      const described = describeBodyError(err, url, context);
      assert.ok(described instanceof CoreError);
      assert.equal(described.code, code);
      assert.match(described.message, /\.$/);
      if (code !== 'CANCELLED') assert.ok(described.message.includes('registry.test:5000'), described.message);
      if (code !== 'CANCELLED') assert.match(described.message, /try again|check/);
      assert.doesNotMatch(described.message, /UND_ERR|other side closed|This operation was aborted|something odd/);
      assert.equal(described.cause, err);
    });
  }

  it("says CANCELLED whatever the error, once the read's signal is aborted", () => {
    const controller = new AbortController();
    controller.abort();
    for (const [, err] of TABLE) assert.equal(describeBodyError(err, url, { ...context, signal: controller.signal }).code, 'CANCELLED');
  });

  it('passes a CoreError through untouched', () => {
    const own = new CoreError('BODY_TIMEOUT', 'Too slow.');
    assert.equal(describeBodyError(own, url, context), own);
  });

  it('turns any error-like value into a CoreError sentence without the raw message, and cuts a long path (property)', () => {
    const errorLike = fc.record(
      {
        code: fc.oneof(
          fc.constantFrom(
            'UND_ERR_SOCKET',
            'UND_ERR_BODY_TIMEOUT',
            'UND_ERR_ABORTED',
            'ECONNRESET',
            'HPE_INVALID_CONSTANT',
            'ERR_STREAM_PREMATURE_CLOSE',
          ),
          fc.string({ maxLength: 30 }),
        ),
        name: fc.constantFrom('Error', 'SocketError', 'TypeError', 'AbortError'),
        message: fc.string({ maxLength: 80, unit: 'binary' }).map((s) => `RAW<${s}>`),
        cause: fc.option(fc.record({ code: fc.constantFrom('ECONNRESET', 'EPIPE', 'X') }), { nil: undefined }),
      },
      { requiredKeys: ['message'] },
    );
    const path = fc.string({ minLength: 1, maxLength: 400, unit: fc.constantFrom('a', '/', '%', '2', 'z') });
    fc.assert(
      fc.property(errorLike, path, fc.boolean(), (fields, pathText, aborted) => {
        const err = Object.assign(new Error(fields.message), fields);
        const controller = new AbortController();
        if (aborted) controller.abort();
        const target = new URL(`https://registry.test:5000/v2/${pathText}`);
        const described = describeBodyError(err, target, { ...context, signal: controller.signal });
        assert.ok(described instanceof CoreError);
        if (aborted) assert.equal(described.code, 'CANCELLED');
        assert.match(described.message, /\.$/);
        assert.doesNotMatch(described.message, /RAW</);
        assert.ok(described.message.length < 400, described.message);
      }),
      { numRuns: 300 },
    );
  });
});

describe('bodyTimeLimits', () => {
  it('allows 60 s of silence and 60 s for a small document at the default 30 s request timeout', () => {
    assert.deepEqual(bodyTimeLimits({}), { idleMs: 60_000, documentMs: 60_000 });
    assert.deepEqual(bodyTimeLimits({ requestTimeoutMs: 30_000 }), { idleMs: 60_000, documentMs: 60_000 });
  });

  it('grows with a longer request timeout, never shrinks below the defaults, and takes explicit values as given', () => {
    assert.deepEqual(bodyTimeLimits({ requestTimeoutMs: 120_000 }), { idleMs: 120_000, documentMs: 240_000 });
    assert.deepEqual(bodyTimeLimits({ requestTimeoutMs: 1_000 }), { idleMs: 60_000, documentMs: 60_000 });
    assert.deepEqual(bodyTimeLimits({ requestTimeoutMs: 1_000, bodyIdleTimeoutMs: 500, documentTimeoutMs: 1_500 }), {
      idleMs: 500,
      documentMs: 1_500,
    });
  });
});
