/** Annotations, an artifact's files and the referrers (signatures, SBOMs, attestations). */
import { clipped, h, icon, linkButton } from '../dom';
import type { ArtifactFileRow, PageModel, ReferrerRow } from '../../protocol';
import { cell, digestLink, factValue, loading, muted, problem, row, section, table, type PageContext } from './common';

export function renderAnnotations(ctx: PageContext, page: PageModel): HTMLElement | undefined {
  if (!page.annotations.length) return undefined;
  const rows = page.annotations.map((fact) => row(cell('mono key', fact.label), cell('wrap', factValue(ctx, fact))));
  return section('Annotations', 'tag', table(['Key', 'Value'], rows, 'annotations'), {
    id: 'annotations',
    note: String(page.annotations.length),
  });
}

export function renderFiles(ctx: PageContext, page: PageModel): HTMLElement | undefined {
  const files = page.files;
  if (!files) return undefined;
  return section('Files', 'files', files.length ? fileTable(ctx, files) : muted('This artifact has no files.'), {
    id: 'files',
    note: String(files.length),
  });
}

/** An image's provenance and SBOM, as the index it was reached from lists them for it. */
export function renderAttestedBy(ctx: PageContext, page: PageModel): HTMLElement | undefined {
  const rows = page.attestedBy;
  if (page.attestedByProblem) return section('Attestations', 'law', problem(page.attestedByProblem), { id: 'attested-by' });
  if (!rows?.length) return undefined;
  return section('Attestations', 'law', fileTable(ctx, rows, 'Open this statement'), { id: 'attested-by', note: String(rows.length) });
}

function fileTable(ctx: PageContext, files: readonly ArtifactFileRow[], what = 'Open this file'): HTMLTableElement {
  const rows = files.map((file) =>
    row(
      cell('name', file.link ? linkButton([icon('file'), clipped(file.title)], () => ctx.go(file.link!), what) : clipped(file.title)),
      file.kind,
      cell('size', file.sizeText),
      digestLink(ctx, file.digest, file.link),
    ),
  );
  return table(['Title', 'Kind', 'Size', 'Digest'], rows, 'files');
}

export function renderReferrers(ctx: PageContext, page: PageModel): HTMLElement | undefined {
  const digest = page.referrersOf;
  if (!digest || page.location.kind !== 'manifest') return undefined;
  const body = h('div', {}, loading('Looking for signatures, SBOMs and attestations…'));
  const note = h('span', {});
  const { host, repository } = page.location;
  ctx.defer(
    ctx.track(ctx.request('referrers', { host, repository, digest })).then(
      ({ rows, cut, attachmentsProblem }) => {
        note.textContent = cut ? `${rows.length}+` : String(rows.length);
        body.replaceChildren(
          rows.length
            ? table(
                ['Kind', 'Artifact type', 'Created', 'Size', 'Digest'],
                rows.map((r) => referrerRow(ctx, r)),
                'referrers',
              )
            : muted('Nothing refers to this manifest.'),
        );
        // A registry that pages its referrers without end is cut off by the client: say so, or the
        // list would read as complete.
        if (cut) body.append(muted(`Only the first ${rows.length} referrers are shown: the registry lists more.`));
        if (attachmentsProblem) body.append(problem(attachmentsProblem));
      },
      (err: Error) => body.replaceChildren(problem(err.message)),
    ),
  );
  return section('Referrers', 'references', body, { id: 'referrers', note });
}

function referrerRow(ctx: PageContext, r: ReferrerRow): HTMLTableRowElement {
  return row(
    cell(
      'name',
      linkButton([icon(r.icon), r.kind], () => ctx.go(r.link), `Open this ${r.kind}`),
    ),
    r.artifactType ? clipped(r.artifactType, 'mono small') : muted('—'),
    r.created ?? muted('—'),
    cell('size', r.sizeText),
    digestLink(ctx, r.digest, r.link),
  );
}
