/**
 * Pull… and Push…: between a registry and this machine (an OCI layout folder, a tar for
 * `docker load`, an artifact's files), with byte progress, Cancel, and a result that opens what
 * was written or shows where it went.
 */
import * as vscode from 'vscode';
import { showInfo } from '../common/notify';
import { core } from '../common/core-loader';
import type { CopyResult, ParsedManifest, Platform, PullDestination, PushSource } from '../core/index';
import { readSettings } from '../common/settings';
import { formatBytes } from '../shared/format';
import type { CommandContext } from './command-context';
import { CANCELLED_PULL, CANCELLED_UPLOAD, progressReporter, withErrors } from '../common/progress';
import { chooseSubject, destinationCheck, validate } from './subjects';
import { confirmTagWrite, currentTarget } from './tag-moves';

export function registerTransferCommands(ctx: CommandContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('registryExplorer.pull', (node?: unknown) => pullCommand(node, ctx)),
    vscode.commands.registerCommand('registryExplorer.push', (first?: unknown, selected?: unknown) => pushCommand(first, selected, ctx)),
  ];
}

interface PullRequest {
  destination: PullDestination;
  platforms?: Platform[];
}

/** Scripts and tests pass `{ reference, destination, platforms? }`. */
async function pullCommand(node: unknown, { registry, log }: CommandContext): Promise<CopyResult | undefined> {
  const preset = node as Partial<PullRequest> | undefined;
  const subject = await chooseSubject(node, registry, 'Pull');
  if (!subject) return undefined;
  const request = preset?.destination
    ? { destination: preset.destination, ...(preset.platforms ? { platforms: preset.platforms } : {}) }
    : await askPull(subject.reference, () => subject.descriptor(), subject.repository);
  if (!request) return undefined;
  const result = await withErrors(
    'Pull',
    () =>
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Pulling ${subject.reference}`, cancellable: true },
        (progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          const pointer = subject.tag ?? subject.reference.slice(subject.reference.lastIndexOf('@') + 1);
          return core().pull(subject.repository, pointer, request.destination, {
            concurrency: readSettings().concurrency,
            ...(request.platforms ? { platforms: request.platforms } : {}),
            signal: abort.signal,
            onProgress: progressReporter(progress),
          });
        },
      ),
    CANCELLED_PULL,
  );
  if (!result) return undefined;
  const where = request.destination.kind === 'docker-archive' ? request.destination.file : request.destination.dir;
  log.info(
    `Pulled ${subject.reference} (${result.root.digest}) to ${where}: ${formatBytes(result.bytes.transferred)} moved, ${result.blobs.skipped} blobs already there`,
  );
  const message =
    request.destination.kind === 'docker-archive'
      ? `Pulled ${subject.reference} to ${where}. Load it with: docker load -i ${where}`
      : `Pulled ${subject.reference} to ${where} (${formatBytes(result.bytes.transferred)} downloaded, ${result.blobs.skipped} blobs already there).`;
  void showInfo(message, 'Reveal').then((action) => {
    if (action) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(where));
  });
  return result;
}

async function askPull(
  reference: string,
  descriptor: () => Promise<{ digest: string; mediaType: string }>,
  repository: { getManifest(ref: string): Promise<ParsedManifest> },
): Promise<PullRequest | undefined> {
  const root = await withErrors('Pull', descriptor);
  if (!root) return undefined;
  const parsed = await withErrors('Pull', () => repository.getManifest(root.digest));
  if (!parsed) return undefined;
  const isArtifact = parsed.kind === 'image' && parsed.descriptor.artifactType !== undefined;
  type Kind = vscode.QuickPickItem & { kind2: PullDestination['kind'] };
  const kinds: Kind[] = [
    ...(isArtifact
      ? [{ label: '$(files) Artifact files', description: 'each file by its title, into a folder', kind2: 'artifact-files' as const }]
      : []),
    { label: '$(folder) OCI image layout', description: 'a folder skopeo, crane, oras and containerd read', kind2: 'oci-layout' },
    ...(isArtifact
      ? []
      : [
          {
            label: '$(package) Tar for docker load',
            description: 'one platform, as docker save writes it',
            kind2: 'docker-archive' as const,
          },
        ]),
  ];
  const kind = await vscode.window.showQuickPick(kinds, { title: `Pull ${reference}`, placeHolder: 'Pull to…' });
  if (!kind) return undefined;
  let platforms: Platform[] | undefined;
  if (parsed.kind === 'index') {
    const entries = parsed.index.manifests.filter((m) => m.platform && !core().isAttestationEntry(m));
    const preferred = preferredPlatform();
    const single = kind.kind2 === 'docker-archive';
    const items = entries.map((m) => ({
      label: core().formatPlatform(m.platform),
      description: core().shortDigest(m.digest),
      platform: m.platform!,
      picked: !single || core().platformMatches(m.platform, preferred),
    }));
    if (single) {
      items.sort((a, b) => Number(b.picked) - Number(a.picked));
      const one = await vscode.window.showQuickPick(items, {
        title: `Pull ${reference}`,
        placeHolder: 'Platform (a docker archive holds one image)',
      });
      if (!one) return undefined;
      platforms = [one.platform];
    } else {
      const some = await vscode.window.showQuickPick(items, {
        title: `Pull ${reference}`,
        placeHolder: 'Platforms (all by default)',
        canPickMany: true,
      });
      if (!some || some.length === 0) return undefined;
      if (some.length < items.length) platforms = some.map((i) => i.platform);
    }
  }
  const lastPart =
    reference
      .replace(/[@:].*$/, '')
      .split('/')
      .pop() ?? 'image';
  if (kind.kind2 === 'docker-archive') {
    const file = await vscode.window.showSaveDialog({
      title: `Pull ${reference} as a tar`,
      saveLabel: 'Pull',
      defaultUri: defaultUri(`${lastPart}.tar`),
      filters: { 'Tar archives': ['tar'] },
    });
    return file
      ? {
          destination: { kind: 'docker-archive', file: file.fsPath, repoTag: reference.replace(/@.*$/, '') },
          ...(platforms ? { platforms } : {}),
        }
      : undefined;
  }
  const folders = await vscode.window.showOpenDialog({
    title: `Pull ${reference} into a folder`,
    openLabel: 'Pull Here',
    canSelectFolders: true,
    canSelectFiles: false,
    defaultUri: defaultUri(''),
  });
  const dir = folders?.[0]?.fsPath;
  if (!dir) return undefined;
  return {
    destination: kind.kind2 === 'artifact-files' ? { kind: 'artifact-files', dir } : { kind: 'oci-layout', dir },
    ...(platforms ? { platforms } : {}),
  };
}

/** `registryExplorer.defaultPlatform`, else this machine's. */
function preferredPlatform(): Platform {
  const setting = readSettings().defaultPlatform.trim();
  if (setting) {
    try {
      return core().parsePlatform(setting);
    } catch {
      // An invalid setting is reported in the settings UI by its pattern; fall back to this machine.
    }
  }
  return core().hostPlatform();
}

function defaultUri(name: string): vscode.Uri | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  return folder ? (name ? vscode.Uri.joinPath(folder, name) : folder) : undefined;
}

interface PushRequest {
  source: PushSource;
  destination: string;
  /** Scripts: move the destination tag if it names another manifest. */
  move?: boolean;
}

/**
 * Push… from the palette (choose a layout folder, a tar or files) or from the Explorer's context
 * menu on selected files (pushed as one artifact). Scripts pass `{ source, destination }`.
 */
async function pushCommand(first: unknown, selected: unknown, { registry, tree, log }: CommandContext): Promise<CopyResult | undefined> {
  const preset = first && typeof first === 'object' && 'source' in first ? (first as PushRequest) : undefined;
  const explorerFiles = Array.isArray(selected)
    ? selected.filter((u): u is vscode.Uri => u instanceof vscode.Uri)
    : first instanceof vscode.Uri
      ? [first]
      : [];
  const request = preset ?? (await askPush(explorerFiles));
  if (!request) return undefined;
  const ref = core().parseReference(request.destination);
  const repository = registry.repository(ref.registry, ref.repository);
  const tag = ref.tag ?? 'latest';
  const destination = `${ref.registry}/${ref.repository}:${tag}`;
  // A tag that is there already is moved only when the user says so (what is pushed has no digest yet).
  const before = await withErrors('Push', async () => ({ current: await currentTarget(repository, tag) }));
  if (!before) return undefined;
  if (!(await confirmTagWrite('Push', destination, before.current, undefined, preset, log))) return undefined;
  const result = await withErrors(
    'Push',
    () =>
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Pushing to ${destination}`, cancellable: true },
        (progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          return core().push(request.source, repository, tag, {
            concurrency: readSettings().concurrency,
            signal: abort.signal,
            onProgress: progressReporter(progress),
          });
        },
      ),
    CANCELLED_UPLOAD,
  );
  if (!result) return undefined;
  log.info(`Pushed ${destination} (${result.root.digest}): ${result.blobs.copied} blobs uploaded, ${result.blobs.skipped} already there`);
  tree.refreshRepository(ref.registry, ref.repository);
  void showInfo(
    `Pushed ${destination} (${core().shortDigest(result.root.digest)}; ${result.blobs.copied} uploaded, ${result.blobs.skipped} already there).`,
    'Reveal in Tree',
    'Copy Reference',
  ).then((action) => {
    if (action === 'Reveal in Tree') void vscode.commands.executeCommand('registryExplorer.revealInTree', { reference: destination });
    else if (action) void vscode.env.clipboard.writeText(`${ref.registry}/${ref.repository}@${result.root.digest}`);
  });
  return result;
}

async function askPush(explorerFiles: vscode.Uri[]): Promise<PushRequest | undefined> {
  let source: PushSource | undefined;
  if (explorerFiles.length === 1 && (await isLayoutFolder(explorerFiles[0]!))) {
    const refName = await pickLayoutRef(explorerFiles[0]!.fsPath);
    if (refName === null) return undefined;
    source = { kind: 'oci-layout', dir: explorerFiles[0]!.fsPath, ...(refName ? { refName } : {}) };
  } else if (explorerFiles.length > 0) {
    source = await askArtifact(explorerFiles);
  } else {
    const kind = await vscode.window.showQuickPick(
      [
        { label: '$(folder) OCI image layout folder', value: 'layout' as const },
        { label: '$(package) Tar archive', description: 'from docker save, skopeo or podman save', value: 'archive' as const },
        { label: '$(files) Files as an artifact', value: 'files' as const },
      ],
      { title: 'Push', placeHolder: 'Push from…' },
    );
    if (!kind) return undefined;
    if (kind.value === 'layout') {
      const dir = (
        await vscode.window.showOpenDialog({
          title: 'Push an OCI image layout',
          canSelectFolders: true,
          canSelectFiles: false,
          openLabel: 'Push',
        })
      )?.[0];
      if (!dir) return undefined;
      const refName = await pickLayoutRef(dir.fsPath);
      if (refName === null) return undefined;
      source = { kind: 'oci-layout', dir: dir.fsPath, ...(refName ? { refName } : {}) };
    } else if (kind.value === 'archive') {
      const file = (
        await vscode.window.showOpenDialog({
          title: 'Push a tar archive',
          canSelectMany: false,
          openLabel: 'Push',
          filters: { 'Tar archives': ['tar', 'tar.gz', 'tgz'] },
        })
      )?.[0];
      if (!file) return undefined;
      source = { kind: 'archive', file: file.fsPath };
    } else {
      const files = await vscode.window.showOpenDialog({ title: 'Push files as an artifact', canSelectMany: true, openLabel: 'Push' });
      if (!files?.length) return undefined;
      source = await askArtifact(files);
    }
  }
  if (!source) return undefined;
  const destination = await vscode.window.showInputBox({
    title: 'Push to',
    prompt: 'Destination: registry/repository:tag (without a registry: Docker Hub)',
    placeHolder: 'localhost:5000/team/app:1.0',
    ignoreFocusOut: true,
    validateInput: (value) => destinationCheck(value, undefined),
  });
  return destination?.trim() ? { source, destination: destination.trim() } : undefined;
}

async function askArtifact(files: vscode.Uri[]): Promise<PushSource | undefined> {
  const artifactType = await vscode.window.showInputBox({
    title: `Push ${files.length} file${files.length === 1 ? '' : 's'} as an artifact`,
    prompt: 'Artifact type (a media type that says what this is)',
    value: 'application/vnd.unknown.artifact.v1',
    ignoreFocusOut: true,
    validateInput: (value) => validate().mediaType(value),
  });
  if (!artifactType) return undefined;
  return { kind: 'files', artifactType: artifactType.trim(), files: files.map((f) => ({ path: f.fsPath })) };
}

async function isLayoutFolder(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(vscode.Uri.joinPath(uri, 'oci-layout'));
    return true;
  } catch {
    return false;
  }
}

/** The image to push from a layout with several; `undefined` when there is only one, `null` when cancelled. */
async function pickLayoutRef(dir: string): Promise<string | undefined | null> {
  const layout = await withErrors('Push', () => core().OciImageLayout.open(dir));
  if (!layout) return null;
  const roots = await layout.roots();
  if (roots.length <= 1) return undefined;
  const picked = await vscode.window.showQuickPick(
    roots.map((r) => ({ label: r.refName ?? r.descriptor.digest, description: core().shortDigest(r.descriptor.digest) })),
    { title: 'Push', placeHolder: 'Which image of the layout?' },
  );
  return picked ? picked.label : null;
}
