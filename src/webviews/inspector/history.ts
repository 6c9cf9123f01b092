/**
 * An image's history as a Dockerfile-like list, aligned with its layers: every history entry that
 * is not an `empty_layer` made the next layer, in order (as the image spec says).
 */
import type { HistoryRow } from './protocol';
import { clip, isRecord } from './text';

const INSTRUCTIONS =
  /^(ADD|ARG|CMD|COPY|ENTRYPOINT|ENV|EXPOSE|HEALTHCHECK|LABEL|MAINTAINER|ONBUILD|RUN|SHELL|STOPSIGNAL|USER|VOLUME|WORKDIR)\b/;

/**
 * What a `created_by` says, the way a Dockerfile would: legacy builders wrote
 * `/bin/sh -c #(nop)  CMD ["x"]` for metadata and `/bin/sh -c <command>` for RUN; BuildKit writes
 * `RUN /bin/sh -c <command> # buildkit`; `|2 A=1 B=2 /bin/sh -c …` (after `RUN ` with BuildKit)
 * carries build args.
 */
export function dockerfileLine(createdBy: string): string {
  let line = createdBy.trim();
  const nop = /^\/bin\/sh -c #\(nop\)\s*/.exec(line);
  if (nop) return line.slice(nop[0].length).trim();
  line = line.replace(/ # buildkit$/, '');
  // BuildKit writes build args after its `RUN `: `RUN |1 VERSION=1.2 /bin/sh -c …`.
  const withArgs = /^(?:RUN )?\|\d+ (.*?)\/bin\/sh -c (.*)$/s.exec(line);
  if (withArgs) return `RUN ${withArgs[2]!.trim()}`;
  if (INSTRUCTIONS.test(line)) return line.replace(/^RUN \/bin\/sh -c /, 'RUN ');
  const shell = /^\/bin\/sh -c (.*)$/s.exec(line);
  if (shell) return `RUN ${shell[1]!.trim()}`;
  return line;
}

export interface HistoryAlignment {
  rows: HistoryRow[];
  /** A sentence when the counts disagree. */
  mismatch?: string;
}

/** Pairs history entries with layer indexes; layers the history does not account for get rows of their own. */
export function alignHistory(history: unknown, layerCount: number): HistoryAlignment {
  const entries = Array.isArray(history) ? history.filter(isRecord) : [];
  const rows: HistoryRow[] = [];
  let layer = 0;
  for (const entry of entries) {
    const empty = entry.empty_layer === true;
    const createdBy = typeof entry.created_by === 'string' ? entry.created_by : '';
    const row: HistoryRow = { instruction: clip(createdBy ? dockerfileLine(createdBy) : '(no command recorded)'), empty };
    if (typeof entry.created === 'string') row.created = clip(entry.created, 64).text;
    if (typeof entry.comment === 'string' && entry.comment) row.comment = clip(entry.comment);
    if (!empty && layer < layerCount) row.layer = layer++;
    rows.push(row);
  }
  const made = entries.filter((e) => e.empty_layer !== true).length;
  for (; layer < layerCount; layer++) rows.push({ instruction: { text: '(no history for this layer)' }, empty: false, layer });
  if (entries.length > 0 && made !== layerCount) {
    return {
      rows,
      mismatch: `The history records ${made} layer${made === 1 ? '' : 's'} but the manifest has ${layerCount}; they are paired in order.`,
    };
  }
  return { rows };
}
