// Builds the YAML configuration of one `docker-registry` (CNCF Distribution 2.8) lab instance.
// Only the handful of settings the lab needs; strings are emitted JSON-quoted, which YAML accepts.

export type YamlValue = string | number | boolean | YamlValue[] | { [key: string]: YamlValue | undefined };

/** Minimal block-style YAML writer for plain nested objects (keys must be simple identifiers). */
export function toYaml(value: { [key: string]: YamlValue | undefined }, indent = 0): string {
  const pad = ' '.repeat(indent);
  let out = '';
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) {
      out += `${pad}${key}:\n`;
      for (const item of v) {
        if (typeof item === 'object') throw new Error('toYaml: arrays of objects are not needed by the lab');
        out += `${pad}  - ${scalar(item)}\n`;
      }
    } else if (typeof v === 'object') {
      out += `${pad}${key}:\n${toYaml(v, indent + 2)}`;
    } else {
      out += `${pad}${key}: ${scalar(v)}\n`;
    }
  }
  return out;
}

function scalar(v: string | number | boolean): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

export interface RegistryConfigInput {
  /** `address:port` to listen on, e.g. 127.0.0.2:5000 or [::1]:5000. */
  listen: string;
  /**
   * Distribution's `http.host`: the origin its generated URLs (upload locations) use instead of
   * the request's, as a registry behind a load balancer with a separate upload host does.
   */
  externalUrl?: string;
  dataDir: string;
  httpSecret: string;
  deleteEnabled: boolean;
  tls?: { certPath: string; keyPath: string; clientCaPath?: string };
  htpasswd?: { realm: string; path: string };
  token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
  proxy?: { remoteUrl: string; username?: string; password?: string };
  /**
   * Regular expressions for the `urls` a pushed manifest's foreign or non-distributable layers may
   * give (Distribution's `validation.manifests.urls.allow`); unset, it refuses every such manifest.
   */
  layerUrlsAllowed?: string[];
}

export function registryConfigYaml(input: RegistryConfigInput): string {
  const auth: { [key: string]: YamlValue | undefined } | undefined = input.htpasswd
    ? { htpasswd: { realm: input.htpasswd.realm, path: input.htpasswd.path } }
    : input.token
      ? {
          token: {
            realm: input.token.realm,
            service: input.token.service,
            issuer: input.token.issuer,
            rootcertbundle: input.token.rootCertBundle,
          },
        }
      : undefined;
  const config: { [key: string]: YamlValue | undefined } = {
    version: '0.1',
    // info level keeps auth and proxy errors in the log and prints the "listening on" line that
    // LabRegistry.start() waits for; the access log (stdout) shows request lines with ?ns= etc.
    log: { level: 'info', formatter: 'text', accesslog: { disabled: false } },
    storage: {
      filesystem: { rootdirectory: input.dataDir },
      // Without this Distribution answers DELETE with 405 UNSUPPORTED.
      delete: { enabled: input.deleteEnabled },
    },
    http: {
      addr: input.listen,
      host: input.externalUrl,
      // A fixed secret silences the "No HTTP secret provided" warning and keeps upload state valid
      // across restart() on the same port.
      secret: input.httpSecret,
      tls: input.tls
        ? {
            certificate: input.tls.certPath,
            key: input.tls.keyPath,
            clientcas: input.tls.clientCaPath ? [input.tls.clientCaPath] : undefined,
          }
        : undefined,
    },
    auth,
    proxy: input.proxy ? { remoteurl: input.proxy.remoteUrl, username: input.proxy.username, password: input.proxy.password } : undefined,
    validation: input.layerUrlsAllowed ? { manifests: { urls: { allow: input.layerUrlsAllowed } } } : undefined,
  };
  return toYaml(config);
}
