/**
 * Pull into Docker or Podman…: one platform of a tag or manifest streamed into `docker load` or
 * `podman load` (whichever is on the PATH), with progress and Cancel, and the name the engine
 * loaded it as. Scripts and tests pass `{ reference, engine, engineArgs?, platform? }`.
 */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { core } from '../common/core-loader';
import type { EngineLoadResult, Platform } from '../core/index';
import { showError, showInfo } from '../common/notify';
import { progressReporter, withErrors } from '../common/progress';
import { readSettings } from '../common/settings';
import type { CommandContext } from './command-context';
import { chooseSubject } from './subjects';

export type Engine = 'docker' | 'podman';

interface EngineRequest {
  reference: string;
  engine: Engine;
  /** Arguments before `load` (a private `--root` in tests). */
  engineArgs?: string[];
  platform?: string;
}

export function registerEngineCommands(ctx: CommandContext): vscode.Disposable[] {
  return [vscode.commands.registerCommand('registryExplorer.pullIntoEngine', (node?: unknown) => pullIntoEngine(node, ctx))];
}

/** The engines whose command is on the PATH (`.exe` too on Windows). */
export function enginesOnPath(): Engine[] {
  const folders = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const suffixes = process.platform === 'win32' ? ['.exe', ''] : [''];
  return (['docker', 'podman'] as const).filter((name) => folders.some((f) => suffixes.some((s) => existsSync(join(f, `${name}${s}`)))));
}

async function pullIntoEngine(node: unknown, ctx: CommandContext): Promise<EngineLoadResult | undefined> {
  const preset = node && typeof (node as EngineRequest).engine === 'string' ? (node as EngineRequest) : undefined;
  const subject = await chooseSubject(node, ctx.registry, 'Pull into Docker or Podman');
  if (!subject) return undefined;
  let engine = preset?.engine;
  if (!engine) {
    const found = enginesOnPath();
    if (!found.length) {
      void showError('Neither docker nor podman is on the PATH: install one, or use Pull… to write a tar for docker load.');
      return undefined;
    }
    const items = found.map((e) => ({ label: e === 'docker' ? 'Into Docker' : 'Into Podman', description: `${e} load`, engine: e }));
    engine =
      items.length === 1 ? items[0]!.engine : (await vscode.window.showQuickPick(items, { title: `Pull ${subject.reference}` }))?.engine;
    if (!engine) return undefined;
  }
  const engineCommand = { command: engine, ...(preset?.engineArgs ? { args: preset.engineArgs } : {}) };
  // Asked now, answered while the manifest is read (a remote daemon takes a moment); never rejects.
  const enginePlatform = core().enginePlatform(engine, engineCommand);
  const descriptor = await withErrors('Pull', () => subject.descriptor());
  if (!descriptor) return undefined;
  let platform: Platform | undefined = preset?.platform ? core().parsePlatform(preset.platform) : undefined;
  if (!platform && core().manifestKindOf(descriptor.mediaType) === 'index') {
    const parsed = await withErrors('Pull', () => subject.repository.getManifest(descriptor.digest));
    if (!parsed || parsed.kind !== 'index') return undefined;
    const entries = parsed.index.manifests.filter((m) => m.platform && !core().isAttestationEntry(m));
    // The engine's own platform first, chosen by default: the daemon DOCKER_HOST or a docker context
    // names may be another machine than this one; when the engine does not say, this machine's.
    const own = (await enginePlatform) ?? core().hostPlatform();
    const items = entries
      .map((m) => ({ label: core().formatPlatform(m.platform), description: core().shortDigest(m.digest), platform: m.platform! }))
      .sort((a, b) => Number(core().platformMatches(b.platform, own)) - Number(core().platformMatches(a.platform, own)));
    platform = items.length === 1 ? items[0]!.platform : (await vscode.window.showQuickPick(items, { title: 'Which platform?' }))?.platform;
    if (!platform) return undefined;
  }
  // By digest, untagged, as `docker pull repo@digest` leaves it: a made-up `:latest` would replace the user's own.
  const repoTag = subject.tag ? `${subject.host}/${subject.repositoryName}:${subject.tag}` : undefined;
  const name = engine === 'docker' ? 'Docker' : 'Podman';
  const result = await withErrors(
    'Pull',
    () =>
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Pulling ${subject.reference} into ${name}`, cancellable: true },
        (progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          const pointer = subject.tag ?? descriptor.digest;
          return core().loadIntoEngine(subject.repository, pointer, {
            engine: engineCommand,
            ...(repoTag ? { repoTag } : {}),
            ...(platform ? { platform } : {}),
            concurrency: readSettings().concurrency,
            signal: abort.signal,
            onProgress: progressReporter(progress),
          });
        },
      ),
    `nothing was loaded into ${name}.`,
  );
  if (!result) return undefined;
  ctx.log.info(
    `Loaded ${subject.reference} (${result.root.digest}) into ${name} as ${result.loaded.join(', ') || repoTag || 'an untagged image'}.`,
  );
  void showInfo(`Loaded ${subject.reference} into ${name} as ${result.loaded.join(', ') || repoTag || 'an untagged image'}.`);
  return result;
}
