/**
 * The provider client for a registry: the provider chosen for it (see choose.ts), built over the
 * registry's own client and the session's API channel, which it carries by value.
 */
import type { ApiChannel } from '../registry/api-channel';
import type { RegistryClient } from '../registry/client';
import { chooseProvider, type ProviderSetting } from './choose';
import { DistributionProvider } from './distribution';
import { DockerHubProvider } from './docker-hub';
import { EcrProvider } from './ecr';
import { GarProvider } from './gar';
import { GitHubProvider } from './github';
import { GitLabProvider } from './gitlab';
import { HarborProvider } from './harbor';
import { RecognisingProvider } from './harbor-detect';
import type { ProviderClient, ProviderContext, ProviderInfo } from './provider';
import { QuayProvider } from './quay';

export interface ProviderClientOptions extends ProviderSetting {
  /** Namespaces (organizations, groups, projects) to list besides the ones the API names. */
  namespaces?: readonly string[];
  /** What an earlier client recognised this registry as (harbor-detect.ts), for one built again: it starts as that provider. */
  recognised?: ProviderInfo;
}

/**
 * The provider client for `registry`, which lists its repositories and says who is signed in.
 * @throws CoreError PARSE_ERROR for a provider name or API URL in settings that does not work (see chooseProvider)
 */
export function createProviderClient(registry: RegistryClient, api: ApiChannel, options: ProviderClientOptions = {}): ProviderClient {
  const info = chooseProvider(registry.host, options);
  const ctx: ProviderContext = { host: registry.host, registry, api, namespaces: [...(options.namespaces ?? [])] };
  switch (info.id) {
    case 'docker-hub':
      return new DockerHubProvider(info, ctx);
    case 'github':
      return new GitHubProvider(info, ctx);
    case 'gitlab':
      return new GitLabProvider(info, ctx);
    case 'quay':
      return new QuayProvider(info, ctx);
    case 'harbor':
      return new HarborProvider(info, ctx);
    case 'ecr':
      return new EcrProvider(info, ctx);
    case 'gar':
      return new GarProvider(info, ctx);
    default:
      // A registry nobody named a provider for may turn out to be Harbor (harbor-detect.ts).
      if (info.chosenBy === 'default') return new RecognisingProvider(info, ctx, options.recognised);
      return new DistributionProvider(info, ctx);
  }
}
