/**
 * Every `contextValue` a row of the Registries view can have, in one place. package.json's menus
 * match on them (`viewItem =~ /^registry.*\.markInsecure/`); a unit test checks that every
 * `viewItem` clause there matches a value listed here, and that every value here is matched by a
 * clause or named as having no menu. Pure: no vscode import, so the test runs outside VS Code.
 */
import { fixesFor, TLS_PROBLEMS, type RegistryCondition, type RegistryFix } from '../registry-fixes';

export type ManifestRole = 'platform' | 'attestation' | 'referrer' | 'child';
export type BlobRole = 'config' | 'layer' | 'file';

export const CONTEXT = {
  messageInfo: 'message.info',
  messageError: 'message.error',
  /** A fix under a failing registry (Log In…, Mark Insecure…), run by clicking it. */
  action: 'action',
  loadMore: 'loadMore',
  folder: 'folder',
  repository: 'repository',
  repositoryFiltered: 'repository.filtered',
  tagIndex: 'tag.index',
  tagImage: 'tag.image',
  referrers: 'referrers',
  manifest: {
    platform: 'manifest.platform',
    attestation: 'manifest.attestation',
    referrer: 'manifest.referrer',
    child: 'manifest.child',
  } satisfies Record<ManifestRole, string>,
  blob: { config: 'blob.config', layer: 'blob.layer', file: 'blob.file' } satisfies Record<BlobRole, string>,
} as const;

/** What a registry row's context value says, for its inline actions and menu. */
export interface RegistryRowState {
  origin: 'configured' | 'discovered';
  needsLogin: boolean;
  unreachable: boolean;
  /** The fixes its state allows (see fixesFor). */
  fixes: readonly RegistryFix[];
  filtered: boolean;
  /** Its provider has web pages (Open in Browser). */
  web?: boolean;
}

/**
 * `registry.<configured|discovered>`, then the flags the menus match on: `.needsLogin`,
 * `.unreachable`, one per available fix (`.markInsecure`, `.openHostsToml`…), `.filtered`, `.web`.
 */
export function registryContextValue(row: RegistryRowState): string {
  const flags = [`registry.${row.origin}`];
  if (row.needsLogin) flags.push('needsLogin');
  if (row.unreachable) flags.push('unreachable');
  flags.push(...row.fixes);
  if (row.filtered) flags.push('filtered');
  if (row.web) flags.push('web');
  return flags.join('.');
}

/** A repository row's or tag row's value, with `.web` when its registry's provider has web pages. */
export function withWebPages(value: string, web: boolean | undefined): string {
  return web ? `${value}.web` : value;
}

/** Rows without a context menu or inline action (a click does what they are for, or nothing). */
export const WITHOUT_MENU: readonly string[] = [
  CONTEXT.messageInfo,
  CONTEXT.messageError,
  CONTEXT.action,
  CONTEXT.loadMore,
  CONTEXT.folder,
  CONTEXT.referrers,
];

/** A registry row's possible states: each condition, with and without a hosts.toml (see fixesFor). */
function registryStates(): Omit<RegistryRowState, 'origin' | 'filtered'>[] {
  const conditions: RegistryCondition[] = [
    { state: 'unknown' },
    { state: 'reachable' },
    { state: 'needs-login' },
    { state: 'unreachable', code: [...TLS_PROBLEMS][0]! },
    { state: 'unreachable', code: 'CONNECTION_REFUSED' },
  ];
  return conditions.flatMap((condition) =>
    [undefined, 'hosts.toml'].map((hostsToml) => ({
      needsLogin: condition.state === 'needs-login',
      unreachable: condition.state === 'unreachable',
      fixes: fixesFor(condition, hostsToml),
    })),
  );
}

/** Every context value the tree can produce. */
export function allContextValues(): string[] {
  const registries = (['configured', 'discovered'] as const).flatMap((origin) =>
    [false, true].flatMap((filtered) =>
      [false, true].flatMap((web) => registryStates().map((state) => registryContextValue({ origin, filtered, web, ...state }))),
    ),
  );
  const withWeb = [CONTEXT.repository, CONTEXT.repositoryFiltered, CONTEXT.tagIndex, CONTEXT.tagImage].map((v) => withWebPages(v, true));
  return [
    ...new Set([
      ...registries,
      ...withWeb,
      ...Object.values(CONTEXT).flatMap((value) => (typeof value === 'string' ? [value] : Object.values(value))),
    ]),
  ];
}
