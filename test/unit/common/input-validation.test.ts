// The quick inputs' checks as the user types: what passes, what is refused and how it is said.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseReference, validateTag } from '../../../src/core/name/reference';
import { parseRegistryLocation } from '../../../src/core/name/registry-url';
import { inputValidators, MAX_MESSAGE_LENGTH, namesRegistry, oneLine } from '../../../src/common/input-validation';

const validate = inputValidators({ parseReference, parseRegistryLocation, validateTag });
const DIGEST = `sha256:${'a'.repeat(64)}`;

/** A message fit for the line under an input box. */
function assertShowable(message: string | undefined, input: string): void {
  if (message === undefined) return;
  assert.equal(typeof message, 'string');
  assert.ok(message.trim().length > 0, `an empty message for ${JSON.stringify(input)}`);
  assert.ok(
    !/[\r\n\u2028\u2029\u0085]/.test(message),
    `a message over several lines for ${JSON.stringify(input)}: ${JSON.stringify(message)}`,
  );
  assert.ok(message.length <= MAX_MESSAGE_LENGTH, `a message of ${message.length} characters for an input of ${input.length}`);
}

describe('input validation: references', () => {
  const reference = (value: string, allowDigest = true) => validate.reference(value, { allowDigest });

  it('accepts references with a registry, tag or digest, and ignores whitespace around them', () => {
    for (const ok of [
      'localhost:5000/team/app:1.0',
      'ghcr.io/org/app',
      `127.0.0.1:5000/apps/web@${DIGEST}`,
      '[::1]:5000/x:y',
      'alpine:3.20',
      'library/alpine',
      '  ghcr.io/org/app:v1  ',
    ]) {
      assert.equal(reference(ok), undefined, ok);
    }
  });

  it('says nothing while the box is empty or blank (the command treats that as no answer)', () => {
    assert.equal(reference(''), undefined);
    assert.equal(reference('   \t '), undefined);
  });

  it('refuses an uppercase repository, naming the character and its position', () => {
    assert.equal(
      reference('ghcr.io/Org/app:1'),
      'invalid reference "ghcr.io/Org/app:1": repository names must be lowercase; "O" at position 8 is not allowed',
    );
  });

  it('refuses a bad tag', () => {
    assert.match(
      reference('ghcr.io/org/app:-1')!,
      /^invalid reference "ghcr\.io\/org\/app:-1": a tag must start with a letter, digit or "_"; "-" at position 16 is not allowed$/,
    );
    assert.match(reference('ghcr.io/org/app:')!, /the tag after ":" is empty/);
    assert.match(reference(`ghcr.io/org/app:${'t'.repeat(129)}`)!, /a tag is at most 128 characters but this one has 129/);
  });

  it('refuses a digest where a tag is needed, and accepts it where a digest will do', () => {
    assert.equal(reference(`ghcr.io/org/app@${DIGEST}`, false), 'Give a tag here, not a digest: e.g. registry/repository:1.0.');
    assert.equal(reference(`ghcr.io/org/app@${DIGEST}`, true), undefined);
    assert.match(reference('ghcr.io/org/app@sha256:abc')!, /sha256/);
  });

  it('refuses whitespace inside a reference', () => {
    assert.match(reference('ghcr.io/org/my app:1')!, /^invalid reference "ghcr\.io\/org\/my app:1": .*" " at position 14 is not allowed$/);
  });

  it('says so when only a registry is given (the parser would read it as a Docker Hub repository)', () => {
    assert.equal(reference('ghcr.io'), 'ghcr.io is only a registry: add the repository after a "/", e.g. ghcr.io/team/app:1.0.');
    assert.equal(
      reference('localhost:5000'),
      'localhost:5000 is only a registry: add the repository after a "/", e.g. localhost:5000/team/app:1.0.',
    );
    assert.equal(
      reference('127.0.0.1:5000'),
      '127.0.0.1:5000 is only a registry: add the repository after a "/", e.g. 127.0.0.1:5000/team/app:1.0.',
    );
    assert.equal(reference('[::1]:5000'), '[::1]:5000 is only a registry: add the repository after a "/", e.g. [::1]:5000/team/app:1.0.');
    assert.equal(reference('ghcr.io:latest'), 'ghcr.io is only a registry: add the repository after a "/", e.g. ghcr.io/team/app:1.0.');
    // A plain name is a Docker Hub repository, as docker reads it.
    assert.equal(reference('alpine'), undefined);
    assert.equal(reference('redis:7'), undefined);
  });

  it('says to leave out the scheme of a pasted URL instead of quoting a parser error about a port', () => {
    for (const url of ['https://ghcr.io/org/app:1.0', 'http://localhost:5000/team/app', 'oci://registry.example.com/x']) {
      assert.equal(reference(url), 'Leave out the scheme: a reference is registry/repository:tag, e.g. ghcr.io/team/app:1.0.', url);
    }
  });

  it('keeps the message short and on one line for very long or multi-line input', () => {
    const long = `ghcr.io/org/${'a'.repeat(5000)}B`;
    const message = reference(long)!;
    assertShowable(message, long);
    assert.match(message, /^invalid reference "ghcr\.io\/org\/a+…": /);
    const lines = 'ghcr.io/org/app:1\nrm -rf /';
    assertShowable(reference(lines), lines);
    assert.ok(reference(lines));
    const hostOnly = `${'a.'.repeat(400)}io:5000`;
    assertShowable(reference(hostOnly), hostOnly);
  });
});

describe('input validation: where several images go', () => {
  it('accepts a registry, a namespace or both, with trailing "/" ignored as the command ignores them', () => {
    for (const ok of [
      'registry.example.com/mirror',
      'registry.example.com/mirror/',
      'mirror',
      'localhost:5000',
      '[::1]:5000/backup',
      '  team/x  ',
    ]) {
      assert.equal(validate.namespace(ok), undefined, ok);
    }
    assert.equal(validate.namespace('   '), undefined);
  });

  it('refuses a destination with a tag, uppercase or a scheme, without quoting text the user did not type', () => {
    for (const bad of ['localhost:5000/backup:1', 'registry.example.com/Mirror', 'a//b']) {
      const message = validate.namespace(bad);
      assert.equal(
        message,
        'This is not a registry or namespace: use registry/namespace with lowercase names, e.g. registry.example.com/mirror.',
        bad,
      );
    }
    assert.match(validate.namespace('https://ghcr.io/org') ?? '', /^Leave out the scheme/);
  });
});

describe('input validation: hosts, tags and media types', () => {
  it('accepts registry addresses with a scheme and port, and refuses paths and other schemes', () => {
    for (const ok of ['ghcr.io', 'http://localhost:5000', 'https://[::1]:5443/', ' registry.example.com '])
      assert.equal(validate.host(ok), undefined, ok);
    assert.equal(validate.host(''), undefined);
    assert.match(validate.host('ghcr.io/org/app')!, /has a path: give only the registry's host and port/);
    assert.match(validate.host('ftp://ghcr.io')!, /starts with ftp:\/\//);
    assert.match(validate.host('localhost:99999')!, /port 99999, outside 1–65535/);
  });

  it('refuses a host already listed', () => {
    assert.equal(validate.host('http://LOCALHOST:5000', ['localhost:5000']), 'localhost:5000 is already in the list.');
  });

  it('keeps a host message on one line even when the input has line breaks', () => {
    const typed = 'ghcr.io\n/evil';
    const message = validate.host(typed);
    assert.ok(message);
    assertShowable(message, typed);
  });

  it('checks tags and media types', () => {
    assert.equal(validate.tag('v1.0'), undefined);
    assert.equal(validate.tag(''), undefined);
    assert.match(validate.tag('.hidden')!, /a tag must start with a letter, digit or "_"/);
    assert.match(validate.tag(' v1')!, /" " at position 0 is not allowed/);
    assert.equal(validate.mediaType('application/vnd.example.thing.v1'), undefined);
    assert.equal(validate.mediaType('not a type'), 'A media type looks like application/vnd.example.thing.v1');
  });

  it('falls back to a sentence of its own when an error has no usable message', () => {
    const broken = inputValidators({
      parseReference: () => {
        throw new Error('\n\t');
      },
      parseRegistryLocation: () => {
        throw 'not an Error';
      },
      validateTag: () => undefined,
    });
    assert.match(broken.reference('ghcr.io/x', { allowDigest: true })!, /^This is not a valid reference/);
    assert.match(broken.host('ghcr.io')!, /^This is not a registry address/);
    assert.equal(oneLine('', 'fallback'), 'fallback');
    const clipped = oneLine(`${'x'.repeat(MAX_MESSAGE_LENGTH - 2)}\u{1F600}yy`, 'f');
    assert.equal(clipped, `${'x'.repeat(MAX_MESSAGE_LENGTH - 2)}…`, 'a surrogate pair is not cut in half');
  });
});

describe('input validation properties', () => {
  const typed = fc.oneof(
    fc.string({ maxLength: 80, unit: 'binary' }),
    fc.string({ maxLength: 80, unit: fc.constantFrom(...'aZ09:/@._-[] \t\n\u2028\u00e9'.split('')) }),
    fc.string({ minLength: 300, maxLength: 3000, unit: fc.constantFrom(...'a/:@.-A'.split('')) }),
  );

  it('never throws, and returns undefined or a non-empty one-line message of bounded length', () => {
    fc.assert(
      fc.property(typed, fc.boolean(), (value, allowDigest) => {
        assertShowable(validate.reference(value, { allowDigest }), value);
        assertShowable(validate.namespace(value), value);
        assertShowable(validate.host(value), value);
        assertShowable(validate.tag(value), value);
        assertShowable(validate.mediaType(value), value);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts exactly what the command can then use: a valid answer parses', () => {
    fc.assert(
      fc.property(typed, (value) => {
        if (value.trim() && validate.reference(value, { allowDigest: true }) === undefined) parseReference(value.trim());
        const prefix = value.trim().replace(/\/+$/, '');
        if (prefix && validate.namespace(value) === undefined) parseReference(`${prefix}/app:1`);
        if (value.trim() && validate.host(value) === undefined) parseRegistryLocation(value);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('input validation: does a reference name its registry', () => {
  it('tells a registry from a repository namespace the way the parser does', () => {
    const named = ['localhost:5000/team/app:1', 'ghcr.io/org/app', 'docker.io/team-c/web:v1', '[::1]:5000/app', 'localhost/app'];
    const unnamed = ['team-c/web:v1', 'alpine', 'library/alpine:3.20', `app@${DIGEST}`];
    for (const text of named) assert.equal(namesRegistry(text, { parseReference }), true, text);
    for (const text of unnamed) assert.equal(namesRegistry(text, { parseReference }), false, text);
  });
});
