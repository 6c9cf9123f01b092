import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ParseError } from '../../../../src/core/errors';
import { hasRel, nextPageUrl, parseLinkHeader, sameOrigin, type LinkValue } from '../../../../src/core/transport/link';
import { throwsAt } from '../../support/parse-assert';

/** Writes links as a header, quoting every value. */
function formatLinks(links: LinkValue[]): string {
  return links
    .map((l) => [`<${l.url}>`, ...Object.entries(l.params).map(([k, v]) => `${k}="${v.replace(/["\\]/g, (m) => `\\${m}`)}"`)].join('; '))
    .join(', ');
}

describe('link: parseLinkHeader', () => {
  it('parses the registry form', () => {
    assert.deepEqual(parseLinkHeader('</v2/_catalog?last=x&n=100>; rel="next"'), [
      { url: '/v2/_catalog?last=x&n=100', params: { rel: 'next' } },
    ]);
  });

  it('parses several links with several parameters', () => {
    const h =
      '<https://a/p?page=1>; rel="prev"; title="Page, one; first", <https://a/p?page=3>;rel=next;type="text/html" , <x>; anchor="#y"';
    assert.deepEqual(parseLinkHeader(h), [
      { url: 'https://a/p?page=1', params: { rel: 'prev', title: 'Page, one; first' } },
      { url: 'https://a/p?page=3', params: { rel: 'next', type: 'text/html' } },
      { url: 'x', params: { anchor: '#y' } },
    ]);
  });

  it('keeps commas and semicolons inside the target, unescapes quotes, lowercases names', () => {
    assert.deepEqual(parseLinkHeader('</a,b;c?x=1,2>; REL="Next"; Title="say \\"hi\\""'), [
      { url: '/a,b;c?x=1,2', params: { rel: 'Next', title: 'say "hi"' } },
    ]);
  });

  it('takes the first occurrence of a parameter and allows valueless ones', () => {
    assert.deepEqual(parseLinkHeader('<a>; rel=next; rel=prev; crossorigin'), [{ url: 'a', params: { rel: 'next', crossorigin: '' } }]);
  });

  it('reads several header values and ignores empty elements', () => {
    assert.deepEqual(parseLinkHeader(['<a>; rel=x', '', ' , <b>']), [
      { url: 'a', params: { rel: 'x' } },
      { url: 'b', params: {} },
    ]);
    assert.deepEqual(parseLinkHeader(''), []);
  });

  it('rejects malformed headers, pointing at the problem', () => {
    throwsAt(() => parseLinkHeader('/v2/_catalog; rel="next"'), 0, /each link must start with "<"; "\/" at position 0/);
    throwsAt(() => parseLinkHeader('</v2/_catalog; rel="next"'), 0, /the "<" at position 0 is never closed/);
    throwsAt(() => parseLinkHeader('<a> rel="next"'), 4, /expected ";" before a link parameter/);
    throwsAt(() => parseLinkHeader('<a>; ="x"'), 5, /expected a parameter name/);
    throwsAt(() => parseLinkHeader('<a>; rel="next'), 9, /quoted string opened at position 9 is not closed/);
    throwsAt(() => parseLinkHeader('<a>; rel='), 9, /expected a value for the parameter "rel" at position 9 \(end of header\)/);
    throwsAt(() => parseLinkHeader('<a\u0000b>'), 2, /a link target cannot contain/);
    throwsAt(() => parseLinkHeader('<a>; rel="x" y'), 13, /"y" at position 13/);
    assert.equal(throwsAt(() => parseLinkHeader('x'), 0).code, 'INVALID_LINK_HEADER');
  });
});

describe('link: nextPageUrl and sameOrigin', () => {
  const req = 'https://reg.example:5000/v2/_catalog?n=100';

  it('resolves rel=next against the request URL', () => {
    assert.equal(nextPageUrl('</v2/_catalog?last=x&n=100>; rel="next"', req), 'https://reg.example:5000/v2/_catalog?last=x&n=100');
    assert.equal(nextPageUrl('<?last=b>; rel=next', req), 'https://reg.example:5000/v2/_catalog?last=b');
    assert.equal(nextPageUrl('<https://other/x>; rel="next"', new URL(req)), 'https://other/x');
    assert.equal(nextPageUrl('<../tags/list?last=a%2Fb>; rel="next"', 'http://h/v2/a/b/c'), 'http://h/v2/a/tags/list?last=a%2Fb');
  });

  it('finds next among other relations, case-insensitively and in space-separated lists', () => {
    assert.equal(nextPageUrl('</p1>; rel="prev", </p3>; rel="NEXT last"', req), 'https://reg.example:5000/p3');
    assert.equal(nextPageUrl(['</p1>; rel="prev"', '</p3>; rel=next'], req), 'https://reg.example:5000/p3');
    assert.equal(nextPageUrl('</p1>; rel="prev"', req), undefined);
    assert.equal(nextPageUrl('</p1>; rel="nextish"', req), undefined);
    assert.equal(nextPageUrl(undefined, req), undefined);
    assert.equal(nextPageUrl(null, req), undefined);
    assert.equal(nextPageUrl('', req), undefined);
    assert.equal(hasRel({ url: 'x', params: {} }, 'next'), false);
  });

  it('throws ParseError for malformed headers and unresolvable targets', () => {
    throwsAt(() => nextPageUrl('nope', req), 0);
    throwsAt(() => nextPageUrl('<http://[bad>; rel=next', req), undefined, /is not a valid URL/);
    throwsAt(() => nextPageUrl('</x>; rel=next', 'relative/only'), undefined, /invalid request URL/);
  });

  it('compares origins', () => {
    assert.equal(sameOrigin('https://a/x', 'https://a:443/y?z'), true);
    assert.equal(sameOrigin('http://a:80/', 'http://a'), true);
    assert.equal(sameOrigin('https://A.example/', 'https://a.example/'), true);
    assert.equal(sameOrigin('https://a/', 'http://a/'), false);
    assert.equal(sameOrigin('https://a:5000/', 'https://a:5001/'), false);
    assert.equal(sameOrigin('https://a/', 'https://b/'), false);
    assert.equal(sameOrigin('not a url', 'https://a/'), false);
    assert.equal(sameOrigin('file:///x', 'file:///x'), false);
  });
});

describe('link: properties', () => {
  const tchars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz".split('');
  const name = fc.array(fc.constantFrom(...tchars), { minLength: 1, maxLength: 6 }).map((a) => a.join(''));
  const value = fc.string({ unit: fc.constantFrom(...' "\\,;=<>abc19/:?&é\t'.split('')), maxLength: 12 });
  const url = fc.string({ unit: fc.constantFrom(...'abc/?&=,;:%#."\' 09'.split('')), maxLength: 20 });
  const link: fc.Arbitrary<LinkValue> = fc
    .tuple(url, fc.uniqueArray(fc.tuple(name, value), { selector: ([k]) => k, maxLength: 4 }))
    .map(([u, params]) => ({ url: u, params: Object.fromEntries(params) }));

  it('formatted links parse back to the same links', () => {
    fc.assert(
      fc.property(fc.array(link, { maxLength: 4 }), (links) => {
        assert.deepEqual(parseLinkHeader(formatLinks(links)), links);
      }),
      { numRuns: 300 },
    );
  });

  it('random and mutated headers either parse or throw ParseError', () => {
    const mutated = fc
      .tuple(fc.array(link, { minLength: 1, maxLength: 3 }), fc.nat(), fc.constantFrom('', '<', '>', '"', ';', ',', '=', '\\', '\u0000'))
      .map(([links, n, ch]) => {
        const s = formatLinks(links);
        const i = n % (s.length + 1);
        return s.slice(0, i) + ch + s.slice(i + (n % 2));
      });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), mutated), (s) => {
        try {
          const links = parseLinkHeader(s);
          assert.deepEqual(parseLinkHeader(formatLinks(links)), links);
          nextPageUrl(s, 'https://r.example/v2/_catalog');
        } catch (e) {
          assert.ok(e instanceof ParseError, `non-ParseError for ${JSON.stringify(s)}: ${String(e)}`);
          if (e.position !== undefined) assert.ok(e.position >= 0 && e.position <= s.length);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('link: the edges of the grammar', () => {
  it('takes tabs and spaces around every separator', () => {
    assert.deepEqual(parseLinkHeader('\t<a>\t;\trel\t=\tnext\t,\t<b> ; rel = "prev" '), [
      { url: 'a', params: { rel: 'next' } },
      { url: 'b', params: { rel: 'prev' } },
    ]);
  });

  it('ends a bare value at a space, a comma or a semicolon, and takes any other visible ASCII', () => {
    assert.deepEqual(parseLinkHeader('<a>; rel=!#x~/:?@[]{}<>=;t=1,<b>'), [
      { url: 'a', params: { rel: '!#x~/:?@[]{}<>=', t: '1' } },
      { url: 'b', params: {} },
    ]);
    throwsAt(() => parseLinkHeader('<a>; rel=next x'), 14, /expected ";" before a link parameter/);
    throwsAt(() => parseLinkHeader('<a>; rel=next"'), 13, /expected ";" before a link parameter/);
  });

  for (const [bad, at] of [
    ['\\', 9],
    ['\x7f', 9],
    ['\x01', 9],
    ['é', 9],
  ] as const) {
    it(`refuses ${JSON.stringify(bad)} in a bare value`, () => {
      throwsAt(() => parseLinkHeader(`<a>; rel=${bad}`), at, /expected a value for the parameter "rel"/);
    });
  }

  it('refuses control characters and "<" inside a target, in words', () => {
    for (const bad of ['\x01', '\x7f', '<', '\x1f'])
      throwsAt(() => parseLinkHeader(`<a${bad}b>`), 2, /a link target cannot contain this character/);
    assert.deepEqual(parseLinkHeader('<a b>'), [{ url: 'a b', params: {} }]);
  });

  it('refuses a quoted string ending inside an escape, naming where it opened', () => {
    throwsAt(() => parseLinkHeader('<a>; t="ab\\'), 7, /the quoted string opened at position 7 ends inside an escape/);
  });

  it('takes an escaped space or tab, refuses an escaped control character or DEL, in words', () => {
    assert.deepEqual(parseLinkHeader('<a>; t="x\\ y\\\tz"'), [{ url: 'a', params: { t: 'x y\tz' } }]);
    for (const bad of ['\x01', '\x7f', '\x1f'])
      throwsAt(() => parseLinkHeader(`<a>; t="x\\${bad}"`), 10, /control characters cannot be escaped in a quoted string/);
  });

  it('takes a tab in a quoted string, refuses other control characters and DEL, in words', () => {
    assert.deepEqual(parseLinkHeader('<a>; t="x\ty"'), [{ url: 'a', params: { t: 'x\ty' } }]);
    for (const bad of ['\x01', '\x7f', '\x1f'])
      throwsAt(() => parseLinkHeader(`<a>; t="x${bad}"`), 9, /control characters are not allowed in a quoted string/);
  });
});
