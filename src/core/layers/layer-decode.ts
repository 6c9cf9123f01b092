/**
 * Decoders that turn a layer blob's compressed bytes into tar bytes chunk by chunk. Each pulls
 * input only as its output is consumed, so memory stays bounded however large the layer is.
 * Errors are CoreErrors: LAYER_TRUNCATED when the data stops early, LAYER_CORRUPT when it is not
 * valid gzip or zstd; CoreErrors from the input (a digest mismatch, say) pass through unchanged.
 * zstd frames also say how much memory their decoder must set aside (the window, or the frame's
 * size when it declares one). Frames are decoded one after another, so the memory in use is one
 * frame's, at most the 128 MiB window accepted; but setting it aside takes time on every frame and
 * a 19-byte frame can ask for 128 MiB, so the asks added up are budgeted against the compressed
 * bytes read (LAYER_TOO_COSTLY). fzstd sets its window aside for every frame and copies all of it
 * once per block, so on that path a frame whose end is in sight gets a window no larger than it can
 * decode to (podman's zstd:chunked frames declare 32 MiB for a few hundred KiB), and the copies are
 * budgeted like the asks: a 4-byte block of repeated bytes can still cost a 128 MiB copy. fzstd
 * runs in a watched thread of its own (zstd-thread.ts): pure JavaScript fed a registry's bytes, it
 * was once sent into a loop, and a loop on this thread would hold the extension host.
 */
import { Readable, type Transform, pipeline } from 'node:stream';
import * as zlib from 'node:zlib';
import { CoreError } from '../errors';
import { ZstdDecodeError, type ZstdThread, sharedZstdThread } from './zstd-thread';

export type CompressedFormat = 'gzip' | 'zstd';

/** Decompresses gzip (one or more members) with node:zlib. */
export function gunzipChunks(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  return throughTransform(input, zlib.createGunzip(), 'gzip');
}

type ZstdFactory = () => Transform;

/** Node's own zstd decoder where it exists (Node ≥ 22.15), else fzstd. */
export function unzstdChunks(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const native = (zlib as { createZstdDecompress?: ZstdFactory }).createZstdDecompress;
  return native ? nativeZstdChunks(input, native) : fzstdChunks(input);
}

/**
 * Node's zstd decoder stops at the end of the first frame and drops the rest, while layers may
 * hold many frames (pzstd, zstd:chunked): so each frame gets a decoder of its own.
 */
async function* nativeZstdChunks(input: AsyncIterable<Buffer>, createDecoder: ZstdFactory): AsyncGenerator<Buffer> {
  const budget = new FrameSetupBudget();
  const pieces = zstdPieces(budget.counting(input));
  try {
    for (let next = await pieces.next(); !next.done; next = await pieces.next()) {
      yield* throughTransform(oneFrame(next.value, pieces, budget), createDecoder(), 'zstd');
    }
  } finally {
    await pieces.return(undefined);
  }
}

/**
 * What zstd frames have asked decoders to set aside, frame after frame, against the compressed
 * bytes read: a frame is refused before it is decoded when its ask would bring the total past
 * FRAME_SETUP_BASE plus FRAME_SETUP_RATIO bytes per byte read. Each ask is memory set aside anew
 * (fzstd zeroes it; Node's decoder is created for each frame), so the total is time, not memory.
 */
class FrameSetupBudget {
  private asked = 0;
  private read = 0;

  /** Passes `input` through, counting its bytes as read. */
  async *counting(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of input) {
      this.read += chunk.length;
      yield chunk;
    }
  }

  get bytesRead(): number {
    return this.read;
  }

  ask(bytes: number): void {
    this.asked += bytes;
    if (this.asked > FRAME_SETUP_BASE + FRAME_SETUP_RATIO * this.read) {
      throw tooCostly(
        `ask decoders to set aside ${mebibytes(this.asked)}, one frame after another, for ${this.read.toLocaleString('en-US')} bytes read`,
      );
    }
  }
}

/** libzstd's default limit (windowLog 27), which Node's decoder also applies. */
const MAX_WINDOW_SIZE = 128 * 1024 * 1024;
/**
 * Memory set aside for frames: two of the largest windows plus 1024 bytes per compressed byte read.
 * podman's zstd:chunked layers (a frame per chunk, many with a 32 MiB window) ask for 60 to 180 per
 * byte and never need the two windows; a layer of 19-byte frames each asking for 128 MiB, for
 * 7 million.
 */
const FRAME_SETUP_BASE = 2 * MAX_WINDOW_SIZE;
const FRAME_SETUP_RATIO = 1024;
/**
 * fzstd's window copies: 1 GiB (about a second) plus 1024 bytes per compressed byte read, which a
 * layer of ordinary content never reaches (an 8 MiB window over blocks of 40 KiB is 200; podman's
 * zstd:chunked layers, 140 to 450).
 */
const FZSTD_COPY_BASE = 1024 * 1024 * 1024;
const FZSTD_COPY_RATIO = 1024;

function tooCostly(what: string): CoreError {
  return new CoreError(
    'LAYER_TOO_COSTLY',
    `The layer's zstd frames ${what}, far more than any encoder needs: it was built to exhaust memory or is damaged, so it is not listed; if you trust the image, pull it and read the layer with tar.`,
  );
}

function mebibytes(bytes: number): string {
  return `${Math.round(bytes / 1048576).toLocaleString('en-US')} MiB`;
}

/** The pieces of zstd frames, skippable frames left out; throws LAYER_TRUNCATED if the input stops mid-frame. */
async function* zstdPieces(input: AsyncIterable<Buffer>): AsyncGenerator<ZstdPiece> {
  const cutter = new ZstdCutter();
  for await (const chunk of input) {
    for (const piece of cutter.split(chunk)) if (!piece.skippable) yield piece;
  }
  cutter.finish();
}

/** The bytes of the frame that starts with `first`, read from `pieces` up to the frame's end. */
async function* oneFrame(first: ZstdPiece, pieces: AsyncIterator<ZstdPiece>, budget: FrameSetupBudget): AsyncGenerator<Buffer> {
  for (let piece = first; ;) {
    if (piece.decoderMemory !== undefined) budget.ask(piece.decoderMemory);
    yield piece.bytes;
    if (piece.endsFrame) return;
    const next = await pieces.next();
    if (next.done) return;
    piece = next.value;
  }
}

/** Runs `input` through a zlib transform; the transform's own back-pressure bounds its output. */
async function* throughTransform(input: AsyncIterable<Buffer>, transform: Transform, format: CompressedFormat): AsyncGenerator<Buffer> {
  pipeline(Readable.from(input, { objectMode: false }), transform, () => {
    // Errors surface through the iteration below.
  });
  try {
    for await (const chunk of transform) yield chunk as Buffer;
  } catch (err) {
    throw decodeError(err, format);
  } finally {
    transform.destroy();
  }
}

function decodeError(err: unknown, format: CompressedFormat): CoreError {
  if (err instanceof CoreError) return err;
  const code = (err as { code?: unknown } | undefined)?.code;
  if (code === 'Z_BUF_ERROR') return truncated(format);
  const detail = err instanceof Error ? err.message : String(err);
  return corrupt(format, detail);
}

export function truncated(format: CompressedFormat): CoreError {
  return new CoreError('LAYER_TRUNCATED', `The layer's ${format} data ends before its end; the download was cut short, so try again.`);
}

export function corrupt(format: CompressedFormat, detail: string): CoreError {
  return new CoreError('LAYER_CORRUPT', `The layer's ${format} data is corrupt (${detail}); the blob is damaged, so push the image again.`);
}

/** fzstd's error code for input that stops mid-frame. */
const FZSTD_UNEXPECTED_EOF = 5;

/**
 * What one batch sent to fzstd's thread may hold: blocks that decode to at most 1 MiB (so at most
 * 2 MiB come back, counting a block begun in the batch before), and 256 KiB of compressed bytes.
 * Batches keep the hand-offs between threads few (a block header is a piece of 3 bytes).
 */
const BATCH_OUTPUT_BOUND = 1024 * 1024;
const BATCH_INPUT_BYTES = 256 * 1024;
/** Batches sent ahead of the one whose blocks are being read: so output in flight stays a few MiB. */
const BATCHES_IN_FLIGHT = 1;

/**
 * Decompresses zstd with fzstd, in its own thread (zstd-thread.ts), so a stream that sends it into
 * a loop never holds this thread's event loop. It is fed piece by piece: fzstd decodes every
 * complete block it is given at once, so feeding it whole network chunks could expand a tiny chunk
 * into gigabytes; a piece completes at most one block (at most 128 KiB of output), and the budgets
 * below are kept here, before a piece is sent.
 */
export async function* fzstdChunks(input: AsyncIterable<Buffer>, thread: ZstdThread = sharedZstdThread()): AsyncGenerator<Buffer> {
  const budget = new FrameSetupBudget();
  const session = thread.session();
  // Batches sent and not yet read back, oldest first: the thread decodes the next while the blocks
  // of the one before are read here.
  const inFlight: Promise<Uint8Array[]>[] = [];
  let batch: Buffer[] = [];
  let batchOutput = 0;
  let batchBytes = 0;
  const send = (final: boolean): void => {
    const answer = session.decode(batch, final);
    // Read in turn below; a failure that arrives after this layer was given up is nobody's to report.
    answer.catch(() => undefined);
    inFlight.push(answer);
    batch = [];
    batchOutput = batchBytes = 0;
  };
  async function* readBack(): AsyncGenerator<Buffer> {
    let blocks: Uint8Array[];
    try {
      blocks = await inFlight.shift()!;
    } catch (err) {
      if (!(err instanceof ZstdDecodeError)) throw err;
      throw err.fzstdCode === FZSTD_UNEXPECTED_EOF ? truncated('zstd') : corrupt('zstd', err.message);
    }
    // Each block is memory of its own, moved from the thread: yielding it without a copy is safe.
    for (const block of blocks) yield asBuffer(block);
  }
  try {
    let window = 0;
    let copied = 0;
    for await (const piece of withFittedWindows(zstdPieces(budget.counting(input)))) {
      // fzstd sets aside (and zeroes) the window its frame header declares, for every frame.
      if (piece.window !== undefined) budget.ask((window = piece.window));
      if (piece.startsBlock) {
        copied += window;
        const read = budget.bytesRead;
        if (copied > FZSTD_COPY_BASE + FZSTD_COPY_RATIO * read)
          throw tooCostly(`make fzstd copy ${mebibytes(copied)} of its window for ${read.toLocaleString('en-US')} bytes read`);
        const bound = piece.blockOutputBound ?? 0;
        if (batch.length > 0 && batchOutput + bound > BATCH_OUTPUT_BOUND) send(false);
        batchOutput += bound;
      }
      batch.push(piece.bytes);
      batchBytes += piece.bytes.length;
      if (batchBytes >= BATCH_INPUT_BYTES) send(false);
      while (inFlight.length > BATCHES_IN_FLIGHT) yield* readBack();
    }
    send(true);
    while (inFlight.length > 0) yield* readBack();
  } finally {
    session.close();
  }
}

/**
 * How far into a frame fzstd's path reads before decoding it, to learn how much the frame can
 * decode to: 8 MiB of compressed bytes (zstd:chunked frames hold a chunk of a file, a few hundred
 * KiB) or 16,384 pieces (a frame of empty blocks would otherwise be held 3 bytes a piece).
 */
const FRAME_LOOKAHEAD_BYTES = 8 * 1024 * 1024;
const FRAME_LOOKAHEAD_PIECES = 16 * 1024;

/**
 * The pieces of zstd frames, each frame whose end comes within the lookahead with its header
 * rewritten to declare as window the most its blocks can decode to, when that is less than the
 * window declared. fzstd allocates and zeroes the declared window for each frame and copies all of
 * it for each block, though no match can reach back past the frame's start: a window as large as
 * the frame's output gives every valid match the same bytes, and the same output, for a cost that
 * follows the frame instead of its header. Frames whose end is further keep their header.
 */
async function* withFittedWindows(pieces: AsyncIterable<ZstdPiece>): AsyncGenerator<ZstdPiece> {
  const iterator = pieces[Symbol.asyncIterator]();
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      const header = next.value;
      if (header.window === undefined) {
        yield header;
        continue;
      }
      const ahead: ZstdPiece[] = [];
      let aheadBytes = 0;
      let outputBound = 0;
      let ended = false;
      while (!ended && outputBound < header.window && aheadBytes < FRAME_LOOKAHEAD_BYTES && ahead.length < FRAME_LOOKAHEAD_PIECES) {
        const piece = await iterator.next();
        // zstdPieces throws LAYER_TRUNCATED rather than ending inside a frame.
        if (piece.done) break;
        ahead.push(piece.value);
        aheadBytes += piece.value.bytes.length;
        outputBound += piece.value.blockOutputBound ?? 0;
        ended = piece.value.endsFrame;
      }
      yield ended && outputBound < header.window ? withWindow(header, outputBound) : header;
      yield* ahead;
    }
  } finally {
    await iterator.return?.(undefined);
  }
}

/**
 * A frame header piece rewritten as a single-segment header whose content size, and so window, is
 * `window`; the checksum and dictionary flags and the dictionary ID are kept (RFC 8878 §3.1.1.1).
 */
function withWindow(header: ZstdPiece, window: number): ZstdPiece {
  const descriptor = header.bytes[0]!;
  const dictionaryBytes = [0, 1, 2, 4][descriptor & 3]!;
  const dictionaryAt = descriptor & 0x20 ? 1 : 2;
  const bytes = Buffer.alloc(1 + dictionaryBytes + 4);
  // Frame_Content_Size_Flag 2 (4 bytes), Single_Segment_Flag, then the checksum and dictionary flags as they were.
  bytes[0] = 0x80 | 0x20 | (descriptor & 0x07);
  header.bytes.copy(bytes, 1, dictionaryAt, dictionaryAt + dictionaryBytes);
  bytes.writeUInt32LE(window, 1 + dictionaryBytes);
  return { ...header, bytes, window };
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** The largest block content the format allows (RFC 8878 §3.1.1.2.3). */
const MAX_BLOCK_SIZE = 128 * 1024;

type CutterState = 'magic' | 'frame-header' | 'block-header' | 'block-body' | 'checksum' | 'skippable-size' | 'skippable-body';

/** Consecutive bytes of a zstd stream that complete at most one block. */
export interface ZstdPiece {
  bytes: Buffer;
  /** Part of a skippable frame (metadata that decoders ignore). */
  skippable: boolean;
  /** The last bytes of a frame. */
  endsFrame: boolean;
  /** On the piece that completes a frame's header: what a decoder sets aside for the frame (its declared size, else its window). */
  decoderMemory?: number;
  /** On the same piece: the frame's window (a single-segment frame's is its size). */
  window?: number;
  /** A block's header: a new block starts with this piece. */
  startsBlock?: boolean;
  /** On the same piece: the most bytes the block can decode to (its size if stored or RLE, else the block maximum). */
  blockOutputBound?: number;
}

/**
 * Follows the frame and block structure of a zstd stream (RFC 8878) without decoding it, so the
 * stream can be cut after each block and each frame. It also refuses what would make a decoder
 * allocate without bound: windows over 128 MiB and blocks over the format's 128 KiB.
 */
export class ZstdCutter {
  private state: CutterState = 'magic';
  private header: number[] = [];
  private headerLength = 4;
  private remaining = 0;
  private lastBlock = false;
  private hasChecksum = false;
  private frameMemory: number | undefined;
  private frameWindow: number | undefined;
  private blockOutputBound = 0;
  private frameContentSize: number | undefined;
  /** The most bytes the frame's blocks so far can decode to. */
  private frameOutputBound = 0;

  split(chunk: Buffer): ZstdPiece[] {
    const pieces: ZstdPiece[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.inBody()) {
        const take = Math.min(this.remaining, chunk.length - i);
        const skippable = this.state === 'skippable-body';
        this.remaining -= take;
        pieces.push({ bytes: chunk.subarray(i, i + take), skippable, endsFrame: this.remaining === 0 && this.endBody() });
        i += take;
      } else {
        const take = Math.min(this.headerLength - this.header.length, chunk.length - i);
        for (let j = i; j < i + take; j++) this.header.push(chunk[j]!);
        i += take;
        if (this.header.length === this.headerLength) {
          const piece = this.endHeader();
          if (piece) pieces.push(piece);
        }
      }
    }
    return pieces;
  }

  /** Throws LAYER_TRUNCATED unless the stream stopped between frames. */
  finish(): void {
    if (this.state !== 'magic' || this.header.length > 0) throw truncated('zstd');
  }

  private inBody(): boolean {
    return this.state === 'block-body' || this.state === 'checksum' || this.state === 'skippable-body';
  }

  private expectHeader(state: CutterState, length: number): void {
    this.state = state;
    this.header = [];
    this.headerLength = length;
  }

  /** Enters a body; an empty one ends at once, and true says that ended the frame. */
  private expectBody(state: CutterState, length: number): boolean {
    this.state = state;
    this.remaining = length;
    return length === 0 && this.endBody();
  }

  /** A complete header becomes a piece of its own; undefined while the frame header is still growing. */
  private endHeader(): ZstdPiece | undefined {
    const bytes = Buffer.from(this.header);
    const state = this.state;
    let endsFrame = false;
    if (state === 'magic') this.readMagic(bytes.readUInt32LE(0));
    else if (state === 'frame-header' && !this.readFrameHeader(bytes)) return undefined;
    else if (state === 'block-header') endsFrame = this.readBlockHeader(bytes.readUIntLE(0, 3));
    else if (state === 'skippable-size') endsFrame = this.expectBody('skippable-body', bytes.readUInt32LE(0));
    const skippable = state === 'skippable-size' || this.state === 'skippable-size';
    if (state === 'frame-header') return { bytes, skippable, endsFrame, decoderMemory: this.frameMemory!, window: this.frameWindow! };
    if (state === 'block-header') return { bytes, skippable, endsFrame, startsBlock: true, blockOutputBound: this.blockOutputBound };
    return { bytes, skippable, endsFrame };
  }

  private readMagic(magic: number): void {
    if (magic === ZSTD_MAGIC) return this.expectHeader('frame-header', 1);
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) return this.expectHeader('skippable-size', 4);
    throw corrupt('zstd', 'a frame does not start with the zstd magic number');
  }

  /** The descriptor byte says how long the rest of the frame header is; false until all of it is read. */
  private readFrameHeader(bytes: Buffer): boolean {
    const descriptor = bytes[0]!;
    const singleSegment = (descriptor & 0x20) !== 0;
    const contentSizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][descriptor >> 6]!;
    const dictionaryBytes = [0, 1, 2, 4][descriptor & 3]!;
    const length = 1 + (singleSegment ? 0 : 1) + dictionaryBytes + contentSizeBytes;
    if (bytes.length < length) {
      this.headerLength = length;
      return false;
    }
    if (descriptor & 0x08) throw corrupt('zstd', 'a frame header sets a reserved bit');
    const declared = contentSizeBytes > 0 ? contentSize(bytes.subarray(length - contentSizeBytes)) : undefined;
    const window = singleSegment ? declared! : windowSize(bytes[1]!);
    if (window > MAX_WINDOW_SIZE) throw corrupt('zstd', 'a frame needs a window larger than 128 MiB');
    // A declared size (other than 0) is what decoders set aside; else the window.
    this.frameMemory = declared ? Math.min(declared, window) : window;
    this.frameWindow = window;
    this.frameContentSize = declared;
    this.frameOutputBound = 0;
    this.hasChecksum = (descriptor & 0x04) !== 0;
    this.expectHeader('block-header', 3);
    return true;
  }

  private readBlockHeader(header: number): boolean {
    this.lastBlock = (header & 1) === 1;
    const type = (header >> 1) & 3;
    const size = header >>> 3;
    if (type === 3) throw corrupt('zstd', 'a block has the reserved type');
    if (size > MAX_BLOCK_SIZE) throw corrupt('zstd', 'a block is larger than 128 KiB');
    // Block_Maximum_Size is the window or 128 KiB, whichever is smaller (RFC 8878 §3.1.1.2.4).
    this.blockOutputBound = type === 2 ? Math.min(MAX_BLOCK_SIZE, this.frameWindow!) : size;
    this.frameOutputBound += this.blockOutputBound;
    // An RLE block (type 1) stores one byte that is repeated `size` times.
    return this.expectBody('block-body', type === 1 ? 1 : size);
  }

  /** Moves past a finished body; true when that ended a frame. */
  private endBody(): boolean {
    if (this.state === 'block-body' && !this.lastBlock) {
      this.expectHeader('block-header', 3);
      return false;
    }
    if (this.state === 'block-body' && this.hasChecksum) {
      this.expectBody('checksum', 4);
      return false;
    }
    // A frame's blocks must hold the content size it declared; a decoder would set that much aside.
    if (this.state !== 'skippable-body' && this.frameContentSize !== undefined && this.frameOutputBound < this.frameContentSize) {
      throw corrupt(
        'zstd',
        `a frame declares ${this.frameContentSize.toLocaleString('en-US')} bytes of content, more than its blocks can hold`,
      );
    }
    this.expectHeader('magic', 4);
    return true;
  }
}

function windowSize(descriptor: number): number {
  const base = 2 ** (10 + (descriptor >> 3));
  return base + (base / 8) * (descriptor & 7);
}

/** Frame_Content_Size: 1 (single segment only), 2 (plus 256), 4 or 8 little-endian bytes. */
function contentSize(field: Buffer): number {
  switch (field.length) {
    case 1:
      return field[0]!;
    case 2:
      return field.readUInt16LE(0) + 256;
    case 4:
      return field.readUInt32LE(0);
    default:
      return Number(field.readBigUInt64LE(0));
  }
}
