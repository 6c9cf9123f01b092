/**
 * An OpenVEX document's statements: the count per status, who stated them and when, then a table
 * in the document's order of vulnerability (linked to osv.dev when it knows the identifier),
 * status, justification in words, the components it is about and the impact or action, with the
 * filter and paging of the findings' table. Read, not judged: the page shows what the author said.
 */
import { clipped, h } from '../dom';
import type { ClippedText, PageModel, VexRow, VexStatus } from '../../protocol';
import { badgeList, cell, muted, row, section, type PageContext } from './common';
import { filteredTable } from './filtered-table';
import { advisoryLink, scanTime } from './vulnerabilities';
import { vexWords } from '../../../shared/app/vex-words';

/** Most telling first: what still affects the product, then what is being looked at, then what does not. */
const STATUSES: readonly VexStatus[] = ['affected', 'under_investigation', 'fixed', 'not_affected'];

export function renderVex(ctx: PageContext, page: PageModel): HTMLElement | undefined {
  const vex = page.vex;
  if (!vex) return undefined;
  const total = vex.rows.length + vex.omitted;
  const counted = STATUSES.filter((status) => vex.counts[status] > 0).map((status) =>
    h('span', { class: `vex-badge vex-${status}` }, `${vex.counts[status].toLocaleString('en-US')} ${vexWords(status)}`),
  );
  // "as Team <…> stated it on 2026-11-01 00:00 UTC", each part when the document says.
  const statedBy = [
    ...(vex.author ? [clipped(vex.author), ' stated it'] : ['stated']),
    ...(vex.timestamp ? [' on ', statedTime(vex.timestamp)] : []),
  ];
  const summary = h(
    'p',
    { class: 'summary-line vex-counts' },
    ...badgeList(counted, 'No statements.'),
    vex.author || vex.timestamp ? h('span', { class: 'muted' }, ' — as ', ...statedBy) : undefined,
    vex.version !== undefined ? h('span', { class: 'muted' }, ` (version ${vex.version})`) : undefined,
  );
  const parts = [
    summary,
    ...(vex.rows.length
      ? filteredTable({
          rows: vex.rows,
          texts: (r) => [
            r.vulnerability.text,
            r.aliases?.text,
            r.status,
            vexWords(r.status),
            r.justification?.text,
            r.justification ? vexWords(r.justification.text) : undefined,
            r.subcomponentIds?.text,
            r.subcomponents?.text,
            r.products?.text,
            r.impact?.text,
            r.action?.text,
          ],
          render: (r) => statementRow(ctx, r),
          headers: ['Vulnerability', 'Status', 'Justification', 'Subcomponents', 'Impact or action'],
          name: 'vex',
          noun: 'statements',
          matches: 'vulnerability, alias, status, justification, component, product, impact or action',
        })
      : []),
    vex.omitted
      ? muted(`${vex.omitted.toLocaleString('en-US')} more statements are in the document but not here; its JSON has them.`)
      : undefined,
  ];
  return section('VEX statements (OpenVEX)', 'checklist', parts, { id: 'vex', note: total.toLocaleString('en-US') });
}

function statementRow(ctx: PageContext, r: VexRow): HTMLTableRowElement {
  const url = r.url;
  return row(
    cell(
      'mono wrap',
      url ? advisoryLink(r.vulnerability, () => ctx.openExternal(url), url) : clipped(r.vulnerability),
      r.aliases ? h('div', { class: 'small muted' }, clipped(r.aliases)) : undefined,
    ),
    cell(
      '',
      h('span', { class: `vex-badge vex-${r.status}` }, vexWords(r.status)),
      r.timestamp ? h('div', { class: 'small muted' }, statedTime(r.timestamp)) : undefined,
    ),
    // The label in words; as written in the tooltip, for searching the spec.
    cell('wrap', r.justification ? h('span', { title: r.justification.text }, clipped(inWords(r.justification))) : muted('—')),
    cell(
      'wrap',
      r.subcomponents ? clipped(r.subcomponents) : muted('the whole product'),
      r.subcomponentIds ? h('div', { class: 'small muted mono' }, clipped(r.subcomponentIds)) : undefined,
      r.products ? h('div', { class: 'small muted mono' }, 'in ', clipped(r.products)) : undefined,
    ),
    cell(
      'wrap small',
      r.impact ? h('div', {}, clipped(r.impact)) : undefined,
      r.action ? h('div', {}, muted('Action: '), clipped(r.action)) : undefined,
      r.impact || r.action ? undefined : muted('—'),
    ),
  );
}

function inWords(label: ClippedText): ClippedText {
  return { ...label, text: vexWords(label.text) };
}

/** A time as the document wrote it: to the minute in UTC when it reads as an ISO time, else as written. */
function statedTime(time: ClippedText): HTMLElement {
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(time.text) ? Date.parse(time.text) : NaN;
  return Number.isFinite(ms) ? h('span', { title: time.text }, scanTime(new Date(ms).toISOString())) : clipped(time);
}
