// Harbor as a person meets it (screenshots 73–76): harbor.corp.test added by name with no provider
// in settings, recognised as Harbor from its own answers once `_catalog` refuses the user, listing
// the public project's repositories, then the private one's after Log In… with Harbor's username
// and password, browsed to a tag opened in the inspector; and harbor.test named in the remote
// settings.json with "provider": "harbor", signed in the same way and browsed the same way. Both
// names reach the Harbor contract server (test/support/lab/vendors/harbor.ts) through resolve rules
// and the lab CA.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { parse } from 'jsonc-parser';
import type { Page } from 'playwright-core';
import type { ProviderLabDescription } from '../support/lab/vendors/provider-lab';
import { chooseFromContextMenu, collapseRegistries, escapeRegExp, inspector, row, runCommand, shoot, widenSideBar } from './ui';

const PARK = { x: 900, y: 650, settleMs: 700 };

export async function runHarborPath(
  page: Page,
  options: { screenshots: string; harbor: ProviderLabDescription['harbor']; machineSettingsFile: string },
): Promise<void> {
  const { screenshots, harbor } = options;
  const input = page.locator('.quick-input-widget input.input');
  const quickInput = page.locator('.quick-input-widget');
  await runCommand(page, 'Notifications: Clear All Notifications');
  await runCommand(page, 'View: Close All Editors');
  // A side bar wide enough for the rows' descriptions (the provider path widened it already in a full run).
  await widenSideBar(page);
  // Earlier paths' registries are collapsed, so the new rows are in view.
  await collapseRegistries(page);

  const hostRow = (host: string) => row(page, new RegExp(`^${escapeRegExp(host)}`));
  const tagRow = row(page, new RegExp(`^${escapeRegExp(harbor.tag)}\\s*[0-9a-f]{12}`));

  /** Log In… from the registry row's menu: Harbor's own username and password (typed hidden), kept in VS Code only. */
  const logIn = async (host: string, shot?: string): Promise<void> => {
    await chooseFromContextMenu(page, hostRow(host), 'Log In…');
    await quickInput.getByText('Username', { exact: false }).waitFor({ timeout: 10_000 });
    await input.fill(harbor.username);
    await input.press('Enter');
    await quickInput.getByText('Password or access token', { exact: false }).waitFor({ timeout: 10_000 });
    assert.equal(await input.getAttribute('type'), 'password', 'the password is typed hidden');
    await input.fill(harbor.password);
    if (shot) await shoot(page, screenshots, shot, PARK);
    await input.press('Enter');
    await quickInput.locator('input[placeholder^="Where should the login be kept?"]').waitFor({ timeout: 30_000 });
    await quickInput.locator('.monaco-list-row', { hasText: 'VS Code only' }).click();
  };

  /** The private project's repository, down to its tag, opened in the inspector (shot as `shot`). */
  const browseToTag = async (host: string, shot: string): Promise<void> => {
    await row(page, new RegExp(`^${escapeRegExp(host)}\\s*Harbor · ${escapeRegExp(harbor.username)}`)).waitFor({ timeout: 30_000 });
    await row(page, /^team\/api\s*pushed 1 day ago · private/).waitFor({ timeout: 30_000 });
    await row(page, /^team\/api/).click();
    await tagRow.waitFor({ timeout: 30_000 });
    await chooseFromContextMenu(page, tagRow, 'Inspect Manifest');
    const frame = await inspector(page, `team/api:${harbor.tag}`);
    await frame.locator('h1').waitFor({ timeout: 30_000 });
    assert.equal(await frame.locator('h1').textContent(), 'OCI image');
    await shoot(page, screenshots, shot);
    await runCommand(page, 'View: Close All Editors');
    await hostRow(host).click(); // collapse
  };

  // 73. harbor.corp.test added by name, nothing in settings: its `_catalog` refuses an anonymous user,
  // the row says Harbor (recognised from its answers) and lists the public project's repositories.
  const recognised = harbor.recognisedHost;
  await runCommand(page, 'Registry Explorer: Add Registry…');
  await input.fill(recognised);
  await input.press('Enter');
  await quickInput.getByText('Display name', { exact: false }).waitFor({ timeout: 10_000 });
  await input.press('Enter');
  await hostRow(recognised).waitFor({ timeout: 30_000 });
  await hostRow(recognised).click();
  await row(page, /^library\/nginx\s*pushed 1 week ago · 12 pulls/).waitFor({ timeout: 30_000 });
  await row(page, new RegExp(`^${escapeRegExp(recognised)}\\s*Harbor`)).waitFor({ timeout: 30_000 });
  assert.equal(await hostRow(recognised).locator('.codicon-archive').count(), 1, 'the row shows Harbor’s icon');
  assert.equal(await row(page, /^team\/api/).count(), 0, 'the private project is not listed before signing in');
  await shoot(page, screenshots, '73-harbor-recognised', PARK);

  // 74. Log In… with Harbor's username and password: the private project's repository too, down to a tag in the inspector.
  await logIn(recognised);
  await browseToTag(recognised, '74-harbor-recognised-inspector');

  // 75. harbor.test named in the remote settings.json with "provider": "harbor", as a person writes it;
  // Log In… asks for Harbor's username and password.
  const file = options.machineSettingsFile;
  const settings = (existsSync(file) ? (parse(readFileSync(file, 'utf8')) as Record<string, unknown> | undefined) : undefined) ?? {};
  const registries = Array.isArray(settings['registryExplorer.registries']) ? (settings['registryExplorer.registries'] as unknown[]) : [];
  settings['registryExplorer.registries'] = [...registries, { url: `https://${harbor.host}`, provider: 'harbor' }];
  writeFileSync(file, JSON.stringify(settings, null, 2));
  await hostRow(harbor.host).waitFor({ timeout: 30_000 });
  await row(page, new RegExp(`^${escapeRegExp(harbor.host)}\\s*Harbor`)).waitFor({ timeout: 30_000 });
  await hostRow(harbor.host).click();
  await row(page, /^library\/nginx/).waitFor({ timeout: 30_000 });
  await logIn(harbor.host, '75-harbor-settings-password');

  // 76. The projects' repositories with Harbor chosen by the setting, down to a tag in the inspector;
  // harbor.corp.test, rebuilt by the settings change and the login, still says Harbor without being expanded.
  await row(page, new RegExp(`^${escapeRegExp(recognised)}\\s*Harbor`)).waitFor({ timeout: 30_000 });
  await browseToTag(harbor.host, '76-harbor-settings-inspector');
}
