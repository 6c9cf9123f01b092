/**
 * The editor features over image references, bundled on their own as `dist/image-features.js`
 * (with the YAML, JSONC and Dockerfile parsers) and loaded the first time a file that can hold
 * image references is shown, so activation never pays for them.
 */
export { ImageReferenceFeatures, type FeatureServices, type ReferenceEdit } from './features';
