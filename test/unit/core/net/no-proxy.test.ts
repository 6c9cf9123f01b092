// NO_PROXY lists matched as Go's net/http/httpproxy matches them (Docker and containerd are Go):
// a bare name covers its subdomains, a leading dot or `*.` only the subdomains, ports limit an
// entry, IPs and CIDR ranges match IP hosts, `*` matches everything. A property test checks the
// suffix rule against an independent statement of it.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { matchNoProxy, parseNoProxy } from '../../../../src/core/net/no-proxy';

const bypassed = (list: string | string[], host: string, port = 443): string | undefined =>
  matchNoProxy(parseNoProxy(list).entries, host, port)?.raw;

describe('core/net/no-proxy', () => {
  it('matches a bare name and every name under it, never a name that only ends like it', () => {
    assert.equal(bypassed('example.com', 'example.com'), 'example.com');
    assert.equal(bypassed('example.com', 'registry.example.com'), 'example.com');
    assert.equal(bypassed('example.com', 'notexample.com'), undefined);
    assert.equal(bypassed('Example.COM.', 'REGISTRY.example.com'), 'Example.COM.', 'any case, a trailing dot');
  });

  it('matches only subdomains for a leading dot or *.', () => {
    assert.equal(bypassed('.example.com', 'example.com'), undefined);
    assert.equal(bypassed('.example.com', 'a.example.com'), '.example.com');
    assert.equal(bypassed('*.example.com', 'example.com'), undefined);
    assert.equal(bypassed('*.example.com', 'a.b.example.com'), '*.example.com');
  });

  it('limits an entry with a port to that port, the scheme default counting as the port', () => {
    assert.equal(bypassed('registry.test:5000', 'registry.test', 443), undefined);
    assert.equal(bypassed('registry.test:5000', 'registry.test', 5000), 'registry.test:5000');
    assert.equal(bypassed('registry.test:443', 'registry.test', 443), 'registry.test:443');
    assert.equal(bypassed('[fd00::1]:5000', 'fd00::1', 5000), '[fd00::1]:5000');
    assert.equal(bypassed('[fd00::1]:5000', '[fd00::1]', 80), undefined);
  });

  it('matches IP hosts by address or range, in any notation, and never a name by an address', () => {
    assert.equal(bypassed('10.0.0.0/8', '10.1.2.3'), '10.0.0.0/8');
    assert.equal(bypassed('10.0.0.0/8', '11.0.0.1'), undefined);
    assert.equal(bypassed('fd00::/8', '[fd12::1]'), 'fd00::/8');
    assert.equal(bypassed('0:0:0:0:0:0:0:1', '[::1]'), '0:0:0:0:0:0:0:1');
    assert.equal(bypassed('192.168.1.1', 'router.lan'), undefined);
  });

  it('treats * alone as every host, and takes a list from the environment or a setting', () => {
    assert.equal(bypassed('*', 'anything.example'), '*');
    assert.equal(bypassed('a.test, b.test  c.test', 'x.c.test'), 'c.test');
    assert.equal(bypassed(['a.test', 'b.test'], 'b.test'), 'b.test');
  });

  it('reports entries that are not hosts, and they match nothing', () => {
    const { entries, ignored } = parseNoProxy('http://proxy.test, 10.0.0.0/99, ok.test, host:99999, a:b:c');
    assert.deepEqual(ignored, ['http://proxy.test', '10.0.0.0/99', 'host:99999', 'a:b:c']);
    assert.deepEqual(
      entries.map((e) => e.raw),
      ['ok.test'],
    );
  });

  it('a name entry matches exactly the host and the hosts under it (property)', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?$/);
    const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
    fc.assert(
      fc.property(name, name, fc.boolean(), (entry, host, dot) => {
        const expected = dot ? host.endsWith(`.${entry}`) : host === entry || host.endsWith(`.${entry}`);
        return (bypassed(dot ? `.${entry}` : entry, host) !== undefined) === expected;
      }),
    );
  });
});
