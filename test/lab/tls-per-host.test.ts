// Connection options are decided per request from the configuration of the host contacted, never
// cached from whoever reached an origin first. Each case runs in both orders in one session: two
// registries whose traffic meets at one origin (an insecure registry's token realm, a verified
// registry's blob storage); a registry another registry redirects to; a hosts.toml that sets `ca`
// in a [host] section for the registry's own host; `host:443` beside `host`; `[::1]` beside its
// long form. Fault proxies and a recording server front one real Distribution.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PingResult } from '../../src/core/registry/client';
import { describePlan } from '../../src/core/hosts/plan';
import { pull } from '../../src/core/operations/transfer';
import { createSession, type CoreConfig, type RegistrySession } from '../../src/core/registry/session';
import type { LabCerts } from '../support/lab/certs';
import { OciLayout, pushToRegistry, type BuiltImage } from '../support/lab/content';
import { FaultProxy, RecordingServer } from '../support/lab/fault-proxy';
import { folderWith } from '../support/lab/folders';
import { failure, pem } from '../support/lab/lab-helpers';
import { Lab, type LabRegistry } from '../support/lab/registry';

const port = (host: string) => host.split(':').pop()!;

function assertReachable(ping: PingResult, what: string): void {
  assert.equal(
    ping.state,
    'reachable',
    `${what}: ${ping.state === 'unreachable' ? `${ping.error.code}: ${ping.error.message}` : ping.state}`,
  );
}

describe('TLS settings per contacted host, whatever the order', function () {
  let lab: Lab;
  let certs: LabCerts;
  let caPem: string;
  let registry: LabRegistry;
  let layout: OciLayout;
  let image: BuiltImage;
  let pulls = 0;
  const sessions: RegistrySession[] = [];
  const stops: (() => Promise<void>)[] = [];

  const layer = () => image.layers[0]!.descriptor.digest;
  const layerGet = () => new RegExp(`/blobs/${layer()}`);

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    certs = await lab.certs();
    caPem = readFileSync(certs.ca.certPath, 'utf8');
    registry = await lab.startRegistry({ name: 'tls-per-host' });
    layout = await OciLayout.create(join(lab.dir, 'content', 'tls-per-host'));
    image = await layout.image({ seed: 'tls-per-host', layers: [24 * 1024] });
    await pushToRegistry(layout, image, registry, 'tls/image:1');
  });

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
    await Promise.all(stops.splice(0).map((stop) => stop()));
  });

  after(async function () {
    this.timeout(30_000);
    await lab?.stopAll();
  });

  function session(config: CoreConfig): RegistrySession {
    const s = createSession({ credentials: false, hostsDirectories: [folderWith({})], ...config });
    sessions.push(s);
    return s;
  }

  async function proxy(tls: keyof LabCerts['servers'] | undefined, address?: '::1'): Promise<FaultProxy> {
    const p = await FaultProxy.start(registry, { ...(tls ? { tls: pem(certs.servers[tls]) } : {}), ...(address ? { address } : {}) });
    stops.push(() => p.stop());
    return p;
  }

  const pullFrom = (s: RegistrySession, host: string) =>
    pull(
      s.registry(host).repository('tls/image'),
      '1',
      { kind: 'oci-layout', dir: join(lab.dir, 'tls-per-host', String(pulls++)) },
      { blobAttempts: 1 },
    );

  describe("an insecure registry's token realm and a verified registry's blob storage on one origin", () => {
    /** The shared origin: a certificate without 127.0.0.1 in it, so only skipped verification reaches it. */
    let shared: RecordingServer;
    let insecure: FaultProxy;
    let verified: FaultProxy;
    let s: RegistrySession;

    beforeEach(async () => {
      shared = await RecordingServer.start({ tls: pem(certs.servers['no-ip-san']) });
      stops.push(() => shared.stop());
      shared.serve('/token', Buffer.from(JSON.stringify({ token: 'shared-origin-token' })), { 'content-type': 'application/json' });
      shared.serve(`/storage/${layer()}`, readFileSync(layout.blobPath(layer())));
      // Loopback without a CA: insecure, so it and its token realm on its own host name skip verification.
      insecure = await proxy('ca');
      insecure.add({
        path: /^\/v2\//,
        times: 1,
        fault: {
          kind: 'status',
          status: 401,
          headers: { 'www-authenticate': `Bearer realm="${shared.url}/token",service="lab"` },
          body: '',
        },
      });
      // The lab CA configured: verified, and so is where it redirects its blobs.
      verified = await proxy('ca');
      verified.add({ method: 'GET', path: layerGet(), fault: { kind: 'redirect', location: `${shared.url}/storage/${layer()}` } });
      s = session({ hostsDirectories: [folderWith({ [`${verified.host}/ca.crt`]: caPem })] });
    });

    async function insecureRegistryWorks(): Promise<void> {
      const resolved = await s.registry(insecure.host).repository('tls/image').resolve('1');
      assert.equal(resolved.digest, image.descriptor.digest);
      assert.ok(
        shared.requests.some((r) => r.path.startsWith('/token')),
        'the token came from the shared origin, reached unverified',
      );
      assert.ok(insecure.requests.some((r) => r.headers.authorization === 'Bearer shared-origin-token'));
    }

    async function verifiedRegistryRefusesIt(): Promise<void> {
      const err = await failure(pullFrom(s, verified.host));
      assert.equal(err.code, 'TLS_REDIRECT_TARGET', err.message);
      assert.equal(shared.count('GET', /^\/storage\//), 0, 'the blob was not fetched from an unverified origin');
    }

    it("realm first, then storage: the insecure registry's skipped verification stays its own", async () => {
      await insecureRegistryWorks();
      await verifiedRegistryRefusesIt();
    });

    it("storage first, then realm: the verified registry's verification does not block the insecure one", async () => {
      await verifiedRegistryRefusesIt();
      await insecureRegistryWorks();
    });
  });

  describe('a registry that another registry redirects to keeps its own CA', () => {
    let named: FaultProxy;
    let redirecting: FaultProxy;
    let s: RegistrySession;

    beforeEach(async () => {
      // registry.test:8443 with its own CA in certs.d; a loopback registry sends its blobs there.
      named = await proxy('registry.test');
      redirecting = await proxy('ca');
      redirecting.add({
        method: 'GET',
        path: layerGet(),
        fault: { kind: 'redirect', location: `https://registry.test:8443/v2/tls/image/blobs/${layer()}` },
      });
      s = session({
        hostsDirectories: [folderWith({ 'registry.test:8443/ca.crt': caPem })],
        resolveRules: [`registry.test:8443:127.0.0.1:${port(named.host)}`],
      });
    });

    async function redirectWorks(): Promise<void> {
      const result = await pullFrom(s, redirecting.host);
      assert.equal(result.blobs.copied, 2);
      assert.equal(named.count('GET', layerGet()), 1, 'the layer came from registry.test:8443, verified with its own CA');
    }

    async function registryWorks(): Promise<void> {
      assertReachable(await s.registry('registry.test:8443').ping(), 'registry.test:8443');
      assert.equal((await s.registry('registry.test:8443').repository('tls/image').resolve('1')).digest, image.descriptor.digest);
    }

    it('redirected to first, then used as a registry', async () => {
      await redirectWorks();
      await registryWorks();
    });

    it('used as a registry first, then redirected to', async () => {
      await registryWorks();
      await redirectWorks();
    });
  });

  describe('a hosts.toml whose [host."https://registry.test"] section sets the CA', () => {
    let named: FaultProxy;
    let s: RegistrySession;

    beforeEach(async () => {
      named = await proxy('registry.test');
      s = session({
        hostsDirectories: [folderWith({ 'registry.test/hosts.toml': `[host."https://registry.test"]\n  ca = "${certs.ca.certPath}"\n` })],
        resolveRules: [`registry.test:443:127.0.0.1:${port(named.host)}`],
      });
    });

    const resolves = async () =>
      assert.equal((await s.registry('registry.test').repository('tls/image').resolve('1')).digest, image.descriptor.digest);
    const lists = async () => {
      const tags: string[] = [];
      for await (const page of s.registry('registry.test').listTags('tls/image')) tags.push(...page);
      assert.deepEqual(tags, ['1']);
    };

    it('pinged and listed first, then resolved', async () => {
      assertReachable(await s.registry('registry.test').ping(), 'registry.test');
      await lists();
      await resolves();
    });

    it('resolved first, then pinged and listed', async () => {
      await resolves();
      assertReachable(await s.registry('registry.test').ping(), 'registry.test');
      await lists();
    });

    it('the plan for listing shows the CA and where it comes from', async () => {
      const text = describePlan(await s.registry('registry.test').plan('list'));
      assert.match(text, new RegExp(`TLS: certificates verified; CA ${certs.ca.certPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      assert.match(text, /ca from \[host\."https:\/\/registry\.test"\] of .*hosts\.toml: the same host/);
    });
  });

  describe('registry.test:443 is registry.test', () => {
    let named: FaultProxy;

    beforeEach(async () => {
      named = await proxy('registry.test');
    });

    const resolves = async (s: RegistrySession, host: string) =>
      assert.equal((await s.registry(host).repository('tls/image').resolve('1')).digest, image.descriptor.digest, host);

    it('with a resolve rule and a certs.d CA, in both orders', async () => {
      for (const order of [
        ['registry.test:443', 'registry.test'],
        ['registry.test', 'registry.test:443'],
      ]) {
        const s = session({
          hostsDirectories: [folderWith({ 'registry.test/ca.crt': caPem })],
          resolveRules: [`registry.test:443:127.0.0.1:${port(named.host)}`],
        });
        for (const host of order) await resolves(s, host!);
        const plan = describePlan(await s.registry('registry.test:443').plan('resolve'));
        assert.match(plan, /https connects to 127\.0\.0\.1:\d+ \(resolve rule registry\.test:443:127\.0\.0\.1:\d+\)/);
        assert.match(plan, /CA .*registry\.test\/ca\.crt/);
      }
    });

    it('with skip_verify in the hosts.toml of a Docker-style registry.test:443 folder, in both orders', async () => {
      const dir = folderWith({ 'registry.test:443/hosts.toml': 'skip_verify = true\n' });
      for (const order of [
        ['registry.test:443', 'registry.test'],
        ['registry.test', 'registry.test:443'],
      ]) {
        const s = session({ hostsDirectories: [dir], resolveRules: [`registry.test:443:127.0.0.1:${port(named.host)}`] });
        for (const host of order) await resolves(s, host!);
      }
    });
  });

  describe('[::1] is [0:0:0:0:0:0:0:1]', () => {
    it('an insecure IPv6 loopback registry is reached unverified under either spelling, in both orders', async () => {
      const v6 = await proxy('ca', '::1');
      const long = `[0:0:0:0:0:0:0:1]:${port(v6.host)}`;
      for (const order of [
        [long, v6.host],
        [v6.host, long],
      ]) {
        const s = session({});
        for (const host of order) {
          assert.equal((await s.registry(host!).repository('tls/image').resolve('1')).digest, image.descriptor.digest, host);
        }
      }
      assert.ok(v6.requests.length >= 4);
    });

    it('falls back to plain HTTP under the long spelling too', async () => {
      const v6 = await proxy(undefined, '::1');
      const long = `[0:0:0:0:0:0:0:1]:${port(v6.host)}`;
      const log: string[] = [];
      const s = session({ log: (e) => log.push(e.url) });
      assertReachable(await s.registry(long).ping(), long);
      assert.ok(
        log.some((u) => u.startsWith(`http://[::1]:${port(v6.host)}/`)),
        log.join(', '),
      );
    });
  });
});
