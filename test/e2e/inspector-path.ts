import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Frame, Locator, Page } from 'playwright-core';
import { assertReadableInThemes, showIn, unreadableTexts } from './contrast';
import { BIDI_SHOWN, HOSTILE, type HostileImage } from './hostile-content';
import {
  chooseFromContextMenu,
  closeNotifications,
  inspector,
  notification,
  row,
  runCommand,
  shoot,
  shootForWalkthrough,
  WALKTHROUGH_REGION,
} from './ui';

/** Waits until the page has nothing left loading (sizes, referrers, a listing). */
async function settled(frame: Frame): Promise<void> {
  await frame.waitForFunction(
    () =>
      document.querySelector('.loading, .listing-progress') === null &&
      !/…$/.test(document.querySelector('[data-section="platforms"] td.size:last-child')?.textContent ?? ''),
    undefined,
    { timeout: 30_000 },
  );
}

function link(frame: Frame, text: string | RegExp): Locator {
  return frame.locator('button.link', { hasText: text }).first();
}

/** A file's row in a listing, found by its name alone (a link's row shows its target's too). */
function fileRow(frame: Frame, name: string): Locator {
  return frame.locator('.f-row').filter({ has: frame.locator('button.f-open', { hasText: new RegExp(`^${name}$`) }) });
}

async function notPwned(page: Page, frame: Frame, where: string): Promise<void> {
  const inFrame = await frame.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned);
  const inPage = await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned);
  assert.equal(inFrame, undefined, `no injected script ran in the webview (${where})`);
  assert.equal(inPage, undefined, `no injected script ran in the workbench (${where})`);
  // VS Code adds a script of its own to the frame (acquireVsCodeApi); none may carry the payload.
  const made = await frame.evaluate(
    () =>
      Array.from(document.querySelectorAll('img, script')).filter((el) => el.tagName === 'IMG' || /__pwned/.test(el.textContent ?? ''))
        .length,
  );
  assert.equal(made, 0, `registry text made no elements (${where})`);
}

/**
 * The inspector, as a person uses it: from a tag's context menu to the index, a platform, its
 * config and a layer's files, back to a referrer; then a hostile image from the palette, whose
 * every string is markup that must stay text; then a reload, after which the panel comes back.
 */
export async function runInspectorPath(
  page: Page,
  options: { registryUrl: string; screenshots: string; hostile: HostileImage },
): Promise<void> {
  const { screenshots, hostile } = options;
  const host = new URL(options.registryUrl).host;

  // 11. Inspect Manifest from the context menu of apps/web:v1. The tree may have been rebuilt by the
  // steps before (a settings change collapses it), so open the way down when it is closed.
  if (!(await row(page, 'apps/web').isVisible())) await row(page, 'Lab registry').click();
  await row(page, 'apps/web').waitFor({ timeout: 30_000 });
  if (!(await row(page, /^v1/).isVisible())) await row(page, 'apps/web').click();
  await row(page, /^v1/).waitFor({ timeout: 30_000 });
  await chooseFromContextMenu(page, row(page, /^v1/), 'Inspect Manifest');
  let frame = await inspector(page, 'apps/web:v1');
  await settled(frame);
  assert.equal(await frame.locator('h1').textContent(), 'OCI image index');
  assert.deepEqual(await frame.locator('[data-section="platforms"] td.platform').allTextContents(), ['linux/amd64', 'linux/arm64/v8']);
  assert.match((await frame.locator('[data-section="referrers"]').textContent()) ?? '', /cosign signature/);
  await shoot(page, screenshots, '11-inspector-index');
  await shootForWalkthrough(page, screenshots, 'inspect', WALKTHROUGH_REGION.editor);
  await frame.locator('[data-section="json"]').scrollIntoViewIfNeeded();
  assert.equal(await frame.locator('[data-section="json"] button.j-link').count(), 2, 'both platform digests in the JSON are links');
  await shoot(page, screenshots, '11b-inspector-index-json');

  // 12. Follow a platform: the image, its config for people, and its history beside its layers.
  await link(frame, 'linux/amd64').click();
  frame = await inspector(page, /^apps\/web@[0-9a-f]{12}$/);
  await settled(frame);
  assert.equal(await frame.locator('h1').textContent(), 'OCI image');
  assert.match((await frame.locator('[data-section="config"]').textContent()) ?? '', /lab-entrypoint/);
  assert.equal(
    await frame.locator('[data-section="history"] tr.empty-step').count(),
    2,
    'the ENV and CMD steps are marked as making no layer',
  );
  await shoot(page, screenshots, '12-inspector-platform');
  await frame.locator('[data-section="history"]').scrollIntoViewIfNeeded();
  await shoot(page, screenshots, '12b-inspector-history');
  // Every text of an image's page (its config for people, history, layers) reads in both default themes.
  await assertReadableInThemes(page, frame, { screenshots, name: '12c-inspector-platform-light' });

  // 13. The config blob, from the Config section.
  await link(frame, 'Open config').click();
  frame = await inspector(page, /config$/);
  await settled(frame);
  assert.equal(await frame.locator('h1').textContent(), 'OCI image config');
  assert.match((await frame.locator('[data-section="json"]').textContent()) ?? '', /"diff_ids"/);
  await shoot(page, screenshots, '13-inspector-config');

  // 14. Back to the image, then a layer's files (streamed, then a tree with an opened folder).
  await frame.locator('button[title^="Back"]').click();
  frame = await inspector(page, /^apps\/web@[0-9a-f]{12}$/);
  await link(frame, /^layer 1$/).click();
  frame = await inspector(page, /files$/);
  await settled(frame);
  await frame.locator('.f-row', { hasText: 'etc' }).locator('button.f-toggle').click();
  await frame.locator('.f-row', { hasText: 'os-release' }).waitFor({ timeout: 10_000 });
  assert.match((await frame.locator('.listing-summary').textContent()) ?? '', /files? · .*director/);
  await shoot(page, screenshots, '14-inspector-layer');
  await assertReadableInThemes(page, frame, { screenshots, name: '14f-inspector-layer-light' });

  // 14b. A file of the layer: its name is a link that opens it in a read-only tab beside the panel.
  await frame.locator('.f-row', { hasText: 'os-release' }).locator('button.f-open').click();
  await page.locator('.tab.active', { hasText: 'os-release' }).waitFor({ timeout: 30_000 });
  await page.locator('.editor-instance .view-line', { hasText: 'NAME="Lab Linux"' }).first().waitFor({ timeout: 30_000 });
  await shoot(page, screenshots, '14b-inspector-layer-file');
  // Closed again, so the panel has the window to itself for the steps after.
  await page.locator('.tab', { hasText: 'os-release' }).click();
  await runCommand(page, 'View: Close Editor');
  await page.locator('.tab', { hasText: 'os-release' }).waitFor({ state: 'detached', timeout: 10_000 });

  // 14c. Its save button (shown on the row under the pointer) asks where, suggesting the file's own
  // name, and writes the whole file once the layer matched its digest.
  const osRelease = frame.locator('.f-row', { hasText: 'os-release' });
  await osRelease.hover();
  await osRelease.locator('button.f-save').click();
  const pathBox = page.locator('.quick-input-widget input.input');
  await pathBox.waitFor({ timeout: 30_000 });
  // The simple file dialog fills its path box once it has read the folder.
  for (let wait = 0; wait < 20 && !(await pathBox.inputValue()).endsWith('/os-release'); wait++) await page.waitForTimeout(250);
  const destination = await pathBox.inputValue();
  assert.match(destination, /\/os-release$/, "the save dialog suggests the file's own name");
  assert.ok(!existsSync(destination), `${destination} is not there before the save`);
  await shoot(page, screenshots, '14c-inspector-save-layer-file');
  await pathBox.press('Enter');
  await notification(page, /Saved .*os-release .* its layer matched its digest/);
  assert.match(readFileSync(destination, 'utf8'), /^NAME="Lab Linux"\nID=lab\n/, 'the file on disk is the one in the layer');
  await closeNotifications(page);

  // 14d. All files: the image's files with every layer applied, each row naming its layer; a file
  // opens from the layer that holds it.
  await frame.locator('button[title^="Back"]').click();
  frame = await inspector(page, /^apps\/web@[0-9a-f]{12}$/);
  await link(frame, 'All files').click();
  frame = await inspector(page, /all files$/);
  await settled(frame);
  assert.match((await frame.locator('.listing-summary').textContent()) ?? '', /unpacked from .* in \d+ layers?/);
  await frame.locator('.f-row', { hasText: 'etc' }).locator('button.f-toggle').click();
  // By its name: the row of the link to it (step 14e) shows "→ os-release" too.
  const mergedRelease = fileRow(frame, 'os-release');
  await mergedRelease.waitFor({ timeout: 10_000 });
  assert.equal(((await mergedRelease.locator('.f-layer').textContent()) ?? '').trim(), '1', 'os-release comes from layer 1');
  await shoot(page, screenshots, '14d-inspector-all-files');
  await mergedRelease.locator('button.f-open').click();
  await page.locator('.tab.active', { hasText: 'os-release' }).waitFor({ timeout: 30_000 });
  await page.locator('.editor-instance .view-line', { hasText: 'NAME="Lab Linux"' }).first().waitFor({ timeout: 30_000 });
  await page.locator('.tab', { hasText: 'os-release' }).click();
  await runCommand(page, 'View: Close Editor');
  await page.locator('.tab', { hasText: 'os-release' }).waitFor({ state: 'detached', timeout: 10_000 });

  // 14e. A symbolic link that crosses layers: layer 2 adds etc/system-release → os-release, the
  // file layer 1 holds. Its name opens the file it leads to (from layer 1), not the link's own
  // text; its save button saves that file.
  const systemRelease = fileRow(frame, 'system-release');
  assert.equal(((await systemRelease.locator('.f-layer').textContent()) ?? '').trim(), '2', 'the link comes from layer 2');
  assert.equal(((await systemRelease.locator('.f-link').textContent()) ?? '').trim(), '→ os-release', 'the row shows the target');
  assert.equal(await systemRelease.locator('button.f-open').getAttribute('title'), 'Open etc/os-release, where etc/system-release leads');
  await systemRelease.locator('button.f-open').click();
  await page.locator('.tab.active', { hasText: 'os-release' }).waitFor({ timeout: 30_000 });
  await page.locator('.editor-instance .view-line', { hasText: 'NAME="Lab Linux"' }).first().waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('.tab', { hasText: 'system-release' }).count(), 0, 'no tab shows the link itself');
  await shoot(page, screenshots, '14e-inspector-all-files-link');
  await page.locator('.tab', { hasText: 'os-release' }).click();
  await runCommand(page, 'View: Close Editor');
  await page.locator('.tab', { hasText: 'os-release' }).waitFor({ state: 'detached', timeout: 10_000 });
  await systemRelease.hover();
  await systemRelease.locator('button.f-save').click();
  await pathBox.waitFor({ timeout: 30_000 });
  // The dialog suggests the target's name; step 14c saved a file by that name, so this one gets the link's.
  for (let wait = 0; wait < 20 && !(await pathBox.inputValue()).endsWith('/os-release'); wait++) await page.waitForTimeout(250);
  assert.match(await pathBox.inputValue(), /\/os-release$/, 'the save dialog suggests the name of the file the link leads to');
  const linkDestination = join(dirname(destination), 'system-release');
  assert.ok(!existsSync(linkDestination), `${linkDestination} is not there before the save`);
  await pathBox.fill(linkDestination);
  await pathBox.press('Enter');
  await notification(page, /Saved \/etc\/os-release .* its layer matched its digest/);
  assert.match(readFileSync(linkDestination, 'utf8'), /^NAME="Lab Linux"\nID=lab\n/, 'the file saved is the one the link leads to');
  await closeNotifications(page);
  // Then back to layer 1, where step 15 starts.
  await frame.locator('button[title^="Back"]').click();
  frame = await inspector(page, /^apps\/web@[0-9a-f]{12}$/);
  await link(frame, /^layer 1$/).click();
  frame = await inspector(page, /files$/);
  await settled(frame);

  // 15. Back to the index, and its signature (a referrer).
  await frame.locator('button[title^="Back"]').click();
  frame = await inspector(page, /^apps\/web@[0-9a-f]{12}$/);
  await frame.locator('button[title^="Back"]').click();
  frame = await inspector(page, 'apps/web:v1');
  await settled(frame);
  await link(frame, 'cosign signature').click();
  frame = await inspector(page, /^apps\/web@[0-9a-f]{12}$/);
  await settled(frame);
  assert.equal(await frame.locator('h1').textContent(), 'cosign signature');
  const referrerHeader = (await frame.locator('.page-header').textContent()) ?? '';
  assert.match(referrerHeader, /Refers to/);
  // A size under a KiB is said once ("738 B"), not again as "738 bytes".
  assert.doesNotMatch(referrerHeader, /\b(\d+) B\b.*\b\1 bytes/, referrerHeader);
  await shoot(page, screenshots, '15-inspector-referrer');

  // 16. A hostile image, typed in the palette: every string is markup, and all of it stays text.
  const input = await runCommand(page, 'Registry Explorer: Inspect Manifest');
  await input.fill(`${host}/${hostile.repository}:${hostile.tag}`);
  await input.press('Enter');
  frame = await inspector(page, `${hostile.repository}:${hostile.tag}`);
  await settled(frame);
  await notPwned(page, frame, 'manifest page');
  const text = (await frame.locator('body').textContent()) ?? '';
  for (const markup of [HOSTILE.img, HOSTILE.script, HOSTILE.attribute]) assert.ok(text.includes(markup), `${markup} is shown as text`);
  assert.ok(text.includes('more characters'), 'the 100 000-character annotation is cut');
  assert.equal(await frame.locator('button.link', { hasText: HOSTILE.url }).count(), 0, 'a javascript: URL is not a link');
  assert.ok(text.includes(BIDI_SHOWN) && !text.includes('\u202E'), 'a right-to-left override is shown as its escape');
  assert.ok((await frame.locator('.invisible-char', { hasText: '\\u202E' }).count()) > 0, 'and marked as a hidden character');
  await shoot(page, screenshots, '16-inspector-hostile');
  // The marks on hidden characters and cut text read too.
  await assertReadableInThemes(
    page,
    frame,
    { screenshots, name: '16b-inspector-hostile-light' },
    {
      selector: '.invisible-char',
      what: 'hidden-character mark',
    },
  );

  // 17. Its layer: hostile file names, a whiteout and a symlink target, as text.
  await link(frame, /^layer 1$/).click();
  frame = await inspector(page, /files$/);
  await settled(frame);
  await frame.locator('.f-row', { hasText: 'etc' }).first().locator('button.f-toggle').click();
  await frame.locator('.f-row', { hasText: 'whiteout' }).waitFor({ timeout: 10_000 });
  await notPwned(page, frame, 'layer listing');
  const files = (await frame.locator('.file-tree').textContent()) ?? '';
  assert.ok(files.includes(HOSTILE.img), 'hostile file names are shown as text');
  assert.ok(files.includes(BIDI_SHOWN) && !files.includes('\u202E'), "a file name's right-to-left override is shown as its escape");
  await shoot(page, screenshots, '17-inspector-hostile-layer');

  // 18. After Reload Window, the panel comes back where it was (the webview serializer). A browser
  // reload would not do: VS Code in a browser saves its open editors only every minute or so.
  await runCommand(page, 'Developer: Reload Window');
  await page.waitForTimeout(2000);
  await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
  frame = await inspector(page, /files$/, 60_000);
  await settled(frame);
  await shoot(page, screenshots, '18-inspector-restored');

  // 19. The same panel in a high-contrast theme: it uses only the theme's colours.
  frame = await inspector(page, /files$/);
  await showIn(page, frame, 'Dark High Contrast');
  await frame.locator('button[title^="Back"]').click();
  frame = await inspector(page, `${hostile.repository}:${hostile.tag}`);
  await settled(frame);
  await frame.locator('[data-section="history"]').scrollIntoViewIfNeeded();
  await shoot(page, screenshots, '19-inspector-high-contrast');
  assert.deepEqual(await unreadableTexts(frame, 'Dark High Contrast'), [], 'every text reads in the high-contrast theme');
}
