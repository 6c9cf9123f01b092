// Amazon ECR's answers read as untrusted: DescribeImages' imageDetails entries (API_ImageDetail.html)
// become untagged manifests with a size and push date only where those are plausible numbers, and
// an entry that is not a digest, or carries tags, is never one.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { untaggedImageDetail } from '../../../../src/core/providers/ecr';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('providers: ecr', () => {
  it('reads an untagged image’s digest, size in bytes and push time (epoch seconds, with a fraction) from DescribeImages', () => {
    assert.deepEqual(
      untaggedImageDetail({
        registryId: '123456789012',
        repositoryName: 'team/app',
        imageDigest: DIGEST,
        imageSizeInBytes: 52_428_800,
        imagePushedAt: 1_764_806_400.123,
        imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactMediaType: 'application/vnd.oci.image.config.v1+json',
        lastRecordedPullTime: 1_764_892_800,
      }),
      { digest: DIGEST, size: 52_428_800, created: 1_764_806_400_123 },
    );
    // An empty tag list is still untagged; sizes and dates are optional in the shape.
    assert.deepEqual(untaggedImageDetail({ imageDigest: DIGEST, imageTags: [] }), { digest: DIGEST });
  });

  it('never takes a tagged image, a missing or malformed digest, or a non-object for an untagged manifest', () => {
    for (const raw of [
      { imageDigest: DIGEST, imageTags: ['latest'] },
      { imageDigest: DIGEST, imageTags: 'latest' },
      { imageDigest: 'sha256:short' },
      { imageDigest: `${DIGEST}\n` },
      { imageDigest: 42 },
      {},
      null,
      'sha256:x',
      [DIGEST],
    ])
      assert.equal(untaggedImageDetail(raw), undefined, JSON.stringify(raw));
  });

  it('leaves out a size or date that is not a plausible number, keeping the digest', () => {
    for (const [field, value] of [
      ['imageSizeInBytes', -1],
      ['imageSizeInBytes', 1.5],
      ['imageSizeInBytes', '1024'],
      ['imageSizeInBytes', 2 ** 60],
      ['imageSizeInBytes', Number.NaN],
      ['imagePushedAt', '2026-12-04T00:00:00Z'],
      ['imagePushedAt', 1_764_806_400_000],
      ['imagePushedAt', -1],
      ['imagePushedAt', Number.POSITIVE_INFINITY],
      ['imagePushedAt', null],
    ] as const)
      assert.deepEqual(untaggedImageDetail({ imageDigest: DIGEST, [field]: value }), { digest: DIGEST }, `${field}: ${String(value)}`);
  });

  it('whatever the answer holds, gives nothing or a digest with a safe size and a date between 1990 and 2200', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record(
            {
              imageDigest: fc.oneof(fc.constant(DIGEST), fc.string()),
              imageTags: fc.oneof(fc.constant([]), fc.array(fc.string()), fc.anything()),
              imageSizeInBytes: fc.oneof(fc.integer(), fc.double(), fc.bigInt().map(String), fc.anything()),
              imagePushedAt: fc.oneof(
                fc.double(),
                fc.integer(),
                fc.date().map((d) => d.getTime() / 1000),
                fc.anything(),
              ),
            },
            { requiredKeys: [] },
          ),
        ),
        (raw) => {
          const m = untaggedImageDetail(raw);
          if (!m) return;
          assert.match(m.digest, /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/);
          assert.deepEqual(
            Object.keys(m).filter((k) => !['digest', 'size', 'created'].includes(k)),
            [],
          );
          if (m.size !== undefined) assert.ok(Number.isSafeInteger(m.size) && m.size >= 0);
          if (m.created !== undefined)
            assert.ok(Number.isSafeInteger(m.created) && m.created > 631_152_000_000 && m.created < 7_258_118_400_000);
        },
      ),
      { numRuns: 500 },
    );
  });
});
