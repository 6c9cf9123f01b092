import { strict as assert } from 'node:assert';
import { requestTarget, RequestTally } from '../../../src/common/request-tally';

describe('request tally', () => {
  it('reads what a request was about from its URL', () => {
    assert.deepEqual(requestTarget('http://r:5000/v2/team/app/tags/list?n=100'), { repository: 'team/app', resource: 'tags list' });
    assert.deepEqual(requestTarget('https://r/v2/a/b/c/manifests/latest'), { repository: 'a/b/c', resource: 'manifest' });
    assert.deepEqual(requestTarget('https://r/v2/app/blobs/sha256:abc'), { repository: 'app', resource: 'blob' });
    assert.deepEqual(requestTarget('https://r/v2/app/referrers/sha256:abc'), { repository: 'app', resource: 'referrers' });
    assert.deepEqual(requestTarget('https://r/v2/_catalog?n=100&last=x'), { repository: undefined, resource: 'catalog' });
    assert.equal(requestTarget('https://r/v2/'), undefined);
    assert.equal(requestTarget('https://r/v2/app/blobs/uploads/1234'), undefined);
    assert.equal(requestTarget('not a url'), undefined);
  });

  it('writes one line per repository once its requests stop, and nothing for requests nobody watched', async () => {
    const lines: string[] = [];
    const tally = new RequestTally((line) => lines.push(line), 30);
    tally.watch('team/app', 'r/team/app');
    tally.record('GET', 'http://r/v2/team/app/tags/list');
    tally.record('HEAD', 'http://r/v2/team/app/manifests/a');
    tally.record('HEAD', 'http://r/v2/team/app/manifests/b');
    tally.record('HEAD', 'http://r/v2/other/manifests/b');
    assert.deepEqual(lines, [], 'not while requests are still coming');
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(lines, ['r/team/app: 3 requests to the registry (1 GET tags list, 2 HEAD manifest)']);
    tally.record('HEAD', 'http://r/v2/team/app/manifests/c');
    tally.watch('team/app', 'r/team/app');
    tally.flush();
    assert.equal(lines.length, 1, 'a count with no request writes nothing');
  });
});
