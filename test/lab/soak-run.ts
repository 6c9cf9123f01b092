// `npm run soak`: the soak on its own, printing its figures (SOAK_FAULTS, SOAK_SEED to vary it).
import { seedSampleContent } from './content';
import { Lab } from './registry';
import { runSoak, SOAK_OPERATIONS } from './soak';

async function main(): Promise<void> {
  const lab = await Lab.create();
  try {
    const [source, target] = await Promise.all([lab.startRegistry({ name: 'soak-source' }), lab.startRegistry({ name: 'soak-target' })]);
    const sample = await seedSampleContent(source);
    const faults = Number(process.env.SOAK_FAULTS ?? 200);
    const seed = Number(process.env.SOAK_SEED ?? Date.now() % 100_000);
    const f = await runSoak(source, target, sample, { faults, seed, timeLimitMs: 20 * 60_000 });
    const byKind = (counts: Record<string, number>): string => Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(', ');
    const lines = [
      `| seed | faults injected | by kind | operations completed (each verified) | by operation | attempts | failed attempts, resumed (by operation) | bytes verified | requests seen | requests retried | time |`,
      `|---|---|---|---|---|---|---|---|---|---|---|`,
      `| ${seed} | ${f.faultsInjected} | ${byKind(f.faultsByKind)} | ${f.operationsCompleted} | ${byKind(f.completedByKind)} | ${f.attempts} | ${f.failedAttempts} (${byKind(f.failedByKind)}) | ${f.bytesVerified} | ${f.requestsSeen} | ${f.requestsRetried} | ${(f.durationMs / 1000).toFixed(1)} s |`,
      '',
      `Operations: ${SOAK_OPERATIONS.join(', ')}. Copies and pushes are verified by skopeo inspect on the target; pulls by skopeo reading the layout or archive back, every file hashed against its digest.`,
      `Requests retried: requests a fault made fail that the client sent again in the same attempt (see retriedIn in test/lab/soak.ts).`,
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
