// What a person does in the workbench, as the e2e paths share it: find a tree row, use a context
// menu or the command palette, take a screenshot with nothing hovering over the view.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Locator, Page } from 'playwright-core';

/** A tree row of the Registries view by its visible label (rows are ARIA tree items). */
export function row(page: Page, label: string | RegExp): Locator {
  return page.locator('.pane-body .monaco-list-row').filter({ hasText: label }).first();
}

/**
 * Expands a tree row when it is collapsed (a click on an expanded row would collapse it) and waits
 * until it is. VS Code marks a row expanded as soon as it is clicked, before its children come; a
 * click that lands while the tree redraws the rows around it (a tag's row redrawn once its manifest
 * is read) can meet another row, so a row still collapsed after the click is clicked again.
 */
export async function expandRow(target: Locator): Promise<void> {
  await target.waitFor({ timeout: 30_000 });
  const expanded = target.and(target.page().locator('[aria-expanded="true"]'));
  for (let attempt = 1; ; attempt++) {
    if ((await target.getAttribute('aria-expanded')) === 'true') return;
    await target.click();
    try {
      await expanded.waitFor({ timeout: 5_000 });
      return;
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
}

/**
 * Right-clicks `target` and picks `item`; a click that lands while the menu is still settling is
 * tried again. A tree row's tooltip, shown while the pointer rests on the row just clicked, can
 * cover the row below it: the pointer is parked over the editor area until no such hover is left.
 */
export async function chooseFromContextMenu(page: Page, target: Locator, item: string): Promise<void> {
  await parkPointer(page);
  await target.click({ button: 'right' });
  const entry = page.locator('.monaco-menu .action-label', { hasText: item });
  for (let attempt = 0; attempt < 3; attempt++) {
    await entry.click();
    if (
      await entry.waitFor({ state: 'hidden', timeout: 2000 }).then(
        () => true,
        () => false,
      )
    )
      return;
  }
  throw new Error(`the context menu did not run "${item}"`);
}

/** Moves the pointer off the side bar, and waits (briefly) for a hover it left behind to close. */
async function parkPointer(page: Page): Promise<void> {
  const size = page.viewportSize() ?? { width: 1280, height: 800 };
  await page.mouse.move(Math.round(size.width * 0.75), Math.round(size.height * 0.6));
  await page
    .waitForFunction(
      () => Array.from(document.querySelectorAll('.context-view')).every((view) => (view.textContent ?? '').trim() === ''),
      undefined,
      {
        timeout: 3000,
      },
    )
    .catch(() => undefined);
}

/** Runs a command from the palette by its title; returns the quick input, for what the command asks next. */
export async function runCommand(page: Page, title: string): Promise<Locator> {
  const input = page.locator('.quick-input-widget input.input');
  // F1 can land while a webview (the walkthrough, the inspector) is taking the keyboard, which
  // closes the palette again: try again until the palette takes the text.
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press('F1');
    const typed = await input
      .waitFor({ timeout: 2_000 })
      .then(() => input.fill(`>${title}`, { timeout: 2_000 }))
      .then(
        () => true,
        () => false,
      );
    if (typed) break;
    if (attempt === 4) throw new Error(`the command palette did not open to run "${title}"`);
    await page.keyboard.press('Escape');
  }
  const exact = new RegExp(`^${escapeRegExp(title)}`);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: exact }).first().click();
  return input;
}

/**
 * A screenshot `<dir>/<name>.png` once hovers have faded: the pointer is parked where it covers
 * nothing that matters (the empty title bar by default) and the list's animations have settled.
 */
export async function shoot(
  page: Page,
  dir: string,
  name: string,
  park: { x: number; y: number; settleMs: number } = { x: 1100, y: 16, settleMs: 500 },
): Promise<void> {
  await page.mouse.move(park.x, park.y);
  await page.waitForTimeout(park.settleMs);
  await page.screenshot({ path: join(dir, `${name}.png`) });
}

/** The parts of the 1280×800 workbench the Get Started walkthrough shows: small images that still read. */
export const WALKTHROUGH_REGION = {
  /** The activity bar and side bar with the tree, and the top of the editor (quick inputs open there). */
  sidebar: { x: 0, y: 0, width: 760, height: 520 },
  /** The editor area, where the inspector opens. */
  editor: { x: 300, y: 0, width: 980, height: 640 },
} as const;

/**
 * The same page cut to `region`, as `<dir>/walkthrough/<name>.png`: what the Get Started walkthrough
 * shows for a step (media/walkthrough/ keeps a copy from an e2e run).
 */
export async function shootForWalkthrough(
  page: Page,
  dir: string,
  name: string,
  region: { x: number; y: number; width: number; height: number },
): Promise<void> {
  mkdirSync(join(dir, 'walkthrough'), { recursive: true });
  await page.screenshot({ path: join(dir, 'walkthrough', `${name}.png`), clip: region });
}

/** Opens the Registries view from the activity bar and closes the Get Started walkthrough its first opening shows. */
export async function openView(page: Page): Promise<void> {
  await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
  const entry = page.locator('.activitybar [aria-label^="Registries"]').first();
  await entry.waitFor({ timeout: 60_000 });
  await entry.click();
  await page.locator('.gettingStartedContainer').getByText('Get Started with OCI Registry Explorer').first().waitFor({ timeout: 60_000 });
  await runCommand(page, 'View: Close All Editors');
  await page.locator('.gettingStartedContainer').waitFor({ state: 'detached', timeout: 10_000 });
}

/**
 * Opens the Registries view when it is not open (a path run alone, E2E_ONLY=…, starts without it),
 * which activates the extension; the first activation's Get Started walkthrough is waited for, so
 * the palette opens over it.
 */
export async function openViewIfClosed(page: Page): Promise<void> {
  await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
  const entry = page.locator('.activitybar [aria-label^="Registries"]').first();
  await entry.waitFor({ timeout: 60_000 });
  if (await page.locator('.sidebar .title-label', { hasText: 'Registries' }).isVisible()) return;
  await entry.click();
  await page.locator('.sidebar .title-label', { hasText: 'Registries' }).waitFor({ timeout: 30_000 });
  await page
    .locator('.gettingStartedContainer')
    .first()
    .waitFor({ timeout: 60_000 })
    .catch(() => undefined);
  await page.waitForTimeout(1000);
}

/** Runs Compare With… from the palette with both sides typed. */
export async function compare(page: Page, first: string, second: string): Promise<void> {
  const input = page.locator('.quick-input-widget input.input');
  await runCommand(page, 'Registry Explorer: Compare With…');
  await input.fill(first);
  await input.press('Enter');
  // The second question's title names the first side: "Compare … With".
  await page.locator('.quick-input-widget').getByText(`Compare ${first} With`, { exact: false }).waitFor({ timeout: 30_000 });
  await input.fill(second);
  await input.press('Enter');
}

/** The comparison webview's document: the frame (VS Code nests two) whose toolbar shows `title`. */
export async function comparisonFrame(page: Page, title: string | RegExp, timeoutMs = 60_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      const shown = await frame
        .evaluate(() => (document.querySelector('.sides') ? (document.querySelector('.toolbar-title')?.textContent ?? null) : null))
        .catch(() => null);
      if (shown !== null && (typeof title === 'string' ? shown === title : title.test(shown))) return frame;
    }
    if (Date.now() > deadline) throw new Error(`no comparison panel titled ${String(title)} appeared`);
    await page.waitForTimeout(200);
  }
}

/** Adds a registry the way a person does: Add Registry… from the palette, its address, a name. */
export async function addRegistry(page: Page, url: string, name: string): Promise<void> {
  const input = await runCommand(page, 'Registry Explorer: Add Registry…');
  await input.fill(url);
  await input.press('Enter');
  await page.locator('.quick-input-widget').getByText('Display name', { exact: false }).waitFor({ timeout: 10_000 });
  await input.fill(name);
  await input.press('Enter');
  await row(page, new RegExp(`^${name}`)).waitFor({ timeout: 30_000 });
}

/**
 * The inspector webview's document: VS Code nests it in two iframes (the host frame and the
 * active frame); the one we want is the frame whose toolbar shows `title`. When VS Code itself
 * fails to load the webview ("An error occurred while loading view", its service worker timing out
 * on a loaded machine), the panel is reloaded once with Developer: Reload Webviews, as a person
 * would, and the wait goes on.
 */
export async function inspector(page: Page, title: string | RegExp, timeoutMs = 30_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  let reloaded = false;
  for (;;) {
    for (const frame of page.frames()) {
      const shown = await frame.evaluate(() => document.querySelector('.toolbar-title')?.textContent ?? null).catch(() => null);
      if (shown !== null && (typeof title === 'string' ? shown === title : title.test(shown))) return frame;
    }
    if (!reloaded && (await page.getByText('An error occurred while loading view', { exact: false }).count()) > 0) {
      reloaded = true;
      process.stderr.write(`[e2e] VS Code could not load the webview for ${String(title)}; reloading webviews once\n`);
      await runCommand(page, 'Developer: Reload Webviews');
    }
    if (Date.now() > deadline) throw new Error(`no inspector panel titled ${String(title)} appeared`);
    await page.waitForTimeout(200);
  }
}

/** A side bar wide enough for the rows' descriptions, as people who browse registries keep it (dragged wider once). */
export async function widenSideBar(page: Page, narrowerThan = 500): Promise<void> {
  const sidebar = await page.locator('.part.sidebar').boundingBox();
  if (!sidebar || sidebar.width >= narrowerThan) return;
  const edge = sidebar.x + sidebar.width + 1;
  await page.mouse.move(edge, 400);
  await page.mouse.down();
  await page.mouse.move(edge + 260, 400, { steps: 8 });
  await page.mouse.up();
}

/**
 * Collapses every expanded registry row, so rows added next are in view. The first expanded row
 * each time: collapsing one renumbers the rest, so a list taken up front goes stale.
 */
export async function collapseRegistries(page: Page): Promise<void> {
  const expanded = page.locator('.pane-body .monaco-list-row[aria-level="1"][aria-expanded="true"]');
  for (let i = 0; i < 20 && (await expanded.count()) > 0; i++) {
    await expanded.first().click();
    await page.waitForTimeout(200);
  }
}

/**
 * The Registries view's rows on screen, one per line, indented by level, with their expanded state
 * and icon: printed when a path fails, so a CI log says what the tree showed without its screenshot.
 */
export async function describeTreeRows(page: Page): Promise<string> {
  const rows = await page.locator('.pane-body .monaco-list-row').evaluateAll((elements) =>
    elements.map((el) => {
      const level = Number(el.getAttribute('aria-level') ?? '1');
      const expanded = el.getAttribute('aria-expanded');
      const icon = el.querySelector('.codicon')?.className.match(/codicon-[a-z-]+/)?.[0] ?? '';
      const state = expanded === 'true' ? '▾' : expanded === 'false' ? '▸' : ' ';
      return `${'  '.repeat(Math.max(0, level - 1))}${state} ${(el.textContent ?? '').trim()}${icon ? `  [${icon}]` : ''}`;
    }),
  );
  return rows.length === 0 ? '(no tree rows on screen)' : rows.join('\n');
}

/** `text` matched literally inside a regular expression (registry names hold dots, slashes and colons). */
export const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The notification saying `text`, from the notification center (opened as needed). */
export async function notification(page: Page, text: string | RegExp): Promise<ReturnType<Page['locator']>> {
  // Headless, notifications go to the notification center: open it. A click while the center is
  // still opening or closing can leave it shut (seen once in CI: "1 New Notification" and the
  // center closed), so it is opened again until the item shows, for up to 30 s.
  const center = page.locator('.notifications-center');
  const item = center.locator('.notification-list-item', { hasText: text }).first();
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!(await center.isVisible())) await page.locator('.statusbar-item[id="status.notifications"]').first().click();
    try {
      await item.waitFor({ timeout: 2_000 });
      return item;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
  }
}

/** Clears every notification and closes the center. */
export async function closeNotifications(page: Page): Promise<void> {
  await runCommand(page, 'Notifications: Clear All Notifications');
  if (await page.locator('.notifications-center').isVisible())
    await page.locator('.statusbar-item[id="status.notifications"]').first().click();
}
