import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { ParseError } from '../../../../src/core/errors';
import { parseRegistryLocation } from '../../../../src/core/name/registry-url';

describe('parseRegistryLocation', () => {
  it('reads hosts with optional scheme and port', () => {
    assert.deepEqual(parseRegistryLocation('Registry.Example.com'), { host: 'registry.example.com' });
    assert.deepEqual(parseRegistryLocation('http://localhost:5000/'), { host: 'localhost:5000', scheme: 'http' });
    assert.deepEqual(parseRegistryLocation('HTTPS://[::1]:05443'), { host: '[::1]:5443', scheme: 'https' });
  });

  it("reads Docker Hub's old name index.docker.io as docker.io, as references do, and only that name", () => {
    assert.deepEqual(parseRegistryLocation('index.docker.io'), { host: 'docker.io' });
    assert.deepEqual(parseRegistryLocation('https://Index.Docker.IO/'), { host: 'docker.io', scheme: 'https' });
    assert.deepEqual(parseRegistryLocation('index.docker.io:5000'), { host: 'index.docker.io:5000' });
    assert.deepEqual(parseRegistryLocation('registry-1.docker.io'), { host: 'registry-1.docker.io' });
  });

  it('explains what is wrong', () => {
    assert.throws(() => parseRegistryLocation('ghcr.io/org/repo'), /has a path: give only the registry's host/);
    assert.throws(() => parseRegistryLocation('localhost:70000'), /port 70000, outside 1–65535/);
    assert.throws(() => parseRegistryLocation('ftp://x'), /starts with ftp:\/\/: a registry is reached over https:\/\//);
    assert.throws(() => parseRegistryLocation('under_score.example'), /not a registry address/);
  });

  it('throws only ParseError on any input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (input) => {
        try {
          parseRegistryLocation(input);
        } catch (err) {
          assert.ok(err instanceof ParseError, `unexpected ${String(err)}`);
        }
      }),
      { numRuns: 500 },
    );
  });
});
