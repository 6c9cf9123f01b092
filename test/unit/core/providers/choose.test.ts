import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CoreError } from '../../../../src/core/errors';
import { chooseProvider, providerIdForHost } from '../../../../src/core/providers/choose';

describe('providers: chooseProvider', () => {
  it('knows the vendors’ registries by host', () => {
    const cases: [string, string, string | undefined][] = [
      ['docker.io', 'docker-hub', 'https://hub.docker.com'],
      ['index.docker.io', 'docker-hub', 'https://hub.docker.com'],
      ['registry-1.docker.io', 'docker-hub', 'https://hub.docker.com'],
      ['ghcr.io', 'github', 'https://api.github.com'],
      ['registry.gitlab.com', 'gitlab', 'https://gitlab.com/api/v4'],
      ['quay.io', 'quay', 'https://quay.io/api/v1'],
      ['myregistry.azurecr.io', 'acr', undefined],
      ['123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'ecr', 'https://api.ecr.eu-west-1.amazonaws.com'],
      ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', 'ecr', 'https://api.ecr.cn-north-1.amazonaws.com.cn'],
      ['europe-docker.pkg.dev', 'gar', 'https://artifactregistry.googleapis.com/v1'],
      ['gcr.io', 'gar', 'https://artifactregistry.googleapis.com/v1'],
      ['eu.gcr.io', 'gar', 'https://artifactregistry.googleapis.com/v1'],
      ['registry.example.com', 'distribution', undefined],
      ['localhost:5000', 'distribution', undefined],
    ];
    for (const [host, id, api] of cases) {
      const info = chooseProvider(host);
      assert.equal(info.id, id, host);
      assert.equal(info.apiBase, api, host);
      assert.equal(info.chosenBy, id === 'distribution' ? 'default' : 'host', host);
    }
  });

  it('takes the provider named in settings for a self-hosted edition, with its default API or the one given', () => {
    assert.equal(chooseProvider('harbor.example.com', { provider: 'harbor' }).apiBase, 'https://harbor.example.com/api/v2.0');
    assert.equal(chooseProvider('harbor.example.com:8443', { provider: 'harbor' }).apiBase, 'https://harbor.example.com:8443/api/v2.0');
    assert.equal(chooseProvider('localhost:8080', { provider: 'harbor', scheme: 'http' }).apiBase, 'http://localhost:8080/api/v2.0');
    assert.equal(chooseProvider('registry.example.com:5050', { provider: 'gitlab' }).apiBase, 'https://example.com/api/v4');
    assert.equal(
      chooseProvider('registry.example.com', { provider: 'gitlab', apiUrl: 'https://git.example.com/api/v4/' }).apiBase,
      'https://git.example.com/api/v4',
    );
    const ghes = chooseProvider('containers.github.example.com', { provider: 'GitHub' });
    assert.equal(ghes.apiBase, 'https://github.example.com/api/v3');
    assert.equal(ghes.name, 'GitHub Enterprise Container Registry');
    assert.equal(ghes.signIn.kind === 'github' && ghes.signIn.authProviderId, 'github-enterprise');
    assert.equal(chooseProvider('ghcr.io', { provider: 'distribution' }).id, 'distribution', 'a setting wins over the host');
    assert.equal(chooseProvider('quay.example.com', { provider: 'quay' }).chosenBy, 'setting');
  });

  it('refuses a provider it does not know and an API URL that is not http(s), naming what works', () => {
    assert.throws(
      () => chooseProvider('r.example.com', { provider: 'nexus' }),
      (e: unknown) =>
        e instanceof CoreError &&
        e.code === 'PARSE_ERROR' &&
        e.message ===
          'The provider "nexus" of r.example.com is not one this extension knows: use one of distribution, docker-hub, github, gitlab, quay, harbor, acr, ecr, gar.',
    );
    assert.throws(() => chooseProvider('r.example.com', { provider: 'gitlab', apiUrl: 'ftp://x/api' }), /must start with https:\/\//);
    assert.throws(
      () => chooseProvider('r.example.com', { provider: 'gitlab', apiUrl: 'https://u:p@x/api' }),
      /must not carry a user name or password/,
    );
    assert.throws(() => chooseProvider('r.example.com', { provider: 'gitlab', apiUrl: 'not a url' }), /is not a URL/);
  });

  it('names the exact command that sets up a cloud’s login', () => {
    const command = (host: string) => {
      const s = chooseProvider(host).signIn;
      return s.kind === 'cloud' ? s.command : undefined;
    };
    assert.equal(command('myregistry.azurecr.io'), 'az acr login --name myregistry');
    assert.equal(
      command('123456789012.dkr.ecr.eu-west-1.amazonaws.com'),
      'aws ecr get-login-password --region eu-west-1 | docker login --username AWS --password-stdin 123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    );
    assert.equal(command('europe-docker.pkg.dev'), 'gcloud auth configure-docker europe-docker.pkg.dev');
    assert.equal(command('gcr.io'), 'gcloud auth configure-docker');
  });

  it('asks GitHub only for read:packages, and for write or delete only when pushing or deleting', () => {
    const s = chooseProvider('ghcr.io').signIn;
    assert.ok(s.kind === 'github');
    assert.deepEqual(s.scopes, ['read:packages']);
    assert.deepEqual(s.pushScopes, ['read:packages', 'write:packages']);
    assert.deepEqual(s.deleteScopes, ['read:packages', 'delete:packages']);
  });

  it('never names a vendor for a host that only looks like one', () => {
    fc.assert(
      fc.property(fc.domain(), (domain) => {
        const id = providerIdForHost(domain);
        const lower = domain.toLowerCase();
        if (id === 'github') return lower === 'ghcr.io';
        if (id === 'docker-hub') return ['docker.io', 'index.docker.io', 'registry-1.docker.io'].includes(lower);
        if (id === 'acr') return /\.azurecr\.(io|cn|us)$/.test(lower);
        if (id === 'gar') return lower.endsWith('-docker.pkg.dev') || /(^|\.)gcr\.io$/.test(lower);
        return true;
      }),
    );
    assert.equal(providerIdForHost('ghcr.io.evil.example'), undefined);
    assert.equal(providerIdForHost('evilghcr.io'), undefined);
    assert.equal(providerIdForHost('azurecr.io.example.com'), undefined);
  });
});
