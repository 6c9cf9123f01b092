// The measuring half of bench/inspector.ts, loaded by VS Code as `extensionTestsPath`: it runs inside
// the extension host, where the command is, and reports its figures through the console.
import * as vscode from 'vscode';

const EXTENSION_ID = 'oci-registry-explorer.oci-registry-explorer';
const RESULT_PREFIX = 'INSPECTOR_BENCH_RESULT ';

interface Plan {
  warmUp: string;
  references: string[];
}

async function inspect(reference: string): Promise<number> {
  const started = performance.now();
  const result = await vscode.commands.executeCommand<{ rendered?: unknown } | undefined>('registryExplorer.inspect', {
    reference,
    waitUntilRendered: true,
  });
  const elapsed = performance.now() - started;
  if (!result?.rendered) throw new Error(`bench: inspecting ${reference} did not render a panel`);
  return elapsed;
}

/**
 * The floor no panel can beat here: an empty webview whose inline script posts one message. It is
 * what VS Code itself takes to make a webview (frame, service worker, resources) on this machine.
 */
async function emptyWebview(): Promise<number> {
  const started = performance.now();
  const panel = vscode.window.createWebviewPanel('registryExplorer.benchEmpty', 'empty', vscode.ViewColumn.Active, { enableScripts: true });
  const posted = new Promise<void>((resolve) => panel.webview.onDidReceiveMessage(() => resolve()));
  panel.webview.html = '<!DOCTYPE html><html><body><script>acquireVsCodeApi().postMessage("ready")</script></body></html>';
  await posted;
  const elapsed = performance.now() - started;
  panel.dispose();
  return elapsed;
}

export async function run(): Promise<void> {
  const plan = JSON.parse(process.env.INSPECTOR_BENCH ?? '{}') as Plan;
  await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
  // Warm: the connection to the registry, the inspector's code and the webview's assets.
  await inspect(plan.warmUp);
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  const cold: number[] = [];
  for (const reference of plan.references) {
    cold.push(await inspect(reference));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  }
  const cached: number[] = [];
  for (const reference of plan.references) {
    cached.push(await inspect(reference));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  }
  const floor: number[] = [];
  for (let i = 0; i < plan.references.length; i++) floor.push(await emptyWebview());
  console.log(`${RESULT_PREFIX}${JSON.stringify({ cold, cached, floor })}`);
}
