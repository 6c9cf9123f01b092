// Property tests for the credential files people hand-edit (Docker config.json, containers
// auth.json) and for manifests written by strangers: random and mutated inputs either parse or
// fail with the project's own error, and an error never quotes a secret from the input.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeAuthEntry, findAuthEntry, parseDockerConfig } from '../../../../src/core/credentials/docker-config';
import { PODMAN_AUTH_FILE_KIND } from '../../../../src/core/credentials/podman-auth';
import { digestOf } from '../../../../src/core/oci/digest';
import { ConfigFileError, CoreError } from '../../../../src/core/errors';
import { parseManifest } from '../../../../src/core/oci/manifest';
import { MediaTypes } from '../../../../src/core/oci/media-types';
import { mutated, noise } from '../../support/property-inputs';

const SECRET = 'pa55-W0rd-s3cret';
const SECRET_AUTH = Buffer.from(`alice:${SECRET}`).toString('base64');
const JSON_ALPHABET = '{}[]":,\\ \n0tfn-e.';

describe('config file properties', () => {
  const key = fc.constantFrom('registry.test', 'https://index.docker.io/v1/', 'registry.test:5000/team/app', 'http://r.test/v2/', '', '"');
  const authValue = fc.constantFrom(SECRET_AUTH, `${SECRET_AUTH}=`, '!!', 'YWxpY2U=', '', SECRET);
  const entry = fc.record(
    {
      auth: authValue,
      username: fc.constantFrom('alice', '', 5),
      password: fc.constantFrom(SECRET, '', null),
      identitytoken: fc.constantFrom(SECRET, 7),
      registrytoken: fc.constantFrom(SECRET),
    },
    { requiredKeys: [] },
  );
  const config = fc.record(
    {
      auths: fc.oneof(fc.dictionary(key, fc.oneof(entry, fc.constantFrom({}, null, 'x', []))), fc.constantFrom(null, [], 'x')),
      credHelpers: fc.oneof(fc.dictionary(key, fc.constantFrom('secretservice', 'pass', '', 3)), fc.constantFrom(null, 1)),
      credsStore: fc.constantFrom('desktop', '', null, 2),
      HttpHeaders: fc.constant({ 'X-Meta': SECRET }),
    },
    { requiredKeys: [] },
  );
  const text = config.map((c) => JSON.stringify(c, null, 2));

  for (const kind of ['Docker config file', PODMAN_AUTH_FILE_KIND]) {
    it(`random and mutated ${kind}s parse or throw ConfigFileError at a real line, never quoting a secret`, () => {
      fc.assert(
        fc.property(
          fc.oneof(
            { weight: 1, arbitrary: noise(JSON_ALPHABET) },
            { weight: 2, arbitrary: text },
            { weight: 4, arbitrary: mutated(text, JSON_ALPHABET) },
          ),
          (input) => {
            const lines = input.split('\n').length;
            try {
              const file = parseDockerConfig(input, '/home/u/.docker/config.json', kind);
              // The entry a lookup finds either decodes or is refused by name.
              const found = findAuthEntry(file, 'registry.test');
              if (found) {
                try {
                  decodeAuthEntry(found.entry, found.key, file.path, kind);
                } catch (e) {
                  assert.ok(e instanceof ConfigFileError, String(e));
                  assert.ok(!e.message.includes(SECRET) && !e.message.includes(SECRET_AUTH), `the error quotes a secret: ${e.message}`);
                }
              }
            } catch (e) {
              assert.ok(e instanceof ConfigFileError, `non-ConfigFileError for ${JSON.stringify(input)}: ${String(e)}`);
              assert.ok(!e.message.includes(SECRET) && !e.message.includes(SECRET_AUTH), `the error quotes a secret: ${e.message}`);
              assert.ok(e.message.includes('/home/u/.docker/config.json'), 'the error names the file');
              const at = /at line (\d+), column (\d+)/.exec(e.message);
              if (at)
                assert.ok(
                  Number(at[1]) >= 1 && Number(at[1]) <= lines && Number(at[2]) >= 1,
                  `line ${at[1]} is outside a ${lines}-line file`,
                );
            }
          },
        ),
        { numRuns: 600 },
      );
    });
  }
});

describe('manifest properties', () => {
  const D = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
  const descriptor = fc.record(
    {
      mediaType: fc.constantFrom(MediaTypes.ociLayerGzip, MediaTypes.ociManifest, 'application/x-unknown', ''),
      digest: fc.constantFrom(D(1), D(2), 'sha256:zz', 'md5:00'),
      size: fc.constantFrom(0, 10, -1, 2 ** 60, 1.5),
      annotations: fc.constantFrom(undefined, { 'org.opencontainers.image.title': '../../etc/passwd' }),
      platform: fc.constantFrom(undefined, { os: 'linux', architecture: 'arm64', variant: 'v8' }, { os: 'linux' }),
    },
    { requiredKeys: ['mediaType', 'digest', 'size'] },
  );
  const manifest = fc
    .oneof(
      fc.record(
        {
          schemaVersion: fc.constantFrom(2, 1, '2'),
          mediaType: fc.constantFrom(MediaTypes.ociManifest, MediaTypes.dockerManifest, 'text/html'),
          config: descriptor,
          layers: fc.array(descriptor, { maxLength: 3 }),
        },
        { requiredKeys: ['schemaVersion'] },
      ),
      fc.record(
        {
          schemaVersion: fc.constant(2),
          mediaType: fc.constantFrom(MediaTypes.ociIndex, MediaTypes.dockerManifestList),
          manifests: fc.array(descriptor, { maxLength: 3 }),
        },
        { requiredKeys: ['schemaVersion', 'manifests'] },
      ),
    )
    .map((m) => JSON.stringify(m));
  const contentType = fc.constantFrom(undefined, MediaTypes.ociIndex, MediaTypes.ociManifest, 'application/json', 'text/plain');

  it('random and mutated manifests parse or throw a CoreError, and what parses is consistent', () => {
    fc.assert(
      fc.property(fc.oneof(noise(JSON_ALPHABET), manifest, mutated(manifest, JSON_ALPHABET)), contentType, (text, type) => {
        const bytes = Buffer.from(text);
        try {
          const parsed = parseManifest(bytes, digestOf(bytes), type, 'a manifest');
          assert.equal(parsed.descriptor.digest, digestOf(bytes));
          assert.equal(parsed.descriptor.size, bytes.length);
        } catch (e) {
          assert.ok(e instanceof CoreError, `non-CoreError for ${JSON.stringify(text)}: ${String(e)}`);
          assert.ok(!e.message.includes('\n'), 'the error is one line');
        }
      }),
      { numRuns: 1000 },
    );
  });
});
