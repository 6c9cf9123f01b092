// The bulk path's HTTP/1.1 heads (RFC 9112 §4–6): what a registry's answer may say about where its
// body ends, and what a request head may carry.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { headEnd, MalformedHead, parseResponseHead, requestHead } from '../../../../src/core/transport/http1-head';

const head = (...lines: string[]): string => lines.join('\r\n');

describe('http1-head: a response head on the bulk path', () => {
  it('reads the status, lower-cases names, keeps repeated fields in order and frames by Content-Length', () => {
    const parsed = parseResponseHead(
      head('HTTP/1.1 200 OK', 'Content-Length: 12', 'Docker-Content-Digest: sha256:ab', 'X-Seen: a', 'x-seen: b'),
      'GET',
    );
    assert.equal(parsed.status, 200);
    assert.deepEqual(parsed.framing, { kind: 'length', length: 12 });
    assert.equal(parsed.headers['docker-content-digest'], 'sha256:ab');
    assert.deepEqual(parsed.headers['x-seen'], ['a', 'b']);
    assert.equal(parsed.reusable, true);
  });

  it('frames a chunked body, a body to the close, and no body where the status or method says none', () => {
    assert.deepEqual(parseResponseHead(head('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked'), 'GET').framing, { kind: 'chunked' });
    const toClose = parseResponseHead(head('HTTP/1.1 200 OK'), 'GET');
    assert.deepEqual(toClose.framing, { kind: 'close' });
    assert.equal(toClose.reusable, false, 'a body that ends at the close ends the connection');
    for (const [status, method] of [
      ['204', 'GET'],
      ['304', 'GET'],
      ['103', 'GET'],
      ['200', 'HEAD'],
    ])
      assert.deepEqual(parseResponseHead(head(`HTTP/1.1 ${status} X`, 'Content-Length: 9'), method!).framing, { kind: 'none' });
  });

  it('lets Transfer-Encoding override Content-Length and then closes the connection (RFC 9112 §6.1)', () => {
    const parsed = parseResponseHead(head('HTTP/1.1 200 OK', 'Content-Length: 5', 'Transfer-Encoding: chunked'), 'GET');
    assert.deepEqual(parsed.framing, { kind: 'chunked' });
    assert.equal(parsed.reusable, false);
  });

  it('takes repeated equal Content-Lengths as one and refuses lengths that disagree or are not numbers', () => {
    assert.deepEqual(parseResponseHead(head('HTTP/1.1 200 OK', 'Content-Length: 7, 7', 'Content-Length: 7'), 'GET').framing, {
      kind: 'length',
      length: 7,
    });
    for (const lengths of [['5', '6'], ['5, 6'], ['-1'], ['0x10'], ['1e3'], ['12345678901234567'], ['']]) {
      assert.throws(
        () => parseResponseHead(head('HTTP/1.1 200 OK', ...lengths.map((l) => `Content-Length: ${l}`)), 'GET'),
        MalformedHead,
        lengths.join(' | '),
      );
    }
  });

  it('refuses transfer codings it cannot decode, which the digest check could never match', () => {
    for (const coding of ['gzip', 'gzip, chunked', 'chunked, chunked', 'identity'])
      assert.throws(() => parseResponseHead(head('HTTP/1.1 200 OK', `Transfer-Encoding: ${coding}`), 'GET'), MalformedHead, coding);
  });

  it('keeps the connection only for HTTP/1.1 without Connection: close', () => {
    assert.equal(parseResponseHead(head('HTTP/1.1 200 OK', 'Connection: keep-alive, Close', 'Content-Length: 0'), 'GET').reusable, false);
    assert.equal(parseResponseHead(head('HTTP/1.0 200 OK', 'Content-Length: 0'), 'GET').reusable, false);
  });

  it('refuses what is not a status line or a field, and control characters in values', () => {
    for (const text of [
      'HTTP/2 200 OK',
      'HTTP/1.1 99 Low',
      'HTTP/1.1 2000 OK',
      'ICY 200 OK',
      head('HTTP/1.1 200 OK', 'Content-Length : 5'),
      head('HTTP/1.1 200 OK', 'no colon'),
      head('HTTP/1.1 200 OK', 'Bad Name: x'),
      head('HTTP/1.1 200 OK', 'X: a\x00b'),
      head('HTTP/1.1 200 OK', 'X: a\x1bb'),
      head('HTTP/1.1 200 OK', 'X: a\rb'),
    ])
      assert.throws(() => parseResponseHead(text, 'GET'), MalformedHead, JSON.stringify(text));
  });

  it('joins a folded line with a space, as a user agent must (RFC 9112 §5.2)', () => {
    assert.equal(parseResponseHead(head('HTTP/1.1 200 OK', 'X: a', ' b', '\tc', 'Content-Length: 0'), 'GET').headers.x, 'a b c');
  });

  it('refuses more than 256 fields', () => {
    const many = Array.from({ length: 257 }, (_, i) => `X-${i}: v`);
    assert.throws(() => parseResponseHead(head('HTTP/1.1 200 OK', ...many), 'GET'), /more than 256/);
  });

  it('finds the end of a head wherever the bytes were cut', () => {
    const bytes = Buffer.from('HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length }), (cut) => {
        const first = bytes.subarray(0, cut);
        const firstEnd = headEnd(first);
        if (cut < 25) assert.equal(firstEnd, -1);
        else assert.equal(firstEnd, 25);
        // Searching the longer bytes again from where a search that found nothing stopped still finds it.
        if (firstEnd < 0) assert.equal(headEnd(bytes, cut), 25);
      }),
    );
  });

  it('parses any head it can be given back the fields it was made of', () => {
    const name = fc
      .stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/)
      .filter((n) => !/^(content-length|transfer-encoding|connection)$/i.test(n));
    const value = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 20 }), fc.nat({ max: 10_000_000 }), (fields, length) => {
        const parsed = parseResponseHead(
          head('HTTP/1.1 200 OK', `Content-Length: ${length}`, ...fields.map(([n, v]) => `${n}:  ${v} `)),
          'GET',
        );
        assert.deepEqual(parsed.framing, { kind: 'length', length });
        const expected = new Map<string, string[]>();
        for (const [n, v] of fields) expected.set(n.toLowerCase(), [...(expected.get(n.toLowerCase()) ?? []), v]);
        for (const [n, values] of expected) assert.deepEqual(parsed.headers[n], values.length === 1 ? values[0] : values);
      }),
    );
  });
});

describe('http1-head: a request head on the bulk path', () => {
  it('writes the path and query, the URL’s host and the headers given', () => {
    const text = requestHead('GET', new URL('https://r.example:8443/v2/a/blobs/sha256:1?x=1'), {
      authorization: 'Bearer t',
      'user-agent': 'u',
    });
    assert.equal(text, 'GET /v2/a/blobs/sha256:1?x=1 HTTP/1.1\r\nhost: r.example:8443\r\nauthorization: Bearer t\r\nuser-agent: u\r\n\r\n');
  });

  it('refuses a value that would start another header or request, whoever supplied it', () => {
    for (const value of ['Bearer t\r\nX-Evil: 1', 'a\nb', 'a\x00b'])
      assert.throws(() => requestHead('GET', new URL('http://r/'), { authorization: value }), MalformedHead, JSON.stringify(value));
    assert.throws(() => requestHead('GET', new URL('http://r/'), { 'x y': 'v' }), MalformedHead);
  });

  it('uses a Host the caller gives instead of the URL’s, once', () => {
    assert.equal(
      requestHead('GET', new URL('http://127.0.0.1:5000/v2/'), { Host: 'r.example' }),
      'GET /v2/ HTTP/1.1\r\nhost: r.example\r\n\r\n',
    );
  });
});
