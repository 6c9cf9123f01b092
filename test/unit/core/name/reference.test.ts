import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ParseError } from '../../../../src/core/errors';
import {
  familiarName,
  familiarString,
  formatReference,
  parseReference,
  splitHostPort,
  validateRepositoryName,
  validateTag,
  type Reference,
} from '../../../../src/core/name/reference';
import { registryApiHost } from '../../../../src/core/name/docker-hub';
import { throwsAt } from '../../support/parse-assert';

const SHA256 = `sha256:${'a'.repeat(64)}`;
const SHA512 = `sha512:${'0123456789abcdef'.repeat(8)}`;

/** Asserts `fn` throws a ParseError at `position` whose message matches `message`. */

/** Runs `fn` and accepts a value or a ParseError whose position lies within the input. */
function parsesOrParseError(input: string, fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ParseError)) throw new Error(`non-ParseError for ${JSON.stringify(input)}: ${String(e)}`);
    if (e.position !== undefined)
      assert.ok(e.position >= 0 && e.position <= input.length, `position ${e.position} outside ${JSON.stringify(input)}`);
  }
}

describe('reference: parseReference', () => {
  const cases: [string, Reference][] = [
    ['alpine', { registry: 'docker.io', repository: 'library/alpine' }],
    ['alpine:3.20', { registry: 'docker.io', repository: 'library/alpine', tag: '3.20' }],
    ['library/alpine', { registry: 'docker.io', repository: 'library/alpine' }],
    ['bitnami/redis:7', { registry: 'docker.io', repository: 'bitnami/redis', tag: '7' }],
    ['docker.io/alpine', { registry: 'docker.io', repository: 'library/alpine' }],
    ['index.docker.io/alpine:edge', { registry: 'docker.io', repository: 'library/alpine', tag: 'edge' }],
    ['index.docker.io/foo/bar', { registry: 'docker.io', repository: 'foo/bar' }],
    ['localhost/a', { registry: 'localhost', repository: 'a' }],
    ['localhost:5000/a', { registry: 'localhost:5000', repository: 'a' }],
    ['localhost:5000/a/b:v1', { registry: 'localhost:5000', repository: 'a/b', tag: 'v1' }],
    [`[::1]:5000/x:y@${SHA256}`, { registry: '[::1]:5000', repository: 'x', tag: 'y', digest: SHA256 }],
    ['[::1]/x', { registry: '[::1]', repository: 'x' }],
    ['[2001:db8::1]:443/ns/app', { registry: '[2001:db8::1]:443', repository: 'ns/app' }],
    [`ghcr.io/org/app@${SHA512}`, { registry: 'ghcr.io', repository: 'org/app', digest: SHA512 }],
    ['registry.example.com:443/a/b/c:v1.2.3', { registry: 'registry.example.com:443', repository: 'a/b/c', tag: 'v1.2.3' }],
    ['Registry.Example.com/app', { registry: 'Registry.Example.com', repository: 'app' }],
    ['10.0.0.5:5000/app', { registry: '10.0.0.5:5000', repository: 'app' }],
    ['a__b/c-d/e---f/g.h_i', { registry: 'docker.io', repository: 'a__b/c-d/e---f/g.h_i' }],
    ['alpine:_Latest-1.x', { registry: 'docker.io', repository: 'library/alpine', tag: '_Latest-1.x' }],
    // No "/": "localhost:5000" is a repository with a tag, as Docker reads it.
    ['localhost:5000', { registry: 'docker.io', repository: 'library/localhost', tag: '5000' }],
    [`alpine@${SHA256}`, { registry: 'docker.io', repository: 'library/alpine', digest: SHA256 }],
  ];
  for (const [input, want] of cases) {
    it(`parses ${input.length > 60 ? `${input.slice(0, 60)}…` : input}`, () => {
      assert.deepEqual(parseReference(input), want);
    });
  }

  it('uses defaultRegistry for names without a registry', () => {
    assert.deepEqual(parseReference('foo', { defaultRegistry: 'ghcr.io' }), { registry: 'ghcr.io', repository: 'foo' });
    assert.deepEqual(parseReference('foo', { defaultRegistry: 'index.docker.io' }), { registry: 'docker.io', repository: 'library/foo' });
    assert.deepEqual(parseReference('quay.io/foo', { defaultRegistry: 'ghcr.io' }), { registry: 'quay.io', repository: 'foo' });
    throwsAt(() => parseReference('foo', { defaultRegistry: 'bad_host' }), 3, /invalid default registry "bad_host"/);
  });

  it('accepts a 128-character tag and rejects 129', () => {
    const tag = `v${'x'.repeat(127)}`;
    assert.equal(parseReference(`a:${tag}`).tag, tag);
    throwsAt(() => parseReference(`a:${tag}y`), 2 + 128, /a tag is at most 128 characters but this one has 129/);
  });

  it('limits registry/repository to 255 characters', () => {
    const repo = `x/${'a'.repeat(255 - 'ghcr.io/'.length - 2)}`;
    assert.equal(parseReference(`ghcr.io/${repo}`).repository, repo);
    throwsAt(() => parseReference(`ghcr.io/${repo}b`), undefined, /256 characters long; the limit is 255/);
    // docker.io normalisation counts: "library/" is part of the name.
    throwsAt(() => parseReference('a'.repeat(240)), undefined, /the limit is 255/);
  });

  it('names and points at the bad character', () => {
    throwsAt(
      () => parseReference('Foo/bar'),
      0,
      'invalid reference "Foo/bar": repository names must be lowercase; "F" at position 0 is not allowed',
    );
    throwsAt(() => parseReference('ghcr.io/org/App'), 12, /repository names must be lowercase; "A" at position 12/);
    throwsAt(() => parseReference(''), 0, /it is empty/);
    throwsAt(() => parseReference('alpine:'), 7, /the tag after ":" is empty/);
    throwsAt(() => parseReference('alpine:-x'), 7, /"-" at position 7/);
    throwsAt(() => parseReference('alpine:a/b'), 7, /a port is a number; "a" at position 7/);
    throwsAt(() => parseReference('alpine:a+b'), 8, /"\+" at position 8/);
    throwsAt(() => parseReference('a//b'), 2, /empty path component; "\/" at position 2/);
    throwsAt(() => parseReference('a/'), 1, /cannot end with "\/"/);
    throwsAt(() => parseReference('/a'), 0, /empty path component/);
    throwsAt(() => parseReference('a-/b'), 1, /must end with a letter or digit; "-" at position 1/);
    throwsAt(() => parseReference('-a'), 0, /must start with a letter or digit/);
    throwsAt(() => parseReference('a___b'), 3, /"_" at position 3/);
    throwsAt(() => parseReference('a._b'), 2, /"_" at position 2/);
    throwsAt(() => parseReference('a_-b'), 2, /"-" at position 2/);
    throwsAt(() => parseReference('a.'), 1, /must end with a letter or digit/);
    throwsAt(() => parseReference(' alpine'), 0, /" " at position 0/);
    throwsAt(() => parseReference('alpine '), 6, /" " at position 6/);
    throwsAt(() => parseReference('al$pine'), 2, /"\$" at position 2 is not allowed/);
    throwsAt(() => parseReference('alpïne'), 3, /"ï" at position 3/);
    throwsAt(() => parseReference('exa_mple.com/a'), 3, /"_" at position 3/);
    throwsAt(() => parseReference('-bad.com/a'), 0, /cannot start with "-"/);
    throwsAt(() => parseReference('bad-.com/a'), 3, /cannot end with "-"/);
    throwsAt(() => parseReference('bad..com/a'), 4, /empty label/);
    throwsAt(() => parseReference('localhost:99999/a'), 10, /port 99999 is out of range/);
    throwsAt(() => parseReference('localhost:0/a'), 10, /cannot start with 0/);
    throwsAt(() => parseReference('localhost:/a'), 10, /the port after ":" is empty/);
    throwsAt(() => parseReference('localhost:50a0/a'), 12, /"a" at position 12/);
    throwsAt(() => parseReference('[::g]:5000/a'), 1, /is not an IPv6 address/);
    throwsAt(() => parseReference('[::1/a'), 0, /no closing "]"/);
    throwsAt(() => parseReference('[::1]x/a'), 5, /"x" at position 5/);
  });

  it('reports digest errors at their position in the reference', () => {
    throwsAt(() => parseReference('alpine@sha256:abc'), 17, /a sha256 digest has 64 hex characters but this one has 3/);
    throwsAt(() => parseReference(`alpine@sha256:${'A'.repeat(64)}`), 14, /digest hex must be lowercase; "A" at position 14/);
    const e = throwsAt(() => parseReference(`alpine@md5:${'a'.repeat(32)}`), 7, /unsupported digest algorithm "md5"/);
    assert.equal(e.code, 'UNSUPPORTED_DIGEST_ALGORITHM');
    throwsAt(() => parseReference('alpine@'), 7, /the digest is empty/);
    throwsAt(() => parseReference(`alpine@${SHA256}@x`), 7 + SHA256.length, /"@"/);
    throwsAt(() => parseReference(`@${SHA256}`), 0, /the repository name is empty/);
  });

  it('uses the INVALID_REFERENCE code', () => {
    assert.equal(throwsAt(() => parseReference('A'), 0).code, 'INVALID_REFERENCE');
  });
});

describe('reference: helpers', () => {
  it('formats canonically', () => {
    assert.equal(formatReference(parseReference('alpine')), 'docker.io/library/alpine');
    assert.equal(formatReference(parseReference(`localhost:5000/a:b@${SHA256}`)), `localhost:5000/a:b@${SHA256}`);
    assert.equal(formatReference(parseReference('index.docker.io/x/y:1')), 'docker.io/x/y:1');
  });

  it('gives familiar names', () => {
    assert.equal(familiarName(parseReference('docker.io/library/alpine:3')), 'alpine');
    assert.equal(familiarName(parseReference('bitnami/redis')), 'bitnami/redis');
    assert.equal(familiarName(parseReference('library/a/b')), 'library/a/b');
    assert.equal(familiarName(parseReference('ghcr.io/org/app:1')), 'ghcr.io/org/app');
    assert.equal(familiarName(parseReference('localhost:5000/library/x')), 'localhost:5000/library/x');
    assert.equal(familiarString(parseReference(`alpine:3@${SHA256}`)), `alpine:3@${SHA256}`);
    assert.equal(familiarString(parseReference('ghcr.io/a:b')), 'ghcr.io/a:b');
  });

  it('maps Docker Hub to its API host', () => {
    assert.equal(registryApiHost('docker.io'), 'registry-1.docker.io');
    assert.equal(registryApiHost('index.docker.io'), 'registry-1.docker.io');
    assert.equal(registryApiHost('ghcr.io'), 'ghcr.io');
    assert.equal(registryApiHost('localhost:5000'), 'localhost:5000');
  });

  it('splits host and port, IPv6 included', () => {
    assert.deepEqual(splitHostPort('docker.io'), { hostname: 'docker.io' });
    assert.deepEqual(splitHostPort('localhost:5000'), { hostname: 'localhost', port: 5000 });
    assert.deepEqual(splitHostPort('[::1]:5000'), { hostname: '::1', port: 5000 });
    assert.deepEqual(splitHostPort('[fd00::1]'), { hostname: 'fd00::1' });
    throwsAt(() => splitHostPort('::1'), 0, /registry host name is empty/);
    throwsAt(() => splitHostPort('host:65536'), 5, /out of range/);
    throwsAt(() => splitHostPort('a b'), 1, /" " at position 1/);
  });

  it('validates repository names and tags for input boxes', () => {
    assert.doesNotThrow(() => validateRepositoryName('org/app-1'));
    throwsAt(
      () => validateRepositoryName('org/App'),
      4,
      /invalid repository name "org\/App": repository names must be lowercase; "A" at position 4/,
    );
    throwsAt(() => validateRepositoryName(''), 0, /empty/);
    throwsAt(() => validateRepositoryName(`a/${'b'.repeat(254)}`), 255, /the limit is 255/);
    assert.doesNotThrow(() => validateTag('v1.0_rc-2'));
    throwsAt(() => validateTag('.v1'), 0, /invalid tag "\.v1": a tag must start/);
    throwsAt(() => validateTag('v 1'), 1, /" " at position 1/);
    throwsAt(() => validateTag(''), 0, /empty/);
  });
});

describe('reference: properties', () => {
  const lower = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''));
  const alnum = fc.stringMatching(/^[a-z0-9]{1,6}$/);
  const sep = fc.constantFrom('.', '_', '__', '-', '--', '---');
  const component = fc
    .tuple(alnum, fc.array(fc.tuple(sep, alnum), { maxLength: 3 }))
    .map(([first, rest]) => first + rest.map(([s, a]) => s + a).join(''));
  const repository = fc.array(component, { minLength: 1, maxLength: 4 }).map((c) => c.join('/'));
  const label = fc.stringMatching(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,6}[a-zA-Z0-9])?$/);
  const port = fc.integer({ min: 1, max: 65535 });
  const host = fc.oneof(
    fc.tuple(label, fc.array(label, { minLength: 1, maxLength: 3 })).map(([a, b]) => [a, ...b].join('.')),
    fc.constant('localhost'),
    fc.ipV6().map((ip) => `[${ip}]`),
    fc.ipV4(),
  );
  const registry = fc
    .tuple(host, fc.option(port, { nil: undefined }))
    .map(([h, p]) => (p === undefined ? h : `${h}:${p}`))
    .filter((r) => (r.includes('.') || r.includes(':') || r === 'localhost') && r !== 'docker.io' && r !== 'index.docker.io');
  const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,20}$/);
  const digest = fc.oneof(
    fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `sha256:${h}`),
    fc.stringMatching(/^[0-9a-f]{128}$/).map((h) => `sha512:${h}`),
  );
  const parts = fc.record(
    { registry, repository, tag: fc.option(tag, { nil: undefined }), digest: fc.option(digest, { nil: undefined }) },
    { requiredKeys: ['registry', 'repository'] },
  );

  it('valid generated references parse back to the same parts', () => {
    fc.assert(
      fc.property(parts, (p) => {
        const ref: Reference = { registry: p.registry, repository: p.repository };
        if (p.tag !== undefined) ref.tag = p.tag;
        if (p.digest !== undefined) ref.digest = p.digest;
        fc.pre(ref.registry.length + 1 + ref.repository.length <= 255);
        const text = formatReference(ref);
        const back = parseReference(text);
        assert.deepEqual(back, ref);
      }),
      { numRuns: 400 },
    );
  });

  it('format(parse(x)) is stable and familiar names parse back to the same reference', () => {
    const valid = fc.oneof(
      repository,
      parts.map((p) => formatReference(p as Reference)),
    );
    fc.assert(
      fc.property(valid, (text) => {
        let ref: Reference;
        try {
          ref = parseReference(text);
        } catch (e) {
          assert.ok(e instanceof ParseError);
          return;
        }
        assert.deepEqual(parseReference(formatReference(ref)), ref);
        assert.deepEqual(parseReference(familiarString(ref)), ref);
        assert.equal(formatReference(parseReference(formatReference(ref))), formatReference(ref));
      }),
      { numRuns: 300 },
    );
  });

  it('random strings either parse or throw ParseError', () => {
    const alphabet = fc.constantFrom(...'aZ09.:/@_-[]%+ '.split(''), 'sha256:', 'A', '\u0000', 'é', '\ud83d\ude00');
    const strings = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
      fc.array(alphabet, { maxLength: 30 }).map((a) => a.join('')),
    );
    fc.assert(
      fc.property(strings, (s) => {
        parsesOrParseError(s, () => parseReference(s));
        parsesOrParseError(s, () => splitHostPort(s));
        parsesOrParseError(s, () => validateRepositoryName(s));
        parsesOrParseError(s, () => validateTag(s));
      }),
      { numRuns: 500 },
    );
  });

  it('mutated valid references either parse or throw ParseError', () => {
    const mutation = fc.tuple(
      parts.map((p) => formatReference(p as Reference)),
      fc.nat(),
      fc.constantFrom('insert', 'delete', 'replace'),
      fc.oneof(lower, fc.constantFrom('A', ':', '/', '@', '[', ']', '.', '-', '_', ' ', '\u00e9', '\ud800')),
    );
    fc.assert(
      fc.property(mutation, ([text, n, op, ch]) => {
        const i = n % (text.length + 1);
        const mutated =
          op === 'insert'
            ? text.slice(0, i) + ch + text.slice(i)
            : op === 'delete'
              ? text.slice(0, i) + text.slice(i + 1)
              : text.slice(0, i) + ch + text.slice(i + 1);
        parsesOrParseError(mutated, () => parseReference(mutated));
      }),
      { numRuns: 500 },
    );
  });
});
