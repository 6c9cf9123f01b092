/**
 * The comparison's vulnerabilities laid out: where each scan was found, the count per severity on
 * each side, then the findings new in the second image, gone from it, and changed, in the
 * inspector's findings table (a filter and paging for the long lists), and what each side's VEX
 * left out as not affected or fixed. Advisories osv.dev knows
 * open there; the host makes the link from the identifier. Registry strings are text nodes only.
 */
import { clipped, h, icon } from '../../inspector/app/dom';
import { cell, row, shortDigest, table } from '../../inspector/app/render/common';
import { filteredTable } from '../../inspector/app/render/filtered-table';
import { advisoryLink, findingCells, findingTexts, scanTime, severityBadge } from '../../inspector/app/render/vulnerabilities';
import { vexWords } from '../../shared/app/vex-words';
import type {
  ChangedFindingRow,
  ClippedText,
  FindingRow,
  Rows,
  ScanSideModel,
  SuppressedFindingRow,
  VexSideModel,
  VulnerabilitiesModel,
} from '../protocol';

/** Opens an advisory's page (the host asks VS Code to). */
export type OpenAdvisory = (id: string, near: HTMLElement) => void;

function advisory(id: ClippedText, linked: boolean, open: OpenAdvisory): HTMLElement {
  if (!linked) return clipped(id, 'mono');
  const link: HTMLElement = advisoryLink(id, () => open(id.text, link), 'the advisory on osv.dev');
  return link;
}

function sideLine(label: string, side: ScanSideModel | undefined): HTMLElement {
  if (!side) return h('li', {}, `${label}: no scan found.`);
  const omitted = side.omitted ? ` (${side.omitted.toLocaleString('en-US')} findings past the first ones not read)` : '';
  return h(
    'li',
    {},
    `${label}: ${side.format}`,
    side.scanner ? ' by ' : undefined,
    side.scanner ? clipped(side.scanner) : undefined,
    side.scannedAt ? `, scanned ${scanTime(side.scannedAt)}` : undefined,
    `, from ${side.place} `,
    h('code', { title: side.manifest }, shortDigest(side.manifest)),
    omitted,
  );
}

function vexLine(label: string, vex: VexSideModel): HTMLElement {
  const others = vex.aboutOtherImages
    ? ` (${vex.aboutOtherImages.toLocaleString('en-US')} about other images, by digest, not applied)`
    : '';
  const statements = `${vex.statements.toLocaleString('en-US')} statement${vex.statements === 1 ? '' : 's'}${others}`;
  const left = `${vex.suppressed.toLocaleString('en-US')} finding${vex.suppressed === 1 ? '' : 's'} left out as not affected or fixed`;
  return h(
    'li',
    {},
    `${label}'s VEX`,
    vex.author ? ' by ' : undefined,
    vex.author ? clipped(vex.author) : undefined,
    `, from ${vex.place} `,
    h('code', { title: vex.manifest }, shortDigest(vex.manifest)),
    `: ${statements}, ${left}.`,
  );
}

const SIDES: Readonly<Record<SuppressedFindingRow['side'], string>> = { first: 'first', second: 'second', both: 'both' };

function suppressedList(list: Rows<SuppressedFindingRow>, open: OpenAdvisory): HTMLElement[] {
  if (!list.total) return [];
  return [
    h('h3', {}, `Left out by VEX (${list.total.toLocaleString('en-US')})`),
    ...filteredTable({
      rows: list.rows,
      texts: (r) => [r.id.text, r.severity, r.package?.text, r.status, r.justification?.text, SIDES[r.side]],
      render: (r) =>
        row(
          cell('mono wrap', advisory(r.id, r.linked, open)),
          cell('', severityBadge(r.severity)),
          cell('wrap', r.package ? clipped(r.package) : h('span', { class: 'muted' }, '—')),
          cell('', SIDES[r.side]),
          cell('', vexWords(r.status)),
          cell('wrap small', r.justification ? clipped(r.justification) : h('span', { class: 'muted' }, '—')),
        ),
      headers: ['Advisory', 'Severity', 'Package', 'In', 'Status', 'Justification'],
      name: 'findings-vex',
      noun: 'findings',
      matches: 'advisory, severity, package, status or justification',
    }),
    ...(list.omitted ? [h('p', { class: 'omitted' }, `… ${list.omitted.toLocaleString('en-US')} more findings not listed.`)] : []),
  ];
}

function change(before: number, after: number): string {
  return after === before ? '—' : `${after > before ? '+' : '−'}${Math.abs(after - before).toLocaleString('en-US')}`;
}

function severityTable(model: VulnerabilitiesModel): HTMLElement {
  return table(
    ['Severity', 'First', 'Second', 'Change'],
    model.severities.map((s) =>
      h(
        'tr',
        { class: s.after > s.before ? 'change-added' : s.after < s.before ? 'change-removed' : '' },
        cell('', severityBadge(s.severity)),
        cell('size', s.before.toLocaleString('en-US')),
        cell('size', s.after.toLocaleString('en-US')),
        cell('size', change(s.before, s.after)),
      ),
    ),
    'severities',
  );
}

function findingList(title: string, name: string, list: Rows<FindingRow>, open: OpenAdvisory): HTMLElement[] {
  if (!list.total) return [];
  return [
    h('h3', {}, `${title} (${list.total.toLocaleString('en-US')})`),
    ...filteredTable({
      rows: list.rows,
      texts: findingTexts,
      render: (r) => {
        const cellContent = advisory(r.id, r.linked, open);
        return findingCells(r, r.vexNote ? h('div', {}, cellContent, h('div', { class: 'small muted' }, r.vexNote)) : cellContent);
      },
      headers: ['Advisory', 'Severity', 'Package', 'Installed', 'Fixed in', 'Title'],
      name,
      layout: 'findings',
      noun: 'findings',
      matches: 'advisory, severity, package, version or title',
    }),
    ...(list.omitted ? [h('p', { class: 'omitted' }, `… ${list.omitted.toLocaleString('en-US')} more findings not listed.`)] : []),
  ];
}

function changedList(list: Rows<ChangedFindingRow>, open: OpenAdvisory): HTMLElement[] {
  if (!list.total) return [];
  const versions = (text: ClippedText) => (text.text ? clipped(text, 'mono wrap') : h('span', { class: 'muted' }, '—'));
  return [
    h('h3', {}, `Findings changed (${list.total.toLocaleString('en-US')})`),
    table(
      ['Advisory', 'Package', 'First', 'Second', 'Fixed in'],
      list.rows.map((c) =>
        row(
          cell(
            'mono wrap',
            advisory(c.id, c.linked, open),
            ...(c.firstId ? [h('div', { class: 'small muted' }, clipped(c.firstId), ' in the first scan')] : []),
          ),
          cell('wrap', c.package ? clipped(c.package) : h('span', { class: 'muted' }, '—')),
          cell('wrap', severityBadge(c.severity.before), h('div', { class: 'small' }, versions(c.installed.before))),
          cell('wrap', severityBadge(c.severity.after), h('div', { class: 'small' }, versions(c.installed.after))),
          cell('mono wrap', c.fixed ? clipped(c.fixed) : h('span', { class: 'muted' }, 'not fixed')),
        ),
      ),
      'findings-changed',
    ),
    ...(list.omitted ? [h('p', { class: 'omitted' }, `… ${list.omitted.toLocaleString('en-US')} more findings not listed.`)] : []),
  ];
}

export function vulnerabilitiesResult(model: VulnerabilitiesModel, open: OpenAdvisory): HTMLElement {
  const compared = !!model.before && !!model.after;
  const nothing = compared && !model.introduced.total && !model.resolved.total && !model.changed.total;
  const count = (n: number) => n.toLocaleString('en-US');
  return h(
    'div',
    { class: 'vulnerabilities-result' },
    h(
      'ul',
      { class: 'sbom-sides small' },
      sideLine('First', model.before),
      sideLine('Second', model.after),
      model.vex.before ? vexLine('First', model.vex.before) : undefined,
      model.vex.after ? vexLine('Second', model.vex.after) : undefined,
    ),
    model.missing ? h('p', { class: 'notice' }, icon('info'), ' ', model.missing) : undefined,
    model.scannersDiffer ? h('p', { class: 'notice' }, icon('warning'), ' ', model.scannersDiffer) : undefined,
    model.scansApart ? h('p', { class: 'notice' }, icon('warning'), ' ', model.scansApart) : undefined,
    compared
      ? h(
          'p',
          { class: 'summary-line' },
          `${count(model.introduced.total)} new, ${count(model.resolved.total)} gone, ${count(model.changed.total)} changed, ${count(model.unchanged)} the same${model.suppressed.total ? `; ${count(model.suppressed.total)} left out by VEX` : ''}.`,
        )
      : undefined,
    compared && model.severities.length ? severityTable(model) : undefined,
    compared && !model.severities.length ? h('p', { class: 'muted' }, 'Neither scan found a vulnerability.') : undefined,
    nothing && model.severities.length ? h('p', { class: 'muted' }, 'No finding differs.') : undefined,
    ...findingList('New in the second', 'findings-new', model.introduced, open),
    ...findingList('Gone from the second', 'findings-gone', model.resolved, open),
    ...changedList(model.changed, open),
    ...suppressedList(model.suppressed, open),
    ...model.problems.map((p) => h('p', { class: 'muted small' }, icon('warning'), ' ', p)),
  );
}
