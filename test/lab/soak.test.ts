// The bounded soak (see soak.ts): 200 random faults over pulls, pushes and copies of the
// multi-platform image, every operation ending verified.
import { strict as assert } from 'node:assert';
import { seedSampleContent } from '../support/lab/content';
import { Lab } from '../support/lab/registry';
import { runSoak, SOAK_OPERATIONS } from '../support/lab/soak';

describe('soak: pulls, pushes and copies under random faults', function () {
  let lab: Lab;

  after(async () => lab?.stopAll());

  it('ends every operation verified, whatever 200 random faults do to it', async function () {
    this.timeout(600_000);
    lab = await Lab.create();
    const [source, target] = await Promise.all([lab.startRegistry({ name: 'soak-source' }), lab.startRegistry({ name: 'soak-target' })]);
    const sample = await seedSampleContent(source);
    const faults = Number(process.env.SOAK_FAULTS ?? 200);
    const figures = await runSoak(source, target, sample, { faults, seed: Number(process.env.SOAK_SEED ?? 7), timeLimitMs: 4 * 60_000 });
    console.log(`      soak: ${JSON.stringify(figures)}`);
    assert.ok(figures.faultsInjected >= faults);
    for (const kind of SOAK_OPERATIONS) assert.ok(figures.completedByKind[kind] > 0, `at least one ${kind} ran and ended verified`);
    assert.ok(figures.failedAttempts > 0, 'some faults made attempts fail, and reruns completed them');
    assert.ok(figures.requestsRetried > 0, 'the client repeated requests that faults made fail');
  });
});
