/**
 * Azure Container Registry's native sign-in: a Microsoft Entra ID access token for Azure Resource
 * Manager (what an editor's Microsoft sign-in hands out) is exchanged at the registry's
 * `/oauth2/exchange` for an ACR refresh token, which then is the registry's login exactly as
 * `az acr login` writes it: the identity token of the user 00000000-0000-0000-0000-000000000000
 * (Azure/acr docs/AAD-OAuth.md, "Calling POST /oauth2/exchange").
 */
import type { Credential } from '../credentials/types';
import { CoreError } from '../errors';
import type { ApiChannel } from '../registry/api-channel';
import { apiFailure, readJson } from './vendor-api';

/** The username ACR's refresh tokens go with. */
export const ACR_TOKEN_USER = '00000000-0000-0000-0000-000000000000';

/** What the Microsoft sign-in asks for: a token for Azure Resource Manager, which ACR's exchange takes. */
export const ACR_SIGN_IN_SCOPES: readonly string[] = ['https://management.core.windows.net//.default'];

/** A refresh token is a JWT of a few KiB; anything far larger or with spaces is no token. */
const MAX_REFRESH_TOKEN_CHARS = 16 * 1024;

/**
 * The tenant an Entra ID access token was issued in (its `tid` claim), which the exchange takes to
 * pick the directory; undefined when the token is no JWT or names none. Only read, never trusted
 * for anything else: the registry checks the token itself.
 */
export function entraTenantOf(accessToken: string): string | undefined {
  const payload = accessToken.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { tid?: unknown };
    return typeof claims.tid === 'string' && /^[0-9a-f-]{36}$/i.test(claims.tid) ? claims.tid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Exchanges an Entra ID access token at `host`'s `/oauth2/exchange` for the registry's refresh
 * token, and returns the registry login it makes. `source` names the sign-in in messages.
 */
export async function exchangeEntraToken(
  api: ApiChannel,
  host: string,
  accessToken: string,
  source: string,
  signal?: AbortSignal,
): Promise<Credential> {
  api.secrets.add(accessToken);
  const tenant = entraTenantOf(accessToken);
  const form = new URLSearchParams({ grant_type: 'access_token', service: host, access_token: accessToken });
  if (tenant) form.set('tenant', tenant);
  const what = 'the exchange of a Microsoft sign-in for a registry login';
  const res = await api.send({
    method: 'POST',
    url: new URL(`https://${host}/oauth2/exchange`),
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form.toString(),
    signal,
  });
  const party = { vendor: 'Azure Container Registry', registry: host, credential: { source } };
  if (res.status !== 200) throw await apiFailure(res, api, party, what);
  const json = (await readJson(res, party.vendor, what)) as { refresh_token?: unknown } | null;
  const refreshToken = json?.refresh_token;
  if (typeof refreshToken !== 'string' || !refreshToken || refreshToken.length > MAX_REFRESH_TOKEN_CHARS || /\s/.test(refreshToken))
    throw new CoreError(
      'BAD_RESPONSE',
      `${host} answered ${what} without a refresh token: check that it is an Azure Container Registry, or run \`az acr login\` instead.`,
    );
  api.secrets.add(refreshToken);
  return { username: ACR_TOKEN_USER, identityToken: refreshToken, source };
}
