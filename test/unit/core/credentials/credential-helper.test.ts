import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { CoreError } from '../../../../src/core/errors';
import { findOnPath, helperErase, helperGet, helperList, helperStore } from '../../../../src/core/credentials/credential-helper';
import { assertGoneWithItsChild } from '../../support/processes';

const SECRETS = ['helper-secret-1', 'id-token-secret', 'CRASHSECRET', 'GARBAGESECRET', 'tok3nSecret99'];

function assertNoSecret(error: unknown): void {
  const text = `${(error as Error).message} ${String((error as Error).stack)}`;
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `error leaks ${secret}: ${text}`);
}

describe('config/credential-helper', function () {
  if (process.platform === 'win32') return;
  let base: string;
  let bin: string;
  let env: Record<string, string | undefined>;

  /** Writes bin/docker-credential-<name> as a small shell script. */
  function helper(name: string, body: string): void {
    const path = join(bin, `docker-credential-${name}`);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
  }

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'cred-helper-test-'));
    bin = join(base, 'bin');
    mkdirSync(bin);
    env = { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, LAB_DIR: base };
    helper(
      'labtest',
      [
        'input=$(cat)',
        'case "$1" in',
        '  get)',
        '    if [ "$input" = "token.test" ]; then printf \'{"ServerURL":"token.test","Username":"<token>","Secret":"id-token-secret"}\'',
        '    elif [ "$input" = "empty.test" ]; then printf \'{"ServerURL":"empty.test","Username":"","Secret":""}\'',
        '    else printf \'{"ServerURL":"%s","Username":"alice","Secret":"helper-secret-1"}\' "$input"; fi ;;',
        '  list) printf \'{"https://index.docker.io/v1/":"hubuser","ghcr.io":"alice"}\' ;;',
        '  store) printf \'%s\' "$input" > "$LAB_DIR/stored.json" ;;',
        '  erase) printf \'%s\' "$input" > "$LAB_DIR/erased.txt" ;;',
        '  *) echo "unknown action"; exit 1 ;;',
        'esac',
      ].join('\n'),
    );
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('gets a credential, sending the server URL on stdin', async () => {
    assert.deepEqual(await helperGet('labtest', 'ghcr.io', { env }), { username: 'alice', password: 'helper-secret-1' });
  });

  it('turns Username <token> into an identity token', async () => {
    assert.deepEqual(await helperGet('labtest', 'token.test', { env }), { identityToken: 'id-token-secret' });
  });

  it('treats an empty secret as no credential', async () => {
    assert.equal(await helperGet('labtest', 'empty.test', { env }), undefined);
  });

  it('lists, stores and erases', async () => {
    assert.deepEqual(await helperList('labtest', { env }), { 'https://index.docker.io/v1/': 'hubuser', 'ghcr.io': 'alice' });
    await helperStore('labtest', { ServerURL: 'ghcr.io', Username: 'alice', Secret: 'helper-secret-1' }, { env });
    assert.deepEqual(JSON.parse(readFileSync(join(base, 'stored.json'), 'utf8')), {
      ServerURL: 'ghcr.io',
      Username: 'alice',
      Secret: 'helper-secret-1',
    });
    await helperErase('labtest', 'ghcr.io', { env });
    assert.equal(readFileSync(join(base, 'erased.txt'), 'utf8'), 'ghcr.io');
  });

  it('treats "credentials not found in native keychain" (and similar) as anonymous', async () => {
    helper('labtest', 'cat >/dev/null\necho "credentials not found in native keychain"\nexit 1');
    assert.equal(await helperGet('labtest', 'ghcr.io', { env }), undefined);
    helper('labtest', 'cat >/dev/null\necho "The specified item could not be found in the keychain."\nexit 1');
    assert.equal(await helperGet('labtest', 'ghcr.io', { env }), undefined);
    await helperErase('labtest', 'ghcr.io', { env });
  });

  it('a helper that cannot run a program it needs failed: its "not found" is about the program, not a login', async () => {
    // What docker-credential-pass (Debian's 0.6.4) prints when its store exists but `pass` is not on
    // the PATH it was given (VS Code started outside the shell that sets it), and the shells' words
    // for a missing command: a broken setup to report, never a silent anonymous request.
    const missing = [
      'pass not initialized: exec: "pass": executable file not found in $PATH: ',
      'sh: 1: gpg: not found',
      'bash: line 1: gpg: command not found',
      'zsh: command not found: gpg',
    ];
    for (const line of missing) {
      helper('labtest', `cat >/dev/null\nprintf '%s\\n' '${line}'\nexit 1`);
      await assert.rejects(
        helperGet('labtest', 'ghcr.io', { env }),
        (e: unknown) => {
          assert.ok(e instanceof CoreError, String(e));
          assert.equal(e.code, 'CREDENTIAL_HELPER_FAILED', `${line}: ${e.message}`);
          assert.match(e.message, /docker-credential-labtest .*a program it runs was not found on the PATH/);
          return true;
        },
        line,
      );
      await assert.rejects(helperErase('labtest', 'ghcr.io', { env }), /CREDENTIAL_HELPER_FAILED|failed while erasing/, line);
    }
  });

  it('reports a crash with the helper name and exit code, never its stdout', async () => {
    helper('labtest', 'cat >/dev/null\necho "garbage CRASHSECRET {{{"\necho "fatal: keychain is locked" >&2\nexit 3');
    await assert.rejects(helperGet('labtest', 'ghcr.io', { env }), (e: unknown) => {
      assert.ok(e instanceof CoreError);
      assert.equal(e.code, 'CREDENTIAL_HELPER_FAILED');
      assert.match(e.message, /docker-credential-labtest/);
      assert.match(e.message, /exit code 3/);
      assert.match(e.message, /fatal: keychain is locked/, 'a plain error sentence on stderr is quoted');
      assertNoSecret(e);
      return true;
    });
  });

  it('does not quote a stderr line that looks like it carries a token', async () => {
    helper('labtest', 'cat >/dev/null\necho "error: bad token tok3nSecret99" >&2\nexit 1');
    await assert.rejects(helperGet('labtest', 'ghcr.io', { env }), (e: unknown) => {
      assert.match((e as Error).message, /exit code 1\)\. Run "docker-credential-labtest get"/);
      assertNoSecret(e);
      return true;
    });
  });

  it('reports output that is not JSON without quoting it', async () => {
    helper('labtest', 'cat >/dev/null\nprintf \'{"Username":"u","Secret":"GARBAGESECRET\'');
    await assert.rejects(helperGet('labtest', 'ghcr.io', { env }), (e: unknown) => {
      assert.equal((e as CoreError).code, 'CREDENTIAL_HELPER_BAD_OUTPUT');
      assert.match((e as Error).message, /docker-credential-labtest/);
      assertNoSecret(e);
      return true;
    });
  });

  it('kills a helper that does not answer in time, with what it started, even when it ignores SIGTERM', async () => {
    helper('labtest', 'trap "" TERM\ncat >/dev/null\necho $$ > "$LAB_DIR/pid"\nsleep 30 &\necho $! > "$LAB_DIR/sleep-pid"\nwait');
    const started = Date.now();
    await assert.rejects(helperGet('labtest', 'ghcr.io', { env, timeoutMs: 500 }), (e: unknown) => {
      assert.equal((e as CoreError).code, 'CREDENTIAL_HELPER_TIMEOUT');
      assert.match((e as Error).message, /the credential helper docker-credential-labtest did not answer within 0\.5 s/i);
      return true;
    });
    // Not before the limit; an end that waited for the helper instead would wait for its 30 s
    // sleep, beyond mocha's 20 s limit for the test, so no upper bound on time is asserted here.
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 450, `ended after ${elapsed} ms, before the 500 ms limit`);
    await assertGoneWithItsChild(base, 'the helper');
  });

  it('says the helper is not on PATH and where it was configured', async () => {
    await assert.rejects(
      helperGet('nosuchhelper', 'ghcr.io', { env, configuredBy: { file: '/home/u/.docker/config.json', setting: 'credsStore' } }),
      (e: unknown) => {
        assert.equal((e as CoreError).code, 'CREDENTIAL_HELPER_NOT_FOUND');
        assert.equal(
          (e as Error).message,
          'docker-credential-nosuchhelper is not on PATH: install it or remove credsStore from /home/u/.docker/config.json.',
        );
        return true;
      },
    );
    assert.equal(await findOnPath('docker-credential-labtest', env), join(bin, 'docker-credential-labtest'));
    writeFileSync(join(bin, 'docker-credential-noexec'), '#!/bin/sh\n');
    assert.equal(await findOnPath('docker-credential-noexec', env), undefined);
  });

  it('refuses helper names that are paths', async () => {
    await assert.rejects(
      helperGet('../../bin/sh', 'ghcr.io', { env }),
      (e: unknown) => (e as CoreError).code === 'CREDENTIAL_HELPER_INVALID_NAME',
    );
  });

  it('reads what a get prints field by field: no user name, fields of other types, blank output, other JSON', async () => {
    helper('labtest', 'cat >/dev/null\nprintf \'{"Secret":"helper-secret-1"}\'');
    assert.deepEqual(await helperGet('labtest', 'ghcr.io', { env }), { password: 'helper-secret-1' });
    helper('labtest', 'cat >/dev/null\nprintf \'{"Username":7,"Secret":"helper-secret-1"}\'');
    assert.deepEqual(await helperGet('labtest', 'ghcr.io', { env }), { password: 'helper-secret-1' });
    helper('labtest', 'cat >/dev/null\nprintf \'{"Username":"alice","Secret":7}\'');
    assert.equal(await helperGet('labtest', 'ghcr.io', { env }), undefined);
    helper('labtest', 'cat >/dev/null\nprintf "  \\n"');
    assert.equal(await helperGet('labtest', 'ghcr.io', { env }), undefined);
    for (const out of ['[]', 'null', '"text"']) {
      helper('labtest', `cat >/dev/null\nprintf '%s' '${out}'`);
      await assert.rejects(helperGet('labtest', 'ghcr.io', { env }), (e: unknown) => {
        assert.equal((e as CoreError).code, 'CREDENTIAL_HELPER_BAD_OUTPUT', out);
        assert.equal(
          (e as Error).message,
          'The credential helper docker-credential-labtest answered "get" with output that is not the expected JSON object; check the helper\'s version and configuration.',
        );
        return true;
      });
    }
  });

  it('lists only string user names, nothing for blank output, and says a failing list, store or erase', async () => {
    helper('labtest', 'printf \'{"a.test":"alice","b.test":7,"c.test":null}\'');
    assert.deepEqual(await helperList('labtest', { env }), { 'a.test': 'alice' });
    helper('labtest', 'printf " "');
    assert.deepEqual(await helperList('labtest', { env }), {});
    helper('labtest', 'cat >/dev/null\necho "storage is locked" >&2\nexit 4');
    const failures: Array<[() => Promise<unknown>, string]> = [
      [() => helperList('labtest', { env }), 'listing credentials (exit code 4): storage is locked. Run "docker-credential-labtest list"'],
      [
        () => helperStore('labtest', { ServerURL: 'ghcr.io', Username: 'u', Secret: 'helper-secret-1' }, { env }),
        'storing credentials for ghcr.io (exit code 4): storage is locked. Run "docker-credential-labtest store"',
      ],
      [
        () => helperErase('labtest', 'ghcr.io', { env }),
        'erasing credentials for ghcr.io (exit code 4): storage is locked. Run "docker-credential-labtest erase"',
      ],
      [
        () => helperGet('labtest', 'ghcr.io', { env }),
        'getting credentials for ghcr.io (exit code 4): storage is locked. Run "docker-credential-labtest get"',
      ],
    ];
    for (const [failing, words] of failures)
      await assert.rejects(failing(), (e: unknown) => {
        assert.equal((e as CoreError).code, 'CREDENTIAL_HELPER_FAILED');
        assert.equal(
          (e as Error).message,
          `The credential helper docker-credential-labtest failed while ${words} in a terminal to see why, or log in again.`,
        );
        return true;
      });
  });

  it('takes only a short first line saying "not found" as no credential', async () => {
    helper('labtest', `cat >/dev/null\necho "${'x'.repeat(200)} not found"\nexit 1`);
    await assert.rejects(helperGet('labtest', 'ghcr.io', { env }), /CREDENTIAL_HELPER_FAILED|failed while getting/);
    helper('labtest', 'cat >/dev/null\necho "helper broke"\necho "not found"\nexit 1');
    await assert.rejects(helperGet('labtest', 'ghcr.io', { env }), /failed while getting/);
    helper('labtest', 'cat >/dev/null\necho "the item could not be found"\nexit 1');
    assert.equal(await helperGet('labtest', 'ghcr.io', { env }), undefined);
    helper('labtest', 'cat >/dev/null\necho "secret not found"\nexit 1');
    assert.equal(await helperGet('labtest', 'ghcr.io', { env }), undefined);
    helper('labtest', 'cat >/dev/null\necho "notfound"\nexit 1');
    await assert.rejects(helperGet('labtest', 'ghcr.io', { env }), /failed while getting/);
  });

  it('quotes only a first stderr line that is a short plain error sentence', async () => {
    const quoted = async (stderr: string): Promise<string> => {
      helper('labtest', `cat >/dev/null\nprintf '%s' '${stderr}' >&2\nexit 1`);
      const e = await helperGet('labtest', 'ghcr.io', { env }).then(
        () => assert.fail('expected a failure'),
        (err: unknown) => err as Error,
      );
      const m = /\(exit code 1\)(?:: (.*))?\. Run/.exec(e.message);
      return m?.[1] ?? '';
    };
    assert.equal(await quoted('  error 42: vault locked.  \nsecond line'), 'error 42: vault locked.');
    assert.equal(await quoted('vault sealed'), '', 'no error word');
    assert.equal(await quoted('vault  locked'), 'vault  locked', 'words apart by several spaces');
    assert.equal(await quoted(`error ${'a '.repeat(80)}`), '', 'too long');
    assert.equal(await quoted('error at 10.0.0.1'), '', 'a number with inner dots is not plain');
    assert.equal(await quoted('error: user@host'), '', 'token-like');
    assert.equal(await quoted('unable to reach 3 hosts (yet);'), 'unable to reach 3 hosts (yet);');
  });

  it('says how a helper stopped that was killed by a signal', async () => {
    helper('labtest', 'cat >/dev/null\nkill -TERM $$');
    await assert.rejects(
      helperGet('labtest', 'ghcr.io', { env }),
      /failed while getting credentials for ghcr\.io \(stopped by SIGTERM\)\. Run/,
    );
  });

  it('stops a helper that prints more than a credential can be', async () => {
    helper('labtest', 'cat >/dev/null\nhead -c 1100000 /dev/zero | tr "\\0" "a"');
    await assert.rejects(helperGet('labtest', 'ghcr.io', { env }), (e: unknown) => {
      assert.equal((e as CoreError).code, 'CREDENTIAL_HELPER_BAD_OUTPUT');
      assert.equal(
        (e as Error).message,
        'The credential helper docker-credential-labtest printed more output than a credential can be; check the helper.',
      );
      return true;
    });
    helper('labtest', 'cat >/dev/null\nhead -c 1000000 /dev/zero | tr "\\0" " "\nprintf \'{"Username":"u","Secret":"helper-secret-1"}\'');
    assert.deepEqual(await helperGet('labtest', 'ghcr.io', { env }), { username: 'u', password: 'helper-secret-1' });
  });

  it('words a time limit of a fraction of a second to the millisecond', async () => {
    helper('labtest', 'cat >/dev/null\nexec /bin/sleep 5');
    await assert.rejects(
      helperGet('labtest', 'ghcr.io', { env, timeoutMs: 250 }),
      /did not answer within 0\.25 s; check that it is not waiting/,
    );
  });

  it('names where a bad helper name or a missing helper was configured, or says to stop configuring it', async () => {
    await assert.rejects(helperGet('a/b', 'ghcr.io', { env, configuredBy: { file: '/f.json', setting: 'credsStore' } }), (e: unknown) => {
      assert.equal(
        (e as Error).message,
        'The credential helper name "a/b" (credsStore in /f.json) is not a plain program name; use the suffix of a docker-credential-* program.',
      );
      return true;
    });
    await assert.rejects(helperGet('-x', 'ghcr.io', { env }), (e: unknown) => (e as CoreError).code === 'CREDENTIAL_HELPER_INVALID_NAME');
    await assert.rejects(helperGet('x y', 'ghcr.io', { env }), (e: unknown) => (e as CoreError).code === 'CREDENTIAL_HELPER_INVALID_NAME');
    await assert.rejects(helperGet('nosuchhelper', 'ghcr.io', { env }), (e: unknown) => {
      assert.equal((e as Error).message, 'docker-credential-nosuchhelper is not on PATH: install it or stop configuring it.');
      return true;
    });
  });

  it('finds a helper on PATH however the variable is spelt, skipping empty entries and folders, and by PATHEXT on Windows', async () => {
    const program = 'docker-credential-labtest';
    assert.equal(await findOnPath(program, { Path: bin }, 'linux'), join(bin, program));
    assert.equal(await findOnPath(program, { path: `${delimiter}${bin}` }, 'linux'), join(bin, program));
    assert.equal(await findOnPath(program, {}, 'linux'), undefined);
    const folder = join(base, 'folder');
    mkdirSync(join(folder, program), { recursive: true });
    assert.equal(await findOnPath(program, { PATH: `${folder}${delimiter}${bin}` }, 'linux'), join(bin, program));
    const win = join(base, 'win');
    mkdirSync(win);
    writeFileSync(join(win, 'docker-credential-w.CMD'), '@echo off\n');
    assert.equal(await findOnPath('docker-credential-w', { PATH: `;${win}` }, 'win32'), join(win, 'docker-credential-w.CMD'));
    assert.equal(await findOnPath('docker-credential-w', { PATH: win, PATHEXT: '.EXE;;.BAT' }, 'win32'), undefined);
    writeFileSync(join(win, 'docker-credential-w.BAT'), '@echo off\n');
    assert.equal(
      await findOnPath('docker-credential-w', { PATH: win, PATHEXT: '.EXE;;.BAT' }, 'win32'),
      join(win, 'docker-credential-w.BAT'),
    );
  });

  it('takes output of exactly 1 MiB, a first line of exactly 200 characters as "not found", a stderr line of exactly 160 quoted', async () => {
    const json = '{"Username":"u","Secret":"helper-secret-1"}';
    helper('labtest', `cat >/dev/null\nhead -c ${1024 * 1024 - json.length} /dev/zero | tr "\\0" " "\nprintf '%s' '${json}'`);
    assert.deepEqual(await helperGet('labtest', 'ghcr.io', { env }), { username: 'u', password: 'helper-secret-1' });
    const line = `${'x'.repeat(190)} not found`;
    assert.equal(line.length, 200);
    helper('labtest', `cat >/dev/null\necho "${line}"\nexit 1`);
    assert.equal(await helperGet('labtest', 'ghcr.io', { env }), undefined);
    helper('labtest', `cat >/dev/null\necho "x${line}"\nexit 1`);
    await assert.rejects(helperGet('labtest', 'ghcr.io', { env }), /failed while getting/);
    const sentence = `error ${'a '.repeat(75)}ends`;
    assert.equal(sentence.length, 160);
    helper('labtest', `cat >/dev/null\nprintf '%s' '${sentence}' >&2\nexit 1`);
    await assert.rejects(helperGet('labtest', 'ghcr.io', { env }), (e: unknown) => {
      assert.equal(
        (e as Error).message,
        `The credential helper docker-credential-labtest failed while getting credentials for ghcr.io (exit code 1): ${sentence}. Run "docker-credential-labtest get" in a terminal to see why, or log in again.`,
      );
      return true;
    });
  });

  it('names the action whose answer is not JSON, and a bad name configured nowhere', async () => {
    helper('labtest', 'cat >/dev/null\nprintf "[1]"');
    await assert.rejects(helperList('labtest', { env }), (e: unknown) => {
      assert.equal(
        (e as Error).message,
        'The credential helper docker-credential-labtest answered "list" with output that is not the expected JSON object; check the helper\'s version and configuration.',
      );
      return true;
    });
    await assert.rejects(helperGet('a/b', 'ghcr.io', { env }), (e: unknown) => {
      assert.equal(
        (e as Error).message,
        'The credential helper name "a/b" is not a plain program name; use the suffix of a docker-credential-* program.',
      );
      return true;
    });
  });

  it('runs a .cmd helper found by PATHEXT through the shell, its path quoted (Windows, here through /bin/sh)', async () => {
    const win = join(base, 'folder with spaces');
    mkdirSync(win);
    const path = join(win, 'docker-credential-w.CMD');
    writeFileSync(path, '#!/bin/sh\ncat >/dev/null\nprintf \'{"Username":"u","Secret":"helper-secret-1"}\'\n');
    chmodSync(path, 0o755);
    assert.deepEqual(await helperGet('w', 'ghcr.io', { env: { PATH: win, PATHEXT: '.CMD' }, platform: 'win32' }), {
      username: 'u',
      password: 'helper-secret-1',
    });
  });

  it("sends list what docker's own client sends on stdin, and reads output after blank lines", async () => {
    helper('labtest', 'input=$(cat)\nprintf \'%s\' "$input" > "$LAB_DIR/list-input"\nprintf \'{}\'');
    assert.deepEqual(await helperList('labtest', { env }), {});
    assert.equal(readFileSync(join(base, 'list-input'), 'utf8'), 'unused');
    helper('labtest', 'cat >/dev/null\nprintf "\\n\\ncredentials not found in native keychain\\n"\nexit 1');
    assert.equal(await helperGet('labtest', 'ghcr.io', { env }), undefined);
    helper('labtest', 'cat >/dev/null\nprintf "\\n  vault locked\\n" >&2\nexit 1');
    await assert.rejects(helperGet('labtest', 'ghcr.io', { env }), /\(exit code 1\): vault locked\. Run/);
  });

  it('looks only for the exact name on Linux, the name itself first on Windows, and never in the current folder for an empty PATH entry', async () => {
    const win = join(base, 'win');
    mkdirSync(win);
    writeFileSync(join(win, 'docker-credential-w.CMD'), '#!/bin/sh\n');
    chmodSync(join(win, 'docker-credential-w.CMD'), 0o755);
    assert.equal(await findOnPath('docker-credential-w', { PATH: win }, 'linux'), undefined);
    writeFileSync(join(win, 'docker-credential-w'), '#!/bin/sh\n');
    assert.equal(await findOnPath('docker-credential-w', { PATH: win }, 'win32'), join(win, 'docker-credential-w'));
    const cwd = process.cwd();
    process.chdir(bin);
    try {
      assert.equal(await findOnPath('docker-credential-labtest', { PATH: `${delimiter}${win}` }, 'linux'), undefined);
    } finally {
      process.chdir(cwd);
    }
  });

  it('says a helper found that cannot be started (Windows finds it without the execute bit)', async () => {
    const dir = join(base, 'noexec');
    mkdirSync(dir);
    writeFileSync(join(dir, 'docker-credential-nx'), '#!/bin/sh\n', { mode: 0o644 });
    await assert.rejects(helperGet('nx', 'ghcr.io', { env: { PATH: dir }, platform: 'win32' }), (e: unknown) => {
      assert.equal((e as CoreError).code, 'CREDENTIAL_HELPER_FAILED');
      assert.equal(
        (e as Error).message,
        'The credential helper docker-credential-nx could not be started (EACCES); check that it is executable.',
      );
      return true;
    });
  });

  it('says a helper whose #! interpreter is missing could not be started, not that it is not on PATH', async () => {
    helper('labtest', 'exit 0');
    writeFileSync(join(bin, 'docker-credential-labtest'), '#!/nonexistent/interpreter\n');
    await assert.rejects(helperGet('labtest', 'ghcr.io', { env }), (e: unknown) => {
      assert.equal((e as CoreError).code, 'CREDENTIAL_HELPER_FAILED');
      assert.equal(
        (e as Error).message,
        'The credential helper docker-credential-labtest could not be started (ENOENT) (the interpreter on its first "#!" line may be missing); check that it is executable.',
      );
      return true;
    });
  });

  it('judges a helper that exits without reading its stdin by its exit code (the write fails with EPIPE)', async () => {
    helper('labtest', 'exit 0');
    await helperStore('labtest', { ServerURL: 'ghcr.io', Username: 'u', Secret: 'x'.repeat(1024 * 1024) }, { env });
  });

  it('leaves process.env alone', async () => {
    const before = process.env.PATH;
    await helperGet('labtest', 'ghcr.io', { env });
    assert.equal(process.env.PATH, before);
  });
});
