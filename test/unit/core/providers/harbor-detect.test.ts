// The policy that recognises a Harbor nobody named (src/core/providers/harbor-detect.ts): which
// challenges look like Harbor's (only on the registry's own origin), which catalog failures may hide
// one, and which systeminfo answers are Harbor's.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CoreError } from '../../../../src/core/errors';
import { recognisedProvider } from '../../../../src/core/providers/choose';
import { catalogMayHideHarbor, isHarborSystemInfo, looksLikeHarbor } from '../../../../src/core/providers/harbor-detect';

describe('providers: recognising Harbor', () => {
  it('takes Harbor’s token service on the registry’s own origin, or the Basic realm it answers `_catalog` with', () => {
    const origin = 'https://harbor.example.com';
    assert.equal(
      looksLikeHarbor({ scheme: 'bearer', realm: 'https://harbor.example.com/service/token', service: 'harbor-registry' }, origin),
      true,
    );
    assert.equal(looksLikeHarbor({ scheme: 'bearer', realm: 'https://harbor.example.com:443/service/token' }, origin), true);
    assert.equal(looksLikeHarbor({ scheme: 'basic', realm: 'harbor' }, origin), true);
    assert.equal(looksLikeHarbor({ scheme: 'basic', realm: 'Harbor' }, origin), true);
    assert.equal(looksLikeHarbor({ scheme: 'bearer', realm: 'http://127.0.0.1:8080/service/token' }, 'http://127.0.0.1:8080'), true);
  });

  it('takes nothing else: other realms, other origins, other schemes, no challenge', () => {
    const origin = 'https://harbor.example.com';
    for (const challenge of [
      undefined,
      { scheme: 'bearer' as const },
      { scheme: 'bearer' as const, realm: 'https://harbor.example.com/token' },
      { scheme: 'bearer' as const, realm: 'https://auth.example.com/service/token' },
      { scheme: 'bearer' as const, realm: 'http://harbor.example.com/service/token' },
      { scheme: 'bearer' as const, realm: 'https://harbor.example.com:8443/service/token' },
      { scheme: 'bearer' as const, realm: 'https://harbor.example.com/service/token/more' },
      { scheme: 'bearer' as const, realm: 'not a url /service/token' },
      { scheme: 'basic' as const },
      { scheme: 'basic' as const, realm: 'Registry Realm' },
      { scheme: 'basic' as const, realm: 'https://harbor.example.com/service/token' },
    ])
      assert.equal(looksLikeHarbor(challenge, origin), false, JSON.stringify(challenge));
  });

  it('never takes a token service on another origin than the registry’s, whatever the host names', () => {
    const hostname = fc.domain();
    fc.assert(
      fc.property(hostname, hostname, fc.constantFrom('http', 'https'), (registry, realmHost, scheme) => {
        fc.pre(registry.toLowerCase() !== realmHost.toLowerCase());
        const realm = `${scheme}://${realmHost}/service/token`;
        assert.equal(looksLikeHarbor({ scheme: 'bearer', realm }, `https://${registry}`), false);
      }),
      { numRuns: 200 },
    );
  });

  it('looks behind a catalog that refused the user, wanted a login or does not exist, not behind other failures', () => {
    for (const code of ['DENIED', 'NEEDS_LOGIN', 'AUTH_FAILED', 'CATALOG_UNSUPPORTED'] as const)
      assert.equal(catalogMayHideHarbor(new CoreError(code, 'x')), true, code);
    for (const code of ['NETWORK', 'CANCELLED', 'RATE_LIMITED', 'BAD_RESPONSE'] as const)
      assert.equal(catalogMayHideHarbor(new CoreError(code, 'x')), false, code);
    assert.equal(catalogMayHideHarbor(new Error('DENIED')), false);
  });

  it('knows Harbor’s systeminfo by its auth mode, as an anonymous caller gets it', () => {
    assert.equal(
      isHarborSystemInfo({ auth_mode: 'db_auth', primary_auth_mode: false, self_registration: false, banner_message: '' }),
      true,
    );
    assert.equal(isHarborSystemInfo({ auth_mode: 'oidc_auth', oidc_provider_name: 'corp' }), true);
    for (const json of [null, 'db_auth', [], [{ auth_mode: 'db_auth' }], {}, { auth_mode: 3 }, { auth_mode: 'db auth' }, { version: '2' }])
      assert.equal(isHarborSystemInfo(json), false, JSON.stringify(json));
  });

  it('makes the recognised provider Harbor’s, its API on the origin the registry was reached at', () => {
    const info = recognisedProvider('harbor.example.com:8443', 'harbor', 'http://harbor.example.com:8443');
    assert.equal(info.id, 'harbor');
    assert.equal(info.chosenBy, 'detected');
    assert.equal(info.apiBase, 'http://harbor.example.com:8443/api/v2.0');
    assert.deepEqual(info.signIn, { kind: 'password' });
  });
});
