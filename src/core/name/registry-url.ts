/**
 * Registries as the user writes them in settings and inputs: a host with an optional scheme and
 * port, no path; Docker Hub's old name `index.docker.io` read as `docker.io`, as in references.
 */
import { ParseError } from '../errors';
import { referenceRegistryHost } from './docker-hub';

/** A registry as the user names it in settings: a host with an optional scheme, no path. */
export interface RegistryLocation {
  host: string;
  /** Present only when the user wrote one: `http` means plain HTTP. */
  scheme?: 'http' | 'https';
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/;

/** Parses `registry.example.com`, `http://localhost:5000`, `https://[::1]:5443/`. */
export function parseRegistryLocation(input: string): RegistryLocation {
  const text = input.trim();
  const schemeMatch = SCHEME.exec(text);
  const scheme = schemeMatch?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
    throw new ParseError(
      `"${text}" starts with ${scheme}://: a registry is reached over https:// (the default) or plain http://.`,
      text,
      0,
    );
  }
  const rest = text.slice(schemeMatch?.[0].length ?? 0).replace(/\/$/, '');
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    throw new ParseError(
      `"${text}" has a path: give only the registry's host and port (repositories are listed under it).`,
      text,
      (schemeMatch?.[0].length ?? 0) + slash,
    );
  }
  const match = HOST_PORT.exec(rest);
  if (!match) {
    throw new ParseError(
      `"${text}" is not a registry address: use a host with an optional scheme and port, e.g. registry.example.com or http://localhost:5000.`,
      text,
    );
  }
  const [, hostname, port] = match;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    throw new ParseError(`"${text}" has port ${port}, outside 1–65535.`, text, text.lastIndexOf(port));
  }
  const host = referenceRegistryHost(`${hostname!.toLowerCase()}${port !== undefined ? `:${Number(port)}` : ''}`);
  return { host, ...(scheme ? { scheme: scheme as 'http' | 'https' } : {}) };
}
