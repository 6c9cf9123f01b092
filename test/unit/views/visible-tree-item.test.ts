// Tree rows as VS Code receives them: a registry's hidden characters in a label, description or
// tooltip show as escapes. The items are plain objects of TreeItem's shape (the unit tests run
// without VS Code); the Markdown tooltip is checked by its `value`, which is what VS Code renders.
import { strict as assert } from 'node:assert';
import type * as vscode from 'vscode';
import { visibleTreeItem } from '../../../src/views/visible-tree-item';

describe('visibleTreeItem', () => {
  it('shows bidi and invisible characters of every text a row has as escapes', () => {
    const tooltip = { value: '**team/app:v1\u202E3pm.exe**\n\nMedia type: x\u200By' };
    const item = visibleTreeItem({
      label: 'v1\u202E3pm.exe',
      description: 'sha256:ab\u2066 · 1 KiB',
      tooltip,
    } as unknown as vscode.TreeItem);
    assert.equal(item.label, 'v1\\u202E3pm.exe');
    assert.equal(item.description, 'sha256:ab\\u2066 · 1 KiB');
    assert.equal(
      tooltip.value,
      '**team/app:v1\\u202E3pm.exe**\n\nMedia type: x\\u200By',
      'Markdown keeps its line breaks; the escape is literal text in it',
    );
  });

  it('shows a control character in a one-line label, keeps lines in a plain tooltip', () => {
    const item = visibleTreeItem({
      label: { label: 'repo\nname', highlights: [[0, 4]] },
      tooltip: 'first\nsecond\x07',
    } as unknown as vscode.TreeItem);
    assert.deepEqual(item.label, { label: 'repo\\u000Aname' });
    assert.equal(item.tooltip, 'first\nsecond\\u0007');
  });

  it('leaves a row without hidden characters exactly as it was', () => {
    const label = { label: 'alpine', highlights: [[0, 3]] };
    const item = visibleTreeItem({ label, description: '3.19 · שלום', tooltip: undefined } as unknown as vscode.TreeItem);
    assert.equal(item.label, label);
    assert.equal(item.description, '3.19 · שלום');
  });
});
