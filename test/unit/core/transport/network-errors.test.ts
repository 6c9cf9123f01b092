// How a failure before the headers arrive is worded (describeNetworkError): each socket and TLS
// failure Node or undici raises, found through the chain of causes, becomes one code with its
// sentence and remedy; the insecure fallback's signal (isPlainHttpAnswer); and the exact words of
// a body's failures and durations. Written from the transport group's mutation survivors (see
// docs/mutation.md): the lab meets these errors at real registries but checks only their codes.
import assert from 'node:assert/strict';
import { CoreError } from '../../../../src/core/errors';
import { describeBodyError, describeNetworkError, isPlainHttpAnswer, secondsText } from '../../../../src/core/transport/network-errors';

const url = new URL('https://registry.test:5000/v2/');
const ipUrl = new URL('https://[::1]:5000/v2/');
const nodeError = (code: string, message = `failed ${code}`, extra: object = {}): Error =>
  Object.assign(new Error(message), { code, ...extra });
const insecure = { kind: 'treat-as-insecure', host: 'registry.test:5000' };

describe('describeNetworkError', () => {
  const TABLE: Array<[string, unknown, string, string, object | undefined]> = [
    [
      'a TLS answered in plain HTTP',
      nodeError('ERR_SSL_WRONG_VERSION_NUMBER'),
      'TLS_PLAIN_HTTP',
      'registry.test:5000 answered the TLS handshake with plain HTTP: use http://registry.test:5000 as the registry URL, or treat registry.test:5000 as an insecure registry.',
      insecure,
    ],
    [
      'an unknown authority',
      nodeError('SELF_SIGNED_CERT_IN_CHAIN'),
      'TLS_UNKNOWN_AUTHORITY',
      "The certificate of registry.test:5000 is signed by an unknown authority (checked against Node's bundled roots, not the system's CAs): add the CA to the system's trusted CAs, to the registry's hosts.toml `ca` or to its certs.d folder, or treat registry.test:5000 as an insecure registry.",
      insecure,
    ],
    [
      'a client certificate refused',
      nodeError('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'),
      'TLS_CLIENT_CERT_REFUSED',
      'registry.test:5000 refused the TLS client certificate offered, or asked for one and got none (TLSV13_ALERT_CERTIFICATE_REQUIRED): check the client certificate and key configured for registry.test:5000 in its hosts.toml `client` or its certs.d folder, and that its operator trusts their CA.',
      undefined,
    ],
    [
      'a name mismatch',
      nodeError('ERR_TLS_CERT_ALTNAME_INVALID', 'x', { cert: { subjectaltname: 'DNS:other.test' } }),
      'TLS_NAME_MISMATCH',
      'The certificate of registry.test:5000 is not valid for registry.test (it names DNS:other.test): use the name the certificate has, or treat registry.test:5000 as an insecure registry.',
      insecure,
    ],
    [
      'a name mismatch without names',
      nodeError('ERR_TLS_CERT_ALTNAME_INVALID'),
      'TLS_NAME_MISMATCH',
      'The certificate of registry.test:5000 is not valid for registry.test: use the name the certificate has, or treat registry.test:5000 as an insecure registry.',
      insecure,
    ],
    [
      'an expired certificate',
      nodeError('CERT_HAS_EXPIRED'),
      'TLS_CERT_DATES',
      "The certificate of registry.test:5000 is expired: ask the registry's operator to renew it, or treat registry.test:5000 as an insecure registry.",
      insecure,
    ],
    [
      'a certificate not yet valid',
      nodeError('CERT_NOT_YET_VALID'),
      'TLS_CERT_DATES',
      "The certificate of registry.test:5000 is not yet valid: ask the registry's operator to renew it, or treat registry.test:5000 as an insecure registry.",
      insecure,
    ],
    [
      'a refused connection',
      nodeError('ECONNREFUSED'),
      'CONNECTION_REFUSED',
      'Nothing accepts connections at registry.test:5000: check the registry URL and port, and that the registry is running.',
      undefined,
    ],
    [
      'an unknown host',
      nodeError('ENOTFOUND'),
      'HOST_NOT_FOUND',
      'The host name registry.test could not be resolved: check the spelling, your DNS, or add a resolve rule that connects it to an address.',
      { kind: 'add-resolve-rule', host: 'registry.test:5000' },
    ],
    [
      'a DNS lookup that may work later',
      nodeError('EAI_AGAIN'),
      'HOST_NOT_FOUND',
      'The host name registry.test could not',
      { kind: 'add-resolve-rule', host: 'registry.test:5000' },
    ],
    [
      'a reset',
      nodeError('ECONNRESET'),
      'CONNECTION_RESET',
      'registry.test:5000 closed the connection unexpectedly: try again; if it keeps happening, check a proxy or firewall between you and the registry.',
      undefined,
    ],
    ['a broken pipe', nodeError('EPIPE'), 'CONNECTION_RESET', 'registry.test:5000 closed the connection unexpectedly', undefined],
    ["undici's socket error", nodeError('UND_ERR_SOCKET'), 'CONNECTION_RESET', 'registry.test:5000 closed the connection', undefined],
    [
      'a timeout',
      nodeError('ETIMEDOUT'),
      'UNREACHABLE',
      'registry.test:5000 cannot be reached (ETIMEDOUT): check your network connection and the registry URL.',
      undefined,
    ],
    ['no route to the network', nodeError('ENETUNREACH'), 'UNREACHABLE', 'registry.test:5000 cannot be reached (ENETUNREACH)', undefined],
    ['no route to the host', nodeError('EHOSTUNREACH'), 'UNREACHABLE', 'registry.test:5000 cannot be reached (EHOSTUNREACH)', undefined],
    ['anything else', nodeError('EWHATEVER', 'odd failure'), 'NETWORK', 'Could not reach registry.test:5000: odd failure.', undefined],
    ['an error without a code', new Error('plain'), 'NETWORK', 'Could not reach registry.test:5000: plain.', undefined],
    ['a thrown string', 'text', 'NETWORK', 'Could not reach registry.test:5000: text.', undefined],
  ];
  for (const [what, err, code, message, remedy] of TABLE) {
    it(`${what} → ${code}`, () => {
      const described = describeNetworkError(err, url);
      assert.ok(described instanceof CoreError);
      assert.equal(described.code, code);
      assert.ok(described.message.startsWith(message), described.message);
      assert.deepEqual(described.remedy, remedy);
      assert.equal(described.cause, err);
    });
  }

  for (const code of [
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'UNABLE_TO_GET_ISSUER_CERT',
  ]) {
    it(`${code} is an unknown authority`, () => assert.equal(describeNetworkError(nodeError(code), url).code, 'TLS_UNKNOWN_AUTHORITY'));
  }

  for (const alert of [
    'BAD_CERTIFICATE',
    'UNKNOWN_CA',
    'CERTIFICATE_UNKNOWN',
    'UNSUPPORTED_CERTIFICATE',
    'CERTIFICATE_EXPIRED',
    'CERTIFICATE_REVOKED',
    'ACCESS_DENIED',
  ]) {
    it(`the alert ${alert} is a client certificate refused, only at the end of the code`, () => {
      assert.equal(describeNetworkError(nodeError(`ERR_SSL_SSLV3_ALERT_${alert}`), url).code, 'TLS_CLIENT_CERT_REFUSED');
      assert.equal(describeNetworkError(nodeError(`ERR_SSL_SSLV3_ALERT_${alert}_X`), url).code, 'NETWORK');
    });
  }

  it('names a client certificate when a first https connection closes before any answer, else the connection', () => {
    const closed = () => nodeError('UND_ERR_SOCKET', 'other side closed');
    const none = describeNetworkError(closed(), url, { firstContact: true, clientCertificates: 0 });
    assert.equal(none.code, 'CONNECTION_RESET', 'still temporary: the cause is a guess');
    assert.match(
      none.message,
      /^registry\.test:5000 closed the connection before answering, right after the TLS handshake: it may require a client certificate/,
    );
    assert.ok(none.message.includes('certs.d/registry.test:5000/client.cert and client.key'), none.message);
    assert.match(none.message, /hosts\.toml `client`/);
    assert.doesNotMatch(none.message, /proxy or firewall|registryExplorer|http\./);
    const one = describeNetworkError(closed(), url, { firstContact: true, clientCertificates: 1 });
    assert.match(one.message, /may not accept the client certificate configured for it/);
    // A connection that answered before, plain HTTP, or a reset during the handshake: the old sentence.
    for (const [err, where, note] of [
      [closed(), url, { firstContact: false }],
      [closed(), new URL('http://registry.test:5000/v2/'), { firstContact: true }],
      [nodeError('ECONNRESET'), url, { firstContact: true }],
    ] as const) {
      assert.match(describeNetworkError(err, where, note).message, /closed the connection unexpectedly: try again/);
    }
  });

  it('says what the certificate was checked against: the roots given, and a configured CA', () => {
    const message = describeNetworkError(nodeError('UNABLE_TO_GET_ISSUER_CERT'), url, {
      trust: 'the system CAs',
      configuredCa: true,
    }).message;
    assert.ok(message.includes('(checked against the system CAs and the CA configured for it)'), message);
    assert.ok(!describeNetworkError(nodeError('UNABLE_TO_GET_ISSUER_CERT'), url, {}).message.includes('configured for it'));
  });

  it('an IP address without a SAN for it: TLS_NO_IP_SAN, with the address unbracketed', () => {
    const described = describeNetworkError(nodeError('ERR_TLS_CERT_ALTNAME_INVALID', 'x', { cert: { subjectaltname: 'DNS:a' } }), ipUrl);
    assert.equal(described.code, 'TLS_NO_IP_SAN');
    assert.equal(
      described.message,
      'The certificate of [::1]:5000 has no IP SAN for ::1 (it names DNS:a): use the DNS name the certificate has, or treat [::1]:5000 as an insecure registry.',
    );
    assert.deepEqual(described.remedy, { kind: 'treat-as-insecure', host: '[::1]:5000' });
  });

  it('finds the code up to five causes deep, past undici’s own codes', () => {
    const wrapped = (inner: unknown, depth: number): unknown =>
      depth === 0 ? inner : Object.assign(new Error('outer'), { code: 'UND_ERR_CONNECT', cause: wrapped(inner, depth - 1) });
    assert.equal(describeNetworkError(wrapped(nodeError('ECONNREFUSED'), 4), url).code, 'CONNECTION_REFUSED');
    const tooDeep = describeNetworkError(wrapped(nodeError('ECONNREFUSED'), 5), url);
    assert.equal(tooDeep.code, 'NETWORK');
    assert.equal(tooDeep.message, 'Could not reach registry.test:5000: outer.');
    const inner = describeNetworkError({ cause: nodeError('ENOTFOUND', 'inner message') }, url);
    assert.equal(inner.code, 'HOST_NOT_FOUND');
    assert.equal(
      describeNetworkError(wrapped(nodeError('EWHAT', 'the inner words'), 1), url).message,
      'Could not reach registry.test:5000: the inner words.',
    );
  });
});

describe('isPlainHttpAnswer', () => {
  it('is the wrong-version error, or EPROTO saying so, anywhere in the causes', () => {
    assert.equal(isPlainHttpAnswer(nodeError('ERR_SSL_WRONG_VERSION_NUMBER')), true);
    for (const message of ['ssl3_get_record:wrong version number', 'PACKET LENGTH TOO LONG', 'http request'])
      assert.equal(isPlainHttpAnswer(nodeError('EPROTO', message)), true, message);
    assert.equal(isPlainHttpAnswer(nodeError('EPROTO', 'handshake failure')), false);
    assert.equal(isPlainHttpAnswer(Object.assign(new Error('x'), { code: 'EPROTO', message: undefined })), false);
    assert.equal(isPlainHttpAnswer({ cause: nodeError('ERR_SSL_WRONG_VERSION_NUMBER') }), true);
    assert.equal(isPlainHttpAnswer(nodeError('ECONNRESET')), false);
    assert.equal(isPlainHttpAnswer(undefined), false);
    assert.equal(isPlainHttpAnswer(new Error('wrong version number')), false);
  });
});

describe('the words of a body’s failures', () => {
  const blobUrl = new URL('https://registry.test:5000/v2/app/blobs/sha256:1');
  const context = { limits: { idleMs: 1_500 } };
  const TABLE: Array<[string, string]> = [
    [
      'UND_ERR_BODY_TIMEOUT',
      'registry.test:5000 sent nothing for 1.5 s in the middle of /v2/app/blobs/sha256:1: try again; if it keeps happening, the registry or a proxy between you and it is stuck or overloaded.',
    ],
    [
      'UND_ERR_SOCKET',
      'registry.test:5000 closed the connection before all of /v2/app/blobs/sha256:1 arrived: try again; if it keeps happening, check a proxy or firewall between you and the registry.',
    ],
    [
      'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
      'registry.test:5000 sent a body for /v2/app/blobs/sha256:1 whose length differs from its Content-Length, so it was not used: try again; if it keeps happening, a proxy in between may be changing responses.',
    ],
    [
      'UND_ERR_DESTROYED',
      'The connection to registry.test:5000 was closed by this client while /v2/app/blobs/sha256:1 was being read (its session ended): try again.',
    ],
    [
      'HPE_INVALID_CHUNK_SIZE',
      'registry.test:5000 sent a malformed HTTP body for /v2/app/blobs/sha256:1 (HPE_INVALID_CHUNK_SIZE): try again; if it keeps happening, check that the URL points at a registry and not at something else in between.',
    ],
    [
      'EODD',
      'Reading /v2/app/blobs/sha256:1 from registry.test:5000 failed (EODD): try again; if it keeps happening, check your network connection and the registry.',
    ],
  ];
  for (const [code, message] of TABLE) {
    it(`${code}: in exactly these words`, () => assert.equal(describeBodyError(nodeError(code), blobUrl, context).message, message));
  }

  it('a failure without a code, and a BODY_TIMEOUT’s remedy', () => {
    assert.match(describeBodyError(new Error('x'), blobUrl, context).message, /failed \(no error code\)/);
    assert.deepEqual(describeBodyError(nodeError('UND_ERR_BODY_TIMEOUT'), blobUrl, context).remedy, { kind: 'allow-more-time' });
  });

  it('cuts a path longer than 120 characters to 119 and an ellipsis', () => {
    const long = new URL(`https://registry.test/${'a'.repeat(200)}`);
    const message = describeBodyError(nodeError('UND_ERR_SOCKET'), long, context).message;
    assert.ok(message.includes(` /${'a'.repeat(118)}… arrived`), message);
    const exact = new URL(`https://registry.test/${'a'.repeat(119)}`);
    assert.ok(describeBodyError(nodeError('UND_ERR_SOCKET'), exact, context).message.includes(` /${'a'.repeat(119)} arrived`));
  });
});

describe('secondsText', () => {
  it('gives tenths below ten seconds and whole seconds from ten', () => {
    assert.equal(secondsText(500), '0.5 s');
    assert.equal(secondsText(1_549), '1.5 s');
    assert.equal(secondsText(9_940), '9.9 s');
    assert.equal(secondsText(10_000), '10 s');
    assert.equal(secondsText(60_400), '60 s');
  });
});

describe('network errors: the rest of the edges', () => {
  const blobUrl = new URL('https://registry.test:5000/v2/app/blobs/sha256:1');
  const context = { limits: { idleMs: 1_000 } };

  it('a failure that is no object at all is still worded (undefined, null)', () => {
    assert.equal(describeNetworkError(undefined, url).code, 'NETWORK');
    assert.equal(describeNetworkError(null, url).code, 'NETWORK');
  });

  it('a message that names a plain-HTTP answer counts only with EPROTO', () => {
    assert.equal(isPlainHttpAnswer(nodeError('ECONNRESET', 'wrong version number')), false);
  });

  for (const code of ['UND_ERR_ABORTED', 'UND_ERR_ABORT', 'ABORT_ERR']) {
    it(`a body failing with ${code} alone is a cancellation`, () => {
      assert.equal(describeBodyError({ code }, blobUrl, context).code, 'CANCELLED');
    });
  }

  for (const code of ['ECONNRESET', 'EPIPE']) {
    it(`a body cut by ${code} says the body did not all arrive`, () => {
      assert.equal(
        describeBodyError(nodeError(code), blobUrl, context).message,
        'registry.test:5000 closed the connection before all of /v2/app/blobs/sha256:1 arrived: try again; if it keeps happening, check a proxy or firewall between you and the registry.',
      );
    });
  }

  it('cuts an odd code to 40 characters', () => {
    const message = describeBodyError(nodeError(`E${'X'.repeat(60)}`), blobUrl, context).message;
    assert.ok(message.includes(`failed (E${'X'.repeat(39)}):`), message);
  });
});
