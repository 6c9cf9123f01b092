/**
 * The inspector webview's entry (bundled by esbuild into dist/webview/inspector.js, an IIFE for the
 * browser). It asks the extension host for everything and renders it as text; it never fetches.
 */
import { App } from './app';
import type { HostEvent, WebviewState } from '../protocol';
import { Rpc, type VsCodeApi } from './rpc';

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();
const rpc = new Rpc(api);
const app = new App(document.getElementById('app')!, rpc, api);

const saved = api.getState();
if (isState(saved)) app.restore(saved);
rpc.onEvent((event: HostEvent) => {
  // The host names the first location; a restored panel already knows where it was.
  if (event.type === 'start' && !app.started) app.go(event.location, event.page, event.answers);
});
rpc.notify({ type: 'ready' });

function isState(value: unknown): value is WebviewState {
  const state = value as Partial<WebviewState> | undefined;
  return Array.isArray(state?.history) && state.history.length > 0 && typeof state.index === 'number';
}
