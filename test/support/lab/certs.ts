// Per-run certificates made with the openssl CLI: a CA, four server certificates that each
// reproduce one real-world TLS situation, a client certificate for mTLS tests, and the key that
// signs bearer tokens. EC P-256 keys keep generation well under a second.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './exec';

/** Which server certificate a TLS lab registry presents. */
export type TlsMode = 'ca' | 'no-ip-san' | 'registry.test' | 'lab-names';

/**
 * The public-looking names of the multi-host lab (RFC 2606 `.test`, never resolvable outside):
 * each is reached through a resolve rule to a loopback address of its own.
 */
export const LAB_NAMES = ['registry.test', 'uploads.test', 'auth.test', 'storage.test'] as const;

export interface CertKeyPair {
  certPath: string;
  keyPath: string;
}

export interface LabCerts {
  dir: string;
  /** The lab CA; trust `ca.certPath` to verify every server and client certificate below. */
  ca: CertKeyPair;
  /**
   * 'ca': SAN IP:127.0.0.1 + DNS:localhost (verifies normally).
   * 'no-ip-san': only DNS:localhost, so https://127.0.0.1 fails hostname checks (Go: "doesn't contain
   * any IP SANs"; Node: ERR_TLS_CERT_ALTNAME_INVALID).
   * 'registry.test': only DNS:registry.test, for resolve-rule / SNI tests against 127.0.0.1.
   * 'lab-names': every name of LAB_NAMES, for the hosts of the multi-host lab.
   */
  servers: Record<TlsMode, CertKeyPair>;
  /** Client certificate (extendedKeyUsage clientAuth) signed by the CA, for mTLS tests. */
  client: CertKeyPair;
  /** Self-signed EC P-256 certificate whose key signs the token server's JWTs (registry rootcertbundle). */
  tokenSigning: CertKeyPair;
  /** A folder holding only `ca.crt`, in the layout skopeo's `--cert-dir` expects. */
  containersCertDir: string;
  /** Like containersCertDir plus `client.cert`/`client.key`, for registries that require mTLS. */
  containersClientCertDir: string;
}

const CA_CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = OCI Registry Explorer Lab CA
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
`;

const REQ_CONFIG = `[req]
distinguished_name = dn
[dn]
`;

function leafExtensions(san: string, usage: 'serverAuth' | 'clientAuth'): string {
  return `[ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = ${usage}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
${san ? `subjectAltName = ${san}\n` : ''}`;
}

const DAYS = '7';

async function ecKey(keyPath: string): Promise<void> {
  await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyPath]);
}

/** Creates key + CSR and has the CA sign it with the given extensions (the vendor contract servers sign their host names with it too). */
export async function signedLeaf(
  dir: string,
  ca: CertKeyPair,
  name: string,
  cn: string,
  san: string,
  usage: 'serverAuth' | 'clientAuth',
): Promise<CertKeyPair> {
  const pair: CertKeyPair = { certPath: join(dir, `${name}.pem`), keyPath: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext.cnf`);
  const reqCnf = join(dir, `${name}.req.cnf`);
  await writeFile(ext, leafExtensions(san, usage));
  await writeFile(reqCnf, REQ_CONFIG);
  await ecKey(pair.keyPath);
  await run('openssl', ['req', '-new', '-key', pair.keyPath, '-subj', `/CN=${cn}`, '-config', reqCnf, '-out', csr]);
  // A random serial instead of a serial file lets the leaves be signed in parallel.
  const serial = `0x${randomBytes(12).toString('hex')}`;
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.certPath,
    '-CAkey',
    ca.keyPath,
    '-set_serial',
    serial,
    '-days',
    DAYS,
    '-sha256',
    '-extfile',
    ext,
    '-extensions',
    'ext',
    '-out',
    pair.certPath,
  ]);
  await Promise.all([rm(csr), rm(ext), rm(reqCnf)]);
  return pair;
}

/** Generates every lab certificate into `dir` (created if missing) and returns their paths. */
export async function generateCerts(dir: string): Promise<LabCerts> {
  await mkdir(dir, { recursive: true });
  const ca: CertKeyPair = { certPath: join(dir, 'ca.pem'), keyPath: join(dir, 'ca.key') };
  const caCnf = join(dir, 'ca.cnf');
  await writeFile(caCnf, CA_CONFIG);

  const tokenSigning: CertKeyPair = { certPath: join(dir, 'token-signing.pem'), keyPath: join(dir, 'token-signing.key') };
  const tokenCert = (async (): Promise<void> => {
    await ecKey(tokenSigning.keyPath);
    await run('openssl', [
      'req',
      '-x509',
      '-new',
      '-key',
      tokenSigning.keyPath,
      '-subj',
      '/CN=lab-token',
      '-config',
      caCnf,
      '-extensions',
      'v3_ca',
      '-days',
      DAYS,
      '-sha256',
      '-out',
      tokenSigning.certPath,
    ]);
  })();

  await ecKey(ca.keyPath);
  await run('openssl', [
    'req',
    '-x509',
    '-new',
    '-key',
    ca.keyPath,
    '-config',
    caCnf,
    '-extensions',
    'v3_ca',
    '-days',
    DAYS,
    '-sha256',
    '-out',
    ca.certPath,
  ]);

  const [withIp, noIpSan, registryTest, labNames, client] = await Promise.all([
    signedLeaf(dir, ca, 'server-ip', '127.0.0.1', 'IP:127.0.0.1, DNS:localhost', 'serverAuth'),
    signedLeaf(dir, ca, 'server-no-ip-san', 'localhost', 'DNS:localhost', 'serverAuth'),
    signedLeaf(dir, ca, 'server-registry-test', 'registry.test', 'DNS:registry.test', 'serverAuth'),
    signedLeaf(dir, ca, 'server-lab-names', 'registry.test', LAB_NAMES.map((n) => `DNS:${n}`).join(', '), 'serverAuth'),
    signedLeaf(dir, ca, 'client', 'lab-client', '', 'clientAuth'),
    tokenCert,
  ]);

  const containersCertDir = join(dir, 'containers-certs');
  await mkdir(containersCertDir, { recursive: true });
  await copyFile(ca.certPath, join(containersCertDir, 'ca.crt'));
  const containersClientCertDir = join(dir, 'containers-certs-mtls');
  await mkdir(containersClientCertDir, { recursive: true });
  await Promise.all([
    copyFile(ca.certPath, join(containersClientCertDir, 'ca.crt')),
    copyFile(client.certPath, join(containersClientCertDir, 'client.cert')),
    copyFile(client.keyPath, join(containersClientCertDir, 'client.key')),
  ]);
  await rm(caCnf);

  return {
    dir,
    ca,
    servers: { ca: withIp, 'no-ip-san': noIpSan, 'registry.test': registryTest, 'lab-names': labNames },
    client,
    tokenSigning,
    containersCertDir,
    containersClientCertDir,
  };
}
