// The AWS shared files as the AWS CLI reads them (profiles, comments, nested settings), the
// credential_process command line split without a shell, and which source wins.
import { strict as assert } from 'node:assert';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findAwsCredentials, isExpired, parseIni, splitCommand, type AwsCredentials } from '../../../../src/core/credentials/aws';
import { CoreError } from '../../../../src/core/errors';
import { assertGoneWithItsChild } from '../../support/processes';

describe('credentials/aws', () => {
  it('reads sections, keys and values, skipping comments and nested settings; profile names may hold dots', () => {
    const ini = parseIni(
      '# comment\n[default]\naws_access_key_id = AKIA1\n; other comment\n[profile team.dev]  \nregion=eu-west-1\ns3 =\n  max_concurrent_requests = 20\nAWS_Secret_Access_Key = a=b\n',
    );
    assert.deepEqual([...ini.keys()], ['default', 'profile team.dev']);
    assert.equal(ini.get('default')!.get('aws_access_key_id'), 'AKIA1');
    assert.equal(ini.get('profile team.dev')!.get('region'), 'eu-west-1');
    assert.equal(ini.get('profile team.dev')!.get('max_concurrent_requests'), undefined, 'nested settings are not the profile’s');
    assert.equal(ini.get('profile team.dev')!.get('aws_secret_access_key'), 'a=b', 'keys are case-insensitive, values keep their =');
  });

  it('reads indented keys as the AWS CLI’s configparser does: a line is a continuation only when deeper than its key', () => {
    const ini = parseIni(
      [
        '[default]',
        '    aws_access_key_id = AKIAINDENTED',
        '    aws_secret_access_key = s1',
        '    s3 =',
        '        max_concurrent_requests = 20',
        '',
        '        max_queue_size = 1000',
        '    region = eu-west-1',
        '[deeper]',
        'aws_access_key_id = AKIA2',
        '  aws_secret_access_key = part-of-the-key-above',
        '\tregion = us-east-1',
      ].join('\n'),
    );
    assert.deepEqual(
      [...ini.get('default')!],
      [
        ['aws_access_key_id', 'AKIAINDENTED'],
        ['aws_secret_access_key', 's1'],
        ['s3', ''],
        ['region', 'eu-west-1'],
      ],
      'keys indented alike are keys; the nested block under s3 = (deeper, a blank line inside) is not the profile’s',
    );
    assert.deepEqual(
      [...ini.get('deeper')!],
      [['aws_access_key_id', 'AKIA2']],
      'a line deeper than the key above continues its value (configparser), so the AWS CLI reads no secret there either',
    );
  });

  it('expands ~ and $VARIABLES in AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE, as botocore does', async () => {
    const home = mkdtempSync(join(tmpdir(), 'aws-expand-'));
    mkdirSync(join(home, 'aws-files'));
    writeFileSync(join(home, 'aws-files', 'creds'), '[default]\naws_access_key_id = AKIATILDE\n');
    writeFileSync(join(home, 'aws-files', 'conf'), '[default]\naws_secret_access_key = s\n');
    const found = await findAwsCredentials({
      env: { AWS_SHARED_CREDENTIALS_FILE: '~/aws-files/creds', AWS_CONFIG_FILE: '${FILES}/conf', FILES: join(home, 'aws-files') },
      homedir: home,
    });
    assert.deepEqual([found?.accessKeyId, found?.secretAccessKey], ['AKIATILDE', 's']);
    const unknown = await findAwsCredentials({
      env: { AWS_PROFILE: 'x', AWS_SHARED_CREDENTIALS_FILE: '$NOT_SET/creds', AWS_CONFIG_FILE: '~/aws-files/none' },
      homedir: home,
    }).catch((e: Error) => e);
    assert.match(String(unknown), /neither \$NOT_SET\/creds nor .*aws-files\/none has/, 'an unset variable is left as written');
  });

  it('splits a credential_process command line with quotes and backslashes, without a shell', () => {
    assert.deepEqual(splitCommand(`/opt/bin/creds --profile "my team" 'a b' c\\ d ""`, 'linux'), [
      '/opt/bin/creds',
      '--profile',
      'my team',
      'a b',
      'c d',
      '',
    ]);
    assert.deepEqual(splitCommand('  '), []);
    assert.deepEqual(splitCommand('C:\\tools\\creds.exe --profile "a b"', 'win32'), ['C:\\tools\\creds.exe', '--profile', 'a b']);
  });

  it('takes the environment before any profile, then AWS_PROFILE’s keys; nothing set up is undefined', async () => {
    const home = mkdtempSync(join(tmpdir(), 'aws-unit-'));
    mkdirSync(join(home, '.aws'));
    writeFileSync(
      join(home, '.aws', 'credentials'),
      '[default]\naws_access_key_id=AKIADEFAULT\naws_secret_access_key=s1\n[dev]\naws_access_key_id=AKIADEV\naws_secret_access_key=s2\n',
    );
    const env = { AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 's0', AWS_PROFILE: 'dev' };
    assert.equal((await findAwsCredentials({ env, homedir: home }))?.accessKeyId, 'AKIAENV');
    assert.equal((await findAwsCredentials({ env: { AWS_PROFILE: 'dev' }, homedir: home }))?.accessKeyId, 'AKIADEV');
    assert.equal((await findAwsCredentials({ env: {}, homedir: home }))?.accessKeyId, 'AKIADEFAULT');
    assert.equal(await findAwsCredentials({ env: {}, homedir: mkdtempSync(join(tmpdir(), 'aws-none-')) }), undefined);
    await assert.rejects(findAwsCredentials({ env: { AWS_PROFILE: 'nope' }, homedir: home }), /run `aws configure --profile nope`/);
  });

  it('counts credentials as expired a minute early', () => {
    const now = Date.UTC(2026, 11, 3);
    assert.equal(isExpired({ accessKeyId: 'a', secretAccessKey: 'b', source: 's', expiresAt: now + 30_000 }, now), true);
    assert.equal(isExpired({ accessKeyId: 'a', secretAccessKey: 'b', source: 's', expiresAt: now + 120_000 }, now), false);
    assert.equal(isExpired({ accessKeyId: 'a', secretAccessKey: 'b', source: 's' }, now), false);
  });
});

describe('credentials/aws: a profile that runs a program for its credentials', function () {
  if (process.platform === 'win32') return;
  let home: string;
  let bin: string;
  const NOW = Date.now();

  /** A program on the test's PATH printing `stdout` (and `stderr`), exiting with `code`. */
  function program(name: string, stdout: string, stderr = '', code = 0): string {
    const path = join(bin, name);
    writeFileSync(path, `#!/bin/sh\nprintf '%s' '${stdout}'\nprintf '%s\\n' '${stderr}' >&2\nexit ${code}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  function lookup(config: string, extra: Record<string, string> = {}): Promise<AwsCredentials | undefined> {
    writeFileSync(join(home, '.aws', 'config'), config);
    return findAwsCredentials({ env: { PATH: bin, AWS_PROFILE: 'tool', ...extra }, homedir: home, timeoutMs: 10_000 });
  }

  async function refused(p: Promise<unknown>, code: string): Promise<CoreError> {
    const e = await p.then(
      () => assert.fail(`expected ${code}`),
      (err: unknown) => err,
    );
    assert.ok(e instanceof CoreError, String(e));
    assert.equal(e.code, code, e.message);
    return e;
  }

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'aws-process-'));
    bin = join(home, 'bin');
    mkdirSync(bin);
    mkdirSync(join(home, '.aws'));
  });

  it('reads the credential JSON a credential_process prints, with its session token and expiry', async () => {
    const expiration = new Date(NOW + 3_600_000).toISOString();
    const path = program(
      'creds',
      `{"Version":1,"AccessKeyId":"AKIAP","SecretAccessKey":"sp","SessionToken":"tp","Expiration":"${expiration}"}`,
    );
    const c = await lookup(`[profile tool]\ncredential_process = ${path} --x\n`);
    assert.deepEqual(c, {
      accessKeyId: 'AKIAP',
      secretAccessKey: 'sp',
      sessionToken: 'tp',
      expiresAt: Date.parse(expiration),
      source: 'the credential_process of the AWS profile tool',
      profile: 'tool',
    });
    const plain = await lookup(
      `[profile tool]\ncredential_process = ${program('plain', '{"Version":1,"AccessKeyId":"A","SecretAccessKey":"s","SessionToken":""}')}\n`,
    );
    assert.deepEqual(plain, {
      accessKeyId: 'A',
      secretAccessKey: 's',
      source: 'the credential_process of the AWS profile tool',
      profile: 'tool',
    });
  });

  it('refuses what a credential_process prints unless it is Version 1 with both keys, and expired credentials', async () => {
    for (const out of [
      'not json',
      '{"Version":2,"AccessKeyId":"A","SecretAccessKey":"s"}',
      '{"Version":1,"SecretAccessKey":"s"}',
      '{"Version":1,"AccessKeyId":"A","SecretAccessKey":7}',
    ]) {
      const e = await refused(lookup(`[profile tool]\ncredential_process = ${program('bad', out)}\n`), 'NEEDS_LOGIN');
      assert.match(e.message, /^the credential_process of the AWS profile tool printed /);
    }
    const old = new Date(NOW - 1000).toISOString();
    const e = await refused(
      lookup(
        `[profile tool]\ncredential_process = ${program('old', `{"Version":1,"AccessKeyId":"A","SecretAccessKey":"s","Expiration":"${old}"}`)}\n`,
      ),
      'TOKEN_REJECTED',
    );
    assert.equal(
      e.message,
      'The credentials from the credential_process of the AWS profile tool have expired: run `aws sso login --profile tool` (or renew them), then refresh.',
    );
    assert.deepEqual(e.remedy, { kind: 'run-command', host: 'aws', command: 'aws sso login --profile tool' });
  });

  it('says how a failing process failed: its stderr sentence quoted, and aws sso login when it names an expiry', async () => {
    const failed = await refused(
      lookup(`[profile tool]\ncredential_process = ${program('fail', '', 'Profile is locked.', 3)}\n`),
      'NEEDS_LOGIN',
    );
    assert.equal(
      failed.message,
      'the credential_process of the AWS profile tool failed (it said: Profile is locked.): check the profile tool, then refresh.',
    );
    assert.equal(failed.remedy, undefined);
    const expired = await refused(
      lookup(`[profile tool]\ncredential_process = ${program('expired', 'SECRETOUT', 'The SSO session has expired', 1)}\n`),
      'NEEDS_LOGIN',
    );
    assert.equal(
      expired.message,
      'the credential_process of the AWS profile tool failed (it said: The SSO session has expired): run `aws sso login --profile tool` (or renew the credentials it reads), then refresh.',
    );
    assert.deepEqual(expired.remedy, { kind: 'run-command', host: 'aws', command: 'aws sso login --profile tool' });
    const tokenLike = await refused(
      lookup(`[profile tool]\ncredential_process = ${program('leak', '', 'key=AKIA+secret', 1)}\n`),
      'NEEDS_LOGIN',
    );
    assert.equal(tokenLike.message, 'the credential_process of the AWS profile tool failed: check the profile tool, then refresh.');
  });

  it('says a program that cannot be started or does not answer in time, and an empty command', async () => {
    const missing = await refused(lookup(`[profile tool]\ncredential_process = ${join(bin, 'absent')}\n`), 'NEEDS_LOGIN');
    assert.equal(
      missing.message,
      'the credential_process of the AWS profile tool could not be started (ENOENT): check the command in the profile tool.',
    );
    const slow = join(bin, 'slow');
    writeFileSync(slow, '#!/bin/sh\nexec /bin/sleep 5\n');
    chmodSync(slow, 0o755);
    writeFileSync(join(home, '.aws', 'config'), `[profile tool]\ncredential_process = ${slow}\n`);
    const timedOut = await refused(
      findAwsCredentials({ env: { PATH: bin, AWS_PROFILE: 'tool' }, homedir: home, timeoutMs: 300 }),
      'CREDENTIAL_HELPER_TIMEOUT',
    );
    assert.equal(
      timedOut.message,
      'the credential_process of the AWS profile tool did not answer within 0.3 s; check that it is not waiting for a prompt.',
    );
    const empty = await refused(lookup('[profile tool]\ncredential_process = ""\n'), 'PARSE_ERROR');
    assert.match(empty.message, /is empty/);
  });

  it('asks the AWS CLI to export the credentials of an SSO or role profile, and says when it is not installed', async () => {
    const aws = join(bin, 'aws');
    writeFileSync(
      aws,
      '#!/bin/sh\n[ "$*" = "configure export-credentials --profile tool --format process" ] || exit 2\nprintf \'{"Version":1,"AccessKeyId":"ASIA","SecretAccessKey":"s"}\'\n',
    );
    chmodSync(aws, 0o755);
    for (const key of [
      'sso_session = corp',
      'sso_start_url = https://x',
      'sso_account_id = 1',
      'role_arn = arn:aws:iam::1:role/r',
      'web_identity_token_file = /t',
      'credential_source = Environment',
    ]) {
      const c = await lookup(`[profile tool]\n${key}\n`);
      assert.equal(c?.source, '`aws configure export-credentials --profile tool --format process`', key);
      assert.equal(c?.accessKeyId, 'ASIA');
    }
    writeFileSync(join(home, '.aws', 'config'), '[profile tool]\nsso_session = corp\n');
    const none = await refused(
      findAwsCredentials({ env: { PATH: join(home, 'nothing'), AWS_PROFILE: 'tool' }, homedir: home }),
      'NEEDS_LOGIN',
    );
    assert.match(
      none.message,
      /^The AWS profile tool signs in through IAM Identity Center or an assumed role, which needs the AWS CLI v2 on the PATH/,
    );
    assert.deepEqual(none.remedy, { kind: 'run-command', host: 'aws', command: 'aws configure --profile tool' });
  });

  it('reads a profile from the config file, the session token of the environment, and refuses half a key pair', async () => {
    assert.deepEqual(await lookup('[profile tool]\naws_access_key_id = AK\naws_secret_access_key = SK\naws_session_token = ST\n'), {
      accessKeyId: 'AK',
      secretAccessKey: 'SK',
      sessionToken: 'ST',
      source: 'the AWS profile tool',
      profile: 'tool',
    });
    assert.equal(
      (await lookup('[default]\naws_access_key_id = AK\naws_secret_access_key = SK\n', { AWS_PROFILE: '' }))?.profile,
      'default',
    );
    assert.equal(
      (
        await lookup('[profile dflt]\naws_access_key_id = AK\naws_secret_access_key = SK\n', {
          AWS_PROFILE: ' ',
          AWS_DEFAULT_PROFILE: 'dflt',
        })
      )?.profile,
      'dflt',
    );
    const env = await findAwsCredentials({
      env: { AWS_ACCESS_KEY_ID: ' AKE ', AWS_SECRET_ACCESS_KEY: ' SKE ', AWS_SESSION_TOKEN: ' STE ' },
      homedir: home,
    });
    assert.deepEqual(env, {
      accessKeyId: 'AKE',
      secretAccessKey: 'SKE',
      sessionToken: 'STE',
      source: 'the environment (AWS_ACCESS_KEY_ID)',
    });
    const noToken = await findAwsCredentials({
      env: { AWS_ACCESS_KEY_ID: 'AKE', AWS_SECRET_ACCESS_KEY: 'SKE', AWS_SESSION_TOKEN: ' ' },
      homedir: home,
    });
    assert.ok(noToken && !('sessionToken' in noToken));
    const half = await refused(lookup('[profile tool]\naws_access_key_id = AK\n'), 'PARSE_ERROR');
    assert.equal(
      half.message,
      'the AWS profile tool has aws_access_key_id without aws_secret_access_key: run `aws configure --profile tool` to set both.',
    );
    const otherHalf = await refused(lookup('[profile tool]\naws_secret_access_key = SK\n'), 'PARSE_ERROR');
    assert.match(otherHalf.message, /has aws_secret_access_key without aws_access_key_id/);
    const nothing = await refused(lookup('[profile tool]\nregion = eu-west-1\n'), 'NEEDS_LOGIN');
    assert.match(nothing.message, /^the AWS profile tool has no credentials this extension can read/);
    assert.deepEqual(nothing.remedy, { kind: 'run-command', host: 'aws', command: 'aws configure --profile tool' });
  });

  it('needs both environment keys, reads the default profile under either section name, and says a profile that is missing', async () => {
    assert.equal(await findAwsCredentials({ env: { AWS_ACCESS_KEY_ID: 'AKE' }, homedir: home }), undefined);
    assert.equal(await findAwsCredentials({ env: { AWS_SECRET_ACCESS_KEY: 'SKE' }, homedir: home }), undefined);
    const both =
      '[default]\naws_access_key_id = AKD\naws_secret_access_key = SD\n[profile tool]\naws_access_key_id = AKT\naws_secret_access_key = ST\n';
    assert.equal((await lookup(both))?.accessKeyId, 'AKT', "a named profile's own section, not the default's");
    assert.equal(
      (await lookup('[profile default]\naws_access_key_id = AKD\naws_secret_access_key = SK\n', { AWS_PROFILE: '' }))?.accessKeyId,
      'AKD',
    );
    assert.equal(
      (
        await lookup('[profile dflt]\naws_access_key_id = AK\naws_secret_access_key = SK\n', {
          AWS_PROFILE: '',
          AWS_DEFAULT_PROFILE: ' dflt ',
        })
      )?.profile,
      'dflt',
    );
    const missing = await refused(lookup('[profile other]\n', { AWS_PROFILE: 'nope' }), 'NEEDS_LOGIN');
    assert.equal(
      missing.message,
      `AWS_PROFILE names the profile nope, which neither ${join(home, '.aws', 'credentials')} nor ${join(home, '.aws', 'config')} has: run \`aws configure --profile nope\`, or set AWS_PROFILE to a profile you have.`,
    );
    assert.deepEqual(missing.remedy, { kind: 'run-command', host: 'aws', command: 'aws configure --profile nope' });
    assert.equal(
      isExpired({ accessKeyId: 'a', secretAccessKey: 'b', source: 's', expiresAt: NOW + 60_000 }, NOW),
      true,
      'a minute early, inclusive',
    );
  });

  it('reads the shared files named by the environment, keys from the credentials file over the config file', async () => {
    const creds = join(home, 'creds');
    const conf = join(home, 'conf');
    writeFileSync(creds, '[tool]\naws_access_key_id = FROMCREDS\n');
    writeFileSync(conf, '[profile tool]\naws_access_key_id = FROMCONF\naws_secret_access_key = SK\n');
    const c = await findAwsCredentials({
      env: { AWS_PROFILE: 'tool', AWS_SHARED_CREDENTIALS_FILE: creds, AWS_CONFIG_FILE: conf },
      homedir: home,
    });
    assert.deepEqual([c?.accessKeyId, c?.secretAccessKey], ['FROMCREDS', 'SK']);
  });
});

describe('credentials/aws: the edges the mutation run found untested', function () {
  if (process.platform === 'win32') return;
  let home: string;
  let bin: string;

  /** A shell script in the test's folder, executable. */
  function script(name: string, body: string): string {
    const path = join(bin, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  function run(command: string, timeoutMs = 10_000): Promise<AwsCredentials | undefined> {
    writeFileSync(join(home, '.aws', 'config'), `[profile tool]\ncredential_process = ${command}\n`);
    return findAwsCredentials({ env: { PATH: bin, AWS_PROFILE: 'tool' }, homedir: home, timeoutMs });
  }

  async function failure(p: Promise<unknown>): Promise<CoreError> {
    const e = await p.then(
      () => assert.fail('expected a failure'),
      (err: unknown) => err,
    );
    assert.ok(e instanceof CoreError, String(e));
    return e;
  }

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'aws-edges-'));
    bin = join(home, 'bin');
    mkdirSync(bin);
    mkdirSync(join(home, '.aws'));
  });

  it('reads comments, blank lines, section names and keys at their edges as the AWS CLI does', () => {
    const ini = parseIni(
      [
        '# aws_access_key_id = COMMENT',
        '[  profile   a    b  ]  # trailing',
        '; aws_secret_access_key = COMMENT',
        '   ',
        '\t# indented = comment',
        '=orphan',
        'key one = 1',
        'UPPER=2',
        '[c] ; note',
        'x = y',
        'list = [1]',
        'x[y]',
        '[d] junk',
        '[broken',
        'z = w',
        '[]',
        'empty = section',
      ].join('\r\n'),
    );
    assert.deepEqual(
      [...ini].map(([name, keys]) => [name, [...keys]]),
      [
        [
          'profile a b',
          [
            ['key one', '1'],
            ['upper', '2'],
          ],
        ],
        [
          'c',
          [
            ['x', 'y'],
            ['list', '[1]'],
            ['z', 'w'],
          ],
        ],
        ['', [['empty', 'section']]],
      ],
    );
  });

  it('splits backslashes inside double quotes, single quotes and at the end as the AWS CLI does', () => {
    assert.deepEqual(splitCommand('"a\\"b" \'c\\d\' e\\', 'linux'), ['a"b', 'c\\d', 'e\\']);
    assert.deepEqual(splitCommand('"f\\', 'linux'), ['f\\']);
    assert.deepEqual(splitCommand('\\ ', 'linux'), [' ']);
    assert.deepEqual(splitCommand('x \\\\', 'linux'), ['x', '\\']);
    assert.deepEqual(splitCommand('"a\\"b"', 'win32'), ['a\\b']);
  });

  it('gives a credential_process no stdin to wait on, quotes at most 300 characters of its stderr, ignores an Expiration that is no string', async () => {
    const reads = script('reads', `/bin/cat >/dev/null\nprintf '{"Version":1,"AccessKeyId":"A","SecretAccessKey":"s"}'`);
    assert.equal((await run(reads, 5_000))?.accessKeyId, 'A');
    const long = 'x'.repeat(400);
    const e = await failure(run(script('long', `printf '${long}' >&2\nexit 1`)));
    assert.equal(
      e.message,
      `the credential_process of the AWS profile tool failed (it said: ${'x'.repeat(300)}): check the profile tool, then refresh.`,
    );
    const numeric = script('year', `printf '{"Version":1,"AccessKeyId":"A","SecretAccessKey":"s","Expiration":2020}'`);
    assert.equal((await run(numeric))?.expiresAt, undefined);
    const badKey = await failure(run(script('badkey', `printf '{"Version":1,"AccessKeyId":7,"SecretAccessKey":"s"}'`)));
    assert.match(badKey.message, /printed JSON without Version 1, AccessKeyId and SecretAccessKey/);
  });

  it('splits the command as on Windows when told the platform is win32: a backslash is part of the path', async () => {
    const path = script('a\\b', `printf '{"Version":1,"AccessKeyId":"W","SecretAccessKey":"s"}'`);
    writeFileSync(join(home, '.aws', 'config'), `[profile tool]\ncredential_process = ${path}\n`);
    const c = await findAwsCredentials({ env: { PATH: bin, AWS_PROFILE: 'tool' }, homedir: home, platform: 'win32', timeoutMs: 10_000 });
    assert.equal(c?.accessKeyId, 'W');
  });

  it('passes a credential_process its arguments, and reads the shared files named with spaces around them', async () => {
    const path = script('args', `[ "$*" = "--x y z" ] || exit 2\nprintf '{"Version":1,"AccessKeyId":"A","SecretAccessKey":"s"}'`);
    assert.equal((await run(`${path} --x "y z"`))?.accessKeyId, 'A');
    const creds = join(home, 'creds');
    const conf = join(home, 'conf');
    writeFileSync(creds, '[tool]\naws_access_key_id = FROMCREDS\n');
    writeFileSync(conf, '[profile tool]\naws_secret_access_key = SK\n');
    const c = await findAwsCredentials({
      env: { AWS_PROFILE: 'tool', AWS_SHARED_CREDENTIALS_FILE: ` ${creds} `, AWS_CONFIG_FILE: `\t${conf}\n` },
      homedir: home,
    });
    assert.deepEqual([c?.accessKeyId, c?.secretAccessKey], ['FROMCREDS', 'SK']);
  });

  it('takes 64 KiB of output and no more, stopping a process that prints more', async () => {
    const json = '{"Version":1,"AccessKeyId":"A","SecretAccessKey":"s"}';
    const exact = join(home, 'exact.json');
    writeFileSync(exact, ' '.repeat(64 * 1024 - json.length) + json);
    assert.equal((await run(script('exact', `/bin/cat '${exact}'`)))?.accessKeyId, 'A');
    const over = join(home, 'over.json');
    writeFileSync(over, ' '.repeat(64 * 1024 - json.length + 1) + json);
    const e = await failure(run(script('over', `/bin/cat '${over}'`)));
    assert.equal(e.code, 'NEEDS_LOGIN');
    const flood = await failure(run(script('flood', `/bin/cat '${over}'\nexec /bin/sleep 30`), 5_000));
    assert.equal(flood.code, 'NEEDS_LOGIN', 'killed when it printed too much, not left to time out');
    assert.match(flood.message, /^the credential_process of the AWS profile tool failed: check the profile tool, then refresh\.$/);
  });

  it('kills what a timed-out credential_process started too, even when it ignores SIGTERM', async () => {
    const path = script('hang', `trap '' TERM\necho $$ > '${home}/pid'\n/bin/sleep 30 &\necho $! > '${home}/sleep-pid'\nwait`);
    const e = await failure(run(path, 500));
    assert.equal(e.code, 'CREDENTIAL_HELPER_TIMEOUT');
    await assertGoneWithItsChild(home, 'the credential process');
  });

  it('quotes the first stderr line after blank lines and before a CRLF or LF; drops a session token that is no string', async () => {
    const said = async (stderr: string): Promise<string> => {
      const path = script('fails', `printf '${stderr}' >&2\nexit 1`);
      return (await failure(run(path))).message;
    };
    assert.match(await said('\\n  \\nProfile is locked.\\r\\nnext line'), /failed \(it said: Profile is locked\.\): check/);
    assert.match(await said('Profile is locked.\\nnext line'), /failed \(it said: Profile is locked\.\): check/);
    const numeric = script('numeric', `printf '{"Version":1,"AccessKeyId":"A","SecretAccessKey":"s","SessionToken":5}'`);
    assert.deepEqual(await run(numeric), {
      accessKeyId: 'A',
      secretAccessKey: 's',
      source: 'the credential_process of the AWS profile tool',
      profile: 'tool',
    });
  });
});
