/**
 * Clean Up Repository…: asks which tags go (pattern, age, newest N, always-keep), checks first
 * that the registry allows deletes, reads every tag's digest and date, shows a read-only preview of
 * exactly what would go (savable as JSON), and only after a confirmation deletes, one request at a
 * time, with progress and Cancel. Anything short of a full run opens a report of what was and was
 * not deleted. Where the registry's provider lists manifests without a tag (ACR, ECR, Artifact
 * Registry, Harbor, GHCR), it also asks whether to delete those; where the provider deletes through
 * its own API (ECR, GHCR), so do the clean-up's deletes. Scripts and tests pass
 * `{ repository, policy, confirm, saveJsonTo? }`.
 */
import * as vscode from 'vscode';
import { core } from '../common/core-loader';
import type { CleanupPlan, CleanupPolicy, CleanupReport, ManifestDeleter, Repository, UntaggedManifestListing } from '../core/index';
import { askModal, showError, showInfo, showWarning } from '../common/notify';
import { errorText } from '../common/error-text';
import { withErrors } from '../common/progress';
import { readSettings } from '../common/settings';
import { createdTimeOf } from '../views/created-dates';
import { sortTags } from '../shared/tag-order';
import { RepositoryNode } from '../views/nodes/repository-node';
import { providerFor, vendorManifestDeleter, type CommandContext } from './command-context';
import { suggestedFile } from '../common/save-location';

export const CLEANUP_SCHEME = 'oci-cleanup';

/** What scripts and tests pass instead of answering the prompts. */
interface CleanupRequest {
  /** `host/repository` */
  repository: string;
  policy: CleanupPolicy;
  /** Delete without the confirmation (the preview still opens). */
  confirm?: boolean;
  /** Write the preview's JSON here. */
  saveJsonTo?: string;
  /** Read at most this many tags (default: the core's CLEANUP_TAG_LIMIT). */
  tagLimit?: number;
}

/** What the command returns (for scripts and tests). */
export interface CleanupOutcome {
  deletesDisabled?: boolean;
  plan?: CleanupPlan;
  previewUri?: string;
  report?: CleanupReport;
  reportUri?: string;
}

/** The text of the preview and report documents, by URI, while they are open. */
class CleanupDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private count = 0;

  add(host: string, repository: string, kind: 'preview' | 'report', text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: CLEANUP_SCHEME, path: `/${host}/${repository}/clean-up ${kind} ${++this.count}.txt` });
    this.texts.set(uri.toString(), text);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? 'This clean-up document is no longer available: run Clean Up Repository… again.';
  }
}

export function registerCleanupCommands(ctx: CommandContext): vscode.Disposable[] {
  const documents = new CleanupDocuments();
  return [
    vscode.workspace.registerTextDocumentContentProvider(CLEANUP_SCHEME, documents),
    vscode.commands.registerCommand('registryExplorer.cleanUpRepository', (node?: unknown) => cleanUp(node, ctx, documents)),
  ];
}

async function cleanUp(node: unknown, ctx: CommandContext, documents: CleanupDocuments): Promise<CleanupOutcome | undefined> {
  const preset = isRequest(node) ? node : undefined;
  const target = await chooseRepository(node, preset);
  if (!target) return undefined;
  const { host, name } = target;
  const reference = `${host}/${name}`;
  const repository = ctx.registry.repository(host, name);
  // Where the registry lists manifests without a tag (the APIs of ACR, ECR, Artifact Registry,
  // Harbor, GitHub), the clean-up can take them too; where the Distribution API's delete does not
  // work (ECR, GHCR), the vendor's does.
  // The tree's provider knows what settings name (a self-hosted Harbor); else the host decides.
  const provider = providerFor(ctx, host);
  const listUntagged = provider.listUntaggedManifests;
  const deleteManifest = vendorManifestDeleter(provider, name);

  // Deletes disabled is known before anyone spends time on a policy.
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Checking that ${host} allows deletes…` },
      () => core().checkDeletesAllowed(repository, undefined, deleteManifest),
    );
  } catch (err) {
    const disabled = (err as { code?: string }).code === 'DELETE_DISABLED';
    void showError(`Clean Up ${reference}: ${errorText(err)}`);
    return disabled ? { deletesDisabled: true } : undefined;
  }

  const asked = preset?.policy ?? (await askPolicy(reference));
  if (!asked) return undefined;
  const policy = preset || !listUntagged ? asked : await askUntagged(asked, reference, provider.info.name);
  if (!policy) return undefined;

  const plan = await withErrors(`Clean Up ${reference}`, () =>
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Reading the tags of ${reference}`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        const limit = preset?.tagLimit ?? core().CLEANUP_TAG_LIMIT;
        const listing = await core().readCleanupTags(
          ctx.registry.session.registry(host).listTags(name, { pageSize: Math.min(1000, limit + 1), signal: abort.signal }),
          { limit, signal: abort.signal, onCount: (read) => progress.report({ message: `${read} tags listed…` }) },
        );
        const tags = listing.tags;
        let shown = 0;
        // The preview lists tags in the tree's natural order (versions newest first), not the registry's.
        const facts = await core().readTagFacts(repository, sortTags(tags, 'natural'), {
          signal: abort.signal,
          concurrency: Math.min(8, readSettings().concurrency),
          createdOf: (parsed) => createdTimeOf(repository, parsed, ctx.registry.content, abort.signal),
          onTag: (done, total) => {
            const percent = Math.floor((done / total) * 100);
            progress.report({ message: `${done} of ${total}`, increment: percent - shown });
            shown = percent;
          },
        });
        if (listUntagged) progress.report({ message: 'listing untagged manifests…' });
        const listed = listUntagged ? await listUntagged(name, { signal: abort.signal }) : undefined;
        // Each is read for what the plan protects (an index's platforms, a referrer's subject); only
        // when they may go: a listing the policy keeps needs no reading.
        const untagged =
          listed && policy.deleteUntagged
            ? await core().readUntaggedDetails(repository, listed, {
                signal: abort.signal,
                onRead: (done, total) => progress.report({ message: `reading untagged manifest ${done} of ${total}…` }),
              })
            : listed;
        return core().planCleanup(facts, policy, Date.now(), {
          ...(listing.complete ? {} : { partialAt: limit }),
          ...(untagged ? { untagged } : {}),
          ...(listed?.note ? { untaggedNote: listed.note } : {}),
        });
      },
    ),
  );
  if (!plan) return undefined;

  const previewUri = documents.add(host, name, 'preview', core().describeCleanupPlan(plan, reference));
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(previewUri), { preview: false });
  ctx.log.info(
    `Clean-up preview for ${reference}: ${plan.totals.tagsRemoved} of ${plan.totals.tags} tags would go${plan.partial ? ` (only the first ${plan.partial.tagsRead} tags were read)` : ''}.`,
  );
  const outcome: CleanupOutcome = { plan, previewUri: previewUri.toString() };
  if (preset?.saveJsonTo) await writeJson(vscode.Uri.file(preset.saveJsonTo), plan, reference);
  if (plan.totals.tagsRemoved === 0 && plan.totals.untaggedDeleted === 0) {
    void showInfo(`Nothing in ${reference} matches the clean-up: every tag is kept (the preview says why).`);
    return outcome;
  }
  if (!preset?.confirm && !(await confirm(plan, reference))) return outcome;

  // Untagged manifests are listed again right before they go: one tagged since the preview stays.
  const untaggedNow = listUntagged ? (signal?: AbortSignal) => listUntagged(name, signal ? { signal } : {}) : undefined;
  const report = await runWithProgress(repository, plan, reference, untaggedNow, deleteManifest);
  ctx.tree.refreshRepository(host, name);
  outcome.report = report;
  const { deleted, failed, skipped, notAttempted } = report.totals;
  ctx.log.info(`Clean-up of ${reference}: ${deleted} deleted, ${failed} failed, ${skipped} skipped, ${notAttempted} not attempted.`);
  if (failed + skipped + notAttempted === 0) {
    const untaggedText = plan.totals.untaggedDeleted
      ? ` and ${plan.totals.untaggedDeleted} untagged manifest${plan.totals.untaggedDeleted === 1 ? '' : 's'}`
      : '';
    void showInfo(
      `Cleaned up ${reference}: ${plan.totals.tagsRemoved} tag${plan.totals.tagsRemoved === 1 ? '' : 's'}${untaggedText} removed in ${deleted} request${deleted === 1 ? '' : 's'}.`,
    );
    return outcome;
  }
  const reportUri = documents.add(host, name, 'report', core().describeCleanupReport(report, reference));
  outcome.reportUri = reportUri.toString();
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(reportUri), { preview: false });
  void showWarning(
    `Clean-up of ${reference} ${report.cancelled ? 'was cancelled' : 'did not finish'}: ${deleted} deleted, ${failed + skipped + notAttempted} not deleted. The report lists each one.`,
  );
  return outcome;
}

function isRequest(node: unknown): node is CleanupRequest {
  return !!node && typeof (node as CleanupRequest).repository === 'string' && typeof (node as CleanupRequest).policy === 'object';
}

/** The repository row, a scripted `host/repository`, or one the user types. */
async function chooseRepository(node: unknown, preset: CleanupRequest | undefined): Promise<{ host: string; name: string } | undefined> {
  if (node instanceof RepositoryNode) return { host: node.place.host, name: node.place.name };
  const text =
    preset?.repository ??
    (await vscode.window.showInputBox({
      title: 'Clean Up Repository',
      prompt: 'Repository: registry/repository',
      placeHolder: 'localhost:5000/team/app',
      ignoreFocusOut: true,
    }));
  if (!text?.trim()) return undefined;
  try {
    const ref = core().parseReference(text.trim());
    return { host: ref.registry, name: ref.repository };
  } catch (err) {
    void showError(`Clean Up Repository: ${errorText(err)}`);
    return undefined;
  }
}

/** Four questions and a choice; Escape on any of them ends the command. */
async function askPolicy(reference: string): Promise<CleanupPolicy | undefined> {
  const checkPattern = (value: string) => {
    if (!value.trim()) return undefined;
    try {
      core().tagPattern(value);
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  };
  const checkCount = (value: string) => (!value.trim() || /^\d{1,5}$/.test(value.trim()) ? undefined : 'A whole number, or nothing.');
  const match = await vscode.window.showInputBox({
    title: `Clean Up ${reference} (1/5): tags that may go`,
    prompt: 'A glob (pr-*, 1.?-rc*) or a regular expression (/^pr-\\d+$/). Empty: every tag.',
    ignoreFocusOut: true,
    validateInput: checkPattern,
  });
  if (match === undefined) return undefined;
  const older = await vscode.window.showInputBox({
    title: `Clean Up ${reference} (2/5): older than`,
    prompt: 'Only tags created more than this many days ago. Empty: any age.',
    ignoreFocusOut: true,
    validateInput: checkCount,
  });
  if (older === undefined) return undefined;
  const newest = await vscode.window.showInputBox({
    title: `Clean Up ${reference} (3/5): keep the newest`,
    prompt: 'Keep this many of the newest matching tags. Empty: keep none for this reason.',
    ignoreFocusOut: true,
    validateInput: checkCount,
  });
  if (newest === undefined) return undefined;
  const keep = await vscode.window.showInputBox({
    title: `Clean Up ${reference} (4/5): always keep`,
    prompt: 'Tags never removed, comma-separated globs or /regular expressions/.',
    value: 'latest',
    ignoreFocusOut: true,
    validateInput: (value) =>
      value
        .split(',')
        .map(checkPattern)
        .find((e) => e),
  });
  if (keep === undefined) return undefined;
  type Item = vscode.QuickPickItem & { value: CleanupPolicy['sharedDigest'] };
  const shared = await vscode.window.showQuickPick<Item>(
    [
      { label: 'Remove the tag only', detail: 'The manifest stays for the kept tag that shares it.', value: 'delete-tag' },
      { label: 'Keep the tag', detail: 'A tag that shares its manifest with a kept tag is not touched.', value: 'keep' },
    ],
    { title: `Clean Up ${reference} (5/5): a tag that goes but shares its manifest with a kept tag`, ignoreFocusOut: true },
  );
  if (!shared) return undefined;
  return {
    ...(match.trim() ? { match: match.trim() } : {}),
    ...(older.trim() ? { olderThanDays: Number(older) } : {}),
    ...(newest.trim() ? { keepNewest: Number(newest) } : {}),
    keep: keep
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
    sharedDigest: shared.value,
  };
}

/** One more question where the registry lists manifests without a tag: delete those too? */
async function askUntagged(policy: CleanupPolicy, reference: string, registryName: string): Promise<CleanupPolicy | undefined> {
  type Item = vscode.QuickPickItem & { value: boolean };
  const choice = await vscode.window.showQuickPick<Item>(
    [
      { label: 'Leave untagged manifests', detail: 'Only tags and their manifests are cleaned up.', value: false },
      {
        label: 'Also delete untagged manifests',
        detail: `${registryName} lists them; the preview shows each, and keeps those a kept index or image still needs.`,
        value: true,
      },
    ],
    { title: `Clean Up ${reference}: manifests without a tag`, ignoreFocusOut: true },
  );
  if (!choice) return undefined;
  return { ...policy, deleteUntagged: choice.value };
}

/** The last question before anything is sent; saving the preview asks again. */
async function confirm(plan: CleanupPlan, reference: string): Promise<boolean> {
  const { totals } = plan;
  const run = totals.tagsRemoved
    ? `Delete ${totals.tagsRemoved} Tag${totals.tagsRemoved === 1 ? '' : 's'}`
    : `Delete ${totals.untaggedDeleted} Untagged Manifest${totals.untaggedDeleted === 1 ? '' : 's'}`;
  const save = 'Save Preview as JSON…';
  for (;;) {
    const choice = await askModal(
      `Delete ${totals.tagsRemoved} of ${totals.tags} tags from ${reference}?`,
      [
        `${totals.manifestsDeleted} manifest${totals.manifestsDeleted === 1 ? '' : 's'} deleted by digest, with every tag on them.`,
        `${totals.tagOnlyDeletes} tag${totals.tagOnlyDeletes === 1 ? '' : 's'} removed alone (the manifest stays for a kept tag).`,
        ...(plan.untagged.listed
          ? [`${totals.untaggedDeleted} untagged manifest${totals.untaggedDeleted === 1 ? '' : 's'} deleted by digest.`]
          : []),
        `${totals.kept} kept. The preview lists each one and why. This cannot be undone.`,
        ...(plan.unreadableTags
          ? [
              `${plan.unreadableTags.length} tag${plan.unreadableTags.length === 1 ? '' : 's'} could not be read, so no manifest is deleted by digest: one may share it. The preview says what that keeps.`,
            ]
          : []),
        ...(plan.partial
          ? [
              `Only the first ${plan.partial.tagsRead} tags of the repository were read: a manifest deleted also takes any unread tag on it.`,
            ]
          : []),
      ].join('\n'),
      save,
      run,
    );
    if (choice === run) return true;
    if (choice !== save) return false;
    const uri = await vscode.window.showSaveDialog({
      title: 'Save Clean-Up Preview',
      filters: { JSON: ['json'] },
      defaultUri: suggestedFile(`${reference.replace(/[/:]/g, '-')}-cleanup.json`),
    });
    if (uri) await writeJson(uri, plan, reference);
  }
}

async function writeJson(uri: vscode.Uri, plan: CleanupPlan, reference: string): Promise<void> {
  await vscode.workspace.fs.writeFile(uri, Buffer.from(core().cleanupPlanJson(plan, reference), 'utf8'));
  void showInfo(`Saved the clean-up preview of ${reference} to ${uri.fsPath}.`);
}

async function runWithProgress(
  repository: Repository,
  plan: CleanupPlan,
  reference: string,
  untaggedNow: ((signal?: AbortSignal) => Promise<readonly UntaggedManifestListing[]>) | undefined,
  deleteManifest: ManifestDeleter | undefined,
): Promise<CleanupReport> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Cleaning up ${reference}`, cancellable: true },
    (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return core().runCleanup(repository, plan, {
        signal: abort.signal,
        ...(untaggedNow ? { untaggedNow } : {}),
        ...(deleteManifest ? { deleteManifest } : {}),
        onStep: (done, total) => progress.report({ message: `${done} of ${total} requests`, increment: 100 / total }),
      });
    },
  );
}
