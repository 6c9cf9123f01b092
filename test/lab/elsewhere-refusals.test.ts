// A 401 or 403 from another origin than the registry's own — blob storage a download redirect led
// to, an upload host a Location named — is that origin's refusal, not the registry's: the login was
// never sent there, so "log in again" or "check your account's permission" would send the user the
// wrong way. Real Distribution registries (one with a Basic login, one anonymous), a fault proxy
// that redirects blob downloads, a scripted storage server that refuses them, and a second
// front of a registry's storage that needs a login its upload Location never gets.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import type { CoreError } from '../../src/core/errors';
import { push } from '../../src/core/operations/transfer';
import { createSession, type RegistrySession } from '../../src/core/registry/session';
import { OciLayout, pushToRegistry, type BuiltImage } from '../support/lab/content';
import { FaultProxy } from '../support/lab/fault-proxy';
import { folderWith } from '../support/lab/folders';
import { HostileRegistry } from '../support/lab/hostile-registry';
import { failure } from '../support/lab/lab-helpers';
import { Lab, type LabRegistry } from '../support/lab/registry';

/** What S3 answers to a presigned URL that expired. */
const S3_EXPIRED = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>';

describe('a refusal from blob storage or an upload host is not the registry refusing the login', function () {
  let lab: Lab;
  let withLogin: LabRegistry;
  let anonymous: LabRegistry;
  let storage: HostileRegistry;
  let layout: OciLayout;
  let image: BuiltImage;
  const sessions: RegistrySession[] = [];
  const stops: (() => Promise<void>)[] = [];

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    [withLogin, anonymous] = await Promise.all([
      lab.startRegistry({ name: 'elsewhere-basic', auth: 'basic' }),
      lab.startRegistry({ name: 'elsewhere-anonymous' }),
    ]);
    layout = await OciLayout.create(join(lab.dir, 'content', 'elsewhere'));
    image = await layout.image({ seed: 'elsewhere-refusals', layers: [24 * 1024] });
    await Promise.all([pushToRegistry(layout, image, withLogin, 'app/image:1'), pushToRegistry(layout, image, anonymous, 'app/image:1')]);
    storage = await HostileRegistry.start();
    storage.route(
      {
        path: /^\/refuse-403\//,
        answer: { status: 403, headers: { 'content-type': 'application/xml' }, body: { kind: 'whole', body: Buffer.from(S3_EXPIRED) } },
      },
      { path: /^\/refuse-401\//, answer: { status: 401, headers: { 'www-authenticate': 'Basic realm="storage"' } } },
    );
    stops.push(() => storage.stop());
  });

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  after(async function () {
    this.timeout(30_000);
    await Promise.all(stops.splice(0).map((stop) => stop()));
    await lab?.stopAll();
  });

  /** A session with the lab user's login for `loginHost` in a Docker config.json (none when undefined). */
  function session(loginHost: string | undefined): RegistrySession {
    const auths = loginHost ? { [loginHost]: { auth: Buffer.from(`${lab.user.username}:${lab.user.password}`).toString('base64') } } : {};
    const home = folderWith({ 'docker/config.json': JSON.stringify({ auths }) });
    const s = createSession({
      hostsDirectories: [folderWith({})],
      credentials: { dockerConfigPath: join(home, 'docker', 'config.json') },
      env: {},
      homedir: home,
      retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 100 },
    });
    sessions.push(s);
    return s;
  }

  /** A proxy in front of `registry` that sends every blob download to the storage server's `prefix`. */
  async function redirecting(registry: LabRegistry, prefix: string): Promise<FaultProxy> {
    const proxy = await FaultProxy.start(registry);
    stops.push(() => proxy.stop());
    proxy.add({ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'redirect', location: `${storage.url}/${prefix}/blob?sig=x` } });
    return proxy;
  }

  function assertStorageRefused(err: CoreError, registryHost: string, status: number): void {
    assert.equal(err.code, 'STORAGE_REFUSED', err.message);
    assert.match(
      err.message,
      new RegExp(
        `^${registryHost.replace(/\./g, '\\.')} sent .* to ${storage.host.replace(/\./g, '\\.')}, which refused it \\(HTTP ${status}\\)`,
      ),
    );
    assert.doesNotMatch(err.message, /log in|permission/i);
    assert.equal(err.remedy, undefined, 'no log-in remedy is offered');
  }

  for (const status of [403, 401]) {
    it(`a blob download the registry sends to storage that answers ${status}: the storage's refusal, with a login that works`, async () => {
      const proxy = await redirecting(withLogin, `refuse-${status}`);
      const repo = session(proxy.host).registry(proxy.host).repository('app/image');
      // The login is taken first (the manifest), so the blob request the proxy redirects carries it.
      assert.equal((await repo.resolve('1')).digest, image.descriptor.digest);
      const layer = image.layers[0]!.descriptor;
      const err = await failure(repo.openBlob(layer));
      assertStorageRefused(err, proxy.host, status);
      assert.ok(
        proxy.requests.some((r) => r.path.includes('/blobs/') && r.headers.authorization !== undefined),
        'the registry was sent the login with the blob request it redirected',
      );
    });
  }

  it('the same without any login: the storage refused, the registry did not ask for one', async () => {
    const proxy = await redirecting(anonymous, 'refuse-401');
    const repo = session(undefined).registry(proxy.host).repository('app/image');
    const err = await failure(repo.readSmallBlob(image.layers[0]!.descriptor));
    assertStorageRefused(err, proxy.host, 401);
  });

  it('an upload host that asks for a login the Location never carries: its refusal, and it never got the login', async () => {
    // A second front of the same storage that needs a login, named as the upload host by the first.
    const uploadHost = await lab.startRegistry({ name: 'elsewhere-upload-host', auth: 'basic' });
    const uploadFront = await FaultProxy.start(uploadHost);
    stops.push(() => uploadFront.stop());
    const front = await lab.startRegistry({
      name: 'elsewhere-front',
      auth: 'basic',
      storageOf: uploadHost,
      externalUrl: uploadFront.url,
    });
    const repo = session(front.host).registry(front.host).repository('app/pushed');
    const source = { kind: 'oci-layout' as const, dir: layout.dir, refName: image.ref };
    const err = await failure(push(source, repo, '1', { blobAttempts: 1 }));
    assert.equal(err.code, 'STORAGE_REFUSED', err.message);
    assert.match(
      err.message,
      new RegExp(
        `^${front.host} sent the upload of blob sha256:[0-9a-f]{64} in app/pushed to ${uploadFront.host}, which refused it \\(HTTP 401\\)`,
      ),
    );
    assert.doesNotMatch(err.message, /log in|permission/i);
    assert.ok(uploadFront.requests.length > 0, 'the upload host was asked');
    assert.ok(
      uploadFront.requests.every((r) => r.headers.authorization === undefined),
      'the upload host never got the login',
    );
  });
});
