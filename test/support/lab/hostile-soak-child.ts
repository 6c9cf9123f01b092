// The client side of the hostile soak (hostile-soak.ts), in a process of its own: it runs the
// operations the parent asks for (ping, tag and catalog listings, resolve, manifest, referrers, pull
// to a layout, push, copies within and out of the hostile registry), one at a time, and answers each
// with its outcome, the error's code, message and details, and the request log lines it wrote. It
// installs no handler for uncaught errors: an unhandled one ends the process, as it would end VS
// Code's extension host, and the parent sees the exit. It samples its own memory, and after each
// session closes it counts the sockets it still holds; at the end it lets its event loop drain and
// exits on its own.
import { CoreError } from '../../../src/core/errors';
import { copy } from '../../../src/core/operations/copy';
import { pull, push } from '../../../src/core/operations/transfer';
import { createSession, type RegistrySession } from '../../../src/core/registry/session';
import type { RequestLogEntry } from '../../../src/core/transport/connection';
import type {
  ChildMessage,
  ClosedReport,
  HostileChildConfig,
  HostileOperation,
  ParentMessage,
  ReportedError,
  RoundResult,
} from './hostile-soak-protocol';

/** How long a closed session's sockets get to go. */
const SOCKETS_CLOSE_MS = 3_000;

// Seen before the process dies, so the parent can say what ended it.
process.on('uncaughtExceptionMonitor', (err, origin) => {
  process.stderr.write(`UNHANDLED (${origin}): ${(err as { code?: string }).code ?? ''} ${err.name}: ${err.message}\n${err.stack ?? ''}\n`);
});

const config = JSON.parse(process.argv[2] ?? '{}') as HostileChildConfig;
const warnings: string[] = [];
process.on('warning', (warning) => warnings.push(`${warning.name}: ${warning.message}`));

const memory = { peakRss: 0, peakHeap: 0 };
const sampleMemory = (): void => {
  const { rss, heapUsed } = process.memoryUsage();
  memory.peakRss = Math.max(memory.peakRss, rss);
  memory.peakHeap = Math.max(memory.peakHeap, heapUsed);
};
// Unref'd: sampling never keeps the process alive by itself.
const sampler = setInterval(sampleMemory, 100).unref();
const heapAfterCollection = (): number => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
};
const heapStart = heapAfterCollection();

let log: RequestLogEntry[] = [];
let session: RegistrySession | undefined;

function currentSession(): RegistrySession {
  session ??= createSession({
    hostsDirectories: [config.hostsDirectory],
    resolveRules: [config.resolveRule],
    registries: [{ url: `http://${config.plainRegistry}` }],
    credentials: { dockerConfigPath: config.dockerConfigPath },
    retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 },
    log: (entry) => log.push(entry),
    ...config.limits,
  });
  return session;
}

async function operate(operation: HostileOperation, destination: string): Promise<string | number> {
  const client = currentSession().registry(config.registry);
  const source = client.repository(config.repository);
  const options = { concurrency: 2, blobAttempts: 2 };
  switch (operation) {
    case 'ping': {
      const result = await client.ping();
      if (result.state === 'unreachable') throw result.error;
      return result.state;
    }
    case 'tags':
    case 'catalog': {
      let entries = 0;
      for await (const page of operation === 'tags' ? client.listTags(config.repository) : client.listRepositories())
        entries += page.length;
      return entries;
    }
    case 'resolve':
      return (await source.resolve(config.tag)).digest;
    case 'manifest':
      return (await source.getManifest(config.tag)).descriptor.digest;
    case 'referrers':
      return (await source.referrers(config.root.digest)).referrers.length;
    case 'pull-layout':
      return (await pull(source, config.tag, { kind: 'oci-layout', dir: destination }, options)).root.digest;
    case 'push-layout':
      return (
        await push(
          { kind: 'oci-layout', dir: config.layoutDir, refName: config.root.digest },
          client.repository(destination),
          config.tag,
          options,
        )
      ).root.digest;
    case 'copy':
    case 'copy-across': {
      const target = operation === 'copy' ? client : currentSession().registry(config.plainRegistry);
      return (await copy(source, target.repository(destination), config.root, { ...options, tag: config.tag, includeReferrers: true })).root
        .digest;
    }
  }
}

function reported(err: unknown): ReportedError {
  const details = (err as { details?: unknown }).details;
  return {
    coreError: err instanceof CoreError,
    name: String((err as Error)?.name),
    code: (err as { code?: unknown })?.code === undefined ? undefined : String((err as { code?: unknown }).code),
    message: String((err as Error)?.message ?? err),
    ...(details === undefined ? {} : { details: JSON.stringify(details) }),
    ...(err instanceof CoreError ? {} : { stack: String((err as Error)?.stack) }),
  };
}

async function run(index: number, operation: HostileOperation, destination: string): Promise<RoundResult> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), config.operationLimitMs);
  });
  const settled = await Promise.race([
    operate(operation, destination).then(
      (value) => ({ outcome: 'completed' as const, value }),
      (err: unknown) => ({ outcome: 'failed' as const, error: reported(err) }),
    ),
    hung.then(() => ({ outcome: 'hung' as const })),
  ]);
  clearTimeout(timer);
  sampleMemory();
  const entries = log;
  log = [];
  return { type: 'result', index, operation, ...settled, log: entries };
}

/** Closes the session and counts the sockets still open once they have had time to go. */
async function closeSession(): Promise<ClosedReport> {
  await session?.close();
  session = undefined;
  const sockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TLSWrap').length;
  const until = Date.now() + SOCKETS_CLOSE_MS;
  while (sockets() > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
  return { type: 'closed', openSockets: sockets() };
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

let finishing = false;
// A parent that went away (killed, crashed) takes this process with it.
process.on('disconnect', () => {
  if (!finishing) process.exit(3);
});

process.on('message', (message: ParentMessage) => {
  void (async () => {
    switch (message.type) {
      case 'run':
        return send(await run(message.index, message.operation, message.destination));
      case 'close':
        return send(await closeSession());
      case 'finish': {
        finishing = true;
        await closeSession();
        clearInterval(sampler);
        sampleMemory();
        send({
          type: 'memory',
          peakRssBytes: memory.peakRss,
          peakHeapBytes: memory.peakHeap,
          heapStartBytes: heapStart,
          heapEndBytes: heapAfterCollection(),
          warnings,
        });
        // Nothing of ours is left to keep the process alive: it ends when the client's last handle does.
        process.disconnect();
        return;
      }
    }
  })();
});
