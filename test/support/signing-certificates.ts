/**
 * Sigstore-shaped signing certificates, made once with OpenSSL for the attestation tests (the
 * commands are below), so the tests need no tool and no network. They are self-signed and
 * expired long before anyone reads this; only their fields matter.
 *
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -set_serial 7 \
 *     -subj "/O=sigstore.dev/CN=sigstore-intermediate" \
 *     -addext "subjectAltName=URI:https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0" \
 *     -addext "1.3.6.1.4.1.57264.1.1=DER:<hex of https://old.example>" \
 *     -addext "1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:https://token.actions.githubusercontent.com" \
 *     -addext "1.3.6.1.4.1.57264.1.12=ASN1:UTF8String:https://github.com/acme/app" \
 *     -addext "1.3.6.1.4.1.57264.1.14=ASN1:UTF8String:refs/tags/v1.2.0" \
 *     -addext "1.3.6.1.4.1.57264.1.13=ASN1:UTF8String:0123456789abcdef0123456789abcdef01234567"
 *
 * The older one has only the deprecated raw issuer (.1.1, https://accounts.google.com) and an
 * email name (dev@example.com).
 *
 * The Notary Project one is a code-signing certificate as `notation cert generate-test` makes one:
 *
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -set_serial 9 \
 *     -subj "/C=US/ST=WA/L=Seattle/O=Notary/CN=wabbit-networks.io" \
 *     -addext "keyUsage=critical,digitalSignature" -addext "extendedKeyUsage=codeSigning"
 */
import { encode, Tagged } from 'cborg';

/** A GitHub Actions signer: Fulcio's v2 issuer, source repository, ref and commit, and the old raw issuer too. */
export const WORKFLOW_CERTIFICATE = [
  'MIIC9DCCApqgAwIBAgIBBzAKBggqhkjOPQQDAjA3MRUwEwYDVQQKDAxzaWdzdG9yZS5kZXYxHjAcBgNVBAMMFXNpZ3N0b3Jl',
  'LWludGVybWVkaWF0ZTAeFw0yNjEyMDUwMTU0MjZaFw0yNjEyMDYwMTU0MjZaMDcxFTATBgNVBAoMDHNpZ3N0b3JlLmRldjEe',
  'MBwGA1UEAwwVc2lnc3RvcmUtaW50ZXJtZWRpYXRlMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEOeegKOMG4od53rLBuekM',
  'YsIYZJsttF4Rv7ovyMOXOYYfxv1jAdsDNMRyarnhU5icsS6aio30ykbnYFCq5LfPxqOCAZUwggGRMB0GA1UdDgQWBBTk5QBw',
  'vbDd+FpXGcciGnQZ3qBpVjAfBgNVHSMEGDAWgBTk5QBwvbDd+FpXGcciGnQZ3qBpVjAPBgNVHRMBAf8EBTADAQH/MCEGCisG',
  'AQQBg78wAQEEE2h0dHBzOi8vb2xkLmV4YW1wbGUwOwYKKwYBBAGDvzABCAQtDCtodHRwczovL3Rva2VuLmFjdGlvbnMuZ2l0',
  'aHVidXNlcmNvbnRlbnQuY29tMCsGCisGAQQBg78wAQwEHQwbaHR0cHM6Ly9naXRodWIuY29tL2FjbWUvYXBwMCAGCisGAQQB',
  'g78wAQ4EEgwQcmVmcy90YWdzL3YxLjIuMDA4BgorBgEEAYO/MAENBCoMKDAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJj',
  'ZGVmMDEyMzQ1NjcwVQYDVR0RBE4wTIZKaHR0cHM6Ly9naXRodWIuY29tL2FjbWUvYXBwLy5naXRodWIvd29ya2Zsb3dzL3Jl',
  'bGVhc2UueW1sQHJlZnMvdGFncy92MS4yLjAwCgYIKoZIzj0EAwIDSAAwRQIhAJulc6MABi1bHYTOGBoA47q2hZeqhDZdfii8',
  'QXNm0BQSAiBYUkKsajnOx0N1hfrB2pk9b8ld+sRANhi6rt7jFjbs8g==',
].join('');

/** An email signer with only the deprecated raw issuer extension. */
export const EMAIL_CERTIFICATE = [
  'MIIB+DCCAZ+gAwIBAgIBBzAKBggqhkjOPQQDAjA3MRUwEwYDVQQKDAxzaWdzdG9yZS5kZXYxHjAcBgNVBAMMFXNpZ3N0b3Jl',
  'LWludGVybWVkaWF0ZTAeFw0yNjEyMDUwMTU0MjZaFw0yNjEyMDYwMTU0MjZaMDcxFTATBgNVBAoMDHNpZ3N0b3JlLmRldjEe',
  'MBwGA1UEAwwVc2lnc3RvcmUtaW50ZXJtZWRpYXRlMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEvx2YZuXimH5OAm+QcVf7',
  'hqN9t3FVqAzijFI2XOUb87fJ0Oy5mLZ+L5S6LnY5LvL8DWuTJ7iA5P9Bvz2qO5MnxqOBmzCBmDAdBgNVHQ4EFgQU7QpxAqEc',
  'MdhudNOb4irnJLbUID4wHwYDVR0jBBgwFoAU7QpxAqEcMdhudNOb4irnJLbUID4wDwYDVR0TAQH/BAUwAwEB/zApBgorBgEE',
  'AYO/MAEBBBtodHRwczovL2FjY291bnRzLmdvb2dsZS5jb20wGgYDVR0RBBMwEYEPZGV2QGV4YW1wbGUuY29tMAoGCCqGSM49',
  'BAMCA0cAMEQCIEuxT+Ep1VT9uyygrheWRstV78VmeTxBhSXpemttVj/pAiB7SD+/AtkKYnc0U2YlVPj6Zri/1jibTrr3KBmS',
  'of/bQg==',
].join('');

/** A certificate as PEM, the way cosign writes its certificate annotation. */
export function pemOf(base64: string): string {
  return `-----BEGIN CERTIFICATE-----\n${base64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** A Notary Project signer's code-signing certificate: no alternative name, its subject names it. */
export const NOTARY_CERTIFICATE = [
  'MIICHDCCAcGgAwIBAgIBCTAKBggqhkjOPQQDAjBaMQswCQYDVQQGEwJVUzELMAkGA1UECAwCV0ExEDAOBgNVBAcMB1NlYXR0',
  'bGUxDzANBgNVBAoMBk5vdGFyeTEbMBkGA1UEAwwSd2FiYml0LW5ldHdvcmtzLmlvMB4XDTI2MTIwNTA1MTMyMVoXDTI2MTIw',
  'NjA1MTMyMVowWjELMAkGA1UEBhMCVVMxCzAJBgNVBAgMAldBMRAwDgYDVQQHDAdTZWF0dGxlMQ8wDQYDVQQKDAZOb3Rhcnkx',
  'GzAZBgNVBAMMEndhYmJpdC1uZXR3b3Jrcy5pbzBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABEW2xxchKbN4qk8lIfCLj/ip',
  'lD/KCxxiJ/9mXa/itzN3G1Zsxb5h/Q7pB8PA8MazjGPFvhlHgdUhWVIrsFMXRpGjeDB2MB0GA1UdDgQWBBQBsivsyTquJqkc',
  'px68bbBXb/yifTAfBgNVHSMEGDAWgBQBsivsyTquJqkcpx68bbBXb/yifTAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQE',
  'AwIHgDATBgNVHSUEDDAKBggrBgEFBQcDAzAKBggqhkjOPQQDAgNJADBGAiEA+vrSpK2Zmxop+vRVF6TMlehbsu+TH4Jeeehn',
  'COY/xbQCIQCdbJuZ/FiRyX6rDQdRa48H7ungiOU5BqLXUBRUEE2akw==',
].join('');

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A Notary Project JWS envelope signing `target` as `notation sign` writes one (notaryproject/
 * specifications, signature-envelope-jws.md): its signature is not a real one, since nothing here
 * verifies.
 */
export function notaryEnvelope(
  target: { mediaType: string; digest: string; size: number; annotations?: Record<string, string> },
  options: { protected?: Record<string, unknown>; header?: Record<string, unknown> } = {},
): Record<string, unknown> {
  return {
    payload: base64url({ targetArtifact: target }),
    protected: base64url({
      alg: 'ES256',
      cty: 'application/vnd.cncf.notary.payload.v1+json',
      crit: ['io.cncf.notary.signingScheme', 'io.cncf.notary.expiry'],
      'io.cncf.notary.signingScheme': 'notary.x509',
      'io.cncf.notary.signingTime': '2026-12-05T05:13:21Z',
      'io.cncf.notary.expiry': '2027-06-05T05:13:21Z',
      ...options.protected,
    }),
    header: { x5c: [NOTARY_CERTIFICATE], 'io.cncf.notary.signingAgent': 'notation-go/1.3.0', ...options.header },
    signature: Buffer.from('not a real signature').toString('base64url'),
  };
}

/** 2026-12-05T05:13:21Z and 2027-06-05T05:13:21Z, as seconds: the JWS envelope's times. */
export const COSE_SIGNING_TIME = 1796447601;
export const COSE_EXPIRY = 1812172401;

/**
 * A Notary Project COSE envelope signing `target` as `notation sign --signature-format cose`
 * writes one (notaryproject/specifications, signature-envelope-cose.md): COSE_Sign1 in tag 18,
 * the protected map as a byte string, times in tag 1, x5chain (33) as an array of DER byte
 * strings. `protected` and `unprotected` entries replace the defaults by label; an `undefined`
 * value removes one. The signature is not a real one, since nothing here verifies.
 */
export function notaryCoseEnvelope(
  target: { mediaType: string; digest: string; size: number; annotations?: Record<string, string> },
  options: {
    protected?: [number | string, unknown][];
    unprotected?: [number | string, unknown][];
    payload?: unknown;
    tagged?: boolean;
  } = {},
): Uint8Array {
  const headers = (defaults: [number | string, unknown][], changes: [number | string, unknown][] = []) => {
    const map = new Map(defaults);
    for (const [label, value] of changes) {
      if (value === undefined) map.delete(label);
      else map.set(label, value);
    }
    return map;
  };
  const protectedMap = headers(
    [
      [1, -7],
      [2, ['io.cncf.notary.signingScheme', 'io.cncf.notary.expiry']],
      [3, 'application/vnd.cncf.notary.payload.v1+json'],
      ['io.cncf.notary.signingScheme', 'notary.x509'],
      ['io.cncf.notary.signingTime', new Tagged(1, COSE_SIGNING_TIME)],
      ['io.cncf.notary.expiry', new Tagged(1, COSE_EXPIRY)],
    ],
    options.protected,
  );
  const unprotectedMap = headers(
    [
      [33, [Buffer.from(NOTARY_CERTIFICATE, 'base64')]],
      ['io.cncf.notary.signingAgent', 'notation-go/1.3.0'],
    ],
    options.unprotected,
  );
  const payload = 'payload' in options ? options.payload : Buffer.from(JSON.stringify({ targetArtifact: target }));
  const message = [encode(protectedMap), unprotectedMap, payload, Buffer.from('not a real signature')];
  return encode(options.tagged === false ? message : new Tagged(18, message));
}
