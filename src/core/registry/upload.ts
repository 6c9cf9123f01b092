/**
 * The blob upload protocol: open a session (POST), then either one monolithic PUT of the whole
 * stream, or chunked PATCHes with Content-Range and a closing PUT. Monolithic is the fast path
 * (one request, the registry hashes as it writes); chunks are for registries or proxies that cap
 * request bodies (413) or when the user asks for them. A failed session is cancelled.
 */
import type { Readable } from 'node:stream';
import { scopesFor } from '../auth/scope';
import { header, type EndpointClient } from './endpoint-client';
import { errorBodyText } from '../transport/read-body';
import { CoreError } from '../errors';
import type { Descriptor } from '../oci/manifest';
import { refusedElsewhere, registryErrorFor } from './registry-errors';
import type { HttpResponse } from '../transport/http';
import { requireRegistryUrl } from '../transport/url-policy';

export interface UploadOptions {
  /** Bytes per PATCH; 0 or absent means one monolithic PUT. Raised to the registry's OCI-Chunk-Min-Length within bounds (chunkSizeFor). */
  chunkSize?: number;
  signal?: AbortSignal;
}

/** A chunked upload's default chunk when a 413 forced chunks and the user set none. */
export const DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;

/**
 * The largest OCI-Chunk-Min-Length honoured. Each chunk is held in memory until the registry
 * confirms it (to resend it after a 416), so the registry's minimum is memory the client spends:
 * registries ask for a few MiB at most, and one asking for more (10^13 bytes was seen) would have a
 * whole blob buffered. Above this the upload fails unless the whole blob fits in one such chunk.
 */
export const MAX_HONOURED_MIN_CHUNK = 64 * 1024 * 1024;

/** The largest chunk ever sent, whatever was asked: far below the 4 GiB a Buffer can hold. */
export const MAX_CHUNK_SIZE = 1024 * 1024 * 1024;

/** Times one chunk is re-sent after the registry lost it (416 or a dropped connection). */
const CHUNK_ATTEMPTS = 3;

/**
 * Uploads `content` (which errors if its bytes do not match `descriptor`) as `descriptor.digest`.
 * @throws CoreError `PAYLOAD_TOO_LARGE` when a monolithic PUT was refused for its size: run again
 * with `chunkSize` (the copy engine does this by itself).
 */
export async function uploadBlob(
  endpoint: EndpointClient,
  repository: string,
  descriptor: Descriptor,
  content: Readable,
  options: UploadOptions = {},
): Promise<void> {
  const scopes = scopesFor({ method: 'POST', repository });
  const what = `blob ${descriptor.digest} in ${repository}`;
  const start = await endpoint.send({
    method: 'POST',
    path: `/${repository}/blobs/uploads/`,
    headers: { 'content-length': '0' },
    scopes,
    signal: options.signal,
  });
  if (start.status !== 202) {
    content.destroy();
    throw await failure(endpoint, start, what, scopes);
  }
  await start.body.dump().catch(() => undefined);
  let location: URL;
  try {
    location = locationOf(endpoint, start, what);
  } catch (err) {
    // A session at a refused location is left to expire: cancelling it would mean contacting it.
    content.destroy();
    throw err;
  }
  const minChunk = Math.min(Number(header(start, 'oci-chunk-min-length')) || 0, Number.MAX_SAFE_INTEGER);
  try {
    if (!options.chunkSize) {
      await putMonolithic(endpoint, location, descriptor, content, scopes, what, options.signal);
    } else {
      const chunkSize = chunkSizeFor(options.chunkSize, minChunk, descriptor.size, endpoint.host, what);
      location = await patchChunks(endpoint, location, content, chunkSize, scopes, what, options.signal);
      await finish(endpoint, location, descriptor, scopes, what, options.signal);
    }
  } catch (err) {
    content.destroy();
    await endpoint
      .send({ method: 'DELETE', path: location, scopes, retry: false })
      .then((r) => r.body.dump())
      .catch(() => undefined);
    throw err;
  }
}

/**
 * The chunk to send: the one asked for, raised to the registry's OCI-Chunk-Min-Length when that is
 * at most MAX_HONOURED_MIN_CHUNK, or to a single chunk holding a blob no larger than that (the last
 * chunk may be shorter than the minimum); never over MAX_CHUNK_SIZE.
 * @throws CoreError `UPLOAD_CHUNK_TOO_LARGE` when the registry's minimum would hold more of the blob in memory.
 */
export function chunkSizeFor(asked: number, registryMinimum: number, blobSize: number, host: string, what: string): number {
  const chunk = Math.min(asked, MAX_CHUNK_SIZE);
  if (!(registryMinimum > chunk)) return chunk;
  if (registryMinimum <= MAX_HONOURED_MIN_CHUNK) return registryMinimum;
  if (blobSize <= MAX_HONOURED_MIN_CHUNK) return MAX_HONOURED_MIN_CHUNK;
  throw new CoreError(
    'UPLOAD_CHUNK_TOO_LARGE',
    `${host} asks for upload chunks of at least ${mebibytes(registryMinimum)} (OCI-Chunk-Min-Length), more than the ${mebibytes(MAX_HONOURED_MIN_CHUNK)} this client holds in memory for one chunk, so ${what} (${mebibytes(blobSize)}) was not sent: if chunks were asked for, send it in one request instead; otherwise ask the registry's operator to lower that minimum or to accept larger requests.`,
  );
}

function mebibytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return `${mib >= 10 ? Math.round(mib) : Math.round(mib * 10) / 10} MiB`;
}

async function putMonolithic(
  endpoint: EndpointClient,
  location: URL,
  descriptor: Descriptor,
  content: Readable,
  scopes: string[],
  what: string,
  signal?: AbortSignal,
): Promise<void> {
  let used = false;
  const res = await endpoint.send({
    method: 'PUT',
    path: location,
    query: { digest: descriptor.digest },
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(descriptor.size) },
    // A stream can be sent once; an auth challenge mid-upload surfaces as an error and the caller retries the blob.
    body: () => {
      if (used) throw new CoreError('UPLOAD_NOT_REPLAYABLE', `The upload of ${what} was interrupted and has to start again.`);
      used = true;
      return content;
    },
    scopes,
    signal,
    retry: false,
  });
  if (res.status === 413) {
    await res.body.dump().catch(() => undefined);
    throw new CoreError('PAYLOAD_TOO_LARGE', `${endpoint.host} refused ${what} in one request (HTTP 413): it will be sent in chunks.`);
  }
  if (res.status !== 201 && res.status !== 204) throw await failure(endpoint, res, what, scopes);
  await res.body.dump().catch(() => undefined);
}

/** Sends the stream as PATCHes of `chunkSize` bytes; each chunk is kept until the registry confirms it. */
async function patchChunks(
  endpoint: EndpointClient,
  first: URL,
  content: Readable,
  chunkSize: number,
  scopes: string[],
  what: string,
  signal?: AbortSignal,
): Promise<URL> {
  let location = first;
  let offset = 0;
  for await (const chunk of fixedChunks(content, chunkSize)) {
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse | undefined;
      try {
        res = await endpoint.send({
          method: 'PATCH',
          path: location,
          headers: {
            'content-type': 'application/octet-stream',
            'content-length': String(chunk.length),
            'content-range': `${offset}-${offset + chunk.length - 1}`,
          },
          body: chunk,
          scopes,
          signal,
          retry: false,
        });
      } catch (err) {
        if (signal?.aborted || attempt >= CHUNK_ATTEMPTS || !(err instanceof CoreError) || err.code === 'CANCELLED') throw err;
      }
      if (res && (res.status === 202 || res.status === 201 || res.status === 204)) {
        await res.body.dump().catch(() => undefined);
        location = locationOf(endpoint, res, what, location);
        break;
      }
      if (res && res.status !== 416) throw await failure(endpoint, res, what, scopes);
      await res?.body.dump().catch(() => undefined);
      // 416 or a dropped connection: ask how much the registry has, then resend or move on from
      // the Location it answers (Distribution keeps the upload's state there; the old one is stale).
      const status = await uploadStatus(endpoint, location, scopes, offset, what, signal);
      location = status.location;
      const received = status.received;
      if (received === offset + chunk.length) break;
      if (received !== offset || attempt >= CHUNK_ATTEMPTS) {
        throw new CoreError(
          'UPLOAD_OUT_OF_SYNC',
          `${endpoint.host} has ${received} bytes of ${what} where ${offset} were expected; the upload was cancelled, run it again.`,
        );
      }
    }
    offset += chunk.length;
  }
  return location;
}

async function finish(
  endpoint: EndpointClient,
  location: URL,
  descriptor: Descriptor,
  scopes: string[],
  what: string,
  signal?: AbortSignal,
): Promise<void> {
  const res = await endpoint.send({
    method: 'PUT',
    path: location,
    query: { digest: descriptor.digest },
    headers: { 'content-length': '0' },
    scopes,
    signal,
    retry: false,
  });
  if (res.status !== 201 && res.status !== 204) throw await failure(endpoint, res, what, scopes);
  await res.body.dump().catch(() => undefined);
}

/**
 * `GET <location>` answers 204 with `Range: 0-<last>`: the bytes the registry holds, and in its
 * Location where the upload goes on (the one asked about when it names none).
 */
async function uploadStatus(
  endpoint: EndpointClient,
  location: URL,
  scopes: string[],
  expectedOffset: number,
  what: string,
  signal?: AbortSignal,
): Promise<{ received: number; location: URL }> {
  const res = await endpoint.send({ method: 'GET', path: location, scopes, signal });
  await res.body.dump().catch(() => undefined);
  const range = /^(?:bytes=)?0-(\d+)$/.exec(header(res, 'range') ?? '');
  const answered = res.status === 204 || res.status === 200;
  if (!answered || (!range && header(res, 'range')))
    throw new CoreError(
      'UPLOAD_OUT_OF_SYNC',
      `${endpoint.host} did not say how much of the upload it has (HTTP ${res.status}); run the upload again.`,
    );
  const next = locationOf(endpoint, res, what, location);
  // No Range: nothing arrived. Distribution says "0-0" for an empty upload as well as for one byte; an empty one is what happens.
  if (!range || (range[1] === '0' && expectedOffset === 0)) return { received: 0, location: next };
  return { received: Number(range[1]) + 1, location: next };
}

/** Splits a stream into buffers of exactly `size` bytes (the last may be shorter), reading as needed. */
async function* fixedChunks(stream: Readable, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let held = 0;
  for await (const data of stream as AsyncIterable<Buffer>) {
    let rest = data;
    while (held + rest.length >= size) {
      const take = size - held;
      parts.push(rest.subarray(0, take));
      yield Buffer.concat(parts);
      rest = rest.subarray(take);
      parts = [];
      held = 0;
    }
    if (rest.length > 0) {
      parts.push(rest);
      held += rest.length;
    }
  }
  if (held > 0) yield Buffer.concat(parts);
}

/**
 * The upload URL from Location (relative, schemeless or absolute), its query kept, once the
 * registry URL policy allows it: the bytes and the cancelling DELETE go there.
 */
function locationOf(endpoint: EndpointClient, res: HttpResponse, what: string, previous?: URL): URL {
  const value = header(res, 'location');
  if (!value) {
    if (previous) return previous;
    throw new CoreError(
      'BAD_RESPONSE',
      `${res.url.host} started the upload of ${what} without saying where to send it (no Location header).`,
    );
  }
  return requireRegistryUrl(value, res.url, 'upload-location', endpoint.host, what);
}

async function failure(endpoint: EndpointClient, res: HttpResponse, what: string, scopes: string[]): Promise<CoreError> {
  const text = await errorBodyText(res);
  const elsewhere = refusedElsewhere(res, endpoint.host, `the upload of ${what}`);
  if (elsewhere) return elsewhere;
  if (res.status === 401 || (res.status === 403 && /insufficient_scope/i.test(header(res, 'www-authenticate') ?? '')))
    return endpoint.refusal(res, scopes);
  return registryErrorFor(res.status, text, what, endpoint.host, endpoint.secrets);
}
