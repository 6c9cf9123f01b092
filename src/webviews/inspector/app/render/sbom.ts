/**
 * An SBOM's packages: a table of name, version, license and package URL, with a filter that
 * narrows it as one types (matched in any of the four, ignoring case), laid out a page at a time
 * so a few thousand packages open as fast as a few.
 */
import { clipped } from '../dom';
import type { PageModel, SbomRow } from '../../protocol';
import { cell, muted, row, section } from './common';
import { filteredTable } from './filtered-table';

export function renderSbom(page: PageModel): HTMLElement | undefined {
  const sbom = page.sbom;
  if (!sbom) return undefined;
  const total = sbom.rows.length + sbom.omitted;
  const parts = [
    ...filteredTable({
      rows: sbom.rows,
      texts: (r) => [r.name.text, r.version?.text, r.license?.text, r.purl?.text],
      render: packageRow,
      headers: ['Name', 'Version', 'License', 'Package URL'],
      name: 'sbom',
      noun: 'packages',
      matches: 'name, version, license or package URL',
    }),
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
