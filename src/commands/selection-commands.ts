/**
 * Delete, Copy To, Pull and Copy Reference on several selected rows at once (the tree allows a
 * multiple selection): one confirmation that lists everything, one progress notification with
 * Cancel, and one summary of what succeeded and what did not. The single-row commands hand over
 * here when VS Code passes a selection of more than one row.
 *
 * Delete plans per repository with the clean-up planner, restricted to the selected tags: a
 * manifest is deleted by digest only when every tag on it is selected; a selected tag that shares
 * its manifest with an unselected one is removed alone, so nothing unselected goes.
 */
import * as vscode from 'vscode';
import { join } from 'node:path';
import { core } from '../common/core-loader';
import type { CleanupPlan, CleanupReport, ManifestDeleter, Reference, Repository } from '../core/index';
import { askModal, showInfo, showWarning } from '../common/notify';
import { errorText } from '../common/error-text';
import { withErrors } from '../common/progress';
import { readSettings } from '../common/settings';
import { isManifestHandle, type ManifestHandle } from '../views/nodes/content-nodes';
import { providerFor, vendorManifestDeleter, type CommandContext } from './command-context';
import { ensureWriteAccess } from './provider-sign-in';
import { referenceIn, validate } from './subjects';
import { currentTarget } from './tag-moves';
import { startFolder } from '../common/save-location';

/** The selection VS Code passes as the second argument, when it holds more than one row. */
export function multipleSelection(selection: unknown): unknown[] | undefined {
  return Array.isArray(selection) && selection.length > 1 ? selection : undefined;
}

/** What each item of a selection came to. */
export interface SelectionSummary {
  succeeded: string[];
  failed: { reference: string; reason: string }[];
  /** Not attempted: cancelled first, or not something this command acts on. */
  skipped: { reference: string; reason: string }[];
}

const references = (nodes: readonly unknown[]) =>
  nodes.flatMap((n) => (typeof (n as { reference?: unknown }).reference === 'string' ? [(n as { reference: string }).reference] : []));

/** Copy Reference on a selection: one reference a line. */
export async function copySelectedReferences(nodes: readonly unknown[]): Promise<string> {
  const text = references(nodes).join('\n');
  await vscode.env.clipboard.writeText(text);
  void showInfo(`Copied ${references(nodes).length} references.`);
  return text;
}

function split(nodes: readonly unknown[]): { handles: ManifestHandle[]; others: SelectionSummary['skipped'] } {
  const handles = nodes.filter(isManifestHandle);
  const others = references(nodes.filter((n) => !isManifestHandle(n))).map((reference) => ({
    reference,
    reason: 'only tags and manifests are acted on (Clean Up Repository… empties a repository)',
  }));
  return { handles, others };
}

/** Reports a summary: information when everything worked, a warning naming what did not. */
function report(what: string, summary: SelectionSummary, log: vscode.LogOutputChannel): void {
  const notDone = [...summary.failed, ...summary.skipped];
  for (const f of notDone) log.warn(`${what}: ${f.reference} not done: ${f.reason}`);
  if (!notDone.length) {
    void showInfo(`${what}: all ${summary.succeeded.length} done.`);
    return;
  }
  const listed = notDone
    .slice(0, 5)
    .map((f) => `${f.reference} (${f.reason})`)
    .join('; ');
  void showWarning(
    `${what}: ${summary.succeeded.length} done, ${notDone.length} not: ${listed}${notDone.length > 5 ? ` and ${notDone.length - 5} more (see the log)` : ''}.`,
  );
}

interface RepositoryGroup {
  host: string;
  name: string;
  repository: Repository;
  tags: string[];
  digests: string[];
}

function groupByRepository(handles: readonly ManifestHandle[]): RepositoryGroup[] {
  const groups = new Map<string, RepositoryGroup>();
  for (const h of handles) {
    const key = h.place.reference;
    const group = groups.get(key) ?? { host: h.place.host, name: h.place.name, repository: h.repository, tags: [], digests: [] };
    if (h.tag) group.tags.push(h.tag);
    else group.digests.push(h.reference.slice(h.reference.lastIndexOf('@') + 1));
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** Delete on a selection. Scripts and tests pass `{ confirm: true }` as `options`. */
export async function deleteSelection(
  nodes: readonly unknown[],
  ctx: CommandContext,
  options: { confirm?: boolean } = {},
): Promise<SelectionSummary | undefined> {
  const { handles, others } = split(nodes);
  if (!handles.length) return undefined;
  const groups = groupByRepository(handles);
  const plans = await withErrors('Delete', () =>
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Finding what the selected tags share…', cancellable: true },
      async (_progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        const planned: { group: RepositoryGroup; plan: CleanupPlan; deleteManifest: ManifestDeleter | undefined }[] = [];
        for (const group of groups) {
          // ECR and GHCR delete through their own APIs; the check and the deletes both use it.
          const deleteManifest = vendorManifestDeleter(providerFor(ctx, group.host), group.name);
          await core().checkDeletesAllowed(group.repository, abort.signal, deleteManifest);
          const tags: string[] = [];
          for await (const page of ctx.registry.session.registry(group.host).listTags(group.name, { pageSize: 1000, signal: abort.signal }))
            for (const tag of page) tags.push(tag);
          const facts = await core().readTagFacts(group.repository, tags, {
            signal: abort.signal,
            concurrency: Math.min(8, readSettings().concurrency),
          });
          const plan = core().planCleanup(facts, { only: group.tags, sharedDigest: 'delete-tag' }, Date.now());
          // Selected manifests (by digest) go with every tag on them; the confirmation names those tags.
          for (const digest of group.digests)
            if (!plan.manifests.some((m) => m.digest === digest))
              plan.manifests.push({ digest, tags: facts.filter((f) => f.digest === digest).map((f) => f.tag) });
          planned.push({ group, plan, deleteManifest });
        }
        return planned;
      },
    ),
  );
  if (!plans) return undefined;
  const lines = plans.flatMap(({ group, plan }) => [
    `${group.host}/${group.name}:`,
    ...plan.manifests.map(
      (m) => `  delete ${core().shortDigest(m.digest)}${m.tags.length ? ` with tags ${m.tags.join(', ')}` : ' (no tag)'}`,
    ),
    ...plan.tagDeletions.map((t) =>
      plan.unreadableTags
        ? `  remove tag ${t.tag} only (tags that could not be read, ${plan.unreadableTags.join(', ')}, may share its manifest)`
        : `  remove tag ${t.tag} only (its manifest stays for another tag)`,
    ),
    ...plan.decisions.filter((d) => d.action === 'keep' && group.tags.includes(d.tag)).map((d) => `  keep ${d.tag}: ${d.reason}`),
  ]);
  const count = plans.reduce((n, { plan }) => n + plan.manifests.length + plan.tagDeletions.length, 0);
  const shown = lines.length > 30 ? [...lines.slice(0, 30), `… and ${lines.length - 30} more lines`] : lines;
  const go = `Delete ${count} Item${count === 1 ? '' : 's'}`;
  if (
    !options.confirm &&
    (await askModal(`Delete ${handles.length} selected items?`, [...shown, '', 'This cannot be undone.'].join('\n'), go)) !== go
  )
    return undefined;

  const summary: SelectionSummary = { succeeded: [], failed: [], skipped: [...others] };
  // A selected tag the planner keeps (unreadable, or a referrers tag) is named with its reason.
  for (const { group, plan } of plans)
    for (const d of plan.decisions)
      if (d.action === 'keep' && group.tags.includes(d.tag))
        summary.skipped.push({ reference: `${group.host}/${group.name}:${d.tag}`, reason: d.reason });
  const reports: CleanupReport[] = [];
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Deleting ${count} items`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      for (const { group, plan, deleteManifest } of plans) {
        const result = await core().runCleanup(group.repository, plan, {
          signal: abort.signal,
          ...(deleteManifest ? { deleteManifest } : {}),
          onStep: () => progress.report({ increment: 100 / count }),
        });
        reports.push(result);
        for (const step of result.steps) {
          const reference =
            step.step.kind === 'tag' ? `${group.host}/${group.name}:${step.step.tag}` : `${group.host}/${group.name}@${step.step.digest}`;
          if (step.outcome === 'deleted') summary.succeeded.push(reference);
          else if (step.outcome === 'failed') summary.failed.push({ reference, reason: step.reason ?? 'failed' });
          else summary.skipped.push({ reference, reason: step.reason ?? (step.outcome === 'not-attempted' ? 'cancelled' : 'skipped') });
        }
        ctx.tree.refreshRepository(group.host, group.name);
      }
    },
  );
  report('Delete', summary, ctx.log);
  return summary;
}

/** Copy To on a selection: every image to one registry or namespace, keeping its repository name and tag. */
export async function copySelection(
  nodes: readonly unknown[],
  ctx: CommandContext,
  preset?: { destination?: string; move?: boolean },
): Promise<SelectionSummary | undefined> {
  const { handles, others } = split(nodes);
  if (!handles.length) return undefined;
  const destination =
    preset?.destination ??
    (await vscode.window.showInputBox({
      title: `Copy ${handles.length} Images To`,
      prompt:
        'Destination registry or namespace (registry/namespace): each image keeps its repository name and tag under it. Without a registry, each stays on its own registry.',
      placeHolder: 'registry.example.com/mirror',
      ignoreFocusOut: true,
      validateInput: (value) => validate().namespace(value),
    }));
  if (!destination?.trim()) return undefined;
  const prefix = destination.trim().replace(/\/+$/, '');
  // A destination without a registry stays on each image's own registry, as Copy To… on one row does (never Docker Hub unseen).
  const text = (ref: Reference) => `${ref.registry}/${ref.repository}:${ref.tag ?? 'latest'}`;
  const { first: targets, skipped: clashing } = onePerName(
    handles.map((handle) => ({
      handle,
      ref: referenceIn(`${prefix}/${handle.place.name}:${handle.tag ?? 'latest'}`, handle.place.host),
    })),
    (t) => text(t.ref),
    (t) => t.handle.reference,
  );
  for (const host of new Set(targets.map((t) => t.ref.registry)))
    if (!(await ensureWriteAccess(ctx.registry, host, 'push'))) return undefined;
  // Tags already there that name something else are moved only when the user says so, all at once.
  const moving = await withErrors('Copy To', () =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Checking the destination tags…' }, async () => {
      const found: { ref: Reference; current: string }[] = [];
      for (const { handle, ref } of targets) {
        const current = await currentTarget(ctx.registry.repository(ref.registry, ref.repository), ref.tag ?? 'latest');
        if (current && current.digest !== (await handle.descriptor()).digest) found.push({ ref, current: current.digest });
      }
      return found;
    }),
  );
  if (!moving) return undefined;
  let moveTags = preset?.move === true;
  if (moving.length > 0 && !preset) {
    const { shortDigest } = core();
    const choice = await askModal(
      `${moving.length} of the destination tags already point to other images`,
      [
        ...moving.slice(0, 20).map((m) => `${text(m.ref)} points to ${shortDigest(m.current)} now`),
        ...(moving.length > 20 ? [`… and ${moving.length - 20} more`] : []),
        'Moving a tag leaves the manifest it pointed to in the repository, named only if another tag points to it.',
      ].join('\n'),
      'Move Them',
      'Skip Them',
    );
    if (!choice) return undefined;
    moveTags = choice === 'Move Them';
  }
  const notMoved = new Set(moveTags ? [] : moving.map((m) => text(m.ref)));
  if (!moveTags) for (const m of moving) ctx.log.info(`Copy To: ${text(m.ref)} points to ${m.current}; it was left as it is.`);
  const summary: SelectionSummary = { succeeded: [], failed: [], skipped: [...others, ...clashing] };
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Copying ${targets.length} images to ${prefix}`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      for (const { handle, ref } of targets) {
        const target = text(ref);
        if (notMoved.has(target)) {
          summary.skipped.push({ reference: handle.reference, reason: `${target} points to another image and was left as it is` });
          continue;
        }
        if (abort.signal.aborted) {
          summary.skipped.push({ reference: handle.reference, reason: 'cancelled before it started' });
          continue;
        }
        progress.report({ message: handle.reference, increment: 100 / targets.length });
        try {
          await core().copy(handle.repository, ctx.registry.repository(ref.registry, ref.repository), await handle.descriptor(), {
            tag: ref.tag ?? 'latest',
            concurrency: readSettings().concurrency,
            signal: abort.signal,
          });
          summary.succeeded.push(`${handle.reference} → ${target}`);
          ctx.tree.refreshRepository(ref.registry, ref.repository);
        } catch (err) {
          const reason = abort.signal.aborted ? 'cancelled: nothing was tagged' : errorText(err);
          (abort.signal.aborted ? summary.skipped : summary.failed).push({ reference: handle.reference, reason });
        }
      }
    },
  );
  report('Copy To', summary, ctx.log);
  return summary;
}

/** Pull on a selection: every image into one OCI image layout folder, each under its `repository:tag` name. */
export async function pullSelection(
  nodes: readonly unknown[],
  ctx: CommandContext,
  preset?: { dir?: string },
): Promise<SelectionSummary | undefined> {
  const { handles, others } = split(nodes);
  if (!handles.length) return undefined;
  const dir =
    preset?.dir ??
    (
      await vscode.window.showOpenDialog({
        title: `Pull ${handles.length} Images into an OCI Image Layout`,
        openLabel: 'Pull Here',
        canSelectFolders: true,
        canSelectFiles: false,
        defaultUri: startFolder(),
      })
    )?.[0]?.fsPath;
  if (!dir) return undefined;
  const named = await withErrors('Pull', async () => {
    const all = [];
    for (const handle of handles) {
      const pointer = handle.tag ?? (await handle.descriptor()).digest;
      all.push({ handle, pointer, refName: `${handle.place.name}:${handle.tag ?? core().shortDigest(pointer)}` });
    }
    return all;
  });
  if (!named) return undefined;
  // One name holds one image in a layout: the same repository and tag from two registries clash.
  const { first: pulls, skipped: clashing } = onePerName(
    named,
    (p) => p.refName,
    (p) => p.handle.reference,
  );
  const summary: SelectionSummary = { succeeded: [], failed: [], skipped: [...others, ...clashing] };
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Pulling ${pulls.length} images into ${dir}`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      for (const { handle, pointer, refName } of pulls) {
        if (abort.signal.aborted) {
          summary.skipped.push({ reference: handle.reference, reason: 'cancelled before it started' });
          continue;
        }
        progress.report({ message: handle.reference, increment: 100 / pulls.length });
        try {
          await core().pull(
            handle.repository,
            pointer,
            { kind: 'oci-layout', dir, refName },
            { concurrency: readSettings().concurrency, signal: abort.signal },
          );
          summary.succeeded.push(`${handle.reference} → ${join(dir, 'index.json')} as ${refName}`);
        } catch (err) {
          const reason = abort.signal.aborted ? 'cancelled: what arrived whole is kept' : errorText(err);
          (abort.signal.aborted ? summary.skipped : summary.failed).push({ reference: handle.reference, reason });
        }
      }
    },
  );
  report('Pull', summary, ctx.log);
  return summary;
}

/**
 * The items whose `name` comes first, and a skipped entry for each of the rest: two selected images
 * sent to one tag (two platform rows to `:latest`, one repository and tag from two registries)
 * would leave only the last, with every one reported done.
 */
function onePerName<T>(
  items: readonly T[],
  name: (item: T) => string,
  reference: (item: T) => string,
): { first: T[]; skipped: SelectionSummary['skipped'] } {
  const byName = new Map<string, T>();
  const first: T[] = [];
  const skipped: SelectionSummary['skipped'] = [];
  for (const item of items) {
    const earlier = byName.get(name(item));
    if (earlier === undefined) {
      byName.set(name(item), item);
      first.push(item);
    } else {
      skipped.push({
        reference: reference(item),
        reason: `${name(item)} is where ${reference(earlier)} goes too, and a tag holds one image: copy or pull this one on its own under another name`,
      });
    }
  }
  return { first, skipped };
}
