/**
 * What every command module receives: the registry service (the session, logins, request log,
 * repositories), the tree (to refresh or reveal what a command changed) and the log channel; and
 * the provider and vendor delete a command asks for by host.
 */
import type * as vscode from 'vscode';
import { core } from '../common/core-loader';
import type { RegistryService } from '../common/registry-service';
import type { ManifestDeleter, ProviderClient } from '../core/index';
import type { RegistryTreeProvider } from '../views/registry-tree';

export interface CommandContext {
  readonly registry: RegistryService;
  readonly tree: RegistryTreeProvider;
  readonly log: vscode.LogOutputChannel;
}

/**
 * The provider for a host: the tree's (it knows what settings name, such as a self-hosted Harbor),
 * else one chosen from the host name.
 */
export function providerFor(ctx: Pick<CommandContext, 'registry' | 'tree'>, host: string): ProviderClient {
  return ctx.tree.providerOf(host) ?? core().createProviderClient(ctx.registry.session.registry(host), ctx.registry.session.apiChannel());
}

/**
 * The vendor's delete by digest for one repository, where the Distribution API's delete does not
 * work (ECR's BatchDeleteImage, GitHub's package versions), with its tag delete where it has one
 * (ECR's); undefined where the Distribution API's delete works.
 */
export function vendorManifestDeleter(provider: ProviderClient, repository: string): ManifestDeleter | undefined {
  const remove = provider.deleteManifest;
  if (!remove) return undefined;
  const removeTag = provider.deleteTag;
  const byDigest = (digest: string, signal?: AbortSignal) => remove(repository, digest, signal ? { signal } : {});
  return removeTag
    ? Object.assign(byDigest, { deleteTag: (tag: string, signal?: AbortSignal) => removeTag(repository, tag, signal ? { signal } : {}) })
    : byDigest;
}
