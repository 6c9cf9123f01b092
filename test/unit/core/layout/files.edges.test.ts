// The file helpers under the local content stores, at their edges: temporary names that fit the
// file system's limit, a write that is refused or cancelled leaving nothing, a rename that fails
// taking its temporary file with it, what is and is not a regular file inside a folder, the size
// limit of a small file read whole, and the translation of every file-system error the helpers
// know. Real files in a temporary folder; the errors the OS will not give here (root ignores
// permissions, no disk fills on demand) are fed to the translation as the errors Node would make.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CoreError } from '../../../../src/core/errors';
import {
  fileSize,
  fileSystemError,
  holdErrors,
  isNotFound,
  MAX_NAME_BYTES,
  moveIntoPlace,
  openRegularFile,
  readRegularFile,
  streamToTemporaryFile,
  temporaryPathBeside,
  temporaryPathIn,
  throwIfAborted,
  withCause,
  withFileErrors,
  writeFileAtomically,
} from '../../../../src/core/layout/files';
import { lend } from '../../../../src/core/lent-chunks';
import { rejectsWithCode, TempFolders } from '../../support/layout-helpers';

const posixOnly = process.platform === 'win32' ? it.skip : it;

/** The error `work` fails with (it must fail). */
async function failureOf(work: Promise<unknown>): Promise<NodeJS.ErrnoException> {
  return work.then(
    () => assert.fail('expected a failure'),
    (err: unknown) => err as NodeJS.ErrnoException,
  );
}

/** An error as Node's fs calls make them, for codes this machine cannot be made to give. */
function systemError(code: string, syscall: string, path?: string, dest?: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException & { dest?: string } = new Error(`${code}: failed, ${syscall} '${path}'`);
  Object.assign(err, { code, syscall, errno: -1 });
  if (path !== undefined) err.path = path;
  if (dest !== undefined) err.dest = dest;
  return err;
}

describe('layout: file helpers at their edges', () => {
  const temp = new TempFolders();
  after(() => temp.removeAll());

  describe('temporary names', () => {
    it('names a hidden partial file beside the target, and a fresh one each time', () => {
      const target = join('/some', 'folder', 'index.json');
      const first = temporaryPathBeside(target);
      assert.equal(dirname(first), dirname(target));
      assert.match(basename(first), /^\.index\.json\.partial-[0-9a-f]{12}$/);
      assert.notEqual(temporaryPathBeside(target), first);
      const inFolder = temporaryPathIn(join('/some', 'folder'));
      assert.equal(dirname(inFolder), join('/some', 'folder'));
      assert.match(basename(inFolder), /^\.partial-[0-9a-f]{16}$/);
      assert.notEqual(temporaryPathIn('/x'), temporaryPathIn('/x'));
    });

    it('shortens a long target name to exactly the limit, never cutting a character in two, and the name can be made', async () => {
      const folder = await temp.make();
      const ascii = temporaryPathBeside(join(folder, 'a'.repeat(MAX_NAME_BYTES)));
      assert.equal(Buffer.byteLength(basename(ascii)), MAX_NAME_BYTES);
      assert.match(basename(ascii), /^\.a+\.partial-[0-9a-f]{12}$/);
      await writeFile(ascii, 'fits');
      // Two bytes per character: the stem loses whole characters, so the name may end one byte short.
      const accented = basename(temporaryPathBeside(join(folder, 'é'.repeat(127))));
      assert.ok(Buffer.byteLength(accented) <= MAX_NAME_BYTES && Buffer.byteLength(accented) >= MAX_NAME_BYTES - 1, accented);
      assert.match(accented, /^\.é+\.partial-[0-9a-f]{12}$/);
      assert.equal(Buffer.from(accented).toString('utf8'), accented);
      // A name that already fits is kept whole.
      const short = basename(temporaryPathBeside(join(folder, 'b'.repeat(200))));
      assert.equal(short.slice(0, 201), `.${'b'.repeat(200)}`);
    });
  });

  describe('streamToTemporaryFile', () => {
    it('writes the stream through its transforms', async () => {
      const path = temporaryPathIn(await temp.make());
      const upper = new PassThrough({
        transform(chunk: Buffer, _encoding, callback) {
          callback(null, Buffer.from(chunk.toString().toUpperCase()));
        },
      });
      await streamToTemporaryFile(path, [Readable.from([Buffer.from('abc'), Buffer.from('def')]), upper]);
      assert.equal(await readFile(path, 'utf8'), 'ABCDEF');
    });

    it('writes lent chunks in order in calls of at most 512 KiB, and gives each back once written', async () => {
      const path = temporaryPathIn(await temp.make());
      const count = 48;
      const given = new Array<number>(count).fill(0);
      const chunks = Array.from({ length: count }, (_, i) => lend(Buffer.alloc(64 * 1024, i), () => given[i]!++));
      // The file stream calls fs.writev at write time: record each call's size.
      const calls: number[] = [];
      const writev = fs.writev;
      fs.writev = ((fd: number, buffers: NodeJS.ArrayBufferView[], ...rest: unknown[]) => {
        calls.push(buffers.reduce((sum, b) => sum + b.byteLength, 0));
        return (writev as (...args: unknown[]) => void)(fd, buffers, ...rest);
      }) as typeof fs.writev;
      try {
        // Produced faster than written: the stream gathers more than one call's worth while a write is out.
        await streamToTemporaryFile(path, [Readable.from(chunks, { highWaterMark: count })]);
      } finally {
        fs.writev = writev;
      }
      assert.ok((await readFile(path)).equals(Buffer.concat(chunks.map((c, i) => Buffer.alloc(c.length, i)))));
      assert.deepEqual(given, new Array<number>(count).fill(1), 'every chunk given back once');
      assert.ok(calls.length > 0 && Math.max(...calls) <= 512 * 1024, `write calls of ${calls.join(', ')} bytes`);
      assert.ok(
        calls.some((bytes) => bytes === 512 * 1024),
        'a batch larger than one call was split',
      );
    });

    it('refuses an already cancelled write before it opens anything, and releases the source', async () => {
      const folder = await temp.make();
      const source = Readable.from([Buffer.from('x')]);
      const controller = new AbortController();
      controller.abort();
      await rejectsWithCode(streamToTemporaryFile(temporaryPathIn(folder), [source], controller.signal), 'CANCELLED');
      assert.equal(source.destroyed, true, 'the source is released');
      assert.deepEqual(await readdir(folder), []);
    });

    it('a write cancelled half-way is CANCELLED, with the abort as its cause, and leaves nothing', async () => {
      const folder = await temp.make();
      const controller = new AbortController();
      let sent = 0;
      const endless = new Readable({
        read() {
          this.push(Buffer.alloc(1024));
          if (++sent === 4) controller.abort();
        },
      });
      const err = await rejectsWithCode(streamToTemporaryFile(temporaryPathIn(folder), [endless], controller.signal), 'CANCELLED');
      assert.equal((err.cause as Error | undefined)?.name, 'AbortError');
      assert.deepEqual(await readdir(folder), []);
    });

    it('passes a failure of the source on as it is and leaves nothing', async () => {
      const folder = await temp.make();
      let sent = false;
      const failing = new Readable({
        read() {
          if (sent) return void setImmediate(() => this.destroy(new Error('connection reset')));
          sent = true;
          this.push(Buffer.alloc(4096, 1));
        },
      });
      const err = await failureOf(streamToTemporaryFile(temporaryPathIn(folder), [failing], new AbortController().signal));
      assert.equal(err.message, 'connection reset');
      assert.ok(!(err instanceof CoreError));
      assert.deepEqual(await readdir(folder), []);
    });

    it('never writes into a name that is already taken', async () => {
      const folder = await temp.make();
      const taken = join(folder, '.partial-taken');
      await writeFile(taken, 'another writer');
      const err = await failureOf(streamToTemporaryFile(taken, [Readable.from([Buffer.from('mine')])]));
      assert.equal(err.code, 'EEXIST');
    });

    it('keeps a failing stream from throwing before its consumer is attached', async () => {
      const early = new Readable({ read() {} });
      holdErrors(early);
      early.destroy(new Error('failed early'));
      await new Promise((resolve) => setImmediate(resolve));
      await assert.rejects(pipeline(early, new PassThrough()), /failed early/);
    });
  });

  describe('moveIntoPlace and writeFileAtomically', () => {
    it('replaces the old content whole and leaves no temporary file', async () => {
      const folder = await temp.make();
      const target = join(folder, 'index.json');
      await writeFile(target, 'old');
      await writeFileAtomically(target, 'new content');
      assert.equal(await readFile(target, 'utf8'), 'new content');
      await writeFileAtomically(join(folder, 'n'.repeat(MAX_NAME_BYTES)), Buffer.from('long name'));
      assert.deepEqual((await readdir(folder)).sort(), ['index.json', 'n'.repeat(MAX_NAME_BYTES)]);
    });

    it('a rename onto a folder in the way fails and removes the temporary file, leaving the folder as it was', async () => {
      const folder = await temp.make();
      const target = join(folder, 'target');
      await mkdir(join(target, 'inside'), { recursive: true });
      const temporary = join(folder, '.temporary');
      await writeFile(temporary, 'bytes');
      const err = await failureOf(moveIntoPlace(temporary, target));
      assert.ok(err.code === 'EISDIR' || err.code === 'ENOTEMPTY' || err.code === 'EPERM', String(err.code));
      assert.deepEqual(await readdir(folder), ['target']);
      assert.deepEqual(await readdir(target), ['inside']);

      const failed = await failureOf(writeFileAtomically(target, 'bytes'));
      assert.ok(failed.code === 'EISDIR' || failed.code === 'ENOTEMPTY' || failed.code === 'EPERM', String(failed.code));
      assert.deepEqual(await readdir(folder), ['target'], 'no temporary file is left beside it');
    });

    it('a write into a missing folder fails with ENOENT and creates nothing', async () => {
      const folder = await temp.make();
      const err = await failureOf(writeFileAtomically(join(folder, 'missing', 'index.json'), 'x'));
      assert.equal(err.code, 'ENOENT');
      assert.equal(err.syscall, 'open', "the write's own error, not a later one");
      const moved = await failureOf(moveIntoPlace(join(folder, 'gone'), join(folder, 'target')));
      assert.deepEqual([moved.code, moved.syscall], ['ENOENT', 'rename'], "the rename's own error");
      assert.deepEqual(await readdir(folder), []);
    });
  });

  describe('fileSize', () => {
    it('is the size of a regular file, and undefined for a folder, a missing file or a path through a file', async () => {
      const folder = await temp.make();
      await writeFile(join(folder, 'f'), 'four');
      assert.equal(await fileSize(join(folder, 'f')), 4);
      assert.equal(await fileSize(folder), undefined);
      assert.equal(await fileSize(join(folder, 'missing')), undefined);
      assert.equal(await fileSize(join(folder, 'f', 'below')), undefined);
    });

    posixOnly('throws other failures: a loop of links, a name too long', async () => {
      const folder = await temp.make();
      await symlink(join(folder, 'b'), join(folder, 'a'));
      await symlink(join(folder, 'a'), join(folder, 'b'));
      assert.equal((await failureOf(fileSize(join(folder, 'a')))).code, 'ELOOP');
      assert.equal((await failureOf(fileSize(join(folder, 'n'.repeat(300))))).code, 'ENAMETOOLONG');
    });
  });

  describe('openRegularFile and readRegularFile', () => {
    posixOnly(
      'inside a folder: refuses the folder itself and its parent as outside it, and opens a name that only starts with two dots',
      async () => {
        const parent = await temp.make();
        const folder = join(parent, 'layout');
        await mkdir(folder);
        await writeFile(join(folder, '..hidden'), 'inside');
        const opened = await openRegularFile(join(folder, '..hidden'), { within: folder, what: 'The file' });
        await opened.handle.close();
        assert.equal(opened.size, 6);
        await rejectsWithCode(
          openRegularFile(folder, { within: folder, what: 'The folder' }),
          'UNSAFE_PATH',
          /^The folder \(.+\) is a link to .+, outside /,
        );
        await rejectsWithCode(openRegularFile(parent, { within: folder, what: 'The parent' }), 'UNSAFE_PATH', /outside /);
        await writeFile(join(parent, 'outside'), 'x');
        await rejectsWithCode(openRegularFile(join(folder, '..', 'outside'), { within: folder, what: 'The file' }), 'UNSAFE_PATH');
      },
    );

    posixOnly('without a folder: follows a link to a file, and calls a loop of links unsafe', async () => {
      const folder = await temp.make();
      await writeFile(join(folder, 'real'), 'linked');
      await symlink(join(folder, 'real'), join(folder, 'link'));
      const opened = await openRegularFile(join(folder, 'link'), { what: 'The file' });
      assert.equal((await opened.handle.readFile()).toString(), 'linked');
      await opened.handle.close();
      await symlink(join(folder, 'loop-b'), join(folder, 'loop-a'));
      await symlink(join(folder, 'loop-a'), join(folder, 'loop-b'));
      await rejectsWithCode(
        openRegularFile(join(folder, 'loop-a'), { what: 'The file' }),
        'UNSAFE_PATH',
        /^The file \(.+loop-a\) became a link while it was being opened; it was not read: check what is changing the folder, then try again\.$/,
      ).then((err) => assert.equal((err.cause as NodeJS.ErrnoException | undefined)?.code, 'ELOOP'));
      // Inside a folder the loop is found while resolving the real path, and passed on as the system's error.
      assert.equal((await failureOf(openRegularFile(join(folder, 'loop-a'), { within: folder, what: 'The file' }))).code, 'ELOOP');
    });

    posixOnly('refuses a folder and a device, naming what they are', async () => {
      const folder = await temp.make();
      await rejectsWithCode(
        openRegularFile(folder, { what: 'The archive' }),
        'NOT_A_FILE',
        /^The archive \(.+\) is a folder, not a regular file; it was not read: replace it with the file itself\.$/,
      );
      await rejectsWithCode(
        openRegularFile('/dev/null', { what: 'The archive' }),
        'NOT_A_FILE',
        /^The archive \(\/dev\/null\) is a device, not/,
      );
      assert.equal((await failureOf(openRegularFile(join(folder, 'missing'), { what: 'The archive' }))).code, 'ENOENT');
    });

    it('reads a file of exactly the limit, and refuses one byte more with the size found', async () => {
      const folder = await temp.make();
      await writeFile(join(folder, 'at'), Buffer.alloc(100, 1));
      await writeFile(join(folder, 'over'), Buffer.alloc(101, 1));
      const sizes: number[] = [];
      const options = {
        what: 'The file',
        maxBytes: 100,
        tooLarge: (size: number) => {
          sizes.push(size);
          return new CoreError('MANIFEST_TOO_LARGE', `too large: ${size}`);
        },
      };
      assert.equal((await readRegularFile(join(folder, 'at'), options)).length, 100);
      await rejectsWithCode(readRegularFile(join(folder, 'over'), options), 'MANIFEST_TOO_LARGE', /^too large: 101$/);
      assert.deepEqual(sizes, [101]);
    });

    if (process.platform === 'linux')
      it('refuses a file that holds more than its size said once read (a /proc file, which says 0 bytes)', async () => {
        await rejectsWithCode(
          readRegularFile('/proc/self/status', {
            what: 'The file',
            maxBytes: 100,
            tooLarge: (size) => new CoreError('MANIFEST_TOO_LARGE', `too large: ${size}`),
          }),
          'MANIFEST_TOO_LARGE',
          /^too large: [0-9]{3,}$/,
        );
      });

    if (process.platform === 'linux')
      it('closes the file after reading it, and after refusing it', async () => {
        const folder = await temp.make();
        await writeFile(join(folder, 'small'), 'x');
        await writeFile(join(folder, 'large'), Buffer.alloc(200));
        const options = { what: 'The file', maxBytes: 100, tooLarge: () => new CoreError('MANIFEST_TOO_LARGE', 'too large') };
        const open = async (): Promise<number> => (await readdir('/proc/self/fd')).length;
        const before = await open();
        for (let i = 0; i < 20; i++) {
          await readRegularFile(join(folder, 'small'), options);
          await rejectsWithCode(readRegularFile(join(folder, 'large'), options), 'MANIFEST_TOO_LARGE');
        }
        assert.ok((await open()) <= before + 2, `${(await open()) - before} more files open than before`);
      });

    it('refuses a file by its size before reading it: a sparse 3 GiB file, more than a read whole can hold', async () => {
      const path = join(await temp.make(), 'huge');
      await writeFile(path, '');
      await truncate(path, 3 * 1024 ** 3);
      // Read whole, such a file fails with Node's own RangeError (ERR_FS_FILE_TOO_LARGE), not the limit's error.
      await rejectsWithCode(
        readRegularFile(path, {
          what: 'The file',
          maxBytes: 100,
          tooLarge: (size) => new CoreError('MANIFEST_TOO_LARGE', `too large: ${size}`),
        }),
        'MANIFEST_TOO_LARGE',
        /^too large: 3221225472$/,
      );
    });
  });

  describe('fileSystemError', () => {
    const path = '/data/layout/blobs/sha256/abc';
    const known: [string, string, RegExp][] = [
      ['ENAMETOOLONG', 'NAME_TOO_LONG', /^the name \/data\S+ is too long for the file system; choose a shorter folder or file name$/],
      ['EACCES', 'PERMISSION_DENIED', /^permission to use \/data\S+ was denied; check its permissions, or choose another folder$/],
      ['EPERM', 'PERMISSION_DENIED', /^the system did not allow the change to \/data\S+; check its permissions, or choose another folder$/],
      ['ENOSPC', 'DISK_FULL', /^the disk holding \/data\S+ is full; free some space, then try again$/],
      ['EDQUOT', 'DISK_FULL', /^the disk quota for \/data\S+ is used up; free some space, then try again$/],
      ['EROFS', 'READ_ONLY', /^\/data\S+ is on a read-only file system; choose another folder$/],
      ['EEXIST', 'FILE_EXISTS', /^\/data\S+ already exists; move it away, or choose another folder$/],
      ['ENOTDIR', 'NOT_A_FOLDER', /^a part of \/data\S+ is a file where a folder is needed; move it away, or choose another folder$/],
      ['EISDIR', 'NOT_A_FILE', /^\/data\S+ is a folder where a file is needed; move it away, or choose another name$/],
      ['ENOTEMPTY', 'NOT_A_FILE', /^\/data\S+ is a folder with files in it where a file is needed; move it away, or choose another name$/],
      ['ENOENT', 'FILE_NOT_FOUND', /^\/data\S+ does not exist \(it may have been moved or deleted meanwhile\); choose it again$/],
      [
        'ELOOP',
        'UNSAFE_PATH',
        /^\/data\S+ goes through a loop of links, or is a link where none is allowed; replace the link with the file or folder itself$/,
      ],
      [
        'EMFILE',
        'TOO_MANY_OPEN_FILES',
        /^too many files are open at once; close other programs or wait for other transfers, then try again$/,
      ],
      ['ENFILE', 'TOO_MANY_OPEN_FILES', /^too many files are open on this system; close other programs, then try again$/],
      ['EBUSY', 'FILE_BUSY', /^\/data\S+ is in use by another program; close it, then try again$/],
      ['ETXTBSY', 'FILE_BUSY', /^\/data\S+ is in use by another program; close it, then try again$/],
      ['EIO', 'IO_ERROR', /^the disk reported an error on \/data\S+; check the disk, then try again$/],
    ];

    it('gives each known code its own CoreError code and words, after the action, and keeps the error as the cause', () => {
      for (const [code, coreCode, problem] of known) {
        const original = systemError(code, 'open', path);
        const translated = fileSystemError(original, 'Writing the blob');
        assert.ok(translated instanceof CoreError, code);
        assert.equal(translated.code, coreCode, code);
        const prefix = 'Writing the blob failed: ';
        assert.ok(translated.message.startsWith(prefix) && translated.message.endsWith('.'), translated.message);
        assert.match(translated.message.slice(prefix.length, -1), problem, code);
        if (code !== 'EMFILE' && code !== 'ENFILE') assert.ok(translated.message.includes(path), code);
        assert.equal(translated.cause, original, code);
      }
    });

    it('words an unknown code with the code, the path and the system message', () => {
      const original = systemError('EXDEV', 'rename', '/a/from', '/b/to');
      const translated = fileSystemError(original, 'Moving the blob');
      assert.ok(translated instanceof CoreError);
      assert.equal(translated.code, 'FILE_SYSTEM_ERROR');
      assert.equal(
        translated.message,
        `Moving the blob failed: the system answered EXDEV for /b/to (${original.message}); check the folder and the disk, then try again.`,
      );
      assert.equal(translated.cause, original);
    });

    it('names where a rename goes, but the source of one that found no source, and "the file" without a path', async () => {
      const folder = await temp.make();
      await writeFile(join(folder, 'from'), 'x');
      await mkdir(join(folder, 'to', 'full'), { recursive: true });
      const onto = fileSystemError(await failureOf(rename(join(folder, 'from'), join(folder, 'to'))), 'Placing');
      assert.ok(onto instanceof CoreError);
      assert.match(onto.message, new RegExp(`^Placing failed: ${join(folder, 'to').replaceAll(sep, '\\' + sep)} is a folder`));
      const missing = fileSystemError(await failureOf(rename(join(folder, 'absent'), join(folder, 'elsewhere'))), 'Placing');
      assert.ok(missing instanceof CoreError);
      assert.match(missing.message, /absent does not exist/);
      assert.doesNotMatch(missing.message, /elsewhere/);
      const synthetic = fileSystemError(systemError('EXDEV', 'rename', '/a/from'), 'Placing');
      assert.match((synthetic as Error).message, /EXDEV for \/a\/from /, 'a rename without a destination names its source');
      for (const noPath of [undefined, '']) {
        const err = systemError('ENOSPC', 'write', noPath);
        assert.equal(
          (fileSystemError(err, 'Writing') as Error).message,
          'Writing failed: the disk holding the file is full; free some space, then try again.',
        );
      }
    });

    it('shows a path of 240 characters whole, and a longer one by its start and its end', () => {
      const whole = `/${'w'.repeat(239)}`;
      assert.ok((fileSystemError(systemError('EIO', 'read', whole), 'Reading') as Error).message.includes(` ${whole};`));
      const long = `/${'s'.repeat(150)}${'e'.repeat(150)}`;
      const message = (fileSystemError(systemError('EIO', 'read', long), 'Reading') as Error).message;
      assert.ok(message.includes(` ${long.slice(0, 120)}…${long.slice(-100)};`), message);
    });

    it('passes on unchanged what is not a file-system error', () => {
      const unchanged: unknown[] = [
        new CoreError('CANCELLED', 'The operation was cancelled.'),
        new Error('a stream error'),
        Object.assign(new Error('numeric code'), { code: 5, syscall: 'read' }),
        Object.assign(new Error('no syscall'), { code: 'EIO' }),
        { code: 'EIO', syscall: 'read', message: 'not an Error' },
        'a string',
        systemError('EADDRNOTAVAIL', 'connect', '/x'),
        systemError('EAI_FAIL', 'getaddrinfo', '/x'),
        systemError('EIO', 'getaddrinfoSomething', '/x'),
      ];
      for (const code of [
        'ECONNRESET',
        'EPIPE',
        'ECONNREFUSED',
        'ECONNABORTED',
        'ETIMEDOUT',
        'EHOSTUNREACH',
        'ENETUNREACH',
        'ENOTFOUND',
        'EAI_AGAIN',
      ])
        unchanged.push(systemError(code, 'write', '/x'));
      for (const err of unchanged) assert.equal(fileSystemError(err, 'x'), err, String((err as Error).message ?? err));
      assert.ok(
        fileSystemError(systemError('EIO', 'write', '/x'), 'x') instanceof CoreError,
        'the same code from a file call is translated',
      );
    });

    it('withFileErrors translates what its work throws and returns what it gives', async () => {
      assert.equal(await withFileErrors('Reading', async () => 7), 7);
      const folder = await temp.make();
      await rejectsWithCode(
        withFileErrors('Reading the list', () => readFile(join(folder, 'missing'))),
        'FILE_NOT_FOUND',
        /^Reading the list failed: .+missing does not exist/,
      );
    });
  });

  describe('small helpers', () => {
    it('isNotFound, withCause and throwIfAborted', async () => {
      const folder = await temp.make();
      await writeFile(join(folder, 'f'), 'x');
      assert.equal(isNotFound(await failureOf(stat(join(folder, 'missing')))), true);
      assert.equal(isNotFound(await failureOf(stat(join(folder, 'f', 'below')))), true);
      assert.equal(isNotFound(systemError('EIO', 'stat', '/x')), false);
      assert.equal(isNotFound(undefined), false);
      const cause = new Error('why');
      const wrapped = withCause(new CoreError('CANCELLED', 'The operation was cancelled.'), cause);
      assert.deepEqual([wrapped.code, wrapped.message, wrapped.cause], ['CANCELLED', 'The operation was cancelled.', cause]);
      throwIfAborted(undefined);
      throwIfAborted(new AbortController().signal);
      const controller = new AbortController();
      controller.abort();
      assert.throws(
        () => throwIfAborted(controller.signal),
        (err: unknown) => err instanceof CoreError && err.code === 'CANCELLED',
      );
    });
  });
});
