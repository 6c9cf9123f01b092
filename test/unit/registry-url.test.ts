import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { ParseError } from '../../src/core/errors';
import { endpointFor, parseRegistryLocation } from '../../src/core/registry-url';

describe('parseRegistryLocation', () => {
  it('reads hosts with optional scheme and port', () => {
    assert.deepEqual(parseRegistryLocation('Registry.Example.com'), { host: 'registry.example.com' });
    assert.deepEqual(parseRegistryLocation('http://localhost:5000/'), { host: 'localhost:5000', scheme: 'http' });
    assert.deepEqual(parseRegistryLocation('HTTPS://[::1]:05443'), { host: '[::1]:5443', scheme: 'https' });
  });

  it('explains what is wrong', () => {
    assert.throws(() => parseRegistryLocation('ghcr.io/org/repo'), /has a path: give only the registry's host/);
    assert.throws(() => parseRegistryLocation('localhost:70000'), /port 70000, outside 1–65535/);
    assert.throws(() => parseRegistryLocation('ftp://x'), /starts with ftp:\/\/: a registry is reached over https:\/\//);
    assert.throws(() => parseRegistryLocation('under_score.example'), /not a registry address/);
  });

  it('throws only ParseError on any input', () => {
    fc.assert(fc.property(fc.string({ maxLength: 60 }), (input) => {
      try {
        parseRegistryLocation(input);
      } catch (err) {
        assert.ok(err instanceof ParseError, `unexpected ${String(err)}`);
      }
    }), { numRuns: 500 });
  });
});

describe('endpointFor', () => {
  it('uses https and verifies certificates by default', () => {
    assert.deepEqual(endpointFor('registry.example.com'), { host: 'registry.example.com', scheme: 'https', insecure: false });
  });

  it('takes an explicit http:// as plain HTTP', () => {
    assert.equal(endpointFor('http://registry.example.com:5000').scheme, 'http');
  });

  it('treats loopback as insecure, and hosts or networks listed in settings', () => {
    assert.equal(endpointFor('localhost:5000').insecure, true);
    assert.equal(endpointFor('127.0.0.2:5000').insecure, true);
    assert.equal(endpointFor('[::1]:5000').insecure, true);
    assert.equal(endpointFor('registry.lan:5000', { insecureRegistries: ['registry.lan:5000'] }).insecure, true);
    assert.equal(endpointFor('registry.lan:5001', { insecureRegistries: ['registry.lan:5000'] }).insecure, false);
    assert.equal(endpointFor('10.1.2.3', { insecureRegistries: ['10.0.0.0/8'] }).insecure, true);
    assert.equal(endpointFor('registry.lan', { insecureRegistries: ['10.0.0.0/8'], resolvedAddresses: ['10.9.9.9'] }).insecure, true);
    assert.equal(endpointFor('registry.lan', { insecureRegistries: ['10.0.0.0/8'], resolvedAddresses: ['192.0.2.1'] }).insecure, false);
    assert.equal(endpointFor('registry.lan', { insecure: true }).insecure, true);
  });

  it('ignores malformed insecure entries instead of widening trust', () => {
    assert.equal(endpointFor('registry.lan', { insecureRegistries: ['not a host!', '10.0.0.0/99'] }).insecure, false);
  });
});
