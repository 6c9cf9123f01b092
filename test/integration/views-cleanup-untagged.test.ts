// Clean Up Repository… with untagged manifests inside VS Code, on an Azure Container Registry and
// an Amazon ECR contract registry in front of a real Distribution registry: the command lists the
// manifests no tag points at through each vendor's API (ACR's _manifests, ECR's DescribeImages), the
// preview names the one that goes with its size and date and keeps the kept image's signature (its
// referrer), confirming deletes it (on ECR through BatchDeleteImage), and the registry behind them
// is checked afterwards.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { CleanupOutcome } from '../../src/commands/cleanup-commands';
import type { RegistryExplorerApi } from '../../src/extension';
import type { CloudApiLabDescription, UntaggedCleanupDescription } from '../support/lab/vendors/cloud-api-lab';
import { EXTENSION_ID, labDescription } from './helpers';

const ACR_USER = '00000000-0000-0000-0000-000000000000';
const ACCEPT = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json'].join(', ');

async function set(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('registryExplorer').update(key, value, vscode.ConfigurationTarget.Global);
}

/** What `reference` answers in the lab registry behind the clouds, asked with its own token: a digest, or undefined for a 404. */
async function digestAt(
  registry: UntaggedCleanupDescription['registry'],
  repository: string,
  reference: string,
): Promise<string | undefined> {
  const realm = new URL(registry.realm);
  realm.searchParams.set('service', registry.service);
  realm.searchParams.set('scope', `repository:${repository}:pull`);
  const basic = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
  const token = ((await (await fetch(realm, { headers: { authorization: `Basic ${basic}` } })).json()) as { token: string }).token;
  const res = await fetch(`${registry.url}/v2/${repository}/manifests/${reference}`, {
    method: 'HEAD',
    headers: { authorization: `Bearer ${token}`, accept: ACCEPT },
  });
  if (res.status === 404) return undefined;
  assert.equal(res.status, 200, `HEAD ${repository}@${reference}`);
  return res.headers.get('docker-content-digest') ?? undefined;
}

describe('Clean Up Repository with untagged manifests (ACR and ECR)', () => {
  const file = labDescription().cloudsFile;
  const clouds = file ? (JSON.parse(readFileSync(file, 'utf8')) as CloudApiLabDescription) : undefined;
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    assert.ok(clouds?.untagged, 'the run started the cloud contracts with untagged manifests');
    await vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID)!.activate();
    const { acr, ecr } = clouds.untagged;
    // The logins `az acr login` and `aws ecr get-login-password | docker login` leave in config.json.
    const config = join(mkdtempSync(join(tmpdir(), 'cleanup-untagged-')), 'config.json');
    const auths = {
      [acr.host]: { auth: Buffer.from(`${ACR_USER}:`).toString('base64'), identitytoken: acr.refreshToken },
      [ecr.host]: { auth: Buffer.from(`AWS:${ecr.password}`).toString('base64') },
    };
    writeFileSync(config, JSON.stringify({ auths }));
    // ECR's API takes the AWS profile the user's tools set up.
    for (const name of ['AWS_SHARED_CREDENTIALS_FILE', 'AWS_PROFILE']) {
      saved[name] = process.env[name];
      process.env[name] = clouds.env[name];
    }
    await set('dockerConfigPath', config);
    await set('resolveRules', clouds.resolveRules);
    await set('hostsDirectories', clouds.hostsDirectories);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const key of ['dockerConfigPath', 'resolveRules', 'hostsDirectories']) await set(key, undefined);
    for (const [name, value] of Object.entries(saved))
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
  });

  for (const vendor of ['acr', 'ecr'] as const)
    it(`${vendor.toUpperCase()}: the preview lists the untagged manifest that goes and keeps the signature; confirming deletes it, and the registry agrees`, async () => {
      const seeded = clouds!.untagged![vendor];
      const reference = `${seeded.host}/${seeded.repository}`;
      const outcome = await vscode.commands.executeCommand<CleanupOutcome | undefined>('registryExplorer.cleanUpRepository', {
        repository: reference,
        policy: { match: 'nothing-matches-*', sharedDigest: 'delete-tag', deleteUntagged: true },
        confirm: true,
      });
      assert.ok(outcome?.plan, `the clean-up of ${reference} made a plan`);
      const { plan } = outcome;
      assert.ok(plan.untagged.listed, 'the provider listed untagged manifests');
      assert.deepEqual(
        plan.untagged.deletions.map((m) => m.digest),
        [seeded.loose],
      );
      assert.deepEqual(plan.untagged.protected, [
        {
          digest: seeded.signature,
          reason: `refers to manifest ${seeded.keep.digest}, which stays (a signature, SBOM or attestation of it)`,
        },
      ]);
      const preview = vscode.workspace.textDocuments.find((d) => d.uri.toString() === outcome.previewUri)!.getText();
      // With its size and push day, as the vendor's API says (ECR's DescribeImages, ACR's _manifests).
      const [going] = plan.untagged.deletions;
      assert.ok(going!.size! > 0 && going!.created! > 0, `${vendor} says the size and date of ${seeded.loose}`);
      assert.match(
        preview,
        new RegExp(`Untagged manifests deleted by digest \\(1\\)\\n {2}${seeded.loose} {2}\\d+(\\.\\d)? k?B +\\d{4}-\\d{2}-\\d{2}\\n`),
      );
      assert.match(preview, new RegExp(`${seeded.signature} {2}refers to manifest ${seeded.keep.digest}`));
      assert.deepEqual(outcome.report?.totals, { deleted: 1, failed: 0, skipped: 0, notAttempted: 0 }, JSON.stringify(outcome.report));

      const registry = clouds!.untagged!.registry;
      assert.equal(await digestAt(registry, seeded.repository, seeded.loose), undefined, 'the untagged manifest is gone');
      assert.equal(await digestAt(registry, seeded.repository, seeded.keep.tag), seeded.keep.digest);
      assert.equal(await digestAt(registry, seeded.repository, seeded.signature), seeded.signature, 'the signature stays');
    });
});
