import type * as vscode from 'vscode';
import { visibleTextKeepingLines } from '../core/text/visible-text';
import { redactSecrets } from './redact';

/** The channel's methods that take a message; everything written through them is redacted. */
const WRITERS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'append', 'appendLine', 'replace']);

/**
 * The log channel as the rest of the extension sees it: every message passes through
 * `redactSecrets`, so no code path (request lines, core errors, command notes) can write a
 * signed URL, an upload's state or user info into the log; and through `oneEntry`, so no text in
 * it (a registry's repository name, a stack) can pass for another log entry or hide characters.
 */
export function redactingLog(channel: vscode.LogOutputChannel): vscode.LogOutputChannel {
  return new Proxy(channel, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof property !== 'string' || typeof value !== 'function') return value;
      if (!WRITERS.has(property)) return value.bind(target);
      return (message: unknown, ...args: unknown[]) =>
        (value as (...a: unknown[]) => unknown).call(target, redactMessage(message), ...args.map(redactMessage));
    },
  });
}

function redactMessage(value: unknown): unknown {
  if (typeof value === 'string') return oneEntry(redactSecrets(value));
  if (value instanceof Error) return oneEntry(redactSecrets(value.stack ?? value.message));
  return value;
}

/** Indent on every line after an entry's first: only the channel's own lines start at the margin. */
const CONTINUATION = '\n    ';

/**
 * One log entry however many lines it has: later lines are indented (a line a registry slipped in
 * cannot look like a timestamped entry of its own) and invisible, bidi and control characters other
 * than tab and line breaks show as escapes (`\u202E`).
 */
export function oneEntry(text: string): string {
  return visibleTextKeepingLines(text).replace(/\r\n|\r|\n/g, CONTINUATION);
}
