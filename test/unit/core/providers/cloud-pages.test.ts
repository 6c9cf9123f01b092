// The cloud consoles' pages Open in Browser opens for ECR and Artifact Registry, read from the host
// and the repository's name alone; names the registry sent are untrusted, so no name leads off the
// console's own site.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { chooseProvider } from '../../../../src/core/providers/choose';
import { cloudConsolePage } from '../../../../src/core/providers/cloud-pages';
import { isRepositoryName } from '../../../../src/core/providers/vendor-api';

const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const GAR = 'europe-west3-docker.pkg.dev';

describe('providers: cloudConsolePage', () => {
  it('names ECR’s console pages for the registry’s account and region', () => {
    assert.equal(
      cloudConsolePage('ecr', ECR),
      'https://eu-west-1.console.aws.amazon.com/ecr/private-registry/repositories?region=eu-west-1',
    );
    assert.equal(
      cloudConsolePage('ecr', ECR, { repository: 'team/app' }),
      'https://eu-west-1.console.aws.amazon.com/ecr/repositories/private/123456789012/team/app?region=eu-west-1',
    );
  });

  it('names Artifact Registry’s page for the project, location, repository and image', () => {
    assert.equal(cloudConsolePage('gar', GAR), 'https://console.cloud.google.com/artifacts');
    assert.equal(
      cloudConsolePage('gar', GAR, { repository: 'my-project/images/api' }),
      'https://console.cloud.google.com/artifacts/docker/my-project/europe-west3/images/api?project=my-project',
    );
    // An image whose name has slashes is one segment of the console's path.
    assert.equal(
      cloudConsolePage('gar', GAR, { repository: 'my-project/images/team/api' }),
      'https://console.cloud.google.com/artifacts/docker/my-project/europe-west3/images/team%2Fapi?project=my-project',
    );
  });

  it('has no page for hosts that name no console page, nor for names that are not repository names', () => {
    assert.equal(cloudConsolePage('acr', 'myregistry.azurecr.io', { repository: 'app' }), undefined);
    assert.equal(cloudConsolePage('gar', 'gcr.io', { repository: 'p/app' }), undefined);
    assert.equal(cloudConsolePage('ecr', 'registry.example.com', { repository: 'app' }), undefined);
    assert.equal(cloudConsolePage('distribution', GAR, { repository: 'p/r/app' }), undefined);
    assert.equal(cloudConsolePage('ecr', ECR, { repository: '../../evil?x=1' }), undefined);
  });

  it('marks the rows of ECR and Artifact Registry as having web pages, and not ACR’s or GCR’s', () => {
    assert.equal(chooseProvider(ECR).webPages, true);
    assert.equal(chooseProvider(GAR).webPages, true);
    assert.equal(chooseProvider('myregistry.azurecr.io').webPages, false);
    assert.equal(chooseProvider('gcr.io').webPages, false);
  });

  it('gives a page only for a repository name, and only on the console’s own site, whatever name the registry sent', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.constantFrom<'ecr' | 'gar'>('ecr', 'gar'), (name, id) => {
        const page = cloudConsolePage(id, id === 'ecr' ? ECR : GAR, { repository: name });
        if (page === undefined) return;
        assert.ok(isRepositoryName(name), `a page for ${JSON.stringify(name)}`);
        const url = new URL(page);
        assert.equal(url.origin, id === 'ecr' ? 'https://eu-west-1.console.aws.amazon.com' : 'https://console.cloud.google.com');
        assert.equal(url.hash, '', page);
      }),
      { numRuns: 500 },
    );
  });
});
