// A challenge's scope list from header to token request, against plain reference models: the
// repeated `scope=` parameters joined, the scopes merged, and the token GET's query. The hostile
// case is a header of thousands of scopes, most of them one repository with different actions.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { Authorizer } from '../../../../src/core/auth/authorizer';
import { parseChallenges, pickChallenge } from '../../../../src/core/auth/challenge';
import { mergeScopes } from '../../../../src/core/auth/scope';
import { fetchToken } from '../../../../src/core/auth/token';
import type { HttpRequest, HttpResponse } from '../../../../src/core/transport/http';

/** What one challenge's repeated `scope=` values become: each repeat is `(previous + " " + next).trim()`. */
function joinModel(values: readonly string[]): string {
  return values.reduce((previous, next) => `${previous} ${next}`.trim());
}

/** mergeScopes written the obvious way: arrays searched from the start, sorted at the end. */
function mergeModel(...lists: readonly (readonly string[])[]): string[] {
  const resources: { resource: string; actions: string[] }[] = [];
  const opaque: string[] = [];
  for (const scope of lists.flat().flatMap((raw) => raw.split(' '))) {
    if (scope === '') continue;
    // type (no colon) : name (anything, colons too) : actions (no colon), as parseScope splits it.
    const m = /^([^:]+):(.+):([^:]+)$/s.exec(scope);
    const actions = m ? m[3]!.split(',').filter((a) => a !== '') : [];
    if (!m || actions.length === 0) {
      if (!opaque.includes(scope)) opaque.push(scope);
      continue;
    }
    const resource = `${m[1]}:${m[2]}`;
    let entry = resources.find((r) => r.resource === resource);
    if (!entry) resources.push((entry = { resource, actions: [] }));
    for (const a of actions) if (!entry.actions.includes(a)) entry.actions.push(a);
  }
  return [...resources.map((r) => `${r.resource}:${[...r.actions].sort().join(',')}`), ...opaque].sort();
}

/** The token GET's URL built one change at a time through url.searchParams. */
function getUrlModel(realm: string, service: string | undefined, scopes: readonly string[], account: string | undefined): string {
  const url = new URL(realm);
  if (service !== undefined && service !== '') url.searchParams.set('service', service);
  for (const scope of scopes) url.searchParams.append('scope', scope);
  if (account !== undefined) url.searchParams.set('account', account);
  return url.href;
}

const quote = (v: string): string => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/** Records the token requests and answers each with a token. */
function tokenServer(): { seen: HttpRequest[]; send: (req: HttpRequest) => Promise<HttpResponse> } {
  const seen: HttpRequest[] = [];
  return {
    seen,
    send: async (req) => {
      seen.push(req);
      const text = JSON.stringify({ token: `tok-${seen.length}`, expires_in: 300 });
      const body = Readable.from([Buffer.from(text)]) as HttpResponse['body'];
      Object.assign(body, { text: async () => text, json: async () => JSON.parse(text) as unknown, dump: async () => undefined });
      return { status: 200, url: new URL(req.url.href), headers: {}, body };
    },
  };
}

const REGISTRY = { host: 'registry.example.com', scheme: 'https' as const };
const REALM = 'https://auth.example.com/token';

/** Text with the characters trim() and the scope grammar care about, quoted-string safe. */
const valueText = fc.string({
  maxLength: 12,
  unit: fc.constantFrom('a', 'b', ':', ',', '/', ' ', ' ', '\t', '\u00a0', '\u2028', '\u3000', '\ufeff', '"', '\\', '=', 'é', '*'),
});

describe('auth scopes: repeated scope= parameters (property, against a reference model)', () => {
  it('joins each challenge repeated scope values as (previous + " " + next).trim() would, and keeps the order of names', () => {
    const param = fc.record({
      name: fc.constantFrom('scope', 'Scope', 'SCOPE', 'realm', 'service', 'error'),
      value: valueText,
      bare: fc.boolean(),
    });
    const challenge = fc.record({ scheme: fc.constantFrom('Bearer', 'Basic', 'Other'), params: fc.array(param, { maxLength: 10 }) });
    fc.assert(
      fc.property(fc.array(challenge, { minLength: 1, maxLength: 3 }), (challenges) => {
        const expected = challenges.map((c) => {
          const values = new Map<string, string[]>();
          const kept = c.params.filter((p) => {
            const name = p.name.toLowerCase();
            // Only scope may repeat: a second realm, service or error is dropped from the header.
            if (values.has(name) && name !== 'scope') return false;
            values.set(name, [...(values.get(name) ?? []), p.value]);
            return true;
          });
          const params: Record<string, string> = {};
          for (const [name, vs] of values) params[name] = joinModel(vs);
          return { kept, expected: { scheme: c.scheme.toLowerCase(), params } };
        });
        const header = expected
          .map(({ kept }, i) => {
            const text = kept.map((p) => `${p.name}=${p.bare && /^[a-z:/*]+$/.test(p.value) ? p.value : quote(p.value)}`);
            return text.length === 0 ? challenges[i]!.scheme : `${challenges[i]!.scheme} ${text.join(', ')}`;
          })
          .join(', ');
        const parsed = parseChallenges(header);
        assert.deepEqual(
          parsed,
          expected.map((e) => e.expected),
        );
        // The same, with each challenge in a header value of its own.
        assert.deepEqual(parseChallenges(header.split(/, (?=Bearer|Basic|Other)/)), parsed);
        for (const [i, c] of parsed.entries()) assert.deepEqual(Object.keys(c.params), Object.keys(expected[i]!.expected.params));
      }),
      { numRuns: 500 },
    );
  });

  it('merges scopes as the reference model does', () => {
    const scope = fc.oneof(
      fc
        .tuple(
          fc.constantFrom('repository', 'registry', 'r'),
          fc.constantFrom('a', 'b/c', 'host:5000/x', ''),
          fc.array(fc.constantFrom('pull', 'push', '*', 'delete', ''), { maxLength: 4 }),
        )
        .map(([t, n, actions]) => `${t}:${n}:${actions.join(',')}`),
      fc.string({ maxLength: 10, unit: fc.constantFrom('a', ':', ',', ' ', '*', '\n') }),
    );
    fc.assert(
      fc.property(fc.array(fc.array(scope, { maxLength: 8 }), { maxLength: 3 }), (lists) => {
        assert.deepEqual(mergeScopes(...lists), mergeModel(...lists));
      }),
      { numRuns: 500 },
    );
  });
});

describe('auth scopes: the token GET query (property, against a reference model)', () => {
  it('builds the same URL as changing url.searchParams one scope at a time', async () => {
    const query = fc
      .array(fc.constantFrom('a', '=', '&', '+', '%20', '%', ' ', 'é', '?', '/', 'service=s0', 'account=a0', 'scope=z', 'scope='), {
        maxLength: 8,
      })
      .map((parts) => parts.join(''));
    const input = fc.record({
      query: fc.option(query, { nil: undefined }),
      fragment: fc.option(fc.constantFrom('f', 'a b', ''), { nil: undefined }),
      service: fc.option(fc.constantFrom('', 'registry.example.com', 'a b&c=d+é'), { nil: undefined }),
      scopes: fc.array(fc.constantFrom('repository:a:pull', 'repository:a b:pull,push', 'x&y=z', '+%20', 'é#'), { maxLength: 5 }),
      account: fc.option(fc.constantFrom('alice', 'a&b=c d'), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(input, async ({ query: q, fragment, service, scopes, account }) => {
        const realm = `${REALM}${q === undefined ? '' : `?${q}`}${fragment === undefined ? '' : `#${fragment}`}`;
        const server = tokenServer();
        const credential = account === undefined ? undefined : { username: account, password: 'pw', source: 'test' };
        await fetchToken({ realm, service, scopes, registry: REGISTRY, credential, send: server.send });
        assert.equal(server.seen[0]?.url.href, getUrlModel(realm, service, scopes, account));
      }),
      { numRuns: 300 },
    );
  });
});

describe('auth scopes: a hostile challenge of thousands of scopes', () => {
  // 2,000 scope= parameters and one quoted scope of 4,000 entries: most ask for one repository with
  // a different action each, some for other repositories, some are blank, padded or opaque.
  const values: string[] = [];
  for (let i = 0; i < 2000; i++) {
    if (i % 10 === 0) values.push(`repository:r${i}:pull`);
    else if (i % 10 === 1) values.push(i % 20 === 1 ? '' : `  \t repository:team/app:a${i}\u00a0 `);
    else if (i % 10 === 2) values.push(`opaque-${i % 7}`);
    else values.push(`repository:team/app:a${i % 300},b${i}`);
  }
  values.push(Array.from({ length: 4000 }, (_, i) => `repository:team/app:c${i % 500}`).join(' '));
  const realm = `${REALM}?client=x&scope=kept`;
  const header = `Bearer realm="${realm}",service="registry.example.com",error="insufficient_scope",${values.map((v) => `scope=${quote(v)}`).join(',')}`;

  it('parses and merges it as the reference models do', () => {
    const picked = pickChallenge(parseChallenges(header));
    assert.equal(picked?.scheme, 'bearer');
    const joined = joinModel(values);
    assert.deepEqual(
      picked.bearer.scopes,
      joined.split(' ').filter((s) => s !== ''),
    );
    assert.ok(picked.bearer.scopes.length > 5000);
    const merged = mergeScopes(['repository:team/app:pull'], picked.bearer.scopes);
    assert.deepEqual(merged, mergeModel(['repository:team/app:pull'], picked.bearer.scopes));
    // team/app once with every action, 200 other repositories, 7 opaque strings and a tab (a padded
    // value's leading "\t" stays between the spaces it is joined with, and a space-split keeps it).
    assert.equal(merged.length, 1 + 200 + 7 + 1);
    assert.ok(merged.includes('\t'));
  });

  it('asks the token server for the merged scopes, in order, after the realm own query', async () => {
    const server = tokenServer();
    const auth = new Authorizer({ host: REGISTRY.host, scheme: 'https', credentials: async () => undefined, send: server.send });
    const requested = ['repository:team/app:pull'];
    const retry = await auth.challenged({ status: 401, headers: { 'www-authenticate': header } }, requested, undefined);
    assert.equal(retry, true);
    const wanted = mergeModel(requested, joinModel(values).split(' '));
    assert.equal(server.seen.length, 1);
    assert.equal(server.seen[0]?.url.href, getUrlModel(realm, 'registry.example.com', wanted, undefined));
    assert.deepEqual(server.seen[0]?.url.searchParams.getAll('scope'), ['kept', ...wanted]);
  });
});
