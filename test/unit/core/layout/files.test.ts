import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { streamToTemporaryFile, temporaryPathIn } from '../../../../src/core/layout/files';

describe('temporary files', () => {
  it('leaves no file behind when the stream fails at once, even while the file is still being opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'temp-files-'));
    for (let i = 0; i < 50; i++) {
      // Failed before the write starts, as a verifying stream can while the caller awaits something else.
      const failing = new Readable({ read() {} });
      failing.on('error', () => undefined);
      failing.destroy(new Error('corrupt'));
      await assert.rejects(streamToTemporaryFile(temporaryPathIn(dir), [failing]), /corrupt/);
    }
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(readdirSync(dir), []);
  });
});
