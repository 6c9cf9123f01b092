// A registry the size of a real one, browsed as a person does, with every request it costs counted
// at a proxy in front of it: a repository of 1,000 tags shows its named tags first, fetches the
// details of the rows on screen only (by HEAD, never a manifest GET) and more as the list scrolls,
// says how many tags it has, and writes what the expansion cost to the log.
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import type { BulkContent } from '../support/lab/bulk-content';
import type { FaultProxy } from '../support/lab/fault-proxy';
import { addRegistry, chooseFromContextMenu, row, runCommand, shoot } from './ui';

/** The empty editor area: no hover tooltip covers the tree from there. */
const PARK = { x: 900, y: 650, settleMs: 700 };
/** Quiet this long at the proxy means the tree has asked for everything it is going to. */
const QUIET_MS = 2_000;

/** Waits until the proxy has seen no request for {@link QUIET_MS} (bounded: at most `limitMs`). */
export async function quiet(page: Page, proxy: FaultProxy, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  let seen = proxy.requests.length;
  let since = Date.now();
  while (Date.now() - since < QUIET_MS) {
    if (Date.now() > deadline) throw new Error(`the registry was still being asked after ${limitMs} ms`);
    await page.waitForTimeout(200);
    if (proxy.requests.length !== seen) {
      seen = proxy.requests.length;
      since = Date.now();
    }
  }
}

function manifestRequests(proxy: FaultProxy, repository: string): { heads: number; gets: number } {
  const path = new RegExp(`^/v2/${repository}/manifests/`);
  return { heads: proxy.count('HEAD', path), gets: proxy.count('GET', path) };
}

export async function runBigRegistryPath(
  page: Page,
  options: { screenshots: string; proxy: FaultProxy; bulk: BulkContent },
): Promise<void> {
  const { screenshots, proxy, bulk } = options;
  const repository = bulk.tagsRepository;

  // 56. Add the big registry (reached through the counting proxy) from the palette.
  await addRegistry(page, proxy.url, 'Big registry');
  const registryRow = row(page, /^Big registry/);
  await registryRow.click();
  await row(page, repository).waitFor({ timeout: 30_000 });
  // The registry's row counts what it listed as soon as it has (the catalog goes on: "+").
  await row(page, /^Big registry.*\b\d+\+ repositories/).waitFor({ timeout: 10_000 });

  // 57. A repository of 1,000 tags: every tag is listed (one request), named tags come first, and
  // only the rows VS Code draws ask for their digest, by HEAD.
  proxy.clearRequests();
  await row(page, repository).click();
  await row(page, new RegExp(`^latest\\s*[0-9a-f]{12}`)).waitFor({ timeout: 30_000 });
  // 89. The repository's row says how many tags it has as soon as they are listed, not from a later
  // redraw; redrawing it did not cost the tag rows their digests (above) or list the tags again (below).
  const countRow = row(page, new RegExp(`^${repository.replace('/', '\\/')}\\s*${bulk.tags.length} tags$`));
  await countRow.waitFor({ timeout: 10_000 });
  await quiet(page, proxy);
  const drawn = await page.locator('.pane-body .monaco-list-row').count();
  const first = manifestRequests(proxy, repository);
  const tagLists = proxy.count('GET', new RegExp(`^/v2/${repository}/tags/list`));
  console.log(
    `[e2e] ${bulk.tags.length} tags listed with ${tagLists} request; ${drawn} rows drawn; ${first.heads} manifest HEADs, ${first.gets} manifest GETs`,
  );
  assert.equal(tagLists, 1, 'the tags are listed once');
  assert.equal(first.gets, 0, 'no manifest is fetched for a row (a GET counts against pull limits)');
  assert.ok(first.heads >= 5, `the rows on screen ask for their digest (${first.heads} HEADs)`);
  assert.ok(first.heads <= drawn, `only rows VS Code draws ask for their digest: ${first.heads} HEADs for ${drawn} rows drawn`);
  const labels = (await page.locator('.pane-body .monaco-list-row .label-name').allInnerTexts()).map((l) => l.trim());
  const tags = labels.slice(labels.indexOf(repository) + 1, labels.indexOf(repository) + 1 + bulk.expectedOrder.first.length);
  assert.deepEqual(tags, bulk.expectedOrder.first, `named tags first, then the newest versions (rows: ${labels.join(' | ')})`);
  await shoot(page, screenshots, '56-big-repository-rows-on-screen', PARK);
  await shoot(page, screenshots, '89-big-repository-count-after-expanding', PARK);

  // 58. Scrolling to the end draws other rows, and only those ask for their digest. The registry
  // sent every tag at once, so the listing knows it is complete: "Load more" says how many there are.
  const loadMore = row(page, new RegExp(`^Load more tags…\\s*100 of ${bulk.tags.length}$`));
  // Page Down in the tree (focused without clicking a row, which would expand it).
  await page.locator('.pane-body .monaco-list').first().focus();
  for (let press = 0; press < 10 && !(await loadMore.isVisible()); press++) {
    await page.keyboard.press('PageDown');
    await page.waitForTimeout(300);
  }
  await loadMore.waitFor({ timeout: 10_000 });
  await quiet(page, proxy);
  const scrolled = manifestRequests(proxy, repository);
  console.log(`[e2e] after scrolling to the end: ${scrolled.heads} manifest HEADs, ${scrolled.gets} manifest GETs`);
  assert.ok(scrolled.heads > first.heads, `rows scrolled into view ask for their digest (${first.heads} → ${scrolled.heads} HEADs)`);
  assert.ok(scrolled.heads <= 100, `no more than the 100 rows loaded (${scrolled.heads} HEADs)`);
  assert.equal(scrolled.gets, 0);
  await shoot(page, screenshots, '57-big-repository-end', PARK);
  // Load more shows the next hundred from what was listed (the listing is not asked again), and of
  // those only the ones drawn ask for their digest.
  await loadMore.click();
  await loadMore.waitFor({ state: 'detached', timeout: 10_000 });
  await quiet(page, proxy);
  const more = manifestRequests(proxy, repository);
  const drawnNow = await page.locator('.pane-body .monaco-list-row').count();
  console.log(`[e2e] after Load more: ${more.heads - scrolled.heads} more manifest HEADs for ${drawnNow} rows drawn`);
  assert.ok(
    more.heads - scrolled.heads <= drawnNow,
    `rows never drawn ask for nothing (${more.heads - scrolled.heads} HEADs for 100 new rows)`,
  );
  assert.equal(more.gets, 0);
  assert.equal(proxy.count('GET', new RegExp(`^/v2/${repository}/tags/list`)), 1, 'the listing is not asked again');
  // Redrawn by Load more, the repository's row says how many tags it has.
  await page.keyboard.press('Home');
  await row(page, new RegExp(`^${repository.replace('/', '\\/')}\\s*${bulk.tags.length} tags$`)).waitFor({ timeout: 10_000 });
  await shoot(page, screenshots, '58-big-repository-count', PARK);

  // 59. The log says what the expansion cost.
  await runCommand(page, 'Registry Explorer: Show Log');
  const costLine = page
    .locator('.part.panel')
    .getByText(new RegExp(`${repository}:\\s\\d+\\srequests\\sto\\sthe\\sregistry`))
    .first();
  await costLine.waitFor({ timeout: 30_000 });
  // The output wraps long lines: read the panel's lines as one text.
  const panelText = (await page.locator('.part.panel .view-lines').first().innerText()).replace(/\s+/g, ' ');
  const text = new RegExp(`${repository}: \\d+ requests to the registry \\([^)]*\\)`).exec(panelText)?.[0] ?? panelText;
  assert.match(text, /\d+ HEAD manifest/, `the log line counts the HEADs: ${text}`);
  assert.doesNotMatch(text, /GET manifest/, `and no manifest GET: ${text}`);
  console.log(`[e2e] the log says: ${text}`);
  await shoot(page, screenshots, '59-request-count-in-log', PARK);
  await runCommand(page, 'View: Hide Panel');

  // Collapse, for what follows.
  await row(page, repository).click();

  // 60. A glob finds repositories by their own name, whatever their namespace: `repo-03*` as `repo-03` would.
  const input2 = page.locator('.quick-input-widget input.input');
  await chooseFromContextMenu(page, registryRow, 'Filter…');
  await input2.waitFor({ timeout: 10_000 });
  await page.locator('.quick-input-widget').getByText('its end after a /', { exact: false }).waitFor({ timeout: 10_000 });
  await input2.fill('repo-03*');
  await input2.press('Enter');
  await row(page, 'many/repo-030').waitFor({ timeout: 30_000 });
  await row(page, 'many/repo-039').waitFor({ timeout: 10_000 });
  await shoot(page, screenshots, '60-filter-glob', PARK);

  // 61. Under a filter, Load more reads further catalog pages (slow ones here) and says so meanwhile.
  await chooseFromContextMenu(page, registryRow, 'Filter…');
  await input2.waitFor({ timeout: 10_000 });
  await input2.fill('repo-2*');
  await input2.press('Enter');
  const moreMatching = row(page, /^Load more repositories matching "repo-2\*"…/);
  await moreMatching.waitFor({ timeout: 30_000 });
  proxy.add({ method: 'GET', path: /\/_catalog/, fault: { kind: 'delay', ms: 1500 }, times: 5 });
  await moreMatching.click();
  await row(page, /^Loading more repositories matching "repo-2\*"…/).waitFor({ timeout: 10_000 });
  await shoot(page, screenshots, '61-filter-load-more-busy', { ...PARK, settleMs: 100 });
  await row(page, 'many/repo-200').waitFor({ timeout: 30_000 });
  proxy.clear();
  await chooseFromContextMenu(page, registryRow, 'Clear Filter');
  await row(page, 'many/repo-000').waitFor({ timeout: 30_000 });
}
