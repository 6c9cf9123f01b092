// The reads an image's scan search and then its VEX search share (DocumentReads), against a fake
// repository that counts what it is asked for: a blob both searches read is fetched once while
// the blobs kept fit the budget, and again when it does not fit; a failure is kept and given to
// both, a cancellation is not kept, so it cannot fail a later ask.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { CoreError } from '../../../../src/core/errors';
import { parseManifest, type Descriptor, type ParsedManifest } from '../../../../src/core/oci/manifest';
import { findScanWithVex } from '../../../../src/core/operations/compare-scans';
import { DocumentReads, MAX_SHARED_BLOB_BYTES } from '../../../../src/core/operations/image-documents';
import { cosignTagFor } from '../../../../src/core/registry/cosign-attachments';
import type { Repository } from '../../../../src/core/registry/repository';
import { cosignVulnPredicate, TRIVY_NEXT_REPORT } from '../../../support/scan-reports';

const IMAGE = `sha256:${'a'.repeat(64)}`;
const IN_TOTO = 'application/vnd.in-toto+json';

function blobOf(bytes: Buffer, mediaType = IN_TOTO): { descriptor: Descriptor; bytes: Buffer } {
  return { descriptor: { mediaType, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length }, bytes };
}

/** An in-toto statement about IMAGE, padded with spaces (still JSON) to `size` bytes when asked. */
function statement(predicateType: string, predicate: unknown, size = 0): { descriptor: Descriptor; bytes: Buffer } {
  const text = JSON.stringify({
    _type: 'https://in-toto.io/Statement/v0.1',
    predicateType,
    subject: [{ name: 'app', digest: { sha256: IMAGE.slice('sha256:'.length) } }],
    predicate,
  });
  return blobOf(Buffer.from(text.padEnd(size, ' ')));
}

/** A repository with no referrers, one manifest under IMAGE's cosign `.att` tag holding `layers`, and their blobs; it counts blob reads. */
function repositoryOf(layers: readonly { descriptor: Descriptor; bytes: Buffer }[]): {
  repository: Repository;
  blobReads: Map<string, number>;
} {
  const config = blobOf(Buffer.from('{}'), 'application/vnd.oci.empty.v1+json');
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: config.descriptor,
      layers: layers.map((l) => l.descriptor),
    }),
  );
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const att = parseManifest(bytes, digest, undefined, 'the .att manifest');
  const blobs = new Map(layers.map((l) => [l.descriptor.digest, l.bytes]));
  const blobReads = new Map<string, number>();
  const repository = {
    referrers: async () => ({ referrers: [], source: 'api' }),
    getManifest: async (reference: string): Promise<ParsedManifest> => {
      if (reference === cosignTagFor(IMAGE, 'attestations')) return att;
      throw new CoreError('MANIFEST_UNKNOWN', `no manifest ${reference}`);
    },
    readSmallBlob: async (descriptor: Descriptor): Promise<Buffer> => {
      blobReads.set(descriptor.digest, (blobReads.get(descriptor.digest) ?? 0) + 1);
      const found = blobs.get(descriptor.digest);
      if (!found) throw new CoreError('BLOB_UNKNOWN', `no blob ${descriptor.digest}`);
      return found;
    },
  } as unknown as Repository;
  return { repository, blobReads };
}

describe('document reads shared by the scan and VEX searches of one image', () => {
  it('fetches a blob both searches read once while the blobs kept fit the budget, and again once they would not', async () => {
    // Four layers that name no predicate, so each search reads them in order to see what they hold:
    // two provenances that each fit the budget but not both, then the scan, then the VEX.
    const big = Math.ceil(MAX_SHARED_BLOB_BYTES * 0.6);
    const provenance = statement('https://slsa.dev/provenance/v0.2', { builder: { id: 'one' } }, big);
    const another = statement('https://slsa.dev/provenance/v0.2', { builder: { id: 'two' } }, big);
    const scan = statement('https://cosign.sigstore.dev/attestation/vuln/v1', cosignVulnPredicate(TRIVY_NEXT_REPORT));
    const vex = statement('https://openvex.dev/ns/v0.2.0', {
      '@context': 'https://openvex.dev/ns/v0.2.0',
      '@id': 'https://example.test/vex',
      author: 'App team',
      timestamp: '2026-12-05T06:00:00Z',
      version: 1,
      statements: [{ vulnerability: { name: 'CVE-2024-9999' }, status: 'not_affected', justification: 'vulnerable_code_not_present' }],
    });
    const layers = [provenance, another, scan, vex];
    const { repository, blobReads } = repositoryOf(layers);

    const { side } = await findScanWithVex({ repository, digest: IMAGE });
    assert.deepEqual([side.scan.problems, side.vex?.problems], [[], []]);
    assert.equal(side.scan.found?.blob, scan.descriptor.digest);
    assert.equal(side.vex?.found?.blob, vex.descriptor.digest);
    assert.deepEqual(
      side.suppressed.map(({ finding }) => finding.id),
      ['CVE-2024-9999'],
    );
    assert.deepEqual(
      layers.map((l) => blobReads.get(l.descriptor.digest) ?? 0),
      [1, 2, 1, 1],
      'the first provenance and the scan kept; the second provenance did not fit beside the first, so it is read by each search',
    );
  });

  it('gives a failed read to every ask without asking again, and frees its share of the budget', async () => {
    let reads = 0;
    const repository = {
      readSmallBlob: async (descriptor: Descriptor) => {
        reads++;
        if (descriptor.digest.endsWith('1')) throw new CoreError('BLOB_UNKNOWN', 'gone');
        return Buffer.alloc(0);
      },
    } as unknown as Repository;
    const shared = new DocumentReads(repository);
    const failing = { mediaType: IN_TOTO, digest: `sha256:${'1'.repeat(64)}`, size: MAX_SHARED_BLOB_BYTES };
    for (let i = 0; i < 2; i++) await assert.rejects(shared.blob(failing), { code: 'BLOB_UNKNOWN' });
    assert.equal(reads, 1);
    // The whole budget, which the failure above would hold if its bytes were still counted.
    const whole = { mediaType: IN_TOTO, digest: `sha256:${'2'.repeat(64)}`, size: MAX_SHARED_BLOB_BYTES };
    await shared.blob(whole);
    await shared.blob(whole);
    assert.equal(reads, 2, 'kept: the failure holds no bytes');
    const more = { mediaType: IN_TOTO, digest: `sha256:${'3'.repeat(64)}`, size: 1 };
    await shared.blob(more);
    await shared.blob(more);
    assert.equal(reads, 4, 'one byte more than the budget is read each time');
  });

  it('does not keep a cancellation: a later ask reads again', async () => {
    let blobReads = 0;
    let manifestReads = 0;
    const cancelled = () => new CoreError('CANCELLED', 'The operation was cancelled.');
    const manifest = parseManifest(Buffer.from('{"schemaVersion":2,"manifests":[]}'), IMAGE, undefined, 'an index');
    const repository = {
      readSmallBlob: async () => {
        if (++blobReads === 1) throw cancelled();
        return Buffer.from('{}');
      },
      getManifest: async () => {
        if (++manifestReads === 1) throw cancelled();
        return manifest;
      },
    } as unknown as Repository;
    const shared = new DocumentReads(repository);
    await assert.rejects(shared.manifest(IMAGE), { code: 'CANCELLED' });
    assert.equal(await shared.manifest(IMAGE), manifest);
    assert.equal(await shared.manifest(IMAGE), manifest);
    assert.equal(manifestReads, 2, 'read again after the cancellation, then kept');
    const blob = { mediaType: IN_TOTO, digest: `sha256:${'4'.repeat(64)}`, size: 2 };
    await assert.rejects(shared.blob(blob), { code: 'CANCELLED' });
    assert.deepEqual(await shared.blob(blob), Buffer.from('{}'));
    assert.deepEqual(await shared.blob(blob), Buffer.from('{}'));
    assert.equal(blobReads, 2, 'read again after the cancellation, then kept');
  });
});
