/**
 * Signing in the way each registry's provider expects: GHCR and GitHub Enterprise Server through
 * VS Code's GitHub sign-in (asking only for read:packages) or a personal access token; Docker Hub,
 * GitLab and Quay with the token their web page issues (named, with where to create it); ACR
 * through VS Code's Microsoft sign-in (its token exchanged at the registry) or the Azure CLI; the
 * clouds through their own tool, whose exact command is offered to copy or run; any other
 * registry with a username and password. Log In… (login-commands.ts) asks here how to go on.
 */
import * as vscode from 'vscode';
import { core } from '../common/core-loader';
import { errorText } from '../common/error-text';
import { showError, showInfo, showWarning } from '../common/notify';
import type { RegistryService } from '../common/registry-service';
import { SessionLoginStore } from '../common/session-logins';
import { readSettings } from '../common/settings';
import type { PingResult, ProviderInfo, SignIn } from '../core/index';
import type { CommandContext } from './command-context';

/** A cloud sign-in that VS Code's Microsoft sign-in can also do (ACR's). */
export type MicrosoftSignIn = Extract<SignIn, { kind: 'cloud' }> & { session: NonNullable<Extract<SignIn, { kind: 'cloud' }>['session']> };

/** How Log In… goes on for a host: a VS Code sign-in, nothing more (a cloud's tool), or asking for a username and secret with these words. */
export type SignInFlow =
  | { kind: 'session'; signIn: Extract<SignIn, { kind: 'github' }> }
  | { kind: 'microsoft'; signIn: MicrosoftSignIn }
  | { kind: 'done' }
  | { kind: 'password'; usernamePrompt: string; fixedUsername?: string; passwordPrompt: string };

/** The provider for a host: its settings entry's `provider` and `apiUrl` if it has one, else its host's. */
export function providerInfoFor(host: string): ProviderInfo {
  const { chooseProvider, parseRegistryLocation } = core();
  const setting = readSettings().registries.find((r) => {
    try {
      return parseRegistryLocation(r.url).host === host;
    } catch {
      return false;
    }
  });
  try {
    return chooseProvider(host, {
      ...(setting?.provider ? { provider: setting.provider } : {}),
      ...(setting?.apiUrl ? { apiUrl: setting.apiUrl } : {}),
    });
  } catch {
    return chooseProvider(host);
  }
}

/** Asks how to sign in where the provider offers a choice, and with which words to ask for the secret. */
export async function chooseSignIn(host: string, provider: ProviderInfo): Promise<SignInFlow | undefined> {
  const signIn = provider.signIn;
  switch (signIn.kind) {
    case 'github': {
      const vendor = signIn.authProviderId === 'github' ? 'GitHub' : 'GitHub Enterprise';
      const picked = await vscode.window.showQuickPick(
        [
          {
            label: `$(github) Sign in with ${vendor}`,
            detail: `VS Code's ${vendor} sign-in, asking only for ${signIn.scopes.join(', ')}; its token is the registry's password.`,
            value: 'session' as const,
          },
          {
            label: '$(key) Use a personal access token (classic)',
            detail: `A token with the ${signIn.scopes.join(', ')} scope, created at ${signIn.tokenPage.split('?')[0]}.`,
            value: 'token' as const,
          },
        ],
        { title: `Log In to ${host}`, placeHolder: 'How do you want to sign in?', ignoreFocusOut: true },
      );
      if (!picked) return undefined;
      if (picked.value === 'session') return { kind: 'session', signIn };
      return {
        kind: 'password',
        usernamePrompt: `Your ${vendor} username`,
        passwordPrompt: `Personal access token (classic) with ${signIn.scopes.join(', ')}: create one at ${signIn.tokenPage.split('?')[0]}`,
      };
    }
    case 'token': {
      const where = signIn.tokenPage ? `: create one at ${signIn.tokenPage}` : '';
      const scopes = signIn.scopes.length ? ` with ${signIn.scopes.join(', ')}` : '';
      return {
        kind: 'password',
        usernamePrompt: `Your ${provider.name} username`,
        ...(signIn.fixedUsername ? { fixedUsername: signIn.fixedUsername } : {}),
        passwordPrompt: `${capitalize(signIn.tokenName)}${scopes}${where}`,
      };
    }
    case 'cloud': {
      if (signIn.session) {
        const session = signIn.session;
        const picked = await vscode.window.showQuickPick(
          [
            {
              label: '$(azure) Sign in with Microsoft',
              detail: `VS Code's Microsoft sign-in; ${host} trades its token for a registry login, as az acr login does.`,
              value: 'session' as const,
            },
            {
              label: `$(terminal) Use the ${signIn.tool}`,
              detail: `Run ${signIn.command}; Registry Explorer reads the login it writes.`,
              value: 'command' as const,
            },
          ],
          { title: `Log In to ${host}`, placeHolder: 'How do you want to sign in?', ignoreFocusOut: true },
        );
        if (!picked) return undefined;
        if (picked.value === 'session') return { kind: 'microsoft', signIn: { ...signIn, session } };
      }
      await offerCloudCommand(host, provider, signIn);
      return { kind: 'done' };
    }
    default:
      return { kind: 'password', usernamePrompt: 'Username', passwordPrompt: 'Password or access token' };
  }
}

/**
 * A cloud registry's login is its tool's to set up: the exact command, to copy or run in a
 * terminal; after it, a refresh picks the login up (Docker's config.json and credential helpers).
 */
async function offerCloudCommand(host: string, provider: ProviderInfo, signIn: Extract<SignIn, { kind: 'cloud' }>): Promise<void> {
  const helper = !signIn.helper
    ? ''
    : signIn.commandSetsUpHelper
      ? ` It sets up docker-credential-${signIn.helper}, which Registry Explorer runs like docker does.`
      : ` Or name the docker-credential-${signIn.helper} helper for ${host} in the credHelpers of Docker's config.json.`;
  const choice = await showInfo(
    `${provider.name} logins come from the ${signIn.tool}: run \`${signIn.command}\`, then refresh ${host}.${helper}`,
    'Copy Command',
    'Run in Terminal',
  );
  if (choice === 'Copy Command') await vscode.env.clipboard.writeText(signIn.command);
  if (choice === 'Run in Terminal') {
    const terminal = vscode.window.createTerminal({ name: `${signIn.tool}: ${host}` });
    terminal.show();
    // Not sent with Enter: the user reads it and runs it.
    terminal.sendText(signIn.command, false);
  }
}

/**
 * Signs in with VS Code's GitHub (or GitHub Enterprise) authentication provider, asking only for
 * the provider's scopes; checks the session's token against the registry and the API; keeps only
 * which provider and scopes, so VS Code hands out the token each time.
 */
export async function signInWithSession(
  host: string,
  provider: ProviderInfo,
  signIn: Extract<SignIn, { kind: 'github' }>,
  { registry, tree, log }: CommandContext,
  logins: SessionLoginStore,
  quiet = false,
): Promise<PingResult['state'] | undefined> {
  let session: vscode.AuthenticationSession;
  try {
    session = await vscode.authentication.getSession(signIn.authProviderId, [...signIn.scopes], { createIfNone: true });
  } catch (error) {
    void showError(
      `Signing in to ${host} with ${provider.name === 'GitHub Container Registry' ? 'GitHub' : 'GitHub Enterprise'} did not finish: ${(error as Error).message}`,
    );
    return undefined;
  }
  const account = session.account.label;
  const candidate = { username: account, password: session.accessToken, source: `the GitHub account ${account} being checked` };
  const trial = registry.trialSession({ candidateLogin: { host, credential: candidate } });
  let ping: PingResult;
  let apiProblem: string | undefined;
  try {
    ping = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Signing in to ${host}…` },
      async () => {
        const client = trial.registry(host);
        const result = await client.ping();
        if (result.state === 'reachable') {
          await core()
            .createProviderClient(client, trial.apiChannel(), {
              provider: provider.id,
              ...(provider.apiBase ? { apiUrl: provider.apiBase } : {}),
            })
            .account()
            .catch((err: unknown) => (apiProblem = errorText(err)));
        }
        return result;
      },
    );
  } finally {
    void trial.close();
  }
  if (ping.state === 'needs-login') {
    void showError(
      `${host} refused the GitHub sign-in of ${account}: sign out of GitHub in VS Code's Accounts menu and sign in again. Nothing was saved.`,
    );
    return ping.state;
  }
  if (ping.state === 'unreachable') {
    void showError(`${errorText(ping.error)} The sign-in could not be checked; nothing was saved.`);
    return ping.state;
  }
  await logins.storeSession(host, { authProviderId: signIn.authProviderId, scopes: [...signIn.scopes], account });
  log.info(`Signed in to ${host} as ${account} with VS Code's ${signIn.authProviderId} sign-in (${signIn.scopes.join(', ')}).`);
  registry.forget(host);
  tree.refresh();
  if (apiProblem) void showWarning(`Signed in to ${host} as ${account}, but listing its packages will fail: ${apiProblem}`);
  else if (!quiet) void showInfo(`Signed in to ${host} as ${account} with GitHub.`);
  return ping.state;
}

/**
 * Signs in to ACR with VS Code's Microsoft sign-in: its access token is exchanged at the registry's
 * /oauth2/exchange for a refresh token, which is checked against the registry before the sign-in is
 * kept (only which provider and scopes; the exchange is made again whenever the token changes).
 */
export async function signInWithMicrosoft(
  host: string,
  signIn: MicrosoftSignIn,
  { registry, tree, log }: CommandContext,
  logins: SessionLoginStore,
): Promise<PingResult['state'] | undefined> {
  const { authProviderId, scopes } = signIn.session;
  let session: vscode.AuthenticationSession;
  try {
    session = await vscode.authentication.getSession(authProviderId, [...scopes], { createIfNone: true });
  } catch (error) {
    void showError(`Signing in to ${host} with Microsoft did not finish: ${(error as Error).message}`);
    return undefined;
  }
  const account = session.account.label;
  const source = `the Microsoft account ${account} being checked`;
  const exchangeSession = registry.trialSession();
  let ping: PingResult;
  try {
    ping = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Signing in to ${host}…` },
      async () => {
        const credential = await core().exchangeEntraToken(exchangeSession.apiChannel(), host, session.accessToken, source);
        const trial = registry.trialSession({ candidateLogin: { host, credential } });
        try {
          return await trial.registry(host).ping();
        } finally {
          void trial.close();
        }
      },
    );
  } catch (error) {
    void showError(`${errorText(error)} Nothing was saved.`);
    return undefined;
  } finally {
    void exchangeSession.close();
  }
  if (ping.state !== 'reachable') {
    void showError(
      ping.state === 'needs-login'
        ? `${host} refused the login its exchange handed out for ${account}: check that the account has a role on the registry (AcrPull or more). Nothing was saved.`
        : `${errorText(ping.error)} The sign-in could not be checked; nothing was saved.`,
    );
    return ping.state;
  }
  await logins.storeSession(host, { authProviderId, scopes: [...scopes], account });
  log.info(`Signed in to ${host} as ${account} with VS Code's Microsoft sign-in.`);
  registry.forget(host);
  tree.refresh();
  void showInfo(`Signed in to ${host} as ${account} with Microsoft.`);
  return ping.state;
}

/**
 * Before a push, tag, copy or delete to a registry signed in through VS Code's GitHub sign-in: the
 * scope it needs (write:packages, delete:packages) is asked for now, only now, and the sign-in
 * keeps it. False when the user declined; true otherwise (any other login is the registry's to judge).
 */
export async function ensureWriteAccess(registry: RegistryService, host: string, action: 'push' | 'delete'): Promise<boolean> {
  const logins = registry.logins;
  if (!(logins instanceof SessionLoginStore)) return true;
  const login = await logins.sessionLogin(host);
  const signIn = providerInfoFor(host).signIn;
  if (!login || signIn.kind !== 'github') return true;
  const needed = action === 'push' ? signIn.pushScopes : signIn.deleteScopes;
  if (needed.every((scope) => login.scopes.includes(scope))) return true;
  const scopes = [...new Set([...login.scopes, ...needed])];
  let session: vscode.AuthenticationSession;
  try {
    session = await vscode.authentication.getSession(login.authProviderId, scopes, { createIfNone: true });
  } catch (error) {
    void showError(
      `${action === 'push' ? 'Writing to' : 'Deleting from'} ${host} needs GitHub's ${needed.filter((s) => !login.scopes.includes(s)).join(', ')}, which was not granted: ${(error as Error).message}`,
    );
    return false;
  }
  await logins.storeSession(host, { ...login, scopes, account: session.account.label });
  registry.forget(host);
  return true;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
