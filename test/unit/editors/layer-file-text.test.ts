// What a layer file's tab shows: text as it is, binary content as a hex dump, a symlink as its
// target, and what the user should know about the read (cut, unverified) apart from the text.
import assert from 'node:assert/strict';
import type { LayerFileContent } from '../../../src/core/layers/layer-file-read';
import type { LayerFileEntry } from '../../../src/core/layers/layer-files';
import { HEX_DUMP_BYTES, hexDump, isBinary, layerFileText } from '../../../src/editors/layer-file-text';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

function read(content: Buffer, extra: Partial<LayerFileContent> = {}): LayerFileContent {
  const entry: LayerFileEntry = { path: 'etc/x', type: 'file', size: content.length, mode: 0o644, uid: 0, gid: 0 };
  return { entry, kind: 'file', content, size: content.length, cut: false, wholeLayerRead: true, ...extra };
}

describe('layer file text', () => {
  it('shows text exactly, with nothing to say about a whole, verified read', () => {
    const shown = layerFileText(read(Buffer.from('NAME="Lab Linux"\nnaïve ✓\n')), 'etc/os-release', DIGEST);
    assert.equal(shown.text, 'NAME="Lab Linux"\nnaïve ✓\n');
    assert.equal(shown.binary, false);
    assert.deepEqual(shown.notes, []);
  });

  it('says, apart from the text, when the file was cut or the layer not verified', () => {
    const shown = layerFileText(
      read(Buffer.from('abc'), { size: 40 * 1024 * 1024, cut: true, wholeLayerRead: false }),
      'var/log/big.log',
      DIGEST,
    );
    assert.equal(shown.text, 'abc');
    assert.match(shown.notes[0]!, /^Only the first 3 B of \/var\/log\/big\.log \(40(\.0)? MiB\) are shown\.$/);
    assert.match(
      shown.notes[1]!,
      /^Unverified: the read of layer sha256:abababababab… stopped after \/var\/log\/big\.log, before the end of the layer/,
    );
  });

  it('shows binary content (NUL bytes) as an explanation and a hex dump of its first few KiB', () => {
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]), Buffer.alloc(20_000, 0x41)]);
    const shown = layerFileText(read(elf), 'usr/bin/app', DIGEST);
    assert.equal(shown.binary, true);
    const lines = shown.text.split('\n');
    assert.match(lines[0]!, /^\/usr\/bin\/app is binary \(19\.\d KiB\): .* the first 4(\.0)? KiB are shown in hex\.$/);
    assert.equal(lines[2], '00000000  7f 45 4c 46 02 01 01 00  41 41 41 41 41 41 41 41  |.ELF....AAAAAAAA|');
    assert.equal(lines.filter((l) => /^[0-9a-f]{8} {2}/.test(l)).length, HEX_DUMP_BYTES / 16);
  });

  it('tells text from binary: a few stray bytes stay text, mostly invalid UTF-8 does not', () => {
    assert.equal(isBinary(Buffer.from('plain\n')), false);
    assert.equal(isBinary(Buffer.alloc(0)), false);
    assert.equal(isBinary(Buffer.concat([Buffer.from('a'.repeat(1000)), Buffer.from([0xe9])])), false);
    assert.equal(isBinary(Buffer.from(Array.from({ length: 1000 }, (_, i) => 0x80 + (i % 64)))), true);
    // A character cut by the 64 KiB sample is not a fault.
    const long = Buffer.from('é'.repeat(40_000));
    assert.equal(isBinary(long), false);
  });

  it('shows a symlink as its target, with hidden characters escaped, and names a hard link’s source in a dump', () => {
    const link = layerFileText({ ...read(Buffer.alloc(0)), kind: 'symlink', linkTarget: '../lib/\u202Eevil' }, 'usr/lib/libx.so', DIGEST);
    assert.match(link.text, /^\/usr\/lib\/libx\.so is a symbolic link to:\n\n {2}\.\.\/lib\/\\u202Eevil\n/);
    const hard = layerFileText(read(Buffer.from([0, 1, 2]), { contentPath: 'usr/bin/real' }), 'usr/bin/alias', DIGEST);
    assert.match(hard.text, /^\/usr\/bin\/alias \(the content of \/usr\/bin\/real, which it is a hard link to\) is binary/);
  });

  it('dumps a short last row padded, as hexdump -C does', () => {
    assert.equal(hexDump(Buffer.from('hi\n')), '00000000  68 69 0a                                          |hi.|');
  });
});
