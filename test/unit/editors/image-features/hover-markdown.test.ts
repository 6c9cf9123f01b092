import { strict as assert } from 'node:assert';
import type { ReferenceDetails } from '../../../../src/editors/image-features/details';
import { HOVER_COMMANDS, hoverFailureMarkdown, hoverMarkdown, markdownText } from '../../../../src/editors/image-features/hover-markdown';

const DIGEST = `sha256:${'a'.repeat(64)}`;

function details(overrides: Partial<ReferenceDetails> = {}): ReferenceDetails {
  return {
    reference: 'ghcr.io/acme/api:1.4.2',
    digest: DIGEST,
    manifestSize: 1234,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    kind: 'index',
    platforms: [
      { platform: 'linux/amd64', digest: `sha256:${'b'.repeat(64)}`, size: 3 * 1024 * 1024 },
      { platform: 'linux/arm64/v8', digest: `sha256:${'c'.repeat(64)}` },
    ],
    chosenPlatform: 'linux/amd64',
    size: 3 * 1024 * 1024,
    created: '2024-05-01T10:00:00.123456Z',
    labels: { 'org.opencontainers.image.version': '1.4.2', 'org.opencontainers.image.source': 'https://github.com/acme/api' },
    servedBy: { origin: 'https://mirror.example:5000', role: 'mirror' },
    ...overrides,
  };
}

/** The targets of every Markdown link in `text` that is not escaped. */
function links(text: string): string[] {
  return [...text.matchAll(/(?<!\\)\]\(([^)]*)\)/g)].map((m) => m[1]!);
}

describe('hoverMarkdown', () => {
  it('says what the reference resolves to, which endpoint answered, and links Inspect, Reveal in Tree and Copy Digest', () => {
    const text = hoverMarkdown(details(), { state: 'found', newerTag: '1.4.3' }, 'OCI image index');
    assert.match(text, /^\*\*ghcr\\\.io\/acme\/api\\:1\\\.4\\\.2\*\*/);
    assert.ok(text.includes(`\`${DIGEST}\``));
    assert.match(text, /2 platforms: \*\*linux\/amd64\*\* \(3\.0 MiB\), linux\/arm64\/v8/);
    assert.match(text, /Created 2024\\-05\\-01T10\\:00\\:00Z · version 1\\\.4\\\.2 · source \[/);
    assert.match(text, /Answered by the mirror https\\:\/\/mirror\\\.example\\:5000/);
    assert.match(text, /Newer tag available: 1\\\.4\\\.3/);
    const targets = links(text);
    assert.deepEqual(
      targets.map((t) => t.split('?')[0]),
      ['https://github.com/acme/api', ...HOVER_COMMANDS.map((c) => `command:${c}`)],
    );
    assert.deepEqual(JSON.parse(decodeURIComponent(targets[3]!.split('?')[1]!)), [{ digest: DIGEST }]);
  });

  it('makes no link, command or markup out of registry text', () => {
    const hostile = details({
      kind: 'image',
      platforms: [],
      mediaType: 'application/x](command:registryExplorer.delete?x)',
      labels: {
        'org.opencontainers.image.source': 'javascript:alert(1)',
        'org.opencontainers.image.url': 'https://example.com/a)](command:registryExplorer.delete)',
        'org.opencontainers.image.title': '<img src=x onerror=alert(1)> **bold** $(alert) \u202Eexe.txt',
      },
    });
    const text = hoverMarkdown(hostile, undefined, 'image');
    assert.deepEqual(
      links(text).map((t) => t.split('?')[0]),
      HOVER_COMMANDS.map((c) => `command:${c}`),
    );
    assert.doesNotMatch(text, /(?<!\\)</, 'no HTML: every < is escaped');
    assert.ok(text.includes('\\u202E'), 'the bidirectional override is shown, not applied');
  });

  it("says when the tag is the chart's appVersion, and where to look when no such tag exists", () => {
    const found = hoverMarkdown(details({ reference: 'ghcr.io/acme/shop:2.4.1' }), { state: 'found' }, 'OCI image index', {
      tagFrom: 'appVersion',
    });
    assert.equal(found.split('\n\n')[1], "The tag is the chart's appVersion, from its Chart.yaml.");
    assert.doesNotMatch(hoverMarkdown(details(), { state: 'found' }, 'OCI image index'), /appVersion/);
    const missing = hoverFailureMarkdown('ghcr.io/acme/shop:2.4.1', 'Tag 2.4.1 does not exist in ghcr.io/acme/shop.', {
      tagFrom: 'appVersion',
    });
    assert.deepEqual(missing.split('\n\n').slice(2), [
      "The tag is the chart's appVersion, from its Chart.yaml.",
      "Check how the chart's templates print `.Chart.AppVersion`: some put a `v` before it.",
    ]);
    assert.equal(hoverFailureMarkdown('a:1', 'gone').split('\n\n').length, 2);
  });

  it('says where the values of the variables written came from, found or not', () => {
    const found = hoverMarkdown(details({ reference: 'ghcr.io/acme/app:1.4.2' }), undefined, 'Compose file', { filledIn: 'compose-env' });
    assert.equal(
      found.split('\n\n')[1],
      "Its variables are filled in as the `.env` beside this file sets them; Compose takes the shell's instead where the shell sets them.",
    );
    const missing = hoverFailureMarkdown('ghcr.io/acme/app:9', 'Tag 9 does not exist.', { filledIn: 'terraform-values' });
    assert.match(missing.split('\n\n')[2]!, /^Its variables are filled in as Terraform fills them in without `-var` options/);
  });

  it('says how Podman and Buildah read a short name, and which file says so, found or not', () => {
    const shortName = {
      written: 'fedora',
      name: 'registry.fedoraproject.org/fedora',
      by: 'alias' as const,
      source: '/etc/containers/registries.conf.d/000-shortnames.conf',
    };
    const found = hoverMarkdown(details({ reference: 'registry.fedoraproject.org/fedora:40' }), { state: 'found' }, 'OCI image index', {
      shortName,
    });
    assert.equal(
      found.split('\n\n')[1],
      'Podman and Buildah read fedora as registry\\.fedoraproject\\.org/fedora: an alias in /etc/containers/registries\\.conf\\.d/000\\-shortnames\\.conf.',
    );
    const search = { ...shortName, name: 'quay.io/fedora', by: 'search' as const, source: '/etc/containers/registries.conf' };
    const missing = hoverFailureMarkdown('quay.io/fedora:40', 'not found', { shortName: search });
    assert.equal(
      missing.split('\n\n')[2],
      'Podman and Buildah read fedora as quay\\.io/fedora: the only search registry in /etc/containers/registries\\.conf.',
    );
  });

  it('says which tag a version range picks, and a newer version outside it', () => {
    const written = { versionRange: { text: '~1.2.0', reading: 'helm' as const } };
    const facts = { state: 'found' as const, rangeTag: '1.2.5', newerTag: '2.0.1' };
    const lines = hoverMarkdown(details({ reference: 'ghcr.io/acme/charts/web:1.2.5' }), facts, 'Helm chart', written).split('\n\n');
    assert.equal(lines[1], 'The range \\~1\\.2\\.0 picks 1\\.2\\.5, the highest of its versions in the repository.');
    assert.ok(lines.includes('Newer version outside the range: 2\\.0\\.1'));
    assert.ok(!lines.some((l) => l.startsWith('Newer tag')));
    const cut = hoverMarkdown(details(), { ...facts, rangeOfCutListing: true }, 'Helm chart', written);
    assert.match(cut, /among the tags listed \(the listing was cut\)/);
    const none = hoverFailureMarkdown('ghcr.io/acme/charts/web', 'No version of ghcr.io/acme/charts/web matches ^3.', written);
    assert.equal(none.split('\n\n')[0], '**ghcr\\.io/acme/charts/web at \\~1\\.2\\.0**');
  });

  it("says a range picks among the tags its filter keeps (Flux's semverFilter), shown as text", () => {
    const written = { versionRange: { text: '>=1.0.0-0', reading: 'lenient' as const, tagFilter: '.*-rc.*' } };
    const facts = { state: 'found' as const, rangeTag: 'v2.0.0-rc.1' };
    const lines = hoverMarkdown(details(), facts, 'OCI artifact', written).split('\n\n');
    assert.equal(
      lines[1],
      'The range \\>=1\\.0\\.0\\-0 picks v2\\.0\\.0\\-rc\\.1, the highest of its versions among the tags its filter \\.\\*\\-rc\\.\\* keeps.',
    );
    const cut = hoverMarkdown(details(), { ...facts, rangeOfCutListing: true }, 'OCI artifact', written);
    assert.match(cut, /keeps \(of those listed: the listing was cut\)\./);
  });

  it("names a chart's app version beside its version, as text", () => {
    const chart = details({
      kind: 'image',
      platforms: [],
      created: undefined,
      labels: { 'org.opencontainers.image.version': '0.3.0', 'org.opencontainers.image.title': 'shop' },
      appVersion: '2.4.1](command:x)',
    });
    const about = hoverMarkdown(chart, undefined, 'Helm chart')
      .split('\n\n')
      .find((l) => l.startsWith('Version'));
    assert.equal(about, 'Version 0\\.3\\.0 · app version 2\\.4\\.1\\]\\(command\\:x\\) · title shop');
  });

  it('cuts long values and keeps them on one line', () => {
    const shown = markdownText(`first\nsecond ${'x'.repeat(500)}`);
    assert.ok(!shown.includes('\n'));
    assert.ok(shown.length < 200);
    assert.ok(shown.endsWith('…'));
  });
});
