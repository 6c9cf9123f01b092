// Builds the extension bundle, the core library bundle, the inspector (its host code and its
// webview's script and styles, with the codicon font), the comparison panel's webview script and styles, the editor features over image references
// and (with --tests) the test tree.
//   node scripts/build.mjs               dist/extension.js, dist/core.js (and its zstd-worker.js), dist/inspector.js, dist/webview/ (with source maps)
//   node scripts/build.mjs --production  the same, minified, for the .vsix
//   node scripts/build.mjs --tests       also transpiles src/ and test/ one file each into out/ for mocha
//   node scripts/build.mjs --tests-only  only that (no bundles): what the mutation runs rebuild in their sandbox
//   node scripts/build.mjs --watch       rebuilds the bundles on change
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fzstdIsMended } from './patch-deps.mjs';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');

// A hostile zstd layer froze the unmended decoder: never bundle it (npm's postinstall mends it).
if (!fzstdIsMended())
  throw new Error('node_modules/fzstd is not mended: run `node scripts/patch-deps.mjs` (npm runs it after installing).');

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

/**
 * The extension loads the core, the inspector's host code and the editor features lazily, with
 * require('./core.js'), require('./inspector.js') and require('./image-features.js'): keep them
 * separate files.
 */
const lazyBundles = {
  name: 'lazy-bundles',
  setup(build) {
    build.onResolve({ filter: /^\.\/(core|inspector|image-features)\.js$/ }, (args) => ({ path: args.path, external: true }));
    // re2js (Go's regular expressions, 150 KB) is required only when a file has a Flux semverFilter
    // (src/shared/go-regexp.ts): a bundle of its own beside the one that asks for it.
    build.onResolve({ filter: /^re2js$/ }, () => ({ path: './re2js.js', external: true }));
  },
};

/** The webviews (the inspector, the comparison): browser scripts (IIFE) and their styles, loaded under a strict CSP. */
const webview = { ...common, platform: 'browser', target: 'chrome114', format: 'iife' };

const bundles = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'], plugins: [lazyBundles] },
  { ...common, entryPoints: ['src/core/index.ts'], outfile: 'dist/core.js' },
  // fzstd's thread: the core starts it from the file beside it (src/core/layers/zstd-thread.ts).
  { ...common, entryPoints: ['src/core/layers/zstd-worker.ts'], outfile: 'dist/zstd-worker.js' },
  { ...common, stdin: { contents: "module.exports = require('re2js');", resolveDir: '.' }, outfile: 'dist/re2js.js' },
  {
    ...common,
    entryPoints: ['src/webviews/inspector/index.ts'],
    outfile: 'dist/inspector.js',
    external: ['vscode'],
    plugins: [lazyBundles],
  },
  {
    ...common,
    entryPoints: ['src/editors/image-features/index.ts'],
    outfile: 'dist/image-features.js',
    external: ['vscode'],
    plugins: [lazyBundles],
    // jsonc-parser and vscode-languageserver-types ship UMD "main" files whose requires a bundler
    // cannot follow; their ES module builds bundle cleanly.
    mainFields: ['module', 'main'],
  },
  { ...webview, entryPoints: ['src/webviews/inspector/app/main.ts'], outfile: 'dist/webview/inspector.js' },
  { ...webview, entryPoints: ['src/webviews/inspector/app/inspector.css'], outfile: 'dist/webview/inspector.css' },
  { ...webview, entryPoints: ['src/webviews/comparison/app/main.ts'], outfile: 'dist/webview/comparison.js' },
  { ...webview, entryPoints: ['src/webviews/comparison/app/comparison.css'], outfile: 'dist/webview/comparison.css' },
];

/** Codicons come from @vscode/codicons: its stylesheet and font go beside the webview bundle. */
function copyCodicons() {
  mkdirSync('dist/webview', { recursive: true });
  for (const name of ['codicon.css', 'codicon.ttf'])
    copyFileSync(join('node_modules/@vscode/codicons/dist', name), join('dist/webview', name));
}

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
  copyCodicons();
  for (const options of bundles) await (await esbuild.context(options)).watch();
  console.log('[build] watching src/ …');
} else {
  if (!args.has('--tests-only')) {
    rmSync('dist', { recursive: true, force: true });
    await Promise.all(bundles.map((options) => esbuild.build(options)));
    copyCodicons();
  }
  if (args.has('--tests') || args.has('--tests-only')) {
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
    // Unbundled, the tests require() their packages; cborg exports only for import, so it gets a
    // CommonJS copy in out/node_modules, which Node finds before the project's node_modules.
    await esbuild.build({
      stdin: { contents: "export * from 'cborg';", resolveDir: '.' },
      outfile: 'out/node_modules/cborg/index.js',
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      logLevel: 'warning',
    });
    writeFileSync('out/node_modules/cborg/package.json', '{"main":"index.js"}\n');
  }
}
