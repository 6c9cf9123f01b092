import * as vscode from 'vscode';
import type { CoreConfig, CredentialStore, RequestLogger } from './core/index';

/** A registry the user added in settings.json (`registryExplorer.registries`). */
export interface RegistrySetting {
  url: string;
  name?: string;
  insecure?: boolean;
  repositories?: string[];
}

export type TagSortOrder = 'natural' | 'alphabetical' | 'created';

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
  requestTimeoutSeconds: number;
  concurrency: number;
  pageSize: number;
  tagSortOrder: TagSortOrder;
  nestedRepositories: boolean;
  defaultPlatform: string;
}

export const SECTION = 'registryExplorer';

export function readSettings(): ExplorerSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const list = (key: string): string[] => (c.get<unknown[]>(key) ?? []).filter((v): v is string => typeof v === 'string');
  return {
    registries: (c.get<unknown[]>('registries') ?? []).filter(isRegistrySetting),
    showDiscoveredRegistries: c.get<boolean>('showDiscoveredRegistries', true),
    hiddenRegistries: list('hiddenRegistries'),
    insecureRegistries: list('insecureRegistries'),
    resolveRules: list('resolveRules'),
    hostsDirectories: list('hostsDirectories'),
    dockerConfigPath: c.get<string>('dockerConfigPath', ''),
    podmanAuthPath: c.get<string>('podmanAuthPath', ''),
    credentialHelperTimeoutSeconds: c.get<number>('credentialHelperTimeout', 10),
    requestTimeoutSeconds: c.get<number>('requestTimeout', 30),
    concurrency: clamp(c.get<number>('concurrency', 4), 1, 16),
    pageSize: clamp(c.get<number>('pageSize', 100), 10, 1000),
    tagSortOrder: c.get<TagSortOrder>('tagSortOrder', 'natural'),
    nestedRepositories: c.get<boolean>('nestedRepositories', false),
    defaultPlatform: c.get<string>('defaultPlatform', ''),
  };
}

/** The core's configuration from the settings (plus registries not saved yet, e.g. one being added). */
export function coreConfigFrom(s: ExplorerSettings, log: RequestLogger, logins: CredentialStore | undefined, extraRegistries: RegistrySetting[] = []): CoreConfig {
  return {
    registries: [...s.registries, ...extraRegistries].map((r) => ({ url: r.url, insecure: r.insecure === true })),
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
    log,
  };
}

/** Writes the registries list to the user's settings (it is machine-scoped: never the workspace). */
export async function writeRegistries(registries: RegistrySetting[]): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update('registries', registries, vscode.ConfigurationTarget.Global);
}

/** Fires with fresh settings whenever any `registryExplorer.*` setting changes. */
export function onSettingsChanged(listener: (settings: ExplorerSettings) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(SECTION)) listener(readSettings());
  });
}

function isRegistrySetting(value: unknown): value is RegistrySetting {
  return !!value && typeof value === 'object' && typeof (value as RegistrySetting).url === 'string' && (value as RegistrySetting).url.trim() !== '';
}

function clamp(value: number, min: number, max: number): number {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, Math.round(value))) : min;
}
