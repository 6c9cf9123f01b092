// StrykerJS over the security- and correctness-critical core modules, one module group per run
// (`npm run mutation -- <group>`, see scripts/mutation.mjs and docs/mutation.md). Stryker mutates
// the TypeScript sources in a sandbox; the build there transpiles them with esbuild as the tests
// are always built, and mocha runs the unit suite of the core (and, with MUTATION_SUITE=lab, the
// lab suite against real registries). Nothing here reaches the extension bundle or the .vsix.

/** The module groups and the sources each one mutates. */
export const MUTATION_GROUPS = {
  transport: [
    'src/core/transport/*.ts',
    'src/core/registry/endpoint-client.ts',
    'src/core/registry/router.ts',
    'src/core/registry/upload.ts',
  ],
  auth: ['src/core/auth/*.ts'],
  plan: ['src/core/hosts/plan.ts', 'src/core/hosts/resolve-rules.ts', 'src/core/hosts/host-settings.ts'],
  credentials: ['src/core/credentials/*.ts'],
  copy: ['src/core/operations/copy.ts', 'src/core/operations/graph.ts'],
  layouts: ['src/core/layout/oci-layout.ts', 'src/core/layout/files.ts'],
};

/**
 * The unit tests each group runs: those of its own modules and of their neighbours (a narrower set
 * can only lower a score, never raise it). Mutants in code that runs while files load need every
 * one of these per mutant, so a group's set is kept to what can reach it.
 */
const UNIT_SPECS = {
  transport: ['transport/**', 'registry/**', 'operations/copy.test.js', 'parsers.property.test.js'],
  auth: ['auth/**', 'parsers.property.test.js'],
  plan: ['hosts/**', 'parsers.property.test.js'],
  credentials: ['credentials/**'],
  copy: ['**'],
  layouts: ['layout/**', 'operations/**'],
};

/**
 * The lab files that exercise each group against real registries (the soaks, restarts and timing
 * tests are left out: they are slow, and random by design). Unit specs always run first, so a
 * mutant a unit test kills never starts a registry.
 */
const LAB_SPECS = {
  transport: [
    'client',
    'hostile-urls',
    'tls-per-host',
    'upload-sessions',
    'mirror-failover',
    'multi-address',
    'faults',
    'ordinary-configs',
  ],
  auth: ['auth', 'multi-address', 'endpoints'],
  plan: ['endpoints', 'tls-per-host', 'mirror-failover'],
  credentials: ['endpoints', 'multi-address'],
  copy: ['operations', 'copy-tags', 'upload-sessions', 'faults', 'transfer'],
  layouts: ['transfer', 'layout', 'copy-tags'],
};

const group = process.env.MUTATION_GROUP ?? 'transport';
const suite = process.env.MUTATION_SUITE ?? 'unit';
if (!(group in MUTATION_GROUPS)) throw new Error(`unknown mutation group ${group}: one of ${Object.keys(MUTATION_GROUPS).join(', ')}`);
// A line-range run of the lab stage may name only the lab files that reach those lines (comma-separated), so its
// first run of every test does not start every registry of the group.
// A narrow run (one file or line range) may write its reports apart, to be merged by mutant afterwards.
const report = process.env.MUTATION_REPORT ?? group;
const labFiles = process.env.MUTATION_LAB_FILES ? process.env.MUTATION_LAB_FILES.split(',') : LAB_SPECS[group];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'mocha',
  plugins: ['@stryker-mutator/mocha-runner'],
  mochaOptions: {
    spec: [
      ...UNIT_SPECS[group].map((pattern) => `out/test/unit/core/${pattern.endsWith('.js') ? pattern : `${pattern}/*.test.js`}`),
      ...(suite === 'lab' ? labFiles.map((name) => `out/test/lab/${name}.test.js`) : []),
    ],
  },
  buildCommand: 'node scripts/build.mjs --tests-only',
  mutate: MUTATION_GROUPS[group],
  coverageAnalysis: 'perTest',
  // The lab stage re-runs only what the unit stage left alive (incremental mode reuses every kill
  // whose test is unchanged). Code run only while files load (module constants) would need the
  // whole lab suite per mutant there; the unit stage has already judged it. `--skip-static` skips it
  // in the unit stage too, when there is no time for it: those mutants are then reported as ignored.
  ignoreStatic: suite === 'lab' || process.env.MUTATION_SKIP_STATIC === '1',
  incremental: true,
  incrementalFile: `reports/mutation/${group}.incremental.json`,
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 2),
  // Generous: the machine is shared, and a slow run must not pass for a killed mutant (a timeout counts as detected).
  dryRunTimeoutMinutes: suite === 'lab' ? 30 : 10,
  timeoutMS: suite === 'lab' ? 60_000 : 15_000,
  timeoutFactor: suite === 'lab' ? 3 : 2,
  reporters: ['clear-text', 'progress-append-only', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation/${report}.json` },
  htmlReporter: { fileName: `reports/mutation/${report}.html` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  tempDirName: '.stryker-tmp',
  // out/ is copied (and rebuilt there): incremental mode reads the built test files to see which tests changed.
  ignorePatterns: ['dist', '*.vsix', 'bench/.work', '.lab', 'test/e2e/screenshots', '.vscode-test', 'reports'],
  thresholds: { high: 90, low: 75, break: null },
};
