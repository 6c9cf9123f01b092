/**
 * The thread that runs fzstd, the pure-JavaScript zstd decoder used where Node has none of its own
 * (before 22.15). A decoder fed a registry's bytes can be sent into a loop (fzstd 0.1.1 was, by one
 * flipped bit): here that stops this thread, which the main side ends after a while, instead of the
 * extension host's event loop. The main side (zstd-thread.ts) sends each layer's compressed bytes as
 * batches of pieces, each piece completing at most one block, and gets back the blocks decoded.
 *
 * This file is a worker's entry: it imports nothing of the project, only Node and fzstd, so it can
 * be bundled and loaded on its own.
 */
import { parentPort } from 'node:worker_threads';
import { Decompress } from 'fzstd';

/** One batch of a layer's pieces: `bytes` cut at `ends`; `final` after the last piece of the layer. */
export interface ZstdBatch {
  session: number;
  bytes: Uint8Array;
  ends: number[];
  final: boolean;
}

/** The layer's decoder is no longer needed (finished, failed or abandoned). */
export interface ZstdClose {
  session: number;
  close: true;
}

export type ZstdRequest = ZstdBatch | ZstdClose;

export type ZstdReply =
  | { session: number; blocks: Uint8Array[] }
  | { session: number; error: { code?: number; message: string } }
  /** Sent once, when this script and fzstd have loaded: a failure before it is the thread's, not a layer's. */
  | { ready: true };

interface LayerDecoder {
  decompress: Decompress;
  blocks: Uint8Array[];
}

const port = parentPort;
if (!port) throw new Error('zstd-worker.js runs as a worker thread only.');

const decoders = new Map<number, LayerDecoder>();
/** Why a layer's decoder failed: batches of it already sent get the same answer, not a new decoder. */
const failures = new Map<number, ZstdReply>();

port.on('message', (request: ZstdRequest) => {
  if ('close' in request) {
    decoders.delete(request.session);
    failures.delete(request.session);
    return;
  }
  const failure = failures.get(request.session);
  if (failure) {
    port.postMessage(failure);
    return;
  }
  const decoder = decoders.get(request.session) ?? opened(request.session);
  try {
    let start = 0;
    // One piece at a time: fzstd decodes every complete block it is given at once.
    for (const end of request.ends) {
      decoder.decompress.push(request.bytes.subarray(start, end), false);
      start = end;
    }
    if (request.final) decoder.decompress.push(new Uint8Array(0), true);
  } catch (err) {
    decoders.delete(request.session);
    const { code, message } = err as { code?: unknown; message?: unknown };
    const reply: ZstdReply = {
      session: request.session,
      error: { code: typeof code === 'number' ? code : undefined, message: String(message ?? err) },
    };
    failures.set(request.session, reply);
    port.postMessage(reply);
    return;
  }
  const blocks = decoder.blocks.splice(0);
  // fzstd makes a new array for every block and keeps none of them after push returns, so their
  // memory can move to the main thread without a copy.
  port.postMessage({ session: request.session, blocks } satisfies ZstdReply, distinctBuffers(blocks));
});

port.postMessage({ ready: true } satisfies ZstdReply);

function opened(session: number): LayerDecoder {
  const blocks: Uint8Array[] = [];
  const decompress = new Decompress((data) => {
    if (data.length > 0) blocks.push(data);
  });
  const decoder = { decompress, blocks };
  decoders.set(session, decoder);
  return decoder;
}

function distinctBuffers(blocks: Uint8Array[]): ArrayBuffer[] {
  return [...new Set(blocks.map((block) => block.buffer as ArrayBuffer))];
}
