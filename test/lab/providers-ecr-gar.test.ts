// Amazon ECR and Google Artifact Registry (and gcr.io) listing through the vendors' own APIs,
// against their contract servers (test/support/lab/vendors/aws-ecr.ts, google-apis.ts) in front of
// a lab registry: ECR's DescribeRepositories signed with Signature Version 4 (checked for real by
// the server) with the AWS credentials the user's tools set up (environment, shared files with
// AWS_PROFILE, credential_process, an SSO profile through the AWS CLI), paged by nextToken; and
// Artifact Registry's packages.list with the access token the docker-credential-gcloud helper
// hands out, over the projects Resource Manager lists, paged by pageToken. Failures name what is
// missing: no credentials, an expired token, the ecr:DescribeRepositories permission.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProviderClient } from '../../src/core/providers/providers';
import { createSession, type RegistrySession } from '../../src/core/registry/session';
import { OciLayout, pushToRegistry } from '../support/lab/content';
import { failure } from '../support/lab/lab-helpers';
import { Lab, type LabRegistry } from '../support/lab/registry';
import { EcrApiContract } from '../support/lab/vendors/aws-ecr';
import { CloudContracts } from '../support/lab/vendors/clouds';
import { GoogleApisContract } from '../support/lab/vendors/google-apis';
import { checkSigV4 } from '../support/lab/vendors/sigv4-check';
import { pagesOf, repositoryNames } from '../support/lab/vendors/vendor-session';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const KEY = { id: 'AKIAIOSFODNN7EXAMPLE', secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY' };
const TEMP = {
  id: 'ASIATEMPORARYEXAMPLE',
  secret: 'temporary-secret-key-example-0123456789',
  token: 'IQoJb3JpZ2luX2VjEXAMPLEsessiontoken',
};
const EXPIRED = { id: 'ASIAEXPIREDEXAMPLE00', secret: 'expired-secret-key-example-0123456789', token: 'IQoJexpiredsessiontokenEXAMPLE' };
const DENIED = { id: 'AKIADENIEDEXAMPLE000', secret: 'denied-secret-key-example-0123456789' };
const ECR_PASSWORD = 'ecr-password-from-the-helper';
const GAR_TOKEN = 'ya29.gar-access-token-from-gcloud';
const DIGEST = (seed: string): string => `sha256:${createHash('sha256').update(seed).digest('hex')}`;

describe('ECR and Artifact Registry: listing through the vendors’ APIs', function () {
  let lab: Lab;
  let registry: LabRegistry;
  let clouds: CloudContracts;
  let ecrApi: EcrApiContract;
  let google: GoogleApisContract;
  const sessions: RegistrySession[] = [];

  before(async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    registry = await lab.startRegistry({ name: 'ecr-gar', auth: 'token' });
    const layout = await OciLayout.create(join(lab.dir, 'content', 'ecr-gar'));
    const image = await layout.image({ seed: 'ecr-gar', layers: [1024] });
    for (const ref of ['team/app:1.0', 'team/api:1.0', 'tools/lint:1.0', 'my-project/images/app:1.0'])
      await pushToRegistry(layout, image, registry, ref);
    clouds = await CloudContracts.start(lab, registry, {
      acrRefreshTokens: [],
      ecrPasswords: [ECR_PASSWORD],
      garAccessTokens: [GAR_TOKEN],
    });
    ecrApi = await EcrApiContract.start(lab, registry, {
      account: ACCOUNT,
      region: REGION,
      maxPage: 2,
      keys: {
        [KEY.id]: { secret: KEY.secret, mayList: true, user: 'dev' },
        [TEMP.id]: { secret: TEMP.secret, sessionToken: TEMP.token, mayList: true, user: 'sso-dev' },
        [EXPIRED.id]: { secret: EXPIRED.secret, sessionToken: EXPIRED.token, expired: true, mayList: true, user: 'old' },
        [DENIED.id]: { secret: DENIED.secret, mayList: false, user: 'intern' },
      },
    });
    const place = { location: 'europe', host: 'europe-docker.pkg.dev' };
    google = await GoogleApisContract.start(lab, {
      accessTokens: [GAR_TOKEN],
      projects: [{ id: 'my-project' }, { id: 'other-project', refused: true }, { id: 'side-project' }],
      maxPage: 1,
      images: [
        // Four digests of one image (CI pushes): one package, listed once, on one page of its own.
        ...['a1', 'a2', 'a3', 'a4'].map((seed, i) => ({
          project: 'my-project',
          repository: 'images',
          image: 'app',
          digest: DIGEST(seed),
          tags: i === 0 ? ['1.0'] : [],
          uploaded: new Date(Date.UTC(2026, 10, 1 + i)),
          ...place,
        })),
        { project: 'my-project', repository: 'images', image: 'tools/lint', digest: DIGEST('l1'), tags: ['2'], ...place },
        { project: 'side-project', repository: 'web', image: 'site', digest: DIGEST('s1'), tags: ['3'], ...place },
        {
          project: 'my-project',
          repository: 'gcr.io',
          image: 'legacy',
          digest: DIGEST('g1'),
          tags: ['old'],
          location: 'us',
          host: 'gcr.io',
        },
      ],
    });
  });

  afterEach(async () => {
    for (const s of [clouds.server, ecrApi.server, google.server]) s.clear();
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  after(async function () {
    this.timeout(30_000);
    await Promise.all([clouds, ecrApi, google].map((c) => c?.server.stop()));
    await lab?.stopAll();
  });

  /** A session with this environment, home folder files, Docker config and programs on PATH. */
  function session(options: {
    env?: Record<string, string>;
    files?: Record<string, string>;
    programs?: Record<string, string>;
    dockerConfig?: object;
  }): RegistrySession {
    const home = mkdtempSync(join(tmpdir(), 'ecr-gar-home-'));
    const bin = join(home, 'bin');
    mkdirSync(bin);
    for (const [path, text] of Object.entries(options.files ?? {})) {
      mkdirSync(join(home, path, '..'), { recursive: true });
      writeFileSync(join(home, path), text);
    }
    for (const [name, script] of Object.entries(options.programs ?? {})) {
      writeFileSync(join(bin, name), script);
      chmodSync(join(bin, name), 0o755);
    }
    writeFileSync(join(home, 'config.json'), JSON.stringify(options.dockerConfig ?? {}));
    writeFileSync(join(home, 'auth.json'), '{}');
    const s = createSession({
      hostsDirectories: [clouds.server.hostsDirectory, ecrApi.server.hostsDirectory, google.server.hostsDirectory],
      resolveRules: [...clouds.server.resolveRules(), ...ecrApi.server.resolveRules(), ...google.server.resolveRules()],
      credentials: { dockerConfigPath: join(home, 'config.json'), podmanAuthPath: join(home, 'auth.json') },
      env: { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: home, ...options.env },
      homedir: home,
      retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 },
    });
    sessions.push(s);
    return s;
  }

  const ecr = (s: RegistrySession) => createProviderClient(s.registry(clouds.ecrHost), s.apiChannel());
  const ALL_ECR = ['my-project/images/app', 'team/api', 'team/app', 'tools/lint'];

  it('the contract server’s Signature Version 4 check agrees with AWS’s published suite (get-vanilla, query order)', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
    const at = Date.UTC(2015, 7, 30, 12, 36, 0);
    for (const [query, signature] of [
      ['', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'],
      ['Param2=value2&Param1=value1', 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500'],
    ] as const) {
      const headers = {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`,
      };
      const expect = { region: 'us-east-1', service: 'service', secretFor: () => secret, now: at };
      const req = { method: 'GET', path: '/', query: new URLSearchParams(query), headers, body: '' };
      assert.deepEqual(checkSigV4(req, expect), { accessKeyId: 'AKIDEXAMPLE' });
      const tampered = {
        ...req,
        headers: { ...headers, authorization: headers.authorization.replace(/.$/, signature.endsWith('0') ? '1' : '0') },
      };
      assert.equal((checkSigV4(tampered, expect) as { type?: string }).type, 'InvalidSignatureException');
    }
  });

  it('ECR: lists through DescribeRepositories with the environment’s keys, page by page (nextToken), never _catalog', async () => {
    const s = session({ env: { AWS_ACCESS_KEY_ID: KEY.id, AWS_SECRET_ACCESS_KEY: KEY.secret } });
    const provider = ecr(s);
    assert.equal(provider.info.id, 'ecr');
    const pages = await pagesOf(provider.listRepositories({ pageSize: 50 }));
    assert.deepEqual(repositoryNames(pages), ALL_ECR);
    assert.deepEqual(
      pages.map((p) => (p as { more?: boolean }).more),
      [true, false],
      'two pages of two (the server’s page size), the last saying no more follow',
    );
    assert.deepEqual(ecrApi.maxResultsSeen.splice(0), [50, 50], 'maxResults follows the page size asked');
    assert.equal(
      pages[0]![0]!.webUrl,
      `https://${REGION}.console.aws.amazon.com/ecr/repositories/private/${ACCOUNT}/my-project/images/app?region=${REGION}`,
    );
    assert.equal(ecrApi.server.count(ecrApi.apiHost, /^\/$/, 'POST'), 2);
    assert.equal(clouds.server.count(clouds.ecrHost, /_catalog/), 0, 'ECR has no _catalog: it is never asked');
  });

  it('ECR: reads the AWS_PROFILE profile’s keys and session token from the shared credentials file', async () => {
    const s = session({
      env: { AWS_PROFILE: 'work' },
      files: {
        '.aws/credentials': `[default]\naws_access_key_id = AKIAWRONGWRONGWRONG0\naws_secret_access_key = wrong\n\n[work]\naws_access_key_id = ${TEMP.id}\naws_secret_access_key = ${TEMP.secret}\naws_session_token = ${TEMP.token}\n`,
        '.aws/config': '[profile work]\nregion = eu-west-1\n',
      },
    });
    const provider = ecr(s);
    assert.equal(await provider.account(), 'AWS profile work', 'the row names the profile before anything is listed');
    assert.deepEqual(repositoryNames(await pagesOf(provider.listRepositories())), ALL_ECR);
  });

  it('ECR: runs a profile’s credential_process from the config file', async () => {
    const printer = `#!/bin/sh\nprintf '{"Version":1,"AccessKeyId":"${KEY.id}","SecretAccessKey":"%s","Expiration":"2999-01-01T00:00:00Z"}' "$1"\n`;
    const s = session({
      env: { AWS_PROFILE: 'tool' },
      programs: { 'print-aws-creds': printer },
      files: { '.aws/config': `[profile tool]\ncredential_process = print-aws-creds "${KEY.secret}"\n` },
    });
    assert.deepEqual(repositoryNames(await pagesOf(ecr(s).listRepositories())), ALL_ECR);
  });

  it('ECR: an SSO profile goes through the AWS CLI’s export-credentials; an expired SSO session names aws sso login', async () => {
    const aws = `#!/bin/sh\n[ "$1 $2 $3 $4 $5 $6" = "configure export-credentials --profile sso-dev --format process" ] || exit 2\nif [ -n "$SSO_EXPIRED" ]; then echo "Error loading SSO Token: Token for sso-dev does not exist or has expired" >&2; exit 255; fi\nprintf '{"Version":1,"AccessKeyId":"${TEMP.id}","SecretAccessKey":"${TEMP.secret}","SessionToken":"${TEMP.token}"}'\n`;
    const config = { '.aws/config': '[profile sso-dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = ReadOnly\n' };
    const s = session({ env: { AWS_PROFILE: 'sso-dev' }, programs: { aws }, files: config });
    assert.deepEqual(repositoryNames(await pagesOf(ecr(s).listRepositories())), ALL_ECR);
    const expired = session({ env: { AWS_PROFILE: 'sso-dev', SSO_EXPIRED: '1' }, programs: { aws }, files: config });
    const err = await failure(pagesOf(ecr(expired).listRepositories()));
    assert.equal(err.code, 'NEEDS_LOGIN', err.message);
    assert.match(err.message, /run `aws sso login --profile sso-dev`/);
    assert.deepEqual(err.remedy, { kind: 'run-command', host: 'aws', command: 'aws sso login --profile sso-dev' });
  });

  it('ECR: without AWS credentials, says to run aws configure', async () => {
    const err = await failure(pagesOf(ecr(session({})).listRepositories()));
    assert.equal(err.code, 'NEEDS_LOGIN', err.message);
    assert.match(err.message, /none are set up .*run `aws configure`/);
    assert.deepEqual(err.remedy, { kind: 'run-command', host: clouds.ecrHost, command: 'aws configure' });
    assert.equal(ecrApi.server.seen.length, 0, 'nothing was sent without credentials');
  });

  it('ECR: an expired session token is ExpiredTokenException, named with what to run', async () => {
    const s = session({ env: { AWS_ACCESS_KEY_ID: EXPIRED.id, AWS_SECRET_ACCESS_KEY: EXPIRED.secret, AWS_SESSION_TOKEN: EXPIRED.token } });
    const err = await failure(pagesOf(ecr(s).listRepositories()));
    assert.equal(err.code, 'TOKEN_REJECTED', err.message);
    assert.match(
      err.message,
      /AWS session token from the environment \(AWS_ACCESS_KEY_ID\) has expired: run `aws configure` \(or renew AWS_SESSION_TOKEN\)/,
    );
  });

  it('ECR: AccessDeniedException names ecr:DescribeRepositories; a wrong secret is a refused signature', async () => {
    const denied = session({ env: { AWS_ACCESS_KEY_ID: DENIED.id, AWS_SECRET_ACCESS_KEY: DENIED.secret } });
    const err = await failure(pagesOf(ecr(denied).listRepositories()));
    assert.equal(err.code, 'SCOPE_MISSING', err.message);
    assert.match(err.message, /is not allowed ecr:DescribeRepositories on the registry 123456789012 in eu-west-1/);
    const wrong = session({ env: { AWS_ACCESS_KEY_ID: KEY.id, AWS_SECRET_ACCESS_KEY: 'not-the-secret' } });
    const refused = await failure(pagesOf(ecr(wrong).listRepositories()));
    assert.equal(refused.code, 'TOKEN_REJECTED', refused.message);
    assert.match(refused.message, /refused the signature/);
    assert.ok(!refused.message.includes('not-the-secret') && !err.message.includes(DENIED.secret), 'no secret in a message');
  });

  it('ECR: a listed repository opens through the registry with the docker-credential-ecr-login helper', async () => {
    const helper = `#!/bin/sh\ncat >/dev/null\nprintf '{"ServerURL":"%s","Username":"AWS","Secret":"${ECR_PASSWORD}"}' "${clouds.ecrHost}"\n`;
    const s = session({
      env: { AWS_ACCESS_KEY_ID: KEY.id, AWS_SECRET_ACCESS_KEY: KEY.secret },
      dockerConfig: { credHelpers: { [clouds.ecrHost]: 'ecr-login' } },
      programs: { 'docker-credential-ecr-login': helper },
    });
    const [first] = repositoryNames(await pagesOf(ecr(s).listRepositories()));
    const manifest = await s.registry(clouds.ecrHost).repository(first!).getManifest('1.0');
    assert.ok(manifest.descriptor.digest.startsWith('sha256:'));
  });

  const gcloudHelper = (host: string, token = GAR_TOKEN): string =>
    `#!/bin/sh\ncat >/dev/null\nprintf '{"ServerURL":"%s","Username":"_dcgcloud_token","Secret":"${token}"}' "${host}"\n`;

  it('Artifact Registry: lists the images of the projects Resource Manager names, through packages.list, page by page', async () => {
    const s = session({
      dockerConfig: { credHelpers: { [clouds.garHost]: 'gcloud' } },
      programs: { 'docker-credential-gcloud': gcloudHelper(clouds.garHost) },
    });
    const provider = createProviderClient(s.registry(clouds.garHost), s.apiChannel());
    assert.equal(provider.info.id, 'gar');
    const pages = await pagesOf(provider.listRepositories());
    assert.deepEqual(
      pages.map((p) => p.map((r) => r.name)),
      [['my-project/images/app'], ['my-project/images/tools/lint'], ['side-project/web/site']],
      'each image once, a page (of one, the most this server sends) per image whatever its number of digests',
    );
    assert.equal(pages[0]![0]!.lastPush, Date.UTC(2026, 10, 4), 'the package’s updateTime: its latest push');
    assert.deepEqual(provider.skipped, ['other-project'], 'a project whose Artifact Registry refuses is skipped and named');
    assert.ok(google.server.count('cloudresourcemanager.googleapis.com', /pageToken=/) >= 1, 'projects were paged');
    assert.ok(google.server.count('artifactregistry.googleapis.com', /\/packages\?.*pageToken=/) >= 1, 'images were paged');
    assert.equal(google.server.count('artifactregistry.googleapis.com', /\/dockerImages/), 0, 'no request per digest');
    assert.equal(clouds.server.count(clouds.garHost, /_catalog/), 0);
    // What it lists opens through the registry with the same helper.
    const manifest = await s.registry(clouds.garHost).repository('my-project/images/app').getManifest('1.0');
    assert.ok(manifest.descriptor.digest.startsWith('sha256:'));
  });

  it('gcr.io: lists the gcr.io repository of a project named in settings', async () => {
    const s = session({
      dockerConfig: { credHelpers: { 'gcr.io': 'gcloud' } },
      programs: { 'docker-credential-gcloud': gcloudHelper('gcr.io') },
    });
    const provider = createProviderClient(s.registry('gcr.io'), s.apiChannel(), { namespaces: ['my-project'] });
    const names = repositoryNames(await pagesOf(provider.listRepositories()));
    assert.deepEqual(names, ['my-project/legacy']);
    assert.equal(
      google.server.count('artifactregistry.googleapis.com', /\/projects\/my-project\/locations\/us\/repositories\/gcr\.io\/packages/),
      1,
    );
  });

  it('Artifact Registry: an expired access token says to run gcloud auth login', async () => {
    const s = session({
      dockerConfig: { credHelpers: { [clouds.garHost]: 'gcloud' } },
      programs: { 'docker-credential-gcloud': gcloudHelper(clouds.garHost, 'ya29.expired-token') },
    });
    const err = await failure(pagesOf(createProviderClient(s.registry(clouds.garHost), s.apiChannel()).listRepositories()));
    assert.equal(err.code, 'TOKEN_REJECTED', err.message);
    assert.match(err.message, /rejected the access token .* run `gcloud auth login`/);
    assert.ok(!err.message.includes('ya29.expired-token'));
  });
});
