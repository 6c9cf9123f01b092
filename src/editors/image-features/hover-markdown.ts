/**
 * A hover's text, as Markdown: what the reference resolves to, which endpoint answered, and links
 * to inspect it, reveal it in the tree and copy its digest. Registry text (labels, annotations,
 * media types) is untrusted: invisible characters are shown, Markdown is escaped, values are cut,
 * and only http(s) URLs become links. The command links are the only trusted part; the vscode side
 * enables exactly {@link HOVER_COMMANDS}. Pure: a string in, a string out.
 */
import { oneLineText } from '../../core/text/visible-text';
import { formatBytes } from '../../shared/format';
import type { ReferenceSite } from '../references/types';
import type { ReferenceDetails } from './details';
import type { SiteFacts } from './facts';

export const COMMANDS = {
  inspect: 'registryExplorer.inspect',
  reveal: 'registryExplorer.revealInTree',
  copyDigest: 'registryExplorer.copyDigestText',
} as const;

/** The commands a hover's links may run. */
export const HOVER_COMMANDS: readonly string[] = Object.values(COMMANDS);

const MAX_VALUE_CHARS = 120;
/** The labels a hover names, in this order, with the words it uses for them. */
const SHOWN_LABELS: [string, string][] = [
  ['org.opencontainers.image.version', 'version'],
  ['org.opencontainers.image.revision', 'revision'],
  ['org.opencontainers.image.source', 'source'],
  ['org.opencontainers.image.url', 'url'],
  ['org.opencontainers.image.title', 'title'],
  ['org.opencontainers.image.description', 'description'],
  ['org.opencontainers.image.licenses', 'licenses'],
];

/** Markdown that shows `text` as it is: one line, invisible characters named, every Markdown character escaped. */
export function markdownText(text: string, maxChars = MAX_VALUE_CHARS): string {
  let shown = oneLineText(text);
  if (shown.length > maxChars) shown = `${shown.slice(0, maxChars)}…`;
  return shown.replace(/[\\`*_{}[\]()#+\-.!|<>~&$:'"]/g, (c) => `\\${c}`);
}

function commandLink(title: string, command: string, arg: unknown): string {
  return `[${title}](command:${command}?${encodeURIComponent(JSON.stringify([arg]))})`;
}

/** A URL label as a link when it is http(s), else as text. */
function urlOrText(value: string): string {
  try {
    const url = new URL(value);
    if ((url.protocol === 'https:' || url.protocol === 'http:') && !/[\s<>()]/.test(value)) return `[${markdownText(value)}](${url.href})`;
  } catch {
    // Not a URL: shown as text.
  }
  return markdownText(value);
}

/** Where a tag the file does not write comes from. */
const TAG_FROM: Record<NonNullable<ReferenceSite['tagFrom']>, string> = {
  appVersion: "The tag is the chart's appVersion, from its Chart.yaml.",
};

/** Where the values of the variables written here come from, when another file gives them. */
const FILLED_IN: Record<NonNullable<ReferenceSite['filledIn']>, string> = {
  'compose-env':
    "Its variables are filled in as the `.env` beside this file sets them; Compose takes the shell's instead where the shell sets them.",
  'terraform-values':
    'Its variables are filled in as Terraform fills them in without `-var` options: from `terraform.tfvars` and the `*.auto.tfvars` files, else their defaults.',
};

/** What the file writes where the tag goes, when it is not the tag itself. */
type WrittenTag = Pick<ReferenceSite, 'tagFrom' | 'versionRange' | 'shortName' | 'filledIn'>;

/** How Podman and Buildah read the short name written here, and which file says so. */
function shortNameLine(shortName: NonNullable<ReferenceSite['shortName']>): string {
  const why =
    shortName.by === 'alias'
      ? `an alias in ${markdownText(shortName.source)}`
      : `the only search registry in ${markdownText(shortName.source)}`;
  return `Podman and Buildah read ${markdownText(shortName.written)} as ${markdownText(shortName.name)}: ${why}.`;
}

export function hoverMarkdown(details: ReferenceDetails, facts: SiteFacts | undefined, kindName: string, written: WrittenTag = {}): string {
  const lines: string[] = [];
  const found = facts?.state === 'found' ? facts : undefined;
  lines.push(`**${markdownText(details.reference)}**`);
  if (written.shortName) lines.push(shortNameLine(written.shortName));
  if (written.filledIn) lines.push(FILLED_IN[written.filledIn]);
  if (written.tagFrom) lines.push(TAG_FROM[written.tagFrom]);
  if (written.versionRange && found?.rangeTag !== undefined) {
    const filter = written.versionRange.tagFilter;
    const among =
      filter !== undefined
        ? `among the tags its filter ${markdownText(filter)} keeps${found.rangeOfCutListing ? ' (of those listed: the listing was cut)' : ''}`
        : found.rangeOfCutListing
          ? 'among the tags listed (the listing was cut)'
          : 'in the repository';
    lines.push(
      `The range ${markdownText(written.versionRange.text)} picks ${markdownText(found.rangeTag)}, the highest of its versions ${among}.`,
    );
  }
  lines.push(`\`${details.digest}\``);
  const kind = [markdownText(kindName), details.artifactType ? `artifact type ${markdownText(details.artifactType)}` : '']
    .filter(Boolean)
    .join(' · ');
  lines.push(`${kind} (${markdownText(details.mediaType)})`);
  if (details.kind === 'index') {
    const platforms = details.platforms.map((p) => {
      const name = markdownText(p.platform);
      const shown = p.platform === details.chosenPlatform ? `**${name}**` : name;
      return p.size !== undefined ? `${shown} (${formatBytes(p.size)})` : shown;
    });
    lines.push(`${details.platforms.length} platform${details.platforms.length === 1 ? '' : 's'}: ${platforms.join(', ') || 'none'}`);
  } else if (details.size !== undefined) {
    lines.push(`Size ${formatBytes(details.size)}`);
  }
  const about: string[] = [];
  if (details.created) about.push(`created ${markdownText(details.created.replace(/\.\d+/, ''))}`);
  for (const [key, word] of SHOWN_LABELS) {
    const value = details.labels[key];
    if (value !== undefined)
      about.push(
        `${word} ${key === 'org.opencontainers.image.source' || key === 'org.opencontainers.image.url' ? urlOrText(value) : markdownText(value)}`,
      );
    // A chart's app version goes beside its own version.
    if (key === 'org.opencontainers.image.version' && details.appVersion) about.push(`app version ${markdownText(details.appVersion)}`);
  }
  if (about.length) lines.push(capitalise(about.join(' · ')));
  if (details.servedBy) {
    const origin = markdownText(details.servedBy.origin);
    lines.push(details.servedBy.role === 'mirror' ? `Answered by the mirror ${origin}` : `Answered by the registry ${origin}`);
  }
  if (found?.newerTag)
    lines.push(
      written.versionRange
        ? `Newer version outside the range: ${markdownText(found.newerTag)}`
        : `Newer tag available: ${markdownText(found.newerTag)}`,
    );
  if (facts?.state === 'found' && facts.tagGone)
    lines.push('The tag written here no longer exists in the repository; the pinned digest is what gets pulled.');
  lines.push(
    [
      commandLink('Inspect', COMMANDS.inspect, { reference: details.reference }),
      commandLink('Reveal in Tree', COMMANDS.reveal, { reference: details.reference }),
      commandLink('Copy Digest', COMMANDS.copyDigest, { digest: details.digest }),
    ].join(' · '),
  );
  return lines.join('\n\n');
}

/** A hover for a reference the registry could not describe: the reason, as the error says it. */
export function hoverFailureMarkdown(reference: string, message: string, written: WrittenTag = {}): string {
  const heading = written.versionRange ? `${reference} at ${written.versionRange.text}` : reference;
  const lines = [`**${markdownText(heading)}**`, markdownText(message, 600)];
  if (written.shortName) lines.push(shortNameLine(written.shortName));
  if (written.filledIn) lines.push(FILLED_IN[written.filledIn]);
  if (written.tagFrom)
    lines.push(TAG_FROM[written.tagFrom], "Check how the chart's templates print `.Chart.AppVersion`: some put a `v` before it.");
  return lines.join('\n\n');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
