// `npm run mutation [-- group… [--lab] [--skip-static]]`: StrykerJS over the critical core modules, one module
// group at a time (stryker.config.mjs names them), at the lowest CPU priority so it can run beside
// other work on a small machine. Each group runs the core's unit suite; with --lab a second stage
// re-runs, against the lab's real registries, only the mutants the unit suite left alive
// (incremental mode reuses every kill). Reports go to reports/mutation/<group>.{html,json}; the
// scores are summarised in docs/mutation.md. Not part of CI: a full run takes hours on two cores.
import { spawnSync } from 'node:child_process';
import { setPriority } from 'node:os';
import { MUTATION_GROUPS } from '../stryker.config.mjs';

const args = process.argv.slice(2);
const lab = args.includes('--lab');
// Mutants in code that runs while modules load need every test of the group each: skipped, they are reported as ignored.
const skipStatic = args.includes('--skip-static');
const named = args.filter((a) => !a.startsWith('--'));
const unknown = named.filter((g) => !(g in MUTATION_GROUPS));
if (unknown.length > 0) {
  console.error(`unknown group(s) ${unknown.join(', ')}: choose from ${Object.keys(MUTATION_GROUPS).join(', ')}`);
  process.exit(2);
}
const groups = named.length > 0 ? named : Object.keys(MUTATION_GROUPS);

// Children inherit the priority: Stryker, its builds and its test runners all yield to other work.
try {
  setPriority(19);
} catch {
  // Not permitted here: run at normal priority.
}

// The built tests are part of what Stryker compares between runs (incremental mode): build them first.
const build = spawnSync('node', ['scripts/build.mjs', '--tests-only'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

for (const group of groups) {
  for (const suite of lab ? ['unit', 'lab'] : ['unit']) {
    console.log(`\n=== mutation: ${group} (${suite} suite)`);
    const result = spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs'], {
      stdio: 'inherit',
      env: { ...process.env, MUTATION_GROUP: group, MUTATION_SUITE: suite, ...(skipStatic ? { MUTATION_SKIP_STATIC: '1' } : {}) },
    });
    if (result.status !== 0) {
      console.error(`stryker stopped on ${group} (${suite}) with exit code ${result.status}`);
      process.exit(result.status ?? 1);
    }
  }
}
