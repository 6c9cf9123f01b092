import { strict as assert } from 'node:assert';
import type { Descriptor } from '../../../src/core/index';
import { type AnswerSource, RegistryAnswers, type TagListing } from '../../../src/common/registry-answers';

/**
 * A source that answers after a tick, recording every request it gets, and that honours its
 * abort signal the way the core does (a CANCELLED error).
 */
class CountingSource implements AnswerSource {
  readonly requests: string[] = [];
  aborted = 0;
  failWith: Error | undefined;

  listTags(host: string, repository: string, signal: AbortSignal): Promise<TagListing> {
    this.requests.push(`tags ${host}/${repository}`);
    return this.later(signal, { tags: ['1.0', '1.1'], complete: true });
  }

  resolve(host: string, repository: string, reference: string, signal: AbortSignal): Promise<Descriptor> {
    this.requests.push(`manifest ${host}/${repository}:${reference}`);
    return this.later(signal, { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 1 });
  }

  private later<T>(signal: AbortSignal, value: T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => (this.failWith ? reject(this.failWith) : resolve(value)), 5);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        this.aborted++;
        reject(Object.assign(new Error('cancelled'), { code: 'CANCELLED' }));
      });
    });
  }
}

function setup(rateLimited: string[] = []): { source: CountingSource; answers: RegistryAnswers; clock: { now: number } } {
  const source = new CountingSource();
  const clock = { now: 1_000_000 };
  const answers = new RegistryAnswers(source, { ttlMs: 60_000, rateLimited: (h) => rateLimited.includes(h) }, () => clock.now);
  return { source, answers, clock };
}

const auto = { asker: 'automatic' as const };
const person = { asker: 'person' as const };

describe('RegistryAnswers', () => {
  it('shares one request among concurrent askers', async () => {
    const { source, answers } = setup();
    const all = await Promise.all([1, 2, 3].map(() => answers.tags('ghcr.io', 'acme/api', auto)));
    assert.deepEqual(source.requests, ['tags ghcr.io/acme/api']);
    assert.deepEqual(
      all.map((t) => t?.tags),
      [
        ['1.0', '1.1'],
        ['1.0', '1.1'],
        ['1.0', '1.1'],
      ],
    );
  });

  it('keeps an answer for the configured time, then asks again', async () => {
    const { source, answers, clock } = setup();
    await answers.descriptor('ghcr.io', 'acme/api', '1.0', person);
    clock.now += 59_000;
    await answers.descriptor('ghcr.io', 'acme/api', '1.0', person);
    assert.equal(source.requests.length, 1);
    assert.ok(answers.peekDescriptor('ghcr.io', 'acme/api', '1.0'));
    clock.now += 2_000;
    assert.equal(answers.peekDescriptor('ghcr.io', 'acme/api', '1.0'), undefined);
    await answers.descriptor('ghcr.io', 'acme/api', '1.0', person);
    assert.equal(source.requests.length, 2);
  });

  it('keeps a failure for the same time: a registry that refuses is not asked on every scroll', async () => {
    const { source, answers } = setup();
    source.failWith = Object.assign(new Error('needs a login'), { code: 'NEEDS_LOGIN' });
    await assert.rejects(answers.tags('ghcr.io', 'acme/private', auto), /needs a login/);
    await assert.rejects(answers.tags('ghcr.io', 'acme/private', auto), /needs a login/);
    assert.equal(source.requests.length, 1);
  });

  it('goes on for the askers that stay, and stops the request when every one has gone', async () => {
    const { source, answers } = setup();
    const leaving = new AbortController();
    const first = answers.tags('ghcr.io', 'acme/api', { ...person, signal: leaving.signal });
    const second = answers.tags('ghcr.io', 'acme/api', person);
    leaving.abort();
    await assert.rejects(first, (e: { code?: string }) => e.code === 'CANCELLED');
    assert.deepEqual((await second)?.tags, ['1.0', '1.1']);
    assert.equal(source.aborted, 0);

    const alone = new AbortController();
    const only = answers.descriptor('ghcr.io', 'acme/api', '1.1', { ...person, signal: alone.signal });
    alone.abort();
    await assert.rejects(only, (e: { code?: string }) => e.code === 'CANCELLED');
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(source.aborted, 1, 'the request nobody waits for is aborted');
    // Nothing cancelled is kept: the next asker sends the request again.
    await answers.descriptor('ghcr.io', 'acme/api', '1.1', person);
    assert.equal(source.requests.filter((r) => r.endsWith(':1.1')).length, 2);
  });

  it('spends at most one listing and one manifest request per repository and period on a rate-limited registry, for lookups nobody asked for', async () => {
    const { source, answers, clock } = setup(['docker.io']);
    assert.ok(await answers.tags('docker.io', 'library/nginx', auto));
    assert.ok(await answers.descriptor('docker.io', 'library/nginx', '1.25', auto));
    assert.equal(await answers.descriptor('docker.io', 'library/nginx', '1.24', auto), undefined, 'a second manifest request waits');
    assert.ok(await answers.descriptor('docker.io', 'library/redis', '7', auto), 'another repository has its own budget');
    assert.ok(await answers.descriptor('ghcr.io', 'acme/api', '1.0', auto), 'other registries are not budgeted');
    assert.ok(await answers.descriptor('ghcr.io', 'acme/api', '1.1', auto));
    assert.ok(await answers.descriptor('docker.io', 'library/nginx', '1.23', person), 'a person asking is never refused');
    assert.deepEqual(source.requests, [
      'tags docker.io/library/nginx',
      'manifest docker.io/library/nginx:1.25',
      'manifest docker.io/library/redis:7',
      'manifest ghcr.io/acme/api:1.0',
      'manifest ghcr.io/acme/api:1.1',
      'manifest docker.io/library/nginx:1.23',
    ]);
    clock.now += 61_000;
    assert.ok(await answers.descriptor('docker.io', 'library/nginx', '1.24', auto), 'the next period has a new budget');
  });

  it('forgets one registry, or everything', async () => {
    const { source, answers } = setup();
    await answers.tags('ghcr.io', 'acme/api', auto);
    await answers.tags('quay.io', 'acme/api', auto);
    answers.forget('GHCR.io');
    assert.equal(answers.peekTags('ghcr.io', 'acme/api'), undefined);
    assert.ok(answers.peekTags('quay.io', 'acme/api'));
    answers.forget();
    assert.equal(answers.peekTags('quay.io', 'acme/api'), undefined);
    assert.equal(source.requests.length, 2);
  });

  it('uses what another request learnt about a tag instead of asking', async () => {
    const { source, answers } = setup();
    answers.remember('ghcr.io', 'acme/api', '1.0', { mediaType: 'x', digest: `sha256:${'b'.repeat(64)}`, size: 2 });
    assert.equal((await answers.descriptor('ghcr.io', 'acme/api', '1.0', auto))?.digest, `sha256:${'b'.repeat(64)}`);
    assert.deepEqual(source.requests, []);
  });
});
