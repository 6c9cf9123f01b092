import type * as Core from '../core/index';

let loaded: typeof Core | undefined;

/**
 * The registry core, loaded on first use. It is bundled separately as `dist/core.js` (undici alone
 * takes longer to load than activation may), so activating the extension never pays for it.
 */
export function core(): typeof Core {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('./core.js') as typeof Core;
  return loaded;
}
