// The system's trusted CAs: a registry whose certificate chains to a CA that only a temporary
// system bundle trusts (SSL_CERT_FILE, read the way Go's crypto/x509 reads the system's CAs) is
// reached with no hosts.toml or certs.d entry, and refused once the bundle is gone, with an
// unknown-authority error that says the system's CAs were consulted. NODE_EXTRA_CA_CERTS adds to
// them; turning the system's CAs off leaves Node's bundled roots, and the plan says which apply.
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PingResult } from '../../src/core/registry/client';
import { describePlan } from '../../src/core/hosts/plan';
import { createSession, type CoreConfig, type RegistrySession } from '../../src/core/registry/session';
import { folderWith } from '../support/lab/folders';
import { Lab, type LabRegistry } from '../support/lab/registry';

describe("the system's trusted CAs", function () {
  let lab: Lab;
  let registry: LabRegistry;
  let dir: string;
  let bundle: string;
  const sessions: RegistrySession[] = [];

  before(async function () {
    this.timeout(60_000);
    lab = await Lab.create();
    registry = await lab.startRegistry({ name: 'system-trust', tls: 'registry.test' });
    dir = mkdtempSync(join(tmpdir(), 'system-trust-'));
  });

  beforeEach(() => {
    bundle = join(dir, 'ca-bundle.crt');
    copyFileSync(registry.caCertPath!, bundle);
  });

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  after(async function () {
    this.timeout(30_000);
    rmSync(dir, { recursive: true, force: true });
    await lab?.stopAll();
  });

  /** registry.test reached by a resolve rule, with no host directory at all: only the roots can verify it. */
  function session(env: Record<string, string>, config: CoreConfig = {}): RegistrySession {
    const s = createSession({
      credentials: false,
      hostsDirectories: [folderWith({})],
      resolveRules: [`registry.test:443:127.0.0.1:${registry.port}`],
      // An empty folder for SSL_CERT_DIR: only the bundle under test can vouch for the lab CA.
      env: { SSL_CERT_DIR: folderWith({}), ...env },
      ...config,
    });
    sessions.push(s);
    return s;
  }

  const ping = (s: RegistrySession): Promise<PingResult> => s.registry('registry.test').ping();

  it('reaches a registry signed by a CA only the SSL_CERT_FILE bundle trusts, with no other configuration', async () => {
    const s = session({ SSL_CERT_FILE: bundle });
    const result = await ping(s);
    assert.equal(result.state, 'reachable', result.state === 'unreachable' ? result.error.message : result.state);
    assert.match(
      describePlan(await s.plan('registry.test', 'list')),
      new RegExp(`Trusted CAs: Node's bundled Mozilla roots; SSL_CERT_FILE ${bundle} \\(1 certificates\\)`),
    );
  });

  it('refuses it once the bundle is removed, saying the system store was consulted', async () => {
    rmSync(bundle);
    const result = await ping(session({ SSL_CERT_FILE: bundle }));
    assert.equal(result.state, 'unreachable');
    const error = result.state === 'unreachable' ? result.error : undefined;
    assert.equal(error?.code, 'TLS_UNKNOWN_AUTHORITY', error?.message);
    assert.match(error?.message ?? '', /unknown authority \(checked against the system's CAs and Node's bundled roots\)/);
  });

  it("reads the system's CAs at the first verified connection: a CA installed after plain-HTTP contacts still counts", async () => {
    // Reading the system store costs a cold process some 50 ms, which a plain-HTTP registry never needs.
    const plain = await lab.startRegistry({ name: 'system-trust-plain' });
    const s = session({ SSL_CERT_FILE: bundle }, { registries: [{ url: `http://${plain.host}` }] });
    rmSync(bundle);
    const first = await s.registry(plain.host).ping();
    assert.equal(first.state, 'reachable', first.state === 'unreachable' ? first.error.message : first.state);
    copyFileSync(registry.caCertPath!, bundle);
    const result = await ping(s);
    assert.equal(result.state, 'reachable', result.state === 'unreachable' ? result.error.message : result.state);
  });

  it('adds NODE_EXTRA_CA_CERTS to the system bundle', async () => {
    const result = await ping(session({ SSL_CERT_FILE: join(dir, 'no-such-bundle.crt'), NODE_EXTRA_CA_CERTS: bundle }));
    assert.equal(result.state, 'reachable', result.state === 'unreachable' ? result.error.message : result.state);
  });

  it("uses Node's bundled roots only when the system's CAs are turned off, and says so", async () => {
    const s = session({ SSL_CERT_FILE: bundle }, { systemCertificates: false });
    const result = await ping(s);
    const error = result.state === 'unreachable' ? result.error : undefined;
    assert.equal(error?.code, 'TLS_UNKNOWN_AUTHORITY', error?.message ?? result.state);
    assert.match(error?.message ?? '', /checked against Node's bundled roots only \(not the system's CAs\)/);
    assert.match(describePlan(await s.plan('registry.test', 'list')), /not the system's CAs \(turned off in the settings\)/);
  });

  it('keeps the system roots when a host has a CA of its own: configured CAs add to them', async () => {
    // Another, unrelated CA configured for registry.test: the system bundle still vouches for it.
    const other = readFileSync((await lab.certs()).tokenSigning.certPath, 'utf8');
    const s = session({ SSL_CERT_FILE: bundle }, { hostsDirectories: [folderWith({ 'registry.test/ca.crt': other })] });
    const result = await ping(s);
    assert.equal(result.state, 'reachable', result.state === 'unreachable' ? result.error.message : result.state);
  });
});
