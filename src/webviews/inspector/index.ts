/**
 * The inspector's extension-host side, bundled on its own as `dist/inspector.js` and loaded the
 * first time a panel opens (or is restored), so activation never pays for it.
 */
export { InspectorPanels, type InspectOptions, type InspectResult } from './panels';
export type { InspectorOutput, InspectorWatcher } from './panel';
