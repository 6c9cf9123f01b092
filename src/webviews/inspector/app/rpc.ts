/** The inspector's end of its protocol: the shared webview Rpc (src/webviews/shared/app/rpc.ts) on the inspector's messages. */
import { Rpc as PanelRpc } from '../../shared/app/rpc';
import type { HostEvent, Requests, WebviewMessage, WebviewNotice, WebviewState } from '../protocol';

export { RequestError, type Call } from '../../shared/app/rpc';

export interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): WebviewState | undefined;
  setState(state: WebviewState): void;
}

export class Rpc extends PanelRpc<Requests, HostEvent, WebviewNotice> {}
