import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadTarget } from '../../../../src/core/oci/content';
import { digestOf } from '../../../../src/core/oci/digest';
import { CoreError } from '../../../../src/core/errors';
import { type Descriptor, type ImageManifest, parseManifest } from '../../../../src/core/oci/manifest';
import {
  ANNOTATION_CREATED,
  ANNOTATION_TITLE,
  checkTitleSet,
  EMPTY_CONFIG,
  extractArtifactFiles,
  FileArtifactSource,
  isCaseInsensitive,
  safeArtifactPath,
} from '../../../../src/core/layout/artifact-files';
import { OciImageLayout } from '../../../../src/core/layout/oci-layout';
import { copyGraph, listFiles, rejectsWithCode, TempFolders } from '../../support/layout-helpers';

const ARTIFACT_TYPE = 'application/vnd.example.bundle.v1';

describe('layout: safeArtifactPath', () => {
  const folder = join(sep, 'downloads', 'bundle');

  it('takes a title of a million parts (its parts are not spread into a call), and the title set refuses it as too long', () => {
    const deep = `${'a/'.repeat(1_000_000)}x`;
    assert.equal(safeArtifactPath(folder, deep), join(folder, deep));
    assert.throws(
      () => checkTitleSet([deep], { caseInsensitive: false, folder }, (problem) => problem),
      (err: unknown) => err instanceof CoreError && err.code === 'NAME_TOO_LONG',
    );
  });

  it('places plain and nested titles inside the folder', () => {
    assert.equal(safeArtifactPath(folder, 'app.yaml'), join(folder, 'app.yaml'));
    assert.equal(safeArtifactPath(folder, 'docs/guide.md'), join(folder, 'docs', 'guide.md'));
    assert.equal(safeArtifactPath(folder, '..hidden'), join(folder, '..hidden'));
    assert.equal(safeArtifactPath(folder, 'a..b/c'), join(folder, 'a..b', 'c'));
  });

  const hostile: [title: string, reason: RegExp][] = [
    ['', /is empty/],
    ['   ', /is empty/],
    ['..', /contains "\.\."/],
    ['../evil', /contains "\.\."/],
    ['a/../../evil', /contains "\.\."/],
    ['a/..', /contains "\.\."/],
    ['/etc/passwd', /absolute path/],
    ['//server/share/x', /absolute path/],
    ['C:\\Windows\\evil.dll', /backslash/],
    ['C:evil', /drive letter/],
    ['c:/evil', /drive letter/],
    ['..\\evil', /backslash/],
    ['dir\\file', /backslash/],
    ['evil\0.txt', /NUL/],
    ['a//b', /empty or "\." part/],
    ['dir/', /empty or "\." part/],
    ['.', /empty or "\." part/],
    ['./a', /empty or "\." part/],
  ];
  for (const [title, reason] of hostile) {
    it(`refuses ${JSON.stringify(title)}`, () => {
      assert.throws(
        () => safeArtifactPath(folder, title),
        (err: unknown) =>
          err instanceof CoreError &&
          err.code === 'UNSAFE_PATH' &&
          reason.test(err.message) &&
          /outside the chosen folder/.test(err.message),
      );
    });
  }
});

describe('layout: FileArtifactSource and extractArtifactFiles', () => {
  const temp = new TempFolders();
  let input: string;
  const contents: Record<string, Buffer> = {
    'config.yaml': Buffer.from('replicas: 2\n'),
    'empty.txt': Buffer.alloc(0),
    'big.bin': Buffer.from(Array.from({ length: 3 * 1024 * 1024 }, (_, i) => (i * 31) % 251)),
  };

  before(async () => {
    input = await temp.make('artifact-in-');
    for (const [name, bytes] of Object.entries(contents)) await writeFile(join(input, name), bytes);
  });
  after(() => temp.removeAll());

  const inputs = (): { path: string; title?: string; mediaType?: string }[] => [
    { path: join(input, 'config.yaml'), mediaType: 'application/yaml' },
    { path: join(input, 'empty.txt') },
    { path: join(input, 'big.bin'), title: 'data/big.bin' },
  ];

  it('builds an ORAS-style manifest', async () => {
    const created = new Date('2024-05-06T07:08:09.000Z');
    const subject: Descriptor = {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: digestOf('subject'),
      size: 7,
      annotations: { x: 'y' },
    };
    const source = await FileArtifactSource.create(inputs(), {
      artifactType: ARTIFACT_TYPE,
      annotations: { 'org.example.note': 'hi' },
      fileAnnotations: { 'empty.txt': { 'org.example.kind': 'placeholder' } },
      subject,
      created,
    });
    const bytes = await source.fetchManifest(source.root);
    assert.equal(digestOf(bytes), source.root.digest);
    assert.equal(source.root.artifactType, ARTIFACT_TYPE);
    const parsed = parseManifest(bytes, source.root.digest, undefined, 'artifact');
    assert.equal(parsed.kind, 'image');
    const manifest = (parsed as { manifest: ImageManifest }).manifest;
    assert.equal(manifest.artifactType, ARTIFACT_TYPE);
    assert.deepEqual(manifest.config, {
      mediaType: 'application/vnd.oci.empty.v1+json',
      digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
      size: 2,
      data: 'e30=',
    });
    assert.deepEqual(manifest.subject, { mediaType: subject.mediaType, digest: subject.digest, size: 7 });
    assert.deepEqual(manifest.annotations, { [ANNOTATION_CREATED]: '2024-05-06T07:08:09.000Z', 'org.example.note': 'hi' });
    assert.deepEqual(
      manifest.layers.map((l) => [l.mediaType, l.annotations]),
      [
        ['application/yaml', { [ANNOTATION_TITLE]: 'config.yaml' }],
        ['application/vnd.oci.image.layer.v1.tar', { 'org.example.kind': 'placeholder', [ANNOTATION_TITLE]: 'empty.txt' }],
        ['application/vnd.oci.image.layer.v1.tar', { [ANNOTATION_TITLE]: 'data/big.bin' }],
      ],
    );
    assert.deepEqual(
      manifest.layers.map((l) => [l.digest, l.size]),
      [contents['config.yaml']!, contents['empty.txt']!, contents['big.bin']!].map((b) => [digestOf(b), b.length]),
    );
  });

  it('round-trips files byte for byte, directly and through a layout', async () => {
    const source = await FileArtifactSource.create(inputs(), { artifactType: ARTIFACT_TYPE });
    const manifest = JSON.parse((await source.fetchManifest(source.root)).toString()) as ImageManifest;
    const direct = await temp.make('artifact-out-');
    let progress = 0;
    const result = await extractArtifactFiles(source, manifest, direct, { onBytes: (n) => (progress += n) });
    assert.deepEqual(result.files, [join(direct, 'config.yaml'), join(direct, 'empty.txt'), join(direct, 'data', 'big.bin')]);
    assert.deepEqual(result.skipped, []);
    assert.equal(
      progress,
      Object.values(contents).reduce((sum, b) => sum + b.length, 0),
    );
    assert.deepEqual(await listFiles(direct), ['config.yaml', 'data/big.bin', 'empty.txt']);
    for (const [name, bytes] of Object.entries(contents))
      assert.deepEqual(await readFile(safeArtifactPath(direct, name === 'big.bin' ? 'data/big.bin' : name)), bytes);

    const layout = await OciImageLayout.open(join(await temp.make(), 'layout'), { create: true });
    await copyGraph(source, layout, source.root, 'v1');
    const viaLayout = await temp.make('artifact-out-');
    await extractArtifactFiles(
      layout,
      JSON.parse((await layout.fetchManifest(await layout.resolve('v1'))).toString()) as ImageManifest,
      viaLayout,
    );
    assert.deepEqual(await readFile(join(viaLayout, 'data', 'big.bin')), contents['big.bin']);
  });

  it('refuses duplicate titles, folders and missing files when building', async () => {
    await rejectsWithCode(
      FileArtifactSource.create([{ path: join(input, 'config.yaml') }, { path: join(input, 'big.bin'), title: 'config.yaml' }], {
        artifactType: ARTIFACT_TYPE,
      }),
      'DUPLICATE_TITLE',
    );
    await rejectsWithCode(FileArtifactSource.create([{ path: input }], { artifactType: ARTIFACT_TYPE }), 'NOT_A_FILE');
    await rejectsWithCode(FileArtifactSource.create([{ path: join(input, 'nope') }], { artifactType: ARTIFACT_TYPE }), 'FILE_NOT_FOUND');
    await rejectsWithCode(
      FileArtifactSource.create([{ path: join(input, 'config.yaml'), title: '../x' }], { artifactType: ARTIFACT_TYPE }),
      'UNSAFE_PATH',
    );
    await rejectsWithCode(
      FileArtifactSource.create([{ path: join(input, 'config.yaml') }], { artifactType: ARTIFACT_TYPE, fileAnnotations: { other: {} } }),
      'BAD_ANNOTATIONS',
    );
  });

  it('skips untitled layers, refuses to overwrite unless asked, and leaves no temporary files', async () => {
    const source = await FileArtifactSource.create(inputs().slice(0, 1), { artifactType: ARTIFACT_TYPE });
    const manifest = JSON.parse((await source.fetchManifest(source.root)).toString()) as ImageManifest;
    const untitled: Descriptor = { mediaType: 'application/octet-stream', digest: EMPTY_CONFIG.digest, size: 2 };
    const withUntitled: ImageManifest = { ...manifest, layers: [...manifest.layers, untitled] };
    const out = await temp.make('artifact-out-');
    await writeFile(join(out, 'config.yaml'), 'old');
    await rejectsWithCode(extractArtifactFiles(source, withUntitled, out), 'FILE_EXISTS', /config\.yaml already exists/);
    assert.equal(await readFile(join(out, 'config.yaml'), 'utf8'), 'old');
    await mkdir(join(out, 'blocked', 'config.yaml'), { recursive: true });
    await rejectsWithCode(extractArtifactFiles(source, withUntitled, join(out, 'blocked'), { overwrite: true }), 'NOT_A_FILE');
    await rm(join(out, 'blocked'), { recursive: true });
    const result = await extractArtifactFiles(source, withUntitled, out, { overwrite: true });
    assert.deepEqual(result.skipped, [untitled]);
    assert.deepEqual(await readFile(join(out, 'config.yaml')), contents['config.yaml']);
    assert.deepEqual(await readdir(out), ['config.yaml']);
  });

  it('refuses hostile or duplicate titles before writing anything', async () => {
    const source = await FileArtifactSource.create(inputs().slice(0, 1), { artifactType: ARTIFACT_TYPE });
    const layer = (title: string): Descriptor => ({
      mediaType: 'text/plain',
      digest: digestOf('x'),
      size: 1,
      annotations: { [ANNOTATION_TITLE]: title },
    });
    const manifest = (...titles: string[]): ImageManifest => ({ schemaVersion: 2, config: EMPTY_CONFIG, layers: titles.map(layer) });
    const out = await temp.make('artifact-out-');
    await rejectsWithCode(extractArtifactFiles(source, manifest('ok.txt', '../escape.txt'), out), 'UNSAFE_PATH');
    await rejectsWithCode(extractArtifactFiles(source, manifest('same.txt', 'same.txt'), out), 'DUPLICATE_TITLE');
    assert.deepEqual(await readdir(out), []);
  });

  it('refuses to write through a link already in the folder, and writes nothing', async () => {
    const source = await FileArtifactSource.create(inputs().slice(0, 1), { artifactType: ARTIFACT_TYPE });
    const [file] = (JSON.parse((await source.fetchManifest(source.root)).toString()) as ImageManifest).layers;
    const outside = await temp.make('artifact-outside-');
    const out = await temp.make('artifact-out-');
    await symlink(outside, join(out, 'sub'));
    const titled = (title: string): ImageManifest => ({
      schemaVersion: 2,
      config: EMPTY_CONFIG,
      layers: [{ ...file!, annotations: { [ANNOTATION_TITLE]: title } }],
    });
    await rejectsWithCode(
      extractArtifactFiles(source, titled('sub/deeper/x.txt'), out),
      'UNSAFE_PATH',
      /through .*sub, which is a link or a file/,
    );
    await rejectsWithCode(extractArtifactFiles(source, titled('sub/x.txt'), out), 'UNSAFE_PATH');
    assert.deepEqual(await readdir(outside), [], 'nothing was written where the link points');
    // A real folder on the way is fine.
    await mkdir(join(out, 'real'));
    const written = await extractArtifactFiles(source, titled('real/x.txt'), out);
    assert.deepEqual(written.files, [join(out, 'real', 'x.txt')]);
  });

  it('removes the temporary file when a layer does not match its digest', async () => {
    const lying: ReadTarget = {
      name: 'lying source',
      fetchManifest: () => Promise.reject(new Error('unused')),
      openBlob: async () => Readable.from([Buffer.from('not what was promised')]),
    };
    const layer: Descriptor = {
      mediaType: 'text/plain',
      digest: digestOf('promised content!!!!!'),
      size: 21,
      annotations: { [ANNOTATION_TITLE]: 'f.txt' },
    };
    const out = join(await temp.make('artifact-out-'), 'nested');
    await mkdir(out);
    await rejectsWithCode(
      extractArtifactFiles(lying, { schemaVersion: 2, config: EMPTY_CONFIG, layers: [layer] }, out),
      'DIGEST_MISMATCH',
      /File "f\.txt" from lying source/,
    );
    assert.deepEqual(await readdir(out), []);
  });
});

describe('layout: artifact titles checked as a set before anything is written', () => {
  const temp = new TempFolders();
  after(() => temp.removeAll());

  /** A source that has every layer (each is the one byte 'x'), so only the titles can fail. */
  const honest: ReadTarget = {
    name: 'test source',
    fetchManifest: () => Promise.reject(new Error('unused')),
    openBlob: async () => Readable.from([Buffer.from('x')]),
  };
  const titled = (...titles: string[]): ImageManifest => ({
    schemaVersion: 2,
    config: EMPTY_CONFIG,
    layers: titles.map((title) => ({
      mediaType: 'text/plain',
      digest: digestOf('x'),
      size: 1,
      annotations: { [ANNOTATION_TITLE]: title },
    })),
  });
  const nextStep = /; nothing was written: pull the artifact into an OCI layout folder instead, where files are named by digest\.$/;

  it('refuses a 300-character title as too long, with a CoreError instead of ENAMETOOLONG', async () => {
    const out = await temp.make('artifact-out-');
    const err = await rejectsWithCode(
      extractArtifactFiles(honest, titled('ok.txt', 'n'.repeat(300)), out),
      'NAME_TOO_LONG',
      /has a part of 300 bytes, longer than the 255 bytes a file system allows for one name/,
    );
    assert.match(err.message, nextStep);
    assert.deepEqual(await readdir(out), []);
  });

  it('writes a title of 255 bytes, the longest a file name may be', async () => {
    const out = await temp.make('artifact-out-');
    const longest = `${'é'.repeat(126)}.txt`.slice(0, -1);
    assert.equal(Buffer.byteLength(longest), 255);
    await extractArtifactFiles(honest, titled(longest), out);
    assert.deepEqual(await readdir(out), [longest]);
  });

  it('refuses a title that is a file and also a folder of another, in either order, writing nothing', async () => {
    for (const titles of [
      ['a/b', 'a'],
      ['a', 'a/b'],
      ['x/y/z.txt', 'x/y'],
    ]) {
      const out = await temp.make('artifact-out-');
      await rejectsWithCode(extractArtifactFiles(honest, titled(...titles), out), 'TITLE_CONFLICT', /as a file and also as a folder/);
      assert.deepEqual(await readdir(out), [], titles.join(' + '));
    }
  });

  it('refuses pushing titles that could not be pulled as files', async () => {
    const folder = await temp.make('artifact-in-');
    await writeFile(join(folder, 'f.txt'), 'x');
    const path = join(folder, 'f.txt');
    await rejectsWithCode(
      FileArtifactSource.create(
        [
          { path, title: 'a' },
          { path, title: 'a/b' },
        ],
        { artifactType: ARTIFACT_TYPE },
      ),
      'TITLE_CONFLICT',
      /: give the files other titles\.$/,
    );
    await rejectsWithCode(FileArtifactSource.create([{ path, title: 'n'.repeat(256) }], { artifactType: ARTIFACT_TYPE }), 'NAME_TOO_LONG');
  });

  it('compares titles as a case-insensitive file system does, and tells whether one is', async () => {
    const insensitive = { caseInsensitive: true, folder: undefined };
    const word = (problem: string): string => problem;
    assert.throws(
      () => checkTitleSet(['README.md', 'readme.md'], insensitive, word),
      (e: unknown) => e instanceof CoreError && e.code === 'DUPLICATE_TITLE' && /takes for the same file/.test(e.message),
    );
    assert.throws(
      () => checkTitleSet(['Docs/a.md', 'docs'], insensitive, word),
      (e: unknown) => e instanceof CoreError && e.code === 'TITLE_CONFLICT',
    );
    assert.throws(
      () => checkTitleSet(['caf\u00e9.txt', 'cafe\u0301.txt'], insensitive, word),
      (e: unknown) => e instanceof CoreError && e.code === 'DUPLICATE_TITLE',
    );
    assert.doesNotThrow(() => checkTitleSet(['README.md', 'readme.md'], { caseInsensitive: false, folder: undefined }, word));
    // The answer must match what this file system does with a folder named in both cases.
    const probe = join(await temp.make('case-'), 'CaseProbe');
    await mkdir(probe);
    const folds = await readdir(join(probe, '..', 'caseprobe')).then(
      () => true,
      () => false,
    );
    assert.equal(await isCaseInsensitive(join(probe, 'not-yet', 'deeper')), folds);
  });
});
