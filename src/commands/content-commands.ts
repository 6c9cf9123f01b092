/**
 * Commands on what is in a repository: open as JSON, copy digest or pull command, tag, delete,
 * copy to another repository or registry. From a tree node, or from the palette with a typed
 * reference. Long work shows byte progress and can be cancelled.
 */
import * as vscode from 'vscode';
import { askModal, showInfo, showWarning } from '../common/notify';
import { core } from '../common/core-loader';
import type { CopyResult, Platform } from '../core/index';
import { readSettings } from '../common/settings';
import { BlobNode } from '../views/nodes/content-nodes';
import { formatBytes } from '../shared/format';
import { jsonUri } from '../common/json-uri';
import { providerFor, vendorManifestDeleter, type CommandContext } from './command-context';
import { CANCELLED_UPLOAD, progressReporter, withErrors } from '../common/progress';
import { chooseSubject, destinationCheck, referenceIn, validate, type Subject } from './subjects';
import { confirmTagWrite, currentTarget } from './tag-moves';
import { ensureWriteAccess } from './provider-sign-in';
import { copySelection, deleteSelection, multipleSelection } from './selection-commands';

export function registerContentCommands(ctx: CommandContext): vscode.Disposable[] {
  const register = (id: string, run: (node?: unknown, selection?: unknown, options?: unknown) => unknown) =>
    vscode.commands.registerCommand(id, run);
  return [
    register('registryExplorer.openJson', (node) => openJson(node, ctx)),
    register('registryExplorer.copyDigest', (node) => copyDigest(node, ctx)),
    register('registryExplorer.copyPullCommand', (node) => copyPullCommand(node, ctx)),
    register('registryExplorer.tag', (node) => tagManifest(node, ctx)),
    // With several rows selected, VS Code passes them all: selection-commands.ts acts on the lot.
    register('registryExplorer.delete', (node, selection, options) => {
      const many = multipleSelection(selection);
      return many ? deleteSelection(many, ctx, options as { confirm?: boolean }) : deleteManifest(node, ctx);
    }),
    register('registryExplorer.copyTo', (node, selection, options) => {
      const many = multipleSelection(selection);
      return many ? copySelection(many, ctx, options as { destination?: string; move?: boolean }) : copyTo(node, ctx);
    }),
  ];
}

async function openJson(node: unknown, { registry }: CommandContext): Promise<void> {
  let uri: vscode.Uri;
  if (node instanceof BlobNode) {
    uri = jsonUri({
      host: node.place.host,
      repository: node.place.name,
      digest: node.descriptor.digest,
      kind: 'blob',
      size: node.descriptor.size,
    });
  } else {
    const subject = await chooseSubject(node, registry, 'Open Manifest as JSON');
    if (!subject) return;
    const descriptor = await withErrors('Open Manifest as JSON', () => subject.descriptor());
    if (!descriptor) return;
    uri = jsonUri({ host: subject.host, repository: subject.repositoryName, digest: descriptor.digest, kind: 'manifest' });
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.languages.setTextDocumentLanguage(doc, 'json');
  await vscode.window.showTextDocument(doc, { preview: true });
}

async function copyDigest(node: unknown, { registry }: CommandContext): Promise<string | undefined> {
  const digest =
    node instanceof BlobNode
      ? node.descriptor.digest
      : await withErrors('Copy Digest', async () =>
          (await chooseSubject(node, registry, 'Copy Digest'))?.descriptor().then((d) => d.digest),
        );
  if (digest) await vscode.env.clipboard.writeText(digest);
  return digest;
}

async function copyPullCommand(node: unknown, { registry }: CommandContext): Promise<string | undefined> {
  const subject = await chooseSubject(node, registry, 'Copy Pull Command');
  if (!subject) return undefined;
  const command = `docker pull ${subject.reference}`;
  await vscode.env.clipboard.writeText(command);
  return command;
}

/**
 * Puts the manifest under another tag in the same repository. A tag that exists and points
 * elsewhere is moved only after saying where it points now (scripts pass `{ reference, newTag, move: true }`).
 */
async function tagManifest(node: unknown, { registry, tree, log }: CommandContext, preset?: string): Promise<string | undefined> {
  const script = node as { newTag?: string; move?: unknown } | undefined;
  const subject = await chooseSubject(node, registry, 'Tag');
  if (!subject) return undefined;
  const newTag =
    script?.newTag ??
    preset ??
    (await vscode.window.showInputBox({
      title: `Tag ${subject.reference}`,
      prompt: `New tag in ${subject.host}/${subject.repositoryName}`,
      ignoreFocusOut: true,
      validateInput: (value) => validate().tag(value),
    }));
  if (!newTag) return undefined;
  if (!(await ensureWriteAccess(registry, subject.host, 'push'))) return undefined;
  const target = `${subject.host}/${subject.repositoryName}:${newTag}`;
  const found = await withErrors('Tag', async () => {
    const descriptor = await subject.descriptor();
    return { descriptor, current: await currentTarget(subject.repository, newTag) };
  });
  if (!found) return undefined;
  const { descriptor, current } = found;
  const write = await confirmTagWrite('Tag', target, current, descriptor.digest, script?.newTag !== undefined ? script : undefined, log);
  if (!write) return undefined;
  const short = core().shortDigest(descriptor.digest);
  if (write === 'same') {
    void showInfo(`${target} already points to ${short}; nothing changed.`);
    return newTag;
  }
  const done = await withErrors('Tag', () => subject.repository.tag(descriptor.digest, newTag));
  if (!done) return undefined;
  tree.refreshRepository(subject.host, subject.repositoryName);
  void showInfo(
    write === 'move' ? `Moved ${target} from ${core().shortDigest(current!.digest)} to ${short}.` : `Tagged ${target} → ${short}.`,
  );
  return newTag;
}

/**
 * Deletes a tag alone, or the manifest with every tag pointing at it: when the tag shares its
 * manifest, a pick says which, then a modal lists the digest and its tags with one delete button.
 * Scripts and tests pass `{ reference, mode, confirm: true }`.
 */
async function deleteManifest(node: unknown, { registry, tree, log }: CommandContext): Promise<'tag' | 'manifest' | undefined> {
  const preset = node as { mode?: 'tag' | 'manifest'; confirm?: boolean } | undefined;
  const subject = await chooseSubject(node, registry, 'Delete');
  if (!subject) return undefined;
  const found = await withErrors('Delete', () =>
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Finding the tags of ${subject.reference}…`, cancellable: false },
      async () => {
        const descriptor = await subject.descriptor();
        const { tags, complete } = await subject.repository.tagsPointingTo(descriptor.digest);
        return { descriptor, tags, complete };
      },
    ),
  );
  if (!found) return undefined;
  const { descriptor, tags, complete } = found;
  const shown = tags.length > 20 ? `${tags.slice(0, 20).join(', ')} and ${tags.length - 20} more` : tags.join(', ');
  const tagOnly = subject.tag && tags.length > 1 ? `Delete Tag "${subject.tag}" Only` : undefined;
  const whole = `Delete Manifest${tags.length ? ` and ${tags.length} Tag${tags.length === 1 ? '' : 's'}` : ''}`;
  let choice: string | undefined;
  if (preset?.confirm) choice = preset.mode === 'tag' ? (tagOnly ?? whole) : whole;
  else {
    // Which deletion first, then one confirmation with one delete button: a dialog with two delete
    // buttons puts Cancel between them (VS Code's button order), where a wrong click is easy.
    const picked = tagOnly ? await pickDeletion(subject.reference, subject.tag!, tags, tagOnly, whole) : whole;
    if (!picked) return undefined;
    const detail = [
      `Digest: ${descriptor.digest}`,
      tags.length
        ? `Tags pointing to it: ${shown}${complete ? '' : ' (the repository has more tags than were checked)'}`
        : 'No tag points to it.',
      picked === tagOnly
        ? `Only the tag "${subject.tag}" is removed; the manifest stays, with its other tags.`
        : 'Deleting the manifest removes every one of these tags. This cannot be undone.',
    ].join('\n');
    choice = await askModal(`Delete ${picked === tagOnly ? `the tag ${subject.reference}` : subject.reference}?`, detail, picked);
  }
  if (!choice) return undefined;
  if (!(await ensureWriteAccess(registry, subject.host, 'delete'))) return undefined;
  const mode = choice === tagOnly ? 'tag' : 'manifest';
  const ok = await withErrors('Delete', async () => {
    // ECR and GHCR delete through their own APIs (BatchDeleteImage, package versions); a tag alone
    // there by pointing it at a throwaway manifest deleted that way. Others: the Distribution API.
    const vendorDelete = vendorManifestDeleter(providerFor({ registry, tree }, subject.host), subject.repositoryName);
    if (mode === 'tag') await subject.repository.deleteTag(subject.tag!, undefined, vendorDelete);
    else if (vendorDelete) await vendorDelete(descriptor.digest);
    else await subject.repository.deleteManifest(descriptor.digest);
    return true;
  });
  if (!ok) return undefined;
  const done =
    mode === 'tag'
      ? `Deleted the tag ${subject.reference}; the manifest ${core().shortDigest(descriptor.digest)} stays with its other tags.`
      : `Deleted ${subject.host}/${subject.repositoryName}@${core().shortDigest(descriptor.digest)}${tags.length ? ` and its tags ${shown}` : ''}.`;
  log.info(
    `Deleted ${mode === 'tag' ? `tag ${subject.reference}` : `${subject.host}/${subject.repositoryName}@${descriptor.digest} (tags: ${tags.join(', ') || 'none'})`}`,
  );
  tree.refreshRepository(subject.host, subject.repositoryName);
  // Tag… says what it did: so does Delete.
  void showInfo(done);
  return mode;
}

/** What to delete when the tag shares its manifest with other tags: the tag alone, or everything. */
async function pickDeletion(reference: string, tag: string, tags: string[], tagOnly: string, whole: string): Promise<string | undefined> {
  const others = tags.filter((t) => t !== tag);
  const picked = await vscode.window.showQuickPick(
    [
      {
        label: tagOnly,
        description: 'the manifest stays',
        detail: `Keeps ${others.length} other tag${others.length === 1 ? '' : 's'}: ${others.slice(0, 10).join(', ')}${others.length > 10 ? '…' : ''}`,
        choice: tagOnly,
      },
      {
        label: whole,
        description: 'cannot be undone',
        detail: `Removes the manifest and every tag on it: ${tags.slice(0, 10).join(', ')}${tags.length > 10 ? '…' : ''}`,
        choice: whole,
      },
    ],
    {
      title: `Delete ${reference}`,
      placeHolder: `"${tag}" shares its manifest with ${others.length} other tag${others.length === 1 ? '' : 's'}: what should go?`,
    },
  );
  return picked?.choice;
}

interface CopyRequest {
  destination: string;
  platforms?: Platform[];
  includeReferrers?: boolean;
  /** Scripts: move the destination tag if it names another manifest. */
  move?: boolean;
}

/**
 * Copies a manifest (all platforms or a chosen set, optionally with its referrers) to another
 * repository or registry. Scripts and tests pass `{ reference, destination, platforms?, includeReferrers? }`.
 */
async function copyTo(node: unknown, { registry, tree, log }: CommandContext): Promise<CopyResult | undefined> {
  const preset = node as Partial<CopyRequest> | undefined;
  const subject = await chooseSubject(node, registry, 'Copy To');
  if (!subject) return undefined;
  const request = preset?.destination
    ? { destination: preset.destination, platforms: preset.platforms, includeReferrers: preset.includeReferrers }
    : await askCopy(subject);
  if (!request) return undefined;
  // A destination without a registry stays on the source's registry (never Docker Hub unseen).
  const target = referenceIn(request.destination, subject.host);
  if (!(await ensureWriteAccess(registry, target.registry, 'push'))) return undefined;
  const destination = registry.repository(target.registry, target.repository);
  const tag = target.tag ?? subject.tag ?? 'latest';
  const destinationText = `${target.registry}/${target.repository}:${tag}`;
  // A tag that is there already and names something else is moved only when the user says so.
  const before = await withErrors('Copy To', async () => ({
    current: await currentTarget(destination, tag),
    root: await subject.descriptor(),
  }));
  if (!before) return undefined;
  const next = request.platforms ? undefined : before.root.digest;
  if (!(await confirmTagWrite('Copy To', destinationText, before.current, next, preset?.destination ? preset : undefined, log)))
    return undefined;
  const result = await withErrors(
    'Copy To',
    () =>
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Copying ${subject.reference} to ${destinationText}`, cancellable: true },
        async (progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          const root = await subject.descriptor();
          return core().copy(subject.repository, destination, root, {
            tag,
            concurrency: readSettings().concurrency,
            ...(request.platforms ? { platforms: request.platforms } : {}),
            includeReferrers: request.includeReferrers === true,
            signal: abort.signal,
            onProgress: progressReporter(progress),
          });
        },
      ),
    CANCELLED_UPLOAD,
  );
  if (!result) return undefined;
  const summary = transferSummary(result);
  log.info(`Copied ${subject.reference} to ${destinationText} (${result.root.digest}): ${summary}`);
  tree.refreshRepository(target.registry, target.repository);
  void showInfo(
    `Copied to ${destinationText} (${summary}).${result.rewritten ? ` The chosen platforms got a new digest, ${core().shortDigest(result.root.digest)}.` : ''}`,
    'Reveal in Tree',
    'Copy Reference',
  ).then((action) => {
    if (action === 'Reveal in Tree') void vscode.commands.executeCommand('registryExplorer.revealInTree', { reference: destinationText });
    else if (action) void vscode.env.clipboard.writeText(`${target.registry}/${target.repository}@${result.root.digest}`);
  });
  return result;
}

async function askCopy(subject: Subject): Promise<CopyRequest | undefined> {
  const destination = await vscode.window.showInputBox({
    title: `Copy ${subject.reference} To (1/2)`,
    prompt: `Destination: [registry/]repository[:tag]; without a registry it stays on ${subject.host}`,
    value: `${subject.host}/${subject.repositoryName}-copy:${subject.tag ?? 'latest'}`,
    valueSelection: [subject.host.length + 1, subject.host.length + 1 + subject.repositoryName.length + 5],
    ignoreFocusOut: true,
    validateInput: (value) => destinationCheck(value, subject.host),
  });
  if (!destination?.trim()) return undefined;
  const descriptor = await withErrors('Copy To', () => subject.descriptor());
  if (!descriptor) return undefined;
  type Item = vscode.QuickPickItem & { platform?: Platform; referrers?: boolean };
  const items: Item[] = [];
  if (core().manifestKindOf(descriptor.mediaType) === 'index') {
    const parsed = await withErrors('Copy To', () => subject.repository.getManifest(descriptor.digest));
    if (!parsed || parsed.kind !== 'index') return undefined;
    items.push({ label: 'Platforms', kind: vscode.QuickPickItemKind.Separator });
    for (const entry of parsed.index.manifests) {
      if (core().isAttestationEntry(entry) || !entry.platform) continue;
      items.push({
        label: core().formatPlatform(entry.platform),
        description: core().shortDigest(entry.digest),
        picked: true,
        platform: entry.platform,
      });
    }
  }
  items.push({ label: 'Options', kind: vscode.QuickPickItemKind.Separator });
  items.push({
    label: 'Include referrers',
    description: "signatures, SBOMs and attestations of this manifest, cosign's .sig and .att tags included",
    picked: true,
    referrers: true,
  });
  const picked = await vscode.window.showQuickPick(items, {
    title: `Copy ${subject.reference} To (2/2)`,
    canPickMany: true,
    ignoreFocusOut: true,
    placeHolder: 'Platforms to copy (all by default) and options',
  });
  if (!picked) return undefined;
  const platformItems = items.filter((i) => i.platform);
  const chosen = picked.filter((i) => i.platform).map((i) => i.platform!);
  if (platformItems.length > 0 && chosen.length === 0) {
    void showWarning('Choose at least one platform to copy.');
    return undefined;
  }
  return {
    destination: destination.trim(),
    ...(chosen.length > 0 && chosen.length < platformItems.length ? { platforms: chosen } : {}),
    includeReferrers: picked.some((i) => i.referrers),
  };
}

/** "3 blobs copied (12.0 MiB), 5 mounted, 2 already there, in 1.2 s": only the parts that happened. */
export function transferSummary(result: CopyResult): string {
  const { copied, mounted, skipped } = result.blobs;
  const parts = [
    copied ? `${copied} blob${copied === 1 ? '' : 's'} copied (${formatBytes(result.bytes.transferred)})` : '',
    mounted ? `${mounted} mounted` : '',
    skipped ? `${skipped} already there` : '',
  ].filter(Boolean);
  return `${parts.join(', ') || 'nothing to move'}, in ${(result.durationMs / 1000).toFixed(1)} s`;
}
