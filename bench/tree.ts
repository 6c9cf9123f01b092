// The tree case of `npm run bench`: the extension installed from its .vsix in a real VS Code
// (code-server + Chromium, the e2e harness's helpers), a registry behind a counting proxy whose
// catalog holds 20,000 repositories, one of them with 10,000 tags; and the inspector on a
// 20-platform index (bench/inspector.ts). Times run in the page, from the click on a row to the
// frame that draws its first child rows. Reported, never asserted.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { quiet } from '../test/e2e/big-registry-path';
import { addRegistry, openView, row } from '../test/e2e/ui';
import { startVsCodeServer } from '../test/e2e/vscode-server';
import { openWorkbench } from '../test/e2e/workbench';
import { FaultProxy } from '../test/support/lab/fault-proxy';
import type { Lab, LabRegistry } from '../test/support/lab/registry';
import { pushImage, tinyImage } from './content';
import { registryFetch } from './curl';
import { inspectorFigures } from './inspector';
import type { TreeResult } from './report';

const PROJECT = resolve(__dirname, '../..');
const VSIX = join(PROJECT, 'oci-registry-explorer.vsix');
const TAG_COUNT = 10_000;
const REPOSITORY_COUNT = 20_000;
const TAGS_REPOSITORY = 'bench/tags';
/** registryExplorer.pageSize's default: the rows the tree asks the catalog for at a time. */
const PAGE_SIZE = 100;
const INSPECTOR_PLATFORMS = 20;
const INSPECTOR_INDEXES = 3;

/** Tag names that sort the way a real repository's do: `v0.0.0` … `v9.9.99`. */
function tagName(i: number): string {
  return `v${Math.floor(i / 1000)}.${Math.floor(i / 100) % 10}.${i % 100}`;
}

/**
 * Fills the registry's storage the way Distribution lays it out (registry-lab.md): a tag is a
 * folder holding a link to its manifest's digest, and the catalog lists every folder with a
 * `_manifests` inside. Written straight to disk, 30,000 entries take a second or two instead of
 * minutes of PUTs; the one real image is pushed first, so every tag's link points at it.
 */
async function seed(registry: LabRegistry, work: string): Promise<void> {
  const image = await tinyImage(work, TAGS_REPOSITORY);
  await pushImage(registry.url, image);
  const repositories = join(registry.dataDir, 'docker/registry/v2/repositories');
  const tags = join(repositories, TAGS_REPOSITORY, '_manifests/tags');
  for (let i = 0; i < TAG_COUNT; i++) {
    const current = join(tags, tagName(i), 'current');
    await mkdir(current, { recursive: true });
    await writeFile(join(current, 'link'), image.manifestDigest);
  }
  // The tags repository counts as one of the catalog's repositories.
  for (let i = 0; i < REPOSITORY_COUNT - 1; i++) {
    await mkdir(join(repositories, 'many', `repo-${String(i).padStart(5, '0')}`, '_manifests'), { recursive: true });
  }
}

/**
 * Clicks `label`'s row and returns the milliseconds until a frame draws a row matching `child`:
 * the click time is taken by a capturing listener in the page and the drawing checked every frame.
 */
async function expandAndTime(page: Page, label: string | RegExp, child: RegExp): Promise<number> {
  await page.evaluate(() => {
    const w = window as unknown as { benchClick?: number };
    delete w.benchClick;
    document.addEventListener('mousedown', () => (w.benchClick = performance.now()), { capture: true, once: true });
  });
  await row(page, label).click();
  const handle = await page.waitForFunction(
    (source) => {
      const pattern = new RegExp(source);
      const labels = Array.from(document.querySelectorAll('.pane-body .monaco-list-row .label-name'));
      if (!labels.some((l) => pattern.test((l.textContent ?? '').trim()))) return false;
      const w = window as unknown as { benchClick?: number };
      return performance.now() - (w.benchClick ?? Number.NaN);
    },
    child.source,
    { polling: 'raf', timeout: 60_000 },
  );
  return (await handle.jsonValue()) as number;
}

/** A GET straight to the registry, timed to its last byte. */
async function timedGet(url: string): Promise<number> {
  const started = performance.now();
  const res = await registryFetch(url);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return performance.now() - started;
}

/** Collapses the row when it is open. */
async function collapse(page: Page, label: string | RegExp): Promise<void> {
  const r = row(page, label);
  if ((await r.isVisible()) && (await r.getAttribute('aria-expanded')) === 'true') await r.click();
}

export async function runTreeBench(lab: Lab, options: { runs: number; work: string; log: (line: string) => void }): Promise<TreeResult> {
  const started = performance.now();
  await mkdir(options.work, { recursive: true });
  const registry = await lab.startRegistry({ name: 'tree' });
  await seed(registry, options.work);
  options.log(`setup: ${TAG_COUNT} tags and ${REPOSITORY_COUNT} repositories in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  // No logins of this machine: the tree shows only the bench's registries.
  const logins = await mkdtemp(join(options.work, 'logins-'));
  const server = await startVsCodeServer({ vsix: VSIX, env: { DOCKER_CONFIG: logins, REGISTRY_AUTH_FILE: join(logins, 'auth.json') } });
  const workbench = await openWorkbench();
  const result: TreeResult = {
    tagCount: TAG_COUNT,
    tagsFirstRowsMs: [],
    repositoryCount: REPOSITORY_COUNT,
    catalogFirstPageMs: [],
    catalogRequests: [],
    pageSize: PAGE_SIZE,
    registryMs: { catalogPage: [], tagsList: [] },
    inspector: { platforms: INSPECTOR_PLATFORMS, cold: [], cached: [], floor: [] },
  };
  const proxies: FaultProxy[] = [];
  try {
    const page = workbench.page;
    await page.goto(server.workbenchUrl());
    await openView(page);
    for (let run = 0; run < options.runs; run++) {
      // Every run meets the registry as new: behind a proxy of its own (another host to the
      // extension, so nothing it read before is reused), added as a person adds one.
      const proxy = await FaultProxy.start(registry);
      proxies.push(proxy);
      // Named by a letter: the row's text runs on into its address's digits.
      const label = `Bench registry ${String.fromCharCode(65 + run)}`;
      const name = new RegExp(`^${label}`);
      await addRegistry(page, proxy.url, label);
      await quiet(page, proxy);
      proxy.clearRequests();
      const catalogMs = await expandAndTime(page, name, /^many\/repo-\d{5}$|^bench\/tags$/);
      await quiet(page, proxy);
      const catalog = proxy.requests.filter((r) => r.method === 'GET' && /\/_catalog/.test(r.path)).map((r) => r.path);
      const tagsMs = await expandAndTime(page, TAGS_REPOSITORY, /^v\d+\.\d+\.\d+/);
      await quiet(page, proxy);
      await collapse(page, TAGS_REPOSITORY);
      await collapse(page, name);
      result.catalogFirstPageMs.push(catalogMs);
      result.catalogRequests.push(catalog);
      result.tagsFirstRowsMs.push(tagsMs);
      // The registry's own part: the same page and listing asked directly, timed to the last byte.
      result.registryMs.catalogPage.push(await timedGet(`${registry.url}/v2/_catalog?n=${PAGE_SIZE}`));
      result.registryMs.tagsList.push(await timedGet(`${registry.url}/v2/${TAGS_REPOSITORY}/tags/list`));
      options.log(
        `  tree run ${run + 1}/${options.runs}: catalog page ${catalogMs.toFixed(0)} ms (${catalog.length} request), tags ${tagsMs.toFixed(0)} ms`,
      );
    }
  } finally {
    await workbench.close();
    await server.stop();
    await Promise.all(proxies.map((p) => p.stop()));
  }
  const figures = await inspectorFigures(lab, INSPECTOR_PLATFORMS, INSPECTOR_INDEXES);
  result.inspector = { platforms: INSPECTOR_PLATFORMS, ...figures };
  options.log(`  inspector, ${INSPECTOR_PLATFORMS} platforms: ${figures.cold.map((v) => v.toFixed(0)).join(', ')} ms`);
  return result;
}
