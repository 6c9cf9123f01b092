/**
 * Runs the integration suite in VS Code desktop through @vscode/test-electron, for machines that can
 * download VS Code (CI here cannot; it runs the same suite in code-server instead). Expects a lab
 * registry URL in REGISTRY_EXPLORER_LAB_URL, e.g. from `node out/test/support/lab/demo-registry.js`.
 */
import { runTests } from '@vscode/test-electron';
import { resolve } from 'node:path';

async function main(): Promise<void> {
  const project = resolve(__dirname, '../../..');
  await runTests({
    extensionDevelopmentPath: project,
    extensionTestsPath: resolve(__dirname, 'index.js'),
    launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: {
      REGISTRY_EXPLORER_LAB_URL: process.env.REGISTRY_EXPLORER_LAB_URL ?? '',
      REGISTRY_EXPLORER_LAB: process.env.REGISTRY_EXPLORER_LAB ?? '',
    },
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
