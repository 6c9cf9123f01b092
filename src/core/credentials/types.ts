/**
 * What a login is, and where one can come from: the types every credential module shares, kept in
 * a leaf module so the stores and the resolver import them without importing each other.
 */

export interface Credential {
  username?: string;
  password?: string;
  /** A refresh token for the OAuth2 token endpoint (grant_type=refresh_token). */
  identityToken?: string;
  /** A bearer token sent to the registry as is. */
  registryToken?: string;
  /** Where it came from, for the user: 'secret-storage', a file path, `path (credsStore: desktop)`. Never a secret. */
  source: string;
  /** Who the login belongs to, for display, when its username is a token user (an editor sign-in exchanged for ACR's). */
  account?: string;
}

/** A credential's secret parts, before the lookup says where it came from. */
export type CredentialFields = Omit<Credential, 'source'>;

/** A source of credentials by host (the extension implements one over SecretStorage). */
export interface CredentialStore {
  get(host: string): Promise<Credential | undefined>;
}
