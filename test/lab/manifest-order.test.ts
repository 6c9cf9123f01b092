// No manifest goes up before all its blobs: a push of the multi-platform index from an OCI layout,
// a copy of it between registries, and a copy within one registry (blobs mounted) are recorded by
// a fault proxy without rules in front of the target. On the wire, each platform's manifest PUT
// comes after the upload PUTs (or mount POSTs) of its config and layers, the index after every
// platform, and the tag last; and when the client starts a manifest, no request to the target is
// still unanswered, so every blob it names had been stored.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Descriptor } from '../../src/core/oci/manifest';
import { copy, type CopyResult } from '../../src/core/operations/copy';
import { push } from '../../src/core/operations/transfer';
import type { Repository } from '../../src/core/registry/repository';
import type { RegistrySession } from '../../src/core/registry/session';
import { inspectRaw, seedSampleContent, sha256, type SampleContent } from '../support/lab/content';
import { FaultProxy, type SeenRequest } from '../support/lab/fault-proxy';
import { plainSession } from '../support/lab/lab-helpers';
import { Lab, type LabRegistry } from '../support/lab/registry';

interface Graph {
  index: string;
  /** Each platform's manifest digest with its config and layer digests. */
  children: { digest: string; blobs: string[] }[];
}

/** The index's graph, read from the layout the sample was built in (not through the client). */
function graphFromLayout(layoutDir: string, index: string): Graph {
  const read = <T>(digest: string): T =>
    JSON.parse(readFileSync(join(layoutDir, 'blobs', 'sha256', digest.slice('sha256:'.length)), 'utf8')) as T;
  const children = read<{ manifests: Descriptor[] }>(index).manifests.map((child) => {
    const image = read<{ config: Descriptor; layers: Descriptor[] }>(child.digest);
    return { digest: child.digest, blobs: [image.config.digest, ...image.layers.map((l) => l.digest)] };
  });
  return { index, children };
}

/** A manifest push as the client began it, with what the target had not answered yet at that moment. */
interface ManifestStart {
  reference: string;
  unanswered: string[];
}

/** Wraps the repository's pushManifest (the real one still runs) to note what is in flight when each begins. */
function watchManifestStarts(repository: Repository, proxy: FaultProxy): ManifestStart[] {
  const starts: ManifestStart[] = [];
  const original = repository.pushManifest.bind(repository);
  repository.pushManifest = (descriptor, bytes, tag, signal) => {
    starts.push({
      reference: tag ?? descriptor.digest,
      unanswered: proxy.requests.filter((r) => r.status === 0).map((r) => `${r.method} ${r.path}`),
    });
    return original(descriptor, bytes, tag, signal);
  };
  return starts;
}

const WRITES = new Set(['PUT', 'POST', 'PATCH', 'DELETE']);

/** Where in the log the blob was stored: its upload PUT (`?digest=`) or mount POST (`?mount=`) that the registry answered 201. */
function storedAt(log: readonly SeenRequest[], digest: string): number {
  return log.findIndex((r) => {
    const url = new URL(r.path, 'http://127.0.0.1');
    if (!url.pathname.includes('/blobs/uploads/') || r.status !== 201) return false;
    return (
      (r.method === 'PUT' && url.searchParams.get('digest') === digest) || (r.method === 'POST' && url.searchParams.get('mount') === digest)
    );
  });
}

function manifestPutsOf(log: readonly SeenRequest[], repository: string, reference: string): number[] {
  const path = `/v2/${repository}/manifests/${reference}`;
  return log.flatMap((r, i) => (r.method === 'PUT' && new URL(r.path, 'http://127.0.0.1').pathname === path ? [i] : []));
}

/** The ordering rules, checked on the target proxy's log of one transfer. */
function assertOrder(
  log: readonly SeenRequest[],
  starts: ManifestStart[],
  graph: Graph,
  repository: string,
  tag: string,
  via: 'upload' | 'mount',
): void {
  const childPuts: number[] = [];
  for (const child of graph.children) {
    const puts = manifestPutsOf(log, repository, child.digest);
    assert.equal(puts.length, 1, `${child.digest} was PUT once`);
    const put = puts[0]!;
    assert.equal(log[put]!.status, 201);
    for (const blob of child.blobs) {
      const at = storedAt(log, blob);
      assert.ok(at >= 0, `${blob} was stored by ${via} (the repository was new)`);
      assert.ok(log[at]!.method === (via === 'upload' ? 'PUT' : 'POST'), `${blob} was stored by ${via}`);
      assert.ok(at < put, `${blob} was stored (request ${at}) before its manifest ${child.digest} went up (request ${put})`);
    }
    childPuts.push(put);
  }
  const indexPuts = [...manifestPutsOf(log, repository, graph.index), ...manifestPutsOf(log, repository, tag)];
  assert.ok(indexPuts.length >= 1, 'the index was PUT');
  for (const put of indexPuts)
    assert.ok(put > Math.max(...childPuts), `the index (request ${put}) went up after every platform's manifest (${childPuts.join(', ')})`);
  const tagPut = manifestPutsOf(log, repository, tag);
  assert.equal(tagPut.length, 1, 'the tag was PUT once');
  const lastWrite = log.reduce((last, r, i) => (WRITES.has(r.method) ? i : last), -1);
  assert.equal(tagPut[0], lastWrite, 'the tag is the last thing written');
  assert.deepEqual(
    starts.map((s) => s.reference),
    [...graph.children.map((c) => c.digest), tag],
    'the client stored the platforms, then the index under its tag',
  );
  for (const start of starts) assert.deepEqual(start.unanswered, [], `nothing was in flight when ${start.reference} began`);
}

describe('no manifest is pushed before all its blobs', function () {
  let lab: Lab;
  let source: LabRegistry;
  let target: LabRegistry;
  let proxy: FaultProxy;
  let sample: SampleContent;
  let session: RegistrySession;
  let graph: Graph;

  before(async function () {
    this.timeout(180_000);
    lab = await Lab.create();
    [source, target] = await Promise.all([lab.startRegistry({ name: 'order-source' }), lab.startRegistry({ name: 'order-target' })]);
    sample = await seedSampleContent(source);
    proxy = await FaultProxy.start(target);
    session = plainSession([source.url, proxy.url]);
    graph = graphFromLayout(sample.layoutDir, sample.multiPlatform.digest);
    assert.equal(graph.children.length, sample.multiPlatform.platforms.length);
  });

  beforeEach(() => proxy?.clearRequests());

  after(async function () {
    await session?.close();
    await proxy?.stop();
    await lab?.stopAll();
  });

  async function recorded(repository: string, transfer: (to: Repository) => Promise<CopyResult>, via: 'upload' | 'mount'): Promise<void> {
    const to = session.registry(proxy.host).repository(repository);
    const starts = watchManifestStarts(to, proxy);
    proxy.clearRequests();
    const result = await transfer(to);
    assert.equal(result.root.digest, sample.multiPlatform.digest);
    assertOrder([...proxy.requests], starts, graph, repository, 'v1', via);
    assert.equal(sha256(await inspectRaw(target, `${repository}:v1`)), sample.multiPlatform.digest, 'skopeo sees the index');
  }

  it('push of the multi-platform index from an OCI layout', async function () {
    await recorded(
      'order/pushed',
      (to) => push({ kind: 'oci-layout', dir: sample.layoutDir, refName: sample.multiPlatform.digest }, to, 'v1'),
      'upload',
    );
  });

  it('copy of the multi-platform index from another registry', async function () {
    const from = session.registry(source.host).repository(sample.multiPlatform.repository);
    await recorded('order/copied', async (to) => copy(from, to, await from.resolve(sample.multiPlatform.tag), { tag: 'v1' }), 'upload');
  });

  it('copy of the multi-platform index within one registry, its blobs mounted', async function () {
    const original = session.registry(source.host).repository(sample.multiPlatform.repository);
    const from = session.registry(proxy.host).repository('order/mount-source');
    await copy(original, from, await original.resolve(sample.multiPlatform.tag), { tag: 'v1' });
    await recorded('order/mounted', async (to) => copy(from, to, await from.resolve('v1'), { tag: 'v1' }), 'mount');
  });
});
