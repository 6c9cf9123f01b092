import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { CoreError } from '../../../../src/core/errors';
import { findOnPath, helperErase, helperGet, helperList, helperStore } from '../../../../src/core/credentials/credential-helper';

const SECRETS = ['helper-secret-1', 'id-token-secret', 'CRASHSECRET', 'GARBAGESECRET', 'tok3nSecret99'];

function assertNoSecret(error: unknown): void {
  const text = `${(error as Error).message} ${String((error as Error).stack)}`;
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `error leaks ${secret}: ${text}`);
}

/** Whether a process still runs (a zombie waiting for its parent counts as gone). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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

  it('kills a helper that does not answer in time, with what it started', async () => {
    helper('labtest', 'cat >/dev/null\necho $$ > "$LAB_DIR/pid"\nsleep 30 &\necho $! > "$LAB_DIR/sleep-pid"\nwait');
    const started = Date.now();
    await assert.rejects(helperGet('labtest', 'ghcr.io', { env, timeoutMs: 500 }), (e: unknown) => {
      assert.equal((e as CoreError).code, 'CREDENTIAL_HELPER_TIMEOUT');
      assert.match((e as Error).message, /the credential helper docker-credential-labtest did not answer within 0\.5 s/i);
      return true;
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 450 && elapsed < 3000, `took ${elapsed} ms`);
    for (let i = 0; i < 40 && !existsSync(join(base, 'sleep-pid')); i++) await sleep(25);
    const pid = Number(readFileSync(join(base, 'pid'), 'utf8'));
    const sleepPid = Number(readFileSync(join(base, 'sleep-pid'), 'utf8'));
    for (let i = 0; i < 40 && (isRunning(pid) || isRunning(sleepPid)); i++) await sleep(25);
    assert.equal(isRunning(pid), false, 'helper still running');
    assert.equal(isRunning(sleepPid), false, 'helper child still running');
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

  it('leaves process.env alone', async () => {
    const before = process.env.PATH;
    await helperGet('labtest', 'ghcr.io', { env });
    assert.equal(process.env.PATH, before);
  });
});
