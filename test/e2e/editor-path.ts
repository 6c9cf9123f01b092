// Image references where people write them: a Dockerfile and a Compose file in the workspace,
// opened as a person opens them. The lenses appear over the references in view, a hover says what a
// reference resolves to, and Ctrl+Space after `repository:` offers the tags, newest first. Then a
// chart: its values' empty tag hovered as its appVersion, its Chart.yaml's OCI dependencies' lenses
// (a version and a range), and the hover over the range, which names the tag it picks. Last, a
// Podman Quadlet unit whose short name Podman reads through an alias, and the hover that says so;
// a Terraform variable's default, read as the image the module's workload takes from it; and a
// Compose file's variable read with the value its project's .env sets.
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
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

/** Opens a workspace file by its path through Go to File, as a person does for one deep in a folder. */
async function goToFile(page: Page, path: string): Promise<void> {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const input = page.locator('.quick-input-widget input.input');
  await page.keyboard.press('F1');
  await input.waitFor({ timeout: 5_000 });
  await input.fill(path);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().click({ timeout: 30_000 });
  await page.locator('.tab.active', { hasText: name }).waitFor({ timeout: 10_000 });
}

/** The editor line that shows `text`. */
export function line(page: Page, text: string) {
  return page.locator('.editor-instance .view-line', { hasText: text }).first();
}

/**
 * Points at the end of `target` until a hover that says `says` shows, and returns its text: what
 * the hover reads may be read only once the file is shown, so a first hover can come too early.
 */
async function hoverUntil(page: Page, target: Locator, says: string, attempts: number): Promise<string> {
  await target.waitFor({ timeout: 10_000 });
  const at = await target.boundingBox();
  assert.ok(at, 'the text to hover is on screen');
  const hover = page.locator('.monaco-hover', { hasText: says }).first();
  for (let attempt = 0; attempt < attempts && !(await hover.isVisible()); attempt++) {
    await page.mouse.move(at.x - 10, at.y - 30);
    // Near its end: a line's outer span holds the key too, and the value is what ends it.
    await page.mouse.move(at.x + at.width - 10, at.y + at.height / 2);
    await hover.waitFor({ state: 'visible', timeout: 3_000 }).catch(() => undefined);
  }
  return (await hover.textContent()) ?? '';
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

  // 30b. A chart's values leave the tag empty: the hover over the repository names the image its
  // appVersion makes, and says so. 30c. Its Chart.yaml: a newer version of an OCI dependency, and
  // a range that no longer takes the newest in. 30d. The hover over that range.
  mkdirSync(join(options.workspace, 'chart'), { recursive: true });
  writeFileSync(
    join(options.workspace, 'chart', 'Chart.yaml'),
    [
      'apiVersion: v2',
      'name: shop',
      'version: 0.1.0',
      'appVersion: "3.19"',
      'dependencies:',
      '  - name: alpine',
      '    version: 1.2.9',
      `    repository: oci://${host}/library`,
      '  - name: api',
      '    version: ~1.0.0',
      `    repository: oci://${host}/team-a`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(options.workspace, 'chart', 'values.yaml'),
    ['image:', `  repository: ${host}/library/alpine`, '  tag: ""', '  pullPolicy: IfNotPresent', ''].join('\n'),
  );
  await goToFile(page, 'chart/values.yaml');
  // The Chart.yaml is read once the file is shown: hover again until the hover names it.
  const repository = line(page, 'repository:').locator('span', { hasText: 'library/alpine' }).first();
  const chartHoverText = await hoverUntil(page, repository, "the chart's appVersion", 10);
  assert.ok(chartHoverText.includes(`${host}/library/alpine:3.19`), `the hover names the appVersion's image: ${chartHoverText}`);
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(options.screenshots, '30b-helm-values-appversion-hover.png') });
  await page.mouse.move(1100, 16);
  await goToFile(page, 'chart/Chart.yaml');
  await lens(page, 'Newer tag available: 1.2.10');
  await lens(page, 'Newer version outside the range: 1.1.0');
  await shoot(page, options.screenshots, '30c-chart-dependency-lens');
  const range = line(page, '~1.0.0').locator('span', { hasText: '~1.0.0' }).first();
  const rangeHoverText = await hoverUntil(page, range, 'picks', 5);
  assert.ok(rangeHoverText.includes('The range ~1.0.0 picks 1.0.0'), `the hover names the tag the range picks: ${rangeHoverText}`);
  assert.ok(rangeHoverText.includes('Newer version outside the range: 1.1.0'), rangeHoverText);
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(options.screenshots, '30d-chart-range-hover.png') });
  await page.mouse.move(1100, 16);

  // 30e. A Podman Quadlet unit names its image by a short name: the hover reads it through the
  // alias the server's registries.conf sets (CONTAINERS_REGISTRIES_CONF, see run.ts), and says so.
  writeFileSync(join(options.workspace, 'web.container'), ['[Container]', 'Image=lab-alpine:1.2.9', 'PublishPort=8080:80', ''].join('\n'));
  await openFile(page, 'web.container');
  await lens(page, 'Pin to digest');
  const shortName = line(page, 'Image=').locator('span', { hasText: 'lab-alpine' }).first();
  const aliasHoverText = await hoverUntil(page, shortName, 'Podman and Buildah read', 5);
  assert.ok(aliasHoverText.includes(`${host}/library/alpine:1.2.9`), `the hover names what the alias stands for: ${aliasHoverText}`);
  assert.ok(aliasHoverText.includes('Podman and Buildah read lab-alpine as'), aliasHoverText);
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(options.screenshots, '30e-quadlet-short-name-hover.png') });
  await page.mouse.move(1100, 16);

  // 30f. A Terraform module whose workload takes its image from a variable: the variable's default,
  // in variables.tf, gets the lenses and the hover, as the module's main.tf uses it.
  writeFileSync(
    join(options.workspace, 'main.tf'),
    [
      'resource "kubernetes_deployment_v1" "web" {',
      '  metadata { name = "web" }',
      '  spec {',
      '    template {',
      '      spec {',
      '        container {',
      '          name  = "web"',
      '          image = var.web_image',
      '        }',
      '      }',
      '    }',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(options.workspace, 'variables.tf'),
    [
      'variable "web_image" {',
      '  description = "The image the web deployment runs"',
      `  default     = "${host}/library/alpine:1.2.9"`,
      '}',
      '',
    ].join('\n'),
  );
  await openFile(page, 'variables.tf');
  await lens(page, 'Newer tag available: 1.2.10');
  await lens(page, 'Pin to digest');
  const variableDefault = line(page, 'default').locator('span', { hasText: 'library/alpine' }).first();
  const defaultHoverText = await hoverUntil(page, variableDefault, '1.2.9', 5);
  assert.ok(defaultHoverText.includes(`${host}/library/alpine:1.2.9`), `the hover describes the default's image: ${defaultHoverText}`);
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(options.screenshots, '30f-terraform-variable-default.png') });
  await page.mouse.move(1100, 16);

  // 30g. A Compose project whose image's tag is a variable its .env sets: the hover describes the
  // image at that tag, and says where the value came from.
  mkdirSync(join(options.workspace, 'shop'), { recursive: true });
  writeFileSync(join(options.workspace, 'shop', '.env'), '# The release the shop runs\nSHOP_TAG=1.2.9\n');
  writeFileSync(
    join(options.workspace, 'shop', 'compose.yaml'),
    ['services:', '  shop:', `    image: ${host}/library/alpine:\${SHOP_TAG}`, '    ports: ["8080:80"]', ''].join('\n'),
  );
  await goToFile(page, 'shop/compose.yaml');
  const templated = line(page, 'SHOP_TAG').locator('span', { hasText: 'SHOP_TAG' }).first();
  const envHoverText = await hoverUntil(page, templated, 'filled in as the', 5);
  assert.ok(envHoverText.includes(`${host}/library/alpine:1.2.9`), `the hover describes the image at the .env's tag: ${envHoverText}`);
  assert.ok(envHoverText.includes('.env beside this file sets them'), envHoverText);
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(options.screenshots, '30g-compose-env-hover.png') });
  await page.mouse.move(1100, 16);
  await runCommand(page, 'View: Close All Editors');
  const dontSave = page.getByRole('button', { name: "Don't Save" });
  if (await dontSave.isVisible().catch(() => false)) await dontSave.click();
}
