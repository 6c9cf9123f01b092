// Clean-ups against real Distribution registries, checked afterwards with plain HTTP requests: a
// preview that protects a tag sharing its manifest with a kept tag, a run cancelled halfway and its
// report, a registry with deletes disabled caught before anything is planned, and a tag that could
// not be read holding back every delete by digest (it may share the manifest).
import { strict as assert } from 'node:assert';
import { CoreError } from '../../src/core/errors';
import { checkDeletesAllowed, readCleanupTags, readTagFacts, runCleanup } from '../../src/core/operations/cleanup';
import { planCleanup } from '../../src/core/operations/cleanup-plan';
import { describeCleanupPlan } from '../../src/core/operations/cleanup-text';
import type { ParsedManifest } from '../../src/core/oci/manifest';
import type { RegistrySession } from '../../src/core/registry/session';
import { daysAgo, digestAt, pushDated } from '../support/lab/dated-images';
import { FaultProxy } from '../support/lab/fault-proxy';
import { plainSession } from '../support/lab/lab-helpers';
import { Lab, type LabRegistry } from '../support/lab/registry';

/** The date the annotation gives (the lab's images carry one). */
async function annotated(parsed: ParsedManifest): Promise<number | undefined> {
  const value = parsed.kind === 'image' ? parsed.manifest.annotations?.['org.opencontainers.image.created'] : undefined;
  return value ? Date.parse(value) : undefined;
}

describe('clean-up against real registries', function () {
  let lab: Lab;
  let registry: LabRegistry;
  let noDelete: LabRegistry;
  let session: RegistrySession;

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    [registry, noDelete] = await Promise.all([
      lab.startRegistry({ name: 'cleanup' }),
      lab.startRegistry({ name: 'cleanup-nodelete', deleteEnabled: false }),
    ]);
    session = plainSession([registry, noDelete].map((r) => r.url));
  });

  after(async function () {
    await session?.close();
    await lab?.stopAll();
  });

  it('removes only the tag that shares its manifest with a kept tag, and deletes the rest', async function () {
    const name = 'team/app';
    const shared = await pushDated(registry, name, ['stable', 'old-build'], daysAgo(100));
    const stale = await pushDated(registry, name, ['pr-1'], daysAgo(60));
    const fresh = await pushDated(registry, name, ['pr-2'], daysAgo(1));
    const repository = session.registry(registry.host).repository(name);
    await checkDeletesAllowed(repository);

    const facts = await readTagFacts(repository, ['stable', 'old-build', 'pr-1', 'pr-2'], { createdOf: annotated });
    const plan = planCleanup(facts, { olderThanDays: 30, keep: ['stable'], sharedDigest: 'delete-tag' }, Date.now());
    assert.deepEqual(
      plan.decisions.map((d) => [d.tag, d.action]),
      [
        ['stable', 'keep'],
        ['old-build', 'delete-tag'],
        ['pr-1', 'delete-manifest'],
        ['pr-2', 'keep'],
      ],
    );
    const report = await runCleanup(repository, plan);
    assert.deepEqual(report.totals, { deleted: 2, failed: 0, skipped: 0, notAttempted: 0 });

    assert.equal(await digestAt(registry, name, 'stable'), shared, 'the kept tag still points at its manifest');
    assert.equal(await digestAt(registry, name, shared), shared, 'the shared manifest is still there');
    assert.equal(await digestAt(registry, name, 'old-build'), undefined);
    assert.equal(await digestAt(registry, name, 'pr-1'), undefined);
    assert.equal(await digestAt(registry, name, stale), undefined, 'the stale manifest was deleted by digest');
    assert.equal(await digestAt(registry, name, 'pr-2'), fresh);
  });

  it("deletes a deleted image's cosign signature and attestations with it, and keeps those of the images that stay", async function () {
    const name = 'team/signed';
    const stale = await pushDated(registry, name, ['pr-1'], daysAgo(60));
    const kept = await pushDated(registry, name, ['v1'], daysAgo(60));
    const besides = (digest: string, suffix: string) => `${digest.replace(':', '-')}.${suffix}`;
    const staleSignature = await pushDated(registry, name, [besides(stale, 'sig')], daysAgo(60), 'signature of pr-1');
    const staleAttestations = await pushDated(registry, name, [besides(stale, 'att')], daysAgo(60), 'attestations of pr-1');
    const keptSignature = await pushDated(registry, name, [besides(kept, 'sig')], daysAgo(60), 'signature of v1');
    const repository = session.registry(registry.host).repository(name);
    const tags = ['pr-1', 'v1', besides(stale, 'sig'), besides(stale, 'att'), besides(kept, 'sig')];
    const plan = planCleanup(
      await readTagFacts(repository, tags, { createdOf: annotated }),
      { match: '*', keep: ['v1'], sharedDigest: 'delete-tag' },
      Date.now(),
    );
    assert.deepEqual(
      plan.decisions.map((d) => [d.tag, d.action]),
      [
        ['pr-1', 'delete-manifest'],
        ['v1', 'keep'],
        [besides(stale, 'sig'), 'delete-manifest'],
        [besides(stale, 'att'), 'delete-manifest'],
        [besides(kept, 'sig'), 'keep'],
      ],
    );
    assert.match(
      plan.decisions[2]!.reason,
      /^holds the signatures, attestations or SBOMs of sha256:[0-9a-f]{12}, which this clean-up deletes/,
    );
    assert.match(
      describeCleanupPlan(plan, `${registry.host}/${name}`),
      new RegExp(`tags: ${besides(stale, 'sig')}`),
      'the preview lists it',
    );
    const report = await runCleanup(repository, plan);
    assert.deepEqual(report.totals, { deleted: 3, failed: 0, skipped: 0, notAttempted: 0 });
    for (const gone of [stale, staleSignature, staleAttestations]) assert.equal(await digestAt(registry, name, gone), undefined, gone);
    assert.equal(await digestAt(registry, name, 'v1'), kept);
    assert.equal(await digestAt(registry, name, besides(kept, 'sig')), keptSignature, "the kept image's signature stays");
  });

  it('removes a selected tag alone while another tag cannot be read, as that tag may share its manifest', async function () {
    const name = 'team/unreadable';
    const shared = await pushDated(registry, name, ['pr-1', 'release-1.0'], daysAgo(10));
    const proxy = await FaultProxy.start(registry);
    const throughProxy = plainSession(proxy.url, { retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 } });
    try {
      // Only the reading of release-1.0 fails (every retry of it): the delete's own checks pass.
      proxy.add({ method: 'GET', path: /\/manifests\/release-1\.0$/, fault: { kind: 'status', status: 503 }, times: 2 });
      const repository = throughProxy.registry(proxy.host).repository(name);
      const facts = await readTagFacts(repository, ['pr-1', 'release-1.0']);
      assert.deepEqual(
        facts.map((f) => [f.tag, f.digest]),
        [
          ['pr-1', shared],
          ['release-1.0', undefined],
        ],
      );
      const plan = planCleanup(facts, { only: ['pr-1'], sharedDigest: 'delete-tag' }, Date.now());
      assert.deepEqual(plan.manifests, [], 'no manifest is deleted by digest while a tag is unknown');
      assert.deepEqual(
        plan.decisions.map((d) => [d.tag, d.action]),
        [
          ['pr-1', 'delete-tag'],
          ['release-1.0', 'keep'],
        ],
      );
      assert.match(
        describeCleanupPlan(plan, `${registry.host}/${name}`),
        /NO MANIFEST IS DELETED BY DIGEST: tag "release-1\.0" could not be read/,
      );
      assert.equal(planCleanup(facts, { only: ['pr-1'], sharedDigest: 'keep' }, Date.now()).decisions[0]!.action, 'keep');

      const report = await runCleanup(repository, plan);
      assert.deepEqual(report.totals, { deleted: 1, failed: 0, skipped: 0, notAttempted: 0 });
      assert.equal(await digestAt(registry, name, 'pr-1'), undefined);
      assert.equal(await digestAt(registry, name, 'release-1.0'), shared, 'the tag that could not be read is still there');
    } finally {
      await throughProxy.close();
      await proxy.stop();
    }
  });

  it('stops when cancelled halfway and reports what was and was not deleted', async function () {
    const name = 'team/many';
    const digests: string[] = [];
    for (let i = 0; i < 6; i++) digests.push(await pushDated(registry, name, [`build-${i}`], daysAgo(50 + i)));
    const repository = session.registry(registry.host).repository(name);
    const facts = await readTagFacts(
      repository,
      digests.map((_, i) => `build-${i}`),
      { createdOf: annotated },
    );
    const plan = planCleanup(facts, { match: 'build-*', sharedDigest: 'delete-tag' }, Date.now());
    assert.equal(plan.manifests.length, 6);

    const abort = new AbortController();
    const report = await runCleanup(repository, plan, { signal: abort.signal, onStep: (done) => done === 2 && abort.abort() });
    assert.equal(report.cancelled, true);
    assert.deepEqual(report.totals, { deleted: 2, failed: 0, skipped: 0, notAttempted: 4 });
    for (const step of report.steps) {
      const there = await digestAt(registry, name, step.step.digest);
      assert.equal(there === undefined, step.outcome === 'deleted', `${step.step.digest} is ${step.outcome} in the report`);
    }
  });

  it('skips a step whose tag moved after the preview', async function () {
    const name = 'team/moving';
    await pushDated(registry, name, ['nightly'], daysAgo(40));
    const repository = session.registry(registry.host).repository(name);
    const plan = planCleanup(await readTagFacts(repository, ['nightly'], { createdOf: annotated }), { sharedDigest: 'keep' }, Date.now());
    const moved = await pushDated(registry, name, ['nightly'], daysAgo(0), 'rebuilt');
    const report = await runCleanup(repository, plan);
    assert.equal(report.steps[0]!.outcome, 'skipped');
    assert.match(report.steps[0]!.reason!, /now points at/);
    assert.equal(await digestAt(registry, name, 'nightly'), moved);
  });

  it('says a registry has deletes disabled, and how to enable them, before anything is planned', async function () {
    const name = 'team/keep';
    const digest = await pushDated(noDelete, name, ['1.0'], daysAgo(90));
    const repository = session.registry(noDelete.host).repository(name);
    await assert.rejects(checkDeletesAllowed(repository), (err: unknown) => {
      assert.ok(err instanceof CoreError);
      assert.equal(err.code, 'DELETE_DISABLED');
      assert.match(err.message, /storage\.delete\.enabled: true/);
      return true;
    });
    assert.equal(await digestAt(noDelete, name, '1.0'), digest);
  });

  it("reads a repository's tags only up to a limit, says the preview covers part of it, and stops when cancelled", async function () {
    const name = 'team/huge';
    const tags = Array.from({ length: 7 }, (_, i) => `t${i}`);
    await pushDated(registry, name, tags, daysAgo(90));
    const client = session.registry(registry.host);
    const counts: number[] = [];
    const part = await readCleanupTags(client.listTags(name, { pageSize: 2 }), { limit: 5, onCount: (n) => counts.push(n) });
    assert.equal(part.complete, false);
    assert.equal(new Set(part.tags).size, 5);
    assert.ok(part.tags.every((t) => tags.includes(t)));
    // Distribution may answer in one page whatever n asks: progress comes per whole page within the limit.
    assert.ok(counts.every((n) => n <= 5));
    const plan = planCleanup(await readTagFacts(client.repository(name), part.tags), { sharedDigest: 'keep' }, Date.now(), {
      partialAt: 5,
    });
    assert.deepEqual(plan.partial, { tagsRead: 5, limit: 5 });
    assert.match(describeCleanupPlan(plan, `${registry.host}/${name}`), /PART OF THE REPOSITORY ONLY: the repository has more than 5 tags/);

    const all = await readCleanupTags(client.listTags(name, { pageSize: 2 }), { limit: 7 });
    assert.deepEqual({ tags: [...all.tags].sort(), complete: all.complete }, { tags, complete: true });

    const abort = new AbortController();
    await assert.rejects(
      readCleanupTags(client.listTags(name, { pageSize: 2, signal: abort.signal }), { signal: abort.signal, onCount: () => abort.abort() }),
      (err: unknown) => err instanceof CoreError && err.code === 'CANCELLED',
    );
  });
});
