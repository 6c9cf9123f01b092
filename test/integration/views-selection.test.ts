// Several rows selected in the tree: Copy Reference, Copy To, Pull and Delete act on the whole
// selection (tags across repositories), with one summary of what was done and what was not.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { SelectionSummary } from '../../src/commands/selection-commands';
import type { RegistryExplorerApi } from '../../src/extension';
import type { ExplorerNode } from '../../src/views/nodes/node-base';
import { daysAgo, digestAt, pushDated } from '../support/lab/dated-images';
import { child, EXTENSION_ID, waitFor } from './helpers';

const labUrl = process.env.REGISTRY_EXPLORER_LAB_URL ?? '';
const labHost = labUrl.replace(/^https?:\/\//, '');
const lab = { url: labUrl };

describe('A selection of several rows', () => {
  let api: RegistryExplorerApi;
  let repoA: ExplorerNode;
  let shared: string;
  let x1: ExplorerNode;
  let y1: ExplorerNode;
  let yDigest: string;
  let referrersTag: ExplorerNode;

  before(async () => {
    api = await vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID)!.activate();
    shared = await pushDated(lab, 'sel/a', ['x1', 'x-keep'], daysAgo(10));
    yDigest = await pushDated(lab, 'sel/b', ['y1'], daysAgo(10));
    await vscode.workspace
      .getConfiguration('registryExplorer')
      .update('registries', [{ url: labUrl, name: 'Lab' }], vscode.ConfigurationTarget.Global);
    const registry = await waitFor('the registry', async () => {
      const roots = await api.tree.getChildren();
      return roots.length === 1 ? roots[0] : undefined;
    });
    repoA = await child(api, registry, 'sel/a');
    x1 = await child(api, repoA, 'x1');
    y1 = await child(api, await child(api, registry, 'sel/b'), 'y1');
    referrersTag = await child(api, await child(api, registry, 'apps/web'), /^sha256-/);
  });

  after(() => vscode.workspace.getConfiguration('registryExplorer').update('registries', [], vscode.ConfigurationTarget.Global));

  it('copies every reference, one a line', async () => {
    await vscode.commands.executeCommand('registryExplorer.copyReference', x1, [x1, y1, repoA]);
    assert.equal(await vscode.env.clipboard.readText(), [`${labHost}/sel/a:x1`, `${labHost}/sel/b:y1`, `${labHost}/sel/a`].join('\n'));
  });

  it('copies every selected image under one namespace', async () => {
    const summary = await vscode.commands.executeCommand<SelectionSummary>('registryExplorer.copyTo', x1, [x1, y1], {
      destination: `${labHost}/mirror`,
    });
    assert.equal(summary.succeeded.length, 2, JSON.stringify(summary));
    assert.equal(await digestAt(lab, 'mirror/sel/a', 'x1'), shared);
    assert.equal(await digestAt(lab, 'mirror/sel/b', 'y1'), yDigest);
  });

  it("copies a selection to a namespace that names no registry onto the images' own registry (not Docker Hub)", async () => {
    const summary = await vscode.commands.executeCommand<SelectionSummary>('registryExplorer.copyTo', x1, [x1, y1], {
      destination: 'mirror-here',
    });
    assert.equal(summary.succeeded.length, 2, JSON.stringify(summary));
    assert.equal(await digestAt(lab, 'mirror-here/sel/a', 'x1'), shared);
    assert.equal(await digestAt(lab, 'mirror-here/sel/b', 'y1'), yDigest);
  });

  it('leaves a destination tag that points to another image as it is, unless asked to move it', async () => {
    // mirror-moves/sel/a:x1 names y1's image first.
    await vscode.commands.executeCommand('registryExplorer.copyTo', {
      reference: `${labHost}/sel/b:y1`,
      destination: `${labHost}/mirror-moves/sel/a:x1`,
    });
    assert.equal(await digestAt(lab, 'mirror-moves/sel/a', 'x1'), yDigest);
    const kept = await vscode.commands.executeCommand<SelectionSummary>('registryExplorer.copyTo', x1, [x1, y1], {
      destination: `${labHost}/mirror-moves`,
    });
    assert.deepEqual(kept.succeeded, [`${labHost}/sel/b:y1 → ${labHost}/mirror-moves/sel/b:y1`], JSON.stringify(kept));
    assert.match(kept.skipped.map((s) => s.reason).join('\n'), /mirror-moves\/sel\/a:x1 points to another image and was left as it is/);
    assert.equal(await digestAt(lab, 'mirror-moves/sel/a', 'x1'), yDigest, 'not moved');
    const moved = await vscode.commands.executeCommand<SelectionSummary>('registryExplorer.copyTo', x1, [x1, y1], {
      destination: `${labHost}/mirror-moves`,
      move: true,
    });
    assert.equal(moved.succeeded.length, 2, JSON.stringify(moved));
    assert.equal(await digestAt(lab, 'mirror-moves/sel/a', 'x1'), shared, 'moved when asked');
  });

  it('copies two selected images bound for one tag only once, saying why the other was left', async () => {
    // Two platform rows carry no tag: both would go to :latest, and the second would replace the first.
    const v1 = await child(api, await child(api, (await api.tree.getChildren())[0], 'apps/web'), 'v1');
    const amd64 = await child(api, v1, 'linux/amd64');
    const arm64 = await child(api, v1, 'linux/arm64/v8');
    const summary = await vscode.commands.executeCommand<SelectionSummary>('registryExplorer.copyTo', amd64, [amd64, arm64], {
      destination: `${labHost}/mirror-platforms`,
    });
    assert.equal(summary.succeeded.length, 1, JSON.stringify(summary));
    assert.equal(summary.skipped.length, 1, JSON.stringify(summary));
    assert.match(summary.skipped[0]!.reason, /mirror-platforms\/apps\/web:latest is where .* goes too, and a tag holds one image/);
    const first = summary.succeeded[0]!.split(' → ')[0]!;
    assert.equal(await digestAt(lab, 'mirror-platforms/apps/web', 'latest'), first.slice(first.indexOf('@') + 1), 'the first one stays');
  });

  it('pulls every selected image into one OCI layout, each under its name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pull-selection-'));
    const summary = await vscode.commands.executeCommand<SelectionSummary>('registryExplorer.pull', x1, [x1, y1], { dir });
    assert.equal(summary.succeeded.length, 2, JSON.stringify(summary));
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {
      manifests: { digest: string; annotations?: Record<string, string> }[];
    };
    assert.deepEqual(index.manifests.map((m) => [m.annotations?.['org.opencontainers.image.ref.name'], m.digest]).sort(), [
      ['sel/a:x1', shared],
      ['sel/b:y1', yDigest],
    ]);
  });

  it('deletes the selected tags across repositories, keeping a manifest an unselected tag shares, and says what it skipped', async () => {
    const summary = await vscode.commands.executeCommand<SelectionSummary>('registryExplorer.delete', x1, [x1, y1, repoA, referrersTag], {
      confirm: true,
    });
    assert.deepEqual(summary.succeeded.sort(), [`${labHost}/sel/a:x1`, `${labHost}/sel/b@${yDigest}`]);
    assert.deepEqual(
      summary.skipped.map((s) => s.reference.replace(/:sha256-.*/, ':sha256-…')),
      [`${labHost}/sel/a`, `${labHost}/apps/web:sha256-…`],
    );
    assert.match(summary.skipped[1]!.reason, /holds the signatures, attestations or SBOMs of another manifest/);
    assert.equal(await digestAt(lab, 'sel/a', 'x1'), undefined);
    assert.equal(await digestAt(lab, 'sel/a', 'x-keep'), shared, 'the unselected tag keeps its manifest');
    assert.equal(await digestAt(lab, 'sel/b', yDigest), undefined);
  });
});
