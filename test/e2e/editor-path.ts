// Image references where people write them: a Dockerfile and a Compose file in the workspace,
// opened as a person opens them. The lenses appear over the references in view, a hover says what a
// reference resolves to, and Ctrl+Space after `repository:` offers the tags, newest first.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { runCommand, shoot } from './ui';

/** Opens a workspace file from the Explorer, as a person clicks it, and waits for its editor. */
export async function openFile(page: Page, name: string, freshInstall = false): Promise<void> {
  const file = page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first();
  if (!(await file.isVisible())) await runCommand(page, 'View: Show Explorer');
  await file.waitFor({ timeout: 30_000 });
  await file.click();
  await page.locator('.tab.active', { hasText: name }).waitFor({ timeout: 10_000 });
  // On a fresh install, the first file that activates the extension also opens Get Started over it.
  if (freshInstall) {
    await page.locator('.gettingStartedContainer').waitFor({ timeout: 60_000 });
    // Its tab's close button: the palette's key can land in the walkthrough's webview and be lost there.
    await page
      .locator('.tab', { hasText: 'Welcome' })
      .getByRole('button', { name: /^Close/ })
      .click();
    await file.click();
    await page.locator('.tab.active', { hasText: name }).waitFor({ timeout: 10_000 });
  }
}

/** The editor line that shows `text`. */
export function line(page: Page, text: string) {
  return page.locator('.editor-instance .view-line', { hasText: text }).first();
}

/** Waits until the editor shows a lens titled `title`. */
export async function lens(page: Page, title: string | RegExp): Promise<void> {
  await page.locator('.editor-instance .codelens-decoration', { hasText: title }).first().waitFor({ timeout: 30_000 });
}

export async function runEditorPath(
  page: Page,
  options: { registryUrl: string; workspace: string; screenshots: string; freshInstall?: boolean },
): Promise<void> {
  await page.locator('.monaco-workbench .part.editor').waitFor({ timeout: 60_000 });
  const host = new URL(options.registryUrl).host;
  writeFileSync(
    join(options.workspace, 'Dockerfile'),
    [
      '# syntax=docker/dockerfile:1',
      'ARG ALPINE=1.2.9',
      `FROM ${host}/library/alpine:\${ALPINE} AS base`,
      'RUN echo building',
      '',
      `FROM ${host}/apps/web:v1`,
      'COPY --from=base /etc/os-release /etc/base-release',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(options.workspace, 'compose.yaml'),
    [
      'services:',
      '  web:',
      `    image: ${host}/apps/web:v1`,
      '  api:',
      `    image: ${host}/team-a/api:1.0.0`,
      '  cache:',
      `    image: ${host}/library/alpine:3.19`,
      '  gone:',
      `    image: ${host}/library/alpine:9.9.9`,
      '  worker:',
      `    image: ${host}/library/alpine:`,
      '',
    ].join('\n'),
  );

  // 27. The Dockerfile: a lens over each FROM, then a hover over the index.
  await openFile(page, 'Dockerfile', options.freshInstall);
  await lens(page, 'Pin to digest');
  await shoot(page, options.screenshots, '27-dockerfile-lenses');
  const web = line(page, 'apps/web:v1');
  const box = await web.locator('span', { hasText: 'apps/web' }).first().boundingBox();
  assert.ok(box, 'the FROM line is on screen');
  await page.mouse.move(box.x + box.width - 20, box.y + box.height / 2);
  const hover = page.locator('.monaco-hover', { hasText: 'OCI image index' }).first();
  await hover.waitFor({ state: 'visible', timeout: 30_000 });
  const hoverText = (await hover.textContent()) ?? '';
  for (const expected of ['2 platforms', 'linux/amd64', 'Answered by the registry', 'Inspect', 'Reveal in Tree', 'Copy Digest'])
    assert.ok(hoverText.includes(expected), `the hover says "${expected}": ${hoverText}`);
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(options.screenshots, '28-dockerfile-hover.png') });

  // 29. The Compose file: lenses (a newer tag, pinning), a warning for a tag that does not exist.
  await page.mouse.move(1100, 16);
  await openFile(page, 'compose.yaml');
  await lens(page, 'Newer tag available: 1.1.0');
  await lens(page, 'Newer tag available: 3.20');
  await page.locator('.editor-instance .squiggly-warning').first().waitFor({ timeout: 30_000 });
  await shoot(page, options.screenshots, '29-compose-lenses');

  // 30. Tag completion: Ctrl+Space at the end of `…/library/alpine:`.
  await page
    .locator('.editor-instance .view-line', { hasText: /alpine:$/ })
    .last()
    .click();
  await page.keyboard.press('End');
  await page.keyboard.press('Control+Space');
  const suggest = page.locator('.suggest-widget .monaco-list-row');
  await suggest.filter({ hasText: '3.20' }).first().waitFor({ timeout: 30_000 });
  const labels = (await suggest.allTextContents()).map((t) => t.trim());
  // Named tags (latest) first, as in the tree, then versions newest first.
  const versions = labels.filter((l) => /^\d/.test(l));
  assert.ok(versions[0]?.startsWith('3.20') && versions.some((l) => l.startsWith('1.2.10')), `tags newest first: ${labels.join(' | ')}`);
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(options.screenshots, '30-compose-completion.png') });
  await page.keyboard.press('Escape');
  await runCommand(page, 'View: Close All Editors');
  const dontSave = page.getByRole('button', { name: "Don't Save" });
  if (await dontSave.isVisible().catch(() => false)) await dontSave.click();
}
