/**
 * A scan's findings (Trivy, Grype, an in-toto vulnerability attestation): the count per severity,
 * then a table most severe first of advisory (linked to osv.dev when it knows the identifier),
 * severity, package, installed and fixed versions and title, with a filter and paging like the
 * SBOM's. Read, not judged: the page shows what the scanner said when it ran.
 */
import { clipped, h, icon, linkButton } from '../dom';
import type { FindingFields } from '../../../shared/protocol';
import type { ClippedText, ImageScanModel, PageModel, SeverityLevel, VulnerabilityRow } from '../../protocol';
import { badgeList, cell, loading, muted, problem, row, section, type PageContext } from './common';
import { filteredTable } from './filtered-table';

const LEVELS: readonly SeverityLevel[] = ['Critical', 'High', 'Medium', 'Low', 'Negligible', 'Unknown'];

export function renderVulnerabilities(ctx: PageContext, page: PageModel): HTMLElement | undefined {
  const report = page.vulnerabilities;
  if (!report) return undefined;
  const total = report.rows.length + report.omitted;
  const counted = severityCounts(report.counts);
  const summary = h(
    'p',
    { class: 'summary-line vulnerability-counts' },
    ...badgeList(counted, 'No vulnerabilities found.'),
    report.scanner
      ? h(
          'span',
          { class: 'muted' },
          ' — as ',
          clipped(report.scanner),
          ` reported it ${report.scannedAt ? `on ${scanTime(report.scannedAt)}` : 'when it ran'}`,
        )
      : report.scannedAt
        ? h('span', { class: 'muted' }, ` — as scanned on ${scanTime(report.scannedAt)}`)
        : undefined,
  );
  const parts = [
    summary,
    ...(report.rows.length
      ? filteredTable({
          rows: report.rows,
          texts: findingTexts,
          render: (r) => findingRow(ctx, r),
          headers: ['Advisory', 'Severity', 'Package', 'Installed', 'Fixed in', 'Title'],
          name: 'vulnerabilities',
          layout: 'findings',
          noun: 'findings',
          matches: 'advisory, severity, package, version or title',
        })
      : []),
    report.omitted
      ? muted(`${report.omitted.toLocaleString('en-US')} more findings are in the report but not here; its JSON has them.`)
      : undefined,
  ];
  return section(`Vulnerabilities (${report.format})`, 'shield', parts, { id: 'vulnerabilities', note: total.toLocaleString('en-US') });
}

function findingRow(ctx: PageContext, v: VulnerabilityRow): HTMLTableRowElement {
  const url = v.url;
  return findingCells(v, url ? advisoryLink(v.id, () => ctx.openExternal(url), url) : clipped(v.id, 'mono'));
}

/** When a scan ran, to the minute: `2026-12-05 05:00 UTC` (the host sends ISO time). */
export function scanTime(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

/** An advisory that opens its page; `where` names the page in the tooltip. */
export function advisoryLink(id: ClippedText, open: () => void, where: string): HTMLElement {
  return linkButton([clipped(id), icon('link-external')], open, `Open ${where}`, 'external');
}

export function severityBadge(level: SeverityLevel): HTMLElement {
  return h('span', { class: `severity severity-${level.toLowerCase()}` }, level);
}

/** What a findings filter matches: advisory and its other names, severity, package, versions, title. */
export function findingTexts(v: FindingFields): (string | undefined)[] {
  return [v.id.text, v.aliases?.text, v.severity, v.package?.text, v.installed?.text, v.fixed?.text, v.title?.text];
}

/**
 * A finding's row: the advisory (a link or text, as given) with the other names the report gives
 * it, severity and score, package, installed and fixed versions, title.
 */
export function findingCells(v: Omit<FindingFields, 'id'>, advisory: HTMLElement): HTMLTableRowElement {
  return row(
    cell('mono wrap', advisory, v.aliases ? h('div', { class: 'small muted' }, 'also ', clipped(v.aliases)) : undefined),
    cell('', severityBadge(v.severity), v.score ? h('div', { class: 'small muted' }, clipped(v.score)) : undefined),
    cell('wrap', v.package ? clipped(v.package) : muted('—')),
    cell('mono wrap', v.installed ? clipped(v.installed) : muted('—')),
    cell('mono wrap', v.fixed ? clipped(v.fixed) : muted('not fixed')),
    cell('wrap small', v.title ? clipped(v.title) : muted('—')),
  );
}

/** Severity badges with their counts, most severe first, the ones at zero left out. */
function severityCounts(counts: Record<SeverityLevel, number>): HTMLElement[] {
  return LEVELS.filter((level) => counts[level] > 0).map((level) =>
    h('span', { class: `severity severity-${level.toLowerCase()}` }, `${counts[level].toLocaleString('en-US')} ${level.toLowerCase()}`),
  );
}

/**
 * An image's or index's page: a button that looks for its vulnerability scan (several requests,
 * so only when asked), then the findings per severity with its own VEX applied, who scanned it,
 * when and where, and a link to the report.
 */
export function renderImageScan(ctx: PageContext, page: PageModel): HTMLElement | undefined {
  const location = page.location;
  if (location.kind !== 'manifest' || (!page.image && !page.platforms)) return undefined;
  const body = h('div', {});
  const run = (): void => {
    body.replaceChildren(loading('Looking for a vulnerability scan and its VEX…'));
    const params = {
      host: location.host,
      repository: location.repository,
      digest: page.header.digest,
      ...(location.index !== undefined ? { index: location.index } : {}),
    };
    ctx.defer(
      ctx.track(ctx.request('imageScan', params)).then(
        (scan) => body.replaceChildren(...scanSummary(ctx, scan)),
        (err: Error) => body.replaceChildren(problem(err.message)),
      ),
    );
  };
  const find = h(
    'button',
    { class: 'secondary-button', title: 'Look for a scan attached to this manifest' },
    icon('search'),
    'Find Vulnerability Scan',
  );
  find.type = 'button';
  find.addEventListener('click', run);
  body.append(
    muted(
      'A scan report attached to this manifest or its index (Trivy, Grype, SARIF, an in-toto or cosign vuln attestation), its VEX applied.',
    ),
    find,
  );
  return section('Vulnerability scan', 'shield', body, { id: 'scan' });
}

function scanSummary(ctx: PageContext, scan: ImageScanModel): HTMLElement[] {
  const found = scan.found;
  const problems = scan.problems.map((p) => muted(p));
  if (!found) return [h('p', { class: 'notice' }, icon('info'), ' ', scan.missing ?? 'No vulnerability scan was found.'), ...problems];
  const counted = severityCounts(found.counts);
  const by = [
    ` — ${found.format}`,
    ...(found.scanner ? [' by ', clipped(found.scanner)] : []),
    found.scannedAt ? `, scanned ${scanTime(found.scannedAt)}` : '',
    `, from ${found.place}`,
  ];
  const report = found.report;
  return [
    h(
      'p',
      { class: 'summary-line vulnerability-counts' },
      ...badgeList(counted, 'No vulnerabilities found.'),
      h('span', { class: 'muted' }, ...by),
    ),
    found.suppressed
      ? muted(
          `${found.suppressed.toLocaleString('en-US')} more left out: its VEX${found.vexAuthor ? ` (by ${found.vexAuthor.text})` : ''} calls them not affected or fixed.`,
        )
      : undefined,
    found.vexAboutOtherImages
      ? muted(
          `${found.vexAboutOtherImages.toLocaleString('en-US')} of its VEX's statements name other images, by digest, and were not applied.`,
        )
      : undefined,
    h(
      'p',
      {},
      linkButton([icon('go-to-file'), ' Open the report'], () => ctx.go(report), 'Open the manifest holding the report'),
    ),
    ...problems,
  ].filter((p): p is HTMLElement => p !== undefined);
}
