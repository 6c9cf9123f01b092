/** The page's header: what it is, where it lives, its digest with copy buttons, media type and size. */
import { clipped, h, icon, linkButton } from '../dom';
import type { HeaderModel, PageModel } from '../../protocol';
import { copyButton, factValue, type PageContext } from './common';
import { exactBytes } from '../../../../shared/format';

export function renderHeader(ctx: PageContext, page: PageModel): HTMLElement {
  const header: HeaderModel = page.header;
  const copies = [
    copyButton(ctx, 'Digest', header.digest, 'digest'),
    copyButton(ctx, 'Reference', header.pinned, 'reference'),
    header.pullCommand ? copyButton(ctx, 'Pull command', header.pullCommand, 'pull command') : undefined,
  ];
  const details = h(
    'dl',
    { class: 'facts header-facts' },
    h('dt', {}, 'Media type'),
    h('dd', {}, clipped(header.mediaType, 'mono')),
    header.artifactType ? h('dt', {}, 'Artifact type') : undefined,
    header.artifactType ? h('dd', {}, clipped(header.artifactType, 'mono')) : undefined,
    h('dt', {}, 'Size'),
    h(
      'dd',
      {},
      h('strong', {}, header.sizeText),
      header.sizeNote ? h('span', { class: 'muted' }, ` · ${header.sizeNote}`) : undefined,
      exactBytes(header.size) ? h('span', { class: 'muted' }, ` · ${exactBytes(header.size)}`) : undefined,
    ),
    ...header.facts.flatMap((fact) => [h('dt', {}, fact.label), h('dd', {}, factValue(ctx, fact))]),
    page.subject ? h('dt', {}, 'Refers to') : undefined,
    page.subject ? h('dd', {}, subjectLink(ctx, page)) : undefined,
  );
  return h(
    'header',
    { class: 'page-header' },
    h(
      'div',
      { class: 'title-row' },
      h('span', { class: 'kind-icon' }, icon(header.icon)),
      h('div', { class: 'title-text' }, h('h1', {}, header.kind), h('div', { class: 'reference mono' }, clipped(header.reference))),
    ),
    h('div', { class: 'digest-row' }, h('code', { class: 'digest-full' }, header.digest), h('span', { class: 'copies' }, ...copies)),
    details,
  );
}

function subjectLink(ctx: PageContext, page: PageModel): HTMLElement {
  const subject = page.subject!;
  return linkButton([icon('arrow-up'), h('code', {}, subject.digest)], () => ctx.go(subject.link), 'Open the manifest this one refers to');
}
