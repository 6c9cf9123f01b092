/**
 * A JSON document, highlighted and folded. Children are laid out only when their parent is
 * first opened, and long arrays a page at a time, so a 4 MiB manifest opens as fast as a small one.
 * Digests that open something are links; well-known keys explain themselves and link to the spec.
 */
import { append, clipped, h, icon, linkButton } from '../dom';
import type { JsonNode, JsonTree } from '../../protocol';
import { keyHelp } from '../spec-keys';
import { type PageContext } from './common';

const CHILDREN_PER_PAGE = 200;
const OPEN_DEPTH = 2;

type Spec = 'manifest' | 'config' | undefined;

export function renderJson(ctx: PageContext, tree: JsonTree, spec: Spec): HTMLElement {
  const view = h('div', { class: 'json mono', role: 'tree' });
  if (tree.truncated)
    view.append(
      h(
        'p',
        { class: 'muted' },
        icon('info'),
        ' Part of this document is too large or too deeply nested to show here; Open as JSON shows all of it.',
      ),
    );
  if (tree.nodes.length) view.append(nodeView(ctx, tree, 0, spec, true));
  return view;
}

function nodeView(ctx: PageContext, tree: JsonTree, index: number, spec: Spec, last: boolean): HTMLElement {
  const node = tree.nodes[index]!;
  const line = h('div', { class: 'j-line' }, ...keyView(ctx, node, spec));
  const comma = last ? undefined : h('span', { class: 'j-punct' }, ',');
  if (node.type !== 'object' && node.type !== 'array') {
    line.append(scalarView(ctx, node));
    if (comma) line.append(comma);
    return h('div', { class: 'j-node', role: 'treeitem' }, line);
  }
  const [open, close] = node.type === 'array' ? ['[', ']'] : ['{', '}'];
  const count = (node.shown ?? 0) + (node.omitted ?? 0);
  const element = h('div', { class: 'j-node', role: 'treeitem' });
  if (count === 0) {
    append(line, h('span', { class: 'j-punct' }, `${open}${close}`), comma);
    element.append(line);
    return element;
  }
  const toggle = h('button', { class: 'j-toggle', label: 'Fold or unfold' }, icon('chevron-right'));
  toggle.type = 'button';
  const summary = h(
    'span',
    { class: 'j-summary' },
    ` … ${close}`,
    h(
      'span',
      { class: 'muted' },
      ` ${count.toLocaleString('en-US')} ${node.type === 'array' ? (count === 1 ? 'item' : 'items') : count === 1 ? 'key' : 'keys'}`,
    ),
    comma,
  );
  const children = h('div', { class: 'j-children', role: 'group' });
  const closing = h('div', { class: 'j-line' }, h('span', { class: 'j-punct' }, close), comma?.cloneNode(true));
  line.prepend(toggle);
  line.append(h('span', { class: 'j-punct' }, open), summary);
  element.append(line, children, closing);
  let laidOut = false;
  const setOpen = (isOpen: boolean): void => {
    if (isOpen && !laidOut) {
      laidOut = true;
      layOutChildren(ctx, tree, node, spec, children, 0);
    }
    element.classList.toggle('open', isOpen);
    element.setAttribute('aria-expanded', String(isOpen));
    toggle.replaceChildren(icon(isOpen ? 'chevron-down' : 'chevron-right'));
  };
  toggle.addEventListener('click', () => setOpen(!element.classList.contains('open')));
  summary.addEventListener('click', () => setOpen(true));
  setOpen(node.depth <= OPEN_DEPTH);
  return element;
}

/** One page of a container's children, then a button for the next page (or a note for what was left out). */
function layOutChildren(ctx: PageContext, tree: JsonTree, node: JsonNode, spec: Spec, into: HTMLElement, from: number): void {
  const shown = node.shown ?? 0;
  const to = Math.min(shown, from + CHILDREN_PER_PAGE);
  const total = shown + (node.omitted ?? 0);
  for (let i = from; i < to; i++) into.append(nodeView(ctx, tree, node.first! + i, spec, i === total - 1));
  if (to < shown) {
    const more = linkButton(
      `Show ${Math.min(CHILDREN_PER_PAGE, shown - to).toLocaleString('en-US')} more of ${(shown - to).toLocaleString('en-US')}`,
      () => {
        more.remove();
        layOutChildren(ctx, tree, node, spec, into, to);
      },
      undefined,
      'j-more',
    );
    into.append(more);
  } else if (node.omitted) {
    into.append(
      h('div', { class: 'j-line muted' }, `… ${node.omitted.toLocaleString('en-US')} more not shown here (Open as JSON shows them)`),
    );
  }
}

function keyView(ctx: PageContext, node: JsonNode, spec: Spec): Node[] {
  if (node.key === undefined || typeof node.key === 'number') return [];
  const text = JSON.stringify(node.key.text);
  const help = keyHelp(spec, node.key.text);
  const key = help
    ? linkButton(text, () => ctx.openExternal(help.url), `${help.text}\nClick to open the spec.`, 'j-key j-known')
    : clipped({ text, ...(node.key.omitted ? { omitted: node.key.omitted } : {}) }, 'j-key');
  return [key, h('span', { class: 'j-punct' }, ': ')];
}

function scalarView(ctx: PageContext, node: JsonNode): Node {
  const value = node.value ?? { text: 'null' };
  const link = node.link;
  if (link) {
    const what = link.kind === 'layer' ? 'List the files in this layer' : link.kind === 'blob' ? 'Open this blob' : 'Open this manifest';
    return linkButton(clipped(value), () => ctx.go(link), what, `j-${node.type} j-link`);
  }
  return clipped(value, `j-${node.type}`);
}
