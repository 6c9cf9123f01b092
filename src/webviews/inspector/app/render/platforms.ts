/** An index's platforms: a table linking to each, whose image sizes arrive after the page is shown. */
import { formatBytes } from '../../../../shared/format';
import { clipped, h, icon, linkButton, setText } from '../dom';
import { MAX_SIZE_LOOKUPS, type PageModel, type PlatformRow } from '../../protocol';
import { cell, digestLink, muted, row, section, table, type PageContext } from './common';

export function renderPlatforms(ctx: PageContext, page: PageModel): HTMLElement[] {
  const platforms = page.platforms ?? [];
  const sizeCells = new Map<string, HTMLTableCellElement[]>();
  const sizeCell = (digest: string): HTMLTableCellElement => {
    const td = cell('size', muted('…'));
    sizeCells.set(digest, [...(sizeCells.get(digest) ?? []), td]);
    return td;
  };
  const total = h('span', { class: 'section-note' });
  // Only Windows images carry an OS version; the column is left out when no platform has one.
  const withVersion = platforms.some((p) => p.osVersion);
  const rows = platforms.map((p) =>
    row(
      cell(
        'platform',
        linkButton([icon('vm'), p.platform], () => ctx.go(p.link), `Open ${p.platform}`),
      ),
      ...(withVersion ? [p.osVersion ? clipped(p.osVersion) : muted('—')] : []),
      digestLink(ctx, p.digest, p.link),
      cell('size', p.manifestSize),
      sizeCell(p.digest),
    ),
  );
  const headers = ['Platform', ...(withVersion ? ['OS version'] : []), 'Digest', 'Manifest', 'Image size'];
  const sections = [
    section('Platforms', 'vm', platforms.length ? table(headers, rows, 'platforms') : muted('This index lists no platforms.'), {
      id: 'platforms',
      note: total,
    }),
  ];
  if (page.attestations?.length)
    sections.push(
      section(
        'Attestations',
        'law',
        table(
          ['Attests', 'Digest', 'Manifest'],
          page.attestations.map((a) => attestationRow(ctx, a)),
        ),
        { id: 'attestations' },
      ),
    );
  // Sizes take one request per platform: the first hundred are plenty for a table people read.
  const digests = [...sizeCells.keys()].slice(0, MAX_SIZE_LOOKUPS);
  for (const digest of [...sizeCells.keys()].slice(MAX_SIZE_LOOKUPS))
    for (const td of sizeCells.get(digest)!) td.replaceChildren(muted('—'));
  if (digests.length && page.location.kind === 'manifest') {
    const { host, repository } = page.location;
    ctx.defer(
      ctx.track(ctx.request('imageSizes', { host, repository, digests })).then(
        (sizes) => {
          let sum = 0;
          for (const digest of digests) {
            const cells = sizeCells.get(digest)!;
            const result = sizes[digest];
            sum += result?.size ?? 0;
            for (const td of cells)
              td.replaceChildren(
                result?.problem
                  ? h('span', { class: 'problem-inline', title: result.problem }, icon('warning'), ' unreadable')
                  : (result?.sizeText ?? '?'),
              );
          }
          setText(total, `${platforms.length} · ${formatBytes(sum)} in all`);
        },
        (err: Error) => {
          for (const cells of sizeCells.values()) for (const td of cells) td.replaceChildren(muted('?'));
          setText(total, err.message);
        },
      ),
    );
  }
  return sections;
}

function attestationRow(ctx: PageContext, a: PlatformRow): HTMLTableRowElement {
  return row(
    a.attests && a.attestsPlatform
      ? h('span', { title: a.attests }, icon('vm'), ' ', a.attestsPlatform)
      : a.attests
        ? h('code', { title: a.attests }, a.attests.slice(a.attests.indexOf(':') + 1, a.attests.indexOf(':') + 13))
        : muted('the build'),
    digestLink(ctx, a.digest, a.link),
    a.manifestSize,
  );
}
