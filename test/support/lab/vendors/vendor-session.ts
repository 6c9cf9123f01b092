// A core session that reaches a contract server under the vendor's real host names (resolve rules
// to 127.0.0.1, the lab CA for each name) with the logins a test gives it, and none of the
// machine's: Docker and Podman files are empty ones of its own.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Credential } from '../../../../src/core/credentials/types';
import { createSession, type CoreConfig, type RegistrySession } from '../../../../src/core/registry/session';
import type { ContractServer } from './contract-server';

export interface VendorLogin {
  username: string;
  password: string;
}

/** A session for `servers`, with `logins` by registry host as if kept by the application (or as a test's own store hands them out). */
export function vendorSession(
  servers: ContractServer[],
  logins: Record<string, VendorLogin> | ((host: string) => Promise<Credential | undefined>) = {},
  extra: Partial<CoreConfig> = {},
): RegistrySession {
  const home = mkdtempSync(join(tmpdir(), 'vendor-home-'));
  const empty = join(home, 'auth.json');
  writeFileSync(empty, '{}');
  return createSession({
    hostsDirectories: servers.map((s) => s.hostsDirectory),
    resolveRules: servers.flatMap((s) => s.resolveRules()),
    credentials: {
      secretStore: {
        get: async (host: string): Promise<Credential | undefined> => {
          if (typeof logins === 'function') return logins(host);
          const login = logins[host] ?? (host === 'registry-1.docker.io' || host === 'index.docker.io' ? logins['docker.io'] : undefined);
          return login ? { ...login, source: 'the test login' } : undefined;
        },
      },
      dockerConfigPath: empty,
      podmanAuthPath: empty,
    },
    env: {},
    homedir: home,
    retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 },
    ...extra,
  });
}

/** Every page of an async listing, as one list per page. */
export async function pagesOf<T>(listing: AsyncIterable<T[]>): Promise<T[][]> {
  const pages: T[][] = [];
  for await (const page of listing) pages.push(page);
  return pages;
}

/** The repository names of a provider's pages, in order. */
export const repositoryNames = (pages: readonly { name: string }[][]): string[] => pages.flat().map((r) => r.name);
