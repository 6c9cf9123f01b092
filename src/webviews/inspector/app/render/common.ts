/** Building blocks every section uses: collapsible sections, tables, fact lists, digest links, copy buttons. */
import { clipped, h, icon, linkButton, type Child } from '../dom';
import type { Call, Rpc } from '../rpc';
import type { Fact, LayerFileTarget, Location, OpenJsonTarget } from '../../protocol';

/** What a page's renderers may do: navigate, ask the host, and leave work the page waits for. */
export interface PageContext {
  go(location: Location): void;
  /** Requests made for this page; they are cancelled when the page is left. */
  track<T>(call: Call<T>): Promise<T>;
  request: Rpc['request'];
  /** Asks the host to stop a request (its answer then comes back as cancelled). */
  cancel(id: number): void;
  copy(text: string, what: string): Promise<void>;
  openExternal(url: string): void;
  openJson(target: OpenJsonTarget): void;
  /** Opens a layer's file in an editor tab; a failure is flashed on the page. */
  openLayerFile(target: LayerFileTarget): void;
  /** Asks the host to save a layer's file to disk (it asks where); a refusal is flashed on the page. */
  saveLayerFile(target: LayerFileTarget): void;
  /** Work the page is not fully rendered without (sizes, referrers, a listing). */
  defer(work: Promise<unknown>): void;
}

export function section(
  title: string,
  iconName: string,
  body: Child | Child[],
  options: { note?: Child; open?: boolean; id?: string; actions?: Child[] } = {},
): HTMLDetailsElement {
  const details = h(
    'details',
    { class: 'section', ...(options.id ? { data: { section: options.id } } : {}) },
    h(
      'summary',
      {},
      icon(iconName),
      h('span', { class: 'section-title' }, title),
      options.note ? h('span', { class: 'section-note' }, options.note) : undefined,
      options.actions?.length ? h('span', { class: 'section-actions' }, ...options.actions) : undefined,
    ),
    h('div', { class: 'section-body' }, ...(Array.isArray(body) ? body : [body])),
  );
  details.open = options.open !== false;
  return details;
}

export function table(headers: string[], rows: HTMLTableRowElement[], className = ''): HTMLTableElement {
  return h(
    'table',
    { class: `grid ${className}`.trim() },
    h('thead', {}, h('tr', {}, ...headers.map((text) => h('th', {}, text)))),
    h('tbody', {}, ...rows),
  );
}

export function row(...cells: (Child | HTMLTableCellElement)[]): HTMLTableRowElement {
  return h('tr', {}, ...cells.map((cell) => (cell instanceof HTMLTableCellElement ? cell : h('td', {}, cell))));
}

export function cell(className: string, ...children: Child[]): HTMLTableCellElement {
  return h('td', { class: className }, ...children);
}

export function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  return digest.slice(colon + 1, colon + 13);
}

/** A short digest that opens its page; the full digest is in the tooltip. */
export function digestLink(ctx: PageContext, digest: string, location: Location | undefined): HTMLElement {
  const text = h('code', {}, shortDigest(digest));
  return location
    ? linkButton(text, () => ctx.go(location), `${digest}\nOpen`, 'digest')
    : h('span', { class: 'digest', title: digest }, text);
}

/** A fact's value; http(s) URLs open in the browser, long text folds. */
export function factValue(ctx: PageContext, fact: Fact): Node {
  const url = fact.url;
  if (!url) return longText(clipped(fact.value), fact.value.text.length);
  return linkButton([clipped(fact.value), icon('link-external')], () => ctx.openExternal(url), `Open ${url}`, 'external');
}

/** A copy button that says so for a moment once the host has put the text on the clipboard. */
export function copyButton(ctx: PageContext, label: string, text: string, what: string): HTMLButtonElement {
  const glyph = icon('copy');
  const button = h('button', { class: 'copy-button', title: `Copy ${what}: ${text}` }, glyph, label);
  button.type = 'button';
  button.addEventListener('click', () => {
    void ctx.copy(text, what).then(() => {
      glyph.className = 'codicon codicon-check';
      setTimeout(() => (glyph.className = 'codicon codicon-copy'), 1500);
    });
  });
  return button;
}

const LONG_TEXT = 400;

/** Long registry text (a description, a signature) folded to a few lines, with a button to show all of it. */
export function longText(content: HTMLElement, length: number): HTMLElement {
  if (length <= LONG_TEXT) return content;
  const box = h('div', { class: 'clamp' }, content);
  const more = linkButton(
    `Show all ${length.toLocaleString('en-US')} characters`,
    () => {
      box.classList.remove('clamp');
      more.remove();
    },
    undefined,
    'clamp-toggle',
  );
  return h('div', {}, box, more);
}

/** Count badges in a summary line, joined by " · "; `none` when there is none to show. */
export function badgeList(badges: readonly HTMLElement[], none: string): Child[] {
  return badges.length ? badges.flatMap((badge, i) => (i ? [' · ', badge] : [badge])) : [none];
}

export function muted(...children: Child[]): HTMLSpanElement {
  return h('span', { class: 'muted' }, ...children);
}

export function problem(text: string): HTMLParagraphElement {
  return h('p', { class: 'problem' }, icon('error'), ' ', text);
}

export function loading(text: string): HTMLParagraphElement {
  return h('p', { class: 'loading' }, icon('loading'), ' ', text);
}
