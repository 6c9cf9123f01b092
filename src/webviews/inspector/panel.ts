/**
 * One inspector panel: the webview, its requests (each cancellable, all cancelled when the panel
 * closes) and the few things only the extension host may do for it (clipboard, editors, links).
 */
import * as vscode from 'vscode';
import { visibleText } from '../../core/text/visible-text';
import type { HostMessage, Location, RequestMessage, Requests } from './protocol';
import { jsonUri } from '../../common/json-uri';
import { layerFileUri } from '../../common/layer-file-uri';
import { inspectorHtml, webviewOptions } from '../shared/html';
import { Prefetch } from './prefetch';
import type { InspectorService } from './service';
import { RequestRunner, type Handlers } from '../shared/requests';
import { httpUrl } from './text';
import { checkParams, parseIncoming } from './validate';

export interface Rendered {
  location: Location;
  title: string;
}

/** What a panel was sent: its page's HTML, then each message posted to it. */
export type InspectorOutput = { html: string } | { message: HostMessage };

/** Sees everything panels are sent (the secrets test checks none of it holds a credential). */
export type InspectorWatcher = (sent: InspectorOutput) => void;

export class InspectorPanel implements vscode.Disposable {
  /** What the panel shows now (set as soon as the webview asks for a page). */
  current: Location | undefined;
  private readonly closed = new AbortController();
  private readonly renderedWaiters: ((rendered: Rendered) => void)[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly runner: RequestRunner<Requests>;
  /** The first page and what it will ask for next, read while the webview is still loading. */
  private readonly prefetch: Prefetch;

  constructor(
    readonly panel: vscode.WebviewPanel,
    /** The registry this panel reads from: requests for any other are refused. */
    readonly host: string,
    private readonly start: Location,
    extensionUri: vscode.Uri,
    private readonly service: InspectorService,
    private readonly log: vscode.LogOutputChannel,
    onClosed: (panel: InspectorPanel) => void,
    private readonly watchers: ReadonlySet<InspectorWatcher> = new Set(),
  ) {
    this.current = start;
    panel.webview.options = webviewOptions(extensionUri);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'registry-explorer.svg');
    this.runner = new RequestRunner(this.createHandlers(), {
      name: 'Inspector',
      log,
      closed: this.closed.signal,
      post: (message) => this.post(message),
    });
    this.prefetch = new Prefetch(service, start, this.closed.signal);
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      panel.onDidDispose(() => {
        this.dispose();
        onClosed(this);
      }),
    );
    panel.webview.html = inspectorHtml(panel.webview, extensionUri);
    this.tell({ html: panel.webview.html });
    // VS Code holds messages until the page has loaded, and a loaded page has its listener: sending
    // the first page as soon as it is read saves a round trip. 'ready' sends it again, in case.
    void this.sendStart();
  }

  /** Resolves when the webview next reports a page fully laid out (tests and the benchmark wait for it). */
  whenRendered(): Promise<Rendered> {
    return new Promise((resolve) => this.renderedWaiters.push(resolve));
  }

  dispose(): void {
    this.closed.abort();
    this.runner.abortAll();
    for (const s of this.subscriptions.splice(0)) s.dispose();
  }

  private receive(raw: unknown): void {
    const message = parseIncoming(raw);
    if (!message) {
      this.log.warn('Inspector: ignored a message of unknown shape from the panel.');
      return;
    }
    if (message.type === 'ready') {
      void this.sendStart();
    } else if (message.type === 'rendered') {
      this.current = message.location;
      for (const resolve of this.renderedWaiters.splice(0)) resolve({ location: message.location, title: message.title });
    } else {
      void this.answer(message);
    }
  }

  /** The first location, with its page when it could be read (the webview ignores repeats). */
  private async sendStart(): Promise<void> {
    const page = await this.prefetch.page;
    await this.prefetch.answered();
    await this.post({ type: 'start', location: this.start, ...(page ? { page, answers: this.prefetch.takeAnswers() } : {}) });
  }

  private answer(request: RequestMessage): Promise<void> {
    return this.runner.answer(request, checkParams(request, this.host));
  }

  private createHandlers(): Handlers<Requests> {
    return {
      page: async (location, signal) => {
        this.current = location;
        const page = await this.service.page(location, signal);
        // A tab title is plain text: hidden characters in a tag or repository name show as escapes.
        this.panel.title = visibleText(page.title);
        return page;
      },
      imageSizes: (params, signal) => this.service.imageSizes(params, signal),
      referrers: (params, signal) => this.service.referrers(params, signal),
      imageScan: (params, signal) => this.service.imageScan(params, signal),
      listLayer: (location, signal, id) =>
        this.service.listLayer(location, signal, (progress) => void this.post({ type: 'layerProgress', id, ...progress })),
      layerChildren: (params) => this.service.layerChildren(params),
      listImageFiles: (location, signal, id) =>
        this.service.listImageFiles(location, signal, (progress) => void this.post({ type: 'layerProgress', id, ...progress })),
      imageFilesChildren: (params) => this.service.imageFilesChildren(params),
      openJson: async (target) => {
        const doc = await vscode.workspace.openTextDocument(jsonUri(target));
        await vscode.languages.setTextDocumentLanguage(doc, 'json');
        await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
        return null;
      },
      // The document provider reads the file (with progress); a failure comes back to the page.
      openLayerFile: async (target) => {
        const doc = await vscode.workspace.openTextDocument(layerFileUri(target));
        await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
        return null;
      },
      // The command asks where and shows its own progress and outcome, so the page does not wait for
      // the save (which goes on if the panel closes); it only needs to know the request was taken.
      saveLayerFile: (target) => {
        void vscode.commands.executeCommand('registryExplorer.saveLayerFile', target);
        return null;
      },
      copy: async ({ text, what }) => {
        await vscode.env.clipboard.writeText(text);
        vscode.window.setStatusBarMessage(`Copied the ${what}.`, 3000);
        return null;
      },
      openExternal: async ({ url }) => {
        const safe = httpUrl(url);
        if (!safe) throw new Error('Only http and https links open from the inspector.');
        await vscode.env.openExternal(vscode.Uri.parse(safe, true));
        return null;
      },
      cancel: ({ id }) => {
        this.runner.cancel(id);
        return null;
      },
    };
  }

  private post(message: HostMessage): Thenable<boolean> {
    if (this.closed.signal.aborted) return Promise.resolve(false);
    this.tell({ message });
    return this.panel.webview.postMessage(message);
  }

  private tell(sent: InspectorOutput): void {
    for (const watcher of this.watchers) {
      try {
        watcher(sent);
      } catch {
        // A watcher's failure is its own; the panel carries on.
      }
    }
  }
}
