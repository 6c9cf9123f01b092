// Compare With… inside VS Code against the lab: the comparison panel laid out (with the files of
// one image compared), diff editors on normalised JSON from the panel's buttons, two selected rows,
// an image with itself, an index with itself, and two different indexes compared platform by platform.
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { CompareOutcome } from '../../src/commands/compare-commands';
import type { RegistryExplorerApi } from '../../src/extension';
import type { ExplorerNode } from '../../src/views/nodes/node-base';
import { pushDatedIndex } from '../support/lab/dated-images';
import { child, EXTENSION_ID, waitFor } from './helpers';

const labUrl = process.env.REGISTRY_EXPLORER_LAB_URL ?? '';
const labHost = labUrl.replace(/^https?:\/\//, '');

function text(uri: string): string {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
  assert.ok(doc, `${uri} is open`);
  return doc.getText();
}

/** The comparison panel's tab, if one is open with `title`. */
function panelTab(title: string): vscode.Tab | undefined {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .find(
      (t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('registryExplorer.comparison') && t.label === title,
    );
}

describe('Compare With', () => {
  let api: RegistryExplorerApi;
  let registry: ExplorerNode;

  before(async () => {
    api = await vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID)!.activate();
    await vscode.workspace
      .getConfiguration('registryExplorer')
      .update('registries', [{ url: labUrl, name: 'Lab' }], vscode.ConfigurationTarget.Global);
    registry = await waitFor('the registry', async () => {
      const roots = await api.tree.getChildren();
      return roots.length === 1 ? roots[0] : undefined;
    });
  });

  afterEach(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));
  after(() => vscode.workspace.getConfiguration('registryExplorer').update('registries', [], vscode.ConfigurationTarget.Global));

  it('opens the comparison panel with the files compared, and diffs of the manifests and configs as normalised JSON', async () => {
    const outcome = await vscode.commands.executeCommand<CompareOutcome>('registryExplorer.compareWith', {
      reference: `${labHost}/library/alpine:3.19`,
      with: `${labHost}/library/alpine:3.20`,
      openDiffs: true,
      waitUntilRendered: true,
    });
    assert.equal(outcome.rendered, 'alpine:3.19 ↔ alpine:3.20');
    assert.ok(panelTab('alpine:3.19 ↔ alpine:3.20'), 'the panel is open');
    assert.deepEqual(
      outcome.diffs.map((d) => d.title),
      ['alpine:3.19 ↔ alpine:3.20 (manifest)', 'alpine:3.19 ↔ alpine:3.20 (config)'],
    );
    const config = text(outcome.diffs[1]!.left);
    const keys = Object.keys(JSON.parse(config) as object);
    assert.deepEqual(keys, [...keys].sort(), 'top-level keys are sorted');
    assert.match(config, /^\{\n {2}"/);
    assert.deepEqual(
      outcome.comparison.config.find((c) => c.setting === 'Label org.opencontainers.image.version'),
      {
        setting: 'Label org.opencontainers.image.version',
        before: '3.19',
        after: '3.20',
      },
    );
    assert.deepEqual(
      [outcome.comparison.layers.shared.length, outcome.comparison.layers.added.length, outcome.comparison.layers.removed.length],
      [0, 2, 1],
    );
    const files = outcome.files[''];
    assert.ok(files, 'the files of the one image were compared as the panel opened');
    assert.ok(files.added.total + files.removed.total + files.changed.total > 0);
  });

  it('compares two selected tags, and a tag with itself finds nothing', async () => {
    const alpine = await child(api, registry, 'library/alpine');
    const [a, b] = [await child(api, alpine, '1.2.9'), await child(api, alpine, '1.2.10')];
    const pair = await vscode.commands.executeCommand<CompareOutcome>('registryExplorer.compareWith', a, [a, b]);
    assert.equal(pair.comparison.identical, false);
    await waitFor('the panel of the selected pair', async () => panelTab('alpine:1.2.9 ↔ alpine:1.2.10'));
    const same = await vscode.commands.executeCommand<CompareOutcome>('registryExplorer.compareWith', {
      reference: `${labHost}/library/alpine:1.2.9`,
      with: `${labHost}/library/alpine:1.2.9`,
      waitUntilRendered: true,
    });
    assert.equal(same.comparison.identical, true);
    assert.deepEqual(same.comparison.config, []);
    assert.deepEqual(same.comparison.history, { removed: [], added: [] });
    assert.deepEqual(same.files, {}, 'the same layers: no file is read');
  });

  it('compares an index with itself: every platform the same, and the index diff from the panel', async () => {
    const outcome = await vscode.commands.executeCommand<CompareOutcome>('registryExplorer.compareWith', {
      reference: `${labHost}/apps/web:v1`,
      with: `${labHost}/apps/web:v1`,
      platform: 'linux/arm64/v8',
      openDiffs: true,
      waitUntilRendered: true,
    });
    assert.deepEqual(
      outcome.diffs.map((d) => d.title),
      ['web:v1 ↔ web:v1 (index)', 'web:v1 ↔ web:v1 (linux/arm64/v8 manifest)', 'web:v1 ↔ web:v1 (linux/arm64/v8 config)'],
    );
    assert.equal(outcome.platform, 'linux/arm64/v8');
    assert.deepEqual(Object.keys(outcome.comparisons).sort(), ['linux/amd64', 'linux/arm64/v8']);
    assert.ok(Object.values(outcome.comparisons).every((c) => c.identical));
  });

  it('compares two different indexes platform by platform, naming a platform only one has', async () => {
    const platforms = [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ];
    await pushDatedIndex({ url: labUrl }, 'compare/web', 'v1', platforms.slice(0, 1), 'first');
    await pushDatedIndex({ url: labUrl }, 'compare/web', 'v2', platforms, 'second');
    const outcome = await vscode.commands.executeCommand<CompareOutcome>('registryExplorer.compareWith', {
      reference: `${labHost}/compare/web:v1`,
      with: `${labHost}/compare/web:v2`,
      waitUntilRendered: true,
    });
    assert.equal(outcome.rendered, 'web:v1 ↔ web:v2');
    assert.deepEqual(Object.keys(outcome.comparisons), ['linux/amd64'], 'only the platform both have is compared');
    assert.equal(outcome.comparisons['linux/amd64']!.identical, false);
    assert.equal(outcome.platform, 'linux/amd64');
    assert.deepEqual(
      outcome.model.platforms.map((p) => [p.platform, p.only ?? (p.identical ? 'same' : 'differs')]),
      [
        ['linux/amd64', 'differs'],
        ['linux/arm64/v8', 'after'],
      ],
    );
  });
});
