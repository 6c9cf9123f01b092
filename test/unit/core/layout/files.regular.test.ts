// Local content that is not what it seems: a FIFO where a layout's blob, `oci-layout` or
// `index.json` should be (reading it would wait for a writer forever), an archive or artifact file
// that is a FIFO, and a blob that is a link to a file outside the layout (which was pushed as if it
// were part of it). Real FIFOs (made with mkfifo) and real links; every operation runs under a
// deadline, so a hang fails its test in seconds, and the FIFOs are released afterwards so no
// thread stays blocked on them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { copyFile, mkdir, open, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreError } from '../../../../src/core/errors';
import { openImageArchive } from '../../../../src/core/layout/archive-source';
import { FileArtifactSource } from '../../../../src/core/layout/artifact-files';
import { OciImageLayout } from '../../../../src/core/layout/oci-layout';
import { copy } from '../../../../src/core/operations/copy';
import { type BuiltImage, OciLayout } from '../../../support/lab/oci-layout';
import { TempFolders } from '../../support/layout-helpers';

const DEADLINE_MS = 3000;
const posixOnly = process.platform === 'win32' ? describe.skip : describe;

/** Fails with HUNG when `work` takes longer than the deadline (the work itself may stay blocked). */
async function withinDeadline<T>(work: Promise<T>): Promise<T | unknown> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`HUNG: still waiting after ${DEADLINE_MS} ms`)), DEADLINE_MS);
  });
  try {
    return await Promise.race([work, hung]).then(
      (value) => value,
      (err: unknown) => err,
    );
  } finally {
    clearTimeout(timer);
  }
}

async function expectCoreError(work: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const result = await withinDeadline(work);
  assert.ok(result instanceof CoreError, `expected a CoreError ${code}, got ${result instanceof Error ? result.message : String(result)}`);
  assert.equal(result.code, code, result.message);
  assert.match(result.message, message);
}

posixOnly('layout: local files that are not regular files, or lead out of the folder', function () {
  this.timeout(20_000);
  const temp = new TempFolders();
  const fifos: string[] = [];
  let fixture: OciLayout;
  let image: BuiltImage;

  async function mkfifo(path: string): Promise<void> {
    await rm(path, { force: true });
    execFileSync('mkfifo', [path]);
    fifos.push(path);
  }

  /** A fresh copy of the fixture layout, to break. */
  async function layoutCopy(): Promise<string> {
    const dir = join(await temp.make(), 'layout');
    execFileSync('cp', ['-R', fixture.dir, dir]);
    return dir;
  }

  const layerPath = (dir: string): string => join(dir, 'blobs', 'sha256', image.layers[0]!.descriptor.digest.slice(7));

  before(async () => {
    fixture = await OciLayout.create(join(await temp.make(), 'fixture'));
    image = await fixture.image({ layers: [32 * 1024], seed: 'local-files', ref: 'app' });
  });

  after(async () => {
    // Releases anything still blocked opening a FIFO for reading: a writer that comes and goes.
    for (const fifo of fifos) {
      const writer = await open(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK).catch(() => undefined);
      await writer?.close();
    }
    await temp.removeAll();
  });

  it('refuses a FIFO as a blob of a layout being pushed, at once', async () => {
    const dir = await layoutCopy();
    await mkfifo(layerPath(dir));
    const source = await OciImageLayout.open(dir);
    const target = await OciImageLayout.open(join(await temp.make(), 'target'), { create: true });
    await expectCoreError(
      copy(source, target, await source.resolve('app'), { tag: 'app' }),
      'NOT_A_FILE',
      /^Blob sha256:[0-9a-f]{64} in oci:.+ is a named pipe \(FIFO\), not a regular file; it was not read: replace it with the file itself\.$/,
    );
    assert.deepEqual(await target.roots(), [], 'nothing was tagged');
  });

  it('refuses a FIFO as oci-layout or index.json, at once', async () => {
    const withFifoLayoutFile = await layoutCopy();
    await mkfifo(join(withFifoLayoutFile, 'oci-layout'));
    await expectCoreError(OciImageLayout.open(withFifoLayoutFile), 'NOT_A_FILE', /^The oci-layout file of oci:.+ is a named pipe \(FIFO\)/);
    const withFifoIndex = await layoutCopy();
    await mkfifo(join(withFifoIndex, 'index.json'));
    await expectCoreError(OciImageLayout.open(withFifoIndex), 'NOT_A_FILE', /^The index\.json of oci:.+ is a named pipe \(FIFO\)/);
  });

  it('refuses a blob that links to a file outside the layout, even one with the right bytes', async () => {
    const dir = await layoutCopy();
    const outside = join(await temp.make(), 'outside.bin');
    await copyFile(layerPath(dir), outside);
    await rm(layerPath(dir));
    await symlink(outside, layerPath(dir));
    const source = await OciImageLayout.open(dir);
    const target = await OciImageLayout.open(join(await temp.make(), 'target'), { create: true });
    await expectCoreError(
      copy(source, target, await source.resolve('app'), { tag: 'app' }),
      'UNSAFE_PATH',
      /is a link to .*outside\.bin, outside .+; it was not read, so that nothing outside the folder is used: replace the link with the file itself\.$/,
    );
    assert.equal(await target.hasBlob(image.layers[0]!.descriptor), false, 'the outside file was not copied');
  });

  it('refuses an index.json that links out of the layout, and reads links that stay inside it', async () => {
    const outward = await layoutCopy();
    const outsideIndex = join(await temp.make(), 'index.json');
    await copyFile(join(outward, 'index.json'), outsideIndex);
    await rm(join(outward, 'index.json'));
    await symlink(outsideIndex, join(outward, 'index.json'));
    await expectCoreError(OciImageLayout.open(outward), 'UNSAFE_PATH', /^The index\.json of oci:.+ is a link to .+, outside /);

    const inward = await layoutCopy();
    await mkdir(join(inward, 'kept'));
    await copyFile(layerPath(inward), join(inward, 'kept', 'layer'));
    await rm(layerPath(inward));
    await symlink(join('..', '..', 'kept', 'layer'), layerPath(inward));
    const source = await OciImageLayout.open(inward);
    const target = await OciImageLayout.open(join(await temp.make(), 'target'), { create: true });
    await copy(source, target, await source.resolve('app'), { tag: 'app' });
    assert.equal(await target.hasBlob(image.layers[0]!.descriptor), true);
  });

  it('refuses a FIFO as an archive, at once', async () => {
    const fifo = join(await temp.make(), 'image.tar');
    await mkfifo(fifo);
    await expectCoreError(
      openImageArchive(fifo, { workDir: await temp.make() }),
      'NOT_A_FILE',
      /^The archive \(.+image\.tar\) is a named pipe \(FIFO\), not a regular file/,
    );
  });

  it('refuses an artifact file replaced by a FIFO after it was chosen, at once', async () => {
    const folder = await temp.make();
    const path = join(folder, 'notes.txt');
    await writeFile(path, 'chosen\n');
    const artifact = await FileArtifactSource.create([{ path }], { artifactType: 'application/vnd.example.notes.v1' });
    await mkfifo(path);
    const target = await OciImageLayout.open(join(await temp.make(), 'target'), { create: true });
    await expectCoreError(
      copy(artifact, target, artifact.root, { tag: 'notes' }),
      'NOT_A_FILE',
      /^The file \(.+notes\.txt\) is a named pipe \(FIFO\), not a regular file/,
    );
    await expectCoreError(
      FileArtifactSource.create([{ path }], { artifactType: 'application/vnd.example.notes.v1' }),
      'NOT_A_FILE',
      /named pipe \(FIFO\)/,
    );
    assert.equal((await readFile(join(target.dir, 'index.json'), 'utf8')).includes('notes'), false, 'nothing was tagged');
  });
});
