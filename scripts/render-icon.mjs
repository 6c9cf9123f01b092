// Renders the Marketplace icon (media/icon.png, 128×128) from the activity-bar glyph
// (media/registry-explorer.svg): the same drawing in white on the gallery banner's colour, so the
// two never drift apart. Run after changing the glyph: node scripts/render-icon.mjs
// Needs Debian's Chromium (npm run setup installs it) and the dev dependency playwright-core.
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
const glyph = readFileSync('media/registry-explorer.svg', 'utf8')
  .replace(/<!--[\s\S]*?-->/g, '')
  .replace('stroke="currentColor"', 'stroke="#ffffff"')
  .replace(/width="24" height="24"/, 'width="96" height="96"');
const page = `<!doctype html><html><body style="margin:0;background:transparent">
<div style="width:128px;height:128px;border-radius:24px;background:linear-gradient(160deg,#2a5d8f,${manifest.galleryBanner.color});display:flex;align-items:center;justify-content:center">${glyph}</div>
</body></html>`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const tab = await browser.newPage({ viewport: { width: 128, height: 128 }, deviceScaleFactor: 1 });
  await tab.setContent(page);
  await tab.screenshot({ path: manifest.icon, omitBackground: true, clip: { x: 0, y: 0, width: 128, height: 128 } });
  console.log(`wrote ${manifest.icon}`);
} finally {
  await browser.close();
}
