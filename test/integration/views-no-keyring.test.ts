// A machine without a keyring: VS Code's secret storage fails on every call (as it does on Linux
// with no GNOME Keyring or KWallet running). The extension API's useSecretStorage puts such a
// storage in place of VS Code's for this suite. Lookups go on with Docker's login, the failure is
// logged once, and Log In explains why it cannot keep the login in VS Code and offers Docker's
// credential store instead, where the login lands when that is chosen. Named to run after
// tree.test.ts, which must be the one that activates the extension.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { RegistryExplorerApi } from '../../src/extension';
import { EXTENSION_ID, labDescription, logText, logWith } from './helpers';

/** A secret storage that refuses everything, with the message VS Code's gives without a keyring. */
function failingSecretStorage(): vscode.SecretStorage & { calls: number } {
  const changes = new vscode.EventEmitter<vscode.SecretStorageChangeEvent>();
  const storage = {
    calls: 0,
    onDidChange: changes.event,
    get: () => storage.refuse(),
    store: () => storage.refuse(),
    delete: () => storage.refuse(),
    refuse: (): Promise<never> => {
      storage.calls++;
      return Promise.reject(new Error('Cannot get password: no keyring (org.freedesktop.secrets) is available'));
    },
  };
  return storage;
}

async function set(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('registryExplorer').update(key, value, vscode.ConfigurationTarget.Global);
}

describe('without a keyring (VS Code secret storage that fails)', () => {
  const { basic } = labDescription();
  let api: RegistryExplorerApi;
  let dir: string;
  let config: string;
  let storage: ReturnType<typeof failingSecretStorage>;
  let failing: vscode.Disposable;
  const unavailable = /VS Code's secret storage is not available \(Cannot get password: no keyring/g;

  before(async () => {
    api = await vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID)!.activate();
    dir = mkdtempSync(join(tmpdir(), 'no-keyring-'));
    config = join(dir, 'config.json');
    const auth = Buffer.from(`${basic.username}:${basic.password}`).toString('base64');
    writeFileSync(config, JSON.stringify({ auths: { [basic.host]: { auth } } }), { mode: 0o600 });
    await set('dockerConfigPath', config);
    await set('registries', [{ url: basic.url }]);
    storage = failingSecretStorage();
    failing = api.useSecretStorage(storage);
  });

  after(async () => {
    failing?.dispose();
    for (const key of ['registries', 'dockerConfigPath']) await set(key, undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it("goes on with Docker's login when secret storage fails, and logs the failure once", async () => {
    const before = (logText(api).match(unavailable) ?? []).length;
    for (let i = 0; i < 3; i++) {
      api.registry.forget(basic.host);
      const ping = await api.registry.session.registry(basic.host).ping();
      assert.equal(ping.state, 'reachable', ping.state === 'unreachable' ? ping.error.message : ping.state);
    }
    assert.ok(storage.calls >= 3, 'secret storage was asked first each time, and failed');
    await logWith(api, unavailable);
    assert.equal((logText(api).match(unavailable) ?? []).length - before, 1, 'said once, not once per lookup');
  });

  it("Log In explains why VS Code cannot keep the login and offers Docker's credential store; chosen, the login lands there", async () => {
    writeFileSync(config, '{}\n', { mode: 0o600 });
    const login = { host: basic.host, username: basic.username, password: basic.password };
    assert.equal(await vscode.commands.executeCommand('registryExplorer.logIn', { ...login, saveTo: 'vscode' }), 'reachable');
    await logWith(
      api,
      new RegExp(
        `VS Code cannot keep the login for ${basic.host.replace(/\./g, '\\.')}: its secret storage is not available .*Docker's credential store instead`,
      ),
    );
    assert.equal(readFileSync(config, 'utf8'), '{}\n', 'nothing saved when Docker was not chosen');

    assert.equal(await vscode.commands.executeCommand('registryExplorer.logIn', { ...login, saveTo: 'vscodeAndDocker' }), 'reachable');
    const auths = (JSON.parse(readFileSync(config, 'utf8')) as { auths?: Record<string, { auth?: string }> }).auths ?? {};
    assert.equal(auths[basic.host]?.auth, Buffer.from(`${basic.username}:${basic.password}`).toString('base64'));
    api.registry.forget(basic.host);
    assert.equal((await api.registry.session.registry(basic.host).ping()).state, 'reachable', "the login is used from Docker's store");
  });
});
