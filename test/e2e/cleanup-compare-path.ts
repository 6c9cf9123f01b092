// Clean Up Repository… and Compare With…, as a person uses them from the command palette: the
// clean-up's questions, its preview under the confirmation (a tag sharing a kept tag's manifest
// is removed alone), the deletions checked against the registry afterwards; then the comparison
// panel on two tags (and the config diff its button opens), on two indexes, on an image and an
// index without its platform (the platform asked for in a quick pick), and on an image whose every
// string is hostile, where no script may run.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { daysAgo, digestAt, pushDated } from '../support/lab/dated-images';
import { OciLayout } from '../support/lab/oci-layout';
import { pushToRegistry } from '../support/lab/push';
import type { LabRegistry } from '../support/lab/registry';
import { assertReadableInThemes } from './contrast';
import { HOSTILE, seedHostileContent } from './hostile-content';
import { compare, comparisonFrame, openViewIfClosed, runCommand, shoot } from './ui';

export async function runCleanupComparePath(page: Page, options: { screenshots: string; registry: LabRegistry }): Promise<void> {
  const { screenshots, registry } = options;
  const name = 'tidy/app';
  const shared = await pushDated(registry, name, ['stable', 'old-build'], daysAgo(100));
  const stale = await pushDated(registry, name, ['pr-1'], daysAgo(60));
  await pushDated(registry, name, ['pr-2'], daysAgo(1));
  await pushDated(registry, name, ['pr-3'], daysAgo(45));
  await openViewIfClosed(page);
  const input = page.locator('.quick-input-widget input.input');
  const asked = (text: string) => page.locator('.quick-input-widget').getByText(text, { exact: false }).waitFor({ timeout: 30_000 });
  await runCommand(page, 'View: Close All Editors');
  await runCommand(page, 'Notifications: Clear All Notifications');

  // 53. Clean Up Repository…: every tag older than 30 days may go, "stable" always stays.
  await runCommand(page, 'Registry Explorer: Clean Up Repository…');
  await input.fill(`${registry.host}/${name}`);
  await input.press('Enter');
  await asked('(1/5)');
  await input.press('Enter');
  await asked('(2/5)');
  await input.fill('30');
  await input.press('Enter');
  await asked('(3/5)');
  await input.press('Enter');
  await asked('(4/5)');
  await input.fill('stable');
  await input.press('Enter');
  await asked('(5/5)');
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Remove the tag only' }).click();
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.getByText(`Delete 3 of 5 tags from ${registry.host}/${name}?`).waitFor({ timeout: 60_000 });
  const editor = page.locator('.editor-instance .view-lines');
  await editor.getByText('Tags removed alone', { exact: false }).waitFor({ timeout: 10_000 });
  await shoot(page, screenshots, '53-cleanup-preview');

  // 53 (cont.). Delete: the tag sharing "stable"'s manifest goes alone; the registry shows it.
  await dialog.locator('.monaco-button', { hasText: 'Delete 3 Tags' }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
  for (let i = 0; i < 100 && (await digestAt(registry, name, 'pr-3')) !== undefined; i++) await page.waitForTimeout(100);
  assert.equal(await digestAt(registry, name, 'stable'), shared, 'the kept tag still points at its manifest');
  assert.equal(await digestAt(registry, name, 'old-build'), undefined);
  assert.equal(await digestAt(registry, name, stale), undefined);
  assert.equal(await digestAt(registry, name, 'pr-3'), undefined);
  assert.ok(await digestAt(registry, name, 'pr-2'), 'the new tag stays');

  // 54, 55. Compare With…: two tags in the comparison panel, then the config diff its button opens.
  await runCommand(page, 'View: Close All Editors');
  await compare(page, `${registry.host}/library/alpine:3.19`, `${registry.host}/library/alpine:3.20`);
  let frame = await comparisonFrame(page, 'alpine:3.19 ↔ alpine:3.20');
  await frame.locator('table.settings', { hasText: 'Label org.opencontainers.image.version' }).waitFor({ timeout: 30_000 });
  await frame.locator('.files-result').waitFor({ timeout: 60_000 });
  await notPwned(page, frame, 'two tags');
  await shoot(page, screenshots, '54-compare-summary');
  // 83. The panel on its own, scrolled to the files (the README's picture).
  await frame.evaluate(() => {
    document.querySelector('[data-part="settings"]')?.scrollIntoView({ block: 'start' });
    // Clear of the sticky toolbar, with the section's heading.
    window.scrollBy(0, -70);
  });
  await shoot(page, screenshots, '83-comparison-panel');
  // Every text of two images compared (settings changed, layers, history, files) reads in both default themes.
  await assertReadableInThemes(page, frame, { screenshots, name: '83b-comparison-panel-light' });
  await frame.locator('button', { hasText: 'Config Diff' }).click();
  await page.locator('.tab', { hasText: 'alpine:3.19 ↔ alpine:3.20 (config)' }).waitFor({ timeout: 30_000 });
  await page.locator('.monaco-diff-editor').first().waitFor({ timeout: 10_000 });
  await shoot(page, screenshots, '55-compare-config-diff');

  // 84. Two indexes: each platform both have compared, the index diff a button away.
  await runCommand(page, 'View: Close All Editors');
  const layout = await OciLayout.create(join(registry.lab.dir, 'content', `compare-${randomBytes(4).toString('hex')}`));
  const [one, two] = [
    await layout.multiPlatformIndex({ seed: 'tidy-web-1', layers: [32 * 1024, 8 * 1024] }),
    await layout.multiPlatformIndex({ seed: 'tidy-web-2', layers: [32 * 1024, 12 * 1024, 2 * 1024] }),
  ];
  await pushToRegistry(layout, one, registry, 'tidy/web:1');
  await pushToRegistry(layout, two, registry, 'tidy/web:2');
  await compare(page, `${registry.host}/tidy/web:1`, `${registry.host}/tidy/web:2`);
  frame = await comparisonFrame(page, 'web:1 ↔ web:2');
  await frame.locator('[data-section="platform-linux/amd64"]').waitFor({ timeout: 30_000 });
  await frame.locator('[data-section="platform-linux/arm64/v8"]').waitFor({ timeout: 30_000 });
  await frame.locator('button', { hasText: 'Index Diff' }).waitFor({ timeout: 10_000 });
  await notPwned(page, frame, 'two indexes');
  await shoot(page, screenshots, '84-comparison-indexes');

  // 91. An image whose platform the index lacks: Compare asks which of the index's platforms to
  // compare it with, and compares with the one picked (the second listed, so "the first" cannot pass).
  await runCommand(page, 'View: Close All Editors');
  const riscv = await layout.image({ seed: 'tidy-web-riscv64', layers: [16 * 1024], platform: { os: 'linux', architecture: 'riscv64' } });
  await pushToRegistry(layout, riscv, registry, 'tidy/web:riscv64');
  await compare(page, `${registry.host}/tidy/web:riscv64`, `${registry.host}/tidy/web:1`);
  const pick = page.locator('.quick-input-widget');
  await pick.getByText(`Compare with which platform of ${registry.host}/tidy/web:1?`).waitFor({ timeout: 30_000 });
  assert.equal(await input.getAttribute('placeholder'), "It has no linux/riscv64, the image's platform: pick one to compare with");
  // The labels on screen: a reused row keeps an earlier pick's detail text in the page, hidden.
  const rows = pick.locator('.monaco-list-row');
  const choices = await rows.locator('.label-name').filter({ visible: true }).allInnerTexts();
  assert.deepEqual(choices, ['linux/amd64', 'linux/arm64/v8'], 'every platform of the index is offered');
  await shoot(page, screenshots, '91-compare-platform-pick');
  await rows.filter({ hasText: 'linux/arm64/v8' }).click();
  frame = await comparisonFrame(page, 'web:riscv64 ↔ web:1');
  await frame.locator('[data-section="platform-linux/arm64/v8"]').waitFor({ timeout: 30_000 });
  assert.equal(await frame.locator('[data-section^="platform-"]').count(), 1, 'one platform compared');
  const arm64 = one.children.find((c) => c.platform.architecture === 'arm64')!;
  const shownLayers = await frame
    .locator('[data-section="platform-linux/arm64/v8"] table.layers tr.change-added code')
    .evaluateAll((codes) => codes.map((c) => c.getAttribute('title')));
  assert.deepEqual(
    shownLayers,
    arm64.layers.map((l) => l.descriptor.digest),
    "the index's side is the arm64 image's layers",
  );
  await frame.locator('.files-result').waitFor({ timeout: 60_000 });
  await notPwned(page, frame, 'image and index');
  await shoot(page, screenshots, '91b-compare-picked-platform');

  // 85. Hostile registry text in every field: shown as text, no script runs in the panel.
  await runCommand(page, 'View: Close All Editors');
  const hostile = await seedHostileContent(registry);
  await compare(page, `${registry.host}/library/alpine:3.19`, `${registry.host}/${hostile.repository}:${hostile.tag}`);
  frame = await comparisonFrame(page, /^alpine:3\.19 ↔ xss:v1$/);
  await frame.locator('table.settings', { hasText: HOSTILE.script }).waitFor({ timeout: 30_000 });
  await frame.locator('.files-result').waitFor({ timeout: 60_000 });
  await frame.locator('table.files', { hasText: HOSTILE.img }).waitFor({ timeout: 10_000 });
  await notPwned(page, frame, 'hostile image');
  await shoot(page, screenshots, '85-comparison-hostile');
  await runCommand(page, 'View: Close All Editors');
}

/** No registry string ran as script, in the panel or the workbench, or became an element. */
async function notPwned(page: Page, frame: Frame, where: string): Promise<void> {
  assert.equal(
    await frame.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned),
    undefined,
    `nothing ran in the panel (${where})`,
  );
  assert.equal(
    await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned),
    undefined,
    `nothing ran in the workbench (${where})`,
  );
  const made = await frame.evaluate(
    () =>
      Array.from(document.querySelectorAll('img, script')).filter((el) => el.tagName === 'IMG' || /__pwned/.test(el.textContent ?? ''))
        .length,
  );
  assert.equal(made, 0, `registry text made no elements (${where})`);
}
