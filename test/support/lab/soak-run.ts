// `npm run soak`: the fault soak, then the hostile soak, each on its own, printing their figures
// (SOAK_FAULTS, SOAK_HOSTILE_ROUNDS, SOAK_SEED to vary them; SOAK_ONLY=faults|hostile runs one;
// SOAK_VERBOSE=1 prints each hostile round as it ends).
import { seedSampleContent } from './content';
import { HOSTILE_OPERATIONS, mb, runHostileSoak, type HostileSoakFigures } from './hostile-soak';
import { Lab } from './registry';
import { runSoak, SOAK_OPERATIONS } from './soak';

const byKind = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || 'none';

async function faultSoak(lab: Lab, seed: number): Promise<void> {
  const [source, target] = await Promise.all([lab.startRegistry({ name: 'soak-source' }), lab.startRegistry({ name: 'soak-target' })]);
  const sample = await seedSampleContent(source);
  const faults = Number(process.env.SOAK_FAULTS ?? 200);
  const f = await runSoak(source, target, sample, { faults, seed, timeLimitMs: 20 * 60_000 });
  const lines = [
    `| seed | faults injected | by kind | operations completed (each verified) | by operation | attempts | failed attempts, resumed (by operation) | bytes verified | requests seen | requests retried | time |`,
    `|---|---|---|---|---|---|---|---|---|---|---|`,
    `| ${seed} | ${f.faultsInjected} | ${byKind(f.faultsByKind)} | ${f.operationsCompleted} | ${byKind(f.completedByKind)} | ${f.attempts} | ${f.failedAttempts} (${byKind(f.failedByKind)}) | ${f.bytesVerified} | ${f.requestsSeen} | ${f.requestsRetried} | ${(f.durationMs / 1000).toFixed(1)} s |`,
    '',
    `Operations: ${SOAK_OPERATIONS.join(', ')}. Copies and pushes are verified by skopeo inspect on the target; pulls by skopeo reading the layout or archive back, every file hashed against its digest.`,
    `Requests retried: requests a fault made fail that the client sent again in the same attempt (see retriedIn in test/support/lab/soak.ts).`,
  ];
  console.log(lines.join('\n'));
}

async function hostileSoak(lab: Lab, seed: number): Promise<HostileSoakFigures> {
  const rounds = Number(process.env.SOAK_HOSTILE_ROUNDS ?? 150);
  const f = await runHostileSoak(lab, {
    rounds,
    seed,
    timeLimitMs: 15 * 60_000,
    onRound: process.env.SOAK_VERBOSE === '1' ? (line) => console.error(line) : undefined,
  });
  const lines = [
    '',
    `| seed | rounds | requests | hostile answers | by kind | operations completed | by operation | failed cleanly | by code | secrets found | unsafe texts | private connections | unhandled errors | hung | leftovers | sockets left open (sessions closed) | peak RSS | heap growth | time |`,
    `|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|`,
    `| ${seed} | ${f.rounds}${f.stoppedByTime ? ' (time limit)' : ''} | ${f.requestsSeen} | ${f.injected} | ${byKind(f.injectedByKind)} | ${f.completed} | ${byKind(f.completedByOperation)} | ${f.failed - f.unknownFailures} | ${byKind(f.failedByCode)} | ${f.secretsFound} | ${f.unsafeTexts} | ${f.privateConnections} | ${f.unhandledErrors} | ${f.hungOperations} | ${f.leftovers} | ${f.socketsLeftOpen} (${f.sessionsClosed}) | ${mb(f.peakRssBytes)} | ${mb(f.heapGrowthBytes)} | ${(f.durationMs / 1000).toFixed(1)} s |`,
    '',
    `Operations: ${HOSTILE_OPERATIONS.join(', ')}, in a child process with no handler for uncaught errors, against a registry that answers each request normally or, seeded, with a hostile answer (see test/support/lab/hostile-front.ts).`,
    `Failed cleanly: a CoreError with a known code. Secrets: the password, user:password and its base64, every token handed out and the hosts.toml header value, in messages, error details and request log lines. Private connections: to the loopback server every hostile URL points at.`,
  ];
  console.log(lines.join('\n'));
  if (f.violations.length > 0) console.log(`\nViolations:\n${f.violations.map((v) => `- ${v}`).join('\n')}`);
  return f;
}

async function main(): Promise<void> {
  const lab = await Lab.create();
  try {
    const seed = Number(process.env.SOAK_SEED ?? Date.now() % 100_000);
    const only = process.env.SOAK_ONLY;
    if (only !== 'hostile') await faultSoak(lab, seed);
    if (only !== 'faults') {
      const f = await hostileSoak(lab, seed);
      if (f.violations.length > 0) process.exitCode = 1;
    }
  } finally {
    await lab.stopAll();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
