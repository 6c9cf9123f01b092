// Clean Up Repository… inside VS Code against the lab: the preview document and its JSON, the
// deletions the registry shows afterwards (a tag sharing a kept tag's manifest removed alone), and
// a registry with deletes disabled stopped before any policy is asked.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { CleanupOutcome } from '../../src/commands/cleanup-commands';
import type { RegistryExplorerApi } from '../../src/extension';
import { daysAgo, digestAt, pushDated } from '../support/lab/dated-images';
import { EXTENSION_ID } from './helpers';

const lab = JSON.parse(process.env.REGISTRY_EXPLORER_LAB ?? '{}') as {
  registry: { url: string; host: string };
  noDelete: { url: string; host: string };
};

describe('Clean Up Repository', () => {
  before(async () => {
    await vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID)!.activate();
    assert.ok(lab.noDelete, 'REGISTRY_EXPLORER_LAB describes a registry with deletes disabled');
    await vscode.workspace
      .getConfiguration('registryExplorer')
      .update('registries', [{ url: lab.registry.url }, { url: lab.noDelete.url }], vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.getConfiguration('registryExplorer').update('registries', [], vscode.ConfigurationTarget.Global);
  });

  it('previews, saves the preview as JSON, and deletes what it listed, keeping the shared manifest', async () => {
    const name = 'cleanup/app';
    const shared = await pushDated(lab.registry, name, ['stable', 'old-build'], daysAgo(100));
    const stale = await pushDated(lab.registry, name, ['pr-1'], daysAgo(60));
    const fresh = await pushDated(lab.registry, name, ['pr-2'], daysAgo(1));
    const saveJsonTo = join(mkdtempSync(join(tmpdir(), 'cleanup-')), 'preview.json');
    const outcome = await vscode.commands.executeCommand<CleanupOutcome>('registryExplorer.cleanUpRepository', {
      repository: `${lab.registry.host}/${name}`,
      policy: { olderThanDays: 30, keep: ['stable'], sharedDigest: 'delete-tag' },
      confirm: true,
      saveJsonTo,
    });
    assert.deepEqual(
      outcome.plan!.decisions.map((d) => `${d.tag}:${d.action}`),
      ['stable:keep', 'old-build:delete-tag', 'pr-1:delete-manifest', 'pr-2:keep'], // the tree's natural order: named tags first
    );
    const preview = vscode.workspace.textDocuments.find((d) => d.uri.toString() === outcome.previewUri)!;
    assert.match(
      preview.getText(),
      /Tags removed alone: their manifest stays for a kept tag \(1\)\n {2}old-build .*shares its manifest with kept tag "stable"/,
    );
    const saved = JSON.parse(readFileSync(saveJsonTo, 'utf8')) as { repository: string; totals: { tagsRemoved: number } };
    assert.equal(saved.repository, `${lab.registry.host}/${name}`);
    assert.equal(saved.totals.tagsRemoved, 2);
    assert.deepEqual(outcome.report!.totals, { deleted: 2, failed: 0, skipped: 0, notAttempted: 0 });

    assert.equal(await digestAt(lab.registry, name, 'stable'), shared);
    assert.equal(await digestAt(lab.registry, name, 'old-build'), undefined);
    assert.equal(await digestAt(lab.registry, name, stale), undefined);
    assert.equal(await digestAt(lab.registry, name, 'pr-2'), fresh);
  });

  it('says deletes are disabled, and how to enable them, before asking anything', async () => {
    const digest = await pushDated(lab.noDelete, 'cleanup/kept', ['1.0'], daysAgo(90));
    const outcome = await vscode.commands.executeCommand<CleanupOutcome>('registryExplorer.cleanUpRepository', {
      repository: `${lab.noDelete.host}/cleanup/kept`,
      policy: { sharedDigest: 'delete-tag' },
      confirm: true,
    });
    assert.deepEqual(outcome, { deletesDisabled: true });
    assert.equal(await digestAt(lab.noDelete, 'cleanup/kept', '1.0'), digest);
  });

  it('reads only up to its tag limit and says the preview covers part of the repository', async () => {
    const name = 'cleanup/many';
    await pushDated(lab.registry, name, ['a1', 'a2', 'a3', 'a4'], daysAgo(90));
    const outcome = await vscode.commands.executeCommand<CleanupOutcome>('registryExplorer.cleanUpRepository', {
      repository: `${lab.registry.host}/${name}`,
      policy: { match: 'nothing-matches-*', sharedDigest: 'keep' },
      tagLimit: 2,
    });
    assert.deepEqual(outcome.plan!.partial, { tagsRead: 2, limit: 2 });
    assert.equal(outcome.plan!.totals.tags, 2);
    const preview = vscode.workspace.textDocuments.find((d) => d.uri.toString() === outcome.previewUri)!;
    assert.match(preview.getText(), /PART OF THE REPOSITORY ONLY: the repository has more than 2 tags and only the first 2/);
    assert.ok(await digestAt(lab.registry, name, 'a4'), 'nothing was deleted');
  });
});
