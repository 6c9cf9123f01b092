import { strict as assert } from 'node:assert';
import type * as vscode from 'vscode';
import { redactingLog } from '../../../src/common/log';

/** Just enough of a LogOutputChannel to see what reaches it. */
function fakeChannel() {
  const lines: string[] = [];
  const channel = {
    name: 'Registry Explorer',
    logLevel: 2,
    debug: (message: string) => lines.push(`debug ${message}`),
    info: (message: string, ...args: unknown[]) => lines.push(`info ${message} ${args.join(' ')}`.trim()),
    error: (message: string | Error) => lines.push(`error ${String(message)}`),
    appendLine: (message: string) => lines.push(message),
    show: () => lines.push('shown'),
  };
  return { lines, channel: channel as unknown as vscode.LogOutputChannel };
}

describe('redactingLog', () => {
  it('redacts every message written through it', () => {
    const { lines, channel } = fakeChannel();
    const log = redactingLog(channel);
    log.debug('PUT https://r.example/v2/a/blobs/uploads/1?_state=s3cr3t&digest=sha256%3Aab → 201 in 5 ms');
    log.info('redirected to', 'https://bucket.s3.amazonaws.com/x?X-Amz-Signature=abc123');
    log.error(new Error('GET https://alice:pw@r.example/v2/ failed'));
    log.appendLine('token at https://auth.example/token?token=zzz');
    const text = lines.join('\n');
    for (const secret of ['s3cr3t', 'abc123', 'alice', 'pw@', 'zzz'])
      assert.ok(!text.includes(secret), `${secret} never reaches the channel:\n${text}`);
    assert.match(text, /_state=REDACTED&digest=sha256%3Aab → 201 in 5 ms/);
  });

  it('passes everything else through to the channel', () => {
    const { lines, channel } = fakeChannel();
    const log = redactingLog(channel);
    log.show();
    assert.equal(log.name, 'Registry Explorer');
    assert.equal(log.logLevel, 2);
    assert.deepEqual(lines, ['shown']);
  });
});

describe('log entries', () => {
  it("keep a registry's line breaks from starting an entry of their own, and show hidden characters", () => {
    const { lines, channel } = fakeChannel();
    const log = redactingLog(channel);
    log.error(
      'While listing tags of team/app\n2025-01-01 00:00:00.000 [info] GET https://forged.example/v2/ → 200\r\nfile\u202Etxt.exe\u2028x\x1b[2J',
    );
    assert.equal(lines.length, 1);
    assert.equal(
      lines[0],
      'error While listing tags of team/app\n    2025-01-01 00:00:00.000 [info] GET https://forged.example/v2/ → 200\n    file\\u202Etxt.exe\\u2028x\\u001B[2J',
    );
    assert.ok(
      lines[0]!
        .split('\n')
        .slice(1)
        .every((line) => line.startsWith('    ')),
      'every later line is indented',
    );
  });

  it('keeps a stack readable: its lines stay, indented under the first', () => {
    const { lines, channel } = fakeChannel();
    const err = new Error('boom');
    err.stack = 'Error: boom\n    at f (x.js:1:1)';
    redactingLog(channel).error(err);
    assert.equal(lines[0], 'error Error: boom\n        at f (x.js:1:1)');
  });
});
