/** A whole page, section by section, in the order people read it. */
import { h, icon, iconButton, type Child } from '../dom';
import type { HostEvent, PageModel } from '../../protocol';
import { problem, section, type PageContext } from './common';
import { renderAttestation } from './attestation';
import { renderHeader } from './header';
import { renderConfig, renderHistory } from './image';
import { renderJson } from './json-view';
import { renderImageFiles, renderLayerFiles } from './layer-files';
import { renderAnnotations, renderAttestedBy, renderFiles, renderReferrers } from './listings';
import { renderPlatforms } from './platforms';
import { renderSbom } from './sbom';
import { renderVex } from './vex';
import { renderImageScan, renderVulnerabilities } from './vulnerabilities';

export interface Navigation {
  canGoBack: boolean;
  canGoForward: boolean;
  back(): void;
  forward(): void;
}

export function toolbar(nav: Navigation, title: string, actions: Child[] = []): HTMLElement {
  return h(
    'nav',
    { class: 'toolbar', label: 'Inspector navigation' },
    iconButton('arrow-left', 'Back', () => nav.back(), !nav.canGoBack),
    iconButton('arrow-right', 'Forward', () => nav.forward(), !nav.canGoForward),
    h('span', { class: 'toolbar-title' }, title),
    h('span', { class: 'toolbar-actions' }, ...actions),
  );
}

export function renderPage(
  ctx: PageContext,
  page: PageModel,
  nav: Navigation,
  onEvent: (handler: (event: HostEvent) => void) => () => void,
): HTMLElement[] {
  const openJson = page.openJson;
  const actions = openJson ? [actionButton('json', 'Open as JSON', () => ctx.openJson(openJson))] : [];
  const parts: (HTMLElement | undefined)[] = [toolbar(nav, page.title, actions), renderHeader(ctx, page)];
  if (page.notice) parts.push(h('p', { class: 'notice' }, icon('info'), ' ', page.notice));
  if (page.omittedRows)
    parts.push(
      h(
        'p',
        { class: 'notice' },
        icon('info'),
        ` ${page.omittedRows.toLocaleString('en-US')} more entries are not listed here; Open as JSON shows all of them.`,
      ),
    );
  if (page.platforms) parts.push(...renderPlatforms(ctx, page));
  // What a document says (its claim, its packages, its findings, its VEX statements) before the payload it was decoded from.
  const [attestation, ...decoded] = renderAttestation(ctx, page);
  parts.push(attestation, renderSbom(page), renderVulnerabilities(ctx, page), renderVex(ctx, page), ...decoded);
  // On a config's own page the section needs no link to itself.
  parts.push(renderConfig(ctx, page.config ?? page.image?.config, page.location.kind === 'manifest' ? page.image : undefined));
  if (page.image) parts.push(renderHistory(ctx, page.image));
  parts.push(renderAttestedBy(ctx, page));
  parts.push(renderFiles(ctx, page));
  if (page.location.kind === 'layer') parts.push(renderLayerFiles(ctx, page.location, onEvent));
  // An index or an artifact says why in its notice; only an image's page lists files.
  if (page.location.kind === 'filesystem' && !page.notice) parts.push(renderImageFiles(ctx, page.location, onEvent));
  parts.push(renderAnnotations(ctx, page), renderReferrers(ctx, page), renderImageScan(ctx, page));
  if (page.json) parts.push(section(jsonTitle(page), 'json', renderJson(ctx, page.json, jsonSpec(page)), { id: 'json' }));
  return parts.filter((p): p is HTMLElement => p !== undefined);
}

export function errorPage(nav: Navigation, message: string, retry: () => void): HTMLElement[] {
  return [toolbar(nav, 'Could not open'), h('div', { class: 'error-page' }, problem(message), actionButton('refresh', 'Try again', retry))];
}

function actionButton(iconName: string, label: string, onClick: () => void): HTMLButtonElement {
  const button = h('button', { class: 'secondary-button', title: label }, icon(iconName), label);
  button.type = 'button';
  button.addEventListener('click', onClick);
  return button;
}

function jsonTitle(page: PageModel): string {
  if (page.location.kind === 'manifest') return page.platforms ? 'Index JSON' : 'Manifest JSON';
  return page.location.kind === 'blob' && page.location.role === 'config' ? 'Config JSON' : 'JSON';
}

function jsonSpec(page: PageModel): 'manifest' | 'config' | undefined {
  if (page.location.kind === 'manifest') return 'manifest';
  return page.location.kind === 'blob' && page.location.role === 'config' ? 'config' : undefined;
}
