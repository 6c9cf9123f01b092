// One measured transfer by our core, in a process of its own so that its peak RSS is ours alone.
// Usage: node out/bench/ours.js '<OursCase as JSON>'; prints one JSON line (OursResult) and exits.
import { OciImageLayout } from '../src/core/layout/oci-layout';
import { copy } from '../src/core/operations/copy';
import { createSession, type RegistrySession } from '../src/core/registry/session';

export type OursCase =
  | { kind: 'copy'; source: string; target: string; repository: string; tag: string; concurrency: number }
  | { kind: 'pull-layout'; source: string; repository: string; tag: string; dir: string; concurrency: number }
  | { kind: 'list-tags'; source: string; repository: string; pageSize: number };

export interface OursResult {
  /** Time inside this process, from creating the session to the last byte (Node's start-up excluded). */
  ms: number;
  firstPageMs?: number;
  count?: number;
  bytes?: number;
}

function sessionFor(urls: string[]): RegistrySession {
  // No hosts directories, no logins: exactly the lab's plain-HTTP registries, as named.
  return createSession({ hostsDirectories: [], credentials: false, registries: urls.map((url) => ({ url })) });
}

async function copyCase(spec: Extract<OursCase, { kind: 'copy' }>): Promise<OursResult> {
  const started = performance.now();
  const session = sessionFor([spec.source, spec.target]);
  try {
    const from = session.registry(new URL(spec.source).host).repository(spec.repository);
    const to = session.registry(new URL(spec.target).host).repository(spec.repository);
    const root = await from.resolve(spec.tag);
    const result = await copy(from, to, root, { tag: spec.tag, concurrency: spec.concurrency });
    if (result.blobs.skipped || result.blobs.mounted)
      throw new Error(`the copy skipped or mounted blobs (${JSON.stringify(result.blobs)}): the target was not fresh`);
    return { ms: performance.now() - started, bytes: result.bytes.transferred };
  } finally {
    await session.close();
  }
}

/** A pull is the same copy with an OCI image layout folder as the target, the root listed under the tag. */
async function pullLayoutCase(spec: Extract<OursCase, { kind: 'pull-layout' }>): Promise<OursResult> {
  const started = performance.now();
  const session = sessionFor([spec.source]);
  try {
    const from = session.registry(new URL(spec.source).host).repository(spec.repository);
    const layout = await OciImageLayout.open(spec.dir, { create: true });
    const root = await from.resolve(spec.tag);
    const result = await copy(from, layout, root, { tag: spec.tag, concurrency: spec.concurrency });
    if (result.blobs.skipped) throw new Error(`the pull skipped ${result.blobs.skipped} blobs: the layout folder was not fresh`);
    return { ms: performance.now() - started, bytes: result.bytes.transferred };
  } finally {
    await session.close();
  }
}

async function listTagsCase(spec: Extract<OursCase, { kind: 'list-tags' }>): Promise<OursResult> {
  const started = performance.now();
  const session = sessionFor([spec.source]);
  try {
    let firstPageMs: number | undefined;
    let count = 0;
    for await (const page of session.registry(new URL(spec.source).host).listTags(spec.repository, { pageSize: spec.pageSize })) {
      firstPageMs ??= performance.now() - started;
      count += page.length;
    }
    return { ms: performance.now() - started, firstPageMs, count };
  } finally {
    await session.close();
  }
}

function runCase(spec: OursCase): Promise<OursResult> {
  switch (spec.kind) {
    case 'copy':
      return copyCase(spec);
    case 'pull-layout':
      return pullLayoutCase(spec);
    case 'list-tags':
      return listTagsCase(spec);
  }
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as OursCase;
  const result = await runCase(spec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
