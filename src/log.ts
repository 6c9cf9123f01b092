import type * as vscode from 'vscode';
import { redactSecrets } from './views/redact';

/** The channel's methods that take a message; everything written through them is redacted. */
const WRITERS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'append', 'appendLine', 'replace']);

/**
 * The log channel as the rest of the extension sees it: every message passes through
 * `redactSecrets`, so no code path (request lines, core errors, command notes) can write a
 * signed URL, an upload's state or user info into the log.
 */
export function redactingLog(channel: vscode.LogOutputChannel): vscode.LogOutputChannel {
  return new Proxy(channel, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof property !== 'string' || typeof value !== 'function') return value;
      if (!WRITERS.has(property)) return value.bind(target);
      return (message: unknown, ...args: unknown[]) => (value as (...a: unknown[]) => unknown).call(target, redactMessage(message), ...args.map(redactMessage));
    },
  });
}

function redactMessage(value: unknown): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (value instanceof Error) return redactSecrets(value.stack ?? value.message);
  return value;
}
