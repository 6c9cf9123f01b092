/**
 * `npm run demo`: a lab registry with sample content and a real VS Code with the packaged extension
 * installed and that registry configured. Prints the URL to open; Ctrl+C stops everything.
 *   DEMO_PORT (default 8080): the VS Code port;  DEMO_REGISTRY_PORT (default 5000): the registry's.
 */
import { join, resolve } from 'node:path';
import { Lab } from '../support/lab/registry';
import { seedSampleContent } from '../support/lab/content';
import { isPortFree } from '../support/lab/ports';
import { startVsCodeServer } from './vscode-server';

async function main(): Promise<void> {
  const project = resolve(__dirname, '../../..');
  const lab = await Lab.create();
  const wanted = Number(process.env.DEMO_REGISTRY_PORT ?? 5000);
  const registry = await lab.startRegistry({ name: 'demo', ...((await isPortFree(wanted)) ? { port: wanted } : {}) });
  const content = await seedSampleContent(registry);
  const server = await startVsCodeServer({
    vsix: join(project, 'oci-registry-explorer.vsix'),
    port: Number(process.env.DEMO_PORT ?? 8080),
    machineSettings: { 'registryExplorer.registries': [{ url: registry.url, name: 'Demo lab registry' }] },
  });
  const stop = async () => {
    await server.stop();
    await lab.stopAll();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  console.log(
    `\nDemo registry: ${registry.url} (${content.repositories.length} repositories; try: skopeo inspect --tls-verify=false docker://${registry.host}/apps/web:v1)`,
  );
  console.log(`VS Code with OCI Registry Explorer: ${server.workbenchUrl()}`);
  console.log(
    'Open the URL in a browser (from another machine: ssh -L 8080:127.0.0.1:8080 this-host), click "Registries" in the activity bar. Ctrl+C stops.\n',
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
