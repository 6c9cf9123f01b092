/**
 * Registries that list through the Distribution API's `_catalog`: any registry nobody named a
 * vendor for, and ACR, whose login its own tool sets up (`az acr login`); ECR and Artifact
 * Registry list through their APIs (ecr.ts, gar.ts).
 * When a cloud registry asks for a login nobody set up, the error names the exact command to run.
 */
import { CoreError } from '../errors';
import type { ListOptions } from '../registry/client';
import { listAcrManifests, untaggedOf } from './acr-manifests';
import { cloudConsolePage } from './cloud-pages';
import type { ProviderClient, ProviderContext, ProviderInfo, RepositoryPage, UntaggedManifestListing } from './provider';

/** Usernames that stand for a token rather than a person (Docker's identity tokens, ACR's refresh tokens, ECR's AWS). */
const NOT_A_PERSON = new Set(['<token>', '00000000-0000-0000-0000-000000000000', 'oauth2accesstoken', '_json_key', '_dcgcloud_token']);

export class DistributionProvider implements ProviderClient {
  /** ACR lists manifests with their tags (acr-manifests.ts); the other registries here list tags only. */
  readonly listUntaggedManifests?: (
    repository: string,
    options?: { signal?: AbortSignal; limit?: number; pageSize?: number },
  ) => Promise<UntaggedManifestListing[]>;

  constructor(
    readonly info: ProviderInfo,
    private readonly ctx: ProviderContext,
  ) {
    if (info.id === 'acr')
      this.listUntaggedManifests = async (repository, options = {}) => {
        try {
          return untaggedOf(await listAcrManifests(ctx.registry, repository, options));
        } catch (err) {
          throw this.withCloudCommand(err);
        }
      };
  }

  async *listRepositories(options: ListOptions = {}): AsyncGenerator<RepositoryPage> {
    try {
      // The catalog's pages say whether another follows, so the tree knows when it has them all.
      for await (const page of this.ctx.registry.repositoryPages(options))
        yield Object.assign(
          page.names.map((name) => ({ name })),
          { more: page.more, ...(page.leftOut ? { leftOut: page.leftOut } : {}), ...(page.cut ? { cut: page.cut } : {}) },
        );
    } catch (err) {
      throw this.withCloudCommand(err);
    }
  }

  async account(): Promise<string | undefined> {
    const credential = await this.ctx.registry.credential().catch(() => undefined);
    if (credential?.account) return credential.account;
    const username = credential?.username;
    return username && !NOT_A_PERSON.has(username) ? username : undefined;
  }

  /** The cloud console's page (ECR, Artifact Registry); a plain registry has none. */
  webPage(target: { repository?: string; tag?: string } = {}): string | undefined {
    return cloudConsolePage(this.info.id, this.ctx.host, target.repository === undefined ? {} : { repository: target.repository });
  }

  /** A cloud registry's login error, with the command of the cloud's own tool that sets the login up. */
  private withCloudCommand(err: unknown): unknown {
    const signIn = this.info.signIn;
    if (signIn.kind !== 'cloud' || !(err instanceof CoreError)) return err;
    if (err.code !== 'NEEDS_LOGIN' && err.code !== 'AUTH_FAILED') return err;
    const host = this.ctx.host;
    const helper = !signIn.helper
      ? ''
      : signIn.commandSetsUpHelper
        ? ` (it configures the docker-credential-${signIn.helper} helper, which this extension runs like docker does)`
        : ` (or name the docker-credential-${signIn.helper} helper for ${host} in the credHelpers of Docker's config.json)`;
    const lead =
      err.code === 'NEEDS_LOGIN'
        ? `${host} needs a login that the ${signIn.tool} sets up`
        : `${host} refused the login: the ${signIn.tool} sets up a new one`;
    return new CoreError('NEEDS_LOGIN', `${lead}: run \`${signIn.command}\`${helper}, then refresh.`, {
      cause: err,
      remedy: { kind: 'run-command', host, command: signIn.command },
    });
  }
}
