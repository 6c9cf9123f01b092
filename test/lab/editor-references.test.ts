// The editor features' lookups against a real registry, counted in its access log: one tag listing
// answers for every tag of a repository in a file, a rate-limited registry's automatic lookups stay
// within one listing and one manifest request per repository, and a cold hover costs one manifest
// request (plus one for an index's platform) while a warm one costs nothing.
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answerSourceFor, RegistryAnswers } from '../../src/common/registry-answers';
import * as core from '../../src/core/index';
import { createSession, type RegistrySession } from '../../src/core/registry/session';
import { fetchDetails } from '../../src/editors/image-features/details';
import { factsFor, pickedSite } from '../../src/editors/image-features/facts';
import { findImageReferences, type ReferenceSite } from '../../src/editors/references/index';
import { pushToRegistry, type SampleContent, seedSampleContent } from '../support/lab/content';
import { OciLayout } from '../support/lab/oci-layout';
import { Lab, type LabRegistry } from '../support/lab/registry';
import { isBlobRequest, isManifestRequest, isTagListing, requestMark, requestsSince } from '../support/lab/registry-requests';

describe('editor lookups against a lab registry (counted in its access log)', function () {
  let lab: Lab;
  let registry: LabRegistry;
  let content: SampleContent;
  let session: RegistrySession;

  before(async function () {
    this.timeout(180_000);
    lab = await Lab.create();
    registry = await lab.startRegistry({ name: 'editor' });
    content = await seedSampleContent(registry);
    session = createSession({ hostsDirectories: [] });
  });

  after(async () => {
    await session?.close();
    await lab?.stopAll();
  });

  const answersWith = (rateLimited: string[]): RegistryAnswers =>
    new RegistryAnswers(
      answerSourceFor(() => session),
      { ttlMs: 60_000, rateLimited: (h) => rateLimited.includes(h) },
    );
  const alpine = (tag: string): string => content.repositories.find((r) => r.name === 'library/alpine')!.tags[tag]!;
  /** What a hover shows for a site, asked of the lab registry. */
  const detailsOf = (site: ReferenceSite) =>
    fetchDetails({
      core,
      client: session.registry(site.parsed.registry),
      repository: session.registry(site.parsed.registry).repository(site.parsed.repository),
      reference: site.reference,
      pointer: site.parsed.tag!,
    });

  it('looks every tag of a repository up in one listing, and says which are missing, newer or moved', async () => {
    const host = registry.host;
    const compose = [
      'services:',
      ...['3.19', '3.20', '1.2.9', '1.2.10', 'latest'].map((t, i) => `  a${i}:\n    image: ${host}/library/alpine:${t}`),
      `  gone:\n    image: ${host}/library/alpine:9.9.9`,
      `  moved:\n    image: ${host}/library/alpine:latest@${alpine('3.19')}`,
      `  current:\n    image: ${host}/library/alpine:3.20@${alpine('3.20')}`,
      `  tag-gone:\n    image: ${host}/library/alpine:9.9.8@${alpine('3.19')}`,
      `  pin-gone:\n    image: ${host}/library/alpine:3.19@sha256:${'0'.repeat(64)}`,
      `  api:\n    image: ${host}/team-a/api:1.0.0`,
      `  nothing:\n    image: ${host}/team-a/nothing:1`,
      '',
    ].join('\n');
    const sites = findImageReferences(compose, '/compose.yaml');
    assert.equal(sites.length, 12);
    const answers = answersWith([]);
    const mark = requestMark(registry);
    const facts = await Promise.all(sites.map((s) => factsFor(s, answers, { asker: 'automatic' })));
    const byTag = Object.fromEntries(sites.map((s, i) => [s.written.slice(s.written.indexOf('/') + 1), facts[i]]));
    assert.deepEqual(byTag['library/alpine:1.2.9'], { state: 'found', newerTag: '1.2.10' });
    assert.deepEqual(byTag['library/alpine:3.19'], { state: 'found', newerTag: '3.20' });
    assert.deepEqual(byTag['library/alpine:3.20'], { state: 'found' });
    assert.deepEqual(byTag['library/alpine:9.9.9'], { state: 'missing', message: `Tag 9.9.9 does not exist in ${host}/library/alpine.` });
    assert.deepEqual(byTag[`library/alpine:latest@${alpine('3.19')}`], { state: 'found', tagDigest: alpine('latest') });
    assert.deepEqual(byTag[`library/alpine:3.20@${alpine('3.20')}`], { state: 'found', tagDigest: alpine('3.20') });
    // The digest is what gets pulled: it decides, and the tag's absence is a note.
    assert.deepEqual(byTag[`library/alpine:9.9.8@${alpine('3.19')}`], { state: 'found', tagGone: true });
    assert.deepEqual(byTag[`library/alpine:3.19@sha256:${'0'.repeat(64)}`], {
      state: 'missing',
      message: `Digest sha256:${'0'.repeat(64)} does not exist in ${host}/library/alpine.`,
    });
    assert.deepEqual(byTag['team-a/api:1.0.0'], { state: 'found', newerTag: '1.1.0' });
    assert.deepEqual(byTag['team-a/nothing:1'], { state: 'missing', message: `Repository team-a/nothing does not exist in ${host}.` });

    const seen = requestsSince(registry, mark);
    assert.equal(seen.filter(isTagListing('library/alpine')).length, 1, 'one listing for ten alpine references');
    assert.equal(seen.filter(isTagListing('team-a/api')).length, 1);
    assert.deepEqual(
      seen
        .filter(isManifestRequest('library/alpine'))
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
      [
        `HEAD /v2/library/alpine/manifests/${alpine('3.19')}`,
        'HEAD /v2/library/alpine/manifests/3.19',
        'HEAD /v2/library/alpine/manifests/3.20',
        'HEAD /v2/library/alpine/manifests/latest',
        `HEAD /v2/library/alpine/manifests/sha256:${'0'.repeat(64)}`,
      ].sort(),
      'manifest requests only for pinned tags, and for a pin its tag does not point at (once per digest)',
    );
  });

  it("keeps a rate-limited registry's automatic lookups to one listing and one manifest request per repository", async () => {
    const host = registry.host;
    const api = content.repositories.find((r) => r.name === 'team-a/api')!.tags;
    const file = [
      `FROM ${host}/team-a/api:1.0.0@${api['1.1.0']}`,
      `FROM ${host}/team-a/api:1.1.0@${api['1.0.0']}`,
      `FROM ${host}/team-a/api@${api['1.0.0']}`,
      `FROM ${host}/team-a/api:1.1.0`,
      `FROM ${host}/team-a/api:0.0.1`,
      '',
    ].join('\n');
    const sites = findImageReferences(file, '/Dockerfile');
    assert.equal(sites.length, 5);
    const answers = answersWith([host]);
    const mark = requestMark(registry);
    const facts = [];
    for (const site of sites) facts.push(await factsFor(site, answers, { asker: 'automatic' }));
    const seen = requestsSince(registry, mark);
    assert.equal(seen.filter(isTagListing('team-a/api')).length, 1);
    assert.equal(seen.filter(isManifestRequest('team-a/api')).length, 1, 'one manifest request, whatever the file holds');
    assert.deepEqual(
      facts.map((f) => f.state),
      ['found', 'found', 'deferred', 'found', 'missing'],
    );
    assert.deepEqual(facts[0], { state: 'found', newerTag: '1.1.0', tagDigest: api['1.0.0'] }, 'the budget went to the first pinned tag');
    assert.deepEqual(facts[1], { state: 'found' }, 'the second waits for the next period (or a person asking)');
    // A person asking is never held back, and the answer is kept for the lenses.
    const wanted = await answers.descriptor(host, 'team-a/api', '1.1.0', { asker: 'person' });
    assert.equal(wanted?.digest, api['1.1.0']);
  });

  it('describes an index in a cold hover with two manifest requests and its config, and a warm hover with none', async () => {
    const host = registry.host;
    const answers = answersWith([]);
    const hover = () =>
      answers.details(host, 'apps/web', 'v1\n', { asker: 'person' }, (signal) =>
        fetchDetails({
          core,
          client: session.registry(host),
          repository: session.registry(host).repository('apps/web'),
          reference: `${host}/apps/web:v1`,
          pointer: 'v1',
          platform: 'linux/arm64',
          signal,
        }),
      );
    const mark = requestMark(registry);
    const details = await hover();
    const cold = requestsSince(registry, mark);
    assert.equal(details?.digest, content.multiPlatform.digest);
    assert.equal(details?.kind, 'index');
    assert.deepEqual(
      details?.platforms.map((p) => p.platform),
      ['linux/amd64', 'linux/arm64/v8'],
    );
    assert.equal(details?.chosenPlatform, 'linux/arm64/v8');
    assert.ok(details?.platforms[1]?.size && details.size === details.platforms[1].size, 'the chosen platform has its size');
    assert.equal(details?.servedBy?.role, 'server');
    assert.equal(details?.servedBy?.origin, registry.url);
    assert.equal(cold.filter(isManifestRequest('apps/web')).length, 2, 'the index and one platform');
    assert.equal(cold.filter(isBlobRequest('apps/web')).length, 1, 'the config');
    const warmMark = requestMark(registry);
    await hover();
    assert.deepEqual(requestsSince(registry, warmMark), []);
  });

  it('describes a Helm chart in a hover from its config: its version, description and app version', async () => {
    const layout = await OciLayout.create(mkdtempSync(join(tmpdir(), 'chart-layout-')));
    const chart = await layout.helmChart({ name: 'shop', version: '0.3.0', appVersion: '2.4.1', description: 'A shop for the lab' });
    await pushToRegistry(layout, chart, registry, 'charts/shop:0.3.0');
    const [site] = findImageReferences(
      [
        'apiVersion: v2',
        'name: umbrella',
        'version: 1.0.0',
        'dependencies:',
        '  - name: shop',
        '    version: 0.3.0',
        `    repository: oci://${registry.host}/charts`,
        '',
      ].join('\n'),
      '/umbrella/Chart.yaml',
    );
    assert.ok(site, 'the dependency is a site');
    const details = await detailsOf(site);
    assert.equal(core.kindName(details.mediaType, details.artifactType), 'Helm chart');
    assert.equal(details.appVersion, '2.4.1');
    assert.deepEqual(details.labels, {
      'org.opencontainers.image.title': 'shop',
      'org.opencontainers.image.version': '0.3.0',
      'org.opencontainers.image.description': 'A shop for the lab',
    });
  });

  it('picks the tag a version range names, as Helm and Flux pick it, from one listing per repository', async () => {
    const layout = await OciLayout.create(mkdtempSync(join(tmpdir(), 'range-layout-')));
    // Helm pushes a version's + as _; a pre-release is left to ranges that ask for one.
    for (const version of ['1.2.0', '1.2.5', '1.3.0-rc.1', '1.4.0+build.2', '2.0.1']) {
      const chart = await layout.helmChart({ name: 'web', version, appVersion: '9' });
      await pushToRegistry(layout, chart, registry, `charts/web:${version.replace('+', '_')}`);
    }
    // Flux's OCIRepository reads tags leniently: v1.1 is 1.1.0.
    for (const tag of ['v1.0.0', 'v1.1', 'v2.0.0-rc.1']) {
      const artifact = await layout.helmChart({ name: 'config', version: '0.0.1' });
      await pushToRegistry(layout, artifact, registry, `deploy/config:${tag}`);
    }
    const dependency = (version: string) =>
      [`  - name: web`, `    version: "${version}"`, `    repository: oci://${registry.host}/charts`].join('\n');
    const chartYaml = [
      'apiVersion: v2',
      'name: umbrella',
      'version: 1.0.0',
      'dependencies:',
      ...['~1.2.0', '>=1.3.0-0, <2', '^1.4', '^3'].map(dependency),
      '',
    ].join('\n');
    const fluxAt = (semver: string, filter?: string) =>
      [
        'apiVersion: source.toolkit.fluxcd.io/v1',
        'kind: OCIRepository',
        'metadata:',
        '  name: config',
        'spec:',
        `  url: oci://${registry.host}/deploy/config`,
        '  ref:',
        `    semver: "${semver}"`,
        ...(filter !== undefined ? [`    semverFilter: '${filter}'`] : []),
        '',
      ].join('\n');
    // Helm reads no v-tags: a dependency on deploy/config finds no version at all.
    const vTags = [
      'apiVersion: v2',
      'name: v',
      'version: 1.0.0',
      'dependencies:',
      '  - name: config',
      '    version: ^1',
      `    repository: oci://${registry.host}/deploy`,
      '',
    ].join('\n');
    const sites = [
      ...findImageReferences(chartYaml, '/umbrella/Chart.yaml'),
      ...findImageReferences(fluxAt('1.x'), '/clusters/config.yaml'),
      ...findImageReferences(vTags, '/v/Chart.yaml'),
      // Flux matches each tag against semverFilter (a Go regular expression) before the range.
      ...findImageReferences(fluxAt('1.x', '^v1\\.0'), '/clusters/v10.yaml'),
      ...findImageReferences(fluxAt('>=1.0.0-0', '-rc'), '/clusters/rc.yaml'),
      ...findImageReferences(fluxAt('1.x', '^x'), '/clusters/none.yaml'),
    ];
    assert.deepEqual(
      sites.map((s) => s.versionRange?.text),
      ['~1.2.0', '>=1.3.0-0, <2', '^1.4', '^3', '1.x', '^1', '1.x', '>=1.0.0-0', '1.x'],
    );
    const answers = answersWith([]);
    const mark = requestMark(registry);
    const facts = await Promise.all(sites.map((s) => factsFor(s, answers, { asker: 'automatic' })));
    assert.deepEqual(facts, [
      { state: 'found', rangeTag: '1.2.5', newerTag: '2.0.1' },
      // Masterminds: every comparator of the range carries a pre-release, so pre-releases count.
      { state: 'found', rangeTag: '1.4.0_build.2', newerTag: '2.0.1' },
      { state: 'found', rangeTag: '1.4.0_build.2', newerTag: '2.0.1' },
      { state: 'missing', message: `No version of ${registry.host}/charts/web matches ^3. The newest is 2.0.1.` },
      { state: 'found', rangeTag: 'v1.1' },
      {
        state: 'missing',
        message: `No version of ${registry.host}/deploy/config matches ^1. None of its tags is a version as Helm reads them (SemVer, with no v before it).`,
      },
      // Without the filter 1.x picks v1.1; among the tags it keeps, v1.0.0.
      { state: 'found', rangeTag: 'v1.0.0' },
      { state: 'found', rangeTag: 'v2.0.0-rc.1' },
      {
        state: 'missing',
        message: `No version of ${registry.host}/deploy/config among the tags its filter ^x keeps matches 1.x. The filter keeps none of its tags.`,
      },
    ]);
    const requests = requestsSince(registry, mark);
    assert.equal(requests.filter(isTagListing('charts/web')).length, 1, 'one listing answers every range of a repository');
    assert.equal(requests.filter(isTagListing('deploy/config')).length, 1, 'filters read the same listing');
    assert.equal(requests.filter(isManifestRequest('charts/web')).length, 0, 'a range is picked from the listing alone');
    // The hover describes the picked tag: its chart says the version.
    const details = await detailsOf(pickedSite(sites[0]!, '1.2.5'));
    assert.equal(details.reference, `${registry.host}/charts/web:1.2.5`);
    assert.equal(details.labels['org.opencontainers.image.version'], '1.2.5');
  });
});
