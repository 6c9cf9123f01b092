// The registries people actually use, as a person meets them: ghcr.io and docker.io added by name
// (the run reaches GitHub's and Docker Hub's contract servers under those names), a listing that
// asks for a sign-in, VS Code's GitHub sign-in (its stand-in) for GHCR asking only read:packages,
// a username and personal access token for Docker Hub, each browsed down to a tag opened in the
// inspector, and Docker Hub's pull rate limit on its row; then GitLab and Quay signed in with the
// token each issues, listed and browsed to a tag, and ACR saying which command sets up its login.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import type { ProviderLabDescription } from '../support/lab/vendors/provider-lab';
import { chooseFromContextMenu, escapeRegExp, inspector, row, runCommand, shoot, widenSideBar } from './ui';

const PARK = { x: 900, y: 650, settleMs: 700 };

export async function runProviderPath(
  page: Page,
  options: { screenshots: string; providers: ProviderLabDescription; scopesAsked: string },
): Promise<void> {
  const { screenshots, providers } = options;
  const input = page.locator('.quick-input-widget input.input');
  const quickInput = page.locator('.quick-input-widget');
  await runCommand(page, 'Notifications: Clear All Notifications');
  await runCommand(page, 'View: Close All Editors');
  // A wider side bar, as people who browse registries keep it: the rows' descriptions show whole.
  await widenSideBar(page);
  // Earlier paths' registries are collapsed, so the new rows are in view.
  for (const other of ['Lab registry', 'Private registry', 'Slow registry']) {
    const r = row(page, other);
    if ((await r.isVisible()) && (await r.getAttribute('aria-expanded')) === 'true') await r.click();
  }

  const addRegistry = async (host: string): Promise<void> => {
    await runCommand(page, 'Registry Explorer: Add Registry…');
    await input.fill(host);
    await input.press('Enter');
    await quickInput.getByText('Display name', { exact: false }).waitFor({ timeout: 10_000 });
    await input.press('Enter');
  };
  const hostRow = (host: string) => row(page, new RegExp(`^${host.replace(/\./g, '\\.')}`));

  // 31. ghcr.io added by name: GitHub's registry, reachable, whose listing asks for a sign-in.
  await addRegistry('ghcr.io');
  await hostRow('ghcr.io').waitFor({ timeout: 30_000 });
  await row(page, /^ghcr\.io\s*GitHub Container Registry · https/).waitFor({ timeout: 30_000 });
  assert.equal(await hostRow('ghcr.io').locator('.codicon-github').count(), 1, 'the row shows GitHub’s icon');
  await hostRow('ghcr.io').click();
  await row(page, /^GitHub lists repositories only to a signed-in user: sign in to ghcr\.io\./).waitFor({ timeout: 30_000 });
  await row(page, /^Log In…$/).waitFor({ timeout: 10_000 });
  await shoot(page, screenshots, '31-ghcr-sign-in-needed', PARK);

  // 32. Log In… offers VS Code's GitHub sign-in, or a personal access token.
  await row(page, /^Log In…$/).click();
  await quickInput.getByText('Sign in with GitHub', { exact: false }).waitFor({ timeout: 10_000 });
  assert.ok(await quickInput.getByText('Use a personal access token (classic)', { exact: false }).isVisible(), 'a token is the other way');
  await shoot(page, screenshots, '32-ghcr-sign-in-choice', PARK);
  await quickInput.locator('.monaco-list-row', { hasText: 'Sign in with GitHub' }).click();

  // 33. VS Code asks whether Registry Explorer may sign in with GitHub; Allow.
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.getByText('wants to sign in using GitHub', { exact: false }).waitFor({ timeout: 30_000 });
  await shoot(page, screenshots, '33-ghcr-github-consent', PARK);
  await dialog.locator('.monaco-button', { hasText: 'Allow' }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });

  // 34. The packages of the user and of the organization, with what GitHub says of each; the row names the account.
  await row(page, /^ghcr\.io\s*GitHub Container Registry · octocat · https/).waitFor({ timeout: 30_000 });
  for (const name of providers.github.packages) await row(page, new RegExp(`^${name}`)).waitFor({ timeout: 30_000 });
  await row(page, /^octocat\/app\s*pushed 2 days ago · private/).waitFor({ timeout: 10_000 });
  const asked = existsSync(options.scopesAsked)
    ? readFileSync(options.scopesAsked, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as string[])
    : [];
  assert.deepEqual(asked, [['read:packages']], 'the sign-in asked GitHub for read:packages only');
  await shoot(page, screenshots, '34-ghcr-packages', PARK);

  // 35. Down to a tag, opened in the inspector.
  await row(page, /^octocat\/app/).click();
  const ghcrTag = row(page, new RegExp(`^${providers.github.tag.replace(/\./g, '\\.')}\\s*[0-9a-f]{12}`));
  await ghcrTag.waitFor({ timeout: 30_000 });
  await chooseFromContextMenu(page, ghcrTag, 'Inspect Manifest');
  const ghcrFrame = await inspector(page, `octocat/app:${providers.github.tag}`);
  await ghcrFrame.locator('h1').waitFor({ timeout: 30_000 });
  assert.equal(await ghcrFrame.locator('h1').textContent(), 'OCI image');
  await shoot(page, screenshots, '35-ghcr-inspector');
  await runCommand(page, 'View: Close All Editors');

  // 34b. Tag… pushes: only now is GitHub asked for write:packages, and the sign-in keeps it.
  await chooseFromContextMenu(page, ghcrTag, 'Tag…');
  await quickInput.getByText('New tag in ghcr.io/octocat/app', { exact: false }).waitFor({ timeout: 10_000 });
  await input.fill('release');
  await input.press('Enter');
  const consent = dialog.getByText('wants to sign in using GitHub', { exact: false });
  if (
    await consent.waitFor({ timeout: 15_000 }).then(
      () => true,
      () => false,
    )
  ) {
    await shoot(page, screenshots, '34b-ghcr-write-consent', PARK);
    await dialog.locator('.monaco-button', { hasText: 'Allow' }).click();
  }
  await row(page, /^release\s*[0-9a-f]{12}/).waitFor({ timeout: 30_000 });
  const askedAfter = readFileSync(options.scopesAsked, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as string[]);
  assert.deepEqual(askedAfter, [['read:packages'], ['read:packages', 'write:packages']], 'write:packages was asked for only when pushing');
  await hostRow('ghcr.io').click(); // collapse

  // 36. docker.io: Log In… asks for the Docker Hub username and a personal access token.
  await addRegistry('docker.io');
  await row(page, /^docker\.io\s*Docker Hub · https/).waitFor({ timeout: 30_000 });
  await hostRow('docker.io').click();
  await row(page, /^Docker Hub lists repositories only to a signed-in user: sign in to docker\.io\./).waitFor({ timeout: 30_000 });
  await row(page, /^Log In…$/).click();
  await quickInput.getByText('Your Docker Hub username', { exact: false }).waitFor({ timeout: 10_000 });
  await input.fill(providers.hub.username);
  await input.press('Enter');
  await quickInput.getByText('Personal access token', { exact: false }).waitFor({ timeout: 10_000 });
  assert.equal(await input.getAttribute('type'), 'password', 'the token is typed hidden');
  await input.fill(providers.hub.pat);
  await shoot(page, screenshots, '36-docker-hub-token', PARK);
  await input.press('Enter');
  await quickInput.locator('input[placeholder^="Where should the login be kept?"]').waitFor({ timeout: 30_000 });
  await quickInput.locator('.monaco-list-row', { hasText: 'VS Code only' }).click();
  await row(page, /^docker\.io\s*Docker Hub · moby/).waitFor({ timeout: 30_000 });
  for (const name of providers.hub.repositories) await row(page, new RegExp(`^${name}`)).waitFor({ timeout: 30_000 });
  await row(page, /^moby\/app\s*pushed 1 day ago · private · 1\.2k pulls/).waitFor({ timeout: 10_000 });
  await shoot(page, screenshots, '37-docker-hub-repositories', PARK);

  // 38. A tag in the inspector; the registry row then shows the pull rate limit Docker Hub reported.
  await row(page, /^moby\/app/).click();
  const hubTag = row(page, new RegExp(`^${providers.hub.tag.replace(/\./g, '\\.')}\\s*[0-9a-f]{12}`));
  await hubTag.waitFor({ timeout: 30_000 });
  await chooseFromContextMenu(page, hubTag, 'Inspect Manifest');
  const hubFrame = await inspector(page, `moby/app:${providers.hub.tag}`);
  await hubFrame.locator('h1').waitFor({ timeout: 30_000 });
  await row(page, /^docker\.io\s*Docker Hub · moby · \d+\/100 pulls left/).waitFor({ timeout: 30_000 });
  await shoot(page, screenshots, '38-docker-hub-inspector-pull-limit');
  await runCommand(page, 'View: Close All Editors');

  // 39. Open in Browser on the tag: the workbench asks before it opens Docker Hub's page for it.
  await chooseFromContextMenu(page, hubTag, 'Open in Browser');
  await dialog.getByText('open the external website', { exact: false }).waitFor({ timeout: 30_000 });
  assert.ok(
    await dialog.getByText(`https://hub.docker.com/r/moby/app/tags?name=${providers.hub.tag}`, { exact: false }).isVisible(),
    'the page is Docker Hub’s for the tag',
  );
  await shoot(page, screenshots, '39-open-in-browser', PARK);
  await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
  await hostRow('docker.io').click(); // collapse

  /** Log In… under a listing that asks for one: the token prompt (shot as `shot`), kept in VS Code only. */
  const logInWithToken = async (username: string | undefined, tokenPrompt: string, token: string, shot: string): Promise<void> => {
    await row(page, /^Log In…$/).click();
    if (username !== undefined) {
      await quickInput.getByText('username', { exact: false }).waitFor({ timeout: 10_000 });
      await input.fill(username);
      await input.press('Enter');
    }
    await quickInput.getByText(tokenPrompt, { exact: false }).waitFor({ timeout: 10_000 });
    assert.equal(await input.getAttribute('type'), 'password', 'the token is typed hidden');
    await input.fill(token);
    await shoot(page, screenshots, shot, PARK);
    await input.press('Enter');
    await quickInput.locator('input[placeholder^="Where should the login be kept?"]').waitFor({ timeout: 30_000 });
    await quickInput.locator('.monaco-list-row', { hasText: 'VS Code only' }).click();
  };

  // 40. registry.gitlab.com: a username and a personal access token (named with its scopes and where to create it).
  await addRegistry('registry.gitlab.com');
  await row(page, /^registry\.gitlab\.com\s*GitLab Container Registry · https/).waitFor({ timeout: 30_000 });
  await hostRow('registry.gitlab.com').click();
  await row(page, /^GitLab lists .* only to a signed-in user: sign in to registry\.gitlab\.com\./).waitFor({ timeout: 30_000 });
  await logInWithToken(
    providers.gitlab.username,
    'Personal access token with read_registry, read_api: create one at https://gitlab.com/-/user_settings/personal_access_tokens',
    providers.gitlab.pat,
    '40-gitlab-token',
  );
  await row(page, /^registry\.gitlab\.com\s*GitLab Container Registry · gitty/).waitFor({ timeout: 30_000 });
  for (const name of providers.gitlab.repositories) await row(page, new RegExp(`^${name}`)).waitFor({ timeout: 30_000 });
  await row(page, /^team\/app\s*private/).click();
  await row(page, new RegExp(`^${providers.gitlab.tag.replace(/\./g, '\\.')}\\s*[0-9a-f]{12}`)).waitFor({ timeout: 30_000 });
  await shoot(page, screenshots, '41-gitlab-repositories', PARK);
  await hostRow('registry.gitlab.com').click(); // collapse

  // 42. quay.io: only an OAuth token; the username is Quay's $oauthtoken, filled in.
  await addRegistry('quay.io');
  await row(page, /^quay\.io\s*Quay · https/).waitFor({ timeout: 30_000 });
  await hostRow('quay.io').click();
  await row(page, /^Quay lists .* only to a signed-in user: sign in to quay\.io\./).waitFor({ timeout: 30_000 });
  await logInWithToken(undefined, 'OAuth access token with repo:read, user:read', providers.quay.token, '42-quay-token');
  await row(page, /^quayuser\/app\s*pushed 4 days ago · private/).waitFor({ timeout: 30_000 });
  await row(page, /^quayuser\/app/).click();
  await row(page, new RegExp(`^${providers.quay.tag.replace(/\./g, '\\.')}\\s*[0-9a-f]{12}`)).waitFor({ timeout: 30_000 });
  await shoot(page, screenshots, '43-quay-repositories', PARK);
  await hostRow('quay.io').click(); // collapse

  // 44. An ACR registry with no login set up: the row says which command sets it up.
  await addRegistry(providers.acr.host);
  await hostRow(providers.acr.host).click();
  const command = escapeRegExp(providers.acr.command);
  await row(page, new RegExp(`needs a login that the Azure CLI sets up: run \`${command}\``)).waitFor({ timeout: 30_000 });
  await shoot(page, screenshots, '44-acr-command', PARK);

  // 45. Log In… offers VS Code's Microsoft sign-in or the Azure CLI; the CLI's command, to copy or run in a terminal.
  await runCommand(page, 'Notifications: Clear All Notifications');
  await row(page, /^Log In…$/).click();
  await quickInput.getByText('Sign in with Microsoft', { exact: false }).waitFor({ timeout: 10_000 });
  await shoot(page, screenshots, '45-acr-sign-in-choice', PARK);
  await quickInput.locator('.monaco-list-row', { hasText: 'Use the Azure CLI' }).click();
  // The workbench runs with the smoke-test driver, which shows no toasts: the notification is read in the center.
  const center = page.locator('.notifications-center');
  await page.locator('.statusbar-item[id="status.notifications"]').first().click();
  const offer = center.locator('.notification-list-item', { hasText: providers.acr.command });
  await offer.waitFor({ timeout: 30_000 });
  assert.ok(await offer.getByText('Copy Command').isVisible(), 'the command can be copied');
  await shoot(page, screenshots, '46-acr-run-command', PARK);
  await offer.locator('.monaco-button', { hasText: 'Run in Terminal' }).click();
  // A terminal named for the tool and the registry, the command typed and left for the person to run.
  await page
    .locator('.terminal-tabs-entry, .single-terminal-tab, .pane-header', { hasText: 'Azure CLI' })
    .first()
    .waitFor({ timeout: 30_000 });
  await shoot(page, screenshots, '47-acr-terminal', PARK);
  await runCommand(page, 'Terminal: Kill All Terminals');

  // 48. Sign in with Microsoft instead: VS Code asks to allow it; the token is exchanged at the registry, which then lists.
  await row(page, /^Log In…$/).click();
  await quickInput.locator('.monaco-list-row', { hasText: 'Sign in with Microsoft' }).click();
  await dialog.getByText('wants to sign in using Microsoft', { exact: false }).waitFor({ timeout: 30_000 });
  await shoot(page, screenshots, '48-acr-microsoft-consent', PARK);
  await dialog.locator('.monaco-button', { hasText: 'Allow' }).click();
  for (const name of providers.acr.repositories) await row(page, new RegExp(`^${name}`)).waitFor({ timeout: 30_000 });
  const acrRow = new RegExp(
    `^${providers.acr.host.replace(/\./g, '\\.')}\\s*Azure Container Registry · ${providers.acr.account.replace(/\./g, '\\.')} · https`,
  );
  await row(page, acrRow).waitFor({ timeout: 30_000 });
  await row(page, /^team\/api/).click();
  await row(page, /^1\.0\s*[0-9a-f]{12}/).waitFor({ timeout: 30_000 });
  await shoot(page, screenshots, '49-acr-repositories', PARK);
}
