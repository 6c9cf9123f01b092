// What an OCI layout refuses, and what it leaves behind when it does: a folder that is not a
// layout (or a damaged one: its oci-layout file or index.json missing, too large, not JSON, of
// another version, a folder or a link loop), a manifest over the size limit or not matching its
// descriptor, a blob that arrives with the wrong size or digest, a blob whose place is taken, a
// cancelled read or write; and what index.json holds after each update (names moved, annotations
// and fields kept, embedded data dropped, the lock released). Real files in a temporary folder.
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, stat, symlink, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { digestOf } from '../../../../src/core/oci/digest';
import { MAX_MANIFEST_BYTES, type Descriptor } from '../../../../src/core/oci/manifest';
import { ANNOTATION_REF_NAME, OciImageLayout } from '../../../../src/core/layout/oci-layout';
import { type BuiltImage, OciLayout } from '../../../support/lab/oci-layout';
import { listFiles, rejectsWithCode, TempFolders, verified } from '../../support/layout-helpers';

const posixOnly = process.platform === 'win32' ? it.skip : it;

function descriptorOf(bytes: Buffer, mediaType = 'application/octet-stream'): Descriptor {
  return { mediaType, digest: digestOf(bytes), size: bytes.length };
}

function aborted(): AbortSignal {
  const controller = new AbortController();
  controller.abort();
  return controller.signal;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('layout: what an OCI layout refuses, and what it leaves', () => {
  const temp = new TempFolders();
  let fixture: OciLayout;
  let image: BuiltImage;

  before(async () => {
    fixture = await OciLayout.create(join(await temp.make(), 'fixture'));
    image = await fixture.image({ layers: [2048], seed: 'layout-refusals', ref: 'app' });
  });
  after(() => temp.removeAll());

  const fresh = async (name = 'layout'): Promise<OciImageLayout> => OciImageLayout.open(join(await temp.make(), name), { create: true });

  describe('opening', () => {
    it('says whether it was opening or preparing the folder when the system refuses it', async () => {
      const tooLong = join(await temp.make(), 'n'.repeat(300));
      await rejectsWithCode(OciImageLayout.open(tooLong), 'NAME_TOO_LONG', /^Opening the layout .+ failed: the name .+ is too long/);
      await rejectsWithCode(OciImageLayout.open(tooLong, { create: true }), 'NAME_TOO_LONG', /^Preparing the layout .+ failed: /);
      const layout = await fresh();
      await rm(join(layout.dir, 'blobs'), { recursive: true });
      await writeFile(join(layout.dir, 'blobs'), 'in the way');
      await rejectsWithCode(
        OciImageLayout.open(layout.dir, { create: true }),
        'NOT_A_FOLDER',
        /^Preparing the layout .+ failed: a part of .+blobs.* is a file where a folder is needed/,
      );
    });

    it('makes a layout in a folder holding only hidden files, and keeps an existing layout as it is', async () => {
      const hidden = join(await temp.make(), 'hidden');
      await mkdir(hidden);
      await writeFile(join(hidden, '.DS_Store'), 'x');
      await rejectsWithCode(
        OciImageLayout.open(hidden),
        'NOT_A_LAYOUT',
        /^.+hidden is not an OCI image layout \(it has no oci-layout file\): choose a folder/,
      );
      const made = await OciImageLayout.open(hidden, { create: true });
      assert.deepEqual((await readdir(hidden)).sort(), ['.DS_Store', 'blobs', 'index.json', 'oci-layout']);
      assert.deepEqual(await readdir(join(hidden, 'blobs')), ['sha256']);

      await made.pushManifest(image.descriptor, image.bytes, 'kept');
      await writeFile(join(hidden, 'oci-layout'), '{"imageLayoutVersion":"1.1.0"}');
      const indexBefore = await readFile(join(hidden, 'index.json'));
      const reopened = await OciImageLayout.open(hidden, { create: true });
      assert.equal(await readFile(join(hidden, 'oci-layout'), 'utf8'), '{"imageLayoutVersion":"1.1.0"}');
      assert.deepEqual(await readFile(join(hidden, 'index.json')), indexBefore);
      assert.equal((await reopened.resolve('kept')).digest, image.descriptor.digest);
    });

    it('refuses an oci-layout file that is too large, not JSON, of another version or a link to nothing', async () => {
      const cases: [string, string | Buffer, RegExp][] = [
        ['large', Buffer.alloc(64 * 1024 + 1, 0x20), /\(its oci-layout file is far larger than the one line it should hold\)/],
        ['not-json', '{imageLayoutVersion', /\(its oci-layout file is not valid JSON\)/],
        ['number', '{"imageLayoutVersion":1}', /is an OCI image layout of version 1, which this client does not read \(it reads 1\.x\)\.$/],
        ['absent', '{"other":"1.0.0"}', /of version undefined, which/],
        ['later', '{"imageLayoutVersion":"2.1.0"}', /of version "2\.1\.0", which/],
        ['eleven', '{"imageLayoutVersion":"11.0.0"}', /of version "11\.0\.0", which/],
      ];
      for (const [name, content, message] of cases) {
        const layout = await fresh(name);
        await writeFile(join(layout.dir, 'oci-layout'), content);
        await rejectsWithCode(OciImageLayout.open(layout.dir), 'NOT_A_LAYOUT', message);
      }
      const padded = await fresh('padded');
      const line = '{"imageLayoutVersion":"1.0.0"}';
      await writeFile(join(padded.dir, 'oci-layout'), line.padEnd(64 * 1024, ' '));
      await OciImageLayout.open(padded.dir);
    });

    posixOnly('refuses an oci-layout file that links to nothing, or that is a folder', async () => {
      const dangling = await fresh('dangling');
      await rm(join(dangling.dir, 'oci-layout'));
      await symlink(join(dangling.dir, 'gone'), join(dangling.dir, 'oci-layout'));
      await rejectsWithCode(OciImageLayout.open(dangling.dir), 'NOT_A_LAYOUT', /\(it has no oci-layout file\)/);
      const folder = await fresh('folder');
      await rm(join(folder.dir, 'oci-layout'));
      await mkdir(join(folder.dir, 'oci-layout'));
      await rejectsWithCode(
        OciImageLayout.open(folder.dir),
        'NOT_A_FILE',
        /^The oci-layout file of oci:.+ is a folder, not a regular file/,
      );
    });

    it('refuses a damaged index.json: missing, not JSON, a manifest instead of an index, a folder, a loop of links, too large', async () => {
      const missing = await fresh('missing');
      await rm(join(missing.dir, 'index.json'));
      await rejectsWithCode(OciImageLayout.open(missing.dir), 'NOT_A_LAYOUT', /\(it has no index\.json\)/);
      const notJson = await fresh('not-json');
      await writeFile(join(notJson.dir, 'index.json'), '{"manifests": [');
      await rejectsWithCode(notJson.readIndex(), 'BAD_MANIFEST', /^The index\.json of oci:.+ is not a valid manifest: it is not JSON\.$/);
      const manifest = await fresh('manifest');
      await writeFile(join(manifest.dir, 'index.json'), image.bytes);
      await rejectsWithCode(
        OciImageLayout.open(manifest.dir),
        'NOT_A_LAYOUT',
        /^The index\.json of oci:.+ is not an image index: the layout is damaged; copy the images into a new folder\.$/,
      );
      const folder = await fresh('folder');
      await rm(join(folder.dir, 'index.json'));
      await mkdir(join(folder.dir, 'index.json'));
      await rejectsWithCode(folder.readIndex(), 'NOT_A_FILE', /^The index\.json of oci:.+ is a folder/);
      const huge = await fresh('huge');
      await truncate(join(huge.dir, 'index.json'), MAX_MANIFEST_BYTES + 1);
      await rejectsWithCode(
        huge.readIndex(),
        'MANIFEST_TOO_LARGE',
        /^The index\.json of oci:.+ is 4194305 bytes, over the 4 MiB limit for manifests; it was not read: the layout is damaged or not an image layout\.$/,
      );
      if (process.platform !== 'win32') {
        const loop = await fresh('loop');
        await rm(join(loop.dir, 'index.json'));
        await symlink(join(loop.dir, 'index.json'), join(loop.dir, 'index.json'));
        await rejectsWithCode(
          loop.readIndex(),
          'UNSAFE_PATH',
          /^Reading the index\.json of oci:.+ failed: .+index\.json goes through a loop of links/,
        );
      }
    });
  });

  describe('roots and names', () => {
    it('gives a root without a name no refName, and words a missing name for unnamed, many and no images', async () => {
      const layout = await fresh();
      await rejectsWithCode(layout.resolve('app'), 'REF_NOT_FOUND', /^oci:.+ has no image named "app"; it lists no images\.$/);
      const digests: string[] = [];
      for (let i = 0; i < 6; i++) {
        const bytes = Buffer.from(
          `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[],"annotations":{"n":"${i}"}}`,
        );
        const descriptor = descriptorOf(bytes, 'application/vnd.oci.image.index.v1+json');
        digests.push(descriptor.digest);
        await layout.pushManifest(descriptor, bytes);
        await layout.addRoot(descriptor);
      }
      assert.deepEqual(
        (await layout.roots()).map((r) => Object.keys(r)),
        digests.map(() => ['descriptor']),
      );
      await rejectsWithCode(
        layout.resolve('app'),
        'REF_NOT_FOUND',
        new RegExp(`; its 6 images have no names; pick one by digest \\(${digests.slice(0, 5).join(', ')}\\)\\.$`),
      );
      await rejectsWithCode(layout.resolve(), 'REF_AMBIGUOUS', /^oci:.+ lists 6 images, so one must be named; its 6 images have no names/);
      await rejectsWithCode(layout.resolve(digestOf('not listed')), 'REF_NOT_FOUND');
      assert.equal((await layout.resolve(digests[5])).digest, digests[5]);

      const named = await fresh('named');
      for (let i = 0; i < 23; i++) await named.addRoot(image.descriptor, `t${String(i).padStart(2, '0')}`);
      await named.addRoot(descriptorOf(Buffer.from('unnamed')));
      const shown = Array.from({ length: 20 }, (_, i) => `"t${String(i).padStart(2, '0')}"`).join(', ');
      await rejectsWithCode(named.resolve('x'), 'REF_NOT_FOUND', new RegExp(`; the names it lists are ${shown} and 3 more\\.$`));
      await rejectsWithCode(named.resolve(), 'REF_AMBIGUOUS', /lists 24 images/);
      const twenty = await fresh('twenty');
      for (let i = 0; i < 20; i++) await twenty.addRoot(image.descriptor, `t${String(i).padStart(2, '0')}`);
      await rejectsWithCode(twenty.resolve('x'), 'REF_NOT_FOUND', new RegExp(`; the names it lists are ${shown}\\.$`));
    });
  });

  describe('fetchManifest and openBlob', () => {
    it('refuses a manifest declared over the limit without opening it, and one stored with another size', async () => {
      const layout = await fresh();
      const over = { ...descriptorOf(Buffer.from('x')), size: MAX_MANIFEST_BYTES + 1 };
      await rejectsWithCode(
        layout.fetchManifest(over),
        'MANIFEST_TOO_LARGE',
        /^Manifest sha256:[0-9a-f]{64} in oci:.+ is 4194305 bytes, over the 4 MiB limit for manifests; it was not read\.$/,
      );
      // At the limit it is looked for (and here, not found).
      await rejectsWithCode(
        layout.fetchManifest({ ...over, size: MAX_MANIFEST_BYTES }),
        'BLOB_NOT_FOUND',
        /^sha256:.+ is not in oci:.+: the layout is incomplete; copy the image into it again\.$/,
      );
      await layout.pushManifest(image.descriptor, image.bytes);
      if (process.platform === 'linux') {
        const open = async (): Promise<number> => (await readdir('/proc/self/fd')).length;
        const before = await open();
        for (let i = 0; i < 20; i++) await layout.fetchManifest(image.descriptor);
        assert.ok((await open()) <= before + 2, 'each manifest file is closed after it is read');
      }
      const damaged = Buffer.from(image.bytes);
      damaged[damaged.length - 2] ^= 1;
      await writeFile(layout.blobPath(image.descriptor.digest), damaged);
      const mismatch = await rejectsWithCode(layout.fetchManifest(image.descriptor), 'DIGEST_MISMATCH', /^Manifest sha256:.+ in oci:.+: /);
      assert.equal((mismatch.cause as { code?: string } | undefined)?.code, 'DIGEST_MISMATCH');
      await truncate(layout.blobPath(image.descriptor.digest), image.bytes.length - 1);
      await rejectsWithCode(
        layout.fetchManifest(image.descriptor),
        'SIZE_MISMATCH',
        new RegExp(
          `^Manifest ${image.descriptor.digest} in oci:.+ is ${image.bytes.length - 1} bytes but should be ${image.bytes.length}: the layout is damaged; copy the image into it again\\.$`,
        ),
      );
    });

    it('refuses reads already cancelled, and ends a blob stream cancelled while read', async () => {
      const layout = await OciImageLayout.open(fixture.dir);
      const layer = image.layers[0]!.descriptor;
      await rejectsWithCode(layout.fetchManifest(image.descriptor, aborted()), 'CANCELLED');
      await rejectsWithCode(layout.openBlob(layer, aborted()), 'CANCELLED');
      assert.deepEqual(await layout.fetchManifest(image.descriptor, new AbortController().signal), image.bytes);
      assert.equal(digestOf(await readAll(await layout.openBlob(layer, new AbortController().signal))), layer.digest);
      const controller = new AbortController();
      const stream = await layout.openBlob(layer, controller.signal);
      controller.abort();
      await assert.rejects(readAll(stream), (err: Error) => err.name === 'AbortError');
      // Cancelled after the first check, while the file is opened: the read itself stops.
      const reading = new AbortController();
      const pending = layout.fetchManifest(image.descriptor, reading.signal);
      reading.abort();
      await assert.rejects(pending, (err: Error) => err.name === 'AbortError');
    });
  });

  describe('pushBlob and ingestBlob', () => {
    it('refuses a blob that arrives shorter or longer than declared, and keeps nothing of it', async () => {
      const layout = await fresh();
      const bytes = Buffer.from('declared content');
      const descriptor = descriptorOf(bytes);
      for (const arrived of [bytes.subarray(0, 3), Buffer.concat([bytes, Buffer.from('!')])]) {
        await rejectsWithCode(
          layout.pushBlob(descriptor, Readable.from([arrived])),
          'SIZE_MISMATCH',
          new RegExp(
            `^${descriptor.digest} arrived as ${arrived.length} bytes instead of ${bytes.length}; it was not stored in oci:.+\\. Try again\\.$`,
          ),
        );
        assert.deepEqual(await listFiles(join(layout.dir, 'blobs')), []);
      }
      await layout.pushBlob(descriptor, Readable.from([bytes]));
      assert.deepEqual(await readFile(layout.blobPath(descriptor.digest)), bytes);
    });

    it('releases the content when the blob folder cannot be made or the digest is not one, and when already cancelled', async () => {
      const layout = await fresh();
      await rm(join(layout.dir, 'blobs', 'sha256'), { recursive: true });
      await writeFile(join(layout.dir, 'blobs', 'sha256'), 'in the way');
      const blocked = Readable.from([Buffer.from('x')]);
      await assert.rejects(layout.pushBlob(descriptorOf(Buffer.from('x')), blocked));
      assert.equal(blocked.destroyed, true);
      const badDigest = Readable.from([Buffer.from('x')]);
      await rejectsWithCode(layout.pushBlob({ mediaType: 'x', digest: 'sha256:nothex', size: 1 }, badDigest), 'INVALID_DIGEST');
      assert.equal(badDigest.destroyed, true);

      const other = await fresh('other');
      const cancelled = Readable.from([Buffer.from('x')]);
      await rejectsWithCode(other.pushBlob(descriptorOf(Buffer.from('x')), cancelled, aborted()), 'CANCELLED');
      assert.equal(cancelled.destroyed, true);
      assert.deepEqual(await listFiles(join(other.dir, 'blobs')), []);
    });

    it('fails when the blob name is taken by a folder, leaving no temporary file', async () => {
      const layout = await fresh();
      const bytes = Buffer.from('blob content');
      const descriptor = descriptorOf(bytes);
      await mkdir(join(layout.blobPath(descriptor.digest), 'inside'), { recursive: true });
      await assert.rejects(layout.pushBlob(descriptor, Readable.from([bytes])));
      assert.deepEqual(await readdir(join(layout.dir, 'blobs', 'sha256')), [descriptor.digest.slice(7)]);
      assert.equal(await layout.hasBlob(descriptor), false);
    });

    it('stores a sha512 blob under blobs/sha512', async () => {
      const layout = await fresh();
      const bytes = Buffer.from('sha512 content');
      const descriptor = descriptorOf(bytes);
      descriptor.digest = digestOf(bytes, 'sha512');
      await layout.pushBlob(descriptor, verified(Readable.from([bytes]), descriptor));
      assert.deepEqual(await listFiles(join(layout.dir, 'blobs')), [`sha512/${descriptor.digest.slice(7)}`]);
    });

    it('ingests with the algorithm asked (sha256 by default, or the expected digest’s), through the streams given', async () => {
      const layout = await fresh();
      const bytes = Buffer.from('ingested content');
      assert.deepEqual(await layout.ingestBlob(Readable.from([bytes])), { digest: digestOf(bytes), size: bytes.length });
      assert.deepEqual(await readFile(layout.blobPath(digestOf(bytes))), bytes);
      assert.deepEqual(await layout.ingestBlob(Readable.from([bytes]), { algorithm: 'sha512' }), {
        digest: digestOf(bytes, 'sha512'),
        size: bytes.length,
      });
      const seen: Buffer[] = [];
      const looking = new PassThrough();
      looking.on('data', (chunk: Buffer) => seen.push(chunk));
      const other = Buffer.from('other content');
      const expected = digestOf(other, 'sha512');
      assert.deepEqual(
        await layout.ingestBlob(Readable.from([other]), { algorithm: 'sha256', expectedDigest: expected, through: [looking] }),
        {
          digest: expected,
          size: other.length,
        },
      );
      assert.deepEqual(Buffer.concat(seen), other);
      assert.deepEqual(
        (await listFiles(join(layout.dir, 'blobs'))).sort(),
        [`sha256/${digestOf(bytes).slice(7)}`, `sha512/${digestOf(bytes, 'sha512').slice(7)}`, `sha512/${expected.slice(7)}`].sort(),
      );
    });

    it('refuses ingested content that does not hash to the expected digest, or is cancelled, keeping nothing of it', async () => {
      const layout = await fresh();
      const expected = digestOf('what was named');
      await rejectsWithCode(
        layout.ingestBlob(Readable.from([Buffer.from('what arrived')]), { expectedDigest: expected }),
        'DIGEST_MISMATCH',
        new RegExp(`^The content named ${expected} hashes to ${digestOf('what arrived')}: the source is damaged and was not imported\\.$`),
      );
      await rejectsWithCode(layout.ingestBlob(Readable.from([Buffer.from('x')]), { signal: aborted() }), 'CANCELLED');
      assert.deepEqual(await listFiles(join(layout.dir, 'blobs')), []);
    });
  });

  describe('pushManifest', () => {
    it('refuses manifest bytes over the limit even when they match their descriptor, storing nothing; takes them at the limit', async () => {
      const layout = await fresh();
      const over = Buffer.alloc(MAX_MANIFEST_BYTES + 1, 0x20);
      await rejectsWithCode(
        layout.pushManifest(descriptorOf(over), over, 'big'),
        'MANIFEST_TOO_LARGE',
        /^Manifest sha256:[0-9a-f]{64} is 4194305 bytes, over the 4 MiB limit for manifests; it was not stored\.$/,
      );
      assert.deepEqual(await listFiles(join(layout.dir, 'blobs')), []);
      assert.deepEqual((await layout.readIndex()).manifests, []);
      const at = over.subarray(0, MAX_MANIFEST_BYTES);
      await layout.pushManifest(descriptorOf(at), at);
      assert.equal(await layout.hasManifest(descriptorOf(at)), true);
    });

    it('refuses an already cancelled push before writing anything, and names the layout in a mismatch', async () => {
      const layout = await fresh();
      await rejectsWithCode(layout.pushManifest(image.descriptor, image.bytes, 'app', aborted()), 'CANCELLED');
      assert.deepEqual(await listFiles(join(layout.dir, 'blobs')), []);
      assert.deepEqual((await layout.readIndex()).manifests, []);
      const err = await rejectsWithCode(
        layout.pushManifest(image.descriptor, Buffer.from(`${image.bytes.toString()} `), 'app'),
        'SIZE_MISMATCH',
      );
      assert.ok(err.message.startsWith(`Manifest for ${layout.name}: `), err.message);
      assert.equal((err.cause as { code?: string } | undefined)?.code, 'SIZE_MISMATCH');
    });

    it('stores a manifest without a tag, lists nothing, and does not write a stored manifest again', async () => {
      const layout = await fresh();
      await layout.pushManifest(image.descriptor, image.bytes);
      assert.deepEqual((await layout.readIndex()).manifests, []);
      const path = layout.blobPath(image.descriptor.digest);
      const before = await stat(path);
      await layout.pushManifest(image.descriptor, image.bytes, 'app');
      assert.equal((await stat(path)).ino, before.ino, 'the file was not replaced');
      assert.equal((await layout.resolve('app')).digest, image.descriptor.digest);
      const sha512 = { ...image.descriptor, digest: digestOf(image.bytes, 'sha512') };
      await layout.pushManifest(sha512, image.bytes, 'long-digest');
      assert.deepEqual(await readFile(layout.blobPath(sha512.digest)), image.bytes);
    });
  });

  describe('index.json updates', () => {
    it('moves a name, keeps the descriptor’s annotations, drops embedded data, and lists an already listed digest once', async () => {
      const layout = await fresh();
      const unnamed = descriptorOf(Buffer.from('unnamed'));
      await layout.addRoot(unnamed);
      const first = { ...image.descriptor, annotations: { 'org.example.kept': 'yes' }, data: image.bytes.toString('base64') };
      await layout.addRoot(first, 'one');
      await layout.addRoot(first, 'two');
      await layout.addRoot(first);
      const other = descriptorOf(Buffer.from('other'));
      await layout.addRoot(other, 'one');
      const index = await layout.readIndex();
      assert.deepEqual(index.manifests, [
        unnamed,
        { ...image.descriptor, annotations: { 'org.example.kept': 'yes', [ANNOTATION_REF_NAME]: 'two' } },
        { ...other, annotations: { [ANNOTATION_REF_NAME]: 'one' } },
      ]);
    });

    it('keeps index.json’s own fields in order, adds the media type when missing, and writes it indented with a final newline', async () => {
      const layout = await fresh();
      await writeFile(
        join(layout.dir, 'index.json'),
        JSON.stringify({ annotations: { 'org.example.index': 'kept' }, manifests: [], schemaVersion: 2 }),
      );
      await layout.addRoot(image.descriptor, 'app');
      const text = await readFile(join(layout.dir, 'index.json'), 'utf8');
      assert.deepEqual(Object.keys(JSON.parse(text) as object), ['schemaVersion', 'mediaType', 'manifests', 'annotations']);
      assert.equal(
        text,
        `${JSON.stringify(
          {
            schemaVersion: 2,
            mediaType: 'application/vnd.oci.image.index.v1+json',
            manifests: [{ ...image.descriptor, annotations: { [ANNOTATION_REF_NAME]: 'app' } }],
            annotations: { 'org.example.index': 'kept' },
          },
          null,
          2,
        )}\n`,
      );
      assert.deepEqual((await readdir(layout.dir)).sort(), ['blobs', 'index.json', 'oci-layout']);
    });

    it('setRoots replaces the list: names given, annotations kept, data dropped', async () => {
      const layout = await fresh();
      await layout.addRoot(image.descriptor, 'old');
      const other = { ...descriptorOf(Buffer.from('other')), annotations: { a: 'b' }, data: 'b3RoZXI=' };
      const plain = descriptorOf(Buffer.from('plain'));
      await layout.setRoots([
        { descriptor: { ...image.descriptor, data: 'eA==' }, refName: 'new' },
        { descriptor: other },
        { descriptor: plain },
      ]);
      assert.deepEqual((await layout.readIndex()).manifests, [
        { ...image.descriptor, annotations: { [ANNOTATION_REF_NAME]: 'new' } },
        { ...descriptorOf(Buffer.from('other')), annotations: { a: 'b' } },
        plain,
      ]);
    });

    it('releases the index lock when an update fails, so the next one goes through', async () => {
      const layout = await fresh();
      const index = await readFile(join(layout.dir, 'index.json'));
      await rm(join(layout.dir, 'index.json'));
      await rejectsWithCode(layout.addRoot(image.descriptor, 'app'), 'NOT_A_LAYOUT', /no index\.json/);
      await rejectsWithCode(layout.setRoots([]), 'NOT_A_LAYOUT', /no index\.json/);
      assert.deepEqual((await readdir(layout.dir)).sort(), ['blobs', 'oci-layout'], 'no lock is left');
      await writeFile(join(layout.dir, 'index.json'), index);
      await layout.addRoot(image.descriptor, 'app');
      assert.equal((await layout.resolve('app')).digest, image.descriptor.digest);
    });

    it('says another program keeps the layout locked when its lock stays held, and changes nothing', async function () {
      // proper-lockfile retries for about 24 s (LOCK_RETRIES) before giving up.
      this.timeout(90_000);
      const layout = await fresh();
      const lock = join(layout.dir, 'index.json.lock');
      await mkdir(lock);
      // A lock touched in the future is never stale: another writer holds it for the whole test.
      const later = new Date(Date.now() + 3600_000);
      await utimes(lock, later, later);
      const before = await readFile(join(layout.dir, 'index.json'));
      await rejectsWithCode(
        layout.addRoot(image.descriptor, 'app'),
        'LAYOUT_BUSY',
        /^Another program keeps .+index\.json\.lock locked, so the image list of .+ could not be updated: wait for it to finish, or remove the lock if nothing is writing there\.$/,
      ).then((err) => assert.equal((err.cause as { code?: string } | undefined)?.code, 'ELOCKED'));
      assert.deepEqual(await readFile(join(layout.dir, 'index.json')), before);
      await rm(lock, { recursive: true });
      await layout.addRoot(image.descriptor, 'app');
    });
  });
});
