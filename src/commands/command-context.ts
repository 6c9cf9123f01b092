/**
 * What every command module receives: the registry service (the session, logins, request log,
 * repositories), the tree (to refresh or reveal what a command changed) and the log channel.
 */
import type * as vscode from 'vscode';
import type { RegistryService } from '../common/registry-service';
import type { RegistryTreeProvider } from '../views/registry-tree';

export interface CommandContext {
  readonly registry: RegistryService;
  readonly tree: RegistryTreeProvider;
  readonly log: vscode.LogOutputChannel;
}
