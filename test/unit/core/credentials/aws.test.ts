// The AWS shared files as the AWS CLI reads them (profiles, comments, nested settings), the
// credential_process command line split without a shell, and which source wins.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findAwsCredentials, isExpired, parseIni, splitCommand } from '../../../../src/core/credentials/aws';

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
