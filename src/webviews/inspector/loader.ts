import type * as Inspector from './index';

let loaded: typeof Inspector | undefined;

/** The inspector's host code (`dist/inspector.js`), loaded on first use like the core. */
export function inspectorModule(): typeof Inspector {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('./inspector.js') as typeof Inspector;
  return loaded;
}
