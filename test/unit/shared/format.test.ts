import { strict as assert } from 'node:assert';
import { exactBytes, formatBytes } from '../../../src/shared/format';

describe('sizes', () => {
  it('rounds from a KiB up, one decimal', () => {
    assert.deepEqual([0, 738, 1024, 1536, 5 * 1024 * 1024, 150 * 1024].map(formatBytes), [
      '0 B',
      '738 B',
      '1.0 KiB',
      '1.5 KiB',
      '5.0 MiB',
      '150 KiB',
    ]);
  });

  it('adds the exact count only where the short form rounds it', () => {
    assert.equal(exactBytes(738), undefined, '"738 B … 738 bytes" said the same twice');
    assert.equal(exactBytes(1023), undefined);
    assert.equal(exactBytes(1234), '1,234 bytes');
  });
});
