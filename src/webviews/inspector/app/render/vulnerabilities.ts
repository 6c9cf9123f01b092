/**
 * A scan's findings (Trivy, Grype, an in-toto vulnerability attestation): the count per severity,
 * then a table most severe first of advisory (linked to osv.dev when it knows the identifier),
 * severity, package, installed and fixed versions and title, with a filter and paging like the
 * SBOM's. Read, not judged: the page shows what the scanner said when it ran.
 */
import { clipped, h, icon, linkButton } from '../dom';
import type { FindingFields } from '../../../shared/protocol';
import type { ClippedText, PageModel, SeverityLevel, VulnerabilityRow } from '../../protocol';
import { cell, muted, row, section, type PageContext } from './common';
import { filteredTable } from './filtered-table';

const LEVELS: readonly SeverityLevel[] = ['Critical', 'High', 'Medium', 'Low', 'Negligible', 'Unknown'];

export function renderVulnerabilities(ctx: PageContext, page: PageModel): HTMLElement | undefined {
  const report = page.vulnerabilities;
  if (!report) return undefined;
  const total = report.rows.length + report.omitted;
  const counted = LEVELS.filter((level) => report.counts[level] > 0).map((level) =>
    h(
      'span',
      { class: `severity severity-${level.toLowerCase()}` },
      `${report.counts[level].toLocaleString('en-US')} ${level.toLowerCase()}`,
    ),
  );
  const summary = h(
    'p',
    { class: 'summary-line vulnerability-counts' },
    ...(counted.length ? counted.flatMap((c, i) => (i ? [' · ', c] : [c])) : ['No vulnerabilities found.']),
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
          texts: (r) => [r.id.text, r.severity, r.package?.text, r.installed?.text, r.fixed?.text, r.title?.text],
          render: (r) => findingRow(ctx, r),
          headers: ['Advisory', 'Severity', 'Package', 'Installed', 'Fixed in', 'Title'],
          name: 'vulnerabilities',
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

/** A finding's row: the advisory (a link or text, as given), severity and score, package, installed and fixed versions, title. */
export function findingCells(v: Omit<FindingFields, 'id'>, advisory: HTMLElement): HTMLTableRowElement {
  return row(
    cell('mono wrap', advisory),
    cell('', severityBadge(v.severity), v.score ? h('div', { class: 'small muted' }, clipped(v.score)) : undefined),
    cell('wrap', v.package ? clipped(v.package) : muted('—')),
    cell('mono wrap', v.installed ? clipped(v.installed) : muted('—')),
    cell('mono wrap', v.fixed ? clipped(v.fixed) : muted('not fixed')),
    cell('wrap small', v.title ? clipped(v.title) : muted('—')),
  );
}
