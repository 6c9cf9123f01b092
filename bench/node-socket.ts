// The floor of a Node.js client, measured beside ours: the same blobs moved by a Node process that
// does only what a transfer must do, on plain sockets. Every socket read lands in one of a few
// buffers that are reused once their bytes are written (net's `onread`), so nothing is allocated per
// read and no HTTP library parses the body. A pull GETs each blob, hashes it and writes it to a file;
// a copy GETs each blob from the source, hashes it and writes it into the target's upload (PUT).
// What ours spends above this side is our stack's (undici, Node's streams and per-read buffers, our
// code); what this side spends above curl is Node's own.
// Usage: node out/bench/node-socket.js '<NodeSocketJob as JSON>'; prints {"ms": …} and exits.
// It speaks just enough HTTP/1.1 for the bench's loopback registries (a 200 or 201 with a
// Content-Length) and fails on anything else: a yardstick, not a client.
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';

export interface BlobJob {
  /** `http://127.0.0.1:PORT/v2/REPO/blobs/DIGEST` on the source. */
  url: string;
  digest: string;
  size: number;
  /** Pull: the file to write the blob into. */
  file?: string;
  /** Copy: the upload session's URL with `digest=` (opened before the timer starts, as curl's are). */
  putUrl?: string;
}

export interface NodeSocketJob {
  blobs: BlobJob[];
  /** Blobs in flight at once, as ours. */
  concurrency: number;
}

/** Node reads at most 64 KiB at a time; 16 buffers per blob keep the socket busy while a write is out. */
const SLOT_BYTES = 64 * 1024;
const SLOTS_PER_BLOB = 16;
const MAX_HEAD_BYTES = 16 * 1024;

/** Where a blob's bytes go after hashing; `release` is called once they are written. */
interface Sink {
  write(bytes: Buffer, release: () => void): void;
  /** Every byte was handed to write(): resolves once all are written and the target accepted them. */
  finish(): Promise<void>;
}

function loopback(url: URL): void {
  if (url.hostname !== '127.0.0.1') throw new Error(`the bench only talks to 127.0.0.1, not ${url.href}`);
}

/** The status code and Content-Length of a response head, or an error for anything the bench's registries never send. */
function parseHead(head: string, expected: number): number {
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(head);
  if (!status || Number(status[1]) !== expected) throw new Error(`expected ${expected}, got: ${head.split('\r\n')[0]}`);
  if (/\r\ntransfer-encoding:/i.test(head)) throw new Error('a chunked body: not spoken here');
  const length = /\r\ncontent-length:\s*(\d+)\r?(?:\n|$)/i.exec(head);
  if (!length) throw new Error('no Content-Length');
  return Number(length[1]);
}

/**
 * GETs one blob into `sink`, hashing every byte. Reads go into a fixed set of buffers: the socket
 * pauses when none is free and resumes when the sink releases one.
 */
function getInto(job: BlobJob, sink: Sink): Promise<void> {
  const url = new URL(job.url);
  loopback(url);
  const free: Buffer[] = Array.from({ length: SLOTS_PER_BLOB }, () => Buffer.allocUnsafeSlow(SLOT_BYTES));
  const hash: Hash = createHash('sha256');
  let head: Buffer | undefined = Buffer.alloc(0);
  let remaining = -1;
  let paused = false;
  return new Promise<void>((resolve, reject) => {
    const fail = (err: unknown): void => {
      socket.destroy();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    const body = (bytes: Buffer, slot: Buffer | undefined): void => {
      hash.update(bytes);
      remaining -= bytes.length;
      if (remaining < 0) return fail(new Error(`${job.digest}: more bytes than announced`));
      sink.write(bytes, () => {
        if (slot) free.push(slot);
        if (paused && free.length > 1) {
          paused = false;
          socket.resume();
        }
      });
      if (remaining === 0) {
        const digest = `sha256:${hash.digest('hex')}`;
        if (digest !== job.digest) return fail(new Error(`${job.digest}: the bytes hash to ${digest}`));
        socket.destroy();
        sink.finish().then(resolve, reject);
      }
    };
    const socket: Socket = connect({
      host: url.hostname,
      port: Number(url.port),
      onread: {
        // Called for each read; a slot is always free here, as reading pauses before the last is taken.
        buffer: () => free.pop() ?? Buffer.allocUnsafeSlow(SLOT_BYTES),
        callback: (read: number, slot: Buffer): boolean => {
          try {
            if (head) {
              // The head is small and comes once: gathered by copying, the body's start handed on as a copy.
              head = Buffer.concat([head, slot.subarray(0, read)]);
              free.push(slot);
              const end = head.indexOf('\r\n\r\n');
              if (end < 0) {
                if (head.length > MAX_HEAD_BYTES) fail(new Error('a response head over 16 KiB'));
                return true;
              }
              remaining = parseHead(head.subarray(0, end).toString('latin1'), 200);
              if (remaining !== job.size) throw new Error(`${job.digest}: ${remaining} bytes announced, ${job.size} expected`);
              const start = Buffer.from(head.subarray(end + 4));
              head = undefined;
              if (start.length) body(start, undefined);
            } else body(slot.subarray(0, read), slot);
          } catch (err) {
            fail(err);
            return false;
          }
          if (free.length <= 1) paused = true;
          return !paused;
        },
      },
    });
    socket.once('connect', () =>
      socket.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`),
    );
    socket.once('error', fail);
    socket.once('end', () => {
      if (remaining !== 0) fail(new Error(`${job.digest}: the source closed the connection ${remaining} bytes short`));
    });
  });
}

/** A file written in order, a batch of chunks per call, one call at a time (as a write stream does). */
class FileSink implements Sink {
  private readonly pending: { bytes: Buffer; release: () => void }[] = [];
  private writing: Promise<void> | undefined;
  private position = 0;

  private constructor(private readonly file: FileHandle) {}

  static async open(path: string): Promise<FileSink> {
    return new FileSink(await open(path, 'w'));
  }

  write(bytes: Buffer, release: () => void): void {
    this.pending.push({ bytes, release });
    this.writing ??= this.drain();
  }

  private async drain(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending.splice(0);
      const { bytesWritten } = await this.file.writev(
        batch.map((p) => p.bytes),
        this.position,
      );
      this.position += bytesWritten;
      for (const p of batch) p.release();
    }
    this.writing = undefined;
  }

  async finish(): Promise<void> {
    while (this.writing) await this.writing;
    await this.file.close();
  }
}

/** The body of a monolithic upload PUT, sent as it arrives; resolves when the target answers 201. */
class UploadSink implements Sink {
  private readonly socket: Socket;
  private readonly answered: Promise<void>;

  constructor(putUrl: string, size: number) {
    const url = new URL(putUrl);
    loopback(url);
    this.socket = connect({ host: url.hostname, port: Number(url.port) });
    this.socket.write(
      `PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/octet-stream\r\n` +
        `Content-Length: ${size}\r\nConnection: close\r\n\r\n`,
    );
    this.answered = new Promise<void>((resolve, reject) => {
      let answer = '';
      this.socket.setEncoding('latin1');
      this.socket.on('data', (text: string) => (answer += text));
      this.socket.once('error', reject);
      this.socket.once('end', () => {
        try {
          parseHead(answer, 201);
          resolve();
        } catch (err) {
          reject(err);
        }
      });
    });
  }

  write(bytes: Buffer, release: () => void): void {
    this.socket.write(bytes, () => release());
  }

  finish(): Promise<void> {
    return this.answered;
  }
}

async function moveBlob(job: BlobJob): Promise<void> {
  if (job.file) return getInto(job, await FileSink.open(job.file));
  if (job.putUrl) return getInto(job, new UploadSink(job.putUrl, job.size));
  throw new Error(`${job.digest}: neither a file nor an upload to write to`);
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as NodeSocketJob;
  const started = performance.now();
  const queue = [...job.blobs];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) await moveBlob(next);
  };
  await Promise.all(Array.from({ length: Math.min(job.concurrency, job.blobs.length) }, worker));
  process.stdout.write(`${JSON.stringify({ ms: performance.now() - started })}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
