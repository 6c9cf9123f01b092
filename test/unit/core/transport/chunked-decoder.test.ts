// Chunked bodies on the bulk path (RFC 9112 §7.1): the same body however its bytes are cut, and
// framing a sender could use to end a blob elsewhere refused.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { ChunkedDecoder, MalformedChunk } from '../../../../src/core/transport/chunked-decoder';

/** Encodes `pieces` as chunks (with an extension on some), the last chunk and `trailers`. */
function encode(pieces: readonly Buffer[], trailers: readonly string[] = []): Buffer {
  const parts: Buffer[] = [];
  pieces.forEach((piece, i) => {
    if (!piece.length) return;
    parts.push(Buffer.from(`${piece.length.toString(16)}${i % 3 === 1 ? ';name=value' : ''}\r\n`), piece, Buffer.from('\r\n'));
  });
  parts.push(Buffer.from(`0\r\n${trailers.map((t) => `${t}\r\n`).join('')}\r\n`));
  return Buffer.concat(parts);
}

/** Feeds `wire` cut at `cuts`; the body read and where the decoder said the message ended (absolute). */
function decode(wire: Buffer, cuts: readonly number[]): { body: Buffer; end: number } {
  const decoder = new ChunkedDecoder();
  const out: Buffer[] = [];
  const bounds = [...new Set([0, ...cuts.map((c) => c % (wire.length + 1)), wire.length])].sort((a, b) => a - b);
  for (let i = 0; i + 1 < bounds.length; i++) {
    const end = decoder.feed(wire.subarray(bounds[i], bounds[i + 1]), (piece) => out.push(Buffer.from(piece)));
    if (end >= 0) return { body: Buffer.concat(out), end: bounds[i]! + end };
  }
  return { body: Buffer.concat(out), end: -1 };
}

describe('chunked-decoder: a chunked body on the bulk path', () => {
  it('gives back the body however the chunks were sized and the bytes were cut, and where it ended', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.boolean(),
        (pieces, cuts, withTrailer) => {
          const buffers = pieces.map((p) => Buffer.from(p));
          const wire = encode(buffers, withTrailer ? ['Digest: x'] : []);
          const after = Buffer.from('HTTP/1.1 200 OK\r\n');
          const { body, end } = decode(Buffer.concat([wire, after]), cuts);
          assert.deepEqual(body, Buffer.concat(buffers));
          assert.equal(end, wire.length, 'the message ends where its last CRLF does, not later');
        },
      ),
    );
  });

  it('reads sizes with leading zeros, upper-case hex and spaces before an extension', () => {
    const wire = Buffer.from('000A ;x\r\n0123456789\r\nF\r\nabcdefghijklmno\r\n0\r\n\r\n');
    assert.deepEqual(decode(wire, []).body.toString(), '0123456789abcdefghijklmno');
  });

  it('refuses sizes that are not hex or do not fit, data longer than its size, lines without CRLF and bad trailers', () => {
    for (const text of [
      'g\r\n',
      '-1\r\n',
      '\r\n',
      ' 5\r\nabcde\r\n',
      '0x5\r\nabcde\r\n',
      '20000000000000\r\n',
      '5\r\nabcdefg\r\n',
      '5\nabcde\r\n',
      '0\r\nnot a field\r\n\r\n',
      '0\r\nX: a\x00b\r\n\r\n',
    ])
      assert.throws(() => decode(Buffer.from(text), []), MalformedChunk, JSON.stringify(text));
  });

  it('refuses a size line or trailers that never end, before holding much of them', () => {
    assert.throws(() => decode(Buffer.from(`1${';x'.repeat(3000)}`), []), /over 4096/);
    const trailers = Array.from({ length: 40 }, (_, i) => `X-${i}: ${'v'.repeat(500)}`);
    assert.throws(() => decode(encode([Buffer.from('a')], trailers), []), /trailers over/);
  });
});
