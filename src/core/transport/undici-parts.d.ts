/**
 * Types for the undici modules the transport requires one by one (see http.ts): they are undici's
 * own classes and functions, typed by undici's index.
 */
declare module 'undici/lib/dispatcher/agent' {
  import { Agent } from 'undici';
  export = Agent;
}

declare module 'undici/lib/dispatcher/proxy-agent' {
  import { ProxyAgent } from 'undici';
  export = ProxyAgent;
}

declare module 'undici/lib/dispatcher/pool' {
  import { Pool } from 'undici';
  export = Pool;
}

declare module 'undici/lib/core/connect' {
  import { buildConnector } from 'undici';
  export = buildConnector;
}

declare module 'undici/lib/core/errors' {
  import { errors } from 'undici';
  export = errors;
}

declare module 'undici/lib/core/util' {
  /** Raw header pairs as undici's handlers receive them → an object of lower-case names (repeated ones as arrays). */
  export function parseHeaders(headers: (Buffer | string)[]): Record<string, string | string[]>;
}

declare module 'undici/lib/dispatcher/dispatcher' {
  import { Dispatcher } from 'undici';
  export = Dispatcher;
}

declare module 'undici/lib/api/api-connect' {
  import type { Dispatcher } from 'undici';
  /** A dispatcher's `connect` method (a CONNECT tunnel): call it with the dispatcher as `this`. */
  function connect(this: Dispatcher, options: Dispatcher.ConnectOptions): Promise<Dispatcher.ConnectData>;
  export = connect;
}
