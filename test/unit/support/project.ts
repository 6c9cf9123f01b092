// The project's root folder, for tests that read its files (package.json, fixtures, the built bundles).
// Tests run from out/test/unit/…; this module sits at out/test/unit/support/.
import { resolve } from 'node:path';

export const PROJECT = resolve(__dirname, '../../../..');
