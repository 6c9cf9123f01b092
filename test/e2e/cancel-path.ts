import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { formatBytes } from '../../src/shared/format';
import { OciLayout, pushToRegistry } from '../support/lab/content';
import { FaultProxy, type SeenRequest } from '../support/lab/fault-proxy';
import type { LabRegistry } from '../support/lab/registry';
import { labRequest } from '../support/lab/request';
import { chooseFromContextMenu, row, runCommand, shoot } from './ui';
import { chooseColorTheme } from './contrast';

const MIB = 1024 * 1024;
/** Random bytes do not compress, so each layer really is 8 MiB on the wire. */
const LAYER_SIZES = [8 * MIB, 8 * MIB, 8 * MIB];
/** Every layer's read stalls after this much: the copy is caught mid-transfer on any machine, however fast. */
const STALL_AFTER = MIB;
/** "Within a couple of seconds": the last request the Cancel may still cause (closing upload sessions). */
const STOP_WITHIN_MS = 3_000;
/** How long both registries must then hear nothing more. */
const QUIET_MS = 5_000;

function listed(requests: readonly SeenRequest[], since: number): string {
  return requests.map((r) => `+${r.at - since} ms ${r.method} ${r.path.replace(/\?.*/, '?…')} → ${r.status}`).join('\n  ') || '(none)';
}

/**
 * Cancel, as a person uses it: a copy from a registry whose layers stall part-way shows its byte
 * progress; Cancel in the notification ends it. Both registries are behind proxies that count
 * requests: after Cancel only the cleanup of upload sessions may arrive, within a couple of
 * seconds, then nothing; the target has no tag; the person is told it was cancelled.
 */
export async function runCancelPath(page: Page, options: { screenshots: string; target: LabRegistry }): Promise<void> {
  const { screenshots, target } = options;
  const slowRegistry = await target.lab.startRegistry({ name: 'e2e-slow' });
  const layout = await OciLayout.create(join(target.lab.dir, 'content', `large-${randomBytes(4).toString('hex')}`));
  const image = await layout.image({ seed: 'cancel-large', layers: LAYER_SIZES });
  await pushToRegistry(layout, image, slowRegistry, 'media/large:v1');
  const totalBytes = image.configDescriptor.size + image.layers.reduce((sum, l) => sum + l.descriptor.size, 0);
  const source = await FaultProxy.start(slowRegistry);
  for (const layer of image.layers)
    source.add({
      method: 'GET',
      path: new RegExp(`/blobs/${layer.descriptor.digest}$`),
      fault: { kind: 'stall', afterBytes: STALL_AFTER },
    });
  // The target unchanged, only counted: the person types this host as the destination.
  const sink = await FaultProxy.start(target);
  const destination = `${sink.host}/media/large-copy:v1`;
  const input = page.locator('.quick-input-widget input.input');
  // The workbench runs with the smoke-test driver, which shows no toasts: notifications are read in the center.
  const bell = page.locator('.statusbar-item[id="status.notifications"]').first();
  const center = page.locator('.notifications-center');
  const openCenter = async (): Promise<void> => {
    if (!(await center.isVisible())) await bell.click();
    await center.waitFor({ timeout: 10_000 });
  };
  try {
    // The inspector path ends in a high-contrast theme with a panel open: back to the plain workbench.
    await runCommand(page, 'View: Close All Editors');
    // Earlier steps' notifications would share the center with this step's.
    await runCommand(page, 'Notifications: Clear All Notifications');
    // code-server's default theme, the one steps 1–10 are shown in.
    await chooseColorTheme(page, 'Light 2026');
    const lab = row(page, 'Lab registry');
    if ((await lab.isVisible()) && (await lab.getAttribute('aria-expanded')) === 'true') await lab.click();

    // 20. Add the slow registry, Copy To… its image, and watch the progress in the notification.
    await runCommand(page, 'Registry Explorer: Add Registry…');
    await input.fill(source.url);
    await input.press('Enter');
    await page.locator('.quick-input-widget').getByText('Display name', { exact: false }).waitFor({ timeout: 10_000 });
    await input.fill('Slow registry');
    await input.press('Enter');
    await row(page, 'Slow registry').waitFor({ timeout: 30_000 });
    await row(page, 'Slow registry').click();
    await row(page, 'media/large').waitFor({ timeout: 30_000 });
    await row(page, 'media/large').click();
    // Drawn from its HEAD, the row shows the digest; the size shows once the tag is expanded.
    const tag = row(page, /^v1\s*[0-9a-f]{12}/);
    await tag.waitFor({ timeout: 30_000 });
    await chooseFromContextMenu(page, tag, 'Copy To…');
    await input.waitFor({ timeout: 10_000 });
    await input.fill(destination);
    await input.press('Enter');
    await page.locator('.quick-input-widget').getByText('Include referrers', { exact: false }).waitFor({ timeout: 30_000 });
    await input.press('Enter');
    await openCenter();
    const progress = center.locator('.notification-list-item', { hasText: `to ${destination}` });
    // The config arrives whole; each layer stops at STALL_AFTER. The text must say so, bytes included.
    const expected = `${formatBytes(3 * STALL_AFTER + image.configDescriptor.size)} of ${formatBytes(totalBytes)} · 1/4 blobs`;
    await progress
      .locator('.notification-list-item-message', { hasText: expected })
      .waitFor({ timeout: 60_000 })
      .catch(async (err: Error) => {
        throw new Error(
          `the progress notification never said "${expected}"; it says "${await progress.innerText().catch(() => '(none)')}": ${err.message}`,
        );
      });
    const cancel = progress.locator('.monaco-button', { hasText: 'Cancel' });
    assert.ok(await cancel.isVisible(), 'the progress notification offers Cancel');
    await shoot(page, screenshots, '20-cancel-progress');

    // 21. Cancel: the notification goes, the person is told, the registries hear nothing more, no tag.
    const clickedAt = Date.now();
    await cancel.click();
    await progress.waitFor({ state: 'detached', timeout: 15_000 });
    const goneMs = Date.now() - clickedAt;
    // The center closes once empty; the message may arrive before or after that.
    const told = center.locator('.notification-list-item-message', { hasText: 'Copy To was cancelled: nothing was tagged' });
    await page.waitForFunction(
      () => {
        const shown = document.querySelector('.notifications-center.visible');
        return !shown || /was cancelled/.test(shown.textContent ?? '');
      },
      undefined,
      { timeout: 15_000 },
    );
    await openCenter();
    await told.waitFor({ timeout: 15_000 }).catch((err: Error) => {
      throw new Error(
        `Cancel did not end the copy: no "Copy To was cancelled: nothing was tagged…" within 15 s; requests after the click:\n  ${listed(
          [...source.requests, ...sink.requests].filter((r) => r.at >= clickedAt),
          clickedAt,
        )}\n${err.message}`,
      );
    });
    const toldMs = Date.now() - clickedAt;
    assert.equal(await center.locator('.notification-list-item', { hasText: 'Copying' }).count(), 0, 'no progress notification is left');
    assert.equal(
      await center.locator('.notification-list-item .codicon-error').count(),
      0,
      `no error is shown: ${await center.innerText()}`,
    );
    await shoot(page, screenshots, '21-cancel-cancelled');

    // The copy has settled (the message says so); now count what each registry heard after the click.
    const seen = { source: source.requests.length, sink: sink.requests.length };
    await page.waitForTimeout(QUIET_MS);
    const after = { source: source.requests.filter((r) => r.at >= clickedAt), sink: sink.requests.filter((r) => r.at >= clickedAt) };
    const log = `source:\n  ${listed(after.source, clickedAt)}\ntarget:\n  ${listed(after.sink, clickedAt)}`;
    assert.equal(source.requests.length, seen.source, `the source heard nothing in the ${QUIET_MS} ms after the message\n${log}`);
    assert.equal(sink.requests.length, seen.sink, `the target heard nothing in the ${QUIET_MS} ms after the message\n${log}`);
    const late = [...after.source, ...after.sink].filter((r) => r.at - clickedAt > STOP_WITHIN_MS);
    assert.deepEqual(late, [], `every request after Cancel arrived within ${STOP_WITHIN_MS} ms\n${log}`);
    assert.ok(
      [...after.source, ...after.sink].every((r) => r.method === 'DELETE'),
      `after Cancel only upload sessions are closed\n${log}`,
    );

    // Read straight from the registry, not through the counting proxy.
    const tags = await labRequest(`${target.url}/v2/media/large-copy/tags/list`);
    assert.ok(
      tags.status === 404 || !(tags.json<{ tags?: string[] | null }>().tags ?? []).includes('v1'),
      `no tag v1 at the target: ${tags.status} ${tags.text()}`,
    );
    const manifest = await labRequest(`${target.url}/v2/media/large-copy/manifests/v1`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    assert.equal(manifest.status, 404, 'the target has no manifest under v1');
    console.log(
      `[e2e] cancel: progress gone ${goneMs} ms and "cancelled" shown ${toldMs} ms after the click; after it the source heard ${after.source.length} requests, the target ${after.sink.length} (${after.sink.map((r) => r.method).join(', ') || 'none'}), the last ${Math.max(0, ...[...after.source, ...after.sink].map((r) => r.at - clickedAt))} ms after the click, then nothing for ${QUIET_MS} ms`,
    );
    await bell.click();
  } finally {
    await source.stop();
    await sink.stop();
  }
}
