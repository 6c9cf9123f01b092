/**
 * A small extension the real-VS-Code runs install beside Registry Explorer: it registers the
 * `github` and `microsoft` authentication providers in place of VS Code's own (which sign in at
 * github.com and login.microsoftonline.com, out of reach here; the runs start VS Code with the
 * built-in ones disabled). Its GitHub sessions carry the token the GitHub contract server knows
 * (GITHUB_STAND_IN_LOGIN, GITHUB_STAND_IN_TOKEN in the extension host's environment;
 * GITHUB_STAND_IN_WRITE_TOKEN for a session with write:packages), and it remembers the scopes each
 * sign-in asked for, so a test can check that only read:packages was asked (command
 * `githubStandIn.scopesAsked`, and one JSON line per sign-in in the file GITHUB_STAND_IN_RECORD
 * names). Its Microsoft sessions carry the Entra ID token ACR's contract server exchanges
 * (MICROSOFT_STAND_IN_ACCOUNT, MICROSOFT_STAND_IN_TOKEN).
 */
import { appendFileSync } from 'node:fs';
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const login = process.env.GITHUB_STAND_IN_LOGIN ?? 'octocat';
  const token = process.env.GITHUB_STAND_IN_TOKEN ?? '';
  // GitHub hands out a new token for a session with more scopes; so does the stand-in, for write:packages.
  const writeToken = process.env.GITHUB_STAND_IN_WRITE_TOKEN ?? token;
  const sessions: vscode.AuthenticationSession[] = [];
  const asked: string[][] = [];
  const changed = new vscode.EventEmitter<vscode.AuthenticationProviderAuthenticationSessionsChangeEvent>();
  const covers = (session: vscode.AuthenticationSession, scopes: readonly string[] | undefined) =>
    (scopes ?? []).every((s) => session.scopes.includes(s));
  context.subscriptions.push(
    changed,
    vscode.authentication.registerAuthenticationProvider(
      'github',
      'GitHub',
      {
        onDidChangeSessions: changed.event,
        getSessions: async (scopes) => sessions.filter((s) => covers(s, scopes)),
        createSession: async (scopes) => {
          asked.push([...scopes]);
          // The e2e run reads what was asked from outside the workbench.
          if (process.env.GITHUB_STAND_IN_RECORD) appendFileSync(process.env.GITHUB_STAND_IN_RECORD, `${JSON.stringify(scopes)}\n`);
          const session: vscode.AuthenticationSession = {
            id: `stand-in-${sessions.length + 1}`,
            accessToken: scopes.includes('write:packages') ? writeToken : token,
            account: { id: login, label: login },
            scopes: [...scopes],
          };
          sessions.push(session);
          changed.fire({ added: [session], removed: [], changed: [] });
          return session;
        },
        removeSession: async (id) => {
          const index = sessions.findIndex((s) => s.id === id);
          if (index < 0) return;
          const [removed] = sessions.splice(index, 1);
          changed.fire({ added: [], removed: [removed!], changed: [] });
        },
      },
      { supportsMultipleAccounts: false },
    ),
    vscode.commands.registerCommand('githubStandIn.scopesAsked', () => asked.map((s) => [...s])),
  );
  registerMicrosoft(context);
}

/** The `microsoft` provider: one account, whose sessions carry the token ACR's contract server exchanges. */
function registerMicrosoft(context: vscode.ExtensionContext): void {
  const account = process.env.MICROSOFT_STAND_IN_ACCOUNT ?? 'ada@example.com';
  const token = process.env.MICROSOFT_STAND_IN_TOKEN ?? '';
  const sessions: vscode.AuthenticationSession[] = [];
  const changed = new vscode.EventEmitter<vscode.AuthenticationProviderAuthenticationSessionsChangeEvent>();
  context.subscriptions.push(
    changed,
    vscode.authentication.registerAuthenticationProvider(
      'microsoft',
      'Microsoft',
      {
        onDidChangeSessions: changed.event,
        getSessions: async (scopes) => sessions.filter((s) => (scopes ?? []).every((scope) => s.scopes.includes(scope))),
        createSession: async (scopes) => {
          const session: vscode.AuthenticationSession = {
            id: `microsoft-stand-in-${sessions.length + 1}`,
            accessToken: token,
            account: { id: account, label: account },
            scopes: [...scopes],
          };
          sessions.push(session);
          changed.fire({ added: [session], removed: [], changed: [] });
          return session;
        },
        removeSession: async (id) => {
          const index = sessions.findIndex((s) => s.id === id);
          if (index < 0) return;
          const [removed] = sessions.splice(index, 1);
          changed.fire({ added: [], removed: [removed!], changed: [] });
        },
      },
      { supportsMultipleAccounts: false },
    ),
  );
}

export function deactivate(): void {}
