import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { isSecretParameter, redactSecrets, redactUrl } from '../../../src/common/redact';

describe('redaction for the log', () => {
  it('drops user info from URLs', () => {
    assert.equal(redactUrl('https://alice:s3cret@registry.example.com/v2/'), 'https://registry.example.com/v2/');
    assert.equal(redactUrl('https://token@registry.example.com/v2/'), 'https://registry.example.com/v2/');
  });

  it('replaces pre-signed blob URL signatures and credentials, keeping harmless parameters', () => {
    const s3 =
      'https://bucket.s3.amazonaws.com/docker/blobs/sha256/ab/data?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20240101&X-Amz-Date=20240101T000000Z&X-Amz-Expires=1200&X-Amz-Security-Token=FQoG&X-Amz-SignedHeaders=host&X-Amz-Signature=deadbeef';
    const redacted = redactUrl(s3);
    for (const secret of ['AKIA', 'FQoG', 'deadbeef']) assert.ok(!redacted.includes(secret), `${secret} is gone from ${redacted}`);
    assert.match(redacted, /X-Amz-Date=20240101T000000Z/);
    assert.match(redacted, /X-Amz-Expires=1200/);
    assert.match(redacted, /X-Amz-Signature=REDACTED/);
  });

  it('replaces upload state, tokens and Azure/GCS signatures; listings keep n, last and ns', () => {
    const upload = redactUrl('http://localhost:5000/v2/app/blobs/uploads/0f3e?_state=c2VjcmV0LXN0YXRl&digest=sha256%3Aab');
    assert.equal(upload, 'http://localhost:5000/v2/app/blobs/uploads/0f3e?_state=REDACTED&digest=sha256%3Aab');
    assert.equal(
      redactUrl('https://auth.example.com/token?service=reg&scope=repository%3Aapp%3Apull&token=abc'),
      'https://auth.example.com/token?service=reg&scope=repository%3Aapp%3Apull&token=REDACTED',
    );
    assert.match(redactUrl('https://acct.blob.core.windows.net/c/b?sv=2021&se=2024&sig=AbC%2Fd'), /sig=REDACTED$/);
    assert.match(
      redactUrl('https://storage.googleapis.com/b/o?X-Goog-Credential=x&X-Goog-Signature=y'),
      /X-Goog-Credential=REDACTED&X-Goog-Signature=REDACTED/,
    );
    assert.equal(
      redactUrl('https://r.example.com/v2/_catalog?n=100&last=team%2Fapp&ns=docker.io'),
      'https://r.example.com/v2/_catalog?n=100&last=team%2Fapp&ns=docker.io',
    );
  });

  it('redacts every URL inside free text and leaves the rest alone', () => {
    const line =
      'GET https://u:p@r.example.com/v2/x/blobs/uploads/1?_state=abc → 202 in 12 ms; then https://cdn.example.com/b?Signature=zz&Expires=1.';
    assert.equal(
      redactSecrets(line),
      'GET https://r.example.com/v2/x/blobs/uploads/1?_state=REDACTED → 202 in 12 ms; then https://cdn.example.com/b?Signature=REDACTED&Expires=1.',
    );
    assert.equal(redactSecrets('Nothing accepts connections at 127.0.0.1:5000.'), 'Nothing accepts connections at 127.0.0.1:5000.');
  });

  it('leaves a URL with nothing to redact exactly as written (no trailing slash added)', () => {
    const message =
      'In [host."http://127.0.0.1:5000"] of the host configuration /etc/containerd/certs.d/r/hosts.toml, the capability "teleport" is unknown.';
    assert.equal(redactSecrets(message), message);
    assert.equal(redactUrl('HTTP://Registry.Example.com:443/v2'), 'HTTP://Registry.Example.com:443/v2');
  });

  it('judges parameter names case-insensitively', () => {
    for (const name of [
      'X-Amz-Signature',
      'x-amz-signature',
      'TOKEN',
      'access_token',
      'refresh_token',
      '_state',
      'sig',
      'client_secret',
      'password',
      'X-Amz-Credential',
      'Key',
    ])
      assert.ok(isSecretParameter(name), name);
    for (const name of ['n', 'last', 'ns', 'digest', 'mount', 'from', 'service', 'scope', 'X-Amz-Date', 'se', 'sv'])
      assert.ok(!isSecretParameter(name), name);
  });

  it('never lets a secret value through, whatever the URL around it', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9]{12,24}$/);
    fc.assert(
      fc.property(
        secret,
        fc.constantFrom('token', 'X-Amz-Signature', '_state', 'sig', 'access_token'),
        fc.stringMatching(/^[a-z]{1,8}$/),
        (value, name, path) => {
          const url = `https://user:${value}x@host.example/${path}?a=1&${name}=${value}&b=2`;
          assert.ok(!redactSecrets(`GET ${url} → 200`).includes(value));
        },
      ),
      { numRuns: 300 },
    );
  });
});
