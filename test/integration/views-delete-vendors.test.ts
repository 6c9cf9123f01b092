// The tree's single Delete inside VS Code on the two registries that refuse the Distribution API's
// delete, Amazon ECR and GHCR, each a contract server in front of a real Distribution registry: a
// manifest goes through the vendor's API (BatchDeleteImage, GitHub's package versions), and a tag
// that shares its manifest goes alone (on ECR by BatchDeleteImage with the tag; on GHCR pointed at
// a throwaway manifest whose package version is then deleted). The contract servers' record of requests shows what was sent, and the registry's own
// storage what is left: no manifest delete reached either registry, and no throwaway stays.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { RegistryExplorerApi } from '../../src/extension';
import type { SeenContractRequest } from '../support/lab/vendors/contract-server';
import type { CloudApiLabDescription } from '../support/lab/vendors/cloud-api-lab';
import { storedManifests } from '../support/lab/vendors/stored-manifests';
import { readSeenRequests, type DeleteRepository, type VendorDeletesDescription } from '../support/lab/vendors/vendor-deletes';
import { EXTENSION_ID, labDescription, logText, waitFor } from './helpers';

const BATCH_DELETE = 'AmazonEC2ContainerRegistry_V20150921.BatchDeleteImage';

async function set(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('registryExplorer').update(key, value, vscode.ConfigurationTarget.Global);
}

/** What the registry behind the vendor holds for the repository: each manifest's digest and tags. */
function stored(seeded: DeleteRepository): { digest: string; tags: string[] }[] {
  return (storedManifests(seeded, seeded.repository) ?? []).map((m) => ({ digest: m.digest, tags: m.tags }));
}

describe('Delete on ECR and GHCR, through their APIs', () => {
  const lab = labDescription();
  const clouds = lab.cloudsFile ? (JSON.parse(readFileSync(lab.cloudsFile, 'utf8')) as CloudApiLabDescription) : undefined;
  const deletes = lab.vendorDeletesFile ? (JSON.parse(readFileSync(lab.vendorDeletesFile, 'utf8')) as VendorDeletesDescription) : undefined;
  const saved: Record<string, string | undefined> = {};
  let api: RegistryExplorerApi;
  /** What the extension last showed the user (an error's wording when a command gave nothing back). */
  const lastShown = (): string =>
    logText(api)
      .split('\n')
      .filter((l) => l.includes('Shown:'))
      .slice(-3)
      .join('\n');

  before(async () => {
    assert.ok(clouds && deletes && lab.providers, 'the run started the GitHub and ECR contracts with repositories to delete from');
    api = await vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID)!.activate();
    // The logins `aws ecr get-login-password | docker login` and `docker login ghcr.io` leave in config.json.
    const config = join(mkdtempSync(join(tmpdir(), 'delete-vendors-')), 'config.json');
    const basic = (user: string, password: string) => ({ auth: Buffer.from(`${user}:${password}`).toString('base64') });
    writeFileSync(
      config,
      JSON.stringify({
        auths: { [deletes.ecr.host]: basic('AWS', deletes.ecr.password), 'ghcr.io': basic(deletes.ghcr.login, deletes.ghcr.token) },
      }),
    );
    // ECR's API takes the AWS profile the user's tools set up.
    for (const name of ['AWS_SHARED_CREDENTIALS_FILE', 'AWS_PROFILE']) {
      saved[name] = process.env[name];
      process.env[name] = clouds.env[name];
    }
    const hostsDirectories = [...lab.providers.hostsDirectories, ...clouds.hostsDirectories];
    await set('dockerConfigPath', config);
    await set('resolveRules', [...lab.providers.resolveRules, ...clouds.resolveRules]);
    // The tree lists the registries of config.json (with their providers) before the last setting
    // comes: a command must not use a provider made on the session that setting replaced.
    await api.tree.getChildren();
    await set('hostsDirectories', hostsDirectories);
    // The extension hears of each change a moment after it is written, and starts a new session
    // then: the first Delete must not begin on a session a late change closes under it.
    await waitFor('the extension to take the settings', () =>
      api.registry.settings.hostsDirectories.join('\n') === hostsDirectories.join('\n') && api.registry.settings.dockerConfigPath === config
        ? true
        : undefined,
    );
  });

  after(async () => {
    for (const key of ['dockerConfigPath', 'resolveRules', 'hostsDirectories']) await set(key, undefined);
    for (const [name, value] of Object.entries(saved))
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
  });

  const vendors = {
    ecr: {
      name: 'ECR',
      seeded: () => deletes!.ecr,
      host: () => deletes!.ecr.host,
      /** ECR removes a tag alone itself (BatchDeleteImage by imageTag): nothing is pushed. */
      tagOnlyPushes: () => [] as string[],
      /** BatchDeleteImage calls ECR's API answered. */
      vendorDelete: (r: SeenContractRequest) => r.host === clouds!.ecr.apiHost && r.target === BATCH_DELETE && r.status === 200,
    },
    ghcr: {
      name: 'GHCR',
      seeded: () => deletes!.ghcr,
      host: () => 'ghcr.io',
      /** GitHub has no tag delete: the tag is moved to a throwaway manifest, whose version is then deleted. */
      tagOnlyPushes: () => [`/v2/${deletes!.ghcr.repository}/manifests/${deletes!.ghcr.shared.removed}`],
      /** Package versions GitHub's API deleted. */
      vendorDelete: (r: SeenContractRequest) =>
        r.host === 'api.github.com' &&
        r.method === 'DELETE' &&
        /\/packages\/container\/tidy\/versions\/\d+$/.test(r.path) &&
        r.status === 204,
    },
  };

  /** The requests recorded since `from` (for a failure's message). */
  const shownSince = (seeded: DeleteRepository, from: number): string =>
    readSeenRequests(seeded.requestsFile)
      .slice(from)
      .map((r) => `${r.method} ${r.host}${r.path}${r.target ? ` ${r.target}` : ''} → ${r.status}`)
      .join('\n');

  /** The requests recorded since `from`: those the vendor's API answered with a delete, and the manifest deletes and writes sent to the registry. */
  function sentSince(vendor: (typeof vendors)[keyof typeof vendors], from: number) {
    const seeded = vendor.seeded();
    const since = readSeenRequests(seeded.requestsFile).slice(from);
    const toRegistry = since.filter((r) => r.host === vendor.host() && r.path.startsWith(`/v2/${seeded.repository}/manifests/`));
    return {
      vendorDeletes: since.filter(vendor.vendorDelete).length,
      registryDeletes: toRegistry.filter((r) => r.method === 'DELETE').length,
      manifestPuts: toRegistry.filter((r) => r.method === 'PUT').map((r) => r.path),
    };
  }

  for (const vendor of Object.values(vendors)) {
    it(`${vendor.name}: Delete on a tag removes its manifest through the vendor's API, with no manifest delete sent to the registry`, async () => {
      const seeded = vendor.seeded();
      assert.ok(
        stored(seeded).some((m) => m.digest === seeded.whole.digest),
        'the manifest is there before',
      );
      const from = readSeenRequests(seeded.requestsFile).length;
      const done = await vscode.commands.executeCommand('registryExplorer.delete', {
        reference: `${vendor.host()}/${seeded.repository}:${seeded.whole.tag}`,
        mode: 'manifest',
        confirm: true,
      });
      assert.equal(done, 'manifest', lastShown());
      assert.ok(!stored(seeded).some((m) => m.digest === seeded.whole.digest), 'the registry holds the manifest no more');
      assert.deepEqual(sentSince(vendor, from), { vendorDeletes: 1, registryDeletes: 0, manifestPuts: [] }, shownSince(seeded, from));
    });

    it(`${vendor.name}: Delete Tag Only on a tag that shares its manifest leaves the manifest and the other tag, and no throwaway manifest`, async () => {
      const seeded = vendor.seeded();
      const { digest, kept, removed } = seeded.shared;
      const before = stored(seeded);
      assert.deepEqual(before.find((m) => m.digest === digest)?.tags, [kept, removed]);
      const from = readSeenRequests(seeded.requestsFile).length;
      const done = await vscode.commands.executeCommand('registryExplorer.delete', {
        reference: `${vendor.host()}/${seeded.repository}:${removed}`,
        mode: 'tag',
        confirm: true,
      });
      assert.equal(done, 'tag', lastShown());
      // Exactly what was there, less the one tag (on GHCR, the throwaway the tag was moved to went through the vendor).
      assert.deepEqual(
        stored(seeded),
        before.map((m) => (m.digest === digest ? { digest, tags: [kept] } : m)),
      );
      assert.deepEqual(
        sentSince(vendor, from),
        {
          vendorDeletes: 1,
          registryDeletes: 0,
          manifestPuts: vendor.tagOnlyPushes(),
        },
        shownSince(seeded, from),
      );
    });
  }
});
