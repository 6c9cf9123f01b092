/**
 * What a registry provider is: how a vendor's registry lists what the user can see (through the
 * vendor's web API, page by page, or the Distribution `_catalog`), what it adds to each repository
 * (last push, visibility, description, pulls, its web page), how a user signs in to it, and who is
 * signed in. One module per vendor implements ProviderClient; choose.ts picks the provider for a
 * registry by its host or by the `provider` the user named for a self-hosted one.
 */
import type { ApiChannel } from '../registry/api-channel';
import type { ListOptions, RegistryClient } from '../registry/client';

export type ProviderId = 'distribution' | 'docker-hub' | 'github' | 'gitlab' | 'quay' | 'harbor' | 'acr' | 'ecr' | 'gar';

/** A repository as a provider lists it: its name in the registry and what the vendor adds. */
export interface RepositoryDetails {
  /** The repository's name in the registry (`octocat/app`), as references use it. */
  name: string;
  /** The vendor's description (untrusted text: shown escaped). */
  description?: string;
  /** When something was last pushed (ms since the epoch), when the vendor says. */
  lastPush?: number;
  visibility?: 'public' | 'private' | 'internal';
  pullCount?: number;
  /** Tags, when the vendor counts tags (GitLab's tags_count). */
  tagCount?: number;
  /**
   * GitHub's package version_count ("The number of versions of the package"): on ghcr.io every
   * manifest is a version (an index, each platform's image, attestations, untagged ones), so never a tag count.
   */
  versionCount?: number;
  /** Harbor's artifact_count ("The count of the artifacts inside the repository"), not a tag count either. */
  artifactCount?: number;
  /** The vendor's web page for the repository. */
  webUrl?: string;
}

/**
 * How a user signs in to a provider's registry, for the extension to ask the right way. The login
 * always ends up as the registry's credential (username and password or token), so the registry's
 * token flow and the vendor's API use the same one.
 */
export type SignIn =
  /** A username and a password or token, for any registry. */
  | { kind: 'password' }
  /** A username (or a fixed one) and a token the vendor issues on its web page, with the scopes it needs. */
  | {
      kind: 'token';
      /** What the vendor calls the token ("personal access token", "OAuth access token"). */
      tokenName: string;
      /** The username the vendor expects with such a token, when it is fixed (Quay's `$oauthtoken`). */
      fixedUsername?: string;
      /** Where the user creates one. */
      tokenPage?: string;
      /** The scopes to grant it, in the vendor's words. */
      scopes: readonly string[];
    }
  /**
   * GitHub's: a session of the editor's GitHub sign-in (its provider id), asking only for
   * `scopes`, and more only for writes; a personal access token (classic) with the same scopes works too.
   */
  | {
      kind: 'github';
      authProviderId: 'github' | 'github-enterprise';
      scopes: readonly string[];
      pushScopes: readonly string[];
      deleteScopes: readonly string[];
      tokenPage: string;
    }
  /** A cloud's own tool sets up the login (a credential helper, or a login it writes); `command` is what to run. */
  | {
      kind: 'cloud';
      tool: string;
      command: string;
      /** The Docker credential helper that serves these logins (`ecr-login` for docker-credential-ecr-login). */
      helper?: string;
      /** Whether `command` sets the helper up (gcloud's does; the AWS CLI's writes a login instead). */
      commandSetsUpHelper?: boolean;
      docs: string;
      /** An editor sign-in that also works (ACR's: Microsoft's, its token exchanged at the registry, see acr-exchange.ts). */
      session?: { authProviderId: 'microsoft'; scopes: readonly string[] };
    };

/** A provider as chosen for one registry. */
export interface ProviderInfo {
  id: ProviderId;
  /** "Docker Hub", "GitHub Container Registry", "Harbor"… */
  name: string;
  /** How it was chosen: by the registry's host, by the `provider` on its settings entry, or recognised from the registry's answers (Harbor). */
  chosenBy: 'host' | 'setting' | 'detected' | 'default';
  /** The vendor API's base URL (`https://api.github.com`); absent when the registry lists through `_catalog`. */
  apiBase?: string;
  signIn: SignIn;
  /** Whether repository rows get a last-push time from this provider. */
  reportsLastPush: boolean;
  /** Whether the vendor has web pages for the registry, its repositories and tags (Open in Browser). */
  webPages: boolean;
}

/** What a provider client carries, by value: no provider holds the session. */
export interface ProviderContext {
  /** The registry as references name it: `docker.io`, `ghcr.io`. */
  readonly host: string;
  /** The registry's own client: `_catalog`, its credential, its token flow. */
  readonly registry: RegistryClient;
  /** Requests to the vendor's API through the session's transport. */
  readonly api: ApiChannel;
  /** Namespaces (organizations, groups) to list besides the ones the API says the user belongs to. */
  readonly namespaces: readonly string[];
}

/** A manifest no tag points at, as a vendor's API lists it (what a clean-up may offer to delete). */
export interface UntaggedManifestListing {
  digest: string;
  /** Bytes, when the vendor says. */
  size?: number;
  /** ms since the epoch, when the vendor says. */
  created?: number;
}

/**
 * A provider's untagged manifests, with `note` when the listing lacks something the vendor could
 * give and why, in words for the clean-up preview (ECR without `ecr:DescribeImages`: no sizes or
 * dates, and the permission that would give them).
 */
export type UntaggedListing = UntaggedManifestListing[] & { note?: string };

/** A page of repositories; `more: false` when the provider knows no page follows (the registry's last `_catalog` page). */
export type RepositoryPage = RepositoryDetails[] & {
  more?: boolean;
  /** Names the registry listed that are not repository names, left out (see ListingPage.leftOut). */
  leftOut?: number;
  /** The listing stopped before its end (see ListingPage.cut): why. */
  cut?: string;
};

export interface ProviderClient {
  readonly info: ProviderInfo;
  /**
   * The repositories the signed-in user can see, a page at a time: one vendor API request (or one
   * `_catalog` page) per page, so the tree's Load more, filters and folders work as over `_catalog`.
   */
  listRepositories(options?: ListOptions): AsyncGenerator<RepositoryPage>;
  /** Who the registry's login is, as the vendor names them; undefined when anonymous. */
  account(signal?: AbortSignal): Promise<string | undefined>;
  /** The vendor's web page for the registry, a repository or a tag; undefined where there is none. */
  webPage(target?: { repository?: string; tag?: string }): string | undefined;
  /** Namespaces the last listing could not read (an organization that refuses this login), for the registry's tooltip. */
  readonly skipped?: readonly string[];
  /**
   * The repository's manifests that no tag points at, where the vendor's API lists them (ACR's
   * `_manifests`); absent where the registry cannot list them (the Distribution API lists tags only).
   */
  readonly listUntaggedManifests?: (
    repository: string,
    options?: { signal?: AbortSignal; limit?: number; pageSize?: number },
  ) => Promise<UntaggedListing>;
  /**
   * Deletes a manifest through the vendor's API where the Distribution API's delete does not work
   * (GHCR answers `DELETE /v2/<name>/manifests/<digest>` with 405 UNSUPPORTED and deletes a package
   * version instead; ECR deletes with BatchDeleteImage); absent where the Distribution API's delete
   * is the way. Throws a CoreError with code MANIFEST_UNKNOWN when the manifest is not there.
   */
  readonly deleteManifest?: (repository: string, digest: string, options?: { signal?: AbortSignal }) => Promise<void>;
  /**
   * Removes one tag through the vendor's API, leaving the manifest (ECR's BatchDeleteImage by
   * `imageTag`, which deletes the image only with its last tag); absent where a tag alone is
   * removed another way (the Distribution API's tag delete, or a throwaway manifest the vendor's
   * `deleteManifest` deletes). Throws a CoreError with code MANIFEST_UNKNOWN when the tag is not there.
   */
  readonly deleteTag?: (repository: string, tag: string, options?: { signal?: AbortSignal }) => Promise<void>;
}
