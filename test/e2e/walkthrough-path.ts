// The Get Started walkthrough as a person finds it again after the first run: from the Registries
// view's … menu. Checks every step is there with its button and image, and takes a screenshot.
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { runCommand, shoot } from './ui';

const STEPS = ['Add a registry', 'Log in', 'Browse to a tag', 'Inspect it', 'Copy or pull it'];

export async function runWalkthroughPath(page: Page, options: { screenshots: string }): Promise<void> {
  // 26. The view's title bar: … (More Actions) → Get Started.
  await page.locator('.part.sidebar .action-label[aria-label*="More Actions"]').filter({ visible: true }).first().click();
  await page.locator('.monaco-menu .action-label', { hasText: 'Get Started' }).click();
  const walkthrough = page.locator('.gettingStartedContainer');
  await walkthrough.getByText('Get Started with OCI Registry Explorer').first().waitFor({ timeout: 30_000 });
  for (const step of STEPS)
    await walkthrough
      .getByRole('button', { name: new RegExp(step) })
      .first()
      .waitFor({ timeout: 10_000 });
  // The open step has its command button and its image, loaded from the package. VS Code
  // shows step images only when the editor is wide enough: a wider window, as on a desktop.
  const viewport = page.viewportSize();
  await page.setViewportSize({ width: 1680, height: 900 });
  // The first step not yet done is open (which one depends on what the path did before): each
  // step's button runs one of these.
  await walkthrough
    .getByRole('button', { name: /^(Add Registry|Log In|Show the Registries view|Inspect a Reference…|Pull…)$/ })
    .first()
    .waitFor({ timeout: 10_000 });
  const image = walkthrough.locator('.getting-started-media img').first();
  await image.waitFor({ timeout: 10_000 });
  await page.waitForFunction(
    (img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0,
    await image.elementHandle(),
    { timeout: 10_000 },
  );
  assert.ok(await image.evaluate((img) => (img as HTMLImageElement).naturalWidth > 100), 'the step image is drawn');
  await shoot(page, options.screenshots, '26-walkthrough', { x: 200, y: 600, settleMs: 500 });
  if (viewport) await page.setViewportSize(viewport);
  await runCommand(page, 'View: Close All Editors');
}
