import type * as ImageFeatures from './index';

let loaded: typeof ImageFeatures | undefined;

/** The editor features' code (`dist/image-features.js`), loaded on first use like the core. */
export function imageFeaturesModule(): typeof ImageFeatures {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('./image-features.js') as typeof ImageFeatures;
  return loaded;
}
