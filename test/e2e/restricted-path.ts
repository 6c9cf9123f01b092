// Restricted Mode as a person meets it: a folder opened without trusting it. The editor features
// must ask the registry nothing on their own (no lenses, no diagnostics looking references up) until
// the person hovers over a reference, and must resume once the folder is trusted. Requests are
// counted in the lab registry's own access log, not inferred from the screen.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { LabRegistry } from '../support/lab/registry';
import { requestMark, requestsSince, type LoggedRequest } from '../support/lab/registry-requests';
import { lens, line, openFile } from './editor-path';
import { runCommand, shoot } from './ui';
import { startVsCodeServer } from './vscode-server';

/** Any request about a repository: its tags, manifests or blobs. */
const about = (repository: string) => (r: LoggedRequest) => r.path.startsWith(`/v2/${repository}/`);

/** Long enough for lenses and diagnostics of a trusted folder to have asked (they do within a second or two). */
const QUIET_MS = 6000;

export async function runRestrictedPath(
  page: Page,
  options: { registry: LabRegistry; vsix: string; env: Record<string, string>; screenshots: string },
): Promise<void> {
  const server = await startVsCodeServer({ vsix: options.vsix, env: options.env, restrictedMode: true });
  try {
    const host = options.registry.host;
    writeFileSync(
      join(server.runDir, 'workspace', 'Dockerfile'),
      [`FROM ${host}/apps/web:v1`, 'RUN echo building', '', `FROM ${host}/library/alpine:3.19`, ''].join('\n'),
    );
    await page.goto(server.workbenchUrl());
    await page.locator('.monaco-workbench .part.editor').waitFor({ timeout: 60_000 });
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 30_000 });

    // 50. The Dockerfile in Restricted Mode: no lens, and not one manifest request while it sits open.
    const mark = requestMark(options.registry);
    await openFile(page, 'Dockerfile', true);
    await line(page, 'apps/web:v1').waitFor({ timeout: 10_000 });
    await page.waitForTimeout(QUIET_MS);
    const unasked = requestsSince(options.registry, mark).filter((r) => about('apps/web')(r) || about('library/alpine')(r));
    assert.deepEqual(unasked, [], 'nothing is looked up in Restricted Mode before the person asks');
    assert.equal(await page.locator('.editor-instance .codelens-decoration', { hasText: 'Pin to digest' }).count(), 0, 'no lenses');
    await shoot(page, options.screenshots, '50-restricted-mode-quiet');

    // 51. A hover is asking: it looks the reference up, and only that one.
    const web = line(page, 'apps/web:v1');
    const box = await web.locator('span', { hasText: 'apps/web' }).first().boundingBox();
    assert.ok(box, 'the FROM line is on screen');
    await page.mouse.move(box.x + box.width - 20, box.y + box.height / 2);
    await page.locator('.monaco-hover', { hasText: 'OCI image index' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    const asked = requestsSince(options.registry, mark);
    assert.ok(asked.some(about('apps/web')), 'the hover looked apps/web up');
    assert.ok(!asked.some(about('library/alpine')), 'and nothing else');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(options.screenshots, '51-restricted-mode-hover.png') });

    // 52. Trusting the folder turns the lenses on without reopening the file.
    await page.mouse.move(1100, 16);
    await runCommand(page, 'Workspaces: Manage Workspace Trust');
    await page
      .getByRole('button', { name: /^Trust( Folder)?$/ })
      .first()
      .click();
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ state: 'hidden', timeout: 30_000 });
    // The trust editor opens as a modal over the editors: close it to get back to the Dockerfile.
    const modal = page.locator('.monaco-modal-editor-block');
    await modal
      .getByRole('button', { name: /^Close/ })
      .last()
      .click();
    await modal.waitFor({ state: 'hidden', timeout: 10_000 });
    await page.locator('.tab', { hasText: 'Dockerfile' }).first().click();
    await lens(page, 'Pin to digest');
    // The lens over apps/web may come from the hover's answer; the one over alpine must be asked for.
    const deadline = Date.now() + 30_000;
    while (!requestsSince(options.registry, mark).some(about('library/alpine')) && Date.now() < deadline) await page.waitForTimeout(250);
    assert.ok(requestsSince(options.registry, mark).some(about('library/alpine')), 'trusted: the lenses look references up');
    await page.locator('.editor-instance .codelens-decoration', { hasText: 'Pin to digest' }).nth(1).waitFor({ timeout: 30_000 });
    await shoot(page, options.screenshots, '52-restricted-mode-trusted');
  } finally {
    await server.stop();
  }
}
