import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chooseFromContextMenu, row, runCommand, shoot, shootForWalkthrough, WALKTHROUGH_REGION } from './ui';

const VIEW_CONTAINER = 'Registries';
/** The empty editor area: no hover tooltip covers the tree from there. */
const PARK = { x: 900, y: 650, settleMs: 700 };

/**
 * What a person does on first use: open the view, see the empty state, add the lab registry through
 * the quick input, and browse down to the tags of a repository.
 */
export async function runPersonPath(
  page: Page,
  options: { registryUrl: string; screenshots: string; dockerConfigDir: string },
): Promise<void> {
  const { registryUrl, screenshots, dockerConfigDir } = options;
  await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });

  // 1. The activity bar has our container; opening it shows the empty state with its actions.
  const entry = page.locator(`.activitybar [aria-label^="${VIEW_CONTAINER}"]`).first();
  await entry.waitFor({ timeout: 60_000 });
  await entry.click();
  // The first activation opens the Get Started walkthrough beside the view, once.
  await page.locator('.gettingStartedContainer').getByText('Get Started with OCI Registry Explorer').first().waitFor({ timeout: 60_000 });
  await shoot(page, screenshots, '00-walkthrough-first-run', PARK);
  await runCommand(page, 'View: Close All Editors');
  await page.locator('.gettingStartedContainer').waitFor({ state: 'detached', timeout: 10_000 });
  const welcome = page.locator('.welcome-view-content');
  await welcome.getByText('No registries yet', { exact: false }).waitFor({ timeout: 60_000 });
  const addButton = welcome.getByRole('button', { name: 'Add Registry' });
  await addButton.waitFor();
  assert.ok(await welcome.getByRole('button', { name: 'Open Settings' }).isVisible(), 'the empty state offers Open Settings');
  // The view's title fits beside its buttons ("Registry Explorer: Registries" was cut to "Registry Explore…").
  const title = page.locator('.part.sidebar .composite.title .title-label h2').first();
  assert.equal((await title.innerText()).trim().toLowerCase(), 'registries');
  assert.ok(await title.evaluate((el) => el.scrollWidth <= el.clientWidth), 'the view title is not cut');
  await shoot(page, screenshots, '01-empty-state', PARK);

  // 2. Add Registry: the quick input asks for the address, then a display name.
  await addButton.click();
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ timeout: 30_000 });
  await input.fill('not a registry/with a path');
  await page.locator('.quick-input-widget').getByText('has a path', { exact: false }).waitFor({ timeout: 10_000 });
  await shoot(page, screenshots, '02-add-registry-validation', PARK);
  await input.fill(registryUrl);
  await input.press('Enter');
  await page.locator('.quick-input-widget').getByText('Display name', { exact: false }).waitFor({ timeout: 10_000 });
  await input.fill('Lab registry');
  await input.press('Enter');

  // 3. The registry appears, is reachable, and lists its repositories.
  const registryRow = row(page, 'Lab registry');
  await registryRow.waitFor({ timeout: 30_000 });
  await registryRow.click();
  await row(page, 'apps/web').waitFor({ timeout: 30_000 });
  for (const repository of ['library/alpine', 'team-a/api', 'team-b/tools/cli']) {
    assert.ok(await row(page, repository).isVisible(), `repository ${repository} is listed`);
  }
  await shoot(page, screenshots, '03-repositories', PARK);
  await shootForWalkthrough(page, screenshots, 'add-registry', WALKTHROUGH_REGION.sidebar);

  // 4. A repository's tags, newest version first.
  await row(page, 'library/alpine').click();
  await row(page, '3.20').waitFor({ timeout: 30_000 });
  // Each tag row shows its short digest once drawn (a HEAD request); the label is the first line.
  await row(page, /3\.20\s*[0-9a-f]{12}/).waitFor({ timeout: 30_000 });
  const labels = await page.locator('.pane-body .monaco-list-row .label-name').allInnerTexts();
  const tags = labels.map((l) => l.trim()).filter((l) => ['3.20', '3.19', '1.2.10', '1.2.9', 'latest'].includes(l));
  assert.deepEqual(tags, ['latest', '3.20', '3.19', '1.2.10', '1.2.9'], `tags in natural order (rows: ${labels.join(' | ')})`);
  await shoot(page, screenshots, '04-tags', PARK);
  await shootForWalkthrough(page, screenshots, 'browse', WALKTHROUGH_REGION.sidebar);

  // 5. Down to the layers: an index's platforms, then an image's config and layers.
  await row(page, 'library/alpine').click(); // collapse, to make room
  await row(page, 'apps/web').click();
  await row(page, /^v1/).waitFor({ timeout: 30_000 });
  await row(page, /^v1/).click();
  await row(page, 'linux/amd64').waitFor({ timeout: 30_000 });
  await row(page, 'linux/amd64').click();
  await row(page, /^layer 1/).waitFor({ timeout: 30_000 });
  assert.ok(await row(page, /^config/).isVisible(), 'the config is listed');
  assert.ok(await row(page, 'Referrers').isVisible(), 'a Referrers folder is listed');
  await shoot(page, screenshots, '05-platform-layers', PARK);

  // 6. Copy To… from the tag's context menu: destination, platforms and options, then progress.
  await row(page, /^v1/).click({ button: 'right' });
  const menuItem = page.locator('.monaco-menu .action-label', { hasText: 'Copy To…' });
  await menuItem.click();
  // A click that lands while the menu is still animating only highlights the item: then Enter runs it.
  if (
    !(await input.isVisible()) &&
    !(await input.waitFor({ timeout: 3_000 }).then(
      () => true,
      () => false,
    ))
  ) {
    if (await menuItem.isVisible()) await page.keyboard.press('Enter');
  }
  await input.waitFor({ timeout: 10_000 });
  await input.fill(`${new URL(registryUrl).host}/apps/web-copy:v1`);
  await input.press('Enter');
  await page.locator('.quick-input-widget').getByText('Include referrers', { exact: false }).waitFor({ timeout: 30_000 });
  await shoot(page, screenshots, '06-copy-options', PARK);
  await shootForWalkthrough(page, screenshots, 'copy', WALKTHROUGH_REGION.sidebar);
  await input.press('Enter');
  // The result is a notification; headless, it goes straight to the notification center, so open it.
  await row(page, 'apps/web-copy').waitFor({ timeout: 60_000 });
  const bell = page.locator('.statusbar-item[id="status.notifications"]').first();
  await bell.click();
  await page.locator('.notifications-center').getByText('Copied to', { exact: false }).waitFor({ timeout: 30_000 });
  await shoot(page, screenshots, '07-copied', PARK);
  await bell.click();

  // 7. The new repository and its tag appear in the tree.
  await row(page, 'apps/web-copy').waitFor({ timeout: 30_000 });
  await row(page, 'apps/web-copy').click();
  // Its HEAD says "index"; the source's manifest, read above, is the same digest: its platforms show.
  await row(page, /^v1\s*[0-9a-f]{12} · (index|2 platforms)/).waitFor({ timeout: 30_000 });
  await shoot(page, screenshots, '08-copy-in-tree', PARK);

  // 8. Filter… from the registry's context menu: a glob narrows the repositories, the row says so.
  await row(page, 'apps/web-copy').click(); // collapse
  await row(page, 'apps/web').click();
  await chooseFromContextMenu(page, row(page, 'Lab registry'), 'Filter…');
  await input.waitFor({ timeout: 10_000 });
  await input.fill('team-*');
  await input.press('Enter');
  await row(page, /Lab registry\s*filter: team-\*/).waitFor({ timeout: 30_000 });
  await row(page, 'team-a/api').waitFor({ timeout: 30_000 });
  await page.waitForFunction(
    () => !Array.from(document.querySelectorAll('.pane-body .monaco-list-row')).some((r) => /library\/alpine/.test(r.textContent ?? '')),
    undefined,
    { timeout: 30_000 },
  );
  const filtered = (await page.locator('.pane-body .monaco-list-row .label-name').allInnerTexts()).map((l) => l.trim());
  assert.deepEqual(
    filtered.filter((l) => l.includes('/')),
    ['team-a/api', 'team-a/worker', 'team-b/tools/cli'],
    `only matching repositories (rows: ${filtered.join(' | ')})`,
  );
  await shoot(page, screenshots, '09-filter', PARK);

  // 9. Clear Filter brings the others back.
  await chooseFromContextMenu(page, row(page, 'Lab registry'), 'Clear Filter');
  await row(page, 'library/alpine').waitFor({ timeout: 30_000 });

  // 10. A `docker login` made elsewhere shows up after a refresh, marked as discovered; this one's
  // registry is gone, so it says why and offers the fix, and Hide puts it away.
  await row(page, 'Lab registry').click(); // collapse
  const gone = `127.0.0.1:${await closedPort()}`;
  writeFileSync(
    join(dockerConfigDir, 'config.json'),
    JSON.stringify({ auths: { [gone]: { auth: Buffer.from('ci:token').toString('base64') } } }),
  );
  await page.locator('.part.sidebar .composite.title .action-label[aria-label^="Refresh"]').first().click();
  const discovered = row(page, gone);
  await discovered.waitFor({ timeout: 30_000 });
  await discovered.click();
  await row(page, /Nothing accepts connections/).waitFor({ timeout: 30_000 });
  await row(page, new RegExp(`${gone.replace(/[.]/g, '\\.')}\\s*from docker login · unreachable`)).waitFor({ timeout: 30_000 });
  assert.ok(await row(page, /^Open Settings$/).isVisible(), 'the fix is offered under the message');
  await discovered.hover();
  await shoot(page, screenshots, '10-discovered-unreachable', PARK);
  await chooseFromContextMenu(page, discovered, 'Hide');
  await discovered.waitFor({ state: 'detached', timeout: 30_000 });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
