/**
 * The open inspector panels: a manifest already on screen is revealed instead of opened twice,
 * and panels come back after a reload (the serializer hands over the webview's saved state).
 */
import * as vscode from 'vscode';
import type * as CoreApi from '../../core/index';
import type { RegistrySession } from '../../core/index';
import type { ContentCache } from '../../common/content-cache';
import { INSPECTOR_VIEW_TYPE, type Location, type ManifestLocation, type WebviewState } from './protocol';
import { InspectorPanel, type InspectorWatcher, type Rendered } from './panel';
import { InspectorService } from './service';
import { visibleText } from '../../core/text/visible-text';
import { titleFor } from './view-model';
import { isLocation } from './validate';

export interface InspectOptions {
  /** Resolve only once the page is fully laid out in the webview. */
  waitUntilRendered?: boolean;
}

export interface InspectResult {
  digest: string;
  /** Whether an open panel was revealed instead of a new one opened. */
  reused: boolean;
  rendered?: Rendered;
}

export class InspectorPanels implements vscode.Disposable {
  private readonly panels = new Set<InspectorPanel>();
  private readonly service: InspectorService;

  constructor(
    private readonly extensionUri: vscode.Uri,
    session: () => RegistrySession,
    core: typeof CoreApi,
    content: ContentCache,
    private readonly log: vscode.LogOutputChannel,
    private readonly watchers: ReadonlySet<InspectorWatcher> = new Set(),
  ) {
    this.service = new InspectorService(session, core, content);
  }

  async inspect(target: ManifestLocation, options: InspectOptions = {}): Promise<InspectResult> {
    const open = [...this.panels].find(
      (p) =>
        p.current?.kind === 'manifest' &&
        p.current.digest === target.digest &&
        p.host === target.host &&
        p.current.repository === target.repository,
    );
    if (open) {
      open.panel.reveal();
      return { digest: target.digest, reused: true };
    }
    const webviewPanel = vscode.window.createWebviewPanel(INSPECTOR_VIEW_TYPE, visibleText(titleFor(target)), vscode.ViewColumn.Active, {
      retainContextWhenHidden: false,
    });
    const panel = this.adopt(webviewPanel, target);
    const rendered = options.waitUntilRendered ? await panel.whenRendered() : undefined;
    return { digest: target.digest, reused: false, ...(rendered ? { rendered } : {}) };
  }

  /** After a reload: the webview's own saved history says where it was. */
  restore(webviewPanel: vscode.WebviewPanel, state: unknown): void {
    const saved = state as Partial<WebviewState> | undefined;
    const location = Array.isArray(saved?.history) ? saved.history[saved.index ?? 0] : undefined;
    if (!isLocation(location)) {
      webviewPanel.dispose();
      return;
    }
    this.adopt(webviewPanel, location);
  }

  dispose(): void {
    for (const panel of this.panels) panel.panel.dispose();
    this.panels.clear();
  }

  private adopt(webviewPanel: vscode.WebviewPanel, start: Location): InspectorPanel {
    const panel = new InspectorPanel(
      webviewPanel,
      start.host,
      start,
      this.extensionUri,
      this.service,
      this.log,
      (closed) => this.panels.delete(closed),
      this.watchers,
    );
    this.panels.add(panel);
    return panel;
  }
}
