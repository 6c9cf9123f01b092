/**
 * Packages the GitHub sign-in stand-in (github-stand-in.ts, built to out/test/e2e) as a .vsix with
 * vsce, so a run installs it the way a user installs an extension.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const PROJECT = resolve(__dirname, '../../..');

const MANIFEST = {
  name: 'github-auth-stand-in',
  displayName: 'GitHub and Microsoft sign-in stand-in (tests)',
  description: 'Registers the github and microsoft authentication providers for Registry Explorer runs without github.com.',
  publisher: 'oci-registry-explorer-tests',
  version: '0.0.1',
  license: 'MIT',
  engines: { vscode: '^1.90.0' },
  extensionKind: ['workspace'],
  main: './extension.js',
  activationEvents: ['onAuthenticationRequest:github', 'onAuthenticationRequest:microsoft', 'onStartupFinished'],
  contributes: {
    authentication: [
      { id: 'github', label: 'GitHub' },
      { id: 'microsoft', label: 'Microsoft' },
    ],
  },
};

/** The stand-in's extension id, to install it and to disable the built-in provider it replaces. */
export const STAND_IN_ID = `${MANIFEST.publisher}.${MANIFEST.name}`;
/** VS Code's own GitHub and Microsoft sign-ins, which the runs disable (they need github.com and Microsoft's login service). */
export const BUILT_IN_AUTH = ['vscode.github-authentication', 'vscode.microsoft-authentication'];

/** Builds `<dir>/github-auth-stand-in.vsix` and returns its path. */
export function packageStandIn(dir: string): string {
  const folder = join(dir, 'github-stand-in');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'package.json'), JSON.stringify(MANIFEST, null, 2));
  writeFileSync(join(folder, 'README.md'), `# ${MANIFEST.displayName}\n\n${MANIFEST.description}\n`);
  writeFileSync(join(folder, 'LICENSE'), 'MIT\n');
  copyFileSync(join(PROJECT, 'out/test/e2e/github-stand-in.js'), join(folder, 'extension.js'));
  const out = join(dir, 'github-auth-stand-in.vsix');
  const vsce = spawnSync(
    join(PROJECT, 'node_modules/.bin/vsce'),
    ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', out],
    { cwd: folder, encoding: 'utf8' },
  );
  if (vsce.status !== 0) throw new Error(`vsce could not package the GitHub stand-in: ${vsce.stderr || vsce.stdout}`);
  return out;
}
