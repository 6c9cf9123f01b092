/**
 * An SBOM's packages: a table of name, version, license and package URL, with a filter that
 * narrows it as one types (matched in any of the four, ignoring case), laid out a page at a time
 * so a few thousand packages open as fast as a few.
 */
import { clipped, h, linkButton } from '../dom';
import type { PageModel, SbomRow } from '../../protocol';
import { cell, muted, row, section, table } from './common';

const ROWS_PER_PAGE = 200;

export function renderSbom(page: PageModel): HTMLElement | undefined {
  const sbom = page.sbom;
  if (!sbom) return undefined;
  const total = sbom.rows.length + sbom.omitted;
  const haystacks = sbom.rows.map((r) => [r.name, r.version, r.license, r.purl].map((t) => t?.text.toLowerCase() ?? '').join('\n'));
  const body = h('tbody', {});
  const status = h('p', { class: 'muted sbom-status' });
  const more = h('div', {});
  const filter = h('input', {
    class: 'sbom-filter',
    label: 'Filter packages',
    title: 'Filter packages by name, version, license or package URL',
  });
  filter.type = 'search';
  filter.placeholder = 'Filter packages';
  let matching: number[] = [];
  const layOut = (from: number): void => {
    const to = Math.min(matching.length, from + ROWS_PER_PAGE);
    for (let i = from; i < to; i++) body.append(packageRow(sbom.rows[matching[i]!]!));
    more.replaceChildren();
    if (to < matching.length)
      more.append(
        linkButton(
          `Show ${Math.min(ROWS_PER_PAGE, matching.length - to).toLocaleString('en-US')} more of ${(matching.length - to).toLocaleString('en-US')}`,
          () => layOut(to),
        ),
      );
  };
  const apply = (): void => {
    const words = filter.value.toLowerCase().trim();
    matching = [];
    for (let i = 0; i < haystacks.length; i++) if (!words || haystacks[i]!.includes(words)) matching.push(i);
    body.replaceChildren();
    status.textContent = words
      ? `${matching.length.toLocaleString('en-US')} of ${sbom.rows.length.toLocaleString('en-US')} packages match.`
      : '';
    layOut(0);
  };
  filter.addEventListener('input', apply);
  apply();
  const packages = table(['Name', 'Version', 'License', 'Package URL'], [], 'sbom');
  // The table's body is the one the filter fills.
  packages.tBodies[0]!.replaceWith(body);
  const parts = [
    h('div', { class: 'sbom-toolbar' }, filter),
    status,
    packages,
    more,
    sbom.omitted
      ? muted(`${sbom.omitted.toLocaleString('en-US')} more packages are listed in the SBOM but not here; its JSON has them.`)
      : undefined,
  ];
  return section(`Packages (${sbom.format})`, 'package', parts, { id: 'sbom', note: total.toLocaleString('en-US') });
}

function packageRow(p: SbomRow): HTMLTableRowElement {
  return row(
    cell('wrap', clipped(p.name)),
    cell('mono', p.version ? clipped(p.version) : muted('—')),
    cell('wrap', p.license ? clipped(p.license) : muted('—')),
    cell('mono wrap small', p.purl ? clipped(p.purl) : muted('—')),
  );
}
