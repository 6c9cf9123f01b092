import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ParseError } from '../../../../src/core/errors';
import {
  cidrContains,
  formatInsecureEntry,
  formatIp,
  isAlwaysInsecure,
  matchInsecure,
  parseCidr,
  parseInsecureEntry,
  parseIp,
  type InsecureEntry,
} from '../../../../src/core/net/cidr';
import { throwsAt } from '../../support/parse-assert';

describe('cidr: parseInsecureEntry', () => {
  const cases: [string, InsecureEntry][] = [
    ['10.0.0.0/8', { kind: 'cidr', family: 4, network: '10.0.0.0', prefix: 8 }],
    ['10.1.2.3/8', { kind: 'cidr', family: 4, network: '10.0.0.0', prefix: 8 }],
    ['0.0.0.0/0', { kind: 'cidr', family: 4, network: '0.0.0.0', prefix: 0 }],
    ['192.168.1.77/32', { kind: 'cidr', family: 4, network: '192.168.1.77', prefix: 32 }],
    ['172.16.255.1/12', { kind: 'cidr', family: 4, network: '172.16.0.0', prefix: 12 }],
    ['fd00::/8', { kind: 'cidr', family: 6, network: 'fd00::', prefix: 8 }],
    ['::1/128', { kind: 'cidr', family: 6, network: '::1', prefix: 128 }],
    ['2001:DB8:0:1:ffff::1/64', { kind: 'cidr', family: 6, network: '2001:db8:0:1::', prefix: 64 }],
    ['[fd00::]/7', { kind: 'cidr', family: 6, network: 'fc00::', prefix: 7 }],
    ['::/0', { kind: 'cidr', family: 6, network: '::', prefix: 0 }],
    ['myregistry:5000', { kind: 'host', host: 'myregistry', port: 5000 }],
    ['MyRegistry.Example.com', { kind: 'host', host: 'myregistry.example.com' }],
    ['192.168.1.10:5000', { kind: 'host', host: '192.168.1.10', port: 5000 }],
    ['[::1]:5000', { kind: 'host', host: '::1', port: 5000 }],
    ['[FD00:0::0001]', { kind: 'host', host: 'fd00::1' }],
    ['fd00:0:0::1', { kind: 'host', host: 'fd00::1' }],
    ['  registry.local:443 \t', { kind: 'host', host: 'registry.local', port: 443 }],
  ];
  for (const [input, want] of cases) {
    it(`parses ${JSON.stringify(input)}`, () => assert.deepEqual(parseInsecureEntry(input), want));
  }

  it('rejects malformed entries, pointing at the problem', () => {
    throwsAt(() => parseInsecureEntry('http://reg:5000'), 4, /without a scheme/);
    throwsAt(() => parseInsecureEntry('10.0.0.0/33'), 9, /prefix length 33 is larger than 32 for an IPv4 address/);
    throwsAt(() => parseInsecureEntry('::/129'), 3, /larger than 128/);
    throwsAt(() => parseInsecureEntry('10.0.0.0/'), 9, /prefix length after "\/" is empty/);
    throwsAt(() => parseInsecureEntry('10.0.0.0/08'), 9, /leading zeros/);
    throwsAt(() => parseInsecureEntry('10.0.0.0/8x'), 10, /"x" at position 10/);
    throwsAt(() => parseInsecureEntry('10.0.0/8'), 0, /"10.0.0" before "\/" is not an IPv4 or IPv6 address/);
    throwsAt(() => parseInsecureEntry('reg.example/8'), 0, /"r" at position 0/);
    throwsAt(() => parseInsecureEntry(' /8'), 1, /is not an IPv4 or IPv6 address/);
    throwsAt(() => parseInsecureEntry('host:0'), 5, /without leading zeros/);
    throwsAt(() => parseInsecureEntry('host:65536'), 5, /out of range/);
    throwsAt(() => parseInsecureEntry('host:5x'), 6, /"x" at position 6/);
    throwsAt(() => parseInsecureEntry('host:'), 5, /the port is empty/);
    throwsAt(() => parseInsecureEntry('ho st'), 2, /" " at position 2/);
    throwsAt(() => parseInsecureEntry('ho_st'), 2, /"_" at position 2/);
    throwsAt(() => parseInsecureEntry('-host'), 0, /start and end with a letter or digit/);
    throwsAt(() => parseInsecureEntry('999.1.1.1:5000'), 0, /"999.1.1.1" looks like an IPv4 address but is not a valid one/);
    throwsAt(() => parseInsecureEntry('10.0.0.01'), 0, /looks like an IPv4 address/);
    throwsAt(() => parseInsecureEntry('1234'), 0, /looks like an IPv4 address/);
    assert.deepEqual(parseInsecureEntry('10.0.0.1a'), { kind: 'host', host: '10.0.0.1a' });
    throwsAt(() => parseInsecureEntry('[::1'), 0, /no closing "]"/);
    throwsAt(() => parseInsecureEntry('[::g]:5'), 1, /not an IPv6 address/);
    throwsAt(() => parseInsecureEntry('[::1]5000'), 5, /expected ":" and a port after "]"/);
    throwsAt(() => parseInsecureEntry(''), undefined, /it is empty/);
    throwsAt(() => parseInsecureEntry('   '), undefined, /it is empty/);
    assert.equal(throwsAt(() => parseInsecureEntry('a:b'), 2).code, 'INVALID_INSECURE_ENTRY');
  });

  it('formats entries back', () => {
    for (const s of ['10.0.0.0/8', 'fd00::/8', 'reg:5000', '[::1]:5000', 'fd00::1', '1.2.3.4']) {
      assert.equal(formatInsecureEntry(parseInsecureEntry(s)), s === 'fd00::1' ? '[fd00::1]' : s);
    }
  });
});

describe('cidr: cidrContains', () => {
  it('handles /0 and /32', () => {
    assert.equal(cidrContains('0.0.0.0/0', '8.8.8.8'), true);
    assert.equal(cidrContains('0.0.0.0/0', '255.255.255.255'), true);
    assert.equal(cidrContains('192.168.1.7/32', '192.168.1.7'), true);
    assert.equal(cidrContains('192.168.1.7/32', '192.168.1.8'), false);
  });

  it('checks the boundaries of a range, including unaligned prefixes', () => {
    const r = parseCidr('10.0.0.0/8');
    assert.equal(cidrContains(r, '10.0.0.0'), true);
    assert.equal(cidrContains(r, '10.255.255.255'), true);
    assert.equal(cidrContains(r, '11.0.0.0'), false);
    assert.equal(cidrContains(r, '9.255.255.255'), false);
    assert.equal(cidrContains('10.0.0.0/9', '10.127.255.255'), true);
    assert.equal(cidrContains('10.0.0.0/9', '10.128.0.0'), false);
    assert.equal(cidrContains('172.16.0.0/12', '172.31.255.255'), true);
    assert.equal(cidrContains('172.16.0.0/12', '172.32.0.0'), false);
  });

  it('handles IPv6 ranges', () => {
    assert.equal(cidrContains('2001:db8:0:1::/64', '2001:db8:0:1:ffff:ffff:ffff:ffff'), true);
    assert.equal(cidrContains('2001:db8:0:1::/64', '2001:db8:0:2::1'), false);
    assert.equal(cidrContains('fd00::/8', 'fdff::1'), true);
    assert.equal(cidrContains('fd00::/8', 'fe00::1'), false);
    assert.equal(cidrContains('::1/128', '::1'), true);
    assert.equal(cidrContains('::1/128', '[::1]'), true);
    assert.equal(cidrContains('::1/128', '0:0:0:0:0:0:0:1'), true);
    assert.equal(cidrContains('::1/128', '::2'), false);
    assert.equal(cidrContains('fe80::/10', 'fe80::1%eth0'), true);
    assert.equal(cidrContains('2001:db8::/33', '2001:db8:7fff::1'), true);
    assert.equal(cidrContains('2001:db8::/33', '2001:db8:8000::1'), false);
  });

  it('treats IPv4-mapped IPv6 as IPv4', () => {
    assert.equal(cidrContains('10.0.0.0/8', '::ffff:10.1.2.3'), true);
    assert.equal(cidrContains('10.0.0.0/8', '::ffff:a01:203'), true);
    assert.equal(cidrContains('10.0.0.0/8', '::ffff:11.1.2.3'), false);
    assert.equal(cidrContains('10.0.0.0/8', '2001:db8::a01:203'), false);
    assert.equal(cidrContains('::ffff:10.0.0.0/104', '10.9.9.9'), true);
    assert.equal(cidrContains('::/0', '1.2.3.4'), true);
    assert.equal(cidrContains('fd00::/8', '10.0.0.1'), false);
  });

  it('never contains what is not an IP; rejects malformed ranges', () => {
    assert.equal(cidrContains('0.0.0.0/0', 'example.com'), false);
    assert.equal(cidrContains('0.0.0.0/0', ''), false);
    assert.equal(cidrContains('0.0.0.0/0', '1.2.3.04'), false);
    throwsAt(() => cidrContains('10.0.0.0', '10.0.0.1'), undefined, /expected "<address>\/<prefix length>"/);
    throwsAt(() => parseCidr('10.0.0.0/x'), 9);
  });
});

describe('cidr: isAlwaysInsecure and matchInsecure', () => {
  it('knows loopback and localhost', () => {
    for (const h of [
      'localhost',
      'LOCALHOST',
      'localhost.',
      '127.0.0.1',
      '127.255.255.254',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
    ]) {
      assert.equal(isAlwaysInsecure(h), true, h);
    }
    for (const h of ['128.0.0.1', '126.255.255.255', 'example.com', '::2', 'localhost.example.com', '', '::ffff:10.0.0.1']) {
      assert.equal(isAlwaysInsecure(h), false, h);
    }
  });

  const entries = ['reg.local:5000', 'plain.local', '10.0.0.0/8', 'fd00::/8', '[fd00::1]:5000'].map(parseInsecureEntry);

  it("matches host entries exactly, port included (https's default 443 is the same registry as no port)", () => {
    assert.equal(matchInsecure(entries, 'reg.local', 5000), true);
    assert.equal(matchInsecure(entries, 'REG.LOCAL', 5000), true);
    assert.equal(matchInsecure(entries, 'reg.local', undefined), false);
    assert.equal(matchInsecure(entries, 'reg.local', 5001), false);
    assert.equal(matchInsecure(entries, 'plain.local', undefined), true);
    assert.equal(matchInsecure(entries, 'plain.local', 443), true, 'registry.local:443 is registry.local');
    assert.equal(matchInsecure(entries, 'plain.local', 80), false);
    assert.equal(matchInsecure([parseInsecureEntry('tls.local:443')], 'tls.local', undefined), true);
    assert.equal(matchInsecure(entries, 'other.local', undefined), false);
  });

  it('matches IPs and resolved addresses against CIDRs', () => {
    assert.equal(matchInsecure(entries, '10.2.3.4', 443), true);
    assert.equal(matchInsecure(entries, '11.2.3.4', 443), false);
    assert.equal(matchInsecure(entries, 'fd12::9', undefined), true);
    assert.equal(matchInsecure(entries, '[fd12::9]', undefined), true);
    assert.equal(matchInsecure(entries, 'build.corp', 443, ['192.0.2.1', '10.9.9.9']), true);
    assert.equal(matchInsecure(entries, 'build.corp', 443, ['192.0.2.1']), false);
    assert.equal(matchInsecure(entries, 'build.corp', 443, ['::ffff:10.0.0.1']), true);
    assert.equal(matchInsecure(entries, 'build.corp', 443, ['not-an-ip']), false);
    // An IP literal host is matched by itself, not by what the caller claims it resolves to.
    assert.equal(matchInsecure(entries, '192.0.2.1', 443, ['10.0.0.1']), false);
  });

  it('matches IPv6 host entries by value', () => {
    assert.equal(matchInsecure(entries, 'fd00:0::1', 5000), true);
    assert.equal(matchInsecure([parseInsecureEntry('[2001:db8::1]:5000')], '2001:DB8:0::1', 5000), true);
    assert.equal(matchInsecure([parseInsecureEntry('10.1.1.1:5000')], '::ffff:10.1.1.1', 5000), true);
  });

  it('always treats loopback as insecure, including resolved loopback', () => {
    assert.equal(matchInsecure([], 'localhost', 5000), true);
    assert.equal(matchInsecure([], '127.0.0.1', undefined), true);
    assert.equal(matchInsecure([], '::1', 5000), true);
    assert.equal(matchInsecure([], 'dev.test', 5000, ['127.0.0.1']), true);
    assert.equal(matchInsecure([], 'dev.test', 5000, ['192.0.2.5']), false);
  });
});

describe('cidr: properties', () => {
  const v4ToInt = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);

  it('IPv4 containment agrees with integer arithmetic', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.ipV4(), fc.integer({ min: 0, max: 32 }), (net, ip, prefix) => {
        const size = 2 ** (32 - prefix);
        const base = Math.floor(v4ToInt(net) / size) * size;
        const want = v4ToInt(ip) >= base && v4ToInt(ip) < base + size;
        assert.equal(cidrContains(`${net}/${prefix}`, ip), want);
        assert.equal(cidrContains(`${net}/${prefix}`, net), true);
      }),
      { numRuns: 300 },
    );
  });

  it('IPv6 formatting is canonical and matches the URL parser', () => {
    fc.assert(
      fc.property(fc.ipV6(), fc.integer({ min: 0, max: 128 }), (ip, prefix) => {
        const bytes = parseIp(ip)!;
        assert.equal(bytes.length, 16);
        const text = formatIp(bytes);
        assert.deepEqual(parseIp(text), bytes);
        const isMapped = bytes.subarray(0, 12).every((b, i) => (i < 10 ? b === 0 : b === 0xff));
        if (!isMapped) assert.equal(text, new URL(`http://[${ip}]/`).hostname.slice(1, -1));
        assert.equal(cidrContains(`${ip}/${prefix}`, ip), true);
        const entry = parseInsecureEntry(`${ip}/${prefix}`);
        assert.deepEqual(parseInsecureEntry(formatInsecureEntry(entry)), entry);
      }),
      { numRuns: 300 },
    );
  });

  it('random and mutated entries either parse or throw ParseError; parsed entries round-trip', () => {
    const valid = fc.oneof(
      fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${a}/${p}`),
      fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([a, p]) => `${a}/${p}`),
      fc.tuple(fc.domain(), fc.option(fc.integer({ min: 1, max: 65535 }))).map(([d, p]) => (p === null ? d : `${d}:${p}`)),
      fc.tuple(fc.ipV6(), fc.integer({ min: 1, max: 65535 })).map(([a, p]) => `[${a}]:${p}`),
    );
    const mutated = fc.tuple(valid, fc.nat(), fc.constantFrom('', '/', ':', '[', ']', '.', 'x', ' ', '0', '%', 'é')).map(([s, n, ch]) => {
      const i = n % (s.length + 1);
      return s.slice(0, i) + ch + s.slice(i + (n % 2));
    });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 50 }), mutated), (s) => {
        try {
          const e = parseInsecureEntry(s);
          assert.deepEqual(parseInsecureEntry(formatInsecureEntry(e)), e);
          matchInsecure([e], 'host.example', 5000, ['10.0.0.1', '::1']);
        } catch (e) {
          assert.ok(e instanceof ParseError, `non-ParseError for ${JSON.stringify(s)}: ${String(e)}`);
          if (e.position !== undefined) assert.ok(e.position >= 0 && e.position <= s.length);
        }
        try {
          cidrContains(s, '10.0.0.1');
        } catch (e) {
          assert.ok(e instanceof ParseError);
        }
        isAlwaysInsecure(s);
      }),
      { numRuns: 500 },
    );
  });
});
