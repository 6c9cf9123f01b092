/**
 * A webview panel's page, for every panel of the extension (the inspector, the comparison): a
 * strict Content Security Policy (no inline script or style; the one script runs by nonce), assets
 * only from the extension's `dist/webview/`, and no registry data at all: everything shown arrives
 * later as messages and is laid out as text. The script is `async` so it starts (and says it is
 * ready) without waiting for the stylesheets; #app is already parsed by then.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** Which bundle and stylesheets of `dist/webview/` a page loads. */
export interface WebviewAssets {
  /** `inspector.js` */
  script: string;
  /** Loaded in order after the codicons: `inspector.css`, … */
  styles: readonly string[];
  /** The document's title (fixed text, never registry data). */
  title: string;
}

export function webviewRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return { enableScripts: true, localResourceRoots: [webviewRoot(extensionUri)], enableFindWidget: true };
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, assets: WebviewAssets): string {
  const nonce = randomBytes(18).toString('base64');
  const asset = (name: string): string => webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot(extensionUri), name)).toString();
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const styles = ['codicon.css', ...assets.styles].map((name) => `<link rel="stylesheet" href="${asset(name)}">`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
${styles}
<title>${assets.title}</title>
</head>
<body>
<div id="app" aria-live="polite"></div>
<script nonce="${nonce}" src="${asset(assets.script)}" async></script>
</body>
</html>`;
}

/** The inspector's page. */
export function inspectorHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  return webviewHtml(webview, extensionUri, { script: 'inspector.js', styles: ['inspector.css'], title: 'Manifest Inspector' });
}
