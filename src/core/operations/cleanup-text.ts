/**
 * A clean-up plan and its report as a person reads them (the read-only preview and report
 * documents) and as JSON a script reads (the saved preview). Tags and digests come from the
 * registry: every one passes through visibleText, so no character can hide or reorder a line.
 */
import { visibleText } from '../text/visible-text';
import type { CleanupPlan, TagDecision } from './cleanup-plan';
import type { CleanupReport, CleanupStep } from './cleanup';

/** `2026-11-02` for a creation time, `date unknown` without one. */
function day(created: number | undefined): string {
  return created === undefined ? 'date unknown' : new Date(created).toISOString().slice(0, 10);
}

function describePolicy(plan: CleanupPlan): string[] {
  const { policy } = plan;
  return [
    ...(policy.only ? [`  Selected tags:        ${policy.only.map(visibleText).join(', ')}`] : []),
    `  Tags matching:        ${policy.match?.trim() ? visibleText(policy.match.trim()) : 'every tag'}`,
    `  Older than:           ${policy.olderThanDays !== undefined ? `${policy.olderThanDays} days` : 'any age'}`,
    `  Keep newest:          ${policy.keepNewest !== undefined ? policy.keepNewest : 'no'}`,
    `  Always keep:          ${
      policy.keep
        ?.filter((k) => k.trim())
        .map(visibleText)
        .join(', ') || 'nothing named'
    }`,
    `  Shared manifests:     ${policy.sharedDigest === 'delete-tag' ? 'remove the tag only' : 'keep the tag'}`,
  ];
}

function row(d: TagDecision): string {
  return `  ${visibleText(d.tag).padEnd(30)} ${(d.digest ? visibleText(d.digest).slice(0, 19) : '(unreadable)').padEnd(20)} ${day(d.created).padEnd(12)} ${visibleText(d.reason)}`;
}

/** The preview: what goes (by manifest, then tag-only removals), what stays and why, and the totals. */
export function describeCleanupPlan(plan: CleanupPlan, repository: string): string {
  const { totals } = plan;
  const lines = [
    `Clean-up preview for ${visibleText(repository)}`,
    `Planned ${plan.plannedAt}. Nothing has been deleted yet.`,
    '',
    ...(plan.partial ? [...partialWarning(plan.partial), ''] : []),
    ...(plan.unreadableTags ? [...unreadableWarning(plan.unreadableTags), ''] : []),
    'Policy',
    ...describePolicy(plan),
    '',
    `Total: ${totals.tagsRemoved} of ${totals.tags} tags go (${totals.manifestsDeleted} manifest${totals.manifestsDeleted === 1 ? '' : 's'} deleted by digest, ${totals.tagOnlyDeletes} tag${totals.tagOnlyDeletes === 1 ? '' : 's'} removed alone); ${totals.kept} kept.${
      plan.untagged.listed ? ` ${totals.untaggedDeleted} untagged manifest${totals.untaggedDeleted === 1 ? '' : 's'} deleted.` : ''
    }`,
    '',
    `Manifests deleted, with every tag on them (${plan.manifests.length})`,
    ...(plan.manifests.length
      ? plan.manifests.map((m) => `  ${visibleText(m.digest)}  tags: ${m.tags.map(visibleText).join(', ')}`)
      : ['  none']),
    '',
    `Tags removed alone: their manifest stays for a kept tag (${plan.tagDeletions.length})`,
    ...(plan.tagDeletions.length ? plan.decisions.filter((d) => d.action === 'delete-tag').map(row) : ['  none']),
    '',
    `Kept (${totals.kept})`,
    ...(totals.kept ? plan.decisions.filter((d) => d.action === 'keep').map(row) : ['  none']),
    '',
    ...describeUntagged(plan),
    '',
  ];
  return lines.join('\n');
}

/** `12.3 MB` for a size, nothing without one. */
function bytes(size: number | undefined): string {
  if (size === undefined) return 'size unknown';
  return size < 1000 ? `${size} B` : size < 1e6 ? `${(size / 1e3).toFixed(1)} kB` : `${(size / 1e6).toFixed(1)} MB`;
}

/** The untagged manifests: what goes and what is protected, or that the registry cannot list them. */
function describeUntagged(plan: CleanupPlan): string[] {
  const { untagged } = plan;
  if (!untagged.listed)
    return [
      'Manifests without a tag are not part of this clean-up: this registry lists tags, not untagged',
      "manifests. Distribution removes them with 'registry garbage-collect --delete-untagged'; hosted",
      'registries with a retention policy of their own.',
    ];
  const chosen = plan.policy.deleteUntagged === true;
  return [
    ...(untagged.note ? [...wrap(visibleText(untagged.note), 100), ''] : []),
    `Untagged manifests deleted by digest (${untagged.deletions.length})${chosen ? '' : ': not chosen'}`,
    ...(untagged.deletions.length
      ? untagged.deletions.map((m) => `  ${visibleText(m.digest)}  ${bytes(m.size).padEnd(12)} ${day(m.created)}`)
      : ['  none']),
    '',
    `Untagged manifests kept (${untagged.protected.length})`,
    ...(untagged.protected.length ? untagged.protected.map((p) => `  ${visibleText(p.digest)}  ${visibleText(p.reason)}`) : ['  none']),
  ];
}

/** `text` in lines of at most `width` characters, broken at spaces (a longer word stands alone). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** What a preview of part of a repository leaves out, and what that risks. */
export function partialWarning(partial: NonNullable<CleanupPlan['partial']>): string[] {
  return [
    `PART OF THE REPOSITORY ONLY: the repository has more than ${partial.limit} tags and only the first ${partial.tagsRead}`,
    'listed were read. Tags beyond them are not in this preview and are not touched; "keep the newest"',
    'ranked only the tags read, and a manifest deleted by digest also takes any unread tag on it.',
    'Narrow the clean-up (a pattern), or run it again after this one to reach the rest.',
  ];
}

/** Why a plan with tags that could not be read deletes no manifest by digest, and what to do. */
export function unreadableWarning(tags: readonly string[]): string[] {
  const named =
    tags
      .slice(0, 5)
      .map((t) => `"${visibleText(t)}"`)
      .join(', ') + (tags.length > 5 ? ` and ${tags.length - 5} more` : '');
  return [
    `NO MANIFEST IS DELETED BY DIGEST: ${tags.length === 1 ? 'tag' : 'tags'} ${named} could not be read, so what ${tags.length === 1 ? 'it points' : 'they point'} at is`,
    'unknown, and deleting a manifest would also take an unread tag on it. Tags that go are removed alone',
    '(or kept, when shared manifests keep their tags), and no untagged manifest is deleted. Run the clean-up',
    'again when every tag can be read to delete the manifests too.',
  ];
}

/** The preview as JSON: the repository, the policy, every decision and the totals (stable key order). */
export function cleanupPlanJson(plan: CleanupPlan, repository: string): string {
  return `${JSON.stringify({ repository, ...plan }, null, 2)}\n`;
}

function stepText(step: CleanupStep): string {
  if (step.kind === 'tag') return `tag ${visibleText(step.tag)} (${visibleText(step.digest).slice(0, 19)})`;
  if (step.kind === 'untagged') return `untagged manifest ${visibleText(step.digest)}`;
  return `manifest ${visibleText(step.digest)} with tags ${step.tags.map(visibleText).join(', ')}`;
}

/** The report: what was deleted, and what was not (failed, skipped, or never sent after a cancel). */
export function describeCleanupReport(report: CleanupReport, repository: string): string {
  const { totals } = report;
  const section = (title: string, outcome: string) => {
    const steps = report.steps.filter((s) => s.outcome === outcome);
    return steps.length
      ? [`${title} (${steps.length})`, ...steps.map((s) => `  ${stepText(s.step)}${s.reason ? `: ${visibleText(s.reason)}` : ''}`), '']
      : [];
  };
  return [
    `Clean-up report for ${visibleText(repository)}`,
    report.cancelled ? 'Cancelled before every deletion was sent.' : 'Every deletion of the preview was sent.',
    `Deleted ${totals.deleted}; failed ${totals.failed}; skipped ${totals.skipped}; not attempted ${totals.notAttempted}.`,
    '',
    ...section('Deleted', 'deleted'),
    ...section('Failed', 'failed'),
    ...section('Skipped: changed since the preview', 'skipped'),
    ...section('Not attempted', 'not-attempted'),
  ].join('\n');
}
