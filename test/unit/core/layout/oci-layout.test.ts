import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { digestOf } from '../../../../src/core/oci/digest';
import type { Descriptor } from '../../../../src/core/oci/manifest';
import { ANNOTATION_REF_NAME, OciImageLayout } from '../../../../src/core/layout/oci-layout';
import { type BuiltImage, type BuiltIndex, type BuiltManifest, OciLayout } from '../../../support/lab/oci-layout';
import { copyGraph, listFiles, rejectsWithCode, TempFolders, verified } from '../../support/layout-helpers';

const KIB = 1024;

function blobDescriptor(bytes: Buffer): Descriptor {
  return { mediaType: 'application/octet-stream', digest: digestOf(bytes), size: bytes.length };
}

/** A stream that sends `first` and then fails, as a network read cut off half-way would. */
function failingStream(first: Buffer): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(first);
      } else {
        setImmediate(() => this.destroy(new Error('connection reset')));
      }
    },
  });
}

async function partialFiles(layout: OciImageLayout): Promise<string[]> {
  return (await readdir(join(layout.dir, 'blobs', 'sha256'))).filter((n) => n.startsWith('.'));
}

describe('layout: OciImageLayout', () => {
  const temp = new TempFolders();
  let fixture: OciLayout;
  let image: BuiltImage;
  let index: BuiltIndex;
  let artifact: BuiltManifest;

  before(async () => {
    fixture = await OciLayout.create(join(await temp.make(), 'fixture'));
    image = await fixture.image({ layers: [40 * KIB, 3 * KIB], seed: 'layout-unit', ref: 'app-1.0' });
    index = await fixture.multiPlatformIndex({ seed: 'layout-unit-multi', ref: 'multi' });
    artifact = await fixture.artifact({ artifactType: 'application/vnd.example.bundle.v1', files: { 'a.txt': 'hello\n' }, ref: 'bundle' });
  });
  after(() => temp.removeAll());

  describe('open', () => {
    it('creates the skeleton in a missing folder and reopens it', async () => {
      const dir = join(await temp.make(), 'new', 'layout');
      const created = await OciImageLayout.open(dir, { create: true });
      assert.equal(created.name, `oci:${dir}`);
      assert.deepEqual(JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
      assert.deepEqual((await created.readIndex()).manifests, []);
      assert.deepEqual((await OciImageLayout.open(dir)).name, created.name);
    });

    it('opens a layout written by another tool', async () => {
      const layout = await OciImageLayout.open(fixture.dir);
      assert.equal((await layout.resolve('app-1.0')).digest, image.descriptor.digest);
    });

    it('refuses folders that are not layouts', async () => {
      const parent = await temp.make();
      await rejectsWithCode(OciImageLayout.open(join(parent, 'missing')), 'NOT_A_LAYOUT', /does not exist/);
      await writeFile(join(parent, 'notes.txt'), 'x');
      await rejectsWithCode(OciImageLayout.open(parent), 'NOT_A_LAYOUT', /no oci-layout file/);
      await rejectsWithCode(OciImageLayout.open(parent, { create: true }), 'NOT_A_LAYOUT', /not empty/);
      await rejectsWithCode(OciImageLayout.open(join(parent, 'notes.txt')), 'NOT_A_LAYOUT', /file, not a folder/);
      const future = join(parent, 'future');
      await mkdir(future);
      await writeFile(join(future, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '2.0.0' }));
      await rejectsWithCode(OciImageLayout.open(future), 'NOT_A_LAYOUT', /version "2\.0\.0"/);
    });
  });

  describe('round trip', () => {
    it('copies an image, an index and an artifact byte for byte', async () => {
      const source = await OciImageLayout.open(fixture.dir);
      const target = await OciImageLayout.open(join(await temp.make(), 'copy'), { create: true });
      for (const built of [image, index, artifact]) await copyGraph(source, target, await source.resolve(built.ref), built.ref);
      for (const built of [image, index, artifact]) {
        const descriptor = await target.resolve(built.ref);
        assert.equal(descriptor.digest, built.descriptor.digest);
        assert.deepEqual(await target.fetchManifest(descriptor), built.bytes);
      }
      const blobs = (await listFiles(target.dir)).filter((f) => f.startsWith('blobs/'));
      for (const blob of blobs) assert.deepEqual(await readFile(join(target.dir, blob)), await readFile(join(fixture.dir, blob)), blob);
      assert.deepEqual(
        (await target.roots()).map((r) => r.refName),
        ['app-1.0', 'multi', 'bundle'],
      );
    });

    it('opens blobs as streams and reports missing ones', async () => {
      const layout = await OciImageLayout.open(fixture.dir);
      const layer = image.layers[0]!.descriptor;
      const chunks: Buffer[] = [];
      for await (const chunk of await layout.openBlob(layer)) chunks.push(chunk as Buffer);
      assert.equal(digestOf(Buffer.concat(chunks)), layer.digest);
      await rejectsWithCode(layout.openBlob(blobDescriptor(Buffer.from('absent'))), 'BLOB_NOT_FOUND');
    });
  });

  describe('resolve', () => {
    it('finds by ref name, by digest, or the only entry', async () => {
      const layout = await OciImageLayout.open(fixture.dir);
      assert.equal((await layout.resolve('multi')).digest, index.descriptor.digest);
      assert.equal((await layout.resolve(artifact.descriptor.digest)).digest, artifact.descriptor.digest);
      const single = await OciImageLayout.open(join(await temp.make(), 'single'), { create: true });
      await single.addRoot(image.descriptor, 'only');
      assert.equal((await single.resolve()).digest, image.descriptor.digest);
    });

    it('lists the names when the ref is unknown or missing', async () => {
      const layout = await OciImageLayout.open(fixture.dir);
      const unknown = await rejectsWithCode(layout.resolve('nope'), 'REF_NOT_FOUND');
      assert.match(unknown.message, /"app-1\.0".*"multi".*"bundle"/);
      const ambiguous = await rejectsWithCode(layout.resolve(), 'REF_AMBIGUOUS');
      assert.match(ambiguous.message, /"app-1\.0"/);
      const empty = await OciImageLayout.open(join(await temp.make(), 'empty'), { create: true });
      await rejectsWithCode(empty.resolve(), 'REF_NOT_FOUND', /empty/);
    });
  });

  describe('pushBlob', () => {
    it('leaves neither the blob nor a temporary file when the stream fails mid-way', async () => {
      const layout = await OciImageLayout.open(join(await temp.make(), 'fail'), { create: true });
      const bytes = Buffer.alloc(256 * KIB, 7);
      const descriptor = blobDescriptor(bytes);
      await assert.rejects(layout.pushBlob(descriptor, failingStream(bytes.subarray(0, 64 * KIB))), /connection reset/);
      assert.equal(await layout.hasBlob(descriptor), false);
      assert.deepEqual(await readdir(join(layout.dir, 'blobs', 'sha256')), []);
    });

    it('keeps nothing when the verifying stream finds other content', async () => {
      const layout = await OciImageLayout.open(join(await temp.make(), 'mismatch'), { create: true });
      const descriptor = blobDescriptor(Buffer.from('expected content'));
      await rejectsWithCode(
        layout.pushBlob(descriptor, verified(Readable.from([Buffer.from('other content!!!')]), descriptor)),
        'DIGEST_MISMATCH',
      );
      assert.deepEqual(await readdir(join(layout.dir, 'blobs', 'sha256')), []);
    });

    it('cancels on abort and cleans up', async () => {
      const layout = await OciImageLayout.open(join(await temp.make(), 'abort'), { create: true });
      const controller = new AbortController();
      const endless = new Readable({
        read() {
          this.push(Buffer.alloc(KIB));
          controller.abort();
        },
      });
      await rejectsWithCode(layout.pushBlob(blobDescriptor(Buffer.from('x')), endless, controller.signal), 'CANCELLED');
      assert.deepEqual(await partialFiles(layout), []);
    });

    it('resumes: a stored blob is found, a truncated one is not', async () => {
      const layout = await OciImageLayout.open(join(await temp.make(), 'resume'), { create: true });
      const bytes = Buffer.alloc(100 * KIB, 3);
      const descriptor = blobDescriptor(bytes);
      assert.equal(await layout.hasBlob(descriptor), false);
      await layout.pushBlob(descriptor, verified(Readable.from([bytes]), descriptor));
      assert.equal(await layout.hasBlob(descriptor), true);
      assert.equal(await layout.hasManifest(descriptor), true);
      await truncate(layout.blobPath(descriptor.digest), 10);
      assert.equal(await layout.hasBlob(descriptor), false);
    });

    it('takes concurrent pushes of one digest', async () => {
      const layout = await OciImageLayout.open(join(await temp.make(), 'same'), { create: true });
      const bytes = Buffer.alloc(512 * KIB, 9);
      const descriptor = blobDescriptor(bytes);
      const chunked = (): Readable => Readable.from(Array.from({ length: 8 }, (_, i) => bytes.subarray(i * 64 * KIB, (i + 1) * 64 * KIB)));
      await Promise.all(Array.from({ length: 6 }, () => layout.pushBlob(descriptor, verified(chunked(), descriptor))));
      assert.deepEqual(await readdir(join(layout.dir, 'blobs', 'sha256')), [descriptor.digest.slice(7)]);
      assert.deepEqual(await readFile(layout.blobPath(descriptor.digest)), bytes);
    });
  });

  describe('manifests and index.json', () => {
    it('keeps every entry when many tags are pushed at once, from two handles', async () => {
      const dir = join(await temp.make(), 'tags');
      const [first, second] = [await OciImageLayout.open(dir, { create: true }), await OciImageLayout.open(dir)];
      const tags = Array.from({ length: 24 }, (_, i) => `v${i}`);
      await Promise.all(tags.map((tag, i) => (i % 2 ? first : second).pushManifest(image.descriptor, image.bytes, tag)));
      const names = (await first.roots()).map((r) => r.refName).sort();
      assert.deepEqual(names, [...tags].sort());
      assert.deepEqual(await partialFiles(first), []);
      assert.deepEqual((await readdir(dir)).sort(), ['blobs', 'index.json', 'oci-layout']);
    });

    it('keeps every entry when two processes tag into one folder at once', async function () {
      this.timeout(60_000);
      const dir = join(await temp.make(), 'two-processes');
      await OciImageLayout.open(dir, { create: true });
      // Each process is this module as compiled beside the test, tagging 100 names of its own,
      // both starting at the same moment so their updates overlap.
      const layoutModule = require.resolve('../../../../src/core/layout/oci-layout');
      const script = `const { OciImageLayout } = require(${JSON.stringify(layoutModule)});
        (async () => {
          const layout = await OciImageLayout.open(process.argv[1]);
          const descriptor = JSON.parse(process.argv[2]);
          await new Promise((r) => setTimeout(r, Math.max(0, Number(process.argv[4]) - Date.now())));
          for (let i = 0; i < 100; i++) await layout.addRoot(descriptor, process.argv[3] + i);
        })().catch((err) => { console.error(err); process.exit(1); });`;
      const startAt = String(Date.now() + 2000);
      const run = (prefix: string): Promise<void> =>
        new Promise((resolve, reject) => {
          const child = spawn(process.execPath, ['-e', script, dir, JSON.stringify(image.descriptor), prefix, startAt], {
            stdio: ['ignore', 'ignore', 'pipe'],
            timeout: 50_000,
          });
          let stderr = '';
          child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
          child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the ${prefix} writer exited with ${code}: ${stderr}`))));
        });
      await Promise.all([run('a-'), run('b-')]);
      const names = (await (await OciImageLayout.open(dir)).roots()).map((r) => r.refName).sort();
      const expected = ['a-', 'b-'].flatMap((p) => Array.from({ length: 100 }, (_, i) => `${p}${i}`)).sort();
      assert.deepEqual(names, expected, "no writer lost another one's entries");
      assert.deepEqual((await readdir(dir)).sort(), ['blobs', 'index.json', 'oci-layout'], 'the lock is gone');
    });

    it('moves a tag to a new manifest and lists untagged roots once', async () => {
      const layout = await OciImageLayout.open(join(await temp.make(), 'retag'), { create: true });
      await layout.pushManifest(image.descriptor, image.bytes, 'latest');
      await layout.pushManifest(artifact.descriptor, artifact.bytes, 'latest');
      await layout.addRoot(image.descriptor);
      await layout.addRoot(image.descriptor);
      const index = await layout.readIndex();
      assert.deepEqual(
        index.manifests.map((d) => [d.digest, d.annotations?.[ANNOTATION_REF_NAME]]),
        [
          [artifact.descriptor.digest, 'latest'],
          [image.descriptor.digest, undefined],
        ],
      );
      assert.equal(index.mediaType, 'application/vnd.oci.image.index.v1+json');
    });

    it('refuses manifest bytes that do not match and damaged stored manifests', async () => {
      const layout = await OciImageLayout.open(join(await temp.make(), 'verify'), { create: true });
      await rejectsWithCode(layout.pushManifest(image.descriptor, Buffer.from(`${image.bytes.toString()} `), 'x'), 'SIZE_MISMATCH');
      const wrong = Buffer.from(image.bytes.toString().replace('"schemaVersion": 2', '"schemaVersion":02'));
      await rejectsWithCode(layout.pushManifest(image.descriptor, wrong, 'x'), 'DIGEST_MISMATCH');
      assert.deepEqual((await layout.readIndex()).manifests, []);
      await layout.pushManifest(image.descriptor, image.bytes, 'x');
      await writeFile(layout.blobPath(image.descriptor.digest), wrong);
      await rejectsWithCode(layout.fetchManifest(image.descriptor), 'DIGEST_MISMATCH', /Manifest sha256:/);
      await rejectsWithCode(layout.fetchManifest(artifact.descriptor), 'BLOB_NOT_FOUND');
    });

    it('keeps no file of refused manifest bytes: nothing under blobs/<alg>/<hex>, final or partial, and the right bytes store later', async () => {
      const layout = await OciImageLayout.open(join(await temp.make(), 'refused'), { create: true });
      const longer = Buffer.from(`${image.bytes.toString()} `);
      const sameSize = Buffer.from(image.bytes.toString().replace('"schemaVersion": 2', '"schemaVersion":02'));
      assert.equal(sameSize.length, image.bytes.length);
      for (const [bytes, code] of [
        [longer, 'SIZE_MISMATCH'],
        [sameSize, 'DIGEST_MISMATCH'],
      ] as const) {
        for (const tag of ['x', undefined]) {
          await rejectsWithCode(layout.pushManifest(image.descriptor, bytes, tag), code);
          assert.deepEqual(await listFiles(join(layout.dir, 'blobs')), [], `nothing stored for ${code} (tag ${String(tag)})`);
          assert.equal(await layout.hasManifest(image.descriptor), false);
          assert.deepEqual((await layout.readIndex()).manifests, []);
        }
      }
      await layout.pushManifest(image.descriptor, image.bytes, 'x');
      assert.deepEqual(await layout.fetchManifest(image.descriptor), image.bytes);
    });

    it('refuses an index.json over the manifest limit without reading it', async () => {
      const layout = await OciImageLayout.open(join(await temp.make(), 'huge-index'), { create: true });
      // A sparse file: 64 MiB on paper, nothing on disk; reading it whole is what must not happen.
      await truncate(join(layout.dir, 'index.json'), 64 * 1024 * 1024);
      await rejectsWithCode(
        layout.readIndex(),
        'MANIFEST_TOO_LARGE',
        /index\.json .* 67108864 bytes, .*it was not read: the layout is damaged/,
      );
    });
  });
});
