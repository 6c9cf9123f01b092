// A Windows-style image whose base layer is foreign (hosted outside the registry, at the URL its
// manifest gives), as a person meets it: the inspector's page for that layer says where it is
// hosted instead of listing files, and Compare Files leaves it out with a note. The URL points at a
// loopback server that records every connection: the extension must never make one.
import { strict as assert } from 'node:assert';
import type { Frame, Page } from 'playwright-core';
import { pushForeignLayerImage } from '../support/lab/foreign-layer';
import type { RecordingServer } from '../support/lab/fault-proxy';
import type { LabRegistry } from '../support/lab/registry';
import { compare, comparisonFrame, inspector, openViewIfClosed, runCommand, shoot } from './ui';

export interface ForeignLayerOptions {
  screenshots: string;
  /** A lab registry started with `foreignLayers`. */
  registry: LabRegistry;
  /** Where the manifest says the foreign layer is hosted. */
  foreignHost: RecordingServer;
}

export async function runForeignLayerPath(page: Page, options: ForeignLayerOptions): Promise<void> {
  const { screenshots, registry, foreignHost } = options;
  const hostedAt = `${foreignHost.url}/windows/servercore/base-layer.tar.gz`;
  const image = await pushForeignLayerImage(registry, { repository: 'windows/app', tag: 'ltsc2022', hostedAt });
  await openViewIfClosed(page);
  await runCommand(page, 'View: Close All Editors');

  // 92. Inspect Manifest, then the foreign layer (layer 1): the page says where it is hosted.
  const input = await runCommand(page, 'Registry Explorer: Inspect Manifest');
  await input.fill(`${registry.host}/${image.repository}:${image.tag}`);
  await input.press('Enter');
  let frame = await inspector(page, `${image.repository}:${image.tag}`);
  await frame
    .locator('button.link', { hasText: /^layer 1$/ })
    .first()
    .click();
  frame = await inspector(page, /files$/);
  // Said as a fact about the layer (a notice), not as a failure with a retry that would find the same.
  const hosted = frame.locator('.layer-files .hosted-elsewhere');
  await hosted.waitFor({ timeout: 30_000 });
  assert.equal(
    ((await hosted.textContent()) ?? '').trim(),
    `This foreign (non-distributable) layer is not in the registry: its manifest says it is hosted at ${hostedAt}, which this extension does not download from, so its files are not listed.`,
  );
  assert.equal(await frame.locator('.listing-summary').count(), 0, 'no files are listed');
  assert.equal(await frame.locator('.layer-files .problem').count(), 0, 'not shown as an error');
  assert.equal(await frame.getByText('List again').count(), 0, 'no retry is offered');
  await shoot(page, screenshots, '92-inspector-foreign-layer');
  assert.equal(foreignHost.acceptedConnections, 0, 'nothing was fetched from the URL the manifest gives');

  // 93. Compare With… the same image without it: its files are compared, the foreign layer left out with a note.
  await runCommand(page, 'View: Close All Editors');
  await compare(page, `${registry.host}/${image.repository}:${image.baseTag}`, `${registry.host}/${image.repository}:${image.tag}`);
  frame = await comparisonFrame(page, `app:${image.baseTag} ↔ app:${image.tag}`);
  // The files part ends in a result or a problem (a foreign layer read from the registry would be one).
  const files = frame.locator('[data-part="files"]');
  await files.locator('.files-result, .problem').first().waitFor({ timeout: 60_000 });
  assert.equal(
    ((await files.locator('p').first().textContent()) ?? '').trim(),
    '1 layer is foreign or non-distributable, hosted outside the registry at the URLs the manifest gives, so its files are not included.',
  );
  await listedAsAdded(frame, image.foreignLayer.digest);
  await files.scrollIntoViewIfNeeded();
  await shoot(page, screenshots, '93-compare-foreign-layer-left-out');
  assert.equal(foreignHost.acceptedConnections, 0, 'comparing fetched nothing from the URL the manifest gives');
  await runCommand(page, 'View: Close All Editors');
}

/** The foreign layer still shows in the layer table, as added: only its files are left out. */
async function listedAsAdded(frame: Frame, digest: string): Promise<void> {
  const added = await frame.locator('table.layers tr.change-added code').evaluateAll((codes) => codes.map((c) => c.getAttribute('title')));
  assert.ok(added.includes(digest), `the foreign layer is listed as added (${added.join(', ')})`);
}
