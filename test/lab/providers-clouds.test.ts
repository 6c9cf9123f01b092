// The clouds' registries against their contract servers (test/support/lab/vendors/clouds.ts): a
// login their own tools set up is used as it is (the refresh token `az acr login` writes into
// Docker's config.json for ACR; the docker-credential-ecr-login helper for ECR; the
// docker-credential-gcloud helper for Artifact Registry), ACR lists through `_catalog` (ECR and
// Artifact Registry list through their APIs: providers-ecr-gar.test.ts), and without a login the
// error names the exact command to run; ACR also takes a Microsoft sign-in's token through its
// /oauth2/exchange.
import { strict as assert } from 'node:assert';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exchangeEntraToken } from '../../src/core/providers/acr-exchange';
import { createProviderClient } from '../../src/core/providers/providers';
import { createSession, type RegistrySession } from '../../src/core/registry/session';
import { OciLayout, pushToRegistry } from '../support/lab/content';
import { Lab, type LabRegistry } from '../support/lab/registry';
import { ACR_USER, CloudContracts } from '../support/lab/vendors/clouds';
import { pagesOf, vendorSession } from '../support/lab/vendors/vendor-session';
import { failure } from '../support/lab/lab-helpers';

const REFRESH_TOKEN = 'acr-refresh-token-from-az-acr-login';
const ECR_PASSWORD = 'ecr-password-from-the-helper';
const GAR_ACCESS_TOKEN = 'ya29.gar-access-token-from-gcloud';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
/** An Entra ID access token as the Microsoft sign-in hands one out: a JWT naming its tenant. */
const ENTRA_TOKEN = ['{"alg":"RS256","typ":"JWT"}', `{"aud":"https://management.core.windows.net/","tid":"${TENANT}"}`, 'signature']
  .map((part, i) => (i < 2 ? Buffer.from(part).toString('base64url') : part))
  .join('.');

describe('Cloud registries: logins their tools set up, and the command to run when none is', function () {
  let lab: Lab;
  let registry: LabRegistry;
  let clouds: CloudContracts;
  const sessions: RegistrySession[] = [];

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    registry = await lab.startRegistry({ name: 'clouds', auth: 'token' });
    const layout = await OciLayout.create(join(lab.dir, 'content', 'clouds'));
    const image = await layout.image({ seed: 'clouds', layers: [2048] });
    await pushToRegistry(layout, image, registry, 'team/app:1.0');
    clouds = await CloudContracts.start(lab, registry, {
      acrRefreshTokens: [REFRESH_TOKEN],
      acrEntraTokens: [ENTRA_TOKEN],
      ecrPasswords: [ECR_PASSWORD],
      garAccessTokens: [GAR_ACCESS_TOKEN],
    });
  });

  afterEach(async () => {
    clouds.server.clear();
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  after(async function () {
    this.timeout(30_000);
    await clouds?.server.stop();
    await lab?.stopAll();
  });

  /** A session with this Docker config.json (and a folder of credential helpers on PATH). */
  function session(dockerConfig: object, helpers: Record<string, string> = {}): RegistrySession {
    const home = mkdtempSync(join(tmpdir(), 'clouds-home-'));
    const bin = join(home, 'bin');
    writeFileSync(join(home, 'config.json'), JSON.stringify(dockerConfig));
    writeFileSync(join(home, 'auth.json'), '{}');
    for (const [name, script] of Object.entries(helpers)) {
      mkdirSync(bin, { recursive: true });
      writeFileSync(join(bin, `docker-credential-${name}`), script);
      chmodSync(join(bin, `docker-credential-${name}`), 0o755);
    }
    const s = createSession({
      hostsDirectories: [clouds.server.hostsDirectory],
      resolveRules: clouds.server.resolveRules(),
      credentials: { dockerConfigPath: join(home, 'config.json'), podmanAuthPath: join(home, 'auth.json') },
      env: { PATH: `${bin}:${process.env.PATH ?? ''}` },
      homedir: home,
      retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 },
    });
    sessions.push(s);
    return s;
  }

  it('ACR: lists through _catalog with the refresh token az acr login wrote', async () => {
    const s = session({
      auths: { [clouds.acrHost]: { auth: Buffer.from(`${ACR_USER}:`).toString('base64'), identitytoken: REFRESH_TOKEN } },
    });
    const provider = createProviderClient(s.registry(clouds.acrHost), s.apiChannel());
    assert.equal(provider.info.id, 'acr');
    assert.deepEqual((await pagesOf(provider.listRepositories())).flat(), [{ name: 'team/app' }]);
    assert.ok(clouds.server.count(clouds.acrHost, /^\/oauth2\/token$/, 'POST') >= 1, 'the refresh token was exchanged at /oauth2/token');
    assert.equal(await provider.account(), undefined, 'ACR’s token user is no person to name');
  });

  it('ACR: without a login, says to run az acr login with the registry’s name', async () => {
    const s = session({});
    const provider = createProviderClient(s.registry(clouds.acrHost), s.apiChannel());
    const err = await failure(pagesOf(provider.listRepositories()));
    assert.equal(err.code, 'NEEDS_LOGIN', err.message);
    assert.equal(
      err.message,
      `${clouds.acrHost} needs a login that the Azure CLI sets up: run \`az acr login --name labacr\`, then refresh.`,
    );
    assert.deepEqual(err.remedy, { kind: 'run-command', host: clouds.acrHost, command: 'az acr login --name labacr' });
  });

  it('ACR: a Microsoft sign-in’s token, exchanged at /oauth2/exchange, becomes the registry’s login', async () => {
    const exchanged = await exchangeEntraToken(session({}).apiChannel(), clouds.acrHost, ENTRA_TOKEN, 'the Microsoft account ada');
    assert.equal(exchanged.username, ACR_USER);
    assert.ok(exchanged.identityToken, 'a refresh token came back');
    assert.deepEqual(clouds.exchangeTenants, [TENANT], 'the exchange named the token’s tenant');
    // The refresh token is then the login, as `az acr login` would have written it.
    const s = session({
      auths: { [clouds.acrHost]: { auth: Buffer.from(`${ACR_USER}:`).toString('base64'), identitytoken: exchanged.identityToken } },
    });
    const provider = createProviderClient(s.registry(clouds.acrHost), s.apiChannel());
    assert.deepEqual((await pagesOf(provider.listRepositories())).flat(), [{ name: 'team/app' }]);
    // Kept by the application with the account it belongs to, the row names that account, not the token user.
    const kept = vendorSession([clouds.server], async (host) => (host === clouds.acrHost ? { ...exchanged, account: 'ada' } : undefined));
    sessions.push(kept);
    const signedIn = createProviderClient(kept.registry(clouds.acrHost), kept.apiChannel());
    assert.deepEqual((await pagesOf(signedIn.listRepositories())).flat(), [{ name: 'team/app' }]);
    assert.equal(await signedIn.account(), 'ada');
  });

  it('ACR: a Microsoft token the registry refuses is named, with a new sign-in as the remedy', async () => {
    const err = await failure(exchangeEntraToken(session({}).apiChannel(), clouds.acrHost, 'not-a-token', 'the Microsoft account ada'));
    assert.equal(err.code, 'TOKEN_REJECTED', err.message);
    assert.match(err.message, /^Azure Container Registry rejected the token from the Microsoft account ada/);
    assert.deepEqual(err.remedy, { kind: 'log-in', host: clouds.acrHost });
  });

  it('ECR: pulls with what the docker-credential-ecr-login helper hands out', async () => {
    const helper = `#!/bin/sh\ncat >/dev/null\nprintf '{"ServerURL":"%s","Username":"AWS","Secret":"${ECR_PASSWORD}"}' "${clouds.ecrHost}"\n`;
    const s = session({ credHelpers: { [clouds.ecrHost]: 'ecr-login' } }, { 'ecr-login': helper });
    const manifest = await s.registry(clouds.ecrHost).repository('team/app').getManifest('1.0');
    assert.ok(manifest.descriptor.digest.startsWith('sha256:'));
  });

  it('Artifact Registry: without a login, says to run gcloud auth configure-docker for the registry’s host', async () => {
    const s = session({});
    const provider = createProviderClient(s.registry(clouds.garHost), s.apiChannel());
    const err = await failure(pagesOf(provider.listRepositories()));
    assert.equal(err.code, 'NEEDS_LOGIN', err.message);
    assert.equal(
      err.message,
      `${clouds.garHost} needs a login that the Google Cloud CLI sets up: run \`gcloud auth configure-docker ${clouds.garHost}\` (it configures the docker-credential-gcloud helper, which this extension runs like docker does), then refresh.`,
    );
    assert.deepEqual(err.remedy, { kind: 'run-command', host: clouds.garHost, command: `gcloud auth configure-docker ${clouds.garHost}` });
  });
});
