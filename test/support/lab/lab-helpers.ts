// Small helpers many lab tests share: the CoreError an operation fails with, a lab certificate
// and key read as the PEM texts the lab's servers take, and a session that knows only lab registries.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreError } from '../../../src/core/errors';
import { createSession, type CoreConfig, type RegistrySession } from '../../../src/core/registry/session';
import type { CertKeyPair } from './certs';
import type { PemPair } from './fault-proxy';

/** The CoreError the promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function failure(p: Promise<unknown>): Promise<CoreError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof CoreError, `expected a CoreError, got ${String(err)}`);
  return err;
}

/** A lab certificate and its key as PEM texts, for a server's `tls` option. */
export const pem = (pair: CertKeyPair): PemPair => ({ cert: readFileSync(pair.certPath, 'utf8'), key: readFileSync(pair.keyPath, 'utf8') });

/**
 * A session that knows only these lab registries and nothing of this machine: it reads no host
 * configuration (its own fresh, empty hosts folder) and no logins (`credentials: false`), so what a
 * test sees comes from the lab alone. `options` passes any other session setting (e.g. `retry`).
 */
export function plainSession(
  registryUrls: string | readonly string[],
  options: Omit<CoreConfig, 'hostsDirectories' | 'credentials' | 'registries'> = {},
): RegistrySession {
  const urls = typeof registryUrls === 'string' ? [registryUrls] : registryUrls;
  return createSession({
    ...options,
    hostsDirectories: [mkdtempSync(join(tmpdir(), 'no-hosts-'))],
    credentials: false,
    registries: urls.map((url) => ({ url })),
  });
}
