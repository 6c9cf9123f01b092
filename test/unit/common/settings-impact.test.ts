import { strict as assert } from 'node:assert';
import type { ExplorerSettings } from '../../../src/common/settings';
import { impactOf } from '../../../src/common/settings-impact';

const base: ExplorerSettings = {
  registries: [{ url: 'localhost:5000' }],
  showDiscoveredRegistries: true,
  hiddenRegistries: [],
  insecureRegistries: [],
  resolveRules: [],
  hostsDirectories: [],
  dockerConfigPath: '',
  podmanAuthPath: '',
  credentialHelperTimeoutSeconds: 10,
  saveLoginsTo: 'ask',
  requestTimeoutSeconds: 30,
  concurrency: 4,
  pageSize: 100,
  tagSortOrder: 'natural',
  repositorySortOrder: 'name',
  nestedRepositories: false,
  defaultPlatform: '',
  uploadChunkSizeMiB: 0,
  network: { proxy: '', noProxy: [], proxyAuthorization: '', proxyStrictSSL: true, systemCertificates: true },
  cacheMinutes: 10,
  rateLimitedRegistries: ['docker.io'],
  editor: { hover: true, completion: true, codeLens: true, diagnostics: true },
};

describe('impactOf (what a settings change rebuilds)', () => {
  it('a new session when how registries are reached changes', () => {
    assert.equal(impactOf(base, { ...base, registries: [{ url: 'localhost:5000', insecure: true }] }), 'session');
    assert.equal(impactOf(base, { ...base, insecureRegistries: ['10.0.0.0/8'] }), 'session');
    assert.equal(impactOf(base, { ...base, dockerConfigPath: '/tmp/config.json' }), 'session');
    assert.equal(impactOf(base, { ...base, requestTimeoutSeconds: 5 }), 'session');
    assert.equal(impactOf(base, { ...base, network: { ...base.network, proxy: 'http://proxy.example:3128' } }), 'session');
    assert.equal(impactOf(base, { ...base, network: { ...base.network, systemCertificates: false } }), 'session');
    assert.equal(impactOf(base, { ...base, registries: [{ url: 'localhost:5000', proxy: 'none' }] }), 'session');
  });

  it('fresh nodes, same session, when what the tree lists changes', () => {
    assert.equal(impactOf(base, { ...base, nestedRepositories: true }), 'rebuild');
    assert.equal(impactOf(base, { ...base, hiddenRegistries: ['ghcr.io'] }), 'rebuild');
    assert.equal(impactOf(base, { ...base, showDiscoveredRegistries: false }), 'rebuild');
    assert.equal(impactOf(base, { ...base, pageSize: 50 }), 'rebuild');
  });

  it('a redraw for the tag order; nothing for settings read when a command runs', () => {
    assert.equal(impactOf(base, { ...base, tagSortOrder: 'created' }), 'redraw');
    assert.equal(
      impactOf(base, { ...base, repositorySortOrder: 'lastPush' }),
      'redraw',
      'the repository order only redraws what is loaded',
    );
    assert.equal(impactOf(base, { ...base, concurrency: 8, defaultPlatform: 'linux/arm64', uploadChunkSizeMiB: 8 }), 'none');
    assert.equal(impactOf(base, { ...base, saveLoginsTo: 'vscodeAndDocker' }), 'none');
    assert.equal(impactOf(base, { ...base }), 'none');
    // The editor features read theirs as they work; the answers cache takes its time and budget at once.
    assert.equal(impactOf(base, { ...base, cacheMinutes: 1, rateLimitedRegistries: [], editor: { ...base.editor, hover: false } }), 'none');
  });
});
