// The registry URL policy (transport/url-policy.ts) over generated hosts, address notations and URL
// forms, against an oracle written independently here: inclusive numeric ranges of the IANA
// special-purpose addresses, and the IPv6 forms that carry an IPv4 address to an IPv4 host.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { CoreError } from '../../../../src/core/errors';
import { canonicalHost, hostKey, isHostName, isPrivateHost } from '../../../../src/core/net/addresses';
import { judgeRegistryUrl, requireRegistryUrl, type RegistryUrlKind } from '../../../../src/core/transport/url-policy';

// ---------------------------------------------------------------------------------------------
// The oracle

const ip4 = (text: string): number => text.split('.').reduce((n, part) => n * 256 + Number(part), 0);
/** Inclusive first–last pairs: the IPv4 addresses that are not globally reachable. */
const V4_NOT_PUBLIC: [number, number][] = [
  ['0.0.0.0', '0.255.255.255'],
  ['10.0.0.0', '10.255.255.255'],
  ['100.64.0.0', '100.127.255.255'],
  ['127.0.0.0', '127.255.255.255'],
  ['169.254.0.0', '169.254.255.255'],
  ['172.16.0.0', '172.31.255.255'],
  ['192.0.0.0', '192.0.0.255'],
  ['192.0.2.0', '192.0.2.255'],
  ['192.168.0.0', '192.168.255.255'],
  ['198.18.0.0', '198.19.255.255'],
  ['198.51.100.0', '198.51.100.255'],
  ['203.0.113.0', '203.0.113.255'],
  ['224.0.0.0', '255.255.255.255'],
].map(([a, b]) => [ip4(a!), ip4(b!)]);
const v4Public = (n: number): boolean => !V4_NOT_PUBLIC.some(([a, b]) => n >= a && n <= b);

const big = (hex: string): bigint => BigInt(`0x${hex.replace(/:/g, '')}`);
/** Inclusive first–last pairs as 32 hex digits: the IPv6 addresses that are not globally reachable. */
const V6_NOT_PUBLIC: [bigint, bigint][] = [
  ['00000000000000000000000000000000', '000000000000000000000000ffffffff'], // IPv4-compatible, with :: and ::1
  ['0064ff9b000100000000000000000000', '0064ff9b0001ffffffffffffffffffff'], // local-use NAT64
  ['01000000000000000000000000000000', '0100000000000000ffffffffffffffff'], // discard-only
  ['20010db8000000000000000000000000', '20010db8ffffffffffffffffffffffff'], // documentation
  ['fc000000000000000000000000000000', 'fdffffffffffffffffffffffffffffff'], // unique local
  ['fe800000000000000000000000000000', 'ffffffffffffffffffffffffffffffff'], // link-local, site-local, multicast
].map(([a, b]) => [big(a!), big(b!)]);
function v6Public(n: bigint): boolean {
  const high96 = n >> 32n;
  if (high96 === 0xffffn || high96 === 0x64ff9b0000000000000000n) return v4Public(Number(n & 0xffffffffn)); // mapped, NAT64
  if (n >> 112n === 0x2002n) return v4Public(Number((n >> 80n) & 0xffffffffn)); // 6to4
  return !V6_NOT_PUBLIC.some(([a, b]) => n >= a && n <= b);
}

// ---------------------------------------------------------------------------------------------
// Hosts in the notations a URL accepts

const octets = (n: number): number[] => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const hex = (n: number | bigint): string => n.toString(16);

/** Every way a URL can spell one IPv4 address as a host. */
function v4Forms(n: number): fc.Arbitrary<string> {
  const [a, b, c, d] = octets(n) as [number, number, number, number];
  return fc.constantFrom(
    `${a}.${b}.${c}.${d}`,
    String(n),
    `0x${hex(n)}`,
    `0${n.toString(8)}`,
    `${a}.${(b << 16) | (c << 8) | d}`,
    `${a}.${b}.${(c << 8) | d}`,
    `0x${hex(a)}.0${b.toString(8)}.${c}.0x${hex(d).toUpperCase()}`,
    `[::ffff:${a}.${b}.${c}.${d}]`,
    `[::ffff:${hex((a << 8) | b)}:${hex((c << 8) | d)}]`,
    `[0:0:0:0:0:FFFF:${a}.${b}.${c}.${d}]`,
    `[64:ff9b::${a}.${b}.${c}.${d}]`,
    `[2002:${hex((a << 8) | b)}:${hex((c << 8) | d)}::1]`,
  );
}

/** IPv4 addresses, many of them at the edges of the special ranges. */
const v4Address: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }),
  fc
    .tuple(fc.constantFrom(...V4_NOT_PUBLIC), fc.constantFrom(-1, 0, 1, 2), fc.boolean())
    .map(([[first, last], delta, atEnd]) => Math.min(0xffffffff, Math.max(0, atEnd ? last - delta : first + delta))),
  fc.constantFrom(ip4('8.8.8.8'), ip4('1.1.1.1'), ip4('172.15.255.255'), ip4('172.32.0.0'), ip4('100.63.255.255'), ip4('100.128.0.0')),
);

/** IPv6 addresses near the special prefixes, and anywhere. */
const v6Address: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
  fc
    .tuple(
      fc.constantFrom(
        0n,
        0x64ff9b0001n << 80n,
        0x100n << 112n,
        0x20010db8n << 96n,
        0xfc00n << 112n,
        0xfe80n << 112n,
        0xfec0n << 112n,
        0xff02n << 112n,
        0x2002n << 112n,
        0xffffn << 32n,
        0x2001n << 112n,
        0x2600n << 112n,
      ),
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.boolean(),
    )
    .map(([prefix, low, small]) => prefix | (small ? low & 0xffffn : low)),
);

/** Compressed, fully written out with leading zeros, or upper case. */
function v6Forms(n: bigint): fc.Arbitrary<string> {
  const words = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  const full = words.map((w) => hex(w).padStart(4, '0')).join(':');
  const plain = words.map(hex).join(':');
  const compressed = new URL(`http://[${plain}]/`).hostname.slice(1, -1);
  return fc.constantFrom(`[${full}]`, `[${plain.toUpperCase()}]`, `[${compressed}]`);
}

// No '--' (an `xn--` label is punycode, which the URL parser checks and may refuse).
const label = fc.stringMatching(/^[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,5})?$/);
const LOCAL = ['localhost', 'local', 'home.arpa', 'internal', 'corp', 'home', 'lan'];
/** Names that only resolve on the user's network: single labels and the local suffixes. */
const localName = fc.oneof(
  label,
  fc.tuple(fc.array(label, { maxLength: 2 }), fc.constantFrom(...LOCAL)).map(([ls, s]) => [...ls, s].join('.')),
);
/** Names DNS may resolve publicly (never resolved here). */
const publicName = fc
  .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.constantFrom('com', 'io', 'example', 'test', 'dev', 'cloud'))
  .map(([ls, tld]) => [...ls, tld].join('.'));

/** A host in some notation, with whether the oracle calls it public. */
const anyHost: fc.Arbitrary<{ host: string; isPublic: boolean }> = fc.oneof(
  v4Address.chain((n) => v4Forms(n).map((host) => ({ host, isPublic: v4Public(n) }))),
  v6Address.chain((n) => v6Forms(n).map((host) => ({ host, isPublic: v6Public(n) }))),
  localName.map((host) => ({ host, isPublic: false })),
  publicName.map((host) => ({ host, isPublic: true })),
  fc.tuple(publicName, fc.boolean()).map(([host, upper]) => ({ host: `${upper ? host.toUpperCase() : host}.`, isPublic: true })),
);

const PUBLIC_SOURCE = new URL('https://registry.example.com/v2/app/blobs/uploads/');
const PRIVATE_SOURCE = new URL('https://10.20.30.40:5000/v2/app/blobs/uploads/');
const KINDS: RegistryUrlKind[] = ['redirect', 'upload-location', 'mount-location', 'next-page'];
const kind = fc.constantFrom(...KINDS);
const path = fc.constantFrom('/upload/1?_state=x', '/', '/v2/app/blobs/uploads/abc', '');

// ---------------------------------------------------------------------------------------------

describe('registry URL policy (property)', () => {
  it("from a public registry, refuses exactly the hosts on the user's network, in every notation", () => {
    fc.assert(
      fc.property(anyHost, kind, path, ({ host, isPublic }, k, p) => {
        const verdict = judgeRegistryUrl(`https://${host}:8443${p}`, PUBLIC_SOURCE, k);
        if (isPublic) assert.ok(verdict.allowed, `${host} is public`);
        else assert.deepEqual(verdict.allowed ? 'allowed' : verdict.reason, 'private', `${host} is on the user's network`);
        assert.equal(isPrivateHost(new URL(`https://${host}/`).hostname), !isPublic);
      }),
      { numRuns: 2000 },
    );
  });

  it("from a registry on the user's own network, allows any host", () => {
    fc.assert(
      fc.property(anyHost, kind, ({ host }, k) => {
        assert.ok(judgeRegistryUrl(`https://${host}:8443/x`, PRIVATE_SOURCE, k).allowed, host);
      }),
      { numRuns: 500 },
    );
  });

  it("lets a token realm be private only on the registry's own host name, whatever the registry", () => {
    fc.assert(
      fc.property(anyHost, fc.boolean(), ({ host, isPublic }, sameHost) => {
        const registry = sameHost ? new URL(`https://${host}:5000/`) : PRIVATE_SOURCE;
        const verdict = judgeRegistryUrl(`https://${host}:5001/token`, registry, 'token-realm');
        if (isPublic || sameHost) assert.ok(verdict.allowed, host);
        else assert.equal(verdict.allowed ? 'allowed' : verdict.reason, 'private', host);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses userinfo, other schemes and https→http, whatever the host and source', () => {
    const scheme = fc.stringMatching(/^[a-z][a-z0-9+.-]{0,8}$/).filter((s) => s !== 'http' && s !== 'https');
    const userinfo = fc.constantFrom('user@', 'user:pass@', ':pass@', 'a%40b:c@');
    fc.assert(
      fc.property(anyHost, kind, fc.constantFrom(PUBLIC_SOURCE, PRIVATE_SOURCE), scheme, userinfo, ({ host }, k, source, s, info) => {
        const reason = (raw: string) => {
          const v = judgeRegistryUrl(raw, source, k);
          return v.allowed ? 'allowed' : v.reason;
        };
        assert.equal(reason(`https://${info}${host}/x`), 'userinfo');
        assert.equal(reason(`http://${host}/x`), 'downgrade');
        assert.ok(['scheme', 'invalid'].includes(reason(`${s}://${host}/x`)), `${s}://${host}`);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws, and what it allows is an http(s) URL without userinfo on an allowed host', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc
        .tuple(
          fc.constantFrom('https://', 'http://', '//', '', 'HTTPS://', 'https:', 'https:/\\'),
          fc.string({ maxLength: 30, unit: fc.constantFrom(...'0123456789abcdefx.:[]@%/?#\\ \t-') }),
        )
        .map(([a, b]) => a + b),
    );
    fc.assert(
      fc.property(text, kind, fc.constantFrom(PUBLIC_SOURCE, new URL('http://registry.example.com/v2/')), (raw, k, source) => {
        const verdict = judgeRegistryUrl(raw, source, k);
        if (!verdict.allowed) return;
        const url = verdict.url;
        assert.ok(url.protocol === 'https:' || (url.protocol === 'http:' && source.protocol === 'http:'), raw);
        assert.equal(url.username + url.password, '', raw);
        assert.ok(!isPrivateHost(url.hostname), raw);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('registry URL policy (examples)', () => {
  const refused = (raw: string, k: RegistryUrlKind = 'upload-location', source = PUBLIC_SOURCE): string => {
    try {
      requireRegistryUrl(raw, source, k, 'registry.example.com', 'blob sha256:1 in app');
      return 'allowed';
    } catch (err) {
      assert.ok(err instanceof CoreError);
      return err.code;
    }
  };

  it('refuses the numeric, unspecified and mapped spellings of loopback and private addresses', () => {
    for (const raw of [
      'https://127.0.0.1:5000/x',
      'https://2130706433/',
      'https://0x7f.1/',
      'https://0177.0.0.1/',
      'https://127.1/',
      'https://0.0.0.0/',
      'https://0/',
      'https://[::]/',
      'https://[::1]/',
      'https://[::ffff:127.0.0.1]/',
      'https://[::ffff:a9fe:a9fe]/',
      'https://[64:ff9b::10.0.0.1]/',
      'https://[2002:c0a8:0101::]/',
      'https://169.254.169.254/latest/meta-data',
      'https://[fe80::1]/',
      'https://[fd12:3456::1]/',
      'https://localhost/',
      'https://LOCALHOST./',
      'https://app.localhost/',
      'https://printer.local/',
      'https://metadata.google.internal/',
      'https://intranet/',
      'https://%31%32%37.0.0.1/',
      'https://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/',
    ]) {
      assert.equal(refused(raw), 'PRIVATE_REDIRECT', raw);
    }
    assert.equal(refused('https://127.0.0.1/', 'next-page'), 'PRIVATE_LINK');
    assert.equal(refused('https://127.0.0.1/', 'token-realm'), 'PRIVATE_REALM');
    assert.equal(refused('https://storage.example.net/upload'), 'allowed');
    assert.equal(refused('/v2/app/blobs/uploads/123?_state=abc'), 'allowed');
    assert.equal(
      refused('https://10.0.0.9:9000/bucket', 'redirect', PRIVATE_SOURCE),
      'allowed',
      'on-premises storage of an on-premises registry',
    );
  });

  it("refuses other protocols' ports on another host, not on the registry's own", () => {
    assert.equal(refused('https://mail.example.net:25/'), 'BAD_REDIRECT');
    assert.equal(refused('https://registry.example.com:6000/'), 'allowed');
    assert.equal(refused('https://storage.example.net:6000/', 'next-page'), 'BAD_LINK');
  });

  it("says what happened and what to do, without the URL's userinfo", () => {
    const err = (() => {
      try {
        requireRegistryUrl(
          'https://user:secret@127.0.0.1:9/x',
          PUBLIC_SOURCE,
          'mount-location',
          'registry.example.com',
          'sha256:1 into app',
        );
      } catch (e) {
        return e as CoreError;
      }
      return undefined;
    })();
    assert.equal(err?.code, 'BAD_REDIRECT');
    assert.ok(!err!.message.includes('secret'));
    assert.match(
      err!.message,
      /^registry\.example\.com answered the mount of sha256:1 into app with an upload location at 127\.0\.0\.1:9 with a user name or password in the URL, which this client refuses to use: report this to the registry's operator; nothing was sent there\.$/,
    );
  });
});

describe('canonical host key', () => {
  it('writes one registry one way', () => {
    assert.equal(canonicalHost('registry.test:443'), 'registry.test');
    assert.equal(canonicalHost('Registry.TEST'), 'registry.test');
    assert.equal(canonicalHost('registry.test:8443'), 'registry.test:8443');
    assert.equal(canonicalHost('[0:0:0:0:0:0:0:1]:5000'), '[::1]:5000');
    assert.equal(canonicalHost('[::1]:443'), '[::1]');
    assert.equal(canonicalHost('2130706433:5000'), '127.0.0.1:5000');
    assert.equal(canonicalHost('localhost:80', 'http'), 'localhost');
    assert.equal(canonicalHost('localhost:80'), 'localhost:80');
    assert.equal(canonicalHost('Registry.Test.:443'), 'registry.test', 'the trailing dot of a fully qualified name is the same host');
    assert.equal(canonicalHost('registry.test.:5000'), 'registry.test:5000');
    assert.equal(canonicalHost('registry.test.'), hostKey('registry.test.'), 'canonicalHost and hostKey agree');
    assert.equal(canonicalHost('host/path'), 'host/path', 'not a host: left as written (lowercased), so it matches no real host');
    assert.equal(canonicalHost('user@host'), 'user@host');
  });

  it('tells host names (safe as folder names) from anything else', () => {
    for (const ok of [
      'registry.test',
      'registry.test:8443',
      'a-b.c1.example.',
      '127.0.0.1:5000',
      '[::1]:5000',
      '[fd00::1]',
      'xn--bcher-kva.example',
    ])
      assert.ok(isHostName(ok), ok);
    for (const bad of ['..', '.', '', 'a/b', 'a\\b', '-a.test', 'a-.test', 'a..b', '[zz]', 'host:0', 'host:99999', 'host:', '[::1', 'a b'])
      assert.ok(!isHostName(bad), bad);
  });

  it('is idempotent and agrees with the URL parser', () => {
    fc.assert(
      fc.property(anyHost, fc.option(fc.integer({ min: 1, max: 65535 })), ({ host }, port) => {
        const hostPort = port === null ? host : `${host}:${port}`;
        const key = canonicalHost(hostPort);
        assert.equal(canonicalHost(key), key);
        // The URL parser's host, less the trailing dot of a fully qualified name (`a.com.` is `a.com`).
        const url = new URL(`https://${hostPort}/`);
        const name = url.hostname.length > 1 ? url.hostname.replace(/\.$/, '') : url.hostname;
        assert.equal(key, url.port === '' ? name : `${name}:${url.port}`);
      }),
      { numRuns: 500 },
    );
  });
});
