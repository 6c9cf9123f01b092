/** The extension's settings section, in a module of its own so pure code can name settings without importing vscode. */
export const SECTION = 'registryExplorer';
