/**
 * Entry point the VS Code workbench loads as `extensionTestsPath`: runs every *.test.js beside it
 * with mocha inside the extension host (same convention as @vscode/test-electron). The secrets
 * audit runs last, whatever the files are called: it reads everything the other suites made the
 * extension write (its log, storage, settings) for every secret they used.
 */
import Mocha from 'mocha';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The secrets audit: after everything else. */
const LAST = 'secrets.test.js';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, slow: 5_000 });
  const suites = readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js') && f !== LAST)
    .sort();
  for (const file of [...suites, LAST]) mocha.addFile(join(__dirname, file));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}
