/**
 * Before a command writes a tag (Tag…, Copy To…, Push…): what the tag names now. A tag that
 * already points at another manifest is moved only once the user has seen both digests and said
 * so, as carefully as Delete asks; scripts and tests pass `move: true` to allow it.
 */
import type * as vscode from 'vscode';
import { core } from '../common/core-loader';
import { askModal } from '../common/notify';
import type { CoreErrorCode, Descriptor, Repository } from '../core/index';

/** Codes that mean "no such tag (or repository yet)": the tag is new. */
const ABSENT: ReadonlySet<CoreErrorCode | undefined> = new Set<CoreErrorCode>(['MANIFEST_UNKNOWN', 'NAME_UNKNOWN']);

/** What `tag` points at now (a HEAD), or `undefined` when there is no such tag. */
export async function currentTarget(repository: Repository, tag: string): Promise<Descriptor | undefined> {
  try {
    return await repository.resolve(tag);
  } catch (err) {
    if (ABSENT.has((err as { code?: CoreErrorCode }).code)) return undefined;
    throw err;
  }
}

export type TagWrite = 'new' | 'same' | 'move';

/**
 * Whether to write `reference` (host/repository:tag), which points at `current` now, so that it
 * points at `next` (a digest, when known before the work). `undefined` means: leave it.
 */
export async function confirmTagWrite(
  command: string,
  reference: string,
  current: Descriptor | undefined,
  next: string | undefined,
  preset: { move?: unknown } | undefined,
  log: vscode.LogOutputChannel,
): Promise<TagWrite | undefined> {
  if (!current) return 'new';
  if (next !== undefined && current.digest === next) return 'same';
  const { shortDigest } = core();
  if (preset) {
    if (preset.move === true) return 'move';
    log.warn(`${command}: ${reference} points to ${current.digest}; it was left as it is (pass move: true to move it).`);
    return undefined;
  }
  const after = next
    ? `After this it points to ${next}.`
    : `After this it points to what ${command === 'Push' ? 'is pushed' : 'is copied'}.`;
  const choice = await askModal(
    `Move the tag ${reference}?`,
    [
      `It points to ${current.digest} now.`,
      after,
      `The manifest ${shortDigest(current.digest)} stays in the repository, but keeps a name only if another tag points to it.`,
    ].join('\n'),
    'Move Tag',
  );
  return choice ? 'move' : undefined;
}
