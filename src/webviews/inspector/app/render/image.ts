/** An image for people: its config (what runs, how, with what) and its history beside its layers. */
import { clipped, h, icon, linkButton, type Child } from '../dom';
import type { ConfigSummary, HistoryRow, ImageSection, LayerRow } from '../../protocol';
import { cell, digestLink, factValue, longText, muted, problem, row, section, table, type PageContext } from './common';

export function renderConfig(
  ctx: PageContext,
  config: ConfigSummary | undefined,
  image: ImageSection | undefined,
): HTMLElement | undefined {
  const open = image ? [linkButton([icon('settings-gear'), 'Open config'], () => ctx.go(image.configLink), 'Show the config blob')] : [];
  if (!config)
    return image?.configProblem
      ? section('Config', 'settings-gear', problem(image.configProblem), { id: 'config', actions: open })
      : undefined;
  const parts: Child[] = [];
  // One list, so facts and the command line up in the same two columns.
  const command = h(
    'dl',
    { class: 'facts' },
    ...config.facts.flatMap((fact) => [h('dt', {}, fact.label), h('dd', {}, factValue(ctx, fact))]),
    h('dt', {}, 'Entrypoint'),
    h('dd', {}, config.entrypoint ? clipped(config.entrypoint, 'mono command') : muted('none')),
    h('dt', {}, 'Command'),
    h('dd', {}, config.cmd ? clipped(config.cmd, 'mono command') : muted('none')),
    h('dt', {}, 'Ports'),
    h(
      'dd',
      {},
      config.ports.length ? h('span', { class: 'chips' }, ...config.ports.map((p) => clipped(p, 'chip mono'))) : muted('none exposed'),
    ),
    config.volumes.length ? h('dt', {}, 'Volumes') : undefined,
    config.volumes.length ? h('dd', {}, h('span', { class: 'chips' }, ...config.volumes.map((v) => clipped(v, 'chip mono')))) : undefined,
  );
  parts.push(command);
  if (config.env.length) {
    parts.push(
      h('h3', {}, 'Environment'),
      table(
        ['Name', 'Value'],
        config.env.map((e) => row(cell('mono key', clipped(e.name)), cell('mono wrap', longText(clipped(e.value), e.value.text.length)))),
        'env',
      ),
    );
  }
  if (config.labels.length) {
    parts.push(
      h('h3', {}, 'Labels'),
      table(
        ['Label', 'Value'],
        config.labels.map((l) => row(cell('mono key', l.label), cell('wrap', factValue(ctx, l)))),
        'labels',
      ),
    );
  }
  return section('Config', 'settings-gear', parts, { id: 'config', actions: open });
}

export function renderHistory(ctx: PageContext, image: ImageSection): HTMLElement {
  const rows = image.history.map((entry, i) => historyRow(ctx, entry, i, image.layers));
  const totalLayers = image.layers.length;
  const body: Child[] = [];
  if (image.historyMismatch) body.push(h('p', { class: 'warning' }, icon('warning'), ' ', image.historyMismatch));
  body.push(table(['#', 'Step', 'Layer', 'Size', ''], rows, 'history'));
  if (image.historyOmitted)
    body.push(
      muted(
        `${image.historyOmitted.toLocaleString('en-US')} more steps are not shown here; Open as JSON shows the whole manifest and config.`,
      ),
    );
  const allFiles = linkButton(
    [icon('files'), 'All files'],
    () => ctx.go(image.filesLink),
    "Browse the image's files with every layer applied",
  );
  return section('Layers and history', 'layers', body, {
    id: 'history',
    actions: [allFiles],
    note: `${totalLayers} layer${totalLayers === 1 ? '' : 's'}, ${image.history.filter((r) => r.empty).length} empty step${image.history.filter((r) => r.empty).length === 1 ? '' : 's'}`,
  });
}

function historyRow(ctx: PageContext, entry: HistoryRow, index: number, layers: LayerRow[]): HTMLTableRowElement {
  const layer = entry.layer === undefined ? undefined : layers[entry.layer];
  const step = h(
    'div',
    { class: 'step' },
    clipped(entry.instruction, 'mono instruction'),
    entry.created || entry.comment
      ? h(
          'div',
          { class: 'muted small' },
          entry.created ?? '',
          entry.comment ? ' · ' : '',
          entry.comment ? clipped(entry.comment) : undefined,
        )
      : undefined,
  );
  const tr = row(
    cell('index muted', String(index + 1)),
    cell('step-cell', step),
    layer
      ? cell(
          'layer-link',
          linkButton([icon('archive'), `layer ${layer.index + 1}`], () => ctx.go(layer.link), `List the files of layer ${layer.index + 1}`),
          ' ',
          digestLink(ctx, layer.digest, layer.link),
        )
      : cell('layer-link', h('span', { class: 'badge' }, 'no layer')),
    cell('size', layer ? layer.sizeText : ''),
    cell('share', layer ? shareBar(layer.share) : undefined),
  );
  if (entry.empty) tr.className = 'empty-step';
  return tr;
}

/** A bar for the layer's share of the image's bytes (width through a CSS variable, which the CSP allows). */
function shareBar(share: number): HTMLElement {
  const percent = Math.max(0, Math.min(100, share * 100));
  return h(
    'div',
    { class: 'bar', title: `${percent.toFixed(1)}% of the layers' bytes`, role: 'img', label: `${percent.toFixed(0)} percent` },
    h('div', { class: 'bar-fill', vars: { '--share': `${percent}%` } }),
  );
}
