// cosign's tag-based attachments on a real CNCF Distribution registry: a signature under
// `sha256-<hex>.sig` and attestations under `.att` are found by name beside the image (an `.sbom`
// that is not there is no attachment and no error), listed after the OCI referrers in the
// inspector's Referrers, and a refusal is not mistaken for a missing tag.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import * as core from '../../src/core/index';
import { cosignAttachments } from '../../src/core/registry/cosign-attachments';
import type { RegistrySession } from '../../src/core/registry/session';
import { ContentCache } from '../../src/common/content-cache';
import { InspectorService } from '../../src/webviews/inspector/service';
import { OciLayout, pushReferrer, pushToRegistry, referrersTag } from '../support/lab/content';
import { FaultProxy } from '../support/lab/fault-proxy';
import { plainSession } from '../support/lab/lab-helpers';
import { Lab, type LabRegistry } from '../support/lab/registry';

describe("cosign's tag attachments (lab)", function () {
  this.timeout(120_000);
  let lab: Lab;
  let registry: LabRegistry;
  let session: RegistrySession;
  let image: core.Descriptor;
  let signatureDigest: string;
  let attestationsDigest: string;
  let referrerDigest: string;

  before(async () => {
    lab = await Lab.create();
    registry = await lab.startRegistry({ name: 'cosign-attachments' });
    const layout = await OciLayout.create(join(lab.dir, 'content', 'cosign-attachments'));
    const built = await layout.image({ seed: 'cosign-attachments', layers: [2048] });
    image = built.descriptor;
    await pushToRegistry(layout, built, registry, 'signed/app:1');
    // `cosign sign` and `cosign attest` without OCI 1.1 referrers: manifests tagged .sig and .att.
    const { signature, attestations } = await layout.cosignTagAttachments(image);
    await pushToRegistry(layout, signature, registry, `signed/app:${referrersTag(image.digest)}.sig`);
    await pushToRegistry(layout, attestations, registry, `signed/app:${referrersTag(image.digest)}.att`);
    signatureDigest = signature.descriptor.digest;
    attestationsDigest = attestations.descriptor.digest;
    // And one OCI referrer (through the tag schema on Distribution 2.8).
    const referrer = await layout.referrer(image, { artifactType: 'application/vnd.example.notes' });
    await pushReferrer(layout, referrer, registry, 'signed/app');
    referrerDigest = referrer.descriptor.digest;
    session = plainSession(registry.url);
  });

  after(async () => {
    await session?.close();
    await lab?.stopAll();
  });

  it('finds the .sig and .att tags by name, and no .sbom', async () => {
    const found = await cosignAttachments(session.registry(registry.host).repository('signed/app'), image.digest);
    assert.deepEqual(
      found.map((a) => [a.kind, a.name, a.tag, a.descriptor.digest]),
      [
        ['signature', 'cosign signature (.sig tag)', `${referrersTag(image.digest)}.sig`, signatureDigest],
        ['attestations', 'cosign attestations (.att tag)', `${referrersTag(image.digest)}.att`, attestationsDigest],
      ],
    );
    assert.deepEqual(
      await cosignAttachments(session.registry(registry.host).repository('signed/other'), image.digest),
      [],
      'no repository, no attachments',
    );
  });

  it("lists them after the OCI referrers in the inspector's Referrers, each opening its manifest", async () => {
    const service = new InspectorService(() => session, core, new ContentCache(() => core));
    const list = await service.referrers(
      { host: registry.host, repository: 'signed/app', digest: image.digest },
      new AbortController().signal,
    );
    assert.deepEqual(
      list.rows.map((r) => [r.kind, r.icon, r.digest, r.link.kind]),
      [
        ['application/vnd.example.notes', 'file-binary', referrerDigest, 'manifest'],
        // Their HEADs give no artifact type: the icon comes from the tag, as in the tree's tag list.
        ['cosign signature (.sig tag)', 'verified', signatureDigest, 'manifest'],
        ['cosign attestations (.att tag)', 'law', attestationsDigest, 'manifest'],
      ],
    );
  });

  it("still lists the OCI referrers when cosign's tags cannot be read, and says why", async () => {
    const front = await FaultProxy.start(registry);
    const flaky = plainSession(front.url, { retry: { maxAttempts: 1 } });
    try {
      // The HEAD and the GET a failed HEAD falls back to.
      for (const method of ['HEAD', 'GET']) front.add({ method, path: /\.sig$/, fault: { kind: 'status', status: 500 } });
      const service = new InspectorService(() => flaky, core, new ContentCache(() => core));
      const list = await service.referrers(
        { host: front.host, repository: 'signed/app', digest: image.digest },
        new AbortController().signal,
      );
      assert.deepEqual(
        list.rows.map((r) => r.digest),
        [referrerDigest],
      );
      assert.match(list.attachmentsProblem ?? '', /^cosign's \.sig, \.att and \.sbom tags could not be read: .*500/);
    } finally {
      await flaky.close();
      await front.stop();
    }
  });

  it('passes on a refusal rather than taking it for a missing tag', async () => {
    const guarded = await lab.startRegistry({ name: 'cosign-attachments-auth', auth: 'basic' });
    const anonymous = plainSession(guarded.url);
    try {
      await assert.rejects(cosignAttachments(anonymous.registry(guarded.host).repository('signed/app'), image.digest), (err: unknown) => {
        assert.ok(err instanceof core.CoreError, String(err));
        assert.equal(err.code, 'NEEDS_LOGIN');
        return true;
      });
    } finally {
      await anonymous.close();
    }
  });
});
