// Untagged manifests in a clean-up: Azure Container Registry lists a repository's manifests with
// their tags (`/acr/v1/<name>/_manifests`, served by the ACR contract server over a real
// Distribution registry's storage), so an untagged manifest pushed by digest is listed, previewed
// and deleted, while the platform manifests of a kept index (untagged too) are protected. A plain
// Distribution registry cannot list them, and its preview says so.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDeletesAllowed, readTagFacts, runCleanup } from '../../src/core/operations/cleanup';
import { planCleanup } from '../../src/core/operations/cleanup-plan';
import { cleanupPlanJson, describeCleanupPlan } from '../../src/core/operations/cleanup-text';
import { createProviderClient } from '../../src/core/providers/providers';
import { createSession, type RegistrySession } from '../../src/core/registry/session';
import { OciLayout, pushToRegistry, type BuiltIndex, type BuiltImage } from '../support/lab/content';
import { Lab, type LabRegistry } from '../support/lab/registry';
import { ACR_USER, CloudContracts } from '../support/lab/vendors/clouds';
import { failure } from '../support/lab/lab-helpers';

const REFRESH_TOKEN = 'acr-refresh-token-for-the-clean-up';

describe('Clean-up of untagged manifests: listed by ACR, protected when a kept index needs them', function () {
  let lab: Lab;
  let registry: LabRegistry;
  let clouds: CloudContracts;
  let index: BuiltIndex;
  let old: BuiltImage;
  let loose: BuiltImage;
  let rescued: BuiltImage;
  const sessions: RegistrySession[] = [];

  before(async function () {
    this.timeout(180_000);
    lab = await Lab.create();
    registry = await lab.startRegistry({ name: 'acr-untagged', auth: 'token' });
    const layout = await OciLayout.create(join(lab.dir, 'content', 'acr-untagged'));
    index = await layout.multiPlatformIndex({ seed: 'untagged-kept', layers: [1024] });
    old = await layout.image({ seed: 'untagged-old', layers: [1024] });
    loose = await layout.image({ seed: 'untagged-loose', layers: [1024] });
    await pushToRegistry(layout, index, registry, 'team/tidy:keep');
    await pushToRegistry(layout, old, registry, 'team/tidy:old');
    // Pushed by digest: no tag ever points at it.
    await pushToRegistry(layout, loose, registry, `team/tidy@${loose.descriptor.digest}`);
    // Untagged at the preview, tagged by someone else before the clean-up runs.
    rescued = await layout.image({ seed: 'untagged-rescued', layers: [1024] });
    await pushToRegistry(layout, rescued, registry, `team/rescue@${rescued.descriptor.digest}`);
    clouds = await CloudContracts.start(lab, registry, { acrRefreshTokens: [REFRESH_TOKEN], ecrPasswords: [], garAccessTokens: [] });
  });

  after(async function () {
    this.timeout(30_000);
    await Promise.all(sessions.splice(0).map((s) => s.close()));
    await clouds?.server.stop();
    await lab?.stopAll();
  });

  function acrSession(): RegistrySession {
    const home = mkdtempSync(join(tmpdir(), 'acr-untagged-'));
    const auths = { [clouds.acrHost]: { auth: Buffer.from(`${ACR_USER}:`).toString('base64'), identitytoken: REFRESH_TOKEN } };
    writeFileSync(join(home, 'config.json'), JSON.stringify({ auths }));
    writeFileSync(join(home, 'auth.json'), '{}');
    const s = createSession({
      hostsDirectories: [clouds.server.hostsDirectory],
      resolveRules: clouds.server.resolveRules(),
      credentials: { dockerConfigPath: join(home, 'config.json'), podmanAuthPath: join(home, 'auth.json') },
      homedir: home,
      retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 },
    });
    sessions.push(s);
    return s;
  }

  it('lists, previews and deletes an untagged manifest, keeps the platforms of a kept index, and the registry agrees', async function () {
    this.timeout(60_000);
    const s = acrSession();
    const provider = createProviderClient(s.registry(clouds.acrHost), s.apiChannel());
    assert.equal(provider.info.id, 'acr');
    assert.ok(provider.listUntaggedManifests, 'ACR lists untagged manifests');
    // A page of one entry, so the listing follows ACR's Link header.
    const untagged = await provider.listUntaggedManifests('team/tidy', { pageSize: 1 });
    const [amd64, arm64] = index.children.map((c) => c.descriptor.digest);
    assert.deepEqual(untagged.map((m) => m.digest).sort(), [amd64!, arm64!, loose.descriptor.digest].sort());
    for (const m of untagged) assert.ok(m.size! > 0 && m.created! > 0, 'size and date come with each');
    assert.ok(
      clouds.server.count(clouds.acrHost, /^\/acr\/v1\/team\/tidy\/_manifests\?last=sha256/, 'GET') >= 2,
      'the next pages came by Link',
    );

    const repository = s.registry(clouds.acrHost).repository('team/tidy');
    await checkDeletesAllowed(repository);
    const facts = await readTagFacts(repository, ['keep', 'old']);
    const plan = planCleanup(facts, { match: 'old', sharedDigest: 'delete-tag', deleteUntagged: true }, Date.now(), { untagged });
    assert.deepEqual(plan.manifests, [{ digest: old.descriptor.digest, tags: ['old'] }]);
    assert.ok(plan.untagged.listed);
    assert.deepEqual(
      plan.untagged.deletions.map((m) => m.digest),
      [loose.descriptor.digest],
    );
    assert.deepEqual(
      plan.untagged.protected.map((p) => [p.digest, p.reason]).sort(),
      [
        [amd64!, 'its manifest is a platform of kept index "keep"'],
        [arm64!, 'its manifest is a platform of kept index "keep"'],
      ].sort(),
    );
    const preview = describeCleanupPlan(plan, `${clouds.acrHost}/team/tidy`);
    assert.match(preview, new RegExp(`Untagged manifests deleted by digest \\(1\\)\\n  ${loose.descriptor.digest}`));
    assert.match(preview, new RegExp(`${amd64!}  its manifest is a platform of kept index "keep"`));
    assert.doesNotMatch(preview, /garbage-collect/);
    const json = JSON.parse(cleanupPlanJson(plan, `${clouds.acrHost}/team/tidy`)) as {
      untagged: { deletions: { digest: string; size: number }[] };
    };
    assert.equal(json.untagged.deletions[0]!.digest, loose.descriptor.digest);
    assert.ok(json.untagged.deletions[0]!.size > 0);

    const report = await runCleanup(repository, plan, {
      untaggedNow: (signal) => provider.listUntaggedManifests!('team/tidy', { signal }),
    });
    assert.deepEqual(report.totals, { deleted: 2, failed: 0, skipped: 0, notAttempted: 0 });
    assert.deepEqual(
      report.steps.map((st) => [st.step.kind, st.step.digest]),
      [
        ['manifest', old.descriptor.digest],
        ['untagged', loose.descriptor.digest],
      ],
    );

    // The registry afterwards: the untagged manifest is gone, the kept index and its platforms are whole.
    assert.equal((await failure(repository.getManifest(loose.descriptor.digest))).code, 'MANIFEST_UNKNOWN');
    assert.equal((await repository.getManifest('keep')).descriptor.digest, index.descriptor.digest);
    for (const child of [amd64!, arm64!]) assert.equal((await repository.getManifest(child)).descriptor.digest, child);
    assert.deepEqual((await provider.listUntaggedManifests('team/tidy')).map((m) => m.digest).sort(), [amd64!, arm64!].sort());
  });

  it('an untagged manifest tagged after the preview stays, and so does every one when the listing cannot be asked again', async function () {
    this.timeout(60_000);
    const s = acrSession();
    const provider = createProviderClient(s.registry(clouds.acrHost), s.apiChannel());
    const repository = s.registry(clouds.acrHost).repository('team/rescue');
    const untagged = await provider.listUntaggedManifests!('team/rescue');
    assert.deepEqual(
      untagged.map((m) => m.digest),
      [rescued.descriptor.digest],
    );
    const plan = planCleanup([], { sharedDigest: 'delete-tag', deleteUntagged: true }, Date.now(), { untagged });
    assert.ok(plan.untagged.listed);
    assert.deepEqual(
      plan.untagged.deletions.map((m) => m.digest),
      [rescued.descriptor.digest],
    );

    // Without a way to list them again, nothing untagged is deleted.
    const unchecked = await runCleanup(repository, plan);
    assert.deepEqual(unchecked.totals, { deleted: 0, failed: 0, skipped: 1, notAttempted: 0 });
    assert.match(unchecked.steps[0]!.reason!, /not checked again/);

    // Someone tags it between the preview and the run.
    await repository.tag(rescued.descriptor.digest, 'rescued');
    const report = await runCleanup(repository, plan, {
      untaggedNow: (signal) => provider.listUntaggedManifests!('team/rescue', { signal }),
    });
    assert.deepEqual(report.totals, { deleted: 0, failed: 0, skipped: 1, notAttempted: 0 });
    assert.match(report.steps[0]!.reason!, /no longer lists it as untagged/);
    assert.equal((await repository.getManifest('rescued')).descriptor.digest, rescued.descriptor.digest);
  });

  it('a plain Distribution registry cannot list them, and the preview says so', async function () {
    const s = acrSession();
    const plain = createProviderClient(s.registry(registry.host), s.apiChannel());
    assert.equal(plain.listUntaggedManifests, undefined);
    const plan = planCleanup([], { sharedDigest: 'delete-tag', deleteUntagged: true }, Date.now());
    assert.deepEqual(plan.untagged, { listed: false });
    assert.match(describeCleanupPlan(plan, `${registry.host}/team/tidy`), /registry garbage-collect --delete-untagged/);
  });
});
