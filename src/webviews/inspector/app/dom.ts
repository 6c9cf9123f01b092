/**
 * The only way the webview makes DOM: elements with properties, and strings as text nodes.
 * Nothing here parses HTML (no innerHTML, no insertAdjacentHTML), so registry data can never
 * become markup or script, whatever it contains. Invisible, bidi and control characters in any
 * string become visible badges (`\u202E`) here too, so none can hide or reorder what is shown.
 */
import { visibleParts, visibleText, visibleTextKeepingLines } from '../../../core/text/visible-text';
import type { ClippedText } from '../protocol';

export type Child = Node | string | number | undefined | null | false;

export interface Props {
  class?: string;
  title?: string;
  role?: string;
  label?: string;
  tabIndex?: number;
  disabled?: boolean;
  onClick?: (event: Event) => void;
  /** Custom CSS properties (set through the CSSOM, which the CSP allows; `style` attributes it does not). */
  vars?: Record<string, string>;
  data?: Record<string, string>;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  if (props.title !== undefined) el.title = visibleTextKeepingLines(props.title);
  if (props.role) el.setAttribute('role', props.role);
  if (props.label) el.setAttribute('aria-label', props.label);
  if (props.tabIndex !== undefined) el.tabIndex = props.tabIndex;
  if (props.disabled && el instanceof HTMLButtonElement) el.disabled = true;
  if (props.onClick) el.addEventListener('click', props.onClick);
  for (const [name, value] of Object.entries(props.vars ?? {})) el.style.setProperty(name, value);
  for (const [name, value] of Object.entries(props.data ?? {})) el.dataset[name] = value;
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (typeof child === 'string') appendText(parent, child);
    else parent.appendChild(typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/**
 * A string as text nodes, each invisible, bidi or control character as a badge showing its escape
 * (`\u202E`, named in its tooltip), the way VS Code marks such characters in an editor.
 */
function appendText(parent: Node, text: string): void {
  for (const part of visibleParts(text)) {
    if (typeof part === 'string') {
      parent.appendChild(document.createTextNode(part));
    } else {
      const badge = document.createElement('span');
      badge.className = 'invisible-char';
      badge.title = part.name;
      badge.textContent = part.escape;
      parent.appendChild(badge);
    }
  }
}

/** Replaces an element's content with `text` (as {@link append} shows it). */
export function setText(el: Element, text: string): void {
  el.replaceChildren();
  appendText(el, text);
}

/** Plain text for where no markup goes (a document title, a tooltip set later): hidden characters as escapes. */
export function plainText(text: string): string {
  return visibleText(text);
}

/** Registry text, with a quiet note when it was cut. */
export function clipped(value: ClippedText, className?: string): HTMLSpanElement {
  return h(
    'span',
    { class: className ?? '' },
    value.text,
    value.omitted ? h('span', { class: 'omitted' }, ` … ${value.omitted.toLocaleString('en-US')} more characters`) : undefined,
  );
}

/** Names the tree uses that the bundled codicon font lacks. */
const ICON_ALIASES: Record<string, string> = { ship: 'package' };

/** A codicon; names come from the extension, and are checked anyway. */
export function icon(name: string, title?: string): HTMLSpanElement {
  const safe = /^[a-z0-9-]+$/.test(name) ? (ICON_ALIASES[name] ?? name) : 'question';
  return h('span', {
    class: `codicon codicon-${safe}`,
    ...(title ? { title } : {}),
    role: title ? 'img' : 'presentation',
    ...(title ? { label: title } : {}),
  });
}

/** A button that looks like a link (no href: registry text never becomes a URL the page follows). */
export function linkButton(content: Child | Child[], onClick: () => void, title?: string, className = ''): HTMLButtonElement {
  const button = h(
    'button',
    {
      class: `link ${className}`.trim(),
      ...(title ? { title } : {}),
      onClick: (e) => {
        e.preventDefault();
        onClick();
      },
    },
    ...(Array.isArray(content) ? content : [content]),
  );
  button.type = 'button';
  return button;
}

export function iconButton(name: string, title: string, onClick: () => void, disabled = false): HTMLButtonElement {
  const button = h(
    'button',
    {
      class: 'icon-button',
      title,
      label: title,
      disabled,
      onClick: (e) => {
        e.preventDefault();
        onClick();
      },
    },
    icon(name),
  );
  button.type = 'button';
  return button;
}

export function clear(el: Element): void {
  el.replaceChildren();
}
