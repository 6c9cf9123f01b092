/**
 * Pull… and Push…: between a registry and this machine (an OCI layout folder, a tar for
 * `docker load`, an artifact's files), with byte progress, Cancel, and a result that opens what
 * was written or shows where it went.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { showInfo, showWarning } from '../common/notify';
import { core } from '../common/core-loader';
import type { ArchiveImage, CopyResult, ParsedManifest, Platform, PullDestination, PushSource } from '../core/index';
import { visibleText } from '../core/text/visible-text';
import { readSettings } from '../common/settings';
import { formatBytes } from '../shared/format';
import type { CommandContext } from './command-context';
import { CANCELLED_PULL, CANCELLED_UPLOAD, progressReporter, withErrors } from '../common/progress';
import { chooseSubject, destinationCheck, validate } from './subjects';
import { revealChoices, type RevealChoice } from '../common/reveal-choices';
import { confirmTagWrite, currentTarget } from './tag-moves';
import { ensureWriteAccess } from './provider-sign-in';
import { multipleSelection, pullSelection } from './selection-commands';
import { enginesOnPath, type Engine } from './engine-commands';
import { startFolder, suggestedFile } from '../common/save-location';

export function registerTransferCommands(ctx: CommandContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('registryExplorer.pull', (node?: unknown, selection?: unknown, options?: { dir?: string }) => {
      const many = multipleSelection(selection);
      return many ? pullSelection(many, ctx, options) : pullCommand(node, ctx);
    }),
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
  if ('engine' in request) {
    // Into Docker / Into Podman: the engine command asks for the platform and streams the image into `load`.
    await vscode.commands.executeCommand('registryExplorer.pullIntoEngine', { reference: subject.reference, engine: request.engine });
    return undefined;
  }
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
  void showInfo(message, ...revealChoicesFor(where)).then(
    (choice) => choice && reveal(choice, where, request.destination.kind === 'docker-archive'),
  );
  return result;
}

/** The buttons that can show `path` in this window (see reveal-choices.ts). */
function revealChoicesFor(path: string): RevealChoice[] {
  return revealChoices({
    inWorkspace: vscode.workspace.getWorkspaceFolder(vscode.Uri.file(path)) !== undefined,
    remoteOrWeb: vscode.env.remoteName !== undefined || vscode.env.uiKind === vscode.UIKind.Web,
  });
}

async function reveal(choice: RevealChoice, path: string, isFile: boolean): Promise<void> {
  const uri = vscode.Uri.file(path);
  if (choice === 'Reveal in Explorer') await vscode.commands.executeCommand('revealInExplorer', uri);
  else if (choice === 'Reveal in File Manager') await vscode.commands.executeCommand('revealFileInOS', uri);
  else if (choice === 'Copy Path') await vscode.env.clipboard.writeText(path);
  else await vscode.commands.executeCommand('vscode.openFolder', isFile ? vscode.Uri.joinPath(uri, '..') : uri, { forceNewWindow: true });
}

async function askPull(
  reference: string,
  descriptor: () => Promise<{ digest: string; mediaType: string }>,
  repository: { getManifest(ref: string): Promise<ParsedManifest> },
): Promise<PullRequest | { engine: Engine } | undefined> {
  const root = await withErrors('Pull', descriptor);
  if (!root) return undefined;
  const parsed = await withErrors('Pull', () => repository.getManifest(root.digest));
  if (!parsed) return undefined;
  const isArtifact = parsed.kind === 'image' && parsed.descriptor.artifactType !== undefined;
  // Files without a filesystem layer (an artifact, BuildKit's attestation manifest) make no image to load.
  const loadable = !core().isFileManifest(parsed);
  type Kind = vscode.QuickPickItem & { kind2: PullDestination['kind'] | 'engine'; engine?: Engine };
  const kinds: Kind[] = [
    ...(isArtifact
      ? [{ label: '$(files) Artifact files', description: 'each file by its title, into a folder', kind2: 'artifact-files' as const }]
      : []),
    { label: '$(folder) OCI image layout', description: 'a folder skopeo, crane, oras and containerd read', kind2: 'oci-layout' },
    ...(!loadable
      ? []
      : [
          {
            label: '$(package) Tar for docker load',
            description: 'one platform, as docker save writes it',
            kind2: 'docker-archive' as const,
          },
          // Straight into a local engine, when its command is on this machine.
          ...enginesOnPath().map((engine) => ({
            label: `$(vm) Into ${engine === 'docker' ? 'Docker' : 'Podman'}`,
            description: `${engine} load: one platform, no tar file left behind`,
            kind2: 'engine' as const,
            engine,
          })),
        ]),
  ];
  const kind = await vscode.window.showQuickPick(kinds, { title: `Pull ${reference}`, placeHolder: 'Pull to…' });
  if (!kind) return undefined;
  if (kind.kind2 === 'engine') return { engine: kind.engine! };
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
  // The repository's last part (`web` for `localhost:5000/team/web:1`), never the host's.
  const lastPart = core().parseReference(reference).repository.split('/').pop() || 'image';
  if (kind.kind2 === 'docker-archive') {
    const file = await vscode.window.showSaveDialog({
      title: `Pull ${reference} as a tar`,
      saveLabel: 'Pull',
      defaultUri: suggestedFile(`${lastPart}.tar`),
      filters: { 'Tar archives': ['tar'] },
    });
    return file
      ? {
          // Named as pulled (`repo:tag`); by digest alone, untagged (see the core's docker-archive destination).
          destination: {
            kind: 'docker-archive',
            file: file.fsPath,
            ...(core().parseReference(reference).tag !== undefined ? { repoTag: reference.replace(/@.*$/, '') } : {}),
          },
          ...(platforms ? { platforms } : {}),
        }
      : undefined;
  }
  const folders = await vscode.window.showOpenDialog({
    title: `Pull ${reference} into a folder`,
    openLabel: 'Pull Here',
    canSelectFolders: true,
    canSelectFiles: false,
    defaultUri: startFolder(),
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
  if (!(await ensureWriteAccess(registry, ref.registry, 'push'))) return undefined;
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
            // Scripts name the image (refName); a person picks it once the archive has been read.
            ...(preset ? {} : { chooseImage: (images: ArchiveImage[]) => pickArchiveImage(images, destination) }),
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
    source = await sourceFromExplorer(explorerFiles);
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

/**
 * What the Explorer's selection can be pushed as, decided before anything else is asked: a tar
 * can be an image archive or a file; a folder that is not an OCI layout can be pushed as its files
 * (those at its top: an artifact's files are named by their titles, without folders). Said at
 * once, not after the artifact type and destination were typed.
 */
async function sourceFromExplorer(selected: vscode.Uri[]): Promise<PushSource | undefined> {
  const typed = await Promise.all(selected.map(async (uri) => ({ uri, type: (await vscode.workspace.fs.stat(uri)).type })));
  const folders = typed.filter((t) => t.type & vscode.FileType.Directory).map((t) => t.uri);
  const files = typed.filter((t) => t.type === vscode.FileType.File).map((t) => t.uri);
  if (folders.length === 0) {
    const only = files[0];
    if (files.length === 1 && only && /\.(tar|tar\.gz|tgz)$/i.test(only.path)) {
      const kind = await vscode.window.showQuickPick(
        [
          { label: '$(package) An image archive', description: 'from docker save, podman save or skopeo (oci-archive)', value: 'archive' },
          { label: '$(file) A file, as an artifact', description: 'the tar as it is, under its name', value: 'file' },
        ],
        { title: `Push ${basename(only.path)}`, placeHolder: 'Push this tar as…' },
      );
      if (!kind) return undefined;
      if (kind.value === 'archive') return { kind: 'archive', file: only.fsPath };
    }
    return askArtifact(files);
  }
  const inside = await Promise.all(folders.map((folder) => topLevelFiles(folder)));
  const all = [...files, ...inside.flatMap((i) => i.files)];
  const subfolders = inside.reduce((n, i) => n + i.subfolders, 0);
  const names = folders.map((f) => basename(f.path)).join(', ');
  const notLayout = `${names} ${folders.length === 1 ? 'is not an OCI image layout' : 'are not OCI image layouts'} (no oci-layout file)`;
  if (all.length === 0) {
    void showWarning(`${notLayout} and ${folders.length === 1 ? 'holds' : 'hold'} no files to push as an artifact.`);
    return undefined;
  }
  const titles = all.map((f) => basename(f.path));
  const twice = titles.find((t, i) => titles.indexOf(t) !== i);
  if (twice) {
    void showWarning(`Two of the files are called ${twice}: an artifact's files are named by their titles, so they need different names.`);
    return undefined;
  }
  const listed = titles.slice(0, 8).join(', ') + (titles.length > 8 ? `, and ${titles.length - 8} more` : '');
  const picked = await vscode.window.showQuickPick(
    [
      {
        label: `$(files) ${all.length === 1 ? 'Its file' : `Its ${all.length} files`} as an artifact`,
        description: listed,
        detail: subfolders
          ? `The files at the top only: ${subfolders} subfolder${subfolders === 1 ? ' is' : 's are'} left out (an artifact's files have no folders).`
          : undefined,
      },
    ],
    { title: `Push ${names}`, placeHolder: `${notLayout}: push what it holds as one artifact?` },
  );
  return picked ? askArtifact(all) : undefined;
}

/** The regular files directly in `folder` (links and subfolders left out), and how many subfolders it has. */
async function topLevelFiles(folder: vscode.Uri): Promise<{ files: vscode.Uri[]; subfolders: number }> {
  const entries = await vscode.workspace.fs.readDirectory(folder);
  return {
    files: entries.filter(([, type]) => type === vscode.FileType.File).map(([name]) => vscode.Uri.joinPath(folder, name)),
    subfolders: entries.filter(([, type]) => type & vscode.FileType.Directory).length,
  };
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
/** Which of an archive's images to push (`docker save a b c` holds three): the digest picked, or undefined. */
async function pickArchiveImage(images: ArchiveImage[], destination: string): Promise<string | undefined> {
  const picked = await vscode.window.showQuickPick(
    images.map((image) => ({
      // Names come from the archive: hidden characters show as escapes in the list.
      label: visibleText(image.names[0] ?? core().shortDigest(image.descriptor.digest)),
      description: [core().shortDigest(image.descriptor.digest), ...image.names.slice(1, 4).map(visibleText)].join(' · '),
      digest: image.descriptor.digest,
    })),
    { title: `Push to ${destination}`, placeHolder: `The archive holds ${images.length} images: which one?`, ignoreFocusOut: true },
  );
  return picked?.digest;
}

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
