// Log In… with "VS Code and Docker's credential store": the login lands in the Docker config.json
// named in settings (the rest of the file kept), the extension itself then logs in from that file,
// and Log Out removes it when asked. Its own temp folder and settings, all reset afterwards, so
// later suites (z-secrets last) see no Docker login it made. Named to run after tree.test.ts,
// which must be the one that activates the extension.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { RegistryExplorerApi } from '../../src/extension';
import { EXTENSION_ID, labDescription, logWith, waitFor } from './helpers';

async function set(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('registryExplorer').update(key, value, vscode.ConfigurationTarget.Global);
}

describe("Log In… saving to Docker's credential store", () => {
  const { basic } = labDescription();
  let api: RegistryExplorerApi;
  let dir: string;
  let config: string;

  /** The tooltip of the Basic registry's row once it says `state`. */
  function rowTooltip(state: RegExp): Promise<string> {
    return waitFor(`the registry row to say ${state}`, async () => {
      const [root] = await api.tree.getChildren();
      const item = root?.treeItem();
      // appendText escapes Markdown characters (a path's - and _): read it as plain text.
      const tooltip = (item?.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : '')
        .replace(/&nbsp;/g, ' ')
        .replace(/\\(.)/g, '$1');
      return state.test(tooltip) ? tooltip : undefined;
    });
  }

  before(async () => {
    api = await vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID)!.activate();
    dir = mkdtempSync(join(tmpdir(), 'docker-store-'));
    config = join(dir, 'config.json');
    await set('dockerConfigPath', config);
    await set('registries', [{ url: basic.url }]);
  });

  after(async () => {
    await vscode.commands.executeCommand('registryExplorer.logOut', { host: basic.host, removeFromDocker: true });
    for (const key of ['registries', 'dockerConfigPath', 'saveLoginsTo']) await set(key, undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the checked login into config.json as docker login does, keeping the rest; Log Out removes it', async () => {
    const original = `{\n  "psFormat": "table {{.ID}}",\n  "auths": {\n    "other.test": {\n      "auth": "${Buffer.from('bob:other').toString('base64')}"\n    }\n  }\n}\n`;
    writeFileSync(config, original, { mode: 0o640 });
    const auth = Buffer.from(`${basic.username}:${basic.password}`).toString('base64');

    // A refused login writes nothing.
    assert.equal(
      await vscode.commands.executeCommand('registryExplorer.logIn', {
        host: basic.host,
        username: basic.username,
        password: 'Wr0ng-Store-Password',
        saveTo: 'vscodeAndDocker',
      }),
      'needs-login',
    );
    assert.equal(readFileSync(config, 'utf8'), original);

    assert.equal(
      await vscode.commands.executeCommand('registryExplorer.logIn', {
        host: basic.host,
        username: basic.username,
        password: basic.password,
        saveTo: 'vscodeAndDocker',
      }),
      'reachable',
    );
    const written = readFileSync(config, 'utf8');
    assert.deepEqual(JSON.parse(written), {
      psFormat: 'table {{.ID}}',
      auths: { 'other.test': { auth: Buffer.from('bob:other').toString('base64') }, [basic.host]: { auth } },
    });
    assert.match(written, /^\{\n\t"psFormat"/, 'tab-indented, as docker writes it');
    assert.equal(statSync(config).mode & 0o777, 0o640, 'the file keeps its mode');
    const log = await logWith(
      api,
      new RegExp(
        `Saved the login for ${basic.host.replace(/[.]/g, '\\.')} as ${basic.username} in ${config.replace(/[.]/g, '\\.')}, for docker and podman`,
      ),
    );
    assert.ok(!log.includes(basic.password) && !log.includes(auth), 'the log holds no secret');

    // Logged out of VS Code only, the registry is still reached with the Docker login.
    assert.equal(await vscode.commands.executeCommand('registryExplorer.logOut', { host: basic.host }), true);
    assert.ok(readFileSync(config, 'utf8').includes(auth), "a plain Log Out from a script leaves Docker's store alone");
    assert.match(await rowTooltip(/Reachable/), new RegExp(`logged in with ${config.replace(/[.]/g, '\\.')}`));

    // Removing it from Docker's store too: the entry goes, the rest stays.
    assert.equal(await vscode.commands.executeCommand('registryExplorer.logOut', { host: basic.host, removeFromDocker: true }), false);
    assert.deepEqual(JSON.parse(readFileSync(config, 'utf8')), {
      psFormat: 'table {{.ID}}',
      auths: { 'other.test': { auth: Buffer.from('bob:other').toString('base64') } },
    });
    await rowTooltip(/Needs a login/);
  });

  it("saves to Docker's store without asking when registryExplorer.saveLoginsTo says so, and reports a broken config.json", async () => {
    await set('saveLoginsTo', 'vscodeAndDocker');
    rmSync(config, { force: true });
    assert.equal(
      await vscode.commands.executeCommand('registryExplorer.logIn', {
        host: basic.host,
        username: basic.username,
        password: basic.password,
      }),
      'reachable',
    );
    assert.deepEqual(Object.keys((JSON.parse(readFileSync(config, 'utf8')) as { auths: object }).auths), [basic.host]);
    assert.equal(statSync(config).mode & 0o777, 0o600, 'a new config.json is private');

    // A config.json that does not parse is left as it is; the VS Code login is still kept.
    const broken = '{ "auths": { ,, } }';
    writeFileSync(config, broken);
    assert.equal(
      await vscode.commands.executeCommand('registryExplorer.logIn', {
        host: basic.host,
        username: basic.username,
        password: basic.password,
      }),
      'reachable',
    );
    assert.equal(readFileSync(config, 'utf8'), broken);
    await logWith(
      api,
      /Shown: Logged in to .* in VS Code, but the login was not saved for docker and podman: The Docker config file .* is not valid JSON: .*Nothing was written to it/,
    );
    await rowTooltip(/logged in with a Registry Explorer login/);
  });
});
