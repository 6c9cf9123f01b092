import assert from 'node:assert/strict';
import { digestOf } from '../../../../src/core/oci/digest';
import { parseManifest, type ParsedManifest } from '../../../../src/core/oci/manifest';
import { MediaTypes } from '../../../../src/core/oci/media-types';
import { configSummary, commandLine } from '../../../../src/webviews/inspector/config-summary';
import { alignHistory, dockerfileLine } from '../../../../src/webviews/inspector/history';
import { jsonTree, MAX_JSON_DEPTH, MAX_JSON_NODES } from '../../../../src/webviews/inspector/json-tree';
import { clip, httpUrl, MAX_TEXT } from '../../../../src/webviews/inspector/text';
import {
  attestationRows,
  blobPage,
  coseEnvelopePage,
  fileSystemPage,
  manifestPage,
  MAX_ROWS,
  referrerRows,
  titleFor,
} from '../../../../src/webviews/inspector/view-model';
import { componentName, MAX_VEX_ROWS } from '../../../../src/webviews/inspector/vex-section';
import type { BlobLocation, ManifestLocation, PageModel } from '../../../../src/webviews/inspector/protocol';
import { notaryCoseEnvelope, notaryEnvelope } from '../../../support/signing-certificates';
import { OPENVEX_DOCUMENT, TRIVY_REPORT, TRIVY_SARIF_REPORT } from '../../../support/scan-reports';

const D = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
const HOSTILE = {
  script: '<script>window.__pwned=1</script>',
  img: '"><img src=x onerror="window.__pwned=1">',
  url: 'javascript:window.__pwned=1',
};
const place = { host: 'registry.test:5000', repository: 'team/app' };

function parsed(json: unknown): ParsedManifest {
  return parsedText(JSON.stringify(json));
}

function parsedText(text: string): ParsedManifest {
  const bytes = Buffer.from(text);
  return parseManifest(bytes, digestOf(bytes), undefined, 'test manifest');
}

function at(location: Partial<ManifestLocation> & { digest: string }): ManifestLocation {
  return { kind: 'manifest', ...place, ...location };
}

/** Every string anywhere in a page, found without recursion (pages must not nest deeply). */
function strings(value: unknown): string[] {
  const found: string[] = [];
  const pending = [value];
  while (pending.length) {
    const next = pending.pop();
    if (typeof next === 'string') found.push(next);
    else if (next && typeof next === 'object') pending.push(...Object.values(next));
  }
  return found;
}

const index = {
  schemaVersion: 2,
  mediaType: MediaTypes.ociIndex,
  manifests: [
    { mediaType: MediaTypes.ociManifest, digest: D(1), size: 500, platform: { os: 'linux', architecture: 'amd64' } },
    { mediaType: MediaTypes.ociManifest, digest: D(2), size: 510, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    {
      mediaType: MediaTypes.ociManifest,
      digest: D(3),
      size: 600,
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': D(1) },
    },
  ],
  annotations: { 'org.opencontainers.image.source': 'https://example.com/app', 'org.opencontainers.image.created': '2024-05-01T10:00:00Z' },
};

const image = {
  schemaVersion: 2,
  mediaType: MediaTypes.ociManifest,
  config: { mediaType: MediaTypes.ociConfig, digest: D(10), size: 1200 },
  layers: [
    { mediaType: MediaTypes.ociLayerGzip, digest: D(11), size: 3000 },
    { mediaType: MediaTypes.ociLayerGzip, digest: D(12), size: 1000 },
  ],
};

const config = {
  architecture: 'amd64',
  os: 'linux',
  created: '2024-05-01T10:00:00Z',
  config: {
    User: 'app',
    Env: ['PATH=/usr/bin', 'GREETING=hello=world'],
    Entrypoint: ['/bin/server'],
    Cmd: ['--port', '8080', 'two words'],
    WorkingDir: '/srv',
    ExposedPorts: { '8080/tcp': {} },
    Labels: { 'org.opencontainers.image.url': 'https://example.com', maintainer: 'team' },
  },
  history: [
    { created_by: '/bin/sh -c #(nop) ADD file:abc in / ' },
    { created_by: '/bin/sh -c #(nop)  ENV PATH=/usr/bin', empty_layer: true },
    { created_by: 'RUN /bin/sh -c apt-get update # buildkit', comment: 'buildkit.dockerfile.v0' },
    { created_by: '/bin/sh -c #(nop)  CMD ["serve"]', empty_layer: true },
  ],
};

describe('inspector view model', () => {
  describe('an index', () => {
    const page = manifestPage(at({ digest: digestOf(Buffer.from(JSON.stringify(index))), tag: 'v1' }), parsed(index));

    it('names it, counts its platforms and keeps attestations apart', () => {
      assert.equal(page.title, 'team/app:v1');
      assert.equal(page.header.kind, 'OCI image index');
      assert.equal(page.header.reference.text, 'registry.test:5000/team/app:v1');
      assert.match(page.header.pullCommand!, /^docker pull registry\.test:5000\/team\/app@sha256:/);
      assert.deepEqual(
        page.header.facts.map((f) => [f.label, f.value.text]),
        [
          ['Platforms', '2 (and 1 attestation)'],
          ['Created', '2024-05-01T10:00:00Z'],
        ],
      );
      assert.deepEqual(
        page.platforms!.map((p) => p.platform),
        ['linux/amd64', 'linux/arm64/v8'],
      );
      assert.deepEqual(
        page.attestations!.map((a) => [a.attests, a.attestsPlatform]),
        [[D(1), 'linux/amd64']],
      );
      assert.equal(page.referrersOf, page.header.digest);
    });

    it('links each platform, in the table and in the JSON, to its manifest', () => {
      assert.deepEqual(page.platforms![1]!.link, {
        kind: 'manifest',
        ...place,
        digest: D(2),
        via: 'linux/arm64/v8 in team/app:v1',
        index: page.header.digest,
      });
      const linked = page.json!.nodes.filter((n) => n.link).map((n) => n.value?.text);
      assert.deepEqual(
        linked,
        [D(1), D(2), D(3)].map((d) => JSON.stringify(d)),
      );
    });

    it('makes URL annotations links and leaves the rest as text', () => {
      assert.deepEqual(
        page.annotations.map((a) => [a.label, a.url]),
        [
          ['org.opencontainers.image.source', 'https://example.com/app'],
          ['org.opencontainers.image.created', undefined],
        ],
      );
    });
  });

  describe('an image', () => {
    const manifest = parsed(image);
    const page = manifestPage(at({ digest: manifest.descriptor.digest }), manifest, { json: config });

    it('sums manifest, config and layers for its size', () => {
      assert.equal(page.header.size, manifest.bytes.length + 1200 + 4000);
      assert.match(page.header.sizeNote!, /manifest, config and 2 layers/);
      assert.equal(page.header.reference.text, 'registry.test:5000/team/app', 'the digest is shown below, not twice');
    });

    it('renders its config for people', () => {
      const summary = page.image!.config!;
      assert.equal(summary.entrypoint?.text, '/bin/server');
      assert.equal(summary.cmd?.text, "--port 8080 'two words'");
      assert.deepEqual(
        summary.env.map((e) => [e.name.text, e.value.text]),
        [
          ['PATH', '/usr/bin'],
          ['GREETING', 'hello=world'],
        ],
      );
      assert.deepEqual(
        summary.ports.map((p) => p.text),
        ['8080/tcp'],
      );
      assert.deepEqual(
        summary.facts.map((f) => f.label),
        ['Platform', 'Created', 'User', 'Working directory'],
      );
      assert.equal(summary.labels.find((l) => l.label === 'org.opencontainers.image.url')?.url, 'https://example.com/');
    });

    it("aligns the history with the layers, marking empty steps, with each layer's share", () => {
      const { history, layers } = page.image!;
      assert.deepEqual(
        history.map((h) => [h.instruction.text, h.empty, h.layer]),
        [
          ['ADD file:abc in /', false, 0],
          ['ENV PATH=/usr/bin', true, undefined],
          ['RUN apt-get update', false, 1],
          ['CMD ["serve"]', true, undefined],
        ],
      );
      assert.deepEqual(
        layers.map((l) => l.share),
        [0.75, 0.25],
      );
      assert.equal(layers[0]!.link.kind, 'layer');
      assert.equal(page.image!.historyMismatch, undefined);
    });

    it('links the config and layers in the JSON', () => {
      const kinds = page.json!.nodes.filter((n) => n.link).map((n) => n.link!.kind);
      assert.deepEqual(kinds, ['blob', 'layer', 'layer']);
    });

    it("links the image's files, named after how the image was reached", () => {
      assert.deepEqual(page.image!.filesLink, {
        kind: 'filesystem',
        ...place,
        digest: manifest.descriptor.digest,
        label: `team/app@${manifest.descriptor.digest.slice(7, 19)}`,
      });
      const tagged = manifestPage(at({ digest: manifest.descriptor.digest, tag: 'v1' }), manifest, { json: config });
      assert.equal(tagged.image!.filesLink.label, 'team/app:v1');
      const platform = manifestPage(at({ digest: manifest.descriptor.digest, tag: 'v1', via: 'linux/amd64 in team/app:v1' }), manifest);
      assert.equal(platform.image!.filesLink.label, 'linux/amd64 in team/app:v1');
    });

    it("the files page: the image's compressed layers in its header, and a notice instead of files for an index", () => {
      const files = fileSystemPage({ kind: 'filesystem', ...place, digest: manifest.descriptor.digest, label: 'team/app:v1' }, manifest);
      assert.equal(files.title, `team/app@${manifest.descriptor.digest.slice(7, 19)} all files`);
      assert.equal(files.header.size, 4000);
      assert.match(files.header.sizeNote!, /^2 layers, compressed/);
      assert.deepEqual(
        files.header.facts.map((f) => [f.label, f.value.text]),
        [['Of', 'team/app:v1']],
      );
      assert.equal(files.notice, undefined);
      const ofIndex = parsed(index);
      assert.match(fileSystemPage({ kind: 'filesystem', ...place, digest: ofIndex.descriptor.digest }, ofIndex).notice!, /an index/);
    });

    it('says why when the config cannot be read, and still lists the layers', () => {
      const broken = manifestPage(at({ digest: manifest.descriptor.digest }), manifest, {
        problem: 'The config could not be read: it is gone.',
      });
      assert.equal(broken.image!.configProblem, 'The config could not be read: it is gone.');
      assert.equal(broken.image!.history.length, 2, 'one row per layer without a history');
    });

    it("shows a config blob with the image's history when its manifest is known", () => {
      const location: BlobLocation = {
        kind: 'blob',
        ...place,
        digest: D(10),
        size: 1200,
        mediaType: MediaTypes.ociConfig,
        role: 'config',
        manifestDigest: manifest.descriptor.digest,
      };
      const blob = blobPage(location, config, manifest);
      assert.equal(blob.header.kind, 'OCI image config');
      assert.equal(blob.config?.entrypoint?.text, '/bin/server');
      assert.equal(blob.image?.history.length, 4);
      assert.equal(blob.image?.config, undefined, 'the summary is shown once');
      assert.deepEqual(blob.openJson, { ...place, digest: D(10), kind: 'blob', size: 1200 });
      assert.match(titleFor(location), /config$/);
    });
  });

  it("lists an artifact's files by title, JSON files opening as blobs", () => {
    const artifact = {
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
      config: { mediaType: MediaTypes.ociEmpty, digest: D(20), size: 2 },
      layers: [
        {
          mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
          digest: D(21),
          size: 250,
          annotations: { 'org.opencontainers.image.title': 'signature.json' },
        },
      ],
      subject: { mediaType: MediaTypes.ociIndex, digest: D(1), size: 700 },
    };
    const page = manifestPage(at({ digest: D(99) }), parsed(artifact));
    assert.equal(page.header.kind, 'cosign signature');
    assert.equal(page.image, undefined);
    assert.deepEqual(
      page.files!.map((f) => [f.title.text, f.link?.kind]),
      [['signature.json', 'blob']],
    );
    assert.deepEqual(page.subject?.link, {
      kind: 'manifest',
      ...place,
      digest: D(1),
      via: `the subject of team/app@${D(99).slice(7, 19)}`,
    });
  });

  describe('attestations', () => {
    const statement = {
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://slsa.dev/provenance/v0.2',
      subject: [{ name: 'pkg:docker/team/app@v1?platform=linux%2Famd64', digest: { sha256: D(1).slice(7) } }],
      predicate: { builder: { id: 'https://github.com/team/app/actions/runs/9' }, buildType: 'https://mobyproject.org/buildkit@v1' },
    };
    /** BuildKit's attestation manifest: an in-toto statement layer per [digest, size, predicate type]. */
    const statementsManifest = (...layers: [number, number, string][]) => ({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.ociConfig, digest: D(30), size: 240 },
      layers: layers.map(([digest, size, predicateType]) => ({
        mediaType: 'application/vnd.in-toto+json',
        digest: D(digest),
        size,
        annotations: { 'in-toto.io/predicate-type': predicateType },
      })),
    });
    const blob = (mediaType: string): BlobLocation => ({ kind: 'blob', ...place, digest: D(31), size: 900, mediaType, role: 'file' });

    it("shows BuildKit's attestation manifest as its statements, each named by the claim it makes, with no history or files to apply", () => {
      const attestationManifest = statementsManifest(
        [31, 900, 'https://slsa.dev/provenance/v0.2'],
        [32, 9000, 'https://example.com/own/v1'],
      );
      const page = manifestPage(at({ digest: D(3), via: 'an attestation in team/app:v1' }), parsed(attestationManifest));
      assert.equal(page.header.kind, 'in-toto attestation');
      assert.equal(page.header.icon, 'law');
      assert.match(page.header.sizeNote ?? '', /2 files/);
      assert.equal(page.image, undefined);
      assert.deepEqual(
        page.files!.map((f) => [f.title.text, f.kind, f.link?.kind, f.link?.kind === 'blob' ? f.link.title : undefined]),
        [
          ['SLSA provenance v0.2', 'in-toto attestation', 'blob', 'SLSA provenance v0.2'],
          ['https://example.com/own/v1', 'in-toto attestation', 'blob', 'https://example.com/own/v1'],
        ],
      );
      const files = fileSystemPage({ kind: 'filesystem', ...place, digest: D(3) }, parsed(attestationManifest));
      assert.match(files.notice ?? '', /artifact, not an image/);
    });

    it("links each platform with its index, and lists an image's attestations as the statements they hold", () => {
      const page = manifestPage(at({ digest: D(90), tag: 'v1' }), parsed(index));
      assert.deepEqual(
        page.platforms!.map((p) => (p.link.kind === 'manifest' ? p.link.index : undefined)),
        [page.header.digest, page.header.digest],
      );
      assert.equal(page.attestations![0]!.link.kind === 'manifest' ? page.attestations![0]!.link.index : 'none', undefined);
      const statements = statementsManifest([31, 900, 'https://spdx.dev/Document'], [32, 700, 'https://slsa.dev/provenance/v0.2']);
      const rows = attestationRows(place, [parsed(statements), parsed(index)]);
      assert.deepEqual(
        rows.map((r) => [r.title.text, r.link?.kind]),
        [
          ['SPDX SBOM', 'blob'],
          ['SLSA provenance v0.2', 'blob'],
        ],
      );
    });

    it('keeps an image with tar layers an image, even beside a JSON layer', () => {
      const mixed = { ...image, layers: [...image.layers, { mediaType: 'application/vnd.in-toto+json', digest: D(13), size: 10 }] };
      const page = manifestPage(at({ digest: D(4) }), parsed(mixed));
      assert.ok(page.image);
      assert.equal(page.files, undefined);
    });

    it('reads a bare statement: its claim linked to the spec, its subject linked to the manifest, and facts of the claim', () => {
      const page = blobPage(blob('application/vnd.in-toto+json'), statement);
      const section = page.attestation!;
      assert.deepEqual(
        section.facts.map((f) => [f.label, f.value.text, f.url]),
        [
          ['Claim', 'SLSA provenance v0.2', 'https://slsa.dev/spec/v0.2/provenance'],
          ['Predicate type', 'https://slsa.dev/provenance/v0.2', undefined],
          ['Statement', 'https://in-toto.io/Statement/v0.1', undefined],
        ],
      );
      assert.deepEqual(section.subjects, [
        {
          name: { text: 'pkg:docker/team/app@v1?platform=linux%2Famd64' },
          digest: { text: D(1) },
          link: { kind: 'manifest', ...place, digest: D(1), via: `the subject of team/app: ${D(31).slice(7, 19)}` },
        },
      ]);
      assert.deepEqual(
        section.predicate.map((f) => [f.label, f.value.text, f.url]),
        [
          ['Builder', 'https://github.com/team/app/actions/runs/9', 'https://github.com/team/app/actions/runs/9'],
          ['Build type', 'https://mobyproject.org/buildkit@v1', 'https://mobyproject.org/buildkit@v1'],
        ],
      );
      assert.equal(section.payload, undefined);
    });

    it("decodes a cosign envelope's payload into its own JSON tree, and names its signatures", () => {
      const envelope = {
        payloadType: 'application/vnd.in-toto+json',
        payload: Buffer.from(JSON.stringify(statement)).toString('base64'),
        signatures: [{ keyid: '', sig: 'MEUCIQ==' }],
      };
      const page = blobPage(blob('application/vnd.dsse.envelope.v1+json'), envelope);
      const section = page.attestation!;
      assert.deepEqual(
        section.facts.filter((f) => ['Payload type', 'Signatures'].includes(f.label)).map((f) => f.value.text),
        ['application/vnd.in-toto+json', '1 signature, no key ID given'],
      );
      assert.equal(section.subjects.length, 1);
      assert.ok(section.payload!.nodes.some((n) => n.value?.text === JSON.stringify('https://slsa.dev/provenance/v0.2')));
      // The page's own JSON is still the envelope, as stored.
      assert.ok(page.json!.nodes.some((n) => n.key !== undefined && typeof n.key !== 'number' && n.key.text === 'payloadType'));
    });

    it('cuts a statement with thousands of subjects, links only sha256 manifests, and keeps hostile text as text', () => {
      const subjects = Array.from({ length: 5000 }, (_, i) => ({
        name: HOSTILE.script,
        digest: i === 0 ? { sha512: 'f'.repeat(128) } : { sha256: D(i).slice(7) },
      }));
      const page = blobPage(blob('application/vnd.in-toto+json'), { ...statement, subject: subjects, predicateType: HOSTILE.url });
      const section = page.attestation!;
      assert.equal(section.subjects.length, 200);
      assert.equal(section.subjectsOmitted, 4800);
      assert.equal(section.subjects[0]!.link, undefined);
      assert.equal(section.subjects[0]!.digest.text, `sha512:${'f'.repeat(128)}`);
      assert.equal(section.subjects[1]!.link?.kind, 'manifest');
      assert.equal(section.subjects[1]!.name?.text, HOSTILE.script);
      assert.ok(section.facts.every((f) => f.url === undefined || /^https:/.test(f.url)));
    });

    it("shows a cosign signature's signed manifest (linked), its signer's annotations and, from its layer, its signer", () => {
      const payload = {
        critical: {
          identity: { 'docker-reference': 'registry.test:5000/team/app' },
          image: { 'docker-manifest-digest': D(1) },
          type: 'cosign container image signature',
        },
        optional: { git_sha: 'abc123' },
      };
      const signatureManifest = {
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config: { mediaType: MediaTypes.ociConfig, digest: D(40), size: 200 },
        layers: [
          {
            mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
            digest: D(41),
            size: 250,
            annotations: {
              'dev.cosignproject.cosign/signature': 'MEUCIQ==',
              'dev.sigstore.cosign/bundle': '{"Payload":{"logIndex":42,"integratedTime":1764500000}}',
            },
          },
        ],
      };
      const page = blobPage(
        { ...blob('application/vnd.dev.cosign.simplesigning.v1+json'), digest: D(41), manifestDigest: D(42) },
        payload,
        parsed(signatureManifest),
      );
      const section = page.attestation!;
      assert.equal(section.title, 'Signature');
      assert.deepEqual(
        section.facts.map((f) => [f.label, f.value.text]),
        [
          ['Claim', 'cosign container image signature'],
          ['Transparency log', 'entry 42, logged 2025-11-30T10:53:20.000Z'],
        ],
      );
      assert.deepEqual(
        section.subjects.map((s) => [s.name?.text, s.digest.text, s.link?.kind]),
        [['registry.test:5000/team/app', D(1), 'manifest']],
      );
      assert.deepEqual(
        section.predicate.map((f) => [f.label, f.value.text]),
        [['git_sha', 'abc123']],
      );
    });

    it('shows a Notary Project signature: what it signs (which opens), the headers in words, the signer by its subject, and notation as the verifier', () => {
      const envelope = notaryEnvelope(
        { mediaType: MediaTypes.ociIndex, digest: D(1), size: 900, annotations: { [HOSTILE.script]: HOSTILE.img } },
        { header: { 'io.cncf.notary.timestampSignature': 'MIIB' } },
      );
      const page = blobPage(blob('application/jose+json'), envelope);
      const section = page.attestation!;
      assert.equal(section.title, 'Signature');
      assert.equal(section.verifiedWith, 'notation');
      assert.deepEqual(
        section.facts.map((f) => [f.label, f.value.text]),
        [
          ['Claim', 'Notary Project signature'],
          ['Signs', 'OCI image index (900 bytes)'],
          ['Signing scheme', 'notary.x509'],
          ['Algorithm', 'ES256'],
          ['Signed at (as the signer says)', '2026-12-05T05:13:21Z'],
          ['Expires', '2027-06-05T05:13:21Z'],
          ['Signing agent', 'notation-go/1.3.0'],
          ['Certificate chain', '1 certificate'],
          ['Timestamp', 'an RFC 3161 countersignature is attached'],
          ['Signed by', 'C=US, ST=WA, L=Seattle, O=Notary, CN=wabbit-networks.io'],
          ['Certificate issuer', 'C=US, ST=WA, L=Seattle, O=Notary, CN=wabbit-networks.io'],
          ['Certificate valid', 'Dec  5 05:13:21 2026 GMT to Dec  6 05:13:21 2026 GMT'],
        ],
      );
      assert.deepEqual(
        section.subjects.map((s) => [s.digest.text, s.link?.kind]),
        [[D(1), 'manifest']],
      );
      assert.deepEqual(
        section.predicate.map((f) => [f.label, f.value.text]),
        [[HOSTILE.script, HOSTILE.img]],
        "the signer's annotations, as data",
      );
      assert.ok(section.payload, 'the payload decoded into a JSON tree');
      // A cosign signature names no verifier of its own: the page says cosign.
      assert.equal(blobPage(blob('application/vnd.in-toto+json'), statement).attestation!.verifiedWith, undefined);
    });

    it('shows a Notary Project signature in a COSE envelope with the same facts, signer and payload as its JWS envelope, and no JSON of its own', () => {
      const target = { mediaType: MediaTypes.ociIndex, digest: D(1), size: 900, annotations: { [HOSTILE.script]: HOSTILE.img } };
      const jws = blobPage(
        blob('application/jose+json'),
        notaryEnvelope(target, { header: { 'io.cncf.notary.timestampSignature': 'MIIB' } }),
      );
      const page = coseEnvelopePage(
        blob('application/cose'),
        notaryCoseEnvelope(target, { unprotected: [['io.cncf.notary.timestampSignature', Buffer.from('MIIB')]] }),
      );
      assert.deepEqual(page.attestation, jws.attestation);
      assert.equal(page.attestation!.verifiedWith, 'notation');
      assert.equal(page.header.kind, 'COSE signature envelope');
      assert.equal(page.json, undefined, 'CBOR is not shown as JSON');
      assert.equal(page.openJson, undefined, 'nor opened as JSON');
      assert.equal(page.notice, undefined);
    });

    it('says so when a COSE envelope is not a Notary Project signature it can read, rather than showing nothing', () => {
      for (const bytes of [
        Buffer.from('not cbor'),
        notaryCoseEnvelope({ mediaType: MediaTypes.ociIndex, digest: D(1), size: 9 }, { protected: [[3, 'text/plain']] }),
      ]) {
        const page = coseEnvelopePage(blob('application/cose'), bytes);
        assert.equal(page.attestation, undefined);
        assert.match(page.notice ?? '', /not a Notary Project signature this page can read .*; pull the artifact to read it\./);
      }
    });

    it("lists a scan's findings from cosign's vuln attestation or a bare report, linking known advisories to osv.dev only", () => {
      const hostile = {
        ...TRIVY_REPORT,
        Results: [
          ...TRIVY_REPORT.Results,
          {
            Target: 'x',
            Vulnerabilities: [
              { VulnerabilityID: 'javascript:alert(1)', PkgName: HOSTILE.script, Severity: 'CRITICAL' },
              { VulnerabilityID: 'CVE-2024-1/../../evil', Severity: 'LOW' },
            ],
          },
        ],
      };
      const page = blobPage(blob('application/vnd.in-toto+json'), {
        ...statement,
        predicateType: 'https://cosign.sigstore.dev/attestation/vuln/v1',
        predicate: { scanner: { uri: 'pkg:github/aquasecurity/trivy@v0.50.1', version: '0.50.1', result: hostile } },
      });
      const section = page.vulnerabilities!;
      assert.equal(section.format, 'Trivy');
      assert.deepEqual(section.scanner, { text: 'trivy 0.50.1' });
      assert.deepEqual(section.counts, { Critical: 2, High: 1, Medium: 1, Low: 2, Negligible: 0, Unknown: 0 });
      assert.deepEqual(
        section.rows.map((r) => [r.id.text, r.url]),
        [
          ['GHSA-3h5v-q93c-6h6q', 'https://osv.dev/vulnerability/GHSA-3h5v-q93c-6h6q'],
          ['javascript:alert(1)', undefined],
          ['CVE-2024-2961', 'https://osv.dev/vulnerability/CVE-2024-2961'],
          ['CVE-2023-5678', 'https://osv.dev/vulnerability/CVE-2023-5678'],
          ['CVE-2011-3374', 'https://osv.dev/vulnerability/CVE-2011-3374'],
          ['CVE-2024-1/../../evil', undefined],
        ],
      );
      assert.deepEqual(section.rows[1]!.package, { text: HOSTILE.script });
      assert.equal(page.attestation?.facts.find((f) => f.label === 'Claim')?.value.text, 'vulnerability scan (cosign)');
      const bare = blobPage(blob('application/json'), TRIVY_REPORT);
      assert.equal(bare.vulnerabilities?.rows.length, 4);
      assert.equal(bare.attestation, undefined);
      assert.equal(blobPage(blob('application/json'), { Results: 'x' }).vulnerabilities, undefined);
    });

    it("lists a SARIF scan report's findings (trivy referrer put, oras attach), its rule ids and packages as data", () => {
      const run = TRIVY_SARIF_REPORT.runs[0]!;
      const hostile = {
        ...TRIVY_SARIF_REPORT,
        runs: [
          {
            ...run,
            results: [
              ...run.results,
              {
                ruleId: 'javascript:alert(1)',
                message: { text: `Package: ${HOSTILE.script}\nInstalled Version: ${HOSTILE.img}\nSeverity: CRITICAL` },
              },
            ],
          },
        ],
      };
      const page = blobPage(blob('application/sarif+json'), hostile);
      assert.equal(page.header.kind, 'SARIF scan report');
      const section = page.vulnerabilities!;
      assert.equal(section.format, 'SARIF');
      assert.deepEqual(section.scanner, { text: 'Trivy 0.50.1' });
      assert.deepEqual(section.counts, { Critical: 2, High: 2, Medium: 1, Low: 1, Negligible: 0, Unknown: 0 });
      assert.deepEqual(
        section.rows.map((r) => [r.id.text, r.url, r.package?.text, r.score?.text]),
        [
          ['GHSA-3h5v-q93c-6h6q', 'https://osv.dev/vulnerability/GHSA-3h5v-q93c-6h6q', 'ws', '7.5 (security-severity)'],
          ['javascript:alert(1)', undefined, HOSTILE.script, undefined],
          ['CVE-2024-2961', 'https://osv.dev/vulnerability/CVE-2024-2961', 'libc6', '7.3 (security-severity)'],
          ['CVE-2024-2961', 'https://osv.dev/vulnerability/CVE-2024-2961', 'libc-bin', '7.3 (security-severity)'],
          ['CVE-2023-5678', 'https://osv.dev/vulnerability/CVE-2023-5678', 'libssl3', '5.3 (security-severity)'],
          ['CVE-2011-3374', 'https://osv.dev/vulnerability/CVE-2011-3374', 'apt', '3.7 (security-severity)'],
        ],
      );
      assert.deepEqual(section.rows[1]!.installed, { text: HOSTILE.img });
      assert.equal(page.attestation, undefined);
    });

    it("lists an SBOM attestation's packages, and a bare SBOM's, cut to what a page holds", () => {
      const spdx = {
        spdxVersion: 'SPDX-2.3',
        name: 'sbom',
        packages: Array.from({ length: 6000 }, (_, i) => ({ name: i === 0 ? HOSTILE.script : `pkg${i}`, versionInfo: `1.${i}` })),
      };
      const page = blobPage(blob('application/vnd.in-toto+json'), {
        ...statement,
        predicateType: 'https://spdx.dev/Document',
        predicate: spdx,
      });
      assert.equal(page.sbom?.format, 'SPDX-2.3');
      assert.equal(page.sbom?.rows.length, 5000);
      assert.equal(page.sbom?.omitted, 1000);
      assert.deepEqual(page.sbom?.rows[0], { name: { text: HOSTILE.script }, version: { text: '1.0' } });
      assert.ok(page.attestation!.predicate.some((f) => f.label === 'Packages' && f.value.text === '6,000'));
      const bare = blobPage(blob('application/vnd.cyclonedx+json'), {
        bomFormat: 'CycloneDX',
        specVersion: '1.6',
        components: [{ name: 'zlib' }],
      });
      assert.deepEqual(bare.sbom, { format: 'CycloneDX 1.6', rows: [{ name: { text: 'zlib' } }], omitted: 0 });
      assert.equal(bare.attestation, undefined);
    });

    it("lists an OpenVEX document's statements in its order, alone (oras attach) or as a DSSE attestation's predicate (vexctl attest)", () => {
      const alone = blobPage(blob('application/vnd.openvex+json'), OPENVEX_DOCUMENT).vex!;
      assert.deepEqual(
        [alone.author, alone.timestamp, alone.version, alone.omitted],
        [{ text: 'Team App <security@example.test>' }, { text: '2026-11-01T00:00:00Z' }, 1, 0],
      );
      assert.deepEqual(alone.counts, { not_affected: 1, affected: 1, fixed: 1, under_investigation: 1 });
      const product = { text: 'pkg:oci/app@sha256%3A0123?repository_url=registry.test/team/app' };
      assert.deepEqual(alone.rows, [
        {
          vulnerability: { text: 'CVE-2024-2961' },
          aliases: { text: 'GHSA-xxxx-2961' },
          status: 'not_affected',
          justification: { text: 'vulnerable_code_not_in_execute_path' },
          impact: { text: 'The app never calls iconv() with ISO-2022-CN-EXT.' },
          subcomponents: { text: 'libc6' },
          subcomponentIds: { text: 'pkg:deb/debian/libc6@2.36-9+deb12u4?arch=amd64' },
          products: product,
          url: 'https://osv.dev/vulnerability/CVE-2024-2961',
        },
        {
          vulnerability: { text: 'CVE-2011-3374' },
          status: 'affected',
          action: { text: 'Remove apt from the final stage.' },
          products: product,
          url: 'https://osv.dev/vulnerability/CVE-2011-3374',
        },
        {
          vulnerability: { text: 'GHSA-3h5v-q93c-6h6q' },
          status: 'fixed',
          subcomponents: { text: 'ws' },
          subcomponentIds: { text: 'pkg:npm/ws@8.11.0' },
          products: product,
          // Its own time, not the document's.
          timestamp: { text: '2026-11-03T12:30:00Z' },
          url: 'https://osv.dev/vulnerability/GHSA-3h5v-q93c-6h6q',
        },
        {
          vulnerability: { text: 'CVE-2023-5678' },
          status: 'under_investigation',
          products: product,
          url: 'https://osv.dev/vulnerability/CVE-2023-5678',
        },
      ]);
      assert.equal(blobPage(blob('application/vnd.openvex+json'), OPENVEX_DOCUMENT).attestation, undefined);

      const envelope = {
        payloadType: 'application/vnd.in-toto+json',
        payload: Buffer.from(
          JSON.stringify({ ...statement, predicateType: 'https://openvex.dev/ns/v0.2.0', predicate: OPENVEX_DOCUMENT }),
        ).toString('base64'),
        signatures: [{ keyid: '', sig: 'MEUCIQ==' }],
      };
      const attested = blobPage(blob('application/vnd.dsse.envelope.v1+json'), envelope);
      assert.deepEqual(attested.vex, alone);
      assert.equal(attested.attestation?.facts.find((f) => f.label === 'Claim')?.value.text, 'OpenVEX v0.2.0');
      // BuildKit's statement layer (docker scout attestation add): the statement as it is.
      const statementLayer = { ...statement, predicateType: 'https://openvex.dev/ns/v0.2.0', predicate: OPENVEX_DOCUMENT };
      assert.deepEqual(blobPage(blob('application/vnd.in-toto+json'), statementLayer).vex, alone);
    });

    it("sends a VEX document's statements clipped, as text, a few thousand at most, linking only identifiers osv.dev serves", () => {
      const long = 'x'.repeat(5000);
      const statements = Array.from({ length: MAX_VEX_ROWS + 1000 }, (_, i) =>
        i === 0
          ? {
              vulnerability: { name: HOSTILE.url, aliases: [HOSTILE.script, long] },
              products: [{ '@id': HOSTILE.img, subcomponents: [{ '@id': `pkg:npm/${encodeURIComponent(HOSTILE.script)}@1` }] }],
              status: 'not_affected',
              justification: HOSTILE.script,
              impact_statement: long,
              action_statement: HOSTILE.img,
            }
          : { vulnerability: i === 1 ? 'CVE-2024-1/../../evil' : `CVE-2024-${i}`, status: i % 2 ? 'affected' : 'fixed' },
      );
      const page = blobPage(blob('application/json'), {
        '@context': 'https://openvex.dev/ns/v0.2.0',
        author: HOSTILE.script + long,
        timestamp: HOSTILE.img,
        statements,
      });
      const vex = page.vex!;
      assert.equal(vex.rows.length, MAX_VEX_ROWS);
      assert.equal(vex.omitted, 1000);
      // Counted over every statement read, not only those sent.
      assert.deepEqual(vex.counts, { not_affected: 1, affected: 3000, fixed: 2999, under_investigation: 0 });
      assert.deepEqual(
        vex.author,
        { text: (HOSTILE.script + long).slice(0, 256), omitted: 1024 - 256 },
        'the core reads 1 KiB, the page shows 256 characters',
      );
      assert.deepEqual(vex.timestamp, { text: HOSTILE.img });
      const [first, second, third] = vex.rows;
      assert.deepEqual([first!.vulnerability, first!.url], [{ text: HOSTILE.url }, undefined]);
      assert.deepEqual([second!.vulnerability.text, second!.url], ['CVE-2024-1/../../evil', undefined]);
      assert.equal(third!.url, 'https://osv.dev/vulnerability/CVE-2024-2');
      assert.deepEqual(first!.justification, { text: HOSTILE.script });
      assert.deepEqual(first!.action, { text: HOSTILE.img });
      assert.deepEqual(first!.subcomponents, { text: HOSTILE.script });
      assert.deepEqual(first!.products, { text: HOSTILE.img });
      assert.equal(first!.impact!.text.length, 512);
      assert.equal(first!.aliases!.text.length, 512);
      // No URL anywhere but those made from an identifier.
      assert.ok(strings(vex).every((text) => !text.startsWith('https://') || text.startsWith('https://osv.dev/vulnerability/CVE-')));
      assert.ok(strings(vex.rows).every((text) => text.length <= 1024));
      assert.equal(blobPage(blob('application/json'), { '@context': 'https://example.test/ns', statements: [] }).vex, undefined);
      assert.equal(blobPage({ ...blob(MediaTypes.ociConfig), role: 'config' }, OPENVEX_DOCUMENT).vex, undefined);
    });

    it('names a VEX subcomponent as scanners report it: a package URL by its name, with an npm scope, a Maven group or a Go module path; anything else as written', () => {
      assert.deepEqual(
        [
          'pkg:deb/debian/libc6@2.36-9?arch=amd64',
          'pkg:npm/%40babel/core@7.24.0',
          'pkg:npm/@babel/core@7.24.0',
          'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
          'pkg:golang/golang.org/x/net@v0.17.0#http2',
          'pkg:generic/%E0%A4%A@1',
          'libssl3',
        ].map(componentName),
        ['libc6', '@babel/core', '@babel/core', 'org.apache.logging.log4j:log4j-core', 'golang.org/x/net', '%E0%A4%A', 'libssl3'],
      );
    });

    it('shows no attestation for a config, or for JSON that is not one', () => {
      assert.equal(blobPage({ ...blob(MediaTypes.ociConfig), role: 'config' }, statement).attestation, undefined);
      assert.equal(blobPage(blob('application/json'), { hello: 'world' }).attestation, undefined);
      assert.equal(blobPage({ ...blob(MediaTypes.ociConfig), role: 'config' }, { spdxVersion: 'SPDX-2.3', packages: [] }).sbom, undefined);
    });
  });

  it('names what a referrer claims when its annotations say, as cosign bundles do', () => {
    const rows = referrerRows(place, D(1), [
      {
        mediaType: MediaTypes.ociManifest,
        digest: D(6),
        size: 900,
        artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        annotations: {
          'dev.sigstore.bundle.content': 'dsse-envelope',
          'dev.sigstore.bundle.predicateType': 'https://slsa.dev/provenance/v1',
        },
      },
      {
        mediaType: MediaTypes.ociManifest,
        digest: D(7),
        size: 900,
        artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        annotations: { 'dev.sigstore.bundle.content': 'message-signature' },
      },
    ]);
    assert.deepEqual(
      rows.map((r) => r.kind),
      ['Sigstore bundle: SLSA provenance v1', 'Sigstore bundle: signature'],
    );
  });

  it('lists referrers with their kinds and links', () => {
    const rows = referrerRows(place, D(1), [
      {
        mediaType: MediaTypes.ociManifest,
        digest: D(5),
        size: 900,
        artifactType: 'application/spdx+json',
        annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
      },
    ]);
    assert.deepEqual(
      rows.map((r) => [r.kind, r.icon, r.created, r.link.kind]),
      [['SBOM (SPDX)', 'checklist', '2024-01-01T00:00:00Z', 'manifest']],
    );
  });

  describe('hostile input', () => {
    const hostileImage = {
      ...image,
      annotations: {
        [HOSTILE.script]: HOSTILE.img,
        'org.opencontainers.image.url': HOSTILE.url,
        long: 'x'.repeat(1_000_000),
        [`k${'y'.repeat(10_000)}`]: 'v',
      },
    };
    const hostileConfig = {
      ...config,
      author: HOSTILE.script,
      config: {
        Env: [`A=${HOSTILE.img}`, 42, { nested: true }],
        Entrypoint: HOSTILE.script,
        Cmd: [HOSTILE.img],
        Labels: { [HOSTILE.img]: HOSTILE.url, ok: 7 },
        ExposedPorts: [1, 2],
      },
      history: [{ created_by: HOSTILE.script }, 'not an entry', { created_by: 5, empty_layer: 'yes' }],
    };
    const manifest = parsed(hostileImage);
    const page = manifestPage(at({ digest: manifest.descriptor.digest, tag: HOSTILE.img }), manifest, { json: hostileConfig });

    it('keeps markup as the exact text it is (the webview sets it as text, never HTML)', () => {
      const annotation = page.annotations.find((a) => a.label === HOSTILE.script);
      assert.equal(annotation?.value.text, HOSTILE.img);
      assert.equal(page.image!.config!.facts.find((f) => f.label === 'Author')?.value.text, HOSTILE.script);
      assert.equal(page.image!.config!.labels[0]!.label, HOSTILE.img);
      assert.equal(page.image!.history[0]!.instruction.text, HOSTILE.script);
      assert.ok(page.header.reference.text.endsWith(`:${HOSTILE.img}`));
    });

    it('never turns a javascript: URL into a link', () => {
      assert.ok(page.annotations.every((a) => a.url === undefined));
      assert.ok(page.image!.config!.labels.every((l) => l.url === undefined));
      assert.equal(httpUrl(HOSTILE.url), undefined);
      assert.equal(httpUrl('data:text/html,<script>1</script>'), undefined);
      assert.equal(httpUrl('//evil.example/x'), undefined);
      assert.equal(httpUrl('https://ok.example/a?b=<c>'), 'https://ok.example/a?b=%3Cc%3E');
    });

    it('ignores config fields of the wrong type instead of failing', () => {
      const summary = page.image!.config!;
      assert.equal(summary.entrypoint, undefined, 'an entrypoint that is not a list of strings');
      assert.deepEqual(summary.env, [], 'an env list with non-strings in it');
      assert.deepEqual(summary.ports, [], 'exposed ports given as a list');
      assert.deepEqual(
        summary.labels.map((l) => l.label),
        [HOSTILE.img],
      );
      assert.equal(page.image!.history.length, 2, 'only object entries are history');
    });

    it('cuts very long strings and keys, saying how much was left out', () => {
      const long = page.annotations.find((a) => a.label === 'long')!;
      assert.equal(long.value.text.length, MAX_TEXT);
      assert.equal(long.value.omitted, 1_000_000 - MAX_TEXT);
      const longKey = page.annotations.find((a) => a.label.startsWith('kyyy'))!;
      assert.ok(longKey.label.length <= 257);
      const jsonLong = page.json!.nodes.find((n) => n.value?.omitted);
      assert.ok(jsonLong, 'the JSON view cuts the long value too');
      assert.ok(
        strings(page).every((s) => s.length <= MAX_TEXT + 2),
        'no string in the page is longer than the limit',
      );
    });

    it('survives JSON nested a hundred thousand levels deep (and the page stays shallow)', () => {
      const depth = 100_000;
      const deepText = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const deep = JSON.parse(deepText) as unknown;
      const manifestText = `${JSON.stringify(image).slice(0, -1)},"extra":${deepText}}`;
      const nested = manifestPage(at({ digest: manifest.descriptor.digest }), parsedText(manifestText), { json: { ...config, deep } });
      const tree = nested.json!;
      assert.ok(tree.truncated);
      assert.ok(Math.max(...tree.nodes.map((n) => n.depth)) <= MAX_JSON_DEPTH);
      // What crosses to the webview is serialised: it must not blow the stack.
      assert.doesNotThrow(() => structuredClone(nested));
      assert.doesNotThrow(() => JSON.stringify(nested));
      assert.doesNotThrow(() =>
        blobPage({ kind: 'blob', ...place, digest: D(10), size: 1, mediaType: MediaTypes.ociConfig, role: 'config' }, deep),
      );
    });

    it('shows a 4 MiB manifest with bounded lists', () => {
      const layers = Array.from({ length: 19_000 }, (_, i) => ({
        mediaType: MediaTypes.ociLayerGzip,
        digest: D(1000 + i),
        size: 1000 + i,
        annotations: { note: HOSTILE.script },
      }));
      const big = { ...image, layers };
      const bytes = Buffer.from(JSON.stringify(big));
      assert.ok(bytes.length > 3.5 * 1024 * 1024 && bytes.length <= 4 * 1024 * 1024, `the manifest is ${bytes.length} bytes`);
      // How fast it is built is measured by npm run bench:inspector, not asserted here (a busy machine is not a bug).
      const bigPage: PageModel = manifestPage(at({ digest: digestOf(bytes) }), parseManifest(bytes, digestOf(bytes), undefined, 'big'), {
        json: config,
      });
      assert.ok(bigPage.json!.nodes.length <= MAX_JSON_NODES);
      assert.equal(bigPage.image!.layers.length, MAX_ROWS);
      assert.ok(bigPage.image!.history.length <= MAX_ROWS);
      assert.ok(bigPage.image!.historyOmitted! > 0);
      assert.ok(JSON.stringify(bigPage).length < 16 * 1024 * 1024, 'the message stays well under the manifest size times four');
    });
  });

  describe('pieces', () => {
    it('reads created_by the way a Dockerfile says it', () => {
      assert.equal(dockerfileLine('/bin/sh -c #(nop)  WORKDIR /srv'), 'WORKDIR /srv');
      assert.equal(dockerfileLine('/bin/sh -c apk add curl'), 'RUN apk add curl');
      assert.equal(dockerfileLine('|2 A=1 B=2 /bin/sh -c make'), 'RUN make');
      assert.equal(dockerfileLine('COPY . /app # buildkit'), 'COPY . /app');
      assert.equal(dockerfileLine('RUN /bin/sh -c set -e; make # buildkit'), 'RUN set -e; make');
      assert.equal(dockerfileLine('RUN |1 VERSION=1.2 /bin/sh -c echo $VERSION # buildkit'), 'RUN echo $VERSION');
      assert.equal(dockerfileLine('something else'), 'something else');
    });

    it('says when history and layers disagree', () => {
      const aligned = alignHistory([{ created_by: 'a' }, { created_by: 'b' }, { created_by: 'c' }], 2);
      assert.match(aligned.mismatch!, /records 3 layers but the manifest has 2/);
      assert.deepEqual(
        alignHistory(undefined, 2).rows.map((r) => r.layer),
        [0, 1],
      );
    });

    it('quotes command words the way a shell takes them back', () => {
      assert.equal(commandLine(['sh', '-c', "echo 'hi' there", '']), `sh -c 'echo '\\''hi'\\'' there' ''`);
    });

    it('cuts text without splitting a surrogate pair', () => {
      const cut = clip(`${'a'.repeat(9)}😀tail`, 10);
      assert.equal(cut.text, 'a'.repeat(9));
      assert.equal(cut.omitted, 6);
    });

    it("lays out JSON breadth first, each container's children in one contiguous range", () => {
      const tree = jsonTree({ a: [1, { b: null }], c: 'x' });
      const root = tree.nodes[0]!;
      assert.deepEqual(
        tree.nodes.slice(root.first!, root.first! + root.shown!).map((n) => n.key),
        [{ text: 'a' }, { text: 'c' }],
      );
      const a = tree.nodes[root.first!]!;
      assert.deepEqual(
        tree.nodes.slice(a.first!, a.first! + a.shown!).map((n) => [n.key, n.type]),
        [
          [0, 'number'],
          [1, 'object'],
        ],
      );
      assert.equal(tree.truncated, false);
      const budget = jsonTree(
        Array.from({ length: 100 }, (_, i) => i),
        { maxNodes: 11 },
      );
      assert.equal(budget.nodes[0]!.shown, 10);
      assert.equal(budget.nodes[0]!.omitted, 90);
    });

    it('gives a config summary only for objects', () => {
      assert.equal(configSummary('nope'), undefined);
      assert.equal(configSummary([1, 2]), undefined);
      assert.deepEqual(configSummary({})?.env, []);
    });
  });
});
