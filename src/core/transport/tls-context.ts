/**
 * The TLS contexts of the transport's connections: the session's roots (or Node's default store)
 * with a host's own CAs added, and its client certificate, built once and shared by every
 * connection made with the same ones.
 */
import { createHash } from 'node:crypto';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import type { ConnectionOptions } from './connection-options';

/**
 * The TLS context of a connection: the roots (or Node's default store) with the host's own CAs
 * added, never replacing them, and its client certificate.
 */
export function secureContextFor(options: ConnectionOptions): SecureContext {
  const pair = options.clientCertificates?.[0];
  // Hundreds of roots take a tenth of a second to load: one context per set of roots, CAs and client pair.
  const key = createHash('sha256')
    .update(JSON.stringify([options.roots?.id ?? null, options.ca ?? [], pair ? [pair.cert, pair.key] : null]))
    .digest('hex');
  let context = secureContexts.get(key);
  if (!context) {
    const roots = options.roots?.certificates ?? (options.ca ? rootCertificates : undefined);
    context = createSecureContext({
      ...(roots || options.ca ? { ca: [...(roots ?? []), ...(options.ca ?? [])] } : {}),
      ...(pair ? { cert: pair.cert, key: pair.key } : {}),
    });
    secureContexts.set(key, context);
    // A few kinds of connection per session: keep the most recent ones.
    if (secureContexts.size > 32) secureContexts.delete(secureContexts.keys().next().value!);
  }
  return context;
}

const secureContexts = new Map<string, SecureContext>();
