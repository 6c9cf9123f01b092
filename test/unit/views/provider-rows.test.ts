import { strict as assert } from 'node:assert';
import type { Page } from '../../../src/views/pager';
import { CoreError, type ProviderClient, type RepositoryDetails } from '../../../src/core/index';
import {
  orderRepositories,
  pullLimitNote,
  repositoryListing,
  repositoryNote,
  repositoryTooltipLines,
} from '../../../src/views/provider-rows';

/** A provider whose listing is the given pages, then `end` (an error, or nothing). */
function providerOf(pages: RepositoryDetails[][], end?: Error): ProviderClient {
  return {
    info: {
      id: 'github',
      name: 'GitHub Container Registry',
      chosenBy: 'host',
      signIn: { kind: 'password' },
      reportsLastPush: true,
      webPages: true,
    },
    async *listRepositories() {
      for (const page of pages) yield page;
      if (end) throw end;
    },
    account: async () => undefined,
    webPage: () => undefined,
  };
}

async function collect(listing: AsyncIterable<Page<string>>): Promise<string[][]> {
  const out: string[][] = [];
  for await (const page of listing) out.push([...page.names]);
  return out;
}

describe('views/provider-rows', () => {
  const now = Date.parse('2026-11-23T12:00:00Z');

  it('lists the pinned repositories first, then the provider’s pages without them, keeping the details', async () => {
    const details = new Map<string, RepositoryDetails>();
    const pages = await collect(
      repositoryListing(
        providerOf([[{ name: 'o/a', lastPush: 1 }, { name: 'o/pinned' }], [{ name: 'o/b' }]]),
        ['o/pinned', 'library/alpine'],
        100,
        details,
      ),
    );
    assert.deepEqual(pages, [['o/pinned', 'library/alpine'], ['o/a'], ['o/b']]);
    assert.deepEqual([...details.keys()], ['o/a', 'o/pinned', 'o/b']);
  });

  it('ends quietly after the pinned repositories when the registry has no catalog, and not otherwise', async () => {
    const noCatalog = new CoreError('CATALOG_UNSUPPORTED', 'no catalog');
    assert.deepEqual(await collect(repositoryListing(providerOf([], noCatalog), ['o/p'], 100, new Map())), [['o/p']]);
    await assert.rejects(collect(repositoryListing(providerOf([], noCatalog), [], 100, new Map())), /no catalog/);
    await assert.rejects(
      collect(repositoryListing(providerOf([], new CoreError('NEEDS_LOGIN', 'sign in')), ['o/p'], 100, new Map())),
      /sign in/,
    );
  });

  it('orders by name or by last push, latest first, pinned first either way', () => {
    const details = new Map<string, RepositoryDetails>([
      ['o/old', { name: 'o/old', lastPush: 1 }],
      ['o/new', { name: 'o/new', lastPush: 3 }],
      ['o/mid', { name: 'o/mid', lastPush: 2 }],
    ]);
    const names = ['o/old', 'o/unknown', 'o/new', 'o/pin', 'o/mid'];
    assert.deepEqual(
      orderRepositories(names, ['o/pin'], 'name', (n) => details.get(n)),
      ['o/pin', 'o/mid', 'o/new', 'o/old', 'o/unknown'],
    );
    assert.deepEqual(
      orderRepositories(names, ['o/pin'], 'lastPush', (n) => details.get(n)),
      ['o/pin', 'o/new', 'o/mid', 'o/old', 'o/unknown'],
    );
    assert.deepEqual(
      orderRepositories(['a'], ['not-loaded'], 'name', () => undefined),
      ['a'],
      'a pinned name not in the list is not invented',
    );
  });

  it('words what the provider adds to a repository row', () => {
    assert.equal(
      repositoryNote({ name: 'o/a', lastPush: now - 3 * 86400_000, visibility: 'private', pullCount: 1234 }, now),
      'pushed 3 days ago · private · 1.2k pulls',
    );
    assert.equal(repositoryNote({ name: 'o/a', visibility: 'public' }, now), undefined, 'public is the usual case: not said');
    const pulls = (n: number) => repositoryNote({ name: 'o/a', pullCount: n }, now);
    assert.deepEqual(
      [999, 9_949, 9_960, 999_499, 999_500, 999_999, 1_000_000, 1_250_000, 999_499_999, 999_500_000, 2_500_000_000].map(pulls),
      ['999', '9.9k', '10k', '999k', '1M', '1M', '1M', '1.3M', '999M', '1B', '2.5B'].map((c) => `${c} pulls`),
      'a count that rounds to 1000 of a unit is said in the next one',
    );
    assert.equal(repositoryNote(undefined), undefined);
    assert.deepEqual(repositoryTooltipLines({ name: 'o/a', description: 'An app', lastPush: 0, tagCount: 3 }), [
      'An app',
      'Last push: 1970-01-01T00:00:00.000Z',
      'Tags: 3',
    ]);
    // GitHub's version_count and Harbor's artifact_count count manifests (platform images,
    // attestations, untagged ones), not tags: each is named for what it counts.
    assert.deepEqual(repositoryTooltipLines({ name: 'o/a', versionCount: 10 }), ['Versions: 10 (every manifest, tagged or not)']);
    assert.deepEqual(repositoryTooltipLines({ name: 'o/a', artifactCount: 4 }), ['Artifacts: 4']);
    assert.equal(pullLimitNote({ limit: 100, remaining: 76, windowSeconds: 21600, seenAt: now }), '76/100 pulls left');
  });
});
