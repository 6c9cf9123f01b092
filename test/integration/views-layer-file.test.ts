// A file of a layer opened as a read-only tab, in a real VS Code: the `oci-layer:` document
// provider reads it through the core from the lab registry (the tab the inspector's file links open).
// And saved to disk through the Save File command (what the listing's Save button and the tab's
// title bar run), with the destination given as scripts give it instead of the dialog.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import * as vscode from 'vscode';
import type { RegistryExplorerApi } from '../../src/extension';
import { layerFileUri } from '../../src/common/layer-file-uri';
import { digestOf, type Descriptor } from '../../src/core/index';
import type { SavedLayerFile } from '../../src/commands/layer-file-commands';
import { readLayerFile, registryLayer } from '../../src/core/layers/layer-file-read';
import { EXTENSION_ID } from './helpers';

const labHost = (process.env.REGISTRY_EXPLORER_LAB_URL ?? '').replace(/^https?:\/\//, '');

describe('Layer files in editor tabs', () => {
  let api: RegistryExplorerApi;
  let layer: Descriptor;

  before(async () => {
    api = await vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID)!.activate();
    // The sample content's library/alpine:3.20: its first layer holds etc/os-release, then seeded random files.
    const repository = api.registry.session.registry(labHost).repository('library/alpine');
    const parsed = await repository.getManifest('3.20');
    assert.equal(parsed.kind, 'image');
    layer = parsed.kind === 'image' ? parsed.manifest.layers[0]! : (undefined as never);
  });

  after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  const uriOf = (path: string): vscode.Uri =>
    layerFileUri({ host: labHost, repository: 'library/alpine', digest: layer.digest, mediaType: layer.mediaType, size: layer.size, path });

  it('opens a text file as its text, in a tab named after the file', async () => {
    const doc = await vscode.workspace.openTextDocument(uriOf('etc/os-release'));
    assert.equal(doc.getText(), 'NAME="Lab Linux"\nID=lab\nVERSION_ID="alpine-3.20"\n');
    await vscode.window.showTextDocument(doc, { preview: true });
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.equal(tab?.label, 'os-release');
    assert.equal((tab?.input as vscode.TabInputText).uri.scheme, 'oci-layer');
  });

  it('opens a binary file as an explanation and a hex dump', async () => {
    const doc = await vscode.workspace.openTextDocument(uriOf('layer-0/file-0.bin'));
    const lines = doc.getText().split('\n');
    assert.match(lines[0]!, /^\/layer-0\/file-0\.bin is binary \(5\d(\.\d)? KiB\): it holds bytes that are not text/);
    assert.match(lines[2]!, /^00000000 {2}([0-9a-f]{2} ){8} ([0-9a-f]{2} ){7}[0-9a-f]{2} {2}\|.{16}\|$/);
  });

  it('says what is wrong with a path the layer does not hold, and what to do', async () => {
    await assert.rejects(Promise.resolve(vscode.workspace.openTextDocument(uriOf('etc/passwd'))), (err: Error) => {
      assert.match(
        err.message,
        /\/etc\/passwd could not be read from the layer: The layer has no file \/etc\/passwd; another layer of the image may hold it/,
      );
      return true;
    });
    await assert.rejects(Promise.resolve(vscode.workspace.openTextDocument(uriOf('etc'))), /\/etc is a directory/);
  });
  const targetOf = (path: string) => ({
    host: labHost,
    repository: 'library/alpine',
    digest: layer.digest,
    mediaType: layer.mediaType,
    size: layer.size,
    path,
  });

  it('saves a file to disk through the Save File command, byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saved-'));
    const file = join(dir, 'file-0.bin');
    const saved = await vscode.commands.executeCommand<SavedLayerFile | undefined>(
      'registryExplorer.saveLayerFile',
      targetOf('layer-0/file-0.bin'),
      {
        file,
      },
    );
    assert.deepEqual(saved && { ...saved }, { file, size: readFileSync(file).length });
    // The same bytes as the core reads for a tab (the file is small, so that read is whole and verified).
    const repository = api.registry.session.registry(labHost).repository('library/alpine');
    const read = await readLayerFile(registryLayer(repository, layer), 'layer-0/file-0.bin', { layerSize: layer.size });
    assert.equal(read.cut, false);
    assert.ok(readFileSync(file).equals(read.content), 'the saved bytes differ from the file in the layer');
  });

  it("saves the file of the active tab, from the tab's title bar", async () => {
    const doc = await vscode.workspace.openTextDocument(uriOf('etc/os-release'));
    await vscode.window.showTextDocument(doc, { preview: true });
    const file = join(mkdtempSync(join(tmpdir(), 'saved-')), 'os-release');
    await vscode.commands.executeCommand('registryExplorer.saveLayerFile', doc.uri, { file });
    assert.equal(readFileSync(file, 'utf8'), 'NAME="Lab Linux"\nID=lab\nVERSION_ID="alpine-3.20"\n');
  });

  it('writes nothing for an entry with no content of its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saved-'));
    const saved = await vscode.commands.executeCommand('registryExplorer.saveLayerFile', targetOf('etc'), { file: join(dir, 'etc') });
    assert.equal(saved, undefined);
    assert.deepEqual(readdirSync(dir), []);
  });
});

// VS Code builds whose Node has no zstd decoder of its own (before 22.15) read zstd layers with
// fzstd in a worker thread: here that path runs in the real extension host, from the installed
// .vsix (dist/core.js starting dist/zstd-worker.js beside it), with the host's own decoder hidden
// for the length of each test as such a build would not have it.
describe('Layer files of zstd layers where Node has no zstd decoder', () => {
  const LAYERS = resolve(__dirname, '../../../test/fixtures/layers');
  const ZSTD_LAYER = 'application/vnd.oci.image.layer.v1.tar+zstd';
  // The module object itself (an import would give this file a copy whose properties only read
  // through); Node defines the function read-only but configurable, so it is redefined, then restored.
  const hostZlib = require('node:zlib') as object;
  const ownDecoder = Object.getOwnPropertyDescriptor(hostZlib, 'createZstdDecompress');
  let api: RegistryExplorerApi;

  before(async () => {
    api = await vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID)!.activate();
  });
  beforeEach(() => {
    if (ownDecoder) Object.defineProperty(hostZlib, 'createZstdDecompress', { ...ownDecoder, value: undefined });
  });
  afterEach(async () => {
    if (ownDecoder) Object.defineProperty(hostZlib, 'createZstdDecompress', ownDecoder);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  /** Pushes a fixture as a blob of its own repository, so no earlier read of it is cached. */
  async function pushedLayer(fixture: string): Promise<Descriptor> {
    const bytes = readFileSync(join(LAYERS, fixture));
    const descriptor: Descriptor = { mediaType: ZSTD_LAYER, digest: digestOf(bytes), size: bytes.length };
    const repository = api.registry.session.registry(labHost).repository(`zstd-fallback/${fixture.replace(/\W+/g, '-')}`);
    await repository.pushBlob(descriptor, Readable.from([bytes]));
    return descriptor;
  }
  const uriIn = (fixture: string, layer: Descriptor, path: string): vscode.Uri =>
    layerFileUri({
      host: labHost,
      repository: `zstd-fallback/${fixture.replace(/\W+/g, '-')}`,
      digest: layer.digest,
      mediaType: layer.mediaType,
      size: layer.size,
      path,
    });

  it('opens a file and a hard link to it, decoded by fzstd in its thread', async () => {
    const layer = await pushedLayer('gnu-posix.tar.zst');
    const hostname = await vscode.workspace.openTextDocument(uriIn('gnu-posix.tar.zst', layer, 'etc/hostname'));
    assert.equal(hostname.getText(), 'zstd-layer\n');
    const notes = await vscode.workspace.openTextDocument(uriIn('gnu-posix.tar.zst', layer, 'usr/share/doc/notes.txt'));
    const lines = notes.getText().split('\n');
    assert.equal(lines[0], 'line 000001: the quick brown fox jumps over the lazy dog');
    assert.equal(lines[5999], 'line 006000: the quick brown fox jumps over the lazy dog');
  });

  it('says a layer fzstd refuses is corrupt, and the host goes on', async () => {
    const layer = await pushedLayer('huffman-weights-loop.tar.zst');
    const started = Date.now();
    await assert.rejects(
      Promise.resolve(vscode.workspace.openTextDocument(uriIn('huffman-weights-loop.tar.zst', layer, 'etc/hostname'))),
      (err: Error) => {
        // fzstd's own reason: Node's decoder words it otherwise, so this also shows which one ran.
        assert.match(err.message, /zstd data is corrupt \(invalid zstd data\)/);
        return true;
      },
    );
    // Refused at once by the project's fzstd, not ended by the stall limit (20 s).
    assert.ok(Date.now() - started < 15_000, `refused after ${Date.now() - started} ms`);
  });
});
