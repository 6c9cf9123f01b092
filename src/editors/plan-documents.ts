/**
 * Read-only tabs for endpoint plans, `oci-plan:/<host> <operation> plan`: where an operation on a
 * registry goes and why, as Show Endpoint Plan… computed it. A virtual document, like Open as
 * JSON's: closing it never asks to save, and it is never mistaken for a file of the user's.
 */
import type * as vscode from 'vscode';
import { Uri } from 'vscode';
import { core } from '../common/core-loader';
import { errorText } from '../common/error-text';
import type { Operation, RegistrySession } from '../core/index';

export const PLAN_SCHEME = 'oci-plan';

export function planUri(host: string, operation: Operation): Uri {
  return Uri.from({ scheme: PLAN_SCHEME, path: `/${host} ${operation} plan` });
}

function parsePlanUri(uri: Uri): { host: string; operation: Operation } | undefined {
  const match = /^\/(\S+) (\w+) plan$/.exec(uri.path);
  return match ? { host: match[1]!, operation: match[2] as Operation } : undefined;
}

export class EndpointPlanProvider implements vscode.TextDocumentContentProvider {
  /** What the command showed, by URI: the tab shows that text, not a plan computed again later. */
  private readonly shown = new Map<string, string>();

  constructor(private readonly session: () => RegistrySession) {}

  /** Keeps the text a command computed, for the tab it is about to open. */
  remember(uri: Uri, text: string): void {
    this.shown.set(uri.toString(), text);
  }

  async provideTextDocumentContent(uri: Uri): Promise<string> {
    const remembered = this.shown.get(uri.toString());
    if (remembered !== undefined) return remembered;
    // A tab restored after a reload: the plan as it is now.
    const target = parsePlanUri(uri);
    if (!target) return `Not an endpoint plan: ${uri.toString()}`;
    try {
      return core().describePlan(await this.session().plan(target.host, target.operation));
    } catch (err) {
      return `The endpoint plan for ${target.host} (${target.operation}) could not be made: ${errorText(err)}`;
    }
  }
}
