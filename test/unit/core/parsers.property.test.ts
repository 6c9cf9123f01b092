// Property tests for every parser of untrusted text: random strings and small edits of valid
// inputs either parse or throw the parser's own error type (never a TypeError, RangeError or a
// library's error), error positions point into the input, and formatters round-trip.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { formatChallenge, parseChallenges, pickChallenge, type Challenge } from '../../../src/core/auth/challenge';
import { formatInsecureEntry, parseCidr, parseInsecureEntry, type CidrEntry } from '../../../src/core/net/cidr';
import { loadHostConfig } from '../../../src/core/hosts/hosts-dirs';
import { formatResolveRule, parseResolveRule } from '../../../src/core/hosts/resolve-rules';
import { ConfigFileError, ParseError } from '../../../src/core/errors';
import { nextPageUrl, parseLinkHeader, type LinkValue } from '../../../src/core/transport/link';
import { formatReference, parseReference, type Reference } from '../../../src/core/name/reference';
import { parseRegistryLocation } from '../../../src/core/name/registry-url';
import { mutated, noise } from '../support/property-inputs';

/** A quoted string after `prefix` whose content mixes escapes, quotes and control characters. */
function quotedNoise(prefix: string): fc.Arbitrary<string> {
  return fc
    .string({ maxLength: 12, unit: fc.constantFrom('\\', '"', 'x', ' ', '\t', '\u0000', '\u001f', '\u007f', '\u00e9', ',') })
    .map((body) => `${prefix}"${body}"`);
}

/** Runs `parse`; a thrown value must be a ParseError whose position (if any) lies within `input`. */
function parseOrParseError<T>(input: string, parse: (s: string) => T): T | undefined {
  try {
    return parse(input);
  } catch (e) {
    assert.ok(e instanceof ParseError, `non-ParseError for ${JSON.stringify(input)}: ${String(e)}`);
    if (e.position !== undefined)
      assert.ok(e.position >= 0 && e.position <= input.length, `position ${e.position} outside ${JSON.stringify(input)}`);
    return undefined;
  }
}

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?$/);
const dnsName = fc
  .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.stringMatching(/^[a-z]{2,6}$/))
  .map(([labels, tld]) => [...labels, tld].join('.'));
const port = fc.integer({ min: 1, max: 65535 });

describe('parser properties', () => {
  describe('parseReference', () => {
    const component = fc
      .tuple(
        fc.stringMatching(/^[a-z0-9]{1,6}$/),
        fc.array(fc.tuple(fc.constantFrom('.', '_', '__', '-', '--'), fc.stringMatching(/^[a-z0-9]{1,5}$/)), { maxLength: 2 }),
      )
      .map(([head, rest]) => head + rest.map(([s, c]) => s + c).join(''));
    const registry = fc.oneof(
      fc.tuple(dnsName, fc.option(port, { nil: undefined })).map(([h, p]) => (p === undefined ? h : `${h}:${p}`)),
      fc.constantFrom('localhost', 'localhost:5000', 'docker.io', 'index.docker.io'),
      fc.tuple(fc.ipV6(), port).map(([ip, p]) => `[${ip}]:${p}`),
    );
    const parts = fc.record({
      registry,
      repository: fc.array(component, { minLength: 1, maxLength: 3 }).map((c) => c.join('/')),
      tag: fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,15}$/), { nil: undefined }),
      digest: fc.option(
        fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `sha256:${h}`),
        { nil: undefined },
      ),
    });
    const text = (p: { registry: string; repository: string; tag?: string | undefined; digest?: string | undefined }): string =>
      `${p.registry}/${p.repository}${p.tag !== undefined ? `:${p.tag}` : ''}${p.digest !== undefined ? `@${p.digest}` : ''}`;

    it('recovers the parts of a generated reference, and formatReference round-trips', () => {
      fc.assert(
        fc.property(parts, (p) => {
          const ref = parseReference(text(p));
          const hub = p.registry === 'docker.io' || p.registry === 'index.docker.io';
          const expected: Reference = {
            registry: hub ? 'docker.io' : p.registry,
            repository: hub && !p.repository.includes('/') ? `library/${p.repository}` : p.repository,
          };
          if (p.tag !== undefined) expected.tag = p.tag;
          if (p.digest !== undefined) expected.digest = p.digest;
          assert.deepEqual(ref, expected);
          assert.deepEqual(parseReference(formatReference(ref)), ref);
        }),
        { numRuns: 500 },
      );
    });

    it('random and mutated references parse (and round-trip) or throw ParseError', () => {
      fc.assert(
        fc.property(fc.oneof(noise('abz09:/@._-[]A'), mutated(parts.map(text), ':/@.-_[]A0 %\u00e9')), (s) => {
          const ref = parseOrParseError(s, parseReference);
          if (ref !== undefined) assert.deepEqual(parseReference(formatReference(ref)), ref);
        }),
        { numRuns: 1000 },
      );
    });
  });

  describe('parseChallenges', () => {
    const tchar = [..."!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"];
    const token = fc.string({ minLength: 1, maxLength: 8, unit: fc.constantFrom(...tchar) });
    const value = fc.string({ maxLength: 16, unit: fc.constantFrom(...' ,;="\\/:@?=abcXYZ09\t\u00e9') });
    const challenge: fc.Arbitrary<Challenge> = fc.oneof(
      fc
        .tuple(
          token,
          fc.uniqueArray(
            fc.tuple(
              token.map((t) => t.toLowerCase()),
              value,
            ),
            { selector: ([k]) => k, maxLength: 4 },
          ),
        )
        .map(([scheme, params]) => ({ scheme: scheme.toLowerCase(), params: Object.fromEntries(params) })),
      fc
        .tuple(token, fc.stringMatching(/^[A-Za-z0-9._~+/-]{1,10}={0,2}$/))
        .map(([scheme, t]) => ({ scheme: scheme.toLowerCase(), params: {}, token68: t })),
    );
    const header = fc.array(challenge, { minLength: 1, maxLength: 3 }).map((list) => list.map(formatChallenge).join(', '));

    // Found by the property below; the fix belongs in src/core/auth/challenge.ts (quoted(): reject
    // an escaped '\x7f' as the bare one is), which this change did not touch. Enable once fixed.
    it('rejects an escaped DEL in a quoted value, as it rejects a bare one', () => {
      assert.throws(
        () => parseChallenges('Bearer realm="\\\u007f"'),
        (e: unknown) => e instanceof ParseError && e.position === 15,
      );
    });

    it('formatted challenges parse back to the same challenges', () => {
      fc.assert(
        fc.property(fc.array(challenge, { minLength: 1, maxLength: 3 }), (list) => {
          assert.deepEqual(parseChallenges(list.map(formatChallenge).join(', ')), list);
        }),
        { numRuns: 500 },
      );
    });

    it('random and mutated headers parse (and round-trip) or throw ParseError', () => {
      fc.assert(
        fc.property(
          fc.oneof(noise('Bearer realm="x",\\ =\t'), quotedNoise('Bearer realm='), mutated(header, '",=\\ \t;\u0000\u007f')),
          (s) => {
            const parsed = parseOrParseError(s, parseChallenges);
            if (parsed === undefined) return;
            assert.deepEqual(parseChallenges(parsed.map(formatChallenge).join(', ')), parsed);
            try {
              pickChallenge(parsed);
            } catch (e) {
              assert.ok(e instanceof ParseError, String(e));
            }
          },
        ),
        { numRuns: 1000 },
      );
    });
  });

  describe('parseLinkHeader and nextPageUrl', () => {
    const target = fc.string({ maxLength: 30, unit: fc.constantFrom(...'/abc?&=;,"x_0:.%#-'.split('')) });
    const param = fc.tuple(
      fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/),
      fc.string({ maxLength: 12, unit: fc.constantFrom(...' ,;="\\abc/\u00e9'.split('')) }),
    );
    const link: fc.Arbitrary<LinkValue> = fc
      .tuple(target, fc.uniqueArray(param, { selector: ([k]) => k, maxLength: 3 }))
      .map(([url, params]) => ({ url, params: Object.fromEntries(params) }));
    // A test-side writer: every value quoted, so the parser's quoted-string path is exercised.
    const write = (links: LinkValue[]): string =>
      links
        .map((l) =>
          [`<${l.url}>`, ...Object.entries(l.params).map(([k, v]) => `${k}="${v.replace(/["\\]/g, (m) => `\\${m}`)}"`)].join('; '),
        )
        .join(', ');
    const headers = fc.array(link, { minLength: 1, maxLength: 3 }).map(write);

    // Found by the property below: `\` + DEL was accepted in a quoted value, so the parsed value
    // held a bare DEL that the parser itself rejects.
    it('rejects an escaped DEL in a quoted value, as it rejects a bare one', () => {
      // The error points at the DEL itself.
      for (const [header, at] of [
        ['</next>; rel="\\\u007f"', 15],
        ['</next>; rel="\u007f"', 14],
      ] as const) {
        assert.throws(
          () => parseLinkHeader(header),
          (e: unknown) => e instanceof ParseError && e.position === at,
          JSON.stringify(header),
        );
      }
      assert.deepEqual(parseLinkHeader('</n>; rel="\\\tx\\\u00e9"'), [{ url: '/n', params: { rel: '\txé' } }]);
    });

    it('written links parse back to the same links', () => {
      fc.assert(
        fc.property(fc.array(link, { minLength: 1, maxLength: 3 }), (links) => {
          assert.deepEqual(parseLinkHeader(write(links)), links);
        }),
        { numRuns: 500 },
      );
    });

    it('random and mutated headers parse or throw ParseError; a next page is an absolute URL', () => {
      fc.assert(
        fc.property(
          fc.oneof(noise('<>;,="\\ rel next/'), quotedNoise('</next>; rel='), mutated(headers, '<>;,="\\ \t\u0000\u007f')),
          fc.constantFrom('https://r.test/v2/_catalog?n=10', 'http://[::1]:5000/v2/a/tags/list'),
          (s, base) => {
            const links = parseOrParseError(s, parseLinkHeader);
            if (links !== undefined) assert.deepEqual(parseLinkHeader(write(links)), links);
            const next = parseOrParseError(s, (h) => nextPageUrl(h, base) ?? null);
            if (typeof next === 'string') assert.doesNotThrow(() => new URL(next));
          },
        ),
        { numRuns: 1000 },
      );
    });

    it('nextPageUrl rejects a bad request URL with ParseError only', () => {
      fc.assert(
        fc.property(noise(':/ab[]%'), (base) => {
          parseOrParseError(base, (b) => nextPageUrl('</v2/_catalog?last=a>; rel="next"', b));
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('parseResolveRule', () => {
    const v6 = fc.ipV6().map((ip) => `[${ip}]`);
    const rule = fc
      .tuple(
        fc.oneof(
          dnsName,
          dnsName.map((d) => d.toUpperCase()),
          v6,
        ),
        port,
        fc.oneof(fc.ipV4(), v6),
        fc.option(port, { nil: undefined }),
      )
      .map(([h, p, a, ap]) => `${h}:${p}:${a}${ap === undefined ? '' : `:${ap}`}`);

    it('valid rules parse, and formatResolveRule round-trips', () => {
      fc.assert(
        fc.property(rule, (s) => {
          const r = parseResolveRule(s);
          assert.deepEqual(parseResolveRule(formatResolveRule(r)), r);
          assert.equal(r.host, r.host.toLowerCase());
        }),
        { numRuns: 500 },
      );
    });

    it('random and mutated rules parse (and round-trip) or throw ParseError', () => {
      fc.assert(
        fc.property(fc.oneof(noise('a.1:[]-'), mutated(rule, ':[].-0a %')), (s) => {
          const r = parseOrParseError(s, parseResolveRule);
          if (r !== undefined) assert.deepEqual(parseResolveRule(formatResolveRule(r)), r);
        }),
        { numRuns: 1000 },
      );
    });
  });

  describe('parseInsecureEntry and parseCidr', () => {
    const cidr = fc.oneof(
      fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${a}/${p}`),
      fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([a, p]) => `${a}/${p}`),
    );
    const entry = fc.oneof(
      cidr,
      fc.tuple(fc.oneof(dnsName, fc.ipV4()), fc.option(port, { nil: undefined })).map(([h, p]) => (p === undefined ? h : `${h}:${p}`)),
      fc.tuple(fc.ipV6(), fc.option(port, { nil: undefined })).map(([a, p]) => (p === undefined ? a : `[${a}]:${p}`)),
    );

    // Found by the property below: "1." was accepted as the host name "1", which formats back to
    // "1" and is then rejected as a malformed IPv4 address (and "1." is 0.0.0.1 to URL parsers).
    it('rejects a numeric last label before a trailing dot, and round-trips trailing-dot names', () => {
      for (const s of ['1.', 'reg.10.', '1.2.3.']) {
        assert.throws(
          () => parseInsecureEntry(s),
          (e: unknown) => e instanceof ParseError && /looks like an IPv4 address/.test(e.message) && e.position === 0,
          s,
        );
        assert.throws(
          () => parseResolveRule(`${s}:443:127.0.0.1`),
          (e: unknown) => e instanceof ParseError && /looks like an IPv4 address/.test(e.message),
          s,
        );
      }
      assert.deepEqual(parseInsecureEntry('Reg.Test.:5000'), { kind: 'host', host: 'reg.test', port: 5000 });
      for (const s of ['reg.test.', '1.2.3.4.', 'a1.']) {
        const e = parseInsecureEntry(s);
        assert.deepEqual(parseInsecureEntry(formatInsecureEntry(e)), e, s);
      }
    });

    it('valid entries parse, and formatInsecureEntry round-trips', () => {
      fc.assert(
        fc.property(entry, (s) => {
          const e = parseInsecureEntry(s);
          assert.deepEqual(parseInsecureEntry(formatInsecureEntry(e)), e);
          if (e.kind === 'cidr') assert.deepEqual(parseCidr(formatInsecureEntry(e)), e);
        }),
        { numRuns: 500 },
      );
    });

    it('random and mutated entries parse (and round-trip) or throw ParseError', () => {
      fc.assert(
        fc.property(fc.oneof(noise('1.0/:[]af'), mutated(entry, '/:[].0x %')), (s) => {
          const e = parseOrParseError(s, parseInsecureEntry);
          if (e !== undefined) assert.deepEqual(parseInsecureEntry(formatInsecureEntry(e)), e);
          const c: CidrEntry | undefined = parseOrParseError(s, parseCidr);
          if (c !== undefined) assert.deepEqual(parseCidr(formatInsecureEntry(c)), c);
        }),
        { numRuns: 1000 },
      );
    });
  });

  describe('parseRegistryLocation', () => {
    const location = fc
      .tuple(
        fc.constantFrom('', 'http://', 'https://', 'HTTP://'),
        fc.oneof(
          dnsName,
          fc.ipV4(),
          fc.ipV6().map((a) => `[${a}]`),
        ),
        fc.option(port, { nil: undefined }),
        fc.constantFrom('', '/'),
      )
      .map(([s, h, p, slash]) => `${s}${h}${p === undefined ? '' : `:${p}`}${slash}`);

    it('random and mutated locations parse (idempotently) or throw ParseError', () => {
      fc.assert(
        fc.property(fc.oneof(noise('a.:/[]0h'), mutated(location, ':/[].0 @')), (s) => {
          const l = parseOrParseError(s, parseRegistryLocation);
          if (l !== undefined) assert.deepEqual(parseRegistryLocation(`${l.scheme !== undefined ? `${l.scheme}://` : ''}${l.host}`), l);
        }),
        { numRuns: 500 },
      );
    });
  });

  describe('hosts.toml', () => {
    let base: string;
    let dir: string;
    before(() => {
      base = mkdtempSync(join(tmpdir(), 'hosts-prop-'));
      dir = join(base, 'registry.test');
      mkdirSync(dir);
      for (const f of ['ca.pem', 'client.pem', 'client.key']) writeFileSync(join(dir, f), 'x');
    });
    after(() => rmSync(base, { recursive: true, force: true }));

    const SECRET = 'S3cr3tHeaderValue';
    const value = fc.constantFrom(
      '"x"',
      '""',
      '5',
      'true',
      '[]',
      '["pull"]',
      '[1, 2]',
      '{ a = 1 }',
      '"1.5s"',
      '"5x"',
      '1979-05-27T07:32:00Z',
      `"other"`,
    );
    const entryLine = fc.oneof(
      fc.constantFrom(
        'capabilities = ["pull", "resolve"]',
        'capabilities = ["pull", "resolve", "push", "referrers"]',
        'capabilities = []',
        'capabilities = ["PULL"]',
        'capabilities = ["fly"]',
        'skip_verify = true',
        'override_path = true',
        'dial_timeout = "1m30s"',
        'dial_timeout = "0"',
        'ca = "ca.pem"',
        'ca = ["ca.pem", "missing.pem"]',
        'client = [["client.pem", "client.key"]]',
        'client = "client.pem"',
        'proxy = "http://p"',
      ),
      fc
        .tuple(
          fc.constantFrom('capabilities', 'skip_verify', 'override_path', 'dial_timeout', 'ca', 'client', 'header', 'server', 'host'),
          value,
        )
        .map(([k, v]) => `${k} = ${v}`),
    );
    const url = fc.constantFrom(
      'https://mirror.test',
      'http://mirror.test:5000',
      'mirror.test/path/v2',
      'https://[::1]:5000',
      'ftp://x',
      'https://user:pw@x',
      'https://',
      '%%',
      'https://m.test?q=1',
    );
    const section = fc
      .tuple(
        url,
        fc.array(entryLine, { maxLength: 3 }),
        fc.option(
          fc.constantFrom(`Authorization = "Bearer ${SECRET}"`, `X-A = ["${SECRET}", "b"]`, `"Bad Name" = "${SECRET}"`, 'X-N = 5'),
          { nil: undefined },
        ),
      )
      .map(([u, lines, header]) =>
        [`[host."${u}"]`, ...lines, ...(header === undefined ? [] : [`[host."${u}".header]`, header])].join('\n'),
      );
    const doc = fc
      .tuple(
        fc.option(fc.constantFrom('server = "https://registry.test"', 'server = "http://up.test:8080"', 'server = ""', 'server = 1'), {
          nil: undefined,
        }),
        fc.array(entryLine, { maxLength: 3 }),
        fc.array(section, { maxLength: 3 }),
      )
      .map(([server, lines, sections]) => [...(server === undefined ? [] : [server]), ...lines, ...sections].join('\n'));

    it('random and mutated files load or throw ConfigFileError, never echoing a header value', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            { weight: 1, arbitrary: noise('[]."=\n#a{},\\') },
            { weight: 2, arbitrary: doc },
            { weight: 3, arbitrary: mutated(doc, '[]."=\n#{},\\\' ') },
          ),
          async (text) => {
            writeFileSync(join(dir, 'hosts.toml'), text);
            try {
              const config = await loadHostConfig('registry.test', { roots: [base], platform: 'linux' });
              assert.ok(config.server.url.startsWith('http'));
              for (const e of [...config.mirrors, config.server]) assert.ok(e.scheme === 'http' || e.scheme === 'https');
              assert.ok(!config.warnings.join('\n').includes(SECRET), 'a warning shows a header value');
            } catch (e) {
              assert.ok(e instanceof ConfigFileError, `non-ConfigFileError for ${JSON.stringify(text)}: ${String(e)}`);
              assert.ok(!e.message.includes(SECRET), `the error shows a header value: ${e.message}`);
            }
          },
        ),
        { numRuns: 400 },
      );
    });
  });
});
