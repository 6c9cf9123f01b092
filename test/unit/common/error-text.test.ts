// The core proposes fixes as facts; the extension names the VS Code setting or command for each.
import { strict as assert } from 'node:assert';
import { errorText, remedyAdvice } from '../../../src/common/error-text';
import { CoreError } from '../../../src/core/errors';

describe('common/error-text', () => {
  it('adds the VS Code way to apply each fix the core proposes', () => {
    assert.match(
      remedyAdvice({ kind: 'treat-as-insecure', host: 'r.test' }) ?? '',
      /Mark Insecure adds r\.test to registryExplorer\.insecureRegistries/,
    );
    assert.match(remedyAdvice({ kind: 'add-resolve-rule', host: 'r.test' }) ?? '', /registryExplorer\.resolveRules/);
    assert.match(remedyAdvice({ kind: 'allow-more-time' }) ?? '', /registryExplorer\.requestTimeout/);
    assert.match(remedyAdvice({ kind: 'name-repositories', host: 'ghcr.io' }) ?? '', /"repositories" in registryExplorer\.registries/);
    assert.match(remedyAdvice({ kind: 'log-in', host: 'r.test' }) ?? '', /Log In…/);
    assert.equal(
      remedyAdvice({ kind: 'grant-scopes', host: 'ghcr.io', scopes: ['read:packages'] }),
      "Log In… on the registry's row signs in again; grant read:packages when asked (or create a token with it).",
    );
    assert.match(
      remedyAdvice({ kind: 'run-command', host: 'x.azurecr.io', command: 'az acr login --name x' }) ?? '',
      /copy the command or run it/,
    );
    assert.equal(remedyAdvice(undefined), undefined);
  });

  it("words a proxy's fixes with VS Code's proxy settings and the registry's own \"proxy\"", () => {
    const proxy = { proxy: 'http://proxy.test:3128', source: 'HTTPS_PROXY' };
    assert.match(
      remedyAdvice({ kind: 'proxy-login', ...proxy }) ?? '',
      /comes from HTTPS_PROXY.*http:\/\/user:password@host:port.*http\.proxyAuthorization/,
    );
    assert.match(
      remedyAdvice({ kind: 'bypass-proxy', host: 'r.test', ...proxy }) ?? '',
      /add it to http\.noProxy.*"proxy": "none" in registryExplorer\.registries/,
    );
    assert.match(remedyAdvice({ kind: 'check-proxy', host: 'r.test', ...proxy }) ?? '', /comes from HTTPS_PROXY: fix it there/);
    assert.match(
      remedyAdvice({ kind: 'trust-proxy', host: 'r.test', ...proxy }) ?? '',
      /comes from HTTPS_PROXY: http\.proxyStrictSSL set to false skips the check of its certificate.*reach r\.test without it/,
    );
  });

  it('an error reads as the core sentence, then the advice; without a remedy, just the sentence', () => {
    const tls = new CoreError(
      'TLS_UNKNOWN_AUTHORITY',
      'The certificate of r.test is signed by an unknown authority: or treat r.test as an insecure registry.',
      { remedy: { kind: 'treat-as-insecure', host: 'r.test' } },
    );
    assert.equal(errorText(tls), `${tls.message} Mark Insecure adds r.test to registryExplorer.insecureRegistries.`);
    assert.equal(errorText(new CoreError('DIGEST_MISMATCH', 'x.')), 'x.');
    assert.equal(errorText('plain'), 'plain');
  });
});
