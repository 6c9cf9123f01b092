// Untagged manifests in a clean-up on Amazon ECR and Google Artifact Registry, against their
// contract servers in front of a real Distribution registry (untagged = pushed by digest, no tag):
// ECR lists them with DescribeImages (UNTAGGED filter; with their sizes and push dates, or through
// ListImages without them when the identity may not describe images) and deletes with
// BatchDeleteImage, since its registry endpoint refuses the Distribution API's DELETE; Artifact Registry lists them as
// dockerImages entries without tags and deletes through the Distribution API. On both, the
// platforms of a kept index and the referrers (signatures) of a kept manifest are protected, what
// goes is gone from the registry afterwards, and one tagged between preview and delete stays.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { checkDeletesAllowed, readTagFacts, runCleanup, type CleanupRunOptions } from '../../src/core/operations/cleanup';
import { planCleanup } from '../../src/core/operations/cleanup-plan';
import { describeCleanupPlan } from '../../src/core/operations/cleanup-text';
import { digestOf } from '../../src/core/oci/digest';
import { readUntaggedDetails } from '../../src/core/operations/untagged-details';
import type { ProviderClient } from '../../src/core/providers/provider';
import { createProviderClient } from '../../src/core/providers/providers';
import { createSession, type RegistrySession } from '../../src/core/registry/session';
import { OciLayout, pushToRegistry, type BuiltImage, type BuiltIndex, type BuiltManifest } from '../support/lab/content';
import { failure } from '../support/lab/lab-helpers';
import { Lab, type LabRegistry } from '../support/lab/registry';
import { EcrApiContract } from '../support/lab/vendors/aws-ecr';
import { CloudContracts } from '../support/lab/vendors/clouds';
import { GoogleApisContract } from '../support/lab/vendors/google-apis';
import { imageSize, storedManifests } from '../support/lab/vendors/stored-manifests';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const KEY = { id: 'AKIAUNTAGGEDEXAMPLE0', secret: 'untagged-secret-key-example-0123456789' };
const READ_ONLY = { id: 'AKIAREADONLYEXAMPLE0', secret: 'read-only-secret-key-example-01234567' };
const NO_DESCRIBE = { id: 'AKIANODESCRIBEEXAMP0', secret: 'no-describe-secret-key-example-012345' };
const ECR_PASSWORD = 'ecr-password-for-the-clean-up';
const GAR_TOKEN = 'ya29.gar-token-for-the-clean-up';
const GAR_IMAGE = 'my-project/images/app';

interface Seeded {
  index: BuiltIndex;
  old: BuiltImage;
  loose: BuiltImage;
  keptSignature: BuiltManifest;
  oldSignature: BuiltManifest;
}

describe('Clean-up of untagged manifests on ECR and Artifact Registry, through their APIs', function () {
  let lab: Lab;
  let registry: LabRegistry;
  let clouds: CloudContracts;
  let ecrApi: EcrApiContract;
  let google: GoogleApisContract;
  let layout: OciLayout;
  const seeded: Record<string, Seeded> = {};
  let rescued: BuiltImage;
  let plain: BuiltImage;
  const sessions: RegistrySession[] = [];

  /** A kept index, a tag that goes, a manifest pushed by digest, and a signature of each tagged one (pushed by digest). */
  async function seed(repository: string, name: string): Promise<Seeded> {
    const index = await layout.multiPlatformIndex({ seed: `${name}-kept`, layers: [1024] });
    const old = await layout.image({ seed: `${name}-old`, layers: [1024] });
    const loose = await layout.image({ seed: `${name}-loose`, layers: [1024] });
    await pushToRegistry(layout, index, registry, `${repository}:keep`);
    await pushToRegistry(layout, old, registry, `${repository}:old`);
    await pushToRegistry(layout, loose, registry, `${repository}@${loose.descriptor.digest}`);
    const keptSignature = await layout.referrer(index.descriptor);
    const oldSignature = await layout.referrer(old.descriptor);
    for (const sig of [keptSignature, oldSignature]) await pushToRegistry(layout, sig, registry, `${repository}@${sig.descriptor.digest}`);
    return { index, old, loose, keptSignature, oldSignature };
  }

  before(async function () {
    this.timeout(180_000);
    lab = await Lab.create();
    registry = await lab.startRegistry({ name: 'clouds-untagged', auth: 'token' });
    layout = await OciLayout.create(join(lab.dir, 'content', 'clouds-untagged'));
    seeded.ecr = await seed('team/tidy', 'ecr');
    seeded.gar = await seed(GAR_IMAGE, 'gar');
    rescued = await layout.image({ seed: 'clouds-rescued', layers: [1024] });
    for (const repository of ['team/rescue', 'my-project/images/rescue'])
      await pushToRegistry(layout, rescued, registry, `${repository}@${rescued.descriptor.digest}`);
    plain = await layout.image({ seed: 'clouds-plain', layers: [1024] });
    await pushToRegistry(layout, plain, registry, `team/plain@${plain.descriptor.digest}`);
    clouds = await CloudContracts.start(lab, registry, {
      acrRefreshTokens: [],
      ecrPasswords: [ECR_PASSWORD],
      garAccessTokens: [GAR_TOKEN],
    });
    ecrApi = await EcrApiContract.start(lab, registry, {
      account: ACCOUNT,
      region: REGION,
      maxPage: 2,
      keys: {
        [KEY.id]: { secret: KEY.secret, mayList: true, user: 'dev' },
        [READ_ONLY.id]: { secret: READ_ONLY.secret, mayList: true, mayDelete: false, user: 'reader' },
        [NO_DESCRIBE.id]: { secret: NO_DESCRIBE.secret, mayList: true, mayDescribeImages: false, user: 'lister' },
      },
      owns: (name) => !name.startsWith('my-project/'),
    });
    google = await GoogleApisContract.start(lab, {
      accessTokens: [GAR_TOKEN],
      projects: [{ id: 'my-project' }],
      images: [],
      maxPage: 2,
      stored: { registry, host: clouds.garHost, location: 'europe' },
    });
  });

  after(async function () {
    this.timeout(30_000);
    await Promise.all(sessions.splice(0).map((s) => s.close()));
    await Promise.all([clouds, ecrApi, google].map((c) => c?.server.stop()));
    await lab?.stopAll();
  });

  function session(key = KEY): RegistrySession {
    const home = mkdtempSync(join(tmpdir(), 'clouds-untagged-'));
    const auths = {
      [clouds.ecrHost]: { auth: Buffer.from(`AWS:${ECR_PASSWORD}`).toString('base64') },
      [clouds.garHost]: { auth: Buffer.from(`oauth2accesstoken:${GAR_TOKEN}`).toString('base64') },
    };
    writeFileSync(join(home, 'config.json'), JSON.stringify({ auths }));
    writeFileSync(join(home, 'auth.json'), '{}');
    const s = createSession({
      hostsDirectories: [clouds.server.hostsDirectory, ecrApi.server.hostsDirectory, google.server.hostsDirectory],
      resolveRules: [...clouds.server.resolveRules(), ...ecrApi.server.resolveRules(), ...google.server.resolveRules()],
      credentials: { dockerConfigPath: join(home, 'config.json'), podmanAuthPath: join(home, 'auth.json') },
      env: { HOME: home, AWS_ACCESS_KEY_ID: key.id, AWS_SECRET_ACCESS_KEY: key.secret },
      homedir: home,
      retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 },
    });
    sessions.push(s);
    return s;
  }

  /** What the Clean Up command hands the runner for this provider (as vendorManifestDeleter makes it). */
  function runOptions(provider: ProviderClient, name: string): CleanupRunOptions {
    const remove = provider.deleteManifest;
    const removeTag = provider.deleteTag;
    const byDigest = (digest: string, signal?: AbortSignal) => remove!(name, digest, { signal });
    const deleteManifest = removeTag ? Object.assign(byDigest, { deleteTag: (tag: string) => removeTag(name, tag) }) : byDigest;
    return {
      untaggedNow: (signal) => provider.listUntaggedManifests!(name, { signal }),
      ...(remove ? { deleteManifest } : {}),
    };
  }

  for (const vendor of ['ecr', 'gar'] as const) {
    const name = vendor === 'ecr' ? 'team/tidy' : GAR_IMAGE;
    it(`${vendor === 'ecr' ? 'ECR' : 'Artifact Registry'}: lists, previews and deletes untagged manifests, keeps a kept index's platforms and a kept manifest's signature, and the registry agrees`, async function () {
      this.timeout(60_000);
      const s = session();
      const host = vendor === 'ecr' ? clouds.ecrHost : clouds.garHost;
      const provider = createProviderClient(s.registry(host), s.apiChannel());
      assert.equal(provider.info.id, vendor);
      assert.ok(provider.listUntaggedManifests, 'the provider lists untagged manifests');
      assert.equal(!!provider.deleteManifest, vendor === 'ecr', 'only ECR deletes through its own API');
      const { index, old, loose, keptSignature, oldSignature } = seeded[vendor]!;
      const [amd64, arm64] = index.children.map((c) => c.descriptor.digest);

      // Pages of two (the servers' page size), so the listing follows nextToken / nextPageToken.
      const operationsBefore = ecrApi.operations.length;
      const listed = await provider.listUntaggedManifests(name, { pageSize: 1000 });
      assert.deepEqual(
        listed.map((m) => m.digest).sort(),
        [amd64!, arm64!, loose.descriptor.digest, keptSignature.descriptor.digest, oldSignature.descriptor.digest].sort(),
      );
      for (const m of listed) assert.ok(m.size! > 0 && m.created! > 0, `${vendor} says the size and date of ${m.digest}`);
      if (vendor === 'ecr') {
        // DescribeImages' imageSizeInBytes and imagePushedAt (epoch seconds): what the registry behind it holds.
        const stored = storedManifests(registry, name)!;
        for (const m of listed) {
          const held = stored.find((st) => st.digest === m.digest)!;
          assert.deepEqual([m.size, m.created], [imageSize(held), held.pushed.getTime()], m.digest);
        }
        assert.deepEqual(
          ecrApi.operations.slice(operationsBefore),
          ['DescribeImages', 'DescribeImages', 'DescribeImages'],
          'five untagged in pages of two, through DescribeImages alone',
        );
      }

      const repository = s.registry(host).repository(name);
      const options = runOptions(provider, name);
      await checkDeletesAllowed(repository, undefined, options.deleteManifest);
      const untagged = await readUntaggedDetails(repository, listed);
      assert.equal(untagged.find((m) => m.digest === keptSignature.descriptor.digest)!.subject, index.descriptor.digest);
      const facts = await readTagFacts(repository, ['keep', 'old']);
      const plan = planCleanup(facts, { match: 'old', sharedDigest: 'delete-tag', deleteUntagged: true }, Date.now(), { untagged });
      assert.deepEqual(plan.manifests, [{ digest: old.descriptor.digest, tags: ['old'] }]);
      assert.ok(plan.untagged.listed);
      assert.deepEqual(
        plan.untagged.deletions.map((m) => m.digest).sort(),
        [loose.descriptor.digest, oldSignature.descriptor.digest].sort(),
      );
      assert.deepEqual(
        plan.untagged.protected.map((p) => [p.digest, p.reason]).sort(),
        [
          [amd64!, 'its manifest is a platform of kept index "keep"'],
          [arm64!, 'its manifest is a platform of kept index "keep"'],
          [
            keptSignature.descriptor.digest,
            `refers to manifest ${index.descriptor.digest}, which stays (a signature, SBOM or attestation of it)`,
          ],
        ].sort(),
      );
      const preview = describeCleanupPlan(plan, `${host}/${name}`);
      assert.match(preview, /Untagged manifests deleted by digest \(2\)/);
      // Each one that goes with its size and push day, as the vendor says.
      for (const m of plan.untagged.deletions)
        assert.match(preview, new RegExp(`\\n {2}${m.digest} {2}\\d+(\\.\\d)? k?B +\\d{4}-\\d{2}-\\d{2}\\n`), m.digest);
      assert.doesNotMatch(preview.slice(preview.indexOf('Untagged manifests deleted')), /size unknown|date unknown/);

      const report = await runCleanup(repository, plan, options);
      assert.deepEqual(report.totals, { deleted: 3, failed: 0, skipped: 0, notAttempted: 0 }, JSON.stringify(report.steps));
      if (vendor === 'ecr')
        assert.equal(ecrApi.operations.filter((o) => o === 'BatchDeleteImage').length, 4, 'the probe and the three deletions');

      // The registry afterwards, through its own API: what went is gone, what stays is whole.
      for (const gone of [old.descriptor.digest, loose.descriptor.digest, oldSignature.descriptor.digest])
        assert.equal((await failure(repository.getManifest(gone))).code, 'MANIFEST_UNKNOWN');
      assert.equal((await repository.getManifest('keep')).descriptor.digest, index.descriptor.digest);
      for (const kept of [amd64!, arm64!, keptSignature.descriptor.digest])
        assert.equal((await repository.getManifest(kept)).descriptor.digest, kept);
      assert.deepEqual(
        (await provider.listUntaggedManifests(name)).map((m) => m.digest).sort(),
        [amd64!, arm64!, keptSignature.descriptor.digest].sort(),
      );
    });
  }

  it('ECR: an identity without ecr:DescribeImages still gets the untagged manifests through ListImages, and the preview says what is missing and why', async function () {
    this.timeout(60_000);
    const s = session(NO_DESCRIBE);
    const provider = createProviderClient(s.registry(clouds.ecrHost), s.apiChannel());
    const before = ecrApi.operations.length;
    const listed = await provider.listUntaggedManifests!('team/plain');
    assert.deepEqual(
      listed.map((m) => m.digest),
      [plain.descriptor.digest],
    );
    assert.deepEqual(listed[0], { digest: plain.descriptor.digest }, 'no size or date without DescribeImages');
    assert.deepEqual(ecrApi.operations.slice(before), ['DescribeImages', 'ListImages']);
    assert.match(
      listed.note ?? '',
      /^Amazon ECR refused to read the sizes and dates of the untagged manifests of team\/plain: the AWS identity from .* is not allowed ecr:DescribeImages on the registry 123456789012 in eu-west-1 .*the AmazonEC2ContainerRegistryReadOnly policy does.* listed with ListImages instead, which gives no sizes or dates\.$/,
    );
    const untagged = await readUntaggedDetails(s.registry(clouds.ecrHost).repository('team/plain'), listed);
    const plan = planCleanup([], { sharedDigest: 'delete-tag', deleteUntagged: true }, Date.now(), {
      untagged,
      untaggedNote: listed.note!,
    });
    const preview = describeCleanupPlan(plan, `${clouds.ecrHost}/team/plain`);
    assert.match(preview, /\nAmazon ECR refused to read the sizes and dates of the untagged manifests of team\/plain: /);
    assert.match(preview.replace(/\n/g, ' '), /not allowed ecr:DescribeImages .*AmazonEC2ContainerRegistryReadOnly/);
    assert.match(preview, new RegExp(`\\n {2}${plain.descriptor.digest} {2}size unknown +date unknown\\n`));
  });

  it('ECR: repositories with a path segment named tags, blobs or manifests push, list and pull through the registry’s Basic front', async function () {
    this.timeout(60_000);
    const s = session();
    const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
    const configDescriptor = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length };
    const manifest = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: configDescriptor, layers: [] }),
    );
    const manifestDescriptor = {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: digestOf(manifest),
      size: manifest.length,
    };
    for (const name of ['team/tags', 'blobs/app', 'team/manifests/web', 'team/blobs/uploads']) {
      const repository = s.registry(clouds.ecrHost).repository(name);
      await repository.pushBlob(configDescriptor, Readable.from([config]));
      await repository.pushManifest(manifestDescriptor, manifest, '1.0');
      const tags: string[] = [];
      for await (const page of s.registry(clouds.ecrHost).listTags(name)) tags.push(...page);
      assert.deepEqual(tags, ['1.0'], name);
      assert.equal((await repository.getManifest('1.0')).descriptor.digest, manifestDescriptor.digest, name);
      const chunks: Buffer[] = [];
      for await (const chunk of await repository.openBlob(configDescriptor)) chunks.push(chunk as Buffer);
      assert.deepEqual(Buffer.concat(chunks), config, name);
      // What the registry behind the front holds, under the whole name.
      assert.deepEqual(
        storedManifests(registry, name)!.map((m) => [m.digest, m.tags]),
        [[manifestDescriptor.digest, ['1.0']]],
        name,
      );
    }
  });

  it('ECR: the Distribution API’s delete is refused, BatchDeleteImage answers per image, and an identity without ecr:BatchDeleteImage is told so before anything goes', async function () {
    this.timeout(60_000);
    const s = session();
    const provider = createProviderClient(s.registry(clouds.ecrHost), s.apiChannel());
    const repository = s.registry(clouds.ecrHost).repository('team/tidy');
    // Without the vendor's delete, the probe meets ECR's registry endpoint: deletes look disabled.
    assert.equal((await failure(checkDeletesAllowed(repository))).code, 'DELETE_DISABLED');
    const [amd64] = seeded.ecr!.index.children.map((c) => c.descriptor.digest);
    const referenced = await failure(provider.deleteManifest!('team/tidy', amd64!));
    assert.match(referenced.message, /an index \(manifest list\) in the repository still lists it/);
    assert.equal((await failure(provider.deleteManifest!('team/tidy', `sha256:${'1'.repeat(64)}`))).code, 'MANIFEST_UNKNOWN');
    const reading = session(READ_ONLY);
    const readOnly = createProviderClient(reading.registry(clouds.ecrHost), reading.apiChannel());
    const denied = await failure(
      checkDeletesAllowed(reading.registry(clouds.ecrHost).repository('team/tidy'), undefined, (d, signal) =>
        readOnly.deleteManifest!('team/tidy', d, { signal }),
      ),
    );
    assert.equal(denied.code, 'SCOPE_MISSING');
    assert.match(denied.message, /not allowed ecr:BatchDeleteImage .*AmazonEC2ContainerRegistryPowerUser/);
  });

  it('ECR: a tag sharing its manifest with a kept tag is removed alone by BatchDeleteImage with the tag, nothing pushed; its last tag takes the image', async function () {
    this.timeout(60_000);
    const image = await layout.image({ seed: 'ecr-tags', layers: [1024] });
    for (const tag of ['kept', 'shared']) await pushToRegistry(layout, image, registry, `team/labels:${tag}`);
    const s = session();
    const provider = createProviderClient(s.registry(clouds.ecrHost), s.apiChannel());
    const repository = s.registry(clouds.ecrHost).repository('team/labels');
    const plan = planCleanup(
      await readTagFacts(repository, ['kept', 'shared']),
      { match: 'shared', sharedDigest: 'delete-tag' },
      Date.now(),
    );
    assert.deepEqual(
      plan.tagDeletions.map((t) => t.tag),
      ['shared'],
    );
    const pushes = () => clouds.server.count(clouds.ecrHost, /^\/v2\/team\/labels\/(manifests|blobs\/uploads)\//, 'PUT');
    const before = pushes();
    const report = await runCleanup(repository, plan, runOptions(provider, 'team/labels'));
    assert.deepEqual(report.totals, { deleted: 1, failed: 0, skipped: 0, notAttempted: 0 });
    // Nothing pushed: no throwaway manifest, so a repository with immutable tags is no obstacle.
    assert.equal(pushes(), before, 'nothing was pushed');
    assert.equal((await failure(repository.resolve('shared'))).code, 'MANIFEST_UNKNOWN');
    assert.equal((await repository.resolve('kept')).digest, image.descriptor.digest);
    const missing = await failure(provider.deleteTag!('team/labels', 'shared'));
    assert.equal(missing.code, 'MANIFEST_UNKNOWN');
    assert.match(missing.message, /^Amazon ECR has no tag shared in team\/labels/);
    // "When you remove the last tag from an image, the image is deleted" (API_BatchDeleteImage.html).
    await provider.deleteTag!('team/labels', 'kept');
    assert.equal((await failure(repository.getManifest(image.descriptor.digest))).code, 'MANIFEST_UNKNOWN');
  });

  for (const vendor of ['ecr', 'gar'] as const) {
    const name = vendor === 'ecr' ? 'team/rescue' : 'my-project/images/rescue';
    it(`${vendor === 'ecr' ? 'ECR' : 'Artifact Registry'}: a manifest tagged between the preview and the delete stays`, async function () {
      this.timeout(60_000);
      const s = session();
      const host = vendor === 'ecr' ? clouds.ecrHost : clouds.garHost;
      const provider = createProviderClient(s.registry(host), s.apiChannel());
      const repository = s.registry(host).repository(name);
      const untagged = await provider.listUntaggedManifests!(name);
      assert.deepEqual(
        untagged.map((m) => m.digest),
        [rescued.descriptor.digest],
      );
      const plan = planCleanup([], { sharedDigest: 'delete-tag', deleteUntagged: true }, Date.now(), { untagged });
      await repository.tag(rescued.descriptor.digest, 'rescued');
      const report = await runCleanup(repository, plan, runOptions(provider, name));
      assert.deepEqual(report.totals, { deleted: 0, failed: 0, skipped: 1, notAttempted: 0 });
      assert.match(report.steps[0]!.reason!, /no longer lists it as untagged/);
      assert.equal((await repository.getManifest('rescued')).descriptor.digest, rescued.descriptor.digest);
    });
  }
});
