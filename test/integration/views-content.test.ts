import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import type { RegistryExplorerApi } from '../../src/extension';
import type { ExplorerNode } from '../../src/views/nodes/node-base';
import { child, EXTENSION_ID, label, waitFor } from './helpers';

const labUrl = process.env.REGISTRY_EXPLORER_LAB_URL ?? '';
const labHost = labUrl.replace(/^https?:\/\//, '');

describe('What is inside a repository', () => {
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

  after(() => vscode.workspace.getConfiguration('registryExplorer').update('registries', [], vscode.ConfigurationTarget.Global));

  it('expands a tag of an index into platforms, then config and layers, and a Referrers folder', async () => {
    const web = await child(api, registry, 'apps/web');
    const tag = await child(api, web, 'v1');
    const platforms = (await api.tree.getChildren(tag)).map(label);
    assert.deepEqual(platforms, ['linux/amd64', 'linux/arm64/v8', 'Referrers']);
    // Expanded, the tag's row shows its digest with the platform count.
    assert.match(String(tag.treeItem().description), /^[0-9a-f]{12} · 2 platforms$/);
    const amd64 = await child(api, tag, 'linux/amd64');
    const parts = (await api.tree.getChildren(amd64)).map(label);
    assert.equal(parts[0], 'config');
    assert.match(parts[1]!, /^layer 1$/);
    assert.equal(parts.at(-1), 'Referrers');
    const referrers = await child(api, tag, 'Referrers');
    assert.deepEqual((await api.tree.getChildren(referrers)).map(label), ['cosign signature']);
  });

  it("lists the tags named after a digest after the repository's own, saying what they hold and whose", async () => {
    const web = await child(api, registry, 'apps/web');
    const tags = await api.tree.getChildren(web);
    assert.deepEqual(
      tags.map(label).map((l) => l.replace(/^sha256-[0-9a-f]{64}$/, 'sha256-…')),
      ['v1', 'sha256-…'],
      'v1 first: natural order would put sha256-… before it',
    );
    const item = tags[1]!.treeItem();
    assert.match(String(item.description), /^referrers index of [0-9a-f]{12}$/);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'references');
  });

  it("shows an artifact's files by title", async () => {
    const bundle = await child(api, registry, 'artifacts/config-bundle');
    const tag = await child(api, bundle, 'v1');
    const summarized = String(tag.treeItem().description ?? '').includes('application/vnd.example.config-bundle.v1');
    // The row was drawn from its HEAD: once the manifest is read, VS Code is asked to redraw it.
    const redrawn = new Promise<boolean>((resolve) => {
      const watch = api.tree.onDidChangeTreeData((node) => node === tag && (watch.dispose(), resolve(true)));
      setTimeout(() => (watch.dispose(), resolve(false)), 10_000);
    });
    const files = (await api.tree.getChildren(tag)).map(label);
    assert.deepEqual(files, ['config', 'app.yaml', 'README.md', 'Referrers']);
    if (!summarized) assert.ok(await redrawn, 'the row is redrawn once its manifest is read');
    // Named by its artifact type, not by the manifest format that carries it ("OCI image").
    const item = tag.treeItem();
    assert.match(String(item.description), / · application\/vnd\.example\.config-bundle\.v1$/);
    const tooltip = (item.tooltip as vscode.MarkdownString).value.replace(/\\/g, '');
    assert.ok(!tooltip.includes('OCI image'), tooltip);
  });

  it('opens a manifest and a config as read-only JSON documents', async () => {
    const alpine = await child(api, registry, 'library/alpine');
    const tag = await child(api, alpine, '3.20');
    await vscode.commands.executeCommand('registryExplorer.openJson', tag);
    const manifest = await waitFor('the manifest tab', () =>
      vscode.window.activeTextEditor?.document.uri.scheme === 'oci' ? vscode.window.activeTextEditor.document : undefined,
    );
    assert.equal(manifest.languageId, 'json');
    assert.match(manifest.getText(), /"schemaVersion": 2/);
    const config = (await api.tree.getChildren(tag))[0]!;
    await vscode.commands.executeCommand('registryExplorer.openJson', config);
    const configDoc = await waitFor('the config tab', () => {
      const doc = vscode.window.activeTextEditor?.document;
      return doc && doc.uri.query.startsWith('blob') ? doc : undefined;
    });
    assert.match(configDoc.getText(), /"rootfs"/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('copies, tags and deletes through the commands, and the registry shows each change', async () => {
    const copied = await vscode.commands.executeCommand<{ root: { digest: string }; blobs: { mounted: number } }>(
      'registryExplorer.copyTo',
      {
        reference: `${labHost}/apps/web:v1`,
        destination: `${labHost}/copies/web:v1`,
        includeReferrers: true,
      },
    );
    assert.ok(copied, 'the copy finished');
    assert.ok(copied.blobs.mounted > 0, 'blobs were mounted within the registry');
    const copies = api.registry.session.registry(labHost).repository('copies/web');
    assert.equal((await copies.resolve('v1')).digest, copied.root.digest);
    assert.equal((await copies.referrers(copied.root.digest)).referrers.length, 1, 'the signature came along');

    const tagged = await vscode.commands.executeCommand<string>('registryExplorer.tag', {
      reference: `${labHost}/copies/web:v1`,
      newTag: 'stable',
    });
    assert.equal(tagged, 'stable');
    assert.equal((await copies.resolve('stable')).digest, copied.root.digest);

    const tagOnly = await vscode.commands.executeCommand('registryExplorer.delete', {
      reference: `${labHost}/copies/web:stable`,
      mode: 'tag',
      confirm: true,
    });
    assert.equal(tagOnly, 'tag');
    await assert.rejects(copies.resolve('stable'), /has no manifest/);
    assert.equal((await copies.resolve('v1')).digest, copied.root.digest, 'the other tag stays');

    const whole = await vscode.commands.executeCommand('registryExplorer.delete', {
      reference: `${labHost}/copies/web:v1`,
      mode: 'manifest',
      confirm: true,
    });
    assert.equal(whole, 'manifest');
    await assert.rejects(copies.resolve('v1'), /has no manifest/);
  });

  it('pulls to an OCI layout and a docker tar, and pushes the layout back under a new name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pull-layout-'));
    const pulled = await vscode.commands.executeCommand<{ root: { digest: string } }>('registryExplorer.pull', {
      reference: `${labHost}/apps/web:v1`,
      destination: { kind: 'oci-layout', dir },
    });
    assert.ok(pulled, 'the pull finished');
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {
      manifests: { digest: string; annotations?: Record<string, string> }[];
    };
    assert.deepEqual(
      index.manifests.map((m) => [m.digest, m.annotations?.['org.opencontainers.image.ref.name']]),
      [[pulled.root.digest, 'v1']],
    );

    const tar = join(dir, '..', `${basename(dir)}.tar`);
    const oneImage = await vscode.commands.executeCommand<{ root: { digest: string } }>('registryExplorer.pull', {
      reference: `${labHost}/apps/web:v1`,
      destination: { kind: 'docker-archive', file: tar },
      platforms: [{ os: 'linux', architecture: 'arm64' }],
    });
    assert.ok(oneImage && oneImage.root.digest !== pulled.root.digest, 'one platform of the index was written');
    assert.ok(statSync(tar).size > 0);

    const pushed = await vscode.commands.executeCommand<{ root: { digest: string } }>('registryExplorer.push', {
      source: { kind: 'oci-layout', dir },
      destination: `${labHost}/pushed/web:again`,
    });
    assert.ok(pushed, 'the push finished');
    assert.equal(pushed.root.digest, pulled.root.digest);
    assert.equal((await api.registry.session.registry(labHost).repository('pushed/web').resolve('again')).digest, pulled.root.digest);
  });

  it('copies a digest and a pull command to the clipboard, and reveals a reference in the tree', async () => {
    const reference = `${labHost}/library/alpine:3.20`;
    const digest = await vscode.commands.executeCommand<string>('registryExplorer.copyDigest', { reference });
    assert.equal(digest, (await api.registry.session.registry(labHost).repository('library/alpine').resolve('3.20')).digest);
    assert.equal(await vscode.env.clipboard.readText(), digest);
    const pull = await vscode.commands.executeCommand<string>('registryExplorer.copyPullCommand', { reference });
    assert.equal(pull, `docker pull ${reference}`);
    assert.equal(await vscode.env.clipboard.readText(), pull);
    assert.equal(await vscode.commands.executeCommand('registryExplorer.revealInTree', { reference }), true);
    assert.equal(
      await vscode.commands.executeCommand('registryExplorer.revealInTree', { reference: `${labHost}/library/alpine:no-such-tag` }),
      false,
    );
  });
});
