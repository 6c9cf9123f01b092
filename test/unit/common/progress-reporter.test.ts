import { strict as assert } from 'node:assert';
import type { CopyEvent, Descriptor } from '../../../src/core/index';
import { progressReporter } from '../../../src/common/progress-reporter';

const MIB = 1024 * 1024;
const blob = (n: number): Descriptor => ({
  mediaType: 'application/octet-stream',
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  size: 8 * MIB,
});

function recorder() {
  const reports: { message?: string; increment?: number }[] = [];
  return { reports, report: progressReporter({ report: (value) => reports.push(value) }) };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within 5 s: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('progressReporter', () => {
  const planned: CopyEvent = { type: 'planned', blobs: 2, manifests: 1, totalBytes: 16 * MIB, root: blob(0) };

  it('keeps the byte count in the text when a blob finishes', () => {
    const { reports, report } = recorder();
    report(planned);
    report({ type: 'bytes', descriptor: blob(1), n: 4 * MIB, doneBytes: 4 * MIB, totalBytes: 16 * MIB });
    report({ type: 'blob', descriptor: blob(2), state: 'skipped' });
    assert.equal(reports.at(-1)?.message, '4.0 MiB of 16.0 MiB · 1/2 blobs');
  });

  it('draws byte events held back by the redraw limit a moment later (a stalled transfer shows what arrived)', async () => {
    const { reports, report } = recorder();
    report(planned);
    report({ type: 'bytes', descriptor: blob(1), n: MIB, doneBytes: MIB, totalBytes: 16 * MIB });
    report({ type: 'bytes', descriptor: blob(1), n: MIB, doneBytes: 2 * MIB, totalBytes: 16 * MIB });
    report({ type: 'bytes', descriptor: blob(2), n: MIB, doneBytes: 3 * MIB, totalBytes: 16 * MIB });
    await until(
      () => reports.at(-1)?.message === '3.0 MiB of 16.0 MiB · 0/2 blobs',
      `the last bytes drawn (reports: ${JSON.stringify(reports)})`,
    );
    const drawn = reports.length;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(reports.length, drawn, 'drawn once, not again and again');
    const bar = reports.reduce((sum, r) => sum + (r.increment ?? 0), 0);
    assert.ok(Math.abs(bar - (3 / 16) * 100) < 1e-9, `the bar is at 3/16 (${bar})`);
  });

  it('never moves the bar back when a failed attempt takes its bytes back', () => {
    const { reports, report } = recorder();
    report(planned);
    report({ type: 'bytes', descriptor: blob(1), n: 8 * MIB, doneBytes: 8 * MIB, totalBytes: 16 * MIB });
    report({ type: 'bytes', descriptor: blob(1), n: -8 * MIB, doneBytes: 0, totalBytes: 16 * MIB });
    report({ type: 'blob', descriptor: blob(1), state: 'retrying' });
    assert.ok(
      reports.every((r) => (r.increment ?? 0) >= 0),
      JSON.stringify(reports),
    );
    assert.equal(reports.at(-1)?.message, '0 B of 16.0 MiB · 0/2 blobs');
  });
});
