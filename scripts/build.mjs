// Builds the extension bundle, the core library bundle and (with --tests) the test tree.
//   node scripts/build.mjs               dist/extension.js + dist/core.js (with source maps)
//   node scripts/build.mjs --production  the same, minified, for the .vsix
//   node scripts/build.mjs --tests       also transpiles src/ and test/ one file each into out/ for mocha
//   node scripts/build.mjs --watch       rebuilds the bundles on change
import * as esbuild from 'esbuild';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  sourcesContent: false,
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

/** The extension loads the core bundle lazily with require('./core.js'): keep it a separate file. */
const lazyCore = {
  name: 'lazy-core',
  setup(build) {
    build.onResolve({ filter: /^\.\/core\.js$/ }, () => ({ path: './core.js', external: true }));
  },
};

const bundles = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'], plugins: [lazyCore] },
  { ...common, entryPoints: ['src/core/index.ts'], outfile: 'dist/core.js' },
];

function tsFiles(dir) {
  const found = [];
  if (!existsSync(dir)) return found;
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) found.push(...tsFiles(full));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) found.push(full);
  }
  return found;
}

if (args.has('--watch')) {
  for (const options of bundles) await (await esbuild.context(options)).watch();
  console.log('[build] watching src/ …');
} else {
  rmSync('dist', { recursive: true, force: true });
  await Promise.all(bundles.map((options) => esbuild.build(options)));
  if (args.has('--tests')) {
    rmSync('out', { recursive: true, force: true });
    // Tests import the sources file by file, so they are transpiled unbundled into out/src and out/test.
    await esbuild.build({
      entryPoints: [...tsFiles('src'), ...tsFiles('test'), ...tsFiles('bench')],
      outdir: 'out',
      outbase: '.',
      bundle: false,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      sourcemap: 'inline',
      logLevel: 'warning',
    });
  }
}
