// `npm run soak`: the soak on its own, printing its figures (SOAK_FAULTS, SOAK_SEED to vary it).
import { seedSampleContent } from './content';
import { Lab } from './registry';
import { runSoak } from './soak';

async function main(): Promise<void> {
  const lab = await Lab.create();
  try {
    const [source, target] = await Promise.all([lab.startRegistry({ name: 'soak-source' }), lab.startRegistry({ name: 'soak-target' })]);
    const sample = await seedSampleContent(source);
    const faults = Number(process.env.SOAK_FAULTS ?? 200);
    const seed = Number(process.env.SOAK_SEED ?? Date.now() % 100_000);
    const f = await runSoak(source, target, sample, { faults, seed, timeLimitMs: 20 * 60_000 });
    const lines = [
      `| seed | faults injected | by kind | copies completed (each verified by skopeo) | attempts | failed attempts, resumed | bytes verified | requests seen | time |`,
      `|---|---|---|---|---|---|---|---|---|`,
      `| ${seed} | ${f.faultsInjected} | ${Object.entries(f.faultsByKind).map(([k, n]) => `${k} ${n}`).join(', ')} | ${f.copiesCompleted} | ${f.attempts} | ${f.failedAttempts} | ${f.bytesVerified} | ${f.requestsSeen} | ${(f.durationMs / 1000).toFixed(1)} s |`,
    ];
    console.log(lines.join('\n'));
  } finally {
    await lab.stopAll();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
