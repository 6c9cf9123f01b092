// One hostile-registry scenario in a process of its own: `node hostile-child.js <scenario name>`
// (or `--property <runs> <seed>`). It starts the hostile server, runs the client operation against
// it, lets every deferred callback run, and prints one JSON line with the outcome. It installs no
// handler for uncaught errors: an unhandled one ends this process before that line, as it would
// end VS Code's extension host, and the parent test sees the exit code and the stderr.
import { CoreError } from '../../../src/core/errors';
import { createSession } from '../../../src/core/registry/session';
import { HostileRegistry } from './hostile-registry';
import { manifestProperty, SCENARIO_LIMITS, SCENARIOS } from './hostile-scenarios';

/** A scenario that has not settled by now is reported as hung (the fix bounds every body well below it). */
const HUNG_AFTER_MS = 15_000;
/** The same for the property's runs together (each bounded by the scenario limits: a few seconds at most). */
const PROPERTY_HUNG_AFTER_MS = 100_000;
/** Time for deferred failures to surface after the operation settles (undici destroys bodies on setImmediate). */
const SETTLE_MS = 400;

export interface ChildReport {
  outcome: 'resolved' | 'rejected' | 'hung';
  value?: unknown;
  code?: string;
  name?: string;
  message?: string;
  /** True when the rejection was a CoreError. */
  coreError?: boolean;
}

// Seen before the process dies, so the parent can say what ended it.
process.on('uncaughtExceptionMonitor', (err, origin) => {
  process.stderr.write(`UNHANDLED (${origin}): ${(err as { code?: string }).code ?? ''} ${err.name}: ${err.message}\n`);
});

async function main(): Promise<void> {
  const [mode, ...args] = process.argv.slice(2);
  const server = await HostileRegistry.start();
  const session = createSession({
    registries: [{ url: server.url }],
    credentials: false,
    hostsDirectories: [],
    retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 100 },
    ...SCENARIO_LIMITS,
  });
  let operation: Promise<unknown>;
  if (mode === '--property') {
    operation = manifestProperty(session, server, Number(args[0] ?? 20), Number(args[1] ?? 1));
  } else {
    const scenario = SCENARIOS[mode ?? ''];
    if (!scenario) throw new Error(`no scenario named ${JSON.stringify(mode)}`);
    server.route(...scenario.routes(server));
    operation = scenario.run(session, server.host);
  }
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<ChildReport>((resolve) => {
    timer = setTimeout(() => resolve({ outcome: 'hung' }), mode === '--property' ? PROPERTY_HUNG_AFTER_MS : HUNG_AFTER_MS);
  });
  const report = await Promise.race([
    operation.then(
      (value): ChildReport => ({ outcome: 'resolved', value }),
      (err: unknown): ChildReport => ({
        outcome: 'rejected',
        coreError: err instanceof CoreError,
        code: (err as { code?: string }).code,
        name: (err as Error).name,
        message: (err as Error).message,
      }),
    ),
    hung,
  ]);
  clearTimeout(timer);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  await server.stop();
  await Promise.race([session.close(), new Promise((resolve) => setTimeout(resolve, 1_000))]);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`hostile-child: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(2);
});
