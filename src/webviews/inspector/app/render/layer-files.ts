/**
 * A layer's files, or an image's with all its layers applied: progress while the host streams and
 * reads the blobs (with Cancel), then a tree whose directories load their rows when opened. In an
 * image's files each row names the layer it comes from, and opens or saves from that layer. Names,
 * link targets and owners are text.
 */
import { append, clipped, h, icon, iconButton, linkButton, plainText, type Child } from '../dom';
import type { Call } from '../rpc';
import type {
  FileLayer,
  FileRow,
  FileSystemLocation,
  FileSystemSummary,
  HostEvent,
  LayerListResult,
  LayerLocation,
  LayerSummary,
} from '../../protocol';
import { RequestError } from '../rpc';
import { muted, problem, section, type PageContext } from './common';

/** Where a listing's rows come from, and where each row's content is read. */
interface ListingSource {
  list(): Call<LayerListResult | FileSystemSummary>;
  children(path: string, offset: number): Call<{ rows: FileRow[]; omitted: number }>;
  /** The layer a row's content is read from (in an image's files, the layer named; in a layer's, itself). */
  layerOf(layer: FileLayer | undefined): LayerLocation | undefined;
  /** Image listings show each row's layer. */
  image?: { host: string; repository: string; label: string };
  emptyText: string;
}

export function renderLayerFiles(
  ctx: PageContext,
  location: LayerLocation,
  onEvent: (handler: (event: HostEvent) => void) => () => void,
): HTMLElement {
  return renderListing(
    ctx,
    {
      list: () => ctx.request('listLayer', location),
      children: (path, offset) => ctx.request('layerChildren', { digest: location.digest, path, offset }),
      layerOf: () => location,
      emptyText: 'The layer is empty.',
    },
    onEvent,
  );
}

export function renderImageFiles(
  ctx: PageContext,
  location: FileSystemLocation,
  onEvent: (handler: (event: HostEvent) => void) => () => void,
): HTMLElement {
  const { host, repository } = location;
  const label = location.label ?? repository;
  return renderListing(
    ctx,
    {
      list: () => ctx.request('listImageFiles', location),
      children: (path, offset) => ctx.request('imageFilesChildren', { digest: location.digest, path, offset }),
      layerOf: (layer) =>
        layer && {
          kind: 'layer',
          host,
          repository,
          digest: layer.digest,
          mediaType: layer.mediaType,
          size: layer.size,
          label: `layer ${layer.index + 1} of ${label}`,
        },
      image: { host, repository, label },
      emptyText: 'The image has no files.',
    },
    onEvent,
  );
}

function renderListing(ctx: PageContext, source: ListingSource, onEvent: (handler: (event: HostEvent) => void) => () => void): HTMLElement {
  const body = h('div', { class: 'layer-files' });
  const note = h('span', {});
  const list = (): void => {
    const call = source.list();
    const bar = h('div', { class: 'progress-fill' });
    const status = h('span', {}, source.image ? "Reading the image's layers…" : 'Reading the layer…');
    const cancel = h('button', { class: 'secondary-button' }, icon('stop-circle'), 'Cancel');
    cancel.type = 'button';
    cancel.addEventListener('click', () => ctx.cancel(call.id));
    body.replaceChildren(
      h(
        'div',
        { class: 'listing-progress' },
        h('div', { class: 'progress', role: 'progressbar' }, bar),
        h('div', { class: 'progress-line' }, icon('loading'), status, cancel),
      ),
    );
    const stop = onEvent((event) => {
      if (event.type !== 'layerProgress' || event.id !== call.id) return;
      const fraction = event.size > 0 ? Math.min(1, event.bytesRead / event.size) : 0;
      bar.style.setProperty('--share', `${(fraction * 100).toFixed(1)}%`);
      status.textContent = `${formatCount(event.entries)} entries · ${Math.round(fraction * 100)}% of the compressed bytes read`;
    });
    ctx.defer(
      ctx
        .track(call)
        .then(
          (result) => {
            if ('hostedElsewhere' in result) {
              // A fact about the layer, not a failure: no retry to offer.
              note.textContent = 'not in the registry';
              body.replaceChildren(h('p', { class: 'notice hosted-elsewhere' }, icon('info'), ' ', result.hostedElsewhere));
              return;
            }
            note.textContent = `${formatCount(result.entries)} entries`;
            body.replaceChildren();
            append(body, ...summaryView(result), fileTree(ctx, source, result));
          },
          (err: Error) => {
            const again = linkButton([icon('refresh'), 'List again'], list);
            body.replaceChildren(
              err instanceof RequestError && err.cancelled
                ? h('p', { class: 'muted' }, 'Listing cancelled. ', again)
                : h('div', {}, problem(err.message), again),
            );
          },
        )
        .finally(stop),
    );
  };
  list();
  return section('Files', 'file-zip', body, { id: 'files', note });
}

function summaryView(summary: LayerSummary | FileSystemSummary): Child[] {
  const image = 'layers' in summary ? summary : undefined;
  const parts = [
    `${formatCount(summary.files)} file${summary.files === 1 ? '' : 's'}`,
    `${formatCount(summary.directories)} director${summary.directories === 1 ? 'y' : 'ies'}`,
    'whiteouts' in summary && summary.whiteouts ? `${formatCount(summary.whiteouts)} whiteout${summary.whiteouts === 1 ? '' : 's'}` : '',
    `${summary.totalSizeText} unpacked from ${summary.compressedSizeText}${image ? ` in ${formatCount(image.layers)} layer${image.layers === 1 ? '' : 's'}` : ''}`,
  ].filter(Boolean);
  const views: Child[] = [h('p', { class: 'listing-summary' }, parts.join(' · '))];
  if (image?.layersLeftOut)
    views.push(
      h(
        'p',
        { class: 'notice' },
        icon('info'),
        ` ${formatCount(image.layersLeftOut)} foreign layer${image.layersLeftOut === 1 ? ' is' : 's are'} not in the registry, so ${image.layersLeftOut === 1 ? 'its' : 'their'} files are not included.`,
      ),
    );
  return views;
}

function fileTree(ctx: PageContext, source: ListingSource, summary: LayerSummary | FileSystemSummary): HTMLElement {
  const tree = h(
    'div',
    { class: 'file-tree', role: 'tree' },
    h(
      'div',
      { class: 'f-row f-head', role: 'presentation' },
      h('span', { class: 'f-name' }, 'Name'),
      h('span', { class: 'f-mode' }, 'Mode'),
      h('span', { class: 'f-owner' }, 'Owner'),
      h('span', { class: 'f-size' }, 'Size'),
      h('span', { class: 'f-time' }, 'Modified'),
      source.image ? h('span', { class: 'f-layer' }, 'Layer') : undefined,
    ),
  );
  if (!summary.root.length) {
    tree.append(h('div', { class: 'f-row' }, muted(source.emptyText)));
    return tree;
  }
  appendRows(ctx, source, tree, undefined, [], summary.root, 0, '', summary.rootOmitted, summary.root.length);
  return tree;
}

/** Inserts rows after `after` (or at the end), recording them in `owner`; a "more" row fetches the rest of the directory. */
function appendRows(
  ctx: PageContext,
  source: ListingSource,
  tree: HTMLElement,
  after: Element | undefined,
  owner: Element[],
  rows: FileRow[],
  depth: number,
  path: string,
  omitted: number,
  offset: number,
): void {
  let anchor = after;
  const place = (el: Element): void => {
    if (anchor) anchor.after(el);
    else tree.append(el);
    anchor = el;
    owner.push(el);
  };
  for (const file of rows) place(fileRowView(ctx, source, tree, file, depth));
  if (omitted <= 0) return;
  const more = h('div', { class: 'f-row f-more', vars: { '--depth': String(depth) } });
  more.append(
    linkButton(`Show ${formatCount(omitted)} more`, () => {
      void ctx.track(source.children(path, offset)).then(({ rows: next, omitted: left }) => {
        owner.splice(owner.indexOf(more), 1);
        appendRows(ctx, source, tree, more, owner, next, depth, path, left, offset + next.length);
        more.remove();
      });
    }),
  );
  place(more);
}

/** The rows shown under an open directory row, so folding removes them (and theirs). */
const childrenOf = new WeakMap<Element, Element[]>();

function fileRowView(ctx: PageContext, source: ListingSource, tree: HTMLElement, file: FileRow, depth: number): HTMLElement {
  const layer = source.layerOf(file.layer);
  // A link in an image's files that leads to a file opens and saves that file, from its own layer.
  const content: FileContent = file.leadsTo
    ? { layer: source.layerOf(file.leadsTo.layer), path: file.leadsTo.path }
    : { layer, path: file.path };
  const isDir = file.type === 'directory' && file.childCount > 0;
  const row = h('div', {
    class: `f-row f-${file.type}${file.whiteout ? ' f-whiteout' : ''}${file.unsafe ? ' f-unsafe' : ''}`,
    role: 'treeitem',
    vars: { '--depth': String(depth) },
  });
  const toggle = h(
    'button',
    { class: 'f-toggle', label: isDir ? `Open ${file.name.text}` : '', disabled: !isDir },
    icon(isDir ? 'chevron-right' : 'blank'),
  );
  toggle.type = 'button';
  const name = h(
    'span',
    { class: 'f-name', title: file.path },
    toggle,
    icon(fileIcon(file)),
    fileName(ctx, content, file),
    saveButton(ctx, content, file),
    file.linkTarget ? h('span', { class: 'f-link mono' }, file.type === 'hardlink' ? '⇒ ' : '→ ', clipped(file.linkTarget)) : undefined,
    // What the whiteout deletes is in its tooltip: the name (.wh.<name>) already says it.
    file.whiteout ? h('span', { class: 'badge warning-badge', title: file.whiteout.text }, 'whiteout') : undefined,
    file.unsafe ? h('span', { class: 'badge error-badge', title: file.unsafe }, 'unsafe path') : undefined,
    isDir ? h('span', { class: 'muted small' }, `${formatCount(file.fileCount)} file${file.fileCount === 1 ? '' : 's'}`) : undefined,
  );
  row.append(
    name,
    h('span', { class: 'f-mode mono' }, file.mode),
    h('span', { class: 'f-owner mono' }, clipped(file.owner)),
    h('span', { class: 'f-size' }, file.sizeText),
    h('span', { class: 'f-time muted' }, file.modified ?? ''),
    ...(source.image ? [layerCell(ctx, file, layer)] : []),
  );
  if (isDir) {
    toggle.addEventListener('click', () => {
      const open = childrenOf.get(row);
      if (open) {
        fold(row);
        toggle.replaceChildren(icon('chevron-right'));
        return;
      }
      toggle.replaceChildren(icon('loading'));
      void ctx.track(source.children(file.path, 0)).then(
        ({ rows, omitted }) => {
          const owned: Element[] = [];
          childrenOf.set(row, owned);
          appendRows(ctx, source, tree, row, owned, rows, depth + 1, file.path, omitted, rows.length);
          toggle.replaceChildren(icon('chevron-down'));
        },
        (err: Error) => {
          toggle.replaceChildren(icon('error'));
          toggle.title = plainText(err.message);
        },
      );
    });
  }
  return row;
}

/** Where a row's content is read: a layer and a path in it (for a link that leads to a file, that file's). */
interface FileContent {
  layer: LayerLocation | undefined;
  path: string;
}

/**
 * A file's name, as a link that opens it in an editor tab when it has content to show: regular
 * files, hard links (their target's content) and symlinks (in a layer, their target's name; in an
 * image's files, the file they lead to). Whiteouts, folders and devices have none; a hostile path
 * (absolute, or with '..') is shown, never opened.
 */
function fileName(ctx: PageContext, content: FileContent, file: FileRow): HTMLElement {
  const name = clipped(file.name, 'mono');
  const openable = (file.type === 'file' || file.type === 'hardlink' || file.type === 'symlink') && !file.whiteout && !file.unsafe;
  if (!openable || !content.layer) return name;
  const { host, repository, digest, mediaType, size } = content.layer;
  const path = content.path;
  return linkButton(
    name,
    () => ctx.openLayerFile({ host, repository, digest, mediaType, size, path }),
    path === file.path ? `Open ${path}` : `Open ${path}, where ${file.path} leads`,
    'f-open',
  );
}

/**
 * A button that saves the file to disk, for entries with content of their own: regular files and
 * hard links (saved as the file they name), and in an image's files a link that leads to a file.
 * A layer's own symlink saves nothing (its target may be in another layer), nor do whiteouts,
 * folders and devices; a hostile path is never acted on.
 */
function saveButton(ctx: PageContext, content: FileContent, file: FileRow): HTMLElement | undefined {
  const hasContent = file.type === 'file' || file.type === 'hardlink' || (file.type === 'symlink' && file.leadsTo !== undefined);
  if (!hasContent || file.whiteout || file.unsafe || !content.layer) return undefined;
  const { host, repository, digest, mediaType, size } = content.layer;
  const path = content.path;
  const button = iconButton('save-as', `Save ${path}… (the whole file, to a file you choose)`, () =>
    ctx.saveLayerFile({ host, repository, digest, mediaType, size, path }),
  );
  button.classList.add('f-save');
  return button;
}

/** In an image's files: the layer the row comes from, as a link to that layer's own listing. */
function layerCell(ctx: PageContext, file: FileRow, layer: LayerLocation | undefined): HTMLElement {
  if (!file.layer || !layer) return h('span', { class: 'f-layer muted' }, '');
  const number = String(file.layer.index + 1);
  return h(
    'span',
    { class: 'f-layer' },
    linkButton(number, () => ctx.go(layer), `From layer ${number} (${file.layer.digest}): list its files`),
  );
}

/** Removes everything shown under a directory row, nested rows included, without recursion. */
function fold(row: Element): void {
  const pending = [row];
  for (let el = pending.pop(); el; el = pending.pop()) {
    const children = childrenOf.get(el);
    childrenOf.delete(el);
    if (el !== row) el.remove();
    if (children) for (const child of children) pending.push(child);
  }
}

function fileIcon(file: FileRow): string {
  if (file.whiteout) return 'circle-slash';
  switch (file.type) {
    case 'directory':
      return 'folder';
    case 'symlink':
      return 'file-symlink-file';
    case 'hardlink':
      return 'references';
    case 'char-device':
    case 'block-device':
      return 'chip';
    case 'fifo':
      return 'debug-disconnect';
    default:
      return 'file';
  }
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
