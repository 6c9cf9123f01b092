// File-system failures reach callers as CoreErrors that name the path and say what to do, never
// as raw ENOTDIR or EISDIR: first the translation itself, fed real errors from real calls (a name
// too long, a file where a folder should be, /dev/full for a full disk), then whole operations
// that meet such a file system.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, open, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadTarget } from '../../../../src/core/oci/content';
import { digestOf } from '../../../../src/core/oci/digest';
import { CoreError } from '../../../../src/core/errors';
import { ANNOTATION_TITLE, EMPTY_CONFIG, extractArtifactFiles } from '../../../../src/core/layout/artifact-files';
import { writeDockerArchive } from '../../../../src/core/layout/docker-archive';
import { fileSystemError } from '../../../../src/core/layout/files';
import { OciImageLayout } from '../../../../src/core/layout/oci-layout';
import type { ImageManifest } from '../../../../src/core/oci/manifest';
import { copy } from '../../../../src/core/operations/copy';
import { OciLayout } from '../../../support/lab/oci-layout';
import { rejectsWithCode, TempFolders } from '../../support/layout-helpers';

/** The error `work` fails with (it must fail). */
async function failureOf(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => assert.fail('expected a failure'),
    (err: unknown) => err,
  );
}

describe('layout: file-system errors', () => {
  const temp = new TempFolders();
  after(() => temp.removeAll());

  it('translates real file-system errors into CoreErrors naming the path and the next step', async () => {
    const dir = await temp.make('fs-errors-');
    const file = join(dir, 'file.txt');
    await writeFile(file, 'x');
    await symlink(join(dir, 'loop-b'), join(dir, 'loop-a'));
    await symlink(join(dir, 'loop-a'), join(dir, 'loop-b'));
    const cases: [string, () => Promise<unknown>, string, RegExp][] = [
      [
        'a name too long',
        () => open(join(dir, 'n'.repeat(300))),
        'NAME_TOO_LONG',
        /the name .*nnnn.* is too long for the file system; choose a shorter folder or file name\.$/,
      ],
      [
        'a file where a folder is needed',
        () => mkdir(join(file, 'sub'), { recursive: true }),
        'NOT_A_FOLDER',
        /a part of .*file\.txt.* is a file where a folder is needed; move it away, or choose another folder\.$/,
      ],
      ['a folder where a file is needed', () => readFile(dir), 'NOT_A_FILE', /is a folder where a file is needed/],
      ['something already there', () => mkdir(dir), 'FILE_EXISTS', /already exists; move it away, or choose another folder\.$/],
      ['a missing file', () => readFile(join(dir, 'missing')), 'FILE_NOT_FOUND', /missing does not exist/],
      ['a loop of links', () => readFile(join(dir, 'loop-a')), 'UNSAFE_PATH', /goes through a loop of links/],
    ];
    if (process.platform === 'linux')
      cases.push([
        'a full disk',
        () => writeFile('/dev/full', 'x'),
        'DISK_FULL',
        /the disk holding the file is full; free some space, then try again\.$/,
      ]);
    for (const [what, work, code, message] of cases) {
      const translated = fileSystemError(await failureOf(work()), 'Writing the test files');
      assert.ok(translated instanceof CoreError, `${what}: ${String(translated)}`);
      assert.equal(translated.code, code, `${what}: ${translated.message}`);
      assert.match(translated.message, /^Writing the test files failed: /, what);
      assert.match(translated.message, message, what);
    }
    const notFileSystem = new Error('a stream error');
    assert.equal(fileSystemError(notFileSystem, 'x'), notFileSystem, 'other errors pass unchanged');
    const refused = await failureOf(
      new Promise((_resolve, reject) => createConnection({ host: '127.0.0.1', port: 1 }).once('error', reject)),
    );
    assert.equal(fileSystemError(refused, 'x'), refused, 'a socket error (with its syscall) passes unchanged');
  });

  const honest: ReadTarget = {
    name: 'test source',
    fetchManifest: () => Promise.reject(new Error('unused')),
    openBlob: async () => Readable.from([Buffer.from('x')]),
  };
  const oneFile: ImageManifest = {
    schemaVersion: 2,
    config: EMPTY_CONFIG,
    layers: [{ mediaType: 'text/plain', digest: digestOf('x'), size: 1, annotations: { [ANNOTATION_TITLE]: 'f.txt' } }],
  };

  it('pulling artifact files into a folder under a file fails with NOT_A_FOLDER', async () => {
    const dir = await temp.make('fs-errors-');
    await writeFile(join(dir, 'file.txt'), 'x');
    await rejectsWithCode(
      extractArtifactFiles(honest, oneFile, join(dir, 'file.txt', 'out')),
      'NOT_A_FOLDER',
      /^Writing the artifact's files into .*out failed: a part of .*file\.txt.* is a file where a folder is needed/,
    );
  });

  it('writing a docker archive onto a folder fails with NOT_A_FILE', async () => {
    const fixture = await OciLayout.create(join(await temp.make(), 'fixture'));
    const image = await fixture.image({ layers: [1024], seed: 'fs-errors' });
    const source = await OciImageLayout.open(fixture.dir);
    const out = join(await temp.make(), 'image.tar');
    await mkdir(join(out, 'taken'), { recursive: true });
    await rejectsWithCode(
      writeDockerArchive(out, [{ manifest: image.manifest as unknown as ImageManifest, source, repoTags: [] }]),
      'NOT_A_FILE',
      /^Writing .*image\.tar failed: .*image\.tar is a folder (with files in it )?where a file is needed; move it away, or choose another name\.$/,
    );
  });

  it('copying into a layout whose blob folder is a file fails with a CoreError naming it', async () => {
    const fixture = await OciLayout.create(join(await temp.make(), 'fixture'));
    const image = await fixture.image({ layers: [1024], seed: 'fs-errors-copy', ref: 'app' });
    const source = await OciImageLayout.open(fixture.dir);
    const target = await OciImageLayout.open(await mkdtemp(join(await temp.make(), 'target-')), { create: true });
    await rm(join(target.dir, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(target.dir, 'blobs', 'sha256'), 'in the way');
    const err = await failureOf(copy(source, target, image.descriptor, { tag: 'app' }));
    assert.ok(err instanceof CoreError, String(err));
    assert.match(err.message, /^Copying from oci:.+ to oci:.+ failed: .*sha256.* (already exists|is a file where a folder is needed)/);
  });
});
