import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { OciLayout, pushToRegistry } from '../support/lab/content';
import type { LabRegistry } from '../support/lab/registry';
import { chooseFromContextMenu, row, runCommand, shoot, shootForWalkthrough, WALKTHROUGH_REGION } from './ui';

const LABEL = 'Private registry';
const REPOSITORIES = ['private/app', 'private/db'];

/** Two small images, pushed with the registry's own login: the tree shows them once logged in. */
export async function seedPrivateContent(registry: LabRegistry): Promise<void> {
  const layout = await OciLayout.create(join(registry.lab.dir, 'content', `private-${registry.port}`));
  for (const repository of REPOSITORIES) {
    const image = await layout.image({ seed: repository, layers: [4 * 1024] });
    await pushToRegistry(layout, image, registry, `${repository}:v1`);
  }
}

/**
 * Log In… and Log Out as a person uses them, against a Basic-auth registry: a wrong password is
 * refused and nothing is saved; the right one is kept in Docker's config.json too (as docker login
 * writes it); Log Out removes it from there as well, and the registry needs a login again.
 */
export async function runLoginPath(
  page: Page,
  options: { screenshots: string; registry: LabRegistry; dockerConfigDir: string },
): Promise<void> {
  const { screenshots, registry, dockerConfigDir } = options;
  const { username, password } = registry.credentials!;
  const host = registry.host;
  const configFile = join(dockerConfigDir, 'config.json');
  const input = page.locator('.quick-input-widget input.input');
  const quickInput = page.locator('.quick-input-widget');
  // The smoke-test driver shows no toasts: notifications are read in the center.
  const bell = page.locator('.statusbar-item[id="status.notifications"]').first();
  const center = page.locator('.notifications-center');
  const told = async (text: string): Promise<void> => {
    if (!(await center.isVisible())) await bell.click();
    await center
      .locator('.notification-list-item-message', { hasText: text })
      .waitFor({ timeout: 30_000 })
      .catch(async (err: Error) => {
        throw new Error(
          `no notification "${text}"; the center shows: ${await center.innerText().catch(() => '(nothing)')}\n${err.message}`,
        );
      });
  };
  const closeCenter = async (): Promise<void> => {
    if (await center.isVisible()) await bell.click();
    await center.waitFor({ state: 'hidden', timeout: 10_000 });
  };
  const registryRow = row(page, LABEL);
  const needsLogin = async (): Promise<void> => {
    await row(page, new RegExp(`^${LABEL}\\s*needs login`)).waitFor({ timeout: 30_000 });
    assert.equal(await registryRow.locator('.codicon-lock').count(), 1, 'the row shows a lock');
  };
  const typeLogin = async (secret: string): Promise<void> => {
    await quickInput.getByText(`Log In to ${host} (1/2)`).waitFor({ timeout: 10_000 });
    await input.fill(username);
    await input.press('Enter');
    await quickInput.getByText(`Log In to ${host} (2/2)`).waitFor({ timeout: 10_000 });
    assert.equal(await input.getAttribute('type'), 'password', 'the password is typed hidden');
    await input.fill(secret);
    await input.press('Enter');
  };

  // Step 10's config.json goes aside, so Log In creates the file (a new one must be 0600); its
  // entries come back before Log Out as the other content that must be kept.
  const earlier = existsSync(configFile) ? (JSON.parse(readFileSync(configFile, 'utf8')) as { auths?: Record<string, unknown> }) : {};
  rmSync(configFile, { force: true });
  await runCommand(page, 'Notifications: Clear All Notifications');
  for (const other of ['Slow registry', 'Lab registry']) {
    const r = row(page, other);
    if ((await r.isVisible()) && (await r.getAttribute('aria-expanded')) === 'true') await r.click();
  }

  // 22. The Basic-auth registry, added through the quick input, needs a login; a wrong password is refused.
  await runCommand(page, 'Registry Explorer: Add Registry…');
  await input.fill(registry.url);
  await input.press('Enter');
  await quickInput.getByText('Display name', { exact: false }).waitFor({ timeout: 10_000 });
  await input.fill(LABEL);
  await input.press('Enter');
  await registryRow.waitFor({ timeout: 30_000 });
  await needsLogin();
  await registryRow.hover();
  await registryRow.locator('.actions .action-label[aria-label^="Log In"]').click();
  const beforeWrong = statSync(registry.logPath).size;
  await typeLogin(`${password}-wrong`);
  await told(`${host} refused the login for ${username}: check the username and password (or token). Nothing was saved.`);
  // The registry's own word that it was asked with the wrong password (the check below relies on it).
  assert.match(
    logSince(registry, beforeWrong),
    new RegExp(`error authenticating user \\\\"${username}\\\\"`),
    `the registry refused the password; its log:\n${logSince(registry, beforeWrong)}`,
  );
  // The check's progress notification ends; the refusal is expanded so the screenshot shows all of it.
  await center.locator('.notification-list-item', { hasText: `Logging in to ${host}` }).waitFor({ state: 'detached', timeout: 30_000 });
  const refusal = center.locator('.notification-list-item', { hasText: 'refused the login' });
  if (await refusal.locator('.action-label[aria-label^="Expand"]').isVisible())
    await refusal.locator('.action-label[aria-label^="Expand"]').click();
  await shoot(page, screenshots, '22-login-refused');
  assert.ok(!existsSync(configFile), 'a refused login writes no Docker config.json');
  await closeCenter();
  // Nothing kept in VS Code either: after a refresh the registry is asked without a login (a kept
  // wrong one would be sent, logged by the registry, and make the row say "login refused").
  const beforeRefresh = await refreshAndWaitForPing(page, registry);
  await needsLogin();
  assert.doesNotMatch(logSince(registry, beforeRefresh), /error authenticating user/, 'the refreshed row sent no login');

  // 23. The right password: asked where to keep it, kept in VS Code and Docker's config.json.
  await runCommand(page, 'Notifications: Clear All Notifications');
  await chooseFromContextMenu(page, registryRow, 'Log In…');
  await typeLogin(password);
  await quickInput.locator('input[placeholder^="Where should the login be kept?"]').waitFor({ timeout: 30_000 });
  // Each item's first label is its title; the detail line has a label of its own.
  const rows = quickInput.locator('.monaco-list-row');
  const items: string[] = [];
  for (let i = 0; i < (await rows.count()); i++) items.push((await rows.nth(i).locator('.label-name').first().innerText()).trim());
  assert.deepEqual(items, ['VS Code only', "VS Code and Docker's credential store"], `the choices (shown: ${items.join(' | ')})`);
  assert.ok(
    await quickInput.getByText(`in ${configFile} (base64, not encrypted)`, { exact: false }).isVisible(),
    'the Docker choice names the file and says it is not encrypted',
  );
  await shoot(page, screenshots, '23-login-where-to-keep');
  await shootForWalkthrough(page, screenshots, 'log-in', WALKTHROUGH_REGION.sidebar);
  await quickInput.locator('.monaco-list-row', { hasText: "VS Code and Docker's credential store" }).click();
  await told(`Logged in to ${host} as ${username}, kept in VS Code and in ${configFile} for docker and podman.`);
  await closeCenter();
  await row(page, new RegExp(`^${LABEL}\\s*${host.replace(/\./g, '\\.')}$`)).waitFor({ timeout: 30_000 });
  assert.equal(await registryRow.locator('.codicon-server').count(), 1, 'the row shows a server, not a lock');
  if ((await registryRow.getAttribute('aria-expanded')) !== 'true') await registryRow.click();
  for (const repository of REPOSITORIES) await row(page, repository).waitFor({ timeout: 30_000 });
  await shoot(page, screenshots, '23-login-reachable');
  const auth = Buffer.from(`${username}:${password}`).toString('base64');
  // Exactly what docker login writes into a new file: tab-indented, no final newline, owner-only.
  assert.equal(
    readFileSync(configFile, 'utf8'),
    JSON.stringify({ auths: { [host]: { auth } } }, null, '\t'),
    'config.json holds the login as docker writes it',
  );
  const saved = JSON.parse(readFileSync(configFile, 'utf8')) as { auths: Record<string, { auth: string }> };
  assert.equal(Buffer.from(saved.auths[host]!.auth, 'base64').toString(), `${username}:${password}`, 'the entry decodes to user:password');
  assert.equal(
    statSync(configFile).mode & 0o777,
    0o600,
    `a new config.json is 0600, not ${(statSync(configFile).mode & 0o777).toString(8)}`,
  );

  // 24. Log Out asks about Docker's store; Remove from Docker takes only this host's entry out.
  // Meanwhile docker wrote more: step 10's login (its row is hidden) and a setting of its own.
  const others = { ...(earlier.auths ?? {}) };
  const extended = { auths: { ...saved.auths, ...others }, psFormat: 'table {{.ID}}\t{{.Image}}' };
  writeFileSync(configFile, `${JSON.stringify(extended, null, '\t')}\n`);
  await runCommand(page, 'Notifications: Clear All Notifications');
  await chooseFromContextMenu(page, registryRow, 'Log Out');
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.getByText(`Also remove the login for ${host} from Docker's credential store?`).waitFor({ timeout: 30_000 });
  assert.ok(await dialog.getByText(`It is kept in ${configFile}.`, { exact: false }).isVisible(), 'the question names the file');
  await shoot(page, screenshots, '24-logout-ask');
  await dialog.locator('.monaco-button', { hasText: 'Remove from Docker' }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
  await told(`Logged out of ${host}, in VS Code and in ${configFile}.`);
  await closeCenter();
  assert.equal(
    readFileSync(configFile, 'utf8'),
    `${JSON.stringify({ auths: others, psFormat: extended.psFormat }, null, '\t')}\n`,
    "only the host's entry is gone; the rest of the file is kept as it was",
  );
  assert.equal(statSync(configFile).mode & 0o777, 0o600, 'the file keeps its mode');

  // 25. Both stores are empty: the row needs a login again, also after a refresh, and offers Log In… under it.
  await needsLogin();
  await refreshAndWaitForPing(page, registry);
  await needsLogin();
  if ((await registryRow.getAttribute('aria-expanded')) !== 'true') await registryRow.click();
  await row(page, /^Log In…$/).waitFor({ timeout: 30_000 });
  for (const repository of REPOSITORIES) assert.ok(!(await row(page, repository).isVisible()), `${repository} is no longer listed`);
  await shoot(page, screenshots, '25-logged-out');
}

function logSince(registry: LabRegistry, offset: number): string {
  return readFileSync(registry.logPath).subarray(offset).toString('utf8');
}

/** Refreshes the view and waits until the registry has answered a new `GET /v2/` with 401; returns the log offset before. */
async function refreshAndWaitForPing(page: Page, registry: LabRegistry): Promise<number> {
  const offset = statSync(registry.logPath).size;
  await page.locator('.part.sidebar .composite.title .action-label[aria-label^="Refresh"]').first().click();
  const deadline = Date.now() + 30_000;
  while (!/"GET \/v2\/ HTTP\/1\.1" 401/.test(logSince(registry, offset))) {
    if (Date.now() > deadline)
      throw new Error(`the refresh did not ask ${registry.host} again within 30 s; its log since:\n${logSince(registry, offset)}`);
    await page.waitForTimeout(200);
  }
  return offset;
}
