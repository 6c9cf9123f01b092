import { homedir } from 'node:os';
import * as vscode from 'vscode';
import type { CoreConfig, CredentialStore, RequestLogger } from '../core/index';
import { expandHome } from './home-paths';
import { SECTION } from './setting-names';
import type { TagSortOrder } from '../shared/tag-order';

export type { TagSortOrder } from '../shared/tag-order';

/** A registry the user added in settings.json (`registryExplorer.registries`). */
export interface RegistrySetting {
  url: string;
  name?: string;
  insecure?: boolean;
  repositories?: string[];
  /** `none`, or a proxy URL for this registry alone. */
  proxy?: string;
  /** The vendor of a self-hosted registry (`gitlab`, `harbor`, `quay`, `github`…), when its host does not say. */
  provider?: string;
  /** The vendor API's base URL, for a self-hosted edition that serves it elsewhere. */
  apiUrl?: string;
  /** Organizations, groups or projects to list besides the ones the vendor's API names. */
  namespaces?: string[];
}

/** VS Code's own network settings (`http.*`), passed to the core as facts. */
export interface NetworkSettings {
  /** `http.proxy`; empty: the environment's variables apply. */
  proxy: string;
  /** `http.noProxy`. */
  noProxy: string[];
  /** `http.proxyAuthorization`; empty: none (or the proxy URL's own user). */
  proxyAuthorization: string;
  /** `http.proxyStrictSSL`. */
  proxyStrictSSL: boolean;
  /** `http.systemCertificates`. */
  systemCertificates: boolean;
}

/** The `http.*` settings read, so a change to any of them replaces the session. */
export const NETWORK_SETTINGS = ['http.proxy', 'http.noProxy', 'http.proxyAuthorization', 'http.proxyStrictSSL', 'http.systemCertificates'];

/** How a registry's repositories are ordered: by name, or the latest push first where the provider says. */
export type RepositorySortOrder = 'name' | 'lastPush';
/** Where Log In… keeps a checked login: ask each time, VS Code only, or also Docker's credential store. */
export type SaveLoginsTo = 'ask' | 'vscode' | 'vscodeAndDocker';

/** Every `registryExplorer.*` setting, read in one place and typed. */
export interface ExplorerSettings {
  registries: RegistrySetting[];
  showDiscoveredRegistries: boolean;
  hiddenRegistries: string[];
  insecureRegistries: string[];
  resolveRules: string[];
  hostsDirectories: string[];
  dockerConfigPath: string;
  podmanAuthPath: string;
  credentialHelperTimeoutSeconds: number;
  saveLoginsTo: SaveLoginsTo;
  requestTimeoutSeconds: number;
  concurrency: number;
  pageSize: number;
  tagSortOrder: TagSortOrder;
  repositorySortOrder: RepositorySortOrder;
  nestedRepositories: boolean;
  defaultPlatform: string;
  /** MiB per PATCH when uploading blobs; 0 means one monolithic PUT. */
  uploadChunkSizeMiB: number;
  network: NetworkSettings;
  /** Minutes tag listings and what tags point at are kept before a registry is asked again. */
  cacheMinutes: number;
  /** Registries with pull limits: lookups nobody asked for spend at most one listing and one manifest request per repository per period. */
  rateLimitedRegistries: string[];
  /** Which editor features over image references are on. */
  editor: EditorSettings;
}

/** `registryExplorer.editor.*`: each feature over image references in files, on or off. */
export interface EditorSettings {
  hover: boolean;
  completion: boolean;
  codeLens: boolean;
  diagnostics: boolean;
}

const TAG_SORT_ORDERS: readonly TagSortOrder[] = ['natural', 'alphabetical', 'created'];
const REPOSITORY_SORT_ORDERS: readonly RepositorySortOrder[] = ['name', 'lastPush'];
const SAVE_LOGINS_TO: readonly SaveLoginsTo[] = ['ask', 'vscode', 'vscodeAndDocker'];

export function readSettings(): ExplorerSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const list = (key: string): string[] => (c.get<unknown[]>(key) ?? []).filter((v): v is string => typeof v === 'string');
  return {
    registries: (c.get<unknown[]>('registries') ?? []).filter(isRegistrySetting),
    showDiscoveredRegistries: c.get<boolean>('showDiscoveredRegistries', true) !== false,
    hiddenRegistries: list('hiddenRegistries'),
    insecureRegistries: list('insecureRegistries'),
    resolveRules: list('resolveRules'),
    // Left at its default, the core picks this platform's own roots (the schema's default is Linux's).
    hostsDirectories: isDefault(c, 'hostsDirectories') ? [] : list('hostsDirectories').map((p) => expandHome(p, homedir())),
    dockerConfigPath: expandHome(c.get<string>('dockerConfigPath', ''), homedir()),
    podmanAuthPath: expandHome(c.get<string>('podmanAuthPath', ''), homedir()),
    credentialHelperTimeoutSeconds: clamp(c.get('credentialHelperTimeout'), 1, 120, 10),
    saveLoginsTo: oneOf(c.get<string>('saveLoginsTo'), SAVE_LOGINS_TO, 'ask'),
    requestTimeoutSeconds: clamp(c.get('requestTimeout'), 1, 600, 30),
    concurrency: clamp(c.get('concurrency'), 1, 16, 4),
    pageSize: clamp(c.get('pageSize'), 10, 1000, 100),
    tagSortOrder: oneOf(c.get<string>('tagSortOrder'), TAG_SORT_ORDERS, 'natural'),
    repositorySortOrder: oneOf(c.get<string>('repositorySortOrder'), REPOSITORY_SORT_ORDERS, 'name'),
    nestedRepositories: c.get<boolean>('nestedRepositories', false) === true,
    defaultPlatform: c.get<string>('defaultPlatform', ''),
    uploadChunkSizeMiB: clamp(c.get('uploadChunkSize'), 0, 1024, 0),
    network: readNetworkSettings(),
    cacheMinutes: clamp(c.get('cacheMinutes'), 1, 1440, 10),
    rateLimitedRegistries: c.get<unknown[]>('rateLimitedRegistries') === undefined ? ['docker.io'] : list('rateLimitedRegistries'),
    editor: {
      hover: c.get<boolean>('editor.hover', true) !== false,
      completion: c.get<boolean>('editor.completion', true) !== false,
      codeLens: c.get<boolean>('editor.codeLens', true) !== false,
      diagnostics: c.get<boolean>('editor.diagnostics', true) !== false,
    },
  };
}

function readNetworkSettings(): NetworkSettings {
  const http = vscode.workspace.getConfiguration('http');
  const text = (key: string): string => {
    const value = http.get<unknown>(key);
    return typeof value === 'string' ? value.trim() : '';
  };
  return {
    proxy: text('proxy'),
    noProxy: (http.get<unknown[]>('noProxy') ?? []).filter((v): v is string => typeof v === 'string'),
    proxyAuthorization: text('proxyAuthorization'),
    proxyStrictSSL: http.get<boolean>('proxyStrictSSL', true) !== false,
    systemCertificates: http.get<boolean>('systemCertificates', true) !== false,
  };
}

/** The core's configuration from the settings (plus registries not saved yet, e.g. one being added). */
/** `oci-registry-explorer/<version> vscode/<version>`: registry operators can tell who is asking. */
function userAgent(): string {
  const version =
    (vscode.extensions.getExtension('oci-registry-explorer.oci-registry-explorer')?.packageJSON as { version?: string } | undefined)
      ?.version ?? 'dev';
  return `oci-registry-explorer/${version} vscode/${vscode.version}`;
}

export function coreConfigFrom(
  s: ExplorerSettings,
  log: RequestLogger,
  logins: CredentialStore | undefined,
  extraRegistries: RegistrySetting[] = [],
): CoreConfig {
  return {
    registries: [...s.registries, ...extraRegistries].map((r) => ({
      url: r.url,
      insecure: r.insecure === true,
      ...(typeof r.proxy === 'string' && r.proxy.trim() !== '' ? { proxy: r.proxy } : {}),
    })),
    // VS Code's proxy settings first, then the environment's HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY.
    proxy: {
      ...(s.network.proxy ? { url: s.network.proxy } : {}),
      noProxy: s.network.noProxy,
      ...(s.network.proxyAuthorization ? { authorization: s.network.proxyAuthorization } : {}),
      strictSSL: s.network.proxyStrictSSL,
    },
    systemCertificates: s.network.systemCertificates,
    insecureRegistries: s.insecureRegistries,
    resolveRules: s.resolveRules,
    ...(s.hostsDirectories.length ? { hostsDirectories: s.hostsDirectories } : {}),
    credentials: {
      ...(logins ? { secretStore: logins } : {}),
      dockerConfigPath: s.dockerConfigPath,
      podmanAuthPath: s.podmanAuthPath,
      helperTimeoutMs: s.credentialHelperTimeoutSeconds * 1000,
    },
    requestTimeoutMs: s.requestTimeoutSeconds * 1000,
    // Endpoint plans name the settings a user would change.
    settingNames: {
      insecureRegistries: `${SECTION}.insecureRegistries`,
      resolveRules: `${SECTION}.resolveRules`,
      registries: `${SECTION}.registries`,
      proxy: 'http.proxy',
      noProxy: 'http.noProxy',
    },
    log,
    userAgent: userAgent(),
  };
}

/** Orders every registry's repositories by name or by last push (the user's settings). */
export async function setRepositorySortOrder(order: RepositorySortOrder): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update('repositorySortOrder', order, vscode.ConfigurationTarget.Global);
}

/** Writes the registries list to the user's settings (it is machine-scoped: never the workspace). */
export async function writeRegistries(registries: RegistrySetting[]): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update('registries', registries, vscode.ConfigurationTarget.Global);
}

/** Adds a host to `registryExplorer.hiddenRegistries` (a discovered registry the user does not want to see). */
export async function hideRegistry(host: string): Promise<void> {
  const hidden = readSettings().hiddenRegistries;
  if (hidden.some((h) => h.toLowerCase() === host.toLowerCase())) return;
  await vscode.workspace.getConfiguration(SECTION).update('hiddenRegistries', [...hidden, host], vscode.ConfigurationTarget.Global);
}

/** Adds a host to `registryExplorer.insecureRegistries` (machine-scoped: the user's settings). */
export async function addInsecureRegistry(host: string): Promise<void> {
  const insecure = readSettings().insecureRegistries;
  if (insecure.includes(host)) return;
  await vscode.workspace.getConfiguration(SECTION).update('insecureRegistries', [...insecure, host], vscode.ConfigurationTarget.Global);
}

/** Fires with fresh settings whenever any `registryExplorer.*` setting changes. */
export function onSettingsChanged(listener: (settings: ExplorerSettings) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(SECTION) || NETWORK_SETTINGS.some((key) => e.affectsConfiguration(key))) listener(readSettings());
  });
}

function isRegistrySetting(value: unknown): value is RegistrySetting {
  return (
    !!value &&
    typeof value === 'object' &&
    typeof (value as RegistrySetting).url === 'string' &&
    (value as RegistrySetting).url.trim() !== ''
  );
}

/** A number setting within its schema's bounds; a value that is not a number gets the default. */
function clamp(value: unknown, min: number, max: number, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, Math.round(value))) : fallback;
}

function isDefault(c: vscode.WorkspaceConfiguration, key: string): boolean {
  return JSON.stringify(c.get(key)) === JSON.stringify(c.inspect(key)?.defaultValue);
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}
