// Clean Up Repository… with untagged manifests, as a person meets it on Amazon ECR (after the cloud
// path added the registry, with the AWS profile and the ECR credential helper): a repository with a
// kept tag, a tag that goes, three manifests pushed by digest that nothing needs and a signature of
// the kept image; the clean-up lists the untagged ones through ECR's DescribeImages, and the
// preview names the three that would go, with their sizes and dates, and keeps the signature,
// saying why. Cancel leaves the registry as
// it was. Screenshots 86 (the confirmation over the preview) and 87 (the preview, the README's).
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { OciLayout } from '../support/lab/oci-layout';
import { pushToRegistry } from '../support/lab/push';
import type { LabRegistry } from '../support/lab/registry';
import type { CloudApiLabDescription } from '../support/lab/vendors/cloud-api-lab';
import { storedManifests } from '../support/lab/vendors/stored-manifests';
import { runCommand, shoot } from './ui';

export async function runCleanupUntaggedPath(
  page: Page,
  options: { screenshots: string; clouds: CloudApiLabDescription; registry: LabRegistry },
): Promise<void> {
  const { screenshots, clouds, registry } = options;
  const name = 'web/tidy';
  const reference = `${clouds.ecr.host}/${name}`;
  // Pushed only now, so the cloud path's screenshots do not list the repository.
  const layout = await OciLayout.create(join(registry.lab.dir, 'content', `cleanup-untagged-${randomBytes(4).toString('hex')}`));
  const kept = await layout.image({ seed: 'web-tidy-kept', layers: [2048] });
  const old = await layout.image({ seed: 'web-tidy-pr-41', layers: [2048] });
  const loose = await Promise.all([1, 2, 3].map((n) => layout.image({ seed: `web-tidy-build-${n}`, layers: [1024] })));
  const signature = await layout.referrer(kept.descriptor);
  await pushToRegistry(layout, kept, registry, `${name}:latest`);
  await pushToRegistry(layout, old, registry, `${name}:pr-41`);
  for (const m of [...loose, signature]) await pushToRegistry(layout, m, registry, `${name}@${m.descriptor.digest}`);
  const before = (storedManifests(registry, name) ?? []).map((m) => m.digest).sort();
  assert.equal(before.length, 6);

  const input = page.locator('.quick-input-widget input.input');
  const asked = (text: string) => page.locator('.quick-input-widget').getByText(text, { exact: false }).waitFor({ timeout: 30_000 });
  await runCommand(page, 'View: Close All Editors');
  await runCommand(page, 'Notifications: Clear All Notifications');

  // The preview's digests are long: the editor gets the window's width (the tree comes back at the end).
  await runCommand(page, 'View: Toggle Primary Side Bar Visibility');
  await page.locator('.sidebar').waitFor({ state: 'hidden', timeout: 10_000 });

  // 86. Tags matching pr-*, "latest" always kept, and the untagged manifests ECR lists.
  await runCommand(page, 'Registry Explorer: Clean Up Repository…');
  await input.fill(reference);
  await input.press('Enter');
  await asked('(1/5)');
  await input.fill('pr-*');
  await input.press('Enter');
  await asked('(2/5)');
  await input.press('Enter');
  await asked('(3/5)');
  await input.press('Enter');
  await asked('(4/5)');
  await input.press('Enter');
  await asked('(5/5)');
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Remove the tag only' }).click();
  await asked('manifests without a tag');
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Also delete untagged manifests' }).click();
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.getByText(`Delete 1 of 2 tags from ${reference}?`).waitFor({ timeout: 60_000 });
  await dialog.getByText('3 untagged manifests deleted by digest.').waitFor({ timeout: 10_000 });
  const editor = page.locator('.editor-instance .view-lines');
  await editor.getByText('Untagged manifests deleted by digest (3)', { exact: false }).waitFor({ timeout: 10_000 });
  await editor.getByText('Untagged manifests kept (1)', { exact: false }).waitFor({ timeout: 10_000 });
  // Each with its size and push day, as DescribeImages says.
  await editor
    .getByText(/kB\s+\d{4}-\d{2}-\d{2}/)
    .first()
    .waitFor({ timeout: 10_000 });
  await shoot(page, screenshots, '86-cleanup-untagged-confirm');

  // 87. Cancel: the preview stays open to read, wrapped so the reason a signature stays shows whole.
  await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
  await runCommand(page, 'View: Toggle Word Wrap');
  await page.waitForTimeout(500);
  await shoot(page, screenshots, '87-cleanup-untagged-preview');
  await runCommand(page, 'View: Toggle Word Wrap');
  await runCommand(page, 'View: Close All Editors');
  await runCommand(page, 'View: Toggle Primary Side Bar Visibility');
  await page.locator('.sidebar').waitFor({ state: 'visible', timeout: 10_000 });
  // Nothing was sent: the registry holds what it held.
  assert.deepEqual((storedManifests(registry, name) ?? []).map((m) => m.digest).sort(), before);
}
