// Proves that every lab registry variant really enforces what it claims, and that the content
// builders produce layouts skopeo, the registry and GNU tar accept. One Lab for the whole file.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BuiltImage, COSIGN_SIGNATURE_TYPE, MediaType, OciLayout, sha256 } from '../support/lab/content';
import { ExecError, run } from '../support/lab/exec';
import { inspectRaw, listTags, pushReferrer, pushToRegistry, referrersTag, skopeo } from '../support/lab/push';
import { Lab, type LabRegistry } from '../support/lab/registry';
import { registryRequest } from '../support/lab/registry-http';
import { labRequest, type LabResponse } from '../support/lab/request';

const MANIFEST_ACCEPT = [MediaType.imageManifest, MediaType.imageIndex].join(', ');

async function tlsErrorCode(request: Promise<LabResponse>): Promise<string> {
  try {
    const res = await request;
    return `no error (HTTP ${res.status})`;
  } catch (err) {
    return String((err as NodeJS.ErrnoException).code);
  }
}

async function skopeoFailure(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (err) {
    if (err instanceof ExecError) return err.stderr;
    throw err;
  }
  assert.fail('skopeo was expected to fail but succeeded');
}

describe('registry lab (smoke)', function () {
  this.timeout(60_000);
  let lab: Lab;
  let plain: LabRegistry;
  let tlsCa: LabRegistry;
  let noIpSan: LabRegistry;
  let registryTest: LabRegistry;
  let basic: LabRegistry;
  let token: LabRegistry;
  let noDelete: LabRegistry;
  let mirror: LabRegistry;
  let tokenMirror: LabRegistry;
  let layout: OciLayout;
  let image: BuiltImage;

  before(async () => {
    lab = await Lab.create();
    [plain, tlsCa, noIpSan, registryTest, basic, token, noDelete] = await Promise.all([
      lab.startRegistry({ name: 'plain' }),
      lab.startRegistry({ name: 'tls-ca', tls: 'ca' }),
      lab.startRegistry({ name: 'no-ip-san', tls: 'no-ip-san' }),
      lab.startRegistry({ name: 'registry-test', tls: 'registry.test' }),
      lab.startRegistry({ name: 'basic', auth: 'basic' }),
      lab.startRegistry({ name: 'token', auth: 'token' }),
      lab.startRegistry({ name: 'no-delete', deleteEnabled: false }),
    ]);
    [mirror, tokenMirror] = await Promise.all([
      lab.startRegistry({ name: 'mirror', proxyOf: plain }),
      lab.startRegistry({ name: 'token-mirror', proxyOf: token }),
    ]);
    layout = await OciLayout.create(join(lab.dir, 'content', 'smoke'));
    image = await layout.image({ layers: [96 * 1024, 3000], seed: 'smoke' });
  });

  after(async () => {
    await lab?.stopAll();
  });

  describe('plain HTTP', () => {
    it('answers plain HTTP at /v2/', async () => {
      const res = await labRequest(`${plain.url}/v2/`);
      assert.equal(plain.scheme, 'http');
      assert.equal(res.status, 200);
      assert.equal(res.headers['docker-distribution-api-version'], 'registry/2.0');
    });

    it('keeps its storage across kill() and start() on the same port', async () => {
      const digest = await pushToRegistry(layout, image, noDelete, 'smoke/restart:v1');
      await noDelete.kill();
      assert.equal(noDelete.running, false);
      assert.equal(await tlsErrorCode(labRequest(`${noDelete.url}/v2/`)), 'ECONNREFUSED');
      await noDelete.start();
      const res = await labRequest(`${noDelete.url}/v2/smoke/restart/manifests/v1`, {
        method: 'HEAD',
        headers: { accept: MANIFEST_ACCEPT },
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers['docker-content-digest'], digest);
    });
  });

  describe('TLS', () => {
    it('verifies with the lab CA and fails as unknown authority without it', async () => {
      const ca = readFileSync(tlsCa.caCertPath as string);
      assert.equal((await labRequest(`${tlsCa.url}/v2/`, { ca })).status, 200);
      const code = await tlsErrorCode(labRequest(`${tlsCa.url}/v2/`));
      assert.ok(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'].includes(code), code);
    });

    it('lets skopeo push and inspect with --cert-dir', async () => {
      const digest = await pushToRegistry(layout, image, tlsCa, 'smoke/tls:v1');
      assert.equal(digest, image.descriptor.digest);
    });

    it('no-IP-SAN certificate fails for https://127.0.0.1 in Node and skopeo, works as localhost', async () => {
      const ca = readFileSync(noIpSan.caCertPath as string);
      assert.equal(await tlsErrorCode(labRequest(`${noIpSan.url}/v2/`, { ca })), 'ERR_TLS_CERT_ALTNAME_INVALID');
      assert.equal((await labRequest(`${noIpSan.url}/v2/`, { ca, servername: 'localhost' })).status, 200);
      const stderr = await skopeoFailure(
        skopeo(noIpSan, ['inspect', '--raw', `--cert-dir=${noIpSan.certDir}`, '--no-creds', `docker://${noIpSan.host}/any/repo:tag`]),
      );
      assert.match(stderr, /doesn't contain any IP SANs/);
    });

    it('registry.test certificate verifies with SNI registry.test while dialling 127.0.0.1', async () => {
      const ca = readFileSync(registryTest.caCertPath as string);
      assert.equal((await labRequest(`${registryTest.url}/v2/`, { ca, servername: 'registry.test' })).status, 200);
      assert.equal(await tlsErrorCode(labRequest(`${registryTest.url}/v2/`, { ca })), 'ERR_TLS_CERT_ALTNAME_INVALID');
    });
  });

  describe('mTLS', () => {
    it('requires the lab client certificate when clientCertRequired is set', async () => {
      const mtls = await lab.startRegistry({ name: 'mtls', tls: 'ca', clientCertRequired: true });
      const ca = readFileSync(mtls.caCertPath as string);
      const client = mtls.clientCert;
      assert.ok(client);
      const ok = await labRequest(`${mtls.url}/v2/`, { ca, cert: readFileSync(client.certPath), key: readFileSync(client.keyPath) });
      assert.equal(ok.status, 200);
      assert.notEqual(await tlsErrorCode(labRequest(`${mtls.url}/v2/`, { ca })), 'no error (HTTP 200)');
      assert.equal(await pushToRegistry(layout, image, mtls, 'smoke/mtls:v1'), image.descriptor.digest);
      await mtls.stop();
    });
  });

  describe('Basic auth', () => {
    it('challenges anonymous requests and accepts the lab user', async () => {
      const anonymous = await labRequest(`${basic.url}/v2/`);
      assert.equal(anonymous.status, 401);
      assert.match(String(anonymous.headers['www-authenticate']), /^Basic realm="lab-basic"/);
      assert.equal((await labRequest(`${basic.url}/v2/`, { basicAuth: basic.credentials })).status, 200);
      const wrong = await labRequest(`${basic.url}/v2/`, { basicAuth: { username: 'alice', password: 'not-the-password' } });
      assert.equal(wrong.status, 401);
    });

    it('denies anonymous skopeo push and allows it with credentials', async () => {
      const stderr = await skopeoFailure(pushToRegistry(layout, image, basic, 'smoke/basic:v1', null));
      assert.match(stderr, /unauthorized|authentication required/i);
      assert.equal(await pushToRegistry(layout, image, basic, 'smoke/basic:v1'), image.descriptor.digest);
    });
  });

  describe('token auth', () => {
    it('denies anonymous push, allows credentialed push and anonymous pull', async () => {
      const challenge = await labRequest(`${token.url}/v2/`);
      assert.equal(challenge.status, 401);
      assert.match(String(challenge.headers['www-authenticate']), /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/token",service="lab-token"/);
      const tokens = token.tokenServer;
      assert.ok(tokens);
      tokens.clearRequests();

      const denied = await skopeoFailure(pushToRegistry(layout, image, token, 'smoke/token:v1', null));
      assert.match(denied, /unauthorized|authentication required|denied/i);
      assert.equal(await pushToRegistry(layout, image, token, 'smoke/token:v1'), image.descriptor.digest);
      assert.equal(sha256(await inspectRaw(token, 'smoke/token:v1', null)), image.descriptor.digest);
      const readOnly = await skopeoFailure(pushToRegistry(layout, image, token, 'smoke/token:ro', token.readOnlyCredentials));
      assert.match(readOnly, /unauthorized|authentication required|denied/i);

      const records = tokens.requests.filter((r) => r.service === token.tokenService);
      assert.ok(
        records.some((r) => r.user === null && !r.hadAuthorization),
        'an anonymous token request was recorded',
      );
      assert.ok(
        records.some((r) => r.user === 'alice' && r.granted.some((g) => g.actions.includes('push'))),
        'alice was granted push',
      );
      assert.ok(
        records.some((r) => r.user === 'bob' && r.granted.every((g) => !g.actions.includes('push'))),
        'bob never gets push',
      );
      const recorded = JSON.stringify(tokens.requests);
      assert.ok(!recorded.includes(lab.user.password) && !recorded.includes(lab.readOnlyUser.password), 'passwords are never recorded');
    });

    it('rejects bad credentials and supports POST password and refresh_token grants', async () => {
      const tokens = token.tokenServer;
      assert.ok(tokens);
      const scope = 'repository:smoke/token:pull';
      const bad = await labRequest(`${tokens.realm}?service=${token.tokenService}&scope=${scope}`, {
        basicAuth: { username: 'alice', password: 'wrong' },
      });
      assert.equal(bad.status, 401);

      const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();
      const headers = { 'content-type': 'application/x-www-form-urlencoded' };
      const login = await labRequest(tokens.realm, {
        method: 'POST',
        headers,
        body: form({
          grant_type: 'password',
          username: 'alice',
          password: lab.user.password,
          service: token.tokenService as string,
          client_id: 'lab-smoke',
          access_type: 'offline',
          scope,
        }),
      });
      assert.equal(login.status, 200, login.text());
      const first = login.json<{ access_token: string; refresh_token: string; expires_in: number }>();
      assert.ok(first.refresh_token);
      assert.equal(first.expires_in, 300);
      const refreshed = await labRequest(tokens.realm, {
        method: 'POST',
        headers,
        body: form({
          grant_type: 'refresh_token',
          refresh_token: first.refresh_token,
          service: token.tokenService as string,
          client_id: 'lab-smoke',
          scope,
        }),
      });
      assert.equal(refreshed.status, 200, refreshed.text());
      const second = refreshed.json<{ token: string }>();
      const tags = await labRequest(`${token.url}/v2/smoke/token/tags/list`, { bearer: second.token });
      assert.equal(tags.status, 200, tags.text());
      assert.deepEqual(tags.json<{ tags: string[] }>().tags, ['v1']);
      assert.ok(!JSON.stringify(tokens.requests).includes(first.refresh_token), 'refresh tokens are never recorded');
    });
  });

  describe('deletes', () => {
    it('answers 405 UNSUPPORTED when disabled and 202 when enabled', async () => {
      const digest = await pushToRegistry(layout, image, noDelete, 'smoke/delete:v1');
      const refused = await labRequest(`${noDelete.url}/v2/smoke/delete/manifests/${digest}`, { method: 'DELETE' });
      assert.equal(refused.status, 405);
      assert.equal(refused.json<{ errors: { code: string }[] }>().errors[0]?.code, 'UNSUPPORTED');

      await pushToRegistry(layout, image, plain, 'smoke/delete:v1');
      const accepted = await labRequest(`${plain.url}/v2/smoke/delete/manifests/${digest}`, { method: 'DELETE' });
      assert.equal(accepted.status, 202);
      const gone = await labRequest(`${plain.url}/v2/smoke/delete/manifests/${digest}`, { headers: { accept: MANIFEST_ACCEPT } });
      assert.equal(gone.status, 404);
    });
  });

  describe('pull-through mirror', () => {
    it('serves the upstream content and logs the query string the client sent', async () => {
      const digest = await pushToRegistry(layout, image, plain, 'smoke/mirrored:v1');
      const res = await labRequest(`${mirror.url}/v2/smoke/mirrored/manifests/v1?ns=${plain.host}`, {
        headers: { accept: MANIFEST_ACCEPT },
      });
      assert.equal(res.status, 200, res.text());
      assert.equal(res.headers['docker-content-digest'], digest);
      assert.match(mirror.readLog(), /GET \/v2\/smoke\/mirrored\/manifests\/v1\?ns=127\.0\.0\.1:\d+ HTTP/);
      const layer = image.layers[0]?.descriptor.digest as string;
      const blob = await labRequest(`${mirror.url}/v2/smoke/mirrored/blobs/${layer}`);
      assert.equal(blob.status, 200);
      assert.equal(sha256(blob.body), layer);
    });

    it('authenticates to a token-auth upstream with the lab credentials', async () => {
      const res = await labRequest(`${tokenMirror.url}/v2/smoke/token/manifests/v1`, { headers: { accept: MANIFEST_ACCEPT } });
      assert.equal(res.status, 200, res.text());
      assert.equal(res.headers['docker-content-digest'], image.descriptor.digest);
    });
  });

  describe('content', () => {
    it('writes real tar.gz layers that GNU tar lists, with matching diff_ids', async () => {
      for (const layer of image.layers) {
        const path = layout.blobPath(layer.descriptor.digest);
        const { stdout } = await run('tar', ['tzf', path]);
        assert.deepEqual(stdout.trim().split('\n'), layer.files);
        const verbose = await run('tar', ['tzvf', path]);
        assert.match(verbose.stdout, /root\/root/);
        const raw = await run('sh', ['-c', 'gzip -dc "$1" | sha256sum', 'sh', path]);
        assert.equal(`sha256:${raw.stdout.split(' ')[0]}`, layer.diffId);
      }
      const config = image.config as { rootfs: { diff_ids: string[] }; history: { empty_layer?: boolean }[] };
      assert.deepEqual(
        config.rootfs.diff_ids,
        image.layers.map((l) => l.diffId),
      );
      assert.ok(config.history.some((h) => h.empty_layer === true));
    });

    it('pushes a multi-platform index with both platforms', async () => {
      const index = await layout.multiPlatformIndex({ ref: 'smoke-multi' });
      assert.equal(await pushToRegistry(layout, index, plain, 'smoke/multi:v1'), index.descriptor.digest);
      const raw = JSON.parse((await inspectRaw(plain, 'smoke/multi:v1')).toString('utf8')) as {
        manifests: { platform: { architecture: string; variant?: string } }[];
      };
      assert.equal(raw.manifests.length, 2);
      assert.deepEqual(
        raw.manifests.map((m) => m.platform.architecture),
        ['amd64', 'arm64'],
      );
      assert.equal(raw.manifests[1]?.platform.variant, 'v8');
    });

    it('pushes an artifact whose files are listed by title', async () => {
      const artifact = await layout.artifact({
        artifactType: 'application/vnd.example.bundle.v1',
        files: { 'a.yaml': 'a: 1\n', 'notes.txt': 'hello' },
      });
      await pushToRegistry(layout, artifact, plain, 'smoke/artifact:v1');
      const raw = JSON.parse((await inspectRaw(plain, 'smoke/artifact:v1')).toString('utf8')) as {
        artifactType: string;
        config: { mediaType: string };
        layers: { annotations: Record<string, string> }[];
      };
      assert.equal(raw.artifactType, 'application/vnd.example.bundle.v1');
      assert.equal(raw.config.mediaType, MediaType.empty);
      assert.deepEqual(
        raw.layers.map((l) => l.annotations['org.opencontainers.image.title']),
        ['a.yaml', 'notes.txt'],
      );
    });

    it('makes referrers reachable through the sha256-<hex> fallback tag', async () => {
      const subject = await pushToRegistry(layout, image, token, 'smoke/signed:v1');
      const signature = await layout.referrer(image.descriptor);
      const other = await layout.referrer(image.descriptor, { artifactType: 'application/vnd.example.signature' });
      await pushReferrer(layout, signature, token, 'smoke/signed');
      const result = await pushReferrer(layout, other, token, 'smoke/signed');
      assert.equal(result.tag, referrersTag(subject));
      assert.ok((await listTags(token, 'smoke/signed')).includes(result.tag));
      const res = await registryRequest(token, `/v2/smoke/signed/manifests/${result.tag}`, { headers: { accept: MediaType.imageIndex } });
      const index = res.json<{ manifests: { digest: string; artifactType: string }[] }>();
      assert.deepEqual(
        index.manifests.map((m) => m.artifactType),
        [COSIGN_SIGNATURE_TYPE, 'application/vnd.example.signature'],
      );
      assert.deepEqual(
        index.manifests.map((m) => m.digest),
        [signature.descriptor.digest, other.descriptor.digest],
      );
      const referrerManifest = await registryRequest(token, `/v2/smoke/signed/manifests/${signature.descriptor.digest}`, {
        headers: { accept: MANIFEST_ACCEPT },
      });
      assert.equal(referrerManifest.json<{ subject: { digest: string } }>().subject.digest, subject);
    });
  });
});
