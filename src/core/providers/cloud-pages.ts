/**
 * The cloud consoles' web pages for a registry and its repositories, read from the registry's host
 * alone (Open in Browser): Amazon ECR's console for the account and region in an ECR host, Google
 * Cloud's Artifact Registry page for the location in a `*-docker.pkg.dev` host and the project and
 * repository in the image's path. ACR's portal pages need the subscription and resource group, which
 * no registry name carries, so ACR has none here.
 */
import type { ProviderId } from './provider';
import { isRepositoryName, segment } from './vendor-api';

const ECR_HOST = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$/i;
const GAR_HOST = /^([a-z0-9-]+)-docker\.pkg\.dev$/i;

/**
 * The console page for the registry, or a repository (a tag's page is its repository's: the consoles
 * show tags on the repository's page); undefined where the host names no console page.
 */
export function cloudConsolePage(id: ProviderId, host: string, target: { repository?: string } = {}): string | undefined {
  const hostname = host.replace(/:\d+$/, '').toLowerCase();
  const repository = target.repository;
  if (repository !== undefined && !isRepositoryName(repository)) return undefined;
  if (id === 'ecr') {
    // https://REGION.console.aws.amazon.com/ecr/repositories/private/ACCOUNT/NAME?region=REGION
    const match = ECR_HOST.exec(hostname);
    if (!match) return undefined;
    const [, account, region] = match;
    return repository === undefined
      ? `https://${region}.console.aws.amazon.com/ecr/private-registry/repositories?region=${region}`
      : `https://${region}.console.aws.amazon.com/ecr/repositories/private/${account}/${repository}?region=${region}`;
  }
  if (id === 'gar') {
    // https://console.cloud.google.com/artifacts/docker/PROJECT/LOCATION/REPOSITORY/IMAGE?project=PROJECT
    // (an image whose name has slashes is one segment, its slashes encoded).
    const location = GAR_HOST.exec(hostname)?.[1];
    if (!location) return undefined;
    if (repository === undefined) return 'https://console.cloud.google.com/artifacts';
    const [project, garRepository, ...image] = repository.split('/');
    const path = [project!, location, ...(garRepository ? [garRepository] : []), ...(image.length ? [image.join('/')] : [])];
    return `https://console.cloud.google.com/artifacts/docker/${path.map(segment).join('/')}?project=${segment(project!)}`;
  }
  return undefined;
}
