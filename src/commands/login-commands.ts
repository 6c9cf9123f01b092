import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { askModal, showError, showInfo, showWarning } from '../common/notify';
import { core } from '../common/core-loader';
import type { Credential, DockerStoreLocation, Operation, PingResult } from '../core/index';
import { noKeyringExplanation, SecretStorageUnavailable, type SecretLoginStore } from '../common/logins';
import type { SessionLoginStore } from '../common/session-logins';
import { readSettings, type SaveLoginsTo } from '../common/settings';
import { isManifestHandle } from '../views/nodes/content-nodes';
import { RegistryNode } from '../views/nodes/registry-node';
import { RepositoryNode } from '../views/nodes/repository-node';
import { type ExplorerNode } from '../views/nodes/node-base';
import type { RegistryTreeProvider } from '../views/registry-tree';
import type { CommandContext } from './command-context';
import { errorText } from '../common/error-text';
import { withErrors } from '../common/progress';
import { validate } from './subjects';
import { chooseSignIn, providerInfoFor, signInWithMicrosoft, signInWithSession, type SignInFlow } from './provider-sign-in';
import { EndpointPlanProvider, PLAN_SCHEME, planUri } from '../editors/plan-documents';

export function registerLoginCommands(ctx: CommandContext, logins: SessionLoginStore): vscode.Disposable[] {
  const plans = new EndpointPlanProvider(() => ctx.registry.session);
  return [
    vscode.workspace.registerTextDocumentContentProvider(PLAN_SCHEME, plans),
    vscode.commands.registerCommand('registryExplorer.logIn', (node?: ExplorerNode | LogInPreset) => logIn(node, ctx, logins)),
    vscode.commands.registerCommand('registryExplorer.logOut', (node?: ExplorerNode | LogOutPreset) => logOut(node, ctx, logins)),
    vscode.commands.registerCommand('registryExplorer.showEndpointPlan', (node?: ExplorerNode) => showEndpointPlan(node, ctx, plans)),
  ];
}

/**
 * What scripts and tests pass to Log In…; without `saveTo` the setting decides, and "ask" means
 * VS Code only. `{ host, session: true }` signs in with the registry's VS Code sign-in (GitHub's, or Microsoft's for ACR).
 */
type LogInPreset =
  | {
      host: string;
      username: string;
      password: string;
      saveTo?: Exclude<SaveLoginsTo, 'ask'>;
    }
  | { host: string; session: true };

/** What scripts and tests pass to Log Out; Docker's store is touched only with `removeFromDocker`. */
interface LogOutPreset {
  host: string;
  removeFromDocker?: boolean;
}

/** The registry a command is about: the node's, a host passed by a script, or one the user picks. */
async function chooseHost(node: unknown, title: string, tree: RegistryTreeProvider): Promise<string | undefined> {
  if (node instanceof RegistryNode) return node.entry.host;
  if (node && typeof (node as { host?: unknown }).host === 'string') return (node as { host: string }).host;
  // Configured and discovered registries alike: a discovered one is often the one to log in to.
  const configured = readSettings()
    .registries.map((r) => {
      try {
        return core().parseRegistryLocation(r.url).host;
      } catch {
        return undefined;
      }
    })
    .filter((h): h is string => !!h);
  const hosts = [...new Set([...configured, ...tree.registries.map((r) => r.entry.host)])];
  const picked = await vscode.window.showQuickPick([...hosts, 'Another registry…'], { title, placeHolder: 'Registry' });
  if (picked !== 'Another registry…') return picked;
  const typed = await vscode.window.showInputBox({
    title,
    prompt: 'Registry host, e.g. ghcr.io or registry.example.com:5000',
    validateInput: (value) => validate().host(value),
  });
  return typed?.trim() ? core().parseRegistryLocation(typed).host : undefined;
}

/**
 * Asks for a username and password (or token), checks them against the registry, and keeps them
 * in SecretStorage and, if the user chooses, in Docker's credential store as `docker login` would.
 * Scripts and tests may pass `{ host, username, password, saveTo? }`.
 */
async function logIn(node: unknown, context: CommandContext, logins: SessionLoginStore): Promise<PingResult['state'] | undefined> {
  const { registry, tree, log } = context;
  const sessionPreset = node && (node as { session?: unknown }).session === true && typeof (node as { host?: unknown }).host === 'string';
  const preset =
    node && typeof (node as { password?: unknown }).password === 'string'
      ? (node as Extract<LogInPreset, { password: string }>)
      : undefined;
  const host = await chooseHost(node, 'Log In', tree);
  if (!host) return undefined;
  // The way the registry's provider signs in: a VS Code sign-in, a cloud's own tool, or a username and secret with its words.
  const provider = providerInfoFor(host);
  const signIn = provider.signIn;
  let flow: SignInFlow | undefined = !sessionPreset
    ? undefined
    : signIn.kind === 'github'
      ? { kind: 'session', signIn }
      : signIn.kind === 'cloud' && signIn.session
        ? { kind: 'microsoft', signIn: { ...signIn, session: signIn.session } }
        : undefined;
  if (!flow && !preset) flow = await chooseSignIn(host, provider);
  if (!flow && !preset) return undefined;
  if (flow?.kind === 'session') return signInWithSession(host, provider, flow.signIn, context, logins, !!sessionPreset);
  if (flow?.kind === 'microsoft') return signInWithMicrosoft(host, flow.signIn, context, logins);
  if (flow?.kind === 'done') return undefined;
  const asked: { usernamePrompt: string; passwordPrompt: string; fixedUsername?: string } =
    flow?.kind === 'password' ? flow : { usernamePrompt: 'Username', passwordPrompt: 'Password or access token' };
  const username =
    preset?.username ??
    asked.fixedUsername ??
    (await vscode.window.showInputBox({ title: `Log In to ${host} (1/2)`, prompt: asked.usernamePrompt, ignoreFocusOut: true }));
  if (!username) return undefined;
  const password =
    preset?.password ??
    (await vscode.window.showInputBox({
      title: `Log In to ${host} (${asked.fixedUsername ? '1/1' : '2/2'})`,
      prompt: asked.passwordPrompt,
      password: true,
      ignoreFocusOut: true,
    }));
  if (!password) return undefined;

  // Test the login before keeping it, with a session of its own that sees only this credential for the host.
  const candidate: Credential = { username, password, source: 'the login being checked' };
  const session = registry.trialSession({ candidateLogin: { host, credential: candidate } });
  let ping: PingResult;
  try {
    ping = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Logging in to ${host}…` }, () =>
      session.registry(host).ping(),
    );
  } finally {
    void session.close();
  }
  if (ping.state === 'needs-login') {
    void showError(`${host} refused the login for ${username}: check the username and password (or token). Nothing was saved.`);
    return ping.state;
  }
  if (ping.state === 'unreachable') {
    if (preset) log.warn(`Log In: ${host}: ${errorText(ping.error)}`);
    const choice = preset ? 'Save Anyway' : await showWarning(`${errorText(ping.error)} The login could not be checked.`, 'Save Anyway');
    if (choice !== 'Save Anyway') return ping.state;
  }
  let saveTo = await chooseSaveTo(host, preset, logins);
  if (!saveTo) return undefined;
  let inVsCode = false;
  if (logins.unavailable === undefined) {
    try {
      await logins.store(host, { username, password });
      inVsCode = true;
      log.info(`Logged in to ${host} as ${username} (kept in VS Code's secret storage).`);
    } catch (error) {
      if (!(error instanceof SecretStorageUnavailable)) throw error;
    }
  }
  if (!inVsCode) {
    // No keyring (or a locked one): say why once, and offer Docker's credential store instead.
    const explanation = noKeyringExplanation(host, logins.unavailable ?? 'no reason given');
    const offer = "Save in Docker's Credential Store";
    let toDocker: boolean;
    if (saveTo === 'vscodeAndDocker' || preset) {
      log.warn(explanation);
      toDocker = saveTo === 'vscodeAndDocker';
    } else {
      toDocker = (await showWarning(explanation, offer)) === offer;
    }
    if (!toDocker) return ping.state;
    saveTo = 'vscodeAndDocker';
  }
  let docker: DockerStoreLocation | undefined;
  if (saveTo === 'vscodeAndDocker') {
    try {
      docker = await core().saveDockerLogin(dockerConfig(), host, { username, password }, helperOptions());
      log.info(`Saved the login for ${host} as ${username} in ${docker.description}, for docker and podman.`);
    } catch (error) {
      void showError(
        `${inVsCode ? `Logged in to ${host} as ${username} in VS Code, but the login was not saved for docker and podman` : `The login for ${host} was not saved anywhere`}: ${(error as Error).message}`,
      );
      if (!inVsCode) return ping.state;
    }
  }
  registry.forget(host);
  tree.refresh();
  if (!preset)
    void showInfo(
      docker
        ? `Logged in to ${host} as ${username}, kept ${inVsCode ? 'in VS Code and ' : ''}in ${docker.description} for docker and podman.`
        : `Logged in to ${host} as ${username}.`,
    );
  return ping.state;
}

/** Where to keep a checked login: the preset's choice, the setting, or the user's pick (VS Code only first). */
async function chooseSaveTo(
  host: string,
  preset: Extract<LogInPreset, { password: string }> | undefined,
  logins: SecretLoginStore,
): Promise<Exclude<SaveLoginsTo, 'ask'> | undefined> {
  if (preset?.saveTo === 'vscode' || preset?.saveTo === 'vscodeAndDocker') return preset.saveTo;
  const setting = readSettings().saveLoginsTo;
  if (setting !== 'ask') return setting;
  // VS Code cannot keep it: the explanation that follows offers Docker's store, so no question here.
  if (logins.unavailable !== undefined) return 'vscode';
  if (preset) return 'vscode'; // a script is never stopped by a question
  const file = dockerConfig();
  // Name the real target (a helper or the file); a file that does not parse is reported when saving.
  const target = await core()
    .dockerStoreFor(file, host)
    .then(
      (w) => w.description,
      () => file,
    );
  const items: (vscode.QuickPickItem & { value: Exclude<SaveLoginsTo, 'ask'> })[] = [
    {
      label: 'VS Code only',
      description: 'default',
      detail: "In VS Code's secret storage; docker and podman do not see it.",
      value: 'vscode',
    },
    {
      label: "VS Code and Docker's credential store",
      detail: `Also as docker login saves it, in ${target}${target === file ? ' (base64, not encrypted)' : ''}; docker and podman use it too.`,
      value: 'vscodeAndDocker',
    },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: `Log In to ${host}: the login works`,
    placeHolder: 'Where should the login be kept? (registryExplorer.saveLoginsTo can decide this for every login)',
    ignoreFocusOut: true,
  });
  return picked?.value;
}

/** Docker's config.json as the core reads it: the setting, else $DOCKER_CONFIG, else ~/.docker. */
function dockerConfig(): string {
  return core().dockerConfigPath(process.env, homedir(), readSettings().dockerConfigPath || undefined);
}

function helperOptions(): { timeoutMs: number } {
  return { timeoutMs: readSettings().credentialHelperTimeoutSeconds * 1000 };
}

/**
 * Forgets the VS Code login for a registry and offers to remove Docker's too, when there is one
 * (scripts pass `{ host, removeFromDocker: true }` instead of being asked).
 */
async function logOut(node: unknown, { registry, tree, log }: CommandContext, logins: SessionLoginStore): Promise<boolean> {
  const host = await chooseHost(node, 'Log Out', tree);
  if (!host) return false;
  const scripted = !!node && !(node instanceof RegistryNode);
  const had = await logins.delete(host);
  let removed: DockerStoreLocation | undefined;
  let kept: DockerStoreLocation | undefined;
  if (!scripted || (node as LogOutPreset).removeFromDocker === true) {
    try {
      const found = await core().findDockerLogin(dockerConfig(), host, helperOptions());
      if (found) {
        const remove =
          scripted ||
          (await askModal(
            `Also remove the login for ${host} from Docker's credential store?`,
            `It is kept in ${found.description}. docker and podman use it too, and so does Registry Explorer while it is there.`,
            'Remove from Docker',
          )) === 'Remove from Docker';
        if (remove) {
          removed = await core().eraseDockerLogin(dockerConfig(), host, helperOptions());
          if (removed) log.info(`Removed the login for ${host} from ${removed.description}.`);
        } else {
          kept = found;
        }
      }
    } catch (error) {
      void showError(
        `${had ? `Logged out of ${host} in VS Code, but the` : 'The'} login for ${host} in Docker's credential store was not removed: ${(error as Error).message}`,
      );
    }
  }
  registry.forget(host);
  tree.refresh();
  let note: string;
  if (kept)
    note = `${had ? `Logged out of ${host} in VS Code` : `Registry Explorer holds no login for ${host}`}; the login in ${kept.description} stays, and docker, podman and Registry Explorer still use it.`;
  else if (removed)
    note = had
      ? `Logged out of ${host}, in VS Code and in ${removed.description}.`
      : `Removed the login for ${host} from ${removed.description}.`;
  else
    note = had
      ? `Logged out of ${host}.`
      : `Registry Explorer holds no login for ${host}; a login from docker login or podman login stays until you log out there.`;
  if (!scripted) void showInfo(note);
  return had;
}

const OPERATIONS: { label: Operation; detail: string }[] = [
  { label: 'resolve', detail: 'Resolve a tag to a digest' },
  { label: 'pull', detail: 'Fetch manifests and blobs by digest' },
  { label: 'push', detail: 'Upload blobs and manifests' },
  { label: 'delete', detail: 'Delete manifests or tags' },
  { label: 'list', detail: 'List repositories and tags' },
  { label: 'referrers', detail: 'List signatures, SBOMs and attestations' },
];

/**
 * Shows, in a read-only tab, where an operation on a registry goes and why. Scripts and tests
 * pass `{ host, operation }` and get the text. A hosts.toml that does not load is reported, not thrown.
 */
async function showEndpointPlan(
  node: unknown,
  { registry, tree }: CommandContext,
  plans: EndpointPlanProvider,
): Promise<string | undefined> {
  let host: string | undefined;
  if (node instanceof RegistryNode) host = node.entry.host;
  else if (node instanceof RepositoryNode || isManifestHandle(node)) host = node.place.host;
  else host = await chooseHost(node, 'Show Endpoint Plan', tree);
  if (!host) return undefined;
  const presetOperation = (node as { operation?: string } | undefined)?.operation;
  const operation =
    OPERATIONS.find((o) => o.label === presetOperation) ??
    (await vscode.window.showQuickPick(OPERATIONS, { title: `Endpoint plan for ${host}`, placeHolder: 'Operation' }));
  if (!operation) return undefined;
  const { describePlan } = core();
  const plan = await withErrors('Show Endpoint Plan', () => registry.session.plan(host, operation.label));
  if (!plan) return undefined;
  const text = describePlan(plan);
  // A read-only virtual document (like Open as JSON's): closing it never asks to save.
  const uri = planUri(host, operation.label);
  plans.remember(uri, text);
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(document, { preview: true });
  return text;
}
