// The exact words of each refusal of the registry URL policy, for every way a registry hands a URL
// over and every rule it breaks: the message is what a user reads to know what happened and that
// nothing was sent, so each word counts (the code alone is checked elsewhere). Written from the
// transport group's mutation survivors (see docs/mutation.md).
import assert from 'node:assert/strict';
import { CoreError } from '../../../../src/core/errors';
import { requireRegistryUrl, type RegistryUrlKind } from '../../../../src/core/transport/url-policy';

const source = new URL('https://registry.example.com/v2/app/x');
/** A URL breaking each rule, judged against an https registry. */
const BREAKING: Record<string, string> = {
  invalid: 'http://[x',
  scheme: 'ftp://h.example/x',
  userinfo: 'https://u:p@h.example/x',
  port: 'https://h.example:25/x?q',
  downgrade: 'http://h.example:8080/x?q',
  private: 'https://10.0.0.1:444/x?q',
};

const WORDS: Array<[RegistryUrlKind, string, string, string]> = [
  [
    'redirect',
    'invalid',
    'BAD_REDIRECT',
    "registry.example.com redirected blob sha256:1 in app to an invalid URL; only http(s) URLs are followed, so it was refused: report this to the registry's operator; nothing was sent there.",
  ],
  [
    'redirect',
    'scheme',
    'BAD_REDIRECT',
    "registry.example.com redirected blob sha256:1 in app to a ftp: URL; only http(s) URLs are followed, so it was refused: report this to the registry's operator; nothing was sent there.",
  ],
  [
    'redirect',
    'userinfo',
    'BAD_REDIRECT',
    "registry.example.com redirected blob sha256:1 in app to h.example with a user name or password in the URL, which this client refuses to use: report this to the registry's operator; nothing was sent there.",
  ],
  [
    'redirect',
    'port',
    'BAD_REDIRECT',
    "registry.example.com redirected blob sha256:1 in app to h.example:25, a port used by another protocol (25), so it was refused: report this to the registry's operator; nothing was sent there.",
  ],
  [
    'redirect',
    'downgrade',
    'INSECURE_REDIRECT',
    "registry.example.com redirected blob sha256:1 in app from https to plain http (h.example:8080); the redirect was refused so nothing travels unencrypted: ask the registry's operator to serve its storage over HTTPS.",
  ],
  [
    'redirect',
    'private',
    'PRIVATE_REDIRECT',
    'registry.example.com redirected blob sha256:1 in app to 10.0.0.1:444, an address on your own network, which a public registry may not make this client contact, so it was refused and nothing was sent there: if this is your own registry, ask its operator to give that host a public name, or reach the registry under its private address.',
  ],
  [
    'upload-location',
    'invalid',
    'BAD_REDIRECT',
    "registry.example.com sent an upload location for blob sha256:1 in app at an invalid URL; only http(s) URLs are followed, so it was refused: report this to the registry's operator; nothing was sent there.",
  ],
  [
    'upload-location',
    'scheme',
    'BAD_REDIRECT',
    "registry.example.com sent an upload location for blob sha256:1 in app at a ftp: URL; only http(s) URLs are followed, so it was refused: report this to the registry's operator; nothing was sent there.",
  ],
  [
    'upload-location',
    'userinfo',
    'BAD_REDIRECT',
    "registry.example.com sent an upload location for blob sha256:1 in app at h.example with a user name or password in the URL, which this client refuses to use: report this to the registry's operator; nothing was sent there.",
  ],
  [
    'upload-location',
    'port',
    'BAD_REDIRECT',
    "registry.example.com sent an upload location for blob sha256:1 in app at h.example:25, a port used by another protocol (25), so it was refused: report this to the registry's operator; nothing was sent there.",
  ],
  [
    'upload-location',
    'downgrade',
    'INSECURE_REDIRECT',
    "registry.example.com sent an upload location on plain http (http://h.example:8080); it is not followed, since content and credentials would travel unencrypted: ask the registry's operator to serve uploads over HTTPS.",
  ],
  [
    'upload-location',
    'private',
    'PRIVATE_REDIRECT',
    'registry.example.com sent an upload location for blob sha256:1 in app at 10.0.0.1:444, an address on your own network, which a public registry may not make this client contact, so it was refused and nothing was sent there: if this is your own registry, ask its operator to give that host a public name, or reach the registry under its private address.',
  ],
  [
    'mount-location',
    'invalid',
    'BAD_REDIRECT',
    "registry.example.com answered the mount of blob sha256:1 in app with an upload location at an invalid URL; only http(s) URLs are followed, so it was refused: report this to the registry's operator; nothing was sent there.",
  ],
  [
    'mount-location',
    'scheme',
    'BAD_REDIRECT',
    "registry.example.com answered the mount of blob sha256:1 in app with an upload location at a ftp: URL; only http(s) URLs are followed, so it was refused: report this to the registry's operator; nothing was sent there.",
  ],
  [
    'mount-location',
    'userinfo',
    'BAD_REDIRECT',
    "registry.example.com answered the mount of blob sha256:1 in app with an upload location at h.example with a user name or password in the URL, which this client refuses to use: report this to the registry's operator; nothing was sent there.",
  ],
  [
    'mount-location',
    'port',
    'BAD_REDIRECT',
    "registry.example.com answered the mount of blob sha256:1 in app with an upload location at h.example:25, a port used by another protocol (25), so it was refused: report this to the registry's operator; nothing was sent there.",
  ],
  [
    'mount-location',
    'downgrade',
    'INSECURE_REDIRECT',
    "registry.example.com sent an upload location on plain http (http://h.example:8080); it is not followed, since content and credentials would travel unencrypted: ask the registry's operator to serve uploads over HTTPS.",
  ],
  [
    'mount-location',
    'private',
    'PRIVATE_REDIRECT',
    'registry.example.com answered the mount of blob sha256:1 in app with an upload location at 10.0.0.1:444, an address on your own network, which a public registry may not make this client contact, so it was refused and nothing was sent there: if this is your own registry, ask its operator to give that host a public name, or reach the registry under its private address.',
  ],
  [
    'next-page',
    'invalid',
    'BAD_LINK',
    "registry.example.com pointed the next page of blob sha256:1 in app at an invalid URL; only http(s) URLs are followed, so it was refused: report this to the registry's operator; nothing was sent there.",
  ],
  [
    'next-page',
    'scheme',
    'BAD_LINK',
    "registry.example.com pointed the next page of blob sha256:1 in app at a ftp: URL; only http(s) URLs are followed, so it was refused: report this to the registry's operator; nothing was sent there.",
  ],
  [
    'next-page',
    'userinfo',
    'BAD_LINK',
    "registry.example.com pointed the next page of blob sha256:1 in app at h.example with a user name or password in the URL, which this client refuses to use: report this to the registry's operator; nothing was sent there.",
  ],
  [
    'next-page',
    'port',
    'BAD_LINK',
    "registry.example.com pointed the next page of blob sha256:1 in app at h.example:25, a port used by another protocol (25), so it was refused: report this to the registry's operator; nothing was sent there.",
  ],
  [
    'next-page',
    'downgrade',
    'INSECURE_LINK',
    "registry.example.com pointed the next page of blob sha256:1 in app from https to plain http (h.example:8080); it is not followed: ask the registry's operator to fix its Link headers.",
  ],
  [
    'next-page',
    'private',
    'PRIVATE_LINK',
    'registry.example.com pointed the next page of blob sha256:1 in app at 10.0.0.1:444, an address on your own network, which a public registry may not make this client contact, so it was refused and nothing was sent there: if this is your own registry, ask its operator to give that host a public name, or reach the registry under its private address.',
  ],
  [
    'token-realm',
    'invalid',
    'BAD_REALM',
    "registry.example.com sends clients to the token server an invalid URL; only http(s) URLs are followed, so it was refused: report this to the registry's operator.",
  ],
  [
    'token-realm',
    'scheme',
    'BAD_REALM',
    "registry.example.com sends clients to the token server a ftp: URL; only http(s) URLs are followed, so it was refused: report this to the registry's operator.",
  ],
  [
    'token-realm',
    'userinfo',
    'BAD_REALM',
    "registry.example.com sends clients to the token server https://h.example/x with a user name or password in the URL, which this client refuses to use: report this to the registry's operator.",
  ],
  [
    'token-realm',
    'port',
    'BAD_REALM',
    "registry.example.com sends clients to the token server https://h.example:25/x, a port used by another protocol (25), so it was refused: report this to the registry's operator.",
  ],
  [
    'token-realm',
    'downgrade',
    'INSECURE_REALM',
    "registry.example.com is reached over HTTPS but sends clients to the plain-HTTP token server http://h.example:8080/x, where credentials and tokens could be read on the network; ask the registry's operator to serve the token endpoint over HTTPS (or, for a trusted local test registry, add it as http://registry.example.com).",
  ],
  [
    'token-realm',
    'private',
    'PRIVATE_REALM',
    "registry.example.com sends clients to the token server https://10.0.0.1:444/x on a loopback or private address that is not the registry's own host, which this client refuses so a registry cannot make it reach into your network; if this registry is yours, let its token server be reached under the registry's own host name (registry.example.com).",
  ],
];

describe('registry URL policy: the words of each refusal', () => {
  for (const [kind, rule, code, message] of WORDS) {
    it(`${kind}, ${rule}: ${code}`, () => {
      assert.throws(
        () => requireRegistryUrl(BREAKING[rule]!, source, kind, 'registry.example.com', 'blob sha256:1 in app'),
        (err: unknown) => err instanceof CoreError && err.code === code && err.message === message,
      );
    });
  }

  it('a refused realm never shows its query or login, another URL only its host', () => {
    assert.throws(
      () => requireRegistryUrl('https://u:p@h.example/t?secret=1', source, 'token-realm', 'registry.example.com', ''),
      (err: unknown) => err instanceof CoreError && err.message.includes('https://h.example/t ') && !/secret|u:p/.test(err.message),
    );
  });
});
