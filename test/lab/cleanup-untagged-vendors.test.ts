// Untagged manifests in a clean-up on Harbor and on GHCR, each through its contract server over a
// real Distribution registry (test/support/lab/vendors/harbor.ts, github.ts): Harbor's artifact
// list and GitHub's package versions name the manifests no tag points at (pushed by digest here),
// the clean-up previews and deletes them, keeps the platform manifests of a kept index and the
// signature of a kept manifest, and the registry afterwards holds exactly what the preview kept.
// On GHCR the deletes go through GitHub's API (ghcr.io refuses the Distribution API's delete).
// A manifest tagged between the preview and the run is not deleted.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { checkDeletesAllowed, readTagFacts, runCleanup } from '../../src/core/operations/cleanup';
import { planCleanup } from '../../src/core/operations/cleanup-plan';
import { describeCleanupPlan } from '../../src/core/operations/cleanup-text';
import { readUntaggedDetails } from '../../src/core/operations/untagged-details';
import type { ProviderClient } from '../../src/core/providers/provider';
import { createProviderClient } from '../../src/core/providers/providers';
import type { Repository } from '../../src/core/registry/repository';
import type { RegistrySession } from '../../src/core/registry/session';
import { OciLayout, pushToRegistry, type BuiltIndex, type BuiltImage, type BuiltManifest } from '../support/lab/content';
import { failure } from '../support/lab/lab-helpers';
import { Lab, type LabRegistry } from '../support/lab/registry';
import { GitHubContract } from '../support/lab/vendors/github';
import { HarborContract } from '../support/lab/vendors/harbor';
import { vendorSession } from '../support/lab/vendors/vendor-session';

const GH_DELETE = 'ghp_delete_packages_token';
const GH_READ = 'ghp_read_packages_only_token';

/** What each vendor's test pushes into its repository. */
interface Content {
  index: BuiltIndex;
  old: BuiltImage;
  loose: BuiltImage;
  signature: BuiltManifest;
  rescued: BuiltImage;
}

describe('Clean-up of untagged manifests on Harbor and GHCR, listed by their APIs', function () {
  let lab: Lab;
  let registry: LabRegistry;
  let harbor: HarborContract;
  let github: GitHubContract;
  let layout: OciLayout;
  const sessions: RegistrySession[] = [];

  /** A kept index (its platforms untagged), an old tag, an untagged image, a signature of the index, and one to be rescued. */
  async function push(repository: string, rescueRepository: string, seed: string): Promise<Content> {
    const index = await layout.multiPlatformIndex({ seed: `${seed}-kept`, layers: [1024] });
    const old = await layout.image({ seed: `${seed}-old`, layers: [1024] });
    const loose = await layout.image({ seed: `${seed}-loose`, layers: [1024] });
    const rescued = await layout.image({ seed: `${seed}-rescued`, layers: [1024] });
    await pushToRegistry(layout, index, registry, `${repository}:keep`);
    await pushToRegistry(layout, old, registry, `${repository}:old`);
    await pushToRegistry(layout, loose, registry, `${repository}@${loose.descriptor.digest}`);
    const signature = await layout.referrer(index.descriptor);
    await pushToRegistry(layout, signature, registry, `${repository}@${signature.descriptor.digest}`);
    await pushToRegistry(layout, rescued, registry, `${rescueRepository}@${rescued.descriptor.digest}`);
    return { index, old, loose, signature, rescued };
  }

  let onHarbor: Content;
  let onGhcr: Content;

  before(async function () {
    this.timeout(240_000);
    lab = await Lab.create();
    registry = await lab.startRegistry({ name: 'vendor-untagged', auth: 'token' });
    layout = await OciLayout.create(join(lab.dir, 'content', 'vendor-untagged'));
    onHarbor = await push('team/tools/tidy', 'team/rescue', 'harbor');
    onGhcr = await push('octocat/tidy', 'octocat/rescue', 'ghcr');
    harbor = await HarborContract.start(
      lab,
      {
        users: [{ username: 'dev', password: 'dev-password' }],
        projects: [
          {
            id: 2,
            name: 'team',
            public: false,
            members: ['dev'],
            repositories: [
              { name: 'tools/tidy', artifacts: 4, pulls: 0, updated: '2026-11-20T00:00:00Z' },
              { name: 'rescue', artifacts: 1, pulls: 0, updated: '2026-11-20T00:00:00Z' },
            ],
          },
        ],
      },
      registry,
    );
    github = await GitHubContract.start(
      lab,
      {
        users: [
          {
            login: 'octocat',
            tokens: {
              [GH_DELETE]: { scopes: ['read:packages', 'write:packages', 'delete:packages'] },
              [GH_READ]: { scopes: ['read:packages'] },
            },
            orgs: [],
          },
        ],
        orgs: [],
        packages: [
          { owner: 'octocat', name: 'tidy', visibility: 'private', updatedAt: '2026-11-20T10:00:00Z' },
          { owner: 'octocat', name: 'rescue', visibility: 'private', updatedAt: '2026-11-20T10:00:00Z' },
        ],
      },
      registry,
    );
  });

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  after(async function () {
    this.timeout(30_000);
    await Promise.all([harbor?.server.stop(), github?.server.stop()]);
    await lab?.stopAll();
  });

  function harborClient(): { session: RegistrySession; provider: ProviderClient } {
    const session = vendorSession([harbor.server, github.server], { 'harbor.test': { username: 'dev', password: 'dev-password' } });
    sessions.push(session);
    return { session, provider: createProviderClient(session.registry('harbor.test'), session.apiChannel(), { provider: 'harbor' }) };
  }

  function ghcrClient(token = GH_DELETE): { session: RegistrySession; provider: ProviderClient } {
    const session = vendorSession([harbor.server, github.server], { 'ghcr.io': { username: 'octocat', password: token } });
    sessions.push(session);
    return { session, provider: createProviderClient(session.registry('ghcr.io'), session.apiChannel()) };
  }

  /**
   * The clean-up as the command runs it: deletes allowed, the untagged listing read for children
   * and subjects, a plan that removes `old` and every untagged manifest nothing kept needs, the
   * preview, then the run with the listing asked again and the vendor's delete where it has one.
   */
  async function cleanUp(provider: ProviderClient, repository: Repository, name: string, content: Content, reference: string) {
    const vendorDelete = provider.deleteManifest
      ? (digest: string, signal?: AbortSignal) => provider.deleteManifest!(name, digest, signal ? { signal } : {})
      : undefined;
    await checkDeletesAllowed(repository, undefined, vendorDelete);
    const listed = await provider.listUntaggedManifests!(name, { pageSize: 1 });
    const untagged = await readUntaggedDetails(repository, listed);
    const facts = await readTagFacts(repository, ['keep', 'old']);
    const plan = planCleanup(facts, { match: 'old', sharedDigest: 'delete-tag', deleteUntagged: true }, Date.now(), { untagged });
    assert.ok(plan.untagged.listed);
    assert.deepEqual(
      plan.untagged.deletions.map((m) => m.digest),
      [content.loose.descriptor.digest],
    );
    const preview = describeCleanupPlan(plan, reference);
    assert.match(preview, new RegExp(`Untagged manifests deleted by digest \\(1\\)\\n  ${content.loose.descriptor.digest}`));
    const report = await runCleanup(repository, plan, {
      untaggedNow: (signal) => provider.listUntaggedManifests!(name, { signal }),
      ...(vendorDelete ? { deleteManifest: vendorDelete } : {}),
    });
    assert.deepEqual(report.totals, { deleted: 2, failed: 0, skipped: 0, notAttempted: 0 });
    assert.deepEqual(
      report.steps.map((st) => [st.step.kind, st.step.digest]),
      [
        ['manifest', content.old.descriptor.digest],
        ['untagged', content.loose.descriptor.digest],
      ],
    );
    // The registry afterwards: the untagged image and the old tag's manifest are gone; the kept
    // index, its platforms and its signature are whole.
    for (const gone of [content.loose, content.old])
      assert.equal((await failure(repository.getManifest(gone.descriptor.digest))).code, 'MANIFEST_UNKNOWN');
    assert.equal((await repository.getManifest('keep')).descriptor.digest, content.index.descriptor.digest);
    for (const kept of [...content.index.children.map((c) => c.descriptor.digest), content.signature.descriptor.digest])
      assert.equal((await repository.getManifest(kept)).descriptor.digest, kept);
    return { listed, plan };
  }

  /** An untagged manifest tagged by someone else after the preview stays. */
  async function rescue(provider: ProviderClient, repository: Repository, name: string, content: Content, vendorDelete?: boolean) {
    const listed = await provider.listUntaggedManifests!(name);
    assert.deepEqual(
      listed.map((m) => m.digest),
      [content.rescued.descriptor.digest],
    );
    const plan = planCleanup([], { sharedDigest: 'delete-tag', deleteUntagged: true }, Date.now(), {
      untagged: await readUntaggedDetails(repository, listed),
    });
    await repository.tag(content.rescued.descriptor.digest, 'rescued');
    const report = await runCleanup(repository, plan, {
      untaggedNow: (signal) => provider.listUntaggedManifests!(name, { signal }),
      ...(vendorDelete ? { deleteManifest: (digest: string) => provider.deleteManifest!(name, digest) } : {}),
    });
    assert.deepEqual(report.totals, { deleted: 0, failed: 0, skipped: 1, notAttempted: 0 });
    assert.match(report.steps[0]!.reason!, /no longer lists it as untagged/);
    assert.equal((await repository.getManifest('rescued')).descriptor.digest, content.rescued.descriptor.digest);
  }

  describe('Harbor', () => {
    it('lists the top-level untagged artifacts page by page, and the clean-up deletes the one nothing kept needs', async function () {
      this.timeout(60_000);
      const { session, provider } = harborClient();
      assert.ok(provider.listUntaggedManifests, 'Harbor lists untagged artifacts');
      const repository = session.registry('harbor.test').repository('team/tools/tidy');
      const { listed, plan } = await cleanUp(provider, repository, 'team/tools/tidy', onHarbor, 'harbor.test/team/tools/tidy');
      // Harbor leaves out the index's platforms (referenced) and the signature (an accessory).
      assert.deepEqual(
        listed.map((m) => m.digest),
        [onHarbor.loose.descriptor.digest],
      );
      assert.ok(listed[0]!.size! > 0 && listed[0]!.created! > 0, 'size and push time come with it');
      assert.deepEqual(plan.untagged.listed && plan.untagged.protected, []);
      // The nested name went encoded twice, with the untagged filter, a page at a time.
      assert.ok(
        harbor.server.count(
          'harbor.test',
          /^\/api\/v2\.0\/projects\/team\/repositories\/tools%252Ftidy\/artifacts\?q=tags%3Dnil&with_tag=true&page=1&page_size=1$/,
          'GET',
        ) >= 1,
      );
      assert.deepEqual(
        (await provider.listUntaggedManifests!('team/tools/tidy')).map((m) => m.digest),
        [],
      );
    });

    it('follows Harbor’s Link from page to page, and lists every untagged artifact once', async function () {
      this.timeout(60_000);
      const images = await Promise.all([1, 2, 3].map((n) => layout.image({ seed: `harbor-many-${n}`, layers: [256] })));
      for (const image of images) await pushToRegistry(layout, image, registry, `team/many@${image.descriptor.digest}`);
      const { provider } = harborClient();
      const listed = await provider.listUntaggedManifests!('team/many', { pageSize: 1 });
      assert.deepEqual(listed.map((m) => m.digest).sort(), images.map((i) => i.descriptor.digest).sort());
      for (const page of [2, 3])
        assert.equal(
          harbor.server.count(
            'harbor.test',
            new RegExp(`^/api/v2\\.0/projects/team/repositories/many/artifacts\\?.*&page=${page}&page_size=1$`),
            'GET',
          ),
          1,
          `page ${page} came by Link`,
        );
      assert.equal((await provider.listUntaggedManifests!('team/many', { pageSize: 1, limit: 2 })).length, 2, 'the limit holds');
    });

    it('an artifact tagged after the preview is not deleted', async function () {
      this.timeout(60_000);
      const { session, provider } = harborClient();
      await rescue(provider, session.registry('harbor.test').repository('team/rescue'), 'team/rescue', onHarbor);
    });
  });

  describe('GHCR', () => {
    it('lists the package’s untagged versions, keeps the kept index’s platforms and signature, and deletes through GitHub’s API', async function () {
      this.timeout(60_000);
      const { session, provider } = ghcrClient();
      assert.ok(provider.listUntaggedManifests && provider.deleteManifest, 'GHCR lists untagged versions and deletes them');
      const repository = session.registry('ghcr.io').repository('octocat/tidy');
      // ghcr.io refuses the Distribution API's delete: without the vendor's, deletes look disabled.
      assert.equal((await failure(checkDeletesAllowed(repository))).code, 'DELETE_DISABLED');
      const { listed, plan } = await cleanUp(provider, repository, 'octocat/tidy', onGhcr, 'ghcr.io/octocat/tidy');
      const [amd64, arm64] = onGhcr.index.children.map((c) => c.descriptor.digest);
      const signature = onGhcr.signature.descriptor.digest;
      // Every manifest is a version: the platforms and the signature are listed untagged too.
      assert.deepEqual(listed.map((m) => m.digest).sort(), [amd64!, arm64!, onGhcr.loose.descriptor.digest, signature].sort());
      // A package version's created_at is its date; GitHub gives no size.
      for (const m of listed) assert.ok(m.created! > 0 && m.size === undefined, `GHCR dates ${m.digest}`);
      assert.ok(plan.untagged.listed);
      assert.deepEqual(
        plan.untagged.protected.map((p) => [p.digest, p.reason]).sort(),
        [
          [amd64!, 'its manifest is a platform of kept index "keep"'],
          [arm64!, 'its manifest is a platform of kept index "keep"'],
          [signature, `refers to manifest ${onGhcr.index.descriptor.digest}, which stays (a signature, SBOM or attestation of it)`],
        ].sort(),
      );
      assert.ok(
        github.server.count('api.github.com', /^\/user\/packages\/container\/tidy\/versions\?per_page=1&page=2$/, 'GET') >= 1,
        'the Link was followed',
      );
      assert.equal(
        github.server.count('api.github.com', /^\/user\/packages\/container\/tidy\/versions\/\d+$/, 'DELETE'),
        2,
        'both deletes went to GitHub',
      );
      assert.equal(github.server.count('ghcr.io', /\/manifests\/sha256:/, 'DELETE'), 1, 'only the probe went to ghcr.io');
      assert.deepEqual(
        (await provider.listUntaggedManifests!('octocat/tidy')).map((m) => m.digest).sort(),
        [amd64!, arm64!, signature].sort(),
      );
    });

    it('a token without delete:packages is refused before the preview, with the scope named', async function () {
      const { session, provider } = ghcrClient(GH_READ);
      const repository = session.registry('ghcr.io').repository('octocat/tidy');
      const err = await failure(checkDeletesAllowed(repository, undefined, (digest) => provider.deleteManifest!('octocat/tidy', digest)));
      assert.equal(err.code, 'SCOPE_MISSING');
      assert.match(err.message, /delete:packages/);
    });

    it('a tag that shares its manifest with a kept tag is removed alone: a throwaway version moves it, then goes', async function () {
      this.timeout(60_000);
      const { session, provider } = ghcrClient();
      const repository = session.registry('ghcr.io').repository('octocat/tidy');
      await repository.tag('keep', 'shared');
      const plan = planCleanup(
        await readTagFacts(repository, ['keep', 'shared']),
        { match: 'shared', sharedDigest: 'delete-tag' },
        Date.now(),
      );
      assert.deepEqual(
        plan.tagDeletions.map((t) => t.tag),
        ['shared'],
      );
      const report = await runCleanup(repository, plan, { deleteManifest: (digest) => provider.deleteManifest!('octocat/tidy', digest) });
      assert.deepEqual(report.totals, { deleted: 1, failed: 0, skipped: 0, notAttempted: 0 });
      assert.equal((await failure(repository.resolve('shared'))).code, 'MANIFEST_UNKNOWN');
      assert.equal((await repository.getManifest('keep')).descriptor.digest, onGhcr.index.descriptor.digest);
      // The throwaway version is gone too: nothing new is left untagged.
      const [amd64, arm64] = onGhcr.index.children.map((c) => c.descriptor.digest);
      assert.deepEqual(
        (await provider.listUntaggedManifests!('octocat/tidy')).map((m) => m.digest).sort(),
        [amd64!, arm64!, onGhcr.signature.descriptor.digest].sort(),
      );
    });

    it('a version tagged after the preview is not deleted', async function () {
      this.timeout(60_000);
      const { session, provider } = ghcrClient();
      await rescue(provider, session.registry('ghcr.io').repository('octocat/rescue'), 'octocat/rescue', onGhcr, true);
    });

    it('a listed manifest that is gone is left out; one that cannot be read is kept with every other, and the preview says why', async function () {
      this.timeout(60_000);
      const { session } = ghcrClient();
      const repository = session.registry('ghcr.io').repository('octocat/tidy');
      const signature = onGhcr.signature.descriptor.digest;
      const [amd64] = onGhcr.index.children.map((c) => c.descriptor.digest);
      // ghcr.io answers the signature with bytes that are not it: the digest check refuses them.
      github.server.override({
        host: 'ghcr.io',
        method: 'GET',
        path: new RegExp(`^/v2/octocat/tidy/manifests/${signature}$`),
        answer: {
          status: 200,
          headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': signature },
          text: '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}',
        },
        times: 10,
      });
      try {
        const gone = `sha256:${'e'.repeat(64)}`;
        const details = await readUntaggedDetails(repository, [{ digest: gone }, { digest: signature }, { digest: amd64! }]);
        assert.deepEqual(details, [{ digest: signature, unreadable: 'DIGEST_MISMATCH' }, { digest: amd64! }]);
        const plan = planCleanup([], { sharedDigest: 'delete-tag', deleteUntagged: true }, Date.now(), { untagged: details });
        assert.ok(plan.untagged.listed);
        // The one that cannot be read may be an index listing the other: neither goes.
        assert.deepEqual(plan.untagged.deletions, []);
        assert.match(
          describeCleanupPlan(plan, 'ghcr.io/octocat/tidy'),
          new RegExp(`Untagged manifests kept \\(2\\)\\n  ${signature}  could not be read \\(DIGEST_MISMATCH\\)`),
        );
      } finally {
        github.server.clear();
      }
    });
  });
});
