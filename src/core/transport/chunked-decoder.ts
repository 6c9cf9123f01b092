/**
 * Decodes a chunked response body (RFC 9112 §7.1) as its bytes arrive, for the transport's own
 * client (direct-client.ts), handing on each piece of body as a view of the bytes received. The
 * sizes, extensions and trailers are the sender's: each line is bounded, a size must be hex that
 * fits a safe integer, and every line ends with CRLF, so a body cannot be made to end elsewhere.
 */

/** A size line with its extensions, or one trailer field, longer than this is refused. */
const MAX_LINE_BYTES = 4096;
/** All trailer fields together. */
const MAX_TRAILER_BYTES = 16 * 1024;
/** 13 hex digits fit below Number.MAX_SAFE_INTEGER; leading zeros aside, a longer size is refused. */
const CHUNK_SIZE = /^0*([0-9a-fA-F]{1,13})(?:[ \t]*;[\t\x20-\x7e\x80-\xff]*)?$/;
const TRAILER_FIELD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*$/;

/** Chunked framing that cannot be read safely: the reason, in a few words. */
export class MalformedChunk extends Error {
  override readonly name = 'MalformedChunk';
}

type State = 'size' | 'data' | 'data-end' | 'trailer' | 'done';

export class ChunkedDecoder {
  private state: State = 'size';
  /** The line being gathered (a size line or a trailer field), latin1. */
  private line = '';
  /** Bytes of the current chunk still to come. */
  private remaining = 0;
  /** What is left of the CRLF after a chunk's data. */
  private endLeft = '\r\n';
  private trailerBytes = 0;

  get done(): boolean {
    return this.state === 'done';
  }

  /**
   * Reads `bytes`, calling `onData` with each piece of body in them. Returns the offset just past
   * the body's end when it ends in these bytes (what follows is not the body's), or -1.
   */
  feed(bytes: Buffer, onData: (piece: Buffer) => void): number {
    let at = 0;
    while (at < bytes.length) {
      switch (this.state) {
        case 'data': {
          const take = Math.min(this.remaining, bytes.length - at);
          onData(bytes.subarray(at, at + take));
          at += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = 'data-end';
          break;
        }
        case 'data-end': {
          if (bytes[at] !== this.endLeft.charCodeAt(0)) throw new MalformedChunk('a chunk longer than its size');
          this.endLeft = this.endLeft.slice(1);
          at++;
          if (!this.endLeft) this.state = 'size';
          break;
        }
        case 'size':
        case 'trailer': {
          const newline = bytes.indexOf(0x0a, at);
          const end = newline < 0 ? bytes.length : newline;
          this.line += bytes.toString('latin1', at, end);
          if (this.line.length > MAX_LINE_BYTES) throw new MalformedChunk(`a chunk line over ${MAX_LINE_BYTES} bytes`);
          at = newline < 0 ? bytes.length : newline + 1;
          if (newline >= 0) this.endOfLine();
          if ((this.state as State) === 'done') return at;
          break;
        }
        case 'done':
          return at;
      }
    }
    return -1;
  }

  private endOfLine(): void {
    if (!this.line.endsWith('\r')) throw new MalformedChunk('a chunk line that does not end with CRLF');
    const line = this.line.slice(0, -1);
    this.line = '';
    if (this.state === 'trailer') {
      if (line === '') {
        this.state = 'done';
        return;
      }
      this.trailerBytes += line.length;
      if (this.trailerBytes > MAX_TRAILER_BYTES) throw new MalformedChunk(`trailers over ${MAX_TRAILER_BYTES} bytes`);
      if (!TRAILER_FIELD.test(line)) throw new MalformedChunk('a trailer that is not "name: value"');
      return;
    }
    const size = CHUNK_SIZE.exec(line);
    if (!size) throw new MalformedChunk(`a chunk size that is not hexadecimal: ${JSON.stringify(line.slice(0, 20))}`);
    this.remaining = parseInt(size[1]!, 16);
    if (this.remaining === 0) this.state = 'trailer';
    else {
      this.state = 'data';
      this.endLeft = '\r\n';
    }
  }
}
