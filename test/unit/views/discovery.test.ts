import { strict as assert } from 'node:assert';
import { registryHostKey } from '../../../src/core/net/registry-host';
import { notShownYet, type DiscoveredRegistry } from '../../../src/views/discovery';

describe('notShownYet', () => {
  const found = (...hosts: string[]): DiscoveredRegistry[] => hosts.map((host) => ({ host, sources: [] }));
  const hosts = (list: DiscoveredRegistry[]): string[] => list.map((d) => d.host);
  /** What the tree's configured nodes leave in `seen`: the key of each configured entry's host. */
  const shown = (...configured: string[]): Set<string> => new Set(configured.map(registryHostKey));

  it('leaves out a registry configured under another spelling of its host', () => {
    // `https://registry.test:443` in settings is the host registry.test:443; a login file names registry.test.
    assert.deepEqual(hosts(notShownYet(found('registry.test', 'ghcr.io'), shown('registry.test:443'), [], registryHostKey)), ['ghcr.io']);
    assert.deepEqual(hosts(notShownYet(found('docker.io'), shown('index.docker.io'), [], registryHostKey)), []);
  });

  it('shows a registry found under two spellings once, and leaves out the hidden ones however they are written', () => {
    assert.deepEqual(hosts(notShownYet(found('registry.test', 'Registry.Test:443', 'b.test'), shown(), [], registryHostKey)), [
      'registry.test',
      'b.test',
    ]);
    assert.deepEqual(hosts(notShownYet(found('registry.test', 'b.test'), shown(), [' registry.test:443 '], registryHostKey)), ['b.test']);
  });
});
