import assert from 'node:assert/strict';
import fc from 'fast-check';
import { coversScopes, describeScopes, mergeScopes, parseScope, scopeKey, scopesFor } from '../../../../src/core/auth/scope';

describe('auth scope: scopesFor', () => {
  it('asks pull for GET and HEAD', () => {
    assert.deepEqual(scopesFor({ method: 'GET', repository: 'team/app' }), ['repository:team/app:pull']);
    assert.deepEqual(scopesFor({ method: 'HEAD', repository: 'team/app' }), ['repository:team/app:pull']);
  });

  it('asks pull and push for POST, PUT and PATCH', () => {
    for (const method of ['POST', 'PUT', 'PATCH'] as const) {
      assert.deepEqual(scopesFor({ method, repository: 'a' }), ['repository:a:pull,push'], method);
    }
  });

  it('asks delete for DELETE', () => {
    assert.deepEqual(scopesFor({ method: 'DELETE', repository: 'a' }), ['repository:a:delete']);
  });

  it('asks registry:catalog:* for the catalog', () => {
    assert.deepEqual(scopesFor({ method: 'GET', catalog: true }), ['registry:catalog:*']);
  });

  it('adds pull on the source repository of a mount', () => {
    assert.deepEqual(scopesFor({ method: 'POST', repository: 'dest', mountFrom: 'src/app' }), [
      'repository:dest:pull,push',
      'repository:src/app:pull',
    ]);
    // A mount from the same repository collapses into one entry.
    assert.deepEqual(scopesFor({ method: 'POST', repository: 'a', mountFrom: 'a' }), ['repository:a:pull,push']);
  });

  it('asks nothing for the API root', () => {
    assert.deepEqual(scopesFor({ method: 'GET' }), []);
  });
});

describe('auth scope: parse, merge and key', () => {
  it('parses type:name:actions with a colon inside the name', () => {
    assert.deepEqual(parseScope('repository:localhost:5000/app:pull,push'), {
      type: 'repository',
      name: 'localhost:5000/app',
      actions: ['pull', 'push'],
    });
    assert.equal(parseScope('repository:app'), undefined);
    assert.equal(parseScope('repository:app:'), undefined);
    assert.equal(parseScope(':app:pull'), undefined);
  });

  it('merges the actions of one resource and sorts', () => {
    assert.deepEqual(mergeScopes(['repository:a:push'], ['repository:a:pull']), ['repository:a:pull,push']);
    assert.deepEqual(mergeScopes(['repository:b:pull', 'repository:a:pull', 'repository:a:pull']), [
      'repository:a:pull',
      'repository:b:pull',
    ]);
    assert.deepEqual(mergeScopes(['repository:a:push,pull', 'repository:a:delete']), ['repository:a:delete,pull,push']);
  });

  it('splits space-separated scope strings (as a challenge sends them)', () => {
    assert.deepEqual(mergeScopes(['repository:a:pull repository:b:push']), ['repository:a:pull', 'repository:b:push']);
  });

  it('keeps scopes it cannot parse verbatim, once', () => {
    assert.deepEqual(mergeScopes(['weird', 'weird', 'repository:a:pull']), ['repository:a:pull', 'weird']);
  });

  it('gives one key for the same access however it is written', () => {
    assert.equal(scopeKey(['repository:a:pull', 'repository:a:push']), 'repository:a:pull,push');
    assert.equal(scopeKey(['repository:a:push,pull']), scopeKey(['repository:a:pull', 'repository:a:push', 'repository:a:pull']));
    assert.notEqual(scopeKey(['repository:a:pull']), scopeKey(['repository:a:pull,push']));
    assert.equal(scopeKey([]), '');
  });

  it('is order-insensitive and idempotent (property)', () => {
    const scope = fc
      .tuple(
        fc.constantFrom('repository', 'registry'),
        fc.constantFrom('a', 'b/c', 'catalog'),
        fc.subarray(['pull', 'push', 'delete', '*'], { minLength: 1 }),
      )
      .map(([t, n, actions]) => `${t}:${n}:${actions.join(',')}`);
    fc.assert(
      fc.property(fc.array(scope, { maxLength: 8 }), (scopes) => {
        const key = scopeKey(scopes);
        assert.equal(scopeKey([...scopes].reverse()), key);
        assert.equal(scopeKey(mergeScopes(scopes)), key);
        assert.equal(scopeKey([...scopes, ...scopes]), key);
        assert.ok(coversScopes(mergeScopes(scopes), scopes));
      }),
    );
  });

  it('knows when one scope set covers another', () => {
    assert.ok(coversScopes(['repository:a:pull,push'], ['repository:a:pull']));
    assert.ok(!coversScopes(['repository:a:pull'], ['repository:a:pull,push']));
    assert.ok(!coversScopes(['repository:a:pull'], ['repository:b:pull']));
  });

  it('describes scopes in words', () => {
    assert.equal(describeScopes(['repository:a:pull', 'repository:a:push']), 'pull and push repository a');
    assert.equal(describeScopes(['registry:catalog:*']), 'the catalog');
    assert.equal(describeScopes([]), 'the registry');
  });
});

describe('auth scope: edges a registry or a caller can send', () => {
  it('asks nothing for an empty repository or an empty mount source', () => {
    assert.deepEqual(scopesFor({ method: 'GET', repository: '' }), []);
    assert.deepEqual(scopesFor({ method: 'POST', repository: 'a', mountFrom: '' }), ['repository:a:pull,push']);
  });

  it('refuses a scope with an empty name or no action, and drops empty actions', () => {
    assert.equal(parseScope('repository::pull'), undefined);
    assert.equal(parseScope('repository:a:,'), undefined);
    assert.deepEqual(parseScope('repository:a/b:pull,,push')?.actions, ['pull', 'push']);
  });

  it('ignores repeated spaces between the scopes of a challenge', () => {
    assert.deepEqual(mergeScopes(['repository:a:pull  repository:b:pull ']), ['repository:a:pull', 'repository:b:pull']);
  });

  it('never gives two different scope sets one token key', () => {
    assert.notEqual(scopeKey(['a', 'bc']), scopeKey(['ab', 'c']));
  });

  it('says in words what a refused request asked for', () => {
    assert.equal(describeScopes([]), 'the registry');
    assert.equal(describeScopes(['opaque-scope']), 'opaque-scope');
    assert.equal(describeScopes(['registry:catalog:*']), 'the catalog');
    assert.equal(describeScopes(['registry:other:*']), 'full access to registry other');
    assert.equal(describeScopes(['repository:catalog:pull']), 'pull repository catalog');
    assert.equal(describeScopes(['repository:a:pull,push', 'repository:b:delete']), 'pull and push repository a, delete repository b');
  });
});
