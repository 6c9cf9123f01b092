// Short names in the files Podman and Buildah run (Quadlet units, Containerfiles, Nomad's Podman tasks) read through the
// engines' aliases; the same text in a Dockerfile or a Compose file stays Docker Hub's.
import { strict as assert } from 'node:assert';
import { shortNameTable } from '../../../../src/core/hosts/short-name-config';
import { findImageReferences, referenceAt } from '../../../../src/editors/references/index';

const SHORTNAMES = '/etc/containers/registries.conf.d/000-shortnames.conf';
const shortNames = shortNameTable([
  {
    path: SHORTNAMES,
    text: '[aliases]\n"fedora" = "registry.fedoraproject.org/fedora"\n"acme/tools" = "ghcr.io/acme/tools"\n"alpine" = "docker.io/library/alpine"\n',
  },
]);

function readings(text: string, path: string): string[] {
  return findImageReferences(text, path, undefined, { shortNames }).map(
    (s) =>
      `${s.written} → ${s.reference}${s.literal ? '' : ' (not literal)'}${s.shortName ? ` [${s.shortName.by}: ${s.shortName.written}]` : ''}`,
  );
}

describe('short names read as Podman reads them', () => {
  it('reads a Quadlet unit through the aliases, keeping the text as written (and editable in place)', () => {
    const unit = '[Container]\nImage=fedora:40\n';
    assert.deepEqual(readings(unit, '/etc/containers/systemd/web.container'), [
      'fedora:40 → registry.fedoraproject.org/fedora:40 [alias: fedora]',
    ]);
    const pinned = `[Image]\nImage=acme/tools:1.4@sha256:${'a'.repeat(64)}\n`;
    assert.deepEqual(readings(pinned, '/q/tools.image'), [
      `acme/tools:1.4@sha256:${'a'.repeat(64)} → ghcr.io/acme/tools:1.4@sha256:${'a'.repeat(64)} [alias: acme/tools]`,
    ]);
    // A name with its registry, and a short name with no alias (several search registries decide nothing).
    assert.deepEqual(readings('[Container]\nImage=quay.io/fedora/fedora:40\n', '/q/a.container'), [
      'quay.io/fedora/fedora:40 → quay.io/fedora/fedora:40',
    ]);
    assert.deepEqual(readings('[Container]\nImage=nginx:1\n', '/q/b.container'), ['nginx:1 → nginx:1']);
  });

  it('reads a Containerfile through them, but not a Dockerfile, a Compose file, or the syntax directive', () => {
    const build = '# syntax=docker/dockerfile:1\nFROM fedora:40 AS base\nCOPY --from=alpine:3.20 /bin/sh /bin/sh\n';
    const viaAlias = [
      'fedora:40 → registry.fedoraproject.org/fedora:40 [alias: fedora]',
      'alpine:3.20 → docker.io/library/alpine:3.20 [alias: alpine]',
    ];
    for (const path of ['/src/Containerfile', '/src/Containerfile.dev', '/src/app.containerfile'])
      assert.deepEqual(readings(build, path), ['docker/dockerfile:1 → docker/dockerfile:1', ...viaAlias], path);
    assert.deepEqual(readings(build, '/src/Dockerfile'), [
      'docker/dockerfile:1 → docker/dockerfile:1',
      'fedora:40 → fedora:40',
      'alpine:3.20 → alpine:3.20',
    ]);
    assert.deepEqual(readings('services:\n  web:\n    image: fedora:40\n', '/src/compose.yaml'), ['fedora:40 → fedora:40']);
  });

  it("reads a Nomad task's Podman image through them when written without a transport, as the driver hands it to Podman", () => {
    const job = [
      'job "web" {',
      '  group "g" {',
      '    task "podman" {',
      '      driver = "podman"',
      '      config { image = "fedora:40" }',
      '    }',
      '    task "transport" {',
      '      driver = "podman"',
      '      config { image = "docker://fedora:41" }',
      '    }',
      '    task "docker" {',
      '      driver = "docker"',
      '      config { image = "fedora:42" }',
      '    }',
      '  }',
      '}',
      '',
    ].join('\n');
    assert.deepEqual(readings(job, '/jobs/web.nomad.hcl'), [
      'fedora:40 → registry.fedoraproject.org/fedora:40 [alias: fedora]',
      // With `docker://` the driver parses the name itself, as Docker Hub's; Docker never reads aliases.
      'fedora:41 → fedora:41',
      'fedora:42 → fedora:42',
    ]);
  });

  it('finds the alias at the cursor too, so completion lists the tags of what the name stands for', () => {
    const text = '[Container]\nImage=fedora:4\n';
    const at = referenceAt(text, '/q/web.container', text.indexOf(':4') + 2, undefined, { shortNames });
    assert.equal(at?.site.shortName?.name, 'registry.fedoraproject.org/fedora');
    assert.equal(at?.typed, 'fedora:4');
  });
});
