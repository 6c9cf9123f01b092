/**
 * What changed between two images, pure: layers shared, added and removed (by digest), the size
 * change, the config's run settings (entrypoint, command, environment, labels, user, ports,
 * working directory, platform) and the build history steps added or removed. Also the normalised
 * JSON the diff editor shows (sorted keys, two-space indent), so key order and whitespace never
 * show as changes, and the pairing of two indexes' platforms.
 */
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest, Platform } from '../oci/manifest';
import { formatPlatform, isAttestationEntry } from '../oci/manifest';

/** One side of a comparison: an image manifest, its digest, and its config when it is an image config. */
export interface ComparedImage {
  digest: string;
  manifest: ImageManifest;
  config?: ImageConfig;
}

/** One setting that differs: its name, and the value on each side in words (`undefined`: not set). */
export interface SettingChange {
  setting: string;
  before?: string;
  after?: string;
}

export interface ImageComparison {
  /** Same manifest digest: nothing differs. */
  identical: boolean;
  layers: { shared: Descriptor[]; added: Descriptor[]; removed: Descriptor[] };
  /** Config plus layers, in bytes, on each side. */
  size: { before: number; after: number; change: number };
  /** Run settings and metadata that differ, one entry per variable, label or port. */
  config: SettingChange[];
  /** Build steps (`created_by`) only in the first image, and only in the second, in order. */
  history: { removed: string[]; added: string[] };
}

/** More history steps than this on a side are compared by their common start and end only (the diff is quadratic). */
const MAX_HISTORY_DIFF = 400;

export function compareImages(before: ComparedImage, after: ComparedImage): ImageComparison {
  const beforeLayers = new Set(before.manifest.layers.map((l) => l.digest));
  const afterLayers = new Set(after.manifest.layers.map((l) => l.digest));
  const size = (image: ComparedImage) => image.manifest.config.size + image.manifest.layers.reduce((t, l) => t + l.size, 0);
  return {
    identical: before.digest === after.digest,
    layers: {
      shared: after.manifest.layers.filter((l) => beforeLayers.has(l.digest)),
      added: after.manifest.layers.filter((l) => !beforeLayers.has(l.digest)),
      removed: before.manifest.layers.filter((l) => !afterLayers.has(l.digest)),
    },
    size: { before: size(before), after: size(after), change: size(after) - size(before) },
    config: compareConfigs(before.config, after.config),
    history: compareHistory(steps(before.config), steps(after.config)),
  };
}

function steps(config: ImageConfig | undefined): string[] {
  return (config?.history ?? []).map((h) => h.created_by ?? h.comment ?? '(no description)');
}

const words = (list: readonly string[] | null | undefined): string | undefined => (list && list.length ? JSON.stringify(list) : undefined);

/** The run settings in words, then the environment, labels and ports one entry each. */
export function compareConfigs(before: ImageConfig | undefined, after: ImageConfig | undefined): SettingChange[] {
  const changes: SettingChange[] = [];
  const add = (setting: string, a: string | undefined, b: string | undefined) => {
    if (a !== b) changes.push({ setting, ...(a !== undefined ? { before: a } : {}), ...(b !== undefined ? { after: b } : {}) });
  };
  const platform = (c: ImageConfig | undefined) => (c?.os || c?.architecture ? formatPlatform(c as Platform) : undefined);
  add('Platform', platform(before), platform(after));
  add('Entrypoint', words(before?.config?.Entrypoint), words(after?.config?.Entrypoint));
  add('Command', words(before?.config?.Cmd), words(after?.config?.Cmd));
  add('User', before?.config?.User || undefined, after?.config?.User || undefined);
  add('Working directory', before?.config?.WorkingDir || undefined, after?.config?.WorkingDir || undefined);
  add('Stop signal', before?.config?.StopSignal || undefined, after?.config?.StopSignal || undefined);
  add('Created', before?.created, after?.created);
  const env = (c: ImageConfig | undefined) => {
    const vars = new Map<string, string>();
    for (const entry of c?.config?.Env ?? []) {
      const eq = entry.indexOf('=');
      vars.set(eq < 0 ? entry : entry.slice(0, eq), eq < 0 ? '' : entry.slice(eq + 1));
    }
    return vars;
  };
  for (const [name, a, b] of keyedChanges(env(before), env(after))) add(`Environment ${name}`, a, b);
  const labels = (c: ImageConfig | undefined) => new Map(Object.entries(c?.config?.Labels ?? {}).map(([k, v]) => [k, String(v)]));
  for (const [name, a, b] of keyedChanges(labels(before), labels(after))) add(`Label ${name}`, a, b);
  const keys = (record: Record<string, unknown> | undefined) => new Map(Object.keys(record ?? {}).map((k) => [k, 'exposed']));
  for (const [port, a, b] of keyedChanges(keys(before?.config?.ExposedPorts), keys(after?.config?.ExposedPorts))) add(`Port ${port}`, a, b);
  for (const [volume, a, b] of keyedChanges(keys(before?.config?.Volumes), keys(after?.config?.Volumes))) add(`Volume ${volume}`, a, b);
  return changes;
}

/** Every key whose value differs, in sorted order, with the value on each side. */
function keyedChanges(a: Map<string, string>, b: Map<string, string>): [string, string | undefined, string | undefined][] {
  return [...new Set([...a.keys(), ...b.keys()])]
    .sort()
    .filter((k) => a.get(k) !== b.get(k))
    .map((k) => [k, a.get(k), b.get(k)]);
}

/** Steps only on one side, by a longest-common-subsequence diff (the common start and end first, so long histories stay cheap). */
export function compareHistory(a: readonly string[], b: readonly string[]): { removed: string[]; added: string[] } {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  const x = a.slice(start, a.length - end);
  const y = b.slice(start, b.length - end);
  if (x.length > MAX_HISTORY_DIFF || y.length > MAX_HISTORY_DIFF) return { removed: x, added: y };
  // lengths[i][j]: the longest common subsequence of x[i..] and y[j..].
  const lengths = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--)
    for (let j = y.length - 1; j >= 0; j--)
      lengths[i]![j] = x[i] === y[j] ? lengths[i + 1]![j + 1]! + 1 : Math.max(lengths[i + 1]![j]!, lengths[i]![j + 1]!);
  const removed: string[] = [];
  const added: string[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    if (x[i] === y[j]) {
      i++;
      j++;
    } else if (lengths[i + 1]![j]! >= lengths[i]![j + 1]!) removed.push(x[i++]!);
    else added.push(y[j++]!);
  }
  return { removed: [...removed, ...x.slice(i)], added: [...added, ...y.slice(j)] };
}

/** JSON with every object's keys sorted and a two-space indent: what two sides of a diff are compared as. */
export function normalisedJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
      );
    return v;
  };
  return `${JSON.stringify(sorted(value), null, 2)}\n`;
}

/**
 * Two indexes' platforms side by side: those in both (by os/architecture/variant, `arm64` being
 * `arm64/v8` as platformMatches has it), and those on one side only; each named as the before
 * side writes it when it has one.
 */
export function pairPlatforms(before: ImageIndex, after: ImageIndex): { platform: string; before?: Descriptor; after?: Descriptor }[] {
  const byPlatform = (index: ImageIndex) =>
    new Map(index.manifests.filter((m) => !isAttestationEntry(m) && m.platform).map((m) => [pairingKey(m.platform!), m] as const));
  const a = byPlatform(before);
  const b = byPlatform(after);
  return [...new Set([...a.keys(), ...b.keys()])].map((key) => ({
    platform: formatPlatform((a.get(key) ?? b.get(key))!.platform),
    ...(a.has(key) ? { before: a.get(key)! } : {}),
    ...(b.has(key) ? { after: b.get(key)! } : {}),
  }));
}

/** A platform as text with arm64's implied variant written out (`linux/arm64` and `linux/arm64/v8` are one). */
function pairingKey(platform: Platform): string {
  return platform.architecture === 'arm64' && !platform.variant ? formatPlatform({ ...platform, variant: 'v8' }) : formatPlatform(platform);
}
