// Compare With… inside VS Code against the lab: diff editors on normalised JSON, the summary in
// words, two selected rows, an image with itself, and an index compared per platform.
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { CompareOutcome } from '../../src/commands/compare-commands';
import type { RegistryExplorerApi } from '../../src/extension';
import type { ExplorerNode } from '../../src/views/nodes/node-base';
import { child, EXTENSION_ID, waitFor } from './helpers';

const labUrl = process.env.REGISTRY_EXPLORER_LAB_URL ?? '';
const labHost = labUrl.replace(/^https?:\/\//, '');

function text(uri: string): string {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
  assert.ok(doc, `${uri} is open`);
  return doc.getText();
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

  it('opens diffs of the manifests and configs as normalised JSON, and a summary in words', async () => {
    const outcome = await vscode.commands.executeCommand<CompareOutcome>('registryExplorer.compareWith', {
      reference: `${labHost}/library/alpine:3.19`,
      with: `${labHost}/library/alpine:3.20`,
    });
    assert.deepEqual(
      outcome.diffs.map((d) => d.title),
      ['alpine:3.19 ↔ alpine:3.20 (manifest)', 'alpine:3.19 ↔ alpine:3.20 (config)'],
    );
    const config = text(outcome.diffs[1]!.left);
    const keys = Object.keys(JSON.parse(config) as object);
    assert.deepEqual(keys, [...keys].sort(), 'top-level keys are sorted');
    assert.match(config, /^\{\n {2}"/);
    const summary = text(outcome.summaryUri);
    assert.match(summary, /Label org\.opencontainers\.image\.version: 3\.19 → 3\.20/);
    assert.match(summary, /Layers: 0 shared, 2 added, 1 removed/);
    assert.match(summary, /Files added \(\d+\)/);
  });

  it('compares two selected tags, and a tag with itself finds nothing', async () => {
    const alpine = await child(api, registry, 'library/alpine');
    const [a, b] = [await child(api, alpine, '1.2.9'), await child(api, alpine, '1.2.10')];
    const pair = await vscode.commands.executeCommand<CompareOutcome>('registryExplorer.compareWith', a, [a, b]);
    assert.equal(pair.diffs[0]!.title, 'alpine:1.2.9 ↔ alpine:1.2.10 (manifest)');
    assert.equal(pair.comparison.identical, false);
    const same = await vscode.commands.executeCommand<CompareOutcome>('registryExplorer.compareWith', {
      reference: `${labHost}/library/alpine:1.2.9`,
      with: `${labHost}/library/alpine:1.2.9`,
    });
    assert.equal(same.comparison.identical, true);
    assert.match(text(same.summaryUri), /nothing differs/);
  });

  it('compares two indexes: the indexes, then one platform', async () => {
    const outcome = await vscode.commands.executeCommand<CompareOutcome>('registryExplorer.compareWith', {
      reference: `${labHost}/apps/web:v1`,
      with: `${labHost}/apps/web:v1`,
      platform: 'linux/arm64/v8',
    });
    assert.deepEqual(
      outcome.diffs.map((d) => d.title),
      ['web:v1 ↔ web:v1 (index)', 'web:v1 ↔ web:v1 (linux/arm64/v8 manifest)', 'web:v1 ↔ web:v1 (linux/arm64/v8 config)'],
    );
    assert.equal(outcome.platform, 'linux/arm64/v8');
    assert.equal(outcome.comparison.identical, true);
  });
});
