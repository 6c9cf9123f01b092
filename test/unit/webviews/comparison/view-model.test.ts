// The comparison panel's model: built from the core's comparisons of images whose every registry
// string is hostile (markup, script, bidi overrides, megabytes), it carries those strings as plain
// data only, clipped, in bounded lists whose left-out rows are counted; platforms both sides have
// come first; an image compared with itself says nothing differs.
import assert from 'node:assert/strict';
import { compareImages, type ComparedImage } from '../../../../src/core/operations/compare';
import { compareFileSystems, type FileSystem } from '../../../../src/core/operations/compare-files';
import type { LayerFileEntry } from '../../../../src/core/layers/layer-files';
import { comparePackages } from '../../../../src/core/operations/compare-packages';
import type { SbomSearch } from '../../../../src/core/operations/image-sbom';
import type { SbomPackage } from '../../../../src/core/oci/sbom';
import {
  comparisonModel,
  filesModel,
  MAX_FILE_ROWS,
  MAX_PACKAGE_ROWS,
  MAX_PLATFORMS,
  MAX_ROWS,
  packagesModel,
  sizeChangeText,
  type SideInput,
} from '../../../../src/webviews/comparison/view-model';

const D = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
const HOSTILE = {
  script: '<script>window.__pwned=1</script>',
  img: '"><img src=x onerror="window.__pwned=1">',
  bidi: 'invoice\u202Etxt.exe',
};
const side = (reference: string, digest: string, isIndex = false): SideInput => ({
  reference,
  name: reference.slice(reference.indexOf('/') + 1),
  digest,
  kind: isIndex ? 'OCI image index' : 'OCI image manifest',
  isIndex,
});

function image(digest: string, layers: number[], config: Record<string, unknown> = {}, history: string[] = []): ComparedImage {
  return {
    digest,
    manifest: {
      schemaVersion: 2,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: D(999), size: 100 },
      layers: layers.map((n) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: D(n), size: n * 1000 })),
    },
    config: { architecture: 'amd64', os: 'linux', config, history: history.map((created_by) => ({ created_by })) },
  };
}

/** Every string anywhere in a model, found without recursion. */
function strings(value: unknown): string[] {
  const found: string[] = [];
  const pending = [value];
  while (pending.length) {
    const next = pending.pop();
    if (typeof next === 'string') found.push(next);
    else if (next && typeof next === 'object') pending.push(...Object.values(next));
  }
  return found;
}

describe('comparison view model', function () {
  it('carries hostile registry strings as data, clipped, and never as anything else', function () {
    const before = image(D(1), [1, 2], { Env: [`A=${HOSTILE.script}`], Labels: { [HOSTILE.img]: 'x' }, User: 'root' }, [HOSTILE.bidi]);
    const after = image(D(2), [2, 3], { Env: [`A=${'y'.repeat(100_000)}`], User: HOSTILE.img, Entrypoint: [HOSTILE.script] }, []);
    const model = comparisonModel(side(`r.test/app:${HOSTILE.img}`, D(1)), side(`r.test/app:${HOSTILE.script}`, D(2)), [
      { comparison: compareImages(before, after), layers: { before: before.manifest.layers, after: after.manifest.layers }, configs: true },
    ]);
    const p = model.platforms[0]!;
    assert.equal(model.identical, false);
    assert.deepEqual(
      p.settings.rows.map((s) => s.setting.text),
      ['Entrypoint', 'User', 'Environment A', `Label ${HOSTILE.img}`],
    );
    const env = p.settings.rows.find((s) => s.setting.text === 'Environment A')!;
    assert.equal(env.before!.text, HOSTILE.script);
    assert.equal(env.after!.text.length, 1024, 'a huge value is cut');
    assert.equal(env.after!.omitted, 100_000 - 1024);
    assert.deepEqual(p.history.removed.rows, [{ text: HOSTILE.bidi }], 'the history step is the text itself');
    assert.deepEqual([p.layers.shared.total, p.layers.added.total, p.layers.removed.total], [1, 1, 1]);
    assert.equal(p.size.change, 2000);
    assert.equal(p.sameLayers, false);
    // Registry strings only ever appear as whole values (the webview sets them as text), never spliced into markup of ours.
    for (const s of strings(model))
      if (s.includes('<'))
        assert.ok(
          Object.values(HOSTILE).some((h) => s.includes(h)),
          s,
        );
    assert.equal(model.title, `app:${HOSTILE.img} ↔ app:${HOSTILE.script}`, 'the title is the names as given');
  });

  it('says an image compared with itself has no differences', function () {
    const a = image(D(1), [1, 2], { User: 'app' }, ['RUN a']);
    const model = comparisonModel(side('r.test/app:1', D(1)), side('r.test/app:1', D(1)), [
      { comparison: compareImages(a, a), layers: { before: a.manifest.layers, after: a.manifest.layers }, configs: true },
    ]);
    const p = model.platforms[0]!;
    assert.equal(model.identical, true);
    assert.equal(p.identical, true);
    assert.equal(p.sameLayers, true, 'the same layers: the files need not be read');
    assert.equal(p.settings.total, 0);
    assert.deepEqual([p.history.added.total, p.history.removed.total], [0, 0]);
    assert.equal(p.size.text, '3.0 KiB → 3.0 KiB (no change)');
  });

  it('bounds every list and counts what it left out', function () {
    const many = Array.from({ length: MAX_ROWS + 25 }, (_, i) => i + 10);
    const before = image(D(1), [], { Labels: Object.fromEntries(many.map((i) => [`l${i}`, 'a'])) }, []);
    const after = image(
      D(2),
      many,
      {},
      many.map((i) => `RUN step ${i}`),
    );
    const model = comparisonModel(side('r.test/a:1', D(1)), side('r.test/a:2', D(2)), [{ comparison: compareImages(before, after) }]);
    const p = model.platforms[0]!;
    assert.deepEqual([p.layers.added.rows.length, p.layers.added.omitted, p.layers.added.total], [MAX_ROWS, 25, MAX_ROWS + 25]);
    assert.deepEqual([p.settings.rows.length, p.settings.omitted], [MAX_ROWS, 25]);
    assert.deepEqual([p.history.added.rows.length, p.history.added.omitted], [MAX_ROWS, 25]);
  });

  it('lists the platforms both indexes have first, then those only one has, up to a bound', function () {
    const a = image(D(1), [1]);
    const platforms = [
      { platform: 'linux/s390x', only: 'after' as const },
      { platform: 'linux/amd64', comparison: compareImages(a, a) },
      ...Array.from({ length: MAX_PLATFORMS + 3 }, (_, i) => ({ platform: `linux/arch${i}`, only: 'before' as const })),
    ];
    const model = comparisonModel(side('r.test/a:1', D(5), true), side('r.test/a:2', D(6), true), platforms);
    assert.equal(model.indexes, true);
    assert.deepEqual(
      model.platforms.slice(0, 2).map((p) => [p.platform, p.only]),
      [
        ['linux/amd64', undefined],
        ['linux/s390x', 'after'],
      ],
    );
    assert.equal(model.platforms.length, MAX_PLATFORMS);
    assert.equal(model.platformsOmitted, 5);
  });

  it('turns a file comparison into bounded rows, hostile paths as text', function () {
    const entry = (path: string, more: Partial<LayerFileEntry> = {}): LayerFileEntry => ({
      path,
      type: 'file',
      size: 10,
      mode: 0o644,
      uid: 0,
      gid: 0,
      ...more,
    });
    const before: FileSystem = new Map([
      ['etc/passwd', entry('etc/passwd')],
      [`etc/${HOSTILE.img}`, entry(`etc/${HOSTILE.img}`)],
    ]);
    const after = new Map<string, LayerFileEntry>([['etc/passwd', entry('etc/passwd', { mode: 0o600, size: 20 })]]);
    for (let i = 0; i < MAX_FILE_ROWS + 2; i++) after.set(`usr/f${i}`, entry(`usr/f${i}`));
    const files = filesModel(compareFileSystems(before, after));
    assert.deepEqual(files.removed.rows, [{ path: { text: `etc/${HOSTILE.img}` }, type: 'file', sizeText: '10 B' }]);
    assert.deepEqual(files.changed.rows[0], {
      path: { text: 'etc/passwd' },
      changes: [{ text: 'size 10 → 20' }, { text: 'mode 0644 → 0600' }],
    });
    assert.deepEqual([files.added.rows.length, files.added.omitted], [MAX_FILE_ROWS, 2]);
    assert.equal(files.note, undefined);
    assert.equal(
      filesModel(compareFileSystems(before, after), 2).note,
      '2 layers are foreign or non-distributable, hosted outside the registry at the URLs the manifest gives, so their files are not included.',
    );
  });

  it('says size changes with their sign', function () {
    assert.equal(sizeChangeText(0), 'no change');
    assert.equal(sizeChangeText(2048), '+2.0 KiB');
    assert.equal(sizeChangeText(-10), '−10 B');
  });

  describe('packages', function () {
    const found = (
      packages: SbomPackage[],
      place: 'attestation-manifest' | 'referrer' | 'cosign-tag' = 'attestation-manifest',
    ): SbomSearch => ({
      found: { sbom: { format: 'SPDX-2.3', packages, omitted: 0 }, place, manifest: D(50), blob: D(51) },
      problems: [],
    });

    it('says where each SBOM was found, carries hostile package text as clipped data, and bounds each list', function () {
      const before = [{ name: HOSTILE.script, version: '1', license: HOSTILE.img, purl: `pkg:npm/${HOSTILE.bidi}@1` }];
      const after = [
        { name: HOSTILE.script, version: '2'.repeat(5000), license: HOSTILE.img, purl: `pkg:npm/${HOSTILE.bidi}@2` },
        ...Array.from({ length: MAX_PACKAGE_ROWS + 3 }, (_, i) => ({ name: `p${i}`, version: '1' })),
      ];
      const model = packagesModel(
        { reference: 'r.test/app:1', search: found(before), throughIndex: true },
        { reference: 'r.test/app:2', search: { ...found(after, 'cosign-tag'), problems: ['x'.repeat(5000)] }, throughIndex: true },
        comparePackages(before, after),
      );
      assert.deepEqual(model.before, {
        format: 'SPDX-2.3',
        place: "BuildKit's attestation manifest in the index",
        manifest: D(50),
        blob: D(51),
        omitted: 0,
      });
      assert.equal(model.after?.place, "cosign's .att tag");
      assert.equal(model.missing, undefined);
      const changed = model.changed.rows[0]!;
      assert.deepEqual(changed.name, { text: HOSTILE.script });
      assert.equal(changed.after.text.length, 1024, 'a huge version is clipped');
      assert.equal(changed.after.omitted, 5000 - 1024);
      assert.deepEqual(changed.purl, { text: `pkg:npm/${HOSTILE.bidi}@2` }, 'as written: the page shows the override as an escape');
      assert.deepEqual([model.added.rows.length, model.added.omitted, model.added.total], [MAX_PACKAGE_ROWS, 3, MAX_PACKAGE_ROWS + 3]);
      assert.equal(model.problems[0]!.length <= 513, true, 'a problem is clipped');
    });

    it('says which side has no SBOM, where it was looked for, and how to add one', function () {
      const none: SbomSearch = { problems: [] };
      const one = packagesModel(
        { reference: 'r.test/app:1', search: found([{ name: 'bash' }]), throughIndex: true },
        { reference: 'r.test/app:2', search: none, throughIndex: true },
        undefined,
      );
      assert.match(one.missing!, /^r\.test\/app:2 has no SBOM \(/);
      assert.match(
        one.missing!,
        /BuildKit's attestations in the index, and the SBOM referrers and cosign's \.att tag of the image and of the index, were looked at/,
      );
      assert.match(one.missing!, /docker buildx build --sbom=true/);
      assert.deepEqual([one.added.total, one.removed.total, one.changed.total, one.unchanged], [0, 0, 0, 0]);
      const neither = packagesModel(
        { reference: 'r.test/app@sha256:1', search: none, throughIndex: false },
        { reference: 'r.test/app:2', search: none, throughIndex: true },
        undefined,
      );
      assert.match(neither.missing!, /^Neither r\.test\/app@sha256:1 nor r\.test\/app:2 has an SBOM/);
      assert.match(
        neither.missing!,
        /BuildKit lists its SBOMs in the index, and tools attach them to the index a tag names, so compare the tags/,
        'an image compared without its index is told why',
      );
    });
  });
});
