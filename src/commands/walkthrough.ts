/**
 * The Get Started walkthrough (contributes.walkthroughs in package.json): opened once, the first
 * time the extension activates, unless the user turned off VS Code's own
 * `workbench.welcomePage.walkthroughs.openOnInstall` (a remote extension host does not see that
 * setting, so there it always opens once); always reachable from the view's … menu.
 */
import * as vscode from 'vscode';

const WALKTHROUGH_ID = 'gettingStarted';
const SHOWN_KEY = 'registryExplorer.walkthroughShown';

export function registerWalkthrough(context: vscode.ExtensionContext): vscode.Disposable[] {
  const open = () => vscode.commands.executeCommand('workbench.action.openWalkthrough', `${context.extension.id}#${WALKTHROUGH_ID}`, false);
  const wanted = vscode.workspace.getConfiguration('workbench.welcomePage').get<boolean>('walkthroughs.openOnInstall', true);
  if (wanted && !context.globalState.get<boolean>(SHOWN_KEY)) {
    void context.globalState.update(SHOWN_KEY, true);
    void open();
  }
  return [vscode.commands.registerCommand('registryExplorer.openWalkthrough', open)];
}
