// Checks what the .vsix contains: the bundles, manifest and docs, no sources, tests or
// node_modules, every file the manifest points at (icon, walkthrough images), and a size well under 1 MB. Prints the list so a reviewer sees it.
// Reads the zip's central directory itself so the check needs nothing beyond Node.
import { readFileSync, statSync } from 'node:fs';

function zipEntries(buffer) {
  const endSignature = 0x06054b50;
  let end = buffer.length - 22;
  while (end >= 0 && buffer.readUInt32LE(end) !== endSignature) end--;
  if (end < 0) throw new Error('not a zip file: no end-of-central-directory record');
  const count = buffer.readUInt16LE(end + 10);
  let offset = buffer.readUInt32LE(end + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (buffer.readUInt32LE(offset) !== 0x02014b50) throw new Error(`corrupt central directory at entry ${i}`);
    const size = buffer.readUInt32LE(offset + 24);
    const nameLength = buffer.readUInt16LE(offset + 28);
    const extraLength = buffer.readUInt16LE(offset + 30);
    const commentLength = buffer.readUInt16LE(offset + 32);
    entries.push({ name: buffer.toString('utf8', offset + 46, offset + 46 + nameLength), size });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

const vsix = process.argv[2];
const entries = zipEntries(readFileSync(vsix));
const files = entries.map((e) => e.name);
const size = statSync(vsix).size;
console.log(`${vsix}: ${(size / 1024).toFixed(0)} KiB, ${files.length} files`);
for (const e of entries) console.log(`  ${e.name} ${e.size}`);

const problems = [];
const forbidden = files.filter(
  (f) => /^extension\/(src|test|out|node_modules|scripts|bench|docs)\//.test(f) || /\.ts$/.test(f) || /\.map$/.test(f),
);
if (forbidden.length) problems.push(`files that do not belong in the package: ${forbidden.join(', ')}`);
if (size > 1024 * 1024) problems.push(`the package is ${(size / 1048576).toFixed(2)} MB; keep it under 1 MB`);
const needed = [
  'extension/package.json',
  'extension/readme.md',
  'extension/changelog.md',
  'extension/dist/extension.js',
  'extension/dist/core.js',
  // The thread the core decodes zstd layers in where Node has no zstd of its own.
  'extension/dist/zstd-worker.js',
  'extension/media/registry-explorer.svg',
  // The inspector: its host code, its webview's script and styles, and the codicon font they use.
  'extension/dist/inspector.js',
  'extension/dist/webview/inspector.js',
  'extension/dist/webview/inspector.css',
  'extension/dist/webview/codicon.css',
  'extension/dist/webview/codicon.ttf',
  // The editor features over image references (loaded when a file that names images is shown).
  'extension/dist/image-features.js',
  // Go's regular expressions, which the editor features load for a Flux semverFilter.
  'extension/dist/re2js.js',
];
// Everything the manifest points at: the Marketplace icon and each walkthrough step's image.
const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
const pointedAt = [manifest.icon, ...(manifest.contributes.walkthroughs ?? []).flatMap((w) => w.steps.map((s) => s.media?.image))].filter(
  Boolean,
);
needed.push(...pointedAt.map((p) => `extension/${p}`.toLowerCase()));
for (const path of needed) {
  if (!files.some((f) => f.toLowerCase() === path)) problems.push(`${path} is missing`);
}
if (problems.length) {
  console.error(`check-vsix: ${problems.join('; ')}`);
  process.exit(1);
}
