// A hostile registry and token server that repeat the request's Authorization header, its hosts.toml
// headers and a token POST's form in their error texts, with a forged log line and a bidi override:
// the CoreError a user sees, the request log and the extension's log line for it hold none of the
// secrets and no line break, and show the override as an escape.
import { strict as assert } from 'node:assert';
import type * as vscode from 'vscode';
import type { CoreError } from '../../src/core/errors';
import { createSession, type RegistrySession } from '../../src/core/registry/session';
import type { RequestLogEntry } from '../../src/core/transport/connection';
import { redactingLog } from '../../src/common/log';
import { EchoingRegistry, FORGED_LOG_LINE, type EchoAuth } from '../support/lab/echoing-registry';
import { folderWith } from '../support/lab/folders';
import { failure } from '../support/lab/lab-helpers';

const USER = 'alice';
const PASSWORD = 'pa55/w+rd=with:odd&chars';
const HEADER_NAME = 'x-api-key';
const HEADER_VALUE = 'configured-header-secret-7f3a';
const IDENTITY_TOKEN = 'identity/token+from=docker-login-42';

/** The extension's log as registry-tree.ts writes a failure to it, through the redacting channel. */
function extensionLogLines(message: string): string[] {
  const lines: string[] = [];
  const channel = { error: (text: string) => lines.push(text) } as unknown as vscode.LogOutputChannel;
  redactingLog(channel).error(`While reading manifest echo/app:1: ${message}`);
  return lines;
}

describe('registry text that repeats secrets (hostile registry and token server)', function () {
  const servers: EchoingRegistry[] = [];
  const sessions: RegistrySession[] = [];

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  async function setUp(
    auth: EchoAuth,
    login: 'password' | 'identity-token' = 'password',
  ): Promise<{ server: EchoingRegistry; session: RegistrySession; log: RequestLogEntry[] }> {
    const server = await EchoingRegistry.start(auth);
    servers.push(server);
    const entry =
      login === 'password'
        ? { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') }
        : { username: '<token>', identitytoken: IDENTITY_TOKEN };
    const files = folderWith({
      'docker/config.json': JSON.stringify({ auths: { [server.host]: entry } }),
      [`certs.d/${server.host}/hosts.toml`]: `server = "http://${server.host}"\n\n[header]\n  ${HEADER_NAME} = "${HEADER_VALUE}"\n`,
    });
    const log: RequestLogEntry[] = [];
    const session = createSession({
      hostsDirectories: [`${files}/certs.d`],
      registries: [{ url: `http://${server.host}` }],
      credentials: { dockerConfigPath: `${files}/docker/config.json` },
      retry: { maxAttempts: 1 },
      log: (e) => log.push(e),
    });
    sessions.push(session);
    return { server, session, log };
  }

  /** Every form of every secret the session sent, and what the server must have repeated. */
  function secretsOf(server: EchoingRegistry): string[] {
    const basic = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    const raw = [PASSWORD, basic, HEADER_VALUE, IDENTITY_TOKEN, server.token, server.refreshToken];
    return [...raw, ...raw.map(encodeURIComponent), ...raw.map((s) => new URLSearchParams({ v: s }).toString().slice(2))];
  }

  function assertSafe(text: string, server: EchoingRegistry, what: string): void {
    for (const secret of secretsOf(server)) assert.ok(!text.includes(secret), `${what} repeats ${secret}: ${text}`);
    assert.ok(!/[\r\n\u2028\u2029]/.test(text), `${what} has a line break: ${JSON.stringify(text)}`);
    assert.ok(!text.includes('\u202E'), `${what} shows a bidi override as is`);
  }

  /** The echo reached the message (else the test would prove nothing), and none of it is as sent. */
  function assertEchoQuoted(message: string, server: EchoingRegistry, scheme: 'Basic' | 'Bearer'): void {
    assert.match(message, /said: you sent /);
    assert.ok(message.includes(`authorization: ${scheme} [REDACTED]`), message);
    assert.ok(message.includes(`${HEADER_NAME}: [REDACTED]`), message);
    assert.ok(message.includes(`${scheme}%20[REDACTED]`), 'the percent-encoded header too');
    assert.ok(
      message.includes(`invoice\\u202Etxt.exe ${FORGED_LOG_LINE.slice(0, 30)}`),
      'the override shown as an escape, the forged line joined to it',
    );
    assertSafe(message, server, 'the message');
  }

  function assertQuotedSafely(err: CoreError, server: EchoingRegistry, log: RequestLogEntry[], scheme: 'Basic' | 'Bearer' = 'Basic'): void {
    assertEchoQuoted(err.message, server, scheme);
    const quoted = /said: (.*)\)\.$/.exec(err.message)?.[1] ?? '';
    assert.ok(Array.from(quoted).length <= 200, 'the quote is capped');
    for (const entry of log) assertSafe(JSON.stringify(entry), server, 'a request log entry');
    const lines = extensionLogLines(err.message);
    assert.equal(lines.length, 1);
    assertSafe(lines[0]!, server, 'the extension log line');
  }

  it('Basic: a registry error repeating the Authorization header and a hosts.toml header', async () => {
    const { server, session, log } = await setUp('basic');
    const err = await failure(session.registry(server.host).repository('echo/app').getManifest('1'));
    assert.equal(err.code, 'DENIED');
    const sent = server.requests.find((r) => r.path.includes('/manifests/') && r.headers.authorization);
    assert.match(String(sent?.headers.authorization), /^Basic /, 'the login was sent, so there was something to repeat');
    assert.equal(sent?.headers[HEADER_NAME], HEADER_VALUE);
    assertQuotedSafely(err, server, log);
    // The details a library caller can read are as safe as the message.
    const details = JSON.stringify((err as CoreError & { details: unknown }).details);
    for (const secret of secretsOf(server)) assert.ok(!details.includes(secret), `the details repeat ${secret}`);
  });

  it('Basic: the same through a tag listing and the catalog', async () => {
    const { server, session, log } = await setUp('basic');
    const client = session.registry(server.host);
    const tags = await failure(client.listTags('echo/app').next());
    assertQuotedSafely(tags, server, log);
    const catalog = await failure(client.listRepositories().next());
    assertSafe(catalog.message, server, 'the catalog message');
  });

  it('Bearer: a registry error repeating the access token it was given', async () => {
    const { server, session, log } = await setUp('bearer');
    const err = await failure(session.registry(server.host).repository('echo/app').getManifest('1'));
    const sent = server.requests.find((r) => r.path.includes('/manifests/') && r.headers.authorization);
    assert.equal(sent?.headers.authorization, `Bearer ${server.token}`);
    assertQuotedSafely(err, server, log, 'Bearer');
  });

  it('a token server error repeating the Basic login and the hosts.toml header', async () => {
    const { server, session, log } = await setUp('bearer');
    server.failTokens = true;
    const err = await failure(session.registry(server.host).repository('echo/app').getManifest('1'));
    assert.equal(err.code, 'TOKEN_SERVER_ERROR');
    const asked = server.requests.find((r) => r.path.startsWith('/token'));
    assert.match(String(asked?.headers.authorization), /^Basic /);
    assertEchoQuoted(err.message.replace('(it said: ', '(the registry said: '), server, 'Basic');
    for (const entry of log) assertSafe(JSON.stringify(entry), server, 'a request log entry');
    assertSafe(extensionLogLines(err.message)[0]!, server, 'the extension log line');
  });

  it('a token server error repeating the refresh-token form it was posted', async () => {
    const { server, session } = await setUp('bearer', 'identity-token');
    server.failTokens = true;
    const err = await failure(session.registry(server.host).repository('echo/app').getManifest('1'));
    assert.equal(err.code, 'TOKEN_SERVER_ERROR');
    const posted = server.requests.find((r) => r.method === 'POST' && r.path.startsWith('/token'));
    assert.ok(
      posted?.body.includes(new URLSearchParams({ refresh_token: IDENTITY_TOKEN }).toString()),
      'the identity token was posted, form-encoded',
    );
    assert.match(err.message, /it said: you sent .*body grant_type=refresh_token&refresh_token=\[REDACTED\]&/);
    assertSafe(err.message, server, 'the message');
  });
});
