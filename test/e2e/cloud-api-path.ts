// Amazon ECR and Google Artifact Registry as a person who already uses their tools meets them: the
// AWS CLI's profile in the environment and the docker-credential-ecr-login and
// docker-credential-gcloud helpers (lab stand-ins) on the PATH and in Docker's config.json, the
// registry added by name, its repositories listed through the vendor's API (ECR's
// DescribeRepositories, Artifact Registry's packages.list), browsed to a tag opened in the
// inspector. Screenshots 77–82. Its own file, apart from the other providers' path.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { CloudApiLabDescription } from '../support/lab/vendors/cloud-api-lab';
import { chooseFromContextMenu, collapseRegistries, escapeRegExp, inspector, row, runCommand, shoot, widenSideBar } from './ui';

const PARK = { x: 900, y: 650, settleMs: 700 };

export async function runCloudApiPath(
  page: Page,
  options: { screenshots: string; clouds: CloudApiLabDescription; dockerConfigDir: string },
): Promise<void> {
  const { screenshots, clouds } = options;
  const input = page.locator('.quick-input-widget input.input');
  const quickInput = page.locator('.quick-input-widget');
  await runCommand(page, 'Notifications: Clear All Notifications');
  await runCommand(page, 'View: Close All Editors');
  // Docker's config.json as `gcloud auth configure-docker` and the ECR helper's setup leave it: credHelpers added to what is there.
  const configPath = join(options.dockerConfigDir, 'config.json');
  const config = existsSync(configPath) ? (JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>) : {};
  const credHelpers = { ...(config.credHelpers as Record<string, string> | undefined), ...clouds.credHelpers };
  writeFileSync(configPath, JSON.stringify({ ...config, credHelpers }, null, 2));
  // A side bar wide enough for the rows' descriptions (the providers' path before this one widens it already).
  await widenSideBar(page);
  // Earlier paths' registries are collapsed, so the new rows are in view.
  await collapseRegistries(page);

  const addRegistry = async (host: string): Promise<void> => {
    await runCommand(page, 'Registry Explorer: Add Registry…');
    await input.fill(host);
    await input.press('Enter');
    await quickInput.getByText('Display name', { exact: false }).waitFor({ timeout: 10_000 });
    await input.press('Enter');
  };
  const hostRow = (host: string) => row(page, new RegExp(`^${escapeRegExp(host)}`));
  const browseToTag = async (repository: string, tag: string, shot: string, inspectorShot: string): Promise<void> => {
    await row(page, new RegExp(`^${escapeRegExp(repository)}`)).click();
    const tagRow = row(page, new RegExp(`^${escapeRegExp(tag)}\\s*[0-9a-f]{12}`));
    await tagRow.waitFor({ timeout: 30_000 });
    await shoot(page, screenshots, shot, PARK);
    await chooseFromContextMenu(page, tagRow, 'Inspect Manifest');
    const frame = await inspector(page, `${repository}:${tag}`);
    await frame.locator('h1').waitFor({ timeout: 30_000 });
    assert.equal(await frame.locator('h1').textContent(), 'OCI image');
    await shoot(page, screenshots, inspectorShot);
    await runCommand(page, 'View: Close All Editors');
  };

  // 77. An ECR registry added by name: its repositories listed through ECR's API, signed with the AWS profile's keys.
  await addRegistry(clouds.ecr.host);
  await row(page, new RegExp(`^${escapeRegExp(clouds.ecr.host)}\\s*Amazon ECR · AWS profile ${clouds.ecr.profile}`)).waitFor({
    timeout: 30_000,
  });
  await hostRow(clouds.ecr.host).click();
  for (const name of clouds.ecr.repositories) await row(page, new RegExp(`^${escapeRegExp(name)}`)).waitFor({ timeout: 30_000 });
  assert.equal(await row(page, /^lab-project\//).count(), 0, 'only the account’s repositories');
  await shoot(page, screenshots, '77-ecr-repositories', PARK);

  // 78–79. Down to a tag (pulled with the docker-credential-ecr-login helper's login), opened in the inspector.
  await browseToTag(clouds.ecr.repositories[0]!, clouds.ecr.tag, '78-ecr-tag', '79-ecr-inspector');
  await hostRow(clouds.ecr.host).click(); // collapse

  // 80. us-docker.pkg.dev: the project's images through Artifact Registry's API, with the gcloud helper's access token.
  await addRegistry(clouds.gar.host);
  await row(page, new RegExp(`^${escapeRegExp(clouds.gar.host)}\\s*Google Artifact Registry`)).waitFor({ timeout: 30_000 });
  await hostRow(clouds.gar.host).click();
  for (const name of clouds.gar.repositories) await row(page, new RegExp(`^${escapeRegExp(name)}`)).waitFor({ timeout: 30_000 });
  await shoot(page, screenshots, '80-gar-images', PARK);

  // 81–82. Down to a tag, opened in the inspector.
  await browseToTag(clouds.gar.repositories[0]!, clouds.gar.tag, '81-gar-tag', '82-gar-inspector');
  await hostRow(clouds.gar.host).click(); // collapse
}
