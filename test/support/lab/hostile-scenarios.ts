// What a hostile registry does to the client, one scenario at a time: the answers the hostile
// server gives, the client operation run against it, and the outcome expected. Each runs in a
// process of its own (hostile-child.ts), because the failure looked for is the process ending.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { CoreError } from '../../../src/core/errors';
import * as core from '../../../src/core/index';
import { readImageConfig } from '../../../src/core/operations/compare-read';
import { pull } from '../../../src/core/operations/transfer';
import { ContentCache } from '../../../src/common/content-cache';
import type { CoreConfig, RegistrySession } from '../../../src/core/registry/session';
import type { HostileAnswer, HostileBody, HostileRegistry, HostileRoute } from './hostile-registry';

/** The time limits every scenario's session runs with: small, so a stall fails in a second or two. */
export const SCENARIO_LIMITS = {
  requestTimeoutMs: 3_000,
  bodyIdleTimeoutMs: 500,
  documentTimeoutMs: 1_500,
} as const satisfies Partial<CoreConfig>;

export type Expected = { outcome: 'rejected'; code: string } | { outcome: 'resolved'; value?: unknown };

export interface Scenario {
  /** Answers given by the hostile registry (its URL is known only once it runs). */
  routes(server: HostileRegistry): HostileRoute[];
  /** The client operation; what it resolves to is reported (keep it small and JSON-able). */
  run(session: RegistrySession, host: string): Promise<unknown>;
  expect: Expected;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** A one-layer image whose digests are right: the hostile part is only how its bytes are served. */
function image(layerSize: number) {
  const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
  const layer = Buffer.alloc(layerSize, 0x5a);
  const configD = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length };
  const layerD = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer), size: layer.length };
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: configD, layers: [layerD] }));
  return {
    config,
    configD,
    layer,
    layerD,
    manifest,
    manifestD: { mediaType: OCI_MANIFEST, digest: sha256(manifest), size: manifest.length },
  };
}

const sample = image(64 * 1024);

function manifestHeaders(bytes: Buffer): Record<string, string> {
  return { 'content-type': OCI_MANIFEST, 'docker-content-digest': sha256(bytes) };
}

/** Serves `bytes` as manifest `repo:ref` (and by its digest) for HEAD (resolve) and GET, the GET's body as `body` says. */
function manifestRoutes(repo: string, ref: string, bytes: Buffer, body: HostileBody = { kind: 'whole', body: bytes }): HostileRoute[] {
  const path = new RegExp(`^/v2/${repo}/manifests/(${ref}|${sha256(bytes)})$`);
  return [
    { method: 'HEAD', path, answer: { headers: manifestHeaders(bytes), body: { kind: 'whole', body: bytes } } },
    { method: 'GET', path, answer: { headers: manifestHeaders(bytes), body } },
  ];
}

function blobRoute(repo: string, digest: string, body: HostileBody, status = 200): HostileRoute {
  return {
    method: 'GET',
    path: new RegExp(`^/v2/${repo}/blobs/${digest}$`),
    answer: { status, headers: { 'content-type': 'application/octet-stream' }, body },
  };
}

/** `GET /v2/` answered 401 with a Bearer challenge pointing at this server's /token, which answers `token`. */
function tokenRoutes(server: HostileRegistry, token: HostileAnswer): HostileRoute[] {
  return [
    {
      method: 'GET',
      path: /^\/v2\/$/,
      answer: {
        status: 401,
        headers: { 'www-authenticate': `Bearer realm="${server.url}/token",service="hostile"` },
        body: { kind: 'whole', body: Buffer.from('{}') },
      },
    },
    { method: 'GET', path: /^\/token/, answer: token },
  ];
}

/** A ping's failure as a rejection, so every scenario reports a CoreError the same way. */
async function pingState(session: RegistrySession, host: string): Promise<string> {
  const result = await session.registry(host).ping();
  if (result.state === 'unreachable') throw result.error;
  return result.state;
}

/** Reads a blob to its end through the transport and reports how many bytes came. */
async function readBlob(
  session: RegistrySession,
  host: string,
  descriptor: { mediaType: string; digest: string; size: number },
  signal?: AbortSignal,
): Promise<number> {
  const body = await session.registry(host).repository('hostile/app').openBlob(descriptor, signal);
  let bytes = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) bytes += chunk.length;
  return bytes;
}

/** Aborts after `ms`; the timer does not keep the process alive. */
function abortAfter(ms: number): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), ms).unref();
  return controller.signal;
}

const json = (text: string): Buffer => Buffer.from(text);
const tags = json(`{"name":"hostile/app","tags":[${Array.from({ length: 50 }, (_, i) => `"t${i}"`).join(',')}]}`);

export const SCENARIOS: Record<string, Scenario> = {
  // ---- Finding 1: one response header must not end the process -------------------------------
  'a ping answered with a 100 MiB Content-Length': {
    routes: () => [{ method: 'GET', path: /^\/v2\/$/, answer: { body: { kind: 'announce', length: 100 * MiB, send: json('{') } } }],
    run: pingState,
    expect: { outcome: 'rejected', code: 'RESPONSE_TOO_LARGE' },
  },
  'a manifest answered with a 10 GiB Content-Length': {
    routes: () =>
      manifestRoutes('hostile/app', 'big', sample.manifest, { kind: 'announce', length: 10 * GiB, send: json('{"schemaVersion":2') }),
    run: (s, host) =>
      s
        .registry(host)
        .repository('hostile/app')
        .getManifest('big')
        .then((m) => m.descriptor.digest),
    expect: { outcome: 'rejected', code: 'MANIFEST_TOO_LARGE' },
  },
  'a 5 MiB manifest sent whole (over the 4 MiB cap)': {
    routes: () => {
      const bytes = Buffer.alloc(5 * MiB, 0x20);
      return manifestRoutes('hostile/app', 'index', bytes, { kind: 'whole', body: bytes });
    },
    run: (s, host) =>
      s
        .registry(host)
        .repository('hostile/app')
        .getManifest('index')
        .then((m) => m.descriptor.digest),
    expect: { outcome: 'rejected', code: 'MANIFEST_TOO_LARGE' },
  },
  'a manifest read through the inspector path (resolve, then fetch) announced at 4.8 MiB': {
    routes: () =>
      manifestRoutes('hostile/app', 'inspected', sample.manifest, {
        kind: 'announce',
        length: Math.round(4.8 * MiB),
        send: json('{"schemaVersion":2,"manifests":['),
      }),
    run: async (s, host) => {
      const repo = s.registry(host).repository('hostile/app');
      const root = await repo.resolve('inspected');
      return (await repo.fetchManifest(root)).length;
    },
    expect: { outcome: 'rejected', code: 'MANIFEST_TOO_LARGE' },
  },
  'a token answer with a 2 GiB Content-Length': {
    routes: (server) => tokenRoutes(server, { body: { kind: 'announce', length: 2 * GiB, send: json('{"token":"') } }),
    run: pingState,
    expect: { outcome: 'rejected', code: 'BAD_TOKEN_RESPONSE' },
  },
  'a token server error with a 2 GiB Content-Length': {
    routes: (server) => tokenRoutes(server, { status: 500, body: { kind: 'announce', length: 2 * GiB, send: json('{"error":"') } }),
    run: pingState,
    expect: { outcome: 'rejected', code: 'TOKEN_SERVER_ERROR' },
  },
  'a tag list with a 1 GiB Content-Length': {
    routes: () => [
      {
        method: 'GET',
        path: /\/tags\/list/,
        answer: { headers: { 'content-type': 'application/json' }, body: { kind: 'announce', length: GiB, send: json('{"tags":[') } },
      },
    ],
    run: async (s, host) => {
      for await (const page of s.registry(host).listTags('hostile/app')) return page.length;
      return 0;
    },
    expect: { outcome: 'rejected', code: 'RESPONSE_TOO_LARGE' },
  },
  'a catalog with a 1 GiB Content-Length': {
    routes: () => [
      {
        method: 'GET',
        path: /\/_catalog/,
        answer: {
          headers: { 'content-type': 'application/json' },
          body: { kind: 'announce', length: GiB, send: json('{"repositories":[') },
        },
      },
    ],
    run: async (s, host) => {
      for await (const page of s.registry(host).listRepositories()) return page.length;
      return 0;
    },
    expect: { outcome: 'rejected', code: 'RESPONSE_TOO_LARGE' },
  },
  'a referrers answer with a 1 GiB Content-Length': {
    routes: () => [
      {
        method: 'GET',
        path: /\/referrers\//,
        answer: {
          headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' },
          body: { kind: 'announce', length: GiB, send: json('{"manifests":[') },
        },
      },
    ],
    run: (s, host) =>
      s
        .registry(host)
        .repository('hostile/app')
        .referrers(sample.manifestD.digest)
        .then((r) => r.referrers.length),
    expect: { outcome: 'rejected', code: 'MANIFEST_TOO_LARGE' },
  },
  // ---- Finding 4: a time limit on every body ------------------------------------------------
  'a blob redirect whose own body never ends (discarded in bounded time), then the blob': {
    routes: () => [
      {
        method: 'GET',
        path: new RegExp(`/blobs/${sample.layerD.digest}$`),
        answer: {
          status: 307,
          headers: { location: `/storage/layer` },
          body: { kind: 'trickle', body: Buffer.alloc(8 * 1024, 0x20), everyMs: 50, chunked: true },
        },
      },
      { method: 'GET', path: /^\/storage\/layer$/, answer: { body: { kind: 'whole', body: sample.layer } } },
    ],
    run: (s, host) => readBlob(s, host, sample.layerD),
    expect: { outcome: 'resolved', value: sample.layer.length },
  },
  'a 503 whose body never ends, then the manifest (the retry discards the first body)': {
    routes: () => [
      {
        method: 'GET',
        path: /\/manifests\/busy$/,
        answer: (n) =>
          n === 0
            ? { status: 503, body: { kind: 'trickle', body: Buffer.alloc(8 * 1024, 0x20), everyMs: 50, chunked: true } }
            : { headers: manifestHeaders(sample.manifest), body: { kind: 'whole', body: sample.manifest } },
      },
    ],
    run: (s, host) =>
      s
        .registry(host)
        .repository('hostile/app')
        .getManifest('busy')
        .then((m) => m.descriptor.digest),
    expect: { outcome: 'resolved', value: sample.manifestD.digest },
  },

  'a manifest trickled one byte every 100 ms': {
    routes: () => manifestRoutes('hostile/app', 'slow', sample.manifest, { kind: 'trickle', body: sample.manifest, everyMs: 100 }),
    run: (s, host) =>
      s
        .registry(host)
        .repository('hostile/app')
        .getManifest('slow')
        .then((m) => m.descriptor.digest),
    expect: { outcome: 'rejected', code: 'BODY_TIMEOUT' },
  },
  'a tag list trickled one byte every 100 ms': {
    routes: () => [
      {
        method: 'GET',
        path: /\/tags\/list/,
        answer: { headers: { 'content-type': 'application/json' }, body: { kind: 'trickle', body: tags, everyMs: 100, chunked: true } },
      },
    ],
    run: async (s, host) => {
      for await (const page of s.registry(host).listTags('hostile/app')) return page.length;
      return 0;
    },
    expect: { outcome: 'rejected', code: 'BODY_TIMEOUT' },
  },
  'a token answer trickled one byte every 100 ms': {
    routes: (server) =>
      tokenRoutes(server, {
        headers: { 'content-type': 'application/json' },
        body: { kind: 'trickle', body: json(`{"token":"${'t'.repeat(200)}","expires_in":300}`), everyMs: 100 },
      }),
    run: pingState,
    expect: { outcome: 'rejected', code: 'BODY_TIMEOUT' },
  },
  'an error body trickled one byte every 100 ms (the status still answers, in bounded time)': {
    routes: () => [
      {
        method: 'GET',
        path: /\/manifests\/gone$/,
        answer: {
          status: 404,
          body: { kind: 'trickle', body: json(`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"${'x'.repeat(2_000)}"}]}`), everyMs: 100 },
        },
      },
    ],
    run: (s, host) =>
      s
        .registry(host)
        .repository('hostile/app')
        .getManifest('gone')
        .then((m) => m.descriptor.digest),
    expect: { outcome: 'rejected', code: 'HTTP_404' },
  },
  'an image config trickled one byte every 100 ms, read for a comparison': {
    routes: () => [
      ...manifestRoutes('hostile/app', 'v1', sample.manifest),
      blobRoute('hostile/app', sample.configD.digest, { kind: 'trickle', body: sample.config, everyMs: 100 }),
    ],
    run: async (s, host) => {
      const repo = s.registry(host).repository('hostile/app');
      return (await readImageConfig(repo, await repo.getManifest('v1')))?.architecture;
    },
    expect: { outcome: 'rejected', code: 'BODY_TIMEOUT' },
  },
  'an image config trickled one byte every 100 ms, read for the tree and the inspector': {
    routes: () => [blobRoute('hostile/app', sample.configD.digest, { kind: 'trickle', body: sample.config, everyMs: 100 })],
    run: async (s, host) => (await new ContentCache(() => core).json(s.registry(host).repository('hostile/app'), sample.configD)).bytes,
    expect: { outcome: 'rejected', code: 'BODY_TIMEOUT' },
  },
  'a small blob read whole': {
    routes: () => [blobRoute('hostile/app', sample.configD.digest, { kind: 'whole', body: sample.config })],
    run: async (s, host) => (await s.registry(host).repository('hostile/app').readSmallBlob(sample.configD)).equals(sample.config),
    expect: { outcome: 'resolved', value: true },
  },
  'a small blob announced longer than its descriptor': {
    routes: () => [blobRoute('hostile/app', sample.configD.digest, { kind: 'announce', length: 10 * MiB, send: sample.config })],
    run: async (s, host) => (await s.registry(host).repository('hostile/app').readSmallBlob(sample.configD)).length,
    expect: { outcome: 'rejected', code: 'SIZE_MISMATCH' },
  },
  'a small blob streamed longer than its descriptor': {
    routes: () => [blobRoute('hostile/app', sample.configD.digest, { kind: 'stream', chunk: sample.config, total: 1 * MiB })],
    run: async (s, host) => (await s.registry(host).repository('hostile/app').readSmallBlob(sample.configD)).length,
    expect: { outcome: 'rejected', code: 'SIZE_MISMATCH' },
  },
  'a small blob whose bytes do not match its digest': {
    routes: () => [blobRoute('hostile/app', sample.configD.digest, { kind: 'whole', body: Buffer.alloc(sample.config.length, 0x20) })],
    run: async (s, host) => (await s.registry(host).repository('hostile/app').readSmallBlob(sample.configD)).length,
    expect: { outcome: 'rejected', code: 'DIGEST_MISMATCH' },
  },
  'a manifest that stalls half-way': {
    routes: () => manifestRoutes('hostile/app', 'stuck', sample.manifest, { kind: 'stall', body: sample.manifest, afterBytes: 100 }),
    run: (s, host) =>
      s
        .registry(host)
        .repository('hostile/app')
        .getManifest('stuck')
        .then((m) => m.descriptor.digest),
    expect: { outcome: 'rejected', code: 'BODY_TIMEOUT' },
  },
  'a blob that stalls half-way, read whole': {
    routes: () => [blobRoute('hostile/app', sample.layerD.digest, { kind: 'stall', body: sample.layer, afterBytes: 1_000 })],
    run: (s, host) => readBlob(s, host, sample.layerD),
    expect: { outcome: 'rejected', code: 'BODY_TIMEOUT' },
  },
  'a pull whose layer stalls half-way': {
    routes: () => [
      ...manifestRoutes('hostile/app', 'v1', sample.manifest),
      blobRoute('hostile/app', sample.configD.digest, { kind: 'whole', body: sample.config }),
      blobRoute('hostile/app', sample.layerD.digest, { kind: 'stall', body: sample.layer, afterBytes: 1_000 }),
    ],
    run: async (s, host) => {
      const dir = mkdtempSync(join(tmpdir(), 'hostile-pull-'));
      return (await pull(s.registry(host).repository('hostile/app'), 'v1', { kind: 'oci-layout', dir })).blobs;
    },
    expect: { outcome: 'rejected', code: 'BODY_TIMEOUT' },
  },

  // ---- Finding 8: every failure a caller sees is a CoreError --------------------------------
  'a manifest cut short by the server': {
    routes: () => manifestRoutes('hostile/app', 'cut', sample.manifest, { kind: 'cut', body: sample.manifest, afterBytes: 50 }),
    run: (s, host) =>
      s
        .registry(host)
        .repository('hostile/app')
        .getManifest('cut')
        .then((m) => m.descriptor.digest),
    expect: { outcome: 'rejected', code: 'CONNECTION_RESET' },
  },
  'a blob cut short by the server': {
    routes: () => [blobRoute('hostile/app', sample.layerD.digest, { kind: 'cut', body: sample.layer, afterBytes: 10_000 })],
    run: (s, host) => readBlob(s, host, sample.layerD),
    expect: { outcome: 'rejected', code: 'CONNECTION_RESET' },
  },
  'a blob streamed through a pipeline, cut short': {
    routes: () => [blobRoute('hostile/app', sample.layerD.digest, { kind: 'cut', body: sample.layer, afterBytes: 10_000 })],
    run: async (s, host) => {
      const body = await s.registry(host).repository('hostile/app').openBlob(sample.layerD);
      let bytes = 0;
      await pipeline(body, async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) bytes += chunk.length;
      });
      return bytes;
    },
    expect: { outcome: 'rejected', code: 'CONNECTION_RESET' },
  },
  'a slow manifest read, cancelled': {
    routes: () => manifestRoutes('hostile/app', 'slow', sample.manifest, { kind: 'trickle', body: sample.manifest, everyMs: 100 }),
    run: (s, host) =>
      s
        .registry(host)
        .repository('hostile/app')
        .getManifest('slow', abortAfter(300))
        .then((m) => m.descriptor.digest),
    expect: { outcome: 'rejected', code: 'CANCELLED' },
  },
  'a slow blob read, cancelled': {
    routes: () => [blobRoute('hostile/app', sample.layerD.digest, { kind: 'trickle', body: sample.layer, everyMs: 50 })],
    run: (s, host) => readBlob(s, host, sample.layerD, abortAfter(300)),
    expect: { outcome: 'rejected', code: 'CANCELLED' },
  },
  'a manifest in malformed chunked encoding': {
    routes: () =>
      manifestRoutes('hostile/app', 'garbled', sample.manifest, {
        kind: 'bad-chunks',
        text: '10\r\n{"schemaVersion"\r\nnot-a-chunk-size\r\n',
      }),
    run: (s, host) =>
      s
        .registry(host)
        .repository('hostile/app')
        .getManifest('garbled')
        .then((m) => m.descriptor.digest),
    expect: { outcome: 'rejected', code: 'BAD_RESPONSE' },
  },
  'a blob in malformed chunked encoding': {
    routes: () => [
      blobRoute('hostile/app', sample.layerD.digest, { kind: 'bad-chunks', text: '400\r\n' + 'z'.repeat(1024) + '\r\nxyz\r\n' }),
    ],
    run: (s, host) => readBlob(s, host, sample.layerD),
    expect: { outcome: 'rejected', code: 'BAD_RESPONSE' },
  },
};

/**
 * One answer a hostile registry may give to a manifest GET: any status, a Content-Length that is
 * true, absent, or a lie in either direction, and a body that ends, is cut, stalls or trickles.
 */
export const arbitraryManifestAnswer: fc.Arbitrary<HostileAnswer> = fc
  .record({
    status: fc.constantFrom(200, 200, 200, 401, 404, 500, 503),
    size: fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.constantFrom(4 * MiB - 1, 4 * MiB + 1)),
    ending: fc.constantFrom('whole', 'announce-more', 'announce-huge', 'cut', 'stall', 'trickle', 'stream'),
    cutAt: fc.nat({ max: 1_000 }),
  })
  .map(({ status, size, ending, cutAt }): HostileAnswer => {
    const body = Buffer.alloc(Math.min(size, 8 * MiB), 0x7b);
    const headers = status === 200 ? manifestHeaders(body) : { 'content-type': 'application/json' };
    const at = Math.min(cutAt, body.length);
    const shapes: Record<string, HostileBody> = {
      whole: { kind: 'whole', body },
      'announce-more': { kind: 'announce', length: body.length + 1 + cutAt, send: body.subarray(0, at) },
      'announce-huge': { kind: 'announce', length: 64 * GiB, send: body.subarray(0, at) },
      cut: { kind: 'cut', body, afterBytes: at },
      stall: { kind: 'stall', body, afterBytes: at },
      trickle: { kind: 'trickle', body: body.subarray(0, 40), everyMs: 60 },
      stream: { kind: 'stream', chunk: Buffer.alloc(256 * 1024, 0x7b), total: Math.max(size, 256 * 1024) },
    };
    return { status, headers, body: shapes[ending]! };
  });

/** Runs getManifest against each answer: it may succeed or fail, but only ever with a CoreError. */
export async function manifestProperty(session: RegistrySession, server: HostileRegistry, runs: number, seed: number): Promise<number> {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(arbitraryManifestAnswer, async (answer) => {
      const ref = `p${n++}`;
      server.route({ method: 'GET', path: new RegExp(`/manifests/${ref}$`), answer });
      const outcome = await session
        .registry(server.host)
        .repository('hostile/app')
        .getManifest(ref)
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      if (outcome !== undefined && !(outcome instanceof CoreError)) throw new Error(`not a CoreError: ${String(outcome)}`);
    }),
    { numRuns: runs, seed, endOnFailure: true },
  );
  return n;
}
