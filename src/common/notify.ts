/**
 * Every notification the extension shows goes through here: it is written to the log as well
 * (notifications disappear; the log keeps what the user was told), and both copies pass through
 * the same redaction as the log, so a message can never show what the log would hide. Hidden
 * characters (bidi, zero-width, control) in what they quote show as escapes (`\u202E`).
 */
import * as vscode from 'vscode';
import { visibleTextKeepingLines } from '../core/text/visible-text';
import { redactSecrets } from './redact';

/** Set once at activation: notifications come from everywhere, and threading it through every command is noise. */
let log: vscode.LogOutputChannel | undefined;

export function logNotificationsTo(channel: vscode.LogOutputChannel): vscode.Disposable {
  log = channel;
  return { dispose: () => (log === channel ? (log = undefined) : undefined) };
}

export function showInfo<T extends string>(message: string, ...items: T[]): Thenable<T | undefined> {
  const shown = visibleTextKeepingLines(redactSecrets(message));
  log?.info(`Shown: ${shown}`);
  return vscode.window.showInformationMessage(shown, ...items);
}

export function showWarning<T extends string>(message: string, ...items: T[]): Thenable<T | undefined> {
  const shown = visibleTextKeepingLines(redactSecrets(message));
  log?.warn(`Shown: ${shown}`);
  return vscode.window.showWarningMessage(shown, ...items);
}

export function showError<T extends string>(message: string, ...items: T[]): Thenable<T | undefined> {
  const shown = visibleTextKeepingLines(redactSecrets(message));
  log?.error(`Shown: ${shown}`);
  return vscode.window.showErrorMessage(shown, ...items);
}

/** A modal question: the question and its detail are logged (at debug level: they are not news). */
export function askModal<T extends string>(message: string, detail: string, ...items: T[]): Thenable<T | undefined> {
  const shown = visibleTextKeepingLines(redactSecrets(message));
  const shownDetail = visibleTextKeepingLines(redactSecrets(detail));
  log?.debug(`Asked: ${shown} ${shownDetail.replace(/\n/g, ' ')}`);
  return vscode.window.showWarningMessage(shown, { modal: true, detail: shownDetail }, ...items);
}
