// Plain HTTP to the bench's loopback registries: small requests with fetch, big bytes with curl
// (the physical limit the benchmark compares against).
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** fetch, refused for anything but 127.0.0.1: the bench never leaves loopback. */
export function registryFetch(url: string, init: RequestInit = {}): Promise<Response> {
  if (new URL(url).hostname !== '127.0.0.1') throw new Error(`the bench only talks to 127.0.0.1, not ${url}`);
  return fetch(url, init);
}

/** POST an upload session; returns the absolute URL to PUT the bytes to (without the digest yet). */
export async function startUpload(registryUrl: string, repository: string): Promise<URL> {
  const res = await registryFetch(`${registryUrl}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers: { 'content-length': '0' } });
  await res.arrayBuffer();
  const location = res.headers.get('location');
  if (res.status !== 202 || !location)
    throw new Error(`POST upload to ${registryUrl}/${repository} answered ${res.status} without a Location`);
  return new URL(location, registryUrl);
}

/** The session URL with `digest=` added: PUT to it finishes a monolithic upload. */
export function finishUrl(session: URL, digest: string): string {
  const url = new URL(session.href);
  url.searchParams.set('digest', digest);
  return url.href;
}

/** curl flags for one monolithic PUT of a file. `Expect:` off so curl never waits for 100-continue. */
export function putArgs(url: string, file: string): string[] {
  return ['-sSf', '-H', 'Expect:', '-H', 'Content-Type: application/octet-stream', '-T', file, url];
}

export function getArgs(url: string): string[] {
  return ['-sSf', '-o', '/dev/null', url];
}

/** One entry of a `curl --parallel -K` config: a GET to /dev/null, or a PUT of a file. */
export type ParallelTransfer = { url: string; upload?: string };

/** Writes a curl config file with one block per transfer, separated by `next` so options never mix. */
export async function writeParallelConfig(path: string, transfers: readonly ParallelTransfer[]): Promise<void> {
  const blocks = transfers.map((t) => {
    const lines = ['silent', 'show-error', 'fail', `url = "${t.url}"`];
    if (t.upload) lines.push(`upload-file = "${t.upload}"`, 'header = "Expect:"', 'header = "Content-Type: application/octet-stream"');
    else lines.push('output = "/dev/null"');
    return lines.join('\n');
  });
  await writeFile(path, `${blocks.join('\nnext\n')}\n`);
}

export function parallelArgs(configPath: string, max: number): string[] {
  return ['--parallel', '--parallel-max', String(max), '-K', configPath];
}

/** Setup only (not measured): uploads a file as a blob with POST + one curl PUT. */
export async function curlUpload(registryUrl: string, repository: string, blob: { path: string; digest: string }): Promise<void> {
  const session = await startUpload(registryUrl, repository);
  await execFileAsync('curl', putArgs(finishUrl(session, blob.digest), blob.path), { maxBuffer: 1024 * 1024 });
}

/**
 * The script of the pull limit with the digest checked: `curl URL | tee FILE | sha256sum`, as a
 * person would fetch and check a blob by hand (pipefail: a failed curl fails the line).
 */
export const FETCH_AND_HASH_SCRIPT = 'set -o pipefail\ncurl -sSf "$1" | tee "$2" | sha256sum\n';

/**
 * Command line for the pull limit: one fetch-and-hash line per blob, `max` at once (xargs -P reads
 * URL FILE pairs from `listPath`). Each line prints "<hex>  -" for the caller to check.
 */
export function hashedGetArgs(scriptPath: string, listPath: string, max: number): string[] {
  return ['-a', listPath, '-P', String(max), '-n', '2', 'bash', scriptPath];
}

/**
 * The copy limit with a source: each layer streamed from the source registry into the target's
 * upload session by two curls, `curl GET | curl PUT` (the size sent as Content-Length, as a client
 * that knows the descriptor does; pipefail: a failed GET fails the line). Arguments: the blob's URL
 * on the source, the session's URL with `digest=`, the size.
 */
export const RELAY_SCRIPT =
  'set -o pipefail\n' +
  'curl -sSf "$1" | curl -sSf -X PUT -H "Expect:" -H "Transfer-Encoding:" -H "Content-Type: application/octet-stream" -H "Content-Length: $3" -T - "$2"\n';

/** Command line for the copy limit with a source: one relay line per blob, `max` at once (SRC PUT SIZE triples in `listPath`). */
export function relayArgs(scriptPath: string, listPath: string, max: number): string[] {
  return ['-a', listPath, '-P', String(max), '-n', '3', 'bash', scriptPath];
}

/**
 * The file write every pull pays, alone: `dd` of zeros into a new file of each layer's size (32 KiB
 * writes, nothing read from the network, nothing hashed), as many at once as the pull. Arguments:
 * the file, the size in bytes.
 */
export const FILE_WRITE_SCRIPT = 'dd if=/dev/zero of="$1" bs=32K count="$2" iflag=count_bytes status=none\n';

/** Command line for the file write: one dd per layer, `max` at once (FILE SIZE pairs in `listPath`). */
export function fileWriteArgs(scriptPath: string, listPath: string, max: number): string[] {
  return ['-a', listPath, '-P', String(max), '-n', '2', 'bash', scriptPath];
}
