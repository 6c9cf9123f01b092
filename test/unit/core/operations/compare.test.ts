// Comparing two images: layers by digest, size, run settings in words, history steps, and the
// normalised JSON the diff editor shows.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareHistory, compareImages, normalisedJson, pairPlatforms, type ComparedImage } from '../../../../src/core/operations/compare';
import { describeComparison } from '../../../../src/core/operations/compare-text';
import type { ImageConfig, ImageIndex } from '../../../../src/core/oci/manifest';

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const layer = (n: number, size = 100) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digest(n), size });
const image = (id: number, layers: number[], config?: ImageConfig): ComparedImage => ({
  digest: digest(1000 + id),
  manifest: {
    schemaVersion: 2,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digest(500 + id), size: 10 },
    layers: layers.map((n) => layer(n)),
  },
  ...(config ? { config } : {}),
});

describe('image comparison', function () {
  it('finds layers shared, added and removed by digest, and the size change', function () {
    const c = compareImages(image(1, [1, 2, 3]), image(2, [1, 2, 4, 5]));
    assert.deepEqual(
      c.layers.shared.map((l) => l.digest),
      [digest(1), digest(2)],
    );
    assert.deepEqual(
      c.layers.added.map((l) => l.digest),
      [digest(4), digest(5)],
    );
    assert.deepEqual(
      c.layers.removed.map((l) => l.digest),
      [digest(3)],
    );
    assert.deepEqual(c.size, { before: 310, after: 410, change: 100 });
    assert.equal(c.identical, false);
  });

  it('describes config changes in words: entrypoint, command, environment, labels, user, ports, working directory', function () {
    const before: ImageConfig = {
      os: 'linux',
      architecture: 'amd64',
      config: {
        Entrypoint: ['/app'],
        Cmd: ['serve'],
        Env: ['PATH=/bin', 'MODE=dev'],
        Labels: { a: '1', b: '2' },
        User: 'root',
        ExposedPorts: { '80/tcp': {} },
        WorkingDir: '/',
      },
    };
    const after: ImageConfig = {
      os: 'linux',
      architecture: 'amd64',
      config: {
        Entrypoint: ['/app'],
        Cmd: ['serve', '--fast'],
        Env: ['PATH=/bin', 'TOKEN_FILE=/t'],
        Labels: { a: '1', b: '3' },
        User: 'app',
        ExposedPorts: { '8080/tcp': {} },
        WorkingDir: '/srv',
      },
    };
    const c = compareImages(image(1, [1], before), image(2, [1], after));
    assert.deepEqual(c.config, [
      { setting: 'Command', before: '["serve"]', after: '["serve","--fast"]' },
      { setting: 'User', before: 'root', after: 'app' },
      { setting: 'Working directory', before: '/', after: '/srv' },
      { setting: 'Environment MODE', before: 'dev' },
      { setting: 'Environment TOKEN_FILE', after: '/t' },
      { setting: 'Label b', before: '2', after: '3' },
      { setting: 'Port 80/tcp', before: 'exposed' },
      { setting: 'Port 8080/tcp', after: 'exposed' },
    ]);
  });

  it('says an image compared with itself has no differences', function () {
    const same = image(1, [1, 2], { config: { Env: ['A=1'] }, history: [{ created_by: 'RUN x' }] });
    const c = compareImages(same, same);
    assert.equal(c.identical, true);
    assert.deepEqual([c.layers.added, c.layers.removed, c.config, c.history.added, c.history.removed], [[], [], [], [], []]);
    assert.match(describeComparison(c, 'r/app:1', 'r/app:1'), /The same manifest \(same digest\): nothing differs\./);
  });

  it('finds history steps added and removed', function () {
    assert.deepEqual(compareHistory(['FROM', 'RUN a', 'RUN b', 'CMD x'], ['FROM', 'RUN a', 'RUN c', 'RUN d', 'CMD x']), {
      removed: ['RUN b'],
      added: ['RUN c', 'RUN d'],
    });
  });

  it('history diff: as many steps are common to both sides, and a history against itself has none', function () {
    const step = fc.constantFrom('FROM a', 'RUN x', 'RUN y', 'COPY .', 'CMD z', 'ENV A=1');
    fc.assert(
      fc.property(fc.array(step, { maxLength: 15 }), fc.array(step, { maxLength: 15 }), (a, b) => {
        const { removed, added } = compareHistory(a, b);
        assert.equal(a.length - removed.length, b.length - added.length);
        const same = compareHistory(a, a);
        assert.deepEqual(same, { removed: [], added: [] });
      }),
      { numRuns: 300 },
    );
  });

  it('normalises JSON: key order and whitespace do not matter', function () {
    assert.equal(
      normalisedJson(JSON.parse('{"b":1,"a":{"d":[{"y":1,"x":2}],"c":null}}')),
      normalisedJson({ a: { c: null, d: [{ x: 2, y: 1 }] }, b: 1 }),
    );
    assert.equal(normalisedJson({ b: 1, a: 2 }), '{\n  "a": 2,\n  "b": 1\n}\n');
  });

  it("pairs two indexes' platforms, naming those on one side only", function () {
    const index = (platforms: string[]): ImageIndex => ({
      schemaVersion: 2,
      manifests: platforms.map((p, i) => {
        const [os, architecture, variant] = p.split('/');
        return {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: digest(i + p.length),
          size: 1,
          platform: { os: os!, architecture: architecture!, ...(variant ? { variant } : {}) },
        };
      }),
    });
    const pairs = pairPlatforms(index(['linux/amd64', 'linux/arm64/v8']), index(['linux/amd64', 'linux/s390x']));
    assert.deepEqual(
      pairs.map((p) => [p.platform, !!p.before, !!p.after]),
      [
        ['linux/amd64', true, true],
        ['linux/arm64/v8', true, false],
        ['linux/s390x', false, true],
      ],
    );
    // BuildKit writes arm64 without its variant; official images write arm64/v8: the same platform.
    assert.deepEqual(
      pairPlatforms(index(['linux/amd64', 'linux/arm64/v8']), index(['linux/arm64', 'linux/amd64'])).map((p) => [
        p.platform,
        !!p.before,
        !!p.after,
      ]),
      [
        ['linux/amd64', true, true],
        ['linux/arm64/v8', true, true],
      ],
    );
  });

  it('shows hidden characters of registry text as escapes in the summary', function () {
    const c = compareImages(image(1, [1], { config: { Env: ['A=1'] } }), image(2, [1], { config: { Env: ['A=\u202Eevil'] } }));
    const text = describeComparison(c, 'a', 'b');
    assert.ok(!text.includes('\u202E'));
    assert.match(text, /Environment A: 1 → \\u202Eevil/);
  });
});
