/**
 * The comparison webview's entry (bundled by esbuild into dist/webview/comparison.js, an IIFE for
 * the browser). The host sends the whole comparison once; this lays it out as text with the
 * inspector's building blocks and asks the host for files and diffs. It never fetches.
 */
import { Rpc, type Poster } from '../../shared/app/rpc';
import type { ComparisonState, HostEvent, Requests, WebviewMessage, WebviewNotice } from '../protocol';
import { renderComparison } from './render';

interface VsCodeApi extends Poster<WebviewMessage> {
  getState(): ComparisonState | undefined;
  setState(state: ComparisonState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();
const rpc = new Rpc<Requests, HostEvent, WebviewNotice>(api);
const root = document.getElementById('app')!;
let shown = false;

rpc.onEvent((event) => {
  if (event.type !== 'start' || shown) return;
  shown = true;
  // Kept so that after a reload the host can compare the same two again.
  api.setState(event.state);
  void renderComparison(root, event.model, rpc).then(() => rpc.notify({ type: 'rendered', title: event.model.title }));
});
rpc.notify({ type: 'ready' });
