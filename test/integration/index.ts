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
  // INTEGRATION_ONLY=<part of a file name> runs the matching files alone (and not the secrets
  // audit, which checks what the whole suite wrote), for work on one suite.
  const only = process.env.INTEGRATION_ONLY;
  const suites = readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js') && f !== LAST && (!only || f.includes(only)))
    .sort();
  for (const file of only ? suites : [...suites, LAST]) mocha.addFile(join(__dirname, file));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}
