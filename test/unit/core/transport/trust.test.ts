// The roots a session trusts before a host's own CAs (trust.ts), read from temporary folders named
// by SSL_CERT_FILE, SSL_CERT_DIR and NODE_EXTRA_CA_CERTS: which bundle and folders are read, the
// hash links skipped, what each source says in the plan, the per-file cache and when it is read
// again, duplicates dropped, and the platform branches. trust.ts only finds PEM certificate blocks
// (TLS parses them later), so most blocks here are PEM-shaped text; Node's own roots stand in for
// real certificates where one must match a root. Written from the transport group's mutation
// survivors (see docs/mutation.md).
import { strict as assert } from 'node:assert';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { rootCertificates } from 'node:tls';
import { certificatesIn, loadTrustRoots, SYSTEM_BUNDLE_FILES, SYSTEM_CERT_DIRS } from '../../../../src/core/transport/trust';

/** A PEM certificate block whose body is `fill` repeated (base64 characters only), on 64-character lines. */
function block(fill: string, eol = '\n'): string {
  const body = fill.repeat(Math.ceil(96 / fill.length)).slice(0, 96);
  return ['-----BEGIN CERTIFICATE-----', body.slice(0, 64), body.slice(64), '-----END CERTIFICATE-----'].join(eol);
}

describe('the trusted roots (trust.ts)', () => {
  let dir: string;
  /** An empty folder for SSL_CERT_DIR when a test is about the bundle only. */
  let empty: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'trust-'));
    empty = join(dir, 'empty');
    mkdirSync(empty);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function write(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  const linux = (env: Record<string, string | undefined>) => loadTrustRoots({ env, platform: 'linux' });

  describe('certificatesIn', () => {
    it('finds every certificate block and ignores what is around and between them', () => {
      const a = block('QUJD');
      const b = block('eHl6/+9=');
      const text = `# a comment\n${a}\nsome text -----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n${b}\ntrailing`;
      assert.deepEqual(certificatesIn(text), [a, b]);
    });

    it('turns CRLF line ends into LF and finds nothing in a text without blocks', () => {
      assert.deepEqual(certificatesIn(block('QUJD', '\r\n')), [block('QUJD')]);
      assert.deepEqual(certificatesIn('no certificate here'), []);
      assert.deepEqual(certificatesIn(''), []);
    });

    it('takes a block only when its body is base64, and each block on its own', () => {
      assert.deepEqual(certificatesIn('-----BEGIN CERTIFICATE-----\nnot*base64\n-----END CERTIFICATE-----'), []);
      assert.deepEqual(certificatesIn('-----BEGIN CERTIFICATE----------END CERTIFICATE-----'), []);
      // Lazy matching: two blocks are two, never one spanning both.
      assert.equal(certificatesIn(`${block('QUJD')}${block('REVG')}`).length, 2);
    });
  });

  it("keeps Go's lists of system bundles and folders, in Go's order", () => {
    assert.deepEqual(SYSTEM_BUNDLE_FILES, [
      '/etc/ssl/certs/ca-certificates.crt',
      '/etc/pki/tls/certs/ca-bundle.crt',
      '/etc/ssl/ca-bundle.pem',
      '/etc/pki/tls/cacert.pem',
      '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
      '/etc/ssl/cert.pem',
    ]);
    assert.deepEqual(SYSTEM_CERT_DIRS, ['/etc/ssl/certs', '/etc/pki/tls/certs']);
  });

  it("starts from Node's bundled roots, says so first, and identifies the set by its certificates", async () => {
    const roots = await linux({ SSL_CERT_FILE: join(dir, 'none.crt'), SSL_CERT_DIR: empty });
    assert.equal(roots.sources[0], "Node's bundled Mozilla roots");
    assert.ok(rootCertificates.every((c) => roots.certificates.includes(c.trim())));
    assert.equal(roots.certificates.length, new Set(rootCertificates.map((c) => c.trim())).size);
    assert.match(roots.id, /^[0-9a-f]{64}$/);
    const again = await linux({ SSL_CERT_FILE: join(dir, 'none.crt'), SSL_CERT_DIR: empty });
    assert.equal(again.id, roots.id, 'the same certificates, the same id');
    const more = await linux({ SSL_CERT_FILE: write('one.crt', block('QUJD')), SSL_CERT_DIR: empty });
    assert.notEqual(more.id, roots.id);
  });

  it('reads SSL_CERT_FILE (trimmed) instead of the system bundles, and names it with its count', async () => {
    const file = write('bundle.crt', `${block('QUJD')}\n${block('REVG')}\n`);
    const roots = await linux({ SSL_CERT_FILE: `  ${file} `, SSL_CERT_DIR: empty });
    assert.deepEqual(roots.sources, ["Node's bundled Mozilla roots", `SSL_CERT_FILE ${file} (2 certificates)`]);
    assert.ok(roots.certificates.includes(block('QUJD')) && roots.certificates.includes(block('REVG')));
    assert.equal(roots.system, true);
    assert.equal(roots.summary, "the system's CAs and Node's bundled roots");
  });

  it('says an SSL_CERT_FILE that cannot be read, a missing file or a folder, and adds nothing for it', async () => {
    const missing = join(dir, 'missing.crt');
    const roots = await linux({ SSL_CERT_FILE: missing, SSL_CERT_DIR: empty });
    assert.deepEqual(roots.sources, ["Node's bundled Mozilla roots", `SSL_CERT_FILE ${missing}, which cannot be read`]);
    // A folder holding a bundle-named file is still no file.
    const folder = join(dir, 'folder.crt');
    mkdirSync(folder);
    writeFileSync(join(folder, 'inside.crt'), block('QUJD'));
    const asFolder = await linux({ SSL_CERT_FILE: folder, SSL_CERT_DIR: empty });
    assert.deepEqual(asFolder.sources.slice(1), [`SSL_CERT_FILE ${folder}, which cannot be read`]);
    assert.equal(asFolder.certificates.includes(block('QUJD')), false);
    // A device is no file either: /dev/null reads as an empty text, never as a bundle of none.
    if (existsSync('/dev/null')) {
      const device = await linux({ SSL_CERT_FILE: '/dev/null', SSL_CERT_DIR: empty });
      assert.deepEqual(device.sources.slice(1), ['SSL_CERT_FILE /dev/null, which cannot be read']);
    }
    // Whitespace only is no setting at all: the system bundles are read instead.
    const blank = await linux({ SSL_CERT_FILE: '  ', SSL_CERT_DIR: empty });
    assert.equal(
      blank.sources.some((s) => s.startsWith('SSL_CERT_FILE')),
      false,
    );
  });

  it('reads every file of each SSL_CERT_DIR folder, skips the same-folder hash links, and says what each gave', async () => {
    const one = join(dir, 'one');
    const two = join(dir, 'two');
    const elsewhere = join(dir, 'elsewhere');
    for (const d of [one, two, elsewhere]) mkdirSync(d);
    writeFileSync(join(one, 'a.pem'), block('QUJD'));
    writeFileSync(join(one, 'b.pem'), `${block('REVG')}\n${block('R0hJ')}`);
    // update-ca-certificates' hash link to a file of the same folder: read once, through the file.
    symlinkSync('a.pem', join(one, '1a2b3c4d.0'));
    // A link to a file elsewhere is read.
    writeFileSync(join(elsewhere, 'c.pem'), block('SktM'));
    symlinkSync(join(elsewhere, 'c.pem'), join(two, 'c.pem'));
    // A subfolder is no certificate file.
    mkdirSync(join(two, 'sub'));
    writeFileSync(join(two, 'sub', 'd.pem'), block('TU5P'));
    const roots = await linux({ SSL_CERT_FILE: join(dir, 'none.crt'), SSL_CERT_DIR: ` ${one}::${two}:${empty}: ` });
    assert.deepEqual(roots.sources.slice(2), [`SSL_CERT_DIR ${one} (3 certificates)`, `SSL_CERT_DIR ${two} (1 certificates)`]);
    for (const fill of ['QUJD', 'REVG', 'R0hJ', 'SktM']) assert.ok(roots.certificates.includes(block(fill)), fill);
    assert.equal(roots.certificates.includes(block('TU5P')), false, 'a subfolder is not read');
  });

  it('says an SSL_CERT_DIR folder that cannot be read, and goes on with the next', async () => {
    const missing = join(dir, 'missing');
    const good = join(dir, 'good');
    mkdirSync(good);
    writeFileSync(join(good, 'a.pem'), block('QUJD'));
    const roots = await linux({ SSL_CERT_FILE: join(dir, 'none.crt'), SSL_CERT_DIR: `${missing}:${good}` });
    assert.deepEqual(roots.sources.slice(2), [`SSL_CERT_DIR ${missing}, which cannot be read`, `SSL_CERT_DIR ${good} (1 certificates)`]);
  });

  it("reads the first of Go's system bundles that exists and Go's folders when nothing is set", async function () {
    const bundle = SYSTEM_BUNDLE_FILES.find((f) => existsSync(f) && statSync(f).isFile());
    if (!bundle) this.skip();
    const roots = await linux({});
    assert.equal(roots.sources[1], `the system bundle ${bundle} (${certificatesIn(readFileSync(bundle, 'utf8')).length} certificates)`);
    assert.equal(roots.sources.filter((s) => s.startsWith('the system bundle')).length, 1, 'one bundle only');
    // A system folder that does not exist is skipped without a word, one without certificates too.
    assert.equal(
      roots.sources.some((s) => s.includes('cannot be read')),
      false,
    );
    for (const folder of SYSTEM_CERT_DIRS.filter((d) => existsSync(d))) {
      const files = readdirSync(folder).filter((name) => name.endsWith('.pem') || name.endsWith('.crt'));
      if (files.length > 0)
        assert.ok(
          roots.sources.some((s) => s.startsWith(`the system folder ${folder} (`)),
          folder,
        );
    }
  });

  it('adds NODE_EXTRA_CA_CERTS (trimmed) to the system CAs, or says it cannot be read', async () => {
    const extra = write('extra.crt', block('QUJD'));
    const roots = await linux({ SSL_CERT_FILE: join(dir, 'none.crt'), SSL_CERT_DIR: empty, NODE_EXTRA_CA_CERTS: ` ${extra} ` });
    assert.equal(roots.sources.at(-1), `NODE_EXTRA_CA_CERTS ${extra} (1 certificates)`);
    assert.ok(roots.certificates.includes(block('QUJD')));
    const missing = join(dir, 'missing.crt');
    const unread = await linux({ SSL_CERT_FILE: join(dir, 'none.crt'), SSL_CERT_DIR: empty, NODE_EXTRA_CA_CERTS: missing });
    assert.equal(unread.sources.at(-1), `NODE_EXTRA_CA_CERTS ${missing}, which cannot be read`);
    const blank = await linux({ SSL_CERT_FILE: join(dir, 'none.crt'), SSL_CERT_DIR: empty, NODE_EXTRA_CA_CERTS: ' ' });
    assert.equal(blank.sources.length, 2, 'a blank NODE_EXTRA_CA_CERTS is no setting');
  });

  it('keeps each certificate once, whatever its surrounding whitespace or source', async () => {
    const root = rootCertificates[0]!;
    const file = write('dup.crt', `${block('QUJD')}\n${block('QUJD')}\n${root}\n`);
    const extra = write('extra.crt', block('QUJD', '\r\n'));
    const roots = await linux({ SSL_CERT_FILE: file, SSL_CERT_DIR: empty, NODE_EXTRA_CA_CERTS: extra });
    assert.equal(roots.certificates.filter((c) => c === block('QUJD')).length, 1);
    assert.equal(roots.certificates.filter((c) => c === root.trim()).length, 1);
    assert.equal(roots.certificates.length, new Set(rootCertificates.map((c) => c.trim())).size + 1);
    assert.ok(roots.certificates.every((c) => c === c.trim()));
  });

  it("uses Node's bundled roots and NODE_EXTRA_CA_CERTS only when the system's CAs are turned off, and says so", async () => {
    const file = write('bundle.crt', block('QUJD'));
    const extra = write('extra.crt', block('REVG'));
    const roots = await loadTrustRoots({ system: false, env: { SSL_CERT_FILE: file, NODE_EXTRA_CA_CERTS: extra }, platform: 'linux' });
    assert.deepEqual(roots.sources, [
      "Node's bundled Mozilla roots",
      "not the system's CAs (turned off in the settings)",
      `NODE_EXTRA_CA_CERTS ${extra} (1 certificates)`,
    ]);
    assert.equal(roots.certificates.includes(block('QUJD')), false);
    assert.ok(roots.certificates.includes(block('REVG')));
    assert.equal(roots.system, false);
    assert.equal(roots.summary, "Node's bundled roots only (not the system's CAs)");
    // Asked for (true) or not said (undefined), the system's CAs are read.
    for (const system of [true, undefined]) {
      const read = await loadTrustRoots({ system, env: { SSL_CERT_FILE: file, SSL_CERT_DIR: empty }, platform: 'linux' });
      assert.equal(read.system, true);
      assert.ok(read.certificates.includes(block('QUJD')));
    }
  });

  it('reads the Unix way on every platform but macOS and Windows', async () => {
    const file = write('bundle.crt', block('QUJD'));
    for (const platform of ['freebsd', 'openbsd', 'sunos', 'aix'] as const) {
      const roots = await loadTrustRoots({ env: { SSL_CERT_FILE: file, SSL_CERT_DIR: empty }, platform });
      assert.deepEqual(roots.sources.slice(1), [`SSL_CERT_FILE ${file} (1 certificates)`], platform);
    }
  });

  it('on macOS and Windows asks Node for the system store, and says when this Node cannot read it', async () => {
    const file = write('bundle.crt', block('QUJD'));
    const nodeReadsTheStore = typeof (tls as { getCACertificates?: unknown }).getCACertificates === 'function';
    for (const platform of ['darwin', 'win32'] as const) {
      const roots = await loadTrustRoots({ env: { SSL_CERT_FILE: file }, platform });
      assert.equal(roots.certificates.includes(block('QUJD')), false, 'SSL_CERT_FILE is a Unix setting');
      if (nodeReadsTheStore) {
        assert.match(roots.sources[1]!, /^the operating system's store \(\d+ certificates\)$/);
        assert.equal(roots.system, true);
      } else {
        assert.equal(
          roots.sources[1],
          `not the operating system's store: Node ${process.versions.node} cannot read it (22.15 or later can); give a company CA in hosts.toml, certs.d or NODE_EXTRA_CA_CERTS`,
        );
        assert.equal(roots.system, false);
        assert.equal(roots.summary, "Node's bundled roots only (not the system's CAs)");
      }
    }
  });

  describe('the per-file cache', () => {
    /** Sets a file's times to a fixed instant, so a rewrite can keep or change them at will. */
    const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds);
    const read = async (file: string) => (await linux({ SSL_CERT_FILE: file, SSL_CERT_DIR: empty })).certificates;

    it('serves a file again from the cache while its size, time and inode stay the same', async () => {
      const file = write('cached.crt', block('QUJD'));
      at(file, 1_000_000);
      assert.ok((await read(file)).includes(block('QUJD')));
      // Rewritten in place: same inode, same size, same time.
      writeFileSync(file, block('REVG'));
      at(file, 1_000_000);
      const again = await read(file);
      assert.ok(again.includes(block('QUJD')) && !again.includes(block('REVG')));
    });

    it('reads a file again when its time changed', async () => {
      const file = write('time.crt', block('QUJD'));
      at(file, 1_000_000);
      await read(file);
      writeFileSync(file, block('REVG'));
      at(file, 2_000_000);
      assert.ok((await read(file)).includes(block('REVG')));
    });

    it('reads a file again when its size changed', async () => {
      const file = write('size.crt', block('QUJD'));
      at(file, 1_000_000);
      await read(file);
      writeFileSync(file, `${block('REVG')}\n`);
      at(file, 1_000_000);
      assert.ok((await read(file)).includes(block('REVG')));
    });

    it('reads a file again when another file took its place', async () => {
      const file = write('inode.crt', block('QUJD'));
      at(file, 1_000_000);
      await read(file);
      const next = write('next.crt', block('REVG'));
      at(next, 1_000_000);
      renameSync(next, file);
      assert.ok((await read(file)).includes(block('REVG')));
    });
  });
});
