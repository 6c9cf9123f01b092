import { strict as assert } from 'node:assert';
import { fixesFor, hostsTomlOf, problemNote, TLS_PROBLEMS } from '../../../src/views/registry-fixes';

describe('fixesFor', () => {
  it('offers a login for a registry that needs one, nothing while reachable or unknown', () => {
    assert.deepEqual(fixesFor({ state: 'needs-login' }, undefined), ['logIn']);
    assert.deepEqual(fixesFor({ state: 'reachable' }, '/etc/containerd/certs.d/r/hosts.toml'), []);
    assert.deepEqual(fixesFor({ state: 'unknown' }, undefined), []);
  });

  it('offers Mark Insecure for every TLS problem', () => {
    for (const code of TLS_PROBLEMS) assert.deepEqual(fixesFor({ state: 'unreachable', code }, undefined), ['markInsecure']);
  });

  it('offers the hosts.toml that configures the registry, alongside Mark Insecure for TLS problems', () => {
    const file = '/etc/containerd/certs.d/registry.test/hosts.toml';
    assert.deepEqual(fixesFor({ state: 'unreachable', code: 'TLS_UNKNOWN_AUTHORITY' }, file), ['markInsecure', 'openHostsToml']);
    assert.deepEqual(fixesFor({ state: 'unreachable', code: 'CONNECTION_REFUSED' }, file), ['openHostsToml']);
  });

  it('offers the settings when nothing more specific applies', () => {
    assert.deepEqual(fixesFor({ state: 'unreachable', code: 'CONNECTION_REFUSED' }, undefined), ['openSettings']);
    assert.deepEqual(fixesFor({ state: 'unreachable', code: 'DNS_NOT_FOUND' }, undefined), ['openSettings']);
  });
});

describe('hostsTomlOf', () => {
  it('names the hosts.toml (and line) a configuration error is about', () => {
    assert.deepEqual(hostsTomlOf({ code: 'HOSTS_TOML_SYNTAX', file: '/etc/containerd/certs.d/r/hosts.toml', line: 3 }), {
      file: '/etc/containerd/certs.d/r/hosts.toml',
      line: 3,
    });
    assert.deepEqual(hostsTomlOf({ file: 'C:\\certs.d\\r\\hosts.toml' }), { file: 'C:\\certs.d\\r\\hosts.toml' });
  });

  it('ignores other files and errors without one', () => {
    assert.equal(hostsTomlOf({ file: '/root/.docker/config.json', line: 2 }), undefined);
    assert.equal(hostsTomlOf(new Error('boom')), undefined);
    assert.equal(hostsTomlOf(undefined), undefined);
  });
});

describe('problemNote', () => {
  it('names a cause on this machine instead of "unreachable"', () => {
    assert.equal(problemNote('CREDENTIAL_HELPER_TIMEOUT'), 'credential helper failed');
    assert.equal(problemNote('CREDENTIAL_HELPER_BAD_OUTPUT'), 'credential helper failed');
    assert.equal(problemNote('AUTH_FILE_SYNTAX'), 'login file invalid');
    assert.equal(problemNote('HOSTS_TOML_UNKNOWN_CAPABILITY'), 'host configuration invalid');
    assert.equal(problemNote('CERTS_D_MISSING_KEY'), 'host configuration invalid');
    assert.equal(problemNote('TOKEN_NOT_ACCEPTED'), 'refuses its own tokens');
    for (const code of [
      'PROXY_UNREACHABLE',
      'PROXY_AUTH_REQUIRED',
      'PROXY_AUTH_REFUSED',
      'PROXY_CONNECT_REFUSED',
      'PROXY_ERROR',
      'PROXY_TLS',
    ])
      assert.equal(problemNote(code), 'proxy failed');
  });

  it('says "unreachable" for network and TLS failures', () => {
    for (const code of ['CONNECTION_REFUSED', 'HOST_NOT_FOUND', 'TLS_UNKNOWN_AUTHORITY', 'TIMEOUT'])
      assert.equal(problemNote(code), 'unreachable');
  });
});
