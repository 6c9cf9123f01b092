import assert from 'node:assert/strict';
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { extract as tarExtract, pack as tarPack } from 'tar-stream';
import type { ReadTarget } from '../../../../src/core/oci/content';
import { digestOf } from '../../../../src/core/oci/digest';
import { type ImageManifest, parseManifest } from '../../../../src/core/oci/manifest';
import { MAX_ARCHIVE_ENTRIES, MIN_ARCHIVE_UNPACKED_BYTES, openImageArchive } from '../../../../src/core/layout/archive-source';
import { writeDockerArchive, writeDockerArchiveTo } from '../../../../src/core/layout/docker-archive';
import { OciImageLayout } from '../../../../src/core/layout/oci-layout';
import { type BuiltImage, OciLayout } from '../../../support/lab/oci-layout';
import { tarChunks, type TarEntry } from '../../../support/lab/tar';
import { listFiles, rejectsWithCode, TempFolders } from '../../support/layout-helpers';

const KIB = 1024;
const MIB = 1024 * KIB;

/** Writes a gzip'd tar of `entries` without holding the tar (bombs are large once unpacked). */
async function writeGzippedTar(path: string, entries: Iterable<TarEntry>): Promise<void> {
  await pipeline(Readable.from(tarChunks(entries)), createGzip({ level: 9 }), createWriteStream(path));
}

/** The files under `folder` this process holds open (Linux: its /proc/self/fd links). */
async function openFilesUnder(folder: string): Promise<string[]> {
  const open: string[] = [];
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(join('/proc/self/fd', fd)).catch(() => '');
    if (target.startsWith(`${folder}/`)) open.push(target);
  }
  return open;
}

/** `size` bytes of zeros, a MiB at a time. */
function zeros(size: number): TarEntry['data'] {
  const chunk = Buffer.alloc(MIB);
  return { size, chunks: () => Array.from({ length: Math.ceil(size / MIB) }, (_, i) => chunk.subarray(0, Math.min(MIB, size - i * MIB))) };
}

/** Polls a folder while `work` runs: the most bytes its files held at once (a bomb shows as hundreds of MiB). */
async function peakBytesDuring<T>(folder: string, work: Promise<T>): Promise<{ peak: number; result: T | unknown }> {
  let peak = 0;
  let done = false;
  const poll = async (): Promise<void> => {
    while (!done) {
      let total = 0;
      for (const entry of await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => [])) {
        if (entry.isFile())
          total += await stat(join(entry.parentPath ?? entry.path, entry.name)).then(
            (s) => s.size,
            () => 0,
          );
      }
      peak = Math.max(peak, total);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const polling = poll();
  const result = await work.then(
    (value) => value,
    (err: unknown) => err,
  );
  done = true;
  await polling;
  return { peak, result };
}

/** Writes a tar of the given entries (files, symlinks, folders) with tar-stream. */
async function writeTar(
  path: string,
  entries: { name: string; data?: Buffer; linkname?: string; type?: 'directory' | 'symlink' | 'file' }[],
): Promise<void> {
  const pack = tarPack();
  const writing = pipeline(pack, createWriteStream(path));
  for (const e of entries)
    pack.entry({ name: e.name, type: e.type ?? 'file', ...(e.linkname ? { linkname: e.linkname } : {}) }, e.data ?? Buffer.alloc(0));
  pack.finalize();
  await writing;
}

/** A tar's entries in order, with their bytes (test archives are small). */
async function readTar(path: string): Promise<Map<string, Buffer>> {
  const entries = new Map<string, Buffer>();
  const extract = tarExtract();
  const feeding = pipeline(createReadStream(path), extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    entries.set(entry.header.name, Buffer.concat(chunks.map((c) => new Uint8Array(c))));
  }
  await feeding;
  return entries;
}

function manifestOf(image: BuiltImage): ImageManifest {
  return image.manifest as unknown as ImageManifest;
}

describe('layout: docker archives', () => {
  const temp = new TempFolders();
  let fixture: OciLayout;
  let source: OciImageLayout;
  let first: BuiltImage;
  let second: BuiltImage;

  before(async () => {
    fixture = await OciLayout.create(join(await temp.make(), 'fixture'));
    first = await fixture.image({ layers: [64 * KIB, 2 * KIB], seed: 'archive-a', ref: 'a' });
    second = await fixture.image({ layers: [8 * KIB], seed: 'archive-b', ref: 'b' });
    source = await OciImageLayout.open(fixture.dir);
  });
  after(() => temp.removeAll());

  it("writes docker save's layout and reads it back with the same digests", async () => {
    const out = join(await temp.make(), 'images.tar');
    let progress = 0;
    await writeDockerArchive(
      out,
      [
        { manifest: manifestOf(first), source, repoTags: ['lab/app:1.0', 'localhost:5000/team/app'], manifestDescriptor: first.descriptor },
        { manifest: manifestOf(second), source, repoTags: [] },
      ],
      { onBytes: (n) => (progress += n) },
    );
    const blobs = [
      first.configDescriptor,
      ...first.layers.map((l) => l.descriptor),
      second.configDescriptor,
      ...second.layers.map((l) => l.descriptor),
    ];
    assert.equal(
      progress,
      blobs.reduce((sum, b) => sum + b.size, 0),
    );
    const names = [...(await readTar(out)).keys()];
    for (const required of ['manifest.json', 'index.json', 'oci-layout', `blobs/sha256/${first.descriptor.digest.slice(7)}`])
      assert.ok(names.includes(required), required);

    const archive = await openImageArchive(out, { workDir: await temp.make() });
    try {
      assert.equal(archive.format, 'oci');
      assert.deepEqual(
        archive.roots.map((r) => r.refName),
        ['1.0', 'latest', undefined],
      );
      assert.deepEqual(archive.roots[0]!.descriptor.annotations?.['io.containerd.image.name'], 'docker.io/lab/app:1.0');
      assert.equal(archive.roots[0]!.descriptor.digest, first.descriptor.digest);
      const reread = parseManifest(
        await archive.layout.fetchManifest(archive.roots[2]!.descriptor),
        archive.roots[2]!.descriptor.digest,
        undefined,
        'second',
      );
      assert.equal(reread.kind === 'image' && reread.manifest.config.digest, second.configDescriptor.digest);
      for (const blob of blobs) assert.equal(await archive.layout.hasBlob(blob), true, blob.digest);
      const manifestJson = JSON.parse((await readFile(archive.layout.blobPath(first.configDescriptor.digest))).toString()) as {
        rootfs: unknown;
      };
      assert.ok(manifestJson.rootfs);
    } finally {
      await archive.close();
    }
    await assert.rejects(readdir(archive.layout.dir), /ENOENT/);
  });

  it('writes manifest.json with familiar RepoTags and blob paths', async () => {
    const out = join(await temp.make(), 'one.tar');
    await writeDockerArchive(out, [{ manifest: manifestOf(first), source, repoTags: ['alpine', 'ghcr.io/org/app:v2'] }]);
    const entries = await readTar(out);
    const names = [...entries.keys()];
    assert.ok(names.indexOf('manifest.json') > names.indexOf(`blobs/sha256/${first.layers[0]!.descriptor.digest.slice(7)}`));
    assert.deepEqual(JSON.parse(entries.get('manifest.json')!.toString()), [
      {
        Config: `blobs/sha256/${first.configDescriptor.digest.slice(7)}`,
        RepoTags: ['alpine:latest', 'ghcr.io/org/app:v2'],
        Layers: first.layers.map((l) => `blobs/sha256/${l.descriptor.digest.slice(7)}`),
      },
    ]);
    assert.deepEqual(JSON.parse(entries.get('oci-layout')!.toString()), { imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(entries.get('index.json')!.toString()) as { manifests: { annotations: Record<string, string> }[] };
    assert.deepEqual(
      index.manifests.map((d) => d.annotations['io.containerd.image.name']),
      ['docker.io/library/alpine:latest', 'ghcr.io/org/app:v2'],
    );
    assert.deepEqual(
      index.manifests.map((d) => d.annotations['org.opencontainers.image.ref.name']),
      ['latest', 'v2'],
    );
  });

  it('leaves no file when a blob does not match its digest', async () => {
    const folder = await temp.make();
    const out = join(folder, 'bad.tar');
    const corrupt: ReadTarget = {
      name: 'corrupt',
      fetchManifest: (d, s) => source.fetchManifest(d, s),
      openBlob: async (d, s) => {
        if (d.digest !== first.layers[0]!.descriptor.digest) return source.openBlob(d, s);
        const { Readable } = await import('node:stream');
        return Readable.from([Buffer.alloc(d.size, 1)]);
      },
    };
    await rejectsWithCode(
      writeDockerArchive(out, [{ manifest: manifestOf(first), source: corrupt, repoTags: ['x:y'] }]),
      'DIGEST_MISMATCH',
      /from corrupt/,
    );
    assert.deepEqual(await readdir(folder), []);
  });

  it('cancels on abort and leaves no file', async () => {
    const folder = await temp.make();
    const controller = new AbortController();
    const writing = writeDockerArchive(join(folder, 'x.tar'), [{ manifest: manifestOf(first), source, repoTags: ['x:y'] }], {
      signal: controller.signal,
      onBytes: () => controller.abort(),
    });
    await rejectsWithCode(writing, 'CANCELLED');
    assert.deepEqual(await readdir(folder), []);
  });

  it('refuses a repo tag with a digest', async () => {
    await assert.rejects(
      writeDockerArchive(join(await temp.make(), 'x.tar'), [
        { manifest: manifestOf(first), source, repoTags: [`a@${first.descriptor.digest}`] },
      ]),
      /INVALID_REPO_TAG|digest/,
    );
  });

  for (const after of [0, 300 * KIB])
    it(`closes every blob file when the reader goes away ${after ? 'mid-archive' : 'at once'} (an engine that died), with no signal`, async () => {
      const many = await fixture.image({ layers: [256 * KIB, 256 * KIB, 256 * KIB, 256 * KIB], seed: 'archive-gone', ref: 'gone' });
      let taken = 0;
      // A reader that takes a little, then fails as a closed pipe does.
      const reader = new Writable({
        write(chunk: Buffer, _encoding, done) {
          taken += chunk.length;
          done(taken > after ? Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }) : undefined);
        },
      });
      await assert.rejects(writeDockerArchiveTo(reader, [{ manifest: manifestOf(many), source, repoTags: ['lab/gone:1'] }]), /EPIPE/);
      // Give a stream being destroyed its turn to close its file.
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(await openFilesUnder(fixture.dir), [], 'no file of the layout is left open');
    });
});

describe('layout: openImageArchive', () => {
  const temp = new TempFolders();
  after(() => temp.removeAll());

  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  const configHex = digestOf(config).slice(7);
  const plainLayer = Buffer.alloc(3 * 512, 0x61);
  const gzipLayer = gzipSync(new Uint8Array(Buffer.alloc(2048, 0x62)));

  /** An old-format docker save archive: <id>/layer.tar, <config>.json, a symlinked shared layer. */
  async function legacyArchive(path: string): Promise<void> {
    await writeTar(path, [
      { name: 'aaa/', type: 'directory' },
      { name: 'aaa/layer.tar', data: plainLayer },
      { name: 'aaa/VERSION', data: Buffer.from('1.0') },
      { name: 'bbb/', type: 'directory' },
      { name: 'bbb/layer.tar', data: gzipLayer },
      { name: 'ccc/', type: 'directory' },
      { name: 'ccc/layer.tar', type: 'symlink', linkname: '../aaa/layer.tar' },
      { name: `${configHex}.json`, data: config },
      { name: 'repositories', data: Buffer.from('{}') },
      {
        name: 'manifest.json',
        data: Buffer.from(
          JSON.stringify([
            {
              Config: `${configHex}.json`,
              RepoTags: ['lab/old:1', 'lab/old:latest'],
              Layers: ['aaa/layer.tar', 'bbb/layer.tar', 'ccc/layer.tar'],
            },
          ]),
        ),
      },
    ]);
  }

  it('makes Docker v2 manifests for the old docker save format', async () => {
    const path = join(await temp.make(), 'old.tar');
    await legacyArchive(path);
    const workDir = await temp.make();
    const archive = await openImageArchive(path, { workDir });
    try {
      assert.equal(archive.format, 'docker');
      assert.deepEqual(
        archive.roots.map((r) => r.refName),
        ['lab/old:1', 'lab/old:latest'],
      );
      assert.equal((await archive.layout.resolve('lab/old:1')).digest, archive.roots[0]!.descriptor.digest);
      const descriptor = archive.roots[0]!.descriptor;
      assert.equal(descriptor.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
      const parsed = parseManifest(await archive.layout.fetchManifest(descriptor), descriptor.digest, undefined, 'synthesised');
      assert.ok(parsed.kind === 'image');
      assert.deepEqual(parsed.manifest.config, {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        size: config.length,
        digest: digestOf(config),
      });
      assert.deepEqual(
        parsed.manifest.layers.map((l) => [l.mediaType, l.digest, l.size]),
        [
          ['application/vnd.docker.image.rootfs.diff.tar', digestOf(plainLayer), plainLayer.length],
          ['application/vnd.docker.image.rootfs.diff.tar.gzip', digestOf(gzipLayer), gzipLayer.length],
          ['application/vnd.docker.image.rootfs.diff.tar', digestOf(plainLayer), plainLayer.length],
        ],
      );
      assert.deepEqual(await readdir(workDir), [archive.layout.dir.slice(workDir.length + 1)]);
    } finally {
      await archive.close();
    }
    assert.deepEqual(await readdir(workDir), []);
  });

  it('cancels on abort and removes its folder', async () => {
    const path = join(await temp.make(), 'old.tar');
    await legacyArchive(path);
    const workDir = await temp.make();
    await rejectsWithCode(openImageArchive(path, { workDir, signal: AbortSignal.abort() }), 'CANCELLED');
    const controller = new AbortController();
    const opening = openImageArchive(path, { workDir, signal: controller.signal });
    setImmediate(() => controller.abort());
    await rejectsWithCode(opening, 'CANCELLED');
    assert.deepEqual(await readdir(workDir), []);
  });

  it("reads a gzip'd archive", async () => {
    const folder = await temp.make();
    await legacyArchive(join(folder, 'old.tar'));
    await writeFile(join(folder, 'old.tar.gz'), gzipSync(new Uint8Array(await readFile(join(folder, 'old.tar')))));
    const archive = await openImageArchive(join(folder, 'old.tar.gz'));
    try {
      assert.equal(archive.roots.length, 2);
    } finally {
      await archive.close();
    }
  });

  const unsafe: [string, { name: string; linkname?: string; type?: 'symlink' }][] = [
    ['a parent-folder entry', { name: '../evil.json' }],
    ['a nested parent-folder entry', { name: 'a/../../evil.json' }],
    ['an absolute entry', { name: '/etc/evil.json' }],
    ['a link out of the archive', { name: 'x/layer.tar', type: 'symlink', linkname: '../../../etc/passwd' }],
  ];
  for (const [what, entry] of unsafe) {
    it(`refuses ${what} and cleans up`, async () => {
      const folder = await temp.make();
      const path = join(folder, 'evil.tar');
      await writeTar(path, [
        { ...entry, ...(entry.type ? {} : { data: Buffer.from('{}') }) },
        { name: 'manifest.json', data: Buffer.from('[]') },
      ]);
      const workDir = await temp.make();
      await rejectsWithCode(openImageArchive(path, { workDir }), 'UNSAFE_PATH');
      assert.deepEqual(await readdir(workDir), []);
    });
  }

  describe('hostile archives', () => {
    it("refuses the review's gzip bomb at its entry's header, before writing any of it", async function () {
      this.timeout(60_000);
      const folder = await temp.make();
      const path = join(folder, 'bomb.tar.gz');
      await writeGzippedTar(path, [
        { name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
        { name: `blobs/sha256/${'0'.repeat(64)}`, data: zeros(500 * MIB) },
      ]);
      const workDir = await temp.make();
      const { peak, result } = await peakBytesDuring(workDir, openImageArchive(path, { workDir }));
      await rejectsWithCode(
        Promise.reject(result),
        'ARCHIVE_TOO_LARGE',
        /would unpack to 500 MiB or more, over 32 times its 0\.5 MiB \(at most 64 MiB\): image archives never expand that much, so it was refused; if you trust it, gunzip it and open the \.tar\.$/,
      );
      assert.ok(peak < MIB, `${(peak / MIB).toFixed(1)} MiB were written to the temporary folder`);
      assert.deepEqual(await readdir(workDir), []);
    });

    it('stops a bomb of many entries once they pass what the archive may unpack to', async function () {
      this.timeout(60_000);
      const folder = await temp.make();
      const path = join(folder, 'bombs.tar.gz');
      const entries = Array.from({ length: 10 }, (_, i): TarEntry => ({ name: `${i}/layer.tar`, data: zeros(20 * MIB + i) }));
      await writeGzippedTar(path, entries);
      const workDir = await temp.make();
      const { peak, result } = await peakBytesDuring(workDir, openImageArchive(path, { workDir }));
      await rejectsWithCode(Promise.reject(result), 'ARCHIVE_TOO_LARGE', /at most 64 MiB/);
      assert.ok(peak <= MIN_ARCHIVE_UNPACKED_BYTES, `${(peak / MIB).toFixed(1)} MiB were written to the temporary folder`);
      assert.deepEqual(await readdir(workDir), []);
    });

    it('refuses a blob whose size differs from what a manifest before it declares, before writing it', async () => {
      const folder = await temp.make();
      const path = join(folder, 'declared.tar');
      const layer = Buffer.alloc(4096, 0x61);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf(Buffer.from('{}')), size: 2 },
          layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(layer), size: 100 }],
        }),
      );
      await writeTar(path, [
        { name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
        { name: `blobs/sha256/${digestOf(manifest).slice(7)}`, data: manifest },
        { name: `blobs/sha256/${digestOf(layer).slice(7)}`, data: layer },
      ]);
      const workDir = await temp.make();
      await rejectsWithCode(
        openImageArchive(path, { workDir }),
        'ARCHIVE_INCOMPLETE',
        new RegExp(`its blob ${digestOf(layer)} is 4096 bytes, but a manifest in it says 100\\): write the archive again\\.$`),
      );
      assert.deepEqual(await readdir(workDir), []);
    });

    it('refuses extended headers over 64 KiB, and archives of too many entries', async function () {
      this.timeout(60_000);
      const folder = await temp.make();
      await writeGzippedTar(join(folder, 'pax.tar.gz'), [{ name: 'f', pax: { path: 'n'.repeat(MIB) }, data: Buffer.from('{}') }]);
      await rejectsWithCode(
        openImageArchive(join(folder, 'pax.tar.gz'), { workDir: folder }),
        'ARCHIVE_UNSUPPORTED',
        /an extended tar header of 1048\d{3} bytes, over the 64 KiB read/,
      );
      await writeGzippedTar(
        join(folder, 'many.tar.gz'),
        (function* () {
          for (let i = 0; i <= MAX_ARCHIVE_ENTRIES; i++) yield { name: `d${i}`, directory: true };
        })(),
      );
      await rejectsWithCode(
        openImageArchive(join(folder, 'many.tar.gz'), { workDir: folder }),
        'ARCHIVE_UNSUPPORTED',
        /it has more than 100,000 entries/,
      );
    });
  });

  it('refuses files that are not image archives', async () => {
    const folder = await temp.make();
    await writeFile(join(folder, 'text.tar'), 'this is not a tar file at all, just some words that go on for a while. '.repeat(20));
    await rejectsWithCode(openImageArchive(join(folder, 'text.tar'), { workDir: folder }), 'ARCHIVE_UNSUPPORTED', /not a readable tar/);
    await writeTar(join(folder, 'plain.tar'), [{ name: 'hello.txt', data: Buffer.from('hi') }]);
    await rejectsWithCode(
      openImageArchive(join(folder, 'plain.tar'), { workDir: folder }),
      'ARCHIVE_UNSUPPORTED',
      /neither manifest\.json nor index\.json/,
    );
    await writeTar(join(folder, 'partial.tar'), [
      { name: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: 'c.json', RepoTags: null, Layers: [] }])) },
    ]);
    await rejectsWithCode(openImageArchive(join(folder, 'partial.tar'), { workDir: folder }), 'ARCHIVE_INCOMPLETE', /"c\.json"/);
    await rejectsWithCode(openImageArchive(join(folder, 'missing.tar')), 'ARCHIVE_NOT_FOUND');
    await rejectsWithCode(openImageArchive(folder), 'ARCHIVE_UNSUPPORTED', /folder/);
    assert.deepEqual((await listFiles(folder)).sort(), ['partial.tar', 'plain.tar', 'text.tar']);
  });
});
