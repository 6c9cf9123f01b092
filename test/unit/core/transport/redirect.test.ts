import { strict as assert } from 'node:assert';
import { CoreError } from '../../../../src/core/errors';
import { redirectTlsError } from '../../../../src/core/transport/redirect';

describe('a TLS failure at a redirect target', () => {
  const from = new URL('https://r.example/v2/app/blobs/sha256:1');
  const to = new URL('https://storage.example/b/1');

  it('says what fits a redirect target: the registry\'s CA, never "mark it insecure"', () => {
    const inner = new CoreError(
      'TLS_UNKNOWN_AUTHORITY',
      'The certificate of storage.example is signed by an unknown authority: … or add storage.example to registryExplorer.insecureRegistries.',
    );
    const err = redirectTlsError(inner, 'r.example', from, to);
    assert.ok(err instanceof CoreError);
    assert.equal(err.code, 'TLS_REDIRECT_TARGET');
    assert.equal(err.cause, inner);
    assert.equal(
      err.message,
      'r.example sent /v2/app/blobs/sha256:1 to storage.example, whose certificate could not be verified (signed by an unknown authority), so nothing was fetched from it: ' +
        "if that storage uses your own CA, add the CA to the hosts.toml `ca` or certs.d folder of r.example or of storage.example (a redirect target is verified with both); otherwise tell the registry's operator.",
    );
    assert.ok(!/insecureRegistries/.test(err.message));
  });

  it('leaves other failures as they are', () => {
    const reset = new CoreError('CONNECTION_RESET', 'closed');
    assert.equal(redirectTlsError(reset, 'r.example', from, to), reset);
    const plain = new Error('x');
    assert.equal(redirectTlsError(plain, 'r.example', from, to), plain);
  });
});
