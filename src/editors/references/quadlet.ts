/**
 * Image references in Podman Quadlet units, the systemd unit files Podman turns into services
 * (podman-systemd.unit(5)): `Image=` in a `.container` file's `[Container]` section, in a `.image`
 * file's `[Image]` section (the image it pulls), and in a `.volume` file's `[Volume]` section when
 * that section says `Driver=image`. An `Image=` that names another unit (`web.image`,
 * `app.build`) is no registry reference, and one with a systemd specifier (`%i`) is filled in by
 * systemd: both are left alone. Of several `Image=` in a section, the last is the one Quadlet
 * reads. Lines are read as systemd reads them: sections in brackets,
 * `Key=Value` with blanks around the `=` allowed, `#` and `;` comments, and a trailing `\` that
 * continues a line (such an `Image=` is left alone). Pure: text in, sites out.
 */
import { siteFrom } from './site';
import type { ReferenceSite } from './types';

/** The sections whose `Image=` is an image to pull. */
const IMAGE_SECTIONS = new Set(['Container', 'Image', 'Volume']);
const SECTION = /^\[([^\]]+)\]\s*$/;
const ENTRY = /^([A-Za-z][\w-]*)[ \t]*=[ \t]*(.*)$/;
/** What Quadlet reads as another unit's image rather than a registry's. */
const UNIT_REFERENCE = /\.(image|build)$/;

interface Entry {
  key: string;
  value: string;
  /** Where the value starts in the text. */
  start: number;
  continued: boolean;
}

export function findInQuadlet(text: string): ReferenceSite[] {
  const sections: { name: string; entries: Entry[] }[] = [];
  let offset = 0;
  let continuing = false;
  for (const line of text.split('\n')) {
    const lineStart = offset;
    offset += line.length + 1;
    const content = line.replace(/\r$/, '');
    const wasContinued = continuing;
    continuing = content.endsWith('\\');
    // A continued line belongs to the entry above it, whatever it looks like.
    if (wasContinued) continue;
    const trimmed = content.trimStart();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const section = SECTION.exec(trimmed);
    if (section) {
      sections.push({ name: section[1]!.trim(), entries: [] });
      continue;
    }
    const entry = ENTRY.exec(trimmed);
    const current = sections[sections.length - 1];
    if (!entry || !current) continue;
    const value = entry[2]!.trimEnd();
    const start = lineStart + (content.length - trimmed.length) + trimmed.length - entry[2]!.length;
    current.entries.push({ key: entry[1]!, value, start, continued: continuing });
  }
  const sites: (ReferenceSite | undefined)[] = [];
  for (const { name, entries } of sections) {
    if (!IMAGE_SECTIONS.has(name)) continue;
    // A volume holds an image only with the image driver.
    if (name === 'Volume' && !entries.some((e) => e.key === 'Driver' && e.value === 'image')) continue;
    // Quadlet takes the last Image= of a section (an empty one clears it).
    const image = entries.filter((e) => e.key === 'Image').pop();
    if (!image || image.continued || image.value === '' || image.value.includes('%') || UNIT_REFERENCE.test(image.value)) continue;
    sites.push(siteFrom({ text, start: image.start, end: image.start + image.value.length, value: image.value, context: 'Image' }));
  }
  return sites.filter((s): s is ReferenceSite => s !== undefined).sort((a, b) => a.start - b.start);
}
