import { strict as assert } from 'node:assert';
import { revealChoices } from '../../../src/common/reveal-choices';

describe('reveal choices', () => {
  it("reveals in VS Code's Explorer what is in the workspace, wherever the window is", () => {
    assert.deepEqual(revealChoices({ inWorkspace: true, remoteOrWeb: true }), ['Reveal in Explorer', 'Copy Path']);
    assert.deepEqual(revealChoices({ inWorkspace: true, remoteOrWeb: false }), ['Reveal in Explorer', 'Copy Path']);
  });

  it("offers the OS file manager only in a local desktop window (remote and web windows can't reach it)", () => {
    assert.deepEqual(revealChoices({ inWorkspace: false, remoteOrWeb: false }), ['Reveal in File Manager', 'Copy Path']);
    assert.deepEqual(revealChoices({ inWorkspace: false, remoteOrWeb: true }), ['Open Folder', 'Copy Path']);
  });
});
