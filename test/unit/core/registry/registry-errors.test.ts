import { strict as assert } from 'node:assert';
import { parseErrorBody, registryErrorFor } from '../../../../src/core/registry/registry-errors';

describe('registry errors', () => {
  it('decodes the spec error body into a sentence with the next step', () => {
    const err = registryErrorFor(
      404,
      '{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry","detail":{"name":"x"}}]}',
      'repository x',
      'r.example',
      [],
    );
    assert.equal(err.code, 'NAME_UNKNOWN');
    assert.equal(err.status, 404);
    assert.equal(err.message, 'r.example has no repository x: check the name (the registry said: repository name not known to registry).');
  });

  it('names the status when the body is not the spec format', () => {
    const err = registryErrorFor(502, '<html>Bad gateway</html>', 'the catalog', 'r.example', []);
    assert.equal(err.code, 'HTTP_502');
    assert.equal(
      err.message,
      "r.example answered HTTP 502 for the catalog: the registry (or a proxy in front of it) is failing or overloaded; try again later, or check the registry's status.",
    );
    assert.equal(registryErrorFor(400, '', 'the catalog', 'r.example', []).message, 'r.example answered HTTP 400 for the catalog.');
  });

  it('falls back to the status for login and rate limits', () => {
    assert.equal(registryErrorFor(401, '', 'x', 'h', []).code, 'UNAUTHORIZED');
    assert.equal(registryErrorFor(429, '', 'x', 'h', []).code, 'TOOMANYREQUESTS');
  });

  it('shortens a long registry message', () => {
    const err = registryErrorFor(400, JSON.stringify({ errors: [{ code: 'WEIRD', message: 'x'.repeat(5000) }] }), 'x', 'h', []);
    assert.ok(err.message.length < 400);
  });

  it('quotes the registry safely: without the secrets sent, on one line, hidden characters shown', () => {
    const token = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
    const body = JSON.stringify({
      errors: [
        {
          code: 'DENIED',
          message: `token Bearer ${token} refused\n2024-01-01 [info] forged \u202Eline`,
          detail: { authorization: `Bearer ${token}` },
        },
      ],
    });
    const err = registryErrorFor(403, body, 'repository x', 'r.example', [token]);
    assert.equal(
      err.message,
      'r.example denied access to repository x: check that your account has permission (the registry said: token Bearer [REDACTED] refused 2024-01-01 [info] forged \\u202Eline).',
    );
    assert.deepEqual(err.details, [
      { code: 'DENIED', message: 'token Bearer [REDACTED] refused 2024-01-01 [info] forged \\u202Eline', detail: undefined },
    ]);
  });

  it('takes only a code-like word as the error code, and never an Object property', () => {
    for (const code of ['constructor', 'toString', '__proto__']) {
      const err = registryErrorFor(400, JSON.stringify({ errors: [{ code, message: 'odd' }] }), 'x', 'h', []);
      assert.equal(err.message, 'h answered HTTP 400 for x (the registry said: odd).', code);
    }
    const err = registryErrorFor(400, JSON.stringify({ errors: [{ code: 'BAD\nCODE', message: 'odd' }] }), 'x', 'h', []);
    assert.equal(err.code, 'HTTP_400');
    assert.equal(err.details[0]!.code, '');
  });

  it("does not read the registry's text as a replacement pattern", () => {
    const err = registryErrorFor(400, JSON.stringify({ errors: [{ code: 'WEIRD', message: "$' and $& and $`" }] }), 'x', 'h', []);
    assert.equal(err.message, "h answered HTTP 400 for x (the registry said: $' and $& and $`).");
  });

  it('ignores malformed error entries', () => {
    assert.deepEqual(parseErrorBody('{"errors":[null, 1, {"message":"no code"}, {"code":"DENIED"}]}'), [
      { code: 'DENIED', message: undefined, detail: undefined },
    ]);
    assert.deepEqual(parseErrorBody('not json'), []);
  });
});
