/**
 * The comparison panel: a webview in the inspector's style (the shared page, CSP and request
 * protocol of src/webviews/shared) showing what changed between two images or two indexes, per
 * platform. Everything registry-side is done by the command that opened it, through the callbacks
 * of its ComparisonSource: the panel holds no session, only what it shows and how to ask for more.
 */
import * as vscode from 'vscode';
import { visibleText } from '../../core/text/visible-text';
import { webviewHtml, webviewOptions } from '../shared/html';
import { RequestRunner, type Handlers } from '../shared/requests';
import {
  COMPARISON_VIEW_TYPE,
  type ComparisonModel,
  type DiffKind,
  type FilesModel,
  type HostMessage,
  type PackagesModel,
  type Requests,
  type VulnerabilitiesModel,
} from './protocol';
import { advisoryUrl } from '../inspector/vulnerability-section';
import { checkComparisonParams, parseComparisonMessage } from './validate';

/** What the command hands the panel: the model, and how to do what the panel's buttons ask. */
export interface ComparisonSource {
  model: ComparisonModel;
  /** The comparison in words (the Copy Summary button), with the files, packages and findings compared so far. */
  summary(): string;
  /** The two references, for the panel to come back after a reload. */
  state: { before: string; after: string };
  openDiff(kind: DiffKind, platform: string | undefined): Promise<void>;
  compareFiles(platform: string | undefined, signal: AbortSignal, onLayer: (done: number, total: number) => void): Promise<FilesModel>;
  comparePackages(platform: string | undefined, signal: AbortSignal): Promise<PackagesModel>;
  compareVulnerabilities(platform: string | undefined, signal: AbortSignal): Promise<VulnerabilitiesModel>;
}

/** Sees everything the panel is sent (the e2e and secrets checks look at it). */
export type ComparisonWatcher = (sent: { html: string } | { message: HostMessage }) => void;

export class ComparisonPanel implements vscode.Disposable {
  private readonly closed = new AbortController();
  private readonly renderedWaiters: ((title: string) => void)[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly runner: RequestRunner<Requests>;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly source: ComparisonSource,
    extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private readonly watchers: ReadonlySet<ComparisonWatcher> = new Set(),
  ) {
    panel.webview.options = webviewOptions(extensionUri);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'registry-explorer.svg');
    // A tab title is plain text: hidden characters in a tag or repository name show as escapes.
    panel.title = visibleText(source.model.title);
    this.runner = new RequestRunner(this.handlers(), {
      name: 'Comparison',
      log,
      closed: this.closed.signal,
      post: (message) => this.post(message),
    });
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      panel.onDidDispose(() => this.dispose()),
    );
    panel.webview.html = webviewHtml(panel.webview, extensionUri, {
      script: 'comparison.js',
      styles: ['inspector.css', 'comparison.css'],
      title: 'Image Comparison',
    });
    this.tell({ html: panel.webview.html });
    void this.post({ type: 'start', model: source.model, state: source.state });
  }

  /** Resolves with the panel's title when the webview next reports the comparison laid out. */
  whenRendered(): Promise<string> {
    return new Promise((resolve) => this.renderedWaiters.push(resolve));
  }

  dispose(): void {
    this.closed.abort();
    this.runner.abortAll();
    for (const s of this.subscriptions.splice(0)) s.dispose();
  }

  private receive(raw: unknown): void {
    const message = parseComparisonMessage(raw);
    if (!message) {
      this.log.warn('Comparison: ignored a message of unknown shape from the panel.');
      return;
    }
    if (message.type === 'ready') void this.post({ type: 'start', model: this.source.model, state: this.source.state });
    else if (message.type === 'rendered') for (const resolve of this.renderedWaiters.splice(0)) resolve(message.title);
    else void this.runner.answer(message, checkComparisonParams(message, this.source.model));
  }

  private handlers(): Handlers<Requests> {
    return {
      compareFiles: ({ platform }, signal, id) =>
        this.source.compareFiles(platform, signal, (done, total) => void this.post({ type: 'filesProgress', id, done, total })),
      comparePackages: ({ platform }, signal) => this.source.comparePackages(platform, signal),
      compareVulnerabilities: ({ platform }, signal) => this.source.compareVulnerabilities(platform, signal),
      openAdvisory: async ({ id }) => {
        // Made from the identifier alone (checked above), so the page cannot send VS Code anywhere else.
        await vscode.env.openExternal(vscode.Uri.parse(advisoryUrl(id)!, true));
        return null;
      },
      openDiff: async ({ kind, platform }) => {
        await this.source.openDiff(kind, platform);
        return null;
      },
      copySummary: async () => {
        await vscode.env.clipboard.writeText(this.source.summary());
        vscode.window.setStatusBarMessage('Copied the comparison.', 3000);
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

  private tell(sent: { html: string } | { message: HostMessage }): void {
    for (const watcher of this.watchers) {
      try {
        watcher(sent);
      } catch {
        // A watcher's failure is its own; the panel carries on.
      }
    }
  }
}

/** A new panel beside the editors (or a restored one after a reload) showing `source`. */
export function showComparison(
  source: ComparisonSource,
  extensionUri: vscode.Uri,
  log: vscode.LogOutputChannel,
  restored?: vscode.WebviewPanel,
  watchers?: ReadonlySet<ComparisonWatcher>,
): ComparisonPanel {
  const panel =
    restored ??
    vscode.window.createWebviewPanel(COMPARISON_VIEW_TYPE, visibleText(source.model.title), vscode.ViewColumn.Active, {
      retainContextWhenHidden: true,
    });
  return new ComparisonPanel(panel, source, extensionUri, log, watchers);
}
