// The bounded soak (see soak.ts): 200 random faults over copies of the multi-platform image.
import { strict as assert } from 'node:assert';
import { seedSampleContent } from './content';
import { Lab } from './registry';
import { runSoak } from './soak';

describe('soak: copies under random faults', function () {
  let lab: Lab;

  after(async () => lab?.stopAll());

  it('ends every copy verified, whatever 200 random faults do to it', async function () {
    this.timeout(600_000);
    lab = await Lab.create();
    const [source, target] = await Promise.all([lab.startRegistry({ name: 'soak-source' }), lab.startRegistry({ name: 'soak-target' })]);
    const sample = await seedSampleContent(source);
    const figures = await runSoak(source, target, sample, { faults: Number(process.env.SOAK_FAULTS ?? 200), seed: Number(process.env.SOAK_SEED ?? 7), timeLimitMs: 8 * 60_000 });
    console.log(`      soak: ${JSON.stringify(figures)}`);
    assert.ok(figures.faultsInjected >= 200 || process.env.SOAK_FAULTS !== undefined);
    assert.ok(figures.failedAttempts > 0, 'some faults made attempts fail, and reruns completed them');
  });
});
