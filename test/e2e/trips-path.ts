// What a person trips over in the commands, walked in the workbench: where a copy without a
// registry goes, a tag that would move, Delete's choice and its one-button confirmation, the inline
// Copy To icon, the Remote settings of a remote window, Push… on a plain folder, Reveal after a
// pull, the file name a pull to a tar suggests, Add Registry on a web server that is not a
// registry, a registry that goes down, an artifact's name and its JSON tab's title, and the
// endpoint plan's read-only tab.
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { FaultProxy, RecordingServer } from '../support/lab/fault-proxy';
import { addRegistry, chooseFromContextMenu, closeNotifications, expandRow, notification, row, runCommand, shoot } from './ui';

const PARK = { x: 900, y: 650, settleMs: 700 };

export interface TripsOptions {
  screenshots: string;
  /** The lab registry, as the tree names it ("Lab registry"), and its host. */
  registryHost: string;
  /** The workspace folder code-server opened. */
  workspace: string;
  /** A web server that answers 404 at /v2/. */
  webSite: RecordingServer;
  /** A proxy in front of the lab registry, added as "Flaky" (it can be made to fail). */
  flaky: FaultProxy;
  /** The address of a window of the same server with no folder open. */
  emptyWindowUrl: string;
}

/** Opens the way down to a tag of library/alpine in the Lab registry. */
async function alpineTag(page: Page, tag: string): Promise<ReturnType<typeof row>> {
  await expandRow(row(page, 'Lab registry'));
  await expandRow(row(page, 'library/alpine'));
  const tagRow = row(page, new RegExp(`^${tag.replace(/[.]/g, '\\.')}\\s*[0-9a-f]{12}`));
  await tagRow.waitFor({ timeout: 30_000 });
  return tagRow;
}

export async function runTripsPath(page: Page, options: TripsOptions): Promise<void> {
  const { screenshots, registryHost } = options;
  const input = page.locator('.quick-input-widget input.input');
  const quickInput = page.locator('.quick-input-widget');
  const dialog = page.locator('.monaco-dialog-box');

  // 62. Copy To… with a destination that names no registry: the input says it stays on the source's registry.
  await chooseFromContextMenu(page, await alpineTag(page, '3.19'), 'Copy To…');
  await input.waitFor({ timeout: 10_000 });
  await input.fill('team-c/alpine:v1');
  await quickInput
    .getByText(`this goes to ${registryHost}/team-c/alpine:v1, on the source's registry`, { exact: false })
    .waitFor({ timeout: 10_000 });
  await shoot(page, screenshots, '62-copy-to-without-registry', PARK);
  await page.keyboard.press('Escape');

  // 63. Tag… with a tag that exists and points elsewhere: it says where, and asks.
  await chooseFromContextMenu(page, await alpineTag(page, '3.19'), 'Tag…');
  await input.waitFor({ timeout: 10_000 });
  await input.fill('latest');
  await input.press('Enter');
  await dialog.getByText(`Move the tag ${registryHost}/library/alpine:latest?`).waitFor({ timeout: 30_000 });
  assert.match((await dialog.textContent()) ?? '', /It points to sha256:[0-9a-f]{64} now\./);
  await shoot(page, screenshots, '63-tag-would-move', PARK);
  await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });

  // 64. Delete… on a tag that shares its manifest: first what should go, then one delete button.
  await chooseFromContextMenu(page, await alpineTag(page, 'latest'), 'Delete…');
  await quickInput.locator(`input[placeholder*='"latest" shares its manifest with 1 other tag']`).waitFor({ timeout: 30_000 });
  await shoot(page, screenshots, '64-delete-what', PARK);
  await quickInput.locator('.monaco-list-row', { hasText: 'Delete Tag "latest" Only' }).click();
  await dialog.getByText(`Delete the tag ${registryHost}/library/alpine:latest?`).waitFor({ timeout: 10_000 });
  const buttons = (await dialog.locator('.dialog-buttons .monaco-button').allInnerTexts()).map((b) => b.trim());
  assert.deepEqual([...buttons].sort(), ['Cancel', 'Delete Tag "latest" Only'], `one delete button and Cancel (${buttons.join(' | ')})`);
  await shoot(page, screenshots, '64b-delete-confirm', PARK);
  await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });

  // 65. The inline buttons of a tag row: Copy To… does not look like copying to the clipboard.
  const tagRow = await alpineTag(page, '3.20');
  await tagRow.hover();
  const copyTo = tagRow.locator('.action-label[aria-label="Copy To…"]');
  await copyTo.waitFor({ timeout: 10_000 });
  assert.ok(await copyTo.evaluate((el) => el.classList.contains('codicon-export')), 'Copy To… shows the export icon');
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(screenshots, '65-copy-to-icon.png'), clip: { x: 0, y: 0, width: 520, height: 400 } });

  // 66. Open Settings in this remote window opens the Remote tab, where the registries are.
  await runCommand(page, 'Registry Explorer: Open Settings');
  const settings = page.locator('.settings-editor');
  await settings.waitFor({ timeout: 30_000 });
  const tab = settings.locator('.settings-tabs-widget .action-label.checked').first();
  await tab.waitFor({ timeout: 10_000 });
  assert.match(await tab.innerText(), /^Remote/i, `the checked tab is ${await tab.innerText()}`);
  await settings.getByText('Registries', { exact: true }).first().waitFor({ timeout: 10_000 });
  await shoot(page, screenshots, '66-open-settings-remote', PARK);
  await runCommand(page, 'View: Close All Editors');

  // 67. Push… on a plain folder from the Explorer: what it can push is said first.
  const folder = join(options.workspace, 'release-files');
  mkdirSync(join(folder, 'docs'), { recursive: true });
  writeFileSync(join(folder, 'notes.txt'), 'release notes\n');
  writeFileSync(join(folder, 'app.yaml'), 'replicas: 1\n');
  writeFileSync(join(folder, 'docs', 'ignored.md'), '# not pushed\n');
  await runCommand(page, 'View: Show Explorer');
  const explorerRow = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'release-files' }).first();
  await explorerRow.waitFor({ timeout: 30_000 });
  await chooseFromContextMenu(page, explorerRow, 'Push…');
  await quickInput
    .locator(`input[placeholder*='release-files is not an OCI image layout (no oci-layout file)']`)
    .waitFor({ timeout: 30_000 });
  await quickInput.getByText('Its 2 files as an artifact', { exact: false }).waitFor({ timeout: 10_000 });
  await shoot(page, screenshots, '67-push-folder', PARK);
  await input.press('Enter');
  await quickInput.getByText('Artifact type', { exact: false }).waitFor({ timeout: 10_000 });
  await input.press('Enter');
  await quickInput.getByText('Destination', { exact: false }).waitFor({ timeout: 10_000 });
  await input.fill(`${registryHost}/pushed/release-files:v1`);
  await input.press('Enter');
  await notification(page, `Pushed ${registryHost}/pushed/release-files:v1`);
  await closeNotifications(page);

  // 68. Pull… into a folder of the workspace, then Reveal in Explorer from the result.
  mkdirSync(join(options.workspace, 'pulled'), { recursive: true });
  await page.locator('.activitybar [aria-label^="Registries"]').first().click();
  // The tree redraws as the view comes back: right-click once its rows stand still.
  await page.waitForTimeout(1000);
  await chooseFromContextMenu(page, await alpineTag(page, '3.20'), 'Pull…');
  await quickInput.getByText('library/alpine:3.20', { exact: false }).first().waitFor({ timeout: 10_000 });
  // With podman on the machine (the setup installs it), Pull… also offers to load the image straight into it.
  await quickInput.locator('.monaco-list-row', { hasText: 'Into Podman' }).first().waitFor({ timeout: 10_000 });
  await shoot(page, screenshots, '68a-pull-choices', PARK);
  await quickInput.locator('.monaco-list-row', { hasText: 'OCI image layout' }).first().click();
  // The simple file dialog of a remote window: once it shows its own start folder, type the
  // folder (until the dialog keeps it), then accept it.
  await quickInput.getByText('into a folder', { exact: false }).first().waitFor({ timeout: 10_000 });
  const target = `${join(options.workspace, 'pulled')}/`;
  await input.waitFor({ timeout: 10_000 });
  for (let attempt = 0; attempt < 5 && (await input.inputValue()) !== target; attempt++) {
    await page.waitForTimeout(500);
    await input.fill(target);
  }
  await page.waitForTimeout(500);
  assert.equal(await input.inputValue(), target);
  await quickInput.locator('.monaco-button', { hasText: 'Pull Here' }).first().click();
  const pulled = await notification(page, 'Pulled ');
  await pulled.locator('.monaco-button', { hasText: 'Reveal in Explorer' }).click();
  await page
    .locator('.explorer-folders-view .monaco-list-row.selected, .explorer-folders-view .monaco-list-row.focused', { hasText: 'pulled' })
    .first()
    .waitFor({ timeout: 30_000 });
  await shoot(page, screenshots, '68-pull-reveal-in-explorer', PARK);
  await page.locator('.activitybar [aria-label^="Registries"]').first().click();

  // 90. Pull… as a tar for docker load: the save dialog suggests a name from the repository's last
  // part (cli.tar for team-b/tools/cli), not from the registry's host; accepting it writes that file.
  const cli = `${registryHost}/team-b/tools/cli:0.2.0`;
  await runCommand(page, 'Registry Explorer: Pull…');
  await input.fill(cli);
  await input.press('Enter');
  await quickInput.locator('.monaco-list-row', { hasText: 'Tar for docker load' }).first().click();
  await quickInput.getByText(`Pull ${cli} as a tar`, { exact: false }).first().waitFor({ timeout: 30_000 });
  const suggested = join(options.workspace, 'cli.tar');
  // The simple file dialog fills its path box once it has read the folder.
  for (let wait = 0; wait < 20 && (await input.inputValue()) !== suggested; wait++) await page.waitForTimeout(250);
  assert.equal(await input.inputValue(), suggested, 'the save dialog suggests the repository-named file in the workspace');
  await shoot(page, screenshots, '90-pull-tar-suggested-name', PARK);
  await input.press('Enter');
  await notification(page, `Pulled ${cli} to ${suggested}`);
  assert.ok(existsSync(suggested), `${suggested} was written`);
  await closeNotifications(page);

  // 90b. The same in a window with no folder open: the dialog starts in the home folder (it used to
  // suggest no file name at all). Escape: nothing is written to the home folder.
  const browser = page.context().browser();
  assert.ok(browser, 'the workbench page belongs to a launched browser');
  const empty = await browser.newPage({ viewport: page.viewportSize() ?? { width: 1280, height: 800 } });
  try {
    await empty.goto(options.emptyWindowUrl);
    await empty.locator('.monaco-workbench .part.editor').waitFor({ timeout: 60_000 });
    // The palette knows the extension's commands once its extension host is up: the tree shows then.
    await empty.locator('.activitybar [aria-label^="Registries"]').first().click();
    await row(empty, 'Lab registry').waitFor({ timeout: 60_000 });
    const emptyInput = empty.locator('.quick-input-widget input.input');
    // The Welcome page can open in this window a moment after it starts and take the focus, which
    // closes a pick that is open: then the command is run again.
    for (let attempt = 1; ; attempt++) {
      await runCommand(empty, 'Registry Explorer: Pull…');
      await emptyInput.fill(cli);
      await emptyInput.press('Enter');
      const tar = empty.locator('.quick-input-widget .monaco-list-row', { hasText: 'Tar for docker load' }).first();
      if (
        await tar.click({ timeout: 10_000 }).then(
          () => true,
          () => false,
        )
      )
        break;
      if (attempt === 3) throw new Error('the Pull… pick closed three times in the window with no folder open');
      await empty.keyboard.press('Escape');
    }
    await empty.locator('.quick-input-widget').getByText(`Pull ${cli} as a tar`, { exact: false }).first().waitFor({ timeout: 30_000 });
    const inHome = join(homedir(), 'cli.tar');
    for (let wait = 0; wait < 20 && (await emptyInput.inputValue()) !== inHome; wait++) await empty.waitForTimeout(250);
    assert.equal(await emptyInput.inputValue(), inHome, 'with no folder open, the save dialog suggests the file in the home folder');
    await shoot(empty, screenshots, '90b-pull-tar-no-folder', PARK);
    await empty.keyboard.press('Escape');
  } catch (err) {
    await empty.screenshot({ path: join(screenshots, 'failure-90b-no-folder.png') }).catch(() => undefined);
    throw err;
  } finally {
    await empty.close();
  }

  // 69. Add Registry… on a web server that is not a registry: said so, and the address is kept.
  await runCommand(page, 'Registry Explorer: Add Registry…');
  await input.fill(options.webSite.url);
  await input.press('Enter');
  await quickInput.getByText('Display name', { exact: false }).waitFor({ timeout: 10_000 });
  await input.fill('Web site');
  await input.press('Enter');
  const warning = await notification(page, 'not a registry');
  await shoot(page, screenshots, '69-add-registry-not-a-registry', PARK);
  await warning.locator('.monaco-button', { hasText: 'Edit Address…' }).click();
  await input.waitFor({ timeout: 10_000 });
  assert.equal(await input.inputValue(), options.webSite.url, 'the address typed before is there to edit');
  await shoot(page, screenshots, '69b-add-registry-edit-address', PARK);
  await page.keyboard.press('Escape');
  await closeNotifications(page);

  // 70. A registry that goes down after answering: the next request turns its row unreachable, with Retry.
  const lab = row(page, 'Lab registry');
  if ((await lab.getAttribute('aria-expanded')) === 'true') await lab.click(); // collapse, to make room
  await addRegistry(page, options.flaky.url, 'Flaky');
  const flakyRow = row(page, /^Flaky/);
  await flakyRow.click();
  await row(page, 'team-a/worker').waitFor({ timeout: 30_000 });
  options.flaky.add({ path: /^\/v2\//, fault: { kind: 'status', status: 503 } });
  await row(page, 'team-a/worker').click();
  await row(page, /^Flaky\s*.*unreachable/).waitFor({ timeout: 60_000 });
  await row(page, /^Retry$/).waitFor({ timeout: 10_000 });
  await shoot(page, screenshots, '70-registry-went-down', PARK);
  options.flaky.clear();
  await row(page, /^Retry$/).click();
  await row(page, 'team-a/worker').waitFor({ timeout: 30_000 });
  await flakyRow.click();

  // 71. An artifact is named by its artifact type, and Open as JSON's tab carries the short digest.
  await expandRow(row(page, 'Lab registry'));
  await expandRow(row(page, 'artifacts/config-bundle'));
  const bundle = row(page, /^v1\s*[0-9a-f]{12}/);
  // A row known from its HEAD names no kind; expanded, its manifest is read and the row names its type.
  await expandRow(bundle);
  await row(page, /^v1\s*[0-9a-f]{12}.*application\/vnd\.example\.config-bundle\.v1/).waitFor({ timeout: 30_000 });
  assert.ok(!(await bundle.innerText()).includes('OCI image'), await bundle.innerText());
  await chooseFromContextMenu(page, bundle, 'Open as JSON');
  const jsonTab = page.locator('.tabs-container .tab.active');
  await jsonTab.waitFor({ timeout: 30_000 });
  const tabTitle = (await jsonTab.innerText()).replace(/\s+/g, '');
  assert.match(tabTitle, /^config-bundle@sha256:[0-9a-f]{12}\.json/, `the tab is titled ${tabTitle}`);
  // The row is wider than the sidebar: its tooltip names the artifact type in full.
  await bundle.hover();
  await page.locator('.monaco-hover', { hasText: 'application/vnd.example.config-bundle.v1' }).first().waitFor({ timeout: 10_000 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(screenshots, '71-artifact-type-and-json-tab.png') });
  await runCommand(page, 'View: Close All Editors');

  // 72. Show Endpoint Plan… opens a read-only tab that closes without asking to save.
  await chooseFromContextMenu(page, row(page, 'Lab registry'), 'Show Endpoint Plan…');
  await quickInput.locator('.monaco-list-row', { hasText: 'pull' }).first().click();
  const planTab = page.locator('.tabs-container .tab.active', { hasText: 'pull plan' });
  await planTab.waitFor({ timeout: 30_000 });
  await shoot(page, screenshots, '72-endpoint-plan-read-only', PARK);
  await runCommand(page, 'View: Close All Editors');
  await planTab.waitFor({ state: 'detached', timeout: 10_000 });
  assert.ok(!(await dialog.isVisible()), 'closing the plan asked nothing');
}
