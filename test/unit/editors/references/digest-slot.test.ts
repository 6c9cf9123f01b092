// Where a lens writes the digest of a tag written on its own: each slot is checked by writing a
// digest into it and reading the file again, as the finders read it, so a slot that breaks the
// YAML, lands in the wrong mapping or loses the tag fails here.
import { strict as assert } from 'node:assert';
import { findImageReferences } from '../../../../src/editors/references/index';
import type { ReferenceSite } from '../../../../src/editors/references/types';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const OLD = `sha256:${'cd'.repeat(32)}`;

/** The sites of `text` under `path`, and the text with `DIGEST` written into the first site's slot. */
function pinned(text: string, path: string): { site: ReferenceSite; after: string | undefined } {
  const [site] = findImageReferences(text, path);
  assert.ok(site, `a site in ${JSON.stringify(text)}`);
  const slot = site.digestSlot;
  const written = slot?.hexOnly ? DIGEST.slice('sha256:'.length) : DIGEST;
  return { site, after: slot && `${text.slice(0, slot.start)}${slot.before}${written}${text.slice(slot.end)}` };
}

function readAgain(after: string | undefined, path: string): string[] {
  assert.ok(after !== undefined, 'a slot');
  return findImageReferences(after, path).map((s) => s.reference);
}

describe('digest slots of tags written on their own', () => {
  it("adds a digest: line under a Kustomization entry's tag, indented as it is, whatever the line ends", () => {
    const cases: [string, string][] = [
      [
        'images:\n  - name: nginx\n    newTag: 1.27.3\n  - name: redis\n    newTag: "7.2"\n',
        'images:\n  - name: nginx\n    newTag: 1.27.3\n    digest: %\n  - name: redis\n    newTag: "7.2"\n',
      ],
      ['images:\n- newTag: 1.27.3 # the LTS\n  name: nginx\n', 'images:\n- newTag: 1.27.3 # the LTS\n  digest: %\n  name: nginx\n'],
      ['images:\r\n  - name: nginx\r\n    newTag: 1.27.3\r\n', 'images:\r\n  - name: nginx\r\n    newTag: 1.27.3\r\n    digest: %\r\n'],
      ['images:\n  - name: nginx\n    newTag: 1.27.3', 'images:\n  - name: nginx\n    newTag: 1.27.3\n    digest: %'],
    ];
    for (const [text, expected] of cases) {
      const { after } = pinned(text, '/kustomization.yaml');
      assert.equal(after, expected.replace('%', DIGEST));
      assert.equal(readAgain(after, '/kustomization.yaml')[0], `nginx:1.27.3@${DIGEST}`);
    }
  });

  it("writes over the mapping's own digest: empty, quoted, null or a digest already", () => {
    for (const written of ['digest:', 'digest: ', 'digest: ~', 'digest: ""', "digest: ''", `digest: ${OLD}`, `digest: "${OLD}"`]) {
      const text = `image:\n  repository: bitnami/nginx\n  tag: 1.27.3\n  ${written}\n  pullPolicy: IfNotPresent\n`;
      const { after } = pinned(text, '/chart/values.yaml');
      assert.deepEqual(readAgain(after, '/chart/values.yaml'), [`bitnami/nginx:1.27.3@${DIGEST}`], written);
      assert.ok(after!.includes('  pullPolicy: IfNotPresent\n'), written);
    }
    // The Prometheus community's charts: the hex alone, under sha:.
    for (const written of ['sha: ""', `sha: ${OLD.slice('sha256:'.length)}`]) {
      const text = `image:\n  registry: quay.io\n  repository: prometheus/prometheus\n  tag: v2.51.0\n  ${written}\n`;
      const { after } = pinned(text, '/chart/values.yaml');
      assert.ok(
        after!.includes(`  sha: ${DIGEST.slice('sha256:'.length)}\n`) || after!.includes(`  sha: "${DIGEST.slice('sha256:'.length)}"\n`),
        after,
      );
      assert.deepEqual(readAgain(after, '/chart/values.yaml'), [`quay.io/prometheus/prometheus:v2.51.0@${DIGEST}`], written);
    }
    const kustomization = `images:\n  - name: nginx\n    digest: ""\n    newTag: 1.27.3\n`;
    assert.deepEqual(readAgain(pinned(kustomization, '/kustomization.yaml').after, '/kustomization.yaml'), [`nginx:1.27.3@${DIGEST}`]);
  });

  it('has no slot where a digest would not be read or would be written for others too', () => {
    // A chart whose values have no digest: its templates would not print one.
    assert.equal(pinned('image:\n  repository: nginx\n  tag: 1.27.3\n', '/values.yaml').site.digestSlot, undefined);
    // A flow mapping, which a new line would break.
    assert.equal(pinned('images:\n  - { name: nginx, newTag: 1.27.3 }\n', '/kustomization.yaml').site.digestSlot, undefined);
    // A digest merged in from an anchor is written elsewhere.
    const merged = `common: &common\n  digest: ""\nimage:\n  <<: *common\n  repository: nginx\n  tag: 1.27.3\n`;
    assert.equal(pinned(merged, '/values.yaml').site.digestSlot, undefined);
  });
});
