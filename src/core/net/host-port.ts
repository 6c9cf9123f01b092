/**
 * `host[:port]` as configuration and already-parsed URLs write it, split leniently (the strict
 * parser for what a user types is in name/reference.ts): IPv6 addresses in brackets.
 */

export interface HostPort {
  /** The host as written, brackets kept for IPv6: `[::1]`, `Registry.Test`. */
  name: string;
  /** Lowercased, without brackets: `::1`, `registry.test`. */
  hostname: string;
  /** The port as written (`5000`), or undefined when none is given. */
  portText: string | undefined;
  /** The port as a number, or undefined when none is given or it is not a whole number. */
  port: number | undefined;
}

export function splitHostPort(hostPort: string): HostPort {
  let name = hostPort;
  let portText: string | undefined;
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    if (end > 0 && hostPort[end + 1] === ':') {
      name = hostPort.slice(0, end + 1);
      portText = hostPort.slice(end + 2);
    }
  } else {
    const colon = hostPort.indexOf(':');
    // One colon only: a bare IPv6 address has several and no port.
    if (colon > 0 && colon === hostPort.lastIndexOf(':')) {
      name = hostPort.slice(0, colon);
      portText = hostPort.slice(colon + 1);
    }
  }
  const lower = name.toLowerCase();
  const hostname = lower.startsWith('[') ? lower.slice(1, lower.indexOf(']') > 0 ? lower.indexOf(']') : undefined) : lower;
  const port = portText !== undefined && /^\d+$/.test(portText) ? Number(portText) : undefined;
  return { name, hostname, portText, port };
}
