// Small helpers many lab tests share: the CoreError an operation fails with, and a lab certificate
// and key read as the PEM texts the lab's servers take.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { CoreError } from '../../../src/core/errors';
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
