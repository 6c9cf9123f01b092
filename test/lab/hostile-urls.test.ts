// A hostile registry hands the client URLs on the user's own network: upload locations (from the
// POST and from a PATCH), a mount's upload location, Link next pages, blob redirects. The hostile
// registry is a fault proxy in front of a real Distribution, reached as `registry.test` (a
// public-looking name) through a resolve rule and the lab CA; the private target is a recording
// HTTPS server on 127.0.0.1 that counts every request. Whatever notation names it, the target
// receives nothing and the user gets the policy's error. A control run from a loopback-named
// registry shows the same target does receive what a private registry sends it.
import { strict as assert } from 'node:assert';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CoreError } from '../../src/core/errors';
import { pull, push } from '../../src/core/operations/transfer';
import { createSession, type RegistrySession } from '../../src/core/registry/session';
import { OciLayout, pushToRegistry, type BuiltImage } from '../support/lab/content';
import { FaultProxy, RecordingServer } from '../support/lab/fault-proxy';
import { folderWith } from '../support/lab/folders';
import { failure, pem } from '../support/lab/lab-helpers';
import { Lab, type LabRegistry } from '../support/lab/registry';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

describe('URLs a hostile registry hands over are held to the private-address policy', function () {
  let lab: Lab;
  let registry: LabRegistry;
  let hostile: FaultProxy;
  let target: RecordingServer;
  let layout: OciLayout;
  let image: BuiltImage;
  let caDir: string;
  const sessions: RegistrySession[] = [];

  const port = (host: string) => host.split(':').pop()!;
  /** The private target in the notations a URL accepts for 127.0.0.1 (each reaches it when followed). */
  const privateSpellings = () => {
    const p = port(target.host);
    return [
      `https://127.0.0.1:${p}`,
      `https://2130706433:${p}`,
      `https://0x7f.1:${p}`,
      `https://[::ffff:127.0.0.1]:${p}`,
      `https://localhost:${p}`,
    ];
  };

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    const certs = await lab.certs();
    registry = await lab.startRegistry({ name: 'hostile-urls' });
    layout = await OciLayout.create(join(lab.dir, 'content', 'hostile-urls'));
    image = await layout.image({ seed: 'hostile-urls', layers: [40 * 1024] });
    await pushToRegistry(layout, image, registry, 'hostile/image:1');
    hostile = await FaultProxy.start(registry, { tls: pem(certs.servers['registry.test']) });
    target = await RecordingServer.start({ tls: pem(certs.servers.ca) });
    caDir = folderWith({ 'registry.test/ca.crt': readFileSync(certs.ca.certPath, 'utf8') });
  });

  afterEach(async () => {
    hostile.clear();
    hostile.clearRequests();
    target.requests.length = 0;
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  after(async function () {
    this.timeout(30_000);
    await Promise.all([hostile?.stop(), target?.stop()]);
    await lab?.stopAll();
  });

  /** The hostile proxy as `registry.test`: a public name, verified with the lab CA. */
  function publicRegistry(): RegistrySession {
    const s = createSession({
      hostsDirectories: [caDir],
      resolveRules: [`registry.test:443:127.0.0.1:${port(hostile.host)}`],
      credentials: false,
    });
    sessions.push(s);
    return s;
  }

  function assertRefused(err: CoreError, code: string, message: RegExp): void {
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    assert.equal(
      target.requests.length,
      0,
      `the private target received ${target.requests.map((r) => `${r.method} ${r.path}`).join(', ')}`,
    );
  }

  /** Uploads the image's layer through `repo` (one blob, one upload session). */
  function pushLayer(repo: ReturnType<ReturnType<RegistrySession['registry']>['repository']>): Promise<void> {
    const layer = image.layers[0]!.descriptor;
    return repo.pushBlob(layer, createReadStream(layout.blobPath(layer.digest)));
  }

  it('control: a registry on loopback may send an upload to another loopback server, and the target counts it', async () => {
    // The same registry behind a proxy with a certificate for 127.0.0.1, verified with the lab CA (which its upload target inherits).
    const certs = await lab.certs();
    const loopbackProxy = await FaultProxy.start(registry, { tls: pem(certs.servers.ca) });
    try {
      loopbackProxy.add({
        method: 'POST',
        path: /\/blobs\/uploads\/$/,
        fault: { kind: 'status', status: 202, headers: { location: `${target.url}/upload/1` }, body: '' },
      });
      const loopback = createSession({
        hostsDirectories: [folderWith({ [`${loopbackProxy.host}/ca.crt`]: readFileSync(certs.ca.certPath, 'utf8') })],
        credentials: false,
      });
      sessions.push(loopback);
      await pushLayer(loopback.registry(loopbackProxy.host).repository('hostile/pushed')).catch(() => undefined);
      assert.ok(
        target.requests.some((r) => r.method === 'PUT' && r.path.startsWith('/upload/1')),
        `the target saw ${target.requests.map((r) => r.method).join(', ') || 'nothing'}`,
      );
    } finally {
      await loopbackProxy.stop();
    }
  });

  it('refuses an upload location on a private address, in every notation, and sends the blob nowhere', async () => {
    for (const origin of privateSpellings()) {
      hostile.clear();
      hostile.add({
        method: 'POST',
        path: /\/blobs\/uploads\/$/,
        fault: { kind: 'status', status: 202, headers: { location: `${origin}/upload/1` }, body: '' },
      });
      const err = await failure(pushLayer(publicRegistry().registry('registry.test').repository('hostile/pushed')));
      assertRefused(
        err,
        'PRIVATE_REDIRECT',
        /^registry\.test sent an upload location for blob sha256:[0-9a-f]{64} in hostile\/pushed at .*, an address on your own network, which a public registry may not make this client contact, so it was refused and nothing was sent there: /,
      );
    }
    assert.ok(
      hostile.requests.every((r) => r.method === 'POST'),
      'nothing but the POSTs, not even a cancelling DELETE',
    );
  });

  it('says so through a whole push too', async () => {
    hostile.add({
      method: 'POST',
      path: /\/blobs\/uploads\/$/,
      fault: { kind: 'status', status: 202, headers: { location: `${target.url}/upload/1` }, body: '' },
    });
    const repo = publicRegistry().registry('registry.test').repository('hostile/pushed');
    const err = await failure(push({ kind: 'oci-layout', dir: layout.dir, refName: image.ref }, repo, '1', { blobAttempts: 1 }));
    assertRefused(err, 'PRIVATE_REDIRECT', /an address on your own network/);
  });

  it('refuses a private location returned by a PATCH: the next chunk and the cancel stay with the registry', async () => {
    hostile.add({
      method: 'PATCH',
      path: /\/blobs\/uploads\//,
      times: 1,
      fault: { kind: 'status', status: 202, headers: { location: `${target.url}/upload/2` }, body: '' },
    });
    const repo = publicRegistry().registry('registry.test').repository('hostile/chunked');
    repo.upload = { chunkSize: 16 * 1024 };
    const err = await failure(pushLayer(repo));
    assertRefused(
      err,
      'PRIVATE_REDIRECT',
      /sent an upload location for blob sha256:[0-9a-f]{64} in hostile\/chunked at 127\.0\.0\.1:\d+, an address on your own network/,
    );
    assert.equal(hostile.count('PATCH', /\/blobs\/uploads\//), 1, 'one chunk went to the registry, none after the refused location');
    assert.equal(hostile.count('DELETE', /\/blobs\/uploads\//), 1, "the upload was cancelled at the registry's own location");
  });

  it('refuses a mount answered 202 with a private location: no DELETE goes there', async () => {
    hostile.add({
      method: 'POST',
      path: /\/blobs\/uploads\/\?.*mount=/,
      fault: { kind: 'status', status: 202, headers: { location: `https://[::ffff:7f00:1]:${port(target.host)}/upload/3` }, body: '' },
    });
    const repo = publicRegistry().registry('registry.test').repository('hostile/mounted');
    const layer = image.layers[0]!.descriptor;
    const err = await failure(repo.mountBlob(layer, 'hostile/image'));
    assertRefused(
      err,
      'PRIVATE_REDIRECT',
      new RegExp(
        `^registry\\.test answered the mount of ${layer.digest} into hostile/mounted with an upload location at \\[::ffff:7f00:1\\]:\\d+, an address on your own network`,
      ),
    );
    assert.equal(hostile.count('POST', /mount=/), 1);
  });

  it('refuses a Link next page on a private address, for tags and for referrers', async () => {
    const p = port(target.host);
    hostile.add({
      method: 'GET',
      path: /\/tags\/list/,
      fault: {
        kind: 'status',
        status: 200,
        headers: { 'content-type': 'application/json', link: `<https://2130706433:${p}/v2/hostile/image/tags/list?last=1>; rel="next"` },
        body: '{"name":"hostile/image","tags":["1"]}',
      },
    });
    const client = publicRegistry().registry('registry.test');
    const err = await failure(
      (async () => {
        for await (const page of client.listTags('hostile/image')) void page;
      })(),
    );
    assertRefused(
      err,
      'PRIVATE_LINK',
      /^registry\.test pointed the next page of repository hostile\/image at 127\.0\.0\.1:\d+, an address on your own network/,
    );

    const digest = image.descriptor.digest;
    hostile.add({
      method: 'GET',
      path: /\/referrers\//,
      fault: {
        kind: 'status',
        status: 200,
        headers: { 'content-type': OCI_INDEX, link: `<https://localhost:${p}/v2/hostile/image/referrers/${digest}?next=1>; rel="next"` },
        body: JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] }),
      },
    });
    const refErr = await failure(client.repository('hostile/image').referrers(digest));
    assertRefused(
      refErr,
      'PRIVATE_LINK',
      new RegExp(`pointed the next page of the referrers of ${digest} at localhost:\\d+, an address on your own network`),
    );
  });

  it('refuses a blob redirect to a private address', async () => {
    const layer = image.layers[0]!.descriptor.digest;
    hostile.add({
      method: 'GET',
      path: new RegExp(`/blobs/${layer}`),
      fault: { kind: 'redirect', location: `https://0x7f.1:${port(target.host)}/storage/${layer}` },
    });
    const repo = publicRegistry().registry('registry.test').repository('hostile/image');
    const err = await failure(pull(repo, '1', { kind: 'oci-layout', dir: join(lab.dir, 'hostile-urls-pull') }, { blobAttempts: 1 }));
    assertRefused(
      err,
      'PRIVATE_REDIRECT',
      new RegExp(`redirected /v2/hostile/image/blobs/${layer} to 127\\.0\\.0\\.1:\\d+, an address on your own network`),
    );
  });

  it('refuses a location with a user name and password in it', async () => {
    hostile.add({
      method: 'POST',
      path: /\/blobs\/uploads\/$/,
      fault: {
        kind: 'status',
        status: 202,
        headers: { location: 'https://user:secret@registry.test/v2/hostile/pushed/blobs/uploads/1' },
        body: '',
      },
    });
    const repo = publicRegistry().registry('registry.test').repository('hostile/pushed');
    const err = await failure(push({ kind: 'oci-layout', dir: layout.dir, refName: image.ref }, repo, '1', { blobAttempts: 1 }));
    assertRefused(err, 'BAD_REDIRECT', /with a user name or password in the URL, which this client refuses to use/);
    assert.ok(!err.message.includes('secret'));
    assert.equal(hostile.requests.filter((r) => r.method === 'PUT' || r.method === 'PATCH').length, 0);
  });
});
