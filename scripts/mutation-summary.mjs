// Summarises the mutation reports in reports/mutation/<group>.json as the Markdown docs/mutation.md
// keeps: one row per module group (score, and the counts behind it), then with --survivors every
// mutant left alive or uncovered, by file and line, for the report's list of what was killed by a
// new test or explained; with --kinds, the survivors counted per file and by kind of mutation.
//   node scripts/mutation-summary.mjs [--survivors] [--kinds] [group…]
import { existsSync, readFileSync } from 'node:fs';
import { MUTATION_GROUPS } from '../stryker.config.mjs';

const args = process.argv.slice(2);
const survivors = args.includes('--survivors');
const kinds = args.includes('--kinds');
const named = args.filter((a) => !a.startsWith('--'));
const groups = named.length > 0 ? named : Object.keys(MUTATION_GROUPS);

const percent = (part, whole) => (whole === 0 ? '–' : `${((100 * part) / whole).toFixed(1)} %`);

console.log('| group | mutants | killed | timeout | survived | no coverage | ignored or error | score | score of covered |');
console.log('|---|---|---|---|---|---|---|---|---|');
const alive = [];
for (const group of groups) {
  const file = `reports/mutation/${group}.json`;
  if (!existsSync(file)) {
    console.log(`| ${group} | not run | | | | | | | |`);
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const count = {};
  for (const [name, result] of Object.entries(report.files)) {
    const lines = result.source.split('\n');
    for (const m of result.mutants) {
      count[m.status] = (count[m.status] ?? 0) + 1;
      if (m.status === 'Survived' || m.status === 'NoCoverage') {
        const line = m.location.start.line;
        alive.push({
          group,
          name,
          line,
          column: m.location.start.column,
          status: m.status,
          mutator: m.mutatorName,
          code: lines[line - 1].trim(),
          replacement: m.replacement,
        });
      }
    }
  }
  const detected = (count.Killed ?? 0) + (count.Timeout ?? 0);
  const undetected = (count.Survived ?? 0) + (count.NoCoverage ?? 0);
  const total = Object.values(count).reduce((a, b) => a + b, 0);
  console.log(
    `| ${group} | ${total} | ${count.Killed ?? 0} | ${count.Timeout ?? 0} | ${count.Survived ?? 0} | ${count.NoCoverage ?? 0} | ${(count.Ignored ?? 0) + (count.CompileError ?? 0) + (count.RuntimeError ?? 0)} | ${percent(detected, detected + undetected)} | ${percent(detected, detected + (count.Survived ?? 0))} |`,
  );
}

if (survivors) {
  for (const m of alive.sort((a, b) => a.name.localeCompare(b.name) || a.line - b.line || a.column - b.column)) {
    const replacement = String(m.replacement ?? '').replace(/\s+/g, ' ');
    console.log(
      `- \`${m.name}:${m.line}:${m.column}\` ${m.status} ${m.mutator}: \`${m.code.slice(0, 100)}\` → \`${replacement.slice(0, 80)}\``,
    );
  }
}

if (kinds) {
  console.log('\n| group | file | survived | no coverage | most frequent kinds |');
  console.log('|---|---|---|---|---|');
  const byFile = new Map();
  for (const m of alive) {
    const key = `${m.group}\u0000${m.name}`;
    const entry = byFile.get(key) ?? { survived: 0, uncovered: 0, mutators: new Map() };
    if (m.status === 'Survived') entry.survived++;
    else entry.uncovered++;
    entry.mutators.set(m.mutator, (entry.mutators.get(m.mutator) ?? 0) + 1);
    byFile.set(key, entry);
  }
  for (const [key, entry] of byFile) {
    const [group, name] = key.split('\u0000');
    const top = [...entry.mutators]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([mutator, n]) => `${mutator} ${n}`)
      .join(', ');
    console.log(`| ${group} | \`${name.replace(/^src\/core\//, '')}\` | ${entry.survived} | ${entry.uncovered} | ${top} |`);
  }
}
