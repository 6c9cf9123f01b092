// `node out/test/support/lab/demo-registry.js [--port N] [--dir D]`: one plain-HTTP lab registry with the
// sample content, for `npm run demo`. Prints one JSON line ({"url","host",…}) on stdout once ready
// and runs until SIGINT/SIGTERM. Diagnostics go to stderr so stdout stays machine-readable.
import { rm } from 'node:fs/promises';
import { isPortFree } from './ports';
import { Lab } from './registry';
import { seedSampleContent } from './sample-content';

const DEFAULT_PORT = 5000;

function parseArgs(argv: string[]): { port?: number; dir?: string } {
  const out: { port?: number; dir?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=') ? (arg.split(/=(.*)/s) as [string, string]) : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--port') {
      const port = Number(value());
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port must be 1-65535`);
      out.port = port;
    } else if (flag === '--dir') {
      out.dir = value();
    } else {
      throw new Error(`unknown argument ${arg}; usage: demo-registry [--port N] [--dir D]`);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let port = args.port;
  if (port === undefined && (await isPortFree(DEFAULT_PORT))) port = DEFAULT_PORT;
  else if (port === undefined) process.stderr.write(`demo-registry: port ${DEFAULT_PORT} is taken, using a free port\n`);

  const lab = await Lab.create({ dir: args.dir });
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`demo-registry: ${signal}, stopping\n`);
    lab.stopAll().then(
      () => process.exit(0),
      (err: Error) => {
        process.stderr.write(`demo-registry: stop failed: ${err.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  try {
    const registry = await lab.startRegistry({ name: 'demo', port });
    const content = await seedSampleContent(registry);
    // The registry now holds everything; drop the build folder so a reused --dir does not grow.
    await rm(content.layoutDir, { recursive: true, force: true });
    process.stdout.write(
      `${JSON.stringify({ url: registry.url, host: registry.host, dir: lab.dir, log: registry.logPath, repositories: content.repositories.map((r) => r.name) })}\n`,
    );
    void registry.whenExited().then(() => {
      if (stopping) return;
      process.stderr.write(`demo-registry: the registry exited unexpectedly; log ${registry.logPath}:\n${registry.logTail()}\n`);
      void lab.stopAll().finally(() => process.exit(1));
    });
  } catch (err) {
    await lab.stopAll();
    throw err;
  }
}

main().catch((err: Error) => {
  process.stderr.write(`demo-registry: ${err.message}\n`);
  process.exit(1);
});
