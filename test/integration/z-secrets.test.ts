// Runs last: after every other suite has logged in, browsed, copied and failed, nothing the
// extension wrote (its log, the endpoint plan, error messages) holds a password it used.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { RegistryExplorerApi } from '../../src/extension';
import { EXTENSION_ID } from './helpers';


function filesUnder(dir: string): string[] {
  let found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    found = statSync(path).isDirectory() ? [...found, ...filesUnder(path)] : [...found, path];
  }
  return found;
}

describe('Secrets stay secret', () => {
  const lab = JSON.parse(process.env.REGISTRY_EXPLORER_LAB ?? '{}') as { basic?: { url: string; host: string; username: string; password: string } };

  it('never writes a password it used to the log or the endpoint plan', async () => {
    const basic = lab.basic!;
    const api = await vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID)!.activate();
    await vscode.workspace.getConfiguration('registryExplorer').update('registries', [{ url: basic.url }], vscode.ConfigurationTarget.Global);
    const wrong = 'Wr0ng-Secret-Password';
    await vscode.commands.executeCommand('registryExplorer.logIn', { host: basic.host, username: basic.username, password: wrong });
    await vscode.commands.executeCommand('registryExplorer.logIn', { host: basic.host, username: basic.username, password: basic.password });
    // Browse with the login, so requests with Authorization are logged.
    const [root] = await api.tree.getChildren();
    await api.tree.getChildren(root);
    await vscode.commands.executeCommand('registryExplorer.showEndpointPlan', { host: basic.host, operation: 'pull' });
    const planText = vscode.window.activeTextEditor?.document.getText() ?? '';
    await vscode.commands.executeCommand('registryExplorer.logOut', { host: basic.host });
    await vscode.workspace.getConfiguration('registryExplorer').update('registries', [], vscode.ConfigurationTarget.Global);
    await new Promise((r) => setTimeout(r, 1500)); // the log channel flushes to its file

    const logs = filesUnder(api.logUri.fsPath).map((f) => readFileSync(f, 'utf8')).join('\n');
    assert.match(logs, /GET http:\/\/127\.0\.0\.1:\d+\/v2\//, 'the request lines are there (the right files were read)');
    const basicToken = Buffer.from(`${basic.username}:${basic.password}`).toString('base64');
    for (const secret of [basic.password, wrong, basicToken]) {
      assert.ok(!logs.includes(secret), 'a password appears in the log');
      assert.ok(!planText.includes(secret), 'a password appears in the endpoint plan');
    }
  });
});
