/**
 * What "show me where it went" can do for a path on the machine the extension runs on. Revealing
 * in the operating system's file manager works only in a local desktop window: in a remote window
 * (SSH, WSL, containers, code-server) or a browser the OS is elsewhere and `revealFileInOS` does
 * nothing at all. So: reveal in VS Code's Explorer when the path is in the workspace; otherwise
 * the OS file manager on a local desktop, or open the folder (in a new window) and copy the path.
 * Pure, for unit tests; the command turns the choices into buttons.
 */

export type RevealChoice = 'Reveal in Explorer' | 'Reveal in File Manager' | 'Open Folder' | 'Copy Path';

export interface RevealPlace {
  /** The path is inside one of the workspace's folders. */
  inWorkspace: boolean;
  /** The window is remote or in a browser: the OS's file manager is not on the user's screen. */
  remoteOrWeb: boolean;
}

export function revealChoices(place: RevealPlace): RevealChoice[] {
  if (place.inWorkspace) return ['Reveal in Explorer', 'Copy Path'];
  if (!place.remoteOrWeb) return ['Reveal in File Manager', 'Copy Path'];
  return ['Open Folder', 'Copy Path'];
}
