// The one decision of what is worth trying again, as the request layer and the copy engine use it.
import { strict as assert } from 'node:assert';
import { CoreError, isRestartable, isTemporary, isTemporaryStatus, RegistryError, type CoreErrorCode } from '../../../src/core/errors';

describe('core/errors: what is worth trying again', () => {
  const error = (code: CoreErrorCode) => new CoreError(code, 'x');

  it('a request is sent again only after a failure that says nothing about the request', () => {
    for (const code of ['CONNECTION_RESET', 'CONNECTION_CLOSED', 'TIMEOUT'] as const) assert.ok(isTemporary(error(code)), code);
    for (const code of [
      'DIGEST_MISMATCH',
      'CANCELLED',
      'TLS_UNKNOWN_AUTHORITY',
      'BODY_TIMEOUT',
      'PRIVATE_REDIRECT',
      'AUTH_FAILED',
    ] as const)
      assert.ok(!isTemporary(error(code)), code);
    assert.ok(!isTemporary(new Error('ECONNRESET')), 'only CoreErrors are judged');
  });

  it('a transfer is started over after a temporary failure, a short body, a lost upload session or a refused monolithic upload', () => {
    for (const code of [
      'CONNECTION_RESET',
      'UNREACHABLE',
      'NETWORK',
      'SIZE_MISMATCH',
      'PAYLOAD_TOO_LARGE',
      'UPLOAD_NOT_REPLAYABLE',
      'UPLOAD_OUT_OF_SYNC',
    ] as const) {
      assert.ok(isRestartable(error(code)), code);
    }
    for (const code of ['DIGEST_MISMATCH', 'CANCELLED', 'DENIED', 'GRAPH_TOO_LARGE', 'DISK_FULL'] as const)
      assert.ok(!isRestartable(error(code)), code);
  });

  it('a registry answer is restartable by its status: 408, 429 and 5xx that mean "later", never 4xx or 501', () => {
    const answer = (status: number) => new RegistryError(`HTTP_${status}`, 'x', status, []);
    assert.deepEqual(
      [408, 429, 500, 502, 503, 504].map((s) => isRestartable(answer(s))),
      [true, true, true, true, true, true],
    );
    assert.deepEqual(
      [400, 401, 403, 404, 413, 501, 507].map((s) => isRestartable(answer(s))),
      [false, false, false, false, false, false, false],
    );
    assert.deepEqual([503, 404].map(isTemporaryStatus), [true, false]);
  });
});
