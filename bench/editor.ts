// The editor case of `npm run bench`: a Compose file naming 100 images (25 repositories × 4 tags)
// opened and scrolled through a 40-line view, with the extension's own finders, answers cache and
// lookups (src/editors, src/common/registry-answers.ts) against a lab registry; then a warm and a cold
// hover. Requests are counted in the registry's access log. Measured in Node, outside VS Code: the
// figures are the work the features do, not VS Code's drawing of lenses.
import { answerSourceFor, RegistryAnswers } from '../src/common/registry-answers';
import * as core from '../src/core/index';
import { createSession } from '../src/core/registry/session';
import { fetchDetails } from '../src/editors/image-features/details';
import { lookUpSites } from '../src/editors/image-features/facts';
import { findImageReferences } from '../src/editors/references/index';
import { LineIndex } from '../src/editors/references/line-index';
import type { ReferenceSite } from '../src/editors/references/types';
import type { LabRegistry } from '../test/support/lab/registry';
import {
  isBlobRequest,
  isManifestRequest,
  isTagListing,
  type LoggedRequest,
  requestMark,
  requestsSince,
} from '../test/support/lab/registry-requests';
import { pushImage, putManifest, tinyImage } from './content';
import { median } from './measure';

const REPOSITORIES = 25;
const TAGS = ['1.0.0', '1.0.1', '1.1.0', '2.0.0'];
const VIEW_LINES = 40;
/** As the editor: references a few lines around the view are looked up too, six at a time. */
const MARGIN_LINES = 5;
const LOOKUPS_AT_ONCE = 6;
const WARM_HOVERS = 20;

export interface EditorRun {
  /** Time until every reference in view had its facts, per view position (open, then each scroll). */
  viewMs: number[];
  listings: number;
  manifestRequests: number;
  coldHoverMs: number;
  coldHoverManifests: number;
  coldHoverBlobs: number;
  warmHoverMs: number;
}

export interface EditorResult {
  references: number;
  repositories: number;
  lines: number;
  views: number;
  runs: EditorRun[];
}

/** Pushes one tiny image under four tags in each of 25 repositories (skipped when already there). */
export async function seedEditorImages(registry: LabRegistry, scratch: string): Promise<void> {
  for (let r = 0; r < REPOSITORIES; r++) {
    const image = await tinyImage(scratch, repositoryName(r));
    await pushImage(registry.url, image);
    for (const tag of TAGS) await putManifest(registry.url, image.repository, tag, image.manifest);
  }
}

function repositoryName(r: number): string {
  return `editor/app-${String(r).padStart(2, '0')}`;
}

/** 100 services, each repository's four tags spread through the file as real files mix them. */
export function composeFile(host: string): string {
  const lines = ['services:'];
  for (let i = 0; i < REPOSITORIES * TAGS.length; i++) {
    const repository = repositoryName(i % REPOSITORIES);
    const tag = TAGS[Math.floor(i / REPOSITORIES)]!;
    lines.push(`  service-${i}:`, `    image: ${host}/${repository}:${tag}`, '    restart: unless-stopped');
  }
  return `${lines.join('\n')}\n`;
}

export async function runEditorBench(registry: LabRegistry, runs: number, log: (line: string) => void): Promise<EditorResult> {
  const text = composeFile(registry.host);
  const sites = findImageReferences(text, '/bench/compose.yaml');
  const lines = new LineIndex(text);
  const lineCount = text.split('\n').length;
  const lineOf = (site: ReferenceSite): number => lines.positionAt(site.start).line;
  const result: EditorResult = { references: sites.length, repositories: REPOSITORIES, lines: lineCount, views: 0, runs: [] };
  for (let run = 0; run < runs; run++) {
    // A fresh session and cache per run: the file is opened for the first time.
    const session = createSession({ hostsDirectories: [] });
    const answers = new RegistryAnswers(
      answerSourceFor(() => session),
      { ttlMs: 10 * 60_000, rateLimited: () => false },
    );
    try {
      const mark = requestMark(registry);
      const viewMs: number[] = [];
      for (let top = 0; top < lineCount; top += VIEW_LINES) {
        const from = Math.max(0, top - MARGIN_LINES);
        const to = top + VIEW_LINES + MARGIN_LINES;
        const inView = sites.filter((s) => lineOf(s) >= from && lineOf(s) <= to);
        const started = performance.now();
        await lookUpSites(inView, answers, { asker: 'automatic', concurrency: LOOKUPS_AT_ONCE });
        viewMs.push(performance.now() - started);
      }
      const scrolled = requestsSince(registry, mark);
      result.views = viewMs.length;
      const hovered = sites[sites.length - 1]!;
      const hover = (): Promise<unknown> =>
        answers.details(hovered.parsed.registry, hovered.parsed.repository, `${hovered.parsed.tag}\n`, { asker: 'person' }, (signal) =>
          fetchDetails({
            core,
            client: session.registry(hovered.parsed.registry),
            repository: session.registry(hovered.parsed.registry).repository(hovered.parsed.repository),
            reference: hovered.reference,
            pointer: hovered.parsed.tag!,
            signal,
          }),
        );
      const hoverMark = requestMark(registry);
      const coldStarted = performance.now();
      await hover();
      const coldHoverMs = performance.now() - coldStarted;
      const coldRequests = requestsSince(registry, hoverMark);
      const warm: number[] = [];
      for (let i = 0; i < WARM_HOVERS; i++) {
        const started = performance.now();
        await hover();
        warm.push(performance.now() - started);
      }
      const count = (requests: LoggedRequest[], test: (repository: string) => (r: LoggedRequest) => boolean): number =>
        requests.filter((r) => Array.from({ length: REPOSITORIES }, (_, i) => test(repositoryName(i))).some((t) => t(r))).length;
      const entry: EditorRun = {
        viewMs,
        listings: count(scrolled, isTagListing),
        manifestRequests: count(scrolled, isManifestRequest),
        coldHoverMs,
        coldHoverManifests: count(coldRequests, isManifestRequest),
        coldHoverBlobs: count(coldRequests, isBlobRequest),
        warmHoverMs: median(warm),
      };
      result.runs.push(entry);
      log(
        `  editor run ${run + 1}/${runs}: ${entry.listings} listings, ${entry.manifestRequests} manifest requests while scrolling; ` +
          `cold hover ${entry.coldHoverMs.toFixed(1)} ms, warm ${entry.warmHoverMs.toFixed(2)} ms`,
      );
    } finally {
      await session.close();
    }
  }
  return result;
}

const ms = (value: number): string => (value < 0.01 ? 'under 0.01 ms' : value < 10 ? `${value.toFixed(2)} ms` : `${value.toFixed(0)} ms`);

export const EDITOR_HEADING = '## Editor: image references in a Compose file';

/** The editor case's section of bench/RESULTS.md. */
export function renderEditorMarkdown(result: EditorResult): string {
  const runs = result.runs;
  const first = median(runs.map((r) => r.viewMs[0]!));
  const slowest = median(runs.map((r) => Math.max(0, ...r.viewMs.slice(1))));
  const total = median(runs.map((r) => r.viewMs.reduce((a, b) => a + b, 0)));
  const warm = median(runs.map((r) => r.warmHoverMs));
  const cold = median(runs.map((r) => r.coldHoverMs));
  const listings = Math.max(...runs.map((r) => r.listings));
  const manifests = Math.max(...runs.map((r) => r.manifestRequests));
  const coldManifests = Math.max(...runs.map((r) => r.coldHoverManifests));
  const coldBlobs = Math.max(...runs.map((r) => r.coldHoverBlobs));
  const targets = [
    `- **${warm < 50 ? 'met' : 'not met'}**: a warm hover under 50 ms (median ${ms(warm)})`,
    `- **${coldManifests === 1 ? 'met' : 'not met'}**: a cold hover of an image costs one manifest request (${coldManifests}, plus ${coldBlobs} config blob)`,
    `- **${listings <= result.repositories ? 'met' : 'not met'}**: at most one tag listing per repository while scrolling (${listings} for ${result.repositories} repositories)`,
  ];
  return [
    EDITOR_HEADING,
    '',
    `A Compose file of ${result.lines} lines naming ${result.references} images (${result.repositories} repositories × 4 tags, mixed through the file), opened and scrolled through a ${VIEW_LINES}-line view in ${result.views} steps, with the extension's finders, answers cache and lookups (${LOOKUPS_AT_ONCE} at once, ${MARGIN_LINES} lines around the view) against a lab registry; medians of ${runs.length} runs, each with a fresh cache. Measured in Node outside VS Code: the work the features do, not VS Code drawing the lenses. Requests are counted in the registry's access log.`,
    '',
    '| measure | value |',
    '| --- | --- |',
    `| requests while opening and scrolling | ${listings} tag listings, ${manifests} manifest requests |`,
    `| every reference in the first view resolved | ${ms(first)} |`,
    `| slowest view after a scroll | ${ms(slowest)} |`,
    `| the whole file, view by view | ${ms(total)} |`,
    `| cold hover (manifest, config) | ${ms(cold)}: ${coldManifests} manifest request, ${coldBlobs} blob |`,
    `| warm hover (median of ${WARM_HOVERS}) | ${ms(warm)}, no request |`,
    '',
    ...targets,
    '',
  ].join('\n');
}

/** `markdown` with its editor section replaced by `section` (or added at the end). */
export function withEditorSection(markdown: string, section: string): string {
  const start = markdown.indexOf(EDITOR_HEADING);
  if (start < 0) return `${markdown.trimEnd()}\n\n${section}`;
  const next = markdown.indexOf('\n## ', start + EDITOR_HEADING.length);
  return `${markdown.slice(0, start)}${section}${next < 0 ? '' : `\n${markdown.slice(next + 1)}`}`;
}
