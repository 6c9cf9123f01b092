import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ParseError } from '../../../../src/core/errors';
import { findResolveRule, formatResolveRule, parseResolveRule, type ResolveRule } from '../../../../src/core/hosts/resolve-rules';
import { throwsAt } from '../../support/parse-assert';

describe('resolve rules: parseResolveRule', () => {
  const cases: [string, ResolveRule][] = [
    ['registry.local:443:127.0.0.1', { host: 'registry.local', port: 443, address: '127.0.0.1', addressPort: 443 }],
    ['registry.local:443:10.0.0.2:8443', { host: 'registry.local', port: 443, address: '10.0.0.2', addressPort: 8443 }],
    ['Registry.Local:5000:[::1]', { host: 'registry.local', port: 5000, address: '::1', addressPort: 5000 }],
    ['reg:443:[0:0::1]:5001', { host: 'reg', port: 443, address: '::1', addressPort: 5001 }],
    ['[fd00::5]:5000:[::1]', { host: 'fd00::5', port: 5000, address: '::1', addressPort: 5000 }],
    ['[FD00:0::5]:5000:192.0.2.1:80', { host: 'fd00::5', port: 5000, address: '192.0.2.1', addressPort: 80 }],
    ['10.1.1.1:80:10.2.2.2', { host: '10.1.1.1', port: 80, address: '10.2.2.2', addressPort: 80 }],
    ['localhost:5000:[2001:db8::1]:65535', { host: 'localhost', port: 5000, address: '2001:db8::1', addressPort: 65535 }],
  ];
  for (const [input, want] of cases) {
    it(`parses ${input}`, () => assert.deepEqual(parseResolveRule(input), want));
  }

  it('rejects malformed rules, pointing at the problem', () => {
    throwsAt(() => parseResolveRule(''), undefined, /it is empty; expected "host:port:address\[:address_port\]"/);
    throwsAt(() => parseResolveRule('a:443'), undefined, /found only 2 fields/);
    throwsAt(
      () => parseResolveRule('a'),
      undefined,
      /^invalid resolve rule "a": expected "host:port:address\[:address_port\]" but found only 1 field$/,
    );
    throwsAt(() => parseResolveRule('a:443'), undefined, /^invalid resolve rule "a:443": .* but found only 2 fields$/);
    throwsAt(() => parseResolveRule('a[b:443:1.2.3.4'), 1, /brackets may only surround a whole IPv6 address/);
    throwsAt(() => parseResolveRule('a:443:example.com'), 6, /the address "example.com" must be an IP address/);
    throwsAt(() => parseResolveRule('a:443:::1'), 7, /too many ":"-separated fields; .* IPv6 addresses in brackets/);
    throwsAt(() => parseResolveRule('a:443:1.2.3.4:5:6'), 15, /too many/);
    throwsAt(() => parseResolveRule('a:0:1.2.3.4'), 2, /without leading zeros/);
    throwsAt(() => parseResolveRule('a:443:1.2.3.4:70000'), 14, /port 70000 is out of range/);
    throwsAt(() => parseResolveRule('a:44x:1.2.3.4'), 4, /"x" at position 4/);
    throwsAt(() => parseResolveRule('a:443:1.2.3.4:'), 14, /the port is empty/);
    throwsAt(() => parseResolveRule('a:443:[::1'), 6, /no closing "]"/);
    throwsAt(() => parseResolveRule('a:443:[::1]x'), 11, /expected ":" after "]"/);
    throwsAt(() => parseResolveRule('a:443:[1.2.3.4]'), 7, /"1.2.3.4" in brackets is not an IPv6 address/);
    throwsAt(() => parseResolveRule('a:443:1.2.3.4]'), 13, /brackets may only surround/);
    throwsAt(() => parseResolveRule('a:443::80'), 6, /the address is empty/);
    throwsAt(() => parseResolveRule('[::1:443:1.2.3.4'), 0, /no closing "]"/);
    throwsAt(() => parseResolveRule('[x]:443:1.2.3.4'), 1, /"x" in brackets is not an IPv6 address/);
    throwsAt(() => parseResolveRule('a b:1:1.2.3.4'), 1, /" " at position 1/);
    throwsAt(() => parseResolveRule(':1:1.2.3.4'), 0, /the host name is empty/);
    throwsAt(() => parseResolveRule('256.1.1.1:1:1.2.3.4'), 0, /looks like an IPv4 address/);
    throwsAt(() => parseResolveRule('a:1:1.2.3.256'), 4, /must be an IP address/);
    assert.equal(throwsAt(() => parseResolveRule('a:1:b'), 4).code, 'INVALID_RESOLVE_RULE');
  });

  it('formats rules back', () => {
    assert.equal(formatResolveRule(parseResolveRule('[fd00::5]:5000:[::1]')), '[fd00::5]:5000:[::1]:5000');
    assert.equal(formatResolveRule(parseResolveRule('r:443:1.2.3.4:80')), 'r:443:1.2.3.4:80');
  });
});

describe('resolve rules: findResolveRule', () => {
  const rules = ['reg.local:443:10.0.0.1', 'reg.local:5000:10.0.0.2', 'REG.local:443:10.0.0.3:8443', '[fd00::5]:443:[::1]'].map(
    parseResolveRule,
  );

  it('matches the exact dial target; the last duplicate wins', () => {
    assert.deepEqual(findResolveRule(rules, 'reg.local', 443), { host: 'reg.local', port: 443, address: '10.0.0.3', addressPort: 8443 });
    assert.equal(findResolveRule(rules, 'reg.local', 5000)?.address, '10.0.0.2');
    assert.equal(findResolveRule(rules, 'reg.local', 80), undefined);
    assert.equal(findResolveRule(rules, 'other.local', 443), undefined);
    assert.equal(findResolveRule([], 'reg.local', 443), undefined);
  });

  it('compares host names case-insensitively and IPv6 hosts by value, bracketed or not', () => {
    assert.equal(findResolveRule(rules, 'Reg.Local', 443)?.address, '10.0.0.3');
    assert.equal(findResolveRule(rules, 'fd00:0::5', 443)?.address, '::1');
    assert.equal(findResolveRule(rules, '[fd00::5]', 443)?.address, '::1');
    assert.equal(findResolveRule(rules, 'fd00::6', 443), undefined);
  });
});

describe('resolve rules: properties', () => {
  const port = fc.integer({ min: 1, max: 65535 });
  const host = fc.oneof(
    fc.domain(),
    fc.ipV4(),
    fc.ipV6().map((a) => `[${a}]`),
  );
  const address = fc.oneof(
    fc.ipV4(),
    fc.ipV6().map((a) => `[${a}]`),
  );
  const rule = fc.tuple(host, port, address, fc.option(port)).map(([h, p, a, ap]) => `${h}:${p}:${a}${ap === null ? '' : `:${ap}`}`);

  it('generated rules parse, and format(parse(x)) parses to the same rule', () => {
    fc.assert(
      fc.property(rule, (s) => {
        const r = parseResolveRule(s);
        assert.deepEqual(parseResolveRule(formatResolveRule(r)), r);
        assert.equal(findResolveRule([r], s.startsWith('[') ? s.slice(1, s.indexOf(']')) : s.slice(0, s.indexOf(':')), r.port), r);
      }),
      { numRuns: 300 },
    );
  });

  it('random and mutated rules either parse or throw ParseError', () => {
    const mutated = fc.tuple(rule, fc.nat(), fc.constantFrom('', ':', '[', ']', '.', 'x', ' ', '0', '%', 'é')).map(([s, n, ch]) => {
      const i = n % (s.length + 1);
      return s.slice(0, i) + ch + s.slice(i + (n % 2));
    });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 50 }), mutated), (s) => {
        try {
          const r = parseResolveRule(s);
          assert.deepEqual(parseResolveRule(formatResolveRule(r)), r);
        } catch (e) {
          assert.ok(e instanceof ParseError, `non-ParseError for ${JSON.stringify(s)}: ${String(e)}`);
          if (e.position !== undefined) assert.ok(e.position >= 0 && e.position <= s.length);
        }
      }),
      { numRuns: 500 },
    );
  });
});
