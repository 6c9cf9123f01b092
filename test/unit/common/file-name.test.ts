// The names save dialogs suggest for files named by registry text: one valid name, never a path.
import assert from 'node:assert/strict';
import { safeFileName } from '../../../src/common/file-name';

describe('safeFileName', () => {
  it('keeps an ordinary name as it is', () => {
    assert.equal(safeFileName('os-release'), 'os-release');
    assert.equal(safeFileName('libc.so.6'), 'libc.so.6');
    assert.equal(safeFileName('.bashrc'), '.bashrc');
  });

  it('replaces what a file system refuses, so the name is never a path', () => {
    assert.equal(safeFileName('a/b\\c:d*e?f"g<h>i|j'), 'a_b_c_d_e_f_g_h_i_j');
    assert.equal(safeFileName('line\nbreak\ttab'), 'line_u000Abreak_u0009tab');
    assert.equal(safeFileName('..'), 'file');
    assert.equal(safeFileName(''), 'file');
    assert.equal(safeFileName('name. . '), 'name');
  });

  it('shows hidden and reordering characters as their escapes', () => {
    assert.equal(safeFileName('invoice\u202Efdp.exe'), 'invoice_u202Efdp.exe');
  });

  it('never suggests a device name Windows reserves', () => {
    assert.equal(safeFileName('NUL'), '_NUL');
    assert.equal(safeFileName('com1.txt'), '_com1.txt');
    assert.equal(safeFileName('console'), 'console');
  });

  it('fits 255 bytes, keeping the extension', () => {
    const name = safeFileName(`${'é'.repeat(300)}.txt`);
    assert.ok(Buffer.byteLength(name) <= 255, `${Buffer.byteLength(name)} bytes`);
    assert.ok(name.endsWith('é.txt'));
  });
});
