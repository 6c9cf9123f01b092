import { strict as assert } from 'node:assert';
import type * as vscode from 'vscode';
import { redactingLog } from '../../src/log';

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
    for (const secret of ['s3cr3t', 'abc123', 'alice', 'pw@', 'zzz']) assert.ok(!text.includes(secret), `${secret} never reaches the channel:\n${text}`);
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
