/**
 * Runs the extension in a real VS Code (code-server + Debian's Chromium) against a lab registry.
 *   node out/test/e2e/run.js integration   mocha suite in the extension host, against the packaged .vsix
 *   node out/test/e2e/run.js e2e           a person's path through the UI, with screenshots (person-path,
 *                                          inspector-path, cancel-path, login-path, walkthrough-path,
 *                                          editor-path, provider-path, cloud-api-path,
 *                                          cleanup-untagged-path, harbor-path,
 *                                          restricted-path, big-registry-path, trips-path,
 *                                          foreign-layer-path;
 *                                          E2E_ONLY=editor|cleanup|foreign|inspector|attestation|big|trips|clouds|harbor
 *                                          runs one (editor: with the Restricted Mode path))
 * Both need the .vsix (`npm run package`) and exit non-zero on failure.
 */
// First: this run's temporary folders (VS Code profiles, logins, contract servers' homes) go under one folder removed at exit.
import '../support/temp-root';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { format } from 'node:util';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { Lab } from '../support/lab/registry';
import { DockerDaemon } from '../support/lab/docker-daemon';
import { seedSampleContent } from '../support/lab/content';
import { startVsCodeServer } from './vscode-server';
import { openWorkbench } from './workbench';
import { addRegistry, describeTreeRows, openView } from './ui';
import { runPersonPath } from './person-path';
import { seedHostileContent } from './hostile-content';
import { runAttestationPath } from './attestation-path';
import { runInspectorPath } from './inspector-path';
import { runCancelPath } from './cancel-path';
import { runLoginPath, seedPrivateContent } from './login-path';
import { runWalkthroughPath } from './walkthrough-path';
import { runEditorPath } from './editor-path';
import { runRestrictedPath } from './restricted-path';
import { runProviderPath } from './provider-path';
import { runHarborPath } from './harbor-path';
import { runCloudApiPath } from './cloud-api-path';
import { runCleanupComparePath } from './cleanup-compare-path';
import { runCleanupUntaggedPath } from './cleanup-untagged-path';
import { runBigRegistryPath } from './big-registry-path';
import { describeBulk, seedBulkContent } from '../support/lab/bulk-content';
import { FaultProxy, RecordingServer } from '../support/lab/fault-proxy';
import { runTripsPath } from './trips-path';
import { runForeignLayerPath } from './foreign-layer-path';
import type { LabRegistry } from '../support/lab/registry';
import { startProviderLab, type ProviderLab } from '../support/lab/vendors/provider-lab';
import { startCloudApiLab, type CloudApiLab } from '../support/lab/vendors/cloud-api-lab';
import { BUILT_IN_AUTH, packageStandIn } from './github-stand-in-package';
import type { VendorDeletesDescription } from '../support/lab/vendors/vendor-deletes';

const PROJECT = resolve(__dirname, '../../..');
const VSIX = join(PROJECT, 'oci-registry-explorer.vsix');
const RUN_LIMIT_MS = 10 * 60_000;

async function main(mode: string): Promise<number> {
  if (!existsSync(VSIX)) throw new Error(`${VSIX} is missing: run "npm run package" first.`);
  const lab = await Lab.create();
  try {
    // It takes manifests whose foreign layers are hosted on loopback (the foreign-layer path pushes one).
    const registry = await lab.startRegistry({ name: 'e2e-http', foreignLayers: true });
    const content = await seedSampleContent(registry);
    // GitHub's and Docker Hub's contract servers, reached as ghcr.io and docker.io.
    // In integration mode, also a GHCR package the suite deletes from (the e2e paths do not list it).
    const providers = await startProviderLab(lab, { deletes: mode === 'integration' });
    if (mode === 'integration') {
      // Pull into Docker loads into a real daemon the lab starts; the extension host gets its
      // DOCKER_HOST in its environment, as a user's VS Code gets it from their shell (if a start
      // here fails, the daemon's exit hook ends it with the process).
      const [basic, token, tls, noDelete, big, daemon] = await Promise.all([
        lab.startRegistry({ name: 'e2e-basic', auth: 'basic' }),
        lab.startRegistry({ name: 'e2e-token', auth: 'token' }),
        lab.startRegistry({ name: 'e2e-tls', tls: 'ca' }),
        lab.startRegistry({ name: 'e2e-nodelete', deleteEnabled: false }),
        lab.startRegistry({ name: 'e2e-big' }),
        DockerDaemon.start(),
      ]);
      try {
        const bulk = await seedBulkContent(big);
        const description = {
          // The log is read by the editor tests to count the requests the registry saw.
          registry: { url: registry.url, host: registry.host, logPath: registry.logPath },
          content,
          basic: { url: basic.url, host: basic.host, ...lab.user },
          // Token auth: alice may do anything, bob only pull; the secrets test asks the realm for tokens itself.
          token: {
            url: token.url,
            host: token.host,
            ...lab.user,
            readOnly: lab.readOnlyUser,
            realm: token.tokenServer!.realm,
            service: token.tokenService!,
          },
          tls: { url: tls.url, host: tls.host, caCertPath: tls.caCertPath },
          providers: providers.description,
          noDelete: { url: noDelete.url, host: noDelete.host },
          // A registry the size of a real one (1,000 tags, a catalog of several pages); tests put a counting proxy in front.
          big: { url: big.url, host: big.host, bulk: describeBulk(bulk) },
        };
        // ACR's and ECR's contracts with untagged manifests, for Clean Up, and an ECR repository for
        // Delete; the AWS keys the tests set themselves.
        // Described in a file: the workbench URL carries the description, and it has a length limit.
        const cloudDir = mkdtempSync(join(process.env.E2E_TMP ?? tmpdir(), 'cloud-tools-'));
        const cloudApis = await startCloudApiLab(lab, cloudDir, { untagged: true, deletes: true });
        const cloudsFile = join(cloudDir, 'clouds.json');
        writeFileSync(cloudsFile, JSON.stringify(cloudApis.description));
        const vendorDeletesFile = join(cloudDir, 'vendor-deletes.json');
        const vendorDeletes: VendorDeletesDescription = { ghcr: providers.ghcrDeletes!, ecr: cloudApis.description.deletes! };
        writeFileSync(vendorDeletesFile, JSON.stringify(vendorDeletes));
        try {
          return await runIntegration(
            registry.url,
            JSON.stringify({ ...description, cloudsFile, vendorDeletesFile }),
            providers,
            daemon.env,
          );
        } finally {
          await cloudApis.stop();
        }
      } finally {
        await daemon.stop();
      }
    }
    if (mode === 'e2e') {
      // ECR's and Google's APIs, and the AWS profile and cloud helpers a user's machine has.
      const cloudApis = await startCloudApiLab(lab, mkdtempSync(join(process.env.E2E_TMP ?? tmpdir(), 'cloud-tools-')));
      try {
        return await runEndToEnd(registry, providers, cloudApis);
      } finally {
        await cloudApis.stop();
      }
    }
    throw new Error(`unknown mode "${mode}": use integration or e2e`);
  } finally {
    await lab.stopAll();
  }
}

/** The foreign-layer path, with a server standing for the layer's host that records any connection. */
async function foreignLayerPath(page: Page, options: { screenshots: string; registry: LabRegistry }): Promise<void> {
  const foreignHost = await RecordingServer.start();
  try {
    await runForeignLayerPath(page, { ...options, foreignHost });
  } finally {
    await foreignHost.stop();
  }
}

/**
 * Docker and Podman login files in a fresh folder: the tests see no logins of the machine they run
 * on (the tree would list them as discovered registries), and write their own where they need some.
 */
function isolatedLogins(): Record<string, string> {
  const dir = mkdtempSync(join(process.env.E2E_TMP ?? tmpdir(), 'logins-'));
  return { DOCKER_CONFIG: dir, REGISTRY_AUTH_FILE: join(dir, 'auth.json') };
}

/**
 * Podman's registries.conf for the integration suite and the editor path: a short-name alias that
 * leads to the lab registry (a Quadlet unit is read through it), named by the variable Podman reads.
 */
function podmanShortNames(registryUrl: string): Record<string, string> {
  const dir = mkdtempSync(join(process.env.E2E_TMP ?? tmpdir(), 'containers-'));
  const conf = join(dir, 'registries.conf');
  writeFileSync(conf, `[aliases]\n"lab-alpine" = "${new URL(registryUrl).host}/library/alpine"\n`);
  return { CONTAINERS_REGISTRIES_CONF: conf };
}

/**
 * VS Code's GitHub and Microsoft sign-ins are replaced by a stand-in extension whose sessions carry
 * the contract servers' tokens (github.com and Microsoft's login are out of reach): packaged,
 * installed, the built-in ones disabled.
 */
function githubStandIn(providers: ProviderLab): { extraVsix: string[]; skipBuiltinExtensions: string[]; env: Record<string, string> } {
  const dir = mkdtempSync(join(process.env.E2E_TMP ?? tmpdir(), 'stand-in-'));
  return {
    extraVsix: [packageStandIn(dir)],
    skipBuiltinExtensions: BUILT_IN_AUTH,
    env: {
      GITHUB_STAND_IN_LOGIN: providers.description.github.login,
      GITHUB_STAND_IN_TOKEN: providers.description.github.token,
      GITHUB_STAND_IN_WRITE_TOKEN: providers.description.github.writeToken,
      GITHUB_STAND_IN_RECORD: join(dir, 'scopes-asked.jsonl'),
      MICROSOFT_STAND_IN_ACCOUNT: providers.description.acr.account,
      MICROSOFT_STAND_IN_TOKEN: providers.description.acr.entraToken,
    },
  };
}

/** The integration suite runs inside the extension host, loaded from the unpacked .vsix. */
async function runIntegration(
  registryUrl: string,
  labJson: string,
  providers: ProviderLab,
  dockerEnv: { DOCKER_HOST: string },
): Promise<number> {
  // Debug level, so the log holds every request line: the secrets test reads it all.
  const standIn = githubStandIn(providers);
  const server = await startVsCodeServer({
    logLevel: 'debug',
    ...standIn,
    env: { ...isolatedLogins(), ...standIn.env, ...dockerEnv, ...podmanShortNames(registryUrl) },
  });
  const unpacked = join(server.runDir, 'vsix');
  const unzip = spawnSync('python3', ['-m', 'zipfile', '-e', VSIX, unpacked]);
  if (unzip.status !== 0) throw new Error(`could not unpack ${VSIX}: ${unzip.stderr}`);
  const workbench = await openWorkbench();
  try {
    let finish: (code: number) => void = () => undefined;
    const finished = new Promise<number>((r) => (finish = r));
    await workbench.page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
      const line = format(...args);
      // The gallery is unreachable on purpose; its lookups are noise.
      if (!/ENOTFOUND|open-vsx/.test(line)) console.log(line);
    });
    await workbench.page.exposeFunction('codeAutomationExit', (code: number) => finish(code));
    await workbench.page.goto(
      server.workbenchUrl([
        ['extensionDevelopmentPath', server.remote(join(unpacked, 'extension'))],
        ['extensionTestsPath', server.remote(join(PROJECT, 'out/test/integration/index.js'))],
        [
          'extensionEnvironment',
          JSON.stringify({
            REGISTRY_EXPLORER_LAB: labJson,
            REGISTRY_EXPLORER_LAB_URL: registryUrl,
            // See test/integration/index.ts: runs the suites whose file names contain it.
            ...(process.env.INTEGRATION_ONLY ? { INTEGRATION_ONLY: process.env.INTEGRATION_ONLY } : {}),
          }),
        ],
      ]),
    );
    const timeout = new Promise<number>((r) =>
      setTimeout(() => {
        console.error(`[integration] no result within ${RUN_LIMIT_MS / 60000} minutes`);
        r(124);
      }, RUN_LIMIT_MS).unref(),
    );
    return await Promise.race([finished, timeout]);
  } finally {
    await workbench.close();
    await server.stop();
  }
}

/** A person's path through the UI, on the .vsix installed the way a user installs it. */
async function runEndToEnd(registry: LabRegistry, providers: ProviderLab, cloudApis: CloudApiLab): Promise<number> {
  const registryUrl = registry.url;
  const screenshots = join(PROJECT, 'test/e2e/screenshots');
  mkdirSync(screenshots, { recursive: true });
  const logins = isolatedLogins();
  const standIn = githubStandIn(providers);
  const server = await startVsCodeServer({
    vsix: VSIX,
    ...standIn,
    env: { ...logins, ...standIn.env, ...cloudApis.description.env, ...podmanShortNames(registryUrl) },
    // Machine-scoped, so from the remote machine's settings: ghcr.io and docker.io lead to the contract servers.
    machineSettings: {
      'registryExplorer.resolveRules': [...providers.description.resolveRules, ...cloudApis.description.resolveRules],
      'registryExplorer.hostsDirectories': [...providers.description.hostsDirectories, ...cloudApis.description.hostsDirectories],
    },
  });
  const workbench = await openWorkbench();
  try {
    await workbench.page.goto(server.workbenchUrl());
    const editorPath = (freshInstall = false) =>
      runEditorPath(workbench.page, { registryUrl, workspace: join(server.runDir, 'workspace'), screenshots, freshInstall });
    const only = process.env.E2E_ONLY;
    // E2E_ONLY=<name> runs one path alone, for work on it: each needs only the seeded content or what it sets up itself.
    const alone: Record<string, { what: string; run: () => Promise<void> }> = {
      editor: {
        what: 'editor paths',
        run: async () => {
          await editorPath(true);
          await runRestrictedPath(workbench.page, { registry, vsix: VSIX, env: isolatedLogins(), screenshots });
        },
      },
      cleanup: { what: 'clean-up and comparison path', run: () => runCleanupComparePath(workbench.page, { screenshots, registry }) },
      // It pushes its own image.
      foreign: { what: 'foreign-layer path', run: () => foreignLayerPath(workbench.page, { screenshots, registry }) },
      // It pushes its own index and referrer, and opens them from the palette.
      attestation: { what: 'attestation path', run: () => runAttestationPath(workbench.page, { screenshots, registry }) },
      // The person path adds the registry the inspector path browses.
      inspector: {
        what: 'inspector path',
        run: async () => {
          await runPersonPath(workbench.page, { registryUrl, screenshots, dockerConfigDir: logins.DOCKER_CONFIG! });
          await runInspectorPath(workbench.page, { registryUrl, screenshots, hostile: await seedHostileContent(registry) });
        },
      },
    };
    const single = only ? alone[only] : undefined;
    if (single) {
      await single.run();
      console.log(`[e2e] ${single.what} passed; screenshots in ${screenshots}`);
      return 0;
    }
    // E2E_ONLY=big, trips or harbor runs that path alone (after opening the view), for work on it.
    if (!only) {
      await runPersonPath(workbench.page, { registryUrl, screenshots, dockerConfigDir: logins.DOCKER_CONFIG! });
      // Seeded only now, so the tree's screenshots above do not list it.
      const hostile = await seedHostileContent(registry);
      await runInspectorPath(workbench.page, { registryUrl, screenshots, hostile });
      await runAttestationPath(workbench.page, { screenshots, registry });
      await runCancelPath(workbench.page, { screenshots, target: registry });
      await runCleanupComparePath(workbench.page, { screenshots, registry });
      await foreignLayerPath(workbench.page, { screenshots, registry });
      // Last: it replaces the config.json step 10 wrote, and its registry is not in the earlier screenshots.
      const basic = await registry.lab.startRegistry({ name: 'e2e-basic', auth: 'basic' });
      await seedPrivateContent(basic);
      await runLoginPath(workbench.page, { screenshots, registry: basic, dockerConfigDir: logins.DOCKER_CONFIG! });
      await runWalkthroughPath(workbench.page, { screenshots });
    } else {
      await openView(workbench.page);
      if (only === 'trips') await addRegistry(workbench.page, registryUrl, 'Lab registry');
    }
    // E2E_ONLY=clouds runs the ECR and Artifact Registry path alone, and the clean-up of untagged manifests on ECR.
    if (only === 'clouds') {
      await runCloudApiPath(workbench.page, { screenshots, clouds: cloudApis.description, dockerConfigDir: logins.DOCKER_CONFIG! });
      await runCleanupUntaggedPath(workbench.page, { screenshots, clouds: cloudApis.description, registry: cloudApis.registry });
      console.log(`[e2e] ECR and Artifact Registry path passed; screenshots in ${screenshots}`);
      return 0;
    }
    if (!only || only === 'big') {
      // A registry the size of a real one, behind a proxy that counts what the tree asks of it.
      const big = await registry.lab.startRegistry({ name: 'e2e-big' });
      const bulk = await seedBulkContent(big);
      const proxy = await FaultProxy.start(big);
      try {
        await runBigRegistryPath(workbench.page, { screenshots, proxy, bulk });
      } finally {
        await proxy.stop();
      }
    }
    if (!only || only === 'trips') {
      const [webSite, flaky] = await Promise.all([RecordingServer.start(), FaultProxy.start(registry)]);
      try {
        await runTripsPath(workbench.page, {
          screenshots,
          registryHost: registry.host,
          workspace: join(server.runDir, 'workspace'),
          webSite,
          flaky,
          emptyWindowUrl: server.emptyWindowUrl(),
        });
      } finally {
        await Promise.all([webSite.stop(), flaky.stop()]);
      }
    }
    if (!only) {
      await runProviderPath(workbench.page, {
        screenshots,
        providers: providers.description,
        scopesAsked: standIn.env.GITHUB_STAND_IN_RECORD!,
      });
      await runCloudApiPath(workbench.page, { screenshots, clouds: cloudApis.description, dockerConfigDir: logins.DOCKER_CONFIG! });
      // On the ECR registry the cloud path added (screenshots 86, 87).
      await runCleanupUntaggedPath(workbench.page, { screenshots, clouds: cloudApis.description, registry: cloudApis.registry });
    }
    if (!only || only === 'harbor') {
      // Harbor, recognised without a setting and named in the remote settings.json (screenshots 73–76).
      await runHarborPath(workbench.page, {
        screenshots,
        harbor: providers.description.harbor,
        machineSettingsFile: join(server.runDir, 'user-data/Machine/settings.json'),
      });
    }
    if (!only) {
      // After the tree's paths: it leaves the Explorer in the side bar.
      await editorPath();
      // Last: a second VS Code, with workspace trust on and the folder not trusted.
      await runRestrictedPath(workbench.page, { registry, vsix: VSIX, env: isolatedLogins(), screenshots });
    }
    console.log(`[e2e] passed; screenshots in ${screenshots}`);
    return 0;
  } catch (err) {
    await workbench.page.screenshot({ path: join(screenshots, 'failure.png') }).catch(() => undefined);
    const tree = await describeTreeRows(workbench.page).catch((e: unknown) => `(could not read the tree: ${String(e)})`);
    console.error(`[e2e] failed: ${(err as Error).stack ?? err}\n[e2e] the page at the failure: ${join(screenshots, 'failure.png')}`);
    console.error(`[e2e] the tree's rows at the failure:\n${tree}`);
    return 1;
  } finally {
    await workbench.close();
    await server.stop();
  }
}

main(process.argv[2] ?? '').then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
