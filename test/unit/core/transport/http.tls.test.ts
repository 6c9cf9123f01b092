// HttpTransport's TLS on the wire, against HTTPS servers on 127.0.0.1 with certificates made for the
// run by the lab's openssl helper: the roots and a host's configured CAs verify together (never one
// instead of the other), skipping verification, client certificates offered one pair at a time,
// the unknown-authority message naming what was checked, and every part of the TLS policy keeping
// its own connections (a request never rides a connection verified under another policy). Written
// from the transport group's mutation survivors (see docs/mutation.md).
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as https from 'node:https';
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { HttpTransport, type ConnectionOptions } from '../../../../src/core/transport/http';
import type { TrustRoots } from '../../../../src/core/transport/trust';
import { generateCerts } from '../../../support/lab/certs';
import { rejectsWithCode } from '../../support/layout-helpers';

describe('HttpTransport over TLS', function () {
  this.timeout(30_000);
  let dir: string;
  let caPem: string;
  /** A self-signed certificate no server here is signed by: a CA that vouches for nothing. */
  let otherPem: string;
  let client: { cert: string; key: string };
  /** A pair the servers' CA never signed. */
  let stranger: { cert: string; key: string };
  let plain: https.Server;
  let mutual: https.Server;
  /** OpenSSL's s_server asking for a client certificate over TLS 1.2: it refuses one with an alert in the handshake. */
  let alerting: ChildProcess | undefined;
  let alertingOrigin: string;
  let paths: { ca: string; cert: string; key: string };
  let transport: HttpTransport;

  async function listen(server: https.Server): Promise<string> {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  /** Handshakes the mutual-TLS server refused (a client certificate it does not accept, or none). */
  let refusals = 0;
  let plainOrigin: string;
  let mutualOrigin: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'http-tls-'));
    const certs = await generateCerts(dir);
    const read = (path: string) => readFileSync(path, 'utf8');
    caPem = read(certs.ca.certPath);
    otherPem = read(certs.tokenSigning.certPath);
    client = { cert: read(certs.client.certPath), key: read(certs.client.keyPath) };
    stranger = { cert: read(certs.tokenSigning.certPath), key: read(certs.tokenSigning.keyPath) };
    const server = { cert: read(certs.servers.ca.certPath), key: read(certs.servers.ca.keyPath) };
    const answer = (_req: IncomingMessage, res: ServerResponse) => res.end('ok');
    plain = https.createServer(server, answer);
    mutual = https.createServer({ ...server, ca: caPem, requestCert: true, rejectUnauthorized: true }, answer);
    mutual.on('tlsClientError', () => refusals++);
    plainOrigin = await listen(plain);
    mutualOrigin = await listen(mutual);
    paths = { ca: certs.ca.certPath, cert: certs.servers.ca.certPath, key: certs.servers.ca.keyPath };
  });
  after(async () => {
    alerting?.kill();
    for (const s of [plain, mutual]) {
      s?.closeAllConnections();
      s?.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    transport = new HttpTransport();
  });
  afterEach(() => transport.close());

  /** Roots of the session as trust.ts gives them; a fresh id each, as TLS contexts are cached by it. */
  const roots = (certificates: string[], summary = 'the roots under test'): TrustRoots => ({
    id: randomUUID(),
    certificates,
    sources: [],
    system: false,
    summary,
  });

  const status = async (origin: string, connection: ConnectionOptions, body?: Readable): Promise<number> => {
    const res = await transport.send({
      method: body ? 'PUT' : 'GET',
      url: new URL(`${origin}/v2/`),
      connection,
      ...(body ? { body } : {}),
    });
    await res.body.dump();
    return res.status;
  };

  it('verifies against the roots and the configured CAs together, never one instead of the other', async () => {
    await rejectsWithCode(status(plainOrigin, {}), 'TLS_UNKNOWN_AUTHORITY', /checked against Node's bundled roots/);
    assert.equal(await status(plainOrigin, { roots: roots([caPem]) }), 200, 'the roots alone');
    assert.equal(await status(plainOrigin, { ca: [caPem] }), 200, 'a configured CA alone');
    assert.equal(await status(plainOrigin, { roots: roots([caPem]), ca: [otherPem] }), 200, 'a configured CA keeps the roots');
    assert.equal(await status(plainOrigin, { roots: roots([otherPem]), ca: [caPem] }), 200, 'the roots keep a configured CA');
  });

  it('says what the certificate was checked against: the session’s roots, and a CA configured for the host', async () => {
    await rejectsWithCode(
      status(plainOrigin, { roots: roots([otherPem], 'the roots named here') }),
      'TLS_UNKNOWN_AUTHORITY',
      /checked against the roots named here\):/,
    );
    await rejectsWithCode(
      status(plainOrigin, { roots: roots([otherPem], 'the roots named here'), ca: [otherPem] }),
      'TLS_UNKNOWN_AUTHORITY',
      /checked against the roots named here and the CA configured for it\)/,
    );
  });

  it('skips verification only for the request that asks, on connections of its own', async () => {
    assert.equal(await status(plainOrigin, { skipVerify: true }), 200);
    await rejectsWithCode(status(plainOrigin, {}), 'TLS_UNKNOWN_AUTHORITY');
    await rejectsWithCode(status(plainOrigin, { skipVerify: false }), 'TLS_UNKNOWN_AUTHORITY');
  });

  it('keeps each CA and set of roots on connections of its own at one origin', async () => {
    assert.equal(await status(plainOrigin, { ca: [caPem] }), 200);
    await rejectsWithCode(status(plainOrigin, { ca: [otherPem] }), 'TLS_UNKNOWN_AUTHORITY');
    assert.equal(await status(plainOrigin, { roots: roots([caPem]) }), 200);
    await rejectsWithCode(status(plainOrigin, { roots: roots([otherPem]) }), 'TLS_UNKNOWN_AUTHORITY');
  });

  describe('client certificates', () => {
    const trusted = (pairs: { cert: string; key: string }[]): ConnectionOptions => ({ ca: [caPem], clientCertificates: pairs });
    const refused = (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match((err as { code?: string }).code ?? '', /^(TLS_CLIENT_CERT_REFUSED|CONNECTION_RESET)$/, err.message);
      return true;
    };

    it('offers the configured pair, and keeps another pair on connections of its own', async () => {
      assert.equal(await status(mutualOrigin, trusted([client])), 200);
      await assert.rejects(status(mutualOrigin, trusted([stranger])), refused);
      await assert.rejects(status(mutualOrigin, trusted([])), refused);
    });

    it('offers each pair in turn until one is accepted, in either order, and then keeps to it', async () => {
      assert.equal(await status(mutualOrigin, trusted([stranger, client])), 200);
      assert.equal(await status(mutualOrigin, trusted([client, stranger])), 200);
      // The pair accepted is remembered for these options: the refused one is not offered again.
      const options = trusted([stranger, client]);
      assert.equal(await status(mutualOrigin, options), 200);
      const before = refusals;
      for (let i = 0; i < 3; i++) assert.equal(await status(mutualOrigin, options), 200);
      assert.equal(refusals, before);
    });

    it('says every pair was offered when none is accepted', async () => {
      await assert.rejects(status(mutualOrigin, trusted([stranger, stranger])), (err: Error) => {
        refused(err);
        if ((err as { code?: string }).code === 'CONNECTION_RESET') {
          assert.match(err.message, /each of the 2 client certificates/);
          assert.equal((err.cause as { code?: string } | undefined)?.code, 'CONNECTION_RESET', 'the last failure kept as the cause');
        }
        return true;
      });
    });

    it('refused with an alert in the handshake (TLS 1.2): offers the next pair, and keeps the refusal in its own words after the last', async () => {
      // Node's own TLS server closes the connection instead of sending the alert: OpenSSL's sends it.
      const probe = net.createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const port = (probe.address() as AddressInfo).port;
      await new Promise((resolve) => probe.close(resolve));
      alerting = spawn(
        'openssl',
        [
          's_server',
          '-accept',
          `127.0.0.1:${port}`,
          '-cert',
          paths.cert,
          '-key',
          paths.key,
          '-CAfile',
          paths.ca,
          '-Verify',
          '1',
          '-verify_return_error',
          '-www',
          '-tls1_2',
        ],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      await new Promise<void>((resolve, reject) => {
        let out = '';
        alerting!.stdout!.on('data', (d: Buffer) => (out += d.toString()).includes('ACCEPT') && resolve());
        alerting!.on('exit', () => reject(new Error(`openssl s_server stopped: ${out}`)));
      });
      alertingOrigin = `https://127.0.0.1:${port}`;
      assert.equal(await status(alertingOrigin, trusted([stranger, client])), 200);
      const err = await rejectsWithCode(status(alertingOrigin, trusted([stranger, stranger])), 'TLS_CLIENT_CERT_REFUSED');
      assert.doesNotMatch(err.message, /closed the connection before answering/);
    });

    it('with one pair refused, says what happened without counting pairs', async () => {
      await assert.rejects(status(mutualOrigin, trusted([stranger])), (err: Error) => {
        refused(err);
        assert.doesNotMatch(err.message, /each of the/);
        return true;
      });
    });

    it('never offers a second pair a stream body it has already sent', async () => {
      await assert.rejects(status(mutualOrigin, trusted([stranger, client]), Readable.from([Buffer.from('once')])), refused);
      assert.equal(await status(mutualOrigin, trusted([stranger, client]), undefined), 200);
      // A string or a Buffer can be sent again, to the next pair (a transport that has not chosen one yet).
      for (const body of ['again', Buffer.from('again')]) {
        const fresh = new HttpTransport();
        const res = await fresh.send({
          method: 'PUT',
          url: new URL(`${mutualOrigin}/v2/`),
          body,
          connection: trusted([stranger, client]),
        });
        assert.equal(res.status, 200);
        await res.body.dump();
        await fresh.close();
      }
    });

    it('tries the next pair only for a refusal: another failure keeps its own words', async () => {
      await rejectsWithCode(
        status(mutualOrigin, { roots: roots([otherPem]), clientCertificates: [stranger, client] }),
        'TLS_UNKNOWN_AUTHORITY',
        /signed by an unknown authority/,
      );
    });
  });
});
