// What the hostile soak's parent (hostile-soak.ts) and its child (hostile-soak-child.ts) say to
// each other over the IPC channel, and the operations the child can run. No code runs here, so
// both sides can import it.
import type { Descriptor } from '../../../src/core/oci/manifest';
import type { RequestLogEntry } from '../../../src/core/transport/connection';

/** `copy` stays within the hostile registry (blobs are mounted); `copy-across` streams them to a plain lab registry. */
export const HOSTILE_OPERATIONS = [
  'ping',
  'tags',
  'catalog',
  'resolve',
  'manifest',
  'referrers',
  'pull-layout',
  'push-layout',
  'copy',
  'copy-across',
] as const;
export type HostileOperation = (typeof HOSTILE_OPERATIONS)[number];

export interface HostileChildConfig {
  /** The name the client uses for the hostile registry. */
  registry: string;
  /** A plain lab registry (`127.0.0.1:PORT`, http) that `copy-across` writes to. */
  plainRegistry: string;
  resolveRule: string;
  hostsDirectory: string;
  dockerConfigPath: string;
  limits: { requestTimeoutMs: number; bodyIdleTimeoutMs: number; documentTimeoutMs: number };
  repository: string;
  tag: string;
  root: Descriptor;
  /** The OCI layout pushes read from (it holds the root). */
  layoutDir: string;
  /** An operation that has not settled by then is reported as hung. */
  operationLimitMs: number;
}

export type ParentMessage =
  | { type: 'run'; index: number; operation: HostileOperation; /** Pull folder, or push/copy target repository. */ destination: string }
  | { type: 'close' }
  | { type: 'finish' };

export interface ReportedError {
  coreError: boolean;
  name: string;
  code?: string;
  message: string;
  /** A RegistryError's details as JSON (what a library caller can read). */
  details?: string;
  /** Where an error that is not a CoreError came from, to find the code that let it through. */
  stack?: string;
}

export interface RoundResult {
  type: 'result';
  index: number;
  operation: HostileOperation;
  outcome: 'completed' | 'failed' | 'hung';
  /** What a completed operation returned, small (a digest, a count, a state). */
  value?: string | number;
  error?: ReportedError;
  log: RequestLogEntry[];
}

export interface ClosedReport {
  type: 'closed';
  /**
   * Sockets still keeping this process alive once the session was closed (a request in flight; an
   * idle kept-alive one does not keep it alive, and the registry's side counts those).
   */
  openSockets: number;
}

export interface MemoryReport {
  type: 'memory';
  peakRssBytes: number;
  peakHeapBytes: number;
  /** Heap used after a full collection, before the first operation and after the last session closed. */
  heapStartBytes: number;
  heapEndBytes: number;
  warnings: string[];
}

export type ChildMessage = RoundResult | ClosedReport | MemoryReport;
