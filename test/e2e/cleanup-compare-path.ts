// Clean Up Repository… and Compare With…, as a person uses them from the command palette: the
// clean-up's questions, its preview under the confirmation (a tag sharing a kept tag's manifest
// is removed alone), the deletions checked against the registry afterwards; then two tags compared
// in the diff editor, with the summary in words.
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { daysAgo, digestAt, pushDated } from '../support/lab/dated-images';
import type { LabRegistry } from '../support/lab/registry';
import { runCommand, shoot } from './ui';

export async function runCleanupComparePath(page: Page, options: { screenshots: string; registry: LabRegistry }): Promise<void> {
  const { screenshots, registry } = options;
  const name = 'tidy/app';
  const shared = await pushDated(registry, name, ['stable', 'old-build'], daysAgo(100));
  const stale = await pushDated(registry, name, ['pr-1'], daysAgo(60));
  await pushDated(registry, name, ['pr-2'], daysAgo(1));
  await pushDated(registry, name, ['pr-3'], daysAgo(45));
  await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
  // Run alone (E2E_ONLY=cleanup), the view is not open yet: open it, which activates the extension.
  const entry = page.locator('.activitybar [aria-label^="Registries"]').first();
  await entry.waitFor({ timeout: 60_000 });
  if (!(await page.locator('.sidebar .title-label', { hasText: 'Registries' }).isVisible())) {
    await entry.click();
    await page.locator('.sidebar .title-label', { hasText: 'Registries' }).waitFor({ timeout: 30_000 });
    // The first activation opens the Get Started walkthrough: wait for it, so the palette opens over it.
    await page
      .locator('.gettingStartedContainer')
      .first()
      .waitFor({ timeout: 60_000 })
      .catch(() => undefined);
    await page.waitForTimeout(1000);
  }
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

  // 54, 55. Compare With…: two tags, the config diff on normalised JSON and the summary in words.
  await runCommand(page, 'View: Close All Editors');
  await runCommand(page, 'Registry Explorer: Compare With…');
  await input.fill(`${registry.host}/library/alpine:3.19`);
  await input.press('Enter');
  await asked('Compare');
  await input.fill(`${registry.host}/library/alpine:3.20`);
  await input.press('Enter');
  await editor.getByText('Label org.opencontainers.image.version: 3.19 → 3.20', { exact: false }).waitFor({ timeout: 60_000 });
  await shoot(page, screenshots, '54-compare-summary');
  await page.locator('.tab', { hasText: 'alpine:3.19 ↔ alpine:3.20 (config)' }).click();
  await page.locator('.monaco-diff-editor').first().waitFor({ timeout: 10_000 });
  await shoot(page, screenshots, '55-compare-config-diff');
  await runCommand(page, 'View: Close All Editors');
}
