// How failures that belong to an HTTP proxy are worded (describeProxyFailure for a tunnel or a
// connection, describeForwardedAnswer for a forwarded plain-HTTP answer): each code, sentence and
// remedy, the proxy's status read from undici's errors along the cause chain, and a forwarded
// answer told apart from the host's own by the proxy's headers. The lab's proxy tests meet these
// against squid; written here from the transport group's mutation survivors (see docs/mutation.md).
import assert from 'node:assert/strict';
import { describeForwardedAnswer, describeProxyFailure, markProxyConnectFailure } from '../../../../src/core/transport/proxy-errors';

const url = new URL('https://registry.test:5000/v2/');
const proxy = { url: 'http://proxy.test:3128', source: 'HTTPS_PROXY' };
const named = 'The proxy http://proxy.test:3128 (from HTTPS_PROXY)';
const bypass = { kind: 'bypass-proxy', host: 'registry.test:5000', proxy: proxy.url, source: 'HTTPS_PROXY' };
const login = { kind: 'proxy-login', proxy: proxy.url, source: 'HTTPS_PROXY' };
const tunnel = (status: number): Error => new Error(`Proxy response (${status}) !== 200 when HTTP Tunneling`);
const wrapped = (inner: unknown, depth: number): unknown =>
  depth === 0 ? inner : Object.assign(new Error('outer'), { cause: wrapped(inner, depth - 1) });

describe('describeProxyFailure', () => {
  it('a tunnel refused with 403: PROXY_CONNECT_REFUSED, in words, with the bypass remedy', () => {
    const err = describeProxyFailure(tunnel(403), url, proxy);
    assert.equal(err?.code, 'PROXY_CONNECT_REFUSED');
    assert.equal(
      err.message,
      `${named} refused to open a tunnel to registry.test:5000 (HTTP 403): it may allow only some hosts or port 443; ask its operator to allow registry.test:5000, or reach registry.test:5000 without the proxy.`,
    );
    assert.deepEqual(err.remedy, bypass);
  });

  it('a tunnel answered 502 (or any 5xx from 500): PROXY_ERROR, the proxy could not reach the host', () => {
    for (const status of [500, 502]) {
      const err = describeProxyFailure(tunnel(status), url, proxy);
      assert.equal(err?.code, 'PROXY_ERROR');
      assert.equal(
        err.message,
        `${named} could not reach registry.test:5000 and answered HTTP ${status} with its own error page: check that registry.test:5000 is right and reachable from the proxy, or reach it without the proxy.`,
      );
      assert.deepEqual(err.remedy, bypass);
    }
    assert.equal(describeProxyFailure(tunnel(499), url, proxy)?.code, 'PROXY_CONNECT_REFUSED');
  });

  it('a 407, as a tunnel status or as undici’s message: a login asked for, or the one sent refused', () => {
    for (const cause of [tunnel(407), new Error('Proxy Authentication Required (407)')]) {
      const asked = describeProxyFailure(cause, url, proxy);
      assert.equal(asked?.code, 'PROXY_AUTH_REQUIRED');
      assert.equal(
        asked.message,
        `${named} asks for a login (HTTP 407) before it passes on requests to registry.test:5000: give it the proxy's user and password.`,
      );
      assert.deepEqual(asked.remedy, login);
      assert.equal(asked.cause, cause);
      const refused = describeProxyFailure(cause, url, { ...proxy, authorization: 'Basic eA==' });
      assert.equal(refused?.code, 'PROXY_AUTH_REFUSED');
      assert.equal(
        refused.message,
        `${named} refused the proxy login sent with the request to registry.test:5000 (HTTP 407): check the proxy user and password.`,
      );
      assert.deepEqual(refused.remedy, login);
    }
  });

  it('reads the status anywhere in the first five causes, after other messages', () => {
    assert.equal(describeProxyFailure(wrapped(tunnel(403), 4), url, proxy)?.code, 'PROXY_CONNECT_REFUSED');
    assert.equal(describeProxyFailure(wrapped(tunnel(403), 5), url, proxy), undefined);
  });

  for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT']) {
    it(`${code} on the way to the proxy: PROXY_UNREACHABLE`, () => {
      const cause = wrapped(Object.assign(new Error('connect failed'), { code }), 2);
      const err = describeProxyFailure(cause, url, proxy);
      assert.equal(err?.code, 'PROXY_UNREACHABLE');
      assert.equal(
        err.message,
        `${named} cannot be reached (${code}), so registry.test:5000 was not contacted: check the proxy's address and that it is running, or reach registry.test:5000 without the proxy.`,
      );
      assert.deepEqual(err.remedy, { kind: 'check-proxy', host: 'registry.test:5000', proxy: proxy.url, source: 'HTTPS_PROXY' });
      assert.equal(err.cause, cause);
    });
  }

  it('leaves other failures to the host’s wording', () => {
    assert.equal(describeProxyFailure(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), url, proxy), undefined);
    assert.equal(describeProxyFailure(new Error('Proxy response (abc) !== 200 when HTTP Tunneling'), url, proxy), undefined);
    assert.equal(describeProxyFailure(undefined, url, proxy), undefined);
    assert.equal(describeProxyFailure(null, url, proxy), undefined);
    assert.equal(describeProxyFailure({ cause: null }, url, proxy), undefined);
    assert.equal(describeProxyFailure('text', url, proxy), undefined);
    assert.equal(describeProxyFailure({ code: 42, message: 7 }, url, proxy), undefined);
  });
});

describe("the https proxy's own TLS handshake (markProxyConnectFailure)", () => {
  const httpsProxy = { url: 'https://proxy.test:3129', source: 'HTTPS_PROXY' };
  const tlsFailure = (code: string): Error => Object.assign(new Error(`certificate check failed: ${code}`), { code });

  it('names the proxy when its own handshake failed, found up to five errors deep', () => {
    for (const depth of [0, 4]) {
      const err = describeProxyFailure(wrapped(markProxyConnectFailure(tlsFailure('SELF_SIGNED_CERT_IN_CHAIN')), depth), url, httpsProxy);
      assert.equal(err?.code, 'PROXY_TLS', `at depth ${depth}`);
      assert.equal(
        err.message,
        "The proxy https://proxy.test:3129 (from HTTPS_PROXY) speaks https, and its own certificate was not accepted (SELF_SIGNED_CERT_IN_CHAIN), so registry.test:5000 was not contacted: add the CA that signed the proxy's certificate to the system's trusted CAs (or NODE_EXTRA_CA_CERTS), check the proxy's address, or turn off the check of the proxy's certificate where the proxy is configured.",
      );
      assert.deepEqual(err.remedy, { kind: 'trust-proxy', host: 'registry.test:5000', proxy: httpsProxy.url, source: 'HTTPS_PROXY' });
    }
    // Past the fifth error the walk stops, as it does for the proxy's status.
    assert.equal(
      describeProxyFailure(wrapped(markProxyConnectFailure(tlsFailure('SELF_SIGNED_CERT_IN_CHAIN')), 5), url, httpsProxy),
      undefined,
    );
  });

  it("leaves the registry's own TLS failure inside the tunnel to the registry's wording", () => {
    // The same codes, not raised on the proxy's connection: the registry's certificate, not the proxy's.
    for (const code of ['SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID'])
      assert.equal(describeProxyFailure(tlsFailure(code), url, httpsProxy), undefined, code);
    // Marked, but no TLS code: the proxy's other failures keep their own wording.
    const refused = markProxyConnectFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    assert.equal(describeProxyFailure(refused, url, httpsProxy)?.code, 'PROXY_UNREACHABLE');
  });

  it('marks only objects, returning whatever it is given, and walks odd cause chains safely', () => {
    for (const value of [null, undefined, 'text', 42]) assert.equal(markProxyConnectFailure(value), value);
    const looped = Object.assign(new Error('loop'), { code: 'EPROTO' });
    (looped as { cause?: unknown }).cause = looped;
    assert.equal(describeProxyFailure(looped, url, httpsProxy), undefined);
    assert.equal(describeProxyFailure(Object.assign(new Error('x'), { cause: null }), url, httpsProxy), undefined);
  });
});

describe('describeForwardedAnswer', () => {
  const http = new URL('http://registry.test:5000/v2/');

  it('a 407 is always the proxy’s', () => {
    assert.equal(describeForwardedAnswer(407, {}, http, proxy)?.code, 'PROXY_AUTH_REQUIRED');
  });

  it('an answer below 400, or an error without the proxy’s headers, is the host’s', () => {
    assert.equal(describeForwardedAnswer(302, { 'proxy-status': 'squid; error=x' }, http, proxy), undefined);
    assert.equal(describeForwardedAnswer(399, { 'proxy-status': 'squid; error=x' }, http, proxy), undefined);
    assert.equal(describeForwardedAnswer(503, {}, http, proxy), undefined);
    assert.equal(describeForwardedAnswer(503, { 'proxy-status': '  ' }, http, proxy), undefined);
  });

  it('a 4xx with Proxy-Status: the proxy would not pass the request on, its detail cleaned and cut', () => {
    const err = describeForwardedAnswer(400, { 'proxy-status': ['squid; error=http_request_denied', 'x\u0007y'] }, http, proxy);
    assert.equal(err?.code, 'PROXY_ERROR');
    assert.equal(
      err.message,
      `${named} would not pass on the request to registry.test:5000 and answered HTTP 400 (squid; error=http_request_denied, xy) with its own error page: ask its operator to allow registry.test:5000, or reach it without the proxy.`,
    );
    assert.deepEqual(err.remedy, bypass);
    const long = describeForwardedAnswer(403, { 'x-squid-error': ` ${'e'.repeat(100)} ` }, http, proxy);
    assert.ok(long?.message.includes(`(${'e'.repeat(79)}) with`), long?.message);
  });

  it('a 5xx with X-Squid-Error: the proxy could not reach the host', () => {
    const err = describeForwardedAnswer(500, { 'x-squid-error': 'ERR_DNS_FAIL 0' }, http, proxy);
    assert.equal(err?.code, 'PROXY_ERROR');
    assert.equal(
      err.message,
      `${named} could not reach registry.test:5000 and answered HTTP 500 (ERR_DNS_FAIL 0) with its own error page: check that registry.test:5000 is right and reachable from the proxy, or reach it without the proxy.`,
    );
    assert.equal(
      describeForwardedAnswer(499, { 'x-squid-error': 'ERR_ACCESS_DENIED 0' }, http, proxy)?.message.includes('would not pass on'),
      true,
    );
  });
});
