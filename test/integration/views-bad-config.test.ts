// Bad input in the files the extension reads: a Docker config.json or Podman auth.json that does
// not parse, credential helpers that hang, crash or print garbage, hosts.toml files with a syntax
// error, an unknown capability or a missing CA. Each time the registry's row says what is wrong
// (file and line, or the helper and what it did) without quoting what it read, the extension keeps
// answering, and neither the file nor the settings change.
import { strict as assert } from 'node:assert';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import * as vscode from 'vscode';
import type { RegistryExplorerApi } from '../../src/extension';
import type { ExplorerNode } from '../../src/views/nodes/node-base';
import { EXTENSION_ID, label, labDescription, logWith, settingsText, waitFor } from './helpers';

const SETTINGS = ['registries', 'dockerConfigPath', 'podmanAuthPath', 'hostsDirectories', 'credentialHelperTimeout'];
/** Secrets planted in the bad files and helpers: none may come back in a message or the log. */
const PLANTED = [
  'c2VjcmV0LXVzZXI6cGxhbnRlZC1wYXNzd29yZA',
  'planted-password',
  'ghp_Cr4shT0ken5ecret9Z',
  'Cr4sh-Stdout-Secret',
  'G4rbage',
  'hosts-toml-header-secret',
];

async function set(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('registryExplorer').update(key, value, vscode.ConfigurationTarget.Global);
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface RowState {
  node: ExplorerNode;
  children: ExplorerNode[];
  /** The error the row shows first. */
  message: string;
}

/** The row labelled `name` once its first child is an error matching `pattern`. */
function errorRow(api: RegistryExplorerApi, name: string, pattern: RegExp, timeoutMs?: number): Promise<RowState> {
  return waitFor(
    `"${name}" to show ${pattern}`,
    async () => {
      const node = (await api.tree.getChildren()).find((n) => label(n) === name);
      if (!node) return undefined;
      const children = await api.tree.getChildren(node);
      const first = children[0];
      if (first?.treeItem().contextValue !== 'message.error' || !pattern.test(label(first))) return undefined;
      return { node, children, message: label(first) };
    },
    timeoutMs,
  );
}

/** Bytes and modification time, to show a file was left alone. */
function fingerprint(file: string): string {
  return `${statSync(file).mtimeMs} ${readFileSync(file).toString('base64')}`;
}

function assertQuotesNothing(text: string, where: string): void {
  for (const planted of PLANTED) assert.ok(!text.includes(planted), `${where} quotes what it read (${planted})`);
}

describe('Bad configuration files and credential helpers', () => {
  const lab = labDescription();
  const labHost = lab.registry.host;
  const originalPath = process.env.PATH;
  let api: RegistryExplorerApi;
  let dir: string;

  before(async () => {
    api = await vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID)!.activate();
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bad-config-'));
  });

  afterEach(async () => {
    process.env.PATH = originalPath;
    for (const key of SETTINGS) await set(key, undefined);
  });

  /** Points the settings at the bad file(s), lists the lab registry, and returns a snapshot of what must not change. */
  async function configure(settings: Record<string, unknown>, files: string[]): Promise<() => void> {
    for (const [key, value] of Object.entries(settings)) await set(key, value);
    await set('registries', [{ url: lab.registry.url, name: 'Lab' }]);
    const before = files.map(fingerprint);
    const settingsBefore = settingsText(api);
    return () => {
      assert.deepEqual(files.map(fingerprint), before, 'the files read are unchanged');
      assert.equal(settingsText(api), settingsBefore, 'the settings are unchanged');
    };
  }

  /** Waits until the log holds `message` (so it is complete up to there), and checks it quotes nothing planted. */
  async function checkLog(message: string): Promise<void> {
    assertQuotesNothing(await logWith(api, new RegExp(escape(message))), 'the log');
  }

  describe('login files', () => {
    it('names the file, line and column of a config.json that does not parse, and quotes none of it', async () => {
      const file = join(dir, 'config.json');
      // Line 4 lacks the comma before the next entry.
      writeFileSync(
        file,
        `{\n  "auths": {\n    "${labHost}": { "auth": "c2VjcmV0LXVzZXI6cGxhbnRlZC1wYXNzd29yZA==" }\n    "planted-password.example": {}\n  }\n}\n`,
      );
      const unchanged = await configure({ dockerConfigPath: file }, [file]);
      const expected = `The Docker config file ${file} is not valid JSON: expected "," or "}" after a property value at line 4, column 5. Fix the file or log in again to rewrite it.`;
      const row = await errorRow(api, 'Lab', /is not valid JSON/);
      assert.equal(row.message, expected);
      assert.equal(row.node.treeItem().description, 'login file invalid', 'the row names a cause on this machine, not the network');
      assert.equal(label(row.children[1]!), 'Open Settings');
      // Discovering registries from the same file says so too, at the top of the tree.
      const roots = await api.tree.getChildren();
      assert.ok(
        roots.some((n) => label(n) === expected),
        `the tree's own message (got ${roots.map(label).join(' | ')})`,
      );
      await checkLog(expected);
      unchanged();
    });

    it('names the file and line of a Podman auth.json that does not parse', async () => {
      const file = join(dir, 'auth.json');
      writeFileSync(file, `{\n  "auths": {\n    "${labHost}": { "auth": "c2VjcmV0LXVzZXI6cGxhbnRlZC1wYXNzd29yZA==" },\n  }\n}\n`);
      const unchanged = await configure({ podmanAuthPath: file }, [file]);
      const row = await errorRow(api, 'Lab', /is not valid JSON/);
      assert.equal(
        row.message,
        `The containers auth file ${file} is not valid JSON: expected a property name in double quotes at line 4, column 3. Fix the file or log in again to rewrite it.`,
      );
      await checkLog(row.message);
      unchanged();
    });
  });

  describe('credential helpers', () => {
    /** A docker-credential-<name> script in a folder put first on PATH, and a config.json naming it for the lab. */
    function helper(name: string, script: string): string {
      const bin = join(dir, 'bin');
      mkdirSync(bin, { recursive: true });
      const program = join(bin, `docker-credential-${name}`);
      writeFileSync(program, `#!/bin/sh\n${script}\n`);
      chmodSync(program, 0o755);
      process.env.PATH = `${bin}${delimiter}${originalPath}`;
      const config = join(dir, 'config.json');
      writeFileSync(config, JSON.stringify({ credHelpers: { [labHost]: name } }, null, 2));
      return config;
    }

    it('stops a helper that hangs after credentialHelperTimeout, says so, and answers for other registries meanwhile', async () => {
      const pidFile = join(dir, 'hang.pid');
      const config = helper('hang', `echo $$ > '${pidFile}'\nexec sleep 600`);
      await set('credentialHelperTimeout', 1);
      await set('dockerConfigPath', config);
      const before = fingerprint(config);
      const started = Date.now();
      await set('registries', [
        { url: lab.registry.url, name: 'Lab' },
        { url: lab.basic.url, name: 'Basic' },
      ]);
      const settingsBefore = settingsText(api);
      const [hanging, other] = await Promise.all([
        errorRow(api, 'Lab', /did not answer/).then((row) => ({ row, ms: Date.now() - started })),
        errorRow(api, 'Basic', /requires a login/).then((row) => ({ row, ms: Date.now() - started })),
      ]);
      assert.equal(
        hanging.row.message,
        `The credential helper docker-credential-hang did not answer within 1 s; check that it is not waiting for an unlock or a prompt, then try again.`,
      );
      // The default limit is 10 s: well under it shows the setting applied.
      assert.ok(hanging.ms < 1000 + 4000, `the tree answered ${hanging.ms} ms after the settings`);
      assert.ok(other.ms < hanging.ms, `the other registry (${other.ms} ms) did not wait for the helper (${hanging.ms} ms)`);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      await waitFor(
        'the helper to be gone',
        () => {
          try {
            process.kill(pid, 0);
            return undefined;
          } catch {
            return true;
          }
        },
        5000,
      );
      assert.equal(fingerprint(config), before, 'config.json is unchanged');
      assert.equal(settingsText(api), settingsBefore, 'the settings are unchanged');
      await checkLog(hanging.row.message);
    });

    it('says which helper failed and how, without quoting what it printed', async () => {
      const config = helper(
        'crash',
        `cat > /dev/null\necho 'error: token ghp_Cr4shT0ken5ecret9Z was refused' >&2\necho '{"ServerURL":"x","Username":"u","Secret":"Cr4sh-Stdout-Secret"}'\nexit 1`,
      );
      const unchanged = await configure({ dockerConfigPath: config }, [config]);
      const row = await errorRow(api, 'Lab', /credential helper/);
      assert.equal(
        row.message,
        `The credential helper docker-credential-crash failed while getting credentials for ${labHost} (exit code 1). Run "docker-credential-crash get" in a terminal to see why, or log in again.`,
      );
      assert.equal(row.node.treeItem().description, 'credential helper failed');
      assertQuotesNothing(row.message, 'the message');
      await checkLog(row.message);
      unchanged();
    });

    it('says a helper answered with something that is not a credential, without quoting it', async () => {
      const config = helper('garbage', `cat > /dev/null\nprintf '\\033[31mG4rbage {{{ not json\\n\\000\\001'`);
      const unchanged = await configure({ dockerConfigPath: config }, [config]);
      const row = await errorRow(api, 'Lab', /credential helper/);
      assert.equal(
        row.message,
        'The credential helper docker-credential-garbage answered "get" with output that is not the expected JSON object; check the helper\'s version and configuration.',
      );
      await checkLog(row.message);
      unchanged();
    });
  });

  describe('hosts.toml', () => {
    /** `root/<lab host>/hosts.toml` with `text`; returns the root and the file. */
    function hostsToml(text: string): { root: string; file: string } {
      const root = join(dir, 'certs.d');
      mkdirSync(join(root, labHost), { recursive: true });
      const file = join(root, labHost, 'hosts.toml');
      writeFileSync(file, text);
      return { root, file };
    }
    const server = `server = "${lab.registry.url}"\n`;

    it('names the file and line of a syntax error, never quoting the file, and the endpoint plan says the same', async () => {
      const { root, file } = hostsToml(
        `${server}\n[host."${lab.registry.url}"]\n  capabilities = ["pull", "resolve"]\n  [host."${lab.registry.url}".header]\n    Authorization = "Bearer hosts-toml-header-secret"\n    X-Broken = "no closing quote\n`,
      );
      const unchanged = await configure({ hostsDirectories: [root] }, [file]);
      const row = await errorRow(api, 'Lab', /TOML syntax error/);
      assert.equal(
        row.message,
        `The host configuration ${file} has a TOML syntax error at line 7, column 33: Unterminated string. Fix the file; until then this registry is not contacted.`,
      );
      assertQuotesNothing(row.message, 'the message');
      assert.equal(row.node.treeItem().description, 'host configuration invalid');
      assert.match(String(row.node.treeItem().contextValue), /\.openHostsToml/);
      assert.equal(
        await vscode.commands.executeCommand('registryExplorer.showEndpointPlan', { host: labHost, operation: 'pull' }),
        undefined,
        'no plan is shown',
      );
      await checkLog(`Shown: Show Endpoint Plan: ${row.message}`);
      unchanged();
    });

    it('refuses an unknown capability, naming it and the file', async () => {
      const { root, file } = hostsToml(`${server}\n[host."${lab.registry.url}"]\n  capabilities = ["pull", "teleport"]\n`);
      const unchanged = await configure({ hostsDirectories: [root] }, [file]);
      const row = await errorRow(api, 'Lab', /capability/);
      assert.equal(
        row.message,
        `In [host."${lab.registry.url}"] of the host configuration ${file}, the capability "teleport" is unknown; use pull, resolve, push or referrers.`,
      );
      await checkLog(row.message);
      unchanged();
    });

    it('names a CA file that does not exist, and offers the hosts.toml that names it', async () => {
      const missing = join(dir, 'no-such-folder', 'ca.crt');
      const { root, file } = hostsToml(`${server}ca = "${missing}"\n`);
      const unchanged = await configure({ hostsDirectories: [root] }, [file]);
      const row = await errorRow(api, 'Lab', /does not exist/);
      assert.equal(
        row.message,
        `The file ${missing} named by "ca" in the top level of ${file} does not exist; fix the path (relative paths are relative to ${join(root, labHost)}).`,
      );
      assert.deepEqual(row.children.slice(1).map(label), ['Open hosts.toml', 'Retry']);
      await checkLog(row.message);
      unchanged();
    });
  });
});
