// Reference sites as one line each, for tests that compare whole files' findings at a glance:
// `line:character-line:character context reference`, with `(as written …)` when the text differs
// and `written: its tag` when the text is one part of the reference (or a range the tag is picked by).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineIndex } from '../../../src/editors/references/line-index';
import type { ReferenceSite } from '../../../src/editors/references/types';
import { PROJECT } from './project';

export function describeSites(text: string, sites: readonly ReferenceSite[]): string[] {
  const lines = new LineIndex(text);
  return sites.map((s) => {
    const a = lines.positionAt(s.start);
    const b = lines.positionAt(s.end);
    const extras = [
      s.platform ? `platform ${s.platform}` : '',
      s.builds ? 'built here' : '',
      s.part ? `written: its ${s.part}` : '',
      s.tagFrom ? `tag from the chart's ${s.tagFrom}` : '',
      s.versionRange
        ? `at the range ${s.versionRange.text}, tags read as ${s.versionRange.reading}${s.versionRange.tagFilter !== undefined ? `, those matching ${s.versionRange.tagFilter}` : ''}`
        : '',
      s.literal || s.versionRange?.text === s.written ? '' : `(as written ${s.written})`,
    ];
    return [`${a.line}:${a.character}-${b.line}:${b.character}`, s.context, s.reference, ...extras].filter(Boolean).join(' ');
  });
}

export function fixture(name: string): string {
  return readFileSync(join(PROJECT, 'test/fixtures/references', name), 'utf8');
}
