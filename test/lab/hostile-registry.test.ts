// Content a hostile registry serves to exhaust the client's memory before any blob moves: an index
// of a dozen 3.5 MiB manifests (the review's had 40), and an index that declares small sizes for
// manifests that are not small. A RecordingServer plays the registry (plain HTTP on loopback) and
// records every request, so what the client fetched before refusing is counted, not inferred.
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreError } from '../../src/core/errors';
import { MediaTypes } from '../../src/core/oci/media-types';
import { pull } from '../../src/core/operations/transfer';
import type { RegistrySession } from '../../src/core/registry/session';
import { RecordingServer } from '../support/lab/fault-proxy';
import { plainSession } from '../support/lab/lab-helpers';

const MiB = 1024 * 1024;
const REPOSITORY = 'hostile/graph';

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** An image manifest of `size` bytes, one layer (never fetched) and an annotation filling the rest. */
function bigManifest(size: number): Buffer {
  const config = { mediaType: MediaTypes.ociEmpty, digest: sha256(Buffer.from('{}')), size: 2 };
  const layers = [{ mediaType: MediaTypes.ociLayerGzip, digest: sha256(randomBytes(8)), size: 1000 }];
  const manifest = (filler: string): string =>
    JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers, annotations: { filler } });
  return Buffer.from(manifest('f'.repeat(size - manifest('').length)));
}

describe('a registry serving a graph too large to plan', function () {
  let server: RecordingServer;
  let session: RegistrySession;
  const work = mkdtempSync(join(tmpdir(), 'hostile-registry-'));

  /** Serves `manifests` under an index tagged `tag`, each listed with the size `declare` says. */
  function serveIndex(tag: string, manifests: Buffer[], declare: (bytes: Buffer) => number): void {
    const entries = manifests.map((bytes, i) => {
      const digest = sha256(bytes);
      children.add(`/v2/${REPOSITORY}/manifests/${digest}`);
      server.serve(`/v2/${REPOSITORY}/manifests/${digest}`, bytes, {
        'content-type': MediaTypes.ociManifest,
        'docker-content-digest': digest,
      });
      return { mediaType: MediaTypes.ociManifest, digest, size: declare(bytes), platform: { os: 'linux', architecture: `arch${i}` } };
    });
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: entries }));
    const headers = { 'content-type': MediaTypes.ociIndex, 'docker-content-digest': sha256(index) };
    server.serve(`/v2/${REPOSITORY}/manifests/${tag}`, index, headers);
    server.serve(`/v2/${REPOSITORY}/manifests/${sha256(index)}`, index, headers);
  }

  const children = new Set<string>();
  const childGets = (): number => server.requests.filter((r) => r.method === 'GET' && children.has(r.path)).length;
  const blobRequests = (): number => server.count('GET', /\/blobs\//) + server.count('HEAD', /\/blobs\//);

  before(async () => {
    server = await RecordingServer.start();
    server.serve('/v2/', Buffer.from('{}'), { 'content-type': 'application/json' });
    const manifests = Array.from({ length: 12 }, () => bigManifest(3.5 * MiB));
    serveIndex('honest', manifests, (bytes) => bytes.length);
    serveIndex('lying', manifests, () => 300);
    session = plainSession(server.url, { retry: { maxAttempts: 1 } });
  });

  after(async () => {
    await session?.close();
    await server?.stop();
    await rm(work, { recursive: true, force: true });
  });

  beforeEach(() => server.requests.splice(0));

  it('refuses an index whose manifests add up to more than 16 MiB before fetching any of them', async () => {
    const err = await pull(session.registry(server.host).repository(REPOSITORY), 'honest', {
      kind: 'oci-layout',
      dir: join(work, 'honest'),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof CoreError, String(err));
    assert.equal(err.code, 'GRAPH_TOO_LARGE', err.message);
    assert.match(
      err.message,
      /^Index sha256:[0-9a-f]{64} in [^ ]+ brings the manifests to copy to 42 MiB \(13 manifests\), more than the 16 MiB one copy holds, so none of it is copied: /,
    );
    assert.match(err.message, /choose the platforms to copy, or copy the images one by one\.$/);
    assert.equal(childGets(), 0, 'no platform manifest was fetched');
    assert.equal(blobRequests(), 0, 'no blob was asked for');
  });

  it('stops an index that declares small sizes once what arrived passes 16 MiB', async () => {
    const err = await pull(session.registry(server.host).repository(REPOSITORY), 'lying', {
      kind: 'oci-layout',
      dir: join(work, 'lying'),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof CoreError, String(err));
    assert.equal(err.code, 'GRAPH_TOO_LARGE', err.message);
    assert.match(err.message, /^Manifest sha256:[0-9a-f]{64} in [^ ]+ brings the manifests to copy to 17\.5 MiB \(13 manifests\)/);
    assert.equal(childGets(), 5, 'the fifth 3.5 MiB manifest crossed 16 MiB');
    assert.equal(blobRequests(), 0, 'no blob was asked for');
  });
});
