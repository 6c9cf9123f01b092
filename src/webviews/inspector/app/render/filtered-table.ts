/**
 * A long table a person narrows by typing (matched anywhere in a row's text, ignoring case) and
 * that is laid out a page at a time, so thousands of rows open as fast as a few: an SBOM's
 * packages, a scan's findings.
 */
import { h, linkButton } from '../dom';
import { table } from './common';

const ROWS_PER_PAGE = 200;

export interface FilteredTableOptions<T> {
  rows: readonly T[];
  /** The texts a row is found by. */
  texts: (row: T) => (string | undefined)[];
  render: (row: T) => HTMLTableRowElement;
  headers: string[];
  /** The table's class, and the filter's (`<name>-filter`): pages and tests find them by these. */
  name: string;
  /** A class the table shares with tables laid out alike (`findings`: a scan's columns). */
  layout?: string;
  /** "packages", "findings". */
  noun: string;
  /** The filter's tooltip: what it matches. */
  matches: string;
}

/** The filter, the status line, the table and the "show more" link, in that order. */
export function filteredTable<T>(options: FilteredTableOptions<T>): HTMLElement[] {
  const { rows, noun } = options;
  const haystacks = rows.map((r) =>
    options
      .texts(r)
      .map((t) => t?.toLowerCase() ?? '')
      .join('\n'),
  );
  const body = h('tbody', {});
  const status = h('p', { class: `muted ${options.name}-status table-status` });
  const more = h('div', {});
  const filter = h('input', {
    class: `table-filter ${options.name}-filter`,
    label: `Filter ${noun}`,
    title: `Filter ${noun} by ${options.matches}`,
  });
  filter.type = 'search';
  filter.placeholder = `Filter ${noun}`;
  let matching: number[] = [];
  const layOut = (from: number): void => {
    const to = Math.min(matching.length, from + ROWS_PER_PAGE);
    for (let i = from; i < to; i++) body.append(options.render(rows[matching[i]!]!));
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
    status.textContent = words ? `${matching.length.toLocaleString('en-US')} of ${rows.length.toLocaleString('en-US')} ${noun} match.` : '';
    layOut(0);
  };
  filter.addEventListener('input', apply);
  apply();
  const laidOut = table(options.headers, [], options.layout ? `${options.name} ${options.layout}` : options.name);
  // The table's body is the one the filter fills.
  laidOut.tBodies[0]!.replaceWith(body);
  return [h('div', { class: 'table-toolbar' }, filter), status, laidOut, more];
}
