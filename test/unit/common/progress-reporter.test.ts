import { strict as assert } from 'node:assert';
import type { CopyEvent, Descriptor } from '../../../src/core/index';
import fc from 'fast-check';
import { ForwardBar, layerFileProgressReporter, progressReporter } from '../../../src/common/progress-reporter';

const MIB = 1024 * 1024;
const blob = (n: number): Descriptor => ({
  mediaType: 'application/octet-stream',
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  size: 8 * MIB,
});

/** Where the bar is: the sum of its increments. */
function bar(reports: { increment?: number }[]): number {
  return reports.reduce((sum, r) => sum + (r.increment ?? 0), 0);
}

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
    report({ type: 'blob', descriptor: blob(2), state: 'copied' });
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
    assert.equal(bar, Math.floor((3 / 16) * 100), 'the bar is at 3/16, in whole percents');
  });

  it('counts a blob the target already had as done: a resumed copy fills the bar, and the text says what moved', () => {
    const { reports, report } = recorder();
    report(planned);
    report({ type: 'blob', descriptor: blob(2), state: 'skipped' });
    report({ type: 'blob', descriptor: blob(1), state: 'copying' });
    report({ type: 'bytes', descriptor: blob(1), n: 8 * MIB, doneBytes: 8 * MIB, totalBytes: 16 * MIB });
    report({ type: 'blob', descriptor: blob(1), state: 'copied' });
    assert.equal(bar(reports), 100);
    assert.equal(reports.at(-1)?.message, '8.0 MiB of 8.0 MiB · 2/2 blobs, 1 already there');
    // Mounted from another repository of the registry: done without moving too.
    const mounted = recorder();
    mounted.report(planned);
    mounted.report({ type: 'blob', descriptor: blob(1), state: 'mounted' });
    mounted.report({ type: 'blob', descriptor: blob(2), state: 'mounted' });
    assert.equal(bar(mounted.reports), 100);
    assert.equal(mounted.reports.at(-1)?.message, '2/2 blobs, 2 already there');
  });

  it("spreads the rest of the bar over a referrer's work planned on the way, instead of stalling it", async () => {
    const { reports, report } = recorder();
    const settle = () => new Promise((r) => setTimeout(r, 150));
    report(planned);
    report({ type: 'bytes', descriptor: blob(1), n: 8 * MIB, doneBytes: 8 * MIB, totalBytes: 16 * MIB });
    await settle();
    assert.equal(bar(reports), 50);
    report({ ...planned, totalBytes: 16 * MIB });
    report({ type: 'bytes', descriptor: blob(2), n: 4 * MIB, doneBytes: 12 * MIB, totalBytes: 32 * MIB });
    await settle();
    // 4 MiB of the 24 MiB left moves the bar a sixth of the way on, not back to 12/32.
    assert.equal(bar(reports), 58);
    report({ type: 'bytes', descriptor: blob(3), n: 20 * MIB, doneBytes: 32 * MIB, totalBytes: 32 * MIB });
    assert.equal(bar(reports), 100);
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

describe('ForwardBar', () => {
  const sum = (increments: number[]): number => increments.reduce((a, b) => a + b, 0);

  it('fills by whole percents as the work is done', () => {
    const bar = new ForwardBar();
    const increments = [0, 10, 10.5, 55, 100].map((done) => bar.advance(done, 100));
    assert.deepEqual(increments, [0, 10, 0, 45, 45]);
  });

  it('spreads what is left of the bar over what is left of the work when the total grows', () => {
    const bar = new ForwardBar();
    bar.advance(40, 100);
    // At 40 of 100 the total becomes 200: 60 % of the bar is left for 160 units of work.
    assert.equal(bar.advance(40, 200), 0, 'the bar does not jump back or forward');
    assert.equal(bar.advance(120, 200), 30, 'half of the work left is done: half of the bar left');
    assert.equal(bar.advance(200, 200), 30);
  });

  it('fills what is left when the total shrinks to what is already done', () => {
    const bar = new ForwardBar();
    bar.advance(30, 100);
    assert.equal(bar.advance(30, 30), 70);
  });

  it('only moves forward, never past full, and is full when the work is (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ step: fc.nat(1000), grow: fc.nat(2000), shrink: fc.boolean() }), { minLength: 1, maxLength: 40 }),
        (steps) => {
          const bar = new ForwardBar();
          let done = 0;
          let total = 1000;
          const increments: number[] = [];
          for (const { step, grow, shrink } of steps) {
            done = Math.min(done + step, total);
            total = shrink ? done : total + grow;
            increments.push(bar.advance(done, total));
          }
          increments.push(bar.advance(total, total));
          assert.ok(increments.every((i) => Number.isInteger(i) && i >= 0));
          assert.equal(sum(increments), 100);
        },
      ),
    );
  });
});

describe('layerFileProgressReporter', () => {
  const SIZE = 100 * MIB;

  it('keeps the bar moving through the second read a hard link takes, and says why the layer is read again', () => {
    const reports: { message?: string; increment?: number }[] = [];
    const report = layerFileProgressReporter({ report: (value) => reports.push(value) }, SIZE);
    // The events of a save (layer-file-stream): the link met at 40 MiB of the first read doubles the total.
    for (let read = 0; read <= SIZE; read += MIB) report({ pass: 1, passRead: read, read, expected: read < 40 * MIB ? SIZE : 2 * SIZE });
    const afterFirst = reports.length;
    const barAfterFirst = reports.reduce((s, r) => s + (r.increment ?? 0), 0);
    assert.ok(barAfterFirst < 100, `the bar is not full after the first read (${barAfterFirst} %)`);
    for (let read = 0; read <= SIZE; read += MIB) report({ pass: 2, passRead: read, read: SIZE + read, expected: 2 * SIZE });
    const second = reports.slice(afterFirst);
    assert.ok(second.filter((r) => (r.increment ?? 0) > 0).length > 10, 'the bar moves during the second read');
    assert.equal(
      reports.reduce((s, r) => s + (r.increment ?? 0), 0),
      100,
    );
    assert.equal(second.at(-1)?.message, '100 MiB of 100 MiB of the layer read again, for the file the hard link names');
    assert.equal(reports[0]?.message, '0 B of 100 MiB of the layer read');
    assert.ok(reports.length <= 102, `redrawn per whole percent or new read, not per event (${reports.length})`);
  });
});
