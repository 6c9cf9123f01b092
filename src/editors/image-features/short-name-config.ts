/**
 * How Podman and Buildah read short names on this machine (their registries.conf files, read by
 * the core), for the editor features' Quadlet units, Containerfiles and Nomad jobs. Read when such
 * a file is first shown, and again when asked after a minute, since the files are outside the
 * workspace and change rarely (a package installing its drop-in, a prompt recording an alias).
 */
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import type * as Core from '../../core/index';

/** How long what was read stands before the files are read again. */
const REREAD_AFTER_MS = 60_000;

export class ShortNameConfig implements vscode.Disposable {
  private known: Core.ShortNameTable | undefined;
  private readAt = 0;
  private reading: Promise<void> | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when what is known changes (the first reading included). */
  readonly onDidChange = this.changed.event;

  constructor(private readonly core: () => typeof Core) {}

  /** What is known now (undefined until the first reading ends); starts a reading when it is due. */
  table(): Core.ShortNameTable | undefined {
    if (!this.reading && Date.now() - this.readAt >= REREAD_AFTER_MS) this.reading = this.read();
    return this.known;
  }

  /** What is known now, without starting to read. */
  current(): Core.ShortNameTable | undefined {
    return this.known;
  }

  private async read(): Promise<void> {
    let table: Core.ShortNameTable;
    try {
      table = await this.core().readShortNameTable({ env: process.env, homedir: homedir() });
    } catch {
      // The core could not be loaded: short names are read as Docker reads them, as without Podman.
      table = { aliases: new Map() };
    }
    this.readAt = Date.now();
    this.reading = undefined;
    if (this.known && sameTable(this.known, table)) return;
    this.known = table;
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function sameTable(a: Core.ShortNameTable, b: Core.ShortNameTable): boolean {
  const entries = (table: Core.ShortNameTable): string => JSON.stringify([[...table.aliases.entries()], table.searchRegistries ?? null]);
  return entries(a) === entries(b);
}
